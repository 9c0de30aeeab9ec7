/* csnn-train.c — the trainer: training-mode forward with saved activations, and backward
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The trainer walks the network's nodes (csnn-net-private.h) over a whole batch at a time, every
 * operator split between the pool's threads. Every node keeps its output for the backward pass;
 * a convolution followed by a batch norm (or by SiLU, whose derivative needs its input) also
 * keeps the convolution's raw output, from which the normalised values are recomputed in the
 * backward pass instead of being stored. Buffers are allocated once for the largest batch.
 */
#include "csnn-train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs-rng.h"
#include "csnn-net-private.h"
#include "csnn-pool.h"
#include "csnn-train-private.h"

#define BN_MOMENTUM 0.1f

typedef struct {
  float *out;  /* Output, max_batch x size. */
  float *z;    /* Convolution output before the norm and activation, or NULL. */
  float *grad; /* Gradient of the loss wrt out. */
  float *mean; /* Batch statistics of the norm. */
  float *invstd;
  float *xin;  /* The input after dropout, or NULL. */
  float *mask; /* Dropout mask (0 or 1 / (1 - p)) over the input, or per-sample scale. */
  int dropped; /* Whether this batch used the mask. */
} node_state;

struct csnn_trainer {
  csnn_net *net;
  int max_batch;
  csnn_pool *pool;
  int own_pool;
  int nth;
  node_state *st;
  float *store;
  float *grads;
  float **grad_of; /* Per parameter, NULL for running statistics. */
  unsigned char *trainable;
  size_t frozen;
  float *tmp_a, *tmp_b, *tmp_c; /* Largest node x max_batch each. */
  float *scratch;               /* nth x scratch_floats. */
  size_t scratch_floats;
  float *dlogits;
  float *class_weights;
  float *packed;         /* Packed weights of every convolution, repacked before each pass. */
  size_t *packed_offset; /* Per node. */
  double prof[2][8];     /* Seconds per node kind, forward and backward (CSNN_TRAIN_PROFILE). */
  int profile;
  uint64_t rng;
  int dropout;
};

/* ---- random numbers: splitmix64 (cs-rng.h), so a seed fixes every mask ---- */

/* A float in [0, 1) from the top 24 bits of one splitmix64 step. The trainer's dropout and
 * stochastic-depth stream is one step per mask value drawn, in node order, then element order,
 * from the seed csnn_trainer_set_seed() gave. The phantom models in models/ were trained on it, so
 * this conversion stays as it is (not cs_splitmix64_uniform()'s 53 bits). */
static float
rng_uniform(uint64_t *s)
{
  return (float)((double)(cs_splitmix64(s) >> 40) / (double)(1ull << 24));
}

/* ---- jobs run on the pool ---- */

typedef enum {
  JOB_CONV_FWD,
  JOB_CONV_FWD_PACKED,
  JOB_PACK,
  JOB_ACT,
  JOB_POOL_FWD,
  JOB_GAP_FWD,
  JOB_ADD_FWD,
  JOB_MUL_FWD,
  JOB_CAT_FWD,
  JOB_LINEAR_FWD,
  JOB_SCALE, /* o1[i] = a[i] * b[i] (masks) */
  JOB_CONV_BWD_W,
  JOB_CONV_BWD_X,
  JOB_POOL_BWD,
  JOB_GAP_BWD,
  JOB_ADD_BWD,
  JOB_MUL_BWD,
  JOB_CAT_BWD,
  JOB_LINEAR_BWD,
  JOB_ACC_MASKED, /* o1[i] += a[i] * b[i] */
  JOB_BN_ACT_TRAIN,
  JOB_BN_ACT_TRAIN_BWD,
  JOB_ACT_GRAD
} job_kind;

typedef struct {
  job_kind kind;
  csnn_trainer *t;
  const csnn__node *node;
  int n;
  size_t count;
  const float *a, *b, *c, *d, *e, *f, *g;
  float *o1, *o2, *o3, *o4, *o5;
} job;

static size_t
node_size(const csnn__node *node)
{
  return (size_t)node->c * (size_t)node->h * (size_t)node->w;
}

/* The element-wise jobs that have no kernel in csnn-ops.h; threads take ranges of elements, or
 * of channel planes for the concatenation. */

