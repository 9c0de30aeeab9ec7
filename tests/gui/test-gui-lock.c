/* test-gui-lock.c — the real window and other copies of its study: read-only with a banner, Take
 * Over, and Reload or Merge when study.json changed on disk
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A study held by another PC (its lock file written here) opens read-only: the banner names the
 * holder, saving and the case's form are off, and its Take Over button makes the study editable.
 * A second window on the same study opens it read-only too; when it takes over, the first
 * window's next save is refused and its edit is kept. A save that finds study.json changed on
 * disk shows Reload, Save As and Merge: the merge takes theirs for one case and keeps mine for
 * the other, and Reload keeps this window's unsaved work in a file beside the study.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>
#include <unistd.h>

#include "cs-application.h"
#include "cs-error.h"
#include "cs-study-lock.h"
#include "cs-study.h"
#include "cs-window-lock.h"
#include "cs-window-private.h"
#include "cs-window.h"
#include "gui-test-util.h"

typedef struct {
  char *work;
  char *study;
  gboolean done;
} Run;

static gboolean
not_opening(gpointer data)
{
  return !cs_window_is_opening(data);
}

/* A study of two cases on one sweep of three numbered PGM frames, in @work. */
static char *
write_study(const char *work)
{
  g_autofree char *sweep = g_build_filename(work, "sweep", NULL);
  g_autofree char *path = g_build_filename(work, "study.json", NULL);
  g_autoptr(CsStudy) study = cs_study_new();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint(g_mkdir_with_parents(sweep, 0755), ==, 0);
  for (int i = 0; i < 3; i++) {
    g_autofree char *name = g_strdup_printf("frame-%03d.pgm", i);
    g_autofree char *frame = g_build_filename(sweep, name, NULL);
    g_autoptr(GString) pgm = g_string_new("P5\n64 48\n255\n");

    for (int p = 0; p < 64 * 48; p++)
      g_string_append_c(pgm, (char)((p + 40 * i) & 0xff));
    g_assert_true(g_file_set_contents(frame, pgm->str, (gssize)pgm->len, NULL));
  }
  for (int i = 1; i <= 2; i++) {
    g_autofree char *id = g_strdup_printf("case-%d", i);
    g_autoptr(CsCase) c = cs_case_new(id);

    cs_case_set_sweep_path(c, "sweep");
    g_assert_true(cs_study_add_case(study, c, &error));
  }
  g_assert_true(cs_study_save_as(study, path, &error));
  g_assert_no_error(error);
  return g_steal_pointer(&path);
}

static void
open_study(CsWindow *window, const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path(path);

  cs_window_open_file(window, file);
  g_assert_true(gui_test_iterate_until(not_opening, window, 60));
  gui_test_pump();
  g_assert_nonnull(cs_window_get_study(window));
}

static gboolean
action_enabled(CsWindow *window, const char *name)
{
  return g_action_group_get_action_enabled(G_ACTION_GROUP(window), name);
}

static void
find_all(GtkWidget *root, GType type, GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE(root, type))
    g_ptr_array_add(out, root);
  for (GtkWidget *child = gtk_widget_get_first_child(root); child != NULL;
       child = gtk_widget_get_next_sibling(child))
    find_all(child, type, out);
}

/* Answers @dialog with @response as its button does: the response, then the dialog closes. */
static void
respond(AdwMessageDialog *dialog, const char *response)
{
  g_object_ref(dialog);
  adw_message_dialog_response(dialog, response);
  gtk_window_close(GTK_WINDOW(dialog));
  g_object_unref(dialog);
  gui_test_pump();
}

static void
close_error_dialogs(void)
{
  GListModel *toplevels = gtk_window_get_toplevels(); /* borrowed */

  for (guint i = g_list_model_get_n_items(toplevels); i > 0; i--) {
    g_autoptr(GObject) item = g_list_model_get_item(toplevels, i - 1);

    if (ADW_IS_MESSAGE_DIALOG(item))
      gtk_window_destroy(GTK_WINDOW(item));
  }
  gui_test_pump();
}

