/* test-report-csa.c — the reports give each hand its inlet CSA by the study layer's one rule, say
 * where a DICOM sweep's mm come from, and name its patient only when the study says so
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "cs-inlet-csa.h"
#include "cs-report.h"
#include "dicom-test-util.h"
#include "test-files.h"
#include "test-realdata.h"

#define MODEL_SHA256 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char *tmp_dir;

/* Adds a @w x @h px rectangle traced at @level by @rater (NULL: not recorded). */
static void
add_rectangle(CsCase *c, const char *level, const char *rater, double w, double h)
{
  const double xy[] = { 10, 10, 10 + w, 10, 10 + w, 10 + h, 10, 10 + h };
  g_autoptr(CsTracing) tracing = cs_tracing_new(level, 0, xy, 4);
  g_autoptr(GError) error = NULL;

  tracing->rater = g_strdup(rater);
  g_assert_cmpint(cs_case_add_tracing(c, tracing, &error), >=, 0);
  g_assert_no_error(error);
}

/* Adds a case of @group with a cached result of the test model (the ROI does not matter: the
 * reports read cached results as they are). */
static CsCase *
add_case(CsStudy *study, const char *id, CsGroup group, double p)
{
  g_autoptr(CsCase) c = cs_case_new(id);
  g_autoptr(CsModelResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const gint64 frames[] = { 0, 1, 2 };
  const double p_cts[] = { p, p + 0.05, p - 0.05 };

  cs_case_set_group(c, group);
  cs_case_set_split(c, CS_SPLIT_TEST);
  result = cs_model_result_new("csa-test-net", MODEL_SHA256, frames, p_cts, 3, 0.5, MODEL_SHA256);
  g_assert_true(cs_case_set_result(c, result, &error));
  g_assert_no_error(error);
  g_assert_true(cs_study_add_case(study, c, &error));
  g_assert_no_error(error);
  return c;
}

/* Four hands: two raters at several levels, none at the inlet, no tracing, no spacing. */
static CsStudy *
make_study(void)
{
  CsStudy *study = cs_study_new();
  CsCase *c;

  c = add_case(study, "cts-raters", CS_GROUP_CTS, 0.8);
  g_assert_true(cs_case_set_spacing(c, 0.1, CS_SPACING_SOURCE_MANUAL, NULL));
  add_rectangle(c, "forearm", "IS", 30, 30);
  add_rectangle(c, "Inlet", "IS", 10, 10);
  add_rectangle(c, "INLET", "KM", 40, 40);
  add_rectangle(c, "inlet", "IS", 30, 10);

  c = add_case(study, "cts-none", CS_GROUP_CTS, 0.7);
  g_assert_true(cs_case_set_spacing(c, 0.1, CS_SPACING_SOURCE_MANUAL, NULL));

  c = add_case(study, "control-forearm", CS_GROUP_CONTROL, 0.3);
  g_assert_true(cs_case_set_spacing(c, 0.1, CS_SPACING_SOURCE_MANUAL, NULL));
  add_rectangle(c, "forearm", "IS", 20, 20);

  c = add_case(study, "control-px", CS_GROUP_CONTROL, 0.2);
  add_rectangle(c, "inlet", NULL, 25, 20);
  return study;
}

static JsonObject *
hand_by_id(JsonArray *hands, const char *id)
{
  for (guint i = 0; i < json_array_get_length(hands); i++) {
    JsonObject *hand = json_array_get_object_element(hands, i);

    if (g_strcmp0(json_object_get_string_member(hand, "hand"), id) == 0)
      return hand;
  }
  g_assert_not_reached();
}

static void
test_study_report(void)
{
  g_autoptr(CsStudy) study = make_study();
  g_autoptr(CsStudyReport) report = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_build_filename(tmp_dir, "study.json", NULL);
  g_autofree char *csv = g_build_filename(tmp_dir, "study.csv", NULL);
  g_autofree char *table1 = g_build_filename(tmp_dir, "study-table1.csv", NULL);
  g_autofree char *roc = g_build_filename(tmp_dir, "study-roc.csv", NULL);
  g_autofree char *csv_text = NULL;
  g_autoptr(GString) missing = g_string_new(NULL);
  const char *models[] = { "csa-test-net", NULL };
  CsEvaluateOptions evaluate;
  CsReportOptions options;
  JsonObject *root;
  JsonArray *hands, *notes;
  JsonObject *hand;

  cs_report_options_init(&options);
  options.real_id = TRUE;
  options.date = "2026-11-28";
  cs_evaluate_options_init(&evaluate);
  evaluate.replicates = 20;
  report =
      cs_study_report_build(study, models, CS_SPLIT_UNASSIGNED, &evaluate, &options, NULL, &error);
  g_assert_no_error(error);

  g_assert_true(cs_study_report_write(report, CS_REPORT_FORMAT_JSON, json, &error));
  g_assert_no_error(error);
  g_assert_true(json_parser_load_from_file(parser, json, &error));
  g_assert_no_error(error);
  root = json_node_get_object(json_parser_get_root(parser));
  hands = json_object_get_array_member(root, "hands");
  g_assert_cmpuint(json_array_get_length(hands), ==, 4);

  /* IS's two inlet tracings (100 and 300 px^2 at 0.1 mm/px), not KM's nor the forearm. */
  hand = hand_by_id(hands, "cts-raters");
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(hand, "csa_mm2"), 2.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(hand, "csa_px2"), 200.0, 1e-9);
  g_assert_cmpint(json_object_get_int_member(hand, "csa_tracings"), ==, 2);
  g_assert_cmpstr(json_object_get_string_member(hand, "csa_rater"), ==, "IS");
  g_assert_cmpstr(json_object_get_string_member(hand, "csa_spacing"), ==, "manual calibration");
  /* No inlet tracing, with or without other tracings: null, never 0. */
  for (guint i = 0; i < 2; i++) {
    hand = hand_by_id(hands, i == 0 ? "cts-none" : "control-forearm");
    g_assert_true(json_object_get_null_member(hand, "csa_mm2"));
    g_assert_true(json_object_get_null_member(hand, "csa_px2"));
    g_assert_cmpint(json_object_get_int_member(hand, "csa_tracings"), ==, 0);
    g_assert_true(json_object_get_null_member(hand, "csa_rater"));
  }
  /* Without a spacing: px^2 only, by a rater not recorded. */
  hand = hand_by_id(hands, "control-px");
  g_assert_true(json_object_get_null_member(hand, "csa_mm2"));
  g_assert_true(json_object_get_null_member(hand, "csa_spacing"));
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(hand, "csa_px2"), 500.0, 1e-9);
  g_assert_cmpint(json_object_get_int_member(hand, "csa_tracings"), ==, 1);
  g_assert_true(json_object_get_null_member(hand, "csa_rater"));

  g_assert_true(cs_study_report_write(report, CS_REPORT_FORMAT_CSV, csv, &error));
  g_assert_no_error(error);
  g_assert_true(g_file_get_contents(csv, &csv_text, NULL, &error));
  {
    const char *written[] = { json, csv, table1, roc };

    for (guint i = 0; i < G_N_ELEMENTS(written); i++)
      g_assert_cmpint(g_remove(written[i]), ==, 0);
  }
  g_assert_true(g_str_has_prefix(
      csv_text, "hand,group,split,stage,stage_scheme,csa_mm2,csa_px2,csa_tracings,csa_rater,"
                "csa_spacing,model,"));
  g_assert_nonnull(
      strstr(csv_text, "\ncts-raters,cts,test,,shinohara2022,2,200,2,IS,manual calibration,"));
  g_assert_nonnull(strstr(csv_text, "\ncts-none,cts,test,,shinohara2022,,,0,,"));
  g_assert_nonnull(strstr(csv_text, "\ncontrol-px,control,test,,shinohara2022,,500,1,,"));

  /* The report says which hands lack a value and why, and that raters were not mixed. */
  notes = json_object_get_array_member(root, "missing");
  for (guint i = 0; i < json_array_get_length(notes); i++)
    g_string_append_printf(missing, "%s\n", json_array_get_string_element(notes, i));
  g_test_message("%s", missing->str);
  g_assert_nonnull(
      strstr(missing->str, "2 of 4 hands have no inlet CSA in mm² (no inlet tracing)"));
  g_assert_nonnull(strstr(missing->str, "1 of 4 hands have no inlet CSA in mm² (no pixel spacing"));
  g_assert_nonnull(strstr(missing->str, "1 of 4 hands have inlet tracings by several raters"));
}

