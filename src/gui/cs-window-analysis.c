/* cs-window-analysis.c — the main window's analysis: the Analyse action and its worker, its
 * progress and cancel, the strip chart of its result, and the tracings and calibrations that the
 * viewer hands to the case
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-window-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "cs-analysis.h"
#include "cs-progress-relay.h"
#include "cs-study-edit.h"
#include "cs-study.h"

void
cs_window_show_strip_values(CsWindow *self)
{
  const CsModelResult *result;
  gboolean stale = FALSE;
  CsStripChart *chart = cs_viewer_pane_get_strip_chart(self->viewer_pane);
  int n = self->sweep != NULL ? cs_sweep_get_n_frames(self->sweep) : 0;
  g_autofree double *values = NULL;

  cs_window_show_nerve_marks(self);
  result = cs_analysis_panel_get_result(self->analysis_panel, &stale);
  cs_strip_chart_set_threshold(chart, cs_analysis_panel_get_threshold(self->analysis_panel));
  if (result == NULL || n == 0) {
    cs_strip_chart_set_values(chart, NULL, 0);
    return;
  }
  values = g_new(double, n);
  for (int i = 0; i < n; i++)
    values[i] = NAN;
  for (guint i = 0; i < result->n_frames; i++)
    if (result->frames[i] >= 0 && result->frames[i] < n)
      values[result->frames[i]] = result->p_cts[i];
  cs_strip_chart_set_values(chart, values, n);
  cs_strip_chart_set_stale(chart, stale);
}

/* Analysis in a worker. */

typedef struct {
  CsSweep *sweep;
  CsCase *case_copy; /* What the worker reads: never the case the GUI edits. */
  char *case_id;
  char *model_id;
  double threshold;
  CsProgressRelay *relay; /* Carries progress to the window and the cancel to the worker. */
  GApplication *app;      /* Held while the worker runs, so that quitting waits for it. */
} AnalysisJob;

static void
analysis_job_free(gpointer data)
{
  AnalysisJob *job = data;

  g_clear_object(&job->sweep);
  g_clear_object(&job->case_copy);
  g_free(job->case_id);
  g_free(job->model_id);
  g_clear_object(&job->relay);
  g_clear_object(&job->app);
  g_free(job);
}

/* Shows the newest progress; the relay calls it on the main loop until the job ends. */
static void
analysis_progress_cb(double fraction, const char *text, gpointer user_data)
{
  CsWindow *self = user_data;

  cs_analysis_panel_set_progress(self->analysis_panel, fraction, text);
}

static void
analysis_progress_worker(int done, int total, gpointer user_data)
{
  CsProgressRelay *relay = user_data;
  /* Translators: analysis progress, frames done of all frames. */
  g_autofree char *text = g_strdup_printf(_("%d of %d frames"), done, total);

  cs_progress_relay_post(relay, total > 0 ? (double)done / total : 0, text);
}

static void
analysis_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  AnalysisJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsModel) model = cs_model_load(job->model_id, &error);
  CsModelResult *result;

  if (model == NULL) {
    g_task_return_error(task, g_steal_pointer(&error));
    return;
  }
  result = cs_analyse_case(job->sweep, job->case_copy, model, job->threshold, -1, -1,
                           analysis_progress_worker, job->relay, cancellable, &error);
  if (result == NULL)
    g_task_return_error(task, g_steal_pointer(&error));
  else
    g_task_return_pointer(task, result, (GDestroyNotify)cs_model_result_free);
}

static void
analysis_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  CsWindow *self = CS_WINDOW(source);
  AnalysisJob *job = g_task_get_task_data(G_TASK(result));
  g_autoptr(GError) error = NULL;
  CsModelResult *model_result = g_task_propagate_pointer(G_TASK(result), &error);
  CsCase *c;

  if (!cs_window_end_analysis_task(self, job->relay, job->app)) {
    cs_model_result_free(model_result);
    return;
  }
  if (model_result == NULL) {
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      cs_window_show_toast(self, _("Analysis cancelled"));
    else
      cs_window_show_error(self, _("Analysis Failed"), error);
    return;
  }
  /* The result belongs to the case it was computed for, even if the user moved on. */
  c = self->study != NULL ? cs_study_find_case(self->study, job->case_id) : NULL;
  if (c != NULL && !cs_case_set_result(c, model_result, &error))
    cs_window_show_error(self, _("Cannot Store the Result"), error);
  cs_model_result_free(model_result);
  cs_window_show_strip_values(self);
}

