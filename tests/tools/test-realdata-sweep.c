/* test-realdata-sweep.c — opening a real file of ../shared/realdata as a sweep, for the tests
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "test-realdata-sweep.h"

#include "test-realdata.h"

CsSweep *
test_realdata_open_sweep(const char *relative)
{
  g_autofree char *path = test_realdata_path(relative, G_FILE_TEST_IS_REGULAR);
  g_autoptr(GError) error = NULL;
  CsSweep *sweep;

  if (path == NULL)
    return NULL;
  sweep = cs_sweep_open(path, &error);
  g_assert_no_error(error);
  return sweep;
}