/* The text of the PDF @pdf, runs of white space folded, or NULL without pdftotext; removes
 * @pdf. */
static char *
pdf_text(const char *pdf)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_find_program_in_path("pdftotext");
  g_autofree char *out = NULL;
  g_autoptr(GRegex) spaces = g_regex_new("\\s+", 0, 0, NULL);
  const char *argv[] = { "pdftotext", "-layout", pdf, "-", NULL };
  int status = 1;

  if (path != NULL)
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               NULL, &status, &error));
  g_assert_no_error(error);
  g_assert_cmpint(g_remove(pdf), ==, 0);
  if (path == NULL)
    return NULL;
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  return g_regex_replace_literal(spaces, out, -1, 0, " ", 0, NULL);
}

/* The text of a case report of @id, runs of white space folded, or NULL without pdftotext. */
static char *
case_report_text(CsStudy *study, const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsCaseReport) report = NULL;
  g_autofree char *pdf = g_strdup_printf("%s/%s.pdf", tmp_dir, id);
  CsReportOptions options;

  cs_report_options_init(&options);
  options.real_id = TRUE;
  options.explain = FALSE;
  options.date = "2026-11-28";
  report = cs_case_report_build(study, cs_study_find_case(study, id), NULL, NULL, &options, NULL,
                                NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_true(cs_case_report_write_pdf(report, pdf, &error));
  g_assert_no_error(error);
  return pdf_text(pdf);
}

