/* cs-cli-train.c — carpalscope-cli train
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

int
cs_cli_train(int argc, char **argv)
{
  return cs_cli_not_available("train", "the trainer (issue #6)");
}
