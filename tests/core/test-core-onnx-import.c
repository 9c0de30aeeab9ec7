/* test-core-onnx-import.c — ONNX graphs written by torch.onnx.export import and give torch's
 * logits; other graphs and other bytes are refused with one clear message
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The graphs are made at test time by onnx-export.py (Debian's python3-torch, torchvision and
 * onnx) with random weights, in the build tree, once; the tests skip when Python lacks them.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "cs-error.h"
#include "cs-onnx-import.h"
#include "csnn-image.h"
#include "csnn-net.h"

static char *cases_dir;

/* Runs onnx-export.py into the build tree unless it ran before; NULL when Python cannot. */
static char *
make_cases(void)
{
  const char *python = g_getenv("CARPALSCOPE_PYTHON");
  const char *srcdir = g_getenv("CARPALSCOPE_SRCDIR");
  const char *builddir = g_getenv("CARPALSCOPE_BUILDDIR");
  g_autofree char *script = NULL, *dir = NULL, *stamp = NULL, *err = NULL;
  const char *check[] = { python, "-c", "import torch, torchvision, onnx", NULL };
  int wait_status = 0;

  if (python == NULL || srcdir == NULL || builddir == NULL)
    return NULL;
  script = g_build_filename(srcdir, "tests", "core", "onnx-export.py", NULL);
  dir = g_build_filename(builddir, "tests", "core", "onnx-cases", NULL);
  stamp = g_build_filename(dir, "cases.txt", NULL);
  if (g_file_test(stamp, G_FILE_TEST_EXISTS))
    return g_steal_pointer(&dir);
  if (!g_spawn_sync(NULL, (char **)check, NULL,
                    G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                    &wait_status, NULL) ||
      !g_spawn_check_wait_status(wait_status, NULL))
    return NULL;
  {
    const char *argv[] = { python, script, dir, NULL };

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &wait_status, NULL));
    if (!g_spawn_check_wait_status(wait_status, NULL))
      g_error("onnx-export.py failed: %s", err);
  }
  return g_steal_pointer(&dir);
}

static gboolean
need_cases(void)
{
  if (cases_dir == NULL)
    g_test_skip("python3 with torch, torchvision and onnx is not available");
  return cases_dir != NULL;
}

static float *
read_floats(const char *name, const char *extension, size_t expect)
{
  g_autofree char *path = g_strdup_printf("%s/%s.%s", cases_dir, name, extension);
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  g_assert_cmpuint(len, ==, expect * sizeof(float));
  return (float *)g_steal_pointer(&data);
}

/* The network input of the case's two gray images (NAME.gray) as the model's own normalisation
 * makes it, for a graph that carries its normalisation: the logits then match only when that
 * normalisation was read right. Checks that it was read from where the case put it, and that
 * saying what the graph's input expects (pixels 0-1 or 0-255) gives the same. */
