/* test-media-spacing.c — pixel spacing with its source; manual calibration; px when unknown
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-error.h"
#include "cs-spacing.h"

#include <math.h>
#include <string.h>

/* Two points 100 px apart horizontally and 5 mm apart in the body: 0.05 mm/px. */
static void
test_calibrate(void)
{
  CsSpacing spacing = cs_spacing_unknown();
  g_autoptr(GError) error = NULL;

  g_assert_true(cs_spacing_calibrate(10, 20, 110, 20, 5.0, &spacing, &error));
  g_assert_no_error(error);
  g_assert_cmpint(spacing.source, ==, CS_SPACING_SOURCE_MANUAL);
  g_assert_cmpfloat_with_epsilon(spacing.mm_per_px, 0.05, 1e-12);
  g_assert_true(cs_spacing_is_known(&spacing));

  /* A diagonal 3-4-5 triangle: 50 px for 10 mm. */
  g_assert_true(cs_spacing_calibrate(0, 0, 30, 40, 10.0, &spacing, &error));
  g_assert_cmpfloat_with_epsilon(spacing.mm_per_px, 0.2, 1e-12);
  g_assert_cmpfloat_with_epsilon(cs_spacing_length_mm(&spacing, 25), 5.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(cs_spacing_area_mm2(&spacing, 100), 4.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(cs_spacing_mm_to_px(&spacing, 15), 75.0, 1e-12);
}

static void
test_calibrate_refused(void)
{
  CsSpacing spacing = cs_spacing_new(0.1, CS_SPACING_SOURCE_STUDY);
  g_autoptr(GError) error = NULL;

  g_assert_false(cs_spacing_calibrate(10, 10, 12, 11, 5.0, &spacing, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "apart"));
  g_clear_error(&error);
  g_assert_false(cs_spacing_calibrate(0, 0, 100, 0, 0.0, &spacing, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_false(cs_spacing_calibrate(0, 0, 100, 0, -3.0, &spacing, &error));
  g_clear_error(&error);
  g_assert_false(cs_spacing_calibrate(0, NAN, 100, 0, 3.0, &spacing, &error));
  g_clear_error(&error);
  /* A refused calibration leaves the previous spacing alone. */
  g_assert_cmpint(spacing.source, ==, CS_SPACING_SOURCE_STUDY);
  g_assert_cmpfloat(spacing.mm_per_px, ==, 0.1);
}

/* No value without a source and no source without a value. */
static void
test_new(void)
{
  CsSpacing spacing = cs_spacing_new(0.08, CS_SPACING_SOURCE_PHANTOM_TRUTH);

  g_assert_true(cs_spacing_is_known(&spacing));
  spacing = cs_spacing_new(0.08, CS_SPACING_SOURCE_UNKNOWN);
  g_assert_false(cs_spacing_is_known(&spacing));
  g_assert_cmpfloat(spacing.mm_per_px, ==, 0.0);
  spacing = cs_spacing_new(0.0, CS_SPACING_SOURCE_STUDY);
  g_assert_false(cs_spacing_is_known(&spacing));
  g_assert_cmpint(spacing.source, ==, CS_SPACING_SOURCE_UNKNOWN);
  spacing = cs_spacing_new(INFINITY, CS_SPACING_SOURCE_DICOM);
  g_assert_false(cs_spacing_is_known(&spacing));
}

/* Unknown spacing formats in px; known spacing in mm. */
static void
test_format(void)
{
  CsSpacing unknown = cs_spacing_unknown();
  CsSpacing known = cs_spacing_new(0.1, CS_SPACING_SOURCE_MANUAL);
  g_autofree char *length_px = cs_spacing_format_length(&unknown, 37);
  g_autofree char *area_px = cs_spacing_format_area(&unknown, 1234);
  g_autofree char *length_mm = cs_spacing_format_length(&known, 37);
  g_autofree char *area_mm = cs_spacing_format_area(&known, 1234);

  g_assert_cmpstr(length_px, ==, "37.0 px");
  g_assert_cmpstr(area_px, ==, "1234 px²");
  g_assert_cmpstr(length_mm, ==, "3.70 mm");
  g_assert_cmpstr(area_mm, ==, "12.3 mm²");
}

static void
test_source_strings(void)
{
  for (int s = CS_SPACING_SOURCE_UNKNOWN; s <= CS_SPACING_SOURCE_DICOM; s++) {
    CsSpacingSource parsed = CS_SPACING_SOURCE_UNKNOWN;
    const char *id = cs_spacing_source_to_string(s);
    g_assert_true(cs_spacing_source_from_string(id, &parsed));
    g_assert_cmpint(parsed, ==, s);
  }
  {
    CsSpacingSource parsed = CS_SPACING_SOURCE_MANUAL;
    g_assert_false(cs_spacing_source_from_string("guess", &parsed));
    g_assert_false(cs_spacing_source_from_string(NULL, &parsed));
    g_assert_cmpint(parsed, ==, CS_SPACING_SOURCE_MANUAL);
  }
  g_assert_cmpstr(cs_spacing_source_to_string(CS_SPACING_SOURCE_PHANTOM_TRUTH), ==,
                  "phantom-truth");
}

/* One label says where every mm comes from; a DICOM spacing names its region or says it is the
 * Pixel Spacing fallback, and an unknown spacing says it is in pixels whatever it holds. */
static void
test_label(void)
{
  const struct {
    CsSpacing spacing;
    const char *label;
  } cases[] = {
    { cs_spacing_new_dicom_region(0.2623, 0), "DICOM region 0" },
    { cs_spacing_new_dicom_region(0.38, 12), "DICOM region 12" },
    { cs_spacing_new(0.3, CS_SPACING_SOURCE_DICOM), "DICOM pixel spacing (fallback)" },
    { cs_spacing_new(0.1, CS_SPACING_SOURCE_STUDY), "study file" },
    { cs_spacing_new(0.1, CS_SPACING_SOURCE_MANUAL), "manual calibration" },
    { cs_spacing_new(0.06, CS_SPACING_SOURCE_PHANTOM_TRUTH), "phantom truth" },
    { cs_spacing_unknown(), "none: pixels" },
    { cs_spacing_new_dicom_region(-1.0, 3), "none: pixels" },
    { cs_spacing_new(NAN, CS_SPACING_SOURCE_DICOM), "none: pixels" },
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *english = cs_spacing_dup_label(&cases[i].spacing, FALSE);
    g_autofree char *translated = cs_spacing_dup_label(&cases[i].spacing, TRUE);

    g_assert_cmpstr(english, ==, cases[i].label);
    /* No catalogue is bound in the test: the translated label falls back to English. */
    g_assert_cmpstr(translated, ==, cases[i].label);
  }
  g_assert_cmpint(cs_spacing_new_dicom_region(0.2, 4).region, ==, 4);
  g_assert_cmpint(cs_spacing_new(0.2, CS_SPACING_SOURCE_DICOM).region, ==, CS_SPACING_NO_REGION);
  g_assert_cmpint(cs_spacing_new(0.2, CS_SPACING_SOURCE_MANUAL).region, ==, CS_SPACING_NO_REGION);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/spacing/calibrate", test_calibrate);
  g_test_add_func("/media/spacing/calibrate-refused", test_calibrate_refused);
  g_test_add_func("/media/spacing/new", test_new);
  g_test_add_func("/media/spacing/format", test_format);
  g_test_add_func("/media/spacing/source-strings", test_source_strings);
  g_test_add_func("/media/spacing/label", test_label);
  return g_test_run();
}
