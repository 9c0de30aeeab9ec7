/* cs-progress-relay.h — progress of a worker thread, carried to the main loop, and its cancel
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

/* Every GTask worker of the window and of the reports reports progress this one way. The owner
 * makes a relay on the main thread; the worker posts the latest fraction (and a line of text) from
 * its thread as often as it likes; the relay keeps only the newest value, keeps at most one
 * delivery queued and delivers at most CS_PROGRESS_RELAY_RATE times a second, on the main context
 * of the thread that made it. The relay also carries the job's GCancellable. When the job is over
 * (or the owner goes away) the owner closes the relay: a queued delivery is dropped and no callback
 * runs after cs_progress_relay_close() returns, so a worker that outlives a widget is harmless.
 *
 *   // On the main thread, when the job starts:
 *   self->relay = cs_progress_relay_new(NULL, show_progress_cb, self, NULL);
 *   task = g_task_new(self, cs_progress_relay_get_cancellable(self->relay), done_cb, NULL);
 *   job->relay = g_object_ref(self->relay);
 *   g_task_run_in_thread(task, job_worker);
 *
 *   // In the worker, as often as it likes:
 *   cs_progress_relay_post(job->relay, (double)done / total, _("Classifying frames"));
 *   if (cs_progress_relay_is_cancelled(job->relay)) ...
 *
 *   // On the main thread, in done_cb and in dispose (dispose cancels first):
 *   cs_progress_relay_close(self->relay);
 *   g_clear_object(&self->relay);
 */

#include <gio/gio.h>

G_BEGIN_DECLS

/* The most deliveries a relay makes in a second; posts in between only replace the value. */
#define CS_PROGRESS_RELAY_RATE 20

/* Receives the newest progress on the relay's main context: @fraction in [0, 1], @text the line
 * posted with it (NULL when none was). */
typedef void (*CsProgressRelayFunc)(double fraction, const char *text, gpointer user_data);

#define CS_TYPE_PROGRESS_RELAY (cs_progress_relay_get_type())
G_DECLARE_FINAL_TYPE(CsProgressRelay, cs_progress_relay, CS, PROGRESS_RELAY, GObject)

/* Creates a relay that calls @func with @user_data on the calling thread's thread-default main
 * context. @cancellable is the job's (NULL: the relay makes one). @destroy, if not NULL, is called
 * on @user_data when the relay is closed or finalized, whichever comes first. */
CsProgressRelay *cs_progress_relay_new(GCancellable *cancellable, CsProgressRelayFunc func,
                                       gpointer user_data, GDestroyNotify destroy);

/* Posts the newest progress from any thread: @fraction (clamped to [0, 1]) and @text (may be
 * NULL; copied). Replaces a value not yet delivered; does nothing once the relay is closed. */
void cs_progress_relay_post(CsProgressRelay *self, double fraction, const char *text);

/* cs_progress_relay_post() with the relay as user data: the CsProgressRelayFunc signature (and
 * CsReportProgressFunc's), so a relay can be handed to a synchronous function as its callback. */
void cs_progress_relay_post_cb(double fraction, const char *text, gpointer relay);

/* The job's cancellable (owned by the relay), for g_task_new() and the calls the worker makes. */
GCancellable *cs_progress_relay_get_cancellable(CsProgressRelay *self);

/* Cancels the job; from any thread, usually the main one. */
void cs_progress_relay_cancel(CsProgressRelay *self);

/* TRUE once the job has been cancelled; for the worker to check between steps. */
gboolean cs_progress_relay_is_cancelled(CsProgressRelay *self);

/* Ends deliveries: drops one still queued, ignores later posts and releases the user data. Call
 * it on the thread that made the relay; no callback runs after it returns. Closing twice is
 * allowed. It does not cancel: call cs_progress_relay_cancel() first to stop a running job. */
void cs_progress_relay_close(CsProgressRelay *self);

G_END_DECLS
