/* test-cli-dicom.c — carpalscope-cli info and frame on DICOM and other inputs, and bad files
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli-run.h"
#include "test-realdata.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

/* Asserts that @err is exactly one line. */
static void
assert_one_line(const char *err)
{
  g_assert_true(g_str_has_suffix(err, "\n"));
  g_assert_true(strchr(err, '\n') == err + strlen(err) - 1);
}

/* Runs `info --json @path` and returns its object (asserting exit 0). */
static JsonNode *
info_json(const char *path)
{
  CliResult r = cli_run("info", "--json", path, NULL);
  JsonNode *node;
  g_autoptr(GError) error = NULL;

  g_test_message("info: exit %d: %s", r.status, r.err);
  g_assert_cmpint(r.status, ==, 0);
  node = json_from_string(r.out, &error);
  g_assert_no_error(error);
  g_assert_true(JSON_NODE_HOLDS_OBJECT(node));
  cli_result_clear(&r);
  return node;
}

static void
test_info_philips(void)
{
  g_autofree char *path =
      test_realdata_path("dicom/OBXXXX1A_rle_2frame.dcm", G_FILE_TEST_IS_REGULAR);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *info, *spacing, *region;
  JsonArray *regions;

  if (path == NULL)
    return;
  node = info_json(path);
  info = json_node_get_object(node);
  g_assert_cmpstr(json_object_get_string_member(info, "format"), ==, "dicom");
  g_assert_cmpint(json_object_get_int_member(info, "frames"), ==, 2);
  g_assert_cmpint(json_object_get_int_member(info, "width"), ==, 800);
  g_assert_cmpint(json_object_get_int_member(info, "height"), ==, 600);
  spacing = json_object_get_object_member(info, "spacing");
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(spacing, "x_mm"), 0.2623, 5e-5);
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(spacing, "y_mm"), 0.2623, 5e-5);
  g_assert_cmpstr(json_object_get_string_member(spacing, "source"), ==, "DICOM region 0");
  regions = json_object_get_array_member(info, "regions");
  g_assert_cmpuint(json_array_get_length(regions), ==, 2);
  region = json_array_get_object_element(regions, 0);
  g_assert_cmpint(json_object_get_int_member(region, "x0"), ==, 120);
  g_assert_cmpint(json_object_get_int_member(region, "y1"), ==, 518);
  g_assert_cmpstr(json_object_get_string_member(region, "units"), ==, "cm");
  g_assert_cmpstr(json_object_get_string_member(region, "spatial_format"), ==, "2D");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(info, "warnings")), ==, 0);
}

/* A still image: one frame, no timing, no spacing of its own. */
static void
test_info_still_image(void)
{
  g_autofree char *dir = g_dir_make_tmp("cs-cli-info-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "still.pgm", NULL);
  g_autoptr(GString) pgm = g_string_new("P5\n16 8\n255\n");
  g_autoptr(JsonNode) node = NULL;
  JsonObject *info, *spacing;

  for (int i = 0; i < 16 * 8; i++)
    g_string_append_c(pgm, (char)(i * 2));
  g_assert_true(g_file_set_contents(path, pgm->str, (gssize)pgm->len, NULL));
  node = info_json(path);
  info = json_node_get_object(node);
  g_assert_cmpstr(json_object_get_string_member(info, "format"), ==, "image");
  g_assert_cmpint(json_object_get_int_member(info, "frames"), ==, 1);
  g_assert_cmpint(json_object_get_int_member(info, "width"), ==, 16);
  g_assert_true(json_object_get_null_member(info, "frame_time_ms"));
  spacing = json_object_get_object_member(info, "spacing");
  g_assert_cmpstr(json_object_get_string_member(spacing, "source"), ==, "none");
  g_assert_true(json_object_get_null_member(spacing, "x_mm"));
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(info, "regions")), ==, 0);
  g_unlink(path);
  g_rmdir(dir);
}

/* Reads the width and height of a PNG from its IHDR chunk. */
static void
png_size(const char *contents, gsize length, int *width, int *height)
{
  const guchar *b = (const guchar *)contents;

  g_assert_cmpuint(length, >, 24);
  g_assert_cmpmem(contents, 8, "\x89PNG\r\n\x1a\n", 8);
  *width = b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19];
  *height = b[20] << 24 | b[21] << 16 | b[22] << 8 | b[23];
  g_assert_cmpint(b[24], ==, 8); /* Bit depth. */
  g_assert_cmpint(b[25], ==, 0); /* Colour type: gray. */
}

