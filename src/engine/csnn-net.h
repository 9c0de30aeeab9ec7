/* csnn-net.h — networks: the three architectures, their parameters and batched inference
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A network is an architecture (a list of operator nodes) and its parameters, each bound by the
 * name torchvision gives it in the state_dict of the same model, so a model trained in PyTorch
 * loads as it is. Batch norms are kept as parameters (training needs them) and folded into their
 * convolutions for inference, once, when the parameters change.
 *
 *   csnn_net *net;
 *   if (csnn_net_load("model.safetensors", NULL, &net) != CSNN_OK)
 *     fprintf(stderr, "%s\n", csnn_last_error());
 *   csnn_crop crop = { pixels, width, height, stride };
 *   float logits[2], p_cts;
 *   csnn_net_classify(net, &crop, 1, logits, &p_cts, NULL, NULL);
 *   csnn_net_free(net);
 *
 * Weight file metadata ("__metadata__" of the safetensors file, all values strings; read by
 * csnn_model_meta_read() of csnn-models.h, which takes lists as JSON or comma-separated text):
 *   "arch"        torchvision's name: "squeezenet1_1", "mobilenet_v2" or "efficientnet_b0".
 *   "classes"     class names by index, e.g. ["control","cts"]; the class "cts" (else index 1)
 *                 is the one p(CTS) reports.
 *   "input_size"  side of the square network input in pixels, e.g. "224".
 *   "mean", "std" three numbers each, applied after x/255 (ImageNet's when absent).
 *   "trained_on"  what the weights were trained on (e.g. "synthetic phantom sweeps").
 *   "provenance"  how they were made (also "command", "date", "carpalscope_version").
 *   Others are kept (csnn_net_metadata()) and never interpreted.
 * The number of classes is the first dimension of classifier.1.weight. PyTorch's
 * num_batches_tracked counters may be present and are ignored.
 *
 * Threads: csnn_net_forward() and csnn_net_classify() run on the engine's pool (csnn-pool.h);
 * calls on one network are serialised. An image's logits do not depend on the rest of its batch.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "csnn-image.h"
#include "csnn-safetensors.h"
#include "csnn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A network: architecture, parameters, prepared inference weights and working memory. */
typedef struct csnn_net csnn_net;

/* One named parameter tensor (torchvision's state_dict name and shape). */
typedef struct {
  const char *name;
  int ndim;
  int64_t shape[4];
  size_t numel;
  float *data;
} csnn_param;

/* One gray 8-bit crop: @height rows of @width pixels, rows @stride bytes apart. */
typedef struct {
  const uint8_t *pixels;
  int width, height;
  size_t stride;
} csnn_crop;

/* Returns nonzero to stop a long call; checked between batches. */
typedef int (*csnn_abort_cb)(void *user_data);

/* Returns the NULL-terminated list of supported architecture names. */
const char *const *csnn_arch_names(void);

/* Returns the GFLOP of one forward pass of @arch at 224 x 224 with @num_classes (2 x MACs). */
double csnn_arch_gflop(const char *arch, int num_classes);

/* Builds @arch with @num_classes outputs and zeroed parameters (BN variances 1). */
int csnn_net_new(const char *arch, int num_classes, csnn_net **out);

/* Loads a network from a safetensors file: the architecture comes from its metadata, or from
 * @arch when not NULL. Missing, extra and misshaped tensors are errors naming the tensor. */
int csnn_net_load(const char *path, const char *arch, csnn_net **out);

/* Same as csnn_net_load() from an opened file. */
int csnn_net_load_safetensors(const csnn_safetensors *st, const char *arch, csnn_net **out);

/* Copies every parameter from @st into @net (same checks as csnn_net_load()). */
int csnn_net_set_params(csnn_net *net, const csnn_safetensors *st);

/* Frees @net; NULL is allowed. */
void csnn_net_free(csnn_net *net);

/* Returns the architecture name of @net. */
const char *csnn_net_arch(const csnn_net *net);

/* Returns the number of classes of @net. */
int csnn_net_num_classes(const csnn_net *net);

/* Returns the side of the square input of @net (224 unless the metadata says otherwise). */
int csnn_net_input_size(const csnn_net *net);

/* Returns the normalisation @net applies after x/255. */
const csnn_norm *csnn_net_norm(const csnn_net *net);

/* Returns the index of the CTS class (the class named "cts", else 1). */
int csnn_net_cts_index(const csnn_net *net);

/* Returns the name of class @index (from the metadata; "class<i>" when absent). */
const char *csnn_net_class_name(const csnn_net *net, int index);

/* Returns the metadata value of @key loaded with @net, or NULL. */
const char *csnn_net_metadata(const csnn_net *net, const char *key);

/* Returns the SHA-256 of the weight file @net was loaded from, or NULL. */
const char *csnn_net_sha256(const csnn_net *net);

/* Returns the number of parameters of @net and parameter @index. */
size_t csnn_net_n_params(const csnn_net *net);
csnn_param *csnn_net_param(csnn_net *net, size_t index);

/* Returns the parameter called @name, or NULL. */
csnn_param *csnn_net_find_param(csnn_net *net, const char *name);

/* Must be called after parameters were changed in place: the folded weights are recomputed. */
void csnn_net_params_changed(csnn_net *net);

/* Runs @n preprocessed images (n x 3 x S x S floats, S the input size) and writes n x classes
 * logits. */
int csnn_net_forward(csnn_net *net, const float *input, size_t n, float *logits);

/* Preprocesses @n gray crops of any size (csnn-image.h) and runs them in batches; writes
 * n x classes logits and, if @p_cts is not NULL, n probabilities of CTS. @should_abort (may be
 * NULL) is checked between batches. */
int csnn_net_classify(csnn_net *net, const csnn_crop *crops, size_t n, float *logits, float *p_cts,
                      csnn_abort_cb should_abort, void *user_data);

/* Sets the largest number of images run together (default 32); memory grows with it. */
void csnn_net_set_max_batch(csnn_net *net, int max_batch);

/* Writes the parameters of @net to @path as F32 safetensors with @metadata (NULL-terminated key,
 * value list; "arch" is added when missing). */
int csnn_net_save(const csnn_net *net, const char *path, const char *const *metadata);

#ifdef __cplusplus
}
#endif
