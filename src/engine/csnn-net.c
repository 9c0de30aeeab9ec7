/* csnn-net.c — networks: parameters, loading, memory planning and batched inference
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Running a batch: with at least as many images as threads, every pool thread takes whole
 * images, one at a time, through the whole network on its own (no barriers, and OpenBLAS single
 * threaded inside); with fewer images, all threads go through each image together, every
 * operator split between them, meeting at a barrier after each. Either way an image's logits
 * are the same: each output value is computed by the same arithmetic whichever thread does it.
 *
 * Memory: the activations of one image are planned once (each node's output placed at an offset
 * where no live tensor is, freed after its last reader) and each thread's arena is allocated once
 * and reused for every image and every call.
 */
#include "csnn-net-private.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csnn-models.h"
#include "csnn-pool.h"
#include "csnn-simd.h"

#define DEFAULT_MAX_BATCH 32
#define MAX_CLASSES       4096

/* ---- building ---- */

int
csnn__add_param(csnn__builder *b, const char *prefix, const char *suffix, int ndim, int64_t d0,
                int64_t d1, int64_t d2, int64_t d3)
{
  csnn_net *net = b->net;
  csnn_param *p;
  size_t len;
  char *name;

  if (b->failed)
    return -1;
  if (net->n_params == b->cap_params) {
    size_t cap = b->cap_params ? b->cap_params * 2 : 64;
    csnn_param *grown = realloc(net->params, cap * sizeof *grown);

    if (grown == NULL) {
      b->failed = 1;
      return -1;
    }
    net->params = grown;
    b->cap_params = cap;
  }
  len = strlen(prefix) + strlen(suffix) + 2;
  name = malloc(len);
  if (name == NULL) {
    b->failed = 1;
    return -1;
  }
  snprintf(name, len, "%s.%s", prefix, suffix);
  p = &net->params[net->n_params];
  memset(p, 0, sizeof *p);
  p->name = name;
  p->ndim = ndim;
  p->shape[0] = d0;
  p->shape[1] = d1;
  p->shape[2] = d2;
  p->shape[3] = d3;
  p->numel = 1;
  for (int i = 0; i < ndim; i++)
    p->numel *= (size_t)p->shape[i];
  return (int)net->n_params++;
}

int
csnn__add_node(csnn__builder *b, const csnn__node *proto)
{
  csnn_net *net = b->net;
  csnn__node node = *proto;
  const csnn__node *a, *c;
  int status = CSNN_OK;

  if (b->failed)
    return -1;
  if (node.op != CSNN__NODE_INPUT &&
      (node.in[0] < 0 || node.in[0] >= net->n_nodes || node.in[1] >= net->n_nodes)) {
    b->failed = 1;
    return -1;
  }
  a = node.op != CSNN__NODE_INPUT ? &net->nodes[node.in[0]] : NULL;
  c = node.in[1] >= 0 ? &net->nodes[node.in[1]] : NULL;
  switch (node.op) {
    case CSNN__NODE_INPUT:
      break;
    case CSNN__NODE_CONV:
      node.conv.c_in = a->c;
      node.conv.h_in = a->h;
      node.conv.w_in = a->w;
      status = csnn_conv2d_setup(&node.conv);
      node.c = node.conv.c_out;
      node.h = node.conv.h_out;
      node.w = node.conv.w_out;
      break;
    case CSNN__NODE_POOL:
      node.pool.c = a->c;
      node.pool.h_in = a->h;
      node.pool.w_in = a->w;
      status = csnn_pool2d_setup(&node.pool);
      node.c = a->c;
      node.h = node.pool.h_out;
      node.w = node.pool.w_out;
      break;
    case CSNN__NODE_GAP:
      node.c = a->c;
      node.h = node.w = 1;
      break;
    case CSNN__NODE_ADD:
    case CSNN__NODE_MUL_CH:
    case CSNN__NODE_CONCAT:
      if (c == NULL || c->h * c->w != (node.op == CSNN__NODE_MUL_CH ? 1 : a->h * a->w) ||
          (node.op != CSNN__NODE_CONCAT && c->c != a->c))
        status = csnn_set_error(CSNN_ERR_INVALID, "network: operands of mismatched shapes");
      node.c = node.op == CSNN__NODE_CONCAT ? a->c + c->c : a->c;
      node.h = a->h;
      node.w = a->w;
      break;
    case CSNN__NODE_LINEAR:
      if (net->params[node.p_weight].shape[1] != (int64_t)a->c * a->h * a->w)
        status = csnn_set_error(CSNN_ERR_INVALID, "network: linear layer of the wrong width");
      node.h = node.w = 1;
      break;
  }
  if (status != CSNN_OK) {
    b->failed = 1;
    return -1;
  }
  if (net->n_nodes == b->cap_nodes) {
    int cap = b->cap_nodes ? b->cap_nodes * 2 : 64;
    csnn__node *grown = realloc(net->nodes, (size_t)cap * sizeof *grown);

    if (grown == NULL) {
      b->failed = 1;
      return -1;
    }
    net->nodes = grown;
    b->cap_nodes = cap;
  }
  net->nodes[net->n_nodes] = node;
  return net->n_nodes++;
}

