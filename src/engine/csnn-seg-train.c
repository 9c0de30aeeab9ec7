/* csnn-seg-train.c — one training step of the segmentation U-Net: forward with batch norm in
 * training mode, the Dice and cross-entropy loss, and backward
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The trainer keeps, for a batch of up to max_batch images, every node's output, each
 * convolution's input to its norm (z) and the norm's batch statistics, and one gradient buffer
 * per node. Each operator runs on every thread of the pool (the kernels partition their output),
 * forward in the nodes' order, backward in reverse; backward kernels add into their input's
 * gradient, so a tensor read twice (an encoder output read by the pooling and by the decoder's
 * concatenation) sums both.
 */
#include <stdlib.h>
#include <string.h>

#include "csnn-pool.h"
#include "csnn-seg-private.h"
#include "csnn-train-private.h"
#include "csnn-train.h"

struct csnn_seg_trainer {
  csnn_seg *seg;
  int max_batch;
  int nth;
  csnn_pool *pool;
  csnn_arena store; /* Outputs, norm inputs, statistics, node gradients. */
  size_t *z_offset; /* Per node: its norm's input, then mean and invstd (per image floats). */
  size_t grad_offset;
  size_t dz_offset; /* The norm's input gradient of the convolution being run backward. */
  float *scratch;   /* nth x seg->scratch_floats. */
  float **grads;    /* Per parameter; NULL for running statistics. */
  float *grad_data;
  size_t grad_floats;
};

typedef enum {
  SJ_CONV_FWD,
  SJ_BN_ACT_FWD,
  SJ_POOL_FWD,
  SJ_UP_FWD,
  SJ_CAT_FWD,
  SJ_BN_ACT_BWD,
  SJ_CONV_BWD_W,
  SJ_CONV_BWD_X,
  SJ_POOL_BWD,
  SJ_UP_BWD,
  SJ_CAT_BWD
} seg_job_kind;

typedef struct {
  csnn_seg_trainer *t;
  seg_job_kind kind;
  const csnn__seg_node *node;
  csnn_conv2d_desc conv; /* The node's convolution without its activation. */
  int n;
  const float *a, *b, *c, *d, *e, *f, *g;
  float *o1, *o2, *o3, *o4, *o5;
} seg_job;

static void
seg_run_job(void *data, int ith, int nth)
{
  seg_job *j = data;
  const csnn__seg_node *node = j->node;
  const csnn_seg *seg = j->t->seg;
  float *scratch = j->t->scratch + (size_t)ith * seg->scratch_floats;
  size_t hw = (size_t)node->h * (size_t)node->w;

  switch (j->kind) {
    case SJ_CONV_FWD:
      csnn_conv2d_forward(&j->conv, j->n, j->a, j->b, j->c, j->o1, scratch, ith, nth);
      break;
    case SJ_BN_ACT_FWD:
      csnn__bn_act_forward_train(j->n, node->c, hw, j->a, j->b, j->c, CSNN__SEG_BN_EPS,
                                 CSNN__SEG_BN_MOMENTUM, j->o2, j->o3, j->o4, j->o5, CSNN_ACT_RELU,
                                 j->o1, ith, nth);
      break;
    case SJ_POOL_FWD:
      csnn_pool2d_forward(&node->pool, j->n, j->a, j->o1, ith, nth);
      break;
    case SJ_UP_FWD:
      csnn_upsample2x_forward(j->n, node->c, node->h / 2, node->w / 2, j->a, j->o1, ith, nth);
      break;
    case SJ_CAT_FWD:
      csnn_concat_channels_forward(j->n, seg->nodes[node->in[0]].c, seg->nodes[node->in[1]].c, hw,
                                   j->a, j->b, j->o1, ith, nth);
      break;
    case SJ_BN_ACT_BWD:
      csnn__bn_act_backward_train(j->n, node->c, hw, CSNN_ACT_RELU, j->a, j->b, j->c, j->d, j->e,
                                  j->f, j->g, NULL, j->o1, j->o2, j->o3, ith, nth);
      break;
    case SJ_CONV_BWD_W:
      csnn_conv2d_backward_weight(&j->conv, j->n, j->a, j->b, j->o1, j->o2, scratch, ith, nth);
      break;
    case SJ_CONV_BWD_X:
      csnn_conv2d_backward_data(&j->conv, j->n, j->a, j->b, j->o1, scratch, ith, nth);
      break;
    case SJ_POOL_BWD:
      csnn_pool2d_backward(&node->pool, j->n, j->a, j->b, j->o1, ith, nth);
      break;
    case SJ_UP_BWD:
      csnn_upsample2x_backward(j->n, node->c, node->h / 2, node->w / 2, j->a, j->o1, ith, nth);
      break;
    case SJ_CAT_BWD:
      csnn_concat_channels_backward(j->n, seg->nodes[node->in[0]].c, seg->nodes[node->in[1]].c, hw,
                                    j->a, j->o1, j->o2, ith, nth);
      break;
  }
}

