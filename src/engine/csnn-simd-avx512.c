/* csnn-simd-avx512.c — AVX-512 kernels: packed GEMM with fused epilogue, depthwise, activations
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything marked TARGET is compiled for AVX-512F and only called on the AVX-512 path.
 * Each output value is one FMA chain over k in order, whatever the tile or thread that computes
 * it, so results do not depend on how work is split.
 */
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "csnn-avx512-math.h"
#include "csnn-simd.h"

size_t
csnn__gemm_packed_floats(int m, int k)
{
  size_t panels = ((size_t)m + CSNN_GEMM_MR - 1) / CSNN_GEMM_MR;
  return panels * CSNN_GEMM_MR * (size_t)k;
}

void
csnn__gemm_pack(int m, int k, const float *a, float *packed)
{
  int panels = (m + CSNN_GEMM_MR - 1) / CSNN_GEMM_MR;

  for (int p = 0; p < panels; p++)
    for (int kk = 0; kk < k; kk++)
      for (int r = 0; r < CSNN_GEMM_MR; r++) {
        int row = p * CSNN_GEMM_MR + r;
        packed[((size_t)p * (size_t)k + (size_t)kk) * CSNN_GEMM_MR + (size_t)r] =
            row < m ? a[(size_t)row * (size_t)k + (size_t)kk] : 0.0f;
      }
}

#define TARGET __attribute__((target("avx512f,fma")))

static inline __mmask16
tail_mask(size_t count)
{
  return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1u);
}

TARGET void
csnn__silu_avx512(float *x, size_t n)
{
  for (size_t i = 0; i < n; i += 16) {
    __mmask16 mask = tail_mask(n - i);
    __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
    _mm512_mask_storeu_ps(x + i, mask, csnn_act512(v, CSNN_ACT_SILU));
  }
}

TARGET void
csnn__sigmoid_avx512(float *x, size_t n)
{
  for (size_t i = 0; i < n; i += 16) {
    __mmask16 mask = tail_mask(n - i);
    __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
    _mm512_mask_storeu_ps(x + i, mask, csnn_act512(v, CSNN_ACT_SIGMOID));
  }
}

/* One 8-row panel times up to 32 columns (two vectors), bias and activation fused. Row kk of B
 * is at b + kk * ldb, or at b + off[kk] when @off is not NULL (a constant where inlined). The
 * second vector's @cols1 columns are read @next_b floats after the first's and written @next_c
 * after them: 16 and 16 for 32 consecutive columns, or the next output row of a convolution. */
TARGET static inline __attribute__((always_inline)) void
kernel_8x32(int k, const float *a, const float *b, size_t ldb, const int *off, float *c, size_t ldc,
            int rows, size_t cols, size_t cols1, size_t next_b, size_t next_c, const float *bias,
            csnn_act act, const float *res)
{
  __m512 acc0[CSNN_GEMM_MR], acc1[CSNN_GEMM_MR];
  __mmask16 m0 = tail_mask(cols), m1 = cols1 > 0 ? tail_mask(cols1) : 0;

#pragma GCC unroll 8
  for (int r = 0; r < CSNN_GEMM_MR; r++) {
    acc0[r] = _mm512_setzero_ps();
    acc1[r] = _mm512_setzero_ps();
  }
  for (int kk = 0; kk < k; kk++) {
    const float *bk = off != NULL ? b + off[kk] : b;
    __m512 b0 = _mm512_maskz_loadu_ps(m0, bk);
    __m512 b1 = _mm512_maskz_loadu_ps(m1, bk + next_b);

#pragma GCC unroll 8
    for (int r = 0; r < CSNN_GEMM_MR; r++) {
      __m512 av = _mm512_set1_ps(a[r]);
      acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
    }
    a += CSNN_GEMM_MR;
    b += ldb;
  }
  /* A constant, fully unrolled epilogue lets the accumulators live in registers. */
#pragma GCC unroll 8
  for (int r = 0; r < CSNN_GEMM_MR; r++) {
    if (r < rows) {
      __m512 bv = _mm512_set1_ps(bias != NULL ? bias[r] : 0.0f);
      __m512 v0 = csnn_act512(_mm512_add_ps(acc0[r], bv), act);
      __m512 v1 = csnn_act512(_mm512_add_ps(acc1[r], bv), act);

      if (res != NULL) {
        v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, res + (size_t)r * ldc));
        v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, res + (size_t)r * ldc + next_c));
      }
      _mm512_mask_storeu_ps(c + (size_t)r * ldc, m0, v0);
      _mm512_mask_storeu_ps(c + (size_t)r * ldc + next_c, m1, v1);
    }
  }
}

