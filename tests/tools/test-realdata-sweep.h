/* test-realdata-sweep.h — opening a real file of ../shared/realdata as a sweep, for the tests
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cs-sweep.h"

/* Opens $CARPALSCOPE_REALDATA/@relative as a sweep (asserting that it opens), or returns NULL with
 * the current test marked skipped when it is absent (test_realdata_path()). */
CsSweep *test_realdata_open_sweep(const char *relative);