static void
run(csnn_seg_trainer *t, seg_job *j)
{
  j->t = t;
  if (j->node != NULL) {
    j->conv = j->node->conv;
    j->conv.act = CSNN_ACT_NONE;
  }
  if (t->nth <= 1)
    seg_run_job(j, 0, 1);
  else
    csnn_pool_run_n(t->pool, t->nth, seg_run_job, j);
}

int
csnn_seg_trainer_new(csnn_seg *seg, int max_batch, int n_threads, csnn_seg_trainer **out)
{
  csnn_seg_trainer *t;
  size_t per_image = seg->plan_floats, grad_floats = 0, most = 0;

  *out = NULL;
  if (max_batch < 1 || max_batch > 4096 || n_threads < 0)
    return csnn_set_error(CSNN_ERR_INVALID, "a U-Net trainer needs a batch of 1 to 4096 images");
  if ((t = calloc(1, sizeof(*t))) == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate a U-Net trainer");
  t->seg = seg;
  t->max_batch = max_batch;
  t->pool = csnn_pool_default();
  t->nth =
      n_threads == 0
          ? csnn_pool_n_threads(t->pool)
          : (n_threads < csnn_pool_n_threads(t->pool) ? n_threads : csnn_pool_n_threads(t->pool));
  t->z_offset = calloc((size_t)seg->n_nodes, sizeof(size_t));
  t->grads = calloc(seg->n_params, sizeof(float *));
  if (t->z_offset == NULL || t->grads == NULL)
    goto nomem;
  /* Per image: the outputs (the plan), then each norm's input and statistics, then the
   * gradients laid out as the plan. */
  for (int i = 0; i < seg->n_nodes; i++) {
    const csnn__seg_node *node = &seg->nodes[i];
    if (node->op != CSNN__SEG_CONV)
      continue;
    t->z_offset[i] = per_image;
    per_image += (csnn__seg_node_floats(node) + 2 * (size_t)node->c + 15) / 16 * 16;
  }
  t->grad_offset = per_image;
  per_image += seg->plan_floats;
  t->dz_offset = per_image;
  for (int i = 0; i < seg->n_nodes; i++)
    if (seg->nodes[i].op == CSNN__SEG_CONV && csnn__seg_node_floats(&seg->nodes[i]) > most)
      most = csnn__seg_node_floats(&seg->nodes[i]);
  per_image += most;
  if (csnn_arena_reserve(&t->store, per_image * (size_t)max_batch) != CSNN_OK)
    goto nomem;
  t->scratch = aligned_alloc(64, seg->scratch_floats * (size_t)t->nth * sizeof(float));
  for (size_t i = 0; i < seg->n_params; i++)
    if (csnn_seg_param_trainable(seg, i, NULL))
      grad_floats += seg->params[i].numel;
  t->grad_data = calloc(grad_floats + 1, sizeof(float));
  if (t->scratch == NULL || t->grad_data == NULL)
    goto nomem;
  t->grad_floats = grad_floats;
  grad_floats = 0;
  for (size_t i = 0; i < seg->n_params; i++)
    if (csnn_seg_param_trainable(seg, i, NULL)) {
      t->grads[i] = t->grad_data + grad_floats;
      grad_floats += seg->params[i].numel;
    }
  *out = t;
  return CSNN_OK;
nomem:
  csnn_seg_trainer_free(t);
  return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate a U-Net trainer for %d images", max_batch);
}

void
csnn_seg_trainer_free(csnn_seg_trainer *t)
{
  if (t == NULL)
    return;
  csnn_arena_free(&t->store);
  free(t->z_offset);
  free(t->scratch);
  free(t->grads);
  free(t->grad_data);
  free(t);
}

float *
csnn_seg_trainer_grad(csnn_seg_trainer *t, size_t index)
{
  return index < t->seg->n_params ? t->grads[index] : NULL;
}

/* The batch's buffers: node @i's output, gradient and (convolutions) norm input. */
#define OUT(i)  (base + seg->nodes[(i)].offset * (size_t)n)
#define GRAD(i) (base + (t->grad_offset + seg->nodes[(i)].offset) * (size_t)n)
#define Z(i)    (base + t->z_offset[(i)] * (size_t)n)

static void
forward(csnn_seg_trainer *t, int n)
{
  csnn_seg *seg = t->seg;
  float *base = t->store.base;

  for (int i = 1; i < seg->n_nodes; i++) {
    const csnn__seg_node *node = &seg->nodes[i];
    seg_job j = { .node = node, .n = n, .a = OUT(node->in[0]), .o1 = OUT(i) };

    switch (node->op) {
      case CSNN__SEG_INPUT:
        continue;
      case CSNN__SEG_CONV: {
        float *z = Z(i), *stats = z + csnn__seg_node_floats(node) * (size_t)n;
        seg_job bn = { .kind = SJ_BN_ACT_FWD,
                       .node = node,
                       .n = n,
                       .a = z,
                       .b = seg->params[node->p_bn].data,
                       .c = seg->params[node->p_bn + 1].data,
                       .o1 = OUT(i),
                       .o2 = seg->params[node->p_bn + 2].data,
                       .o3 = seg->params[node->p_bn + 3].data,
                       .o4 = stats,
                       .o5 = stats + node->c };
        j.kind = SJ_CONV_FWD;
        j.b = seg->params[node->p_weight].data;
        j.o1 = z;
        run(t, &j);
        run(t, &bn);
        continue;
      }
      case CSNN__SEG_HEAD:
        j.kind = SJ_CONV_FWD;
        j.b = seg->params[node->p_weight].data;
        j.c = seg->params[node->p_bias].data;
        break;
      case CSNN__SEG_POOL:
        j.kind = SJ_POOL_FWD;
        break;
      case CSNN__SEG_UP:
        j.kind = SJ_UP_FWD;
        break;
      case CSNN__SEG_CAT:
        j.kind = SJ_CAT_FWD;
        j.b = OUT(node->in[1]);
        break;
    }
    run(t, &j);
  }
}

/* The backward of a convolution node @i from dL/d(its input to the conv's output) @dy. */
static void
conv_backward(csnn_seg_trainer *t, int n, int i, const float *dy)
{
  csnn_seg *seg = t->seg;
  float *base = t->store.base;
  const csnn__seg_node *node = &seg->nodes[i];
  int in = node->in[0];
  seg_job w = { .kind = SJ_CONV_BWD_W,
                .node = node,
                .n = n,
                .a = OUT(in),
                .b = dy,
                .o1 = t->grads[node->p_weight],
                .o2 = node->p_bias >= 0 ? t->grads[node->p_bias] : NULL };

  run(t, &w);
  if (in != 0) {
    seg_job x = { .kind = SJ_CONV_BWD_X,
                  .node = node,
                  .n = n,
                  .a = dy,
                  .b = seg->params[node->p_weight].data,
                  .o1 = GRAD(in) };
    run(t, &x);
  }
}

static void
backward(csnn_seg_trainer *t, int n)
{
  csnn_seg *seg = t->seg;
  float *base = t->store.base;

  for (int i = seg->n_nodes - 1; i >= 1; i--) {
    const csnn__seg_node *node = &seg->nodes[i];
    int in = node->in[0];
    seg_job j = { .node = node, .n = n, .a = GRAD(i) };

    switch (node->op) {
      case CSNN__SEG_INPUT:
        break;
      case CSNN__SEG_HEAD:
        conv_backward(t, n, i, GRAD(i));
        break;
      case CSNN__SEG_CONV: {
        float *z = Z(i), *dz = base + t->dz_offset * (size_t)n,
              *stats = z + csnn__seg_node_floats(node) * (size_t)n;
        seg_job bn = { .kind = SJ_BN_ACT_BWD,
                       .node = node,
                       .n = n,
                       .a = z,
                       .b = OUT(i),
                       .c = GRAD(i),
                       .d = seg->params[node->p_bn].data,
                       .e = seg->params[node->p_bn + 1].data,
                       .f = stats,
                       .g = stats + node->c,
                       .o1 = dz,
                       .o2 = t->grads[node->p_bn],
                       .o3 = t->grads[node->p_bn + 1] };
        run(t, &bn);
        conv_backward(t, n, i, dz);
        break;
      }
      case CSNN__SEG_POOL:
        if (in == 0)
          break;
        j.kind = SJ_POOL_BWD;
        j.a = OUT(in);
        j.b = GRAD(i);
        j.o1 = GRAD(in);
        run(t, &j);
        break;
      case CSNN__SEG_UP:
        j.kind = SJ_UP_BWD;
        j.o1 = GRAD(in);
        run(t, &j);
        break;
      case CSNN__SEG_CAT:
        j.kind = SJ_CAT_BWD;
        j.o1 = GRAD(in);
        j.o2 = GRAD(node->in[1]);
        run(t, &j);
        break;
    }
  }
}

int
csnn_seg_trainer_step(csnn_seg_trainer *t, const float *input, const float *masks, int n,
                      double dice_weight, float *loss, float *logits)
{
  csnn_seg *seg = t->seg;
  float *base = t->store.base;
  size_t hw = (size_t)seg->shape.height * (size_t)seg->shape.width;
  int head = seg->n_nodes - 1;

  if (n < 1 || n > t->max_batch || input == NULL || masks == NULL || loss == NULL)
    return csnn_set_error(CSNN_ERR_INVALID, "a U-Net training step takes 1 to %d images",
                          t->max_batch);
  memcpy(OUT(0), input, (size_t)n * hw * sizeof(float));
  forward(t, n);
  memset(GRAD(0), 0, seg->plan_floats * (size_t)n * sizeof(float));
  memset(t->grad_data, 0, t->grad_floats * sizeof(float));
  *loss = (float)csnn_seg_loss(n, hw, OUT(head), masks, dice_weight, NULL, NULL, GRAD(head));
  if (logits != NULL)
    memcpy(logits, OUT(head), (size_t)n * hw * sizeof(float));
  backward(t, n);
  seg->run_stale = 1; /* The running statistics moved. */
  return CSNN_OK;
}