/* One 8-row panel times up to 16 columns. */
TARGET static inline __attribute__((always_inline)) void
kernel_8x16(int k, const float *a, const float *b, size_t ldb, const int *off, float *c, size_t ldc,
            int rows, size_t cols, const float *bias, csnn_act act, const float *res)
{
  __m512 acc[CSNN_GEMM_MR];
  __mmask16 m0 = tail_mask(cols);

#pragma GCC unroll 8
  for (int r = 0; r < CSNN_GEMM_MR; r++)
    acc[r] = _mm512_setzero_ps();
  for (int kk = 0; kk < k; kk++) {
    __m512 b0 = _mm512_maskz_loadu_ps(m0, off != NULL ? b + off[kk] : b);

#pragma GCC unroll 8
    for (int r = 0; r < CSNN_GEMM_MR; r++)
      acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r]), b0, acc[r]);
    a += CSNN_GEMM_MR;
    b += ldb;
  }
#pragma GCC unroll 8
  for (int r = 0; r < CSNN_GEMM_MR; r++) {
    if (r < rows) {
      __m512 bv = _mm512_set1_ps(bias != NULL ? bias[r] : 0.0f);
      __m512 v = csnn_act512(_mm512_add_ps(acc[r], bv), act);

      if (res != NULL)
        v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m0, res + (size_t)r * ldc));
      _mm512_mask_storeu_ps(c + (size_t)r * ldc, m0, v);
    }
  }
}

TARGET void
csnn__gemm_packed_avx512(int m, int k, const float *packed, int p0, int p1, const float *b,
                         size_t ldb, size_t block_stride, size_t n0, size_t n1, float *c,
                         size_t ldc, const float *bias, csnn_act act, const float *residual,
                         float *pack_buf)
{
  /* Packing a strided block of B into 128-byte rows pays off once several panels reuse it. */
  int repack = block_stride == 0 && pack_buf != NULL && p1 - p0 >= 4;

  for (size_t n = n0; n < n1;) {
    size_t cols = n1 - n;
    int wide = cols > 16;
    const float *bb;
    size_t ldbb;

    if (cols > 32)
      cols = 32;
    if (block_stride != 0) {
      bb = b + (n - n0) / 32 * block_stride;
      ldbb = 32;
    } else if (repack) {
      for (int kk = 0; kk < k; kk++) {
        const float *src = b + (size_t)kk * ldb + n;
        float *dst = pack_buf + (size_t)kk * 32;
        __mmask16 m0 = tail_mask(cols), m1 = cols > 16 ? tail_mask(cols - 16) : 0;

        _mm512_storeu_ps(dst, _mm512_maskz_loadu_ps(m0, src));
        _mm512_storeu_ps(dst + 16, _mm512_maskz_loadu_ps(m1, src + 16));
      }
      bb = pack_buf;
      ldbb = 32;
    } else {
      bb = b + n;
      ldbb = ldb;
    }
    for (int p = p0; p < p1; p++) {
      const float *ap = packed + (size_t)p * CSNN_GEMM_MR * (size_t)k;
      int row0 = p * CSNN_GEMM_MR;
      int rows = m - row0 < CSNN_GEMM_MR ? m - row0 : CSNN_GEMM_MR;
      float *cp = c + (size_t)row0 * ldc + n;
      const float *bias_p = bias != NULL ? bias + row0 : NULL;
      const float *res_p = residual != NULL ? residual + (size_t)row0 * ldc + n : NULL;

      if (wide)
        kernel_8x32(k, ap, bb, ldbb, NULL, cp, ldc, rows, cols, cols - 16, 16, 16, bias_p, act,
                    res_p);
      else
        kernel_8x16(k, ap, bb, ldbb, NULL, cp, ldc, rows, cols, bias_p, act, res_p);
    }
    n += cols;
  }
}

