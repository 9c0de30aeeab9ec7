/* test-model.c — the seeded random models the tests make for themselves
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "test-model.h"

void
test_model_make(const char *make_model, const char *path, int input_size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *size = input_size > 0 ? g_strdup_printf("%d", input_size) : NULL;
  const char *argv[] = { make_model, "squeezenet1_1", path, size, NULL };
  int status = 0;

  g_assert_nonnull(make_model);
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                             &status, &error));
  g_assert_no_error(error);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
}
