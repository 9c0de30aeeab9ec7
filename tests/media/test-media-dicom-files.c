/* test-media-dicom-files.c — generated DICOM files: every photometric interpretation, bit depth
 * and transfer syntax against pydicom, timing and calibration, and one clear error per bad file
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * make-dicom-test-files.py writes the files (pydicom's writer, dcmtk's dcmconv, dcmcjpeg, dcmcrle
 * and dcmcjpls); without pydicom the tests skip, and a file whose tool is missing is left out.
 */
#include "config.h"

#include "cs-error.h"
#include "cs-sweep.h"

#include "dicom-test-util.h"
#include "test-locale.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

static char *files_dir;
static char **made;

/* Makes the files once per run; FALSE (test skipped) without Python or pydicom. */
static gboolean
have_files(void)
{
  g_autofree char *list = NULL;
  g_autofree char *list_path = NULL;

  if (made != NULL)
    return TRUE;
  if (files_dir == NULL)
    files_dir = g_dir_make_tmp("cs-dicom-files-XXXXXX", NULL);
  g_assert_nonnull(files_dir);
  if (!dicom_test_make_files("make-dicom-test-files.py", files_dir))
    return FALSE;
  list_path = g_build_filename(files_dir, "made.txt", NULL);
  g_assert_true(g_file_get_contents(list_path, &list, NULL, NULL));
  made = g_strsplit(g_strstrip(list), "\n", -1);
  return TRUE;
}

static gboolean
was_made(const char *name)
{
  if (!g_strv_contains((const char *const *)made, name)) {
    g_test_message("%s was not made (its dcmtk tool is missing)", name);
    return FALSE;
  }
  return TRUE;
}

static CsSweep *
open_made(const char *name)
{
  g_autofree char *path = g_build_filename(files_dir, name, NULL);
  g_autoptr(GError) error = NULL;
  CsSweep *sweep = cs_sweep_open(path, &error);

  g_assert_no_error(error);
  g_assert_cmpint(cs_sweep_get_kind(sweep), ==, CS_SWEEP_KIND_DICOM);
  g_assert_cmpint(cs_sweep_get_width(sweep), ==, 64);
  g_assert_cmpint(cs_sweep_get_height(sweep), ==, 48);
  return sweep;
}

/* Every frame of @name equals pydicom's within @tolerance levels of mean absolute difference. */
static void
check_pixels(const char *name, int n_frames, double tolerance)
{
  g_autoptr(CsSweep) sweep = NULL;

  if (!have_files() || !was_made(name))
    return;
  sweep = open_made(name);
  g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, n_frames);
  /* Backwards first: random access must not depend on the order. */
  for (int i = n_frames - 1; i >= 0; i--)
    dicom_test_compare_reference(sweep, i, tolerance);
}