static void
test_case_report(void)
{
  g_autoptr(CsStudy) study = make_study();
  g_autofree char *raters = case_report_text(study, "cts-raters");
  g_autofree char *forearm = NULL;
  g_autofree char *px = NULL;

  if (raters == NULL) {
    g_test_skip("poppler-utils (pdftotext) is not installed");
    return;
  }
  g_assert_nonnull(strstr(
      raters, "Inlet CSA: 2.0 mm² (manual calibration), the mean of 2 inlet tracings by IS."));
  g_assert_nonnull(strstr(raters, "1 inlet tracing by another rater is left out"));
  g_assert_nonnull(strstr(raters, "Not an inlet tracing."));
  g_assert_nonnull(strstr(raters, "Not averaged: another rater's inlet tracing."));
  g_assert_nonnull(strstr(raters, "Averaged into the inlet CSA."));
  g_assert_nonnull(strstr(raters, "8.2 ± 2.4 mm² in control hands and 14.7 ± 5.3 mm² in CTS"));

  forearm = case_report_text(study, "control-forearm");
  g_assert_nonnull(strstr(forearm, "Inlet CSA: none."));
  px = case_report_text(study, "control-px");
  g_assert_nonnull(strstr(px, "Inlet CSA: 500 px² (uncalibrated"));
  g_assert_nonnull(strstr(px, "by a rater not recorded"));
}

/* A case whose sweep is the real DICOM file @name, with one inlet tracing of @n points @xy and no
 * spacing of its own, in a new study; NULL (the test skipped) without the file. */
static CsStudy *
make_dicom_study(const char *name, const double *xy, guint n)
{
  g_autofree char *relative = g_build_filename("dicom", name, NULL);
  g_autofree char *path = test_realdata_path(relative, G_FILE_TEST_IS_REGULAR);
  g_autoptr(CsStudy) study = NULL;
  g_autoptr(CsTracing) tracing = NULL;
  CsCase *c;

  if (path == NULL)
    return NULL;
  study = cs_study_new();
  c = add_case(study, "dicom", CS_GROUP_CTS, 0.6);
  cs_case_set_sweep_path(c, path);
  tracing = cs_tracing_new("inlet", 0, xy, n);
  g_assert_cmpint(cs_case_add_tracing(c, tracing, NULL), ==, 0);
  return g_steal_pointer(&study);
}

/* The text of the case report of make_dicom_study(@name, @xy, @n), or NULL with the test skipped
 * without the file or pdftotext. */
static char *
dicom_report_text(const char *name, const double *xy, guint n)
{
  g_autoptr(CsStudy) study = make_dicom_study(name, xy, n);
  char *text;

  if (study == NULL)
    return NULL;
  text = case_report_text(study, "dicom");
  if (text == NULL)
    g_test_skip("poppler-utils (pdftotext) is not installed");
  return text;
}

/* The Philips cine: a 30 x 30 px trace of the nerve in the 2D region is in mm² at 0.2623 mm/px
 * from DICOM region 0, and the report says so. */
