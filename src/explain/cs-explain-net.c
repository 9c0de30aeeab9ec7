/* cs-explain-net.c — scoring explanations with the built-in CNN engine
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-explain-net.h"

#include "cs-error.h"
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
  int status = csnn_net_gradcam_features(net, image, class_index, NULL, NULL, &c, &h, &w, NULL);
  if (status != CSNN_OK) {
    cs_error_from_engine(error, status, "Grad-CAM");
    return NULL;
  }
  gsize n = (gsize)c * h * w;
  g_autofree float *activations = g_new(float, n);
  g_autofree float *gradients = g_new(float, n);
  g_autofree float *logits = g_new(float, n_classes);
  status = csnn_net_gradcam_features(net, image, class_index, activations, gradients, &c, &h, &w,
                                     logits);
  if (status != CSNN_OK) {
    cs_error_from_engine(error, status, "Grad-CAM");
    return NULL;
  }

  /* Softmax of the logits, shifted by the largest for range. */
  g_autofree double *p = g_new(double, n_classes);
  double top = logits[0], sum = 0;
  for (int j = 1; j < n_classes; j++)
    top = MAX(top, logits[j]);
  for (int j = 0; j < n_classes; j++)
    sum += p[j] = exp((double)logits[j] - top);
  for (int j = 0; j < n_classes; j++)
    p[j] /= sum;
  double score = kind == CS_EXPLAIN_SCORE_LOGIT ? logits[class_index] : p[class_index];

  if (kind == CS_EXPLAIN_SCORE_PROBABILITY) {
    /* dp_k/dA = p_k (dl_k/dA - sum_j p_j dl_j/dA): accumulate the sum over the classes. */
    g_autofree double *mix = g_new0(double, n);
    g_autofree float *other = g_new(float, n);
    for (int j = 0; j < n_classes; j++) {
      const float *g = gradients;
      if (j != class_index) {
        status = csnn_net_gradcam_features(net, image, j, NULL, other, &c, &h, &w, NULL);
        if (status != CSNN_OK) {
          cs_error_from_engine(error, status, "Grad-CAM");
          return NULL;
        }
        g = other;
      }
      for (gsize i = 0; i < n; i++)
        mix[i] += p[j] * g[i];
    }
    for (gsize i = 0; i < n; i++)
      gradients[i] = (float)(p[class_index] * (gradients[i] - mix[i]));
  }
  CsExplanation *result =
      cs_explain_gradcam_from_features(activations, gradients, c, h, w, size, size, score, error);
  return result;
}
