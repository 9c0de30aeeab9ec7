/* test-report.c — case and study reports: text, fonts, pages, missing data, PNG, async, CLI
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One small phantom study (2 + 2 hands of 10 frames) and a seeded random network with a 64 px
 * input are made once; every case of the study is analysed with it and the study saved, so the
 * tests read what the app would have stored. The PDFs are checked with poppler's tools.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "cs-analysis.h"
#include "cs-error.h"
#include "cs-frame-explanation.h"
#include "cs-phantom-study.h"
#include "cs-report.h"
#include "csnn-net.h"
#include "test-weights.h"

static char *tmp_dir;
static char *study_path;
static char *model_path;
static char *model_id;

/* ---- Fixture ---- */

static void
write_test_model(const char *path)
{
  const char *metadata[] = { "classes",    "[\"control\",\"cts\"]",
                             "input_size", "64",
                             "trained_on", "synthetic phantom sweeps (seeded random weights)",
                             "provenance", "tests/report/test-report, seeded noise",
                             NULL };
  csnn_net *net = NULL;

  g_assert_cmpint(csnn_net_new("squeezenet1_1", 2, &net), ==, CSNN_OK);
  test_weights_randomise(net);
  g_assert_cmpint(csnn_net_save(net, path, metadata), ==, CSNN_OK);
  csnn_net_free(net);
}

static void
make_fixture(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = NULL;
  g_autoptr(CsModel) model = NULL;
  CsPhantomStudyOptions options;

  tmp_dir = g_dir_make_tmp("cs-report-XXXXXX", &error);
  g_assert_no_error(error);
  cs_phantom_study_options_init(&options);
  options.hands_per_group = 2;
  options.test_per_group = 1;
  options.frames.n_frames = 10;
  options.seed = 11;
  options.n_threads = 1;
  g_assert_true(cs_phantom_study_write(&options, tmp_dir, NULL, NULL, NULL, &error));
  g_assert_no_error(error);
  study_path = g_build_filename(tmp_dir, "study.json", NULL);
  model_path = g_build_filename(tmp_dir, "report-test-net.safetensors", NULL);
  model_id = g_strdup("report-test-net");
  write_test_model(model_path);

  study = cs_study_load(study_path, &error);
  g_assert_no_error(error);
  cs_study_set_name(study, "Report test study");
  model = cs_model_load(model_path, &error);
  g_assert_no_error(error);
  for (guint i = 0; i < cs_study_get_n_cases(study); i++) {
    CsCase *c = cs_study_get_case(study, i);
    g_autofree char *sweep_path = cs_study_dup_sweep_path(study, c);
    g_autoptr(CsSweep) sweep = cs_sweep_open(sweep_path, &error);
    g_autoptr(CsModelResult) result = NULL;

    g_assert_no_error(error);
    result = cs_analyse_case(sweep, c, model, 0.5, -1, -1, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(cs_case_set_result(c, result, &error));
  }
  g_assert_true(cs_study_save(study, &error));
  g_assert_no_error(error);
}

static void
remove_tree(const char *path)
{
  g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name(dir)) != NULL) {
      g_autofree char *child = g_build_filename(path, name, NULL);

      if (g_file_test(child, G_FILE_TEST_IS_DIR))
        remove_tree(child);
      else
        g_unlink(child);
    }
  g_rmdir(path);
}

/* Small report options: few LIME samples keep the tests fast (also under sanitizers). */
static void
test_options(CsReportOptions *options)
{
  cs_report_options_init(options);
  options->date = "2026-11-28";
}

/* The explanation a case report draws, as the CLI and the window make it: the report's frame
 * explained by the test network with few LIME samples. */
static CsFrameExplanation *
explain_case(CsStudy *study, CsCase *c, const CsReportOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsModel) model = NULL;
  CsExplainOptions explain;
  CsFrameExplanation *x;

  if (!options->explain)
    return NULL;
  model = cs_model_load(model_path, &error);
  g_assert_no_error(error);
  cs_explain_options_init(&explain);
  explain.lime.n_samples = 60;
  explain.lime.seed = 3;
  if (!options->gradcam)
    explain.methods &= ~(guint)CS_EXPLAIN_WANT_GRADCAM;
  x = cs_explain_case_report_frame(model, study, c, &explain, NULL, NULL, NULL, &error);
  g_assert_no_error(error);
  return x;
}