static float *
gray_input(csnn_net *net, const char *name, int size, const CsOnnxImportInfo *info)
{
  size_t plane = (size_t)size * (size_t)size;
  g_autofree char *path = g_strdup_printf("%s/%s.gray", cases_dir, name);
  g_autofree char *onnx = g_strdup_printf("%s/%s.onnx", cases_dir, name);
  g_autofree char *gray = NULL;
  gboolean bytes = strstr(name, "matlab") != NULL;
  CsOnnxImportOptions options = { .has_norm = TRUE,
                                  .mean = { 0.0f, 0.0f, 0.0f },
                                  .std = { 1.0f, 1.0f, 1.0f } };
  CsOnnxImportInfo again;
  float *input = g_new(float, 2 * 3 * plane);
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp("onnx-norm-XXXXXX", NULL);
  g_autofree char *out = g_build_filename(tmp, "again.safetensors", NULL);
  gsize len = 0;

  g_assert_true(g_file_get_contents(path, &gray, &len, NULL));
  g_assert_cmpuint(len, ==, 2 * plane);
  for (int i = 0; i < 2; i++)
    csnn_preprocess_u8((const guint8 *)gray + i * plane, size, csnn_net_norm(net),
                       input + (size_t)i * 3 * plane);
  g_test_message("%s: mean %g %g %g, std %g %g %g (%s)", name, info->mean[0], info->mean[1],
                 info->mean[2], info->std[0], info->std[1], info->std[2], info->norm_source);
  if (strstr(name, "-meta-") != NULL) {
    g_assert_true(info->has_meta_norm && info->norm_nodes == 0);
    return input;
  }
  g_assert_cmpint(info->norm_nodes, ==, 2);
  for (int c = 0; c < 3; c++)
    options.std[c] = bytes ? 1.0f / 255.0f : 1.0f;
  g_assert_true(cs_onnx_import_file(onnx, &options, out, &again, &error));
  g_assert_no_error(error);
  for (int c = 0; c < 3; c++) {
    g_assert_cmpfloat_with_epsilon(again.mean[c], info->mean[c], 1e-6);
    g_assert_cmpfloat_with_epsilon(again.std[c], info->std[c], 1e-6);
  }
  g_assert_cmpint(g_remove(out), ==, 0);
  g_assert_cmpint(g_rmdir(tmp), ==, 0);
  return input;
}

/* Imports one case through the file interface, loads the model as the application does and
 * compares its logits with torch's. */
static void
test_case(gconstpointer data)
{
  const char *line = data;
  g_auto(GStrv) fields = g_strsplit(line, " ", -1);
  const char *name = fields[0], *arch = fields[1];
  int size = atoi(fields[2]), classes = atoi(fields[3]);
  g_autofree char *onnx = NULL, *out = NULL, *tmp = NULL, *bytes = NULL, *sha = NULL;
  g_autofree float *input = NULL, *expect = NULL, *logits = NULL;
  g_autoptr(GError) error = NULL;
  CsOnnxImportOptions options = { .command_line = "test" };
  CsOnnxImportInfo info;
  csnn_net *net = NULL;
  double worst = 0.0, scale = 0.0;
  gsize len = 0;

  if (!need_cases())
    return;
  onnx = g_strdup_printf("%s/%s.onnx", cases_dir, name);
  tmp = g_dir_make_tmp("onnx-import-XXXXXX", NULL);
  out = g_build_filename(tmp, "imported.safetensors", NULL);
  g_assert_true(cs_onnx_import_file(onnx, &options, out, &info, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(info.arch, ==, arch);
  g_assert_cmpint(info.input_size, ==, size);
  g_assert_cmpint(info.n_classes, ==, classes);
  /* Batch norms were found as the export wrote them: separate nodes or folded. */
  if (strstr(name, "-bn") != NULL || g_str_has_prefix(name, "matlab"))
    g_assert_true(info.bn_separate > 0 && info.bn_folded == 0);
  else if (strstr(name, "folded") != NULL)
    g_assert_true(info.bn_folded > 0 && info.bn_separate == 0);

  g_assert_cmpint(csnn_net_load(out, NULL, &net), ==, CSNN_OK);
  g_assert_cmpstr(csnn_net_arch(net), ==, arch);
  g_assert_cmpint(csnn_net_input_size(net), ==, size);
  g_assert_cmpstr(csnn_net_metadata(net, "provenance"), ==, "imported");
  g_assert_true(g_file_get_contents(onnx, &bytes, &len, NULL));
  sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)bytes, len);
  g_assert_cmpstr(csnn_net_metadata(net, "source_sha256"), ==, sha);

  expect = read_floats(name, "logits", 2 * (size_t)classes);
  logits = g_new(float, 2 * (size_t)classes);
  if (fields[4] != NULL && strcmp(fields[4], "gray") == 0)
    input = gray_input(net, name, size, &info);
  else
    input = read_floats(name, "input", 2 * 3 * (size_t)size * (size_t)size);
  g_assert_cmpint(csnn_net_forward(net, input, 2, logits), ==, CSNN_OK);
  for (int i = 0; i < 2 * classes; i++) {
    worst = MAX(worst, fabs((double)logits[i] - expect[i]));
    scale = MAX(scale, fabs((double)expect[i]));
  }
  g_test_message("%s: largest logit difference %.3g of %.3g", name, worst, scale);
  g_assert_cmpfloat(worst, <=, 1e-4 * MAX(scale, 1.0));
  csnn_net_free(net);
  g_assert_cmpint(g_remove(out), ==, 0);
  g_assert_cmpint(g_rmdir(tmp), ==, 0);
}

