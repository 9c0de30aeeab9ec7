/* cs-evaluation.c — evaluate a scores table: Table 1 at image and hand level, ROC, DeLong, CSA
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-evaluation.h"

#include "cs-csv.h"

#include "cs-distribution.h"
#include "cs-error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One scored item of one model at one level: a frame, or a hand with its mean p(CTS). */
typedef struct {
  guint hand;
  gint64 frame; /* -1 at hand level */
  double p_cts;
  bool cts;
} Item;

static const char *const level_keys[CS_N_LEVELS] = { "image", "hand" };

const char *
cs_level_key(CsLevel level)
{
  return (unsigned)level < CS_N_LEVELS ? level_keys[level] : NULL;
}

void
cs_evaluate_options_init(CsEvaluateOptions *options)
{
  options->threshold = CS_DEFAULT_THRESHOLD;
  options->seed = 1;
  options->replicates = CS_DEFAULT_REPLICATES;
  options->conf_level = 0.95;
}

static int
compare_item(const void *a, const void *b)
{
  const Item *x = a, *y = b;

  if (x->hand != y->hand)
    return x->hand < y->hand ? -1 : 1;
  return x->frame < y->frame ? -1 : x->frame > y->frame;
}

/* Items of every model at both levels, sorted by (hand, frame) so that two models that scored
 * the same frames line up element by element. */
static GArray **
collect_items(const CsScores *scores)
{
  guint n_models = cs_scores_get_n_models(scores), n_hands = cs_scores_get_n_hands(scores);
  GArray **items = g_new0(GArray *, n_models * CS_N_LEVELS);
  double *sum = g_new(double, n_hands);
  guint *count = g_new(guint, n_hands);

  for (guint m = 0; m < n_models; m++)
    for (int l = 0; l < CS_N_LEVELS; l++)
      items[l * n_models + m] = g_array_new(FALSE, FALSE, sizeof(Item));
  for (guint r = 0; r < cs_scores_get_n_rows(scores); r++) {
    const CsScoreRow *row = cs_scores_get_row(scores, r);
    Item item = { row->hand, row->frame, row->p_cts, cs_scores_get_hand_cts(scores, row->hand) };
    g_array_append_val(items[CS_LEVEL_IMAGE * n_models + row->model], item);
  }
  for (guint m = 0; m < n_models; m++) {
    GArray *frames = items[CS_LEVEL_IMAGE * n_models + m];
    memset(sum, 0, n_hands * sizeof *sum);
    memset(count, 0, n_hands * sizeof *count);
    g_array_sort(frames, compare_item);
    for (guint i = 0; i < frames->len; i++) {
      const Item *item = &g_array_index(frames, Item, i);
      sum[item->hand] += item->p_cts;
      count[item->hand]++;
    }
    for (guint h = 0; h < n_hands; h++)
      if (count[h] > 0) {
        Item item = { h, -1, sum[h] / count[h], cs_scores_get_hand_cts(scores, h) };
        g_array_append_val(items[CS_LEVEL_HAND * n_models + m], item);
      }
  }
  g_free(sum);
  g_free(count);
  return items;
}

/* Splits @items into case and control scores (in item order) and, when @case_hands and
 * @control_hands are not NULL, their hands. */
static void
split_classes(GArray *items, double *cases, size_t *m, double *controls, size_t *n,
              size_t *case_hands, size_t *control_hands)
{
  *m = *n = 0;
  for (guint i = 0; i < items->len; i++) {
    const Item *item = &g_array_index(items, Item, i);
    if (item->cts) {
      if (case_hands != NULL)
        case_hands[*m] = item->hand;
      cases[(*m)++] = item->p_cts;
    } else {
      if (control_hands != NULL)
        control_hands[*n] = item->hand;
      controls[(*n)++] = item->p_cts;
    }
  }
}

static void
estimate_clear(CsEstimate *estimate)
{
  estimate->value = NAN;
  estimate->ci[0] = estimate->ci[1] = NAN;
  estimate->ci_cluster[0] = estimate->ci_cluster[1] = NAN;
}

