/* cs-explain-net.c — scoring explanations with the built-in CNN engine
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-explain-net.h"

#include "cs-engine-error.h"
#include "csnn-train.h"

#include <math.h>

struct _CsExplainNetScorer {
  csnn_net *net;
  int class_index;
  int n_classes;
  CsExplainScoreKind kind;
  /* Grown to the largest batch seen, then reused for every later batch. */
  int capacity;
  csnn_crop *crops;
  float *logits;
};

const char *
cs_explain_score_kind_name(CsExplainScoreKind kind)
{
  return kind == CS_EXPLAIN_SCORE_LOGIT ? "logit" : "probability";
}

gboolean
cs_explain_score_kind_from_name(const char *name, CsExplainScoreKind *kind)
{
  if (g_strcmp0(name, "probability") == 0 || g_strcmp0(name, "p") == 0)
    *kind = CS_EXPLAIN_SCORE_PROBABILITY;
  else if (g_strcmp0(name, "logit") == 0)
    *kind = CS_EXPLAIN_SCORE_LOGIT;
  else
    return FALSE;
  return TRUE;
}

CsExplainNetScorer *
cs_explain_net_scorer_new(csnn_net *net, int class_index, CsExplainScoreKind kind, GError **error)
{
  g_return_val_if_fail(net != NULL, NULL);
  int n_classes = csnn_net_num_classes(net);
  if (class_index < 0 || class_index >= n_classes) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "class %d: the model has classes 0 to %d",
                class_index, n_classes - 1);
    return NULL;
  }
  CsExplainNetScorer *scorer = g_new0(CsExplainNetScorer, 1);
  scorer->net = net;
  scorer->class_index = class_index;
  scorer->n_classes = n_classes;
  scorer->kind = kind;
  return scorer;
}

void
cs_explain_net_scorer_free(CsExplainNetScorer *scorer)
{
  if (scorer == NULL)
    return;
  g_free(scorer->crops);
  g_free(scorer->logits);
  g_free(scorer);
}

void
cs_explain_net_scorer_bind(CsExplainNetScorer *net_scorer, CsExplainScorer *scorer)
{
  scorer->score = cs_explain_net_score_cb;
  scorer->score_data = net_scorer;
}

gboolean
cs_explain_net_score_cb(const guint8 *images, int n_images, int width, int height, float *scores,
                        gpointer data, GError **error)
{
  CsExplainNetScorer *s = data;

  if (n_images > s->capacity) {
    s->capacity = n_images;
    s->crops = g_renew(csnn_crop, s->crops, n_images);
    s->logits = g_renew(float, s->logits, (gsize)n_images * s->n_classes);
  }
  for (int i = 0; i < n_images; i++) {
    s->crops[i].pixels = images + (gsize)i * width * height;
    s->crops[i].width = width;
    s->crops[i].height = height;
    s->crops[i].stride = (size_t)width;
  }
  int status = csnn_net_classify(s->net, s->crops, (size_t)n_images, s->logits, NULL, NULL, NULL);
  if (status != CSNN_OK)
    return cs_error_from_engine(error, status, "scoring perturbed crops");
  for (int i = 0; i < n_images; i++) {
    const float *row = s->logits + (gsize)i * s->n_classes;
    if (s->kind == CS_EXPLAIN_SCORE_LOGIT) {
      scores[i] = row[s->class_index];
      continue;
    }
    /* The softmax share of one class, 1 / sum_j exp(l_j - l_c), cannot overflow. */
    double sum = 0;
    for (int j = 0; j < s->n_classes; j++)
      sum += exp((double)row[j] - row[s->class_index]);
    scores[i] = (float)(1.0 / sum);
  }
  return TRUE;
}

CsExplanation *
cs_explain_gradcam(csnn_net *net, const guint8 *crop, int size, int class_index,
                   CsExplainScoreKind kind, GError **error)
{
  g_return_val_if_fail(net != NULL && crop != NULL, NULL);
  int n_classes = csnn_net_num_classes(net);
  int c = 0, h = 0, w = 0;

  if (size != csnn_net_input_size(net)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "Grad-CAM: the crop is %d px, the network takes %d px", size,
                csnn_net_input_size(net));
    return NULL;
  }
  if (class_index < 0 || class_index >= n_classes) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "class %d: the model has classes 0 to %d",
                class_index, n_classes - 1);
    return NULL;
  }
  g_autofree float *image = g_new(float, (gsize)3 * size * size);
  csnn_preprocess_u8(crop, size, csnn_net_norm(net), image);
  if (n_classes > CSNN_GRADCAM_MAX_CLASSES) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "Grad-CAM takes at most %d classes, not %d",
                CSNN_GRADCAM_MAX_CLASSES, n_classes);
    return NULL;
  }
  int status = csnn_net_gradcam_forward(net, NULL, NULL, NULL, &c, &h, &w);
  gsize n = (gsize)c * h * w;
  g_autofree float *activations = g_new(float, n);
  g_autofree float *gradients = g_new(float, n);
  float logits[CSNN_GRADCAM_MAX_CLASSES], dlogits[CSNN_GRADCAM_MAX_CLASSES];
  if (status == CSNN_OK)
    status = csnn_net_gradcam_forward(net, image, activations, logits, &c, &h, &w);
  if (status != CSNN_OK) {
    cs_error_from_engine(error, status, "Grad-CAM");
    return NULL;
  }

  /* Softmax of the logits, shifted by the largest for range. */
  double p[CSNN_GRADCAM_MAX_CLASSES] = { 0 }, top = logits[0], sum = 0;
  for (int j = 1; j < n_classes; j++)
    top = MAX(top, logits[j]);
  for (int j = 0; j < n_classes; j++)
    sum += p[j] = exp((double)logits[j] - top);
  for (int j = 0; j < n_classes; j++)
    p[j] /= sum;
  double score = kind == CS_EXPLAIN_SCORE_LOGIT ? logits[class_index] : p[class_index];

  /* The score's gradient with respect to the logits: one-hot for a logit, and for a probability
   * dp_k/dl_j = p_k (onehot_kj - p_j); the classifier is linear in it, so one backward does. */
  for (int j = 0; j < n_classes; j++)
    dlogits[j] = kind == CS_EXPLAIN_SCORE_LOGIT
                     ? (j == class_index ? 1.0f : 0.0f)
                     : (float)(p[class_index] * ((j == class_index ? 1.0 : 0.0) - p[j]));
  status = csnn_net_gradcam_backward(net, activations, dlogits, gradients);
  if (status != CSNN_OK) {
    cs_error_from_engine(error, status, "Grad-CAM");
    return NULL;
  }
  CsExplanation *result =
      cs_explain_gradcam_from_features(activations, gradients, c, h, w, size, size, score, error);
  return result;
}
