/* cli-run.h — run carpalscope-cli from a test and collect what it printed
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

typedef struct {
  int status; /* The exit status, or -1 when the process did not exit normally. */
  char *out;  /* Everything it wrote on stdout. */
  char *err;  /* Everything it wrote on stderr. */
} CliResult;

/* Runs carpalscope-cli with the NULL-terminated arguments (the binary comes from
 * $CARPALSCOPE_CLI). */
CliResult cli_run(const char *first_arg, ...) G_GNUC_NULL_TERMINATED;

/* Runs carpalscope-cli with @args (NULL-terminated, without the program itself). */
CliResult cli_runv(const char *const *args);

/* Frees what cli_run() returned. */
void cli_result_clear(CliResult *result);
