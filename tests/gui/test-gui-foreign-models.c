/* test-gui-foreign-models.c — models from ONNX and from the PyTorch trainer analyse a sweep in the
 * window
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A phantom study of one hand per group and four frames (carpalscope-cli phantom-study) is open
 * in the real window. Two models come from elsewhere, each into the per-user models folder of a
 * private XDG_DATA_HOME: a MobileNetV2 written by tools/carpalscope_torch's safetensors writer
 * with the trainer's metadata (tests/gui/torch-model.py, random weights) before the window
 * starts, and a SqueezeNet 1.1 graph exported by torch (tests/core/onnx-export.py) imported
 * through the Preferences window's import while it runs. Each is chosen in the window's analysis
 * panel and Analyse runs on the first case: the case's result carries that model's id and
 * SHA-256, and the p(CTS) of every frame is what `carpalscope-cli classify` gives with the same
 * model file on that frame's ROI (within 1e-4), so the hand's p(CTS) is too. Skips without
 * python3-torch, python3-torchvision and python3-onnx, or in a build without ONNX import.
 */
#include "config.h"

#include <adwaita.h>
#include <gtk/gtk.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "cs-analysis-panel.h"
#include "cs-application.h"
#include "cs-model-catalog.h"
#include "cs-model-info.h"
#include "cs-onnx-import.h"
#include "cs-preferences-window.h"
#include "cs-roi.h"
#include "cs-study.h"
#include "cs-window.h"
#include "gui-test-util.h"

#define N_FRAMES 4
#define ONNX_ID  "squeezenet-op9"
#define TORCH_ID "torch-mobilenet"

static char *work;

/* Runs @argv (with @env, or this process's when NULL); fails the test on a non-zero exit. */
static char *
run(const char *const *argv, char **env)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  g_assert_true(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                             &status, &error));
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, NULL))
    g_error("%s %s failed: %s", argv[0], argv[1], err);
  return out;
}

/* TRUE when Python has torch, torchvision and onnx. */
static gboolean
have_python(const char *python)
{
  const char *argv[] = { python, "-c", "import torch, torchvision, onnx", NULL };
  int status = 0;

  return g_spawn_sync(NULL, (char **)argv, NULL,
                      G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
                      NULL, &status, NULL) &&
         g_spawn_check_wait_status(status, NULL);
}

/* The study, the ONNX graph and the trainer's model; FALSE when Python lacks what it needs. */
static gboolean
prepare(const char *cli, const char *python, const char *srcdir)
{
  g_autofree char *study = g_build_filename(work, "study", NULL);
  g_autofree char *onnx_dir = g_build_filename(work, "onnx", NULL);
  g_autofree char *export = g_build_filename(srcdir, "tests", "core", "onnx-export.py", NULL);
  g_autofree char *writer = g_build_filename(srcdir, "tests", "gui", "torch-model.py", NULL);
  g_autofree char *tools = g_build_filename(srcdir, "tools", NULL);
  g_autofree char *models = NULL, *torch_model = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "PYTHONPATH", tools, TRUE);

  if (!have_python(python))
    return FALSE;
  {
    const char *argv[] = {
      cli,     "phantom-study", "--hands-per-group", "1", "--frames", "4", "--seed", "21",
      "--out", study,           "--quiet",           NULL
    };

    g_free(run(argv, NULL));
  }
  {
    const char *argv[] = { python, export, onnx_dir, ONNX_ID, NULL };

    g_free(run(argv, NULL));
  }
  models = cs_model_catalog_ensure_user_folder(&error);
  g_assert_no_error(error);
  g_assert_true(g_str_has_prefix(models, work));
  torch_model = g_build_filename(models, TORCH_ID ".safetensors", NULL);
  {
    const char *argv[] = { python, writer, "mobilenet_v2", "64", torch_model, NULL };

    g_free(run(argv, env));
  }
  return TRUE;
}

static gboolean
not_opening(gpointer data)
{
  return !cs_window_is_opening(data);
}

static gboolean
not_analysing(gpointer data)
{
  return !cs_window_is_analysing(data);
}

static gboolean
catalog_has_onnx(gpointer data)
{
  return cs_model_catalog_find(data, ONNX_ID) != G_MAXUINT;
}

/* The case's result of the model @sha256, or NULL. */
static const CsModelResult *
result_of(CsCase *c, const char *sha256)
{
  for (guint i = 0; i < cs_case_get_n_results(c); i++)
    if (g_strcmp0(cs_case_get_result(c, i)->model_sha256, sha256) == 0)
      return cs_case_get_result(c, i);
  return NULL;
}

/* p(CTS) of @frame of @sweep in @rect under the model file @model, as carpalscope-cli gives it. */
static double
cli_p_cts(const char *sweep, int frame, const CsRoiRect *rect, const char *model)
{
  const char *cli = g_getenv("CARPALSCOPE_CLI");
  g_autofree char *roi =
      g_strdup_printf("%d,%d,%d,%d", rect->x, rect->y, rect->width, rect->height);
  g_autofree char *frames = g_strdup_printf("%d", frame);
  const char *argv[] = { cli,        "classify", "--model", model, "--roi", roi,
                         "--frames", frames,     "--json",  sweep, NULL };
  g_autofree char *out = run(argv, NULL);
  g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  JsonObject *o;

  /* The frame's line, then the sweep's summary. */
  g_assert_true(json_parser_load_from_data(parser, lines[0], -1, &error));
  g_assert_no_error(error);
  o = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpint(json_object_get_int_member(o, "frame"), ==, frame);
  return json_object_get_double_member(o, "p_cts");
}

