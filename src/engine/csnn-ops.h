/* csnn-ops.h — the engine's operators: forward kernels (backward kernels sit beside them)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every kernel works on float32 NCHW data and takes (ith, nth): the calling thread's index and the
 * number of threads running the same kernel. Each thread computes its own disjoint part of the
 * output, so threading is a partition and the result does not depend on nth. A kernel called
 * with (0, 1) does all the work. Kernels never allocate: scratch memory is passed in.
 *
 *   csnn_conv2d_desc conv = { .c_in = 16, .c_out = 64, .kh = 3, .kw = 3, .stride_h = 1,
 *                             .stride_w = 1, .pad_h = 1, .pad_w = 1, .groups = 1,
 *                             .h_in = 55, .w_in = 55, .act = CSNN_ACT_RELU };
 *   csnn_conv2d_setup(&conv);                       // fills h_out, w_out, checks the shape
 *   float *scratch = malloc(csnn_conv2d_scratch_floats(&conv) * sizeof(float));
 *   csnn_conv2d_forward(&conv, batch, x, weight, bias, y, scratch, 0, 1);
 *
 * A training step will add csnn_<op>_backward() next to each csnn_<op>_forward() here, with the
 * same descriptors, so that the forward's shapes are the backward's.
 */
#pragma once

#include <stddef.h>

#include "csnn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Element-wise activations, applied in place or fused into convolutions. */
typedef enum {
  CSNN_ACT_NONE,
  CSNN_ACT_RELU,
  CSNN_ACT_RELU6,
  CSNN_ACT_SILU,
  CSNN_ACT_SIGMOID
} csnn_act;

/* Splits @total items into @nth nearly equal contiguous ranges; returns thread @ith's. */
void csnn_partition(size_t total, int ith, int nth, size_t *start, size_t *end);

/* Applies @act to @n floats of @x in place (thread @ith of @nth takes its share). */
void csnn_act_forward(csnn_act act, float *x, size_t n, int ith, int nth);

/* A 2-D convolution: shapes, hyper-parameters and the fused activation. */
typedef struct {
  int c_in, c_out;
  int kh, kw;
  int stride_h, stride_w;
  int pad_h, pad_w;
  int dil_h, dil_w; /* 0 means 1. */
  int groups;       /* 0 means 1. */
  int h_in, w_in;
  int h_out, w_out; /* Set by csnn_conv2d_setup(). */
  csnn_act act;     /* Applied after the bias. */
} csnn_conv2d_desc;

/* Validates @desc, fills in defaults and the output size; returns a status. */
int csnn_conv2d_setup(csnn_conv2d_desc *desc);

/* Returns the scratch floats one thread needs for csnn_conv2d_forward(). */
size_t csnn_conv2d_scratch_floats(const csnn_conv2d_desc *desc);

/* y[n] = act(conv(x[n], weight) + bias) for @n images; weight is [c_out, c_in/groups, kh, kw],
 * bias [c_out] or NULL; @scratch holds csnn_conv2d_scratch_floats() floats for this thread. */
void csnn_conv2d_forward(const csnn_conv2d_desc *desc, int n, const float *x, const float *weight,
                         const float *bias, float *y, float *scratch, int ith, int nth);

/* Returns the floats of @desc's weights in the layout csnn_conv2d_forward_packed() reads. */
size_t csnn_conv2d_packed_floats(const csnn_conv2d_desc *desc);

/* Rearranges @weight ([c_out, c_in/groups, kh, kw]) for the fastest kernel of this CPU. */
void csnn_conv2d_pack(const csnn_conv2d_desc *desc, const float *weight, float *packed);

/* Same as csnn_conv2d_forward() with weights from csnn_conv2d_pack(): inference's path. */
void csnn_conv2d_forward_packed(const csnn_conv2d_desc *desc, int n, const float *x,
                                const float *packed, const float *bias, float *y, float *scratch,
                                int ith, int nth);

