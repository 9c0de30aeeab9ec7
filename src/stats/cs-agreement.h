/* cs-agreement.h — agreement of two measurements of the same thing: automatic and manual CSA
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For research: how far the nerve finder's cross-sectional area agrees with a person's tracing of
 * the same frame. Bland and Altman (Lancet 1986): the mean difference (bias) and its limits of
 * agreement, mean +- 1.96 SD of the differences. The intraclass correlation ICC(2,1) of Shrout
 * and Fleiss (Psychol Bull 1979): two-way random effects, absolute agreement, single measures,
 * R's irr::icc(model = "twoway", type = "agreement", unit = "single") and pingouin's ICC2:
 *   ICC(2,1) = (BMS - EMS) / (BMS + (k - 1) EMS + k (JMS - EMS) / n)
 * with n targets, k raters and the mean squares of targets (BMS), raters (JMS) and error (EMS).
 *
 *   CsAgreement a;
 *   cs_agreement_compute(automatic_mm2, manual_mm2, n, &a, &error);
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Agreement of @n pairs (a_i, b_i). */
typedef struct {
  gsize n;
  double mean_a, mean_b;
  double mean_difference; /* Mean of a - b: the bias. */
  double sd_difference;   /* Sample SD of a - b (n - 1). */
  double lower_limit;     /* mean_difference - 1.96 sd_difference. */
  double upper_limit;     /* mean_difference + 1.96 sd_difference. */
  double icc_2_1;         /* ICC(2,1) of the pairs as two raters; NaN when undefined. */
} CsAgreement;

/* Computes the agreement of @a and @b (@n >= 2 finite pairs); FALSE with @error otherwise. */
gboolean cs_agreement_compute(const double *a, const double *b, gsize n, CsAgreement *agreement,
                              GError **error);

/* ICC(2,1) of @n_targets x @n_raters ratings, row by target (@x[t * n_raters + r]); NaN when
 * there are fewer than 2 targets or raters or no variance at all. */
double cs_icc_2_1(const double *x, gsize n_targets, gsize n_raters);

G_END_DECLS
