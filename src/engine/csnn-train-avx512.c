/* csnn-train-avx512.c — AVX-512 kernels of training: batch norm with activation, gradients
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything marked TARGET is compiled for AVX-512F and only called after csnn__have_avx512()
 * said yes (csnn-train-private.h). Every sum here is taken in vector lanes in an order fixed by
 * the shapes, then reduced in a fixed order, so results do not depend on the caller's threads.
 *
 * The depthwise gradients work on a zero-padded copy of a plane, as the forward kernel does:
 * with stride 2 each padded row is stored as its even columns then its odd ones, so that every
 * tap of the filter touches consecutive floats and whole vectors can be used.
 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "csnn-avx512-math.h"
#include "csnn-simd.h"
#include "csnn-train-private.h"

#define TARGET __attribute__((target("avx512f,fma")))

/* f'(pre or out) dy, as csnn_act_backward(): ReLU and ReLU6 pass the gradient where the output
 * is strictly inside their linear part (NaN compares false, as in the scalar code). */
TARGET static inline __m512
act_grad512(csnn_act act, __m512 pre, __m512 out, __m512 dy)
{
  switch (act) {
    case CSNN_ACT_NONE:
      return dy;
    case CSNN_ACT_RELU:
      return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(out, _mm512_setzero_ps(), _CMP_GT_OQ), dy);
    case CSNN_ACT_RELU6: {
      __mmask16 in = _mm512_cmp_ps_mask(out, _mm512_setzero_ps(), _CMP_GT_OQ) &
                     _mm512_cmp_ps_mask(out, _mm512_set1_ps(6.0f), _CMP_LT_OQ);
      return _mm512_maskz_mov_ps(in, dy);
    }
    case CSNN_ACT_SILU: {
      __m512 s = csnn_sigmoid512(pre), one = _mm512_set1_ps(1.0f);
      __m512 k = _mm512_fmadd_ps(pre, _mm512_sub_ps(one, s), one);
      return _mm512_mul_ps(_mm512_mul_ps(dy, s), k);
    }
    case CSNN_ACT_SIGMOID:
      return _mm512_mul_ps(_mm512_mul_ps(dy, out), _mm512_sub_ps(_mm512_set1_ps(1.0f), out));
  }
  return dy;
}

static inline __mmask16
tail_mask(size_t count)
{
  return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1u);
}

/* ---- batch norm and activations ---- */

TARGET void
csnn__shifted_sums_avx512(const float *x, size_t n, float shift, double *sum, double *sq)
{
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, q0 = s0, q1 = s0, q2 = s0, q3 = s0;
  __m512 sh = _mm512_set1_ps(shift);
  size_t i = 0;

  /* Four accumulators of each kind hide the add latency. */
  for (; i + 64 <= n; i += 64) {
    __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(x + i), sh);
    __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), sh);
    __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 32), sh);
    __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 48), sh);
    s0 = _mm512_add_ps(s0, d0);
    s1 = _mm512_add_ps(s1, d1);
    s2 = _mm512_add_ps(s2, d2);
    s3 = _mm512_add_ps(s3, d3);
    q0 = _mm512_fmadd_ps(d0, d0, q0);
    q1 = _mm512_fmadd_ps(d1, d1, q1);
    q2 = _mm512_fmadd_ps(d2, d2, q2);
    q3 = _mm512_fmadd_ps(d3, d3, q3);
  }
  for (; i < n; i += 16) {
    __mmask16 m = tail_mask(n - i);
    __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + i), sh);
    s0 = _mm512_add_ps(s0, d);
    q0 = _mm512_fmadd_ps(d, d, q0);
  }
  *sum += (double)_mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
  *sq += (double)_mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(q0, q1), _mm512_add_ps(q2, q3)));
}

TARGET void
csnn__affine_act_avx512(const float *x, size_t n, float a, float b, csnn_act act, float *y)
{
  __m512 av = _mm512_set1_ps(a), bv = _mm512_set1_ps(b);

  for (size_t i = 0; i < n; i += 16) {
    __mmask16 m = tail_mask(n - i);
    __m512 v = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), av, bv);
    _mm512_mask_storeu_ps(y + i, m, csnn_act512(v, act));
  }
}