TARGET void
csnn__gemm_packed_offsets_avx512(int m, int k, const float *packed, int p0, int p1, const float *b,
                                 const int *b_off, size_t cols, float *c, size_t ldc,
                                 const float *bias, csnn_act act, const float *residual)
{
  for (int p = p0; p < p1; p++) {
    const float *ap = packed + (size_t)p * CSNN_GEMM_MR * (size_t)k;
    int row0 = p * CSNN_GEMM_MR;
    int rows = m - row0 < CSNN_GEMM_MR ? m - row0 : CSNN_GEMM_MR;
    float *cp = c + (size_t)row0 * ldc;
    const float *bias_p = bias != NULL ? bias + row0 : NULL;
    const float *res_p = residual != NULL ? residual + (size_t)row0 * ldc : NULL;

    if (cols > 16)
      kernel_8x32(k, ap, b, 0, b_off, cp, ldc, rows, cols, cols - 16, 16, 16, bias_p, act, res_p);
    else
      kernel_8x16(k, ap, b, 0, b_off, cp, ldc, rows, cols, bias_p, act, res_p);
  }
}

TARGET void
csnn__gemm_packed_offsets2_avx512(int m, int k, const float *packed, int p0, int p1, const float *b,
                                  const int *b_off, size_t cols, size_t b_next, size_t c_next,
                                  float *c, size_t ldc, const float *bias, csnn_act act,
                                  const float *residual)
{
  for (int p = p0; p < p1; p++) {
    const float *ap = packed + (size_t)p * CSNN_GEMM_MR * (size_t)k;
    int row0 = p * CSNN_GEMM_MR;
    int rows = m - row0 < CSNN_GEMM_MR ? m - row0 : CSNN_GEMM_MR;
    const float *res_p = residual != NULL ? residual + (size_t)row0 * ldc : NULL;

    kernel_8x32(k, ap, b, 0, b_off, c + (size_t)row0 * ldc, ldc, rows, cols, cols, b_next, c_next,
                bias != NULL ? bias + row0 : NULL, act, res_p);
  }
}

/* ---- depthwise ---- */

static const int32_t even_lanes[16] = { 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30 };

/* Where _mm512_shuffle_ps(a, b, 0x88) puts the even floats of a:b: output j of the stride-2
 * kernel sits in accumulator lane unshuffle[j]. */
static const int32_t unshuffle_lanes[16] = { 0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15 };

/* The lanes of a vector of input columns c0 .. c0 + 15 that lie in [0, w_in). */
static inline __mmask16
column_mask(int c0, int w_in)
{
  int lo = c0 < 0 ? -c0 : 0, hi = w_in - c0 < 16 ? w_in - c0 : 16;

  if (hi <= lo)
    return 0;
  return (__mmask16)((((hi >= 16 ? 0x10000u : 1u << hi)) - 1u) & ~((1u << lo) - 1u));
}

/* The masks of an edge tile of @vecs vectors from output column @ox with stride @s: for each
 * vector and tap kx, those of the vector of input columns it reads first and (stride 2) second. */
