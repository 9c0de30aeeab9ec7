/* csnn-seg.h — segmentation: a small U-Net giving a per-pixel probability map, its operators,
 * losses and training step
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The network (csnn-seg.c) is a U-Net of @depth levels below the input, @base channels at the
 * top, doubling at each level: every level is two 3 x 3 convolutions without bias, each followed
 * by a batch norm and a ReLU ("double convolution"); the encoder goes down by 2 x 2 max pooling,
 * the decoder comes up by bilinear x2 upsampling (PyTorch's align_corners=False), concatenates
 * the encoder's output of the same level after the upsampled channels and runs a double
 * convolution from the 3 c channels to c. A 1 x 1 convolution with a bias then gives one logit
 * per pixel, and a sigmoid the probability of "nerve". It takes one gray channel at a fixed
 * height and width (multiples of 2^depth), normalised as (x/255 - mean) / std.
 *
 * The upsampling and the decoder's first convolution are a resize-convolution: unlike a strided
 * transposed convolution it has no checkerboard pattern, and it adds no parameters.
 *
 * Parameters are named as the state_dict of this PyTorch module (tests/engine/torch-seg.py):
 *   enc.L.{conv1,conv2}.weight, enc.L.{bn1,bn2}.{weight,bias,running_mean,running_var}
 *   (L = 0 .. depth, depth being the bottleneck), dec.L.… likewise (L = 0 .. depth - 1),
 *   head.weight [1, base, 1, 1], head.bias [1].
 * PyTorch's num_batches_tracked counters are ignored when present.
 *
 * Weight file metadata (all strings): "arch" "csnn_unet", "input_height", "input_width",
 * "base_channels", "depth", "mean", "std" (one number each); the rest is kept as it is.
 *
 *   csnn_seg_shape shape = { .height = 192, .width = 256, .base = 8, .depth = 4 };
 *   csnn_seg *seg;
 *   csnn_seg_new(&shape, &seg);             // or csnn_seg_load("nerve.safetensors", &seg)
 *   csnn_seg_init_random(seg, 42);
 *   csnn_seg_forward(seg, input, 1, prob);  // 1 x H x W normalised floats -> probabilities
 *   csnn_seg_free(seg);
 *
 * Threads: forward and training run every operator on the engine's pool (csnn-pool.h); the
 * results do not depend on the number of threads. Calls on one network are serialised.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "csnn-net.h"
#include "csnn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The "arch" metadata of a U-Net's weight file. */
#define CSNN_SEG_ARCH "csnn_unet"

/* ---- operators (csnn-seg-ops.c) ---- */

/* Bilinear x2 upsampling of [n, c, h, w] to [n, c, 2h, 2w], PyTorch's
 * interpolate(scale_factor=2, mode="bilinear", align_corners=False). Threads take planes. */
void csnn_upsample2x_forward(int n, int c, int h, int w, const float *x, float *y, int ith,
                             int nth);

/* dx ([n, c, h, w]) += the gradient of csnn_upsample2x_forward() from dy ([n, c, 2h, 2w]). */
void csnn_upsample2x_backward(int n, int c, int h, int w, const float *dy, float *dx, int ith,
                              int nth);

/* Backward of csnn_concat_channels_forward(): da += dy's first @c_a channels, db += the rest
 * (either may be NULL to skip it). Threads take planes. */
void csnn_concat_channels_backward(int n, int c_a, int c_b, size_t hw, const float *dy, float *da,
                                   float *db, int ith, int nth);

/* The segmentation loss of @n maps of @hw logits against 0/1 @target masks:
 *   bce  = mean over every pixel of binary cross-entropy with logits (PyTorch's
 *          binary_cross_entropy_with_logits, computed stably),
 *   dice = 1 - mean over images of (2 sum(p t) + 1) / (sum p + sum t + 1), p = sigmoid(logit),
 *   loss = bce + @dice_weight dice.
 * Writes bce and dice to @bce and @dice (either may be NULL) and dloss/dlogit to @dlogits (may be
 * NULL); returns the loss. Sums run in double precision in a fixed order. */
