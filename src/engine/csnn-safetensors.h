/* csnn-safetensors.h — reading and writing safetensors weight files
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A safetensors file is an 8-byte little-endian header length N, N bytes of JSON describing each
 * tensor (dtype, shape, data_offsets relative to the end of the header) plus an optional
 * "__metadata__" object of string values, then the tensor bytes. The parser trusts nothing in
 * the header: every offset, size and shape is checked against the file before any byte is read.
 *
 *   csnn_safetensors *st;
 *   if (csnn_safetensors_open("model.safetensors", &st) != CSNN_OK)
 *     fprintf(stderr, "%s\n", csnn_last_error());
 *   long i = csnn_safetensors_find(st, "classifier.1.weight");
 *   csnn_safetensors_read_f32(st, i, buffer, n_elements);
 *   csnn_safetensors_close(st);
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "csnn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most dimensions a tensor may have. */
#define CSNN_ST_MAX_DIMS 8

/* Element types read from files; files are always written as F32. */
typedef enum { CSNN_DTYPE_F32, CSNN_DTYPE_F16, CSNN_DTYPE_BF16 } csnn_dtype;

/* An opened, validated weight file. */
typedef struct csnn_safetensors csnn_safetensors;

/* One tensor to save: name, shape and float32 data in C order. */
typedef struct {
  const char *name;
  int ndim;
  int64_t shape[CSNN_ST_MAX_DIMS];
  const float *data;
} csnn_st_tensor;

/* Opens and validates the file at @path; on success *@out must be closed by the caller. */
int csnn_safetensors_open(const char *path, csnn_safetensors **out);

/* Validates @size bytes at @data (copied); for tests and the fuzzer. */
int csnn_safetensors_parse(const void *data, size_t size, csnn_safetensors **out);

/* Frees everything of @st; NULL is allowed. */
void csnn_safetensors_close(csnn_safetensors *st);

/* Returns the number of tensors in @st. */
size_t csnn_safetensors_n_tensors(const csnn_safetensors *st);

/* Returns the name of tensor @index. */
const char *csnn_safetensors_name(const csnn_safetensors *st, size_t index);

/* Returns the index of the tensor called @name, or -1. */
long csnn_safetensors_find(const csnn_safetensors *st, const char *name);

/* Returns the number of dimensions of tensor @index and copies its shape into @shape. */
int csnn_safetensors_shape(const csnn_safetensors *st, size_t index,
                           int64_t shape[CSNN_ST_MAX_DIMS]);

/* Returns the element type of tensor @index as stored in the file. */
csnn_dtype csnn_safetensors_dtype(const csnn_safetensors *st, size_t index);

/* Returns the number of elements of tensor @index. */
size_t csnn_safetensors_n_elements(const csnn_safetensors *st, size_t index);

/* Converts tensor @index to float32 into @dst, which holds @n_elements (must match exactly). */
int csnn_safetensors_read_f32(const csnn_safetensors *st, size_t index, float *dst,
                              size_t n_elements);

/* Returns the "__metadata__" value for @key, or NULL. */
const char *csnn_safetensors_metadata(const csnn_safetensors *st, const char *key);

/* Returns the number of metadata entries; keys and values by index below. */
size_t csnn_safetensors_n_metadata(const csnn_safetensors *st);
const char *csnn_safetensors_metadata_key(const csnn_safetensors *st, size_t index);
const char *csnn_safetensors_metadata_value(const csnn_safetensors *st, size_t index);

/* Returns the SHA-256 of the whole file as 64 lowercase hex digits (the model hash). */
const char *csnn_safetensors_sha256(const csnn_safetensors *st);

/* Writes @n tensors as F32 and the NULL-terminated key, value, ... list @metadata to @path,
 * atomically (temporary file, fsync, rename). */
int csnn_safetensors_save(const char *path, const csnn_st_tensor *tensors, size_t n,
                          const char *const *metadata);

#ifdef __cplusplus
}
#endif
