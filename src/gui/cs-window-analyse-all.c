/* cs-window-analyse-all.c — the main window's Analyse All: every case that needs the chosen
 * model's analysis, in one worker, with progress per case and overall, Cancel, and the study
 * saved after each case
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-window-private.h"

#include <glib/gi18n.h>

#include "cs-analyse-all.h"

typedef struct {
  CsAnalyseAll *job;
  CsWindow *window;       /* Held: the results reach it on the main loop. */
  CsStudy *study;         /* The study the job was made for: its results go there. */
  GMainContext *context;  /* The window's, where each result is stored. */
  CsProgressRelay *relay; /* Progress to the panel, and the cancel. */
  GApplication *app;      /* Held while the worker runs, so that quitting waits for it. */
  GPtrArray *failures;    /* "id: why" of the cases skipped; the worker's until it ends. */
  GPtrArray *notes;       /* Cases with frames left out, likewise. */
  int analysed;
} AllJob;

static void
all_job_free(gpointer data)
{
  AllJob *job = data;

  cs_analyse_all_free(job->job);
  g_clear_object(&job->window);
  g_clear_object(&job->study);
  g_main_context_unref(job->context);
  g_clear_object(&job->relay);
  g_clear_object(&job->app);
  g_ptr_array_unref(job->failures);
  g_ptr_array_unref(job->notes);
  g_free(job);
}

/* One case's result on its way from the worker to the study. */
typedef struct {
  CsWindow *window;
  CsStudy *study;
  char *case_id;
  CsModelResult *result;
} Arrival;

static void
arrival_free(gpointer data)
{
  Arrival *arrival = data;

  g_object_unref(arrival->window);
  g_object_unref(arrival->study);
  g_free(arrival->case_id);
  cs_model_result_free(arrival->result);
  g_free(arrival);
}

/* Saves the study a result went into; the study on show only while this window holds its lock. */
static gboolean
save_result(CsWindow *self, CsStudy *study, GError **error)
{
  if (study == self->study && self->toast_overlay != NULL &&
      !cs_window_lock_check_save(self, error))
    return FALSE;
  return cs_study_save(study, error);
}

/* On the main loop: stores the result and saves the study, so a crash loses only the case in
 * progress. */
static gboolean
store_result_cb(gpointer data)
{
  Arrival *arrival = data;
  CsWindow *self = arrival->window;
  CsCase *c = cs_study_find_case(arrival->study, arrival->case_id);
  g_autoptr(GError) error = NULL;

  if (c == NULL) /* Removed meanwhile: nothing to store it in. */
    return G_SOURCE_REMOVE;
  if (!cs_case_set_result(c, arrival->result, &error) ||
      (cs_study_get_path(arrival->study) != NULL && !save_result(self, arrival->study, &error))) {
    g_autofree char *message =
        g_strdup_printf(_("Case %s: result not saved: %s"), arrival->case_id, error->message);

    if (self->toast_overlay != NULL)
      cs_window_show_toast(self, message);
    return G_SOURCE_REMOVE;
  }
  if (self->toast_overlay == NULL)
    return G_SOURCE_REMOVE;
  if (arrival->study == self->study) {
    cs_window_schedule_autosave(self); /* a study with no file yet goes to its recovery file */
    cs_window_update_title(self);
  }
  if (c == self->current_case)
    cs_window_show_strip_values(self);
  return G_SOURCE_REMOVE;
}

static void
case_done_worker(guint index, const char *case_id, const CsModelResult *result, int n_left_out,
                 const GError *error, gpointer user_data)
{
  AllJob *job = user_data;
  Arrival *arrival;

  if (result == NULL) {
    g_ptr_array_add(job->failures, g_strdup_printf("%s: %s", case_id, error->message));
    return;
  }
  if (n_left_out > 0)
    g_ptr_array_add(
        job->notes,
        g_strdup_printf(
            g_dngettext(GETTEXT_PACKAGE, "%s: %d frame could not be decoded and is left out",
                        "%s: %d frames could not be decoded and are left out", n_left_out),
            case_id, n_left_out));
  job->analysed++;
  arrival = g_new0(Arrival, 1);
  arrival->window = g_object_ref(job->window);
  arrival->study = g_object_ref(job->study);
  arrival->case_id = g_strdup(case_id);
  arrival->result = cs_model_result_copy(result);
  g_main_context_invoke_full(job->context, G_PRIORITY_DEFAULT, store_result_cb, arrival,
                             arrival_free);
}

