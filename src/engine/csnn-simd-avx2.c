/* csnn-simd-avx2.c — AVX2+FMA kernels: packed GEMM with fused epilogue, depthwise, max pooling
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The twins of csnn-simd-avx512.c for the processors most clinic PCs have (AVX2 and FMA, no
 * AVX-512). Everything marked TARGET is compiled for AVX2+FMA and only called on the AVX2 path.
 * They read the same packed weights and scratch layouts, and compute each output by the same
 * chain of operations (one FMA chain over k in order, then bias, activation and residual), so
 * both paths give bit-identical results.
 */
#include <immintrin.h>
#include <string.h>

#include "csnn-avx2-math.h"
#include "csnn-simd.h"

#define TARGET __attribute__((target("avx2,fma")))

TARGET void
csnn__silu_avx2(float *x, size_t n)
{
  for (size_t i = 0; i < n; i += 8) {
    __m256i mask = csnn_mask256(n - i);
    __m256 v = _mm256_maskload_ps(x + i, mask);
    csnn_store256(x + i, n - i, csnn_act256(v, CSNN_ACT_SILU));
  }
}

TARGET void
csnn__sigmoid_avx2(float *x, size_t n)
{
  for (size_t i = 0; i < n; i += 8) {
    __m256i mask = csnn_mask256(n - i);
    __m256 v = _mm256_maskload_ps(x + i, mask);
    csnn_store256(x + i, n - i, csnn_act256(v, CSNN_ACT_SIGMOID));
  }
}

/* ---- packed GEMM ---- */

/* Six rows of A (each read through its own pointer, so a group may span two packed panels)
 * times up to 16 columns: twelve accumulators, enough to hide the FMA latency on two pipes, two
 * loads of B and six broadcasts of A per twelve FMAs, within the 16 vector registers. Row kk of
 * B is at b + kk * ldb, or at b + off[kk] when @off is not NULL; @full (a constant where
 * inlined) says all 16 columns are there, and @one (a constant too) that there are at most 8:
 * the second vector's loads and FMAs, which would all be wasted, are then left out. */
TARGET static inline __attribute__((always_inline)) void
kernel_6x16(int k, const float *const *a, const float *b, size_t ldb, const int *off, float *c,
            size_t ldc, int rows, size_t cols, const float *bias, csnn_act act, const float *res,
            int full, int one)
{
  __m256 acc0[6], acc1[6];
  __m256i m0 = csnn_mask256(cols), m1 = csnn_mask256(cols > 8 ? cols - 8 : 0);
  const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3], *a4 = a[4], *a5 = a[5];

#pragma GCC unroll 6
  for (int r = 0; r < 6; r++) {
    acc0[r] = _mm256_setzero_ps();
    acc1[r] = _mm256_setzero_ps();
  }
  for (int kk = 0; kk < k; kk++) {
    const float *bk = off != NULL ? b + off[kk] : b + (size_t)kk * ldb;
    __m256 b0 = full ? _mm256_loadu_ps(bk) : _mm256_maskload_ps(bk, m0);
    __m256 b1 = one ? b0 : full ? _mm256_loadu_ps(bk + 8) : _mm256_maskload_ps(bk + 8, m1);
    size_t ka = (size_t)kk * CSNN_GEMM_MR;
    __m256 av;

#define ROW(r, ar)                            \
  av = _mm256_broadcast_ss(ar + ka);          \
  acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]); \
  if (!one)                                   \
    acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
    ROW(0, a0)
    ROW(1, a1)
    ROW(2, a2)
    ROW(3, a3)
    ROW(4, a4)
    ROW(5, a5)
#undef ROW
  }
#pragma GCC unroll 6
  for (int r = 0; r < 6; r++) {
    if (r < rows) {
      __m256 bv = _mm256_set1_ps(bias != NULL ? bias[r] : 0.0f);
      __m256 v0 = csnn_act256(_mm256_add_ps(acc0[r], bv), act);
      float *cr = c + (size_t)r * ldc;

      if (one) {
        if (res != NULL)
          v0 = _mm256_add_ps(v0, _mm256_maskload_ps(res + (size_t)r * ldc, m0));
        csnn_store256(cr, cols, v0);
        continue;
      }
      __m256 v1 = csnn_act256(_mm256_add_ps(acc1[r], bv), act);

      if (res != NULL) {
        v0 = _mm256_add_ps(v0, _mm256_maskload_ps(res + (size_t)r * ldc, m0));
        v1 = _mm256_add_ps(v1, _mm256_maskload_ps(res + (size_t)r * ldc + 8, m1));
      }
      if (full) {
        _mm256_storeu_ps(cr, v0);
        _mm256_storeu_ps(cr + 8, v1);
      } else {
        csnn_store256(cr, cols, v0);
        _mm256_maskstore_ps(cr + 8, m1, v1);
      }
    }
  }
}

