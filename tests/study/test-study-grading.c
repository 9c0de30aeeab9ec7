/* test-study-grading.c — the paper's stages and Bland's grades computed from nerve conduction
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "cs-error.h"
#include "cs-grading.h"

#define U CS_TRISTATE_UNKNOWN
#define N CS_TRISTATE_NO
#define Y CS_TRISTATE_YES

typedef struct {
  double dml, scv, cmap;
  CsTristate sensory, motor, sensitive;
  int paper; /* -1: not gradable. */
  gboolean paper_off;
  int bland;
  gboolean bland_off;
} GradeRow;

/* Each row worked out by hand from the paper's definitions (DML >= 4.5 ms, SNCV < 40 m/s) and
 * Bland's (DML 6.5 ms, CMAP 0.2 mV), including their boundaries. */
static const GradeRow rows[] = {
  /* Normal. */
  { 3.5, 50, NAN, Y, Y, U, 1, FALSE, 0, FALSE },
  /* Both limits reached exactly: DML 4.5 is slow, SNCV 40 is normal. */
  { 4.5, 40, NAN, Y, Y, U, 2, FALSE, 3, FALSE },
  { 4.49, 40, NAN, Y, Y, U, 1, FALSE, 0, FALSE },
  { 5.0, 39.9, NAN, Y, Y, U, 3, FALSE, 3, FALSE },
  { 5.0, NAN, NAN, N, Y, U, 4, FALSE, 4, FALSE },
  { NAN, NAN, NAN, N, N, U, 5, FALSE, 6, FALSE },
  /* A slow SNCV with a normal DML is Bland's "mild", not in the paper's table. */
  { 3.8, 35, NAN, Y, Y, U, 3, TRUE, 2, FALSE },
  { 3.8, NAN, NAN, N, Y, U, 4, TRUE, 4, FALSE },
  /* Motor lost with sensory preserved: in neither table. */
  { NAN, 45, NAN, Y, N, U, 5, TRUE, 5, TRUE },
  /* Bland's 6.5 ms boundary. */
  { 6.5, 30, NAN, Y, Y, U, 3, FALSE, 5, FALSE },
  { 6.49, 30, NAN, Y, Y, U, 3, FALSE, 3, FALSE },
  /* Bland's 0.2 mV boundary with sensory absent. */
  { 7.0, NAN, 0.1, N, Y, U, 4, FALSE, 6, FALSE },
  { 7.0, NAN, 0.2, N, Y, U, 4, FALSE, 5, FALSE },
  /* Only the sensitive tests abnormal. */
  { 4.0, 50, NAN, Y, Y, Y, 1, FALSE, 1, FALSE },
  { 4.0, 50, NAN, Y, Y, N, 1, FALSE, 0, FALSE },
  /* A velocity implies a sensory response even when the finding was not ticked. */
  { 5.0, 38, NAN, U, U, U, 3, FALSE, 3, FALSE },
  /* Not enough recorded. */
  { NAN, 50, NAN, Y, U, U, -1, FALSE, -1, FALSE },
  { 5.0, NAN, NAN, U, Y, U, -1, FALSE, -1, FALSE },
  /* A DML >= 6.5 ms decides Bland's grade without the sensory side; the paper needs it. */
  { 7.0, NAN, NAN, U, Y, U, -1, FALSE, 5, FALSE },
};

static void
test_table(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    const GradeRow *row = &rows[i];
    CsNerveConduction ncs;
    gboolean off = 99;
    int grade;

    cs_nerve_conduction_init(&ncs);
    ncs.dml_ms = row->dml;
    ncs.scv_m_s = row->scv;
    ncs.cmap_mv = row->cmap;
    ncs.sensory_response = row->sensory;
    ncs.motor_response = row->motor;
    ncs.sensitive_tests_abnormal = row->sensitive;
    g_test_message("row %u", i);

    {
      g_autoptr(GError) error = NULL;
      grade = cs_grading_compute(CS_GRADING_SHINOHARA2022, &ncs, &off, &error);
      g_assert_cmpint(grade, ==, row->paper);
      if (row->paper < 0) {
        g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
        g_assert_true(g_str_has_prefix(error->message, "cannot grade under shinohara2022: "));
      } else {
        g_assert_no_error(error);
      }
      g_assert_cmpint(off, ==, row->paper_off);
    }
    {
      g_autoptr(GError) error = NULL;
      grade = cs_grading_compute(CS_GRADING_BLAND2000, &ncs, &off, &error);
      g_assert_cmpint(grade, ==, row->bland);
      if (row->bland < 0)
        g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
      else
        g_assert_no_error(error);
      g_assert_cmpint(off, ==, row->bland_off);
    }
  }
}