static void
evaluate_model(CsModelEvaluation *result, GArray *items, guint n_hands, CsLevel level,
               guint model_index, const CsEvaluateOptions *options)
{
  size_t n = items->len, m_cases, n_controls;
  double *p = g_new(double, n ? n : 1);
  bool *cts = g_new(bool, n ? n : 1);
  size_t *cluster = g_new(size_t, n ? n : 1);
  double *cases = g_new(double, n ? n : 1), *controls = g_new(double, n ? n : 1);
  bool *hand_seen = g_new0(bool, n_hands ? n_hands : 1);
  CsBootstrapIntervals intervals;
  CsAucCi auc;
  CsRng rng;
  /* One stream per (level, model, kind) keeps results independent of evaluation order. */
  uint64_t stream = ((uint64_t)level << 32) | ((uint64_t)model_index << 2);

  result->level = level;
  result->n = n;
  result->hands = 0;
  for (size_t i = 0; i < n; i++) {
    const Item *item = &g_array_index(items, Item, i);
    p[i] = item->p_cts;
    cts[i] = item->cts;
    cluster[i] = item->hand;
    if (!hand_seen[item->hand]) {
      hand_seen[item->hand] = true;
      result->hands++;
    }
  }
  result->confusion = cs_confusion_count(p, cts, n, options->threshold);
  result->n_cts = result->confusion.tp + result->confusion.fn;
  result->n_control = result->confusion.tn + result->confusion.fp;
  for (int k = 0; k < CS_N_METRICS; k++) {
    estimate_clear(&result->metrics[k]);
    result->metrics[k].value = cs_confusion_metric(&result->confusion, (CsMetric)k);
  }
  estimate_clear(&result->auc);

  if (options->replicates > 0) {
    cs_rng_init(&rng, options->seed, stream);
    cs_bootstrap_stratified(p, cts, n, options->threshold, options->replicates, options->conf_level,
                            &rng, &intervals);
    for (int k = 0; k < CS_N_METRICS; k++) {
      result->metrics[k].ci[0] = intervals.ci[k][0];
      result->metrics[k].ci[1] = intervals.ci[k][1];
      result->undefined[k] = intervals.undefined[k];
    }
    if (level == CS_LEVEL_IMAGE) {
      cs_rng_init(&rng, options->seed, stream | 1);
      if (cs_bootstrap_clustered(p, cts, cluster, n, n_hands, options->threshold,
                                 options->replicates, options->conf_level, &rng, &intervals)) {
        for (int k = 0; k < CS_N_METRICS; k++) {
          result->metrics[k].ci_cluster[0] = intervals.ci[k][0];
          result->metrics[k].ci_cluster[1] = intervals.ci[k][1];
        }
        result->auc.ci_cluster[0] = intervals.auc_ci[0];
        result->auc.ci_cluster[1] = intervals.auc_ci[1];
      }
    }
  }

  split_classes(items, cases, &m_cases, controls, &n_controls, cluster, cluster + result->n_cts);
  cs_auc_delong(cases, m_cases, controls, n_controls, options->conf_level, &auc);
  result->auc.value = cs_auc(cases, m_cases, controls, n_controls);
  result->auc.ci[0] = auc.ci[0];
  result->auc.ci[1] = auc.ci[1];
  result->auc_variance = auc.variance;
  result->auc_variance_clustered = NAN;
  result->auc_ci_clustered[0] = result->auc_ci_clustered[1] = NAN;
  if (level == CS_LEVEL_IMAGE) {
    double clustered_auc, variance;
    /* split_classes refilled @cluster: cases' hands first, then the controls'. */
    if (cs_delong_clustered_covariance(cases, cluster, controls, cluster + m_cases, 1, m_cases,
                                       n_controls, n_hands, &clustered_auc, &variance)) {
      double z = cs_normal_quantile(1.0 - 0.5 * (1.0 - options->conf_level));
      result->auc_variance_clustered = variance;
      result->auc_ci_clustered[0] = fmax(0.0, clustered_auc - z * sqrt(variance));
      result->auc_ci_clustered[1] = fmin(1.0, clustered_auc + z * sqrt(variance));
    }
  }
  result->roc = g_new(CsRocPoint, n + 1);
  result->n_roc = cs_roc_curve(cases, m_cases, controls, n_controls, result->roc);

  g_free(p);
  g_free(cts);
  g_free(cluster);
  g_free(cases);
  g_free(controls);
  g_free(hand_seen);
}