TARGET static void
tile_masks(const csnn_conv2d_desc *d, int ox, int vecs, int s, __mmask16 (*mk)[2 * CSNN_DW_MAX_KW])
{
  for (int v = 0; v < vecs; v++)
    for (int kx = 0; kx < d->kw; kx++) {
      int c0 = (ox + 16 * v) * s - d->pad_w + kx * d->dil_w;

      mk[v][2 * kx] = column_mask(c0, d->w_in);
      mk[v][2 * kx + 1] = column_mask(c0 + 16, d->w_in);
    }
}

/* @rows output rows from @oy (those past the last are computed from row oy and not stored),
 * each @vecs vectors wide from column @ox, with stride @s (1 or 2; all constants where inlined),
 * @kw taps per row, read in place from the plane @src: a row above or below it is @zero's, and
 * with masks @mk (tile_masks(); NULL where no column lies outside) the columns outside it are
 * masked off, so every output is its bias plus the kh x kw taps in order
 * (zeros included), one FMA chain, as over a zero-padded copy. With stride 2 a pair of vectors
 * of 32 consecutive columns gives tap kx its even floats and tap kx + 1 its odd ones, in the
 * order of _mm512_shuffle_ps (undone once, before the store). */
TARGET static inline __attribute__((always_inline)) void
depthwise_tile(const csnn_conv2d_desc *d, const float *src, const float *zero, const float *w,
               __m512 bv, int oy, int ox, int rows, int vecs, int s, int kw,
               const __mmask16 (*mk)[2 * CSNN_DW_MAX_KW], float *dst)
{
  __m512 acc[8];
  int edge = mk != NULL;

#pragma GCC unroll 8
  for (int i = 0; i < 8; i++)
    acc[i] = bv;
  for (int ky = 0; ky < d->kh; ky++) {
    const float *row[4];
    const float *wk = w + ky * kw;

#pragma GCC unroll 4
    for (int r = 0; r < rows; r++)
      row[r] = csnn__depthwise_row(d, src, zero, oy, r, ky, ox, s);
#pragma GCC unroll 8
    for (int kx = 0; kx < kw; kx += s) {
      __m512 w0 = _mm512_set1_ps(wk[kx]);
      __m512 w1 = _mm512_set1_ps(s == 2 && kx + 1 < kw ? wk[kx + 1] : 0.0f);

#pragma GCC unroll 4
      for (int r = 0; r < rows; r++)
#pragma GCC unroll 4
        for (int v = 0; v < vecs; v++) {
          const float *p = row[r] + 16 * s * v + kx * d->dil_w;
          __m512 a = edge ? _mm512_maskz_loadu_ps(mk[v][2 * kx], p) : _mm512_loadu_ps(p);
          __m512 *o = &acc[r * vecs + v];

          if (s == 1) {
            *o = _mm512_fmadd_ps(w0, a, *o);
          } else {
            __m512 b =
                edge ? _mm512_maskz_loadu_ps(mk[v][2 * kx + 1], p + 16) : _mm512_loadu_ps(p + 16);

            *o = _mm512_fmadd_ps(w0, _mm512_shuffle_ps(a, b, 0x88), *o);
            if (kx + 1 < kw)
              *o = _mm512_fmadd_ps(w1, _mm512_shuffle_ps(a, b, 0xDD), *o);
          }
        }
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < rows; r++) {
    float *out = dst + (size_t)(oy + r) * (size_t)d->w_out + ox;

    if (oy + r >= d->h_out)
      break;
#pragma GCC unroll 4
    for (int v = 0; v < vecs; v++) {
      int left = d->w_out - ox - 16 * v;
      __m512 o = acc[r * vecs + v];

      if (s == 2)
        o = _mm512_permutexvar_ps(_mm512_loadu_si512(unshuffle_lanes), o);
      if (left > 0)
        _mm512_mask_storeu_ps(out + 16 * v, tail_mask((size_t)left), csnn_act512(o, d->act));
    }
  }
}

/* One plane with stride @s and @kw taps per row (constants where inlined), one column of
 * vectors after the other: four vectors of two output rows where they read only columns inside
 * the plane, else two vectors (the last one alone) of four rows, masked where they read beyond
 * the plane's edges (the masks computed once for all rows). Eight independent accumulators hide
 * the FMA latency better than four here (not on AVX2, whose 16 registers they would crowd). */
TARGET static inline __attribute__((always_inline)) void
depthwise_plane(const csnn_conv2d_desc *d, const float *src, const float *zero, const float *w,
                __m512 bv, int s, int kw, float *dst)
{
  __mmask16 mk[2][2 * CSNN_DW_MAX_KW];
  int vecs = (d->w_out + 15) / 16;

  for (int j = 0; j < vecs;) {
    int ox = 16 * j, n = j + 4 <= vecs && csnn__depthwise_inside(d, ox, 4, 16) ? 4
                         : j + 2 <= vecs                                       ? 2
                                                                               : 1;

    if (n == 4) {
      for (int oy = 0; oy < d->h_out; oy += 2)
        depthwise_tile(d, src, zero, w, bv, oy, ox, 2, 4, s, kw, NULL, dst);
    } else if (csnn__depthwise_inside(d, ox, n, 16)) {
      for (int oy = 0; oy < d->h_out; oy += 4)
        if (n == 2)
          depthwise_tile(d, src, zero, w, bv, oy, ox, 4, 2, s, kw, NULL, dst);
        else
          depthwise_tile(d, src, zero, w, bv, oy, ox, 4, 1, s, kw, NULL, dst);
    } else {
      tile_masks(d, ox, n, s, mk);
      for (int oy = 0; oy < d->h_out; oy += 4)
        if (n == 2)
          depthwise_tile(d, src, zero, w, bv, oy, ox, 4, 2, s, kw, mk, dst);
        else
          depthwise_tile(d, src, zero, w, bv, oy, ox, 4, 1, s, kw, mk, dst);
    }
    j += n;
  }
}

/* A plane at most 16 outputs wide with stride 1, no dilation and a square kernel of @k taps (a
 * constant where inlined), at most 64 padded rows: eight output rows of one vector at a time, every
 * tap unrolled, each row read through a table of the padded rows (those outside the plane the row
 * of zeros). Each output is the same FMA chain as in depthwise_tile(). */
TARGET static inline __attribute__((always_inline)) void
narrow_plane(const csnn_conv2d_desc *d, const float *src, const float *zero, const float *w,
             __m512 bv, int k, float *dst)
{
  const float *rows[64];
  __mmask16 mk[CSNN_DW_MAX_KW];
  int hp = d->h_out + k - 1; /* The padded rows the outputs read (pad_h may be negative: a band). */
  __mmask16 store = tail_mask((size_t)d->w_out);

  for (int y = 0; y < hp; y++) {
    int iy = y - d->pad_h;

    rows[y] = (iy >= 0 && iy < d->h_in ? src + (size_t)iy * (size_t)d->w_in : zero) - d->pad_w;
  }
  for (int kx = 0; kx < k; kx++)
    mk[kx] = column_mask(kx - d->pad_w, d->w_in);
  for (int oy = 0; oy < d->h_out; oy += 8) {
    __m512 acc[8];
    int y[8];

#pragma GCC unroll 8
    for (int r = 0; r < 8; r++) {
      y[r] = oy + r < d->h_out ? oy + r : d->h_out - 1;
      acc[r] = bv;
    }
#pragma GCC unroll 5
    for (int ky = 0; ky < k; ky++)
#pragma GCC unroll 5
      for (int kx = 0; kx < k; kx++) {
        __m512 wv = _mm512_set1_ps(w[ky * k + kx]);

#pragma GCC unroll 8
        for (int r = 0; r < 8; r++)
          acc[r] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(mk[kx], rows[y[r] + ky] + kx), acc[r]);
      }
      /* Rows past the last repeat it: they store the same values again. */
#pragma GCC unroll 8
    for (int r = 0; r < 8; r++)
      _mm512_mask_storeu_ps(dst + (size_t)y[r] * (size_t)d->w_out, store,
                            csnn_act512(acc[r], d->act));
  }
}

