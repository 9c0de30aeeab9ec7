/* test-core-error.c — engine statuses become CS_ERROR errors with the engine's message
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-engine-error.h"
#include "csnn.h"

static void
test_from_engine(void)
{
  g_autoptr(GError) error = NULL;

  csnn_set_error(CSNN_ERR_FORMAT, "tensor features.0.weight: shape [3] expected [64,3,3,3]");
  g_assert_false(cs_error_from_engine(&error, CSNN_ERR_FORMAT, "model.safetensors"));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_cmpstr(error->message, ==,
                  "model.safetensors: tensor features.0.weight: shape [3] expected [64,3,3,3]");
}

static void
test_from_engine_without_message(void)
{
  g_autoptr(GError) error = NULL;

  csnn_clear_error();
  cs_error_from_engine(&error, CSNN_ERR_NOMEM, NULL);
  g_assert_error(error, CS_ERROR, CS_ERROR_TOO_LARGE);
  g_assert_cmpstr(error->message, ==, "out of memory");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/core/error/from-engine", test_from_engine);
  g_test_add_func("/core/error/from-engine-without-message", test_from_engine_without_message);
  return g_test_run();
}