TARGET void
csnn__bn_bwd_sums_avx512(csnn_act act, const float *z, const float *y, const float *dy, size_t n,
                         float mu, float a, float b, float *gbuf, double *sdy, double *sdyz)
{
  __m512 av = _mm512_set1_ps(a), bv = _mm512_set1_ps(b), mv = _mm512_set1_ps(mu);
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, t0 = s0, t1 = s0;
  size_t i = 0;

  for (; i + 32 <= n; i += 32) {
    __m512 z0 = _mm512_loadu_ps(z + i), z1 = _mm512_loadu_ps(z + i + 16);
    __m512 y0 = s0, y1 = s0, p0 = s0, p1 = s0, g0, g1;

    if (act == CSNN_ACT_SILU) {
      p0 = _mm512_fmadd_ps(z0, av, bv);
      p1 = _mm512_fmadd_ps(z1, av, bv);
    } else if (act != CSNN_ACT_NONE) {
      y0 = _mm512_loadu_ps(y + i);
      y1 = _mm512_loadu_ps(y + i + 16);
    }
    g0 = act_grad512(act, p0, y0, _mm512_loadu_ps(dy + i));
    g1 = act_grad512(act, p1, y1, _mm512_loadu_ps(dy + i + 16));
    if (gbuf != NULL) {
      _mm512_storeu_ps(gbuf + i, g0);
      _mm512_storeu_ps(gbuf + i + 16, g1);
    }
    s0 = _mm512_add_ps(s0, g0);
    s1 = _mm512_add_ps(s1, g1);
    t0 = _mm512_fmadd_ps(g0, _mm512_sub_ps(z0, mv), t0);
    t1 = _mm512_fmadd_ps(g1, _mm512_sub_ps(z1, mv), t1);
  }
  for (; i < n; i += 16) {
    __mmask16 m = tail_mask(n - i);
    __m512 z0 = _mm512_maskz_loadu_ps(m, z + i), y0 = _mm512_setzero_ps(), p0 = y0, g0;

    if (act == CSNN_ACT_SILU)
      p0 = _mm512_fmadd_ps(z0, av, bv);
    else if (act != CSNN_ACT_NONE)
      y0 = _mm512_maskz_loadu_ps(m, y + i);
    /* Lanes past the end get dy = 0 and so g = 0 for every activation. */
    g0 = act_grad512(act, p0, y0, _mm512_maskz_loadu_ps(m, dy + i));
    if (gbuf != NULL)
      _mm512_mask_storeu_ps(gbuf + i, m, g0);
    s0 = _mm512_add_ps(s0, g0);
    t0 = _mm512_fmadd_ps(g0, _mm512_maskz_sub_ps(m, z0, mv), t0);
  }
  *sdy += (double)_mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
  *sdyz += (double)_mm512_reduce_add_ps(_mm512_add_ps(t0, t1));
}

TARGET void
csnn__bn_bwd_apply_avx512(csnn_act act, const float *z, const float *y, const float *dy,
                          const float *gbuf, size_t n, float mu, float a, float b, float k1,
                          float k2, float k3, float *dz)
{
  __m512 av = _mm512_set1_ps(a), bv = _mm512_set1_ps(b), mv = _mm512_set1_ps(mu);
  __m512 k1v = _mm512_set1_ps(k1), k2v = _mm512_set1_ps(k2), k3v = _mm512_set1_ps(k3);

  for (size_t i = 0; i < n; i += 16) {
    __mmask16 m = tail_mask(n - i);
    __m512 zv = _mm512_maskz_loadu_ps(m, z + i), g;

    if (gbuf != NULL) {
      g = _mm512_maskz_loadu_ps(m, gbuf + i);
    } else {
      __m512 p = _mm512_setzero_ps(), yv = p;
      if (act == CSNN_ACT_SILU)
        p = _mm512_fmadd_ps(zv, av, bv);
      else if (act != CSNN_ACT_NONE)
        yv = _mm512_maskz_loadu_ps(m, y + i);
      g = act_grad512(act, p, yv, _mm512_maskz_loadu_ps(m, dy + i));
    }
    /* k1 (g - k2 - (z - mu) k3), in the scalar code's order. */
    g = _mm512_sub_ps(_mm512_sub_ps(g, k2v), _mm512_mul_ps(_mm512_sub_ps(zv, mv), k3v));
    _mm512_mask_storeu_ps(dz + i, m, _mm512_mul_ps(k1v, g));
  }
}