TARGET void
csnn__depthwise_plane_avx512(const csnn_conv2d_desc *d, const float *src, const float *w,
                             float bias, float *dst, float *zero)
{
  __m512 bv = _mm512_set1_ps(bias);

  memset(zero, 0, (size_t)d->w_in * sizeof(float));
  if (d->w_out <= 16 && d->stride_w == 1 && d->stride_h == 1 && d->dil_w == 1 && d->dil_h == 1 &&
      d->kh == d->kw && d->h_out + d->kh - 1 <= 64 && (d->kw == 3 || d->kw == 5)) {
    if (d->kw == 3)
      narrow_plane(d, src, zero, w, bv, 3, dst);
    else
      narrow_plane(d, src, zero, w, bv, 5, dst);
    return;
  }
  /* The common kernel widths get their own unrolled copies. */
  if (d->stride_w == 1 && d->kw == 3)
    depthwise_plane(d, src, zero, w, bv, 1, 3, dst);
  else if (d->stride_w == 1 && d->kw == 5)
    depthwise_plane(d, src, zero, w, bv, 1, 5, dst);
  else if (d->stride_w == 1)
    depthwise_plane(d, src, zero, w, bv, 1, d->kw, dst);
  else if (d->kw == 3)
    depthwise_plane(d, src, zero, w, bv, 2, 3, dst);
  else if (d->kw == 5)
    depthwise_plane(d, src, zero, w, bv, 2, 5, dst);
  else
    depthwise_plane(d, src, zero, w, bv, 2, d->kw, dst);
}

