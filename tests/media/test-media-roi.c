/* test-media-roi.c — ROI keyframes, interpolation, conversion to pixels, crop and padding
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-error.h"
#include "cs-roi.h"

#include <math.h>
#include <string.h>

static void
test_track_keys(void)
{
  g_autoptr(CsRoiTrack) track = cs_roi_track_new(CS_ROI_UNIT_MM);
  g_autoptr(CsRoiTrack) copy = NULL;
  CsRoiKey roi;

  g_assert_cmpint(cs_roi_track_get_unit(track), ==, CS_ROI_UNIT_MM);
  g_assert_false(cs_roi_track_get_at(track, 0, &roi));
  /* Out of order, then one replaced. */
  g_assert_true(cs_roi_track_set_key(track, 40, 300, 200, 15));
  g_assert_true(cs_roi_track_set_key(track, 10, 100, 100, 15));
  g_assert_true(cs_roi_track_set_key(track, 20, 150, 120, 10));
  g_assert_true(cs_roi_track_set_key(track, 20, 200, 120, 10));
  g_assert_cmpuint(cs_roi_track_get_n_keys(track), ==, 3);
  g_assert_cmpint(cs_roi_track_get_key(track, 0)->frame, ==, 10);
  g_assert_cmpint(cs_roi_track_get_key(track, 1)->frame, ==, 20);
  g_assert_cmpfloat(cs_roi_track_get_key(track, 1)->x, ==, 200);
  g_assert_cmpint(cs_roi_track_get_key(track, 2)->frame, ==, 40);
  /* Invalid keys are refused and change nothing. */
  g_assert_false(cs_roi_track_set_key(track, -1, 0, 0, 15));
  g_assert_false(cs_roi_track_set_key(track, 5, 0, 0, 0));
  g_assert_false(cs_roi_track_set_key(track, 5, NAN, 0, 15));
  g_assert_cmpuint(cs_roi_track_get_n_keys(track), ==, 3);

  copy = cs_roi_track_copy(track);
  g_assert_true(cs_roi_track_remove_key(track, 20));
  g_assert_false(cs_roi_track_remove_key(track, 20));
  g_assert_cmpuint(cs_roi_track_get_n_keys(track), ==, 2);
  g_assert_cmpuint(cs_roi_track_get_n_keys(copy), ==, 3);
}

static void
test_track_interpolation(void)
{
  g_autoptr(CsRoiTrack) track = cs_roi_track_new(CS_ROI_UNIT_MM);
  CsRoiKey roi;

  cs_roi_track_set_key(track, 10, 100, 50, 15);
  cs_roi_track_set_key(track, 20, 200, 70, 10);
  cs_roi_track_set_key(track, 30, 200, 70, 10);

  /* Before the first keyframe: held. */
  g_assert_true(cs_roi_track_get_at(track, 0, &roi));
  g_assert_cmpint(roi.frame, ==, 0);
  g_assert_cmpfloat(roi.x, ==, 100);
  g_assert_cmpfloat(roi.y, ==, 50);
  g_assert_cmpfloat(roi.size, ==, 15);
  /* On a keyframe: exactly it. */
  g_assert_true(cs_roi_track_get_at(track, 20, &roi));
  g_assert_cmpfloat(roi.x, ==, 200);
  /* Between: linear in centre and size. */
  g_assert_true(cs_roi_track_get_at(track, 13, &roi));
  g_assert_cmpint(roi.frame, ==, 13);
  g_assert_cmpfloat_with_epsilon(roi.x, 130, 1e-9);
  g_assert_cmpfloat_with_epsilon(roi.y, 56, 1e-9);
  g_assert_cmpfloat_with_epsilon(roi.size, 13.5, 1e-9);
  g_assert_true(cs_roi_track_get_at(track, 25, &roi));
  g_assert_cmpfloat_with_epsilon(roi.x, 200, 1e-9);
  /* After the last: held. */
  g_assert_true(cs_roi_track_get_at(track, 1000, &roi));
  g_assert_cmpint(roi.frame, ==, 1000);
  g_assert_cmpfloat(roi.x, ==, 200);
  g_assert_cmpfloat(roi.size, ==, 10);
}

