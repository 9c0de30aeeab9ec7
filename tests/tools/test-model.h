/* test-model.h — the seeded random models the tests make for themselves
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

/* Writes to @path a SqueezeNet 1.1 with seeded random weights for @input_size px inputs (0: the
 * tool's default) with the make-test-model tool at @make_model; asserts that it worked. */
void test_model_make(const char *make_model, const char *path, int input_size);