/* y = a + b * scale[image] (stochastic depth keeps or drops whole samples; c NULL: all kept). */
static void
add_scaled_forward(const job *j, int ith, int nth)
{
  size_t per = node_size(j->node), start, end;

  csnn_partition(j->count, ith, nth, &start, &end);
  for (size_t i = start; i < end; i++)
    j->o1[i] = j->a[i] + j->b[i] * (j->c != NULL ? j->c[i / per] : 1.0f);
}

/* Backward of add_scaled_forward(): da += dy, db += dy * scale[image]. */
static void
add_scaled_backward(const job *j, int ith, int nth)
{
  size_t per = node_size(j->node), start, end;

  csnn_partition(j->count, ith, nth, &start, &end);
  for (size_t i = start; i < end; i++) {
    j->o1[i] += j->a[i];
    j->o2[i] += j->a[i] * (j->c != NULL ? j->c[i / per] : 1.0f);
  }
}

/* o1 = a * b, or o1 += a * b when @accumulate: a dropout mask applied forward or backward. */
static void
masked(const job *j, int accumulate, int ith, int nth)
{
  size_t start, end;

  csnn_partition(j->count, ith, nth, &start, &end);
  if (accumulate)
    for (size_t i = start; i < end; i++)
      j->o1[i] += j->a[i] * j->b[i];
  else
    for (size_t i = start; i < end; i++)
      j->o1[i] = j->a[i] * j->b[i];
}

/* Backward of a concatenation of @ca and @cb channels: each plane of dy added to its input's. */
static void
concat_backward(const job *j, int ca, int cb, int ith, int nth)
{
  const csnn__node *node = j->node;
  size_t hw = (size_t)node->h * (size_t)node->w, start, end;

  csnn_partition((size_t)j->n * (size_t)node->c, ith, nth, &start, &end);
  for (size_t plane = start; plane < end; plane++) {
    size_t img = plane / (size_t)node->c, ch = plane % (size_t)node->c;
    const float *g = j->a + plane * hw;
    float *dst = ch < (size_t)ca ? j->o1 + (img * (size_t)ca + ch) * hw
                                 : j->o2 + (img * (size_t)cb + ch - (size_t)ca) * hw;
    for (size_t i = 0; i < hw; i++)
      dst[i] += g[i];
  }
}

/* Runs job @data's share for thread @ith of @nth: one operator, or the packing of every
 * convolution's weights. */