/* Sets the panels [p0, p1) of packed weights (CSNN_GEMM_MR output channels each) that thread
 * @ith of @nth reads in csnn_conv2d_forward_packed() of @n images (all of them, or none: p0 >=
 * p1, when it reads them all or has no work). For a convolution of one group. */
void csnn_conv2d_packed_panels(const csnn_conv2d_desc *desc, int n, int ith, int nth, int *p0,
                               int *p1);

/* Whether @desc is depthwise (one filter per channel). */
int csnn_conv2d_is_depthwise(const csnn_conv2d_desc *desc);

/* Same as csnn_conv2d_forward_packed() for a depthwise @desc, also writing each output plane's
 * mean to @means (n x c_out floats, the same values as csnn_global_avgpool_forward() of y): a
 * squeeze-and-excitation's pooling, taken while each plane is in cache. */
void csnn_conv2d_forward_packed_means(const csnn_conv2d_desc *desc, int n, const float *x,
                                      const float *packed, const float *bias, float *y,
                                      float *means, float *scratch, int ith, int nth);

/* Whether csnn_conv2d_forward_packed_residual() can run @desc (else add the residual apart). */
int csnn_conv2d_can_fuse_residual(const csnn_conv2d_desc *desc);

/* y = act(conv(x) + bias) + residual (residual shaped as y), fused in the GEMM's epilogue. */
void csnn_conv2d_forward_packed_residual(const csnn_conv2d_desc *desc, int n, const float *x,
                                         const float *packed, const float *bias,
                                         const float *residual, float *y, float *scratch, int ith,
                                         int nth);

/* Folds an inference batch norm (gamma, beta, running mean and var, eps) into the preceding
 * convolution: writes the scaled weights (@c_out rows of @row_size) and the new bias. @bias may
 * be NULL (no bias before the norm). */
void csnn_bn_fold(int c_out, size_t row_size, const float *weight, const float *bias,
                  const float *gamma, const float *beta, const float *mean, const float *var,
                  float eps, float *weight_out, float *bias_out);

/* Inference batch norm on [n, c, hw]: y = (x - mean) / sqrt(var + eps) * gamma + beta. */
void csnn_bn_forward_inference(int n, int c, size_t hw, const float *x, const float *gamma,
                               const float *beta, const float *mean, const float *var, float eps,
                               float *y, int ith, int nth);

/* Pooling kinds. */
typedef enum { CSNN_POOL_MAX, CSNN_POOL_AVG } csnn_pool_kind;

/* A 2-D max or average pooling, PyTorch's semantics (ceil mode, padding, count_include_pad). */
typedef struct {
  csnn_pool_kind kind;
  int c;
  int kh, kw;
  int stride_h, stride_w;
  int pad_h, pad_w;
  int ceil_mode;
  int count_include_pad; /* Average pooling only. */
  int h_in, w_in;
  int h_out, w_out; /* Set by csnn_pool2d_setup(). */
} csnn_pool2d_desc;

/* Validates @desc and fills in the output size; returns a status. */
int csnn_pool2d_setup(csnn_pool2d_desc *desc);

/* Pools @n images of @desc->c channels from @x into @y. */
void csnn_pool2d_forward(const csnn_pool2d_desc *desc, int n, const float *x, float *y, int ith,
                         int nth);

/* Whether csnn_conv2d_forward_packed_pool() can run convolution @conv with the max pooling @pool
 * of its output (a convolution through im2col, one group, the packed GEMM; a pooling without
 * padding); with @any_path, whether it could on some processor path (a network plans its memory
 * and scratch for that, whatever path it later runs on). */
int csnn_conv2d_pool_fusable(const csnn_conv2d_desc *conv, const csnn_pool2d_desc *pool,
                             int any_path);

/* Returns the scratch floats one thread needs for csnn_conv2d_forward_packed_pool(). */
size_t csnn_conv2d_pool_scratch_floats(const csnn_conv2d_desc *conv, const csnn_pool2d_desc *pool);

