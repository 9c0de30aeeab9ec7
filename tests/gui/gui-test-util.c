/* gui-test-util.c — what the tests that drive the real window share
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gui-test-util.h"

gboolean
gui_test_iterate_until(gboolean (*done)(gpointer), gpointer data, double seconds)
{
  gint64 end = g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);

  while (!done(data)) {
    if (g_get_monotonic_time() > end)
      return FALSE;
    g_main_context_iteration(NULL, FALSE);
    g_usleep(1000);
  }
  return TRUE;
}