static void
run_job(void *data, int ith, int nth)
{
  job *j = data;
  const csnn__node *node = j->node;
  csnn_net *net = j->t != NULL ? j->t->net : NULL;
  float *scratch = j->t != NULL ? j->t->scratch + (size_t)ith * j->t->scratch_floats : NULL;

  switch (j->kind) {
    case JOB_CONV_FWD:
      csnn_conv2d_forward(&node->conv, j->n, j->a, j->b, j->c, j->o1, scratch, ith, nth);
      break;
    case JOB_CONV_FWD_PACKED:
      csnn_conv2d_forward_packed(&node->conv, j->n, j->a, j->b, j->c, j->o1, scratch, ith, nth);
      break;
    case JOB_PACK:
      /* Convolutions split between the threads by node. */
      for (int i = 0; i < net->n_nodes; i++) {
        const csnn__node *nd = &net->nodes[i];
        if (nd->op == CSNN__NODE_CONV && i % nth == ith)
          csnn_conv2d_pack(&nd->conv, net->params[nd->p_weight].data,
                           j->t->packed + j->t->packed_offset[i]);
      }
      break;
    case JOB_ACT:
      csnn_act_forward(node->conv.act, j->o1, j->count, ith, nth);
      break;
    case JOB_POOL_FWD:
      csnn_pool2d_forward(&node->pool, j->n, j->a, j->o1, ith, nth);
      break;
    case JOB_GAP_FWD: {
      const csnn__node *src = &net->nodes[node->in[0]];
      csnn_global_avgpool_forward(j->n, node->c, (size_t)src->h * (size_t)src->w, j->a, j->o1, ith,
                                  nth);
      break;
    }
    case JOB_ADD_FWD:
      add_scaled_forward(j, ith, nth);
      break;
    case JOB_MUL_FWD:
      csnn_mul_channel_forward(j->n, node->c, (size_t)node->h * (size_t)node->w, j->a, j->b, j->o1,
                               ith, nth);
      break;
    case JOB_CAT_FWD:
      csnn_concat_channels_forward(j->n, net->nodes[node->in[0]].c, net->nodes[node->in[1]].c,
                                   (size_t)node->h * (size_t)node->w, j->a, j->b, j->o1, ith, nth);
      break;
    case JOB_LINEAR_FWD: {
      const csnn__node *src = &net->nodes[node->in[0]];
      csnn_linear_forward(j->n, (int)node_size(src), node->c, j->a, j->b, j->c, j->o1, ith, nth);
      break;
    }
    case JOB_SCALE:
    case JOB_ACC_MASKED:
      masked(j, j->kind == JOB_ACC_MASKED, ith, nth);
      break;
    case JOB_BN_ACT_TRAIN:
      csnn__bn_act_forward_train(j->n, node->c, (size_t)node->h * (size_t)node->w, j->a, j->b, j->c,
                                 node->bn_eps, BN_MOMENTUM, j->o2, j->o3, j->o4, j->o5,
                                 node->conv.act, j->o1, ith, nth);
      break;
    case JOB_BN_ACT_TRAIN_BWD:
      csnn__bn_act_backward_train(j->n, node->c, (size_t)node->h * (size_t)node->w, node->conv.act,
                                  j->a, j->b, j->c, j->d, j->e, j->f, j->g, j->o4, j->o1, j->o2,
                                  j->o3, ith, nth);
      break;
    case JOB_ACT_GRAD:
      csnn__act_grad(node->conv.act, j->count, j->a, j->b, j->c, j->o1, ith, nth);
      break;
    case JOB_CONV_BWD_W:
      csnn_conv2d_backward_weight(&node->conv, j->n, j->a, j->b, j->o1, j->o2, scratch, ith, nth);
      break;
    case JOB_CONV_BWD_X:
      csnn_conv2d_backward_data(&node->conv, j->n, j->a, j->b, j->o1, scratch, ith, nth);
      break;
    case JOB_POOL_BWD:
      csnn_pool2d_backward(&node->pool, j->n, j->a, j->b, j->o1, ith, nth);
      break;
    case JOB_GAP_BWD: {
      const csnn__node *src = &net->nodes[node->in[0]];
      csnn_global_avgpool_backward(j->n, node->c, (size_t)src->h * (size_t)src->w, j->a, j->o1, ith,
                                   nth);
      break;
    }
    case JOB_ADD_BWD:
      add_scaled_backward(j, ith, nth);
      break;
    case JOB_MUL_BWD:
      csnn_mul_channel_backward(j->n, node->c, (size_t)node->h * (size_t)node->w, j->a, j->b, j->c,
                                j->o1, j->o2, ith, nth);
      break;
    case JOB_CAT_BWD:
      concat_backward(j, net->nodes[node->in[0]].c, net->nodes[node->in[1]].c, ith, nth);
      break;
    case JOB_LINEAR_BWD: {
      const csnn__node *src = &net->nodes[node->in[0]];
      csnn_linear_backward(j->n, (int)node_size(src), node->c, j->a, j->b, j->c, j->o1, j->o2,
                           j->o3, ith, nth);
      break;
    }
  }
}

static void
run(csnn_trainer *t, job *j)
{
  j->t = t;
  if (t->nth <= 1)
    run_job(j, 0, 1);
  else
    csnn_pool_run_n(t->pool, t->nth, run_job, j);
}

/* ---- set-up ---- */

static int
conv_needs_z(const csnn__node *node)
{
  return node->p_bn >= 0 || node->conv.act == CSNN_ACT_SILU;
}

/* Counts the activation store: out and grad for every node, z and statistics for normalised
 * convolutions, the per-sample scale of residual sums, the dropped input and mask of dropout
 * layers. Also places each convolution's packed weights (t->packed_offset, *@packed_total),
 * sizes one thread's scratch (t->scratch_floats) and sets *@biggest to the largest node output
 * of a batch. Returns the store's floats without the temporaries and scratch. */
