/* csnn-net-run.c — batched inference: folded weights, per-thread workspaces and the runner
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Running a batch: with at least as many images as threads, every pool thread takes whole
 * images, one at a time, through the whole network on its own (no barriers, and OpenBLAS single
 * threaded inside); with fewer images, all threads go through each image together, every
 * operator split between them, meeting at a barrier after each, but for a squeeze-and-excitation's
 * two tiny convolutions, which each thread computes whole for itself. A depthwise convolution
 * followed by a global pooling computes the pooling of each plane it writes. Either way an image's
 * logits are the same on the vector paths: each output value is computed by the same arithmetic
 * whichever thread does it.
 *
 * Memory: the activations of one image follow the plan made when the network was built
 * (csnn-net.c), and each thread's arena is allocated once and reused for every image and every
 * call.
 */
#include "csnn-net-private.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csnn-pool.h"
#include "csnn-simd.h"

/* ---- folded weights ---- */

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
    next += csnn__node_run_floats(node);
  }
  free(tmp);
  net->folded_stale = 0;
  return CSNN_OK;
}

/* ---- running ---- */

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

/* A squeeze-and-excitation's two small convolutions (1 x 1 inputs and outputs, weights of at most
 * this many floats) are computed whole by every thread of a team, each into its own scratch, so
 * that no thread waits for another between them: less work than two meetings at a barrier. */
#define PRIVATE_MAX_WEIGHTS 32768

/* What one thread of a team computes for itself: up to two recent nodes' outputs in its scratch,
 * and the span of shared activations those computations read since the last barrier (a later
 * node must not overwrite it before every thread has read it). */
typedef struct {
  int node[2];
  float *data[2];
  size_t read_lo, read_hi;
  int pool_node;    /* A global pooling computed by the convolution before it, or -1. */
  float *pool_data; /* Its output: in thread 0's scratch in a team, else in the thread's own. */
} private_outs;

static const float *
node_output(const csnn_net *net, float *acts, const float *input, const private_outs *priv, int i)
{
  if (priv != NULL) {
    for (int s = 0; s < 2; s++)
      if (priv->node[s] == i)
        return priv->data[s];
    if (priv->pool_node == i)
      return priv->pool_data;
  }
  return i == 0 ? input : acts + net->nodes[i].offset;
}

static int conv_fuses_depthwise(const run_job *job, int i);

/* The least tensor (floats) a 1 x 1 convolution fused with the depthwise one after it must save
 * when a global pooling reads the depthwise output (4 MiB). */
#define GAP_FUSE_MIN_FLOATS 1048576

/* Whether the node after node @i is a global pooling of its output. */
static int
gap_reads(const csnn_net *net, int i)
{
  return i + 1 < net->n_nodes && net->nodes[i + 1].op == CSNN__NODE_GAP &&
         net->nodes[i + 1].in[0] == i;
}

/* Whether node @i is a depthwise convolution whose output the global pooling right after it
 * reads: the convolution then computes the pooling too, into scratch (the pooling's own memory
 * may be planned over the convolution's input). Not when the 1 x 1 convolution before computes
 * the depthwise one band by band: the pooling then reads the finished output itself (the same
 * sums, so the same means). */
static int
conv_feeds_pool(const run_job *job, int i)
{
  const csnn_net *net = job->net;
  const csnn__node *node = &net->nodes[i];

  return gap_reads(net, i) && i + 1 != job->tap && node->op == CSNN__NODE_CONV &&
         !node->fused_concat && !node->fused_add && csnn_conv2d_is_depthwise(&node->conv) &&
         !(i > 0 && conv_fuses_depthwise(job, i - 1));
}

/* Whether convolution node @i computes the max pooling right after it, the only reader of its
 * output, band by band (csnn_conv2d_forward_packed_pool()): its own output is then never written,
 * so not when it is the tap. */
static int
conv_fuses_pool(const run_job *job, int i)
{
  const csnn_net *net = job->net;
  const csnn__node *node = &net->nodes[i];

  return i + 1 < net->n_nodes && i != job->tap && node->op == CSNN__NODE_CONV &&
         !node->fused_concat && !node->fused_add && !node->fused_scale && node->last_use == i + 1 &&
         net->nodes[i + 1].op == CSNN__NODE_POOL && net->nodes[i + 1].in[0] == i &&
         csnn_conv2d_pool_fusable(&node->conv, &net->nodes[i + 1].pool, 0);
}