int
csnn__add_conv(csnn__builder *b, int in, const char *conv_name, const char *bn_name, int c_out,
               int k, int stride, int pad, int groups, int has_bias, csnn_act act)
{
  csnn__node node = { .op = CSNN__NODE_CONV, .in = { in, -1 }, .p_bias = -1, .p_bn = -1 };
  int c_in;

  if (b->failed || in < 0 || in >= b->net->n_nodes) {
    b->failed = 1;
    return -1;
  }
  c_in = b->net->nodes[in].c;
  node.conv.c_out = c_out;
  node.conv.kh = node.conv.kw = k;
  node.conv.stride_h = node.conv.stride_w = stride;
  node.conv.pad_h = node.conv.pad_w = pad;
  node.conv.groups = groups;
  node.conv.act = act;
  node.p_weight = csnn__add_param(b, conv_name, "weight", 4, c_out, c_in / groups, k, k);
  if (has_bias)
    node.p_bias = csnn__add_param(b, conv_name, "bias", 1, c_out, 0, 0, 0);
  if (bn_name != NULL) {
    node.p_bn = csnn__add_param(b, bn_name, "weight", 1, c_out, 0, 0, 0);
    csnn__add_param(b, bn_name, "bias", 1, c_out, 0, 0, 0);
    csnn__add_param(b, bn_name, "running_mean", 1, c_out, 0, 0, 0);
    csnn__add_param(b, bn_name, "running_var", 1, c_out, 0, 0, 0);
    node.bn_eps = 1e-5f;
  }
  return csnn__add_node(b, &node);
}

