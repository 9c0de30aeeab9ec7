/* csnn-net-private.h — the inside of a network, shared by its builder, loader, runner and trainer
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <pthread.h>
#include <string.h>

#include "csnn-net.h"
#include "csnn-ops.h"
#include "csnn-tensor.h"

/* The operators a node can be. Dropout and stochastic depth are not nodes: they are the identity
 * at inference and are recorded as drop_p on the node that consumes them (the linear layer after
 * a dropout, the residual add after a stochastic depth), where training will apply them. */
typedef enum {
  CSNN__NODE_INPUT,
  CSNN__NODE_CONV,   /* Convolution, optional batch norm, activation. */
  CSNN__NODE_POOL,   /* Max or average pooling. */
  CSNN__NODE_GAP,    /* Global (adaptive 1 x 1) average pooling. */
  CSNN__NODE_ADD,    /* in[0] + in[1] (a residual connection). */
  CSNN__NODE_MUL_CH, /* in[0] scaled per channel by in[1] (squeeze-and-excitation). */
  CSNN__NODE_CONCAT, /* in[0] and in[1] along channels. */
  CSNN__NODE_LINEAR  /* Flatten then a fully connected layer. */
} csnn__node_op;

typedef struct {
  csnn__node_op op;
  int in[2];
  int c, h, w; /* Output shape of one image. */
  csnn_conv2d_desc conv;
  csnn_pool2d_desc pool;
  int p_weight, p_bias; /* Parameter indices, -1 when absent. */
  int p_bn;             /* Index of the norm's weight; bias, running mean, var follow. */
  float bn_eps;
  float drop_p;
  const float *w_run, *b_run; /* The weights inference uses (folded when p_bn >= 0). */
  size_t offset;              /* Floats from the start of one image's activations. */
  int fused_add;    /* Inference only: the residual ADD node (read by nothing else) whose sum this
                     * convolution writes directly; 0 when none. */
  int fused_scale;  /* Inference only: the squeeze-and-excitation MUL_CH node whose per-channel
                     * scale this convolution applies to its weights instead; 0 when none. */
  int fused_concat; /* Inference only: the CONCAT node this convolution writes its channels
                     * into directly; 0 when none. */
  int fused;        /* Inference only: this ADD, MUL_CH or CONCAT is done by a neighbouring
                     * convolution. */
  int last_use;     /* The last node reading this one's output. */
} csnn__node;

/* The most classes a network may have. */
#define CSNN__MAX_CLASSES 4096

/* The floats a convolution node's inference weights take: packed weights and a bias. */
static inline size_t
csnn__node_run_floats(const csnn__node *node)
{
  return (csnn_conv2d_packed_floats(&node->conv) + 15) / 16 * 16 +
         ((size_t)node->conv.c_out + 15) / 16 * 16;
}

/* Whether @name ends with @suffix (parameter names: ".running_var", ".num_batches_tracked"). */
static inline int
csnn__name_ends_with(const char *name, const char *suffix)
{
  size_t a = strlen(name), b = strlen(suffix);
  return a >= b && strcmp(name + a - b, suffix) == 0;
}

/* How a batch of fewer images than threads runs: chosen by measuring both ways now and then
 * (the default), or always one way (tests). */
typedef enum { CSNN__TEAM_AUTO = 0, CSNN__TEAM_ALWAYS, CSNN__TEAM_NEVER } csnn__team_mode;

/* Working memory of one pool thread. */
typedef struct {
  csnn_arena acts;    /* Activations of the images this thread runs alone. */
  csnn_arena scratch; /* Convolution scratch, crop resampling and the input image. */
} csnn__workspace;

struct csnn_net {
  char *arch;
  int num_classes;
  int input_size;
  csnn_norm norm;
  char **class_names;
  char **meta_keys, **meta_values;
  size_t n_meta;
  char *sha256;

  csnn_param *params;
  size_t n_params;
  float *param_data;
  float *folded; /* Folded conv weights and biases. */
  int folded_stale;

  csnn__node *nodes;
  int n_nodes;
  size_t plan_floats;    /* Activations of one image. */
  size_t scratch_floats; /* Per-thread scratch: conv scratch, then scaled weights. */
  size_t scaled_offset;  /* Where the scaled weights of a fused squeeze-and-excitation start. */
  int max_batch;

  pthread_mutex_t lock;
  csnn__workspace *ws;
  int n_ws;

  /* Fewer images than threads: shared by all threads, or run on one (csnn-net-run.c). */
  csnn__team_mode team_mode;
  unsigned team_calls;
  double team_ms, solo_ms; /* Recent milliseconds per image each way; 0 until measured. */

  /* With CSNN_PROFILE set: milliseconds spent in each node, per thread (profile_threads rows of
   * n_nodes), and the images they cover; printed when the network is freed (csnn-net-run.c). */
  double *profile_ms;
  int profile_threads;
  size_t profile_images[2]; /* Images run shared by all threads, and run whole by one thread. */
};

/* Prints @net's per-node profile to stderr (see csnn_net.profile_ms); nothing without one. */
void csnn__net_print_profile(const csnn_net *net);

/* Collects nodes and parameter shapes while an architecture is described. */
typedef struct {
  csnn_net *net;
  int cap_nodes;
  size_t cap_params;
  int failed;
} csnn__builder;

/* Adds a parameter called "@prefix.@suffix" of the given shape; returns its index or -1. */
int csnn__add_param(csnn__builder *b, const char *prefix, const char *suffix, int ndim, int64_t d0,
                    int64_t d1, int64_t d2, int64_t d3);

/* Adds a node (copied) and returns its index, filling in the output shape; -1 on failure. */
int csnn__add_node(csnn__builder *b, const csnn__node *node);

/* Adds a convolution reading node @in, with parameters @conv_name.weight (and .bias when
 * @has_bias) and, when @bn_name is not NULL, a batch norm @bn_name.{weight,bias,running_*}. */
int csnn__add_conv(csnn__builder *b, int in, const char *conv_name, const char *bn_name, int c_out,
                   int k, int stride, int pad, int groups, int has_bias, csnn_act act);

/* Builds the node shapes and memory plan of @net again for input images of @size x @size (the
 * size its weights' metadata names); csnn-net.c. */
int csnn__net_set_input_size(csnn_net *net, int size);

/* Runs one preprocessed image (3 x S x S) through @net at inference, writes its logits and copies
 * the output of node @tap (c x h x w floats) to @tap_out on the way; csnn-net-run.c. */
int csnn__net_forward_tap(csnn_net *net, const float *input, int tap, float *tap_out,
                          float *logits);

/* Sets how @net runs batches of fewer images than threads; csnn-net-run.c. */
void csnn__net_set_team_mode(csnn_net *net, csnn__team_mode mode);

/* Builds the nodes of @arch into @b; returns a status; csnn-arch.c. */
int csnn__build_arch(csnn__builder *b, const char *arch, int num_classes);