/* Whether 1 x 1 convolution node @i computes the depthwise convolution right after it, the only
 * reader of its output, band by band (csnn_conv2d_forward_packed_depthwise()): its own output is
 * then never written, so not when it is the tap, nor when the depthwise one writes a sum. A
 * squeeze-and-excitation pooling after the depthwise one (EfficientNet) then runs on its own,
 * reading the output again, which pays only when the tensor the fusion saves is far larger than
 * a core's L2 cache: at least GAP_FUSE_MIN_FLOATS (EfficientNet-B0 at 224, CSNN_PROFILE, AMD EPYC
 * with AVX-512, six alternating runs: its 4.8 MB expansion at 112 x 112 and the depthwise and
 * pooling after it took 0.52-0.63 ms a frame fused against 0.64-0.77 unfused; its 1.8 MB ones at
 * 56 x 56 took 0.23-0.27 against 0.20-0.25, and are not fused). */
static int
conv_fuses_depthwise(const run_job *job, int i)
{
  const csnn_net *net = job->net;
  const csnn__node *node = &net->nodes[i], *next;

  if (i + 1 >= net->n_nodes || i == job->tap || node->op != CSNN__NODE_CONV || node->fused_concat ||
      node->fused_add || node->fused_scale || node->last_use != i + 1)
    return 0;
  next = &net->nodes[i + 1];
  return next->op == CSNN__NODE_CONV && next->in[0] == i && !next->fused_concat &&
         !next->fused_add && !next->fused_scale &&
         !(gap_reads(net, i + 1) &&
           (size_t)node->conv.c_out * (size_t)node->conv.h_out * (size_t)node->conv.w_out <
               GAP_FUSE_MIN_FLOATS) &&
         csnn_conv2d_depthwise_fusable(&node->conv, &next->conv, 0);
}

/* Returns the scratch slot (0 or 1) in which node @i of a team is computed by each thread for
 * itself, or -1 when it is computed once, shared out. */
static int
private_slot(const run_job *job, const private_outs *priv, int i, int nth)
{
  const csnn_net *net = job->net;
  const csnn__node *node = &net->nodes[i];

  if (nth <= 1 || i == job->tap || node->op != CSNN__NODE_CONV || node->h != 1 || node->w != 1 ||
      node->conv.h_in != 1 || node->conv.w_in != 1 || node->fused_add || node->fused_scale ||
      node->fused_concat ||
      (size_t)node->conv.c_out * (size_t)(node->conv.c_in / node->conv.groups) >
          PRIVATE_MAX_WEIGHTS)
    return -1;
  /* A slot is free once its node has been read for the last time. */
  for (int s = 0; s < 2; s++)
    if (priv->node[s] < 0 || net->nodes[priv->node[s]].last_use < i)
      return s;
  return -1;
}

/* The floats of one private slot, and of a pooling computed by a convolution: the largest
 * output of a 1 x 1 node. */
static size_t
private_floats(const csnn_net *net)
{
  size_t most = 0;

  for (int i = 1; i < net->n_nodes; i++)
    if (net->nodes[i].h == 1 && net->nodes[i].w == 1 && (size_t)net->nodes[i].c > most)
      most = (size_t)net->nodes[i].c;
  return (most + 15) / 16 * 16;
}

/* Where the private slots, then a pooling computed by a convolution, start in a thread's scratch
 * (64-byte aligned). */
