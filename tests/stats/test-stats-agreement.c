/* test-stats-agreement.c — Bland-Altman limits and ICC(2,1) against published worked examples
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ICC(2,1): Shrout and Fleiss (1979), Table 2: 6 targets rated by 4 judges; their mean squares
 * BMS 11.24, JMS 32.49, EMS 1.02 give ICC(2,1) = .29 (and ICC(3,1) = .71, which ICC(2,1) must not
 * be). Bland-Altman: Bland and Altman (1986), peak expiratory flow of 17 subjects by the Wright
 * and the mini Wright meter (first readings): mean difference -2.1 l/min, SD 38.8.
 */
#include <glib.h>
#include <math.h>

#include "cs-agreement.h"
#include "cs-error.h"

static void
test_icc_shrout_fleiss(void)
{
  const double x[6 * 4] = {
    9, 2, 5, 8, 6, 1, 3, 2, 8, 4, 6, 8, 7, 1, 2, 6, 10, 5, 6, 9, 6, 2, 4, 7
  };
  const double same[3 * 2] = { 1, 1, 2, 2, 3, 3 };
  const double flat[2 * 2] = { 5, 5, 5, 5 };

  /* (BMS - EMS) / (BMS + 3 EMS + 4 (JMS - EMS) / 6) with the exact mean squares. */
  g_assert_cmpfloat_with_epsilon(cs_icc_2_1(x, 6, 4), 0.289763779527559, 1e-12);
  g_assert_cmpfloat(fabs(cs_icc_2_1(x, 6, 4) - 0.29), <, 0.005);
  g_assert_cmpfloat_with_epsilon(cs_icc_2_1(same, 3, 2), 1.0, 1e-12);
  g_assert_true(isnan(cs_icc_2_1(flat, 2, 2)));
  g_assert_true(isnan(cs_icc_2_1(x, 1, 4)));
}

static void
test_bland_altman(void)
{
  const double wright[17] = { 494, 395, 516, 434, 476, 557, 413, 442, 650,
                              433, 417, 656, 267, 478, 178, 423, 427 };
  const double mini[17] = { 512, 430, 520, 428, 500, 600, 364, 380, 658,
                            445, 432, 626, 260, 477, 259, 350, 451 };
  const double one[1] = { 1 }, inf[2] = { 1, INFINITY };
  CsAgreement a;
  g_autoptr(GError) error = NULL;

  g_assert_true(cs_agreement_compute(wright, mini, 17, &a, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(a.n, ==, 17);
  g_assert_cmpfloat(fabs(a.mean_difference - -2.1), <, 0.05);
  g_assert_cmpfloat(fabs(a.sd_difference - 38.8), <, 0.05);
  g_assert_cmpfloat_with_epsilon(a.lower_limit, a.mean_difference - 1.96 * a.sd_difference, 1e-9);
  g_assert_cmpfloat_with_epsilon(a.upper_limit, a.mean_difference + 1.96 * a.sd_difference, 1e-9);
  g_assert_cmpfloat_with_epsilon(a.mean_a - a.mean_b, a.mean_difference, 1e-9);
  /* The two meters agree closely relative to the spread of the subjects. */
  g_assert_cmpfloat(a.icc_2_1, >, 0.9);
  g_assert_cmpfloat(a.icc_2_1, <, 1.0);

  g_assert_false(cs_agreement_compute(one, one, 1, &a, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_false(cs_agreement_compute(inf, inf, 2, &a, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/stats/agreement/icc-shrout-fleiss", test_icc_shrout_fleiss);
  g_test_add_func("/stats/agreement/bland-altman", test_bland_altman);
  return g_test_run();
}