static void
test_case_report_dicom_region(void)
{
  const double nerve[] = { 400, 200, 430, 200, 430, 230, 400, 230 };
  g_autofree char *text = dicom_report_text("OBXXXX1A_2frame.dcm", nerve, 4);

  if (text == NULL)
    return;
  g_assert_nonnull(
      strstr(text, "CSA: 61.9 mm² (900 px², spacing 0.2623 mm/px from DICOM region 0)"));
  g_assert_nonnull(strstr(text, "Inlet CSA: 61.9 mm² (DICOM region 0), the mean of 1 inlet"));
}

/* The Aloka frame: a trace across its two side-by-side regions has no mm², and the report says
 * why. */
static void
test_case_report_dicom_across(void)
{
  const double across[] = { 300, 200, 360, 200, 360, 240, 300, 240 };
  g_autofree char *text = dicom_report_text("gdcm-US-ALOKA-16.dcm", across, 4);

  if (text == NULL)
    return;
  g_assert_nonnull(strstr(
      text, "CSA: 2400 px² (no mm²: it crosses DICOM regions 0 and 1, which may differ in scale)"));
  g_assert_null(strstr(text, "mm/px from"));
  g_assert_nonnull(strstr(text, "Inlet CSA: 2400 px² (no mm²: the tracings it averages do not"));
}

/* The study report as it writes it in @format (the PDF as its text, NULL without pdftotext; the
 * CSV's hands file), with its files removed. */
static char *
study_report_text(CsStudy *study, CsReportFormat format)
{
  g_autoptr(CsStudyReport) report = NULL;
  g_autoptr(GError) error = NULL;
  const char *models[] = { "csa-test-net", NULL };
  const char *suffix[] = {
    [CS_REPORT_FORMAT_PDF] = "pdf", [CS_REPORT_FORMAT_CSV] = "csv", [CS_REPORT_FORMAT_JSON] = "json"
  };
  g_autofree char *path = g_strdup_printf("%s/study-report.%s", tmp_dir, suffix[format]);
  char *text = NULL;
  CsEvaluateOptions evaluate;
  CsReportOptions options;

  cs_report_options_init(&options);
  options.date = "2026-12-07";
  cs_evaluate_options_init(&evaluate);
  evaluate.replicates = 20;
  report =
      cs_study_report_build(study, models, CS_SPLIT_UNASSIGNED, &evaluate, &options, NULL, &error);
  g_assert_no_error(error);
  g_assert_true(cs_study_report_write(report, format, path, &error));
  g_assert_no_error(error);
  if (format == CS_REPORT_FORMAT_PDF)
    return pdf_text(path);
  g_assert_true(g_file_get_contents(path, &text, NULL, &error));
  g_assert_no_error(error);
  g_assert_cmpint(g_remove(path), ==, 0);
  if (format == CS_REPORT_FORMAT_CSV) {
    const char *siblings[] = { "study-report-table1.csv", "study-report-roc.csv" };

    for (guint i = 0; i < G_N_ELEMENTS(siblings); i++) {
      g_autofree char *sibling = g_build_filename(tmp_dir, siblings[i], NULL);
      g_assert_cmpint(g_remove(sibling), ==, 0);
    }
  }
  return text;
}

/* The study report's inlet CSA of make_dicom_study(@name, @xy, @n) with the case's spacing set as
 * Import sets it (the file's own: the region holding the image centre): the hand's csa_mm2 (NAN
 * when null), the spacing and whether the notes name the region check. FALSE (the test skipped)
 * without the file. */
