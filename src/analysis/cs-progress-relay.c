/* cs-progress-relay.c — progress of a worker thread, carried to the main loop, and its cancel
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "cs-progress-relay.h"

/* The worker only writes the newest value under the lock; the delivery source reads it there on
 * the main context. At most one source is attached at a time (@pending), so however fast the
 * worker posts, the main loop sees one callback per CS_PROGRESS_RELAY_RATE-th of a second. */
struct _CsProgressRelay {
  GObject parent_instance;

  GMutex lock;
  GMainContext *context;
  GCancellable *cancellable;
  CsProgressRelayFunc func;
  gpointer user_data;
  GDestroyNotify destroy;

  double fraction;
  char *text;
  GSource *pending;    /* The queued delivery, or NULL. */
  gint64 delivered_at; /* Monotonic time of the last delivery in µs; 0 before the first. */
  gboolean closed;
};

G_DEFINE_FINAL_TYPE(CsProgressRelay, cs_progress_relay, G_TYPE_OBJECT)

/* Hands the user data to its destroy notify once, outside the lock. */
static void
release_user_data(CsProgressRelay *self)
{
  GDestroyNotify destroy;
  gpointer user_data;

  g_mutex_lock(&self->lock);
  destroy = g_steal_pointer(&self->destroy);
  user_data = g_steal_pointer(&self->user_data);
  self->func = NULL;
  g_mutex_unlock(&self->lock);
  if (destroy != NULL)
    destroy(user_data);
}

static void
cs_progress_relay_finalize(GObject *object)
{
  CsProgressRelay *self = CS_PROGRESS_RELAY(object);

  /* An attached source holds a reference, so none can be pending here. */
  g_assert(self->pending == NULL);
  release_user_data(self);
  g_free(self->text);
  g_clear_object(&self->cancellable);
  g_main_context_unref(self->context);
  g_mutex_clear(&self->lock);
  G_OBJECT_CLASS(cs_progress_relay_parent_class)->finalize(object);
}

static void
cs_progress_relay_class_init(CsProgressRelayClass *klass)
{
  G_OBJECT_CLASS(klass)->finalize = cs_progress_relay_finalize;
}

static void
cs_progress_relay_init(CsProgressRelay *self)
{
  g_mutex_init(&self->lock);
}

CsProgressRelay *
cs_progress_relay_new(GCancellable *cancellable, CsProgressRelayFunc func, gpointer user_data,
                      GDestroyNotify destroy)
{
  CsProgressRelay *self;

  g_return_val_if_fail(cancellable == NULL || G_IS_CANCELLABLE(cancellable), NULL);
  g_return_val_if_fail(func != NULL, NULL);

  self = g_object_new(CS_TYPE_PROGRESS_RELAY, NULL);
  self->context = g_main_context_ref_thread_default();
  self->cancellable = cancellable != NULL ? g_object_ref(cancellable) : g_cancellable_new();
  self->func = func;
  self->user_data = user_data;
  self->destroy = destroy;
  return self;
}

/* Runs on the relay's main context: takes the newest value and calls the owner with it. */
static gboolean
deliver_cb(gpointer data)
{
  CsProgressRelay *self = data;
  g_autofree char *text = NULL;
  CsProgressRelayFunc func;
  gpointer user_data;
  double fraction;

  g_mutex_lock(&self->lock);
  if (self->closed || self->pending != g_main_current_source()) {
    g_mutex_unlock(&self->lock);
    return G_SOURCE_REMOVE;
  }
  g_clear_pointer(&self->pending, g_source_unref);
  self->delivered_at = g_get_monotonic_time();
  fraction = self->fraction;
  text = g_strdup(self->text);
  func = self->func;
  user_data = self->user_data;
  g_mutex_unlock(&self->lock);

  /* Close can only come from this thread, so the owner is still there while this runs. */
  func(fraction, text, user_data);
  return G_SOURCE_REMOVE;
}

void
cs_progress_relay_post(CsProgressRelay *self, double fraction, const char *text)
{
  const gint64 interval = G_USEC_PER_SEC / CS_PROGRESS_RELAY_RATE;
  gint64 wait;

  g_return_if_fail(CS_IS_PROGRESS_RELAY(self));

  g_mutex_lock(&self->lock);
  if (self->closed) {
    g_mutex_unlock(&self->lock);
    return;
  }
  self->fraction = isnan(fraction) ? 0 : CLAMP(fraction, 0, 1);
  if (g_strcmp0(self->text, text) != 0) {
    g_free(self->text);
    self->text = g_strdup(text);
  }
  if (self->pending == NULL) {
    /* The first delivery goes at once; later ones wait out the rest of the interval. */
    wait = self->delivered_at == 0 ? 0 : self->delivered_at + interval - g_get_monotonic_time();
    if (wait > 0)
      self->pending = g_timeout_source_new((guint)((wait + 999) / 1000));
    else
      self->pending = g_idle_source_new();
    g_source_set_priority(self->pending, G_PRIORITY_DEFAULT);
    g_source_set_static_name(self->pending, "[carpalscope] progress relay");
    g_source_set_callback(self->pending, deliver_cb, g_object_ref(self), g_object_unref);
    g_source_attach(self->pending, self->context);
  }
  g_mutex_unlock(&self->lock);
}

void
cs_progress_relay_post_cb(double fraction, const char *text, gpointer relay)
{
  cs_progress_relay_post(relay, fraction, text);
}

GCancellable *
cs_progress_relay_get_cancellable(CsProgressRelay *self)
{
  g_return_val_if_fail(CS_IS_PROGRESS_RELAY(self), NULL);
  return self->cancellable;
}

void
cs_progress_relay_cancel(CsProgressRelay *self)
{
  g_return_if_fail(CS_IS_PROGRESS_RELAY(self));
  g_cancellable_cancel(self->cancellable);
}

gboolean
cs_progress_relay_is_cancelled(CsProgressRelay *self)
{
  g_return_val_if_fail(CS_IS_PROGRESS_RELAY(self), TRUE);
  return g_cancellable_is_cancelled(self->cancellable);
}

void
cs_progress_relay_close(CsProgressRelay *self)
{
  GSource *pending;

  g_return_if_fail(CS_IS_PROGRESS_RELAY(self));

  g_mutex_lock(&self->lock);
  self->closed = TRUE;
  pending = g_steal_pointer(&self->pending);
  g_mutex_unlock(&self->lock);
  /* Destroying the source drops its reference on the relay, so keep one until the end. */
  g_object_ref(self);
  if (pending != NULL) {
    g_source_destroy(pending);
    g_source_unref(pending);
  }
  release_user_data(self);
  g_object_unref(self);
}