static void
test_pixels(void)
{
  static const struct {
    const char *name;
    int n_frames;
    double tolerance;
  } files[] = {
    { "mono8.dcm", 3, 1.0 },
    { "mono16.dcm", 2, 1.0 },
    { "mono16-big-endian.dcm", 2, 1.0 },
    { "mono1.dcm", 1, 1.0 },
    { "rgb.dcm", 2, 1.0 },
    { "ybr-full.dcm", 2, 1.0 },
    { "rgb-rle.dcm", 2, 1.0 },
    { "rgb-jpeg-lossless.dcm", 2, 1.0 },
    { "rgb-jpeg-ls.dcm", 2, 1.0 },
    { "rgb-jpeg-baseline.dcm", 2, 2.0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(files); i++)
    check_pixels(files[i].name, files[i].n_frames, files[i].tolerance);
}

/* The lossless copies of rgb.dcm decode to its very pixels (pydicom here may lack their codecs). */
static void
test_lossless_equal_native(void)
{
  static const char *const copies[] = { "rgb-rle.dcm", "rgb-jpeg-lossless.dcm", "rgb-jpeg-ls.dcm" };
  g_autoptr(CsSweep) native = NULL;

  if (!have_files())
    return;
  native = open_made("rgb.dcm");
  for (gsize c = 0; c < G_N_ELEMENTS(copies); c++) {
    g_autoptr(CsSweep) copy = NULL;

    if (!was_made(copies[c]))
      continue;
    copy = open_made(copies[c]);
    for (int i = 0; i < 2; i++) {
      g_autoptr(CsFrame) a = cs_sweep_get_frame(native, i, NULL);
      g_autoptr(CsFrame) b = cs_sweep_get_frame(copy, i, NULL);

      g_assert_nonnull(a);
      g_assert_nonnull(b);
      g_assert_cmpmem(a->data, 64 * 48, b->data, 64 * 48);
    }
  }
}

typedef struct {
  CsDicom *dicom;
  const guint8 *expected; /* [frame][64 * 48] */
  int n_frames;
  gboolean same;
} DecodeJob;

static gpointer
decode_thread(gpointer data)
{
  DecodeJob *job = data;
  guint8 gray[64 * 48];

  job->same = TRUE;
  for (int round = 0; round < 20; round++) {
    for (int i = 0; i < job->n_frames; i++) {
      if (!cs_dicom_decode_gray(job->dicom, i, gray, NULL) ||
          memcmp(gray, job->expected + (gsize)i * sizeof gray, sizeof gray) != 0)
        job->same = FALSE;
    }
  }
  return NULL;
}

/* One CsDicom decodes in several threads at once, each frame as it decodes alone (JPEG and RLE). */
static void
test_threads(void)
{
  static const char *const names[] = { "rgb-jpeg-baseline.dcm", "rgb-rle.dcm" };

  if (!have_files())
    return;
  for (gsize n = 0; n < G_N_ELEMENTS(names); n++) {
    g_autoptr(CsSweep) sweep = NULL;
    guint8 expected[2 * 64 * 48];
    DecodeJob jobs[3];
    GThread *threads[3];

    if (!was_made(names[n]))
      continue;
    sweep = open_made(names[n]);
    for (int i = 0; i < 2; i++)
      g_assert_true(
          cs_dicom_decode_gray(cs_sweep_get_dicom(sweep), i, expected + i * 64 * 48, NULL));
    for (int t = 0; t < 3; t++) {
      jobs[t] = (DecodeJob){ cs_sweep_get_dicom(sweep), expected, 2, FALSE };
      threads[t] = g_thread_new("decode", decode_thread, &jobs[t]);
    }
    for (int t = 0; t < 3; t++) {
      g_thread_join(threads[t]);
      g_assert_true(jobs[t].same);
    }
  }
}

/* Frame Time, Frame Time Vector and Cine Rate; the region's spacing, Pixel Spacing, laterality. */
static void
test_timing_and_calibration(void)
{
  g_autoptr(CsSweep) mono8 = NULL;
  g_autoptr(CsSweep) mono16 = NULL;
  g_autoptr(CsSweep) mono1 = NULL;
  g_autoptr(CsSweep) rgb = NULL;
  g_autoptr(CsFrame) frame = NULL;
  CsSpacing spacing;

  if (!have_files())
    return;
  mono8 = open_made("mono8.dcm");
  g_assert_cmpfloat_with_epsilon(cs_sweep_get_frame_rate(mono8), 25.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(cs_sweep_get_frame_time(mono8, 2), 0.080, 1e-9);
  frame = cs_sweep_get_frame(mono8, 2, NULL);
  g_assert_cmpfloat_with_epsilon(frame->time, 0.080, 1e-9);
  g_assert_cmpfloat_with_epsilon(cs_sweep_get_file_spacing(mono8).mm_per_px, 0.1, 1e-12);
  g_assert_cmpstr(cs_sweep_get_file_spacing_label(mono8), ==, "DICOM region 0");
  g_assert_cmpstr(cs_sweep_get_laterality(mono8), ==, "L");

  /* The region's binary values in a big-endian file. */
  if (was_made("mono8-big-endian.dcm")) {
    g_autoptr(CsSweep) big = open_made("mono8-big-endian.dcm");
    const CsDicomRegion *r = cs_sweep_get_region(big, 0);

    g_assert_cmpint(r->x1, ==, 59);
    g_assert_cmpint(r->y1, ==, 43);
    g_assert_cmpfloat_with_epsilon(cs_sweep_get_file_spacing(big).mm_per_px, 0.1, 1e-12);
    g_assert_cmpfloat_with_epsilon(cs_sweep_get_frame_rate(big), 25.0, 1e-9);
  }

  mono16 = open_made("mono16.dcm");
  g_assert_cmpfloat_with_epsilon(cs_sweep_get_frame_rate(mono16), 40.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(cs_sweep_get_frame_time(mono16, 1), 0.025, 1e-9);
  g_assert_cmpfloat_with_epsilon(cs_sweep_get_file_spacing(mono16).mm_per_px, 0.2, 1e-12);
  g_assert_cmpstr(cs_sweep_get_file_spacing_label(mono16), ==, "DICOM pixel spacing");
  g_assert_null(cs_sweep_get_laterality(mono16));

  mono1 = open_made("mono1.dcm");
  g_assert_cmpfloat_with_epsilon(cs_sweep_get_frame_rate(mono1), 25.0, 1e-9);

  rgb = open_made("rgb.dcm");
  g_assert_cmpfloat(cs_sweep_get_frame_rate(rgb), ==, 0.0);
  g_assert_cmpfloat(cs_sweep_get_frame_time(rgb, 1), ==, -1.0);
  spacing = cs_sweep_get_file_spacing(rgb);
  g_assert_false(cs_spacing_is_known(&spacing));
  g_assert_null(cs_sweep_get_file_spacing_label(rgb));
}

/* A region past the image and one with X and Y spacings that differ are warnings, not used:
 * the spacing falls back to Pixel Spacing, labelled as such. */
static void
test_region_warnings(void)
{
  g_autoptr(CsSweep) sweep = NULL;
  const char *const *warnings;

  if (!have_files())
    return;
  sweep = open_made("bad-regions.dcm");
  warnings = cs_sweep_get_warnings(sweep);
  g_assert_cmpuint(g_strv_length((char **)warnings), ==, 2);
  g_assert_nonnull(strstr(warnings[0], "region 0"));
  g_assert_nonnull(strstr(warnings[0], "does not fit"));
  g_assert_nonnull(strstr(warnings[1], "region 1"));
  g_assert_nonnull(strstr(warnings[1], "different X and Y"));
  g_assert_cmpint(cs_sweep_get_file_spacing_region(sweep), ==, -1);
  g_assert_cmpfloat_with_epsilon(cs_sweep_get_file_spacing(sweep).mm_per_px, 0.3, 1e-12);
  g_assert_cmpstr(cs_sweep_get_file_spacing_label(sweep), ==, "DICOM pixel spacing");
}

/* A region in seconds, or without Physical Delta X and Y, gives what lies in it no mm and says
 * why; an enhanced image whose frames have different Pixel Spacings has no file spacing and a
 * warning, and each frame its own spacing. */
static void
test_regions_without_mm(void)
{
  g_autoptr(CsSweep) sweep = NULL;
  g_autoptr(CsSweep) varies = NULL;
  const double left[] = { 5, 5, 20, 40 };
  const double seconds[] = { 40, 5, 60, 20 };
  const double no_delta[] = { 40, 30, 60, 40 };
  const char *const *warnings;
  CsSpacing spacing;
  char *label = NULL, *why = NULL;

  if (!have_files() || !was_made("regions-no-mm.dcm"))
    return;
  sweep = open_made("regions-no-mm.dcm");
  g_assert_null(cs_sweep_get_warnings(sweep)[0]);
  spacing = cs_sweep_get_spacing_for_points(sweep, left, 2, &label, &why, FALSE);
  g_assert_cmpfloat_with_epsilon(spacing.mm_per_px, 0.1, 1e-12);
  g_assert_cmpstr(label, ==, "DICOM region 0");
  g_assert_null(why);
  g_clear_pointer(&label, g_free);
  spacing = cs_sweep_get_spacing_for_points(sweep, seconds, 2, &label, &why, FALSE);
  g_assert_false(cs_spacing_is_known(&spacing));
  g_assert_null(label);
  g_assert_cmpstr(why, ==,
                  "DICOM region 1 is not calibrated in cm (its units are seconds by "
                  "seconds)");
  g_clear_pointer(&why, g_free);
  spacing = cs_sweep_get_spacing_for_points(sweep, no_delta, 2, &label, &why, FALSE);
  g_assert_false(cs_spacing_is_known(&spacing));
  g_assert_cmpstr(why, ==, "DICOM region 2 gives no physical delta X or Y");
  g_clear_pointer(&why, g_free);

  varies = open_made("enhanced-spacing-varies.dcm");
  spacing = cs_sweep_get_file_spacing(varies);
  g_assert_false(cs_spacing_is_known(&spacing));
  warnings = cs_sweep_get_warnings(varies);
  g_assert_cmpuint(g_strv_length((char **)warnings), ==, 1);
  g_assert_nonnull(strstr(warnings[0], "differs between the frames"));
  /* Each frame has its own. */
  for (int i = 0; i < 2; i++) {
    g_autofree char *expected = g_strdup_printf("DICOM pixel spacing of frame %d", i);

    spacing = cs_sweep_get_frame_spacing(varies, i, &label);
    g_assert_cmpfloat_with_epsilon(spacing.mm_per_px, i == 0 ? 0.2 : 0.3, 1e-12);
    g_assert_cmpint(spacing.source, ==, CS_SPACING_SOURCE_DICOM);
    g_assert_cmpstr(label, ==, expected);
    g_clear_pointer(&label, g_free);
  }
  /* Elsewhere a frame's spacing is the file's. */
  spacing = cs_sweep_get_frame_spacing(sweep, 0, &label);
  g_assert_cmpfloat_with_epsilon(spacing.mm_per_px, 0.1, 1e-12);
  g_assert_cmpstr(label, ==, "DICOM region 0");
  g_free(label);
}

/* The window asks for the reasons in the user's language: in Japanese each one is the catalogue's
 * translation, with the region numbers and units in place; the reports' and the command line's
 * stay English in the same process. */
static void
test_regions_without_mm_japanese(void)
{
  g_autoptr(CsSweep) sweep = NULL;
  const double across[] = { 5, 5, 40, 5 };
  const double seconds[] = { 40, 5, 60, 20 };
  const double no_delta[] = { 40, 30, 60, 40 };
  const double outside[] = { 100, 100, 110, 110 };
  const struct {
    const double *points;
    const char *japanese;
    const char *english;
  } reasons[] = {
    { across, "DICOM 領域 0 と 1 にまたがっており、両者の縮尺が異なる可能性があります",
      "it crosses DICOM regions 0 and 1, which may differ in scale" },
    { seconds, "DICOM 領域 1 は cm で較正されていません (単位は 秒 × 秒)",
      "DICOM region 1 is not calibrated in cm (its units are seconds by seconds)" },
    { no_delta, "DICOM 領域 2 には物理デルタ X も Y もありません",
      "DICOM region 2 gives no physical delta X or Y" },
    { outside, "どの DICOM 領域の中にもありません", "it lies outside every DICOM region" },
  };

  if (!have_files() || !was_made("regions-no-mm.dcm") || !test_locale_use_japanese())
    return;
  sweep = open_made("regions-no-mm.dcm");
  for (guint i = 0; i < G_N_ELEMENTS(reasons); i++) {
    g_autofree char *japanese = NULL;
    g_autofree char *english = NULL;
    CsSpacing spacing =
        cs_sweep_get_spacing_for_points(sweep, reasons[i].points, 2, NULL, &japanese, TRUE);

    g_assert_false(cs_spacing_is_known(&spacing));
    g_assert_cmpstr(japanese, ==, reasons[i].japanese);
    cs_sweep_get_spacing_for_points(sweep, reasons[i].points, 2, NULL, &english, FALSE);
    g_assert_cmpstr(english, ==, reasons[i].english);
  }
  test_locale_use_c();
}

/* Each bad file is one error in one line that names the file and says what is wrong. */
static void
test_bad_files(void)
{
  static const struct {
    const char *name;
    const char *says;
  } files[] = {
    { "bad-truncated.dcm", "truncated" },
    { "bad-zero-rows.dcm", "0 rows" },
    { "bad-lying-length.dcm", "runs past the end" },
    { "bad-short-pixels.dcm", "5 frames need" },
    { "bad-not-image.dcm", "not an image" },
    { "bad-fragment-past-end.dcm", "fragment runs past the end" },
    { "bad-unsupported-syntax.dcm", "cannot decode" },
  };

  if (!have_files())
    return;
  for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *path = g_build_filename(files_dir, files[i].name, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(CsSweep) sweep = NULL;

    if (!was_made(files[i].name))
      continue;
    sweep = cs_sweep_open(path, &error);
    g_assert_null(sweep);
    g_assert_nonnull(error);
    g_assert_true(error->domain == CS_ERROR);
    g_test_message("%s: %s", files[i].name, error->message);
    g_assert_nonnull(strstr(error->message, files[i].name));
    g_assert_nonnull(strstr(error->message, files[i].says));
    g_assert_null(strchr(error->message, '\n'));
  }
}

/* A damaged palette file that passes the structure check but on which GDCM (built with its
 * assertions on) aborts: found by fuzzing. Opening it must refuse the file, not end the process. */
static void
test_library_stops(void)
{
  const char *srcdir = g_getenv("CARPALSCOPE_SRCDIR");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) sweep = NULL;

  if (srcdir == NULL) {
    g_test_skip("CARPALSCOPE_SRCDIR is not set");
    return;
  }
  path = g_build_filename(srcdir, "tests", "media", "data", "gdcm-stops-palette.dcm", NULL);
  sweep = cs_sweep_open(path, &error);
  g_assert_null(sweep);
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "the DICOM library cannot read"));
}

