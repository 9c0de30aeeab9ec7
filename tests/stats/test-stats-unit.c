/* test-stats-unit.c — the statistics layer on small cases worked out by hand or taken from R/SciPy
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-bootstrap.h"
#include "cs-distribution.h"
#include "cs-error.h"
#include "cs-evaluation.h"
#include "cs-metrics.h"
#include "cs-roc.h"
#include "cs-scores.h"
#include "cs-rng.h"

#include <math.h>

static void
test_rng_deterministic(void)
{
  CsRng a, b, c;
  gboolean differ = FALSE;
  size_t counts[7] = { 0 };

  cs_rng_init(&a, 42, 0);
  cs_rng_init(&b, 42, 0);
  cs_rng_init(&c, 42, 1);
  for (int i = 0; i < 1000; i++) {
    uint64_t x = cs_rng_next(&a);
    g_assert_cmpuint(x, ==, cs_rng_next(&b));
    if (x != cs_rng_next(&c))
      differ = TRUE;
  }
  g_assert_true(differ);
  /* Every residue of a small range is reached about equally often. */
  for (int i = 0; i < 70000; i++)
    counts[cs_rng_below(&a, 7)]++;
  for (int k = 0; k < 7; k++)
    g_assert_cmpuint(counts[k], >, 9500);
  for (int i = 0; i < 1000; i++) {
    double u = cs_rng_uniform(&a);
    g_assert_true(u >= 0.0 && u < 1.0);
  }
}

static void
test_distributions(void)
{
  /* References from R 4.2: qnorm, pt, pbeta, quantile(type = 7). */
  const double sorted[] = { 1, 1, 2, 3, 4, 5, 6, 9 };

  g_assert_cmpfloat_with_epsilon(cs_normal_quantile(0.975), 1.9599639845400536, 1e-13);
  g_assert_cmpfloat_with_epsilon(cs_normal_quantile(1e-10), -6.3613409024040557, 1e-11);
  g_assert_true(isnan(cs_normal_quantile(0.0)));
  g_assert_cmpfloat_with_epsilon(cs_student_t_cdf(-2.5, 7.3), 0.019825117332800228, 1e-14);
  g_assert_cmpfloat_with_epsilon(cs_student_t_cdf(1.3, 150), 0.90220247353173377, 1e-13);
  g_assert_cmpfloat_with_epsilon(cs_incomplete_beta(0.3, 2.5, 4.2), 0.37411551802650655, 1e-14);
  g_assert_cmpfloat_with_epsilon(cs_quantile_sorted(sorted, 8, 0.025), 1.0, 1e-15);
  g_assert_cmpfloat_with_epsilon(cs_quantile_sorted(sorted, 8, 0.975), 8.4750000000000014, 1e-13);
  g_assert_cmpfloat(cs_quantile_sorted(sorted, 8, 1.0), ==, 9.0);
}

static void
test_confusion_metrics(void)
{
  const double p[] = { 0.9, 0.5, 0.49, 0.2, 0.7, 0.5, 0.1 };
  const bool cts[] = { true, true, true, true, false, false, false };
  CsConfusion c = cs_confusion_count(p, cts, G_N_ELEMENTS(p), 0.5);
  CsConfusion none = { 0, 0, 5, 3 };

  /* p >= threshold is CTS: the 0.5s count as CTS. */
  g_assert_cmpuint(c.tp, ==, 2);
  g_assert_cmpuint(c.fn, ==, 2);
  g_assert_cmpuint(c.fp, ==, 2);
  g_assert_cmpuint(c.tn, ==, 1);
  g_assert_cmpfloat_with_epsilon(cs_confusion_metric(&c, CS_METRIC_ACCURACY), 3.0 / 7, 1e-15);
  g_assert_cmpfloat_with_epsilon(cs_confusion_metric(&c, CS_METRIC_PRECISION), 0.5, 1e-15);
  g_assert_cmpfloat_with_epsilon(cs_confusion_metric(&c, CS_METRIC_RECALL), 0.5, 1e-15);
  g_assert_cmpfloat_with_epsilon(cs_confusion_metric(&c, CS_METRIC_SPECIFICITY), 1.0 / 3, 1e-15);
  g_assert_cmpfloat_with_epsilon(cs_confusion_metric(&c, CS_METRIC_F1), 0.5, 1e-15);
  /* Nothing called CTS: precision is undefined, and so reported, not 0. */
  g_assert_true(isnan(cs_confusion_metric(&none, CS_METRIC_PRECISION)));
  g_assert_cmpfloat(cs_confusion_metric(&none, CS_METRIC_RECALL), ==, 0.0);
  g_assert_cmpfloat(cs_confusion_metric(&none, CS_METRIC_F1), ==, 0.0);
  g_assert_cmpstr(cs_metric_key(CS_METRIC_F1), ==, "f1");
  g_assert_null(cs_metric_key(CS_N_METRICS));
}

