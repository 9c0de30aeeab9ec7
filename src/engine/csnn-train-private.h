/* csnn-train-private.h — fused training kernels shared by the trainer and its AVX-512 file
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A convolution's batch norm and activation run as one pass over memory in training: the
 * statistics, then the normalised and activated output; backward, the activation's derivative
 * is applied on the fly while the norm's sums are taken, and the input gradient of the norm is
 * written (not added) into a fresh buffer, so nothing needs zeroing first. Threads take
 * channels, and every sum runs in an order fixed by the shapes alone, so the results do not
 * depend on the number of threads.
 *
 * The csnn__*_avx512 functions are compiled for AVX-512F and only called after
 * csnn__have_avx512() said yes; the drivers below choose them or their portable twins.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "csnn-ops.h"

/* ---- drivers (csnn-backward.c) ---- */

/* Training batch norm on [n, c, hw] followed by @act: statistics as csnn_bn_forward_train()
 * (written to @mean and @invstd, running statistics updated unless NULL), then
 * y = act((z - mean) invstd gamma + beta). */
void csnn__bn_act_forward_train(int n, int c, size_t hw, const float *z, const float *gamma,
                                const float *beta, float eps, float momentum, float *running_mean,
                                float *running_var, float *mean, float *invstd, csnn_act act,
                                float *y, int ith, int nth);

/* Backward of csnn__bn_act_forward_train() given dL/dy (@dy), its input @z and output @y:
 * @dz = dL/dz (written), dgamma and dbeta added (either may be NULL). @gbuf (laid out as z,
 * only used for SiLU, may be NULL otherwise) keeps the activation's gradient between the two
 * passes instead of computing its exponentials twice. */
void csnn__bn_act_backward_train(int n, int c, size_t hw, csnn_act act, const float *z,
                                 const float *y, const float *dy, const float *gamma,
                                 const float *beta, const float *mean, const float *invstd,
                                 float *gbuf, float *dz, float *dgamma, float *dbeta, int ith,
                                 int nth);

/* dst = f'(pre) dy for @n values (written, not added); @pre and @out as csnn_act_backward(). */
void csnn__act_grad(csnn_act act, size_t n, const float *pre, const float *out, const float *dy,
                    float *dst, int ith, int nth);

/* Whether the depthwise gradient kernels below handle @d on this CPU. */
int csnn__dw_backward_avx512_ok(const csnn_conv2d_desc *d);

/* Scratch floats of one thread for the depthwise gradient kernels. */
size_t csnn__dw_backward_scratch_floats(const csnn_conv2d_desc *d);

/* ---- AVX-512 kernels (csnn-train-avx512.c) ---- */

/* *sum += sum(x - shift), *sq += sum((x - shift)^2) over @n floats. */
void csnn__shifted_sums_avx512(const float *x, size_t n, float shift, double *sum, double *sq);

/* y = act(x a + b) over @n floats. */
void csnn__affine_act_avx512(const float *x, size_t n, float a, float b, csnn_act act, float *y);

/* With g = act'(z a + b or y) dy: *sdy += sum g, *sdyz += sum g (z - mu); g stored in @gbuf
 * unless NULL. */
void csnn__bn_bwd_sums_avx512(csnn_act act, const float *z, const float *y, const float *dy,
                              size_t n, float mu, float a, float b, float *gbuf, double *sdy,
                              double *sdyz);

/* dz = k1 (g - k2 - (z - mu) k3), g read from @gbuf or recomputed as above. */
void csnn__bn_bwd_apply_avx512(csnn_act act, const float *z, const float *y, const float *dy,
                               const float *gbuf, size_t n, float mu, float a, float b, float k1,
                               float k2, float k3, float *dz);

/* dst = f'(pre or out) dy over @n floats. */
void csnn__act_grad_avx512(csnn_act act, const float *pre, const float *out, const float *dy,
                           size_t n, float *dst);

/* The same five on the AVX2 path (csnn-train-avx2.c). */
void csnn__shifted_sums_avx2(const float *x, size_t n, float shift, double *sum, double *sq);
void csnn__affine_act_avx2(const float *x, size_t n, float a, float b, csnn_act act, float *y);
void csnn__bn_bwd_sums_avx2(csnn_act act, const float *z, const float *y, const float *dy, size_t n,
                            float mu, float a, float b, float *gbuf, double *sdy, double *sdyz);
void csnn__bn_bwd_apply_avx2(csnn_act act, const float *z, const float *y, const float *dy,
                             const float *gbuf, size_t n, float mu, float a, float b, float k1,
                             float k2, float k3, float *dz);
void csnn__act_grad_avx2(csnn_act act, const float *pre, const float *out, const float *dy,
                         size_t n, float *dst);

/* dx += the input gradient of one depthwise plane from its output gradient @dy and its filter
 * @w; @buf holds csnn__dw_backward_scratch_floats() floats. */
void csnn__dw_backward_data_plane_avx512(const csnn_conv2d_desc *d, const float *dy, const float *w,
                                         float *dx, float *buf);

/* acc[t] (16 floats per tap, kh x kw taps) += the lanes of one plane's filter gradient from its
 * input @x and output gradient @dy; csnn__dw_reduce_avx512() then adds the lanes to the
 * filter's gradient. @buf as above. */
void csnn__dw_backward_weight_plane_avx512(const csnn_conv2d_desc *d, const float *x,
                                           const float *dy, float *acc, float *buf);
void csnn__dw_reduce_avx512(int taps, const float *acc, float *dw);

/* dx += the gradient of max pooling one plane (to the first maximum of each window, as
 * csnn_pool2d_backward()); @where holds w_out + 16 ints. */
void csnn__maxpool_backward_plane_avx512(const csnn_pool2d_desc *d, const float *x, const float *dy,
                                         float *dx, int32_t *where);
