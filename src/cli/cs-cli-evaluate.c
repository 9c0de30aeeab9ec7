/* cs-cli-evaluate.c — carpalscope-cli evaluate
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

int
cs_cli_evaluate(int argc, char **argv)
{
  return cs_cli_not_available("evaluate", "the evaluation statistics (issue #6)");
}
