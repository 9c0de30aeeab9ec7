/* cs-roc.h — ROC curves, the AUC, DeLong's variance and test (fast algorithm), Mann-Whitney U
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Throughout, "cases" are the CTS scores (m of them) and "controls" the control scores (n), and
 * the direction is fixed: a higher p(CTS) means CTS (pROC's direction = "<"). Nothing here picks
 * the direction from the data, as pROC's "auto" would. */

/* One point of an empirical ROC curve: everything with a score >= threshold is called CTS. */
typedef struct {
  double fpr;       /* 1 - specificity */
  double tpr;       /* Sensitivity */
  double threshold; /* +INFINITY for the first point (0, 0) */
} CsRocPoint;

/* Writes the ROC curve into @points (room for m + n + 1) from (0, 0) to (1, 1), one point per
 * distinct score in descending order; returns the number of points, 0 when m or n is 0. */
size_t cs_roc_curve(const double *cases, size_t m, const double *controls, size_t n,
                    CsRocPoint *points);

/* Returns the AUC, P(case > control) + P(tie) / 2 = U / (m n); NaN when m or n is 0. */
double cs_auc(const double *cases, size_t m, const double *controls, size_t n);

/* Writes the midranks of @values (ties get the mean of their ranks, from 1) into @ranks. */
void cs_midranks(const double *values, size_t n, double *ranks);

/* Computes DeLong's placements by Sun and Xu's midrank algorithm (O(N log N)): @case_placements
 * (m) get the fraction of controls below each case, @control_placements (n) the fraction of
 * cases above each control, ties counting 1/2. Returns the AUC. */
double cs_delong_placements(const double *cases, size_t m, const double *controls, size_t n,
                            double *case_placements, double *control_placements);

/* An AUC with DeLong's variance and normal confidence interval, as pROC's var() and ci.auc(). */
typedef struct {
  double auc;
  double variance; /* NaN when m <= 1 or n <= 1, like pROC's NA */
  double ci[2];    /* auc -+ z sqrt(variance), clipped to [0, 1]; NaN as the variance */
} CsAucCi;

/* Fills @out for one classifier; returns false (with NaN variance and CI) when m or n <= 1. */
bool cs_auc_delong(const double *cases, size_t m, const double *controls, size_t n,
                   double conf_level, CsAucCi *out);

/* For @k classifiers scored on the same cases and controls (classifier r's scores at
 * cases[r * m ...] and controls[r * n ...]) writes the AUCs into @auc (k) and DeLong's
 * covariance matrix, row-major, into @cov (k x k). Returns false when m or n <= 1. */
bool cs_delong_covariance(const double *cases, const double *controls, size_t k, size_t m, size_t n,
                          double *auc, double *cov);

/* DeLong's test of two AUCs, as pROC's roc.test(method = "delong"). */
typedef struct {
  bool paired;       /* Same cases and controls for both curves. */
  double auc_a;      /* AUC of the first curve */
  double auc_b;      /* AUC of the second curve */
  double difference; /* auc_a - auc_b */
  double se;         /* Standard error of the difference */
  double statistic;  /* z (paired) or D (unpaired) */
  double df;         /* Welch-Satterthwaite degrees of freedom (unpaired); NaN when paired */
  double p;          /* Two-sided p-value */
  double ci[2];      /* CI of the difference (paired only, DeLong 1988); NaN otherwise */
} CsDelongTest;

/* DeLong's covariance for clustered data (Obuchowski, Biometrics 1997;53:567): items come in
 * clusters numbered 0 .. @n_clusters - 1 (the hands; @case_clusters gives each case's, and
 * @control_clusters each control's), and the placements are summed per cluster before their
 * spread is taken, so correlated frames of one hand count once. With one item per cluster it is
 * DeLong's covariance. Layout of @cases, @controls, @auc and @cov as cs_delong_covariance().
 * Returns false when fewer than two clusters hold cases or controls. */
bool cs_delong_clustered_covariance(const double *cases, const size_t *case_clusters,
                                    const double *controls, const size_t *control_clusters,
                                    size_t k, size_t m, size_t n, size_t n_clusters, double *auc,
                                    double *cov);

/* Fills @out from a 2 x 2 covariance of the AUCs @auc (paired test, as pROC's delong.paired). */
void cs_delong_test_from_covariance(const double auc[2], const double cov[4], double conf_level,
                                    CsDelongTest *out);

/* The paired test: both curves scored the same m cases and n controls, in the same order.
 * z = 0 and p = 1 when the difference and its standard error are both 0 (as pROC). Returns false
 * (statistics NaN) when m or n <= 1. */
bool cs_delong_test_paired(const double *cases_a, const double *controls_a, const double *cases_b,
                           const double *controls_b, size_t m, size_t n, double conf_level,
                           CsDelongTest *out);

/* The unpaired (Welch) test for curves on different subjects; p from Student's t. */
bool cs_delong_test_unpaired(const double *cases_a, size_t m_a, const double *controls_a,
                             size_t n_a, const double *cases_b, size_t m_b,
                             const double *controls_b, size_t n_b, CsDelongTest *out);

/* The Mann-Whitney U test of x against y, two-sided, as scipy.stats.mannwhitneyu's defaults
 * (method "auto", use_continuity True) in SciPy 1.10. */
typedef struct {
  size_t n_x, n_y;
  double u;   /* U of x: the number of (x, y) pairs with x > y, ties counting 1/2 */
  double z;   /* The standardised statistic used (NaN for the exact test) */
  double p;   /* Two-sided p-value */
  bool exact; /* The exact null distribution was used (min(n_x, n_y) <= 8 and no ties) */
} CsMannWhitney;

/* Fills @out; returns false when x or y is empty. */
bool cs_mann_whitney(const double *x, size_t n_x, const double *y, size_t n_y, CsMannWhitney *out);
