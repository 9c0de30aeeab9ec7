/* cs-cli-phantom-study.c — carpalscope-cli phantom-study
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

int
cs_cli_phantom_study(int argc, char **argv)
{
  return cs_cli_not_available("phantom-study", "the phantom generator (issue #4)");
}
