/* fuzz-safetensors.c — the libFuzzer entry point for the safetensors parser
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Parses the input as a weight file and, when it is accepted, touches everything a caller can
 * reach: every tensor read as float32, every name looked up, the metadata, the hash, the file read
 * as a U-Net's (both parts of a two-stage file). Whatever the bytes, nothing may crash, read out
 * of bounds or leak (AddressSanitizer and UBSan watch).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csnn-models.h"
#include "csnn-safetensors.h"
#include "csnn-seg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  csnn_safetensors *st = NULL;
  csnn_model_meta meta;
  int status = csnn_safetensors_parse(data, size, &st);

  if (status != CSNN_OK) {
    /* A refusal must come with a message, and leave nothing behind. */
    if (st != NULL || csnn_last_error()[0] == '\0')
      abort();
    return 0;
  }

  for (size_t i = 0; i < csnn_safetensors_n_tensors(st); i++) {
    const char *name = csnn_safetensors_name(st, i);
    size_t n = csnn_safetensors_n_elements(st, i);
    int64_t shape[CSNN_ST_MAX_DIMS];
    int ndim = csnn_safetensors_shape(st, i, shape);
    float *values;

    if (name == NULL || csnn_safetensors_find(st, name) != (long)i || ndim < 0 ||
        ndim > CSNN_ST_MAX_DIMS)
      abort();
    /* Elements are at least one byte each, so an accepted file bounds this allocation. */
    if (n > size)
      abort();
    values = malloc((n ? n : 1) * sizeof *values);
    if (values != NULL) {
      status = csnn_safetensors_read_f32(st, i, values, n);
      if (status != CSNN_OK && status != CSNN_ERR_UNSUPPORTED)
        abort();
      status = csnn_safetensors_read_named(st, name, ndim, shape, values);
      if (status != CSNN_OK && status != CSNN_ERR_UNSUPPORTED)
        abort();
      free(values);
    }
  }
  for (size_t i = 0; i < csnn_safetensors_n_metadata(st); i++) {
    const char *key = csnn_safetensors_metadata_key(st, i);

    if (key == NULL || csnn_safetensors_metadata(st, key) != csnn_safetensors_metadata_value(st, i))
      abort();
  }
  csnn_model_meta_read(st, &meta);
  /* As a U-Net's weights: the main network, a two-stage file's refiner and an ensemble's first
   * further locator. A load either succeeds or refuses with a message and nothing made. */
  for (int part = 0; part < 3; part++) {
    const char *prefixes[] = { "", CSNN_SEG_REFINE_PREFIX, CSNN_SEG_MEMBER_PREFIX "1." };
    csnn_seg *seg = NULL;

    status = csnn_seg_load_part(st, "fuzz", prefixes[part], &seg);
    if (status == CSNN_OK ? seg == NULL : seg != NULL || csnn_last_error()[0] == '\0')
      abort();
    csnn_seg_free(seg);
  }
  if (strlen(csnn_safetensors_sha256(st)) != 64)
    abort();
  csnn_safetensors_close(st);
  return 0;
}
