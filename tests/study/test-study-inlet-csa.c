/* test-study-inlet-csa.c — the one rule for a case's inlet CSA: level, rater, mean, none
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <math.h>

#include "cs-inlet-csa.h"
#include "cs-study.h"

/* Adds a @w x @h px rectangle traced at @level on @frame by @rater (NULL: not recorded). */
static void
add_rectangle(CsCase *c, const char *level, gint64 frame, const char *rater, double w, double h)
{
  const double xy[] = { 100, 100, 100 + w, 100, 100 + w, 100 + h, 100, 100 + h };
  g_autoptr(CsTracing) tracing = cs_tracing_new(level, frame, xy, 4);
  g_autoptr(GError) error = NULL;

  tracing->rater = g_strdup(rater);
  g_assert_cmpint(cs_case_add_tracing(c, tracing, &error), >=, 0);
  g_assert_no_error(error);
}

static void
test_level_names(void)
{
  const char *inlet[] = { "inlet", "Inlet", "INLET", " inlet ", "\tiNLet\n" };
  const char *other[] = { "forearm",      "outlet", "pisiform", "inlet-2", "inlets",
                          "carpal inlet", "in let", "",         " " };

  for (guint i = 0; i < G_N_ELEMENTS(inlet); i++)
    g_assert_true(cs_inlet_csa_level_matches(inlet[i]));
  for (guint i = 0; i < G_N_ELEMENTS(other); i++)
    g_assert_false(cs_inlet_csa_level_matches(other[i]));
  g_assert_false(cs_inlet_csa_level_matches(NULL));
}

