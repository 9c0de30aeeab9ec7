/* csnn-net-run.c — batched inference: folded weights, per-thread workspaces and the runner
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Running a batch: with at least as many images as threads, every pool thread takes whole
 * images, one at a time, through the whole network on its own (no barriers, and OpenBLAS single
 * threaded inside); with fewer images, all threads go through each image together, every
 * operator split between them, meeting at a barrier after each. Either way an image's logits
 * are the same: each output value is computed by the same arithmetic whichever thread does it.
 *
 * Memory: the activations of one image follow the plan made when the network was built
 * (csnn-net.c), and each thread's arena is allocated once and reused for every image and every
 * call.
 */
#include "csnn-net-private.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

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