double csnn_seg_loss(int n, size_t hw, const float *logits, const float *target, double dice_weight,
                     double *bce, double *dice, float *dlogits);

/* Dice coefficient 2 |A and B| / (|A| + |B|) of two binary maps (value >= 0.5 is in); 1 when
 * both are empty. */
double csnn_dice(size_t count, const float *a, const float *b);

/* ---- the network (csnn-seg.c) ---- */

/* The shape of a U-Net: input size, top channels and levels. */
typedef struct {
  int height, width; /* Multiples of 2^depth. */
  int base;          /* Channels at the top level (1 .. 256). */
  int depth;         /* Levels below the top (1 .. 6). */
} csnn_seg_shape;

/* A segmentation network: shape, parameters, inference weights and working memory. */
typedef struct csnn_seg csnn_seg;

/* Returns the GFLOP of one forward pass of @shape (2 x multiply-adds of the convolutions). */
double csnn_seg_gflop(const csnn_seg_shape *shape);

/* Builds a network of @shape with zeroed parameters (norm variances 1, weights 1). */
int csnn_seg_new(const csnn_seg_shape *shape, csnn_seg **out);

/* Loads a network from a safetensors file whose metadata gives its shape; a missing, extra or
 * misshaped tensor is an error naming it. */
int csnn_seg_load(const char *path, csnn_seg **out);

/* Same as csnn_seg_load() from an opened file; @what names it in messages. */
int csnn_seg_load_safetensors(const csnn_safetensors *st, const char *what, csnn_seg **out);

/* A weights file may hold a second network, the refiner of a two-stage finder: its tensors and
 * its own metadata keys ("arch", the shape's, "mean", "std") carry this prefix; the main
 * network's are unprefixed and a load of the main network ignores the refiner's. */
#define CSNN_SEG_REFINE_PREFIX "refine."

/* It may also hold further networks beside the main one, whose maps the finder averages with
 * the main network's (an ensemble of locators): the i-th (1, 2, ...) under the prefix
 * "locator.i." (csnn_seg_member_prefix()), in the same way. An engine that predates them refuses
 * such a file rather than run part of the ensemble, since their tensors are not its main
 * network's. */
#define CSNN_SEG_MEMBER_PREFIX "locator."
#define CSNN_SEG_MAX_MEMBERS   16

/* Writes the prefix of further network @i (1 to CSNN_SEG_MAX_MEMBERS - 1) to @buf. */
void csnn_seg_member_prefix(int i, char *buf, size_t size);

/* Loads the network of the part @prefix ("" for the main one, CSNN_SEG_REFINE_PREFIX for the
 * refiner, a member's prefix) from an opened file; every metadata key of the file comes along
 * unprefixed as it is. */
int csnn_seg_load_part(const csnn_safetensors *st, const char *what, const char *prefix,
                       csnn_seg **out);

/* Writes the parameters and @metadata (NULL-terminated key, value list; the shape's keys, "arch",
 * "mean" and "std" are added when missing) to @path atomically. */
int csnn_seg_save(const csnn_seg *seg, const char *path, const char *const *metadata);

/* The same with a refiner (NULL: csnn_seg_save()) stored under CSNN_SEG_REFINE_PREFIX. */
int csnn_seg_save_pair(const csnn_seg *seg, const csnn_seg *refine, const char *path,
                       const char *const *metadata);

/* The same with @n_members networks (at least 1; at most CSNN_SEG_MAX_MEMBERS): @members[0] as
 * the main network, the others under their member prefixes, and the refiner (NULL: none). */
int csnn_seg_save_parts(const csnn_seg *const *members, int n_members, const csnn_seg *refine,
                        const char *path, const char *const *metadata);

/* Frees @seg; NULL is allowed. */
void csnn_seg_free(csnn_seg *seg);

/* Returns the shape of @seg. */
const csnn_seg_shape *csnn_seg_get_shape(const csnn_seg *seg);

/* Returns the input normalisation of @seg (the first of each three values is used). */
const csnn_norm *csnn_seg_norm(const csnn_seg *seg);