/* Two models are paired when they scored exactly the same items. */
static gboolean
same_items(GArray *a, GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++) {
    const Item *x = &g_array_index(a, Item, i), *y = &g_array_index(b, Item, i);
    if (x->hand != y->hand || x->frame != y->frame)
      return FALSE;
  }
  return TRUE;
}

static void
compare_models(CsDelongComparison *comparison, GArray *a, GArray *b, guint n_hands,
               double conf_level)
{
  size_t len = MAX(a->len, b->len) + 1;
  double *cases = g_new(double, 2 * len), *controls = g_new(double, 2 * len);
  size_t *case_hands = g_new(size_t, len), *control_hands = g_new(size_t, len);
  size_t m_a, n_a, m_b, n_b;
  gboolean paired = same_items(a, b);

  /* Both models' scores side by side, as cs_delong_clustered_covariance() wants them. */
  split_classes(a, cases, &m_a, controls, &n_a, case_hands, control_hands);
  split_classes(b, cases + (paired ? m_a : len), &m_b, controls + (paired ? n_a : len), &n_b, NULL,
                NULL);
  cs_delong_test_from_covariance((const double[2]){ NAN, NAN },
                                 (const double[4]){ NAN, NAN, NAN, NAN }, conf_level,
                                 &comparison->clustered);
  if (paired) {
    cs_delong_test_paired(cases, controls, cases + m_a, controls + n_a, m_a, n_a, conf_level,
                          &comparison->test);
    if (comparison->level == CS_LEVEL_IMAGE) {
      double auc[2], cov[4];
      cs_delong_clustered_covariance(cases, case_hands, controls, control_hands, 2, m_a, n_a,
                                     n_hands, auc, cov);
      cs_delong_test_from_covariance(auc, cov, conf_level, &comparison->clustered);
    }
  } else {
    cs_delong_test_unpaired(cases, m_a, controls, n_a, cases + len, m_b, controls + len, n_b,
                            &comparison->test);
  }
  g_free(cases);
  g_free(controls);
  g_free(case_hands);
  g_free(control_hands);
}

static int
compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

