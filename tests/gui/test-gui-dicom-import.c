/* test-gui-dicom-import.c — the real window imports a DICOM export (a folder with its DICOMDIR)
 * into the open study
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * tests/media/make-dicom-folder.py writes a scanner's export (pydicom, indexed by dcmtk's
 * dcmmkdir; the test skips without them). win.import with the folder's URI reads it in a worker
 * and adds one case per ultrasound image or cine, with the hand of its laterality and its file's
 * spacing; one message lists the files left out (structured report, waveform, presentation
 * state, CT, a missing one) with their reasons; undo removes the import's cases in one step and
 * redo brings them back; study.json keeps hands and spacings. The real files of
 * ../shared/realdata/dicom are imported too when present.
 */
#include "config.h"

#include <adwaita.h>
#include <gtk/gtk.h>
#include <string.h>

#include "cs-application.h"
#include "cs-study.h"
#include "cs-window.h"
#include "dicom-test-util.h"
#include "gui-test-util.h"

typedef struct {
  char *work;
  char *export_dir;
  CsStudy *study;
  gboolean done;
} Run;

typedef struct {
  CsStudy *study;
  guint n_cases;
} Count;

static gboolean
has_cases(gpointer data)
{
  Count *count = data;

  return cs_study_get_n_cases(count->study) >= count->n_cases;
}

/* Imports @path through win.import and waits for its worker to add @n_cases in all. */
static void
import_uri_of(CsWindow *window, const char *path, guint n_cases)
{
  g_autoptr(GFile) file = g_file_new_for_path(path);
  g_autofree char *uri = g_file_get_uri(file);
  Count count = { NULL, n_cases };

  gtk_widget_activate_action(GTK_WIDGET(window), "win.import", "s", uri);
  /* DICOM is read in a worker: the window answers meanwhile. */
  count.study = cs_window_get_study(window);
  g_assert_nonnull(count.study);
  g_assert_cmpuint(cs_study_get_n_cases(count.study), <, n_cases);
  g_assert_true(gui_test_iterate_until(has_cases, &count, 60));
}

/* The four images' cases: hands and spacings as their files say. */
static void
check_cases(CsStudy *study)
{
  static const CsHand hands[] = { CS_HAND_LEFT, CS_HAND_RIGHT, CS_HAND_UNKNOWN, CS_HAND_RIGHT };
  static const double spacings[] = { 0.1, 0.25, 0, 0.3 };

  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 4);
  for (guint i = 0; i < 4; i++) {
    CsCase *c = cs_study_get_case(study, i);

    g_assert_cmpint(cs_case_get_hand(c), ==, hands[i]);
    if (spacings[i] > 0) {
      g_assert_cmpfloat_with_epsilon(cs_case_get_spacing_mm(c), spacings[i], 1e-9);
      g_assert_cmpint(cs_case_get_spacing_source(c), ==, CS_SPACING_SOURCE_DICOM);
    } else {
      g_assert_cmpint(cs_case_get_spacing_source(c), ==, CS_SPACING_SOURCE_UNKNOWN);
    }
  }
  g_assert_cmpint(cs_case_get_spacing(cs_study_get_case(study, 0)).region, ==, 0);
}

static void
import_export(CsWindow *window, Run *run)
{
  g_autofree char *dir = g_build_filename(run->work, "study", NULL);
  g_autofree char *file = g_build_filename(dir, "study.json", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path(dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) saved = NULL;
  AdwMessageDialog *skipped;
  const char *body;
  CsStudy *study;

  g_assert_true(cs_window_create_study(window, folder));
  study = cs_window_get_study(window);
  import_uri_of(window, run->export_dir, 4);
  check_cases(study);
  g_assert_true(cs_window_get_case(window) == cs_study_get_case(study, 0));

  /* One message lists the five files left out, each with its reason. */
  skipped = gui_test_find_dialog(GTK_WINDOW(window), "5 Files Not Imported");
  g_assert_nonnull(skipped);
  body = adw_message_dialog_get_body(skipped);
  g_test_message("%s", body);
  g_assert_nonnull(strstr(body, "Basic Text SR Storage, not an image"));
  g_assert_nonnull(strstr(body, "Waveform Storage, not an image"));
  g_assert_nonnull(strstr(body, "Presentation State"));
  g_assert_nonnull(strstr(body, "modality CT, not ultrasound"));
  g_assert_nonnull(strstr(body, "GONE0001"));
  gtk_window_destroy(GTK_WINDOW(skipped));

  /* The import is one step: undo removes its four cases, redo brings them back. */
  gtk_widget_activate_action(GTK_WIDGET(window), "win.undo", NULL);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 0);
  gtk_widget_activate_action(GTK_WIDGET(window), "win.redo", NULL);
  check_cases(study);

  gtk_widget_activate_action(GTK_WIDGET(window), "win.save", NULL);
  g_assert_false(cs_study_get_dirty(study));
  saved = cs_study_load(file, &error);
  g_assert_no_error(error);
  check_cases(saved);
}

