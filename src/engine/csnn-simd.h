/* csnn-simd.h — the engine's own AVX-512 kernels, chosen at run time
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * OpenBLAS is fast on large GEMMs, but a CNN's convolutions are many small ones (K of 16 to
 * 1152, a few thousand columns), where packing both operands on every call costs as much as the
 * multiplication. These kernels keep the weights packed once, read the activations where they
 * are, and apply bias and activation while the tile is in registers. They run only where the CPU
 * has AVX-512 (checked once with __builtin_cpu_supports); elsewhere the engine uses OpenBLAS and
 * plain C.
 */
#pragma once

#include <stddef.h>

#include "csnn-ops.h"

/* Rows per packed weight panel. */
#define CSNN_GEMM_MR 8

/* Returns nonzero when the AVX-512 kernels can run on this CPU (and are not switched off). */
int csnn__have_avx512(void);

/* Switches the AVX-512 kernels off (nonzero) or back on, for tests of the portable path; only
 * for operators called directly (a network packs its weights for the path of its first run). */
void csnn__force_portable(int portable);

/* Returns the floats of @m x @k weights packed in panels of CSNN_GEMM_MR rows. */
size_t csnn__gemm_packed_floats(int m, int k);

/* Packs row-major @a (@m x @k) into panels: panel p holds, for each k, rows 8p .. 8p+7. */
void csnn__gemm_pack(int m, int k, const float *a, float *packed);

/* C[rows of panels p0 .. p1, columns n0 .. n1) = act(A B + bias), A packed. B is row-major
 * with row stride @ldb, or, when @block_stride is not 0, stored in blocks of 32 columns (rows of
 * 32 floats, blocks @block_stride floats apart, the first holding column n0). @pack_buf (k x 32
 * floats, may be NULL) lets a strided B be repacked. @residual (NULL or laid out as C) is added
 * after the activation. */
void csnn__gemm_packed_avx512(int m, int k, const float *packed, int p0, int p1, const float *b,
                              size_t ldb, size_t block_stride, size_t n0, size_t n1, float *c,
                              size_t ldc, const float *bias, csnn_act act, const float *residual,
                              float *pack_buf);

/* Depthwise convolution of one plane with the AVX-512 kernel; @pad_buf holds
 * csnn__depthwise_scratch_floats() floats. */
void csnn__depthwise_plane_avx512(const csnn_conv2d_desc *d, const float *src, const float *w,
                                  float bias, float *dst, float *pad_buf);

/* Returns nonzero when csnn__depthwise_plane_avx512() handles @d on this CPU. */
int csnn__depthwise_avx512_ok(const csnn_conv2d_desc *d);

/* Returns the scratch floats csnn__depthwise_plane_avx512() needs. */
size_t csnn__depthwise_scratch_floats(const csnn_conv2d_desc *d);

/* Max pooling of one plane without padding (windows clipped at the end, as ceil mode makes
 * them); @line holds w_in + 64 floats. */
void csnn__maxpool_plane_avx512(const float *src, int h_in, int w_in, int k, int stride, int h_out,
                                int w_out, float *dst, float *line);

/* Vectorised element-wise helpers (AVX-512 when available). */
void csnn__silu_avx512(float *x, size_t n);
void csnn__sigmoid_avx512(float *x, size_t n);