static void
test_roc_auc_ties(void)
{
  const double cases[] = { 0.9, 0.5, 0.5 }, controls[] = { 0.5, 0.1 };
  CsRocPoint points[6];
  size_t n = cs_roc_curve(cases, 3, controls, 2, points);
  double v10[3], v01[2];

  g_assert_cmpuint(n, ==, 4);
  g_assert_true(isinf(points[0].threshold));
  g_assert_cmpfloat(points[1].threshold, ==, 0.9);
  g_assert_cmpfloat_with_epsilon(points[1].tpr, 1.0 / 3, 1e-15);
  g_assert_cmpfloat(points[1].fpr, ==, 0.0);
  g_assert_cmpfloat(points[2].tpr, ==, 1.0);
  g_assert_cmpfloat(points[2].fpr, ==, 0.5);
  g_assert_cmpfloat(points[3].fpr, ==, 1.0);
  /* Pairs: 0.9 beats both, each 0.5 ties one control and beats the other: 5 of 6. */
  g_assert_cmpfloat_with_epsilon(cs_auc(cases, 3, controls, 2), 5.0 / 6, 1e-15);
  g_assert_cmpfloat_with_epsilon(cs_delong_placements(cases, 3, controls, 2, v10, v01), 5.0 / 6,
                                 1e-15);
  g_assert_cmpfloat(v10[0], ==, 1.0);
  g_assert_cmpfloat(v10[1], ==, 0.75);
  g_assert_cmpfloat_with_epsilon(v01[0], 2.0 / 3, 1e-15);
  g_assert_cmpfloat(v01[1], ==, 1.0);
  g_assert_true(isnan(cs_auc(cases, 3, controls, 0)));
  g_assert_cmpuint(cs_roc_curve(cases, 3, controls, 0, points), ==, 0);
}

static void
test_delong_degenerate(void)
{
  const double cases[] = { 0.9, 0.8 }, controls[] = { 0.1 };
  const double same[] = { 0.4, 0.6, 0.7 }, other[] = { 0.3, 0.2 };
  CsAucCi ci;
  CsDelongTest test;

  /* pROC returns NA for one control; so do we, and say so. */
  g_assert_false(cs_auc_delong(cases, 2, controls, 1, 0.95, &ci));
  g_assert_cmpfloat(ci.auc, ==, 1.0);
  g_assert_true(isnan(ci.variance) && isnan(ci.ci[0]));
  /* Identical curves: z = 0 and p = 1, as pROC. */
  g_assert_true(cs_delong_test_paired(same, other, same, other, 3, 2, 0.95, &test));
  g_assert_cmpfloat(test.statistic, ==, 0.0);
  g_assert_cmpfloat(test.p, ==, 1.0);
}

/* Obuchowski's clustered covariance: with one item per cluster it is DeLong's; when every hand
 * repeats one frame k times it is the DeLong variance of the hands (which pROC confirms). */
