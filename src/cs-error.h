/* cs-error.h — the error domain of the Carpalscope core
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The GError domain of every core-library error. */
#define CS_ERROR (cs_error_quark())

typedef enum {
  CS_ERROR_FAILED,         /* Anything not covered below. */
  CS_ERROR_INVALID,        /* A file or value is malformed: the message says where. */
  CS_ERROR_UNSUPPORTED,    /* Well formed, but not something Carpalscope can use. */
  CS_ERROR_NOT_FOUND,      /* A file, case, frame or model does not exist. */
  CS_ERROR_IO,             /* Reading or writing failed. */
  CS_ERROR_TOO_LARGE,      /* A size limit protecting memory was exceeded. */
  CS_ERROR_CANCELLED,      /* The user cancelled. */
  CS_ERROR_ENGINE,         /* The CNN engine reported an error. */
  CS_ERROR_NEWER_VERSION,  /* A file written by a newer Carpalscope. */
  CS_ERROR_LOCKED,         /* A study is open for editing elsewhere (its lock file names where). */
  CS_ERROR_CHANGED_ON_DISK /* A study's file changed since it was loaded or saved: not saved. */
} CsError;

/* Returns the quark of CS_ERROR. */
GQuark cs_error_quark(void);

G_END_DECLS