/* The trial read runs in the probe program, a process started afresh: a probe that ends by a
 * signal refuses even a good file (so it is the one that ran, with the file's path); the real
 * program reads a good file to the end and stops on the damaged one; without any probe program
 * the forked trial still refuses the damaged file. */
static void
test_probe_program(void)
{
  const char *srcdir = g_getenv("CARPALSCOPE_SRCDIR");
  const char *builddir = g_getenv("CARPALSCOPE_BUILDDIR");
  g_autofree char *stops = NULL, *good = NULL, *program = NULL, *fake = NULL, *seen = NULL;
  g_autofree char *script = NULL, *args = NULL, *out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  int status = 0;

  if (srcdir == NULL || builddir == NULL) {
    g_test_skip("CARPALSCOPE_SRCDIR or CARPALSCOPE_BUILDDIR is not set");
    return;
  }
  if (!have_files() || !was_made("rgb.dcm"))
    return;
  stops = g_build_filename(srcdir, "tests", "media", "data", "gdcm-stops-palette.dcm", NULL);
  good = g_build_filename(files_dir, "rgb.dcm", NULL);
  program = g_build_filename(builddir, "src", "media", "carpalscope-dicom-probe", NULL);

  /* The program itself: 0 on a good file, a signal on the damaged one, 2 on a wrong call. */
  {
    const char *argv_good[] = { program, "image", good, NULL };
    const char *argv_stops[] = { program, "image", stops, NULL };
    const char *argv_wrong[] = { program, "frames", good, NULL };

    g_assert_true(g_spawn_sync(NULL, (char **)argv_good, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, NULL, NULL, &status, &error));
    g_assert_no_error(error);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    g_assert_true(g_spawn_sync(NULL, (char **)argv_stops, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, NULL, NULL, &status, &error));
    g_assert_true(WIFSIGNALED(status));
    g_assert_true(g_spawn_sync(NULL, (char **)argv_wrong, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, NULL, NULL, &status, &error));
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 2);
  }

  /* A stand-in probe that writes its arguments and ends by a signal. */
  fake = g_build_filename(files_dir, "fake-probe.sh", NULL);
  seen = g_build_filename(files_dir, "fake-probe.args", NULL);
  script = g_strdup_printf("#!/bin/sh\necho \"$1 $2\" > '%s'\nkill -ABRT $$\n", seen);
  g_assert_true(g_file_set_contents(fake, script, -1, NULL));
  g_assert_cmpint(g_chmod(fake, 0755), ==, 0);
  g_assert_true(g_setenv("CARPALSCOPE_DICOM_PROBE", fake, TRUE));
  sweep = cs_sweep_open(good, &error);
  g_assert_null(sweep);
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "rgb.dcm"));
  g_clear_error(&error);
  g_assert_true(g_file_get_contents(seen, &args, NULL, NULL));
  out = g_strdup_printf("image %s\n", good);
  g_assert_cmpstr(args, ==, out);

  /* No probe program at all: the forked trial. */
  g_assert_true(g_setenv("CARPALSCOPE_DICOM_PROBE", "/nonexistent/carpalscope-dicom-probe", TRUE));
  sweep = cs_sweep_open(stops, &error);
  g_assert_null(sweep);
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_clear_error(&error);
  sweep = cs_sweep_open(good, &error);
  g_assert_no_error(error);
  g_assert_nonnull(sweep);
  g_unsetenv("CARPALSCOPE_DICOM_PROBE");
  g_unlink(fake);
  g_unlink(seen);
}