TARGET void
csnn__act_grad_avx512(csnn_act act, const float *pre, const float *out, const float *dy, size_t n,
                      float *dst)
{
  for (size_t i = 0; i < n; i += 16) {
    __mmask16 m = tail_mask(n - i);
    __m512 p = _mm512_setzero_ps(), o = p;

    if (act == CSNN_ACT_SILU)
      p = _mm512_maskz_loadu_ps(m, pre + i);
    else if (act != CSNN_ACT_NONE)
      o = _mm512_maskz_loadu_ps(m, out + i);
    _mm512_mask_storeu_ps(dst + i, m, act_grad512(act, p, o, _mm512_maskz_loadu_ps(m, dy + i)));
  }
}

/* ---- depthwise gradients ---- */

typedef struct {
  int hp, wp;  /* Padded plane. */
  int pitch;   /* Floats per padded row. */
  int odd_off; /* With stride 2, where a row's odd columns start (0 otherwise). */
  int col[64]; /* Per filter column, its offset in a padded row from the output column. */
} dw_layout;

static int
round16(int v)
{
  return (v + 15) / 16 * 16;
}

static void
dw_layout_of(const csnn_conv2d_desc *d, dw_layout *l)
{
  l->hp = d->h_in + 2 * d->pad_h;
  l->wp = d->w_in + 2 * d->pad_w;
  if (d->stride_w == 2) {
    l->odd_off = round16((l->wp + 1) / 2);
    l->pitch = 2 * l->odd_off;
  } else {
    l->odd_off = 0;
    l->pitch = round16(l->wp);
  }
  for (int kx = 0; kx < d->kw && kx < 64; kx++)
    l->col[kx] = d->stride_w == 2 ? ((kx & 1) ? l->odd_off : 0) + (kx >> 1) : kx * d->dil_w;
}

/* Where the output gradient's rows start in the data kernel's buffer (zeros on their left),
 * and how many floats apart they are. */
static void
dw_data_rows(const csnn_conv2d_desc *d, const dw_layout *l, int *left, int *width)
{
  int span;

  if (d->stride_w == 2) {
    *left = (d->kw - 1) / 2;
    span = l->odd_off;
  } else {
    *left = (d->kw - 1) * d->dil_w - d->pad_w > 0 ? (d->kw - 1) * d->dil_w - d->pad_w : 0;
    span = d->w_in + d->pad_w;
  }
  *width = round16(*left + span + 80);
}

int
csnn__dw_backward_avx512_ok(const csnn_conv2d_desc *d)
{
  return csnn__have_avx512() && (d->stride_w == 1 || (d->stride_w == 2 && d->dil_w == 1)) &&
         d->kh * d->kw <= 64 && d->kw <= 64;
}

size_t
csnn__dw_backward_scratch_floats(const csnn_conv2d_desc *d)
{
  dw_layout l;

  int left, gw;
  size_t wgrad, data;

  dw_layout_of(d, &l);
  dw_data_rows(d, &l, &left, &gw);
  /* The filter gradient: the padded plane, then one line of a whole padded row. The input
   * gradient: the padded output gradient, then one interleaved line. */
  wgrad = (size_t)l.hp * (size_t)l.pitch + (size_t)l.pitch + 64;
  data = (size_t)d->h_out * (size_t)gw + 2 * (size_t)l.odd_off + 128;
  return wgrad > data ? wgrad : data;
}