/* ---- pooling ---- */

TARGET void
csnn__maxpool_plane_avx512(const float *src, int h_in, int w_in, int k, int stride, int h_out,
                           int w_out, float *dst, float *line)
{
  __m512i even = _mm512_loadu_si512(even_lanes);

  for (int oy = 0; oy < h_out; oy++) {
    int y0 = oy * stride, y1 = y0 + k < h_in ? y0 + k : h_in;
    float *out = dst + (size_t)oy * (size_t)w_out;

    /* The maximum down each column of the window's rows, then across each window. */
    for (int x = 0; x < w_in; x += 16) {
      __mmask16 mask = tail_mask((size_t)(w_in - x));
      __m512 m = _mm512_maskz_loadu_ps(mask, src + (size_t)y0 * (size_t)w_in + x);

      for (int y = y0 + 1; y < y1; y++)
        m = _mm512_max_ps(m, _mm512_maskz_loadu_ps(mask, src + (size_t)y * (size_t)w_in + x));
      _mm512_storeu_ps(line + x, m);
    }
    for (int x = w_in; x < w_in + 48; x++)
      line[x] = -3.4e38f;
    if (stride == 2 && k == 3) {
      for (int ox = 0; ox < w_out; ox += 16) {
        const float *p = line + 2 * ox;
        __m512 a = _mm512_loadu_ps(p), b = _mm512_loadu_ps(p + 16);
        __m512 c = _mm512_loadu_ps(p + 2), e = _mm512_loadu_ps(p + 18);
        __m512 m =
            _mm512_max_ps(_mm512_permutex2var_ps(a, even, b), _mm512_permutex2var_ps(c, even, e));
        __m512 o = _mm512_permutex2var_ps(_mm512_loadu_ps(p + 1), even, _mm512_loadu_ps(p + 17));

        _mm512_mask_storeu_ps(out + ox, tail_mask((size_t)(w_out - ox)), _mm512_max_ps(m, o));
      }
    } else {
      for (int ox = 0; ox < w_out; ox++) {
        int x0 = ox * stride, x1 = x0 + k < w_in ? x0 + k : w_in;
        float m = line[x0];
        for (int x = x0 + 1; x < x1; x++)
          m = line[x] > m ? line[x] : m;
        out[ox] = m;
      }
    }
  }
}
