/* cs-engine-error.h — engine statuses as CS_ERROR errors, for the layers that call the engine
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cs-error.h"

G_BEGIN_DECLS

/* Sets @error from the engine's last status and message; returns FALSE for chaining. */
gboolean cs_error_from_engine(GError **error, int status, const char *what);

G_END_DECLS