static gboolean
dicom_study_report_csa(const char *name, const double *xy, guint n, double *csa_mm2,
                       double *mm_per_px, gboolean *noted)
{
  g_autoptr(CsStudy) study = make_dicom_study(name, xy, n);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  JsonObject *root, *hand;
  JsonArray *notes;

  if (study == NULL) {
    g_test_skip("../shared/realdata is absent");
    return FALSE;
  }
  {
    g_autofree char *path = cs_study_dup_sweep_path(study, cs_study_get_case(study, 0));
    g_autoptr(CsSweep) sweep = cs_sweep_open(path, &error);
    CsSpacing file;

    g_assert_no_error(error);
    file = cs_sweep_get_file_spacing(sweep);
    g_assert_cmpint(file.source, ==, CS_SPACING_SOURCE_DICOM);
    g_assert_cmpint(file.region, ==, 0);
    *mm_per_px = file.mm_per_px;
    g_assert_true(cs_case_set_spacing_full(cs_study_get_case(study, 0), file.mm_per_px,
                                           CS_SPACING_SOURCE_DICOM, file.region, &error));
    g_assert_no_error(error);
  }
  json = study_report_text(study, CS_REPORT_FORMAT_JSON);
  g_assert_true(json_parser_load_from_data(parser, json, -1, &error));
  g_assert_no_error(error);
  root = json_node_get_object(json_parser_get_root(parser));
  hand = json_array_get_object_element(json_object_get_array_member(root, "hands"), 0);
  *csa_mm2 = json_object_get_null_member(hand, "csa_mm2")
                 ? NAN
                 : json_object_get_double_member(hand, "csa_mm2");
  *noted = FALSE;
  notes = json_object_get_array_member(root, "missing");
  for (guint i = 0; notes != NULL && i < json_array_get_length(notes); i++)
    if (strstr(json_array_get_string_element(notes, i), "outside the DICOM Ultrasound Region"))
      *noted = TRUE;
  return TRUE;
}

/* The study report holds the same rule as the case report: an inlet tracing inside the Philips
 * 2D region is in mm² at its 0.2623 mm/px; one across the Aloka frame's two regions keeps px²
 * only, and a note says why, although the case's own spacing is region 0's. */
static void
test_study_report_dicom_regions(void)
{
  const double nerve[] = { 400, 200, 430, 200, 430, 230, 400, 230 };
  const double across[] = { 300, 200, 360, 200, 360, 240, 300, 240 };
  double csa, mm_per_px;
  gboolean noted;

  if (!dicom_study_report_csa("OBXXXX1A_2frame.dcm", nerve, 4, &csa, &mm_per_px, &noted))
    return;
  g_assert_cmpfloat_with_epsilon(mm_per_px, 0.2623, 1e-4);
  g_assert_cmpfloat_with_epsilon(csa, 900 * mm_per_px * mm_per_px, 1e-6);
  g_assert_false(noted);
  g_assert_true(
      dicom_study_report_csa("gdcm-US-ALOKA-16.dcm", across, 4, &csa, &mm_per_px, &noted));
  g_assert_true(isnan(csa));
  g_assert_true(noted);
}

/* The Aloka file names its patient (NAME^PATIENT^NAME, ID 98279): neither study.json nor the
 * case report holds a trace of them by default; with the study's switch on, the report names the
 * patient beside the pseudonym, and study.json still holds only the switch. */
static void
test_case_report_identity(void)
{
  const double xy[] = { 400, 100, 430, 100, 430, 130 };
  g_autoptr(CsStudy) study = make_dicom_study("gdcm-US-ALOKA-16.dcm", xy, 3);
  const char *traces[] = { "PATIENT", "98279" };
  g_autofree char *off = NULL;
  g_autofree char *on = NULL;
  g_autofree char *json_off = NULL;
  g_autofree char *json_on = NULL;

  if (study == NULL)
    return;
  json_off = cs_study_to_data(study, NULL);
  off = case_report_text(study, "dicom");
  cs_study_set_identity_in_reports(study, TRUE);
  json_on = cs_study_to_data(study, NULL);
  on = case_report_text(study, "dicom");
  for (guint i = 0; i < G_N_ELEMENTS(traces); i++) {
    g_assert_null(strstr(json_off, traces[i]));
    g_assert_null(strstr(json_on, traces[i]));
  }
  g_assert_nonnull(strstr(json_on, "\"identity_in_reports\": true"));
  if (off == NULL) {
    g_test_skip("poppler-utils (pdftotext) is not installed");
    return;
  }
  for (guint i = 0; i < G_N_ELEMENTS(traces); i++)
    g_assert_null(strstr(off, traces[i]));
  g_assert_nonnull(strstr(on, "Patient: NAME, PATIENT NAME · ID 98279 · born not recorded"));
  /* Beside the case's pseudonym, which stays. */
  g_assert_nonnull(strstr(on, "The case id is shown as recorded."));
}

/* The study report names a hand's patient as the case report does, only when the study is set
 * to: by default its PDF, CSV and JSON hold no trace of the DICOM file's name, ID or birth date;
 * with the switch on each names them beside the hand's pseudonym. On a scanner's export the test
 * writes itself (make-dicom-folder.py: Test^Synthetic, SYN001, born 1970-01-01). */
