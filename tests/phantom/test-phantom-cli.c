/* test-phantom-cli.c — carpalscope-cli phantom and phantom-study: usage errors and a small run
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "../cli/cli-run.h"

#include <glib/gstdio.h>
#include <string.h>

/* Each bad invocation exits 2 with one line naming the problem and the usage line. */
static void
test_usage_errors(void)
{
  static const struct {
    const char *args[12];
    const char *says;
  } cases[] = {
    { { "phantom", "--seed", "1", "--out", "x.mkv", NULL }, "--group is required" },
    { { "phantom", "--group", "flu", "--seed", "1", "--out", "x.mkv", NULL }, "group 'flu'" },
    { { "phantom", "--group", "cts", "--out", "x.mkv", NULL }, "--seed is required" },
    { { "phantom", "--group", "cts", "--seed", "-3", "--out", "x.mkv", NULL }, "--seed '-3'" },
    { { "phantom", "--group", "cts", "--seed", "1", NULL }, "--out is required" },
    { { "phantom", "--group", "cts", "--seed", "1", "--frames", "0", "--out", "x.mkv", NULL },
      "frames 0" },
    { { "phantom", "--group", "cts", "--seed", "1", "--format", "avi", "--out", "x.mkv", NULL },
      "format 'avi'" },
    { { "phantom", "--group", "cts", "--seed", "1", "--size", "601x450", "--out", "x.mkv", NULL },
      "width 601" },
    { { "phantom", "--group", "cts", "--seed", "1", "--out", "x.mkv", "extra", NULL },
      "unexpected argument" },
    { { "phantom-study", "--out", "d", NULL }, "--seed is required" },
    { { "phantom-study", "--seed", "1", NULL }, "--out is required" },
    { { "phantom-study", "--seed", "1", "--out", "d", "--hands-per-group", "0", NULL },
      "hands per group 0" },
    { { "phantom-study", "--seed", "1", "--out", "d", "--hands-per-group", "5", "--test-per-group",
        "6", NULL },
      "test hands per group 6" },
    { { "phantom", "--group", "cts", "--seed", "1", "--preset", "b-mode", "--out", "x.mkv", NULL },
      "preset 'b-mode': must be one of default, " },
    { { "phantom-study", "--seed", "1", "--out", "d", "--preset", "capture", "--random-presets",
        "2", NULL },
      "exclude each other" },
    { { "phantom-study", "--seed", "1", "--out", "d", "--presets", "capture", NULL },
      "--presets needs --random-presets" },
    { { "phantom-study", "--seed", "1", "--out", "d", "--random-presets", "2", "--presets",
        "capture,capture", NULL },
      "preset 'capture' is named twice" },
    { { "phantom-study", "--seed", "1", "--out", "d", "--random-presets", "x", NULL },
      "--random-presets 'x'" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    CliResult r = cli_runv(cases[i].args);

    g_test_message("%s ... -> %d: %s", cases[i].args[0], r.status, r.err);
    g_assert_cmpint(r.status, ==, 2);
    g_assert_nonnull(strstr(r.err, cases[i].says));
    g_assert_nonnull(strstr(r.err, "Usage: carpalscope-cli"));
    cli_result_clear(&r);
  }
}

static void
remove_tree(const char *path)
{
  GDir *dir;
  const char *name;

  if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_unlink(path);
    return;
  }
  dir = g_dir_open(path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
    g_autofree char *child = g_build_filename(path, name, NULL);

    remove_tree(child);
  }
  if (dir != NULL)
    g_dir_close(dir);
  g_rmdir(path);
}

static void
test_runs(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("phantom-cli-XXXXXX", &error);
  g_autofree char *sweep = g_build_filename(dir, "hand.mkv", NULL);
  g_autofree char *truth = g_build_filename(dir, "hand.truth.json", NULL);
  g_autofree char *missing = g_build_filename(dir, "no", "such", "hand.mkv", NULL);
  g_autofree char *study_dir = g_build_filename(dir, "study", NULL);
  g_autofree char *study = g_build_filename(study_dir, "study.json", NULL);
  CliResult r;

  g_assert_no_error(error);
  r = cli_run("phantom", "--group", "control", "--seed", "12", "--frames", "2", "--size", "160x120",
              "--out", sweep, NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "2 frames of 160 x 120 px, control, seed 12"));
  g_assert_true(g_file_test(sweep, G_FILE_TEST_IS_REGULAR));
  g_assert_true(g_file_test(truth, G_FILE_TEST_IS_REGULAR));
  cli_result_clear(&r);

  /* A runtime failure exits 1 with one line naming the file. */
  r = cli_run("phantom", "--group", "cts", "--seed", "1", "--frames", "1", "--out", missing, NULL);
  g_assert_cmpint(r.status, ==, 1);
  g_assert_nonnull(strstr(r.err, "hand.mkv"));
  g_assert_null(strchr(strchr(r.err, '\n') + 1, '\n'));
  cli_result_clear(&r);

  r = cli_run("phantom-study", "--hands-per-group", "2", "--test-per-group", "1", "--frames", "2",
              "--seed", "5", "--quiet", "--out", study_dir, NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_true(g_file_test(study, G_FILE_TEST_IS_REGULAR));
  cli_result_clear(&r);

  /* The presets: listed, and one hand's sweep at the preset's frame size. */
  r = cli_run("phantom", "--preset", "list", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "capture"));
  g_assert_nonnull(strstr(r.out, "low-frequency"));
  cli_result_clear(&r);
  r = cli_run("phantom", "--group", "cts", "--seed", "3", "--frames", "1", "--preset", "portable",
              "--out", sweep, NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "1 frames of 480 x 360 px, cts, seed 3"));
  g_assert_nonnull(strstr(r.out, "preset portable"));
  cli_result_clear(&r);
  {
    g_autofree char *text = NULL;

    g_assert_true(g_file_get_contents(truth, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "\"preset\":\"portable\""));
  }
  remove_tree(study_dir);
  r = cli_run("phantom-study", "--hands-per-group", "3", "--test-per-group", "1", "--frames", "1",
              "--seed", "5", "--random-presets", "9", "--presets", "portable,low-frequency",
              "--quiet", "--out", study_dir, NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_true(g_file_test(study, G_FILE_TEST_IS_REGULAR));
  cli_result_clear(&r);

  remove_tree(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/phantom/cli/usage-errors", test_usage_errors);
  g_test_add_func("/phantom/cli/runs", test_runs);
  return g_test_run();
}
