/* csnn-seg-private.h — the inside of a segmentation network, shared by its builder, runner and
 * trainer
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <pthread.h>

#include "csnn-ops.h"
#include "csnn-seg.h"
#include "csnn-tensor.h"

/* The operators a node of the U-Net can be. */
typedef enum {
  CSNN__SEG_INPUT,
  CSNN__SEG_CONV, /* 3 x 3 convolution without bias, batch norm, ReLU. */
  CSNN__SEG_POOL, /* 2 x 2 max pooling. */
  CSNN__SEG_UP,   /* Bilinear x2 upsampling. */
  CSNN__SEG_CAT,  /* in[0] then in[1] along channels. */
  CSNN__SEG_HEAD  /* 1 x 1 convolution with a bias: the logits. */
} csnn__seg_op;

typedef struct {
  csnn__seg_op op;
  int in[2];
  int c, h, w; /* Output shape of one image. */
  csnn_conv2d_desc conv;
  csnn_pool2d_desc pool;
  int p_weight, p_bias; /* Parameter indices, -1 when absent. */
  int p_bn;             /* The norm's weight; its bias, running mean and variance follow. */
  size_t offset;        /* Floats from the start of one image's activations. */
  size_t run_offset;    /* Where the inference weights (packed, then the bias) start. */
} csnn__seg_node;

/* The norms' epsilon and momentum, PyTorch's defaults. */
#define CSNN__SEG_BN_EPS      1e-5f
#define CSNN__SEG_BN_MOMENTUM 0.1f

struct csnn_seg {
  csnn_seg_shape shape;
  csnn_norm norm;
  char **meta_keys, **meta_values;
  size_t n_meta;
  char *sha256;

  csnn_param *params;
  size_t n_params;
  float *param_data;

  csnn__seg_node *nodes;
  int n_nodes;
  size_t plan_floats; /* Activations of one image. */
  size_t run_floats;  /* Folded, packed inference weights and biases. */
  size_t scratch_floats;
  float *run;
  int run_stale;

  pthread_mutex_t lock;
  csnn_arena acts; /* Inference activations of one batch. */
  float *scratch;  /* nth x scratch_floats. */
  int batch;       /* Images the arena holds. */
};

/* Returns the floats of one image's output of @node. */
static inline size_t
csnn__seg_node_floats(const csnn__seg_node *node)
{
  return (size_t)node->c * (size_t)node->h * (size_t)node->w;
}

/* Returns the floats one thread needs for the convolutions of @seg, forward and backward. */
size_t csnn__seg_scratch_floats(const csnn_seg *seg);
