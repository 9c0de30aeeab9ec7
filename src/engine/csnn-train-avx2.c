/* csnn-train-avx2.c — AVX2+FMA kernels of training: batch norm with activation, gradients
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The element-wise twins of csnn-train-avx512.c on 8 lanes. Everything marked TARGET is compiled
 * for AVX2+FMA and only called on the AVX2 path (csnn-train-private.h). Sums are taken in vector
 * lanes in an order fixed by the shapes, then reduced in a fixed order, so results do not depend
 * on the caller's threads. The depthwise and max-pooling gradients have no AVX2 kernel yet: that
 * path runs their portable code.
 */
#include <immintrin.h>

#include "csnn-avx2-math.h"
#include "csnn-simd.h"
#include "csnn-train-private.h"

#define TARGET __attribute__((target("avx2,fma")))

/* f'(pre or out) dy, as csnn_act_backward(): ReLU and ReLU6 pass the gradient where the output
 * is strictly inside their linear part (NaN compares false, as in the scalar code). */
TARGET static inline __m256
act_grad256(csnn_act act, __m256 pre, __m256 out, __m256 dy)
{
  switch (act) {
    case CSNN_ACT_NONE:
      return dy;
    case CSNN_ACT_RELU:
      return _mm256_and_ps(_mm256_cmp_ps(out, _mm256_setzero_ps(), _CMP_GT_OQ), dy);
    case CSNN_ACT_RELU6: {
      __m256 in = _mm256_and_ps(_mm256_cmp_ps(out, _mm256_setzero_ps(), _CMP_GT_OQ),
                                _mm256_cmp_ps(out, _mm256_set1_ps(6.0f), _CMP_LT_OQ));
      return _mm256_and_ps(in, dy);
    }
    case CSNN_ACT_SILU: {
      __m256 s = csnn_sigmoid256(pre), one = _mm256_set1_ps(1.0f);
      __m256 k = _mm256_fmadd_ps(pre, _mm256_sub_ps(one, s), one);
      return _mm256_mul_ps(_mm256_mul_ps(dy, s), k);
    }
    case CSNN_ACT_SIGMOID:
      return _mm256_mul_ps(_mm256_mul_ps(dy, out), _mm256_sub_ps(_mm256_set1_ps(1.0f), out));
  }
  return dy;
}

/* The sum of the 8 lanes, in a fixed order. */
TARGET static inline float
reduce256(__m256 v)
{
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));

  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

TARGET void
csnn__shifted_sums_avx2(const float *x, size_t n, float shift, double *sum, double *sq)
{
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, q0 = s0, q1 = s0, q2 = s0, q3 = s0;
  __m256 sh = _mm256_set1_ps(shift);
  size_t i = 0;

  /* Four accumulators of each kind hide the add latency. */
  for (; i + 32 <= n; i += 32) {
    __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), sh);
    __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), sh);
    __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 16), sh);
    __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 24), sh);
    s0 = _mm256_add_ps(s0, d0);
    s1 = _mm256_add_ps(s1, d1);
    s2 = _mm256_add_ps(s2, d2);
    s3 = _mm256_add_ps(s3, d3);
    q0 = _mm256_fmadd_ps(d0, d0, q0);
    q1 = _mm256_fmadd_ps(d1, d1, q1);
    q2 = _mm256_fmadd_ps(d2, d2, q2);
    q3 = _mm256_fmadd_ps(d3, d3, q3);
  }
  for (; i < n; i += 8) {
    __m256 m = _mm256_castsi256_ps(csnn_mask256(n - i));
    /* Lanes past the end: 0 - shift, masked back to 0. */
    __m256 d = _mm256_and_ps(m, _mm256_sub_ps(_mm256_maskload_ps(x + i, csnn_mask256(n - i)), sh));
    s0 = _mm256_add_ps(s0, d);
    q0 = _mm256_fmadd_ps(d, d, q0);
  }
  *sum += (double)reduce256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  *sq += (double)reduce256(_mm256_add_ps(_mm256_add_ps(q0, q1), _mm256_add_ps(q2, q3)));
}

TARGET void
csnn__affine_act_avx2(const float *x, size_t n, float a, float b, csnn_act act, float *y)
{
  __m256 av = _mm256_set1_ps(a), bv = _mm256_set1_ps(b);

  for (size_t i = 0; i < n; i += 8) {
    __m256i m = csnn_mask256(n - i);
    __m256 v = _mm256_fmadd_ps(_mm256_maskload_ps(x + i, m), av, bv);
    _mm256_maskstore_ps(y + i, m, csnn_act256(v, act));
  }
}

