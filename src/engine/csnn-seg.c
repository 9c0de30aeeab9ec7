/* csnn-seg.c — the segmentation U-Net: its nodes and parameters, weight files, initial weights
 * and inference
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Inference folds each batch norm into its convolution and packs the weights for the engine's
 * fastest kernel once, when the parameters change, and runs the nodes in order, each on every
 * thread of the pool. Every node keeps its own slot of the activation arena: the whole plan of a
 * 192 x 256 network of base 8 is about 25 MB an image.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-rng.h"
#include "csnn-pool.h"
#include "csnn-seg-private.h"
#include "csnn-train.h"

#define MAX_SIDE 4096

/* ---- building ---- */

static int
shape_check(const csnn_seg_shape *s)
{
  if (s->depth < 1 || s->depth > 6)
    return csnn_set_error(CSNN_ERR_INVALID, "a U-Net's depth must be 1 to 6, not %d", s->depth);
  if (s->base < 1 || s->base > 256)
    return csnn_set_error(CSNN_ERR_INVALID, "a U-Net's base channels must be 1 to 256, not %d",
                          s->base);
  if (s->height < (1 << s->depth) || s->width < (1 << s->depth) || s->height > MAX_SIDE ||
      s->width > MAX_SIDE || s->height % (1 << s->depth) != 0 || s->width % (1 << s->depth) != 0)
    return csnn_set_error(CSNN_ERR_INVALID,
                          "a U-Net's input %d x %d must be multiples of %d (2^depth) up to %d",
                          s->width, s->height, 1 << s->depth, MAX_SIDE);
  return CSNN_OK;
}

typedef struct {
  csnn_seg *seg;
  size_t cap_params;
  int cap_nodes;
  size_t n_floats;
} builder;

static int
add_param(builder *b, const char *name, int ndim, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
  csnn_seg *seg = b->seg;
  csnn_param *p;

  if (seg->n_params == b->cap_params) {
    size_t cap = b->cap_params * 2 + 32;
    csnn_param *grown = realloc(seg->params, cap * sizeof(*grown));
    if (grown == NULL)
      return -1;
    seg->params = grown;
    b->cap_params = cap;
  }
  p = &seg->params[seg->n_params];
  memset(p, 0, sizeof(*p));
  if ((p->name = strdup(name)) == NULL)
    return -1;
  p->ndim = ndim;
  p->shape[0] = d0;
  p->shape[1] = d1;
  p->shape[2] = d2;
  p->shape[3] = d3;
  p->numel = 1;
  for (int i = 0; i < ndim; i++)
    p->numel *= (size_t)p->shape[i];
  b->n_floats += p->numel;
  return (int)seg->n_params++;
}

static int
add_node(builder *b, const csnn__seg_node *node)
{
  csnn_seg *seg = b->seg;
  csnn__seg_node *n;

  if (seg->n_nodes == b->cap_nodes) {
    int cap = b->cap_nodes * 2 + 32;
    csnn__seg_node *grown = realloc(seg->nodes, (size_t)cap * sizeof(*grown));
    if (grown == NULL)
      return -1;
    seg->nodes = grown;
    b->cap_nodes = cap;
  }
  n = &seg->nodes[seg->n_nodes];
  *n = *node;
  n->offset = seg->plan_floats;
  seg->plan_floats += (csnn__seg_node_floats(n) + 15) / 16 * 16;
  return seg->n_nodes++;
}

/* Adds a convolution of @k x @k reading node @in: with a norm and ReLU (@name "enc.0.conv1" and
 * its norm "enc.0.bn1"), or the head (@name "head", a bias, no activation). */
static int
add_conv(builder *b, int in, const char *name, const char *bn_name, int c_out, int k)
{
  const csnn__seg_node *src = &b->seg->nodes[in];
  csnn__seg_node node = { .op = bn_name != NULL ? CSNN__SEG_CONV : CSNN__SEG_HEAD,
                          .in = { in, -1 },
                          .p_bias = -1,
                          .p_bn = -1 };
  char text[64];

  node.conv = (csnn_conv2d_desc){ .c_in = src->c,
                                  .c_out = c_out,
                                  .kh = k,
                                  .kw = k,
                                  .stride_h = 1,
                                  .stride_w = 1,
                                  .pad_h = k / 2,
                                  .pad_w = k / 2,
                                  .h_in = src->h,
                                  .w_in = src->w,
                                  .act = bn_name != NULL ? CSNN_ACT_RELU : CSNN_ACT_NONE };
  if (csnn_conv2d_setup(&node.conv) != CSNN_OK)
    return -1;
  node.c = c_out;
  node.h = node.conv.h_out;
  node.w = node.conv.w_out;
  snprintf(text, sizeof(text), "%s.weight", name);
  node.p_weight = add_param(b, text, 4, c_out, src->c, k, k);
  if (bn_name == NULL) {
    snprintf(text, sizeof(text), "%s.bias", name);
    node.p_bias = add_param(b, text, 1, c_out, 0, 0, 0);
  } else {
    static const char *const suffix[] = { "weight", "bias", "running_mean", "running_var" };
    for (int i = 0; i < 4; i++) {
      int index;
      snprintf(text, sizeof(text), "%s.%s", bn_name, suffix[i]);
      index = add_param(b, text, 1, c_out, 0, 0, 0);
      if (i == 0)
        node.p_bn = index;
      if (index < 0)
        node.p_bn = -1;
    }
    if (node.p_bn < 0)
      return -1;
  }
  if (node.p_weight < 0 || (bn_name == NULL && node.p_bias < 0))
    return -1;
  return add_node(b, &node);
}

