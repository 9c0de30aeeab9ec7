/* cs-grading.c — nerve-conduction values and the severity grading schemes computed from them
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-grading.h"

#include <math.h>

#include "cs-error.h"

G_DEFINE_ENUM_TYPE(CsTristate, cs_tristate, G_DEFINE_ENUM_VALUE(CS_TRISTATE_UNKNOWN, "unknown"),
                   G_DEFINE_ENUM_VALUE(CS_TRISTATE_NO, "no"),
                   G_DEFINE_ENUM_VALUE(CS_TRISTATE_YES, "yes"))

G_DEFINE_ENUM_TYPE(CsGradingScheme, cs_grading_scheme,
                   G_DEFINE_ENUM_VALUE(CS_GRADING_SHINOHARA2022, "shinohara2022"),
                   G_DEFINE_ENUM_VALUE(CS_GRADING_BLAND2000, "bland2000"))

/* A stage stored as "computed" in study.json must match these rules when the file is read, so a
 * change to a rule needs a new scheme identifier (or schema version), not an edit in place. */

/* The paper's scheme (Shinohara et al. 2022, after Bulut 2014 and Kanatani 2013). The paper
 * defines five combinations; the others (e.g. a slow SNCV with a normal DML) are graded by their
 * most severe finding and flagged as off the table. */
static const CsGradeInfo shinohara_table[] = {
  { 1, "normal", "DML < 4.5 ms and SNCV >= 40 m/s" },
  { 2, "motor delay", "DML >= 4.5 ms and SNCV >= 40 m/s" },
  { 3, "sensory slowing", "DML >= 4.5 ms and SNCV < 40 m/s" },
  { 4, "sensory absent", "DML >= 4.5 ms and no sensory response" },
  { 5, "motor absent", "no motor response (no DML) and no sensory response" },
};

/* Bland's neurophysiological scale. The normal limits of DML and sensory velocity are the
 * paper's (4.5 ms, 40 m/s) since Bland's own depend on his laboratory's tests; "most sensitive
 * tests" are comparative studies recorded as a yes/no finding, and unrecorded ones count as
 * normal. */
static const CsGradeInfo bland_table[] = {
  { 0, "normal", "all tests normal" },
  { 1, "very mild", "only the most sensitive (comparative) tests abnormal" },
  { 2, "mild", "sensory velocity slow (< 40 m/s), DML normal (< 4.5 ms)" },
  { 3, "moderate", "sensory response preserved, DML >= 4.5 ms and < 6.5 ms" },
  { 4, "severe", "sensory response absent, motor preserved with DML < 6.5 ms" },
  { 5, "very severe", "DML >= 6.5 ms" },
  { 6, "extremely severe",
    "sensory response absent and motor response absent or APB CMAP < 0.2 mV" },
};

void
cs_nerve_conduction_init(CsNerveConduction *ncs)
{
  g_return_if_fail(ncs != NULL);
  ncs->dml_ms = NAN;
  ncs->scv_m_s = NAN;
  ncs->cmap_mv = NAN;
  ncs->sensory_response = CS_TRISTATE_UNKNOWN;
  ncs->motor_response = CS_TRISTATE_UNKNOWN;
  ncs->sensitive_tests_abnormal = CS_TRISTATE_UNKNOWN;
}

gboolean
cs_nerve_conduction_is_empty(const CsNerveConduction *ncs)
{
  CsNerveConduction empty;

  cs_nerve_conduction_init(&empty);
  return cs_nerve_conduction_equal(ncs, &empty);
}

static gboolean
same_number(double a, double b)
{
  return (isnan(a) && isnan(b)) || a == b;
}

gboolean
cs_nerve_conduction_equal(const CsNerveConduction *a, const CsNerveConduction *b)
{
  return same_number(a->dml_ms, b->dml_ms) && same_number(a->scv_m_s, b->scv_m_s) &&
         same_number(a->cmap_mv, b->cmap_mv) && a->sensory_response == b->sensory_response &&
         a->motor_response == b->motor_response &&
         a->sensitive_tests_abnormal == b->sensitive_tests_abnormal;
}

