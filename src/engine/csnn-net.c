/* csnn-net.c — networks: building, memory planning, parameters and their accessors
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An architecture (csnn-arch.c) describes itself node by node through the builder here; the
 * network then plans the activations of one image once: each node's output placed at an offset
 * where no live tensor is, freed after its last reader, with the neighbours that inference fuses
 * (csnn__node) placed together. Loading and saving weights are in csnn-net-load.c, batched
 * inference in csnn-net-run.c.
 */
#include "csnn-net-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csnn-simd.h"

#define DEFAULT_MAX_BATCH 32

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

/* ---- memory planning ---- */

/* Finds each node's last reader, and the neighbours inference fuses: a Fire module's expand
 * layers writing into their concatenation, a squeeze-and-excitation scaling applied to the next
 * convolution's weights, and a residual sum written by the convolution before it. */
static void
plan_fusions(csnn_net *net)
{
  for (int i = 0; i < net->n_nodes; i++)
    net->nodes[i].last_use = i;
  for (int i = 0; i < net->n_nodes; i++)
    for (int j = 0; j < 2; j++)
      if (net->nodes[i].in[j] >= 0)
        net->nodes[net->nodes[i].in[j]].last_use = i;
  net->nodes[net->n_nodes - 1].last_use = net->n_nodes;
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
  /* A convolution may compute the max pooling or the depthwise convolution right after it band
   * by band (csnn-net-run.c): it then reads its input while that node writes its output, so its
   * input lives until that node. */
  for (int i = 1; i + 1 < net->n_nodes; i++) {
    csnn__node *conv = &net->nodes[i], *next = &net->nodes[i + 1];

    if (conv->op == CSNN__NODE_CONV && next->in[0] == i &&
        ((next->op == CSNN__NODE_POOL && csnn_conv2d_pool_fusable(&conv->conv, &next->pool, 1)) ||
         (next->op == CSNN__NODE_CONV &&
          csnn_conv2d_depthwise_fusable(&conv->conv, &next->conv, 1))) &&
        net->nodes[conv->in[0]].last_use < i + 1)
      net->nodes[conv->in[0]].last_use = i + 1;
  }
  /* A residual connection right after the convolution that alone feeds it is added in that
   * convolution's epilogue, saving a pass over the tensor: the convolution then writes the sum,
   * so the sum's memory is placed when the convolution runs. */
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
}

/* Places every node's output in one image's activation block, first fit among the tensors still
 * to be read, and sets net->plan_floats to the block's size. */
static int
place_outputs(csnn_net *net)
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
  return CSNN_OK;
}

/* Sizes one thread's scratch: the largest convolution's (with the band of a max pooling or a
 * depthwise convolution it may compute, csnn-net-run.c), then, from net->scaled_offset, the largest
 * weights a fused squeeze-and-excitation scaling writes scaled. */
static void
size_scratch(csnn_net *net)
{
  size_t scaled = 0;

  net->scratch_floats = 0;
  for (int i = 0; i < net->n_nodes; i++)
    if (net->nodes[i].op == CSNN__NODE_CONV) {
      size_t f = csnn_conv2d_scratch_floats(&net->nodes[i].conv);

      if (i + 1 < net->n_nodes && net->nodes[i + 1].op == CSNN__NODE_POOL &&
          csnn_conv2d_pool_fusable(&net->nodes[i].conv, &net->nodes[i + 1].pool, 1))
        f = csnn_conv2d_pool_scratch_floats(&net->nodes[i].conv, &net->nodes[i + 1].pool);
      else if (i + 1 < net->n_nodes && net->nodes[i + 1].op == CSNN__NODE_CONV &&
               csnn_conv2d_depthwise_fusable(&net->nodes[i].conv, &net->nodes[i + 1].conv, 1) &&
               csnn_conv2d_depthwise_scratch_floats(&net->nodes[i].conv, &net->nodes[i + 1].conv) >
                   f)
        f = csnn_conv2d_depthwise_scratch_floats(&net->nodes[i].conv, &net->nodes[i + 1].conv);
      size_t w = net->nodes[i].fused_scale ? csnn_conv2d_packed_floats(&net->nodes[i].conv) : 0;

      if (f > net->scratch_floats)
        net->scratch_floats = f;
      if (w > scaled)
        scaled = w;
    }
  net->scaled_offset = (net->scratch_floats + 15) / 16 * 16;
  net->scratch_floats = net->scaled_offset + scaled;
}

/* Plans one image's activations for @net as it is built or resized: which nodes inference fuses,
 * where each output lies, and the scratch of one thread. */
static int
plan_memory(csnn_net *net)
{
  int status;

  plan_fusions(net);
  status = place_outputs(net);
  if (status == CSNN_OK)
    size_scratch(net);
  return status;
}

/* ---- making and freeing ---- */

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
  /* A CSNN_SIMD the processor cannot honour is refused here, where the caller sees it. */
  status = csnn__simd_check_env();
  if (status != CSNN_OK)
    return status;
  if (num_classes < 1 || num_classes > CSNN__MAX_CLASSES)
    return csnn_set_error(CSNN_ERR_INVALID, "%d classes: expected 1 to %d", num_classes,
                          CSNN__MAX_CLASSES);
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
      folded += csnn__node_run_floats(&net->nodes[i]);
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
  csnn__net_print_profile(net);
  free(net->profile_ms);
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

/* ---- another input size ---- */

int
csnn__net_set_input_size(csnn_net *net, int size)
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
