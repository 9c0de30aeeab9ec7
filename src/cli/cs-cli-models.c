/* cs-cli-models.c — carpalscope-cli models
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

int
cs_cli_models(int argc, char **argv)
{
  return cs_cli_not_available("models", "the CNN engine (issue #3)");
}