/* Several tracings at several levels by several raters: one rater's inlet tracings, averaged. */
static void
test_several_levels_and_raters(void)
{
  g_autoptr(CsCase) c = cs_case_new("hand");
  g_auto(CsInletCsa) csa = { 0 };
  g_autoptr(GError) error = NULL;
  /* What counts for each tracing below, in the order added. */
  const gboolean counts[] = { FALSE, TRUE, FALSE, FALSE, TRUE, FALSE, TRUE, FALSE };

  g_assert_true(cs_case_set_spacing(c, 0.1, CS_SPACING_SOURCE_MANUAL, &error));
  g_assert_no_error(error);
  add_rectangle(c, "forearm", 2, "IS", 30, 30);  /* another level: never counts */
  add_rectangle(c, "Inlet", 3, "IS", 10, 10);    /* 100 px^2 */
  add_rectangle(c, "INLET", 4, "KM", 40, 40);    /* another rater's inlet tracing */
  add_rectangle(c, " inlet ", 5, NULL, 5, 5);    /* no rater recorded: one more rater */
  add_rectangle(c, "inlet", 7, "IS", 20, 10);    /* 200 px^2 */
  add_rectangle(c, "outlet", 7, "IS", 50, 50);   /* another level */
  add_rectangle(c, "inlet", 7, "IS", 30, 10);    /* a repeat on frame 7: 300 px^2, counts too */
  add_rectangle(c, "pisiform", 8, "IS", 60, 60); /* not the inlet tag */

  cs_inlet_csa_from_case(c, &csa);
  /* IS traced the inlet three times, KM and the unnamed rater once each: IS's mean. */
  g_assert_cmpuint(csa.n_tracings, ==, 3);
  g_assert_cmpuint(csa.n_left_out, ==, 2);
  g_assert_cmpuint(csa.n_raters, ==, 3);
  g_assert_cmpstr(csa.rater, ==, "IS");
  g_assert_cmpfloat_with_epsilon(csa.area_px2, 200.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(csa.area_mm2, 2.0, 1e-9);
  g_assert_cmpuint(cs_case_get_n_tracings(c), ==, G_N_ELEMENTS(counts));
  for (guint i = 0; i < G_N_ELEMENTS(counts); i++)
    g_assert_cmpint(cs_inlet_csa_counts(&csa, cs_case_get_tracing(c, i)), ==, counts[i]);

  /* The value does not depend on the first, the last or every inlet tracing alone, as the
   * three older readings did: first 100, last 300, mean of all inlet tracings 445 px^2. */
  g_assert_cmpfloat(fabs(csa.area_px2 - 100.0), >, 1);
  g_assert_cmpfloat(fabs(csa.area_px2 - 300.0), >, 1);
  g_assert_cmpfloat(fabs(csa.area_px2 - (100 + 1600 + 25 + 200 + 300) / 5.0), >, 1);

  /* Clearing frees the rater and reads as "none". */
  cs_inlet_csa_clear(&csa);
  g_assert_null(csa.rater);
  g_assert_cmpuint(csa.n_tracings, ==, 0);
  g_assert_true(isnan(csa.area_px2));
  g_assert_true(isnan(csa.area_mm2));
}

/* Equal counts go to the rater who traced the inlet first; more tracings win over order. */
static void
test_rater_tie(void)
{
  g_autoptr(CsCase) c = cs_case_new("hand");
  g_auto(CsInletCsa) csa = { 0 };

  add_rectangle(c, "inlet", 0, "KM", 10, 10);
  add_rectangle(c, "inlet", 1, "IS", 20, 20);
  cs_inlet_csa_from_case(c, &csa);
  g_assert_cmpstr(csa.rater, ==, "KM");
  g_assert_cmpuint(csa.n_tracings, ==, 1);
  g_assert_cmpuint(csa.n_left_out, ==, 1);
  g_assert_cmpfloat_with_epsilon(csa.area_px2, 100.0, 1e-9);
  cs_inlet_csa_clear(&csa);

  add_rectangle(c, "INLET", 2, "IS", 10, 20);
  cs_inlet_csa_from_case(c, &csa);
  g_assert_cmpstr(csa.rater, ==, "IS");
  g_assert_cmpuint(csa.n_tracings, ==, 2);
  g_assert_cmpuint(csa.n_left_out, ==, 1);
  g_assert_cmpfloat_with_epsilon(csa.area_px2, 300.0, 1e-9);
  cs_inlet_csa_clear(&csa);

  /* Raters are told apart by their exact name: "is" is not "IS", and its three tracings
   * outnumber IS's two. */
  add_rectangle(c, "inlet", 3, "is", 10, 10);
  add_rectangle(c, "inlet", 4, "is", 10, 10);
  add_rectangle(c, "inlet", 5, "is", 10, 10);
  cs_inlet_csa_from_case(c, &csa);
  g_assert_cmpstr(csa.rater, ==, "is");
  g_assert_cmpuint(csa.n_raters, ==, 3);
  g_assert_cmpuint(csa.n_tracings, ==, 3);
  g_assert_cmpuint(csa.n_left_out, ==, 3);
}

/* Tracings without a rater are one rater, "not recorded" (rater NULL). */
static void
test_unnamed_rater(void)
{
  g_autoptr(CsCase) c = cs_case_new("hand");
  g_auto(CsInletCsa) csa = { 0 };

  add_rectangle(c, "inlet", 0, NULL, 10, 10);
  add_rectangle(c, "inlet", 0, NULL, 10, 30);
  add_rectangle(c, "inlet", 1, "IS", 10, 10);
  cs_inlet_csa_from_case(c, &csa);
  g_assert_null(csa.rater);
  g_assert_cmpuint(csa.n_raters, ==, 2);
  g_assert_cmpuint(csa.n_tracings, ==, 2);
  g_assert_cmpuint(csa.n_left_out, ==, 1);
  g_assert_cmpfloat_with_epsilon(csa.area_px2, 200.0, 1e-9);
  g_assert_true(cs_inlet_csa_counts(&csa, cs_case_get_tracing(c, 0)));
  g_assert_false(cs_inlet_csa_counts(&csa, cs_case_get_tracing(c, 2)));
}

/* Without a pixel spacing the value is in px^2 only. */
static void
test_no_spacing(void)
{
  g_autoptr(CsCase) c = cs_case_new("hand");
  g_auto(CsInletCsa) csa = { 0 };

  add_rectangle(c, "inlet", 0, "IS", 10, 10);
  add_rectangle(c, "inlet", 1, "IS", 10, 20);
  cs_inlet_csa_from_case(c, &csa);
  g_assert_cmpuint(csa.n_tracings, ==, 2);
  g_assert_cmpfloat_with_epsilon(csa.area_px2, 150.0, 1e-9);
  g_assert_true(isnan(csa.area_mm2));
}

/* A case with no inlet tracing has no inlet CSA: NaN, not 0, and no tracing counts. */
static void
test_none(void)
{
  g_autoptr(CsCase) empty = cs_case_new("empty");
  g_autoptr(CsCase) elsewhere = cs_case_new("elsewhere");
  g_auto(CsInletCsa) csa = { 0 };

  g_assert_true(cs_case_set_spacing(elsewhere, 0.05, CS_SPACING_SOURCE_STUDY, NULL));
  cs_inlet_csa_from_case(empty, &csa);
  g_assert_cmpuint(csa.n_tracings, ==, 0);
  g_assert_cmpuint(csa.n_left_out, ==, 0);
  g_assert_cmpuint(csa.n_raters, ==, 0);
  g_assert_null(csa.rater);
  g_assert_true(isnan(csa.area_px2));
  g_assert_true(isnan(csa.area_mm2));
  cs_inlet_csa_clear(&csa);

  add_rectangle(elsewhere, "forearm", 0, "IS", 10, 10);
  add_rectangle(elsewhere, "outlet", 1, "IS", 10, 10);
  cs_inlet_csa_from_case(elsewhere, &csa);
  g_assert_cmpuint(csa.n_tracings, ==, 0);
  g_assert_cmpuint(csa.n_raters, ==, 0);
  g_assert_true(isnan(csa.area_px2));
  g_assert_true(isnan(csa.area_mm2));
  g_assert_false(cs_inlet_csa_counts(&csa, cs_case_get_tracing(elsewhere, 0)));

  /* The same from a plain list of tracings, and from none at all. */
  cs_inlet_csa_compute(NULL, 0, 0.1, &csa);
  g_assert_cmpuint(csa.n_tracings, ==, 0);
  g_assert_true(isnan(csa.area_mm2));
}

/* The rule reads tracings as study.json stores them: mixed-case levels and raters. */
static void
test_from_study_file(void)
{
  static const char json[] = "{\"version\": 1, \"cases\": [{\"id\": \"c1\", \"group\": \"cts\",\n"
                             " \"spacing\": {\"mm_per_px\": 0.1, \"source\": \"manual\"},\n"
                             " \"tracings\": [\n"
                             "  {\"level\": \"forearm\", \"frame\": 1, \"rater\": \"AB\", "
                             "\"time\": \"2026-11-27T23:40:00Z\",\n"
                             "   \"points\": [[0, 0], [40, 0], [40, 40], [0, 40]]},\n"
                             "  {\"level\": \"Inlet\", \"frame\": 2, \"rater\": \"AB\", \"time\": "
                             "\"2026-11-27T23:41:00Z\",\n"
                             "   \"points\": [[0, 0], [10, 0], [10, 10], [0, 10]]},\n"
                             "  {\"level\": \"inlet\", \"frame\": 9, \"rater\": \"CD\", \"time\": "
                             "\"2026-11-27T23:42:00Z\",\n"
                             "   \"points\": [[0, 0], [50, 0], [50, 50], [0, 50]]},\n"
                             "  {\"level\": \"INLET\", \"frame\": 3, \"rater\": \"AB\", \"time\": "
                             "\"2026-11-27T23:43:00Z\",\n"
                             "   \"points\": [[0, 0], [20, 0], [20, 15], [0, 15]]}]}]}\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = cs_study_load_from_data(json, -1, "/tmp", &error);
  g_auto(CsInletCsa) csa = { 0 };

  g_assert_no_error(error);
  cs_inlet_csa_from_case(cs_study_get_case(study, 0), &csa);
  g_assert_cmpstr(csa.rater, ==, "AB");
  g_assert_cmpuint(csa.n_tracings, ==, 2);
  g_assert_cmpuint(csa.n_left_out, ==, 1);
  g_assert_cmpfloat_with_epsilon(csa.area_px2, (100.0 + 300.0) / 2, 1e-9);
  g_assert_cmpfloat_with_epsilon(csa.area_mm2, 2.0, 1e-9);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/study/inlet-csa/level-names", test_level_names);
  g_test_add_func("/study/inlet-csa/several-levels-and-raters", test_several_levels_and_raters);
  g_test_add_func("/study/inlet-csa/rater-tie", test_rater_tie);
  g_test_add_func("/study/inlet-csa/unnamed-rater", test_unnamed_rater);
  g_test_add_func("/study/inlet-csa/no-spacing", test_no_spacing);
  g_test_add_func("/study/inlet-csa/none", test_none);
  g_test_add_func("/study/inlet-csa/from-study-file", test_from_study_file);
  return g_test_run();
}
