/* cs-window-nerve.c — the main window's nerve finding: Find Nerve places the ROI on the nerve of
 * the frame shown, Track Through Sweep on every frame of the sweep, each in a worker with the
 * analysis panel's progress and cancel; the tracking's lost and uncertain frames are marked on
 * the strip chart. Both are one step of undo.
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-window-private.h"

#include <glib/gi18n.h>

#include "cs-nerve-track.h"

typedef struct {
  CsSweep *sweep;
  char *case_id;
  int frame;              /* Find Nerve: the frame shown; Track Through Sweep: -1. */
  CsProgressRelay *relay; /* Carries progress to the window and the cancel to the worker. */
  GApplication *app;      /* Held while the worker runs, so that quitting waits for it. */
} NerveJob;

static void
nerve_job_free(gpointer data)
{
  NerveJob *job = data;

  g_clear_object(&job->sweep);
  g_free(job->case_id);
  g_clear_object(&job->relay);
  g_clear_object(&job->app);
  g_free(job);
}

static CsNerveFinder *
load_finder(GError **error)
{
  g_autofree char *path = cs_nerve_finder_resolve(NULL, error);

  return path != NULL ? cs_nerve_finder_load(path, error) : NULL;
}

/* What Find Nerve found: the nerve and its outline, proposed. */
typedef struct {
  CsNerveLocation location;
  CsTracing *tracing; /* NULL when the nerve was lost. */
} FindResult;

static void
find_result_free(gpointer data)
{
  FindResult *result = data;

  cs_tracing_free(result->tracing);
  g_free(result);
}

static void
find_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  NerveJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsNerveFinder) finder = load_finder(&error);
  g_autoptr(CsFrame) frame = NULL;
  g_autofree guint8 *mask = NULL;
  FindResult *result;

  if (finder == NULL || (frame = cs_sweep_get_frame(job->sweep, job->frame, &error)) == NULL) {
    g_task_return_error(task, g_steal_pointer(&error));
    return;
  }
  result = g_new0(FindResult, 1);
  mask = g_malloc((gsize)frame->width * (gsize)frame->height);
  if (!cs_nerve_locate(finder, frame, NULL, &result->location, mask, &error)) {
    find_result_free(result);
    g_task_return_error(task, g_steal_pointer(&error));
    return;
  }
  result->tracing = cs_nerve_proposed_tracing(mask, frame->width, frame->height, &result->location,
                                              job->frame, cs_nerve_finder_get_sha256(finder));
  g_task_return_pointer(task, result, find_result_free);
}

static void
track_progress_worker(int done, int total, gpointer user_data)
{
  CsProgressRelay *relay = user_data;
  /* Translators: progress of tracking the nerve, frames done of all frames. */
  g_autofree char *text = g_strdup_printf(_("Tracking the nerve: %d of %d frames"), done, total);

  cs_progress_relay_post(relay, total > 0 ? (double)done / total : 0, text);
}

static void
track_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  NerveJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsNerveFinder) finder = load_finder(&error);
  CsNerveTrack *track = NULL;

  if (finder != NULL)
    track = cs_nerve_track_sweep(finder, job->sweep, 0, -1, track_progress_worker, job->relay,
                                 cancellable, &error);
  if (track == NULL)
    g_task_return_error(task, g_steal_pointer(&error));
  else
    g_task_return_pointer(task, track, (GDestroyNotify)cs_nerve_track_free);
}

/* The job's case if the window still shows a study that has it, else NULL. */
static CsCase *
job_case(CsWindow *self, NerveJob *job)
{
  return self->study != NULL ? cs_study_find_case(self->study, job->case_id) : NULL;
}

/* Ends the worker; FALSE (nothing more to do) when it failed, was cancelled or the window went. */
static gboolean
end_job(CsWindow *self, NerveJob *job, gpointer value, const GError *error)
{
  if (!cs_window_end_analysis_task(self, job->relay, job->app))
    return FALSE;
  if (value != NULL)
    return TRUE;
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    cs_window_show_toast(self, _("Nerve tracking cancelled"));
  else
    cs_window_show_error(self, _("Cannot Find the Nerve"), error);
  return FALSE;
}

static void
find_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  CsWindow *self = CS_WINDOW(source);
  NerveJob *job = g_task_get_task_data(G_TASK(result));
  g_autoptr(GError) error = NULL;
  FindResult *found = g_task_propagate_pointer(G_TASK(result), &error);
  CsCase *c;
  CsRoiKeyframe key;

  if (!end_job(self, job, found, error) || (c = job_case(self, job)) == NULL) {
    g_clear_pointer(&found, find_result_free);
    return;
  }
  if (!cs_nerve_case_keyframe(c, &found->location, job->frame, CS_ROI_DEFAULT_SIZE_MM, &key)) {
    cs_window_show_toast(self, _("No nerve found in this frame"));
    find_result_free(found);
    return;
  }
  /* The ROI and the proposed outline are one step of undo. */
  if (self->history != NULL)
    cs_study_history_checkpoint(self->history);
  if (!cs_case_set_roi_keyframe(c, &key, &error) ||
      (found->tracing != NULL && cs_case_add_tracing(c, found->tracing, &error) < 0))
    cs_window_show_error(self, _("Cannot Place the ROI"), error);
  if (self->history != NULL)
    cs_study_history_checkpoint(self->history);
  cs_window_show_toast(self, found->location.state == CS_NERVE_UNCERTAIN
                                 ? _("ROI placed on the nerve (uncertain: check it)")
                                 : _("ROI placed on the nerve"));
  find_result_free(found);
}

