/* cs-window-files.c — the main window's files: open, open recent, the demo, save, save as,
 * autosave, recovery of unsaved work, closing with unsaved work, and files dropped on it
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-window-private.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cs-error.h"
#include "cs-study.h"

/* The recovery file of a study that has no file of its own yet. */
static char *
dup_recovery_path(void)
{
  return g_build_filename(g_get_user_data_dir(), "carpalscope", "recovery", "unsaved-study.json",
                          NULL);
}

/* Saving: studies with a file are written in place within seconds of a change (atomically, the
 * previous version kept as .bak); a study without a file goes to a recovery file until the user
 * names one. */

static gboolean
save_now(CsWindow *self, GError **error)
{
  if (self->study == NULL || !cs_study_get_dirty(self->study))
    return TRUE;
  if (cs_study_get_path(self->study) != NULL) {
    return cs_window_lock_check_save(self, error) && cs_study_save(self->study, error);
  } else {
    g_autofree char *recovery = dup_recovery_path();
    g_autofree char *dir = g_path_get_dirname(recovery);

    if (g_mkdir_with_parents(dir, 0700) != 0) {
      g_set_error(error, CS_ERROR, CS_ERROR_IO, "cannot create %s: %s", dir, g_strerror(errno));
      return FALSE;
    }
    return cs_study_save_copy(self->study, recovery, error);
  }
}

gboolean
cs_window_save_open_study(CsWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (save_now(self, &error))
    return TRUE;
  if (!cs_window_lock_handle_error(self, error))
    cs_window_show_error(self, _("Cannot Save the Open Study"), error);
  return FALSE;
}

static gboolean
autosave_cb(gpointer user_data)
{
  CsWindow *self = user_data;
  g_autoptr(GError) error = NULL;

  self->autosave_source = 0;
  if (!save_now(self, &error) && !cs_window_lock_handle_error(self, error)) {
    g_autofree char *message = g_strdup_printf(_("Autosave failed: %s"), error->message);

    cs_window_show_toast(self, message);
  }
  cs_window_update_title(self);
  return G_SOURCE_REMOVE;
}

void
cs_window_schedule_autosave(CsWindow *self)
{
  guint seconds =
      self->settings != NULL ? g_settings_get_uint(self->settings, "autosave-interval") : 5;

  if (self->autosave_source != 0 || self->study == NULL || !cs_study_get_dirty(self->study) ||
      cs_window_lock_blocks_autosave(self))
    return;
  self->autosave_source = g_timeout_add_seconds(MAX(seconds, 1), autosave_cb, self);
}

/* Opening files. */

/* The most recent files kept in the "Open Recent" menu. */
#define MAX_RECENT 10

static void
fill_recent_menu(CsWindow *self)
{
  g_auto(GStrv) uris = NULL;

  g_menu_remove_all(self->recent_section);
  if (self->settings == NULL)
    return;
  uris = g_settings_get_strv(self->settings, "recent-files");
  for (guint i = 0; uris[i] != NULL && i < MAX_RECENT; i++) {
    g_autoptr(GFile) file = g_file_new_for_uri(uris[i]);
    g_autofree char *name = g_file_get_basename(file);
    g_autoptr(GFile) parent = g_file_get_parent(file);
    g_autofree char *folder = parent != NULL ? g_file_get_basename(parent) : NULL;
    /* A study is always study.json: its folder names it. */
    g_autofree char *label = g_strcmp0(name, "study.json") == 0 && folder != NULL
                                 ? g_strdup_printf("%s/%s", folder, name)
                                 : g_strdup(name);
    g_autoptr(GMenuItem) item = g_menu_item_new(label, NULL);

    g_menu_item_set_action_and_target_value(item, "win.open-recent", g_variant_new_string(uris[i]));
    g_menu_append_item(self->recent_section, item);
  }
}

static void
remember_recent(CsWindow *self, GFile *file)
{
  g_autofree char *uri = g_file_get_uri(file);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
  g_auto(GStrv) previous = NULL;
  g_auto(GStrv) uris = NULL;
  guint n = 1;

  gtk_recent_manager_add_item(gtk_recent_manager_get_default(), uri);
  if (self->settings == NULL)
    return;
  previous = g_settings_get_strv(self->settings, "recent-files");
  g_strv_builder_add(builder, uri);
  for (guint i = 0; previous[i] != NULL && n < MAX_RECENT; i++) {
    if (g_strcmp0(previous[i], uri) != 0) {
      g_strv_builder_add(builder, previous[i]);
      n++;
    }
  }
  uris = g_strv_builder_end(builder);
  g_settings_set_strv(self->settings, "recent-files", (const char *const *)uris);
  fill_recent_menu(self);
}