/* kernel_6x16() for at most 8 columns, out of line: the one vector that holds them. */
TARGET static __attribute__((noinline)) void
kernel_6x8(int k, const float *const *a, const float *b, size_t ldb, const int *off, float *c,
           size_t ldc, int rows, size_t cols, const float *bias, csnn_act act, const float *res)
{
  kernel_6x16(k, a, b, ldb, off, c, ldc, rows, cols, bias, act, res, 0, 1);
}

/* Rows [p0 * 8, min(m, p1 * 8)) of C times up to 32 columns of B (laid out as kernel_6x16()
 * reads it), six rows at a time. */
TARGET static void
gemm_block(int m, int k, const float *packed, int p0, int p1, const float *b, size_t ldb,
           const int *off, size_t cols, float *c, size_t ldc, const float *bias, csnn_act act,
           const float *residual)
{
  int r_end = m < p1 * CSNN_GEMM_MR ? m : p1 * CSNN_GEMM_MR;

  for (size_t s = 0; s < cols; s += 16) {
    size_t sub = cols - s < 16 ? cols - s : 16;

    for (int row = p0 * CSNN_GEMM_MR; row < r_end; row += 6) {
      int rows = r_end - row < 6 ? r_end - row : 6;
      const float *a[6];
      float *cp = c + (size_t)row * ldc + s;
      const float *bias_r = bias != NULL ? bias + row : NULL;
      const float *res_r = residual != NULL ? residual + (size_t)row * ldc + s : NULL;

      /* Rows past the last are read from the first one and never stored. */
      for (int i = 0; i < 6; i++) {
        int r = row + (i < rows ? i : 0);
        a[i] = packed + (size_t)(r / CSNN_GEMM_MR) * CSNN_GEMM_MR * (size_t)k +
               (size_t)(r % CSNN_GEMM_MR);
      }
      if (sub == 16)
        kernel_6x16(k, a, b + s, ldb, off, cp, ldc, rows, 16, bias_r, act, res_r, 1, 0);
      else if (sub <= 8)
        kernel_6x8(k, a, b + s, ldb, off, cp, ldc, rows, sub, bias_r, act, res_r);
      else
        kernel_6x16(k, a, b + s, ldb, off, cp, ldc, rows, sub, bias_r, act, res_r, 0, 0);
    }
  }
}

/* Copies @cols (up to 32) columns of @k rows of B into 32-float rows, zero beyond @cols. */
TARGET static void
repack_block(int k, const float *b, size_t ldb, size_t cols, float *dst)
{
  __m256i m[4];

  for (int q = 0; q < 4; q++)
    m[q] = csnn_mask256(cols > (size_t)q * 8 ? cols - (size_t)q * 8 : 0);
  for (int kk = 0; kk < k; kk++, b += ldb, dst += 32)
    for (int q = 0; q < 4; q++)
      _mm256_storeu_ps(dst + q * 8, _mm256_maskload_ps(b + q * 8, m[q]));
}

TARGET void
csnn__gemm_packed_avx2(int m, int k, const float *packed, int p0, int p1, const float *b,
                       size_t ldb, size_t block_stride, size_t n0, size_t n1, float *c, size_t ldc,
                       const float *bias, csnn_act act, const float *residual, float *pack_buf)
{
  /* Packing a strided block of B into 128-byte rows pays off once several panels reuse it. */
  int repack = block_stride == 0 && pack_buf != NULL && p1 - p0 >= 4;

  for (size_t n = n0; n < n1;) {
    size_t cols = n1 - n < 32 ? n1 - n : 32;
    const float *bb;
    size_t ldbb;

    if (block_stride != 0) {
      bb = b + (n - n0) / 32 * block_stride;
      ldbb = 32;
    } else if (repack) {
      repack_block(k, b + n, ldb, cols, pack_buf);
      bb = pack_buf;
      ldbb = 32;
    } else {
      bb = b + n;
      ldbb = ldb;
    }
    gemm_block(m, k, packed, p0, p1, bb, ldbb, NULL, cols, c + n, ldc, bias, act,
               residual != NULL ? residual + n : NULL);
    n += cols;
  }
}

