/* csnn-ops-private.h — helpers shared by the engine's kernels
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stddef.h>

#include "csnn-ops.h"

/* Applies @act to @n floats in place on the calling thread. */
void csnn__act_inplace(csnn_act act, float *x, size_t n);

/* Adds @bias to @n floats and applies @act, in place. */
void csnn__bias_act_inplace(csnn_act act, float bias, float *x, size_t n);

/* x = x * sigmoid(x), in place. */
void csnn__silu_inplace(float *x, size_t n);

/* x = 1 / (1 + exp(-x)), in place. */
void csnn__sigmoid_inplace(float *x, size_t n);

/* Returns the sum of @n floats. */
float csnn__sum(const float *x, size_t n);

/* Pools one plane of @d (h_in x w_in floats at @src) into @dst (h_out x w_out floats). */
void csnn__pool_plane(const csnn_pool2d_desc *d, const float *src, float *dst);