static gboolean
fail_field(GError **error, const char *path, const char *field, const char *problem)
{
  if (path != NULL && path[0] != '\0')
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s.%s: %s", path, field, problem);
  else
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: %s", field, problem);
  return FALSE;
}

static gboolean
valid_tristate(CsTristate value)
{
  return value == CS_TRISTATE_UNKNOWN || value == CS_TRISTATE_NO || value == CS_TRISTATE_YES;
}

gboolean
cs_nerve_conduction_validate(const CsNerveConduction *ncs, const char *path, GError **error)
{
  g_return_val_if_fail(ncs != NULL, FALSE);

  if (!valid_tristate(ncs->motor_response))
    return fail_field(error, path, "motor_response", "must be true, false or absent");
  if (!valid_tristate(ncs->sensory_response))
    return fail_field(error, path, "sensory_response", "must be true, false or absent");
  if (!valid_tristate(ncs->sensitive_tests_abnormal))
    return fail_field(error, path, "sensitive_tests_abnormal", "must be true, false or absent");
  /* The ranges are wide physiological bounds: they catch a value typed in the wrong unit (a
   * latency in seconds, a velocity in cm/s), not an unusual patient. */
  if (!isnan(ncs->dml_ms) && !(ncs->dml_ms > 0.0 && ncs->dml_ms <= 30.0))
    return fail_field(error, path, "dml_ms", "must be > 0 and <= 30 ms");
  if (!isnan(ncs->scv_m_s) && !(ncs->scv_m_s > 0.0 && ncs->scv_m_s <= 120.0))
    return fail_field(error, path, "scv_m_s", "must be > 0 and <= 120 m/s");
  if (!isnan(ncs->cmap_mv) && !(ncs->cmap_mv >= 0.0 && ncs->cmap_mv <= 50.0))
    return fail_field(error, path, "cmap_mv", "must be >= 0 and <= 50 mV");
  if (ncs->motor_response == CS_TRISTATE_NO && !isnan(ncs->dml_ms))
    return fail_field(error, path, "dml_ms", "must be absent when motor_response is false");
  if (ncs->motor_response == CS_TRISTATE_NO && !isnan(ncs->cmap_mv) && ncs->cmap_mv > 0.0)
    return fail_field(error, path, "cmap_mv", "must be 0 or absent when motor_response is false");
  if (ncs->sensory_response == CS_TRISTATE_NO && !isnan(ncs->scv_m_s))
    return fail_field(error, path, "scv_m_s", "must be absent when sensory_response is false");
  return TRUE;
}

const char *
cs_grading_scheme_to_string(CsGradingScheme scheme)
{
  switch (scheme) {
    case CS_GRADING_SHINOHARA2022:
      return "shinohara2022";
    case CS_GRADING_BLAND2000:
      return "bland2000";
  }
  return "unknown";
}

gboolean
cs_grading_scheme_from_string(const char *text, CsGradingScheme *scheme)
{
  if (g_strcmp0(text, "shinohara2022") == 0)
    *scheme = CS_GRADING_SHINOHARA2022;
  else if (g_strcmp0(text, "bland2000") == 0)
    *scheme = CS_GRADING_BLAND2000;
  else
    return FALSE;
  return TRUE;
}

void
cs_grading_scheme_get_range(CsGradingScheme scheme, int *min_grade, int *max_grade)
{
  int lo = scheme == CS_GRADING_BLAND2000 ? 0 : 1;
  int hi = scheme == CS_GRADING_BLAND2000 ? 6 : 5;

  if (min_grade)
    *min_grade = lo;
  if (max_grade)
    *max_grade = hi;
}

const CsGradeInfo *
cs_grading_scheme_get_table(CsGradingScheme scheme, guint *n_rows)
{
  if (scheme == CS_GRADING_BLAND2000) {
    *n_rows = G_N_ELEMENTS(bland_table);
    return bland_table;
  }
  *n_rows = G_N_ELEMENTS(shinohara_table);
  return shinohara_table;
}

