/* test-cli-contract.c — help, version and the exit statuses of the command-line contract
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli-run.h"

#include <string.h>

static const char *const subcommands[] = { "classify", "explain",   "phantom", "phantom-study",
                                           "train",    "train-seg", "segment", "evaluate",
                                           "report",   "models",    "bench" };

static void
test_help(void)
{
  CliResult r = cli_run("--help", NULL);

  g_assert_cmpint(r.status, ==, 0);
  g_assert_true(g_str_has_prefix(r.out, "Usage: carpalscope-cli COMMAND"));
  g_assert_nonnull(strstr(r.out, "not a medical device"));
  for (gsize i = 0; i < G_N_ELEMENTS(subcommands); i++) {
    g_autofree char *line = g_strdup_printf("\n  %s ", subcommands[i]);

    g_assert_nonnull(strstr(r.out, line));
  }
  g_assert_cmpstr(r.err, ==, "");
  cli_result_clear(&r);
}

static void
test_version(void)
{
  CliResult r = cli_run("--version", NULL);
  g_autoptr(GRegex) re = g_regex_new("^carpalscope-cli [0-9]+\\.[0-9]+\\.[0-9]+\n$", 0, 0, NULL);

  g_assert_cmpint(r.status, ==, 0);
  g_assert_true(g_regex_match(re, r.out, 0, NULL));
  cli_result_clear(&r);
}

static void
assert_usage_error(CliResult *r, const char *needle)
{
  g_assert_cmpint(r->status, ==, 2);
  g_assert_cmpstr(r->out, ==, "");
  g_assert_nonnull(strstr(r->err, needle));
  g_assert_nonnull(strstr(r->err, "Usage: carpalscope-cli"));
  cli_result_clear(r);
}

static void
test_usage_errors(void)
{
  const char *const no_args[] = { NULL };
  CliResult none = cli_runv(no_args);
  CliResult unknown = cli_run("frobnicate", NULL);
  CliResult bad_option = cli_run("--frobnicate", NULL);

  assert_usage_error(&none, "no command given");
  assert_usage_error(&unknown, "unknown command 'frobnicate'");
  assert_usage_error(&bad_option, "unknown option '--frobnicate'");
}

/* Every subcommand answers: exit 0 on success, 1 on a runtime error with one line on stderr, 2
 * on bad usage. A subcommand given an option it does not know must say so with exit 2. */
static void
test_subcommand_bad_option(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(subcommands); i++) {
    CliResult r = cli_run(subcommands[i], "--no-such-option-here", NULL);

    g_test_message("%s: exit %d: %s", subcommands[i], r.status, r.err);
    if (r.status == 1) {
      /* Not landed yet: one clear line, no output. */
      g_assert_nonnull(strstr(r.err, "has not landed yet"));
      g_assert_cmpstr(r.out, ==, "");
      cli_result_clear(&r);
      continue;
    }
    assert_usage_error(&r, "--no-such-option-here");
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/cli/help", test_help);
  g_test_add_func("/cli/version", test_version);
  g_test_add_func("/cli/usage-errors", test_usage_errors);
  g_test_add_func("/cli/subcommand-bad-option", test_subcommand_bad_option);
  return g_test_run();
}
