/* cs-cli-bench.c — carpalscope-cli bench
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

int
cs_cli_bench(int argc, char **argv)
{
  return cs_cli_not_available("bench", "the CNN engine (issue #3)");
}
