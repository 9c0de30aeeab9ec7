/* cs-roc.c — ROC curves, the AUC, DeLong's variance and test (fast algorithm), Mann-Whitney U
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-roc.h"

#include "cs-distribution.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  double value;
  size_t index;
} Ranked;

static int
compare_ranked(const void *a, const void *b)
{
  const Ranked *x = a, *y = b;

  if (x->value < y->value)
    return -1;
  if (x->value > y->value)
    return 1;
  /* A total order keeps the sort deterministic whatever qsort's algorithm. */
  return x->index < y->index ? -1 : x->index > y->index;
}

static int
compare_descending(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? 1 : x > y ? -1 : 0;
}

/* Midranks of the concatenation of @a (na) and @b (nb), without copying the values first. */
static void
midranks_of_two(const double *a, size_t na, const double *b, size_t nb, double *ranks)
{
  size_t n = na + nb;
  Ranked *items = g_new(Ranked, n);

  for (size_t i = 0; i < na; i++)
    items[i] = (Ranked){ a[i], i };
  for (size_t j = 0; j < nb; j++)
    items[na + j] = (Ranked){ b[j], na + j };
  qsort(items, n, sizeof *items, compare_ranked);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    double rank;
    while (j + 1 < n && items[j + 1].value == items[i].value)
      j++;
    /* Positions i..j (0-based) share the mean of ranks i + 1 .. j + 1. */
    rank = 0.5 * (double)(i + j + 2);
    for (size_t t = i; t <= j; t++)
      ranks[items[t].index] = rank;
    i = j + 1;
  }
  g_free(items);
}

void
cs_midranks(const double *values, size_t n, double *ranks)
{
  midranks_of_two(values, n, NULL, 0, ranks);
}

size_t
cs_roc_curve(const double *cases, size_t m, const double *controls, size_t n, CsRocPoint *points)
{
  double *x, *y;
  size_t i = 0, j = 0, count = 0;

  if (m == 0 || n == 0)
    return 0;
  x = g_memdup2(cases, m * sizeof *x);
  y = g_memdup2(controls, n * sizeof *y);
  qsort(x, m, sizeof *x, compare_descending);
  qsort(y, n, sizeof *y, compare_descending);
  points[count++] = (CsRocPoint){ 0.0, 0.0, INFINITY };
  /* Lower the threshold through each distinct score; everything >= it is called CTS. */
  while (i < m || j < n) {
    double t;
    if (j >= n || (i < m && x[i] >= y[j]))
      t = x[i];
    else
      t = y[j];
    while (i < m && x[i] >= t)
      i++;
    while (j < n && y[j] >= t)
      j++;
    points[count++] = (CsRocPoint){ (double)j / (double)n, (double)i / (double)m, t };
  }
  g_free(x);
  g_free(y);
  return count;
}

double
cs_auc(const double *cases, size_t m, const double *controls, size_t n)
{
  double *ranks, rank_sum = 0.0;

  if (m == 0 || n == 0)
    return NAN;
  ranks = g_new(double, m + n);
  midranks_of_two(cases, m, controls, n, ranks);
  for (size_t i = 0; i < m; i++)
    rank_sum += ranks[i];
  g_free(ranks);
  /* Ranks are multiples of 1/2, so the sum and U are exact in double precision. */
  return (rank_sum - 0.5 * (double)m * (double)(m + 1)) / ((double)m * (double)n);
}

double
cs_delong_placements(const double *cases, size_t m, const double *controls, size_t n,
                     double *case_placements, double *control_placements)
{
  double *tz, *tx, *ty, rank_sum = 0.0;

  if (m == 0 || n == 0)
    return NAN;
  tz = g_new(double, m + n);
  tx = g_new(double, m);
  ty = g_new(double, n);
  midranks_of_two(cases, m, controls, n, tz);
  cs_midranks(cases, m, tx);
  cs_midranks(controls, n, ty);
  /* A case's pooled rank minus its rank among cases counts the controls below it (ties 1/2);
   * a control's pooled rank minus its rank among controls counts the cases below it. */
  for (size_t i = 0; i < m; i++) {
    case_placements[i] = (tz[i] - tx[i]) / (double)n;
    rank_sum += tz[i];
  }
  for (size_t j = 0; j < n; j++)
    control_placements[j] = 1.0 - (tz[m + j] - ty[j]) / (double)m;
  g_free(tz);
  g_free(tx);
  g_free(ty);
  return (rank_sum - 0.5 * (double)m * (double)(m + 1)) / ((double)m * (double)n);
}