const char *
cs_grading_scheme_get_citation(CsGradingScheme scheme)
{
  if (scheme == CS_GRADING_BLAND2000)
    return "Bland JDP. A neurophysiological grading scale for carpal tunnel syndrome. Muscle "
           "Nerve 2000;23(8):1280-3.";
  return "Shinohara I, Inui A, Mifune Y, et al. Using deep learning for ultrasound images to "
         "diagnose carpal tunnel syndrome with high accuracy. Ultrasound Med Biol "
         "2022;48(10):2052-9 (stages after Bulut 2014 and Kanatani 2013).";
}

static int
missing(GError **error, const char *what, CsGradingScheme scheme)
{
  g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "cannot grade under %s: %s is not recorded",
              cs_grading_scheme_to_string(scheme), what);
  return -1;
}

/* The paper's stages, from the most severe finding down. */
static int
grade_shinohara(const CsNerveConduction *ncs, gboolean *off_table, GError **error)
{
  gboolean dml_slow;

  if (ncs->motor_response == CS_TRISTATE_NO) {
    /* Stage 5 is "absence of DML and SNCV"; a lost motor response with a sensory one still
     * present is not in the table. */
    *off_table = ncs->sensory_response != CS_TRISTATE_NO;
    return 5;
  }
  if (isnan(ncs->dml_ms))
    return missing(error, "the distal motor latency (dml_ms)", CS_GRADING_SHINOHARA2022);
  dml_slow = ncs->dml_ms >= CS_GRADING_DML_ABNORMAL_MS;
  if (ncs->sensory_response == CS_TRISTATE_NO) {
    *off_table = !dml_slow;
    return 4;
  }
  if (isnan(ncs->scv_m_s))
    return missing(error, "the sensory conduction velocity (scv_m_s) or its absence",
                   CS_GRADING_SHINOHARA2022);
  if (ncs->scv_m_s < CS_GRADING_SCV_ABNORMAL_M_S) {
    *off_table = !dml_slow;
    return 3;
  }
  return dml_slow ? 2 : 1;
}

/* Bland's grades, from the most severe finding down. */
static int
grade_bland(const CsNerveConduction *ncs, gboolean *off_table, GError **error)
{
  gboolean motor_lost = ncs->motor_response == CS_TRISTATE_NO ||
                        (!isnan(ncs->cmap_mv) && ncs->cmap_mv < CS_GRADING_BLAND_CMAP_MIN_MV);

  if (ncs->sensory_response == CS_TRISTATE_NO && motor_lost)
    return 6;
  if (ncs->motor_response == CS_TRISTATE_NO) {
    /* Motor unrecordable with sensory preserved (or unknown) is not in Bland's table; it is at
     * least "very severe". */
    *off_table = TRUE;
    return 5;
  }
  if (isnan(ncs->dml_ms))
    return missing(error, "the distal motor latency (dml_ms)", CS_GRADING_BLAND2000);
  if (ncs->dml_ms >= CS_GRADING_BLAND_DML_SEVERE_MS)
    return 5;
  if (ncs->sensory_response == CS_TRISTATE_NO)
    return 4;
  if (isnan(ncs->scv_m_s))
    return missing(error, "the sensory conduction velocity (scv_m_s) or its absence",
                   CS_GRADING_BLAND2000);
  if (ncs->dml_ms >= CS_GRADING_DML_ABNORMAL_MS)
    return 3;
  if (ncs->scv_m_s < CS_GRADING_SCV_ABNORMAL_M_S)
    return 2;
  if (ncs->sensitive_tests_abnormal == CS_TRISTATE_YES)
    return 1;
  return 0;
}

int
cs_grading_compute(CsGradingScheme scheme, const CsNerveConduction *ncs, gboolean *off_table,
                   GError **error)
{
  gboolean off = FALSE;
  int grade;

  g_return_val_if_fail(ncs != NULL, -1);
  if (!cs_nerve_conduction_validate(ncs, "ncs", error))
    return -1;
  if (scheme == CS_GRADING_BLAND2000)
    grade = grade_bland(ncs, &off, error);
  else
    grade = grade_shinohara(ncs, &off, error);
  if (off_table)
    *off_table = grade >= 0 && off;
  return grade;
}
