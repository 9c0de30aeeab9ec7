/* cs-ridge.h — weighted ridge regression with an intercept
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plain C on LAPACK. Minimises sum_i w_i (y_i - b0 - x_i . b)^2 + alpha |b|^2 (the intercept b0 is
 * not penalised), as scikit-learn's Ridge(alpha, fit_intercept=True) with sample weights: X and y
 * are centred on their weighted means and the normal equations
 * (Xc' W Xc + alpha I) b = Xc' W yc are solved by Cholesky (LAPACK dposv).
 */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* Fits @n samples of @p features (@x row-major n x p, @y, weights @w > 0 or NULL for 1); writes
 * @coef (p), @intercept and the weighted R^2 to @r2 (any of the last two may be NULL). Returns
 * 0, -1 on a bad argument or failed allocation, or the LAPACK info when the system is singular. */
int cs_ridge_fit(const double *x, const double *y, const double *w, int n, int p, double alpha,
                 double *coef, double *intercept, double *r2);

/* The weighted coefficient of determination 1 - sum w (y - f)^2 / sum w (y - mean_w y)^2; 1 when
 * both sums are 0 and 0 when only the second is (scikit-learn's convention). */
double cs_weighted_r2(const double *y, const double *fitted, const double *w, int n);

#ifdef __cplusplus
}
#endif