static void
test_delong_clustered(void)
{
  enum { M = 9, N = 7, K = 5 };
  double cases[2 * M], controls[2 * N], auc[2], cov[4], clustered_auc[2], clustered[4];
  double rep_cases[M * K], rep_controls[N * K], hand_var, rep_auc, rep_var;
  size_t case_clusters[M * K], control_clusters[N * K];
  CsRng rng;

  cs_rng_init(&rng, 5, 0);
  for (int r = 0; r < 2; r++) {
    for (int i = 0; i < M; i++)
      cases[r * M + i] = round(4 * (1.0 + cs_rng_normal(&rng))) / 4; /* with ties */
    for (int j = 0; j < N; j++)
      controls[r * N + j] = round(4 * cs_rng_normal(&rng)) / 4;
  }
  for (size_t i = 0; i < M; i++)
    case_clusters[i] = i;
  for (size_t j = 0; j < N; j++)
    control_clusters[j] = M + j;
  g_assert_true(cs_delong_covariance(cases, controls, 2, M, N, auc, cov));
  g_assert_true(cs_delong_clustered_covariance(cases, case_clusters, controls, control_clusters, 2,
                                               M, N, M + N, clustered_auc, clustered));
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon(clustered[i], cov[i], 1e-15);

  for (size_t i = 0; i < M * K; i++) {
    rep_cases[i] = cases[i / K];
    case_clusters[i] = i / K;
  }
  for (size_t j = 0; j < N * K; j++) {
    rep_controls[j] = controls[j / K];
    control_clusters[j] = M + j / K;
  }
  g_assert_true(cs_delong_covariance(cases, controls, 1, M, N, auc, &hand_var));
  g_assert_true(cs_delong_clustered_covariance(rep_cases, case_clusters, rep_controls,
                                               control_clusters, 1, M * K, N * K, M + N, &rep_auc,
                                               &rep_var));
  g_assert_cmpfloat_with_epsilon(rep_auc, auc[0], 1e-15);
  g_assert_cmpfloat_with_epsilon(rep_var, hand_var, 1e-15);
  /* Taken as independent frames, the same data would look K times more certain. */
  g_assert_true(cs_delong_covariance(rep_cases, rep_controls, 1, M * K, N * K, &rep_auc, &rep_var));
  g_assert_cmpfloat(rep_var, <, hand_var / 2);
  /* One cluster of controls is not enough to see their spread. */
  for (size_t j = 0; j < N * K; j++)
    control_clusters[j] = M;
  g_assert_false(cs_delong_clustered_covariance(rep_cases, case_clusters, rep_controls,
                                                control_clusters, 1, M * K, N * K, M + 1, &rep_auc,
                                                &rep_var));
  g_assert_true(isnan(rep_var));
}