static void
progress_worker(guint index, guint n_cases, const char *case_id, int done, int total,
                gpointer user_data)
{
  AllJob *job = user_data;
  double in_case = total > 0 ? (double)done / total : 0;
  /* Translators: Analyse All's progress: case number of all cases, its id, frames done of all
   * its frames. */
  g_autofree char *text = g_strdup_printf(_("Case %u of %u (%s): %d of %d frames"), index + 1,
                                          n_cases, case_id, done, total);

  cs_progress_relay_post(job->relay, (index + in_case) / MAX(n_cases, 1), text);
}

static void
analyse_all_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  AllJob *job = task_data;
  g_autoptr(GError) error = NULL;

  if (cs_analyse_all_run(job->job, case_done_worker, progress_worker, job, cancellable, &error) < 0)
    g_task_return_error(task, g_steal_pointer(&error));
  else
    g_task_return_boolean(task, TRUE);
}

/* Lists the cases skipped and the frames left out. */
static void
report_failures(CsWindow *self, GPtrArray *failures, GPtrArray *notes)
{
  g_autoptr(GString) body = g_string_new(NULL);
  AdwMessageDialog *dialog;

  for (guint i = 0; i < failures->len; i++)
    g_string_append_printf(body, "%s%s", body->len > 0 ? "\n" : "", (char *)failures->pdata[i]);
  for (guint i = 0; i < notes->len; i++)
    g_string_append_printf(body, "%s%s", body->len > 0 ? "\n" : "", (char *)notes->pdata[i]);
  dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(GTK_WINDOW(self), NULL, NULL));
  if (failures->len > 0)
    adw_message_dialog_format_heading(
        dialog, g_dngettext(GETTEXT_PACKAGE, "%u Case Skipped", "%u Cases Skipped", failures->len),
        failures->len);
  else
    adw_message_dialog_set_heading(dialog, _("Frames Left Out"));
  adw_message_dialog_set_body(dialog, body->str);
  adw_message_dialog_add_response(dialog, "close", _("_Close"));
  gtk_window_present(GTK_WINDOW(dialog));
}

static void
analyse_all_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  CsWindow *self = CS_WINDOW(source);
  AllJob *job = g_task_get_task_data(G_TASK(result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean(G_TASK(result), &error);

  if (!cs_window_end_analysis_task(self, job->relay, job->app))
    return;
  if (!ok && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_autofree char *message =
        g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "Analysis cancelled after %d case",
                                    "Analysis cancelled after %d cases", job->analysed),
                        job->analysed);

    cs_window_show_toast(self, message);
  } else if (!ok) {
    cs_window_show_error(self, _("Analysis Failed"), error);
  } else {
    g_autofree char *message = g_strdup_printf(
        g_dngettext(GETTEXT_PACKAGE, "%d case analysed", "%d cases analysed", job->analysed),
        job->analysed);

    cs_window_show_toast(self, message);
  }
  if (job->failures->len > 0 || job->notes->len > 0)
    report_failures(self, job->failures, job->notes);
}

void
cs_window_analyse_all_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  AllJob *job;
  const char *model_id = cs_analysis_panel_get_model_id(self->analysis_panel);

  if (self->study == NULL || self->analysis_relay != NULL)
    return;
  if (model_id == NULL) {
    cs_window_show_toast(self, _("No model is installed"));
    return;
  }
  job = g_new0(AllJob, 1);
  job->job = cs_analyse_all_new(self->study, model_id,
                                cs_analysis_panel_get_model_sha256(self->analysis_panel),
                                cs_analysis_panel_get_threshold(self->analysis_panel));
  job->failures = g_ptr_array_new_with_free_func(g_free);
  job->notes = g_ptr_array_new_with_free_func(g_free);
  job->context = g_main_context_ref_thread_default();
  if (cs_analyse_all_get_n_cases(job->job) == 0) {
    all_job_free(job);
    cs_window_show_toast(self, _("Every case is analysed with this model"));
    return;
  }
  job->window = g_object_ref(self);
  job->study = g_object_ref(self->study);
  cs_window_start_analysis_task(self, job, all_job_free, analyse_all_worker, analyse_all_done_cb,
                                &job->relay, &job->app);
}
