/* cs-cli-report.c — carpalscope-cli report
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

int
cs_cli_report(int argc, char **argv)
{
  return cs_cli_not_available("report", "the report layer (issue #8)");
}
