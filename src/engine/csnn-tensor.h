/* csnn-tensor.h — float32 NCHW tensors and arenas
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A tensor is a shape and a pointer: it never owns its data. Data lives in arenas, which are
 * allocated once (their pages touched once) and reused for every pass, because page faults are
 * expensive and a network's activations have the same sizes on every call.
 *
 *   csnn_arena arena = { 0 };
 *   csnn_arena_reserve(&arena, 1 << 20);
 *   csnn_tensor t = csnn_tensor_make(1, 3, 224, 224, csnn_arena_alloc(&arena, 3 * 224 * 224));
 *   ...
 *   csnn_arena_reset(&arena);   // reuse for the next pass
 *   csnn_arena_free(&arena);
 */
#pragma once

#include <stddef.h>

#include "csnn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A float32 tensor in NCHW order, densely packed. */
typedef struct {
  int n, c, h, w;
  float *data;
} csnn_tensor;

/* Returns a tensor of the given shape over @data. */
static inline csnn_tensor
csnn_tensor_make(int n, int c, int h, int w, float *data)
{
  csnn_tensor t = { n, c, h, w, data };
  return t;
}

/* Returns the number of elements of @t. */
static inline size_t
csnn_tensor_numel(const csnn_tensor *t)
{
  return (size_t)t->n * (size_t)t->c * (size_t)t->h * (size_t)t->w;
}

/* A bump allocator over one 64-byte aligned block. */
typedef struct {
  float *base;
  size_t capacity; /* In floats. */
  size_t used;     /* In floats. */
} csnn_arena;

/* Makes sure @arena holds at least @n_floats, touching every page once; keeps nothing. */
int csnn_arena_reserve(csnn_arena *arena, size_t n_floats);

/* Returns @n_floats from @arena (64-byte aligned), or NULL when it is full. */
float *csnn_arena_alloc(csnn_arena *arena, size_t n_floats);

/* Forgets every allocation of @arena, keeping its memory. */
void csnn_arena_reset(csnn_arena *arena);

/* Frees the memory of @arena. */
void csnn_arena_free(csnn_arena *arena);

#ifdef __cplusplus
}
#endif