/* The real files, when present: the Philips cines at 0.2623 mm/px from region 0. */
static void
import_realdata(CsWindow *window)
{
  const char *realdata = g_getenv("CARPALSCOPE_REALDATA");
  g_autofree char *dir = realdata != NULL ? g_build_filename(realdata, "dicom", NULL) : NULL;
  CsStudy *study = cs_window_get_study(window);
  guint before = cs_study_get_n_cases(study), philips = 0;

  if (dir == NULL || !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
    g_test_message("no ../shared/realdata/dicom: the real files are not imported");
    return;
  }
  import_uri_of(window, dir, before + 3);
  g_assert_null(gui_test_find_dialog(GTK_WINDOW(window), "Not Imported"));
  g_assert_cmpuint(cs_study_get_n_cases(study), >=, before + 3);
  for (guint i = before; i < cs_study_get_n_cases(study); i++) {
    CsCase *c = cs_study_get_case(study, i);

    if (g_str_has_prefix(cs_case_get_id(c), "OBXXXX1A")) {
      g_assert_cmpfloat_with_epsilon(cs_case_get_spacing_mm(c), 0.2623, 5e-5);
      g_assert_cmpint(cs_case_get_spacing(c).region, ==, 0);
      philips++;
    }
  }
  g_assert_cmpuint(philips, ==, 2);
}

static void
activate_cb(GApplication *app, gpointer user_data)
{
  Run *run = user_data;
  CsWindow *window = CS_WINDOW(gtk_application_get_active_window(GTK_APPLICATION(app)));

  g_assert_nonnull(window);
  import_export(window, run);
  import_realdata(window);
  run->done = TRUE;
  /* The study is held until the window is gone (after the application's run): the case panel
   * keeps a binding to the study of the DICOM case it shows and unbinds it when it is disposed,
   * which can be after the window has dropped the study, so a study that goes first leaves it
   * unbinding a freed binding (cs-case-panel.c). */
  run->study = g_object_ref(cs_window_get_study(window));
  gtk_window_destroy(GTK_WINDOW(window));
}

static void
test_import(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsApplication) app = NULL;
  g_autofree char *rm = NULL;
  Run run = { 0 };

  run.work = g_dir_make_tmp("carpalscope-dicom-import-XXXXXX", &error);
  g_assert_no_error(error);
  run.export_dir = g_build_filename(run.work, "export", NULL);
  rm = g_strdup_printf("rm -rf '%s'", run.work);
  if (dicom_test_make_files("make-dicom-folder.py", run.export_dir)) {
    app = cs_application_new();
    g_application_set_flags(G_APPLICATION(app),
                            g_application_get_flags(G_APPLICATION(app)) | G_APPLICATION_NON_UNIQUE);
    g_signal_connect_after(app, "activate", G_CALLBACK(activate_cb), &run);
    g_assert_cmpint(g_application_run(G_APPLICATION(app), 0, NULL), ==, 0);
    g_assert_true(run.done);
    g_clear_object(&app);
    g_clear_object(&run.study);
  }
  g_assert_true(g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL));
  g_free(run.export_dir);
  g_free(run.work);
}

int
main(int argc, char **argv)
{
  /* The window's recovery file and recent files go to a folder of the test's own. */
  char *home = gui_test_private_data_home("carpalscope-dicom-import-home-XXXXXX");

  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/gui/dicom-import/folder-with-dicomdir", test_import);
  return gui_test_run_and_remove(home);
}