static void
test_mann_whitney(void)
{
  const double x[] = { 1.1, 2.3, 3.7, 5.2, 0.4 }, y[] = { 4.1, 6.3, 7.7, 8.8 };
  const double big[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10.5 }, small[] = { 3.5, 11, 12, 13 };
  const double tied_x[] = { 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
  const double tied_y[] = { 3, 11, 12, 13, 2, 9, 14, 15, 16, 17 };
  CsMannWhitney r;

  /* References from SciPy 1.10 mannwhitneyu(x, y) with its defaults. */
  g_assert_true(cs_mann_whitney(x, 5, y, 4, &r));
  g_assert_true(r.exact);
  g_assert_cmpfloat(r.u, ==, 1.0);
  g_assert_cmpfloat_with_epsilon(r.p, 0.031746031746031744, 1e-15);
  g_assert_true(cs_mann_whitney(big, 10, small, 4, &r));
  g_assert_true(r.exact);
  g_assert_cmpfloat_with_epsilon(r.p, 0.07592407592407593, 1e-15);
  g_assert_true(cs_mann_whitney(tied_x, 11, tied_y, 10, &r));
  g_assert_false(r.exact);
  g_assert_cmpfloat_with_epsilon(r.p, 0.010016063391463935, 1e-15);
  g_assert_false(cs_mann_whitney(x, 5, y, 0, &r));
}

static void
test_bootstrap_deterministic(void)
{
  double p[80];
  bool cts[80];
  size_t cluster[80];
  CsBootstrapIntervals a, b, c;
  CsRng rng;

  cs_rng_init(&rng, 7, 0);
  for (int i = 0; i < 80; i++) {
    cts[i] = i < 50;
    p[i] = 1.0 / (1.0 + exp(-(cts[i] ? 1.0 : -1.0) - cs_rng_normal(&rng)));
    cluster[i] = (size_t)(i / 5);
  }
  cs_rng_init(&rng, 123, 0);
  cs_bootstrap_stratified(p, cts, 80, 0.5, 500, 0.95, &rng, &a);
  cs_rng_init(&rng, 123, 0);
  cs_bootstrap_stratified(p, cts, 80, 0.5, 500, 0.95, &rng, &b);
  cs_rng_init(&rng, 124, 0);
  cs_bootstrap_stratified(p, cts, 80, 0.5, 500, 0.95, &rng, &c);
  for (int k = 0; k < CS_N_METRICS; k++) {
    g_assert_cmpfloat(a.ci[k][0], ==, b.ci[k][0]);
    g_assert_cmpfloat(a.ci[k][1], ==, b.ci[k][1]);
    g_assert_cmpfloat(a.ci[k][0], <=, a.ci[k][1]);
  }
  g_assert_true(a.ci[CS_METRIC_ACCURACY][0] != c.ci[CS_METRIC_ACCURACY][0] ||
                a.ci[CS_METRIC_ACCURACY][1] != c.ci[CS_METRIC_ACCURACY][1] ||
                a.auc_ci[0] != c.auc_ci[0]);
  /* A cluster holding both classes is refused. */
  cluster[49] = 10;
  cs_rng_init(&rng, 123, 0);
  g_assert_false(cs_bootstrap_clustered(p, cts, cluster, 80, 16, 0.5, 100, 0.95, &rng, &a));
  g_assert_true(isnan(a.ci[0][0]));
}

/* With independent frames the stratified percentile interval of the recall covers the truth
 * about 95% of the time; a seeded simulation, so the count is fixed, but it must be plausible. */
static void
test_bootstrap_coverage(void)
{
  enum { SIMULATIONS = 200, M = 60, N = 60 };
  double p[M + N];
  bool cts[M + N];
  CsRng data_rng, boot_rng;
  int covered = 0;

  cs_rng_init(&data_rng, 2026, 0);
  cs_rng_init(&boot_rng, 2026, 1);
  for (int s = 0; s < SIMULATIONS; s++) {
    CsBootstrapIntervals ci;
    for (int i = 0; i < M + N; i++) {
      cts[i] = i < M;
      /* Called CTS with probability 0.8 for a case and 0.1 for a control. */
      p[i] = cs_rng_uniform(&data_rng) < (cts[i] ? 0.8 : 0.1) ? 0.9 : 0.1;
    }
    cs_bootstrap_stratified(p, cts, M + N, 0.5, 400, 0.95, &boot_rng, &ci);
    if (ci.ci[CS_METRIC_RECALL][0] <= 0.8 && 0.8 <= ci.ci[CS_METRIC_RECALL][1])
      covered++;
  }
  g_test_message("stratified bootstrap coverage of the recall: %d / %d", covered, SIMULATIONS);
  g_assert_cmpint(covered, >=, (int)(0.88 * SIMULATIONS));
  g_assert_cmpint(covered, <=, (int)(0.99 * SIMULATIONS));
}

/* Frames of one hand are alike: resampling frames ignores that and gives intervals far too
 * narrow, resampling hands does not. */
static void
test_bootstrap_clustered_coverage(void)
{
  enum { SIMULATIONS = 100, HANDS = 20, FRAMES = 20, N = 2 * HANDS * FRAMES };
  static double p[N];
  static bool cts[N];
  static size_t cluster[N];
  CsRng data_rng, boot_rng;
  int covered_frames = 0, covered_hands = 0;
  double truth = 0.0;

  /* The true recall: the mean over hands of a hand's chance to be called CTS frame by frame. */
  cs_rng_init(&data_rng, 99, 5);
  for (int i = 0; i < 200000; i++)
    truth += 1.0 / (1.0 + exp(-(1.5 + 1.5 * cs_rng_normal(&data_rng))));
  truth /= 200000;

  cs_rng_init(&data_rng, 99, 0);
  cs_rng_init(&boot_rng, 99, 1);
  for (int s = 0; s < SIMULATIONS; s++) {
    CsBootstrapIntervals by_frame, by_hand;
    for (int h = 0; h < 2 * HANDS; h++) {
      double q = 1.0 / (1.0 + exp(-(1.5 + 1.5 * cs_rng_normal(&data_rng))));
      for (int f = 0; f < FRAMES; f++) {
        int i = h * FRAMES + f;
        cts[i] = h < HANDS;
        cluster[i] = (size_t)h;
        p[i] = cs_rng_uniform(&data_rng) < q ? (cts[i] ? 0.9 : 0.1) : (cts[i] ? 0.1 : 0.9);
      }
    }
    cs_bootstrap_stratified(p, cts, N, 0.5, 200, 0.95, &boot_rng, &by_frame);
    g_assert_true(
        cs_bootstrap_clustered(p, cts, cluster, N, 2 * HANDS, 0.5, 200, 0.95, &boot_rng, &by_hand));
    covered_frames +=
        by_frame.ci[CS_METRIC_RECALL][0] <= truth && truth <= by_frame.ci[CS_METRIC_RECALL][1];
    covered_hands +=
        by_hand.ci[CS_METRIC_RECALL][0] <= truth && truth <= by_hand.ci[CS_METRIC_RECALL][1];
  }
  g_test_message("coverage of the recall %.3f: frames resampled %d / %d, hands resampled %d / %d",
                 truth, covered_frames, SIMULATIONS, covered_hands, SIMULATIONS);
  g_assert_cmpint(covered_hands, >=, 85);
  g_assert_cmpint(covered_frames, <, 70);
}

static void
assert_csv_error(const char *text, const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsScores) scores = cs_scores_parse_csv(text, strlen(text), "s.csv", &error);

  g_assert_null(scores);
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  if (strstr(error->message, expected) == NULL)
    g_error("expected '%s' in '%s'", expected, error->message);
  g_assert_null(strchr(error->message, '\n'));
}

