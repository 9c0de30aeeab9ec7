/* test-engine-classify-cli.c — carpalscope-cli classify end to end against PyTorch
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A 224 x 224 gray PNG through `carpalscope-cli classify --json` must give torch's logits for the
 * same image with DESIGN.md's preprocessing (x/255, three channels, ImageNet mean and std). The
 * models and torch's logits come from torch-reference.py, run once per build directory (the
 * PyTorch comparison test shares them); without torch the test skips.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "csnn-safetensors.h"

static char *ref_dir;
static gboolean have_reference;

static void
make_reference(void)
{
  const char *python = g_getenv("CARPALSCOPE_PYTHON");
  const char *srcdir = g_getenv("CARPALSCOPE_SRCDIR");
  const char *builddir = g_getenv("CARPALSCOPE_BUILDDIR");
  g_autofree char *script = NULL, *err = NULL;
  int wait_status = 0;
  const char *check[] = { python, "-c", "import torch, torchvision, PIL", NULL };

  if (python == NULL || srcdir == NULL || builddir == NULL || g_getenv("CARPALSCOPE_CLI") == NULL)
    return;
  script = g_build_filename(srcdir, "tests", "engine", "torch-reference.py", NULL);
  ref_dir = g_build_filename(builddir, "tests", "engine", "torch-reference", NULL);
  if (!g_spawn_sync(NULL, (char **)check, NULL,
                    G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                    &wait_status, NULL) ||
      !g_spawn_check_wait_status(wait_status, NULL))
    return;
  {
    const char *argv[] = { python, script, ref_dir, NULL };
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &wait_status, NULL));
    if (!g_spawn_check_wait_status(wait_status, NULL))
      g_error("torch-reference.py failed: %s", err);
  }
  have_reference = TRUE;
}

/* Runs the CLI with @args; returns its exit status and its output in *@out and *@err. */
static int
run_cli(const char *const *args, char **out, char **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  int wait_status = 0;

  g_ptr_array_add(argv, (gpointer)g_getenv("CARPALSCOPE_CLI"));
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add(argv, (gpointer)args[i]);
  g_ptr_array_add(argv, NULL);
  g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out,
                             err, &wait_status, NULL));
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
}

static void
test_png(gconstpointer data)
{
  const char *arch = data;
  g_autofree char *model = NULL, *cases = NULL, *png = NULL, *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  csnn_safetensors *st;
  float want[2];
  JsonObject *obj;
  JsonArray *logits;

  if (!have_reference) {
    g_test_skip("python3-torch, python3-torchvision or python3-pil is not installed");
    return;
  }
  model = g_strdup_printf("%s/%s.safetensors", ref_dir, arch);
  cases = g_strdup_printf("%s/%s-cases.safetensors", ref_dir, arch);
  png = g_build_filename(ref_dir, "gray.png", NULL);
  g_assert_cmpint(csnn_safetensors_open(cases, &st), ==, CSNN_OK);
  g_assert_cmpint(
      csnn_safetensors_read_f32(st, (size_t)csnn_safetensors_find(st, "png_logits"), want, 2), ==,
      CSNN_OK);
  csnn_safetensors_close(st);

  {
    const char *args[] = { "classify", "--model", model, "--json", png, NULL };
    int status = run_cli(args, &out, &err);
    if (status != 0)
      g_error("classify exited with %d: %s", status, err);
  }
  g_assert_true(json_parser_load_from_data(parser, out, -1, &error));
  g_assert_no_error(error);
  obj = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpstr(json_object_get_string_member(obj, "input"), ==, png);
  g_assert_cmpint(json_object_get_int_member(obj, "frame"), ==, 0);
  g_assert_cmpstr(json_object_get_string_member(obj, "model"), ==, arch);
  logits = json_object_get_array_member(obj, "logits");
  g_assert_cmpuint(json_array_get_length(logits), ==, 2);
  for (guint k = 0; k < 2; k++) {
    double ours = json_array_get_double_element(logits, k);
    g_assert_cmpfloat(fabs(ours - want[k]), <=, 1e-4 * fmax(1.0, fabs(want[k])));
  }
  {
    double p = 1.0 / (1.0 + exp(want[0] - want[1]));
    g_assert_cmpfloat_with_epsilon(json_object_get_double_member(obj, "p_cts"), p, 1e-4);
  }
}

