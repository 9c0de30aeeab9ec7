/* test-study-case-spacing.c — the spacing of one measurement of a case, and where it comes from
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The DICOM files are the real scanner files of ../shared/realdata/dicom (skipped when absent).
 */
#include "config.h"

#include "../tools/test-realdata-sweep.h"

#include "cs-case-spacing.h"
#include "cs-error.h"
#include "cs-study-edit.h"

#include <string.h>

/* A 30 x 30 px square in the Philips' 2D image region (region 0, 0.2623 mm/px). */
static const double nerve[] = { 400, 200, 430, 200, 430, 230, 400, 230 };

static void
assert_label(CsSpacing spacing, const char *expected)
{
  g_autofree char *label = cs_spacing_dup_label(&spacing, FALSE);

  g_assert_cmpstr(label, ==, expected);
}

/* Without a DICOM sweep, the case's spacing serves every measurement, and none is none. */
static void
test_without_dicom(void)
{
  g_autoptr(CsCase) c = cs_case_new("a");
  g_autoptr(GError) error = NULL;
  char *why = NULL;
  CsSpacing spacing;

  spacing = cs_case_get_spacing_for_points(c, NULL, nerve, 4, &why, FALSE);
  g_assert_false(cs_spacing_is_known(&spacing));
  g_assert_null(why);
  assert_label(spacing, "none: pixels");

  g_assert_true(cs_case_set_spacing(c, 0.1, CS_SPACING_SOURCE_MANUAL, &error));
  spacing = cs_case_get_spacing_for_points(c, NULL, nerve, 4, &why, FALSE);
  g_assert_cmpfloat(spacing.mm_per_px, ==, 0.1);
  g_assert_null(why);
  assert_label(spacing, "manual calibration");
  assert_label(cs_case_get_view_spacing(c, NULL), "manual calibration");
  assert_label(cs_case_get_roi_spacing(c, NULL, 10, 10, 40, NULL, FALSE), "manual calibration");

  /* A stored DICOM spacing whose file is not open serves as it is, with its region. */
  g_assert_true(cs_case_set_spacing_full(c, 0.2623, CS_SPACING_SOURCE_DICOM, 0, &error));
  assert_label(cs_case_get_spacing_for_points(c, NULL, nerve, 4, NULL, FALSE), "DICOM region 0");
}

/* The Philips cine: a nerve traced in the 2D region is in mm from region 0, even before the case
 * has a spacing of its own; the spectral strip below it has no mm, and says why; a manual
 * calibration is the user's and serves the whole image. */
static void
test_philips(void)
{
  g_autoptr(CsSweep) sweep = test_realdata_open_sweep("dicom/OBXXXX1A_2frame.dcm");
  g_autoptr(CsCase) c = cs_case_new("philips");
  g_autoptr(CsTracing) tracing = NULL;
  g_autoptr(GError) error = NULL;
  const double strip[] = { 300, 540, 320, 550, 310, 560 };
  g_autofree char *why = NULL;
  CsSpacing spacing;

  if (sweep == NULL)
    return;
  tracing = cs_tracing_new("inlet", 1, nerve, 4);
  g_assert_cmpint(cs_case_add_tracing(c, tracing, &error), ==, 0);
  spacing = cs_case_get_tracing_spacing(c, sweep, 0, &why, FALSE);
  g_assert_null(why);
  g_assert_cmpint(spacing.source, ==, CS_SPACING_SOURCE_DICOM);
  g_assert_cmpint(spacing.region, ==, 0);
  g_assert_cmpfloat_with_epsilon(spacing.mm_per_px, 0.2623, 5e-5);
  assert_label(spacing, "DICOM region 0");
  assert_label(cs_case_get_view_spacing(c, sweep), "DICOM region 0");

  spacing = cs_case_get_spacing_for_points(c, sweep, strip, 3, &why, FALSE);
  g_assert_false(cs_spacing_is_known(&spacing));
  g_assert_nonnull(strstr(why, "DICOM region 1"));
  g_clear_pointer(&why, g_free);

  /* An ROI that reaches from the image region into the strip has no mm either. */
  spacing = cs_case_get_roi_spacing(c, sweep, 400, 510, 60, &why, FALSE);
  g_assert_false(cs_spacing_is_known(&spacing));
  g_assert_nonnull(why);
  g_clear_pointer(&why, g_free);

  g_assert_true(cs_case_calibrate(c, 0.1, CS_SPACING_SOURCE_MANUAL, &error));
  spacing = cs_case_get_spacing_for_points(c, sweep, strip, 3, &why, FALSE);
  g_assert_null(why);
  assert_label(spacing, "manual calibration");
  assert_label(cs_case_get_view_spacing(c, sweep), "manual calibration");
}

/* The Aloka frame: two 2D regions side by side; a measurement across them has no mm and says
 * so, one inside the right one is in that region's mm. */
static void
test_aloka(void)
{
  g_autoptr(CsSweep) sweep = test_realdata_open_sweep("dicom/gdcm-US-ALOKA-16.dcm");
  g_autoptr(CsCase) c = cs_case_new("aloka");
  const double across[] = { 200, 200, 450, 200, 450, 240 };
  const double in_right[] = { 400, 100, 500, 300, 420, 300 };
  g_autofree char *why = NULL;
  CsSpacing spacing;

  if (sweep == NULL)
    return;
  spacing = cs_case_get_spacing_for_points(c, sweep, across, 3, &why, FALSE);
  g_assert_false(cs_spacing_is_known(&spacing));
  g_assert_cmpstr(why, ==, "it crosses DICOM regions 0 and 1, which may differ in scale");
  g_clear_pointer(&why, g_free);

  spacing = cs_case_get_spacing_for_points(c, sweep, in_right, 3, &why, FALSE);
  g_assert_null(why);
  assert_label(spacing, "DICOM region 1");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/study/case-spacing/without-dicom", test_without_dicom);
  g_test_add_func("/study/case-spacing/philips", test_philips);
  g_test_add_func("/study/case-spacing/aloka", test_aloka);
  return g_test_run();
}
