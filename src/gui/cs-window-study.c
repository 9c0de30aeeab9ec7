/* cs-window-study.c — the main window's study building: New Study in a folder, Import of sweeps
 * (files, folders, dropped on the case list), and removing, duplicating and renaming cases
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-window-private.h"

#include <glib/gi18n.h>

#include "cs-dicom-folder.h"
#include "cs-study-edit.h"
#include "cs-study-import.h"

/* New Study. */

gboolean
cs_window_create_study(CsWindow *self, GFile *folder)
{
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = NULL;

  g_return_val_if_fail(CS_IS_WINDOW(self), FALSE);
  g_return_val_if_fail(G_IS_FILE(folder), FALSE);

  dir = g_file_get_path(folder);
  if (dir == NULL) {
    cs_window_show_toast(self, _("Only local folders can hold a study"));
    return FALSE;
  }
  if (!cs_window_save_open_study(self))
    return FALSE;
  study = cs_study_create_in(dir, &error);
  if (study == NULL) {
    cs_window_show_error(self, _("Cannot Create the Study"), error);
    return FALSE;
  }
  cs_window_set_study(self, study);
  cs_window_show_toast(self, _("New study created: import sweeps to add cases"));
  return TRUE;
}

/* Import. */

/* The most skipped files one message lists by name. */
#define MAX_SKIPPED_SHOWN 12

/* Says in one message which files an import left out and why. */
static void
show_skipped(CsWindow *self, const char *const *skipped)
{
  guint n = g_strv_length((char **)skipped);
  g_autoptr(GString) body = g_string_new(NULL);
  g_autofree char *heading = NULL;
  AdwMessageDialog *dialog;

  if (n == 0)
    return;
  heading = g_strdup_printf(
      g_dngettext(GETTEXT_PACKAGE, "%u File Not Imported", "%u Files Not Imported", n), n);
  for (guint i = 0; i < n && i < MAX_SKIPPED_SHOWN; i++)
    g_string_append_printf(body, "%s%s", i > 0 ? "\n" : "", skipped[i]);
  if (n > MAX_SKIPPED_SHOWN)
    g_string_append_printf(body, "\n%s", _("…and more, for the same kinds of reasons"));
  dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(GTK_WINDOW(self), heading, body->str));
  adw_message_dialog_add_response(dialog, "close", _("_Close"));
  gtk_window_present(GTK_WINDOW(dialog));
}

/* Adds the sweeps @import found to the open study, or to a new one; returns how many. */
static guint
apply_import(CsWindow *self, CsStudyImport *import)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) added = NULL;

  show_skipped(self, cs_study_import_get_skipped(import));
  if (cs_study_import_get_n_sweeps(import) == 0)
    return 0;
  if (self->study == NULL) {
    /* Sweeps imported with no study open start a new one, saved where the user says. */
    g_autoptr(CsStudy) study = cs_study_new();

    cs_window_set_study(self, study);
  }
  /* The cases of one import are one step to undo. */
  if (self->history != NULL)
    cs_study_history_checkpoint(self->history);
  added = cs_study_import_apply(import, self->study, &error);
  if (self->history != NULL)
    cs_study_history_checkpoint(self->history);
  if (added == NULL) {
    cs_window_show_error(self, _("Cannot Import the Sweep"), error);
    return 0;
  }
  if (added->len > 0) {
    g_autofree char *message = g_strdup_printf(
        g_dngettext(GETTEXT_PACKAGE, "%u sweep imported", "%u sweeps imported", added->len),
        added->len);

    cs_window_select_case(self, g_ptr_array_index(added, 0));
    cs_window_show_toast(self, message);
  }
  return added->len;
}

static void
import_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  CsStudyImport *import = cs_study_import_scan(task_data, cancellable, &error);

  if (import == NULL)
    g_task_return_error(task, error);
  else
    g_task_return_pointer(task, import, (GDestroyNotify)cs_study_import_free);
}

static void
import_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  CsWindow *self = CS_WINDOW(source);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudyImport) import = g_task_propagate_pointer(G_TASK(result), &error);

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* The window is gone. */
  if (import == NULL)
    cs_window_show_error(self, _("Nothing to Import"), error);
  else
    apply_import(self, import);
}