static size_t
measure_store(csnn_trainer *t, size_t *biggest, size_t *packed_total)
{
  csnn_net *net = t->net;
  size_t total = 0, scratch = 1;

  for (int i = 0; i < net->n_nodes; i++) {
    const csnn__node *node = &net->nodes[i];
    size_t s = node_size(node) * (size_t)t->max_batch;

    total += 2 * s;
    if (s > *biggest)
      *biggest = s;
    if (node->op == CSNN__NODE_CONV) {
      size_t f = csnn_conv2d_scratch_floats(&node->conv);
      t->packed_offset[i] = *packed_total;
      *packed_total += (csnn_conv2d_packed_floats(&node->conv) + 15) & ~(size_t)15;
      size_t g = csnn_conv2d_backward_scratch_floats(&node->conv);
      if (conv_needs_z(node))
        total += s;
      if (node->p_bn >= 0)
        total += 2 * (size_t)node->c;
      if (f > scratch)
        scratch = f;
      if (g > scratch)
        scratch = g;
    }
    if (node->op == CSNN__NODE_ADD)
      total += (size_t)t->max_batch;
    if (node->drop_p > 0.0f && (node->op == CSNN__NODE_CONV || node->op == CSNN__NODE_LINEAR))
      total += 2 * node_size(&net->nodes[node->in[0]]) * (size_t)t->max_batch;
  }
  t->scratch_floats = (scratch + 15) & ~(size_t)15;
  return total;
}

/* Lays out t->store as measure_store() counted it, then the three temporaries of @biggest floats
 * and the threads' scratch; and t->grads, one buffer per trainable parameter. */
static void
carve_store(csnn_trainer *t, size_t biggest)
{
  csnn_net *net = t->net;
  size_t max_batch = (size_t)t->max_batch;
  float *p = t->store;
  float *g = t->grads;

  for (int i = 0; i < net->n_nodes; i++) {
    const csnn__node *node = &net->nodes[i];
    node_state *s = &t->st[i];
    size_t sz = node_size(node) * max_batch;

    s->out = p;
    p += sz;
    s->grad = p;
    p += sz;
    if (node->op == CSNN__NODE_CONV && conv_needs_z(node)) {
      s->z = p;
      p += sz;
    }
    if (node->op == CSNN__NODE_CONV && node->p_bn >= 0) {
      s->mean = p;
      p += node->c;
      s->invstd = p;
      p += node->c;
    }
    if (node->op == CSNN__NODE_ADD) {
      s->mask = p;
      p += max_batch;
    }
    if (node->drop_p > 0.0f && (node->op == CSNN__NODE_CONV || node->op == CSNN__NODE_LINEAR)) {
      size_t in = node_size(&net->nodes[node->in[0]]) * max_batch;
      s->xin = p;
      p += in;
      s->mask = p;
      p += in;
    }
  }
  t->tmp_a = p;
  p += biggest;
  t->tmp_b = p;
  p += biggest;
  t->tmp_c = p;
  p += biggest;
  t->scratch = p;
  for (size_t i = 0; i < net->n_params; i++)
    if (t->trainable[i]) {
      t->grad_of[i] = g;
      g += net->params[i].numel;
    }
}

int
csnn_trainer_new(csnn_net *net, int max_batch, int n_threads, csnn_trainer **out)
{
  csnn_trainer *t;
  size_t total, biggest = 0, grad_total = 0, packed_total = 16;

  *out = NULL;
  if (net == NULL || max_batch < 1 || max_batch > 4096 || n_threads < 0 || n_threads > 256)
    return csnn_set_error(CSNN_ERR_INVALID, "trainer: bad batch size or thread count");
  t = calloc(1, sizeof *t);
  if (t == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "trainer: out of memory");
  t->net = net;
  t->max_batch = max_batch;
  t->dropout = 1;
  t->rng = 0x5eed;
  /* A pool of one thread still matters: making it switches OpenBLAS to one thread. */
  if (n_threads == 0) {
    t->pool = csnn_pool_default();
  } else {
    t->pool = csnn_pool_new(n_threads);
    t->own_pool = 1;
  }
  t->nth = t->pool != NULL ? csnn_pool_n_threads(t->pool) : 1;
  t->st = calloc((size_t)net->n_nodes, sizeof *t->st);
  t->grad_of = calloc(net->n_params, sizeof *t->grad_of);
  t->trainable = calloc(net->n_params, 1);
  t->dlogits = calloc((size_t)max_batch * (size_t)net->num_classes, sizeof(float));
  t->packed_offset = calloc((size_t)net->n_nodes, sizeof *t->packed_offset);
  t->profile = getenv("CSNN_TRAIN_PROFILE") != NULL;
  if (t->st == NULL || t->grad_of == NULL || t->trainable == NULL || t->dlogits == NULL ||
      t->packed_offset == NULL || t->pool == NULL) {
    csnn_trainer_free(t);
    return csnn_set_error(CSNN_ERR_NOMEM, "trainer: out of memory");
  }

  total = measure_store(t, &biggest, &packed_total);
  total += 3 * biggest + t->scratch_floats * (size_t)t->nth;
  for (size_t i = 0; i < net->n_params; i++) {
    const char *name = net->params[i].name;
    if (!csnn__name_ends_with(name, "running_mean") && !csnn__name_ends_with(name, "running_var")) {
      t->trainable[i] = 1;
      grad_total += net->params[i].numel;
    }
  }
  t->store = calloc(total, sizeof(float));
  t->grads = calloc(grad_total ? grad_total : 1, sizeof(float));
  t->packed = aligned_alloc(64, packed_total * sizeof(float));
  if (t->store == NULL || t->grads == NULL || t->packed == NULL) {
    csnn_trainer_free(t);
    return csnn_set_error(CSNN_ERR_NOMEM, "trainer: cannot allocate %zu MB of activations",
                          total * sizeof(float) >> 20);
  }
  carve_store(t, biggest);
  *out = t;
  return CSNN_OK;
}

