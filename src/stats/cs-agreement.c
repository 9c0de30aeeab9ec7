/* cs-agreement.c — agreement of two measurements of the same thing: automatic and manual CSA
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-agreement.h"

#include <math.h>

#include "cs-error.h"

double
cs_icc_2_1(const double *x, gsize n_targets, gsize n_raters)
{
  double n = (double)n_targets, k = (double)n_raters, grand = 0.0;
  double ss_targets = 0.0, ss_raters = 0.0, ss_total = 0.0, bms, jms, ems, denominator;

  if (n_targets < 2 || n_raters < 2)
    return NAN;
  for (gsize i = 0; i < n_targets * n_raters; i++)
    grand += x[i];
  grand /= n * k;
  for (gsize t = 0; t < n_targets; t++) {
    double mean = 0.0;

    for (gsize r = 0; r < n_raters; r++) {
      mean += x[t * n_raters + r];
      ss_total += (x[t * n_raters + r] - grand) * (x[t * n_raters + r] - grand);
    }
    mean /= k;
    ss_targets += k * (mean - grand) * (mean - grand);
  }
  for (gsize r = 0; r < n_raters; r++) {
    double mean = 0.0;

    for (gsize t = 0; t < n_targets; t++)
      mean += x[t * n_raters + r];
    mean /= n;
    ss_raters += n * (mean - grand) * (mean - grand);
  }
  bms = ss_targets / (n - 1);
  jms = ss_raters / (k - 1);
  ems = (ss_total - ss_targets - ss_raters) / ((n - 1) * (k - 1));
  denominator = bms + (k - 1) * ems + k * (jms - ems) / n;
  return denominator > 0 ? (bms - ems) / denominator : NAN;
}

gboolean
cs_agreement_compute(const double *a, const double *b, gsize n, CsAgreement *agreement,
                     GError **error)
{
  g_autofree double *pairs = NULL;
  double sum = 0.0, sum2 = 0.0;

  if (n < 2) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "agreement needs at least 2 pairs of measurements, not %" G_GSIZE_FORMAT, n);
    return FALSE;
  }
  *agreement = (CsAgreement){ .n = n };
  pairs = g_new(double, 2 * n);
  for (gsize i = 0; i < n; i++) {
    if (!isfinite(a[i]) || !isfinite(b[i])) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "pair %" G_GSIZE_FORMAT " is not finite", i);
      return FALSE;
    }
    agreement->mean_a += a[i] / (double)n;
    agreement->mean_b += b[i] / (double)n;
    sum += a[i] - b[i];
    pairs[2 * i] = a[i];
    pairs[2 * i + 1] = b[i];
  }
  agreement->mean_difference = sum / (double)n;
  for (gsize i = 0; i < n; i++) {
    double d = a[i] - b[i] - agreement->mean_difference;

    sum2 += d * d;
  }
  agreement->sd_difference = sqrt(sum2 / (double)(n - 1));
  agreement->lower_limit = agreement->mean_difference - 1.96 * agreement->sd_difference;
  agreement->upper_limit = agreement->mean_difference + 1.96 * agreement->sd_difference;
  agreement->icc_2_1 = cs_icc_2_1(pairs, n, 2);
  return TRUE;
}