TARGET void
csnn__gemm_packed_offsets_avx2(int m, int k, const float *packed, int p0, int p1, const float *b,
                               const int *b_off, size_t cols, float *c, size_t ldc,
                               const float *bias, csnn_act act, const float *residual)
{
  gemm_block(m, k, packed, p0, p1, b, 0, b_off, cols, c, ldc, bias, act, residual);
}

TARGET void
csnn__gemm_packed_offsets2_avx2(int m, int k, const float *packed, int p0, int p1, const float *b,
                                const int *b_off, size_t cols, size_t b_next, size_t c_next,
                                float *c, size_t ldc, const float *bias, csnn_act act,
                                const float *residual)
{
  /* Sixteen columns fill the six-row tile's registers: one row, then the other. */
  gemm_block(m, k, packed, p0, p1, b, 0, b_off, cols, c, ldc, bias, act, residual);
  gemm_block(m, k, packed, p0, p1, b + b_next, 0, b_off, cols, c + c_next, ldc, bias, act,
             residual != NULL ? residual + c_next : NULL);
}

/* ---- depthwise ---- */

/* The 8 even lanes of a:b (16 consecutive floats), and their 8 odd lanes. */
TARGET static inline void
split_even_odd(__m256 a, __m256 b, __m256 *even, __m256 *odd)
{
  const __m256i idx = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  __m256 pa = _mm256_permutevar8x32_ps(a, idx), pb = _mm256_permutevar8x32_ps(b, idx);

  *even = _mm256_permute2f128_ps(pa, pb, 0x20);
  *odd = _mm256_permute2f128_ps(pa, pb, 0x31);
}

/* The lanes of a vector of input columns c0 .. c0 + 7 that lie in [0, w_in). */
TARGET static inline __m256i
column_mask(int c0, int w_in)
{
  const __m256i ramp = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);

  return _mm256_and_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(w_in - c0), ramp),
                          _mm256_cmpgt_epi32(ramp, _mm256_set1_epi32(-c0 - 1)));
}

/* The masks of an edge tile of @vecs vectors from output column @ox with stride @s: for each
 * vector and tap kx, those of the vector of input columns it reads first and (stride 2) second. */
TARGET static void
tile_masks(const csnn_conv2d_desc *d, int ox, int vecs, int s, __m256i (*mk)[2 * CSNN_DW_MAX_KW])
{
  for (int v = 0; v < vecs; v++)
    for (int kx = 0; kx < d->kw; kx++) {
      int c0 = (ox + 8 * v) * s - d->pad_w + kx * d->dil_w;

      mk[v][2 * kx] = column_mask(c0, d->w_in);
      mk[v][2 * kx + 1] = column_mask(c0 + 8, d->w_in);
    }
}

/* As in csnn-simd-avx512.c, on 8 lanes: @rows output rows from @oy, @vecs vectors wide from @ox,
 * stride @s, read in place (rows outside the plane from @zero, with @mk, the columns outside
 * it masked off). With stride 2, _mm256_shuffle_ps of a pair of vectors gives tap kx its even
 * floats and tap kx + 1 its odd ones, out of order within the vector (undone before the store). */
