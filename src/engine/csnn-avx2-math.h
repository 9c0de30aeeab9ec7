/* csnn-avx2-math.h — the vector functions of csnn-avx512-math.h on 8 lanes, for AVX2+FMA
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Included only by files whose functions carry target attributes for AVX2 and FMA. Every
 * function computes what its 16-lane twin computes, step for step (scalef by 2^n is a multiply by
 * 2^n built from its exponent bits: n stays within the normal range), so the two paths give
 * bit-identical results.
 */
#pragma once

#include <immintrin.h>

#include "csnn-ops.h"

/* exp(x) to about 1 ulp: Cody-Waite reduction by ln 2, Cephes' polynomial, times 2^n. */
__attribute__((target("avx2,fma"))) static inline __m256
csnn_exp256(__m256 x)
{
  __m256 n, r, p, r2;
  __m256i e;

  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
  n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  r2 = _mm256_mul_ps(r, r);
  p = _mm256_fmadd_ps(p, r2, r);
  p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
  /* n lies in [-126, 127]: 2^n is the float with exponent field n + 127. */
  e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* 1 / (1 + exp(-v)). */
__attribute__((target("avx2,fma"))) static inline __m256
csnn_sigmoid256(__m256 v)
{
  return _mm256_div_ps(
      _mm256_set1_ps(1.0f),
      _mm256_add_ps(_mm256_set1_ps(1.0f), csnn_exp256(_mm256_sub_ps(_mm256_setzero_ps(), v))));
}

/* @act applied to 8 values, computed as the scalar kernels do (SiLU as v / (1 + exp(-v))). */
__attribute__((target("avx2,fma"))) static inline __m256
csnn_act256(__m256 v, csnn_act act)
{
  switch (act) {
    case CSNN_ACT_NONE:
      return v;
    case CSNN_ACT_RELU:
      return _mm256_max_ps(v, _mm256_setzero_ps());
    case CSNN_ACT_RELU6:
      return _mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), _mm256_set1_ps(6.0f));
    case CSNN_ACT_SILU:
      return _mm256_div_ps(v, _mm256_add_ps(_mm256_set1_ps(1.0f),
                                            csnn_exp256(_mm256_sub_ps(_mm256_setzero_ps(), v))));
    case CSNN_ACT_SIGMOID:
      return csnn_sigmoid256(v);
  }
  return v;
}

/* A mask of the first @count (0 .. 8 or more) lanes for _mm256_maskload_ps / maskstore. */
__attribute__((target("avx2"))) static inline __m256i
csnn_mask256(size_t count)
{
  static const int32_t ramp[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
  int32_t c = count >= 8 ? 8 : (int32_t)count;

  return _mm256_cmpgt_epi32(_mm256_set1_epi32(c), _mm256_loadu_si256((const __m256i *)ramp));
}

/* Stores the first @count lanes of @v at @p: a plain store when all 8 are wanted, else a masked
 * one (on older AMD processors a masked store is microcoded and many times slower, by Agner Fog's
 * instruction tables; not measurable on the Zen 5 this was written on). */
__attribute__((target("avx2"))) static inline void
csnn_store256(float *p, size_t count, __m256 v)
{
  if (count >= 8)
    _mm256_storeu_ps(p, v);
  else
    _mm256_maskstore_ps(p, csnn_mask256(count), v);
}
