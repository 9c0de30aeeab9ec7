/* test-media-realdata.c — real ultrasound images open with their true sizes (skipped without them)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "test-realdata.h"

#include "cs-error.h"
#include "cs-sweep.h"

#include <string.h>

/* Opens every image of @sub with @suffix and checks its size and that it is not blank. */
static void
check_images(const char *sub, const char *suffix, int width, int height, guint expected_min)
{
  g_autofree char *dir = test_realdata_path(sub, G_FILE_TEST_IS_DIR);
  g_autoptr(GDir) folder = NULL;
  const char *name;
  guint count = 0;

  if (dir == NULL)
    return;
  folder = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(folder);
  while ((name = g_dir_read_name(folder)) != NULL) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(CsSweep) sweep = NULL;
    g_autoptr(CsFrame) frame = NULL;
    guint64 sum = 0;

    if (!g_str_has_suffix(name, suffix))
      continue;
    sweep = cs_sweep_open(path, &error);
    g_assert_no_error(error);
    g_assert_cmpint(cs_sweep_get_kind(sweep), ==, CS_SWEEP_KIND_STILL_IMAGE);
    g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, 1);
    g_assert_cmpint(cs_sweep_get_width(sweep), ==, width);
    g_assert_cmpint(cs_sweep_get_height(sweep), ==, height);
    frame = cs_sweep_get_frame(sweep, 0, &error);
    g_assert_no_error(error);
    for (int i = 0; i < width * height; i++)
      sum += frame->data[i];
    g_assert_cmpuint(sum, >, (guint64)width * height * 5);
    g_assert_cmpuint(sum, <, (guint64)width * height * 200);
    count++;
  }
  g_assert_cmpuint(count, >=, expected_min);
}

/* dl-unet: 606 x 468 24-bit BMP screen captures of the median nerve. */
static void
test_dl_unet(void)
{
  check_images("dl-unet/Images", ".bmp", 606, 468, 10);
}

/* usgra-seg: 512 x 512 8-bit gray PNG. */
static void
test_usgra_seg(void)
{
  check_images("usgra-seg/images", ".png", 512, 512, 5);
}

/* usgra-seg's image folder is not one numbered series without gaps: it is refused, and says where.
 */
static void
test_usgra_folder_gap(void)
{
  g_autofree char *dir = test_realdata_path("usgra-seg/images", G_FILE_TEST_IS_DIR);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) sweep = NULL;

  if (dir == NULL)
    return;
  sweep = cs_sweep_open(dir, &error);
  g_assert_null(sweep);
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, "gap"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/realdata/dl-unet-bmp", test_dl_unet);
  g_test_add_func("/media/realdata/usgra-seg-png", test_usgra_seg);
  g_test_add_func("/media/realdata/usgra-seg-folder-gap", test_usgra_folder_gap);
  return g_test_run();
}