static double
median(double *values, size_t n)
{
  if (n == 0)
    return NAN;
  qsort(values, n, sizeof *values, compare_doubles);
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

static void
compare_csa(CsEvaluation *evaluation, const CsScores *scores)
{
  guint n_hands = cs_scores_get_n_hands(scores);
  double *x = g_new(double, n_hands + 1), *y = g_new(double, n_hands + 1);
  size_t n_x = 0, n_y = 0;

  for (guint h = 0; h < n_hands; h++) {
    double csa = cs_scores_get_hand_csa(scores, h);
    if (isnan(csa))
      continue;
    if (cs_scores_get_hand_cts(scores, h))
      x[n_x++] = csa;
    else
      y[n_y++] = csa;
  }
  evaluation->has_csa = cs_mann_whitney(x, n_x, y, n_y, &evaluation->csa.test);
  evaluation->csa.median_cts = median(x, n_x);
  evaluation->csa.median_control = median(y, n_y);
  g_free(x);
  g_free(y);
}

CsEvaluation *
cs_evaluate(const CsScores *scores, const CsEvaluateOptions *options, GCancellable *cancellable,
            GError **error)
{
  CsEvaluateOptions defaults;
  CsEvaluation *evaluation;
  GArray **items;
  guint n_models, n_hands;
  size_t pair = 0;

  g_return_val_if_fail(scores != NULL, NULL);
  if (options == NULL) {
    cs_evaluate_options_init(&defaults);
    options = &defaults;
  }
  if (!(options->conf_level > 0.0 && options->conf_level < 1.0)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "confidence level %g is not in (0, 1)",
                options->conf_level);
    return NULL;
  }
  if (!isfinite(options->threshold)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "threshold %g is not a finite number",
                options->threshold);
    return NULL;
  }
  n_models = cs_scores_get_n_models(scores);
  n_hands = cs_scores_get_n_hands(scores);
  if (n_models == 0) {
    g_set_error_literal(error, CS_ERROR, CS_ERROR_INVALID, "no scores to evaluate");
    return NULL;
  }

  evaluation = g_new0(CsEvaluation, 1);
  evaluation->threshold = options->threshold;
  evaluation->seed = options->seed;
  evaluation->replicates = options->replicates;
  evaluation->conf_level = options->conf_level;
  items = collect_items(scores);

  evaluation->n_models = (size_t)n_models * CS_N_LEVELS;
  evaluation->models = g_new0(CsModelEvaluation, evaluation->n_models);
  for (int l = 0; l < CS_N_LEVELS; l++)
    for (guint m = 0; m < n_models; m++) {
      CsModelEvaluation *result = &evaluation->models[l * n_models + m];
      result->model = g_strdup(cs_scores_get_model(scores, m));
      if (g_cancellable_is_cancelled(cancellable))
        continue; /* Left empty; the evaluation is thrown away below. */
      evaluate_model(result, items[l * n_models + m], n_hands, (CsLevel)l, m, options);
    }

  evaluation->n_delong = (size_t)n_models * (n_models - 1) / 2 * CS_N_LEVELS;
  evaluation->delong = g_new0(CsDelongComparison, evaluation->n_delong ? evaluation->n_delong : 1);
  for (int l = 0; l < CS_N_LEVELS; l++)
    for (guint a = 0; a < n_models; a++)
      for (guint b = a + 1; b < n_models; b++) {
        CsDelongComparison *comparison = &evaluation->delong[pair++];
        comparison->level = (CsLevel)l;
        comparison->a = g_strdup(cs_scores_get_model(scores, a));
        comparison->b = g_strdup(cs_scores_get_model(scores, b));
        compare_models(comparison, items[l * n_models + a], items[l * n_models + b], n_hands,
                       options->conf_level);
      }

  compare_csa(evaluation, scores);

  for (guint i = 0; i < n_models * CS_N_LEVELS; i++)
    g_array_unref(items[i]);
  g_free(items);
  if (g_cancellable_is_cancelled(cancellable)) {
    cs_evaluation_free(evaluation);
    g_set_error_literal(error, CS_ERROR, CS_ERROR_CANCELLED, "the evaluation was cancelled");
    return NULL;
  }
  return evaluation;
}

typedef struct {
  CsScores *scores;
  CsEvaluateOptions options;
} EvaluateJob;

static void
evaluate_job_free(gpointer data)
{
  EvaluateJob *job = data;

  cs_scores_unref(job->scores);
  g_free(job);
}

static void
evaluate_worker(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  EvaluateJob *job = data;
  GError *error = NULL;
  CsEvaluation *evaluation = cs_evaluate(job->scores, &job->options, cancellable, &error);

  if (evaluation == NULL)
    g_task_return_error(task, error);
  else
    g_task_return_pointer(task, evaluation, (GDestroyNotify)cs_evaluation_free);
}

void
cs_evaluate_async(CsScores *scores, const CsEvaluateOptions *options, GCancellable *cancellable,
                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
  EvaluateJob *job = g_new0(EvaluateJob, 1);

  g_return_if_fail(scores != NULL);
  g_task_set_source_tag(task, cs_evaluate_async);
  job->scores = cs_scores_ref(scores);
  if (options != NULL)
    job->options = *options;
  else
    cs_evaluate_options_init(&job->options);
  g_task_set_task_data(task, job, evaluate_job_free);
  /* cs_evaluate decides what cancelling means, and says it in the CS_ERROR domain. */
  g_task_set_check_cancellable(task, FALSE);
  g_task_run_in_thread(task, evaluate_worker);
}

CsEvaluation *
cs_evaluate_finish(GAsyncResult *result, GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
  return g_task_propagate_pointer(G_TASK(result), error);
}

void
cs_evaluation_free(CsEvaluation *evaluation)
{
  if (evaluation == NULL)
    return;
  for (size_t i = 0; i < evaluation->n_models; i++) {
    g_free(evaluation->models[i].model);
    g_free(evaluation->models[i].roc);
  }
  for (size_t i = 0; i < evaluation->n_delong; i++) {
    g_free(evaluation->delong[i].a);
    g_free(evaluation->delong[i].b);
  }
  g_free(evaluation->models);
  g_free(evaluation->delong);
  g_free(evaluation);
}