static void
test_errors(void)
{
  g_autofree char *png = NULL, *model = NULL;

  if (!have_reference) {
    g_test_skip("python3-torch, python3-torchvision or python3-pil is not installed");
    return;
  }
  png = g_build_filename(ref_dir, "gray.png", NULL);
  model = g_strdup_printf("%s/squeezenet1_1.safetensors", ref_dir);
  {
    /* Bad usage exits with 2, a runtime error with 1, each with one line on stderr. */
    const char *bad_roi[] = { "classify", "--model", model, "--roi", "1,2,3", png, NULL };
    const char *bad_arch[] = { "classify", "--model", model, "--arch", "resnet50", png, NULL };
    const char *no_input[] = { "classify", "--model", model, NULL };
    const char *no_model[] = { "classify", "--model", "/nonexistent/x.safetensors", png, NULL };
    const char *not_image[] = { "classify", "--model", model, model, NULL };
    const char *wrong_arch[] = {
      "classify", "--model", model, "--arch", "mobilenet_v2", png, NULL
    };
    struct {
      const char *const *args;
      int status;
    } cases[] = { { bad_roi, 2 },  { bad_arch, 2 },  { no_input, 2 },
                  { no_model, 1 }, { not_image, 1 }, { wrong_arch, 1 } };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
      g_autofree char *out = NULL, *err = NULL;

      g_assert_cmpint(run_cli(cases[i].args, &out, &err), ==, cases[i].status);
      g_assert_cmpstr(out, ==, "");
      g_assert_true(strlen(err) > 10);
    }
  }
  {
    /* A region of the image is resampled to the input size and classified. */
    const char *roi[] = {
      "classify", "--model", model, "--roi", "10,20,100,80", "--json", png, NULL
    };
    g_autofree char *out = NULL, *err = NULL;

    g_assert_cmpint(run_cli(roi, &out, &err), ==, 0);
    g_assert_nonnull(strstr(out, "\"p_cts\""));
  }
}

static void
test_sweep(void)
{
  g_autofree char *model = NULL, *dir = NULL, *sweep = NULL, *out = NULL, *err = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  double sum = 0.0;

  if (!have_reference) {
    g_test_skip("python3-torch, python3-torchvision or python3-pil is not installed");
    return;
  }
  model = g_strdup_printf("%s/squeezenet1_1.safetensors", ref_dir);
  dir = g_dir_make_tmp("csnn-sweep-XXXXXX", &error);
  g_assert_no_error(error);
  sweep = g_build_filename(dir, "sweep.mkv", NULL);
  {
    const char *argv[] = {
      "ffmpeg",   "-v",      "error", "-y",
      "-f",       "lavfi",   "-i",    "testsrc=size=160x120:rate=10:duration=0.8",
      "-pix_fmt", "yuv420p", sweep,   NULL
    };
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                      &wait_status, NULL) ||
        !g_spawn_check_wait_status(wait_status, NULL)) {
      g_test_skip("ffmpeg could not make a test sweep");
      g_rmdir(dir);
      return;
    }
  }
  {
    /* A sweep needs a region. */
    const char *args[] = { "classify", "--model", model, sweep, NULL };
    g_autofree char *o = NULL, *e = NULL;
    g_assert_cmpint(run_cli(args, &o, &e), ==, 1);
    g_assert_nonnull(strstr(e, "--roi"));
  }
  {
    const char *args[] = { "classify", "--model", model,    "--roi", "20,10,100,90",
                           "--frames", "2:5",     "--json", sweep,   NULL };
    g_assert_cmpint(run_cli(args, &out, &err), ==, 0);
  }
  lines = g_strsplit(g_strstrip(out), "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 4);
  for (int i = 0; i < 4; i++) {
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *obj;

    g_assert_true(json_parser_load_from_data(parser, lines[i], -1, NULL));
    obj = json_node_get_object(json_parser_get_root(parser));
    g_assert_cmpstr(json_object_get_string_member(obj, "input"), ==, sweep);
    if (i < 3) {
      g_assert_cmpint(json_object_get_int_member(obj, "frame"), ==, 2 + i);
      sum += json_object_get_double_member(obj, "p_cts");
    } else {
      JsonObject *summary = json_object_get_object_member(obj, "summary");

      g_assert_nonnull(summary);
      g_assert_cmpint(json_object_get_int_member(summary, "frames"), ==, 3);
      g_assert_cmpfloat_with_epsilon(json_object_get_double_member(summary, "mean_p_cts"), sum / 3,
                                     1e-6);
      g_assert_cmpstr(json_object_get_string_member(summary, "label"), ==,
                      sum / 3 >= 0.5 ? "cts" : "control");
    }
  }
  g_unlink(sweep);
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  int status;

  g_test_init(&argc, &argv, NULL);
  make_reference();
  g_test_add_data_func("/engine/classify-cli/squeezenet1_1", "squeezenet1_1", test_png);
  g_test_add_data_func("/engine/classify-cli/mobilenet_v2", "mobilenet_v2", test_png);
  g_test_add_data_func("/engine/classify-cli/efficientnet_b0", "efficientnet_b0", test_png);
  g_test_add_func("/engine/classify-cli/errors", test_errors);
  g_test_add_func("/engine/classify-cli/sweep", test_sweep);
  status = g_test_run();
  g_free(ref_dir);
  return status;
}