void
csnn_trainer_free(csnn_trainer *t)
{
  if (t == NULL)
    return;
  if (t->own_pool)
    csnn_pool_free(t->pool);
  free(t->st);
  free(t->grad_of);
  free(t->trainable);
  free(t->dlogits);
  free(t->class_weights);
  if (t->profile) {
    static const char *names[] = {
      "input", "conv", "pool", "gap", "add", "mul", "concat", "linear"
    };
    for (int k = 0; k < 8; k++)
      fprintf(stderr, "csnn train profile: %-7s forward %8.3f s  backward %8.3f s\n", names[k],
              t->prof[0][k], t->prof[1][k]);
  }
  free(t->packed_offset);
  free(t->packed);
  free(t->store);
  free(t->grads);
  free(t);
}

void
csnn_trainer_set_seed(csnn_trainer *t, uint64_t seed)
{
  t->rng = seed;
}

void
csnn_trainer_set_dropout(csnn_trainer *t, int enabled)
{
  t->dropout = enabled != 0;
}

int
csnn_trainer_set_class_weights(csnn_trainer *t, const float *weights)
{
  int k = t->net->num_classes;

  free(t->class_weights);
  t->class_weights = NULL;
  if (weights == NULL)
    return CSNN_OK;
  for (int i = 0; i < k; i++)
    if (!(weights[i] >= 0.0f) || !isfinite(weights[i]))
      return csnn_set_error(CSNN_ERR_INVALID, "trainer: class weight %d is not >= 0", i);
  t->class_weights = malloc((size_t)k * sizeof(float));
  if (t->class_weights == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "trainer: out of memory");
  memcpy(t->class_weights, weights, (size_t)k * sizeof(float));
  return CSNN_OK;
}

void
csnn_trainer_set_frozen(csnn_trainer *t, size_t index)
{
  t->frozen = index;
}

float *
csnn_trainer_grad(csnn_trainer *t, size_t index)
{
  return index < t->net->n_params ? t->grad_of[index] : NULL;
}

int
csnn_trainer_param_trainable(const csnn_trainer *t, size_t index, int *decay)
{
  int ok = index < t->net->n_params && t->trainable[index] && index >= t->frozen;

  /* Weight decay applies to every trainable parameter, as torch.optim does by default. */
  if (decay != NULL)
    *decay = ok;
  return ok;
}

/* ---- forward ---- */

static float *
param_data(csnn_trainer *t, int index)
{
  return index >= 0 ? t->net->params[index].data : NULL;
}

/* Applies dropout to node @i's input @x over @n images when the node has one and dropout is on;
 * returns the input the node then reads (@x or the dropped copy). */
static const float *
drop_input(csnn_trainer *t, int i, int n, const float *x)
{
  const csnn__node *node = &t->net->nodes[i];
  node_state *s = &t->st[i];
  size_t in;
  float keep;
  job j = { .kind = JOB_SCALE, .node = node, .n = n };

  s->dropped = 0;
  if (!(node->drop_p > 0.0f && t->dropout && s->xin != NULL))
    return x;
  /* The mask is drawn on the calling thread, in order. */
  in = node_size(&t->net->nodes[node->in[0]]) * (size_t)n;
  keep = 1.0f / (1.0f - node->drop_p);
  for (size_t k = 0; k < in; k++)
    s->mask[k] = rng_uniform(&t->rng) < node->drop_p ? 0.0f : keep;
  j.count = in;
  j.a = x;
  j.b = s->mask;
  j.o1 = s->xin;
  run(t, &j);
  s->dropped = 1;
  return s->xin;
}

