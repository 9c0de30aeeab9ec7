/* csnn-simd.h — the engine's own vector kernels (AVX2+FMA and AVX-512), chosen at run time
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * OpenBLAS is fast on large GEMMs, but a CNN's convolutions are many small ones (K of 16 to
 * 1152, a few thousand columns), where packing both operands on every call costs as much as the
 * multiplication. These kernels keep the weights packed once, read the activations where they
 * are, and apply bias and activation while the tile is in registers.
 *
 * Three paths: portable (plain C and OpenBLAS), AVX2+FMA and AVX-512. The best one the CPU has is
 * chosen once (cpuid, through __builtin_cpu_supports); CSNN_SIMD=portable|avx2|avx512 in the
 * environment picks a lower one, and a network refuses to be built when it names one the CPU
 * lacks or no path at all. Nothing here assumes more than x86-64 at build time: each kernel file
 * carries per-function target attributes. The AVX2 and AVX-512 kernels compute every output by
 * the same chain of operations, so they give bit-identical results.
 */
#pragma once

#include <stddef.h>

#include "csnn-ops.h"

/* The kernel paths, slowest first. */
typedef enum {
  CSNN_SIMD_PORTABLE = 0,
  CSNN_SIMD_AVX2 = 1,
  CSNN_SIMD_AVX512 = 2,
} csnn_simd;

/* Returns the path the kernels take now. */
csnn_simd csnn__simd(void);

/* Returns the best path this CPU supports. */
csnn_simd csnn__simd_best(void);

/* Returns "portable", "avx2" or "avx512". */
const char *csnn__simd_name(csnn_simd simd);

/* Returns CSNN_OK, or CSNN_ERR_UNSUPPORTED with a message when CSNN_SIMD names no path or one
 * this CPU lacks (the kernels then take the best path). */
int csnn__simd_check_env(void);

/* Makes the kernels take @simd (a negative value: back to the chosen path), for tests. Returns
 * CSNN_ERR_UNSUPPORTED, changing nothing, when the CPU lacks it. Only for operators called
 * directly and networks built afterwards: a network packs its weights for the path in use when
 * it is built. */
int csnn__simd_force(int simd);

/* Returns nonzero when the AVX-512 kernels run. */
int csnn__have_avx512(void);

/* Rows per packed weight panel. */
#define CSNN_GEMM_MR 8

/* The widest depthwise kernel the vector kernels handle. */
#define CSNN_DW_MAX_KW 16

/* Returns the floats of @m x @k weights packed in panels of CSNN_GEMM_MR rows. */
size_t csnn__gemm_packed_floats(int m, int k);

/* Packs row-major @a (@m x @k) into panels: panel p holds, for each k, rows 8p .. 8p+7. */
void csnn__gemm_pack(int m, int k, const float *a, float *packed);

/* C[rows of panels p0 .. p1, columns n0 .. n1) = act(A B + bias), A packed, on the AVX2 or the
 * AVX-512 path (not to be called on the portable one). B is row-major with row stride @ldb, or,
 * when @block_stride is not 0, stored in blocks of 32 columns (rows of 32 floats, blocks
 * @block_stride floats apart, the first holding column n0). @pack_buf (k x 32 floats, may be
 * NULL) lets a strided B be repacked. @residual (NULL or laid out as C) is added after the
 * activation. Each output is one FMA chain over k in order. */
void csnn__gemm_packed(int m, int k, const float *packed, int p0, int p1, const float *b,
                       size_t ldb, size_t block_stride, size_t n0, size_t n1, float *c, size_t ldc,
                       const float *bias, csnn_act act, const float *residual, float *pack_buf);
void csnn__gemm_packed_avx512(int m, int k, const float *packed, int p0, int p1, const float *b,
                              size_t ldb, size_t block_stride, size_t n0, size_t n1, float *c,
                              size_t ldc, const float *bias, csnn_act act, const float *residual,
                              float *pack_buf);
void csnn__gemm_packed_avx2(int m, int k, const float *packed, int p0, int p1, const float *b,
                            size_t ldb, size_t block_stride, size_t n0, size_t n1, float *c,
                            size_t ldc, const float *bias, csnn_act act, const float *residual,
                            float *pack_buf);

/* C[rows of panels p0 .. p1, columns 0 .. cols) = act(A B + bias) (+ @residual, laid out as C),
 * A packed, @cols <= 32, on the AVX2 or the AVX-512 path: row kk of B is the @cols floats at
 * b + b_off[kk] (a convolution's shifted input rows, read in place). Each output is one FMA chain
 * over k in order, as in csnn__gemm_packed(). */
void csnn__gemm_packed_offsets(int m, int k, const float *packed, int p0, int p1, const float *b,
                               const int *b_off, size_t cols, float *c, size_t ldc,
                               const float *bias, csnn_act act, const float *residual);
