/* cs-window-export.c — the main window's reports: the case report and the study report
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cs-frame-explanation.h"
#include "cs-model-catalog.h"
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

/* Writes the case report of the current case to @path with the explanation @x (NULL: none). */
static void
write_case_report(CsWindow *self, const char *path, CsFrameExplanation *x)
{
  CsReportOptions options;

  cs_report_options_init(&options);
  cs_report_write_case_async(self->study, self->current_case,
                             x != NULL ? x->model_id
                                       : cs_analysis_panel_get_model_id(self->analysis_panel),
                             x, &options, path, self->report_cancellable, report_progress_cb, self,
                             NULL, report_written_cb, g_object_ref(self));
}

/* The report's frame is explained (nothing was on screen); the report follows. */
static void
report_explained_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CsWindow) self = user_data;
  g_autofree char *path = g_object_steal_data(G_OBJECT(self), "cs-report-path");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) x = cs_explain_case_frame_finish(result, &error);

  /* Without an explanation (no ROI, say) the report is still written, and says so. */
  if (x == NULL && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    report_finished(self, FALSE, error, NULL, NULL);
    return;
  }
  if (self->current_case == NULL || self->study == NULL || path == NULL) {
    report_finished(self, TRUE, NULL, NULL, _("The case was closed; no report was written"));
    return;
  }
  write_case_report(self, path, x != NULL ? x->pdata[0] : NULL);
}

gboolean
cs_window_export_case_report(CsWindow *self, const char *path)
{
  CsFrameExplanation *shown;
  const char *model;

  g_return_val_if_fail(CS_IS_WINDOW(self), FALSE);
  g_return_val_if_fail(path != NULL, FALSE);

  if (self->current_case == NULL || self->study == NULL || self->report_cancellable != NULL)
    return FALSE;
  shown = cs_explain_panel_get_explanation(self->explain_panel);
  model = cs_analysis_panel_get_model_id(self->analysis_panel);
  self->report_cancellable = g_cancellable_new();
  self->report_toast = g_object_ref(adw_toast_new(_("Case report: starting…")));
  adw_toast_set_timeout(self->report_toast, 0);
  adw_toast_overlay_add_toast(self->toast_overlay, g_object_ref(self->report_toast));
  /* The report draws the explanation on screen, with the parameters it was made with. Without
   * one, the frame the report shows is explained first with the panel's parameters. */
  if (shown != NULL || model == NULL || self->sweep == NULL) {
    write_case_report(self, path, shown);
  } else {
    CsModelInfo *info = cs_model_catalog_lookup(cs_model_catalog_get_default(), model);
    const CsModelResult *result =
        info != NULL ? cs_case_find_result(self->current_case, cs_model_info_get_sha256(info))
                     : NULL;
    int frame = cs_explain_pick_frame(result, cs_sweep_get_n_frames(self->sweep), NULL);
    const char *models[] = { model, NULL };
    CsExplainOptions options;

    cs_explain_panel_get_options(self->explain_panel, &options);
    g_object_set_data_full(G_OBJECT(self), "cs-report-path", g_strdup(path), g_free);
    report_progress_cb(0, _("explaining the frame"), self);
    cs_explain_case_frame_async(self->sweep, self->current_case, frame, models, &options, NULL,
                                self->report_cancellable, report_explained_cb, g_object_ref(self));
  }
  return TRUE;
}

gboolean
cs_window_is_exporting(CsWindow *self)
{
  g_return_val_if_fail(CS_IS_WINDOW(self), FALSE);
  return self->report_cancellable != NULL;
}

static void
report_chooser_response_cb(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  CsWindow *self = user_data;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
  gtk_native_dialog_destroy(dialog);
  g_object_unref(dialog);
  if (file != NULL && (path = g_file_get_path(file)) != NULL)
    cs_window_export_case_report(self, path);
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