/* Runs convolution node @i over @n images of input @x: the convolution with packed weights,
 * then the training batch norm and activation, keeping z when the backward pass needs it. */
static void
forward_conv(csnn_trainer *t, int i, int n, const float *x)
{
  const csnn__node *node = &t->net->nodes[i];
  node_state *s = &t->st[i];
  size_t count = node_size(node) * (size_t)n;
  job j = { .node = node, .n = n, .count = count };

  csnn__node plain = *node;
  int keep_z = conv_needs_z(node);

  /* When z is kept, the convolution writes it without the activation, which comes after. */
  plain.conv.act = CSNN_ACT_NONE;
  j.node = keep_z ? &plain : node;
  j.kind = JOB_CONV_FWD_PACKED;
  j.a = x;
  j.b = t->packed + t->packed_offset[i];
  j.c = param_data(t, node->p_bias);
  j.o1 = keep_z ? s->z : s->out;
  run(t, &j);
  if (!keep_z)
    return;
  j.node = node;
  if (node->p_bn >= 0) {
    /* Statistics, normalisation and activation in one job. */
    j.kind = JOB_BN_ACT_TRAIN;
    j.a = s->z;
    j.b = param_data(t, node->p_bn);
    j.c = param_data(t, node->p_bn + 1);
    j.o1 = s->out;
    j.o2 = param_data(t, node->p_bn + 2);
    j.o3 = param_data(t, node->p_bn + 3);
    j.o4 = s->mean;
    j.o5 = s->invstd;
    run(t, &j);
    return;
  }
  memcpy(s->out, s->z, count * sizeof(float));
  if (node->conv.act != CSNN_ACT_NONE) {
    j.kind = JOB_ACT;
    j.o1 = s->out;
    run(t, &j);
  }
}

/* Runs node @i over @n images. */
static void
forward_node(csnn_trainer *t, int i, int n)
{
  csnn_net *net = t->net;
  const csnn__node *node = &net->nodes[i];
  node_state *s = &t->st[i];
  const float *x = drop_input(t, i, n, node->in[0] >= 0 ? t->st[node->in[0]].out : NULL);
  job j = { .node = node, .n = n, .count = node_size(node) * (size_t)n };

  switch (node->op) {
    case CSNN__NODE_INPUT:
      break;
    case CSNN__NODE_CONV:
      forward_conv(t, i, n, x);
      break;
    case CSNN__NODE_POOL:
      j.kind = JOB_POOL_FWD;
      j.a = x;
      j.o1 = s->out;
      run(t, &j);
      break;
    case CSNN__NODE_GAP:
      j.kind = JOB_GAP_FWD;
      j.a = x;
      j.o1 = s->out;
      run(t, &j);
      break;
    case CSNN__NODE_ADD: {
      int drop = node->drop_p > 0.0f && t->dropout;
      /* Stochastic depth, torchvision's "row" mode: each sample's branch kept with probability
       * 1 - p and then scaled by 1 / (1 - p). */
      for (int k = 0; k < n; k++)
        s->mask[k] = !drop                                 ? 1.0f
                     : rng_uniform(&t->rng) < node->drop_p ? 0.0f
                                                           : 1.0f / (1.0f - node->drop_p);
      j.kind = JOB_ADD_FWD;
      j.a = x;
      j.b = t->st[node->in[1]].out;
      j.c = s->mask;
      j.o1 = s->out;
      run(t, &j);
      break;
    }
    case CSNN__NODE_MUL_CH:
      j.kind = JOB_MUL_FWD;
      j.a = x;
      j.b = t->st[node->in[1]].out;
      j.o1 = s->out;
      run(t, &j);
      break;
    case CSNN__NODE_CONCAT:
      j.kind = JOB_CAT_FWD;
      j.a = x;
      j.b = t->st[node->in[1]].out;
      j.o1 = s->out;
      run(t, &j);
      break;
    case CSNN__NODE_LINEAR:
      j.kind = JOB_LINEAR_FWD;
      j.a = x;
      j.b = param_data(t, node->p_weight);
      j.c = param_data(t, node->p_bias);
      j.o1 = s->out;
      run(t, &j);
      break;
  }
}