static void
expect_refusal(const char *file, const char *arch, int code, const char *part)
{
  g_autofree char *path = g_build_filename(cases_dir, file, NULL);
  g_autofree char *bytes = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  g_assert_true(g_file_get_contents(path, &bytes, &len, NULL));
  g_assert_null(cs_onnx_import_bytes((const guint8 *)bytes, len, arch, NULL, &error));
  g_assert_error(error, CS_ERROR, code);
  g_test_message("%s: %s", file, error->message);
  g_assert_nonnull(strstr(error->message, part));
}

/* Another architecture, or the right one under another name, is refused naming a node. */
static void
test_refuse_other_architecture(void)
{
  if (!need_cases())
    return;
  expect_refusal("refuse-resnet18.onnx", NULL, CS_ERROR_UNSUPPORTED,
                 "node '/conv1/Conv' (Conv) does not fit");
  expect_refusal("refuse-resnet18.onnx", "mobilenet_v2", CS_ERROR_UNSUPPORTED,
                 "node '/conv1/Conv' (Conv) does not fit mobilenet_v2");
  expect_refusal("mobilenet-op13-bn.onnx", "efficientnet_b0", CS_ERROR_UNSUPPORTED,
                 "does not fit efficientnet_b0");
  expect_refusal("squeezenet-op9.onnx", "resnet50", CS_ERROR_UNSUPPORTED,
                 "unknown architecture 'resnet50'");
}