TARGET void
csnn__bn_bwd_sums_avx2(csnn_act act, const float *z, const float *y, const float *dy, size_t n,
                       float mu, float a, float b, float *gbuf, double *sdy, double *sdyz)
{
  __m256 av = _mm256_set1_ps(a), bv = _mm256_set1_ps(b), mv = _mm256_set1_ps(mu);
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, t0 = s0, t1 = s0;

  for (size_t i = 0; i < n; i += 16) {
    __m256i m0 = csnn_mask256(n - i), m1 = csnn_mask256(n - i > 8 ? n - i - 8 : 0);
    __m256 z0 = _mm256_maskload_ps(z + i, m0), z1 = _mm256_maskload_ps(z + i + 8, m1);
    __m256 y0 = _mm256_setzero_ps(), y1 = y0, p0 = y0, p1 = y0, g0, g1;

    if (act == CSNN_ACT_SILU) {
      p0 = _mm256_fmadd_ps(z0, av, bv);
      p1 = _mm256_fmadd_ps(z1, av, bv);
    } else if (act != CSNN_ACT_NONE) {
      y0 = _mm256_maskload_ps(y + i, m0);
      y1 = _mm256_maskload_ps(y + i + 8, m1);
    }
    /* Lanes past the end get dy = 0 and so g = 0 for every activation; z - mu is masked. */
    g0 = act_grad256(act, p0, y0, _mm256_maskload_ps(dy + i, m0));
    g1 = act_grad256(act, p1, y1, _mm256_maskload_ps(dy + i + 8, m1));
    if (gbuf != NULL) {
      _mm256_maskstore_ps(gbuf + i, m0, g0);
      _mm256_maskstore_ps(gbuf + i + 8, m1, g1);
    }
    s0 = _mm256_add_ps(s0, g0);
    s1 = _mm256_add_ps(s1, g1);
    t0 = _mm256_fmadd_ps(g0, _mm256_and_ps(_mm256_castsi256_ps(m0), _mm256_sub_ps(z0, mv)), t0);
    t1 = _mm256_fmadd_ps(g1, _mm256_and_ps(_mm256_castsi256_ps(m1), _mm256_sub_ps(z1, mv)), t1);
  }
  *sdy += (double)reduce256(_mm256_add_ps(s0, s1));
  *sdyz += (double)reduce256(_mm256_add_ps(t0, t1));
}

TARGET void
csnn__bn_bwd_apply_avx2(csnn_act act, const float *z, const float *y, const float *dy,
                        const float *gbuf, size_t n, float mu, float a, float b, float k1, float k2,
                        float k3, float *dz)
{
  __m256 av = _mm256_set1_ps(a), bv = _mm256_set1_ps(b), mv = _mm256_set1_ps(mu);
  __m256 k1v = _mm256_set1_ps(k1), k2v = _mm256_set1_ps(k2), k3v = _mm256_set1_ps(k3);

  for (size_t i = 0; i < n; i += 8) {
    __m256i m = csnn_mask256(n - i);
    __m256 zv = _mm256_maskload_ps(z + i, m), g;

    if (gbuf != NULL) {
      g = _mm256_maskload_ps(gbuf + i, m);
    } else {
      __m256 p = _mm256_setzero_ps(), yv = p;
      if (act == CSNN_ACT_SILU)
        p = _mm256_fmadd_ps(zv, av, bv);
      else if (act != CSNN_ACT_NONE)
        yv = _mm256_maskload_ps(y + i, m);
      g = act_grad256(act, p, yv, _mm256_maskload_ps(dy + i, m));
    }
    /* k1 (g - k2 - (z - mu) k3), in the scalar code's order. */
    g = _mm256_sub_ps(_mm256_sub_ps(g, k2v), _mm256_mul_ps(_mm256_sub_ps(zv, mv), k3v));
    _mm256_maskstore_ps(dz + i, m, _mm256_mul_ps(k1v, g));
  }
}

TARGET void
csnn__act_grad_avx2(csnn_act act, const float *pre, const float *out, const float *dy, size_t n,
                    float *dst)
{
  for (size_t i = 0; i < n; i += 8) {
    __m256i m = csnn_mask256(n - i);
    __m256 p = _mm256_setzero_ps(), o = p;

    if (act == CSNN_ACT_SILU)
      p = _mm256_maskload_ps(pre + i, m);
    else if (act != CSNN_ACT_NONE)
      o = _mm256_maskload_ps(out + i, m);
    _mm256_maskstore_ps(dst + i, m, act_grad256(act, p, o, _mm256_maskload_ps(dy + i, m)));
  }
}
