/* csnn-simd.c — vectorised element-wise helpers with run-time CPU dispatch
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "csnn-ops-private.h"
#include "csnn-simd.h"

void
csnn__silu_inplace(float *x, size_t n)
{
  if (csnn__have_avx512()) {
    csnn__silu_avx512(x, n);
    return;
  }
  for (size_t i = 0; i < n; i++)
    x[i] = x[i] / (1.0f + expf(-x[i]));
}

void
csnn__sigmoid_inplace(float *x, size_t n)
{
  if (csnn__have_avx512()) {
    csnn__sigmoid_avx512(x, n);
    return;
  }
  for (size_t i = 0; i < n; i++)
    x[i] = 1.0f / (1.0f + expf(-x[i]));
}

float
csnn__sum(const float *x, size_t n)
{
  float lanes[8] = { 0 };
  size_t i = 0;

  /* Eight partial sums: faster, and closer to a pairwise sum than one running total. */
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++)
      lanes[l] += x[i + (size_t)l];
  for (; i < n; i++)
    lanes[0] += x[i];
  return ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) +
         ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
}
