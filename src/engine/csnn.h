/* csnn.h — the Carpalscope CNN engine
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plain C11 on libm, pthreads and OpenBLAS: no GLib. Every function that can fail returns a
 * csnn_status and leaves a message for csnn_last_error(); nothing in the engine exits or aborts
 * on bad input.
 */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes of every fallible engine call. */
typedef enum {
  CSNN_OK = 0,
  CSNN_ERR_INVALID = -1,     /* A bad argument or shape. */
  CSNN_ERR_NOMEM = -2,       /* An allocation failed or a size limit was hit. */
  CSNN_ERR_IO = -3,          /* A file could not be read or written. */
  CSNN_ERR_FORMAT = -4,      /* A weight file is malformed. */
  CSNN_ERR_UNSUPPORTED = -5, /* Well formed, but not supported. */
  CSNN_ERR_CANCELLED = -6    /* The caller's should_abort callback said stop. */
} csnn_status;

/* Returns a constant English name for @status. */
const char *csnn_status_string(int status);

/* Returns the calling thread's last error message ("" when none). */
const char *csnn_last_error(void);

/* Records a printf-style message as the calling thread's last error and returns @status. */
int csnn_set_error(int status, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Clears the calling thread's last error message. */
void csnn_clear_error(void);

#ifdef __cplusplus
}
#endif
