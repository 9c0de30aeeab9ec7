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

static void
find_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  NerveJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsNerveFinder) finder = load_finder(&error);
  g_autoptr(CsFrame) frame = NULL;
  CsNerveLocation location;

  if (finder == NULL || (frame = cs_sweep_get_frame(job->sweep, job->frame, &error)) == NULL ||
      !cs_nerve_locate(finder, frame, NULL, &location, NULL, &error)) {
    g_task_return_error(task, g_steal_pointer(&error));
    return;
  }
  g_task_return_pointer(task, g_memdup2(&location, sizeof(location)), g_free);
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
  g_autofree CsNerveLocation *location = g_task_propagate_pointer(G_TASK(result), &error);
  CsCase *c;
  CsRoiKeyframe key;

  if (!end_job(self, job, location, error) || (c = job_case(self, job)) == NULL)
    return;
  if (!cs_nerve_case_keyframe(c, location, job->frame, CS_ROI_DEFAULT_SIZE_MM, &key)) {
    cs_window_show_toast(self, _("No nerve found in this frame"));
    return;
  }
  if (self->history != NULL)
    cs_study_history_checkpoint(self->history);
  if (!cs_case_set_roi_keyframe(c, &key, &error))
    cs_window_show_error(self, _("Cannot Place the ROI"), error);
  if (self->history != NULL)
    cs_study_history_checkpoint(self->history);
  cs_window_show_toast(self, location->state == CS_NERVE_UNCERTAIN
                                 ? _("ROI placed on the nerve (uncertain: check it)")
                                 : _("ROI placed on the nerve"));
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

void
cs_window_track_nerve_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  start_nerve_job(CS_WINDOW(widget), -1, track_worker, track_done_cb);
}