static void
test_missing_messages(void)
{
  g_autoptr(GError) error = NULL;
  CsNerveConduction ncs;

  cs_nerve_conduction_init(&ncs);
  g_assert_true(cs_nerve_conduction_is_empty(&ncs));
  g_assert_cmpint(cs_grading_compute(CS_GRADING_SHINOHARA2022, &ncs, NULL, &error), ==, -1);
  g_assert_cmpstr(error->message, ==,
                  "cannot grade under shinohara2022: the distal motor latency (dml_ms) is not "
                  "recorded");
}

static void
test_validate(void)
{
  static const struct {
    double dml, scv, cmap;
    CsTristate sensory, motor;
    const char *message;
  } bad[] = {
    { 0.0, NAN, NAN, U, U, "ncs.dml_ms: must be > 0 and <= 30 ms" },
    { 45, NAN, NAN, U, U, "ncs.dml_ms: must be > 0 and <= 30 ms" },
    { NAN, 400, NAN, U, U, "ncs.scv_m_s: must be > 0 and <= 120 m/s" },
    { NAN, NAN, -1, U, U, "ncs.cmap_mv: must be >= 0 and <= 50 mV" },
    { 4.0, NAN, NAN, U, N, "ncs.dml_ms: must be absent when motor_response is false" },
    { NAN, NAN, 3.0, U, N, "ncs.cmap_mv: must be 0 or absent when motor_response is false" },
    { NAN, 45, NAN, N, U, "ncs.scv_m_s: must be absent when sensory_response is false" },
  };

  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    CsNerveConduction ncs;

    cs_nerve_conduction_init(&ncs);
    ncs.dml_ms = bad[i].dml;
    ncs.scv_m_s = bad[i].scv;
    ncs.cmap_mv = bad[i].cmap;
    ncs.sensory_response = bad[i].sensory;
    ncs.motor_response = bad[i].motor;
    g_assert_false(cs_nerve_conduction_validate(&ncs, "ncs", &error));
    g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, bad[i].message);
    /* Grading refuses what validation refuses. */
    g_clear_error(&error);
    g_assert_cmpint(cs_grading_compute(CS_GRADING_BLAND2000, &ncs, NULL, &error), ==, -1);
    g_assert_cmpstr(error->message, ==, bad[i].message);
  }
}

static void
test_schemes(void)
{
  CsGradingScheme scheme = CS_GRADING_BLAND2000;
  const CsGradeInfo *table;
  guint n = 0;
  int lo, hi;

  g_assert_true(cs_grading_scheme_from_string("shinohara2022", &scheme));
  g_assert_cmpint(scheme, ==, CS_GRADING_SHINOHARA2022);
  g_assert_true(
      cs_grading_scheme_from_string(cs_grading_scheme_to_string(CS_GRADING_BLAND2000), &scheme));
  g_assert_cmpint(scheme, ==, CS_GRADING_BLAND2000);
  g_assert_false(cs_grading_scheme_from_string("kanatani", &scheme));
  g_assert_false(cs_grading_scheme_from_string(NULL, &scheme));

  cs_grading_scheme_get_range(CS_GRADING_SHINOHARA2022, &lo, &hi);
  table = cs_grading_scheme_get_table(CS_GRADING_SHINOHARA2022, &n);
  g_assert_cmpint(lo, ==, 1);
  g_assert_cmpint(hi, ==, 5);
  g_assert_cmpuint(n, ==, 5);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint(table[i].grade, ==, lo + (int)i);

  cs_grading_scheme_get_range(CS_GRADING_BLAND2000, &lo, &hi);
  table = cs_grading_scheme_get_table(CS_GRADING_BLAND2000, &n);
  g_assert_cmpint(lo, ==, 0);
  g_assert_cmpint(hi, ==, 6);
  g_assert_cmpuint(n, ==, 7);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint(table[i].grade, ==, lo + (int)i);
  g_assert_nonnull(strstr(cs_grading_scheme_get_citation(CS_GRADING_BLAND2000), "Muscle Nerve"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/study/grading/table", test_table);
  g_test_add_func("/study/grading/missing-messages", test_missing_messages);
  g_test_add_func("/study/grading/validate", test_validate);
  g_test_add_func("/study/grading/schemes", test_schemes);
  return g_test_run();
}
