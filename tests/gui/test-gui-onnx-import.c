/* test-gui-onnx-import.c — an ONNX model imported from Preferences is in the analysis panel's list
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SqueezeNet 1.1 graph exported by torch (tests/core/onnx-export.py) is imported through the
 * Preferences window's import, the code the Import ONNX Model row runs on the file chosen, into
 * the per-user models folder of a private XDG_DATA_HOME. Once the worker is done the analysis
 * panel, on the same catalogue, offers the model and selects it; importing the file again adds a
 * second model beside the first instead of overwriting it. Skips without python3-torch,
 * python3-torchvision and python3-onnx, or in a build without ONNX import.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "cs-analysis-panel.h"
#include "cs-model-catalog.h"
#include "cs-onnx-import.h"
#include "cs-preferences-window.h"
#include "gui-test-util.h"

static char *work;

/* Exports the one case into @dir; FALSE when Python lacks what it needs. */
static gboolean
export_onnx(const char *dir)
{
  const char *python = g_getenv("CARPALSCOPE_PYTHON"), *srcdir = g_getenv("CARPALSCOPE_SRCDIR");
  const char *check[] = { python, "-c", "import torch, torchvision, onnx", NULL };
  g_autofree char *script = NULL, *err = NULL;
  int status = 0;

  if (python == NULL || srcdir == NULL)
    return FALSE;
  if (!g_spawn_sync(NULL, (char **)check, NULL,
                    G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                    &status, NULL) ||
      !g_spawn_check_wait_status(status, NULL))
    return FALSE;
  script = g_build_filename(srcdir, "tests", "core", "onnx-export.py", NULL);
  {
    const char *argv[] = { python, script, dir, "squeezenet-op9", NULL };

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &status, NULL));
    if (!g_spawn_check_wait_status(status, NULL))
      g_error("onnx-export.py failed: %s", err);
  }
  return TRUE;
}

static gboolean
catalog_has(gpointer data)
{
  CsModelCatalog *catalog = data;
  const char *id = g_object_get_data(G_OBJECT(catalog), "wanted");

  return cs_model_catalog_find(catalog, id) != G_MAXUINT;
}

static void
test_import_from_preferences(void)
{
  g_autofree char *onnx_dir = g_build_filename(work, "onnx", NULL);
  g_autofree char *onnx = g_build_filename(onnx_dir, "squeezenet-op9.onnx", NULL);
  g_autofree char *user_folder = cs_model_catalog_dup_user_folder();
  g_autofree char *model = NULL;
  g_autoptr(CsModelCatalog) catalog = NULL;
  g_autoptr(GFile) file = NULL;
  GtkWidget *panel;
  CsPreferencesWindow *prefs;

  if (!cs_onnx_import_available()) {
    g_test_skip("this build has no ONNX import");
    return;
  }
  if (!export_onnx(onnx_dir)) {
    g_test_skip("python3 with torch, torchvision and onnx is not available");
    return;
  }
  /* The per-user folder is the private one. */
  g_assert_true(g_str_has_prefix(user_folder, work));
  model = g_build_filename(user_folder, "squeezenet-op9.safetensors", NULL);

  catalog = cs_model_catalog_new();
  panel = g_object_ref_sink(g_object_new(CS_TYPE_ANALYSIS_PANEL, NULL));
  cs_analysis_panel_set_model_catalog(CS_ANALYSIS_PANEL(panel), catalog);
  g_assert_cmpuint(cs_model_catalog_find(catalog, "squeezenet-op9"), ==, G_MAXUINT);
  prefs = cs_preferences_window_new(NULL, catalog);
  file = g_file_new_for_path(onnx);

  cs_preferences_window_import_onnx(prefs, file);
  g_object_set_data(G_OBJECT(catalog), "wanted", (gpointer) "squeezenet-op9");
  g_assert_true(gui_test_iterate_until(catalog_has, catalog, 120.0));
  g_assert_true(g_file_test(model, G_FILE_TEST_IS_REGULAR));
  cs_analysis_panel_set_model_id(CS_ANALYSIS_PANEL(panel), "squeezenet-op9");
  g_assert_cmpstr(cs_analysis_panel_get_model_id(CS_ANALYSIS_PANEL(panel)), ==, "squeezenet-op9");
  {
    CsModelInfo *info = g_list_model_get_item(G_LIST_MODEL(catalog),
                                              cs_model_catalog_find(catalog, "squeezenet-op9"));

    g_assert_cmpstr(cs_model_info_get_arch(info), ==, "squeezenet1_1");
    g_assert_cmpstr(cs_model_info_get_metadata(info, "provenance"), ==, "imported");
    g_object_unref(info);
  }

  /* The same file again is a second model, not the first overwritten. */
  cs_preferences_window_import_onnx(prefs, file);
  g_object_set_data(G_OBJECT(catalog), "wanted", (gpointer) "squeezenet-op9-2");
  g_assert_true(gui_test_iterate_until(catalog_has, catalog, 120.0));
  cs_analysis_panel_set_model_id(CS_ANALYSIS_PANEL(panel), "squeezenet-op9-2");
  g_assert_cmpstr(cs_analysis_panel_get_model_id(CS_ANALYSIS_PANEL(panel)), ==, "squeezenet-op9-2");

  gtk_window_destroy(GTK_WINDOW(prefs));
  g_object_unref(panel);
}

int
main(int argc, char **argv)
{
  work = gui_test_private_data_home("carpalscope-onnx-gui-XXXXXX");
  gtk_test_init(&argc, &argv, NULL);
  adw_init();
  g_test_add_func("/gui/preferences/import-onnx", test_import_from_preferences);
  return gui_test_run_and_remove(work);
}
