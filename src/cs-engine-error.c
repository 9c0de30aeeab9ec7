/* cs-engine-error.c — engine statuses as CS_ERROR errors
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-engine-error.h"

#include "csnn.h"

gboolean
cs_error_from_engine(GError **error, int status, const char *what)
{
  const char *message = csnn_last_error();
  int code = CS_ERROR_ENGINE;

  if (status == CSNN_ERR_NOMEM)
    code = CS_ERROR_TOO_LARGE;
  else if (status == CSNN_ERR_IO)
    code = CS_ERROR_IO;
  else if (status == CSNN_ERR_FORMAT)
    code = CS_ERROR_INVALID;
  else if (status == CSNN_ERR_CANCELLED)
    code = CS_ERROR_CANCELLED;

  if (what != NULL)
    g_set_error(error, CS_ERROR, code, "%s: %s", what,
                message[0] ? message : csnn_status_string(status));
  else
    g_set_error_literal(error, CS_ERROR, code, message[0] ? message : csnn_status_string(status));
  return FALSE;
}