static void
test_to_rect(void)
{
  CsSpacing spacing = cs_spacing_new(0.1, CS_SPACING_SOURCE_PHANTOM_TRUTH);
  CsSpacing unknown = cs_spacing_unknown();
  CsRoiKey roi = { 3, 200.0, 150.0, CS_ROI_DEFAULT_SIZE_MM };
  CsRoiRect rect;
  g_autoptr(GError) error = NULL;

  /* 15 mm at 0.1 mm/px is 150 px, centred on (200, 150). */
  g_assert_true(cs_roi_to_rect(&roi, CS_ROI_UNIT_MM, &spacing, &rect, &error));
  g_assert_no_error(error);
  g_assert_cmpint(rect.x, ==, 125);
  g_assert_cmpint(rect.y, ==, 75);
  g_assert_cmpint(rect.width, ==, 150);
  g_assert_cmpint(rect.height, ==, 150);

  /* In mm without a spacing: refused, never guessed. */
  g_assert_false(cs_roi_to_rect(&roi, CS_ROI_UNIT_MM, &unknown, &rect, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "spacing is unknown"));
  g_clear_error(&error);

  /* In px, the spacing does not matter. */
  roi.size = 64;
  g_assert_true(cs_roi_to_rect(&roi, CS_ROI_UNIT_PX, &unknown, &rect, &error));
  g_assert_cmpint(rect.x, ==, 168);
  g_assert_cmpint(rect.y, ==, 118);
  g_assert_cmpint(rect.width, ==, 64);
  g_assert_true(cs_roi_rect_is_inside(&rect, 400, 300));
  g_assert_false(cs_roi_rect_is_inside(&rect, 200, 300));

  roi.size = 0.4;
  g_assert_false(cs_roi_to_rect(&roi, CS_ROI_UNIT_PX, NULL, &rect, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_clear_error(&error);
  roi.size = 1e6;
  g_assert_false(cs_roi_to_rect(&roi, CS_ROI_UNIT_PX, NULL, &rect, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_TOO_LARGE);
}

/* A 40 x 30 image whose pixel (x, y) is 1 + x + y (never 0, so padding is visible). */
static guint8 *
make_image(int stride)
{
  guint8 *image = g_malloc0((gsize)stride * 30);

  for (int y = 0; y < 30; y++)
    for (int x = 0; x < 40; x++)
      image[y * stride + x] = (guint8)(1 + x + y);
  return image;
}

static void
test_extract_inside(void)
{
  g_autofree guint8 *image = make_image(48);
  CsRoiRect rect = { 5, 7, 10, 6 };
  gboolean padded = TRUE;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *crop = cs_roi_extract(image, 40, 30, 48, &rect, &padded, &error);

  g_assert_no_error(error);
  g_assert_false(padded);
  for (int y = 0; y < 6; y++)
    for (int x = 0; x < 10; x++)
      g_assert_cmpint(crop[y * 10 + x], ==, 1 + (x + 5) + (y + 7));
}

/* A ROI over the corner: the outside part is black (0) and the crop says it was padded. */
static void
test_extract_padded(void)
{
  g_autofree guint8 *image = make_image(40);
  CsRoiRect rect = { -4, 25, 8, 8 };
  gboolean padded = FALSE;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *crop = cs_roi_extract(image, 40, 30, 40, &rect, &padded, &error);

  g_assert_no_error(error);
  g_assert_true(padded);
  for (int y = 0; y < 8; y++) {
    for (int x = 0; x < 8; x++) {
      int ix = x - 4, iy = y + 25;
      int expected = ix >= 0 && iy < 30 ? 1 + ix + iy : 0;
      g_assert_cmpint(crop[y * 8 + x], ==, expected);
    }
  }

  /* Wholly outside: refused. */
  rect = (CsRoiRect){ 40, 0, 8, 8 };
  g_assert_null(cs_roi_extract(image, 40, 30, 40, &rect, &padded, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "outside"));
}

/* Cropping to the network input: same size is the crop itself; shrinking a flat area stays flat;
 * the padded border stays black after resampling. */
static void
test_crop_resample(void)
{
  g_autofree guint8 *image = make_image(40);
  g_autofree guint8 *flat = g_malloc(200 * 150);
  guint8 out[24 * 24];
  CsRoiRect rect = { 3, 2, 24, 24 };
  gboolean padded = TRUE;
  g_autoptr(GError) error = NULL;

  g_assert_true(cs_roi_crop(image, 40, 30, 40, &rect, 24, 24, out, &padded, &error));
  g_assert_no_error(error);
  g_assert_false(padded);
  for (int y = 0; y < 24; y++)
    for (int x = 0; x < 24; x++)
      g_assert_cmpint(out[y * 24 + x], ==, 1 + (x + 3) + (y + 2));

  memset(flat, 90, 200 * 150);
  rect = (CsRoiRect){ 10, 10, 120, 120 };
  g_assert_true(cs_roi_crop(flat, 200, 150, 200, &rect, 24, 24, out, &padded, &error));
  g_assert_false(padded);
  for (int i = 0; i < 24 * 24; i++)
    g_assert_cmpint(out[i], ==, 90);

  /* The right half of this ROI lies outside the frame. */
  rect = (CsRoiRect){ 140, 20, 120, 120 };
  g_assert_true(cs_roi_crop(flat, 200, 150, 200, &rect, 24, 24, out, &padded, &error));
  g_assert_true(padded);
  for (int y = 0; y < 24; y++) {
    g_assert_cmpint(out[y * 24 + 2], ==, 90);
    g_assert_cmpint(out[y * 24 + 21], ==, 0);
  }
}

/* The track gives each frame's rectangle directly, or says why it cannot. */
static void
test_track_rect(void)
{
  g_autoptr(CsRoiTrack) track = cs_roi_track_new(CS_ROI_UNIT_MM);
  CsSpacing spacing = cs_spacing_new(0.1, CS_SPACING_SOURCE_STUDY);
  CsSpacing unknown = cs_spacing_unknown();
  CsRoiRect rect;
  g_autoptr(GError) error = NULL;

  g_assert_false(cs_roi_track_get_rect(track, 0, &spacing, &rect, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
  g_clear_error(&error);
  cs_roi_track_set_key(track, 0, 100, 100, 10);
  cs_roi_track_set_key(track, 10, 200, 100, 20);
  g_assert_true(cs_roi_track_get_rect(track, 5, &spacing, &rect, &error));
  g_assert_no_error(error);
  /* Centre (150, 100), 15 mm = 150 px. */
  g_assert_cmpint(rect.x, ==, 75);
  g_assert_cmpint(rect.y, ==, 25);
  g_assert_cmpint(rect.width, ==, 150);
  g_assert_false(cs_roi_track_get_rect(track, 5, &unknown, &rect, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/roi/track-keys", test_track_keys);
  g_test_add_func("/media/roi/track-interpolation", test_track_interpolation);
  g_test_add_func("/media/roi/to-rect", test_to_rect);
  g_test_add_func("/media/roi/track-rect", test_track_rect);
  g_test_add_func("/media/roi/extract-inside", test_extract_inside);
  g_test_add_func("/media/roi/extract-padded", test_extract_padded);
  g_test_add_func("/media/roi/crop-resample", test_crop_resample);
  return g_test_run();
}
