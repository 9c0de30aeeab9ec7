/* csnn-status.c — status codes and per-thread error messages of the engine
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "csnn.h"

#include <stdarg.h>
#include <stdio.h>

/* One message per thread: a worker's failure must not overwrite the main thread's message. */
static _Thread_local char last_error[512];

const char *
csnn_status_string(int status)
{
  switch (status) {
    case CSNN_OK:
      return "success";
    case CSNN_ERR_INVALID:
      return "invalid argument";
    case CSNN_ERR_NOMEM:
      return "out of memory";
    case CSNN_ERR_IO:
      return "input/output error";
    case CSNN_ERR_FORMAT:
      return "malformed file";
    case CSNN_ERR_UNSUPPORTED:
      return "not supported";
    case CSNN_ERR_CANCELLED:
      return "cancelled";
    default:
      return "unknown error";
  }
}

const char *
csnn_last_error(void)
{
  return last_error;
}

int
csnn_set_error(int status, const char *format, ...)
{
  va_list args;

  va_start(args, format);
  vsnprintf(last_error, sizeof last_error, format, args);
  va_end(args);
  return status;
}

void
csnn_clear_error(void)
{
  last_error[0] = '\0';
}
