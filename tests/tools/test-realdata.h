/* test-realdata.h — finding ../shared/realdata for the tests that use it
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

/* Returns $CARPALSCOPE_REALDATA/@relative (free it) when it exists as @kind (a file or a folder),
 * or NULL with the current test marked skipped: a user's clone has no real data. */
char *test_realdata_path(const char *relative, GFileTest kind);
