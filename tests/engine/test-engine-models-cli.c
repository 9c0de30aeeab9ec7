/* test-engine-models-cli.c — carpalscope-cli models, run as a user runs it
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "csnn-models.h"

/* Runs the CLI with CARPALSCOPE_MODELSDIR=@dir; returns its exit status. */
static int
run_models(const char *dir, const char *option, char **out, char **err)
{
  const char *cli = g_getenv("CARPALSCOPE_CLI");
  const char *argv[] = { cli, "models", option, NULL };
  g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "CARPALSCOPE_MODELSDIR", dir, TRUE);
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  g_assert_true(g_spawn_sync(NULL, (char **)argv, envp, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                             &wait_status, &error));
  g_assert_no_error(error);
  g_assert_true(WIFEXITED(wait_status));
  return WEXITSTATUS(wait_status);
}

static gboolean
have_cli(void)
{
  const char *cli = g_getenv("CARPALSCOPE_CLI");

  if (cli != NULL && g_file_test(cli, G_FILE_TEST_IS_EXECUTABLE))
    return TRUE;
  g_test_skip("CARPALSCOPE_CLI does not name the built carpalscope-cli");
  return FALSE;
}

static void
test_empty(void)
{
  g_autofree char *dir = g_dir_make_tmp("csnn-cli-models-XXXXXX", NULL);
  g_autofree char *out = NULL, *err = NULL, *json_out = NULL, *json_err = NULL;

  if (!have_cli())
    return;
  g_assert_cmpint(run_models(dir, NULL, &out, &err), ==, 0);
  g_assert_cmpint(run_models(dir, "--json", &json_out, &json_err), ==, 0);
  /* The build tree's, the per-user or the installed folder may hold models; only without them
   * is the listing empty, and then the JSON Lines are empty too. */
  if (json_out[0] == '\0') {
    g_assert_true(g_str_has_prefix(out, "No models installed. Searched: "));
    g_assert_nonnull(strstr(out, dir));
    g_assert_cmpstr(json_out, ==, "");
    g_assert_true(g_str_has_prefix(json_err, "No models installed."));
  } else
    g_assert_false(g_str_has_prefix(out, "No models installed."));
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void
test_listed(void)
{
  g_autofree char *dir = g_dir_make_tmp("csnn-cli-models-XXXXXX", NULL);
  g_autofree char *good = g_build_filename(dir, "zz-cli-demo.safetensors", NULL);
  g_autofree char *bad = g_build_filename(dir, "zz-cli-broken.safetensors", NULL);
  g_autofree char *out = NULL, *err = NULL, *json_out = NULL, *json_err = NULL;
  g_autofree char *sha_line = NULL, *sha_json = NULL;
  float weights[6] = { 1, 2, 3, 4, 5, 6 };
  const csnn_st_tensor tensor = { "classifier.1.weight", 2, { 2, 3 }, weights };
  const char *metadata[] = { CSNN_META_ARCH,
                             "mobilenet_v2",
                             CSNN_META_CLASSES,
                             "control,cts",
                             CSNN_META_TRAINED_ON,
                             "synthetic phantom sweeps, seed 7",
                             NULL };
  csnn_safetensors *st = NULL;

  if (!have_cli())
    return;
  g_assert_cmpint(csnn_safetensors_save(good, &tensor, 1, metadata), ==, CSNN_OK);
  g_assert_true(g_file_set_contents(bad, "\x09\0\0\0\0\0\0\0{}", 10, NULL));
  g_assert_cmpint(csnn_safetensors_open(good, &st), ==, CSNN_OK);
  sha_line = g_strndup(csnn_safetensors_sha256(st), 12);
  sha_json = g_strdup_printf("\"sha256\":\"%s\"", csnn_safetensors_sha256(st));
  csnn_safetensors_close(st);

  g_assert_cmpint(run_models(dir, NULL, &out, &err), ==, 0);
  g_test_message("%s", out);
  g_assert_nonnull(strstr(out, "\nzz-cli-demo\n"));
  g_assert_nonnull(strstr(out, "mobilenet_v2"));
  g_assert_nonnull(strstr(out, "0 = control, 1 = cts"));
  g_assert_nonnull(strstr(out, "synthetic phantom sweeps, seed 7"));
  g_assert_nonnull(strstr(out, sha_line));
  g_assert_nonnull(strstr(out, good));
  /* A broken file is listed with its error; the others are still shown. */
  g_assert_nonnull(strstr(out, "\nzz-cli-broken\n"));
  g_assert_nonnull(strstr(out, "header"));

  g_assert_cmpint(run_models(dir, "--json", &json_out, &json_err), ==, 0);
  g_test_message("%s", json_out);
  g_assert_nonnull(strstr(json_out, "{\"id\":\"zz-cli-demo\""));
  g_assert_nonnull(strstr(json_out, "\"arch\":\"mobilenet_v2\""));
  g_assert_nonnull(strstr(json_out, "\"classes\":[\"control\",\"cts\"]"));
  g_assert_nonnull(strstr(json_out, sha_json));
  g_assert_nonnull(strstr(json_out, "{\"id\":\"zz-cli-broken\""));
  g_assert_nonnull(strstr(json_out, "\"error\":"));
  /* JSON Lines: one line per model, each an object. */
  {
    g_auto(GStrv) lines = g_strsplit(json_out, "\n", -1);
    guint n_ours = 0;

    for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
      g_assert_true(g_str_has_prefix(lines[i], "{") && g_str_has_suffix(lines[i], "}"));
      n_ours += strstr(lines[i], "\"zz-cli-") != NULL;
    }
    g_assert_cmpuint(n_ours, ==, 2);
  }

  g_assert_cmpint(g_remove(good), ==, 0);
  g_assert_cmpint(g_remove(bad), ==, 0);
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void
test_usage(void)
{
  g_autofree char *out = NULL, *err = NULL;

  if (!have_cli())
    return;
  g_assert_cmpint(run_models("/nonexistent", "--no-such-option", &out, &err), ==, 2);
  g_assert_nonnull(strstr(err, "carpalscope-cli models"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/models-cli/empty", test_empty);
  g_test_add_func("/engine/models-cli/listed", test_listed);
  g_test_add_func("/engine/models-cli/usage", test_usage);
  return g_test_run();
}