static void
test_study_report_identity(void)
{
  g_autofree char *export_dir = g_build_filename(tmp_dir, "export", NULL);
  g_autofree char *sweep =
      g_build_filename(export_dir, "DICOM", "ST000001", "SE000001", "IM000001", NULL);
  g_autoptr(CsStudy) study = cs_study_new();
  const char *traces[] = { "Synthetic", "SYN001", "1970" };
  const CsReportFormat formats[] = { CS_REPORT_FORMAT_JSON, CS_REPORT_FORMAT_CSV,
                                     CS_REPORT_FORMAT_PDF };
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  JsonObject *patient;
  CsCase *c;

  g_assert_cmpint(g_mkdir(export_dir, 0700), ==, 0);
  if (!dicom_test_make_files("make-dicom-folder.py", export_dir)) {
    test_remove_tree(export_dir);
    return;
  }
  c = add_case(study, "dicom", CS_GROUP_CTS, 0.6);
  cs_case_set_sweep_path(c, sweep);
  add_case(study, "video", CS_GROUP_CONTROL, 0.3);
  for (guint f = 0; f < G_N_ELEMENTS(formats); f++) {
    g_autofree char *text = study_report_text(study, formats[f]);

    if (text == NULL) {
      g_test_message("poppler-utils (pdftotext) is not installed: the PDF is not read");
      continue;
    }
    for (guint i = 0; i < G_N_ELEMENTS(traces); i++)
      g_assert_null(strstr(text, traces[i]));
  }

  cs_study_set_identity_in_reports(study, TRUE);
  {
    g_autofree char *json = study_report_text(study, CS_REPORT_FORMAT_JSON);
    g_autofree char *csv = study_report_text(study, CS_REPORT_FORMAT_CSV);
    g_autofree char *pdf = study_report_text(study, CS_REPORT_FORMAT_PDF);
    JsonArray *hands;
    g_autofree char *pseudonym = cs_report_dup_pseudonym("dicom");

    g_assert_true(json_parser_load_from_data(parser, json, -1, &error));
    g_assert_no_error(error);
    hands =
        json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)), "hands");
    patient = json_object_get_object_member(hand_by_id(hands, pseudonym), "patient");
    g_assert_cmpstr(json_object_get_string_member(patient, "name"), ==, "Test, Synthetic");
    g_assert_cmpstr(json_object_get_string_member(patient, "id"), ==, "SYN001");
    g_assert_cmpstr(json_object_get_string_member(patient, "birth_date"), ==, "1970-01-01");
    /* A hand without a DICOM sweep names nobody. */
    {
      g_autofree char *other = cs_report_dup_pseudonym("video");
      g_assert_true(json_object_get_null_member(hand_by_id(hands, other), "patient"));
    }
    g_assert_nonnull(strstr(csv, ",patient_name,patient_id,patient_birth_date\n"));
    g_assert_nonnull(strstr(csv, ",\"Test, Synthetic\",SYN001,1970-01-01\n"));
    /* The PDF's narrow Hand column may wrap the line: each part is there. */
    for (guint i = 0; pdf != NULL && i < G_N_ELEMENTS(traces); i++)
      g_assert_nonnull(strstr(pdf, traces[i]));
    if (pdf != NULL)
      g_assert_nonnull(strstr(pdf, "named because the study is set to name patients"));
  }
  test_remove_tree(export_dir);
}

int
main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init(&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp("cs-report-csa-XXXXXX", &error);
  g_assert_no_error(error);
  g_test_add_func("/report/inlet-csa/study", test_study_report);
  g_test_add_func("/report/inlet-csa/study-dicom-regions", test_study_report_dicom_regions);
  g_test_add_func("/report/inlet-csa/case", test_case_report);
  g_test_add_func("/report/inlet-csa/case-dicom-region", test_case_report_dicom_region);
  g_test_add_func("/report/inlet-csa/case-dicom-across", test_case_report_dicom_across);
  g_test_add_func("/report/inlet-csa/case-identity", test_case_report_identity);
  g_test_add_func("/report/inlet-csa/study-identity", test_study_report_identity);
  status = g_test_run();
  /* Each test removes the files it wrote. */
  g_assert_cmpint(g_rmdir(tmp_dir), ==, 0);
  g_free(tmp_dir);
  return status;
}
