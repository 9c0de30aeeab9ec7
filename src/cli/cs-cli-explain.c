/* cs-cli-explain.c — carpalscope-cli explain
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

int
cs_cli_explain(int argc, char **argv)
{
  return cs_cli_not_available("explain", "the explanation layer (issue #5)");
}
