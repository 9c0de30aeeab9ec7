/* test-media-dicom.c — DICOM sweeps: real scanner files, calibration and a second decoder
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real files (../shared/realdata/dicom) are skipped when absent. Decoded frames are checked
 * against pydicom through dicom-reference-gray.py (skipped without pydicom).
 */
#include "config.h"

#include "test-realdata.h"

#include "cs-error.h"
#include "cs-sweep.h"

#include "dicom-test-util.h"

#include <math.h>
#include <string.h>

/* The Philips CX50 cine: 2 palette-colour frames, region 0 a 2D image at 0.2623 mm/px, region 1
 * a spectral strip (seconds by cm/s). */
static void
check_philips(const char *name)
{
  g_autofree char *relative = g_build_filename("dicom", name, NULL);
  g_autofree char *path = test_realdata_path(relative, G_FILE_TEST_IS_REGULAR);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  g_autofree char *label = NULL;
  CsSpacing spacing;
  const CsDicomRegion *r;

  if (path == NULL)
    return;
  sweep = cs_sweep_open(path, &error);
  g_assert_no_error(error);
  g_assert_cmpint(cs_sweep_get_kind(sweep), ==, CS_SWEEP_KIND_DICOM);
  g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, 2);
  g_assert_cmpint(cs_sweep_get_width(sweep), ==, 800);
  g_assert_cmpint(cs_sweep_get_height(sweep), ==, 600);
  spacing = cs_sweep_get_file_spacing(sweep);
  g_assert_cmpint(spacing.source, ==, CS_SPACING_SOURCE_DICOM);
  g_assert_cmpfloat_with_epsilon(spacing.mm_per_px, 0.2623, 5e-5);
  g_assert_cmpstr(cs_sweep_get_file_spacing_label(sweep), ==, "DICOM region 0");
  g_assert_cmpint(cs_sweep_get_file_spacing_region(sweep), ==, 0);
  g_assert_cmpint(spacing.region, ==, 0);
  label = cs_spacing_dup_label(&spacing, FALSE);
  g_assert_cmpstr(label, ==, "DICOM region 0");
  g_assert_null(cs_sweep_get_warnings(sweep)[0]);

  g_assert_cmpint(cs_sweep_get_n_regions(sweep), ==, 2);
  r = cs_sweep_get_region(sweep, 0);
  g_assert_cmpint(r->x0, ==, 120);
  g_assert_cmpint(r->y0, ==, 60);
  g_assert_cmpint(r->x1, ==, 800);
  g_assert_cmpint(r->y1, ==, 518);
  g_assert_cmpint(r->spatial_format, ==, CS_DICOM_SPATIAL_2D);
  g_assert_cmpint(r->units_x, ==, CS_DICOM_UNITS_CM);
  r = cs_sweep_get_region(sweep, 1);
  g_assert_cmpint(r->spatial_format, ==, 4);
  g_assert_cmpint(r->data_type, ==, 10);
  g_assert_cmpint(r->units_x, ==, 4);
  g_assert_cmpfloat_with_epsilon(r->delta_x, 0.0096427366086495336, 1e-12);

  for (int i = 0; i < 2; i++)
    dicom_test_compare_reference(sweep, i, 1.0);
}

static void
test_philips_native(void)
{
  check_philips("OBXXXX1A_2frame.dcm");
}

static void
test_philips_rle(void)
{
  check_philips("OBXXXX1A_rle_2frame.dcm");
}

/* The RLE copy decodes to the same pixels as the uncompressed file, in any order, by two readers.
 */
static void
test_philips_rle_equals_native(void)
{
  g_autofree char *native_path =
      test_realdata_path("dicom/OBXXXX1A_2frame.dcm", G_FILE_TEST_IS_REGULAR);
  g_autofree char *rle_path =
      test_realdata_path("dicom/OBXXXX1A_rle_2frame.dcm", G_FILE_TEST_IS_REGULAR);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) native = NULL;
  g_autoptr(CsSweep) rle = NULL;
  g_autoptr(CsSweep) second = NULL;

  if (native_path == NULL || rle_path == NULL)
    return;
  native = cs_sweep_open(native_path, &error);
  g_assert_no_error(error);
  rle = cs_sweep_open(rle_path, &error);
  g_assert_no_error(error);
  second = cs_sweep_open_reader(rle, &error);
  g_assert_no_error(error);
  for (int i = 1; i >= 0; i--) {
    g_autoptr(CsFrame) a = cs_sweep_get_frame(native, i, &error);
    g_autoptr(CsFrame) b = cs_sweep_get_frame(second, i, &error);

    g_assert_no_error(error);
    g_assert_cmpint(a->index, ==, i);
    g_assert_cmpmem(a->data, 800 * 600, b->data, 800 * 600);
  }
  /* Frames decoded by the second reader are in the first one's cache. */
  g_assert_cmpuint(cs_sweep_get_decode_count(rle), ==, 2);
}

