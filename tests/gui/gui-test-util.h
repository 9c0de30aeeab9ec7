/* gui-test-util.h — what the tests that drive the real window share
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

/* Runs the main context until @done says so or @seconds pass; returns what @done said last. */
gboolean gui_test_iterate_until(gboolean (*done)(gpointer), gpointer data, double seconds);