/* Asserts that study.json on disk has @expected (NULL: none) as the notes of case @index. */
static void
assert_disk_notes(const char *path, guint index, const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) on_disk = cs_study_load(path, &error);

  g_assert_no_error(error);
  g_assert_cmpstr(cs_case_get_notes(cs_study_get_case(on_disk, index)), ==, expected);
}

/* Another PC holds the study: read-only, the banner names it, Take Over makes it editable. */
static void
held_by_another_pc(CsWindow *window, const char *path)
{
  CsStudyLockInfo other = { .host = (char *)"ward-pc.example",
                            .user = (char *)"dr-tanaka",
                            .pid = 4321,
                            .since = g_get_real_time() / G_USEC_PER_SEC - 3600,
                            .heartbeat = g_get_real_time() / G_USEC_PER_SEC - 30,
                            .token = (char *)"elsewhere" };
  g_autofree char *lock = cs_study_lock_path(path);
  g_autofree char *data = cs_study_lock_info_to_data(&other);
  g_autoptr(CsStudyLockInfo) now = NULL;
  GtkWidget *banner;

  g_assert_true(g_file_set_contents(lock, data, -1, NULL));
  open_study(window, path);
  g_assert_true(cs_window_is_read_only(window));
  g_assert_nonnull(strstr(cs_window_get_lock_banner_text(window), "dr-tanaka@ward-pc.example"));
  banner = gui_test_find_widget(GTK_WIDGET(window), GTK_TYPE_INFO_BAR);
  g_assert_nonnull(banner);
  g_assert_true(gtk_info_bar_get_revealed(GTK_INFO_BAR(banner)));
  g_assert_false(action_enabled(window, "save"));
  g_assert_false(action_enabled(window, "remove-case"));
  g_assert_false(action_enabled(window, "import"));
  g_assert_true(action_enabled(window, "save-as"));
  /* Nothing is written while read-only, whatever changes. */
  cs_case_set_notes(cs_window_get_case(window), "edited while read-only");
  g_action_group_activate_action(G_ACTION_GROUP(window), "save", NULL);
  gui_test_pump();
  assert_disk_notes(path, 0, NULL);
  cs_case_set_notes(cs_window_get_case(window), NULL);
  /* Save As may not write over it either, but may write anywhere else. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *elsewhere = g_build_filename(dir, "copy.json", NULL);

    g_assert_false(cs_window_lock_check_save_as(window, path, &error));
    g_assert_error(error, CS_ERROR, CS_ERROR_LOCKED);
    g_assert_nonnull(strstr(error->message, "dr-tanaka@ward-pc.example"));
    g_assert_true(cs_window_lock_check_save_as(window, elsewhere, NULL));
  }

  /* The other PC closes the study: the next look finds the lock free and takes it. */
  g_assert_cmpint(g_unlink(lock), ==, 0);
  cs_window_lock_poll(window);
  g_assert_false(cs_window_is_read_only(window));
  g_assert_false(gtk_info_bar_get_revealed(GTK_INFO_BAR(banner)));
  g_assert_true(action_enabled(window, "save"));

  /* It opens the study again and takes it over: this window's next save is refused, its edit
   * kept, and the banner is back. */
  g_assert_true(g_file_set_contents(lock, data, -1, NULL));
  cs_case_set_notes(cs_window_get_case(window), "edited after the take-over");
  g_action_group_activate_action(G_ACTION_GROUP(window), "save", NULL);
  gui_test_pump();
  g_assert_true(cs_window_is_read_only(window));
  g_assert_true(gtk_info_bar_get_revealed(GTK_INFO_BAR(banner)));
  g_assert_cmpstr(cs_case_get_notes(cs_window_get_case(window)), ==, "edited after the take-over");
  assert_disk_notes(path, 0, NULL);
  cs_case_set_notes(cs_window_get_case(window), NULL);

  /* The banner's button takes over. */
  gtk_info_bar_response(GTK_INFO_BAR(banner), GTK_RESPONSE_ACCEPT);
  gui_test_pump();
  g_assert_false(cs_window_is_read_only(window));
  g_assert_false(gtk_info_bar_get_revealed(GTK_INFO_BAR(banner)));
  g_assert_true(action_enabled(window, "save"));
  g_assert_true(action_enabled(window, "import"));
  g_assert_true(action_enabled(window, "remove-case"));
  now = cs_study_lock_read(path, NULL);
  g_assert_nonnull(now);
  g_assert_cmpint(now->pid, ==, getpid());
}

