/* cs-distribution.c — the normal and Student t distributions, and sample quantiles
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-distribution.h"

#include <math.h>

double
cs_normal_cdf(double z)
{
  return 0.5 * erfc(-z / M_SQRT2);
}

double
cs_normal_sf(double z)
{
  return 0.5 * erfc(z / M_SQRT2);
}

double
cs_normal_quantile(double p)
{
  double lo = -40.0, hi = 40.0;

  if (!(p > 0.0 && p < 1.0))
    return NAN;
  /* Bisection on erfc is slow next to a rational approximation but exact to the last bit that
   * the cdf can resolve, and this is called a handful of times per evaluation. */
  for (int i = 0; i < 200; i++) {
    double mid = 0.5 * (lo + hi);
    if (mid == lo || mid == hi)
      break;
    if (cs_normal_cdf(mid) < p)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* The continued fraction of the incomplete beta function (modified Lentz's method). */
static double
beta_continued_fraction(double x, double a, double b)
{
  const double tiny = 1e-300;
  double c = 1.0;
  double d = 1.0 - (a + b) * x / (a + 1.0);
  double f;

  if (fabs(d) < tiny)
    d = tiny;
  d = 1.0 / d;
  f = d;
  for (int m = 1; m <= 10000; m++) {
    double m2 = 2.0 * m;
    double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
    double delta;

    d = 1.0 + num * d;
    c = 1.0 + num / c;
    if (fabs(d) < tiny)
      d = tiny;
    if (fabs(c) < tiny)
      c = tiny;
    d = 1.0 / d;
    f *= d * c;

    num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
    d = 1.0 + num * d;
    c = 1.0 + num / c;
    if (fabs(d) < tiny)
      d = tiny;
    if (fabs(c) < tiny)
      c = tiny;
    d = 1.0 / d;
    delta = d * c;
    f *= delta;
    if (fabs(delta - 1.0) < 1e-16)
      break;
  }
  return f;
}

double
cs_incomplete_beta(double x, double a, double b)
{
  double log_front;

  if (isnan(x) || isnan(a) || isnan(b) || a <= 0.0 || b <= 0.0)
    return NAN;
  if (x <= 0.0)
    return 0.0;
  if (x >= 1.0)
    return 1.0;
  log_front = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
  /* The fraction converges fast only on one side of the mean; use the symmetry otherwise. */
  if (x < (a + 1.0) / (a + b + 2.0))
    return exp(log_front) * beta_continued_fraction(x, a, b) / a;
  return 1.0 - exp(log_front) * beta_continued_fraction(1.0 - x, b, a) / b;
}

double
cs_student_t_cdf(double t, double df)
{
  double tail;

  if (isnan(t) || !(df > 0.0))
    return NAN;
  if (isinf(t))
    return t > 0 ? 1.0 : 0.0;
  /* P(|T| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2). */
  tail = 0.5 * cs_incomplete_beta(df / (df + t * t), 0.5 * df, 0.5);
  return t < 0 ? tail : 1.0 - tail;
}

double
cs_quantile_sorted(const double *sorted, size_t n, double prob)
{
  double h, frac;
  size_t lo;

  if (n == 0 || isnan(prob))
    return NAN;
  h = (double)(n - 1) * prob;
  lo = (size_t)floor(h);
  if (lo >= n - 1)
    return sorted[n - 1];
  frac = h - (double)lo;
  return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}