static void
test_scores_csv(void)
{
  const char *good = "\xEF\xBB\xBFmodel, hand,frame,label,p_cts,csa_mm2\r\n"
                     "a,H1,0,cts,0.9,12\r\n"
                     "\r\n"
                     "\"a\",H1,1,1,0.8,\r\n"
                     "b,H1,0,cts,0.7,14\r\n"
                     "a,\"H,2\",0,control,0.2,\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(CsScores) scores = cs_scores_parse_csv(good, strlen(good), "good.csv", &error);

  g_assert_no_error(error);
  g_assert_cmpuint(cs_scores_get_n_rows(scores), ==, 4);
  g_assert_cmpuint(cs_scores_get_n_models(scores), ==, 2);
  g_assert_cmpstr(cs_scores_get_model(scores, 1), ==, "b");
  g_assert_cmpuint(cs_scores_get_n_hands(scores), ==, 2);
  g_assert_cmpstr(cs_scores_get_hand(scores, 1), ==, "H,2");
  g_assert_true(cs_scores_get_hand_cts(scores, 0));
  g_assert_cmpfloat(cs_scores_get_hand_csa(scores, 0), ==, 13.0);
  g_assert_true(isnan(cs_scores_get_hand_csa(scores, 1)));

  assert_csv_error("", "empty file");
  assert_csv_error("hand,frame,label,p_cts\nH,0,cts,0.5\n", "s.csv:1: the header has no 'model'");
  assert_csv_error("hand,frame,label,model,p_cts\n", "a header but no rows");
  assert_csv_error("hand,frame,label,model,p_cts\nH,0,cts,a,0.5\nH,1,cts,a\n",
                   "s.csv:3: 4 fields, but the header has 5");
  assert_csv_error("hand,frame,label,model,p_cts\nH,0,cts,a,0.5\n\nH,x,cts,a,0.5\n",
                   "s.csv:4: frame 'x' is not a whole number");
  assert_csv_error("hand,frame,label,model,p_cts\nH,0,sick,a,0.5\n", "s.csv:2: label 'sick'");
  assert_csv_error("hand,frame,label,model,p_cts\nH,0,cts,a,1.5\n",
                   "s.csv:2: p_cts 1.5 is not a probability");
  assert_csv_error("hand,frame,label,model,p_cts\nH,0,cts,a,nan\n", "s.csv:2: p_cts");
  assert_csv_error("hand,frame,label,model,p_cts\nH,0,cts,a,0.5\nH,0,cts,a,0.6\n",
                   "s.csv:3: hand 'H', frame 0, model 'a' appears twice");
  assert_csv_error("hand,frame,label,model,p_cts\nH,0,cts,a,0.5\nH,1,control,a,0.6\n",
                   "s.csv:3: hand 'H' is labelled control here but cts");
  assert_csv_error("hand,frame,label,model,p_cts,csa_mm2\nH,0,cts,a,0.5,-2\n",
                   "s.csv:2: csa_mm2 -2");
  assert_csv_error("hand,frame,label,model,p_cts\n\"H,0,cts,a,0.5\n", "s.csv:2: a quoted field");
  assert_csv_error("hand,frame,label,model,p_cts\nH,0,cts,,0.5\n", "s.csv:2: empty model name");
}

