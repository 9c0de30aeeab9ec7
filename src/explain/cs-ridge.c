/* cs-ridge.c — weighted ridge regression with an intercept
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-ridge.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>

double
cs_weighted_r2(const double *y, const double *fitted, const double *w, int n)
{
  double sw = 0, mean = 0;

  for (int i = 0; i < n; i++) {
    double wi = w != NULL ? w[i] : 1.0;
    sw += wi;
    mean += wi * y[i];
  }
  if (!(sw > 0))
    return 0;
  mean /= sw;
  double residual = 0, total = 0;
  for (int i = 0; i < n; i++) {
    double wi = w != NULL ? w[i] : 1.0;
    residual += wi * (y[i] - fitted[i]) * (y[i] - fitted[i]);
    total += wi * (y[i] - mean) * (y[i] - mean);
  }
  if (total == 0)
    return residual == 0 ? 1.0 : 0.0;
  return 1.0 - residual / total;
}

int
cs_ridge_fit(const double *x, const double *y, const double *w, int n, int p, double alpha,
             double *coef, double *intercept, double *r2)
{
  if (x == NULL || y == NULL || coef == NULL || n < 1 || p < 1 || alpha < 0 || p > 100000)
    return -1;

  double *x_mean = calloc((size_t)p, sizeof(double));
  double *gram = calloc((size_t)p * p, sizeof(double));
  double *fitted = malloc((size_t)n * sizeof(double));
  if (x_mean == NULL || gram == NULL || fitted == NULL) {
    free(x_mean);
    free(gram);
    free(fitted);
    return -1;
  }

  double sw = 0, y_mean = 0;
  for (int i = 0; i < n; i++) {
    double wi = w != NULL ? w[i] : 1.0;
    sw += wi;
    y_mean += wi * y[i];
    for (int j = 0; j < p; j++)
      x_mean[j] += wi * x[(size_t)i * p + j];
  }
  int status = -1;
  if (!(sw > 0))
    goto out;
  y_mean /= sw;
  for (int j = 0; j < p; j++)
    x_mean[j] /= sw;

  /* Normal equations on the centred data: the lower triangle of Xc' W Xc + alpha I and the
   * right-hand side Xc' W yc (in coef, which dposv overwrites with the solution). */
  for (int j = 0; j < p; j++)
    coef[j] = 0;
  for (int i = 0; i < n; i++) {
    double wi = w != NULL ? w[i] : 1.0;
    const double *row = &x[(size_t)i * p];
    double ry = wi * (y[i] - y_mean);
    for (int j = 0; j < p; j++) {
      double a = wi * (row[j] - x_mean[j]);
      coef[j] += (row[j] - x_mean[j]) * ry;
      double *g = &gram[(size_t)j * p];
      for (int k = 0; k <= j; k++)
        g[k] += a * (row[k] - x_mean[k]);
    }
  }
  for (int j = 0; j < p; j++)
    gram[(size_t)j * p + j] += alpha;

  /* Row-major lower triangle is column-major upper: LAPACK sees it as 'U'. */
  lapack_int info = LAPACKE_dposv(LAPACK_COL_MAJOR, 'U', p, 1, gram, p, coef, p);
  if (info != 0) {
    status = (int)info;
    goto out;
  }
  double b0 = y_mean;
  for (int j = 0; j < p; j++)
    b0 -= x_mean[j] * coef[j];
  if (intercept != NULL)
    *intercept = b0;
  if (r2 != NULL) {
    for (int i = 0; i < n; i++) {
      double f = b0;
      for (int j = 0; j < p; j++)
        f += x[(size_t)i * p + j] * coef[j];
      fitted[i] = f;
    }
    *r2 = cs_weighted_r2(y, fitted, w, n);
  }
  status = 0;

out:
  free(x_mean);
  free(gram);
  free(fitted);
  return status;
}