guint
cs_window_import_file(CsWindow *self, GFile *file)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudyImport) import = NULL;

  g_return_val_if_fail(CS_IS_WINDOW(self), 0);
  g_return_val_if_fail(G_IS_FILE(file), 0);

  path = g_file_get_path(file);
  if (path == NULL) {
    cs_window_show_toast(self, _("Only local files can be imported"));
    return 0;
  }
  if (cs_dicom_folder_holds_dicom(path)) {
    /* Each DICOM file is opened (and read once in a child process first): in a worker, which
     * the window's end cancels. */
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autoptr(GTask) task = g_task_new(self, cancellable, import_done_cb, NULL);

    g_signal_connect_object(self, "destroy", G_CALLBACK(g_cancellable_cancel), cancellable,
                            G_CONNECT_SWAPPED);
    g_task_set_task_data(task, g_steal_pointer(&path), g_free);
    g_task_run_in_thread(task, import_thread);
    cs_window_show_toast(self, _("Importing the DICOM files…"));
    return 0;
  }
  /* Videos, images and folders of them: found at once, nothing opened. */
  import = cs_study_import_scan(path, NULL, &error);
  if (import == NULL) {
    cs_window_show_error(self, _("Nothing to Import"), error);
    return 0;
  }
  return apply_import(self, import);
}

static void
import_response_cb(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  CsWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GListModel) files = gtk_file_chooser_get_files(GTK_FILE_CHOOSER(dialog));

    for (guint i = 0; i < g_list_model_get_n_items(files); i++) {
      g_autoptr(GFile) file = g_list_model_get_item(files, i);

      cs_window_import_file(self, file);
    }
  }
  g_clear_object(&self->chooser);
}

static void
run_import_chooser(CsWindow *self, gboolean folders)
{
  if (self->chooser != NULL)
    gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
  g_clear_object(&self->chooser);
  self->chooser = gtk_file_chooser_native_new(
      folders ? _("Import Folders of Sweeps") : _("Import Sweeps"), GTK_WINDOW(self),
      folders ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER : GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"),
      _("_Cancel"));
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
  gtk_file_chooser_set_select_multiple(GTK_FILE_CHOOSER(self->chooser), TRUE);
  g_signal_connect(self->chooser, "response", G_CALLBACK(import_response_cb), self);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

static void
new_study_response_cb(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  CsWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GFile) folder = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));

    if (folder != NULL)
      cs_window_create_study(self, folder);
  }
  g_clear_object(&self->chooser);
}

/* A study lives in a folder, chosen whole: through the file chooser portal a Flatpak then reads
 * and writes everything in it, its sweeps too (flatpak/README.md). */
static void
run_folder_chooser(CsWindow *self, const char *title, const char *accept, GCallback response_cb)
{
  if (self->chooser != NULL)
    gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
  g_clear_object(&self->chooser);
  self->chooser = gtk_file_chooser_native_new(
      title, GTK_WINDOW(self), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, accept, _("_Cancel"));
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
  g_signal_connect(self->chooser, "response", response_cb, self);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

void
cs_window_new_study_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  run_folder_chooser(CS_WINDOW(widget), _("Choose the Folder of the New Study"), _("_Create"),
                     G_CALLBACK(new_study_response_cb));
}

static void
open_folder_response_cb(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  CsWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GFile) folder = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
    g_autoptr(GFile) study = folder != NULL ? g_file_get_child(folder, "study.json") : NULL;

    if (study != NULL && g_file_query_exists(study, NULL))
      cs_window_open_file(self, folder);
    else if (folder != NULL)
      cs_window_show_toast(self, _("This folder holds no study (no study.json)"));
  }
  g_clear_object(&self->chooser);
}

void
cs_window_open_study_folder_action_cb(GtkWidget *widget, const char *action_name,
                                      GVariant *parameter)
{
  run_folder_chooser(CS_WINDOW(widget), _("Open the Folder of a Study"), _("_Open"),
                     G_CALLBACK(open_folder_response_cb));
}

/* win.import: a URI imports it; an empty string asks for files. */
void
cs_window_import_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  const char *uri = parameter != NULL ? g_variant_get_string(parameter, NULL) : "";

  if (uri[0] == '\0') {
    run_import_chooser(self, FALSE);
  } else {
    g_autoptr(GFile) file = g_file_new_for_uri(uri);

    cs_window_import_file(self, file);
  }
}

void
cs_window_import_folder_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  run_import_chooser(CS_WINDOW(widget), TRUE);
}

static gboolean
case_list_drop_cb(GtkDropTarget *target, const GValue *value, double x, double y, CsWindow *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS(value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files(g_value_get_boxed(value));
  for (GSList *l = files; l != NULL; l = l->next)
    cs_window_import_file(self, l->data);
  g_slist_free(files);
  return files != NULL;
}

/* Cases. */

void
cs_window_remove_case_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  g_autoptr(CsCase) c = NULL;
  g_autofree char *message = NULL;
  int index;

  if (self->study == NULL || self->current_case == NULL)
    return;
  c = g_object_ref(self->current_case);
  index = cs_study_get_case_index(self->study, c);
  cs_study_remove_case(self->study, cs_case_get_id(c));
  if (cs_study_get_n_cases(self->study) > 0)
    cs_window_select_case(
        self, cs_study_get_case(self->study,
                                MIN((guint)MAX(index, 0), cs_study_get_n_cases(self->study) - 1)));
  else
    cs_window_select_case(self, NULL);
  /* Translators: a toast; the case's id. */
  message = g_strdup_printf(_("Case %s removed"), cs_case_get_id(c));
  cs_window_show_toast(self, message);
}

