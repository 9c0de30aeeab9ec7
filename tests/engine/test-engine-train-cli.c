/* test-engine-train-cli.c — carpalscope-cli train, run as a user runs it
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A tiny phantom study (3 hands per group, 2 frames each) and one epoch of SqueezeNet at a 32
 * pixel input: the checkpoint must exist, load, and carry the provenance (the study's SHA-256,
 * the command, seed, epochs, the phantom wording of trained_on). Bad options exit with 2.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "csnn-net.h"
#include "csnn-safetensors.h"

static int
run(const char *const *argv, char **err)
{
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                             NULL, err, &wait_status, &error));
  g_assert_no_error(error);
  g_assert_true(WIFEXITED(wait_status));
  return WEXITSTATUS(wait_status);
}

static void
test_train_cli(void)
{
  const char *cli = g_getenv("CARPALSCOPE_CLI");
  g_autofree char *dir = NULL, *study = NULL, *out = NULL, *err = NULL, *json = NULL;
  g_autofree char *hash = NULL;
  gsize len = 0;
  csnn_safetensors *st;
  csnn_net *net;

  if (cli == NULL || !g_file_test(cli, G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip("CARPALSCOPE_CLI does not name the built carpalscope-cli");
    return;
  }
  dir = g_dir_make_tmp("carpalscope-train-XXXXXX", NULL);
  g_assert_nonnull(dir);
  study = g_build_filename(dir, "study.json", NULL);
  out = g_build_filename(dir, "model.safetensors", NULL);
  {
    const char *argv[] = { cli,
                           "phantom-study",
                           "--hands-per-group",
                           "3",
                           "--frames",
                           "2",
                           "--test-per-group",
                           "1",
                           "--seed",
                           "4",
                           "--threads",
                           "1",
                           "--out",
                           dir,
                           "--quiet",
                           NULL };
    g_assert_cmpint(run(argv, &err), ==, 0);
    g_clear_pointer(&err, g_free);
  }
  {
    const char *argv[] = { cli,
                           "train",
                           "--study",
                           study,
                           "--arch",
                           "squeezenet1_1",
                           "--input-size",
                           "32",
                           "--epochs",
                           "1",
                           "--batch",
                           "2",
                           "--val-hands",
                           "1",
                           "--seed",
                           "9",
                           "--threads",
                           "1",
                           "--out",
                           out,
                           NULL };
    int status = run(argv, &err);
    if (status != 0)
      g_error("train failed: %s", err);
    g_assert_nonnull(strstr(err, "epoch 1/1"));
  }
  g_assert_cmpint(csnn_safetensors_open(out, &st), ==, CSNN_OK);
  g_assert_cmpstr(csnn_safetensors_metadata(st, "arch"), ==, "squeezenet1_1");
  g_assert_cmpstr(csnn_safetensors_metadata(st, "input_size"), ==, "32");
  g_assert_cmpstr(csnn_safetensors_metadata(st, "trained_on"), ==,
                  "synthetic phantom sweeps (demonstrator, not for patients)");
  g_assert_cmpstr(csnn_safetensors_metadata(st, "seed"), ==, "9");
  g_assert_cmpstr(csnn_safetensors_metadata(st, "epochs"), ==, "1");
  g_assert_cmpstr(csnn_safetensors_metadata(st, "best_epoch"), ==, "1");
  g_assert_cmpstr(csnn_safetensors_metadata(st, "train_hands"), ==, "2");
  g_assert_cmpstr(csnn_safetensors_metadata(st, "val_hands"), ==, "2");
  g_assert_nonnull(strstr(csnn_safetensors_metadata(st, "command"), "train --study"));
  g_assert_nonnull(strstr(csnn_safetensors_metadata(st, "provenance"), "\"seed\":9"));
  g_assert_true(g_file_get_contents(study, &json, &len, NULL));
  hash = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)json, len);
  g_assert_cmpstr(csnn_safetensors_metadata(st, "study_sha256"), ==, hash);
  csnn_safetensors_close(st);
  /* The checkpoint is a model the engine loads as it is. */
  g_assert_cmpint(csnn_net_load(out, NULL, &net), ==, CSNN_OK);
  g_assert_cmpint(csnn_net_input_size(net), ==, 32);
  csnn_net_free(net);

  {
    const char *argv[] = { cli, "train", "--study", study, "--arch", "squeezenet1_1", NULL };
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(run(argv, &err), ==, 2);
    g_assert_nonnull(strstr(err, "--out"));
  }
  {
    const char *argv[] = { cli,     "train", "--study",     study,     "--arch", "squeezenet1_1",
                           "--out", out,     "--optimizer", "rmsprop", NULL };
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(run(argv, &err), ==, 2);
    g_assert_nonnull(strstr(err, "sgdm or adam"));
  }
  {
    const char *argv[] = { cli,        "train", "--study", study,     "--arch",
                           "resnet50", "--out", out,       "--quiet", NULL };
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(run(argv, &err), ==, 1);
    g_assert_nonnull(strstr(err, "resnet50"));
  }
  {
    g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);
    g_assert_true(g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL));
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/train/cli", test_train_cli);
  return g_test_run();
}