/* JSON has no NaN or infinity: an undefined value is null. */
static void
add_number(JsonBuilder *builder, double value)
{
  if (isfinite(value))
    json_builder_add_double_value(builder, value);
  else
    json_builder_add_null_value(builder);
}

static void
add_member_number(JsonBuilder *builder, const char *name, double value)
{
  json_builder_set_member_name(builder, name);
  add_number(builder, value);
}

static void
add_member_int(JsonBuilder *builder, const char *name, gint64 value)
{
  json_builder_set_member_name(builder, name);
  json_builder_add_int_value(builder, value);
}

static void
add_member_interval(JsonBuilder *builder, const char *name, const double ci[2])
{
  json_builder_set_member_name(builder, name);
  if (isnan(ci[0]) || isnan(ci[1])) {
    json_builder_add_null_value(builder);
    return;
  }
  json_builder_begin_array(builder);
  add_number(builder, ci[0]);
  add_number(builder, ci[1]);
  json_builder_end_array(builder);
}

static void
add_member_estimate(JsonBuilder *builder, const char *name, const CsEstimate *estimate,
                    CsLevel level, size_t undefined)
{
  json_builder_set_member_name(builder, name);
  json_builder_begin_object(builder);
  add_member_number(builder, "value", estimate->value);
  add_member_interval(builder, "ci", estimate->ci);
  if (level == CS_LEVEL_IMAGE)
    add_member_interval(builder, "ci_cluster", estimate->ci_cluster);
  /* Say how many replicates could not be used rather than hide it in the interval. */
  if (undefined > 0)
    add_member_int(builder, "ci_undefined_replicates", (gint64)undefined);
  json_builder_end_object(builder);
}

JsonNode *
cs_evaluation_to_json(const CsEvaluation *evaluation)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();

  g_return_val_if_fail(evaluation != NULL, NULL);
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "models");
  json_builder_begin_array(builder);
  for (size_t i = 0; i < evaluation->n_models; i++) {
    const CsModelEvaluation *r = &evaluation->models[i];
    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "model");
    json_builder_add_string_value(builder, r->model);
    json_builder_set_member_name(builder, "level");
    json_builder_add_string_value(builder, cs_level_key(r->level));
    add_member_int(builder, "n", (gint64)r->n);
    add_member_int(builder, "hands", (gint64)r->hands);
    add_member_int(builder, "n_cts", (gint64)r->n_cts);
    add_member_int(builder, "n_control", (gint64)r->n_control);
    json_builder_set_member_name(builder, "confusion");
    json_builder_begin_object(builder);
    add_member_int(builder, "tp", (gint64)r->confusion.tp);
    add_member_int(builder, "fp", (gint64)r->confusion.fp);
    add_member_int(builder, "tn", (gint64)r->confusion.tn);
    add_member_int(builder, "fn", (gint64)r->confusion.fn);
    json_builder_end_object(builder);
    for (int k = 0; k < CS_N_METRICS; k++)
      add_member_estimate(builder, cs_metric_key((CsMetric)k), &r->metrics[k], r->level,
                          r->undefined[k]);
    add_member_estimate(builder, "auc", &r->auc, r->level, 0);
    add_member_number(builder, "auc_variance", r->auc_variance);
    if (r->level == CS_LEVEL_IMAGE) {
      /* Obuchowski's clustered DeLong: the analytic counterpart of the AUC's ci_cluster. */
      add_member_number(builder, "auc_variance_clustered", r->auc_variance_clustered);
      add_member_interval(builder, "auc_ci_clustered", r->auc_ci_clustered);
    }
    json_builder_set_member_name(builder, "roc");
    json_builder_begin_array(builder);
    for (size_t p = 0; p < r->n_roc; p++) {
      json_builder_begin_array(builder);
      add_number(builder, r->roc[p].fpr);
      add_number(builder, r->roc[p].tpr);
      add_number(builder, r->roc[p].threshold);
      json_builder_end_array(builder);
    }
    json_builder_end_array(builder);
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);

  json_builder_set_member_name(builder, "delong");
  json_builder_begin_array(builder);
  for (size_t i = 0; i < evaluation->n_delong; i++) {
    const CsDelongComparison *c = &evaluation->delong[i];
    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "level");
    json_builder_add_string_value(builder, cs_level_key(c->level));
    json_builder_set_member_name(builder, "a");
    json_builder_add_string_value(builder, c->a);
    json_builder_set_member_name(builder, "b");
    json_builder_add_string_value(builder, c->b);
    json_builder_set_member_name(builder, "paired");
    json_builder_add_boolean_value(builder, c->test.paired);
    add_member_number(builder, "auc_a", c->test.auc_a);
    add_member_number(builder, "auc_b", c->test.auc_b);
    add_member_number(builder, "z", c->test.statistic);
    add_member_number(builder, "se", c->test.se);
    if (!c->test.paired)
      add_member_number(builder, "df", c->test.df);
    add_member_number(builder, "p", c->test.p);
    if (c->test.paired)
      add_member_interval(builder, "ci", c->test.ci);
    if (c->test.paired && c->level == CS_LEVEL_IMAGE) {
      add_member_number(builder, "z_clustered", c->clustered.statistic);
      add_member_number(builder, "p_clustered", c->clustered.p);
    }
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);

  if (evaluation->has_csa) {
    const CsCsaComparison *csa = &evaluation->csa;
    json_builder_set_member_name(builder, "csa");
    json_builder_begin_object(builder);
    add_member_number(builder, "mann_whitney_u", csa->test.u);
    add_member_number(builder, "p", csa->test.p);
    json_builder_set_member_name(builder, "method");
    json_builder_add_string_value(builder, csa->test.exact ? "exact" : "asymptotic");
    add_member_int(builder, "hands_cts", (gint64)csa->test.n_x);
    add_member_int(builder, "hands_control", (gint64)csa->test.n_y);
    add_member_number(builder, "median_cts", csa->median_cts);
    add_member_number(builder, "median_control", csa->median_control);
    json_builder_end_object(builder);
  }
  add_member_number(builder, "threshold", evaluation->threshold);
  add_member_number(builder, "conf_level", evaluation->conf_level);
  /* The seed is a 64-bit unsigned number; JSON integers above 2^63 would not round-trip. */
  add_member_int(builder, "seed", (gint64)evaluation->seed);
  add_member_int(builder, "replicates", evaluation->replicates);
  json_builder_end_object(builder);
  return json_builder_get_root(builder);
}