/* The sample covariance (denominator len - 1) of @a and @b around their means. */
static double
covariance(const double *a, double mean_a, const double *b, double mean_b, size_t len)
{
  double sum = 0.0;

  for (size_t i = 0; i < len; i++)
    sum += (a[i] - mean_a) * (b[i] - mean_b);
  return sum / (double)(len - 1);
}

bool
cs_delong_covariance(const double *cases, const double *controls, size_t k, size_t m, size_t n,
                     double *auc, double *cov)
{
  double *v10, *v01;

  for (size_t i = 0; i < k * k; i++)
    cov[i] = NAN;
  if (m == 0 || n == 0) {
    for (size_t r = 0; r < k; r++)
      auc[r] = NAN;
    return false;
  }
  v10 = g_new(double, k *m);
  v01 = g_new(double, k *n);
  for (size_t r = 0; r < k; r++)
    auc[r] = cs_delong_placements(cases + r * m, m, controls + r * n, n, v10 + r * m, v01 + r * n);
  if (m <= 1 || n <= 1) {
    g_free(v10);
    g_free(v01);
    return false;
  }
  /* S = S10 / m + S01 / n, the means of the placements being the AUCs (pROC's theta). */
  for (size_t r = 0; r < k; r++)
    for (size_t s = r; s < k; s++) {
      double c = covariance(v10 + r * m, auc[r], v10 + s * m, auc[s], m) / (double)m +
                 covariance(v01 + r * n, auc[r], v01 + s * n, auc[s], n) / (double)n;
      cov[r * k + s] = c;
      cov[s * k + r] = c;
    }
  g_free(v10);
  g_free(v01);
  return true;
}

bool
cs_auc_delong(const double *cases, size_t m, const double *controls, size_t n, double conf_level,
              CsAucCi *out)
{
  double z;

  out->variance = NAN;
  out->ci[0] = out->ci[1] = NAN;
  if (!cs_delong_covariance(cases, controls, 1, m, n, &out->auc, &out->variance))
    return false;
  z = cs_normal_quantile(1.0 - 0.5 * (1.0 - conf_level));
  out->ci[0] = fmax(0.0, out->auc - z * sqrt(out->variance));
  out->ci[1] = fmin(1.0, out->auc + z * sqrt(out->variance));
  return true;
}

static void
delong_test_clear(CsDelongTest *out, bool paired)
{
  *out = (CsDelongTest){ paired, NAN, NAN, NAN, NAN, NAN, NAN, NAN, { NAN, NAN } };
}

void
cs_delong_test_from_covariance(const double auc[2], const double cov[4], double conf_level,
                               CsDelongTest *out)
{
  double variance, z_crit;

  delong_test_clear(out, true);
  out->auc_a = auc[0];
  out->auc_b = auc[1];
  out->difference = auc[0] - auc[1];
  if (isnan(cov[0]) || isnan(cov[3]))
    return;
  /* Rounding can make L'SL slightly negative when the curves are identical. */
  variance = fmax(0.0, cov[0] + cov[3] - cov[1] - cov[2]);
  out->se = sqrt(variance);
  if (out->se == 0.0)
    out->statistic = out->difference == 0.0 ? 0.0 : copysign(INFINITY, out->difference);
  else
    out->statistic = out->difference / out->se;
  out->p = 2.0 * cs_normal_cdf(-fabs(out->statistic));
  z_crit = cs_normal_quantile(1.0 - 0.5 * (1.0 - conf_level));
  out->ci[0] = out->difference - z_crit * out->se;
  out->ci[1] = out->difference + z_crit * out->se;
}

bool
cs_delong_test_paired(const double *cases_a, const double *controls_a, const double *cases_b,
                      const double *controls_b, size_t m, size_t n, double conf_level,
                      CsDelongTest *out)
{
  double *cases, *controls, auc[2], cov[4];
  bool ok;

  delong_test_clear(out, true);
  if (m == 0 || n == 0)
    return false;
  cases = g_new(double, 2 * m);
  controls = g_new(double, 2 * n);
  memcpy(cases, cases_a, m * sizeof *cases);
  memcpy(cases + m, cases_b, m * sizeof *cases);
  memcpy(controls, controls_a, n * sizeof *controls);
  memcpy(controls + n, controls_b, n * sizeof *controls);
  ok = cs_delong_covariance(cases, controls, 2, m, n, auc, cov);
  g_free(cases);
  g_free(controls);
  cs_delong_test_from_covariance(auc, cov, conf_level, out);
  return ok;
}