static CsStudy *
load_study(void)
{
  g_autoptr(GError) error = NULL;
  CsStudy *study = cs_study_load(study_path, &error);

  g_assert_no_error(error);
  return study;
}

/* Runs a command line; returns its standard output, or NULL when the program is missing. */
static char *
run(const char *const *argv, int *status)
{
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  g_autofree char *err = NULL;
  int wait_status = 0;

  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                    &wait_status, &error)) {
    g_test_message("%s: %s", argv[0], error->message);
    return NULL;
  }
  *status = g_spawn_check_wait_status(wait_status, NULL) ? 0 : 1;
  if (*status != 0)
    g_test_message("%s failed: %s", argv[0], err);
  return out;
}

static gboolean
have_poppler(void)
{
  g_autofree char *path = g_find_program_in_path("pdftotext");

  if (path == NULL) {
    g_test_skip("poppler-utils (pdftotext, pdffonts, pdftoppm) is not installed");
    return FALSE;
  }
  return TRUE;
}

static char *
pdf_text(const char *pdf)
{
  const char *argv[] = { "pdftotext", "-layout", pdf, "-", NULL };
  int status = 1;
  char *text = run(argv, &status);

  g_assert_nonnull(text);
  g_assert_cmpint(status, ==, 0);
  return text;
}

static int
pdf_pages(const char *pdf, char **size_line)
{
  const char *argv[] = { "pdfinfo", pdf, NULL };
  int status = 1;
  g_autofree char *info = run(argv, &status);
  const char *pages;
  const char *size;

  g_assert_nonnull(info);
  g_assert_cmpint(status, ==, 0);
  pages = strstr(info, "Pages:");
  g_assert_nonnull(pages);
  size = strstr(info, "Page size:");
  if (size_line != NULL && size != NULL)
    *size_line = g_strndup(size, strcspn(size, "\n"));
  return atoi(pages + strlen("Pages:"));
}

static char *
write_case_report(CsStudy *study, CsCase *c, const CsReportOptions *options, const char *name)
{
  /* The model by its file: the test network is not installed. */
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename(tmp_dir, name, NULL);

  g_autoptr(CsFrameExplanation) x = explain_case(study, c, options);

  g_assert_true(
      cs_report_write_case(study, c, model_path, x, options, path, NULL, NULL, NULL, &error));
  g_assert_no_error(error);
  return path;
}

/* The first CTS case: it has a tracing, a spacing and a result from the fixture. */
static CsCase *
first_case(CsStudy *study)
{
  return cs_study_get_case(study, 0);
}

/* ---- Tests ---- */

static void
test_pseudonym(void)
{
  g_autofree char *a = cs_report_dup_pseudonym("cts-001");
  g_autofree char *b = cs_report_dup_pseudonym("cts-001");
  g_autofree char *c = cs_report_dup_pseudonym("cts-002");

  g_assert_cmpstr(a, ==, b);
  g_assert_cmpstr(a, !=, c);
  g_assert_null(strstr(a, "cts"));
  g_assert_true(g_str_has_prefix(a, "P-"));
  g_assert_cmpuint(strlen(a), ==, 13);
}