char *
cs_evaluation_to_json_string(const CsEvaluation *evaluation, gboolean pretty)
{
  g_autoptr(JsonNode) root = cs_evaluation_to_json(evaluation);
  g_autoptr(JsonGenerator) generator = json_generator_new();

  json_generator_set_root(generator, root);
  json_generator_set_pretty(generator, pretty);
  return json_generator_to_data(generator, NULL);
}

char *
cs_evaluation_to_csv(const CsEvaluation *evaluation)
{
  GString *out = g_string_new("model,level,n,hands,n_cts,n_control,tp,fp,tn,fn");

  for (int k = 0; k <= CS_N_METRICS; k++) {
    const char *key = k < CS_N_METRICS ? cs_metric_key((CsMetric)k) : "auc";
    g_string_append_printf(out, ",%s,%s_ci_low,%s_ci_high,%s_ci_cluster_low,%s_ci_cluster_high",
                           key, key, key, key, key);
  }
  g_string_append(out, ",auc_variance,auc_variance_clustered,auc_ci_clustered_low,"
                       "auc_ci_clustered_high,threshold,seed,replicates\n");
  for (size_t i = 0; i < evaluation->n_models; i++) {
    const CsModelEvaluation *r = &evaluation->models[i];
    cs_csv_text(out, r->model);
    g_string_append_printf(out, ",%s,%zu,%zu,%zu,%zu,%zu,%zu,%zu,%zu", cs_level_key(r->level), r->n,
                           r->hands, r->n_cts, r->n_control, r->confusion.tp, r->confusion.fp,
                           r->confusion.tn, r->confusion.fn);
    for (int k = 0; k <= CS_N_METRICS; k++) {
      const CsEstimate *e = k < CS_N_METRICS ? &r->metrics[k] : &r->auc;
      cs_csv_number(out, e->value);
      cs_csv_number(out, e->ci[0]);
      cs_csv_number(out, e->ci[1]);
      cs_csv_number(out, e->ci_cluster[0]);
      cs_csv_number(out, e->ci_cluster[1]);
    }
    cs_csv_number(out, r->auc_variance);
    cs_csv_number(out, r->auc_variance_clustered);
    cs_csv_number(out, r->auc_ci_clustered[0]);
    cs_csv_number(out, r->auc_ci_clustered[1]);
    cs_csv_number(out, evaluation->threshold);
    g_string_append_printf(out, ",%" G_GUINT64_FORMAT ",%u\n", evaluation->seed,
                           evaluation->replicates);
  }
  return g_string_free(out, FALSE);
}