/* y = pool(act(conv(x) + bias)) for @n images, packed weights, without writing the convolution's
 * output: threads share bands of pooled rows; each band's convolution rows are computed into
 * @scratch (the rows two bands share are kept from one band to the next, not recomputed) and
 * pooled while they are in cache. The same values as csnn_conv2d_forward_packed() then
 * csnn_pool2d_forward(). Only for what csnn_conv2d_pool_fusable() accepts. */
void csnn_conv2d_forward_packed_pool(const csnn_conv2d_desc *conv, const csnn_pool2d_desc *pool,
                                     int n, const float *x, const float *packed, const float *bias,
                                     float *y, float *scratch, int ith, int nth);

/* Whether csnn_conv2d_forward_packed_depthwise() can run the 1 x 1 convolution @a and the
 * depthwise convolution @b of its output (the packed GEMM and a vector depthwise kernel, and a
 * tensor between them large enough to be worth it); @any_path as for
 * csnn_conv2d_pool_fusable(). */
int csnn_conv2d_depthwise_fusable(const csnn_conv2d_desc *a, const csnn_conv2d_desc *b,
                                  int any_path);

/* Returns the scratch floats one thread needs for csnn_conv2d_forward_packed_depthwise(). */
size_t csnn_conv2d_depthwise_scratch_floats(const csnn_conv2d_desc *a, const csnn_conv2d_desc *b);

/* y = dw(act(conv1x1(x) + bias_a)) for @n images (an inverted residual's expansion and its
 * depthwise layer), in bands of @b's output rows as csnn_conv2d_forward_packed_pool() does: the
 * 1 x 1 convolution's output is never written whole. @weight_b as csnn_conv2d_pack() leaves a
 * depthwise convolution's. The same values as the two convolutions one after the other. Only for
 * what csnn_conv2d_depthwise_fusable() accepts. */
void csnn_conv2d_forward_packed_depthwise(const csnn_conv2d_desc *a, const csnn_conv2d_desc *b,
                                          int n, const float *x, const float *packed_a,
                                          const float *bias_a, const float *weight_b,
                                          const float *bias_b, float *y, float *scratch, int ith,
                                          int nth);

/* Adaptive average pooling of [n, c, h_in, w_in] to [n, c, h_out, w_out] (PyTorch's bins). */
void csnn_adaptive_avgpool2d_forward(int n, int c, int h_in, int w_in, int h_out, int w_out,
                                     const float *x, float *y, int ith, int nth);

/* Global average pooling: [n, c, hw] to [n, c]. */
void csnn_global_avgpool_forward(int n, int c, size_t hw, const float *x, float *y, int ith,
                                 int nth);

/* y = a + b over @count floats (y may be a or b). */
void csnn_add_forward(size_t count, const float *a, const float *b, float *y, int ith, int nth);

/* Squeeze-and-excitation scaling: y[n, c, :] = x[n, c, :] * scale[n, c]. */
void csnn_mul_channel_forward(int n, int c, size_t hw, const float *x, const float *scale, float *y,
                              int ith, int nth);

/* Concatenates [n, c_a, hw] and [n, c_b, hw] along channels into [n, c_a + c_b, hw]. */
void csnn_concat_channels_forward(int n, int c_a, int c_b, size_t hw, const float *a,
                                  const float *b, float *y, int ith, int nth);

/* y[n, out] = x[n, in] weight[out, in]^T + bias[out] (bias may be NULL). */
void csnn_linear_forward(int n, int in, int out, const float *x, const float *weight,
                         const float *bias, float *y, int ith, int nth);

/* Row-wise softmax of [n, classes], computed stably (max subtracted). */
void csnn_softmax_forward(int n, int classes, const float *x, float *y);

/* Dropout and stochastic depth are the identity at inference: y = x. */
void csnn_dropout_forward_inference(size_t count, const float *x, float *y);

#ifdef __cplusplus
}
#endif