static int
add_double_conv(builder *b, int in, const char *prefix, int level, int c_out)
{
  char conv[48], bn[48];

  snprintf(conv, sizeof(conv), "%s.%d.conv1", prefix, level);
  snprintf(bn, sizeof(bn), "%s.%d.bn1", prefix, level);
  in = add_conv(b, in, conv, bn, c_out, 3);
  if (in < 0)
    return -1;
  snprintf(conv, sizeof(conv), "%s.%d.conv2", prefix, level);
  snprintf(bn, sizeof(bn), "%s.%d.bn2", prefix, level);
  return add_conv(b, in, conv, bn, c_out, 3);
}

static int
add_simple(builder *b, csnn__seg_op op, int in0, int in1)
{
  const csnn__seg_node *a = &b->seg->nodes[in0];
  csnn__seg_node node = { .op = op,
                          .in = { in0, in1 },
                          .p_weight = -1,
                          .p_bias = -1,
                          .p_bn = -1,
                          .c = a->c,
                          .h = a->h,
                          .w = a->w };

  if (op == CSNN__SEG_POOL) {
    node.pool = (csnn_pool2d_desc){ .kind = CSNN_POOL_MAX,
                                    .c = a->c,
                                    .kh = 2,
                                    .kw = 2,
                                    .stride_h = 2,
                                    .stride_w = 2,
                                    .h_in = a->h,
                                    .w_in = a->w };
    if (csnn_pool2d_setup(&node.pool) != CSNN_OK)
      return -1;
    node.h = node.pool.h_out;
    node.w = node.pool.w_out;
  } else if (op == CSNN__SEG_UP) {
    node.h = 2 * a->h;
    node.w = 2 * a->w;
  } else if (op == CSNN__SEG_CAT) {
    node.c = a->c + b->seg->nodes[in1].c;
  }
  return add_node(b, &node);
}