/* A second window on the same study opens it read-only, naming this user; when it takes over,
 * the first window's save is refused and its edit kept. */
static CsWindow *
second_window(GtkApplication *app, CsWindow *first, const char *path)
{
  CsWindow *second = cs_window_new(CS_APPLICATION(app));
  g_autofree char *lock = cs_study_lock_path(path);
  g_autofree char *me = g_strdup_printf("%s@%s", g_get_user_name(), g_get_host_name());

  gtk_window_present(GTK_WINDOW(second));
  open_study(second, path);
  g_assert_true(cs_window_is_read_only(second));
  g_assert_nonnull(strstr(cs_window_get_lock_banner_text(second), me));
  g_assert_true(cs_window_take_over(second));
  g_assert_false(cs_window_is_read_only(second));

  cs_case_set_notes(cs_window_get_case(first), "first window's edit");
  g_action_group_activate_action(G_ACTION_GROUP(first), "save", NULL);
  gui_test_pump();
  g_assert_true(cs_window_is_read_only(first));
  g_assert_true(cs_study_get_dirty(cs_window_get_study(first)));
  g_assert_cmpstr(cs_case_get_notes(cs_window_get_case(first)), ==, "first window's edit");
  assert_disk_notes(path, 0, NULL);
  close_error_dialogs();
  /* The first window goes without saving; the second keeps its lock. */
  gtk_window_destroy(GTK_WINDOW(first));
  gui_test_pump();
  g_assert_true(g_file_test(lock, G_FILE_TEST_EXISTS));
  g_assert_false(cs_window_is_read_only(second));
  return second;
}

/* Someone else saves study.json: the window's save shows the dialog, and the merge keeps mine
 * for case-1 and takes theirs for case-2; then Reload keeps unsaved work beside the study. */
