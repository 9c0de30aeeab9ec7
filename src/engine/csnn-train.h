/* csnn-train.h — training: backward kernels, a training-mode network run and Grad-CAM's gradients
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A trainer walks the same operator nodes as inference (csnn-net-private.h) but keeps every
 * activation a backward pass needs, runs batch norm in training mode (batch statistics, running
 * statistics updated with torchvision's momentum 0.1 and the unbiased variance), applies dropout
 * and stochastic depth from its own seeded generator, and writes the gradient of the mean
 * (optionally class-weighted) softmax cross-entropy into one buffer per parameter.
 *
 *   csnn_trainer *t;
 *   csnn_trainer_new(net, 16, 2, &t);
 *   csnn_trainer_set_seed(t, 42);
 *   float loss;
 *   csnn_trainer_step(t, images, 16, labels, &loss, NULL);  // forward + backward
 *   ... csnn_optim_step() (csnn-optim.h) with csnn_trainer_grad(t, i) ...
 *   csnn_net_params_changed(net);
 *   csnn_trainer_free(t);
 *
 * Backward kernels take the forward's descriptor and (ith, nth) like the forward kernels, and
 * ADD into their outputs (dx, dweight, dbias), so a tensor read by two operators sums both.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "csnn-net.h"
#include "csnn-ops.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- backward kernels (csnn-backward.c) ---- */

/* dx += f'(pre) dy for @n values; @pre is the activation's input and @out its output (either
 * may be NULL when @act does not need it: ReLU and ReLU6 read @out, SiLU @pre, sigmoid @out). */
void csnn_act_backward(csnn_act act, size_t n, const float *pre, const float *out, const float *dy,
                       float *dx, int ith, int nth);

/* Scratch floats one thread needs for the convolution backward kernels. */
size_t csnn_conv2d_backward_scratch_floats(const csnn_conv2d_desc *desc);

/* dx += conv^T(dy, weight) for @n images (the gradient of the input; @desc->act ignored). Threads
 * take whole images (or channels of a depthwise convolution). */
void csnn_conv2d_backward_data(const csnn_conv2d_desc *desc, int n, const float *dy,
                               const float *weight, float *dx, float *scratch, int ith, int nth);

/* dweight += dy (x) x and dbias += sum(dy) (dbias may be NULL) over @n images. Threads take
 * output channels, so the sums do not depend on the number of threads. */
void csnn_conv2d_backward_weight(const csnn_conv2d_desc *desc, int n, const float *x,
                                 const float *dy, float *dweight, float *dbias, float *scratch,
                                 int ith, int nth);

/* Training batch norm on [n, c, hw]: batch mean and biased variance per channel (written to
 * @mean and @invstd = 1/sqrt(var + eps)), y = (x - mean) invstd gamma + beta, and the running
 * statistics (NULL to leave them) updated as torchvision: r = (1 - m) r + m stat, with the
 * unbiased variance. Threads take channels. */
void csnn_bn_forward_train(int n, int c, size_t hw, const float *x, const float *gamma,
                           const float *beta, float eps, float momentum, float *running_mean,
                           float *running_var, float *mean, float *invstd, float *y, int ith,
                           int nth);

/* Backward of csnn_bn_forward_train(): dx += ..., dgamma += ..., dbeta += ... from dy, the
 * forward's input @x and its @mean and @invstd. */
void csnn_bn_backward_train(int n, int c, size_t hw, const float *x, const float *dy,
                            const float *gamma, const float *mean, const float *invstd, float *dx,
                            float *dgamma, float *dbeta, int ith, int nth);

/* dx += d(pool)/dx dy for @n images (max: to the first maximum of each window, as PyTorch). */
void csnn_pool2d_backward(const csnn_pool2d_desc *desc, int n, const float *x, const float *dy,
                          float *dx, int ith, int nth);

/* dx[n, c, :] += dy[n, c] / hw (global average pooling). */
void csnn_global_avgpool_backward(int n, int c, size_t hw, const float *dy, float *dx, int ith,
                                  int nth);

/* Backward of y = x * scale[n, c]: dx += dy scale, dscale += sum_hw dy x (either may be NULL). */
void csnn_mul_channel_backward(int n, int c, size_t hw, const float *x, const float *scale,
                               const float *dy, float *dx, float *dscale, int ith, int nth);

/* Backward of y = x W^T + b: dx += dy W (NULL to skip), dweight += dy^T x, dbias += sum dy. */
void csnn_linear_backward(int n, int in, int out, const float *x, const float *weight,
                          const float *dy, float *dx, float *dweight, float *dbias, int ith,
                          int nth);

/* Mean softmax cross-entropy of [n, classes] logits against @labels, each sample weighted by
 * @class_weights[label] (NULL: all 1) and divided by the sum of the weights, as PyTorch's
 * CrossEntropyLoss(weight=...). Writes the gradient wrt the logits to @dlogits (may be NULL).
 * Returns the loss. */