void
cs_window_analyse_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  AnalysisJob *job;
  const char *model_id = cs_analysis_panel_get_model_id(self->analysis_panel);

  if (self->current_case == NULL || self->sweep == NULL || self->analysis_relay != NULL)
    return;
  if (model_id == NULL) {
    cs_window_show_toast(self, _("No model is installed"));
    return;
  }
  if (cs_case_get_n_roi_keyframes(self->current_case) == 0) {
    /* The ROI on screen is only a suggestion until the user places it; take it as placed. */
    cs_viewer_pane_apply_roi_to_all(self->viewer_pane);
  }
  job = g_new0(AnalysisJob, 1);
  job->sweep = g_object_ref(self->sweep);
  job->case_copy = cs_analysis_dup_case(self->current_case);
  job->case_id = g_strdup(cs_case_get_id(self->current_case));
  job->model_id = g_strdup(model_id);
  job->threshold = cs_analysis_panel_get_threshold(self->analysis_panel);

  cs_window_start_analysis_task(self, job, analysis_job_free, analysis_worker, analysis_done_cb,
                                &job->relay, &job->app);
}

void
cs_window_start_analysis_task(CsWindow *self, gpointer job, GDestroyNotify free_job,
                              GTaskThreadFunc worker, GAsyncReadyCallback done,
                              CsProgressRelay **job_relay, GApplication **job_app)
{
  g_autoptr(GTask) task = NULL;

  self->analysis_relay = cs_progress_relay_new(NULL, analysis_progress_cb, self, NULL);
  *job_relay = g_object_ref(self->analysis_relay);
  cs_analysis_panel_set_running(self->analysis_panel, TRUE);
  cs_window_update_actions(self);
  *job_app = G_APPLICATION(gtk_window_get_application(GTK_WINDOW(self)));
  if (*job_app != NULL)
    g_application_hold(g_object_ref(*job_app));
  task = g_task_new(self, cs_progress_relay_get_cancellable(self->analysis_relay), done, NULL);
  g_task_set_task_data(task, job, free_job);
  g_task_run_in_thread(task, worker);
}

gboolean
cs_window_end_analysis_task(CsWindow *self, CsProgressRelay *relay, GApplication *app)
{
  /* The worker is done: no progress comes after this; drop one still queued. */
  cs_progress_relay_close(relay);
  if (self->analysis_relay == relay)
    g_clear_object(&self->analysis_relay);
  if (app != NULL)
    g_application_release(app);
  if (self->analysis_panel == NULL) /* The window was closed while the worker ran. */
    return FALSE;
  cs_analysis_panel_set_running(self->analysis_panel, FALSE);
  cs_window_update_actions(self);
  return TRUE;
}

void
cs_window_cancel_analysis(CsWindow *self)
{
  if (self->analysis_relay != NULL)
    cs_progress_relay_cancel(self->analysis_relay);
}

void
cs_window_analysis_dispose(CsWindow *self)
{
  if (self->analysis_relay == NULL)
    return;
  cs_progress_relay_cancel(self->analysis_relay);
  cs_progress_relay_close(self->analysis_relay);
  g_clear_object(&self->analysis_relay);
}

static void
cancel_analysis_cb(CsAnalysisPanel *panel, CsWindow *self)
{
  cs_window_cancel_analysis(self);
}

/* Tracing and calibration. */

/* The rater's name set in Preferences, or NULL when none is. */
static char *
dup_rater(CsWindow *self)
{
  g_autofree char *name = NULL;

  if (self->settings == NULL)
    return NULL;
  name = g_strstrip(g_settings_get_string(self->settings, "rater-name"));
  return name[0] != '\0' ? g_steal_pointer(&name) : NULL;
}

static void
tracing_closed_cb(CsFrameView *view, CsWindow *self)
{
  g_autofree double *points = NULL;
  guint n = 0;
  g_autoptr(GError) error = NULL;
  CsTracing *tracing;
  int index;

  if (self->current_case == NULL)
    return;
  points = cs_frame_view_dup_tracing(view, &n);
  if (points == NULL)
    return;
  tracing = cs_tracing_new(cs_analysis_panel_get_level(self->analysis_panel),
                           cs_viewer_pane_get_frame_index(self->viewer_pane), points, n);
  tracing->rater = dup_rater(self);
  index = cs_case_add_tracing(self->current_case, tracing, &error);
  cs_tracing_free(tracing);
  if (index < 0) {
    g_autofree char *message = g_strdup_printf(_("Tracing not kept: %s"), error->message);

    cs_window_show_toast(self, message);
    cs_frame_view_reset_tracing(view);
  } else {
    /* Saved as closed, and kept open for editing its vertices until the user moves on. */
    cs_frame_view_edit_tracing(view, index);
  }
  adw_view_stack_set_visible_child_name(self->inspector_stack, "result");
}

/* A vertex of a saved tracing was moved, inserted or deleted: the case takes the new outline, or
 * the outline goes back to the one saved when the case refuses it (crossing edges). */
