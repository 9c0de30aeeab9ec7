/* test-realdata.c — finding ../shared/realdata for the tests that use it
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "test-realdata.h"

char *
test_realdata_path(const char *relative, GFileTest kind)
{
  const char *root = g_getenv("CARPALSCOPE_REALDATA");
  char *path;

  if (root == NULL) {
    g_test_skip("CARPALSCOPE_REALDATA is not set");
    return NULL;
  }
  path = g_build_filename(root, relative, NULL);
  if (!g_file_test(path, kind)) {
    g_test_skip_printf("no real data at %s", path);
    g_free(path);
    return NULL;
  }
  return path;
}