int
main(int argc, char **argv)
{
  int status;

  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/dicom-files/pixels", test_pixels);
  g_test_add_func("/media/dicom-files/lossless-equal-native", test_lossless_equal_native);
  g_test_add_func("/media/dicom-files/threads", test_threads);
  g_test_add_func("/media/dicom-files/timing-and-calibration", test_timing_and_calibration);
  g_test_add_func("/media/dicom-files/region-warnings", test_region_warnings);
  g_test_add_func("/media/dicom-files/regions-without-mm", test_regions_without_mm);
  g_test_add_func("/media/dicom-files/regions-without-mm-japanese",
                  test_regions_without_mm_japanese);
  g_test_add_func("/media/dicom-files/bad-files", test_bad_files);
  g_test_add_func("/media/dicom-files/library-stops", test_library_stops);
  g_test_add_func("/media/dicom-files/probe-program", test_probe_program);
  status = g_test_run();
  if (files_dir != NULL) {
    for (char **name = made; name != NULL && *name != NULL; name++) {
      g_autofree char *path = g_build_filename(files_dir, *name, NULL);
      g_unlink(path);
    }
    {
      g_autofree char *list = g_build_filename(files_dir, "made.txt", NULL);
      g_unlink(list);
    }
    g_rmdir(files_dir);
  }
  g_strfreev(made);
  g_free(files_dir);
  return status;
}