double csnn_softmax_xent(int n, int classes, const float *logits, const int *labels,
                         const float *class_weights, float *dlogits);

/* ---- the trainer (csnn-train.c) ---- */

/* A network's training state: saved activations, gradients and the random generator. */
typedef struct csnn_trainer csnn_trainer;

/* Makes a trainer for @net for batches of up to @max_batch images on @n_threads threads (0:
 * the engine's default pool). @net must outlive it. */
int csnn_trainer_new(csnn_net *net, int max_batch, int n_threads, csnn_trainer **out);

/* Frees @t; NULL is allowed. */
void csnn_trainer_free(csnn_trainer *t);

/* Seeds the generator of dropout and stochastic depth. */
void csnn_trainer_set_seed(csnn_trainer *t, uint64_t seed);

/* Turns dropout and stochastic depth on (default) or off; batch norm stays in training mode. */
void csnn_trainer_set_dropout(csnn_trainer *t, int enabled);

/* Sets per-class loss weights (@weights has one value per class; NULL: all 1). */
int csnn_trainer_set_class_weights(csnn_trainer *t, const float *weights);

/* Parameters whose index is below @index get no gradient (their layers are frozen); 0: none. */
void csnn_trainer_set_frozen(csnn_trainer *t, size_t index);

/* Runs a training step's forward and backward on @n preprocessed images (n x 3 x S x S) with
 * @labels: batch norm in training mode (running statistics updated), dropout as set, gradients of
 * the loss written (not accumulated) to the gradient buffers. Writes the loss and, when not NULL,
 * the n x classes logits. Does not change the weights. */
int csnn_trainer_step(csnn_trainer *t, const float *input, int n, const int *labels, float *loss,
                      float *logits);

/* Returns the gradient buffer of parameter @index (csnn_net_param()), or NULL for buffers that
 * are not trained (running statistics). */
float *csnn_trainer_grad(csnn_trainer *t, size_t index);

/* Returns nonzero when parameter @index is trainable (not a running statistic, not frozen) and
 * nonzero in @decay when weight decay applies to it (weights, not biases or norm parameters). */
int csnn_trainer_param_trainable(const csnn_trainer *t, size_t index, int *decay);

/* ---- initial weights (csnn-net-init.c) ---- */

/* Initialises every parameter of @net as torchvision does for a model built from scratch, from
 * @seed: Kaiming-normal (fan out) convolutions for MobileNetV2 and EfficientNet-B0, Kaiming-
 * uniform (fan in) for SqueezeNet 1.1 with its final convolution N(0, 0.01) and, unlike
 * torchvision, its bias 1 (so that the ReLU on the class maps starts open); linear layers
 * N(0, 0.01) (MobileNetV2) or U(-1/sqrt(in), 1/sqrt(in)) (EfficientNet-B0: torchvision's scale
 * for its 1000 classes, whatever the number of classes); biases 0; norms
 * weight 1, bias 0, running mean 0, variance 1. Names starting with @only_prefix (NULL: all)
 * are the only ones set. */
void csnn_net_init_random(csnn_net *net, uint64_t seed, const char *only_prefix);

/* ---- Grad-CAM (csnn-gradcam.c) ---- */

/* The most classes the Grad-CAM functions take. */
#define CSNN_GRADCAM_MAX_CLASSES 64

/* Grad-CAM's features in two steps. csnn_net_gradcam_forward() runs one preprocessed image
 * (3 x S x S) through the inference engine (running statistics, no dropout, the engine's
 * threads) and writes the activations of the last convolutional block (the output of
 * torchvision's "features": 512 x 13 x 13 for SqueezeNet 1.1, 1280 x 7 x 7 for MobileNetV2 and
 * EfficientNet-B0 at 224), channel-major, and the logits; it writes the shape to @c, @h, @w
 * (pass NULL buffers to only learn the shape). csnn_net_gradcam_backward() then writes the
 * gradient of sum_k @dlogits[k] logit_k with respect to those activations, through the
 * classifier only: a one-hot @dlogits gives one class's logit, p_k (onehot_k - p) its
 * probability, without another forward pass. Thread-safe for different nets. */
int csnn_net_gradcam_forward(csnn_net *net, const float *image, float *activations, float *logits,
                             int *c, int *h, int *w);
int csnn_net_gradcam_backward(csnn_net *net, const float *activations, const float *dlogits,
                              float *gradients);

/* Both steps for the logit of class @class_index: @activations, @gradients and @logits may each
 * be NULL; all three NULL (and @image NULL) to only learn the shape. */
int csnn_net_gradcam_features(csnn_net *net, const float *image, int class_index,
                              float *activations, float *gradients, int *c, int *h, int *w,
                              float *logits);

#ifdef __cplusplus
}
#endif
