/* test-files.c — the files and folders the tests make for themselves
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "test-files.h"

#include <glib/gstdio.h>

static void
remove_under(const char *path)
{
  g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
    g_autofree char *child = g_build_filename(path, name, NULL);

    if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK)) {
      remove_under(child);
      g_rmdir(child);
    } else {
      g_unlink(child);
    }
  }
}

void
test_remove_tree(const char *path)
{
  g_assert_nonnull(path);
  remove_under(path);
  g_rmdir(path);
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}
