/* csnn-tensor.c — arenas for tensors
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "csnn-tensor.h"

#include <stdlib.h>
#include <string.h>

/* Sixteen floats: one cache line, one AVX-512 register. */
#define ARENA_ALIGN_FLOATS 16

int
csnn_arena_reserve(csnn_arena *arena, size_t n_floats)
{
  void *block = NULL;
  size_t bytes;

  if (arena->capacity >= n_floats)
    return CSNN_OK;
  n_floats = (n_floats + ARENA_ALIGN_FLOATS - 1) / ARENA_ALIGN_FLOATS * ARENA_ALIGN_FLOATS;
  if (n_floats > ((size_t)1 << 40) / sizeof(float))
    return csnn_set_error(CSNN_ERR_NOMEM, "an arena of %zu floats is too large", n_floats);
  bytes = n_floats * sizeof(float);
  if (posix_memalign(&block, 64, bytes) != 0)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate %zu bytes for tensors", bytes);
  /* Touch every page now, once, rather than fault them in during the first passes. */
  memset(block, 0, bytes);
  free(arena->base);
  arena->base = block;
  arena->capacity = n_floats;
  arena->used = 0;
  return CSNN_OK;
}

float *
csnn_arena_alloc(csnn_arena *arena, size_t n_floats)
{
  size_t start = (arena->used + ARENA_ALIGN_FLOATS - 1) / ARENA_ALIGN_FLOATS * ARENA_ALIGN_FLOATS;

  if (start > arena->capacity || n_floats > arena->capacity - start)
    return NULL;
  arena->used = start + n_floats;
  return arena->base + start;
}

void
csnn_arena_reset(csnn_arena *arena)
{
  arena->used = 0;
}

void
csnn_arena_free(csnn_arena *arena)
{
  free(arena->base);
  arena->base = NULL;
  arena->capacity = 0;
  arena->used = 0;
}