static const int32_t even_lanes[16] = { 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30 };
static const int32_t odd_lanes[16] = { 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31 };
static const int32_t lo_lanes[16] = { 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23 };
static const int32_t hi_lanes[16] = {
  8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31
};

TARGET void
csnn__dw_backward_data_plane_avx512(const csnn_conv2d_desc *d, const float *dy, const float *w,
                                    float *dx, float *buf)
{
  dw_layout l;
  int left, gw, kys[64], oys[64];
  float *line;
  __m512i lo = _mm512_loadu_si512(lo_lanes), hi = _mm512_loadu_si512(hi_lanes);

  dw_layout_of(d, &l);
  dw_data_rows(d, &l, &left, &gw);
  line = buf + (size_t)d->h_out * (size_t)gw;
  /* The output gradient's rows with zeros around them, so that every tap can load whole
   * vectors. */
  for (int oy = 0; oy < d->h_out; oy++) {
    float *row = buf + (size_t)oy * (size_t)gw;
    memset(row, 0, (size_t)left * sizeof(float));
    memcpy(row + left, dy + (size_t)oy * (size_t)d->w_out, (size_t)d->w_out * sizeof(float));
    memset(row + left + d->w_out, 0, (size_t)(gw - left - d->w_out) * sizeof(float));
  }
  /* Gather: padded input (r, c) receives w[ky, kx] dy[oy, ox] from every tap with
   * oy s + ky dil = r and ox s + kx dil = c, summed in registers over the taps in order. */
  for (int iy = 0; iy < d->h_in; iy++) {
    int r = iy + d->pad_h, nv = 0;
    float *out = dx + (size_t)iy * (size_t)d->w_in;

    for (int ky = 0; ky < d->kh; ky++) {
      int t = r - ky * d->dil_h;
      if (t < 0 || t % d->stride_h != 0 || t / d->stride_h >= d->h_out)
        continue;
      kys[nv] = ky;
      oys[nv++] = t / d->stride_h;
    }
    if (nv == 0)
      continue;
    if (d->stride_w != 2) {
      for (int ix = 0; ix < d->w_in; ix += 64) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        int left_n = d->w_in - ix;

        for (int v = 0; v < nv; v++) {
          const float *gp = buf + (size_t)oys[v] * (size_t)gw + left + d->pad_w + ix;
          const float *wr = w + kys[v] * d->kw;
          for (int kx = 0; kx < d->kw; kx++) {
            const float *p = gp - kx * d->dil_w;
            __m512 wv = _mm512_set1_ps(wr[kx]);
            a0 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(p), a0);
            a1 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(p + 16), a1);
            a2 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(p + 32), a2);
            a3 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(p + 48), a3);
          }
        }
        __m512 acc[4] = { a0, a1, a2, a3 };
        for (int q = 0; q < 4 && q * 16 < left_n; q++) {
          __mmask16 m = tail_mask((size_t)(left_n - q * 16));
          float *o = out + ix + q * 16;
          _mm512_mask_storeu_ps(o, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, o), acc[q]));
        }
      }
      continue;
    }
    /* Stride 2: the even and odd padded columns separately, then interleaved. */
    for (int j = 0; j < l.odd_off; j += 32) {
      __m512 e0 = _mm512_setzero_ps(), e1 = e0, o0 = e0, o1 = e0;

      for (int v = 0; v < nv; v++) {
        const float *gp = buf + (size_t)oys[v] * (size_t)gw + left + j;
        const float *wr = w + kys[v] * d->kw;
        for (int kx = 0; kx < d->kw; kx++) {
          const float *p = gp - (kx >> 1);
          __m512 wv = _mm512_set1_ps(wr[kx]);
          if (kx & 1) {
            o0 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(p), o0);
            o1 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(p + 16), o1);
          } else {
            e0 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(p), e0);
            e1 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(p + 16), e1);
          }
        }
      }
      _mm512_storeu_ps(line + 2 * j, _mm512_permutex2var_ps(e0, lo, o0));
      _mm512_storeu_ps(line + 2 * j + 16, _mm512_permutex2var_ps(e0, hi, o0));
      _mm512_storeu_ps(line + 2 * j + 32, _mm512_permutex2var_ps(e1, lo, o1));
      _mm512_storeu_ps(line + 2 * j + 48, _mm512_permutex2var_ps(e1, hi, o1));
    }
    for (int ix = 0; ix < d->w_in; ix += 16) {
      __mmask16 m = tail_mask((size_t)(d->w_in - ix));
      __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, out + ix),
                               _mm512_maskz_loadu_ps(m, line + d->pad_w + ix));
      _mm512_mask_storeu_ps(out + ix, m, v);
    }
  }
}