bool
cs_delong_clustered_covariance(const double *cases, const size_t *case_clusters,
                               const double *controls, const size_t *control_clusters, size_t k,
                               size_t m, size_t n, size_t n_clusters, double *auc, double *cov)
{
  double *v10, *v01, *sum10, *sum01, *count10, *count01;
  size_t with_cases = 0, with_controls = 0, with_any = 0;
  double big_m = (double)m, big_n = (double)n;

  for (size_t i = 0; i < k * k; i++)
    cov[i] = NAN;
  for (size_t r = 0; r < k; r++)
    auc[r] = NAN;
  if (m == 0 || n == 0 || n_clusters == 0)
    return false;
  for (size_t i = 0; i < m; i++)
    if (case_clusters[i] >= n_clusters)
      return false;
  for (size_t j = 0; j < n; j++)
    if (control_clusters[j] >= n_clusters)
      return false;

  v10 = g_new(double, m);
  v01 = g_new(double, n);
  sum10 = g_new0(double, k *n_clusters);
  sum01 = g_new0(double, k *n_clusters);
  count10 = g_new0(double, n_clusters);
  count01 = g_new0(double, n_clusters);
  for (size_t r = 0; r < k; r++) {
    auc[r] = cs_delong_placements(cases + r * m, m, controls + r * n, n, v10, v01);
    for (size_t i = 0; i < m; i++)
      sum10[r * n_clusters + case_clusters[i]] += v10[i];
    for (size_t j = 0; j < n; j++)
      sum01[r * n_clusters + control_clusters[j]] += v01[j];
  }
  for (size_t i = 0; i < m; i++)
    count10[case_clusters[i]] += 1.0;
  for (size_t j = 0; j < n; j++)
    count01[control_clusters[j]] += 1.0;
  for (size_t c = 0; c < n_clusters; c++) {
    with_cases += count10[c] > 0;
    with_controls += count01[c] > 0;
    with_any += count10[c] > 0 || count01[c] > 0;
  }

  if (with_cases >= 2 && with_controls >= 2) {
    /* S10 and S01 spread the cluster sums of placements around m_c and n_c times the AUC; S11
     * couples the cases and controls of one cluster (zero when every hand has one class). */
    double f10 = (double)with_cases / ((double)(with_cases - 1) * big_m);
    double f01 = (double)with_controls / ((double)(with_controls - 1) * big_n);
    double f11 = (double)with_any / (double)(with_any - 1);
    for (size_t r = 0; r < k; r++)
      for (size_t s = r; s < k; s++) {
        double s10 = 0.0, s01 = 0.0, s11 = 0.0, value;
        for (size_t c = 0; c < n_clusters; c++) {
          double d10r = sum10[r * n_clusters + c] - count10[c] * auc[r];
          double d10s = sum10[s * n_clusters + c] - count10[c] * auc[s];
          double d01r = sum01[r * n_clusters + c] - count01[c] * auc[r];
          double d01s = sum01[s * n_clusters + c] - count01[c] * auc[s];
          s10 += d10r * d10s;
          s01 += d01r * d01s;
          s11 += d10r * d01s + d10s * d01r;
        }
        value = f10 * s10 / big_m + f01 * s01 / big_n + f11 * s11 / (big_m * big_n);
        cov[r * k + s] = value;
        cov[s * k + r] = value;
      }
  }
  g_free(v10);
  g_free(v01);
  g_free(sum10);
  g_free(sum01);
  g_free(count10);
  g_free(count01);
  return with_cases >= 2 && with_controls >= 2;
}

bool
cs_delong_test_unpaired(const double *cases_a, size_t m_a, const double *controls_a, size_t n_a,
                        const double *cases_b, size_t m_b, const double *controls_b, size_t n_b,
                        CsDelongTest *out)
{
  double auc_a, auc_b, var_a, var_b, total;

  delong_test_clear(out, false);
  out->auc_a = cs_auc(cases_a, m_a, controls_a, n_a);
  out->auc_b = cs_auc(cases_b, m_b, controls_b, n_b);
  out->difference = out->auc_a - out->auc_b;
  if (!cs_delong_covariance(cases_a, controls_a, 1, m_a, n_a, &auc_a, &var_a) ||
      !cs_delong_covariance(cases_b, controls_b, 1, m_b, n_b, &auc_b, &var_b))
    return false;
  total = var_a + var_b;
  out->se = sqrt(total);
  out->statistic = out->difference / out->se;
  out->df = total * total /
            (var_a * var_a / (double)(m_a + n_a - 1) + var_b * var_b / (double)(m_b + n_b - 1));
  out->p = 2.0 * cs_student_t_cdf(-fabs(out->statistic), out->df);
  return true;
}

