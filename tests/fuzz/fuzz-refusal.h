/* fuzz-refusal.h — what every harness asks of a refusal: one message
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* Aborts unless @error holds a message (on one line when @one_line), then frees it. */
static inline void
fuzz_check_refusal(GError *error, gboolean one_line)
{
  if (error == NULL || error->message[0] == '\0' ||
      (one_line && strchr(error->message, '\n') != NULL))
    abort();
  g_error_free(error);
}
