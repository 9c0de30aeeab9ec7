/* test-explain-ridge.c — the weighted ridge surrogate against a direct normal-equation solve
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-ridge.h"

#include <glib.h>
#include <math.h>

/* Solves the (p+1) x (p+1) system A b = r in place by Gauss-Jordan elimination with partial
 * pivoting, in long double: an independent route to the same answer. */
static void
solve_direct(long double *a, long double *r, int m)
{
  for (int c = 0; c < m; c++) {
    int pivot = c;
    for (int i = c + 1; i < m; i++)
      if (fabsl(a[i * m + c]) > fabsl(a[pivot * m + c]))
        pivot = i;
    for (int j = 0; j < m; j++) {
      long double t = a[c * m + j];
      a[c * m + j] = a[pivot * m + j];
      a[pivot * m + j] = t;
    }
    long double t = r[c];
    r[c] = r[pivot];
    r[pivot] = t;
    for (int i = 0; i < m; i++) {
      if (i == c)
        continue;
      long double f = a[i * m + c] / a[c * m + c];
      for (int j = 0; j < m; j++)
        a[i * m + j] -= f * a[c * m + j];
      r[i] -= f * r[c];
    }
  }
  for (int i = 0; i < m; i++)
    r[i] /= a[i * m + i];
}

/* (b) With the intercept as an extra, unpenalised column of ones, the weighted ridge normal
 * equations are [X 1]' W [X 1] b + alpha diag(1, .., 1, 0) b = [X 1]' W y; our centred Cholesky
 * route must land on the same coefficients and intercept. */
static void
test_ridge_normal_equations(void)
{
  enum { N = 40, P = 6 };
  g_autoptr(GRand) rand = g_rand_new_with_seed(4);
  double x[N * P], y[N], w[N], coef[P], intercept = 0, r2 = 0;
  const double alphas[] = { 0.0, 1.0, 7.5 };

  for (int i = 0; i < N; i++) {
    for (int j = 0; j < P; j++)
      x[i * P + j] = g_rand_boolean(rand) ? 1.0 : 0.0;
    y[i] = 0.3 + 0.8 * x[i * P + 1] - 0.5 * x[i * P + 4] + g_rand_double_range(rand, -0.1, 0.1);
    w[i] = g_rand_double_range(rand, 0.05, 1.0);
  }
  for (guint t = 0; t < G_N_ELEMENTS(alphas); t++) {
    long double a[(P + 1) * (P + 1)] = { 0 }, r[P + 1] = { 0 };
    for (int i = 0; i < N; i++) {
      long double row[P + 1];
      for (int j = 0; j < P; j++)
        row[j] = x[i * P + j];
      row[P] = 1;
      for (int j = 0; j <= P; j++) {
        r[j] += w[i] * row[j] * y[i];
        for (int k = 0; k <= P; k++)
          a[j * (P + 1) + k] += w[i] * row[j] * row[k];
      }
    }
    for (int j = 0; j < P; j++)
      a[j * (P + 1) + j] += alphas[t];
    solve_direct(a, r, P + 1);

    g_assert_cmpint(cs_ridge_fit(x, y, w, N, P, alphas[t], coef, &intercept, &r2), ==, 0);
    for (int j = 0; j < P; j++)
      g_assert_cmpfloat_with_epsilon(coef[j], (double)r[j], 1e-10);
    g_assert_cmpfloat_with_epsilon(intercept, (double)r[P], 1e-10);

    /* The weighted R^2 from the direct solution. */
    double fitted[N];
    for (int i = 0; i < N; i++) {
      fitted[i] = (double)r[P];
      for (int j = 0; j < P; j++)
        fitted[i] += (double)r[j] * x[i * P + j];
    }
    g_assert_cmpfloat_with_epsilon(r2, cs_weighted_r2(y, fitted, w, N), 1e-10);
    g_assert_cmpfloat(r2, >, 0.5);
    g_assert_cmpfloat(r2, <, 1.0);
  }
}

/* Known values: an exact line gives R^2 = 1; scikit-learn's conventions for a constant target. */
static void
test_r2_conventions(void)
{
  const double y[] = { 1, 2, 3, 4 }, same[] = { 2, 2, 2, 2 }, off[] = { 1, 2, 3, 5 };
  const double w[] = { 1, 2, 1, 2 };

  g_assert_cmpfloat(cs_weighted_r2(y, y, w, 4), ==, 1.0);
  g_assert_cmpfloat(cs_weighted_r2(same, same, NULL, 4), ==, 1.0);
  g_assert_cmpfloat(cs_weighted_r2(same, y, NULL, 4), ==, 0.0);
  /* Weighted mean 2.667; residual 2 x 1; total 2.778 + 2 x 0.444 + 0.111 + 2 x 1.778 = 7.333. */
  g_assert_cmpfloat_with_epsilon(cs_weighted_r2(y, off, w, 4), 1.0 - 2.0 / (22.0 / 3.0), 1e-12);
}

/* A singular unpenalised system is reported, not solved into garbage; bad sizes are refused. */
static void
test_ridge_failures(void)
{
  /* Two identical columns, centred exactly (mean 1/2), so the Gram matrix is exactly singular. */
  double x[] = { 1, 1, 0, 0, 1, 1, 0, 0 };
  double y[] = { 1, 0, 1, 0.5 }, coef[2];

  g_assert_cmpint(cs_ridge_fit(x, y, NULL, 4, 2, 0.0, coef, NULL, NULL), >, 0);
  g_assert_cmpint(cs_ridge_fit(x, y, NULL, 4, 2, 1.0, coef, NULL, NULL), ==, 0);
  g_assert_cmpfloat_with_epsilon(coef[0], coef[1], 1e-12);
  g_assert_cmpint(cs_ridge_fit(x, y, NULL, 0, 2, 1.0, coef, NULL, NULL), ==, -1);
  g_assert_cmpint(cs_ridge_fit(x, y, NULL, 3, 2, -1.0, coef, NULL, NULL), ==, -1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/explain/ridge/normal-equations", test_ridge_normal_equations);
  g_test_add_func("/explain/ridge/r2-conventions", test_r2_conventions);
  g_test_add_func("/explain/ridge/failures", test_ridge_failures);
  return g_test_run();
}