TARGET static inline __attribute__((always_inline)) void
depthwise_tile(const csnn_conv2d_desc *d, const float *src, const float *zero, const float *w,
               __m256 bv, int oy, int ox, int rows, int vecs, int s, int kw,
               const __m256i (*mk)[2 * CSNN_DW_MAX_KW], float *dst)
{
  __m256 acc[4];
  int edge = mk != NULL;

#pragma GCC unroll 4
  for (int i = 0; i < 4; i++)
    acc[i] = bv;
  for (int ky = 0; ky < d->kh; ky++) {
    const float *row[4];
    const float *wk = w + ky * kw;

#pragma GCC unroll 4
    for (int r = 0; r < rows; r++)
      row[r] = csnn__depthwise_row(d, src, zero, oy, r, ky, ox, s);
#pragma GCC unroll 8
    for (int kx = 0; kx < kw; kx += s) {
      __m256 w0 = _mm256_broadcast_ss(wk + kx);
      __m256 w1 = _mm256_set1_ps(s == 2 && kx + 1 < kw ? wk[kx + 1] : 0.0f);

#pragma GCC unroll 4
      for (int r = 0; r < rows; r++)
#pragma GCC unroll 4
        for (int v = 0; v < vecs; v++) {
          const float *p = row[r] + 8 * s * v + kx * d->dil_w;
          __m256 a = edge ? _mm256_maskload_ps(p, mk[v][2 * kx]) : _mm256_loadu_ps(p);
          __m256 *o = &acc[r * vecs + v];

          if (s == 1) {
            *o = _mm256_fmadd_ps(w0, a, *o);
          } else {
            __m256 b = edge ? _mm256_maskload_ps(p + 8, mk[v][2 * kx + 1]) : _mm256_loadu_ps(p + 8);

            *o = _mm256_fmadd_ps(w0, _mm256_shuffle_ps(a, b, 0x88), *o);
            if (kx + 1 < kw)
              *o = _mm256_fmadd_ps(w1, _mm256_shuffle_ps(a, b, 0xDD), *o);
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
      int left = d->w_out - ox - 8 * v;
      __m256 o = acc[r * vecs + v];

      /* The shuffles leave outputs 0 1 4 5 2 3 6 7: swap the middle 64-bit pairs. */
      if (s == 2)
        o = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8));
      if (left > 0)
        csnn_store256(out + 8 * v, (size_t)left, csnn_act256(o, d->act));
    }
  }
}

/* One plane with stride @s and @kw taps per row (constants where inlined), one column of
 * vectors after the other: four vectors of one output row where they read only columns inside
 * the plane, else one vector of four rows (masked at the plane's edges, the masks computed once
 * for all rows); four independent accumulators either way hide the FMA latency. */
TARGET static inline __attribute__((always_inline)) void
depthwise_plane(const csnn_conv2d_desc *d, const float *src, const float *zero, const float *w,
                __m256 bv, int s, int kw, float *dst)
{
  __m256i mk[1][2 * CSNN_DW_MAX_KW];
  int vecs = (d->w_out + 7) / 8;

  for (int j = 0; j < vecs;) {
    int ox = 8 * j;

    if (!csnn__depthwise_inside(d, ox, 1, 8)) {
      tile_masks(d, ox, 1, s, mk);
      for (int oy = 0; oy < d->h_out; oy += 4)
        depthwise_tile(d, src, zero, w, bv, oy, ox, 4, 1, s, kw, mk, dst);
      j++;
    } else if (j + 4 <= vecs && csnn__depthwise_inside(d, ox, 4, 8)) {
      for (int oy = 0; oy < d->h_out; oy++)
        depthwise_tile(d, src, zero, w, bv, oy, ox, 1, 4, s, kw, NULL, dst);
      j += 4;
    } else {
      for (int oy = 0; oy < d->h_out; oy += 4)
        depthwise_tile(d, src, zero, w, bv, oy, ox, 4, 1, s, kw, NULL, dst);
      j++;
    }
  }
}

/* narrow_plane() of csnn-simd-avx512.c on 8 lanes, for a plane at most 8 * @nv outputs wide
 * (@nv is 1 or 2, a constant where inlined): 8 / nv rows of nv vectors at a time. */