/* P(U <= k) under the null for samples of sizes @a and @b without ties, by the recurrence on
 * the largest observation: it is an x with probability a / (a + b) and then beats all b y's. */
static double
mann_whitney_exact_cdf(size_t a, size_t b, size_t k)
{
  /* prev[i] / cur[i] hold P_{i, j-1} and P_{i, j} on 0..k; the distribution of U is the same
   * for (a, b) and (b, a), so the loop runs over the larger size with the smaller one inside. */
  size_t small = a < b ? a : b, large = a < b ? b : a, len = k + 1;
  double *prev = g_new0(double, (small + 1) * len);
  double *cur = g_new0(double, (small + 1) * len);
  double cdf = 0.0;

  for (size_t i = 0; i <= small; i++)
    prev[i * len] = 1.0; /* P_{i, 0}: U = 0 surely. */
  for (size_t j = 1; j <= large; j++) {
    double *swap;
    memset(cur, 0, (small + 1) * len * sizeof *cur);
    cur[0] = 1.0; /* P_{0, j} */
    for (size_t i = 1; i <= small; i++) {
      double px = (double)i / (double)(i + j), py = (double)j / (double)(i + j);
      for (size_t u = 0; u < len; u++) {
        double value = py * prev[i * len + u];
        if (u >= j)
          value += px * cur[(i - 1) * len + u - j];
        cur[i * len + u] = value;
      }
    }
    swap = prev;
    prev = cur;
    cur = swap;
  }
  for (size_t u = 0; u < len; u++)
    cdf += prev[small * len + u];
  g_free(prev);
  g_free(cur);
  return cdf;
}

bool
cs_mann_whitney(const double *x, size_t n_x, const double *y, size_t n_y, CsMannWhitney *out)
{
  size_t n = n_x + n_y;
  double *ranks, rank_sum = 0.0, u_max, mn, tie_term = 0.0;
  bool ties = false;

  *out = (CsMannWhitney){ n_x, n_y, NAN, NAN, NAN, false };
  if (n_x == 0 || n_y == 0)
    return false;
  ranks = g_new(double, n);
  midranks_of_two(x, n_x, y, n_y, ranks);
  for (size_t i = 0; i < n_x; i++)
    rank_sum += ranks[i];
  {
    /* Tie groups from the sorted ranks: a group of t equal values adds t^3 - t. */
    double *sorted = g_memdup2(ranks, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_descending);
    for (size_t i = 0; i < n;) {
      size_t j = i;
      while (j + 1 < n && sorted[j + 1] == sorted[i])
        j++;
      if (j > i) {
        double t = (double)(j - i + 1);
        ties = true;
        tie_term += t * t * t - t;
      }
      i = j + 1;
    }
    g_free(sorted);
  }
  g_free(ranks);
  mn = (double)n_x * (double)n_y;
  out->u = rank_sum - 0.5 * (double)n_x * (double)(n_x + 1);
  u_max = fmax(out->u, mn - out->u);
  /* SciPy's "auto": exact unless both samples exceed 8 or there are ties. The exact recurrence
   * needs 2 (min + 1) (mn / 2) doubles; past 250000 pairs the normal approximation is used. */
  if ((n_x <= 8 || n_y <= 8) && !ties && mn <= 250000.0) {
    out->exact = true;
    out->p = fmin(1.0, 2.0 * mann_whitney_exact_cdf(n_x, n_y, (size_t)(mn - u_max)));
  } else {
    double s = sqrt(mn / 12.0 * ((double)(n + 1) - tie_term / ((double)n * (double)(n - 1))));
    double numerator = u_max - 0.5 * mn - 0.5;
    if (s > 0.0) {
      out->z = numerator / s;
      out->p = fmin(1.0, 2.0 * cs_normal_sf(out->z));
    } else {
      out->z = -INFINITY;
      out->p = 1.0; /* Every value tied: no evidence either way. */
    }
  }
  return true;
}
