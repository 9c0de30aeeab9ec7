/* csnn-avx512-math.h — vector functions the AVX-512 kernels of inference and training share
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Included only by files compiled for (or dispatching to) AVX-512; each function carries its own
 * target attribute, so the rest of such a file may stay portable.
 */
#pragma once

#include <immintrin.h>

#include "csnn-ops.h"

/* exp(x) to about 1 ulp: Cody-Waite reduction by ln 2, Cephes' polynomial, scalef by 2^n. */
__attribute__((target("avx512f,fma"))) static inline __m512
csnn_exp512(__m512 x)
{
  __m512 n, r, p, r2;

  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
  n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  r2 = _mm512_mul_ps(r, r);
  p = _mm512_fmadd_ps(p, r2, r);
  p = _mm512_add_ps(p, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

/* 1 / (1 + exp(-v)). */
__attribute__((target("avx512f,fma"))) static inline __m512
csnn_sigmoid512(__m512 v)
{
  return _mm512_div_ps(
      _mm512_set1_ps(1.0f),
      _mm512_add_ps(_mm512_set1_ps(1.0f), csnn_exp512(_mm512_sub_ps(_mm512_setzero_ps(), v))));
}

/* @act applied to 16 values, computed as the scalar kernels do (SiLU as v / (1 + exp(-v))). */
__attribute__((target("avx512f,fma"))) static inline __m512
csnn_act512(__m512 v, csnn_act act)
{
  switch (act) {
    case CSNN_ACT_NONE:
      return v;
    case CSNN_ACT_RELU:
      return _mm512_max_ps(v, _mm512_setzero_ps());
    case CSNN_ACT_RELU6:
      return _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(6.0f));
    case CSNN_ACT_SILU:
      return _mm512_div_ps(v, _mm512_add_ps(_mm512_set1_ps(1.0f),
                                            csnn_exp512(_mm512_sub_ps(_mm512_setzero_ps(), v))));
    case CSNN_ACT_SIGMOID:
      return csnn_sigmoid512(v);
  }
  return v;
}