/* Places every node's output in one image's activation block; returns its size in floats. */
static int
plan_memory(csnn_net *net)
{
  typedef struct {
    size_t offset, size;
    int node;
  } block;
  block *live = calloc((size_t)net->n_nodes, sizeof *live);
  int n_live = 0;
  size_t top = 0;

  if (live == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot plan network memory");
  for (int i = 0; i < net->n_nodes; i++)
    net->nodes[i].last_use = i;
  for (int i = 0; i < net->n_nodes; i++)
    for (int j = 0; j < 2; j++)
      if (net->nodes[i].in[j] >= 0)
        net->nodes[net->nodes[i].in[j]].last_use = i;
  net->nodes[net->n_nodes - 1].last_use = net->n_nodes;
  /* A residual connection right after the convolution that alone feeds it is added in that
   * convolution's epilogue, saving a pass over the tensor: the convolution then writes the sum,
   * so the sum's memory is placed when the convolution runs. */
  for (int i = 1; i < net->n_nodes; i++) {
    net->nodes[i].fused = 0;
    net->nodes[i].fused_add = 0;
    net->nodes[i].fused_scale = 0;
    net->nodes[i].fused_concat = 0;
  }
  /* Two convolutions read only by the concatenation right after them (a Fire module's expand
   * layers) write their channels straight into it: in one image's NCHW tensor, the channels of
   * each input are a contiguous block of the output. */
  for (int i = 1; i + 2 < net->n_nodes; i++) {
    csnn__node *a = &net->nodes[i], *b = &net->nodes[i + 1], *cat = &net->nodes[i + 2];

    if (cat->op == CSNN__NODE_CONCAT && cat->in[0] == i && cat->in[1] == i + 1 &&
        a->op == CSNN__NODE_CONV && b->op == CSNN__NODE_CONV && a->last_use == i + 2 &&
        b->last_use == i + 2) {
      a->fused_concat = i + 2;
      b->fused_concat = i + 2;
      cat->fused = 1;
    }
  }
  /* A squeeze-and-excitation scaling read only by the 1 x 1 convolution after it is applied to
   * that convolution's weights instead (w[o, c] * s[c]) when the weights are the smaller tensor;
   * the scaled tensor is never written, and what it was made of lives until the convolution. */
  for (int i = 1; i + 1 < net->n_nodes; i++) {
    csnn__node *mul = &net->nodes[i];
    csnn__node *conv = &net->nodes[i + 1];

    if (mul->op == CSNN__NODE_MUL_CH && conv->op == CSNN__NODE_CONV && conv->in[0] == i &&
        mul->last_use == i + 1 && conv->conv.groups == 1 && conv->conv.kh == 1 &&
        conv->conv.kw == 1 && conv->conv.stride_h == 1 && conv->conv.stride_w == 1 &&
        conv->conv.pad_h == 0 && conv->conv.pad_w == 0 &&
        csnn_conv2d_can_fuse_residual(&conv->conv) &&
        (size_t)conv->conv.c_out * (size_t)conv->conv.c_in <
            (size_t)mul->c * (size_t)mul->h * (size_t)mul->w) {
      mul->fused = 1;
      conv->fused_scale = i;
      for (int j = 0; j < 2; j++)
        if (net->nodes[mul->in[j]].last_use < i + 1)
          net->nodes[mul->in[j]].last_use = i + 1;
    }
  }
  for (int i = 1; i < net->n_nodes; i++) {
    csnn__node *node = &net->nodes[i];
    csnn__node *conv = &net->nodes[i - 1];

    if (node->op == CSNN__NODE_ADD && node->in[1] == i - 1 && node->in[0] != i - 1 &&
        conv->op == CSNN__NODE_CONV && conv->last_use == i &&
        csnn_conv2d_can_fuse_residual(&conv->conv)) {
      conv->fused_add = i;
      node->fused = 1;
    }
  }

  for (int i = 1; i < net->n_nodes; i++) {
    csnn__node *node = &net->nodes[i];
    /* The tensor this node writes: its own, the fused residual sum's or the concatenation's. */
    int owner = node->op == CSNN__NODE_CONV && node->fused_add      ? node->fused_add
                : node->op == CSNN__NODE_CONV && node->fused_concat ? node->fused_concat
                                                                    : i;
    const csnn__node *out = &net->nodes[owner];
    /* Sizes rounded to 16 floats keep every tensor 64-byte aligned. */
    size_t size = ((size_t)out->c * (size_t)out->h * (size_t)out->w + 15) / 16 * 16;
    size_t offset = 0;
    /* A fused sum was placed with its convolution; a fused scaling is never written; a fused
     * concatenation was placed with its first input, and its second input writes after the
     * first one's channels. */
    int placed = node->fused;

    if (node->fused_concat && net->nodes[node->fused_concat].in[1] == i) {
      const csnn__node *first = &net->nodes[i - 1];

      node->offset = first->offset + (size_t)first->c * (size_t)first->h * (size_t)first->w;
      placed = 1;
    }

    /* First fit: the live blocks are kept sorted by offset. */
    for (int k = 0; k <= n_live && !placed; k++) {
      size_t gap_end = k < n_live ? live[k].offset : (size_t)-1;

      if (gap_end - offset >= size) {
        memmove(&live[k + 1], &live[k], (size_t)(n_live - k) * sizeof *live);
        live[k] = (block){ offset, size, owner };
        n_live++;
        placed = 2;
      } else {
        offset = live[k].offset + live[k].size;
      }
    }
    if (placed == 2) {
      node->offset = offset;
      net->nodes[owner].offset = offset;
      if (offset + size > top)
        top = offset + size;
    }
    /* Free what this node was the last to read (never its own output). */
    for (int k = 0; k < n_live;) {
      if (live[k].node != i && net->nodes[live[k].node].last_use <= i) {
        memmove(&live[k], &live[k + 1], (size_t)(n_live - k - 1) * sizeof *live);
        n_live--;
      } else {
        k++;
      }
    }
  }
  free(live);
  net->plan_floats = top;
  net->scratch_floats = 0;
  {
    size_t scaled = 0;

    for (int i = 0; i < net->n_nodes; i++)
      if (net->nodes[i].op == CSNN__NODE_CONV) {
        size_t f = csnn_conv2d_scratch_floats(&net->nodes[i].conv);
        size_t w = net->nodes[i].fused_scale ? csnn_conv2d_packed_floats(&net->nodes[i].conv) : 0;

        if (f > net->scratch_floats)
          net->scratch_floats = f;
        if (w > scaled)
          scaled = w;
      }
    net->scaled_offset = (net->scratch_floats + 15) / 16 * 16;
    net->scratch_floats = net->scaled_offset + scaled;
  }
  return CSNN_OK;
}

static void
net_reset_params(csnn_net *net)
{
  for (size_t i = 0; i < net->n_params; i++) {
    csnn_param *p = &net->params[i];
    size_t len = strlen(p->name);
    int is_var = len > 12 && strcmp(p->name + len - 12, ".running_var") == 0;

    for (size_t k = 0; k < p->numel; k++)
      p->data[k] = is_var ? 1.0f : 0.0f;
  }
  /* Batch-norm scales start at one, as torchvision initialises them. */
  for (int i = 0; i < net->n_nodes; i++)
    if (net->nodes[i].p_bn >= 0) {
      csnn_param *gamma = &net->params[net->nodes[i].p_bn];
      for (size_t k = 0; k < gamma->numel; k++)
        gamma->data[k] = 1.0f;
    }
}

/* The floats a convolution node's inference weights take: packed weights and a bias. */
static size_t
node_run_floats(const csnn__node *node)
{
  return (csnn_conv2d_packed_floats(&node->conv) + 15) / 16 * 16 +
         ((size_t)node->conv.c_out + 15) / 16 * 16;
}

/* Computes the weights inference runs: batch norms folded, then packed for the kernels. */
static int
net_fold(csnn_net *net)
{
  float *next = net->folded;
  float *tmp = NULL;
  size_t tmp_size = 0;

  for (int i = 0; i < net->n_nodes; i++) {
    csnn__node *node = &net->nodes[i];
    const csnn_param *w;
    const float *weight, *bias;
    float *packed, *bias_out;

    if (node->op == CSNN__NODE_LINEAR) {
      node->w_run = net->params[node->p_weight].data;
      node->b_run = node->p_bias >= 0 ? net->params[node->p_bias].data : NULL;
      continue;
    }
    if (node->op != CSNN__NODE_CONV)
      continue;
    w = &net->params[node->p_weight];
    weight = w->data;
    bias = node->p_bias >= 0 ? net->params[node->p_bias].data : NULL;
    packed = next;
    bias_out = next + (csnn_conv2d_packed_floats(&node->conv) + 15) / 16 * 16;
    if (node->p_bn >= 0) {
      if (tmp_size < w->numel) {
        free(tmp);
        tmp_size = w->numel;
        tmp = malloc(tmp_size * sizeof *tmp);
        if (tmp == NULL)
          return csnn_set_error(CSNN_ERR_NOMEM, "cannot fold the batch norms");
      }
      csnn_bn_fold(node->conv.c_out, w->numel / (size_t)node->conv.c_out, w->data, bias,
                   net->params[node->p_bn].data, net->params[node->p_bn + 1].data,
                   net->params[node->p_bn + 2].data, net->params[node->p_bn + 3].data, node->bn_eps,
                   tmp, bias_out);
      weight = tmp;
    } else if (bias != NULL) {
      memcpy(bias_out, bias, (size_t)node->conv.c_out * sizeof(float));
    } else {
      memset(bias_out, 0, (size_t)node->conv.c_out * sizeof(float));
    }
    csnn_conv2d_pack(&node->conv, weight, packed);
    node->w_run = packed;
    node->b_run = bias_out;
    next += node_run_floats(node);
  }
  free(tmp);
  net->folded_stale = 0;
  return CSNN_OK;
}

int
csnn_net_new(const char *arch, int num_classes, csnn_net **out)
{
  csnn_net *net;
  csnn__builder b = { 0 };
  csnn__node input = { .op = CSNN__NODE_INPUT, .in = { -1, -1 }, .c = 3, .h = 224, .w = 224 };
  size_t total = 0, folded = 0;
  int status;

  *out = NULL;
  if (arch == NULL)
    return csnn_set_error(CSNN_ERR_INVALID, "no architecture given");
  if (num_classes < 1 || num_classes > MAX_CLASSES)
    return csnn_set_error(CSNN_ERR_INVALID, "%d classes: expected 1 to %d", num_classes,
                          MAX_CLASSES);
  net = calloc(1, sizeof *net);
  if (net == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate a network");
  pthread_mutex_init(&net->lock, NULL);
  net->num_classes = num_classes;
  net->input_size = 224;
  net->norm = csnn_norm_imagenet;
  net->max_batch = DEFAULT_MAX_BATCH;
  net->arch = strdup(arch);
  b.net = net;
  if (net->arch == NULL) {
    csnn_net_free(net);
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate a network");
  }
  csnn__add_node(&b, &input);
  status = csnn__build_arch(&b, arch, num_classes);
  if (status == CSNN_OK && b.failed)
    status = csnn_set_error(CSNN_ERR_NOMEM, "cannot build %s", arch);
  if (status == CSNN_OK)
    status = plan_memory(net);
  if (status != CSNN_OK) {
    csnn_net_free(net);
    return status;
  }
  for (size_t i = 0; i < net->n_params; i++)
    total += (net->params[i].numel + 15) / 16 * 16;
  for (int i = 0; i < net->n_nodes; i++)
    if (net->nodes[i].op == CSNN__NODE_CONV)
      folded += node_run_floats(&net->nodes[i]);
  net->param_data = aligned_alloc(64, (total + 16) * sizeof(float));
  net->folded = aligned_alloc(64, (folded + 16) * sizeof(float));
  if (net->param_data == NULL || net->folded == NULL) {
    csnn_net_free(net);
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate the parameters of %s", arch);
  }
  total = 0;
  for (size_t i = 0; i < net->n_params; i++) {
    net->params[i].data = net->param_data + total;
    total += (net->params[i].numel + 15) / 16 * 16;
  }
  net_reset_params(net);
  net->folded_stale = 1;
  *out = net;
  return CSNN_OK;
}

void
csnn_net_free(csnn_net *net)
{
  if (net == NULL)
    return;
  for (int i = 0; i < net->n_ws; i++) {
    csnn_arena_free(&net->ws[i].acts);
    csnn_arena_free(&net->ws[i].scratch);
  }
  free(net->ws);
  for (size_t i = 0; i < net->n_params; i++)
    free((char *)net->params[i].name);
  free(net->params);
  free(net->param_data);
  free(net->folded);
  free(net->nodes);
  if (net->class_names != NULL)
    for (int i = 0; i < net->num_classes; i++)
      free(net->class_names[i]);
  free(net->class_names);
  for (size_t i = 0; i < net->n_meta; i++) {
    free(net->meta_keys[i]);
    free(net->meta_values[i]);
  }
  free(net->meta_keys);
  free(net->meta_values);
  free(net->sha256);
  free(net->arch);
  pthread_mutex_destroy(&net->lock);
  free(net);
}

/* ---- accessors ---- */

const char *
csnn_net_arch(const csnn_net *net)
{
  return net->arch;
}

int
csnn_net_num_classes(const csnn_net *net)
{
  return net->num_classes;
}

int
csnn_net_input_size(const csnn_net *net)
{
  return net->input_size;
}

const csnn_norm *
csnn_net_norm(const csnn_net *net)
{
  return &net->norm;
}

const char *
csnn_net_class_name(const csnn_net *net, int index)
{
  static const char *const fallback[] = { "control", "cts" };

  if (index < 0 || index >= net->num_classes)
    return NULL;
  if (net->class_names != NULL)
    return net->class_names[index];
  return net->num_classes == 2 ? fallback[index] : NULL;
}

int
csnn_net_cts_index(const csnn_net *net)
{
  if (net->class_names != NULL)
    for (int i = 0; i < net->num_classes; i++)
      if (strcmp(net->class_names[i], "cts") == 0)
        return i;
  return net->num_classes > 1 ? 1 : 0;
}

const char *
csnn_net_metadata(const csnn_net *net, const char *key)
{
  for (size_t i = 0; i < net->n_meta; i++)
    if (strcmp(net->meta_keys[i], key) == 0)
      return net->meta_values[i];
  return NULL;
}

const char *
csnn_net_sha256(const csnn_net *net)
{
  return net->sha256;
}

size_t
csnn_net_n_params(const csnn_net *net)
{
  return net->n_params;
}

csnn_param *
csnn_net_param(csnn_net *net, size_t index)
{
  return index < net->n_params ? &net->params[index] : NULL;
}

csnn_param *
csnn_net_find_param(csnn_net *net, const char *name)
{
  for (size_t i = 0; i < net->n_params; i++)
    if (strcmp(net->params[i].name, name) == 0)
      return &net->params[i];
  return NULL;
}

void
csnn_net_params_changed(csnn_net *net)
{
  pthread_mutex_lock(&net->lock);
  net->folded_stale = 1;
  pthread_mutex_unlock(&net->lock);
}

void
csnn_net_set_max_batch(csnn_net *net, int max_batch)
{
  net->max_batch = max_batch < 1 ? 1 : max_batch > 1024 ? 1024 : max_batch;
}

double
csnn_arch_gflop(const char *arch, int num_classes)
{
  csnn_net *net;
  double macs = 0.0;

  if (csnn_net_new(arch, num_classes, &net) != CSNN_OK)
    return 0.0;
  for (int i = 0; i < net->n_nodes; i++) {
    const csnn__node *node = &net->nodes[i];

    if (node->op == CSNN__NODE_CONV)
      macs += (double)node->c * node->h * node->w * (node->conv.c_in / node->conv.groups) *
              node->conv.kh * node->conv.kw;
    else if (node->op == CSNN__NODE_LINEAR)
      macs += (double)net->params[node->p_weight].numel;
  }
  csnn_net_free(net);
  return 2.0 * macs / 1e9;
}

/* ---- loading and saving ---- */

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

static int
ends_with(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
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
    if (ends_with(name, ".num_batches_tracked"))
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

static int net_set_input_size(csnn_net *net, int size);

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
      shape[0] > MAX_CLASSES)
    return csnn_set_error(CSNN_ERR_FORMAT, "tensor classifier.1.weight has a bad shape");
  status = csnn_net_new(arch, (int)shape[0], &net);
  if (status != CSNN_OK)
    return status;
  status = csnn_net_set_params(net, st);
  if (status == CSNN_OK)
    status = net_take_metadata(net, st);
  if (status == CSNN_OK && net->input_size != 224)
    status = net_set_input_size(net, net->input_size);
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

/* ---- running ---- */

/* Rebuilds the node shapes for another input size (from metadata). */
static int
net_set_input_size(csnn_net *net, int size)
{
  csnn_net *fresh;
  int status = csnn_net_new(net->arch, net->num_classes, &fresh);

  if (status != CSNN_OK)
    return status;
  /* The same architecture built again with a different input: only shapes change. */
  fresh->nodes[0].h = fresh->nodes[0].w = size;
  for (int i = 1; i < fresh->n_nodes; i++) {
    csnn__node *node = &fresh->nodes[i];
    const csnn__node *a = &fresh->nodes[node->in[0]];

    switch (node->op) {
      case CSNN__NODE_CONV:
        node->conv.h_in = a->h;
        node->conv.w_in = a->w;
        status = csnn_conv2d_setup(&node->conv);
        node->h = node->conv.h_out;
        node->w = node->conv.w_out;
        break;
      case CSNN__NODE_POOL:
        node->pool.h_in = a->h;
        node->pool.w_in = a->w;
        status = csnn_pool2d_setup(&node->pool);
        node->h = node->pool.h_out;
        node->w = node->pool.w_out;
        break;
      case CSNN__NODE_ADD:
      case CSNN__NODE_MUL_CH:
      case CSNN__NODE_CONCAT:
        node->h = a->h;
        node->w = a->w;
        break;
      default:
        break;
    }
    if (status != CSNN_OK)
      break;
  }
  if (status == CSNN_OK) {
    for (int i = 0; i < net->n_nodes; i++) {
      net->nodes[i].h = fresh->nodes[i].h;
      net->nodes[i].w = fresh->nodes[i].w;
      net->nodes[i].conv = fresh->nodes[i].conv;
      net->nodes[i].pool = fresh->nodes[i].pool;
    }
    status = plan_memory(net);
  }
  csnn_net_free(fresh);
  if (status != CSNN_OK)
    return csnn_set_error(CSNN_ERR_FORMAT, "input size %d is too small for %s", size, net->arch);
  net->input_size = size;
  return CSNN_OK;
}

typedef struct {
  csnn_net *net;
  csnn_pool *pool;
  const float *input;
  const csnn_crop *crops;
  size_t n;
  float *logits;
  int team;
  int tap; /* A node whose output to copy to tap_out (one image); 0 when none. */
  float *tap_out;
  atomic_size_t next;
  atomic_int failed;
} run_job;

static size_t
input_floats(const csnn_net *net)
{
  return 3 * (size_t)net->input_size * (size_t)net->input_size;
}

/* The per-thread scratch: convolution columns, then one input image, then one resampled crop. */
static size_t
scratch_floats(const csnn_net *net)
{
  size_t s = (size_t)net->input_size * (size_t)net->input_size;
  return (net->scratch_floats + 15) / 16 * 16 + input_floats(net) + (s + 3) / 4 + 16;
}

/* Writes image @i of the job as preprocessed floats into @dst; returns 0 on failure. */
static int
prepare_input(const run_job *job, size_t i, float *scratch, const float **input)
{
  const csnn_net *net = job->net;
  int size = net->input_size;
  float *dst = scratch + (net->scratch_floats + 15) / 16 * 16;
  uint8_t *resampled = (uint8_t *)(dst + input_floats(net));
  const csnn_crop *crop;

  if (job->crops == NULL) {
    *input = job->input + i * input_floats(net);
    return 1;
  }
  crop = &job->crops[i];
  if (crop->width == size && crop->height == size && crop->stride == (size_t)size) {
    csnn_preprocess_u8(crop->pixels, size, &net->norm, dst);
  } else {
    if (csnn_resample_u8(crop->pixels, crop->width, crop->height, crop->stride, resampled, size,
                         size) != CSNN_OK)
      return 0;
    csnn_preprocess_u8(resampled, size, &net->norm, dst);
  }
  *input = dst;
  return 1;
}

static const float *
node_output(const csnn_net *net, float *acts, const float *input, int i)
{
  return i == 0 ? input : acts + net->nodes[i].offset;
}

/* Runs one image through every node; threads ith of nth share each operator. */
static void
run_nodes(const run_job *job, float *acts, const float *input, float *scratch, int ith, int nth)
{
  const csnn_net *net = job->net;

  for (int i = 1; i < net->n_nodes; i++) {
    const csnn__node *node = &net->nodes[i];
    int barrier = 1;
    const float *a = node_output(net, acts, input, node->in[0]);
    const float *b = node->in[1] >= 0 ? node_output(net, acts, input, node->in[1]) : NULL;
    float *y = acts + node->offset;
    size_t hw = (size_t)node->h * (size_t)node->w;

    switch (node->op) {
      case CSNN__NODE_INPUT:
        break;
      case CSNN__NODE_CONV: {
        const float *weights = node->w_run;

        if (node->fused_scale) {
          const csnn__node *mul = &net->nodes[node->fused_scale];
          const float *scale = node_output(net, acts, input, mul->in[1]);
          float *scaled = scratch + net->scaled_offset;
          int k = node->conv.c_in;
          size_t panels = csnn_conv2d_packed_floats(&node->conv) / ((size_t)k * CSNN_GEMM_MR);

          /* Packed panels hold, for each input channel k, CSNN_GEMM_MR output rows. */
          for (size_t p = 0; p < panels; p++)
            for (int c = 0; c < k; c++) {
              const float *src = node->w_run + (p * (size_t)k + (size_t)c) * CSNN_GEMM_MR;
              float *dst = scaled + (p * (size_t)k + (size_t)c) * CSNN_GEMM_MR;

              for (int r = 0; r < CSNN_GEMM_MR; r++)
                dst[r] = src[r] * scale[c];
            }
          weights = scaled;
          a = node_output(net, acts, input, mul->in[0]);
        }
        if (node->fused_add) {
          const csnn__node *add = &net->nodes[node->fused_add];

          csnn_conv2d_forward_packed_residual(&node->conv, 1, a, weights, node->b_run,
                                              node_output(net, acts, input, add->in[0]),
                                              acts + add->offset, scratch, ith, nth);
        } else {
          csnn_conv2d_forward_packed(&node->conv, 1, a, weights, node->b_run, y, scratch, ith, nth);
        }
        break;
      }
      case CSNN__NODE_POOL:
        csnn_pool2d_forward(&node->pool, 1, a, y, ith, nth);
        break;
      case CSNN__NODE_GAP: {
        const csnn__node *src = &net->nodes[node->in[0]];
        csnn_global_avgpool_forward(1, node->c, (size_t)src->h * (size_t)src->w, a, y, ith, nth);
        break;
      }
      case CSNN__NODE_ADD:
        if (node->fused) {
          barrier = 0; /* Done by the convolution before it. */
          break;
        }
        csnn_add_forward((size_t)node->c * hw, a, b, y, ith, nth);
        break;
      case CSNN__NODE_MUL_CH:
        if (node->fused) {
          barrier = 0; /* Applied to the next convolution's weights. */
          break;
        }
        csnn_mul_channel_forward(1, node->c, hw, a, b, y, ith, nth);
        break;
      case CSNN__NODE_CONCAT:
        if (node->fused) {
          barrier = 0; /* Its inputs wrote their channels into it. */
          break;
        }
        csnn_concat_channels_forward(1, net->nodes[node->in[0]].c, net->nodes[node->in[1]].c, hw, a,
                                     b, y, ith, nth);
        break;
      case CSNN__NODE_LINEAR: {
        const csnn__node *src = &net->nodes[node->in[0]];
        csnn_linear_forward(1, src->c * src->h * src->w, node->c, a, node->w_run, node->b_run, y,
                            ith, nth);
        break;
      }
    }
    if (barrier)
      csnn_pool_barrier(job->pool, nth);
    if (i == job->tap) {
      /* The copy must be whole before a later node may reuse the memory. */
      if (ith == 0)
        memcpy(job->tap_out, y, (size_t)node->c * hw * sizeof(float));
      csnn_pool_barrier(job->pool, nth);
    }
  }
}

static void
run_worker(void *data, int ith, int nth)
{
  run_job *job = data;
  csnn_net *net = job->net;
  const csnn__node *last = &net->nodes[net->n_nodes - 1];
  size_t classes = (size_t)net->num_classes;

  if (job->team) {
    float *acts = net->ws[0].acts.base;

    for (size_t i = 0; i < job->n; i++) {
      const float *input = NULL;

      /* Thread 0 prepares the image in its scratch; the barrier publishes it to the others. */
      if (ith == 0 && !prepare_input(job, i, net->ws[0].scratch.base, &input))
        atomic_store(&job->failed, 1);
      if (ith != 0)
        input = job->crops != NULL ? net->ws[0].scratch.base + (net->scratch_floats + 15) / 16 * 16
                                   : job->input + i * input_floats(net);
      csnn_pool_barrier(job->pool, nth);
      if (atomic_load(&job->failed))
        return;
      run_nodes(job, acts, input, net->ws[ith].scratch.base, ith, nth);
      if (ith == 0)
        memcpy(job->logits + i * classes, acts + last->offset, classes * sizeof(float));
      csnn_pool_barrier(job->pool, nth);
    }
    return;
  }
  for (;;) {
    size_t i = atomic_fetch_add(&job->next, 1);
    float *acts = net->ws[ith].acts.base;
    const float *input;

    if (i >= job->n)
      break;
    if (!prepare_input(job, i, net->ws[ith].scratch.base, &input)) {
      atomic_store(&job->failed, 1);
      break;
    }
    run_nodes(job, acts, input, net->ws[ith].scratch.base, 0, 1);
    memcpy(job->logits + i * classes, acts + last->offset, classes * sizeof(float));
  }
}

/* Makes sure the workspaces a run needs exist: all threads' scratch, and activations for the
 * threads that will run images alone (only thread 0's in a team run). */
static int
net_prepare_workspaces(csnn_net *net, int n_threads, int team)
{
  if (net->n_ws < n_threads) {
    csnn__workspace *grown = realloc(net->ws, (size_t)n_threads * sizeof *grown);

    if (grown == NULL)
      return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate network workspaces");
    memset(grown + net->n_ws, 0, (size_t)(n_threads - net->n_ws) * sizeof *grown);
    net->ws = grown;
    net->n_ws = n_threads;
  }
  for (int t = 0; t < n_threads; t++) {
    int status = csnn_arena_reserve(&net->ws[t].scratch, scratch_floats(net));

    if (status == CSNN_OK && (t == 0 || !team))
      status = csnn_arena_reserve(&net->ws[t].acts, net->plan_floats);
    if (status != CSNN_OK)
      return status;
  }
  return CSNN_OK;
}

static int
net_run(csnn_net *net, const float *input, const csnn_crop *crops, size_t n, float *logits, int tap,
        float *tap_out)
{
  csnn_pool *pool = csnn_pool_default();
  int n_threads;
  run_job job = { 0 };
  int status;

  if (pool == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot start the engine's threads");
  n_threads = csnn_pool_n_threads(pool);
  job.net = net;
  job.pool = pool;
  job.input = input;
  job.crops = crops;
  job.n = n;
  job.logits = logits;
  job.tap = tap;
  job.tap_out = tap_out;
  job.team = n < (size_t)n_threads;
  atomic_init(&job.next, 0);
  atomic_init(&job.failed, 0);

  pthread_mutex_lock(&net->lock);
  status = net->folded_stale ? net_fold(net) : CSNN_OK;
  if (status == CSNN_OK)
    status = net_prepare_workspaces(net, n_threads, job.team);
  if (status == CSNN_OK) {
    csnn_pool_run(pool, run_worker, &job);
    if (atomic_load(&job.failed))
      status = csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate memory to resample a crop");
  }
  pthread_mutex_unlock(&net->lock);
  return status;
}

int
csnn_net_forward(csnn_net *net, const float *input, size_t n, float *logits)
{
  if (net == NULL || (input == NULL && n > 0) || (logits == NULL && n > 0))
    return csnn_set_error(CSNN_ERR_INVALID, "forward: missing network, input or output");
  if (n == 0)
    return CSNN_OK;
  return net_run(net, input, NULL, n, logits, 0, NULL);
}

int
csnn__net_forward_tap(csnn_net *net, const float *input, int tap, float *tap_out, float *logits)
{
  const csnn__node *node;

  if (net == NULL || input == NULL || logits == NULL || tap <= 0 || tap >= net->n_nodes ||
      tap_out == NULL)
    return csnn_set_error(CSNN_ERR_INVALID, "forward: missing network, input, output or node");
  node = &net->nodes[tap];
  /* A fused node's own output is never written whole (see csnn__node). */
  if ((node->op == CSNN__NODE_CONV && node->fused_add) ||
      (node->op == CSNN__NODE_MUL_CH && node->fused))
    return csnn_set_error(CSNN_ERR_INVALID, "forward: node %d is fused into another", tap);
  return net_run(net, input, NULL, 1, logits, tap, tap_out);
}

int
csnn_net_classify(csnn_net *net, const csnn_crop *crops, size_t n, float *logits, float *p_cts,
                  csnn_abort_cb should_abort, void *user_data)
{
  size_t classes;
  int cts;

  if (net == NULL || (n > 0 && (crops == NULL || logits == NULL)))
    return csnn_set_error(CSNN_ERR_INVALID, "classify: missing network, crops or output");
  classes = (size_t)net->num_classes;
  cts = csnn_net_cts_index(net);
  for (size_t i = 0; i < n; i++) {
    const csnn_crop *c = &crops[i];

    if (c->pixels == NULL || c->width <= 0 || c->height <= 0 || c->stride < (size_t)c->width ||
        (size_t)c->width * (size_t)c->height > ((size_t)1 << 30))
      return csnn_set_error(CSNN_ERR_INVALID, "classify: crop %zu is not a valid %d x %d image", i,
                            c->width, c->height);
  }
  for (size_t start = 0; start < n; start += (size_t)net->max_batch) {
    size_t count = n - start < (size_t)net->max_batch ? n - start : (size_t)net->max_batch;
    int status;

    if (should_abort != NULL && should_abort(user_data))
      return csnn_set_error(CSNN_ERR_CANCELLED, "classification cancelled");
    status = net_run(net, NULL, crops + start, count, logits + start * classes, 0, NULL);
    if (status != CSNN_OK)
      return status;
    if (p_cts != NULL)
      for (size_t i = start; i < start + count; i++) {
        float prob[MAX_CLASSES];

        /* Softmax over a row of logits; p(CTS) is the CTS class's share. */
        if (classes > MAX_CLASSES)
          break;
        csnn_softmax_forward(1, (int)classes, logits + i * classes, prob);
        p_cts[i] = prob[cts];
      }
  }
  return CSNN_OK;
}
