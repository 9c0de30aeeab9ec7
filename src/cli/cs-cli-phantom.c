/* cs-cli-phantom.c — carpalscope-cli phantom
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

int
cs_cli_phantom(int argc, char **argv)
{
  return cs_cli_not_available("phantom", "the phantom generator (issue #4)");
}
