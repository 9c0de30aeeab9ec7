/* csnn-safetensors-private.h — the inside of an opened weight file, shared by its reader, its
 * header's JSON parser and its writer
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csnn-safetensors.h"
#include "csnn-sha256.h"

typedef struct {
  const char *name;
  csnn_dtype dtype;
  int ndim;
  int64_t shape[CSNN_ST_MAX_DIMS];
  size_t n_elements;
  uint64_t begin; /* Byte offsets relative to the start of the data section. */
  uint64_t end;
} csnn__st_tensor;

struct csnn_safetensors {
  uint8_t *file; /* The whole file, owned. */
  size_t file_size;
  const uint8_t *data; /* The data section inside @file. */
  size_t data_size;
  char *strings; /* Decoded names, keys and values: as many bytes as the header, plus 8. */
  csnn__st_tensor *tensors;
  size_t n_tensors;
  const csnn__st_tensor **by_name; /* Sorted by name, for csnn_safetensors_find(). */
  const char **meta_keys;
  const char **meta_values;
  size_t n_metadata;
  pthread_mutex_t sha_lock; /* The hash is computed on first use, by whichever thread asks. */
  bool sha_done;
  char sha256[CSNN_SHA256_HEX_SIZE];
};

/* Finds the element type safetensors spells @name ("F32", "BF16", ...); false if none. */
bool csnn__st_dtype_from_name(const char *name, csnn_dtype *out);

/* Copies @name for an error message: shortened, with control characters replaced, so a hostile
 * name can neither flood the message nor drive the user's terminal. */
const char *csnn__st_shown(const char *name, char buffer[72]);

/* Formats @shape as "[3, 224, 224]" for error messages. */
const char *csnn__st_shape_string(int ndim, const int64_t *shape, char buffer[200]);

/* Multiplies the dimensions of @shape; false when one is negative or the product exceeds @limit.
 * A zero dimension makes the product zero whatever the others are. */
bool csnn__st_count_elements(int ndim, const int64_t *shape, uint64_t limit, uint64_t *out);

/* ---- the header's JSON (csnn-safetensors-json.c) ---- */

/* Length of the valid UTF-8 sequence at @p (at most @avail bytes), or 0 when it is invalid. */
size_t csnn__utf8_length(const unsigned char *p, size_t avail);

/* Parses the @size bytes of JSON at @header into @st's tensors (names, dtypes, shapes, offsets,
 * not yet checked against the data) and metadata, decoding strings into st->strings. */
int csnn__st_parse_header(csnn_safetensors *st, const char *header, size_t size);
