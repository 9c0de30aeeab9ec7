/* cs-evaluation.h — evaluate a scores table: Table 1 at image and hand level, ROC, DeLong, CSA
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cs-bootstrap.h"
#include "cs-metrics.h"
#include "cs-roc.h"
#include "cs-scores.h"

G_BEGIN_DECLS

/* The unit a row of the results counts. */
typedef enum {
  CS_LEVEL_IMAGE, /* Every frame on its own, as the paper. */
  CS_LEVEL_HAND,  /* One score per hand: the mean p(CTS) of its frames. */
  CS_N_LEVELS
} CsLevel;

/* Returns "image" or "hand". */
const char *cs_level_key(CsLevel level);

/* A value with its confidence intervals; NaN where undefined or not computed. */
typedef struct {
  double value;
  double ci[2];         /* Bootstrap (stratified by class) or, for the AUC, DeLong */
  double ci_cluster[2]; /* Cluster bootstrap by hand (image level only; NaN at hand level) */
} CsEstimate;

/* One model at one level: a row of Table 1 and its ROC curve. */
typedef struct {
  char *model;
  CsLevel level;
  size_t n;         /* Items counted: frames (image level) or hands (hand level) */
  size_t hands;     /* Distinct hands */
  size_t n_cts;     /* Items whose truth is CTS */
  size_t n_control; /* Items whose truth is control */
  CsConfusion confusion;
  CsEstimate metrics[CS_N_METRICS];
  CsEstimate auc;                 /* ci: DeLong (pROC's ci.auc); ci_cluster: cluster bootstrap */
  double auc_variance;            /* DeLong's variance */
  double auc_variance_clustered;  /* Obuchowski's clustered variance (image level; else NaN) */
  double auc_ci_clustered[2];     /* AUC -+ z sqrt(clustered variance), clipped to [0, 1] */
  size_t undefined[CS_N_METRICS]; /* Stratified replicates where the metric was undefined */
  CsRocPoint *roc;
  size_t n_roc;
} CsModelEvaluation;

/* DeLong's test between two models at one level (paired when they scored the same items). */
typedef struct {
  CsLevel level;
  char *a;
  char *b;
  CsDelongTest test;
  CsDelongTest clustered; /* Image level, paired: the test on Obuchowski's clustered covariance */
} CsDelongComparison;

/* The CSA of CTS hands against control hands. */
typedef struct {
  CsMannWhitney test; /* x = CTS hands, y = control hands; u is U of the CTS hands */
  double median_cts;
  double median_control;
} CsCsaComparison;

/* Everything an evaluation found. */
typedef struct {
  CsModelEvaluation *models; /* Image level for every model, then hand level for every model */
  size_t n_models;
  CsDelongComparison *delong; /* Every pair of models, image level then hand level */
  size_t n_delong;
  gboolean has_csa;
  CsCsaComparison csa;
  double threshold;
  guint64 seed;
  guint replicates;
  double conf_level;
} CsEvaluation;

/* How to evaluate. */
typedef struct {
  double threshold;  /* p_cts >= threshold is CTS; CS_DEFAULT_THRESHOLD */
  guint64 seed;      /* Seed of the bootstrap; 1 */
  guint replicates;  /* Bootstrap replicates; CS_DEFAULT_REPLICATES; 0 skips the bootstrap */
  double conf_level; /* 0.95 */
} CsEvaluateOptions;

/* Fills @options with the defaults. */
void cs_evaluate_options_init(CsEvaluateOptions *options);

/* Evaluates every model of @scores at image and hand level (@options NULL: the defaults).
 * Deterministic for a seed: each (model, level, kind of bootstrap) draws from its own stream of
 * the generator, cs_rng_init(seed, level << 32 | model_index << 2 | kind), kind 0 for the
 * stratified and 1 for the cluster bootstrap; items are taken in (hand, frame) order, hands and
 * models numbered in order of first appearance. @cancellable is checked between models
 * (CS_ERROR_CANCELLED). */
CsEvaluation *cs_evaluate(const CsScores *scores, const CsEvaluateOptions *options,
                          GCancellable *cancellable, GError **error);

/* Runs cs_evaluate() in a worker thread (it holds a reference to @scores, which must not change
 * meanwhile); @callback runs on the caller's main context. */
void cs_evaluate_async(CsScores *scores, const CsEvaluateOptions *options,
                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);

/* Returns the evaluation cs_evaluate_async() made, or NULL with @error. */
CsEvaluation *cs_evaluate_finish(GAsyncResult *result, GError **error);

/* Frees @evaluation. */
void cs_evaluation_free(CsEvaluation *evaluation);

/* Returns the evaluation as the JSON document of the `evaluate --json` contract. Undefined
 * values (NaN) are null, and so is the +infinity threshold of each curve's first ROC point. */
JsonNode *cs_evaluation_to_json(const CsEvaluation *evaluation);

/* Returns that JSON document as text. */
char *cs_evaluation_to_json_string(const CsEvaluation *evaluation, gboolean pretty);

/* Returns Table 1 as CSV: one line per model and level. */
char *cs_evaluation_to_csv(const CsEvaluation *evaluation);

/* Returns DeLong's tests as CSV: one line per pair and level. */
char *cs_evaluation_delong_to_csv(const CsEvaluation *evaluation);

/* Returns the ROC points as CSV: model, level, fpr, tpr, threshold. */
char *cs_evaluation_roc_to_csv(const CsEvaluation *evaluation);

/* Returns the results as text tables like the paper's Table 1, for a terminal. */
char *cs_evaluation_format_table(const CsEvaluation *evaluation);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsEvaluation, cs_evaluation_free)

G_END_DECLS