char *
cs_evaluation_delong_to_csv(const CsEvaluation *evaluation)
{
  GString *out = g_string_new(
      "level,a,b,paired,auc_a,auc_b,difference,se,z,df,p,ci_low,ci_high,z_clustered,p_clustered\n");

  for (size_t i = 0; i < evaluation->n_delong; i++) {
    const CsDelongComparison *c = &evaluation->delong[i];
    g_string_append_printf(out, "%s,", cs_level_key(c->level));
    cs_csv_text(out, c->a);
    g_string_append_c(out, ',');
    cs_csv_text(out, c->b);
    g_string_append_printf(out, ",%s", c->test.paired ? "true" : "false");
    cs_csv_number(out, c->test.auc_a);
    cs_csv_number(out, c->test.auc_b);
    cs_csv_number(out, c->test.difference);
    cs_csv_number(out, c->test.se);
    cs_csv_number(out, c->test.statistic);
    cs_csv_number(out, c->test.df);
    cs_csv_number(out, c->test.p);
    cs_csv_number(out, c->test.ci[0]);
    cs_csv_number(out, c->test.ci[1]);
    cs_csv_number(out, c->clustered.statistic);
    cs_csv_number(out, c->clustered.p);
    g_string_append_c(out, '\n');
  }
  return g_string_free(out, FALSE);
}

char *
cs_evaluation_roc_to_csv(const CsEvaluation *evaluation)
{
  GString *out = g_string_new("model,level,fpr,tpr,threshold\n");

  for (size_t i = 0; i < evaluation->n_models; i++) {
    const CsModelEvaluation *r = &evaluation->models[i];
    for (size_t p = 0; p < r->n_roc; p++) {
      cs_csv_text(out, r->model);
      g_string_append_printf(out, ",%s", cs_level_key(r->level));
      cs_csv_number(out, r->roc[p].fpr);
      cs_csv_number(out, r->roc[p].tpr);
      if (isinf(r->roc[p].threshold))
        g_string_append(out, ",inf");
      else
        cs_csv_number(out, r->roc[p].threshold);
      g_string_append_c(out, '\n');
    }
  }
  return g_string_free(out, FALSE);
}

/* "0.943 (0.941-0.945)", "n/a" when undefined; the CI part left out when unknown. */
static char *
format_estimate(double value, const double ci[2])
{
  if (isnan(value))
    return g_strdup("n/a");
  if (isnan(ci[0]) || isnan(ci[1]))
    return g_strdup_printf("%.3f", value);
  return g_strdup_printf("%.3f (%.3f-%.3f)", value, ci[0], ci[1]);
}

static char *
format_interval(const double ci[2])
{
  if (isnan(ci[0]) || isnan(ci[1]))
    return g_strdup("");
  return g_strdup_printf("(%.3f-%.3f)", ci[0], ci[1]);
}

static void
append_cell(GString *out, const char *text, int width)
{
  /* Pad by characters, not bytes, in case a model name is not ASCII. */
  glong chars = g_utf8_strlen(text, -1);

  g_string_append(out, text);
  for (glong i = chars; i < width; i++)
    g_string_append_c(out, ' ');
}