static void
track_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  CsWindow *self = CS_WINDOW(source);
  NerveJob *job = g_task_get_task_data(G_TASK(result));
  g_autoptr(GError) error = NULL;
  g_autoptr(CsNerveTrack) track = g_task_propagate_pointer(G_TASK(result), &error);
  g_autofree guint8 *marks = NULL;
  g_autofree char *message = NULL;
  int n, uncertain = 0, lost = 0;
  CsCase *c;

  if (!end_job(self, job, track, error) || (c = job_case(self, job)) == NULL)
    return;
  if (self->history != NULL)
    cs_study_history_checkpoint(self->history);
  if (!cs_nerve_track_apply(track, c, CS_ROI_DEFAULT_SIZE_MM, &error)) {
    cs_window_show_error(self, _("Cannot Place the ROI"), error);
    return;
  }
  if (self->history != NULL)
    cs_study_history_checkpoint(self->history);
  n = track->last - track->first;
  marks = g_new0(guint8, track->last);
  for (int i = 0; i < n; i++) {
    CsNerveState state = track->locations[i].state;

    uncertain += state == CS_NERVE_UNCERTAIN;
    lost += state == CS_NERVE_LOST;
    marks[track->first + i] = state == CS_NERVE_LOST        ? CS_STRIP_MARK_LOST
                              : state == CS_NERVE_UNCERTAIN ? CS_STRIP_MARK_UNCERTAIN
                                                            : CS_STRIP_MARK_NONE;
  }
  /* The marks belong to the case (shown again when it is selected again) until it is tracked
   * again; they are no part of the study. */
  g_object_set_data_full(G_OBJECT(c), "cs-nerve-marks",
                         g_bytes_new_take(g_steal_pointer(&marks), (gsize)track->last),
                         (GDestroyNotify)g_bytes_unref);
  cs_window_show_nerve_marks(self);
  /* Translators: after tracking the nerve through a sweep. */
  message = g_strdup_printf(_("ROI set on %d frames: %d uncertain, %d lost"), n, uncertain, lost);
  cs_window_show_toast(self, message);
}

void
cs_window_show_nerve_marks(CsWindow *self)
{
  CsStripChart *chart = cs_viewer_pane_get_strip_chart(self->viewer_pane);
  GBytes *marks = self->current_case != NULL
                      ? g_object_get_data(G_OBJECT(self->current_case), "cs-nerve-marks")
                      : NULL;

  if (marks == NULL)
    cs_strip_chart_set_marks(chart, NULL, 0);
  else
    cs_strip_chart_set_marks(chart, g_bytes_get_data(marks, NULL), (int)g_bytes_get_size(marks));
}

/* Starts @worker on the current case's sweep at @frame (-1 for all of it). */
static void
start_nerve_job(CsWindow *self, int frame, GTaskThreadFunc worker, GAsyncReadyCallback done)
{
  NerveJob *job;

  if (self->current_case == NULL || self->sweep == NULL || self->analysis_relay != NULL)
    return;
  job = g_new0(NerveJob, 1);
  job->sweep = g_object_ref(self->sweep);
  job->case_id = g_strdup(cs_case_get_id(self->current_case));
  job->frame = frame;
  cs_window_start_analysis_task(self, job, nerve_job_free, worker, done, &job->relay, &job->app);
}

void
cs_window_find_nerve_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);

  start_nerve_job(self, MAX(0, cs_viewer_pane_get_frame_index(self->viewer_pane)), find_worker,
                  find_done_cb);
}

/* The index of the first outline proposed on the frame shown, or -1. */
static int
proposed_on_frame(CsWindow *self)
{
  int frame = cs_viewer_pane_get_frame_index(self->viewer_pane);

  for (guint i = 0; self->current_case != NULL && i < cs_case_get_n_tracings(self->current_case);
       i++) {
    const CsTracing *tracing = cs_case_get_tracing(self->current_case, i);

    if (tracing->frame == frame && cs_nerve_tracing_is_proposed(tracing))
      return (int)i;
  }
  return -1;
}

void
cs_window_accept_outline_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  int index = proposed_on_frame(self);
  g_autoptr(CsTracing) accepted = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rater = NULL;

  if (index < 0) {
    cs_window_show_toast(self, _("No proposed outline on this frame"));
    return;
  }
  /* Accepted, it is the person's inlet tracing, as edited, under their name (set in
   * Preferences, else none). */
  accepted = cs_tracing_copy(cs_case_get_tracing(self->current_case, (guint)index));
  g_free(accepted->level);
  accepted->level = g_strdup("inlet");
  g_clear_pointer(&accepted->rater, g_free);
  if (self->settings != NULL)
    rater = g_strstrip(g_settings_get_string(self->settings, "rater-name"));
  if (rater != NULL && rater[0] != '\0')
    accepted->rater = g_steal_pointer(&rater);
  if (self->history != NULL)
    cs_study_history_checkpoint(self->history);
  if (!cs_case_replace_tracing(self->current_case, (guint)index, accepted, &error))
    cs_window_show_error(self, _("Cannot Accept the Outline"), error);
  if (self->history != NULL)
    cs_study_history_checkpoint(self->history);
}

void
cs_window_reject_outline_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  int index = proposed_on_frame(self);

  if (index < 0) {
    cs_window_show_toast(self, _("No proposed outline on this frame"));
    return;
  }
  if (self->history != NULL)
    cs_study_history_checkpoint(self->history);
  cs_case_remove_tracing(self->current_case, (guint)index);
  if (self->history != NULL)
    cs_study_history_checkpoint(self->history);
}

void
cs_window_track_nerve_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  start_nerve_job(CS_WINDOW(widget), -1, track_worker, track_done_cb);
}