/* `frame` writes the same gray PNG from the uncompressed and the RLE cine; a frame past the end
 * is one clear error. */
static void
test_frame(void)
{
  g_autofree char *native = test_realdata_path("dicom/OBXXXX1A_2frame.dcm", G_FILE_TEST_IS_REGULAR);
  g_autofree char *rle =
      test_realdata_path("dicom/OBXXXX1A_rle_2frame.dcm", G_FILE_TEST_IS_REGULAR);
  g_autofree char *dir = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *ca = NULL;
  g_autofree char *cb = NULL;
  gsize la = 0, lb = 0;
  int width = 0, height = 0;
  CliResult r;

  if (native == NULL || rle == NULL)
    return;
  dir = g_dir_make_tmp("cs-cli-frame-XXXXXX", NULL);
  a = g_build_filename(dir, "a.png", NULL);
  b = g_build_filename(dir, "b.png", NULL);
  r = cli_run("frame", "--index", "1", "--out", a, native, NULL);
  g_assert_cmpint(r.status, ==, 0);
  cli_result_clear(&r);
  r = cli_run("frame", "--index", "1", "--out", b, rle, NULL);
  g_assert_cmpint(r.status, ==, 0);
  cli_result_clear(&r);
  g_assert_true(g_file_get_contents(a, &ca, &la, NULL));
  g_assert_true(g_file_get_contents(b, &cb, &lb, NULL));
  png_size(ca, la, &width, &height);
  g_assert_cmpint(width, ==, 800);
  g_assert_cmpint(height, ==, 600);
  g_assert_cmpmem(ca, la, cb, lb);

  r = cli_run("frame", "--index", "2", "--out", a, native, NULL);
  g_assert_cmpint(r.status, ==, 1);
  g_assert_nonnull(strstr(r.err, "Frame 2 does not exist"));
  assert_one_line(r.err);
  cli_result_clear(&r);
  g_unlink(a);
  g_unlink(b);
  g_rmdir(dir);
}

/* Each generated bad file: exit 1 and one line on stderr that names it. */
static void
test_bad_files(void)
{
  static const char *const bad[] = { "bad-truncated.dcm",         "bad-zero-rows.dcm",
                                     "bad-lying-length.dcm",      "bad-short-pixels.dcm",
                                     "bad-not-image.dcm",         "bad-fragment-past-end.dcm",
                                     "bad-unsupported-syntax.dcm" };
  const char *python = g_getenv("CARPALSCOPE_PYTHON");
  const char *srcdir = g_getenv("CARPALSCOPE_SRCDIR");
  g_autofree char *dir = NULL;
  g_autofree char *script = NULL;
  g_autofree char *made = NULL;
  g_autofree char *made_path = NULL;
  g_auto(GStrv) names = NULL;
  int status = 0;

  if (python == NULL || srcdir == NULL || !g_file_test(python, G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip("no Python to make DICOM files");
    return;
  }
  dir = g_dir_make_tmp("cs-cli-dicom-XXXXXX", NULL);
  script = g_build_filename(srcdir, "tests", "media", "make-dicom-test-files.py", NULL);
  {
    const char *argv[] = { python, script, dir, NULL };
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, NULL));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
    g_test_skip("pydicom is not installed");
    g_rmdir(dir);
    return;
  }
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  made_path = g_build_filename(dir, "made.txt", NULL);
  g_assert_true(g_file_get_contents(made_path, &made, NULL, NULL));
  names = g_strsplit(g_strstrip(made), "\n", -1);
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *path = g_build_filename(dir, bad[i], NULL);
    CliResult r;

    if (!g_strv_contains((const char *const *)names, bad[i]))
      continue;
    r = cli_run("info", path, NULL);
    g_test_message("%s: exit %d: %s", bad[i], r.status, r.err);
    g_assert_cmpint(r.status, ==, 1);
    g_assert_cmpstr(r.out, ==, "");
    g_assert_nonnull(strstr(r.err, bad[i]));
    assert_one_line(r.err);
    cli_result_clear(&r);
  }
  for (char **name = names; *name != NULL; name++) {
    g_autofree char *path = g_build_filename(dir, *name, NULL);
    g_unlink(path);
  }
  g_unlink(made_path);
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/cli/dicom/info-philips", test_info_philips);
  g_test_add_func("/cli/dicom/info-still-image", test_info_still_image);
  g_test_add_func("/cli/dicom/frame", test_frame);
  g_test_add_func("/cli/dicom/bad-files", test_bad_files);
  return g_test_run();
}