/* Chooses @id in the window's analysis panel, analyses the open case and checks its result. */
static void
analyse_with(CsWindow *window, CsModelCatalog *catalog, const char *id)
{
  CsAnalysisPanel *panel =
      CS_ANALYSIS_PANEL(gui_test_find_widget(GTK_WIDGET(window), CS_TYPE_ANALYSIS_PANEL));
  CsModelInfo *info = cs_model_catalog_lookup(catalog, id);
  CsStudy *study = cs_window_get_study(window);
  CsCase *c = cs_window_get_case(window);
  g_autofree char *sweep = NULL;
  g_autoptr(CsRoiTrack) track = NULL;
  CsSpacing spacing;
  const CsModelResult *result;
  double mean = 0.0;

  g_assert_nonnull(info);
  g_assert_nonnull(c);
  cs_analysis_panel_set_model_id(panel, id);
  g_assert_cmpstr(cs_analysis_panel_get_model_id(panel), ==, id);
  g_assert_null(result_of(c, cs_model_info_get_sha256(info)));

  gtk_widget_activate_action(GTK_WIDGET(window), "win.analyse", NULL);
  g_assert_true(cs_window_is_analysing(window));
  g_assert_true(gui_test_iterate_until(not_analysing, window, 120));
  gui_test_pump();

  result = result_of(c, cs_model_info_get_sha256(info));
  g_assert_nonnull(result);
  g_assert_cmpstr(result->model_id, ==, id);
  g_assert_cmpuint(result->n_frames, ==, N_FRAMES);

  sweep = cs_study_dup_sweep_path(study, c);
  track = cs_case_dup_roi_track(c);
  spacing = cs_case_get_spacing(c);
  for (guint i = 0; i < result->n_frames; i++) {
    g_autoptr(GError) error = NULL;
    CsRoiRect rect;
    double p;

    g_assert_true(cs_roi_track_get_rect(track, (int)result->frames[i], &spacing, &rect, &error));
    g_assert_no_error(error);
    p = cli_p_cts(sweep, (int)result->frames[i], &rect, cs_model_info_get_path(info));
    g_test_message("%s frame %d: window %.6f, classify %.6f", id, (int)result->frames[i],
                   result->p_cts[i], p);
    g_assert_cmpfloat_with_epsilon(result->p_cts[i], p, 1e-4);
    mean += p / result->n_frames;
  }
  g_assert_cmpfloat_with_epsilon(result->p_hand, mean, 1e-4);
}

static gboolean
case_open(gpointer data)
{
  return cs_window_get_case(data) != NULL;
}

static void
activate_cb(GApplication *app, gpointer user_data)
{
  gboolean *done = user_data;
  CsWindow *window = CS_WINDOW(gtk_application_get_active_window(GTK_APPLICATION(app)));
  CsModelCatalog *catalog = cs_application_get_model_catalog(CS_APPLICATION(app));
  g_autofree char *path = g_build_filename(work, "study", "study.json", NULL);
  g_autofree char *onnx = g_build_filename(work, "onnx", ONNX_ID ".onnx", NULL);
  g_autoptr(GFile) study = g_file_new_for_path(path);
  g_autoptr(GFile) graph = g_file_new_for_path(onnx);
  CsPreferencesWindow *prefs;

  g_assert_nonnull(window);
  cs_window_open_file(window, study);
  g_assert_true(gui_test_iterate_until(not_opening, window, 60));
  g_assert_true(gui_test_iterate_until(case_open, window, 60));
  gui_test_pump();

  /* The trainer's model was there when the window started. */
  g_assert_cmpuint(cs_model_catalog_find(catalog, TORCH_ID), !=, G_MAXUINT);
  analyse_with(window, catalog, TORCH_ID);

  /* The ONNX graph through Preferences, into the catalogue the window lists. */
  g_assert_cmpuint(cs_model_catalog_find(catalog, ONNX_ID), ==, G_MAXUINT);
  prefs = cs_preferences_window_new(GTK_WINDOW(window), catalog);
  cs_preferences_window_import_onnx(prefs, graph);
  g_assert_true(gui_test_iterate_until(catalog_has_onnx, catalog, 120));
  gtk_window_destroy(GTK_WINDOW(prefs));
  g_assert_cmpstr(
      cs_model_info_get_metadata(cs_model_catalog_lookup(catalog, ONNX_ID), "provenance"), ==,
      "imported");
  analyse_with(window, catalog, ONNX_ID);

  *done = TRUE;
  gtk_window_destroy(GTK_WINDOW(window));
}

static void
test_foreign_models(void)
{
  const char *cli = g_getenv("CARPALSCOPE_CLI"), *python = g_getenv("CARPALSCOPE_PYTHON");
  const char *srcdir = g_getenv("CARPALSCOPE_SRCDIR");
  gboolean done = FALSE;

  if (cli == NULL || python == NULL || srcdir == NULL) {
    g_test_skip("CARPALSCOPE_CLI, CARPALSCOPE_PYTHON and CARPALSCOPE_SRCDIR are not set");
    return;
  }
  if (!cs_onnx_import_available()) {
    g_test_skip("this build has no ONNX import");
    return;
  }
  if (!prepare(cli, python, srcdir)) {
    g_test_skip("python3 with torch, torchvision and onnx is not available");
    return;
  }
  gui_test_run_app(G_CALLBACK(activate_cb), &done);
  g_assert_true(done);
}

int
main(int argc, char **argv)
{
  work = gui_test_private_data_home("carpalscope-foreign-models-XXXXXX");
  gtk_test_init(&argc, &argv, NULL);
  adw_init();
  g_test_add_func("/gui/models/foreign-analyse", test_foreign_models);
  return gui_test_run_and_remove(work);
}
