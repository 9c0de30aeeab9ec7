/* test-core-progress-relay.c — a worker's progress reaches the main loop coalesced, and stops
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-progress-relay.h"

typedef struct {
  int n_calls;
  int n_destroyed;
  double fraction;
  char *text;
  gint64 called_at[64];
} Received;

static void
received_cb(double fraction, const char *text, gpointer user_data)
{
  Received *received = user_data;

  g_assert_true(g_main_context_is_owner(g_main_context_default()));
  if (received->n_calls < (int)G_N_ELEMENTS(received->called_at))
    received->called_at[received->n_calls] = g_get_monotonic_time();
  received->n_calls++;
  received->fraction = fraction;
  g_free(received->text);
  received->text = g_strdup(text);
}

static void
received_destroy(gpointer user_data)
{
  Received *received = user_data;

  received->n_destroyed++;
}

static void
received_clear(Received *received)
{
  g_free(received->text);
}

/* Iterates the default main context for @ms milliseconds. */
static void
iterate_for(int ms)
{
  gint64 end = g_get_monotonic_time() + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time() < end)
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(G_TIME_SPAN_MILLISECOND);
}

/* Iterates until *@done is set or ten seconds pass. */
static void
iterate_until(const gint *done)
{
  gint64 end = g_get_monotonic_time() + 10 * G_TIME_SPAN_SECOND;

  while (!g_atomic_int_get(done) && g_get_monotonic_time() < end)
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(G_TIME_SPAN_MILLISECOND);
  g_assert_true(g_atomic_int_get(done));
}

/* Iterates until @received has had @n calls or ten seconds pass. */
static void
iterate_until_calls(const Received *received, int n)
{
  gint64 end = g_get_monotonic_time() + 10 * G_TIME_SPAN_SECOND;

  while (received->n_calls < n && g_get_monotonic_time() < end)
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint(received->n_calls, >=, n);
}

typedef struct {
  CsProgressRelay *relay;
  int n_posts;
  gint started;
  gint finished;
} Worker;

/* Posts @n_posts steps from 0 to 1 as fast as it can, the last one with the text "done". */
static gpointer
post_worker(gpointer data)
{
  Worker *worker = data;

  g_atomic_int_set(&worker->started, TRUE);
  for (int i = 1; i <= worker->n_posts; i++)
    cs_progress_relay_post(worker->relay, (double)i / worker->n_posts,
                           i == worker->n_posts ? "done" : "working");
  g_atomic_int_set(&worker->finished, TRUE);
  return NULL;
}

/* Works until it sees the cancel, posting as it goes. */
static gpointer
cancel_worker(gpointer data)
{
  Worker *worker = data;
  int steps = 0;

  g_atomic_int_set(&worker->started, TRUE);
  while (!cs_progress_relay_is_cancelled(worker->relay)) {
    cs_progress_relay_post(worker->relay, (steps % 100) / 100.0, NULL);
    steps++;
    g_usleep(100);
  }
  g_atomic_int_set(&worker->finished, TRUE);
  return NULL;
}

static void
test_delivery_from_thread(void)
{
  Received received = { 0 };
  g_autoptr(CsProgressRelay) relay =
      cs_progress_relay_new(NULL, received_cb, &received, received_destroy);
  Worker worker = { relay, 200000, FALSE, FALSE };
  GThread *thread = g_thread_new("post-worker", post_worker, &worker);
  gint64 start = g_get_monotonic_time();
  double seconds;

  iterate_until(&worker.finished);
  g_thread_join(thread);
  /* The newest value arrives last, and stays. */
  while (g_strcmp0(received.text, "done") != 0)
    g_main_context_iteration(NULL, TRUE);
  seconds = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
  iterate_for(2 * 1000 / CS_PROGRESS_RELAY_RATE);
  g_assert_cmpfloat(received.fraction, ==, 1.0);
  g_assert_cmpstr(received.text, ==, "done");
  /* Far fewer deliveries than posts: no more than the rate allows. */
  g_assert_cmpint(received.n_calls, >=, 1);
  g_assert_cmpint(received.n_calls, <=, (int)(seconds * CS_PROGRESS_RELAY_RATE) + 3);
  g_assert_cmpint(received.n_destroyed, ==, 0);
  cs_progress_relay_close(relay);
  g_assert_cmpint(received.n_destroyed, ==, 1);
  g_assert_finalize_object(g_steal_pointer(&relay));
  g_assert_cmpint(received.n_destroyed, ==, 1);
  received_clear(&received);
}

static void
test_coalesce_and_rate(void)
{
  Received received = { 0 };
  g_autoptr(CsProgressRelay) relay = cs_progress_relay_new(NULL, received_cb, &received, NULL);
  gint64 gap;

  /* Many posts before the loop runs: one delivery, of the newest value. */
  for (int i = 0; i < 100; i++)
    cs_progress_relay_post(relay, i / 100.0, i % 2 == 0 ? "even" : NULL);
  iterate_until_calls(&received, 1);
  iterate_for(20);
  g_assert_cmpint(received.n_calls, ==, 1);
  g_assert_cmpfloat(received.fraction, ==, 0.99);
  g_assert_null(received.text);

  /* The next one waits out the interval, then brings the newest value again. */
  cs_progress_relay_post(relay, 0.5, "half");
  cs_progress_relay_post(relay, 0.75, "three quarters");
  iterate_until_calls(&received, 2);
  g_assert_cmpint(received.n_calls, ==, 2);
  g_assert_cmpfloat(received.fraction, ==, 0.75);
  g_assert_cmpstr(received.text, ==, "three quarters");
  gap = received.called_at[1] - received.called_at[0];
  g_assert_cmpint(gap, >=, G_USEC_PER_SEC / CS_PROGRESS_RELAY_RATE - 5 * G_TIME_SPAN_MILLISECOND);

  /* Fractions are clamped to [0, 1]. */
  cs_progress_relay_post(relay, 7, NULL);
  iterate_until_calls(&received, 3);
  g_assert_cmpfloat(received.fraction, ==, 1);
  cs_progress_relay_post(relay, -1, NULL);
  iterate_until_calls(&received, 4);
  g_assert_cmpfloat(received.fraction, ==, 0);
  g_assert_cmpint(received.n_calls, ==, 4);

  cs_progress_relay_close(relay);
  g_assert_finalize_object(g_steal_pointer(&relay));
  received_clear(&received);
}