static void
test_case_text(void)
{
  g_autoptr(CsStudy) study = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *text = NULL;
  g_autofree char *pseudonym = NULL;
  g_autofree char *p_hand = NULL;
  g_autofree char *area = NULL;
  g_autofree char *flat = NULL;
  CsReportOptions options;
  CsPolygonMeasures measures;
  CsSpacing spacing;
  CsCase *c;

  if (!have_poppler())
    return;
  study = load_study();
  c = first_case(study);
  test_options(&options);
  pdf = write_case_report(study, c, &options, "case.pdf");
  text = pdf_text(pdf);
  /* pdftotext lays text out in columns; compare with runs of spaces folded. */
  {
    g_autoptr(GRegex) spaces = g_regex_new("\\s+", 0, 0, NULL);

    flat = g_regex_replace_literal(spaces, text, -1, 0, " ", 0, NULL);
  }
  pseudonym = cs_report_dup_pseudonym(cs_case_get_id(c));
  g_assert_nonnull(strstr(flat, pseudonym));
  g_assert_null(strstr(flat, cs_case_get_id(c)));
  g_assert_nonnull(strstr(flat, "p(CTS)"));
  p_hand = g_strdup_printf("%.3f", cs_case_get_result(c, 0)->p_hand);
  g_assert_nonnull(strstr(flat, p_hand));
  g_assert_true(cs_case_measure_tracing(c, 0, &measures));
  spacing = cs_case_get_spacing(c);
  area = cs_spacing_format_area(&spacing, measures.area_px2);
  g_test_message("CSA %s, p %s", area, p_hand);
  g_assert_nonnull(strstr(flat, area));
  g_assert_nonnull(strstr(flat, "phantom truth"));
  g_assert_nonnull(strstr(flat, model_id));
  g_assert_nonnull(strstr(flat, "squeezenet1_1"));
  g_assert_nonnull(strstr(flat, cs_case_get_result(c, 0)->model_sha256));
  g_assert_nonnull(strstr(flat, "trained on synthetic phantom sweeps"));
  g_assert_nonnull(strstr(flat, "not a medical device"));
  g_assert_nonnull(strstr(flat, "8.2 ± 2.4"));
  g_assert_nonnull(strstr(flat, "Occlusion sensitivity"));
  g_assert_nonnull(strstr(flat, "LIME"));
  g_assert_nonnull(strstr(flat, "Grad-CAM"));
  g_assert_nonnull(strstr(flat, "60 samples"));
  g_assert_nonnull(strstr(flat, "seed 3"));
  g_assert_nonnull(strstr(flat, "Page 1 of"));
  g_assert_nonnull(strstr(flat, "2026-11-28"));

  /* With --real-id the recorded id is printed. */
  options.real_id = TRUE;
  {
    g_autofree char *real = write_case_report(study, c, &options, "case-real.pdf");
    g_autofree char *real_text = pdf_text(real);

    g_assert_nonnull(strstr(real_text, cs_case_get_id(c)));
  }
}

static void
test_case_fonts_and_pages(void)
{
  g_autoptr(CsStudy) study = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *fonts = NULL;
  g_autofree char *size_a4 = NULL;
  g_autofree char *size_letter = NULL;
  g_autofree char *prefix = NULL;
  g_auto(GStrv) lines = NULL;
  CsReportOptions options;
  int status = 1, n_pages, n_png = 0, n_fonts = 0;

  if (!have_poppler())
    return;
  study = load_study();
  test_options(&options);
  options.gradcam = FALSE;
  pdf = write_case_report(study, first_case(study), &options, "case-fonts.pdf");

  /* pdffonts: a header of two lines, then one line per font whose "emb" column says yes. */
  {
    const char *argv[] = { "pdffonts", pdf, NULL };

    fonts = run(argv, &status);
  }
  g_assert_nonnull(fonts);
  g_assert_cmpint(status, ==, 0);
  g_test_message("%s", fonts);
  lines = g_strsplit(fonts, "\n", -1);
  for (guint i = 2; lines[i] != NULL; i++) {
    g_autoptr(GRegex) re = g_regex_new(" (yes|no) +(yes|no) +(yes|no) ", 0, 0, NULL);
    g_autoptr(GMatchInfo) match = NULL;

    if (*lines[i] == '\0')
      continue;
    g_assert_true(g_regex_match(re, lines[i], 0, &match));
    {
      g_autofree char *embedded = g_match_info_fetch(match, 1);

      g_assert_cmpstr(embedded, ==, "yes");
    }
    n_fonts++;
  }
  g_assert_cmpint(n_fonts, >, 0);
  g_assert_nonnull(strstr(fonts, "NotoSans"));

  /* pdftoppm renders every page. */
  n_pages = pdf_pages(pdf, &size_a4);
  g_assert_cmpint(n_pages, >=, 2);
  g_assert_nonnull(strstr(size_a4, "595.276 x 841.89"));
  prefix = g_build_filename(tmp_dir, "page", NULL);
  {
    const char *argv[] = { "pdftoppm", "-r", "30", "-png", pdf, prefix, NULL };
    g_autofree char *out = run(argv, &status);

    g_assert_cmpint(status, ==, 0);
  }
  for (int p = 1; p <= n_pages; p++) {
    g_autofree char *a = g_strdup_printf("%s-%d.png", prefix, p);
    g_autofree char *b = g_strdup_printf("%s-%02d.png", prefix, p);

    if (g_file_test(a, G_FILE_TEST_EXISTS) || g_file_test(b, G_FILE_TEST_EXISTS))
      n_png++;
  }
  g_assert_cmpint(n_png, ==, n_pages);

  /* Letter paper. */
  options.paper = CS_REPORT_PAPER_LETTER;
  options.explain = FALSE;
  {
    g_autofree char *letter = write_case_report(study, first_case(study), &options, "letter.pdf");

    pdf_pages(letter, &size_letter);
    g_assert_nonnull(strstr(size_letter, "612 x 792"));
  }
}