char *
cs_evaluation_format_table(const CsEvaluation *evaluation)
{
  GString *out = g_string_new(NULL);
  int name_width = 5;

  for (size_t i = 0; i < evaluation->n_models; i++)
    name_width = MAX(name_width, (int)g_utf8_strlen(evaluation->models[i].model, -1));
  name_width += 2;

  for (int l = 0; l < CS_N_LEVELS; l++) {
    g_string_append_printf(
        out,
        "%s level: p_cts >= %g is CTS; %g%% CIs: AUC DeLong, others percentile bootstrap "
        "(%u replicates stratified by class, seed %" G_GUINT64_FORMAT ")%s\n",
        l == CS_LEVEL_IMAGE ? "Image" : "Hand", evaluation->threshold,
        100.0 * evaluation->conf_level, evaluation->replicates, evaluation->seed,
        l == CS_LEVEL_IMAGE ? "; second line: hands resampled (cluster bootstrap)"
                            : "; one score per hand = mean p_cts of its frames");
    append_cell(out, "Model", name_width);
    g_string_append(out, "     n  hands     TP     FP     TN     FN  ");
    for (int k = 0; k < CS_N_METRICS; k++)
      append_cell(out, k == CS_METRIC_RECALL ? "Recall" : cs_metric_title((CsMetric)k), 21);
    g_string_append(out, "AUC\n");
    for (size_t i = 0; i < evaluation->n_models; i++) {
      const CsModelEvaluation *r = &evaluation->models[i];
      if (r->level != (CsLevel)l)
        continue;
      append_cell(out, r->model, name_width);
      g_string_append_printf(out, "%6zu %6zu %6zu %6zu %6zu %6zu  ", r->n, r->hands,
                             r->confusion.tp, r->confusion.fp, r->confusion.tn, r->confusion.fn);
      for (int k = 0; k <= CS_N_METRICS; k++) {
        const CsEstimate *e = k < CS_N_METRICS ? &r->metrics[k] : &r->auc;
        g_autofree char *cell = format_estimate(e->value, e->ci);
        if (k < CS_N_METRICS)
          append_cell(out, cell, 21);
        else
          g_string_append(out, cell);
      }
      g_string_append_c(out, '\n');
      if (l == CS_LEVEL_IMAGE && evaluation->replicates > 0) {
        append_cell(out, "  cluster CI", name_width);
        g_string_append_printf(out, "%43s", "");
        for (int k = 0; k <= CS_N_METRICS; k++) {
          const CsEstimate *e = k < CS_N_METRICS ? &r->metrics[k] : &r->auc;
          g_autofree char *cell = format_interval(e->ci_cluster);
          /* Align the interval under the one above it, after the value's 6 characters. */
          g_string_append(out, "      ");
          if (k < CS_N_METRICS)
            append_cell(out, cell, 15);
          else
            g_string_append(out, cell);
        }
        g_string_append_c(out, '\n');
      }
    }
    g_string_append_c(out, '\n');
  }

  if (evaluation->n_delong > 0) {
    g_string_append(out, "DeLong's test of the AUCs (two-sided; paired when both models scored "
                         "the same items).\nAt image level it takes frames as independent and "
                         "its p-values are too small when a hand's\nframes are alike: the "
                         "clustered test (Obuchowski) sums each hand's frames first.\n");
    for (size_t i = 0; i < evaluation->n_delong; i++) {
      const CsDelongComparison *c = &evaluation->delong[i];
      g_string_append_printf(out, "  %-5s  %s vs %s: AUC %.4f vs %.4f, %s %.3f, p = %.4g%s",
                             cs_level_key(c->level), c->a, c->b, c->test.auc_a, c->test.auc_b,
                             c->test.paired ? "z" : "D", c->test.statistic, c->test.p,
                             c->test.paired ? "" : " (unpaired)");
      if (c->test.paired && c->level == CS_LEVEL_IMAGE && !isnan(c->clustered.p))
        g_string_append_printf(out, "; clustered by hand: z %.3f, p = %.4g", c->clustered.statistic,
                               c->clustered.p);
      g_string_append_c(out, '\n');
    }
    g_string_append_c(out, '\n');
  }
  if (evaluation->has_csa) {
    const CsCsaComparison *csa = &evaluation->csa;
    g_string_append_printf(out,
                           "CSA (mm^2) by hand: CTS median %.2f (%zu hands), control median %.2f "
                           "(%zu hands); Mann-Whitney U = %g, p = %.4g (%s)\n",
                           csa->median_cts, csa->test.n_x, csa->median_control, csa->test.n_y,
                           csa->test.u, csa->test.p, csa->test.exact ? "exact" : "asymptotic");
  }
  return g_string_free(out, FALSE);
}
