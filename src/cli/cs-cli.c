/* cs-cli.c — carpalscope-cli: the command-line entry point and subcommand dispatch
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

const CsCliCommand *cs_cli_commands(gsize *n_commands);

static void
print_help(void)
{
  gsize n_commands = 0;
  const CsCliCommand *commands = cs_cli_commands(&n_commands);

  printf("Usage: carpalscope-cli COMMAND [OPTION...]\n\n"
         "Carpalscope %s: carpal tunnel syndrome from short-axis ultrasound of the median nerve,\n"
         "with the network's reasons shown. For research and teaching; not a medical device.\n\n"
         "Commands:\n",
         PACKAGE_VERSION);
  for (gsize i = 0; i < n_commands; i++)
    printf("  %-14s %s\n", commands[i].name, commands[i].summary);
  printf("\nOptions:\n"
         "  -h, --help     Show this help\n"
         "  --version      Show the version\n\n"
         "'carpalscope-cli COMMAND --help' shows a command's options.\n"
         "Exit status: 0 success, 1 runtime error, 2 bad usage.\n");
}

static int
usage_error(const char *message)
{
  fprintf(stderr, "carpalscope-cli: %s", message);
  fprintf(stderr, "\nUsage: carpalscope-cli COMMAND [OPTION...] (see carpalscope-cli --help)\n");
  return CS_CLI_USAGE;
}

int
main(int argc, char **argv)
{
  const CsCliCommand *command;
  g_autofree char *prgname = NULL;

  setlocale(LC_ALL, "");
  /* Numbers in JSON and CSV output must use a decimal point whatever the user's locale. */
  setlocale(LC_NUMERIC, "C");

  if (argc < 2)
    return usage_error("no command given");

  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    print_help();
    return CS_CLI_OK;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("carpalscope-cli %s\n", PACKAGE_VERSION);
    return CS_CLI_OK;
  }
  if (argv[1][0] == '-') {
    g_autofree char *message = g_strdup_printf("unknown option '%s'", argv[1]);

    return usage_error(message);
  }

  command = cs_cli_find_command(argv[1]);
  if (command == NULL) {
    g_autofree char *message = g_strdup_printf("unknown command '%s'", argv[1]);

    return usage_error(message);
  }

  prgname = g_strdup_printf("carpalscope-cli %s", command->name);
  g_set_prgname(prgname);
  argv[1] = prgname;
  return command->run(argc - 1, argv + 1);
}