void
cs_window_open_recent_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  g_autoptr(GFile) file = g_file_new_for_uri(g_variant_get_string(parameter, NULL));

  cs_window_open_file(CS_WINDOW(widget), file);
}

static gboolean
open_study(CsWindow *self, const char *path, GError **error)
{
  g_autoptr(CsStudy) study = cs_study_load(path, error);

  if (study == NULL)
    return FALSE;
  cs_window_set_study(self, study);
  return TRUE;
}

static void
set_lone_sweep_study(CsWindow *self, const char *path)
{
  g_autoptr(CsStudy) study = cs_study_new();
  g_autofree char *base = g_path_get_basename(path);
  g_autofree char *id = NULL;
  g_autoptr(CsCase) c = NULL;
  g_autoptr(GError) error = NULL;
  char *dot;

  /* A lone sweep becomes the one case of a new, unsaved study named after the file. */
  dot = strrchr(base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  id = g_strdup(base[0] != '\0' ? base : "case-1");
  c = cs_case_new(id);
  cs_case_set_sweep_path(c, path);
  if (!cs_study_add_case(study, c, &error)) {
    cs_window_show_error(self, _("Cannot Open the Sweep"), error);
    return;
  }
  cs_window_set_study(self, study);
}

/* A lone sweep replaces the open study only once it has opened: a file that is no sweep leaves
 * the study as it was and says why. */
typedef struct {
  CsWindow *window;
  GFile *file;
} LoneSweepOpen;

static void
lone_sweep_opened_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  LoneSweepOpen *data = user_data;
  CsWindow *self = data->window;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) sweep = cs_sweep_open_finish(result, &error);
  g_autofree char *path = g_file_get_path(data->file);

  self->n_opening--;
  if (sweep == NULL) {
    g_autofree char *name = g_file_get_basename(data->file);
    g_autofree char *heading = g_strdup_printf(_("Cannot Open “%s”"), name);

    if (self->toast_overlay != NULL)
      cs_window_show_error(self, heading, error);
  } else if (self->toast_overlay != NULL) {
    set_lone_sweep_study(self, path);
    remember_recent(self, data->file);
  }
  g_object_unref(data->window);
  g_object_unref(data->file);
  g_free(data);
}

static void
open_lone_sweep(CsWindow *self, GFile *file, const char *path)
{
  LoneSweepOpen *data = g_new0(LoneSweepOpen, 1);

  data->window = g_object_ref(self);
  data->file = g_object_ref(file);
  self->n_opening++;
  cs_sweep_open_async(path, NULL, lone_sweep_opened_cb, data);
}

gboolean
cs_window_is_opening(CsWindow *self)
{
  g_return_val_if_fail(CS_IS_WINDOW(self), FALSE);
  return self->n_opening > 0;
}

void
cs_window_open_file(CsWindow *self, GFile *file)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail(CS_IS_WINDOW(self));
  g_return_if_fail(G_IS_FILE(file));

  path = g_file_get_path(file);
  if (path == NULL) {
    cs_window_show_toast(self, _("Only local files can be opened"));
    return;
  }
  /* A study's folder opens its study.json: a folder is what the file chooser portal grants whole,
   * sweeps included, to the Flatpak sandbox (flatpak/README.md). */
  if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_autofree char *study = g_build_filename(path, "study.json", NULL);

    if (g_file_test(study, G_FILE_TEST_IS_REGULAR)) {
      g_free(path);
      path = g_steal_pointer(&study);
    }
  }
  if (self->study != NULL && cs_study_get_dirty(self->study) && !save_now(self, &error)) {
    cs_window_show_error(self, _("Cannot Save the Open Study"), error);
    return;
  }
  if (g_str_has_suffix(path, ".json")) {
    if (!open_study(self, path, &error)) {
      cs_window_show_error(self, _("Cannot Open the Study"), error);
      return;
    }
  } else {
    open_lone_sweep(self, file, path);
    return;
  }
  remember_recent(self, file);
}

