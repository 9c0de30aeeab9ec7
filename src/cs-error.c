/* cs-error.c — the error domain of the Carpalscope core
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-error.h"

GQuark
cs_error_quark(void)
{
  return g_quark_from_static_string("carpalscope-error-quark");
}