static void
test_no_callback_after_close(void)
{
  Received received = { 0 };
  CsProgressRelay *relay = cs_progress_relay_new(NULL, received_cb, &received, received_destroy);
  Worker worker = { NULL, 0, FALSE, FALSE };
  GThread *thread;

  /* A queued delivery is dropped, and posts after the close are ignored. */
  cs_progress_relay_post(relay, 0.25, "queued");
  cs_progress_relay_close(relay);
  g_assert_cmpint(received.n_destroyed, ==, 1);
  cs_progress_relay_post(relay, 0.5, "late");
  iterate_for(2 * 1000 / CS_PROGRESS_RELAY_RATE);
  g_assert_cmpint(received.n_calls, ==, 0);
  cs_progress_relay_close(relay);
  g_assert_cmpint(received.n_destroyed, ==, 1);
  g_assert_finalize_object(relay);

  /* A worker still posting while its owner closes the relay: nothing arrives after the close,
   * and the relay lives on for the worker alone until it stops. */
  received.n_destroyed = 0;
  relay = cs_progress_relay_new(NULL, received_cb, &received, received_destroy);
  worker.relay = g_object_ref(relay);
  thread = g_thread_new("post-worker", cancel_worker, &worker);
  while (received.n_calls < 2)
    g_main_context_iteration(NULL, TRUE);
  cs_progress_relay_close(relay);
  g_clear_object(&relay);
  received.n_calls = 0;
  iterate_for(3 * 1000 / CS_PROGRESS_RELAY_RATE);
  g_assert_false(g_atomic_int_get(&worker.finished));
  cs_progress_relay_cancel(worker.relay);
  g_thread_join(thread);
  iterate_for(2 * 1000 / CS_PROGRESS_RELAY_RATE);
  g_assert_cmpint(received.n_calls, ==, 0);
  g_assert_cmpint(received.n_destroyed, ==, 1);
  g_assert_finalize_object(worker.relay);
  received_clear(&received);
}

static void
test_cancel(void)
{
  Received received = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new();
  g_autoptr(CsProgressRelay) relay = cs_progress_relay_new(NULL, received_cb, &received, NULL);
  g_autoptr(CsProgressRelay) shared =
      cs_progress_relay_new(cancellable, received_cb, &received, NULL);
  Worker worker = { relay, 0, FALSE, FALSE };
  GThread *thread;

  /* The relay makes a cancellable when it is given none, and keeps the one it is given. */
  g_assert_true(G_IS_CANCELLABLE(cs_progress_relay_get_cancellable(relay)));
  g_assert_true(cs_progress_relay_get_cancellable(shared) == cancellable);
  cs_progress_relay_cancel(shared);
  g_assert_true(g_cancellable_is_cancelled(cancellable));
  g_assert_true(cs_progress_relay_is_cancelled(shared));

  /* Cancelled from the main thread while the worker runs: the worker sees it and stops. */
  thread = g_thread_new("cancel-worker", cancel_worker, &worker);
  while (received.n_calls < 1)
    g_main_context_iteration(NULL, TRUE);
  g_assert_false(g_atomic_int_get(&worker.finished));
  cs_progress_relay_cancel(relay);
  iterate_until(&worker.finished);
  g_thread_join(thread);
  g_assert_true(g_cancellable_is_cancelled(cs_progress_relay_get_cancellable(relay)));

  /* Closing a relay does not cancel, and cancelling does not close. */
  cs_progress_relay_close(relay);
  cs_progress_relay_close(shared);
  g_assert_finalize_object(g_steal_pointer(&relay));
  g_assert_finalize_object(g_steal_pointer(&shared));
  received_clear(&received);
}

static void
test_post_cb(void)
{
  Received received = { 0 };
  g_autoptr(CsProgressRelay) relay = cs_progress_relay_new(NULL, received_cb, &received, NULL);
  CsProgressRelayFunc post = cs_progress_relay_post_cb;

  post(0.4, "through the callback", relay);
  iterate_until_calls(&received, 1);
  g_assert_cmpint(received.n_calls, ==, 1);
  g_assert_cmpfloat(received.fraction, ==, 0.4);
  g_assert_cmpstr(received.text, ==, "through the callback");
  cs_progress_relay_close(relay);
  received_clear(&received);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/core/progress-relay/delivery-from-thread", test_delivery_from_thread);
  g_test_add_func("/core/progress-relay/coalesce-and-rate", test_coalesce_and_rate);
  g_test_add_func("/core/progress-relay/no-callback-after-close", test_no_callback_after_close);
  g_test_add_func("/core/progress-relay/cancel", test_cancel);
  g_test_add_func("/core/progress-relay/post-cb", test_post_cb);
  return g_test_run();
}
