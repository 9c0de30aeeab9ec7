/* cli-run.c — run carpalscope-cli from a test and collect what it printed
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli-run.h"

#include <stdarg.h>

CliResult
cli_runv(const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GError) error = NULL;
  const char *cli = g_getenv("CARPALSCOPE_CLI");
  CliResult result = { -1, NULL, NULL };
  int wait_status = 0;

  g_assert_nonnull(cli);
  g_ptr_array_add(argv, (gpointer)cli);
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add(argv, (gpointer)args[i]);
  g_ptr_array_add(argv, NULL);

  g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &result.out,
               &result.err, &wait_status, &error);
  g_assert_no_error(error);
  if (WIFEXITED(wait_status))
    result.status = WEXITSTATUS(wait_status);
  return result;
}

CliResult
cli_run(const char *first_arg, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new();
  va_list ap;

  va_start(ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg(ap, const char *))
    g_ptr_array_add(args, (gpointer)arg);
  va_end(ap);
  g_ptr_array_add(args, NULL);
  return cli_runv((const char *const *)args->pdata);
}

void
cli_result_clear(CliResult *result)
{
  g_clear_pointer(&result->out, g_free);
  g_clear_pointer(&result->err, g_free);
}