static int
build(csnn_seg *seg)
{
  builder b = { .seg = seg };
  csnn__seg_node input = { .op = CSNN__SEG_INPUT,
                           .in = { -1, -1 },
                           .p_weight = -1,
                           .p_bias = -1,
                           .p_bn = -1,
                           .c = 1,
                           .h = seg->shape.height,
                           .w = seg->shape.width };
  int skips[8], x, depth = seg->shape.depth, base = seg->shape.base;

  x = add_node(&b, &input);
  for (int l = 0; l <= depth && x >= 0; l++) {
    if (l > 0)
      x = add_simple(&b, CSNN__SEG_POOL, x, -1);
    if (x >= 0)
      x = add_double_conv(&b, x, "enc", l, base << l);
    skips[l] = x;
  }
  for (int l = depth - 1; l >= 0 && x >= 0; l--) {
    x = add_simple(&b, CSNN__SEG_UP, x, -1);
    if (x >= 0)
      x = add_simple(&b, CSNN__SEG_CAT, x, skips[l]);
    if (x >= 0)
      x = add_double_conv(&b, x, "dec", l, base << l);
  }
  if (x >= 0)
    x = add_conv(&b, x, "head", NULL, 1, 1);
  if (x < 0)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot build the U-Net");
  if ((seg->param_data = calloc(b.n_floats, sizeof(float))) == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate the U-Net's %zu parameters", b.n_floats);
  {
    float *p = seg->param_data;
    for (size_t i = 0; i < seg->n_params; i++) {
      seg->params[i].data = p;
      p += seg->params[i].numel;
    }
  }
  for (int i = 0; i < seg->n_nodes; i++) {
    csnn__seg_node *node = &seg->nodes[i];
    if (node->op == CSNN__SEG_CONV || node->op == CSNN__SEG_HEAD) {
      node->run_offset = seg->run_floats;
      seg->run_floats += (csnn_conv2d_packed_floats(&node->conv) + 15) / 16 * 16 +
                         ((size_t)node->conv.c_out + 15) / 16 * 16;
      if (node->p_bn >= 0) {
        for (size_t k = 0; k < seg->params[node->p_bn].numel; k++) {
          seg->params[node->p_bn].data[k] = 1.0f;     /* weight */
          seg->params[node->p_bn + 3].data[k] = 1.0f; /* running_var */
        }
      }
    }
  }
  seg->scratch_floats = csnn__seg_scratch_floats(seg);
  if ((seg->run = calloc(seg->run_floats, sizeof(float))) == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate the U-Net's inference weights");
  seg->run_stale = 1;
  return CSNN_OK;
}

size_t
csnn__seg_scratch_floats(const csnn_seg *seg)
{
  size_t most = 16;

  for (int i = 0; i < seg->n_nodes; i++) {
    const csnn__seg_node *node = &seg->nodes[i];
    if (node->op == CSNN__SEG_CONV || node->op == CSNN__SEG_HEAD) {
      size_t f = csnn_conv2d_scratch_floats(&node->conv);
      size_t g = csnn_conv2d_backward_scratch_floats(&node->conv);
      most = f > most ? f : most;
      most = g > most ? g : most;
    }
  }
  return (most + 15) / 16 * 16;
}

double
csnn_seg_gflop(const csnn_seg_shape *shape)
{
  csnn_seg *seg;
  double macs = 0.0;

  if (csnn_seg_new(shape, &seg) != CSNN_OK)
    return 0.0;
  for (int i = 0; i < seg->n_nodes; i++) {
    const csnn_conv2d_desc *d = &seg->nodes[i].conv;
    if (seg->nodes[i].op == CSNN__SEG_CONV || seg->nodes[i].op == CSNN__SEG_HEAD)
      macs += (double)d->h_out * d->w_out * d->c_out * d->c_in * d->kh * d->kw;
  }
  csnn_seg_free(seg);
  return 2.0 * macs / 1e9;
}

int
csnn_seg_new(const csnn_seg_shape *shape, csnn_seg **out)
{
  csnn_seg *seg;
  int status;

  *out = NULL;
  if ((status = shape_check(shape)) != CSNN_OK)
    return status;
  if ((seg = calloc(1, sizeof(*seg))) == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate a U-Net");
  seg->shape = *shape;
  seg->norm = (csnn_norm){ { 0.5f, 0.5f, 0.5f }, { 0.25f, 0.25f, 0.25f } };
  pthread_mutex_init(&seg->lock, NULL);
  if ((status = build(seg)) != CSNN_OK) {
    csnn_seg_free(seg);
    return status;
  }
  *out = seg;
  return CSNN_OK;
}

void
csnn_seg_free(csnn_seg *seg)
{
  if (seg == NULL)
    return;
  for (size_t i = 0; i < seg->n_params; i++)
    free((char *)seg->params[i].name);
  for (size_t i = 0; i < seg->n_meta; i++) {
    free(seg->meta_keys[i]);
    free(seg->meta_values[i]);
  }
  free(seg->meta_keys);
  free(seg->meta_values);
  free(seg->sha256);
  free(seg->params);
  free(seg->param_data);
  free(seg->nodes);
  free(seg->run);
  free(seg->scratch);
  csnn_arena_free(&seg->acts);
  pthread_mutex_destroy(&seg->lock);
  free(seg);
}

/* ---- accessors ---- */

const csnn_seg_shape *
csnn_seg_get_shape(const csnn_seg *seg)
{
  return &seg->shape;
}

const csnn_norm *
csnn_seg_norm(const csnn_seg *seg)
{
  return &seg->norm;
}

void
csnn_seg_set_norm(csnn_seg *seg, float mean, float std)
{
  for (int i = 0; i < 3; i++) {
    seg->norm.mean[i] = mean;
    seg->norm.std[i] = std;
  }
}

const char *
csnn_seg_metadata(const csnn_seg *seg, const char *key)
{
  for (size_t i = 0; i < seg->n_meta; i++)
    if (strcmp(seg->meta_keys[i], key) == 0)
      return seg->meta_values[i];
  return NULL;
}

const char *
csnn_seg_sha256(const csnn_seg *seg)
{
  return seg->sha256;
}

size_t
csnn_seg_n_params(const csnn_seg *seg)
{
  return seg->n_params;
}

csnn_param *
csnn_seg_param(csnn_seg *seg, size_t index)
{
  return index < seg->n_params ? &seg->params[index] : NULL;
}

csnn_param *
csnn_seg_find_param(csnn_seg *seg, const char *name)
{
  for (size_t i = 0; i < seg->n_params; i++)
    if (strcmp(seg->params[i].name, name) == 0)
      return &seg->params[i];
  return NULL;
}

void
csnn_seg_params_changed(csnn_seg *seg)
{
  seg->run_stale = 1;
}

int
csnn_seg_param_trainable(const csnn_seg *seg, size_t index, int *decay)
{
  const char *name;

  if (index >= seg->n_params)
    return 0;
  name = seg->params[index].name;
  if (strstr(name, "running_") != NULL)
    return 0;
  if (decay != NULL)
    *decay = seg->params[index].ndim == 4;
  return 1;
}

void
csnn_seg_init_random(csnn_seg *seg, uint64_t seed)
{
  CsRng rng;

  cs_rng_init(&rng, seed, 0x5e6);
  for (int i = 0; i < seg->n_nodes; i++) {
    const csnn__seg_node *node = &seg->nodes[i];
    csnn_param *w;
    double sd;

    if (node->op != CSNN__SEG_CONV && node->op != CSNN__SEG_HEAD)
      continue;
    w = &seg->params[node->p_weight];
    sd = node->op == CSNN__SEG_HEAD
             ? 0.01
             : sqrt(2.0 / ((double)node->conv.c_out * node->conv.kh * node->conv.kw));
    for (size_t k = 0; k < w->numel; k++)
      w->data[k] = (float)(sd * cs_rng_normal(&rng));
    if (node->p_bias >= 0)
      memset(seg->params[node->p_bias].data, 0, seg->params[node->p_bias].numel * sizeof(float));
    if (node->p_bn >= 0) {
      for (size_t k = 0; k < seg->params[node->p_bn].numel; k++) {
        seg->params[node->p_bn].data[k] = 1.0f;
        seg->params[node->p_bn + 1].data[k] = 0.0f;
        seg->params[node->p_bn + 2].data[k] = 0.0f;
        seg->params[node->p_bn + 3].data[k] = 1.0f;
      }
    }
  }
  seg->run_stale = 1;
}

/* ---- weight files ---- */

/* The metadata value of @prefix @key (a part's own keys carry its prefix). */
static const char *
part_metadata(const csnn_safetensors *st, const char *prefix, const char *key)
{
  char full[96];

  snprintf(full, sizeof(full), "%s%s", prefix, key);
  return csnn_safetensors_metadata(st, full);
}

static int
meta_int(const csnn_safetensors *st, const char *prefix, const char *key, int *value)
{
  const char *text = part_metadata(st, prefix, key);
  char *end;
  long v;

  if (text == NULL)
    return csnn_set_error(CSNN_ERR_FORMAT, "the U-Net's weights lack the metadata \"%s\"", key);
  errno = 0;
  v = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < 0 || v > MAX_SIDE)
    return csnn_set_error(CSNN_ERR_FORMAT, "metadata \"%s\" is not a size: \"%s\"", key, text);
  *value = (int)v;
  return CSNN_OK;
}

static int
meta_float(const csnn_safetensors *st, const char *prefix, const char *key, float fallback,
           float *value)
{
  const char *text = part_metadata(st, prefix, key);
  char *end;
  double v;

  *value = fallback;
  if (text == NULL)
    return CSNN_OK;
  errno = 0;
  v = strtod(text, &end);
  if (errno != 0 || end == text || *end != '\0' || !isfinite(v))
    return csnn_set_error(CSNN_ERR_FORMAT, "metadata \"%s\" is not a number: \"%s\"", key, text);
  *value = (float)v;
  return CSNN_OK;
}

static int
take_metadata(csnn_seg *seg, const csnn_safetensors *st)
{
  size_t n = csnn_safetensors_n_metadata(st);
  const char *sha = csnn_safetensors_sha256(st);

  seg->meta_keys = calloc(n + 1, sizeof(char *));
  seg->meta_values = calloc(n + 1, sizeof(char *));
  if (seg->meta_keys == NULL || seg->meta_values == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot copy the weights' metadata");
  for (size_t i = 0; i < n; i++) {
    seg->meta_keys[i] = strdup(csnn_safetensors_metadata_key(st, i));
    seg->meta_values[i] = strdup(csnn_safetensors_metadata_value(st, i));
    seg->n_meta = i + 1;
    if (seg->meta_keys[i] == NULL || seg->meta_values[i] == NULL)
      return csnn_set_error(CSNN_ERR_NOMEM, "cannot copy the weights' metadata");
  }
  if (sha != NULL && (seg->sha256 = strdup(sha)) == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot copy the weights' hash");
  return CSNN_OK;
}

void
csnn_seg_member_prefix(int i, char *buf, size_t size)
{
  snprintf(buf, size, "%s%d.", CSNN_SEG_MEMBER_PREFIX, i);
}

/* Whether tensor @name belongs to the part of @prefix ("" is the main network: every tensor
 * outside CSNN_SEG_REFINE_PREFIX and the members'). */
static int
in_part(const char *name, const char *prefix)
{
  if (*prefix == '\0')
    return strncmp(name, CSNN_SEG_REFINE_PREFIX, strlen(CSNN_SEG_REFINE_PREFIX)) != 0 &&
           strncmp(name, CSNN_SEG_MEMBER_PREFIX, strlen(CSNN_SEG_MEMBER_PREFIX)) != 0;
  return strncmp(name, prefix, strlen(prefix)) == 0;
}

/* Reads @st's parameters of the part @prefix into @seg: every parameter present and shaped
 * right, nothing else in the part but PyTorch's num_batches_tracked counters. */
static int
read_params(csnn_seg *seg, const csnn_safetensors *st, const char *prefix)
{
  size_t plen = strlen(prefix);

  for (size_t i = 0; i < seg->n_params; i++) {
    const csnn_param *p = &seg->params[i];
    char name[160];
    int status;

    snprintf(name, sizeof(name), "%s%s", prefix, p->name);
    if ((status = csnn_safetensors_read_named(st, name, p->ndim, p->shape, p->data)) != CSNN_OK)
      return status;
  }
  for (size_t i = 0; i < csnn_safetensors_n_tensors(st); i++) {
    const char *name = csnn_safetensors_name(st, i);
    size_t len = strlen(name), suffix = strlen(".num_batches_tracked");

    if (!in_part(name, prefix))
      continue;
    if (len > suffix && strcmp(name + len - suffix, ".num_batches_tracked") == 0)
      continue;
    if (csnn_seg_find_param(seg, name + plen) == NULL)
      return csnn_set_error(CSNN_ERR_FORMAT, "tensor \"%s\" is not a parameter of this U-Net",
                            name);
  }
  return CSNN_OK;
}

/* The parameters of a U-Net of @s, counted without building it (every norm has 4 per channel). */
static double
param_count(const csnn_seg_shape *s)
{
  double total = (double)s->base + 1.0; /* The head. */

  for (int l = 0; l <= s->depth; l++) {
    double c = (double)s->base * (double)(1 << l), c_in = l == 0 ? 1.0 : c / 2.0;
    total += 9.0 * c_in * c + 9.0 * c * c + 8.0 * c;
    if (l < s->depth)
      total += 9.0 * 3.0 * c * c + 9.0 * c * c + 8.0 * c;
  }
  return total;
}

int
csnn_seg_load_safetensors(const csnn_safetensors *st, const char *what, csnn_seg **out)
{
  return csnn_seg_load_part(st, what, "", out);
}

int
csnn_seg_load_part(const csnn_safetensors *st, const char *what, const char *prefix, csnn_seg **out)
{
  csnn_seg_shape shape;
  csnn_seg *seg = NULL;
  const char *arch = part_metadata(st, prefix, "arch");
  float mean, std;
  double in_file = 0.0;
  int status = CSNN_OK;

  *out = NULL;
  if (arch == NULL || strcmp(arch, CSNN_SEG_ARCH) != 0)
    return csnn_set_error(CSNN_ERR_FORMAT,
                          "%s is not a U-Net of this engine (metadata \"%sarch\" is \"%s\", not "
                          "\"csnn_unet\")",
                          what, prefix, arch != NULL ? arch : "");
  if ((status = meta_int(st, prefix, "input_height", &shape.height)) != CSNN_OK ||
      (status = meta_int(st, prefix, "input_width", &shape.width)) != CSNN_OK ||
      (status = meta_int(st, prefix, "base_channels", &shape.base)) != CSNN_OK ||
      (status = meta_int(st, prefix, "depth", &shape.depth)) != CSNN_OK ||
      (status = meta_float(st, prefix, "mean", 0.5f, &mean)) != CSNN_OK ||
      (status = meta_float(st, prefix, "std", 0.25f, &std)) != CSNN_OK)
    return status;
  if (!(std > 0.0f))
    return csnn_set_error(CSNN_ERR_FORMAT, "metadata \"std\" must be positive");
  if ((status = shape_check(&shape)) != CSNN_OK)
    return status;
  /* The file must hold about as many weights as are allocated for it, so that a few bytes of
   * metadata cannot make the engine allocate gigabytes (a missing tensor is named below). */
  for (size_t i = 0; i < csnn_safetensors_n_tensors(st); i++)
    if (in_part(csnn_safetensors_name(st, i), prefix))
      in_file += (double)csnn_safetensors_n_elements(st, i);
  if (param_count(&shape) > in_file + 65536.0)
    return csnn_set_error(CSNN_ERR_FORMAT,
                          "%s holds %.0f weights, fewer than the %.0f of the U-Net its metadata "
                          "describes",
                          what, in_file, param_count(&shape));
  if ((status = csnn_seg_new(&shape, &seg)) != CSNN_OK)
    return status;
  csnn_seg_set_norm(seg, mean, std);
  if ((status = read_params(seg, st, prefix)) != CSNN_OK ||
      (status = take_metadata(seg, st)) != CSNN_OK) {
    csnn_seg_free(seg);
    return status;
  }
  seg->run_stale = 1;
  *out = seg;
  return CSNN_OK;
}

int
csnn_seg_load(const char *path, csnn_seg **out)
{
  csnn_safetensors *st;
  int status;

  *out = NULL;
  if ((status = csnn_safetensors_open(path, &st)) != CSNN_OK)
    return status;
  status = csnn_seg_load_safetensors(st, path, out);
  csnn_safetensors_close(st);
  return status;
}

/* The metadata keys a network's shape and normalisation are saved under. */
static const char *const own_keys[] = { "arch",  "input_height", "input_width", "base_channels",
                                        "depth", "mean",         "std" };
#define N_OWN_KEYS 7

/* Writes @seg's own keys, each prefixed with @prefix, as key-value pairs to @meta (@text holds
 * the strings: 2 x N_OWN_KEYS of 64 bytes). */
static void
own_metadata(const csnn_seg *seg, const char *prefix, char (*text)[64], const char **meta)
{
  for (size_t i = 0; i < N_OWN_KEYS; i++)
    snprintf(text[2 * i], 64, "%.15s%s", prefix, own_keys[i]);
  snprintf(text[1], 64, "%s", CSNN_SEG_ARCH);
  snprintf(text[3], 64, "%d", seg->shape.height);
  snprintf(text[5], 64, "%d", seg->shape.width);
  snprintf(text[7], 64, "%d", seg->shape.base);
  snprintf(text[9], 64, "%d", seg->shape.depth);
  snprintf(text[11], 64, "%.9g", (double)seg->norm.mean[0]);
  snprintf(text[13], 64, "%.9g", (double)seg->norm.std[0]);
  for (size_t i = 0; i < 2 * N_OWN_KEYS; i++)
    meta[i] = text[i];
}

int
csnn_seg_save(const csnn_seg *seg, const char *path, const char *const *metadata)
{
  return csnn_seg_save_pair(seg, NULL, path, metadata);
}

int
csnn_seg_save_pair(const csnn_seg *seg, const csnn_seg *refine, const char *path,
                   const char *const *metadata)
{
  return csnn_seg_save_parts(&seg, 1, refine, path, metadata);
}

int
csnn_seg_save_parts(const csnn_seg *const *members, int n_members, const csnn_seg *refine,
                    const char *path, const char *const *metadata)
{
  const csnn_seg *parts[CSNN_SEG_MAX_MEMBERS + 1];
  char prefixes[CSNN_SEG_MAX_MEMBERS + 1][16];
  char text[CSNN_SEG_MAX_MEMBERS + 1][2 * N_OWN_KEYS][64];
  char(*names)[160] = NULL;
  const char **meta;
  csnn_st_tensor *tensors;
  size_t n_user = 0, k = 0, n_tensors = 0, n_own, t = 0;
  int n_parts = 0, status;

  if (n_members < 1 || n_members > CSNN_SEG_MAX_MEMBERS)
    return csnn_set_error(CSNN_ERR_INVALID, "a weights file holds 1 to %d locators, not %d",
                          CSNN_SEG_MAX_MEMBERS, n_members);
  for (int i = 0; i < n_members; i++) {
    parts[n_parts] = members[i];
    if (i == 0)
      prefixes[n_parts][0] = '\0';
    else
      csnn_seg_member_prefix(i, prefixes[n_parts], sizeof(prefixes[0]));
    n_parts++;
  }
  if (refine != NULL) {
    parts[n_parts] = refine;
    snprintf(prefixes[n_parts], sizeof(prefixes[0]), "%s", CSNN_SEG_REFINE_PREFIX);
    n_parts++;
  }
  for (int p = 0; p < n_parts; p++)
    n_tensors += parts[p]->n_params;
  n_own = (size_t)n_parts * N_OWN_KEYS;
  while (metadata != NULL && metadata[n_user * 2] != NULL)
    n_user++;
  meta = calloc((n_user + n_own) * 2 + 1, sizeof(char *));
  tensors = calloc(n_tensors, sizeof(*tensors));
  names = calloc(n_tensors, sizeof(*names));
  if (meta == NULL || tensors == NULL || names == NULL) {
    free(meta);
    free(tensors);
    free(names);
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot save the U-Net");
  }
  /* The shapes are the networks' own; the caller's other keys follow them. */
  for (int p = 0; p < n_parts; p++) {
    own_metadata(parts[p], prefixes[p], text[p], meta + k);
    k += 2 * N_OWN_KEYS;
  }
  for (size_t i = 0; i < n_user; i++) {
    int taken = 0;
    for (size_t j = 0; j < 2 * n_own; j += 2)
      taken |= strcmp(metadata[2 * i], meta[j]) == 0;
    if (!taken) {
      meta[k++] = metadata[2 * i];
      meta[k++] = metadata[2 * i + 1];
    }
  }
  for (int p = 0; p < n_parts; p++)
    for (size_t i = 0; i < parts[p]->n_params; i++, t++) {
      const csnn_param *param = &parts[p]->params[i];

      snprintf(names[t], sizeof(names[0]), "%.15s%s", prefixes[p], param->name);
      tensors[t].name = names[t];
      tensors[t].ndim = param->ndim;
      for (int d = 0; d < param->ndim; d++)
        tensors[t].shape[d] = param->shape[d];
      tensors[t].data = param->data;
    }
  status = csnn_safetensors_save(path, tensors, n_tensors, meta);
  free(meta);
  free(tensors);
  free(names);
  return status;
}

/* ---- inference ---- */

typedef struct {
  csnn_seg *seg;
  const csnn__seg_node *node;
  int n;
  const float *a, *b;
  float *y;
} run_job;

/* Folds each norm into its convolution and packs every convolution's weights for inference. */
static int
pack_all(csnn_seg *seg)
{
  size_t most = 0;
  float *w;

  for (int i = 0; i < seg->n_nodes; i++)
    if (seg->nodes[i].op == CSNN__SEG_CONV && seg->params[seg->nodes[i].p_weight].numel > most)
      most = seg->params[seg->nodes[i].p_weight].numel;
  if ((w = malloc((most + 1) * sizeof(float))) == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot fold the U-Net's norms");
  for (int i = 0; i < seg->n_nodes; i++) {
    const csnn__seg_node *node = &seg->nodes[i];
    size_t row, packed_floats;
    float *dst, *bias;

    if (node->op != CSNN__SEG_CONV && node->op != CSNN__SEG_HEAD)
      continue;
    row = (size_t)node->conv.c_in * (size_t)node->conv.kh * (size_t)node->conv.kw;
    packed_floats = (csnn_conv2d_packed_floats(&node->conv) + 15) / 16 * 16;
    dst = seg->run + node->run_offset;
    bias = dst + packed_floats;
    if (node->p_bn < 0) {
      csnn_conv2d_pack(&node->conv, seg->params[node->p_weight].data, dst);
      memcpy(bias, seg->params[node->p_bias].data, (size_t)node->conv.c_out * sizeof(float));
      continue;
    }
    csnn_bn_fold(node->conv.c_out, row, seg->params[node->p_weight].data, NULL,
                 seg->params[node->p_bn].data, seg->params[node->p_bn + 1].data,
                 seg->params[node->p_bn + 2].data, seg->params[node->p_bn + 3].data,
                 CSNN__SEG_BN_EPS, w, bias);
    csnn_conv2d_pack(&node->conv, w, dst);
  }
  free(w);
  return CSNN_OK;
}

static void
run_node(void *data, int ith, int nth)
{
  run_job *j = data;
  const csnn__seg_node *node = j->node;
  csnn_seg *seg = j->seg;
  float *scratch = seg->scratch + (size_t)ith * seg->scratch_floats;

  switch (node->op) {
    case CSNN__SEG_INPUT:
      break;
    case CSNN__SEG_CONV:
    case CSNN__SEG_HEAD: {
      const float *w = seg->run + node->run_offset;
      const float *bias = w + (csnn_conv2d_packed_floats(&node->conv) + 15) / 16 * 16;
      csnn_conv2d_forward_packed(&node->conv, j->n, j->a, w, bias, j->y, scratch, ith, nth);
      break;
    }
    case CSNN__SEG_POOL:
      csnn_pool2d_forward(&node->pool, j->n, j->a, j->y, ith, nth);
      break;
    case CSNN__SEG_UP:
      csnn_upsample2x_forward(j->n, node->c, node->h / 2, node->w / 2, j->a, j->y, ith, nth);
      break;
    case CSNN__SEG_CAT:
      csnn_concat_channels_forward(j->n, seg->nodes[node->in[0]].c, seg->nodes[node->in[1]].c,
                                   (size_t)node->h * (size_t)node->w, j->a, j->b, j->y, ith, nth);
      break;
  }
}

/* Makes room for @n images and the threads' scratch; refreshes the inference weights. */
static int
prepare(csnn_seg *seg, int n, int nth)
{
  if (seg->scratch == NULL) {
    seg->scratch = aligned_alloc(64, seg->scratch_floats * (size_t)nth * sizeof(float));
    if (seg->scratch == NULL)
      return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate the U-Net's scratch memory");
  }
  if (n > seg->batch) {
    csnn_arena_free(&seg->acts);
    if (csnn_arena_reserve(&seg->acts, seg->plan_floats * (size_t)n + 16) != CSNN_OK)
      return csnn_set_error(CSNN_ERR_NOMEM,
                            "cannot allocate the U-Net's activations for %d "
                            "images",
                            n);
    seg->batch = n;
  }
  if (seg->run_stale) {
    int status = pack_all(seg);
    if (status != CSNN_OK)
      return status;
    seg->run_stale = 0;
  }
  return CSNN_OK;
}

/* The images run together: enough to keep both threads busy, little enough for the cache. */
#define FORWARD_BATCH 4

/* Runs the @m images already in the arena's first slot through every node, @seg's lock held;
 * returns their logits (in the arena). */
static const float *
run_batch(csnn_seg *seg, int m, csnn_pool *pool, int nth)
{
  float *base = seg->acts.base;
  const csnn__seg_node *head = &seg->nodes[seg->n_nodes - 1];

  for (int i = 1; i < seg->n_nodes; i++) {
    const csnn__seg_node *node = &seg->nodes[i];
    run_job j = { .seg = seg,
                  .node = node,
                  .n = m,
                  .a = base + seg->nodes[node->in[0]].offset * (size_t)m,
                  .b = node->in[1] >= 0 ? base + seg->nodes[node->in[1]].offset * (size_t)m : NULL,
                  .y = base + node->offset * (size_t)m };
    csnn_pool_run_n(pool, nth, run_node, &j);
  }
  return base + head->offset * (size_t)m;
}

static inline float
sigmoid(float x)
{
  return 1.0f / (1.0f + expf(-x));
}

int
csnn_seg_forward(csnn_seg *seg, const float *input, int n, float *prob, float *logits)
{
  csnn_pool *pool = csnn_pool_default();
  int nth = csnn_pool_n_threads(pool), status = CSNN_OK;
  size_t hw = (size_t)seg->shape.height * (size_t)seg->shape.width;

  if (n < 0 || (n > 0 && (input == NULL || prob == NULL)))
    return csnn_set_error(CSNN_ERR_INVALID, "csnn_seg_forward: bad arguments");
  pthread_mutex_lock(&seg->lock);
  status = prepare(seg, n < FORWARD_BATCH ? n : FORWARD_BATCH, nth);
  for (int first = 0; status == CSNN_OK && first < n; first += FORWARD_BATCH) {
    int m = n - first < FORWARD_BATCH ? n - first : FORWARD_BATCH;
    const float *out;

    memcpy(seg->acts.base, input + (size_t)first * hw, (size_t)m * hw * sizeof(float));
    out = run_batch(seg, m, pool, nth);
    if (logits != NULL)
      memcpy(logits + (size_t)first * hw, out, (size_t)m * hw * sizeof(float));
    for (size_t i = 0; i < (size_t)m * hw; i++)
      prob[(size_t)first * hw + i] = sigmoid(out[i]);
  }
  pthread_mutex_unlock(&seg->lock);
  return status;
}

int
csnn_seg_forward_flip(csnn_seg *seg, const float *input, float *prob, float *plain)
{
  csnn_pool *pool = csnn_pool_default();
  int nth = csnn_pool_n_threads(pool), status;
  size_t h = (size_t)seg->shape.height, w = (size_t)seg->shape.width, hw = h * w;

  if (input == NULL || prob == NULL)
    return csnn_set_error(CSNN_ERR_INVALID, "csnn_seg_forward_flip: bad arguments");
  pthread_mutex_lock(&seg->lock);
  status = prepare(seg, 2, nth);
  if (status == CSNN_OK) {
    /* The image and its mirror go straight into the arena's input slot: no copy of either. */
    float *pair = seg->acts.base;
    const float *out;

    memcpy(pair, input, hw * sizeof(float));
    for (size_t y = 0; y < h; y++)
      for (size_t x = 0; x < w; x++)
        pair[hw + y * w + x] = input[y * w + (w - 1 - x)];
    out = run_batch(seg, 2, pool, nth);
    for (size_t y = 0; y < h; y++)
      for (size_t x = 0; x < w; x++) {
        float p = sigmoid(out[y * w + x]);

        prob[y * w + x] = 0.5f * (p + sigmoid(out[hw + y * w + (w - 1 - x)]));
        if (plain != NULL)
          plain[y * w + x] = p;
      }
  }
  pthread_mutex_unlock(&seg->lock);
  return status;
}

int
csnn_seg_prepare(const csnn_seg *seg, const uint8_t *gray, int width, int height, size_t stride,
                 float *input)
{
  int h = seg->shape.height, w = seg->shape.width, status;
  uint8_t *small = malloc((size_t)h * (size_t)w);

  if (small == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate a %d x %d image", w, h);
  status = csnn_resample_u8(gray, width, height, stride, small, w, h);
  if (status == CSNN_OK)
    csnn_seg_normalise(seg, small, input);
  free(small);
  return status;
}

void
csnn_seg_normalise(const csnn_seg *seg, const uint8_t *small, float *input)
{
  float scale = 1.0f / (255.0f * seg->norm.std[0]), shift = seg->norm.mean[0] / seg->norm.std[0];

  for (size_t i = 0; i < (size_t)seg->shape.height * (size_t)seg->shape.width; i++)
    input[i] = (float)small[i] * scale - shift;
}