/* Copies plane @x into @buf with its zero border (the layout of dw_layout_of()). */
TARGET static void
dw_pad(const csnn_conv2d_desc *d, const dw_layout *l, const float *x, float *buf)
{
  float *line = buf + (size_t)l->hp * (size_t)l->pitch;
  __m512i even = _mm512_loadu_si512(even_lanes), odd = _mm512_loadu_si512(odd_lanes);

  for (int y = 0; y < l->hp; y++) {
    float *row = buf + (size_t)y * (size_t)l->pitch;
    int iy = y - d->pad_h;
    const float *src = x + (size_t)iy * (size_t)d->w_in;

    if (iy < 0 || iy >= d->h_in) {
      memset(row, 0, (size_t)l->pitch * sizeof(float));
      continue;
    }
    if (d->stride_w != 2) {
      memset(row, 0, (size_t)d->pad_w * sizeof(float));
      memcpy(row + d->pad_w, src, (size_t)d->w_in * sizeof(float));
      memset(row + d->pad_w + d->w_in, 0, (size_t)(l->pitch - d->pad_w - d->w_in) * sizeof(float));
      continue;
    }
    memset(line, 0, (size_t)d->pad_w * sizeof(float));
    memcpy(line + d->pad_w, src, (size_t)d->w_in * sizeof(float));
    memset(line + d->pad_w + d->w_in, 0, (size_t)(l->pitch - d->pad_w - d->w_in) * sizeof(float));
    for (int j = 0; j < l->odd_off; j += 16) {
      __m512 a = _mm512_loadu_ps(line + 2 * j), b = _mm512_loadu_ps(line + 2 * j + 16);
      _mm512_storeu_ps(row + j, _mm512_permutex2var_ps(a, even, b));
      _mm512_storeu_ps(row + l->odd_off + j, _mm512_permutex2var_ps(a, odd, b));
    }
  }
}

/* The filter gradient's lanes over the padded plane; with @kh and @kw constants (the common 3 x 3
 * and 5 x 5) the accumulators live in registers. */
TARGET static inline __attribute__((always_inline)) void
dw_wgrad(const csnn_conv2d_desc *d, const dw_layout *l, const float *buf, const float *dy,
         float *acc_mem, const int kh, const int kw)
{
  __m512 acc[64];

  for (int t = 0; t < kh * kw; t++)
    acc[t] = _mm512_loadu_ps(acc_mem + 16 * t);
  for (int oy = 0; oy < d->h_out; oy++) {
    const float *g = dy + (size_t)oy * (size_t)d->w_out;

    for (int ox = 0; ox < d->w_out; ox += 16) {
      __mmask16 m = tail_mask((size_t)(d->w_out - ox));
      __m512 gv = _mm512_maskz_loadu_ps(m, g + ox);

#pragma GCC unroll 5
      for (int ky = 0; ky < kh; ky++) {
        const float *r = buf + (size_t)(oy * d->stride_h + ky * d->dil_h) * (size_t)l->pitch + ox;
#pragma GCC unroll 5
        for (int kx = 0; kx < kw; kx++)
          acc[ky * kw + kx] =
              _mm512_fmadd_ps(gv, _mm512_maskz_loadu_ps(m, r + l->col[kx]), acc[ky * kw + kx]);
      }
    }
  }
  for (int t = 0; t < kh * kw; t++)
    _mm512_storeu_ps(acc_mem + 16 * t, acc[t]);
}