static double
now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
forward(csnn_trainer *t, const float *input, int n)
{
  job pack = { .kind = JOB_PACK };

  /* The weights changed since the last pass: pack them for the forward kernels. */
  run(t, &pack);
  memcpy(t->st[0].out, input, node_size(&t->net->nodes[0]) * (size_t)n * sizeof(float));
  for (int i = 1; i < t->net->n_nodes; i++) {
    double t0 = t->profile ? now() : 0.0;
    forward_node(t, i, n);
    if (t->profile)
      t->prof[0][t->net->nodes[i].op] += now() - t0;
  }
}

/* ---- backward ---- */

static int
wants_param_grad(const csnn_trainer *t, int index)
{
  return index >= 0 && t->grad_of[index] != NULL && (size_t)index >= t->frozen;
}

static float *
grad_ptr(csnn_trainer *t, int index)
{
  return wants_param_grad(t, index) ? t->grad_of[index] : NULL;
}

/* The gradients of convolution node @i over @n images: through its activation and batch norm,
 * then to its weights and bias (from its input @x) and, when @dx0 is not NULL, to its input. */
static void
backward_conv(csnn_trainer *t, int i, int n, const float *x, float *dx0)
{
  const csnn__node *node = &t->net->nodes[i];
  node_state *s = &t->st[i];
  job j = { .node = node, .n = n, .count = node_size(node) * (size_t)n };
  const float *dz = s->grad;
  float *w = param_data(t, node->p_weight);

  if (node->p_bn >= 0) {
    /* The activation's and the norm's gradients in one job, written to tmp_a (tmp_b keeps
     * SiLU's gradient between its two passes). */
    j.kind = JOB_BN_ACT_TRAIN_BWD;
    j.a = s->z;
    j.b = s->out;
    j.c = s->grad;
    j.d = param_data(t, node->p_bn);
    j.e = param_data(t, node->p_bn + 1);
    j.f = s->mean;
    j.g = s->invstd;
    j.o1 = t->tmp_a;
    j.o2 = grad_ptr(t, node->p_bn);
    j.o3 = grad_ptr(t, node->p_bn + 1);
    j.o4 = t->tmp_b;
    run(t, &j);
    dz = t->tmp_a;
  } else if (node->conv.act != CSNN_ACT_NONE) {
    /* The activation's gradient, written: nothing to clear first. */
    j.kind = JOB_ACT_GRAD;
    j.a = node->conv.act == CSNN_ACT_SILU ? s->z : NULL;
    j.b = s->out;
    j.c = s->grad;
    j.o1 = t->tmp_b;
    run(t, &j);
    dz = t->tmp_b;
  }
  if (wants_param_grad(t, node->p_weight)) {
    j.kind = JOB_CONV_BWD_W;
    j.a = x;
    j.b = dz;
    j.o1 = grad_ptr(t, node->p_weight);
    j.o2 = grad_ptr(t, node->p_bias);
    run(t, &j);
  }
  if (dx0 != NULL) {
    j.kind = JOB_CONV_BWD_X;
    j.a = dz;
    j.b = w;
    j.o1 = dx0;
    run(t, &j);
  }
}

/* Adds node @i's input gradients given its output gradient, and its parameters' gradients. The
 * input image (node 0) needs none. */
