/* test-study-wrist-forearm.c — the wrist-to-forearm ratio and delta-CSA of a case: both levels
 * by one rater, the ratio without a spacing, none without a forearm tracing
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "cs-wrist-forearm.h"

/* Adds a square tracing of @side px at @level by @rater. */
static void
add_square(CsCase *c, const char *level, double side, const char *rater)
{
  const double xy[] = { 0, 0, side, 0, side, side, 0, side };
  g_autoptr(CsTracing) tracing = cs_tracing_new(level, 0, xy, 4);

  tracing->rater = g_strdup(rater);
  g_assert_cmpint(cs_case_add_tracing(c, tracing, NULL), >=, 0);
}

static void
test_wrist_forearm(void)
{
  g_autoptr(CsCase) c = cs_case_new("c");
  g_auto(CsWristForearm) wf = { 0 };

  /* No forearm tracing: no comparison. */
  add_square(c, "inlet", 40, "IS"); /* 1600 px^2 */
  cs_wrist_forearm_from_case(c, &wf);
  g_assert_cmpuint(wf.inlet.n_tracings, ==, 1);
  g_assert_cmpuint(wf.n_forearm, ==, 0);
  g_assert_true(isnan(wf.ratio));
  g_assert_true(isnan(wf.delta_mm2));
  cs_wrist_forearm_clear(&wf);

  /* A forearm tracing by another rater does not count; one by the inlet's rater does. Without
   * a spacing the ratio is known and the difference is not. */
  add_square(c, "forearm", 10, "KM");
  add_square(c, " Forearm ", 20, "IS"); /* 400 px^2 */
  add_square(c, "forearm-2", 5, "IS");
  cs_wrist_forearm_from_case(c, &wf);
  g_assert_cmpuint(wf.n_forearm, ==, 1);
  g_assert_cmpfloat_with_epsilon(wf.forearm_px2, 400, 1e-9);
  g_assert_cmpfloat_with_epsilon(wf.ratio, 4.0, 1e-12);
  g_assert_true(isnan(wf.delta_mm2));
  cs_wrist_forearm_clear(&wf);

  /* With 0.1 mm/px: inlet 16 mm^2, forearm 4 mm^2, difference 12 mm^2, ratio unchanged. */
  g_assert_true(cs_case_set_spacing(c, 0.1, CS_SPACING_SOURCE_MANUAL, NULL));
  cs_wrist_forearm_from_case(c, &wf);
  g_assert_cmpfloat_with_epsilon(wf.inlet.area_mm2, 16, 1e-9);
  g_assert_cmpfloat_with_epsilon(wf.forearm_mm2, 4, 1e-9);
  g_assert_cmpfloat_with_epsilon(wf.delta_mm2, 12, 1e-9);
  g_assert_cmpfloat_with_epsilon(wf.ratio, 4.0, 1e-12);
  g_assert_true(cs_wrist_forearm_level_matches("FOREARM"));
  g_assert_false(cs_wrist_forearm_level_matches("forearm-2"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/study/wrist-forearm", test_wrist_forearm);
  return g_test_run();
}