/* Bytes that are not an ONNX model, and a model cut short, are malformed, not unsupported. */
static void
test_refuse_malformed(void)
{
  static const guint8 garbage[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x34 };
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL, *bytes = NULL;
  gsize len = 0;

  g_assert_null(cs_onnx_import_bytes(garbage, sizeof garbage, NULL, NULL, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_null(cs_onnx_import_bytes(garbage, 0, NULL, NULL, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "no graph"));
  g_clear_error(&error);
  if (!need_cases())
    return;
  path = g_build_filename(cases_dir, "squeezenet-op9.onnx", NULL);
  g_assert_true(g_file_get_contents(path, &bytes, &len, NULL));
  g_assert_null(cs_onnx_import_bytes((const guint8 *)bytes, len / 2, NULL, NULL, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
}

/* Prepends a length-delimited field @number holding @payload's bytes so far to @payload. */
static void
wrap_field(GByteArray *payload, guint number)
{
  guint8 head[12];
  guint n = 0;
  guint64 length = payload->len;

  head[n++] = (guint8)(number << 3 | 2);
  do {
    head[n++] = (guint8)((length & 0x7f) | (length > 0x7f ? 0x80 : 0));
    length >>= 7;
  } while (length > 0);
  g_byte_array_prepend(payload, head, n);
}

/* Subgraphs nested far deeper than any model are refused before protobuf-c's recursive unpacking
 * could exhaust the stack (a file of a few megabytes nests far enough to crash it). */
static void
test_refuse_deep_nesting(void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new();
  g_autoptr(GError) error = NULL;

  for (int level = 0; level < 200; level++) {
    wrap_field(bytes, 6); /* AttributeProto.g */
    wrap_field(bytes, 5); /* NodeProto.attribute */
    wrap_field(bytes, 1); /* GraphProto.node */
  }
  wrap_field(bytes, 7); /* ModelProto.graph */
  g_assert_null(cs_onnx_import_bytes(bytes->data, bytes->len, NULL, NULL, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "nest more than"));
}

/* The command imports one graph and exits 1 with the reason for another. */
static void
test_cli(void)
{
  const char *cli = g_getenv("CARPALSCOPE_CLI");
  g_autofree char *good = NULL, *bad = NULL, *tmp = NULL, *out = NULL, *err = NULL;
  int wait_status = 0;

  if (!need_cases() || cli == NULL)
    return;
  good = g_build_filename(cases_dir, "squeezenet-op9.onnx", NULL);
  bad = g_build_filename(cases_dir, "refuse-resnet18.onnx", NULL);
  tmp = g_dir_make_tmp("onnx-cli-XXXXXX", NULL);
  out = g_build_filename(tmp, "imported.safetensors", NULL);
  {
    const char *argv[] = {
      cli, "import-model", "--mean", "0.5,0.5,0.5", "--std", "0.25,0.25,0.25", "--out",
      out, good,           NULL
    };

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &wait_status, NULL));
    g_assert_true(g_spawn_check_wait_status(wait_status, NULL));
    g_clear_pointer(&err, g_free);
  }
  {
    csnn_net *net = NULL;

    g_assert_cmpint(csnn_net_load(out, NULL, &net), ==, CSNN_OK);
    g_assert_cmpfloat_with_epsilon(csnn_net_norm(net)->std[1], 0.25f, 1e-7);
    g_assert_cmpstr(csnn_net_class_name(net, 1), ==, "cts");
    csnn_net_free(net);
  }
  {
    /* `models` lists it from the folder it was written to, as imported. */
    const char *argv[] = { cli, "models", "--json", NULL };
    g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "CARPALSCOPE_MODELSDIR", tmp, TRUE);
    g_autofree char *listing = NULL;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_DEFAULT, NULL, NULL, &listing,
                               NULL, &wait_status, NULL));
    g_assert_true(g_spawn_check_wait_status(wait_status, NULL));
    g_assert_nonnull(strstr(listing, "\"id\":\"imported\""));
    g_assert_nonnull(strstr(listing, "\"provenance\":\"imported\""));
  }
  {
    const char *argv[] = { cli, "import-model", "--out", out, bad, NULL };

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &wait_status, NULL));
    g_assert_cmpint(WEXITSTATUS(wait_status), ==, 1);
    g_assert_nonnull(strstr(err, "does not fit"));
    g_assert_null(strchr(err, '\n') == err + strlen(err) - 1 ? NULL : strchr(err, '\n'));
  }
  g_assert_cmpint(g_remove(out), ==, 0);
  g_assert_cmpint(g_rmdir(tmp), ==, 0);
}

int
main(int argc, char **argv)
{
  g_auto(GStrv) lines = NULL;
  g_autofree char *list = NULL, *list_path = NULL;
  int status;

  g_test_init(&argc, &argv, NULL);
  if (!cs_onnx_import_available()) {
    g_test_skip("this build has no ONNX import (no protobuf-c or onnx.proto)");
    return g_test_run();
  }
  cases_dir = make_cases();
  if (cases_dir != NULL) {
    list_path = g_build_filename(cases_dir, "cases.txt", NULL);
    g_assert_true(g_file_get_contents(list_path, &list, NULL, NULL));
    lines = g_strsplit(g_strstrip(list), "\n", -1);
    for (int i = 0; lines[i] != NULL; i++) {
      g_autofree char *name =
          g_strdup_printf("/onnx-import/torch/%.*s", (int)strcspn(lines[i], " "), lines[i]);

      g_test_add_data_func(name, lines[i], test_case);
    }
  }
  g_test_add_func("/onnx-import/refuse/other-architecture", test_refuse_other_architecture);
  g_test_add_func("/onnx-import/refuse/malformed", test_refuse_malformed);
  g_test_add_func("/onnx-import/refuse/deep-nesting", test_refuse_deep_nesting);
  g_test_add_func("/onnx-import/cli", test_cli);
  status = g_test_run();
  g_free(cases_dir);
  return status;
}
