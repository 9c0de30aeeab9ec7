/* cs-explain-net.h — scoring explanations with the built-in CNN engine
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Binds a csnn_net to the explainers' scoring callback: each batch of perturbed gray crops (at
 * the network's input size) goes through csnn_net_classify() in one call, and the score of the
 * chosen class is its softmax probability or its logit.
 *
 *   g_autoptr(CsExplainNetScorer) ns = cs_explain_net_scorer_new(net, 1,
 * CS_EXPLAIN_SCORE_PROBABILITY, &error); CsExplainScorer scorer = { 0 };
 *   cs_explain_net_scorer_bind(ns, &scorer);
 *   scorer.batch_size = 64;
 *   cs_explain_occlusion(crop, 224, 224, NULL, &scorer, &error);
 */
#pragma once

#include <glib.h>

#include "cs-explain.h"
#include "csnn-net.h"

G_BEGIN_DECLS

/* What the score of a class is. */
typedef enum {
  CS_EXPLAIN_SCORE_PROBABILITY, /* Softmax probability of the class. */
  CS_EXPLAIN_SCORE_LOGIT        /* The class's logit. */
} CsExplainScoreKind;

/* Returns "probability" or "logit". */
const char *cs_explain_score_kind_name(CsExplainScoreKind kind);

/* Parses "probability" (or "p") and "logit". */
gboolean cs_explain_score_kind_from_name(const char *name, CsExplainScoreKind *kind);

/* A network bound to one class and kind of score. */
typedef struct _CsExplainNetScorer CsExplainNetScorer;

/* Returns a scorer of class @class_index of @net (borrowed: it must outlive the scorer), or
 * NULL with @error when the class does not exist. */
CsExplainNetScorer *cs_explain_net_scorer_new(csnn_net *net, int class_index,
                                              CsExplainScoreKind kind, GError **error);

/* Frees @scorer; NULL is allowed. */
void cs_explain_net_scorer_free(CsExplainNetScorer *scorer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsExplainNetScorer, cs_explain_net_scorer_free)

/* Sets the score callback and its data in @scorer (other fields are left alone). */
void cs_explain_net_scorer_bind(CsExplainNetScorer *net_scorer, CsExplainScorer *scorer);

/* Grad-CAM of class @class_index for the gray @crop, already at @net's input size @size: one
 * forward pass of the engine and one backward pass through the classifier
 * (csnn_net_gradcam_forward() and _backward()). With CS_EXPLAIN_SCORE_LOGIT the gradient is the
 * logit's, as in the Grad-CAM paper; with CS_EXPLAIN_SCORE_PROBABILITY it is the softmax
 * probability's, dp_k = p_k (dl_k - sum_j p_j dl_j), in the same single backward pass. */
CsExplanation *cs_explain_gradcam(csnn_net *net, const guint8 *crop, int size, int class_index,
                                  CsExplainScoreKind kind, GError **error);

/* The callback itself, for callers that wrap it. */
gboolean cs_explain_net_score_cb(const guint8 *images, int n_images, int width, int height,
                                 float *scores, gpointer net_scorer, GError **error);

G_END_DECLS