static void
test_evaluate_levels(void)
{
  /* Two hands per class, two frames each; model b misses a frame, so it is unpaired with a at
   * image level but paired at hand level. */
  const char *text = "hand,frame,label,model,p_cts,csa_mm2\n"
                     "C1,0,cts,a,0.9,14\nC1,1,cts,a,0.3,\n"
                     "C2,0,cts,a,0.6,16\nC2,1,cts,a,0.8,\n"
                     "N1,0,control,a,0.2,8\nN1,1,control,a,0.6,\n"
                     "N2,0,control,a,0.1,9\nN2,1,control,a,0.3,\n"
                     "C1,0,cts,b,0.7,\nC2,0,cts,b,0.6,\nC2,1,cts,b,0.4,\n"
                     "N1,0,control,b,0.4,\nN1,1,control,b,0.5,\n"
                     "N2,0,control,b,0.2,\nN2,1,control,b,0.45,\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(CsScores) scores = cs_scores_parse_csv(text, strlen(text), "t.csv", &error);
  g_autoptr(CsEvaluation) evaluation = NULL;
  CsEvaluateOptions options;
  const CsModelEvaluation *hand_a;

  g_assert_no_error(error);
  cs_evaluate_options_init(&options);
  options.replicates = 50;
  evaluation = cs_evaluate(scores, &options, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(evaluation->n_models, ==, 4);
  g_assert_cmpuint(evaluation->models[0].level, ==, CS_LEVEL_IMAGE);
  g_assert_cmpuint(evaluation->models[1].n, ==, 7);
  hand_a = &evaluation->models[2];
  g_assert_cmpuint(hand_a->level, ==, CS_LEVEL_HAND);
  g_assert_cmpstr(hand_a->model, ==, "a");
  /* Hand means: C1 0.6, C2 0.7, N1 0.4, N2 0.2: all right at 0.5. */
  g_assert_cmpuint(hand_a->n, ==, 4);
  g_assert_cmpuint(hand_a->confusion.tp, ==, 2);
  g_assert_cmpuint(hand_a->confusion.tn, ==, 2);
  g_assert_cmpfloat(hand_a->auc.value, ==, 1.0);
  g_assert_true(isnan(hand_a->metrics[0].ci_cluster[0]));
  g_assert_false(isnan(evaluation->models[0].metrics[0].ci_cluster[0]));
  g_assert_cmpuint(evaluation->n_delong, ==, 2);
  g_assert_false(evaluation->delong[0].test.paired);
  g_assert_true(evaluation->delong[1].test.paired);
  g_assert_true(evaluation->has_csa);
  g_assert_cmpfloat(evaluation->csa.test.u, ==, 4.0);
  g_assert_cmpfloat(evaluation->csa.median_cts, ==, 15.0);
}

static void
evaluated_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref(result);
}