static float *
private_base(const csnn_net *net, float *scratch)
{
  float *p = scratch + (net->scratch_floats + 15) / 16 * 16 + input_floats(net) +
             ((size_t)net->input_size * (size_t)net->input_size + 3) / 4 + 16;

  return (float *)(void *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}

/* The per-thread scratch: convolution columns, then one input image, then one resampled crop,
 * then the two private slots (see private_outs). */
static size_t
scratch_floats(const csnn_net *net)
{
  size_t s = (size_t)net->input_size * (size_t)net->input_size;
  return (net->scratch_floats + 15) / 16 * 16 + input_floats(net) + (s + 3) / 4 + 16 + 16 +
         3 * private_floats(net);
}

/* Runs convolution node @i: with a squeeze-and-excitation scale, the weights scaled first (the
 * scale applied to the weights instead of the activations), and a residual added in the
 * epilogue; with @means, the global pooling of its output as well. */
static void
run_conv(const run_job *job, int i, float *acts, const float *input, const private_outs *priv,
         float *y, float *means, float *scratch, int ith, int nth)
{
  const csnn_net *net = job->net;
  const csnn__node *node = &net->nodes[i];
  const float *weights = node->w_run;
  const float *a = node_output(net, acts, input, priv, node->in[0]);

  if (node->fused_scale) {
    const csnn__node *mul = &net->nodes[node->fused_scale];
    const float *scale = node_output(net, acts, input, priv, mul->in[1]);
    float *scaled = scratch + net->scaled_offset;
    int k = node->conv.c_in, p0, p1;

    /* Packed panels hold, for each input channel k, CSNN_GEMM_MR output rows; only those this
     * thread's share of the convolution reads are scaled. */
    csnn_conv2d_packed_panels(&node->conv, 1, ith, nth, &p0, &p1);
    for (size_t p = (size_t)p0; p < (size_t)(p1 > p0 ? p1 : p0); p++)
      for (int c = 0; c < k; c++) {
        const float *src = node->w_run + (p * (size_t)k + (size_t)c) * CSNN_GEMM_MR;
        float *dst = scaled + (p * (size_t)k + (size_t)c) * CSNN_GEMM_MR;

        for (int r = 0; r < CSNN_GEMM_MR; r++)
          dst[r] = src[r] * scale[c];
      }
    weights = scaled;
    a = node_output(net, acts, input, priv, mul->in[0]);
  }
  if (node->fused_add) {
    const csnn__node *add = &net->nodes[node->fused_add];

    csnn_conv2d_forward_packed_residual(&node->conv, 1, a, weights, node->b_run,
                                        node_output(net, acts, input, priv, add->in[0]),
                                        acts + add->offset, scratch, ith, nth);
  } else if (means != NULL) {
    csnn_conv2d_forward_packed_means(&node->conv, 1, a, weights, node->b_run, y, means, scratch,
                                     ith, nth);
  } else {
    csnn_conv2d_forward_packed(&node->conv, 1, a, weights, node->b_run, y, scratch, ith, nth);
  }
}

/* Returns nonzero when node @i writes activations, and sets the span it writes (its output, or
 * the sum or concatenation it writes into). */
static int
node_writes(const run_job *job, int i, size_t *lo, size_t *hi)
{
  const csnn_net *net = job->net;
  const csnn__node *node = &net->nodes[i];

  if (node->op == CSNN__NODE_INPUT || (node->op != CSNN__NODE_CONV && node->fused) ||
      (node->op == CSNN__NODE_GAP && conv_feeds_pool(job, i - 1)) ||
      (node->op == CSNN__NODE_POOL && conv_fuses_pool(job, i - 1)) ||
      (node->op == CSNN__NODE_CONV && conv_fuses_depthwise(job, i - 1)))
    return 0;
  if (node->op == CSNN__NODE_CONV && (conv_fuses_pool(job, i) || conv_fuses_depthwise(job, i)))
    node = &net->nodes[i + 1];
  else if (node->op == CSNN__NODE_CONV && node->fused_add)
    node = &net->nodes[node->fused_add];
  else if (node->op == CSNN__NODE_CONV && node->fused_concat)
    node = &net->nodes[node->fused_concat];
  *lo = node->offset;
  *hi = node->offset + (size_t)node->c * (size_t)node->h * (size_t)node->w;
  return 1;
}

static double
now_ms(void)
{
  struct timespec t;

  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/* Runs one image through every node; threads ith of nth share each operator and meet at a
 * barrier after it, except where a thread computes a node for itself (private_slot()). With
 * @profile (n_nodes values), adds each node's milliseconds to it; a node a thread computes for
 * itself counts with the next shared one. */
static void
run_nodes(const run_job *job, float *acts, const float *input, float *scratch, int ith, int nth,
          double *profile)
{
  double mark = profile != NULL ? now_ms() : 0.0;

  const csnn_net *net = job->net;
  private_outs priv = { { -1, -1 }, { NULL, NULL }, 0, 0, -1, NULL };
  float *slots = private_base(net, scratch);

  priv.data[0] = slots;
  priv.data[1] = slots + private_floats(net);
  priv.pool_data =
      private_base(net, nth > 1 ? net->ws[0].scratch.base : scratch) + 2 * private_floats(net);
  for (int i = 1; i < net->n_nodes; i++) {
    const csnn__node *node = &net->nodes[i];
    int barrier = 1, slot = private_slot(job, &priv, i, nth);
    const float *a = node_output(net, acts, input, &priv, node->in[0]);
    const float *b = node->in[1] >= 0 ? node_output(net, acts, input, &priv, node->in[1]) : NULL;
    float *y = acts + node->offset;
    size_t hw = (size_t)node->h * (size_t)node->w, lo, hi;

    if (slot >= 0) {
      /* Computed whole by this thread: note the shared input it reads. */
      const csnn__node *src = &net->nodes[node->in[0]];
      int shared_in = node_output(net, acts, input, &priv, node->in[0]) == acts + src->offset;

      if (shared_in && priv.read_lo == priv.read_hi) {
        priv.read_lo = src->offset;
        priv.read_hi = src->offset + (size_t)src->c;
      } else if (shared_in) {
        priv.read_lo = src->offset < priv.read_lo ? src->offset : priv.read_lo;
        priv.read_hi = src->offset + (size_t)src->c > priv.read_hi ? src->offset + (size_t)src->c
                                                                   : priv.read_hi;
      }
      priv.node[slot] = i;
      run_conv(job, i, acts, input, &priv, priv.data[slot], NULL, scratch, 0, 1);
      continue;
    }
    if (priv.read_lo != priv.read_hi && node_writes(job, i, &lo, &hi) && lo < priv.read_hi &&
        priv.read_lo < hi) {
      /* A shared node must not overwrite what a slower thread may still be reading. */
      csnn_pool_barrier(job->pool, nth);
      priv.read_lo = priv.read_hi = 0;
    }
    switch (node->op) {
      case CSNN__NODE_INPUT:
        break;
      case CSNN__NODE_CONV:
        if (conv_fuses_depthwise(job, i - 1)) {
          barrier = 0; /* Done by the convolution before it. */
          break;
        }
        if (conv_fuses_depthwise(job, i)) {
          const csnn__node *dw = &net->nodes[i + 1];

          csnn_conv2d_forward_packed_depthwise(&node->conv, &dw->conv, 1, a, node->w_run,
                                               node->b_run, dw->w_run, dw->b_run, acts + dw->offset,
                                               scratch, ith, nth);
          break;
        }
        if (conv_fuses_pool(job, i)) {
          csnn_conv2d_forward_packed_pool(&node->conv, &net->nodes[i + 1].pool, 1, a, node->w_run,
                                          node->b_run, acts + net->nodes[i + 1].offset, scratch,
                                          ith, nth);
          break;
        }
        if (conv_feeds_pool(job, i))
          priv.pool_node = i + 1;
        run_conv(job, i, acts, input, &priv, y, conv_feeds_pool(job, i) ? priv.pool_data : NULL,
                 scratch, ith, nth);
        break;
      case CSNN__NODE_POOL:
        if (conv_fuses_pool(job, i - 1)) {
          barrier = 0; /* Done by the convolution before it. */
          break;
        }
        csnn_pool2d_forward(&node->pool, 1, a, y, ith, nth);
        break;
      case CSNN__NODE_GAP: {
        const csnn__node *src = &net->nodes[node->in[0]];

        if (conv_feeds_pool(job, i - 1)) {
          barrier = 0; /* Done by the convolution before it. */
          break;
        }
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
    if (barrier) {
      csnn_pool_barrier(job->pool, nth);
      priv.read_lo = priv.read_hi = 0;
    }
    if (profile != NULL) {
      double t = now_ms();

      profile[i] += t - mark;
      mark = t;
    }
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
      run_nodes(job, acts, input, net->ws[ith].scratch.base, ith, nth,
                ith == 0 && net->profile_ms != NULL ? net->profile_ms : NULL);
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
    run_nodes(job, acts, input, net->ws[ith].scratch.base, 0, 1,
              net->profile_ms != NULL && ith < net->profile_threads
                  ? net->profile_ms + (size_t)ith * (size_t)net->n_nodes
                  : NULL);
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

/* A lone image (fewer images than threads) runs on all threads, every operator split between
 * them, or on one thread alone, whichever was faster per image lately: on a machine busier than
 * its cores, a thread of the team is often not running when the others reach a barrier, and one
 * thread alone is then faster (SqueezeNet 1.1 beside a two-thread training on 2 cores: 7.6 ms
 * alone, 13.8 ms shared). The other way is tried again every TEAM_PROBE_EVERY calls (every
 * SOLO_PROBE_EVERY calls while one thread is faster, to come back soon once the machine is
 * quiet); the first call, which allocates and folds, is not measured. Both ways give the same bits
 * on the vector paths; the portable path always shares (OpenBLAS rounds with the shape of its
 * calls). */
#define TEAM_PROBE_EVERY 64
#define SOLO_PROBE_EVERY 8

void
csnn__net_set_team_mode(csnn_net *net, csnn__team_mode mode)
{
  pthread_mutex_lock(&net->lock);
  net->team_mode = mode;
  pthread_mutex_unlock(&net->lock);
}

/* Whether this call of fewer images than threads runs on one thread. */
static int
team_run_alone(csnn_net *net)
{
  int alone;

  net->team_calls++;
  if (net->team_mode != CSNN__TEAM_AUTO || csnn__simd() == CSNN_SIMD_PORTABLE)
    return net->team_mode == CSNN__TEAM_NEVER;
  if (net->team_ms <= 0.0)
    return 0;
  if (net->solo_ms <= 0.0)
    return 1;
  alone = net->solo_ms < net->team_ms;
  if (net->team_calls % (alone ? SOLO_PROBE_EVERY : TEAM_PROBE_EVERY) == 0)
    return !alone;
  return alone;
}

/* Records the milliseconds per image of a call run @alone or shared. */
static void
team_record(csnn_net *net, int alone, double ms)
{
  double *recent = alone ? &net->solo_ms : &net->team_ms;

  if (net->team_calls <= 1)
    return;
  *recent = *recent > 0.0 ? 0.75 * *recent + 0.25 * ms : ms;
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
  if (status == CSNN_OK && net->profile_ms == NULL && getenv("CSNN_PROFILE") != NULL) {
    net->profile_ms = calloc((size_t)n_threads * (size_t)net->n_nodes, sizeof(double));
    net->profile_threads = net->profile_ms != NULL ? n_threads : 0;
  }
  if (status == CSNN_OK) {
    int few = job.team, alone = few && team_run_alone(net);
    double start = now_ms();

    if (net->profile_ms != NULL)
      net->profile_images[few && !alone] += n;

    /* Alone: thread 0 takes the images one after another, as in a batch. */
    job.team = few && !alone;
    csnn_pool_run_n(pool, alone ? 1 : n_threads, run_worker, &job);
    if (few)
      team_record(net, alone, (now_ms() - start) / (double)n);
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
        float prob[CSNN__MAX_CLASSES];

        /* Softmax over a row of logits; p(CTS) is the CTS class's share. */
        if (classes > CSNN__MAX_CLASSES)
          break;
        csnn_softmax_forward(1, (int)classes, logits + i * classes, prob);
        p_cts[i] = prob[cts];
      }
  }
  return CSNN_OK;
}

static const char *
node_op_name(const csnn__node *node)
{
  switch (node->op) {
    case CSNN__NODE_INPUT:
      return "input";
    case CSNN__NODE_CONV:
      return node->conv.groups > 1 && node->conv.groups == node->conv.c_in ? "depthwise" : "conv";
    case CSNN__NODE_POOL:
      return "pool";
    case CSNN__NODE_GAP:
      return "global pool";
    case CSNN__NODE_ADD:
      return "add";
    case CSNN__NODE_MUL_CH:
      return "scale";
    case CSNN__NODE_CONCAT:
      return "concat";
    case CSNN__NODE_LINEAR:
      return "linear";
  }
  return "?";
}

void
csnn__net_print_profile(const csnn_net *net)
{
  size_t images = net->profile_images[0] + net->profile_images[1];
  double total = 0.0;

  if (net->profile_ms == NULL || images == 0)
    return;
  for (size_t j = 0; j < (size_t)net->profile_threads * (size_t)net->n_nodes; j++)
    total += net->profile_ms[j];
  fprintf(stderr,
          "CSNN_PROFILE %s: %zu images shared by the threads, %zu run whole by one thread; "
          "milliseconds per image (wall time when shared, one thread's time when whole)\n",
          net->arch, net->profile_images[1], net->profile_images[0]);
  fprintf(stderr, "%4s  %-11s %26s %9s %6s\n", "node", "op", "shape", "ms", "share");
  for (int i = 1; i < net->n_nodes; i++) {
    const csnn__node *node = &net->nodes[i];
    double ms = 0.0;
    char shape[64];

    for (int t = 0; t < net->profile_threads; t++)
      ms += net->profile_ms[(size_t)t * (size_t)net->n_nodes + (size_t)i];
    if (ms == 0.0)
      continue;
    if (node->op == CSNN__NODE_CONV)
      snprintf(shape, sizeof shape, "%d>%d k%d s%d %dx%d", node->conv.c_in, node->c, node->conv.kh,
               node->conv.stride_h, node->h, node->w);
    else
      snprintf(shape, sizeof shape, "%d %dx%d", node->c, node->h, node->w);
    fprintf(stderr, "%4d  %-11s %26s %9.4f %5.1f%%\n", i, node_op_name(node), shape,
            ms / (double)images, 100.0 * ms / total);
  }
  fprintf(stderr, "total %.4f ms per image\n", total / (double)images);
}
