/* cs-window-export.c — the main window's reports: the case report and the study report
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cs-report.h"

/* Exporting the case report: a file chooser, then the report layer in a worker with a progress
 * toast; the GUI keeps working meanwhile. */

static void
report_progress_cb(double fraction, const char *step, gpointer user_data)
{
  CsWindow *self = user_data;
  g_autofree char *title = NULL;

  if (self->report_toast == NULL)
    return;
  /* Translators: report progress, e.g. "Case report: 40 % — explaining the frame". */
  title = g_strdup_printf(_("Case report: %.0f %% — %s"), 100 * fraction, step);
  adw_toast_set_title(self->report_toast, title);
}

/* Ends an export: the progress toast goes, and the outcome is said. */
static void
report_finished(CsWindow *self, gboolean ok, GError *error, const char *failure_heading,
                const char *done_message)
{
  if (self->report_toast != NULL)
    adw_toast_dismiss(self->report_toast);
  g_clear_object(&self->report_toast);
  g_clear_object(&self->report_cancellable);
  if (ok)
    cs_window_show_toast(self, done_message);
  else if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    cs_window_show_error(self, failure_heading, error);
}

static void
report_written_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = cs_report_write_case_finish(result, &error);

  report_finished(self, ok, error, _("Cannot Write the Case Report"), _("Case report written"));
}

static void
report_chooser_response_cb(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  CsWindow *self = user_data;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  CsReportOptions options;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
  gtk_native_dialog_destroy(dialog);
  g_object_unref(dialog);
  if (file == NULL || self->current_case == NULL || self->study == NULL)
    return;
  path = g_file_get_path(file);
  if (path == NULL)
    return;
  cs_report_options_init(&options);
  self->report_cancellable = g_cancellable_new();
  self->report_toast = g_object_ref(adw_toast_new(_("Case report: starting…")));
  adw_toast_set_timeout(self->report_toast, 0);
  adw_toast_overlay_add_toast(self->toast_overlay, g_object_ref(self->report_toast));
  cs_report_write_case_async(self->study, self->current_case,
                             cs_analysis_panel_get_model_id(self->analysis_panel), &options, path,
                             self->report_cancellable, report_progress_cb, self, NULL,
                             report_written_cb, g_object_ref(self));
}

static void
study_report_written_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = cs_report_write_study_finish(result, &error);

  report_finished(self, ok, error, _("Cannot Write the Study Report"), _("Study report written"));
}

static void
study_report_chooser_response_cb(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  CsWindow *self = user_data;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  const char *model = cs_analysis_panel_get_model_id(self->analysis_panel);
  const char *models[] = { model, NULL };
  CsReportFormat format = CS_REPORT_FORMAT_PDF;
  CsReportOptions options;
  const char *dot;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
  gtk_native_dialog_destroy(dialog);
  g_object_unref(dialog);
  if (file == NULL || self->study == NULL || model == NULL)
    return;
  path = g_file_get_path(file);
  if (path == NULL)
    return;
  /* The file's extension chooses the format: .csv or .json, otherwise a PDF. */
  dot = strrchr(path, '.');
  if (dot != NULL && !cs_report_format_from_string(dot + 1, &format))
    format = CS_REPORT_FORMAT_PDF;
  cs_report_options_init(&options);
  self->report_cancellable = g_cancellable_new();
  self->report_toast = g_object_ref(adw_toast_new(_("Study report: evaluating…")));
  adw_toast_set_timeout(self->report_toast, 0);
  adw_toast_overlay_add_toast(self->toast_overlay, g_object_ref(self->report_toast));
  cs_report_write_study_async(self->study, models, CS_SPLIT_UNASSIGNED, NULL, &options, format,
                              path, self->report_cancellable, study_report_written_cb,
                              g_object_ref(self));
}

void
cs_window_export_study_report_action_cb(GtkWidget *widget, const char *action_name,
                                        GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  GtkFileChooserNative *chooser;

  if (self->study == NULL || self->report_cancellable != NULL)
    return;
  if (cs_analysis_panel_get_model_id(self->analysis_panel) == NULL) {
    cs_window_show_toast(self, _("No model is installed"));
    return;
  }
  chooser =
      gtk_file_chooser_native_new(_("Export the Study Report (PDF, CSV or JSON)"), GTK_WINDOW(self),
                                  GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
  gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), "study-report.pdf");
  g_signal_connect(chooser, "response", G_CALLBACK(study_report_chooser_response_cb), self);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

void
cs_window_export_report_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  GtkFileChooserNative *chooser;
  g_autofree char *name = NULL;

  if (self->current_case == NULL || self->report_cancellable != NULL)
    return;
  chooser = gtk_file_chooser_native_new(_("Export the Case Report"), GTK_WINDOW(self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
  name = g_strdup_printf("%s-report.pdf", cs_case_get_id(self->current_case));
  gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), name);
  g_signal_connect(chooser, "response", G_CALLBACK(report_chooser_response_cb), self);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}