/* The GUI's path: the same numbers from a worker thread, and cancellation. */
static void
test_evaluate_async(void)
{
  const char *text = "hand,frame,label,model,p_cts\nC1,0,cts,a,0.9\nC1,1,cts,a,0.4\n"
                     "C2,0,cts,a,0.7\nN1,0,control,a,0.2\nN1,1,control,a,0.6\nN2,0,control,a,0.3\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(CsScores) scores = cs_scores_parse_csv(text, strlen(text), "t.csv", &error);
  g_autoptr(CsEvaluation) sync = cs_evaluate(scores, NULL, NULL, &error);
  g_autoptr(CsEvaluation) async = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new();
  GAsyncResult *result = NULL;

  g_assert_no_error(error);
  cs_evaluate_async(scores, NULL, NULL, evaluated_cb, &result);
  while (result == NULL)
    g_main_context_iteration(NULL, TRUE);
  async = cs_evaluate_finish(result, &error);
  g_clear_object(&result);
  g_assert_no_error(error);
  g_assert_cmpuint(async->n_models, ==, sync->n_models);
  for (size_t i = 0; i < sync->n_models; i++)
    for (int k = 0; k < CS_N_METRICS; k++) {
      g_assert_cmpmem(&async->models[i].metrics[k], sizeof(CsEstimate), &sync->models[i].metrics[k],
                      sizeof(CsEstimate));
    }

  g_cancellable_cancel(cancellable);
  cs_evaluate_async(scores, NULL, cancellable, evaluated_cb, &result);
  while (result == NULL)
    g_main_context_iteration(NULL, TRUE);
  g_assert_null(cs_evaluate_finish(result, &error));
  g_clear_object(&result);
  g_assert_error(error, CS_ERROR, CS_ERROR_CANCELLED);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/stats/rng/deterministic", test_rng_deterministic);
  g_test_add_func("/stats/distributions", test_distributions);
  g_test_add_func("/stats/confusion/metrics", test_confusion_metrics);
  g_test_add_func("/stats/roc/auc-ties", test_roc_auc_ties);
  g_test_add_func("/stats/delong/degenerate", test_delong_degenerate);
  g_test_add_func("/stats/delong/clustered", test_delong_clustered);
  g_test_add_func("/stats/mann-whitney/scipy-cases", test_mann_whitney);
  g_test_add_func("/stats/bootstrap/deterministic", test_bootstrap_deterministic);
  g_test_add_func("/stats/bootstrap/coverage", test_bootstrap_coverage);
  g_test_add_func("/stats/bootstrap/clustered-coverage", test_bootstrap_clustered_coverage);
  g_test_add_func("/stats/scores/csv", test_scores_csv);
  g_test_add_func("/stats/evaluate/levels", test_evaluate_levels);
  g_test_add_func("/stats/evaluate/async", test_evaluate_async);
  return g_test_run();
}
