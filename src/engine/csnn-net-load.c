/* csnn-net-load.c — networks from safetensors weights, and back
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Loading is strict: every parameter the architecture names must be in the file with its exact
 * shape, and nothing else may be (but PyTorch's batch counters); the number of classes is the
 * classifier's, and the metadata (csnn-models.h) gives the class names, input size and
 * normalisation. Saving writes the parameters under the same names, so a saved network loads.
 */
#include "csnn-net-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csnn-models.h"

static void
format_shape(char *buf, size_t size, int ndim, const int64_t *shape)
{
  size_t used = 0;

  used += (size_t)snprintf(buf, size, "[");
  for (int i = 0; i < ndim && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, i ? ", %lld" : "%lld", (long long)shape[i]);
  if (used < size)
    snprintf(buf + used, size - used, "]");
}

int
csnn_net_set_params(csnn_net *net, const csnn_safetensors *st)
{
  size_t n = csnn_safetensors_n_tensors(st);

  for (size_t i = 0; i < net->n_params; i++) {
    csnn_param *p = &net->params[i];
    long index = csnn_safetensors_find(st, p->name);
    int64_t shape[CSNN_ST_MAX_DIMS];
    int ndim, same;
    int status;

    if (index < 0)
      return csnn_set_error(CSNN_ERR_FORMAT, "missing tensor %s (needed by %s)", p->name,
                            net->arch);
    ndim = csnn_safetensors_shape(st, (size_t)index, shape);
    same = ndim == p->ndim;
    for (int d = 0; same && d < ndim; d++)
      same = shape[d] == p->shape[d];
    if (!same) {
      char got[128], want[128];

      format_shape(got, sizeof got, ndim, shape);
      format_shape(want, sizeof want, p->ndim, p->shape);
      return csnn_set_error(CSNN_ERR_FORMAT, "tensor %s has shape %s, %s needs %s", p->name, got,
                            net->arch, want);
    }
    status = csnn_safetensors_read_f32(st, (size_t)index, p->data, p->numel);
    if (status != CSNN_OK)
      return status;
  }
  for (size_t i = 0; i < n; i++) {
    const char *name = csnn_safetensors_name(st, i);

    /* PyTorch's state_dict carries batch counters that inference never needs. */
    if (csnn__name_ends_with(name, ".num_batches_tracked"))
      continue;
    if (csnn_net_find_param(net, name) == NULL)
      return csnn_set_error(CSNN_ERR_FORMAT, "unexpected tensor %s (not part of %s)", name,
                            net->arch);
  }
  csnn_net_params_changed(net);
  return CSNN_OK;
}

