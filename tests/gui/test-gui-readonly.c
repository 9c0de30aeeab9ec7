/* test-gui-readonly.c — the real window saving into a study folder made read-only
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A study is opened and edited, then its folder is made read-only (mode 0555; as root, whom
 * modes do not stop, the immutable attribute with chattr, or the test is skipped). Save fails
 * with one error dialog naming the study and the cause, the window keeps the edit and stays
 * dirty, nothing on disk changes; once the folder is writable again Save writes the edit.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>
#include <unistd.h>

#include "cs-application.h"
#include "cs-study.h"
#include "cs-window-private.h"
#include "cs-window.h"
#include "gui-test-util.h"

typedef struct {
  char *work;
  char *study;
  gboolean done, skipped;
} Run;

static gboolean
not_opening(gpointer data)
{
  return !cs_window_is_opening(data);
}

/* Makes @dir read-only (@on) or writable again; FALSE when it cannot be done here. */
static gboolean
set_read_only(const char *dir, gboolean on)
{
  g_autofree char *command = NULL;
  int status = 0;

  if (geteuid() != 0)
    return g_chmod(dir, on ? 0555 : 0755) == 0;
  command = g_strdup_printf("chattr %ci '%s'", on ? '+' : '-', dir);
  return g_spawn_command_line_sync(command, NULL, NULL, &status, NULL) &&
         g_spawn_check_wait_status(status, NULL);
}

/* The error dialogs open now. */
static GPtrArray *
message_dialogs(void)
{
  GListModel *toplevels = gtk_window_get_toplevels(); /* borrowed */
  GPtrArray *found = g_ptr_array_new_with_free_func(g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items(toplevels); i++) {
    GObject *item = g_list_model_get_item(toplevels, i);

    if (ADW_IS_MESSAGE_DIALOG(item) && gtk_widget_get_visible(GTK_WIDGET(item)))
      g_ptr_array_add(found, item);
    else
      g_object_unref(item);
  }
  return found;
}

static void
activate_cb(GApplication *app, gpointer user_data)
{
  Run *run = user_data;
  CsWindow *window = CS_WINDOW(gtk_application_get_active_window(GTK_APPLICATION(app)));
  g_autoptr(GFile) file = g_file_new_for_path(run->study);
  g_autoptr(GError) error = NULL;
  CsStudy *study;

  g_assert_nonnull(window);
  cs_window_open_file(window, file);
  g_assert_true(gui_test_iterate_until(not_opening, window, 60));
  gui_test_pump();
  study = cs_window_get_study(window);
  g_assert_nonnull(study);
  cs_study_set_name(study, "edited");
  g_assert_true(cs_study_get_dirty(study));

  if (!set_read_only(run->work, TRUE)) {
    run->skipped = TRUE;
  } else {
    g_autoptr(GPtrArray) dialogs = NULL;
    const char *body;

    g_action_group_activate_action(G_ACTION_GROUP(window), "save", NULL);
    gui_test_pump();
    dialogs = message_dialogs();
    g_assert_cmpuint(dialogs->len, ==, 1);
    g_assert_cmpstr(adw_message_dialog_get_heading(dialogs->pdata[0]), ==, "Cannot Save the Study");
    body = adw_message_dialog_get_body(dialogs->pdata[0]);
    g_test_message("the error: %s", body);
    g_assert_nonnull(strstr(body, run->study));
    /* The edit is kept and the study is still unsaved. */
    g_assert_true(cs_window_get_study(window) == study);
    g_assert_cmpstr(cs_study_get_name(study), ==, "edited");
    g_assert_true(cs_study_get_dirty(study));
    gtk_window_destroy(dialogs->pdata[0]);
    gui_test_pump();
    g_assert_true(set_read_only(run->work, FALSE));
    {
      g_autoptr(CsStudy) on_disk = cs_study_load(run->study, &error);

      g_assert_no_error(error);
      g_assert_cmpstr(cs_study_get_name(on_disk), ==, "original");
    }

    /* Writable again: Save writes the edit. */
    g_action_group_activate_action(G_ACTION_GROUP(window), "save", NULL);
    gui_test_pump();
    g_assert_false(cs_study_get_dirty(study));
    {
      g_autoptr(GPtrArray) none = message_dialogs();
      g_autoptr(CsStudy) on_disk = cs_study_load(run->study, &error);

      g_assert_cmpuint(none->len, ==, 0);
      g_assert_no_error(error);
      g_assert_cmpstr(cs_study_get_name(on_disk), ==, "edited");
    }
  }
  run->done = TRUE;
  if (run->skipped) { /* saved, so that closing asks nothing */
    g_action_group_activate_action(G_ACTION_GROUP(window), "save", NULL);
    gui_test_pump();
  }
  gtk_window_close(GTK_WINDOW(window));
  gui_test_pump();
}

static void
test_read_only_folder(void)
{
  g_autoptr(CsStudy) study = cs_study_new();
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  run.work = g_dir_make_tmp("carpalscope-readonly-XXXXXX", NULL);
  g_assert_nonnull(run.work);
  run.study = g_build_filename(run.work, "study.json", NULL);
  cs_study_set_name(study, "original");
  g_assert_true(cs_study_save_as(study, run.study, &error));
  g_assert_no_error(error);
  gui_test_run_app(G_CALLBACK(activate_cb), &run);
  g_assert_true(run.done);
  set_read_only(run.work, FALSE);
  gui_test_remove_tree(run.work);
  g_free(run.work);
  g_free(run.study);
  if (run.skipped)
    g_test_skip("the folder cannot be made read-only here (root without chattr)");
}

int
main(int argc, char **argv)
{
  char *home = gui_test_private_data_home("carpalscope-readonly-home-XXXXXX");

  /* The dialog's heading is checked in English. */
  g_setenv("LANGUAGE", "C", TRUE);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/gui/save/read-only-folder", test_read_only_folder);
  return gui_test_run_and_remove(home);
}