static void
tracing_edited_cb(CsFrameView *view, int index, CsWindow *self)
{
  g_autofree double *points = NULL;
  guint n = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsTracing) tracing = NULL;

  if (self->current_case == NULL || index < 0 ||
      (guint)index >= cs_case_get_n_tracings(self->current_case))
    return;
  points = cs_frame_view_dup_tracing(view, &n);
  if (points == NULL)
    return;
  tracing = cs_tracing_copy(cs_case_get_tracing(self->current_case, (guint)index));
  g_free(tracing->points);
  tracing->points = g_steal_pointer(&points);
  tracing->n_points = n;
  if (!cs_case_replace_tracing(self->current_case, (guint)index, tracing, &error)) {
    g_autofree char *message = g_strdup_printf(_("Tracing not changed: %s"), error->message);

    cs_window_show_toast(self, message);
    cs_viewer_pane_refresh_overlays(self->viewer_pane);
    cs_frame_view_edit_tracing(view, index);
  }
}

typedef struct {
  CsWindow *window;
  GtkSpinButton *distance;
  double x1, y1, x2, y2;
} CalibrationDialog;

static void
calibration_response_cb(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  CalibrationDialog *data = user_data;
  CsWindow *self = data->window;
  CsSpacing spacing;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0(response, "calibrate") == 0 && self->current_case != NULL) {
    double mm = gtk_spin_button_get_value(data->distance);

    if (!cs_spacing_calibrate(data->x1, data->y1, data->x2, data->y2, mm, &spacing, &error) ||
        !cs_case_calibrate(self->current_case, spacing.mm_per_px, CS_SPACING_SOURCE_MANUAL,
                           &error)) {
      cs_window_show_error(self, _("Calibration Not Applied"), error);
    } else {
      g_autofree char *message =
          g_strdup_printf(_("Calibrated: %.4f mm per pixel"), spacing.mm_per_px);

      cs_window_show_toast(self, message);
    }
  }
  cs_viewer_pane_set_tool(self->viewer_pane, CS_FRAME_VIEW_TOOL_ROI);
  g_free(data);
}

static void
calibration_requested_cb(CsViewerPane *pane, double x1, double y1, double x2, double y2,
                         CsWindow *self)
{
  AdwMessageDialog *dialog;
  CalibrationDialog *data = g_new0(CalibrationDialog, 1);
  g_autofree char *body = g_strdup_printf(
      _("The two points are %.1f pixels apart. Enter their distance in millimetres, for example "
        "from the depth scale of the scanner."),
      hypot(x2 - x1, y2 - y1));

  data->window = self;
  data->x1 = x1;
  data->y1 = y1;
  data->x2 = x2;
  data->y2 = y2;
  data->distance = GTK_SPIN_BUTTON(gtk_spin_button_new_with_range(0.1, 200, 0.1));
  gtk_spin_button_set_digits(data->distance, 2);
  gtk_spin_button_set_value(data->distance, 10);
  gtk_accessible_update_property(GTK_ACCESSIBLE(data->distance), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 _("Distance in millimetres"), -1);
  dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(GTK_WINDOW(self), _("Calibrate"), body));
  adw_message_dialog_set_extra_child(dialog, GTK_WIDGET(data->distance));
  adw_message_dialog_add_responses(dialog, "cancel", _("_Cancel"), "calibrate", _("C_alibrate"),
                                   NULL);
  adw_message_dialog_set_response_appearance(dialog, "calibrate", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response(dialog, "calibrate");
  g_signal_connect(dialog, "response", G_CALLBACK(calibration_response_cb), data);
  gtk_window_present(GTK_WINDOW(dialog));
}

static void
panel_changed_cb(GObject *panel, GParamSpec *pspec, CsWindow *self)
{
  cs_window_show_strip_values(self);
}

void
cs_window_analysis_init(CsWindow *self)
{
  g_signal_connect(self->viewer_pane, "calibration-requested", G_CALLBACK(calibration_requested_cb),
                   self);
  g_signal_connect(cs_viewer_pane_get_frame_view(self->viewer_pane), "tracing-closed",
                   G_CALLBACK(tracing_closed_cb), self);
  g_signal_connect(cs_viewer_pane_get_frame_view(self->viewer_pane), "tracing-edited",
                   G_CALLBACK(tracing_edited_cb), self);
  g_signal_connect(self->analysis_panel, "cancel-requested", G_CALLBACK(cancel_analysis_cb), self);
  g_signal_connect(self->analysis_panel, "notify::threshold", G_CALLBACK(panel_changed_cb), self);
  g_signal_connect(self->analysis_panel, "notify::model-id", G_CALLBACK(panel_changed_cb), self);
}
