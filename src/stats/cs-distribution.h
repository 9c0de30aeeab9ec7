/* cs-distribution.h — the normal and Student t distributions, and sample quantiles
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stddef.h>

/* Returns P(Z <= @z) for a standard normal Z, accurate in both tails. */
double cs_normal_cdf(double z);

/* Returns P(Z > @z) for a standard normal Z, accurate in both tails. */
double cs_normal_sf(double z);

/* Returns the @p quantile of the standard normal (as R's qnorm); NaN outside (0, 1). */
double cs_normal_quantile(double p);

/* Returns P(T <= @t) for Student's t with @df (> 0, not necessarily integer) degrees of freedom. */
double cs_student_t_cdf(double t, double df);

/* Returns the regularized incomplete beta function I_x(a, b). */
double cs_incomplete_beta(double x, double a, double b);

/* Returns the @prob quantile of @sorted (ascending, @n > 0) as R's quantile(type = 7). */
double cs_quantile_sorted(const double *sorted, size_t n, double prob);