void
cs_window_duplicate_case_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  g_autoptr(GError) error = NULL;
  CsCase *copy;

  if (self->study == NULL || self->current_case == NULL)
    return;
  copy = cs_study_duplicate_case(self->study, cs_case_get_id(self->current_case), &error);
  if (copy == NULL)
    cs_window_show_error(self, _("Cannot Duplicate the Case"), error);
  else
    cs_window_select_case(self, copy);
}

static gboolean
rename_case(CsWindow *self, const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *trimmed = g_strstrip(g_strdup(id));
  gboolean ok;

  if (self->current_case == NULL)
    return FALSE;
  ok = cs_case_set_id(self->current_case, trimmed, &error);
  if (!ok)
    cs_window_show_error(self, _("Cannot Rename the Case"), error);
  return ok;
}

static void
rename_response_cb(AdwMessageDialog *dialog, const char *response, CsWindow *self)
{
  GtkEditable *entry = GTK_EDITABLE(adw_message_dialog_get_extra_child(dialog));

  if (g_strcmp0(response, "rename") == 0)
    rename_case(self, gtk_editable_get_text(entry));
}

/* win.rename-case: a non-empty string is the new id; an empty one asks for it. */
void
cs_window_rename_case_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  const char *id = parameter != NULL ? g_variant_get_string(parameter, NULL) : "";
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  if (self->current_case == NULL)
    return;
  if (id[0] != '\0') {
    rename_case(self, id);
    return;
  }
  entry = gtk_entry_new();
  gtk_editable_set_text(GTK_EDITABLE(entry), cs_case_get_id(self->current_case));
  gtk_entry_set_activates_default(GTK_ENTRY(entry), TRUE);
  gtk_accessible_update_property(GTK_ACCESSIBLE(entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 _("Case name"), -1);
  dialog = ADW_MESSAGE_DIALOG(
      adw_message_dialog_new(GTK_WINDOW(self), _("Rename the Case"),
                             _("The name is the case's id in the study; each case has its own.")));
  adw_message_dialog_set_extra_child(dialog, entry);
  adw_message_dialog_add_responses(dialog, "cancel", _("_Cancel"), "rename", _("_Rename"), NULL);
  adw_message_dialog_set_response_appearance(dialog, "rename", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response(dialog, "rename");
  g_signal_connect(dialog, "response", G_CALLBACK(rename_response_cb), self);
  gtk_window_present(GTK_WINDOW(dialog));
}

/* Undo and redo. */

static void
history_changed_cb(CsStudyHistory *history, GParamSpec *pspec, CsWindow *self)
{
  cs_window_update_actions(self);
}

void
cs_window_study_history_reset(CsWindow *self)
{
  g_clear_object(&self->history);
  if (self->study == NULL)
    return;
  self->history = cs_study_history_new(self->study);
  g_signal_connect_object(self->history, "notify::can-undo", G_CALLBACK(history_changed_cb), self,
                          0);
  g_signal_connect_object(self->history, "notify::can-redo", G_CALLBACK(history_changed_cb), self,
                          0);
}

/* After an undo or redo the selected case may be gone (an import undone): select another. */
static void
after_history_step(CsWindow *self)
{
  if (self->current_case != NULL && cs_study_get_case_index(self->study, self->current_case) >= 0)
    cs_window_select_case(self, self->current_case);
  else if (cs_study_get_n_cases(self->study) > 0)
    cs_window_select_case(self, cs_study_get_case(self->study, 0));
  else
    cs_window_select_case(self, NULL);
  cs_window_update_actions(self);
}

void
cs_window_undo_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);

  if (self->history != NULL && cs_study_history_undo(self->history))
    after_history_step(self);
}

void
cs_window_redo_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);

  if (self->history != NULL && cs_study_history_redo(self->history))
    after_history_step(self);
}

void
cs_window_study_init(CsWindow *self)
{
  GtkDropTarget *drop = gtk_drop_target_new(GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  /* Dropped on the case list, files and folders are imported as cases; dropped elsewhere on
   * the window, a file is opened (cs-window-files.c). */
  g_signal_connect(drop, "drop", G_CALLBACK(case_list_drop_cb), self);
  gtk_widget_add_controller(GTK_WIDGET(self->case_list), GTK_EVENT_CONTROLLER(drop));
}