static void
chooser_response_cb(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  CsWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
    GtkFileChooserAction action = gtk_file_chooser_get_action(GTK_FILE_CHOOSER(dialog));

    if (file != NULL && action == GTK_FILE_CHOOSER_ACTION_SAVE) {
      g_autofree char *path = g_file_get_path(file);
      g_autoptr(GError) error = NULL;

      if (path == NULL || !cs_window_lock_check_save_as(self, path, &error) ||
          !cs_study_save_as(self->study, path, &error)) {
        if (error != NULL)
          cs_window_show_error(self, _("Cannot Save the Study"), error);
      } else {
        g_autofree char *recovery = dup_recovery_path();

        g_unlink(recovery);
        cs_window_show_toast(self, _("Study saved"));
      }
      cs_window_update_title(self);
    } else if (file != NULL) {
      cs_window_open_file(self, file);
    }
  }
  g_clear_object(&self->chooser);
}

static void
add_filter(GtkFileChooser *chooser, const char *name, const char *const *patterns)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new();

  gtk_file_filter_set_name(filter, name);
  for (gsize i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern(filter, patterns[i]);
  gtk_file_chooser_add_filter(chooser, filter);
}

static void
run_chooser(CsWindow *self, GtkFileChooserAction action)
{
  static const char *const supported[] = { "*.json", "*.mp4", "*.m4v",   "*.avi",  "*.mkv", "*.mov",
                                           "*.wmv",  "*.png", "*.jpg",   "*.jpeg", "*.bmp", "*.tif",
                                           "*.tiff", "*.dcm", "*.dicom", NULL };
  static const char *const studies[] = { "*.json", NULL };
  static const char *const dicom[] = { "*.dcm", "*.dicom", "*.DCM", NULL };
  static const char *const everything[] = { "*", NULL };
  gboolean save = action == GTK_FILE_CHOOSER_ACTION_SAVE;

  if (self->chooser != NULL)
    gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
  g_clear_object(&self->chooser);
  self->chooser = gtk_file_chooser_native_new(
      save ? _("Save the Study") : _("Open a Sweep or Study"), GTK_WINDOW(self), action,
      save ? _("_Save") : _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
  if (save) {
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(self->chooser), "study.json");
  } else {
    add_filter(GTK_FILE_CHOOSER(self->chooser), _("Sweeps and studies"), supported);
    add_filter(GTK_FILE_CHOOSER(self->chooser), _("Studies (study.json)"), studies);
    add_filter(GTK_FILE_CHOOSER(self->chooser), _("DICOM images and cines (.dcm)"), dicom);
    add_filter(GTK_FILE_CHOOSER(self->chooser), _("All files"), everything);
  }
  g_signal_connect(self->chooser, "response", G_CALLBACK(chooser_response_cb), self);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

void
cs_window_open_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  run_chooser(CS_WINDOW(widget), GTK_FILE_CHOOSER_ACTION_OPEN);
}

static char *
find_demo_study(void)
{
  const char *env = g_getenv("CARPALSCOPE_DEMO_STUDY");
  const char *candidates[] = { env, BUILD_DEMODIR "/study.json", PKGDATADIR "/demo/study.json" };

  for (gsize i = 0; i < G_N_ELEMENTS(candidates); i++)
    if (candidates[i] != NULL && g_file_test(candidates[i], G_FILE_TEST_IS_REGULAR))
      return g_strdup(candidates[i]);
  return NULL;
}

void
cs_window_open_demo_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  g_autofree char *path = find_demo_study();
  g_autoptr(GFile) file = NULL;

  if (path == NULL) {
    cs_window_show_toast(self, _("The demo study is not installed"));
    return;
  }
  file = g_file_new_for_path(path);
  cs_window_open_file(self, file);
}

void
cs_window_save_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  g_autoptr(GError) error = NULL;

  if (self->study == NULL)
    return;
  if (cs_study_get_path(self->study) == NULL) {
    run_chooser(self, GTK_FILE_CHOOSER_ACTION_SAVE);
    return;
  }
  g_clear_handle_id(&self->autosave_source, g_source_remove);
  if (cs_window_lock_check_save(self, &error) && cs_study_save(self->study, &error))
    cs_window_show_toast(self, _("Study saved"));
  else if (!cs_window_lock_handle_error(self, error))
    cs_window_show_error(self, _("Cannot Save the Study"), error);
  cs_window_update_title(self);
}