TARGET static inline __attribute__((always_inline)) void
narrow_plane(const csnn_conv2d_desc *d, const float *src, const float *zero, const float *w,
             __m256 bv, int k, int nv, float *dst)
{
  const float *rows[64];
  __m256i mk[2][CSNN_DW_MAX_KW];
  int hp = d->h_out + k - 1, nr = 8 / nv; /* The padded rows the outputs read. */

  for (int y = 0; y < hp; y++) {
    int iy = y - d->pad_h;

    rows[y] = (iy >= 0 && iy < d->h_in ? src + (size_t)iy * (size_t)d->w_in : zero) - d->pad_w;
  }
  for (int v = 0; v < nv; v++)
    for (int kx = 0; kx < k; kx++)
      mk[v][kx] = column_mask(8 * v + kx - d->pad_w, d->w_in);
  for (int oy = 0; oy < d->h_out; oy += nr) {
    __m256 acc[8];
    int y[8];

#pragma GCC unroll 8
    for (int r = 0; r < nr; r++) {
      y[r] = oy + r < d->h_out ? oy + r : d->h_out - 1;
      acc[r * nv] = bv;
      if (nv == 2)
        acc[r * nv + 1] = bv;
    }
#pragma GCC unroll 5
    for (int ky = 0; ky < k; ky++)
#pragma GCC unroll 5
      for (int kx = 0; kx < k; kx++) {
        __m256 wv = _mm256_broadcast_ss(w + ky * k + kx);

#pragma GCC unroll 8
        for (int r = 0; r < nr; r++)
#pragma GCC unroll 2
          for (int v = 0; v < nv; v++)
            acc[r * nv + v] = _mm256_fmadd_ps(
                wv, _mm256_maskload_ps(rows[y[r] + ky] + 8 * v + kx, mk[v][kx]), acc[r * nv + v]);
      }
      /* Rows past the last repeat it: they store the same values again. */
#pragma GCC unroll 8
    for (int r = 0; r < nr; r++)
#pragma GCC unroll 2
      for (int v = 0; v < nv; v++)
        csnn_store256(dst + (size_t)y[r] * (size_t)d->w_out + 8 * v, (size_t)(d->w_out - 8 * v),
                      csnn_act256(acc[r * nv + v], d->act));
  }
}

TARGET void
csnn__depthwise_plane_avx2(const csnn_conv2d_desc *d, const float *src, const float *w, float bias,
                           float *dst, float *zero)
{
  __m256 bv = _mm256_set1_ps(bias);

  memset(zero, 0, (size_t)d->w_in * sizeof(float));
  /* Two vectors a row only for 3 x 3: a 5 x 5 kernel's ten masks would crowd the registers. */
  if (d->stride_w == 1 && d->stride_h == 1 && d->dil_w == 1 && d->dil_h == 1 && d->kh == d->kw &&
      d->h_out + d->kh - 1 <= 64 &&
      ((d->kw == 3 && d->w_out <= 16) || (d->kw == 5 && d->w_out <= 8))) {
    if (d->w_out > 8)
      narrow_plane(d, src, zero, w, bv, 3, 2, dst);
    else if (d->kw == 3)
      narrow_plane(d, src, zero, w, bv, 3, 1, dst);
    else
      narrow_plane(d, src, zero, w, bv, 5, 1, dst);
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
csnn__maxpool_plane_avx2(const float *src, int h_in, int w_in, int k, int stride, int h_out,
                         int w_out, float *dst, float *line)
{
  for (int oy = 0; oy < h_out; oy++) {
    int y0 = oy * stride, y1 = y0 + k < h_in ? y0 + k : h_in;
    float *out = dst + (size_t)oy * (size_t)w_out;

    /* The maximum down each column of the window's rows, then across each window. */
    for (int x = 0; x < w_in; x += 8) {
      __m256i mask = csnn_mask256((size_t)(w_in - x));
      __m256 m = _mm256_maskload_ps(src + (size_t)y0 * (size_t)w_in + x, mask);

      for (int y = y0 + 1; y < y1; y++)
        m = _mm256_max_ps(m, _mm256_maskload_ps(src + (size_t)y * (size_t)w_in + x, mask));
      _mm256_storeu_ps(line + x, m);
    }
    for (int x = w_in; x < w_in + 48; x++)
      line[x] = -3.4e38f;
    if (stride == 2 && k == 3) {
      for (int ox = 0; ox < w_out; ox += 8) {
        const float *p = line + 2 * ox;
        __m256 e0, e1, e2, unused;

        split_even_odd(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), &e0, &unused);
        split_even_odd(_mm256_loadu_ps(p + 1), _mm256_loadu_ps(p + 9), &e1, &unused);
        split_even_odd(_mm256_loadu_ps(p + 2), _mm256_loadu_ps(p + 10), &e2, &unused);
        csnn_store256(out + ox, (size_t)(w_out - ox), _mm256_max_ps(_mm256_max_ps(e0, e2), e1));
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