void csnn__gemm_packed_offsets_avx512(int m, int k, const float *packed, int p0, int p1,
                                      const float *b, const int *b_off, size_t cols, float *c,
                                      size_t ldc, const float *bias, csnn_act act,
                                      const float *residual);
void csnn__gemm_packed_offsets_avx2(int m, int k, const float *packed, int p0, int p1,
                                    const float *b, const int *b_off, size_t cols, float *c,
                                    size_t ldc, const float *bias, csnn_act act,
                                    const float *residual);

/* As csnn__gemm_packed_offsets() for two output rows of a convolution at once, each @cols (at
 * most 16) columns wide: the second reads row kk of B at b + b_off[kk] + @b_next and writes C
 * (and reads @residual) @c_next floats after the first. On AVX-512 the two rows fill one 8 x 32
 * tile, which a narrow plane's single row would leave half empty; every output is the same chain
 * as one row at a time. */
void csnn__gemm_packed_offsets2(int m, int k, const float *packed, int p0, int p1, const float *b,
                                const int *b_off, size_t cols, size_t b_next, size_t c_next,
                                float *c, size_t ldc, const float *bias, csnn_act act,
                                const float *residual);
void csnn__gemm_packed_offsets2_avx512(int m, int k, const float *packed, int p0, int p1,
                                       const float *b, const int *b_off, size_t cols, size_t b_next,
                                       size_t c_next, float *c, size_t ldc, const float *bias,
                                       csnn_act act, const float *residual);
void csnn__gemm_packed_offsets2_avx2(int m, int k, const float *packed, int p0, int p1,
                                     const float *b, const int *b_off, size_t cols, size_t b_next,
                                     size_t c_next, float *c, size_t ldc, const float *bias,
                                     csnn_act act, const float *residual);

/* Returns nonzero when a vector depthwise kernel handles @d on the path in use. */
int csnn__depthwise_ok(const csnn_conv2d_desc *d);

/* Returns the scratch floats csnn__depthwise_plane() needs (one row of zeros). */
size_t csnn__depthwise_scratch_floats(const csnn_conv2d_desc *d);

/* Whether the depthwise kernels' @vecs vectors of @lanes outputs from output column @ox read only
 * columns inside the plane (they then need no masks). */
int csnn__depthwise_inside(const csnn_conv2d_desc *d, int ox, int vecs, int lanes);

/* Returns where a depthwise tile's output row @oy + @r (clamped to the plane's last row: a tile
 * of fewer rows repeats @oy) reads tap row @ky from, shifted to its first output column @ox at
 * stride @s: a row of @src, or @zero when the tap row lies outside the plane. */
static inline __attribute__((always_inline)) const float *
csnn__depthwise_row(const csnn_conv2d_desc *d, const float *src, const float *zero, int oy, int r,
                    int ky, int ox, int s)
{
  int y = oy + r < d->h_out ? oy + r : oy;
  int iy = y * d->stride_h - d->pad_h + ky * d->dil_h;

  return (iy >= 0 && iy < d->h_in ? src + (size_t)iy * (size_t)d->w_in : zero) + ox * s - d->pad_w;
}

/* Depthwise convolution of one plane, bias and activation fused, with the vector kernel of the
 * path in use (only where csnn__depthwise_ok()). The kernels read the plane where it lies: the
 * rows above and below it from a row of zeros in @scratch (csnn__depthwise_scratch_floats()
 * floats), the columns beside it masked off. Each output is its bias plus the taps in order, one
 * FMA chain (zeros for the padding included), on both paths. */
void csnn__depthwise_plane(const csnn_conv2d_desc *d, const float *src, const float *w, float bias,
                           float *dst, float *scratch);
void csnn__depthwise_plane_avx512(const csnn_conv2d_desc *d, const float *src, const float *w,
                                  float bias, float *dst, float *scratch);
void csnn__depthwise_plane_avx2(const csnn_conv2d_desc *d, const float *src, const float *w,
                                float bias, float *dst, float *scratch);

/* Max pooling of one plane without padding (windows clipped at the end, as ceil mode makes
 * them), on the AVX2 or the AVX-512 path; @line holds w_in + 64 floats. */
void csnn__maxpool_plane(const float *src, int h_in, int w_in, int k, int stride, int h_out,
                         int w_out, float *dst, float *line);
void csnn__maxpool_plane_avx512(const float *src, int h_in, int w_in, int k, int stride, int h_out,
                                int w_out, float *dst, float *line);
void csnn__maxpool_plane_avx2(const float *src, int h_in, int w_in, int k, int stride, int h_out,
                              int w_out, float *dst, float *line);

/* Vectorised element-wise helpers of each path. */
void csnn__silu_avx512(float *x, size_t n);
void csnn__sigmoid_avx512(float *x, size_t n);
void csnn__silu_avx2(float *x, size_t n);
void csnn__sigmoid_avx2(float *x, size_t n);