static void
test_case_missing(void)
{
  g_autoptr(CsStudy) study = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsCaseReport) report = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *text = NULL;
  g_autofree char *flat = NULL;
  CsReportOptions options;
  CsCase *c;
  const char *const *missing;
  g_autoptr(GString) all = g_string_new(NULL);

  study = load_study();
  c = cs_study_get_case(study, 1);
  while (cs_case_get_n_tracings(c) > 0)
    cs_case_remove_tracing(c, 0);
  cs_case_clear_results(c);
  g_assert_true(cs_case_set_spacing(c, 0, CS_SPACING_SOURCE_UNKNOWN, &error));
  g_assert_no_error(error);
  test_options(&options);

  report = cs_case_report_build(study, c, NULL, NULL, &options, NULL, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_nonnull(report);
  g_assert_false(cs_case_report_has_panels(report));
  missing = cs_case_report_get_missing(report);
  for (guint i = 0; missing[i] != NULL; i++)
    g_string_append_printf(all, "%s\n", missing[i]);
  g_test_message("%s", all->str);
  g_assert_nonnull(strstr(all->str, "No analysis yet"));
  g_assert_nonnull(strstr(all->str, "No CSA tracing"));
  g_assert_nonnull(strstr(all->str, "No pixel spacing"));
  /* The ROI is in mm and there is no spacing: it cannot be placed, and the report says so. */
  g_assert_nonnull(strstr(all->str, "ROI"));
  {
    g_autofree char *png = g_build_filename(tmp_dir, "none.png", NULL);

    g_assert_false(cs_case_report_write_panels_png(report, png, 800, &error));
    g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
    g_clear_error(&error);
  }

  pdf = g_build_filename(tmp_dir, "missing.pdf", NULL);
  g_assert_true(cs_case_report_write_pdf(report, pdf, &error));
  g_assert_no_error(error);
  if (!have_poppler())
    return;
  text = pdf_text(pdf);
  {
    g_autoptr(GRegex) spaces = g_regex_new("\\s+", 0, 0, NULL);

    flat = g_regex_replace_literal(spaces, text, -1, 0, " ", 0, NULL);
  }
  g_assert_nonnull(strstr(flat, "No analysis yet"));
  g_assert_nonnull(strstr(flat, "No CSA tracing"));
  g_assert_nonnull(strstr(flat, "No pixel spacing"));
  g_assert_nonnull(strstr(flat, "not a medical device"));

  /* A cached result whose model is not installed: the result is shown, the panels are not. */
  {
    g_autoptr(CsCaseReport) other = NULL;
    g_autoptr(GString) notes = g_string_new(NULL);

    other = cs_case_report_build(study, cs_study_get_case(study, 2), NULL, NULL, &options, NULL,
                                 NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_false(cs_case_report_has_panels(other));
    for (const char *const *m = cs_case_report_get_missing(other); *m != NULL; m++)
      g_string_append_printf(notes, "%s\n", *m);
    g_assert_nonnull(strstr(notes->str, "is not installed"));
    g_assert_null(strstr(notes->str, "No analysis yet"));
  }
}

static void
test_panels_png(void)
{
  g_autoptr(CsStudy) study = load_study();
  g_autoptr(GError) error = NULL;
  g_autoptr(CsCaseReport) report = NULL;
  g_autofree char *png = g_build_filename(tmp_dir, "panels.png", NULL);
  g_autoptr(CsFrameExplanation) x = NULL;
  cairo_surface_t *image;
  CsReportOptions options;

  test_options(&options);
  x = explain_case(study, first_case(study), &options);
  report = cs_case_report_build(study, first_case(study), model_path, x, &options, NULL, NULL, NULL,
                                &error);
  g_assert_no_error(error);
  g_assert_true(cs_case_report_has_panels(report));
  g_assert_false(cs_case_report_write_panels_png(report, png, 50, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_true(cs_case_report_write_panels_png(report, png, 1000, &error));
  g_assert_no_error(error);
  image = cairo_image_surface_create_from_png(png);
  g_assert_cmpint(cairo_surface_status(image), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint(cairo_image_surface_get_width(image), ==, 1000);
  g_assert_cmpint(cairo_image_surface_get_height(image), >, 200);
  g_assert_cmpint(cairo_image_surface_get_height(image), <, 600);
  cairo_surface_destroy(image);
}

typedef struct {
  GMainLoop *loop;
  gboolean ok;
  GError *error;
  int n_progress;
  double last;
} AsyncData;

static void
async_progress_cb(double fraction, const char *step, gpointer user_data)
{
  AsyncData *data = user_data;

  g_assert_true(g_main_context_is_owner(g_main_context_default()));
  g_assert_cmpfloat(fraction, >=, 0);
  g_assert_cmpfloat(fraction, <=, 1);
  data->n_progress++;
  data->last = fraction;
}

static void
async_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncData *data = user_data;

  data->ok = cs_report_write_case_finish(result, &data->error);
  g_main_loop_quit(data->loop);
}

static void
test_case_async(void)
{
  g_autoptr(CsStudy) study = load_study();
  g_autofree char *pdf = g_build_filename(tmp_dir, "async.pdf", NULL);
  g_autofree char *cancelled_pdf = g_build_filename(tmp_dir, "cancelled.pdf", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new();
  g_autoptr(CsFrameExplanation) x = NULL;
  AsyncData data = { g_main_loop_new(NULL, FALSE), FALSE, NULL, 0, 0 };
  CsReportOptions options;

  test_options(&options);
  options.gradcam = FALSE;
  x = explain_case(study, first_case(study), &options);
  cs_report_write_case_async(study, first_case(study), NULL, x, &options, pdf, NULL,
                             async_progress_cb, &data, NULL, async_done_cb, &data);
  /* The study may change while the worker runs: it reads a copy. */
  cs_case_set_notes(first_case(study), "edited during the export");
  g_main_loop_run(data.loop);
  g_assert_no_error(data.error);
  g_assert_true(data.ok);
  g_assert_true(g_file_test(pdf, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint(data.n_progress, >, 0);

  /* Cancelled before it starts: an error, and no file. */
  data.ok = TRUE;
  g_cancellable_cancel(cancellable);
  cs_report_write_case_async(study, first_case(study), NULL, x, &options, cancelled_pdf,
                             cancellable, NULL, NULL, NULL, async_done_cb, &data);
  g_main_loop_run(data.loop);
  g_assert_false(data.ok);
  g_assert_nonnull(data.error);
  g_assert_true(g_error_matches(data.error, CS_ERROR, CS_ERROR_CANCELLED) ||
                g_error_matches(data.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_clear_error(&data.error);
  g_assert_false(g_file_test(cancelled_pdf, G_FILE_TEST_EXISTS));
  g_main_loop_unref(data.loop);
}

static void
test_study_report(void)
{
  g_autoptr(CsStudy) study = load_study();
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudyReport) report = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autofree char *pdf = g_build_filename(tmp_dir, "study.pdf", NULL);
  g_autofree char *csv = g_build_filename(tmp_dir, "study.csv", NULL);
  g_autofree char *table = g_build_filename(tmp_dir, "study-table1.csv", NULL);
  g_autofree char *roc = g_build_filename(tmp_dir, "study-roc.csv", NULL);
  g_autofree char *json = g_build_filename(tmp_dir, "study-report.json", NULL);
  g_autofree char *csv_text = NULL;
  const char *models[] = { model_path, NULL };
  CsEvaluateOptions evaluate;
  CsReportOptions options;
  JsonObject *root;

  test_options(&options);
  cs_evaluate_options_init(&evaluate);
  evaluate.replicates = 50;
  report =
      cs_study_report_build(study, models, CS_SPLIT_UNASSIGNED, &evaluate, &options, NULL, &error);
  g_assert_no_error(error);
  g_assert_nonnull(cs_study_report_get_evaluation(report));
  g_assert_true(cs_study_report_write(report, CS_REPORT_FORMAT_PDF, pdf, &error));
  g_assert_no_error(error);
  g_assert_true(cs_study_report_write(report, CS_REPORT_FORMAT_CSV, csv, &error));
  g_assert_no_error(error);
  g_assert_true(g_file_test(table, G_FILE_TEST_IS_REGULAR));
  g_assert_true(g_file_test(roc, G_FILE_TEST_IS_REGULAR));
  g_assert_true(g_file_get_contents(csv, &csv_text, NULL, &error));
  g_assert_true(g_str_has_prefix(csv_text, "hand,group,split,stage,stage_scheme,csa_mm2"));
  /* A header and one line per hand (one model). */
  {
    g_auto(GStrv) lines = g_strsplit(g_strstrip(csv_text), "\n", -1);

    g_assert_cmpuint(g_strv_length(lines), ==, 1 + 4);
  }
  g_assert_true(cs_study_report_write(report, CS_REPORT_FORMAT_JSON, json, &error));
  g_assert_no_error(error);
  g_assert_true(json_parser_load_from_file(parser, json, &error));
  g_assert_no_error(error);
  root = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpstr(json_object_get_string_member(root, "report"), ==, "carpalscope-study-report");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "hands")), ==, 4);
  g_assert_true(json_object_has_member(root, "evaluation"));

  if (!have_poppler())
    return;
  {
    g_autofree char *text = pdf_text(pdf);

    g_assert_nonnull(strstr(text, "Table 1"));
    g_assert_nonnull(strstr(text, model_id));
    g_assert_nonnull(strstr(text, "Mann"));
    g_assert_nonnull(strstr(text, "not a medical device"));
  }

  /* A model the study has no result of: one clear error. */
  {
    const char *other[] = { "no-such-model", NULL };
    g_autoptr(CsStudyReport) none =
        cs_study_report_build(study, other, CS_SPLIT_UNASSIGNED, &evaluate, &options, NULL, &error);

    g_assert_null(none);
    g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
  }
}

static void
study_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncData *data = user_data;

  data->ok = cs_report_write_study_finish(result, &data->error);
  g_main_loop_quit(data->loop);
}

static void
test_study_async(void)
{
  g_autoptr(CsStudy) study = load_study();
  g_autofree char *json = g_build_filename(tmp_dir, "async-study.json", NULL);
  const char *models[] = { model_path, NULL };
  AsyncData data = { g_main_loop_new(NULL, FALSE), FALSE, NULL, 0, 0 };
  CsEvaluateOptions evaluate;
  CsReportOptions options;

  test_options(&options);
  cs_evaluate_options_init(&evaluate);
  evaluate.replicates = 20;
  cs_report_write_study_async(study, models, CS_SPLIT_TEST, &evaluate, &options,
                              CS_REPORT_FORMAT_JSON, json, NULL, study_done_cb, &data);
  g_main_loop_run(data.loop);
  g_assert_no_error(data.error);
  g_assert_true(data.ok);
  g_assert_true(g_file_test(json, G_FILE_TEST_IS_REGULAR));
  g_main_loop_unref(data.loop);
}

static int
cli(const char *const *args, char **err_out)
{
  const char *cli_path = g_getenv("CARPALSCOPE_CLI");
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int wait_status = 0;

  g_ptr_array_add(argv, (char *)cli_path);
  g_ptr_array_add(argv, (char *)"report");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add(argv, (char *)args[i]);
  g_ptr_array_add(argv, NULL);
  g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, 0, NULL, NULL, &out, err_out,
                             &wait_status, &error));
  g_assert_no_error(error);
  g_test_message("report: %s", *err_out);
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
}

static void
test_cli(void)
{
  g_autoptr(CsStudy) study = NULL;
  g_autofree char *pdf = g_build_filename(tmp_dir, "cli.pdf", NULL);
  g_autofree char *png_dir = g_build_filename(tmp_dir, "slides", NULL);
  g_autofree char *json = g_build_filename(tmp_dir, "cli-study.json", NULL);
  const char *id;

  if (g_getenv("CARPALSCOPE_CLI") == NULL) {
    g_test_skip("CARPALSCOPE_CLI is not set");
    return;
  }
  study = load_study();
  id = cs_case_get_id(first_case(study));
  {
    const char *args[] = {
      "--study", study_path,   "--case",    id,        "--out",        pdf,
      "--model", model_path,   "--samples", "40",      "--no-gradcam", "--png-panels",
      png_dir,   "--png-size", "640",       "--paper", "letter",       "-q",
      NULL
    };
    g_autofree char *err = NULL;
    g_autofree char *pseudonym = cs_report_dup_pseudonym(id);
    g_autofree char *name = g_strdup_printf("%s-panels.png", pseudonym);
    g_autofree char *png = g_build_filename(png_dir, name, NULL);

    g_assert_cmpint(cli(args, &err), ==, 0);
    g_assert_true(g_file_test(pdf, G_FILE_TEST_IS_REGULAR));
    g_assert_true(g_file_test(png, G_FILE_TEST_IS_REGULAR));
  }
  {
    const char *args[] = {
      "--study", study_path, "--study-report", "--model", model_path, "--format", "json",
      "--split", "all",      "--replicates",   "20",      "--out",    json,       NULL
    };
    g_autofree char *err = NULL;

    g_assert_cmpint(cli(args, &err), ==, 0);
    g_assert_true(g_file_test(json, G_FILE_TEST_IS_REGULAR));
  }
  {
    const char *args[] = { "--study", study_path, "--case", id, NULL };
    g_autofree char *err = NULL;

    g_assert_cmpint(cli(args, &err), ==, 2);
    g_assert_nonnull(strstr(err, "--out is required"));
  }
  {
    const char *args[] = {
      "--study", study_path, "--case", id, "--out", pdf, "--paper", "a5", NULL
    };
    g_autofree char *err = NULL;

    g_assert_cmpint(cli(args, &err), ==, 2);
    g_assert_nonnull(strstr(err, "--paper"));
  }
  {
    const char *args[] = { "--study", study_path, "--case", "no-such-case", "--out", pdf, NULL };
    g_autofree char *err = NULL;

    g_assert_cmpint(cli(args, &err), ==, 1);
    g_assert_nonnull(strstr(err, "no-such-case"));
    /* One line on stderr. */
    g_assert_true(g_str_has_suffix(err, "\n"));
    g_assert_null(strchr(err, '\n') + 1 < err + strlen(err) ? "more than one line" : NULL);
  }
}

int
main(int argc, char **argv)
{
  int status;

  g_test_init(&argc, &argv, NULL);
  make_fixture();
  g_test_add_func("/report/pseudonym", test_pseudonym);
  g_test_add_func("/report/case/text", test_case_text);
  g_test_add_func("/report/case/fonts-and-pages", test_case_fonts_and_pages);
  g_test_add_func("/report/case/missing", test_case_missing);
  g_test_add_func("/report/case/panels-png", test_panels_png);
  g_test_add_func("/report/case/async", test_case_async);
  g_test_add_func("/report/study", test_study_report);
  g_test_add_func("/report/study/async", test_study_async);
  g_test_add_func("/report/cli", test_cli);
  status = g_test_run();
  if (g_getenv("CARPALSCOPE_KEEP_REPORTS") != NULL)
    g_printerr("reports kept in %s\n", tmp_dir);
  else
    remove_tree(tmp_dir);
  g_free(tmp_dir);
  g_free(study_path);
  g_free(model_path);
  g_free(model_id);
  return status;
}
