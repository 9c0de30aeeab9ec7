/* csnn-gradcam.c — Grad-CAM's features: the last block's activations and their gradients
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The activations come from one inference run that copies the features node's output on the
 * way (csnn__net_forward_tap()); the gradients go back through the classifier alone, which in
 * the three architectures is either global pooling then a linear layer or a 1 x 1 convolution
 * then global pooling, so they are written in closed form and need no training state.
 */
#include "csnn-train.h"

#include <stdlib.h>
#include <string.h>

#include "csnn-net-private.h"

/* The node whose output is torchvision's "features": the input of the classifier. */
static int
features_node(const csnn_net *net)
{
  const csnn__node *last = &net->nodes[net->n_nodes - 1];

  if (last->op == CSNN__NODE_GAP) /* SqueezeNet: features -> conv -> GAP. */
    return net->nodes[last->in[0]].in[0];
  return net->nodes[last->in[0]].in[0]; /* features -> GAP -> linear. */
}

/* How the classifier reads the features: GAP then linear (MobileNetV2, EfficientNet-B0) or a
 * 1 x 1 convolution then GAP (SqueezeNet); -1 for anything else. */
static int
head_kind(const csnn_net *net, int f)
{
  const csnn__node *last = &net->nodes[net->n_nodes - 1];
  const csnn__node *mid = &net->nodes[last->in[0]];

  if (last->op == CSNN__NODE_LINEAR && mid->op == CSNN__NODE_GAP && mid->in[0] == f)
    return 0;
  if (last->op == CSNN__NODE_GAP && mid->op == CSNN__NODE_CONV && mid->in[0] == f &&
      mid->conv.kh == 1 && mid->conv.kw == 1 && mid->conv.stride_h == 1 &&
      mid->conv.stride_w == 1 && mid->conv.groups <= 1 && mid->p_bn < 0 &&
      (mid->conv.act == CSNN_ACT_RELU || mid->conv.act == CSNN_ACT_NONE))
    return 1;
  return -1;
}

int
csnn_net_gradcam_forward(csnn_net *net, const float *image, float *activations, float *logits,
                         int *c, int *h, int *w)
{
  const csnn__node *node;
  int f;

  if (net == NULL || c == NULL || h == NULL || w == NULL)
    return csnn_set_error(CSNN_ERR_INVALID, "gradcam: missing argument");
  f = features_node(net);
  node = &net->nodes[f];
  *c = node->c;
  *h = node->h;
  *w = node->w;
  if (activations == NULL && logits == NULL)
    return CSNN_OK;
  if (image == NULL || activations == NULL || logits == NULL)
    return csnn_set_error(CSNN_ERR_INVALID, "gradcam: no image or output");
  if (head_kind(net, f) < 0)
    return csnn_set_error(CSNN_ERR_INVALID, "gradcam: %s has an unknown classifier", net->arch);
  return csnn__net_forward_tap(net, image, f, activations, logits);
}

int
csnn_net_gradcam_backward(csnn_net *net, const float *activations, const float *dlogits,
                          float *gradients)
{
  int f, kind, classes;
  const csnn__node *node, *last, *mid;
  size_t hw, channels;
  const float *weight;

  if (net == NULL || activations == NULL || dlogits == NULL || gradients == NULL)
    return csnn_set_error(CSNN_ERR_INVALID, "gradcam: missing argument");
  f = features_node(net);
  kind = head_kind(net, f);
  if (kind < 0)
    return csnn_set_error(CSNN_ERR_INVALID, "gradcam: %s has an unknown classifier", net->arch);
  node = &net->nodes[f];
  last = &net->nodes[net->n_nodes - 1];
  mid = &net->nodes[last->in[0]];
  classes = net->num_classes;
  hw = (size_t)node->h * (size_t)node->w;
  channels = (size_t)node->c;
  memset(gradients, 0, channels * hw * sizeof(float));
  if (kind == 0) {
    /* logit_k = b_k + sum_c W[k][c] mean_p A[c][p]: the gradient is W[k][c] / hw everywhere. */
    weight = net->params[last->p_weight].data;
    for (size_t ch = 0; ch < channels; ch++) {
      double g = 0;

      for (int k = 0; k < classes; k++)
        g += (double)dlogits[k] * weight[(size_t)k * channels + ch];
      for (size_t p = 0; p < hw; p++)
        gradients[ch * hw + p] = (float)(g / (double)hw);
    }
    return CSNN_OK;
  }
  /* logit_k = mean_p act(z_k[p]), z_k[p] = b_k + sum_c W[k][c] A[c][p]. */
  weight = net->params[mid->p_weight].data;
  for (int k = 0; k < classes; k++) {
    const float *wk = weight + (size_t)k * channels;
    float bias = mid->p_bias >= 0 ? net->params[mid->p_bias].data[k] : 0.0f;

    if (dlogits[k] == 0.0f)
      continue;
    for (size_t p = 0; p < hw; p++) {
      float z = bias, scale;

      if (mid->conv.act == CSNN_ACT_RELU) {
        for (size_t ch = 0; ch < channels; ch++)
          z += wk[ch] * activations[ch * hw + p];
        if (z <= 0.0f)
          continue;
      }
      scale = dlogits[k] / (float)hw;
      for (size_t ch = 0; ch < channels; ch++)
        gradients[ch * hw + p] += scale * wk[ch];
    }
  }
  return CSNN_OK;
}

int
csnn_net_gradcam_features(csnn_net *net, const float *image, int class_index, float *activations,
                          float *gradients, int *c, int *h, int *w, float *logits)
{
  float dlogits[CSNN_GRADCAM_MAX_CLASSES] = { 0 }, own_logits[CSNN_GRADCAM_MAX_CLASSES];
  float *acts;
  int status;

  status = csnn_net_gradcam_forward(net, NULL, NULL, NULL, c, h, w);
  if (status != CSNN_OK || (activations == NULL && gradients == NULL && logits == NULL))
    return status;
  if (image == NULL || class_index < 0 || class_index >= net->num_classes ||
      net->num_classes > CSNN_GRADCAM_MAX_CLASSES)
    return csnn_set_error(CSNN_ERR_INVALID, "gradcam: no image or class %d out of range",
                          class_index);
  acts = activations != NULL ? activations : malloc((size_t)*c * *h * *w * sizeof(float));
  if (acts == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "gradcam: cannot allocate the features");
  status = csnn_net_gradcam_forward(net, image, acts, own_logits, c, h, w);
  if (status == CSNN_OK && logits != NULL)
    memcpy(logits, own_logits, (size_t)net->num_classes * sizeof(float));
  dlogits[class_index] = 1.0f;
  if (status == CSNN_OK && gradients != NULL)
    status = csnn_net_gradcam_backward(net, acts, dlogits, gradients);
  if (acts != activations)
    free(acts);
  return status;
}
