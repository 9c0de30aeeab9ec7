/* dicom-test-util.c — what the DICOM tests share: the second decoder and DICOM file makers
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "dicom-test-util.h"

#include <stdlib.h>
#include <string.h>

/* Reads an 8-bit binary PGM written by dicom-reference-gray.py. */
static guint8 *
read_pgm(const char *path, int *width, int *height)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  int maxval = 0, consumed = 0;

  g_assert_true(g_file_get_contents(path, &contents, &length, NULL));
  g_assert_cmpint(sscanf(contents, "P5 %d %d %d%n", width, height, &maxval, &consumed), ==, 3);
  g_assert_cmpint(maxval, ==, 255);
  consumed++; /* The single whitespace after maxval. */
  g_assert_cmpuint(length - (gsize)consumed, ==, (gsize)*width * (gsize)*height);
  return g_memdup2(contents + consumed, (gsize)*width * (gsize)*height);
}

gboolean
dicom_test_compare_reference(CsSweep *sweep, int index, double tolerance)
{
  const char *python = g_getenv("CARPALSCOPE_PYTHON");
  const char *srcdir = g_getenv("CARPALSCOPE_SRCDIR");
  g_autofree char *script = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *out = NULL;
  g_autofree char *index_text = g_strdup_printf("%d", index);
  g_autofree char *err = NULL;
  g_autofree guint8 *reference = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsFrame) frame = NULL;
  int status = 0, width = 0, height = 0;
  double sum = 0;

  if (python == NULL || srcdir == NULL || !g_file_test(python, G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_message("no Python: frame %d not checked against pydicom", index);
    return FALSE;
  }
  script = g_build_filename(srcdir, "tests", "media", "dicom-reference-gray.py", NULL);
  dir = g_dir_make_tmp("cs-dicom-ref-XXXXXX", NULL);
  g_assert_nonnull(dir);
  out = g_build_filename(dir, "ref.pgm", NULL);
  {
    const char *argv[] = { python, script, cs_sweep_get_path(sweep), index_text, out, NULL };
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &err,
                               &status, &error));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
    g_test_message("pydicom cannot decode %s: %s", cs_sweep_get_path(sweep), err);
    g_rmdir(dir);
    return FALSE;
  }
  if (!g_spawn_check_wait_status(status, NULL))
    g_error("dicom-reference-gray.py failed: %s", err);
  reference = read_pgm(out, &width, &height);
  g_unlink(out);
  g_rmdir(dir);
  frame = cs_sweep_get_frame(sweep, index, &error);
  g_assert_no_error(error);
  g_assert_cmpint(frame->width, ==, width);
  g_assert_cmpint(frame->height, ==, height);
  for (int i = 0; i < width * height; i++)
    sum += abs((int)frame->data[i] - (int)reference[i]);
  g_test_message("%s frame %d: mean absolute difference from pydicom %.4f levels",
                 cs_sweep_get_path(sweep), index, sum / ((double)width * height));
  g_assert_cmpfloat(sum / ((double)width * height), <=, tolerance);
  return TRUE;
}

gboolean
dicom_test_make_files(const char *script, const char *dir)
{
  const char *python = g_getenv("CARPALSCOPE_PYTHON");
  const char *srcdir = g_getenv("CARPALSCOPE_SRCDIR");
  g_autofree char *path = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (python == NULL || srcdir == NULL || !g_file_test(python, G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip("no Python to make DICOM files");
    return FALSE;
  }
  path = g_build_filename(srcdir, "tests", "media", script, NULL);
  {
    const char *argv[] = { python, path, dir, NULL };
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &status, &error));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
    g_test_skip(err);
    return FALSE;
  }
  if (!g_spawn_check_wait_status(status, NULL))
    g_error("%s failed: %s", script, err);
  return TRUE;
}