static void
changed_on_disk(CsWindow *window, const char *work, const char *path)
{
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *dialog;
  g_autoptr(GPtrArray) choices = g_ptr_array_new();

  {
    g_autoptr(CsStudy) theirs = cs_study_load(path, &error);
    cs_case_set_notes(cs_study_get_case(theirs, 0), "theirs 1");
    cs_case_set_notes(cs_study_get_case(theirs, 1), "theirs 2");
    g_assert_true(cs_study_save(theirs, &error));
  }
  cs_case_set_notes(cs_study_get_case(cs_window_get_study(window), 0), "mine 1");
  cs_case_set_notes(cs_study_get_case(cs_window_get_study(window), 1), "mine 2");
  g_action_group_activate_action(G_ACTION_GROUP(window), "save", NULL);
  gui_test_pump();
  dialog = cs_window_get_lock_dialog(window);
  g_assert_nonnull(dialog);
  g_assert_cmpstr(adw_message_dialog_get_heading(dialog), ==, "The Study Changed on Disk");
  g_assert_nonnull(strstr(adw_message_dialog_get_body(dialog), "case-1"));
  g_assert_nonnull(strstr(adw_message_dialog_get_body(dialog), "case-2"));
  assert_disk_notes(path, 0, "theirs 1");

  respond(dialog, "merge");
  dialog = cs_window_get_lock_dialog(window);
  g_assert_nonnull(dialog);
  g_assert_cmpstr(adw_message_dialog_get_heading(dialog), ==, "Merge the Study");
  find_all(adw_message_dialog_get_extra_child(dialog), GTK_TYPE_DROP_DOWN, choices);
  g_assert_cmpuint(choices->len, ==, 2);
  gtk_drop_down_set_selected(GTK_DROP_DOWN(g_ptr_array_index(choices, 1)), 1);
  respond(dialog, "merge");
  g_assert_null(cs_window_get_lock_dialog(window));
  g_assert_false(cs_study_get_dirty(cs_window_get_study(window)));
  assert_disk_notes(path, 0, "mine 1");
  assert_disk_notes(path, 1, "theirs 2");

  /* Once more, answered with Reload: theirs is shown, mine kept in a file beside it. */
  {
    g_autoptr(CsStudy) theirs = cs_study_load(path, &error);
    cs_case_set_notes(cs_study_get_case(theirs, 1), "theirs again");
    g_assert_true(cs_study_save(theirs, &error));
  }
  cs_case_set_notes(cs_study_get_case(cs_window_get_study(window), 0), "mine again");
  g_action_group_activate_action(G_ACTION_GROUP(window), "save", NULL);
  gui_test_pump();
  dialog = cs_window_get_lock_dialog(window);
  g_assert_nonnull(dialog);
  respond(dialog, "reload");
  g_assert_cmpstr(cs_case_get_notes(cs_study_get_case(cs_window_get_study(window), 1)), ==,
                  "theirs again");
  {
    g_autoptr(GDir) listing = g_dir_open(work, 0, NULL);
    const char *name;
    gboolean kept = FALSE;

    while ((name = g_dir_read_name(listing)) != NULL) {
      if (g_str_has_prefix(name, "study.json.mine-")) {
        g_autofree char *copy = g_build_filename(work, name, NULL);
        g_autoptr(CsStudy) mine = cs_study_load(copy, &error);

        g_assert_no_error(error);
        g_assert_cmpstr(cs_case_get_notes(cs_study_get_case(mine, 0)), ==, "mine again");
        kept = TRUE;
      }
    }
    g_assert_true(kept);
  }
}

static void
activate_cb(GApplication *app, gpointer user_data)
{
  Run *run = user_data;
  CsWindow *window = CS_WINDOW(gtk_application_get_active_window(GTK_APPLICATION(app)));
  g_autofree char *lock = cs_study_lock_path(run->study);

  g_assert_nonnull(window);
  held_by_another_pc(window, run->study);
  window = second_window(GTK_APPLICATION(app), window, run->study);
  changed_on_disk(window, run->work, run->study);
  run->done = TRUE;

  gtk_window_close(GTK_WINDOW(window));
  gui_test_pump();
  /* Closing the study releases its lock. */
  g_assert_false(g_file_test(lock, G_FILE_TEST_EXISTS));
}

static void
test_lock(void)
{
  g_autofree char *rm = NULL;
  Run run = { 0 };

  run.work = g_dir_make_tmp("carpalscope-lock-XXXXXX", NULL);
  g_assert_nonnull(run.work);
  run.study = write_study(run.work);
  gui_test_run_app(G_CALLBACK(activate_cb), &run);
  g_assert_true(run.done);

  rm = g_strdup_printf("rm -rf '%s'", run.work);
  g_assert_true(g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL));
  g_free(run.work);
  g_free(run.study);
}

int
main(int argc, char **argv)
{
  char *home = gui_test_private_data_home("carpalscope-lock-home-XXXXXX");

  /* The dialogs' texts are checked in English. */
  g_setenv("LANGUAGE", "C", TRUE);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/gui/lock/read-only-take-over-merge", test_lock);
  return gui_test_run_and_remove(home);
}
