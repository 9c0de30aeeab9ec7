/* csnn-safetensors.h — reading and writing safetensors weight files
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A safetensors file is an 8-byte little-endian header length N, N bytes of JSON describing each
 * tensor (dtype, shape, data_offsets relative to the end of the header) plus an optional
 * "__metadata__" object of string values, then the tensor bytes. The parser trusts nothing in
 * the header: every offset, size and shape is checked against the file before any byte is read.
 *
 * Strictness, so that every byte of a file is accounted for (as the reference implementation
 * does): the tensors' byte ranges must tile the data section exactly, with no gap, no overlap and
 * nothing after the last tensor; names and metadata keys must be unique; a tensor entry has exactly
 * the fields dtype, shape and data_offsets; metadata values are strings. F32, F16 and BF16 are the
 * weight types; the other safetensors number types (F64, the integers, BOOL) are accepted too so
 * that a PyTorch state_dict with its int64 num_batches_tracked buffers loads, and are converted to
 * float32 on read. The 8-bit float types are validated but cannot be read.
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

/* Limits that protect memory: the JSON header, and the whole file (which is read into memory). */
#define CSNN_ST_MAX_HEADER (100u * 1024u * 1024u)
#define CSNN_ST_MAX_FILE   ((uint64_t)4 << 30)

/* Element types read from files; files are always written as F32. */
typedef enum {
  CSNN_DTYPE_F32,
  CSNN_DTYPE_F16,
  CSNN_DTYPE_BF16,
  CSNN_DTYPE_F64,
  CSNN_DTYPE_I64,
  CSNN_DTYPE_I32,
  CSNN_DTYPE_I16,
  CSNN_DTYPE_I8,
  CSNN_DTYPE_U64,
  CSNN_DTYPE_U32,
  CSNN_DTYPE_U16,
  CSNN_DTYPE_U8,
  CSNN_DTYPE_BOOL,
  CSNN_DTYPE_F8_E4M3, /* Validated, not readable. */
  CSNN_DTYPE_F8_E5M2  /* Validated, not readable. */
} csnn_dtype;

/* Returns the safetensors name of @dtype ("F32", "BF16", ...). */
const char *csnn_dtype_name(csnn_dtype dtype);

/* Returns the size in bytes of one element of @dtype. */
size_t csnn_dtype_size(csnn_dtype dtype);

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

/* Returns the name of tensor @index (in the header's order), or NULL when out of range. */
const char *csnn_safetensors_name(const csnn_safetensors *st, size_t index);

/* Returns the index of the tensor called @name, or -1. */
long csnn_safetensors_find(const csnn_safetensors *st, const char *name);

/* Returns the number of dimensions of tensor @index and copies its shape into @shape
 * (CSNN_ERR_INVALID for an index out of range). */
int csnn_safetensors_shape(const csnn_safetensors *st, size_t index,
                           int64_t shape[CSNN_ST_MAX_DIMS]);

/* Returns the element type of tensor @index as stored in the file. */
csnn_dtype csnn_safetensors_dtype(const csnn_safetensors *st, size_t index);

/* Returns the number of elements of tensor @index (0 when out of range). */
size_t csnn_safetensors_n_elements(const csnn_safetensors *st, size_t index);

/* Converts tensor @index to float32 into @dst, which holds @n_elements (must match exactly). */
int csnn_safetensors_read_f32(const csnn_safetensors *st, size_t index, float *dst,
                              size_t n_elements);

/* Reads the tensor called @name, which must have @ndim dimensions equal to @shape, as float32 into
 * @dst; a missing or misshaped tensor is a CSNN_ERR_FORMAT error naming it and both shapes. */
int csnn_safetensors_read_named(const csnn_safetensors *st, const char *name, int ndim,
                                const int64_t *shape, float *dst);

/* Returns the "__metadata__" value for @key, or NULL. */
const char *csnn_safetensors_metadata(const csnn_safetensors *st, const char *key);

/* Returns the number of metadata entries; keys and values by index below. */
size_t csnn_safetensors_n_metadata(const csnn_safetensors *st);
const char *csnn_safetensors_metadata_key(const csnn_safetensors *st, size_t index);
const char *csnn_safetensors_metadata_value(const csnn_safetensors *st, size_t index);

/* Returns the SHA-256 of the whole file as 64 lowercase hex digits (the model hash). */
const char *csnn_safetensors_sha256(const csnn_safetensors *st);

/* Writes @n tensors as F32 and the NULL-terminated key, value, ... list @metadata (may be NULL) to
 * @path, atomically (temporary file in the same directory, fsync, rename): a failure or a crash
 * leaves any previous file at @path as it was. The header is padded with spaces to a multiple of 8
 * bytes so the tensor data is 8-byte aligned. */
int csnn_safetensors_save(const char *path, const csnn_st_tensor *tensors, size_t n,
                          const char *const *metadata);

#ifdef __cplusplus
}
#endif
