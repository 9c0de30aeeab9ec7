/* test-gui-export.c — the case report exported from the window draws the explanation on screen
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real window on the demo study with a seeded random model: the explanation panel's
 * parameters are set away from every default (LIME seed, samples and segments, occlusion mask
 * and stride), the frame is explained, the case report is exported the way Export Case Report
 * does after its file chooser, and the PDF's text must carry the parameters on screen, the maps'
 * R^2 and the frame explained, not the defaults.
 *
 * Usage: test-gui-export DEMO_DIR MAKE_TEST_MODEL
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "cs-application.h"
#include "cs-explain-panel.h"
#include "cs-window.h"
#include "gui-test-util.h"
#include "test-model.h"

static const char *demo_dir;
static const char *make_model;

static gboolean
explain_started(gpointer data)
{
  /* Fails until the window has opened the case's sweep. */
  return cs_explain_panel_explain(cs_window_get_explain_panel(data));
}

static gboolean
explain_finished(gpointer data)
{
  return !cs_explain_panel_is_running(cs_window_get_explain_panel(data));
}

static gboolean
export_finished(gpointer data)
{
  return !cs_window_is_exporting(data);
}

typedef struct {
  char *work;
  char *pdf;
  char *text; /* The PDF's text, or NULL. */
  CsFrameExplanation *shown;
} Run;

static char *
pdf_text(const char *pdf)
{
  g_autofree char *out = NULL;
  const char *argv[] = { "pdftotext", pdf, "-", NULL };
  g_autoptr(GRegex) spaces = g_regex_new("\\s+", 0, 0, NULL);
  int status = 0;

  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, &out, NULL, &status, NULL) ||
      !g_spawn_check_wait_status(status, NULL))
    return NULL;
  /* Panel captions wrap inside their column: compare words, not lines. */
  return g_regex_replace_literal(spaces, out, -1, 0, " ", 0, NULL);
}

static void
activate_cb(GApplication *app, gpointer user_data)
{
  Run *run = user_data;
  CsWindow *window = CS_WINDOW(gtk_application_get_active_window(GTK_APPLICATION(app)));
  g_autofree char *study_path = g_build_filename(run->work, "study", "study.json", NULL);
  g_autoptr(GFile) study = g_file_new_for_path(study_path);
  CsExplainPanel *panel;

  g_assert_nonnull(window);
  panel = cs_window_get_explain_panel(window);
  cs_window_open_file(window, study);
  g_assert_true(gui_test_iterate_until(explain_started, window, 60));
  g_assert_true(gui_test_iterate_until(explain_finished, window, 600));
  run->shown = cs_frame_explanation_ref(cs_explain_panel_get_explanation(panel));
  g_assert_nonnull(run->shown);

  g_assert_true(cs_window_export_case_report(window, run->pdf));
  g_assert_true(gui_test_iterate_until(export_finished, window, 300));
  run->text = pdf_text(run->pdf);
  gtk_window_destroy(GTK_WINDOW(window));
}

static void
test_export_draws_screen(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *models = NULL;
  g_autofree char *model = NULL;
  g_autofree char *study_dir = NULL;
  g_autofree char *expect = NULL;
  Run run = { 0 };
  const CsExplanation *lime;
  const CsExplanation *occlusion;
  g_autofree char *pdftotext = g_find_program_in_path("pdftotext");
  int status = 0;

  if (pdftotext == NULL) {
    g_test_skip("pdftotext (poppler-utils) is not installed");
    return;
  }
  run.work = g_dir_make_tmp("carpalscope-export-XXXXXX", &error);
  g_assert_no_error(error);
  run.pdf = g_build_filename(run.work, "case.pdf", NULL);
  models = g_build_filename(run.work, "models", NULL);
  g_assert_cmpint(g_mkdir(models, 0755), ==, 0);
  model = g_build_filename(models, "test-squeezenet.safetensors", NULL);
  test_model_make(make_model, model, 96);
  study_dir = g_build_filename(run.work, "study", NULL);
  {
    const char *argv[] = { "cp", "-r", demo_dir, study_dir, NULL };

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, &error));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
  }
  g_setenv("CARPALSCOPE_MODELSDIR", models, TRUE);

  /* Parameters on screen, each away from its default (30 % mask, 15 % stride, 200 samples, 40
   * segments, seed 7): the settings are what the panel shows when the window opens. */
  settings = g_settings_new(APPLICATION_ID);
  g_settings_set_double(settings, "occlusion-mask", 30);
  g_settings_set_double(settings, "occlusion-stride", 15);
  g_settings_set_uint(settings, "lime-samples", 200);
  g_settings_set_uint(settings, "lime-segments", 40);
  g_settings_set_uint(settings, "lime-seed", 7);

  gui_test_run_app(G_CALLBACK(activate_cb), &run);

  /* What the panel showed was made with the parameters on screen... */
  g_assert_nonnull(run.shown);
  lime = run.shown->lime;
  occlusion = run.shown->occlusion;
  g_assert_cmpint(lime->n_samples, ==, 200);
  g_assert_cmpuint(lime->seed, ==, 7);
  g_assert_cmpint(occlusion->mask_px, ==, (int)(run.shown->size * 0.30));
  g_assert_cmpint(occlusion->stride_px, ==, (int)(run.shown->size * 0.15));

  /* ...and the report draws that explanation: its parameters, its R^2, its frame. */
  g_assert_nonnull(run.text);
  expect = g_strdup_printf("%d segments, 200 samples, seed 7", lime->n_segments);
  g_assert_nonnull(strstr(run.text, expect));
  g_free(expect);
  expect = g_strdup_printf("R² %.2f", lime->r2);
  g_assert_nonnull(strstr(run.text, expect));
  g_free(expect);
  expect = g_strdup_printf("mask %d px", occlusion->mask_px);
  g_assert_nonnull(strstr(run.text, expect));
  g_free(expect);
  expect =
      g_strdup_printf("Frame %d, the frame chosen and explained by the user", run.shown->frame);
  g_assert_nonnull(strstr(run.text, expect));
  g_assert_null(strstr(run.text, "1000 samples"));
  g_assert_null(strstr(run.text, "seed 0,"));

  cs_frame_explanation_unref(run.shown);
  gui_test_remove_tree(run.work);
  g_free(run.work);
  g_free(run.pdf);
  g_free(run.text);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  if (argc < 3) {
    g_printerr("usage: %s DEMO_DIR MAKE_TEST_MODEL\n", argv[0]);
    return 2;
  }
  demo_dir = argv[1];
  make_model = argv[2];
  g_test_add_func("/gui/export/case-report-draws-the-screen", test_export_draws_screen);
  return g_test_run();
}