/* Sets the input normalisation of @seg (saved as its "mean" and "std"). */
void csnn_seg_set_norm(csnn_seg *seg, float mean, float std);

/* Returns the metadata value of @key loaded with @seg, or NULL. */
const char *csnn_seg_metadata(const csnn_seg *seg, const char *key);

/* Returns the SHA-256 of the file @seg was loaded from, or NULL. */
const char *csnn_seg_sha256(const csnn_seg *seg);

/* Returns the number of parameters and parameter @index (state_dict order). */
size_t csnn_seg_n_params(const csnn_seg *seg);
csnn_param *csnn_seg_param(csnn_seg *seg, size_t index);

/* Returns the parameter called @name, or NULL. */
csnn_param *csnn_seg_find_param(csnn_seg *seg, const char *name);

/* Must be called after parameters were changed in place (the folded weights are recomputed). */
void csnn_seg_params_changed(csnn_seg *seg);

/* Initialises the parameters as PyTorch builds them, from @seed: Kaiming-normal (fan out, ReLU)
 * convolutions, head N(0, 0.01) with bias 0, norms weight 1, bias 0, mean 0, variance 1. */
void csnn_seg_init_random(csnn_seg *seg, uint64_t seed);

/* Runs @n normalised images (n x H x W floats) at inference (running statistics) and writes
 * n x H x W probabilities to @prob and, when not NULL, the logits to @logits. */
int csnn_seg_forward(csnn_seg *seg, const float *input, int n, float *prob, float *logits);

/* Test-time flip: runs one normalised image (H x W) and its left-right mirror image together
 * (one batch of two) and writes to @prob the mean of the image's probability map and the
 * mirror's, mirrored back; writes the image's own map (what csnn_seg_forward() gives) to @plain
 * when not NULL. Twice the work of one image. */
int csnn_seg_forward_flip(csnn_seg *seg, const float *input, float *prob, float *plain);

/* Writes @seg's normalised input (H x W floats) from a gray 8-bit image of any size (resampled
 * as csnn_resample_u8()). */
int csnn_seg_prepare(const csnn_seg *seg, const uint8_t *gray, int width, int height, size_t stride,
                     float *input);

/* The second half of csnn_seg_prepare(): @seg's normalised input from a gray image already
 * resampled to its input size (H x W bytes), so that networks of one input size (an ensemble)
 * share one resampling. */
void csnn_seg_normalise(const csnn_seg *seg, const uint8_t *small, float *input);

/* ---- training (csnn-seg-train.c) ---- */

/* A segmentation network's training state: saved activations and gradients. */
typedef struct csnn_seg_trainer csnn_seg_trainer;

/* Makes a trainer for batches of up to @max_batch images on @n_threads threads (0: the engine's
 * pool). @seg must outlive it. */
int csnn_seg_trainer_new(csnn_seg *seg, int max_batch, int n_threads, csnn_seg_trainer **out);

/* Frees @t; NULL is allowed. */
void csnn_seg_trainer_free(csnn_seg_trainer *t);

/* Runs a training step's forward and backward on @n normalised images (n x H x W) and their 0/1
 * masks: batch norm in training mode (batch statistics; running statistics updated with momentum
 * 0.1 and the unbiased variance), csnn_seg_loss() with @dice_weight, gradients written (not
 * accumulated) to the gradient buffers. Writes the loss and, when not NULL, the n x H x W logits.
 * Does not change the weights. */
int csnn_seg_trainer_step(csnn_seg_trainer *t, const float *input, const float *masks, int n,
                          double dice_weight, float *loss, float *logits);

/* Returns the gradient of parameter @index, or NULL for running statistics. */
float *csnn_seg_trainer_grad(csnn_seg_trainer *t, size_t index);

/* Returns nonzero when parameter @index is trained, and in @decay whether weight decay applies
 * to it (convolution weights). */
int csnn_seg_param_trainable(const csnn_seg *seg, size_t index, int *decay);

#ifdef __cplusplus
}
#endif
