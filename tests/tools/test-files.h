/* test-files.h — the files and folders the tests make for themselves
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

/* Removes @path and everything under it (symbolic links themselves, not what they point to);
 * asserts that it is gone. */
void test_remove_tree(const char *path);