TARGET void
csnn__dw_backward_weight_plane_avx512(const csnn_conv2d_desc *d, const float *x, const float *dy,
                                      float *acc, float *buf)
{
  dw_layout l;

  dw_layout_of(d, &l);
  dw_pad(d, &l, x, buf);
  if (d->kh == 3 && d->kw == 3)
    dw_wgrad(d, &l, buf, dy, acc, 3, 3);
  else if (d->kh == 5 && d->kw == 5)
    dw_wgrad(d, &l, buf, dy, acc, 5, 5);
  else
    dw_wgrad(d, &l, buf, dy, acc, d->kh, d->kw);
}

TARGET void
csnn__dw_reduce_avx512(int taps, const float *acc, float *dw)
{
  for (int t = 0; t < taps; t++)
    dw[t] += _mm512_reduce_add_ps(_mm512_loadu_ps(acc + 16 * t));
}

/* ---- max pooling ---- */

TARGET void
csnn__maxpool_backward_plane_avx512(const csnn_pool2d_desc *d, const float *x, const float *dy,
                                    float *dx, int32_t *where)
{
  __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512i zero = _mm512_setzero_si512(), w_in = _mm512_set1_epi32(d->w_in);

  for (int oy = 0; oy < d->h_out; oy++) {
    int y0 = oy * d->stride_h - d->pad_h;
    int cy0 = y0 < 0 ? 0 : y0, cy1 = y0 + d->kh > d->h_in ? d->h_in : y0 + d->kh;
    const float *g = dy + (size_t)oy * (size_t)d->w_out;

    if (cy0 >= cy1)
      continue;
    /* Each lane's window in the scalar code's scan order, keeping the first maximum (or the
     * last NaN) and its position; -1 marks an empty window. */
    for (int ox = 0; ox < d->w_out; ox += 16) {
      __mmask16 live = tail_mask((size_t)(d->w_out - ox));
      __m512i x0 =
          _mm512_sub_epi32(_mm512_mullo_epi32(_mm512_add_epi32(_mm512_set1_epi32(ox), lane),
                                              _mm512_set1_epi32(d->stride_w)),
                           _mm512_set1_epi32(d->pad_w));
      __m512i cx0 = _mm512_max_epi32(x0, zero);
      __m512i cx1 = _mm512_min_epi32(_mm512_add_epi32(x0, _mm512_set1_epi32(d->kw)), w_in);
      __m512 best = _mm512_set1_ps(-__builtin_inff());
      __m512i at;

      live &= _mm512_cmplt_epi32_mask(cx0, cx1);
      at = _mm512_add_epi32(_mm512_set1_epi32(cy0 * d->w_in), cx0);
      for (int iy = cy0; iy < cy1; iy++)
        for (int kx = 0; kx < d->kw; kx++) {
          __m512i ix = _mm512_add_epi32(x0, _mm512_set1_epi32(kx));
          __mmask16 ok =
              live & _mm512_cmpge_epi32_mask(ix, zero) & _mm512_cmplt_epi32_mask(ix, w_in);
          __m512i pos = _mm512_add_epi32(_mm512_set1_epi32(iy * d->w_in), ix);
          __m512 v = _mm512_mask_i32gather_ps(best, ok, pos, x, 4);
          __mmask16 take = ok & (_mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) |
                                 _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q));
          best = _mm512_mask_mov_ps(best, take, v);
          at = _mm512_mask_mov_epi32(at, take, pos);
        }
      _mm512_storeu_si512(where + ox, _mm512_mask_mov_epi32(_mm512_set1_epi32(-1), live, at));
    }
    for (int ox = 0; ox < d->w_out; ox++)
      if (where[ox] >= 0)
        dx[where[ox]] += g[ox];
  }
}