static void
backward_node(csnn_trainer *t, int i, int n)
{
  csnn_net *net = t->net;
  const csnn__node *node = &net->nodes[i];
  node_state *s = &t->st[i];
  int in0 = node->in[0], in1 = node->in[1];
  int need0 = in0 >= 1, need1 = in1 >= 1;
  size_t count = node_size(node) * (size_t)n;
  const float *x = in0 >= 0 ? (s->dropped ? s->xin : t->st[in0].out) : NULL;
  float *dx0 = need0 ? t->st[in0].grad : NULL;
  job j = { .node = node, .n = n, .count = count };
  size_t in_count = in0 >= 0 ? node_size(&net->nodes[in0]) * (size_t)n : 0;

  /* With dropout on the input, the input gradient goes through a temporary and the mask. */
  if (s->dropped && dx0 != NULL) {
    memset(t->tmp_c, 0, in_count * sizeof(float));
    dx0 = t->tmp_c;
  }
  switch (node->op) {
    case CSNN__NODE_INPUT:
      return;
    case CSNN__NODE_CONV:
      backward_conv(t, i, n, x, dx0);
      break;
    case CSNN__NODE_POOL:
      if (dx0 != NULL) {
        j.kind = JOB_POOL_BWD;
        j.a = x;
        j.b = s->grad;
        j.o1 = dx0;
        run(t, &j);
      }
      break;
    case CSNN__NODE_GAP:
      if (dx0 != NULL) {
        j.kind = JOB_GAP_BWD;
        j.a = s->grad;
        j.o1 = dx0;
        run(t, &j);
      }
      break;
    case CSNN__NODE_ADD:
      j.kind = JOB_ADD_BWD;
      j.a = s->grad;
      j.c = s->mask;
      /* Both operands need their gradient unless one is the input image. */
      j.o1 = need0 ? t->st[in0].grad : t->tmp_a;
      j.o2 = need1 ? t->st[in1].grad : t->tmp_b;
      run(t, &j);
      break;
    case CSNN__NODE_MUL_CH:
      j.kind = JOB_MUL_BWD;
      j.a = x;
      j.b = t->st[in1].out;
      j.c = s->grad;
      j.o1 = dx0;
      j.o2 = need1 ? t->st[in1].grad : NULL;
      run(t, &j);
      break;
    case CSNN__NODE_CONCAT:
      j.kind = JOB_CAT_BWD;
      j.a = s->grad;
      j.o1 = need0 ? t->st[in0].grad : t->tmp_a;
      j.o2 = need1 ? t->st[in1].grad : t->tmp_b;
      run(t, &j);
      break;
    case CSNN__NODE_LINEAR: {
      float *dw = grad_ptr(t, node->p_weight);
      j.kind = JOB_LINEAR_BWD;
      j.a = x;
      j.b = param_data(t, node->p_weight);
      j.c = s->grad;
      j.o1 = dx0;
      j.o2 = dw != NULL ? dw : t->tmp_a;
      j.o3 = grad_ptr(t, node->p_bias);
      if (dw == NULL)
        memset(t->tmp_a, 0, (size_t)node->c * node_size(&net->nodes[in0]) * sizeof(float));
      run(t, &j);
      break;
    }
  }
  if (s->dropped && dx0 != NULL) {
    job m = { .kind = JOB_ACC_MASKED, .node = node, .n = n, .count = in_count };
    m.a = t->tmp_c;
    m.b = s->mask;
    m.o1 = t->st[in0].grad;
    run(t, &m);
  }
}

/* Backward from t->dlogits (the last node's output gradient) to every node's output and every
 * parameter. */
static void
backward(csnn_trainer *t, int n)
{
  csnn_net *net = t->net;
  int last = net->n_nodes - 1;

  for (int i = 1; i < net->n_nodes; i++)
    memset(t->st[i].grad, 0, node_size(&net->nodes[i]) * (size_t)n * sizeof(float));
  memcpy(t->st[last].grad, t->dlogits, (size_t)n * (size_t)net->num_classes * sizeof(float));
  for (size_t i = 0; i < net->n_params; i++)
    if (t->grad_of[i] != NULL)
      memset(t->grad_of[i], 0, net->params[i].numel * sizeof(float));
  for (int i = last; i >= 1; i--) {
    double t0 = t->profile ? now() : 0.0;
    backward_node(t, i, n);
    if (t->profile)
      t->prof[1][net->nodes[i].op] += now() - t0;
  }
}

int
csnn_trainer_step(csnn_trainer *t, const float *input, int n, const int *labels, float *loss,
                  float *logits)
{
  csnn_net *net = t->net;
  int k = net->num_classes;
  const float *out;

  if (input == NULL || labels == NULL || n < 1 || n > t->max_batch)
    return csnn_set_error(CSNN_ERR_INVALID, "trainer: a batch of %d images (1 to %d)", n,
                          t->max_batch);
  for (int i = 0; i < n; i++)
    if (labels[i] < 0 || labels[i] >= k)
      return csnn_set_error(CSNN_ERR_INVALID, "trainer: label %d of image %d is not a class",
                            labels[i], i);
  forward(t, input, n);
  out = t->st[net->n_nodes - 1].out;
  if (logits != NULL)
    memcpy(logits, out, (size_t)n * (size_t)k * sizeof(float));
  {
    double l = csnn_softmax_xent(n, k, out, labels, t->class_weights, t->dlogits);
    if (loss != NULL)
      *loss = (float)l;
    if (!isfinite(l))
      return csnn_set_error(CSNN_ERR_INVALID, "trainer: the loss is not finite (diverged)");
  }
  backward(t, n);
  return CSNN_OK;
}