/* The Aloka frame: 16-bit palette, two side-by-side 2D regions at 0.3827 mm/px, right hand. */
static void
test_aloka(void)
{
  g_autofree char *path = test_realdata_path("dicom/gdcm-US-ALOKA-16.dcm", G_FILE_TEST_IS_REGULAR);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  const CsDicomRegion *a, *b;
  int n_2d = 0;

  if (path == NULL)
    return;
  sweep = cs_sweep_open(path, &error);
  g_assert_no_error(error);
  g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, 1);
  g_assert_cmpint(cs_sweep_get_n_regions(sweep), ==, 3);
  for (int i = 0; i < 3; i++)
    n_2d += cs_sweep_get_region(sweep, i)->spatial_format == CS_DICOM_SPATIAL_2D;
  g_assert_cmpint(n_2d, ==, 2);
  a = cs_sweep_get_region(sweep, 0);
  b = cs_sweep_get_region(sweep, 1);
  g_assert_cmpint(a->x1, <, b->x0);
  g_assert_cmpint(a->y0, ==, b->y0);
  g_assert_cmpint(a->y1, ==, b->y1);
  g_assert_cmpfloat_with_epsilon(a->delta_x, 0.038265306502580643, 1e-12);
  g_assert_cmpfloat_with_epsilon(cs_sweep_get_file_spacing(sweep).mm_per_px, 0.38265, 1e-5);
  g_assert_cmpstr(cs_sweep_get_file_spacing_label(sweep), ==, "DICOM region 0");
  g_assert_cmpstr(cs_sweep_get_laterality(sweep), ==, "R");
  dicom_test_compare_reference(sweep, 0, 1.0);
}

/* A region's spacing serves only what lies inside it: a line across the Aloka's two regions, or
 * outside every region, or in the Philips' waveform strip, has no mm and says why. */
static void
test_spacing_for_points(void)
{
  g_autofree char *aloka_path =
      test_realdata_path("dicom/gdcm-US-ALOKA-16.dcm", G_FILE_TEST_IS_REGULAR);
  g_autofree char *philips_path =
      test_realdata_path("dicom/OBXXXX1A_2frame.dcm", G_FILE_TEST_IS_REGULAR);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) aloka = NULL;
  g_autoptr(CsSweep) philips = NULL;
  const double across[] = { 200, 200, 450, 200 };
  const double in_right[] = { 400, 100, 500, 300 };
  const double outside[] = { 5, 5, 100, 100 };
  const double strip[] = { 300, 540, 320, 550 };
  const double nerve[] = { 400, 200, 430, 200, 430, 230, 400, 230 };
  CsSpacing spacing;
  char *label = NULL, *why = NULL;

  if (aloka_path == NULL || philips_path == NULL)
    return;
  aloka = cs_sweep_open(aloka_path, &error);
  g_assert_no_error(error);
  philips = cs_sweep_open(philips_path, &error);
  g_assert_no_error(error);

  spacing = cs_sweep_get_spacing_for_points(aloka, across, 2, &label, &why, FALSE);
  g_assert_false(cs_spacing_is_known(&spacing));
  g_assert_null(label);
  g_assert_cmpstr(why, ==, "it crosses DICOM regions 0 and 1, which may differ in scale");
  g_clear_pointer(&why, g_free);

  spacing = cs_sweep_get_spacing_for_points(aloka, in_right, 2, &label, &why, FALSE);
  g_assert_true(cs_spacing_is_known(&spacing));
  g_assert_cmpint(spacing.region, ==, 1);
  g_assert_cmpfloat_with_epsilon(spacing.mm_per_px, 0.38265, 1e-5);
  g_assert_cmpstr(label, ==, "DICOM region 1");
  g_assert_null(why);
  g_clear_pointer(&label, g_free);

  spacing = cs_sweep_get_spacing_for_points(aloka, outside, 2, &label, &why, FALSE);
  g_assert_false(cs_spacing_is_known(&spacing));
  g_assert_cmpstr(why, ==, "it lies outside every DICOM region");
  g_clear_pointer(&why, g_free);

  spacing = cs_sweep_get_spacing_for_points(philips, strip, 2, &label, &why, FALSE);
  g_assert_false(cs_spacing_is_known(&spacing));
  g_assert_cmpstr(why, ==, "DICOM region 1 is not a 2D image region");
  g_clear_pointer(&why, g_free);

  /* A 30 x 30 px square nerve tracing in the 2D region: 0.2623 mm/px from region 0. */
  spacing = cs_sweep_get_spacing_for_points(philips, nerve, 4, &label, &why, FALSE);
  g_assert_cmpstr(label, ==, "DICOM region 0");
  g_assert_null(why);
  g_assert_cmpfloat_with_epsilon(cs_spacing_area_mm2(&spacing, 900.0), 900.0 * 0.26229 * 0.26229,
                                 1e-2);
  g_free(label);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/dicom/philips-native", test_philips_native);
  g_test_add_func("/media/dicom/philips-rle", test_philips_rle);
  g_test_add_func("/media/dicom/philips-rle-equals-native", test_philips_rle_equals_native);
  g_test_add_func("/media/dicom/aloka", test_aloka);
  g_test_add_func("/media/dicom/spacing-for-points", test_spacing_for_points);
  return g_test_run();
}