void
cs_window_save_as_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);

  if (self->study != NULL)
    run_chooser(self, GTK_FILE_CHOOSER_ACTION_SAVE);
}

/* Closing: never lose the user's work. */

static void
close_response_cb(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  CsWindow *self = user_data;

  if (g_strcmp0(response, "discard") == 0) {
    g_autofree char *recovery = dup_recovery_path();

    g_unlink(recovery);
    self->closing_confirmed = TRUE;
    gtk_window_close(GTK_WINDOW(self));
  } else if (g_strcmp0(response, "save") == 0) {
    run_chooser(self, GTK_FILE_CHOOSER_ACTION_SAVE);
  }
}

gboolean
cs_window_confirm_close(CsWindow *self)
{
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *dialog;

  if (self->closing_confirmed || self->study == NULL || !cs_study_get_dirty(self->study))
    return TRUE;

  if (cs_study_get_path(self->study) != NULL) {
    if (save_now(self, &error))
      return TRUE;
    dialog = ADW_MESSAGE_DIALOG(
        adw_message_dialog_new(GTK_WINDOW(self), _("Cannot Save the Study"), error->message));
    adw_message_dialog_add_responses(dialog, "cancel", _("_Cancel"), "discard",
                                     _("_Quit Without Saving"), NULL);
    adw_message_dialog_set_response_appearance(dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  } else {
    dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(
        GTK_WINDOW(self), _("Save the New Study?"),
        _("The sweep you opened and its annotations are not saved in a study file yet.")));
    adw_message_dialog_add_responses(dialog, "cancel", _("_Cancel"), "discard", _("_Discard"),
                                     "save", _("_Save…"), NULL);
    adw_message_dialog_set_response_appearance(dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
    adw_message_dialog_set_response_appearance(dialog, "save", ADW_RESPONSE_SUGGESTED);
    adw_message_dialog_set_default_response(dialog, "save");
  }
  g_signal_connect(dialog, "response", G_CALLBACK(close_response_cb), self);
  gtk_window_present(GTK_WINDOW(dialog));
  return FALSE;
}

/* Recovery of an unsaved study after a crash. */

static void
recovery_response_cb(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  CsWindow *self = user_data;
  g_autofree char *recovery = dup_recovery_path();

  if (g_strcmp0(response, "recover") == 0) {
    g_autoptr(GError) error = NULL;
    g_autoptr(CsStudy) study = cs_study_load(recovery, &error);

    if (study == NULL) {
      cs_window_show_error(self, _("Cannot Recover the Study"), error);
      return;
    }
    /* The recovered study has no file of its own: it must be saved under a name. */
    cs_window_set_study(self, study);
    cs_window_show_toast(self, _("Unsaved work recovered: save it to keep it"));
  } else if (g_strcmp0(response, "discard") == 0) {
    g_unlink(recovery);
  }
}

void
cs_window_offer_recovery(CsWindow *self)
{
  g_autofree char *recovery = dup_recovery_path();
  AdwMessageDialog *dialog;

  g_return_if_fail(CS_IS_WINDOW(self));

  if (!g_file_test(recovery, G_FILE_TEST_IS_REGULAR))
    return;
  dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(
      GTK_WINDOW(self), _("Recover Unsaved Work?"),
      _("Carpalscope closed before a new study was saved. Its last autosave can be recovered.")));
  adw_message_dialog_add_responses(dialog, "later", _("_Not Now"), "discard", _("_Discard"),
                                   "recover", _("_Recover"), NULL);
  adw_message_dialog_set_response_appearance(dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance(dialog, "recover", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response(dialog, "recover");
  g_signal_connect(dialog, "response", G_CALLBACK(recovery_response_cb), self);
  gtk_window_present(GTK_WINDOW(dialog));
}

static gboolean
drop_cb(GtkDropTarget *target, const GValue *value, double x, double y, CsWindow *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS(value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files(g_value_get_boxed(value));
  if (files == NULL)
    return FALSE;
  cs_window_open_file(self, files->data);
  g_slist_free(files);
  return TRUE;
}

void
cs_window_files_init(CsWindow *self)
{
  GtkDropTarget *drop = gtk_drop_target_new(GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  fill_recent_menu(self);
  g_signal_connect(drop, "drop", G_CALLBACK(drop_cb), self);
  gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drop));
}
