/* test-engine-status.c — engine status codes and per-thread error messages
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "csnn.h"

static void
test_message_kept(void)
{
  csnn_clear_error();
  g_assert_cmpstr(csnn_last_error(), ==, "");
  g_assert_cmpint(csnn_set_error(CSNN_ERR_FORMAT, "tensor %s: %d bytes", "fc.weight", 12), ==,
                  CSNN_ERR_FORMAT);
  g_assert_cmpstr(csnn_last_error(), ==, "tensor fc.weight: 12 bytes");
  csnn_clear_error();
  g_assert_cmpstr(csnn_last_error(), ==, "");
}

static void
test_message_truncated(void)
{
  char long_name[2000];

  memset(long_name, 'x', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  csnn_set_error(CSNN_ERR_INVALID, "%s", long_name);
  g_assert_cmpuint(strlen(csnn_last_error()), <, sizeof long_name);
  g_assert_cmpuint(strlen(csnn_last_error()), >, 100);
}

static gpointer
other_thread_worker(gpointer data)
{
  csnn_set_error(CSNN_ERR_IO, "from the worker");
  return g_strdup(csnn_last_error());
}

static void
test_message_per_thread(void)
{
  GThread *thread;
  char *theirs;

  csnn_set_error(CSNN_ERR_NOMEM, "from the main thread");
  thread = g_thread_new("worker", other_thread_worker, NULL);
  theirs = g_thread_join(thread);
  g_assert_cmpstr(theirs, ==, "from the worker");
  g_assert_cmpstr(csnn_last_error(), ==, "from the main thread");
  g_free(theirs);
}

static void
test_status_strings(void)
{
  const int codes[] = { CSNN_OK,         CSNN_ERR_INVALID,     CSNN_ERR_NOMEM,    CSNN_ERR_IO,
                        CSNN_ERR_FORMAT, CSNN_ERR_UNSUPPORTED, CSNN_ERR_CANCELLED };

  for (gsize i = 0; i < G_N_ELEMENTS(codes); i++) {
    g_assert_nonnull(csnn_status_string(codes[i]));
    g_assert_cmpstr(csnn_status_string(codes[i]), !=, "unknown error");
    for (gsize j = 0; j < i; j++)
      g_assert_cmpstr(csnn_status_string(codes[i]), !=, csnn_status_string(codes[j]));
  }
  g_assert_cmpstr(csnn_status_string(12345), ==, "unknown error");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/status/message-kept", test_message_kept);
  g_test_add_func("/engine/status/message-truncated", test_message_truncated);
  g_test_add_func("/engine/status/message-per-thread", test_message_per_thread);
  g_test_add_func("/engine/status/strings", test_status_strings);
  return g_test_run();
}