static int
net_take_metadata(csnn_net *net, const csnn_safetensors *st)
{
  size_t n = csnn_safetensors_n_metadata(st);
  csnn_model_meta meta;
  const char *sha;
  int status;

  net->meta_keys = calloc(n + 1, sizeof *net->meta_keys);
  net->meta_values = calloc(n + 1, sizeof *net->meta_values);
  if (net->meta_keys == NULL || net->meta_values == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot copy the weights' metadata");
  for (size_t i = 0; i < n; i++) {
    net->meta_keys[i] = strdup(csnn_safetensors_metadata_key(st, i));
    net->meta_values[i] = strdup(csnn_safetensors_metadata_value(st, i));
    net->n_meta++;
    if (net->meta_keys[i] == NULL || net->meta_values[i] == NULL)
      return csnn_set_error(CSNN_ERR_NOMEM, "cannot copy the weights' metadata");
  }
  sha = csnn_safetensors_sha256(st);
  if (sha != NULL && (net->sha256 = strdup(sha)) == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot copy the weights' hash");

  /* One reading of the metadata for the whole program (csnn-models.h): JSON lists or plain
   * comma-separated values. */
  status = csnn_model_meta_read(st, &meta);
  if (status != CSNN_OK)
    return status;
  if (meta.n_classes > 0) {
    if (meta.n_classes != net->num_classes)
      return csnn_set_error(CSNN_ERR_FORMAT,
                            "metadata \"classes\" names %d classes, the classifier has %d",
                            meta.n_classes, net->num_classes);
    net->class_names = calloc((size_t)net->num_classes, sizeof *net->class_names);
    if (net->class_names == NULL)
      return csnn_set_error(CSNN_ERR_NOMEM, "cannot copy the class names");
    for (int i = 0; i < net->num_classes; i++)
      if ((net->class_names[i] = strdup(meta.classes[i])) == NULL)
        return csnn_set_error(CSNN_ERR_NOMEM, "cannot copy the class names");
  }
  if (meta.input_size < 32 || meta.input_size > 1024)
    return csnn_set_error(CSNN_ERR_FORMAT, "metadata \"input_size\" %d is out of range",
                          meta.input_size);
  net->input_size = meta.input_size;
  for (int c = 0; c < 3; c++) {
    net->norm.mean[c] = meta.mean[c];
    net->norm.std[c] = meta.std[c];
    if (!(meta.std[c] > 0.0f) || !isfinite(meta.mean[c]))
      return csnn_set_error(CSNN_ERR_FORMAT, "metadata \"std\" must be positive and finite");
  }
  return CSNN_OK;
}

int
csnn_net_load_safetensors(const csnn_safetensors *st, const char *arch, csnn_net **out)
{
  const char *named = csnn_safetensors_metadata(st, "arch");
  long classifier;
  int64_t shape[CSNN_ST_MAX_DIMS];
  csnn_net *net;
  int status;

  *out = NULL;
  if (arch == NULL)
    arch = named;
  if (arch == NULL)
    return csnn_set_error(CSNN_ERR_INVALID,
                          "the weights do not name their architecture (metadata \"arch\"): "
                          "give one (squeezenet1_1, mobilenet_v2 or efficientnet_b0)");
  /* The number of classes is whatever the classifier's first dimension says. */
  classifier = csnn_safetensors_find(st, "classifier.1.weight");
  if (classifier < 0)
    return csnn_set_error(CSNN_ERR_FORMAT, "missing tensor classifier.1.weight (needed by %s)",
                          arch);
  if (csnn_safetensors_shape(st, (size_t)classifier, shape) < 1 || shape[0] < 1 ||
      shape[0] > CSNN__MAX_CLASSES)
    return csnn_set_error(CSNN_ERR_FORMAT, "tensor classifier.1.weight has a bad shape");
  status = csnn_net_new(arch, (int)shape[0], &net);
  if (status != CSNN_OK)
    return status;
  status = csnn_net_set_params(net, st);
  if (status == CSNN_OK)
    status = net_take_metadata(net, st);
  if (status == CSNN_OK && net->input_size != 224)
    status = csnn__net_set_input_size(net, net->input_size);
  if (status != CSNN_OK) {
    csnn_net_free(net);
    return status;
  }
  *out = net;
  return CSNN_OK;
}

int
csnn_net_load(const char *path, const char *arch, csnn_net **out)
{
  csnn_safetensors *st;
  int status;

  *out = NULL;
  status = csnn_safetensors_open(path, &st);
  if (status != CSNN_OK)
    return status;
  status = csnn_net_load_safetensors(st, arch, out);
  csnn_safetensors_close(st);
  return status;
}

int
csnn_net_save(const csnn_net *net, const char *path, const char *const *metadata)
{
  csnn_st_tensor *tensors = calloc(net->n_params, sizeof *tensors);
  const char **meta;
  size_t n_meta = 0;
  int has_arch = 0, status;

  if (tensors == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot save %s", path);
  while (metadata != NULL && metadata[n_meta * 2] != NULL) {
    if (strcmp(metadata[n_meta * 2], "arch") == 0)
      has_arch = 1;
    n_meta++;
  }
  meta = calloc(n_meta * 2 + 3, sizeof *meta);
  if (meta == NULL) {
    free(tensors);
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot save %s", path);
  }
  for (size_t i = 0; i < n_meta * 2; i++)
    meta[i] = metadata[i];
  if (!has_arch) {
    meta[n_meta * 2] = "arch";
    meta[n_meta * 2 + 1] = net->arch;
  }
  for (size_t i = 0; i < net->n_params; i++) {
    tensors[i].name = net->params[i].name;
    tensors[i].ndim = net->params[i].ndim;
    for (int d = 0; d < net->params[i].ndim; d++)
      tensors[i].shape[d] = net->params[i].shape[d];
    tensors[i].data = net->params[i].data;
  }
  status = csnn_safetensors_save(path, tensors, net->n_params, meta);
  free(meta);
  free(tensors);
  return status;
}
