/* media-test-util.c — helpers shared by the media tests: temporary folders and test sweeps
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "media-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

char *
media_test_make_dir(void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp("cs-media-XXXXXX", &error);

  g_assert_no_error(error);
  return dir;
}

void
media_test_remove_dir(const char *dir)
{
  g_autoptr(GDir) folder = g_dir_open(dir, 0, NULL);
  const char *name;

  if (folder == NULL)
    return;
  while ((name = g_dir_read_name(folder)) != NULL) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_DIR))
      media_test_remove_dir(path);
    else
      g_unlink(path);
  }
  g_rmdir(dir);
}

gboolean
media_test_have_ffmpeg(void)
{
  g_autofree char *program = g_find_program_in_path("ffmpeg");

  if (program == NULL) {
    g_test_skip("the ffmpeg program is not installed");
    return FALSE;
  }
  return TRUE;
}

void
media_test_ffmpeg(const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_ptr_array_add(argv, (char *)"ffmpeg");
  g_ptr_array_add(argv, (char *)"-hide_banner");
  g_ptr_array_add(argv, (char *)"-nostdin");
  g_ptr_array_add(argv, (char *)"-loglevel");
  g_ptr_array_add(argv, (char *)"error");
  g_ptr_array_add(argv, (char *)"-y");
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add(argv, (char *)args[i]);
  g_ptr_array_add(argv, NULL);
  g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
               NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, NULL))
    g_error("ffmpeg failed: %s", err);
}

guint8 *
media_test_make_frames(int n, int width, int height, guint seed)
{
  guint8 *frames = g_malloc((gsize)n * width * height);
  guint32 state = seed * 2654435761u + 12345u;

  for (int f = 0; f < n; f++) {
    guint8 *frame = frames + (gsize)f * width * height;
    /* A bright disc drifting across a gradient: motion for inter-frame coders. */
    double cx = width * (0.25 + 0.5 * f / MAX(n - 1, 1)), cy = height * 0.5;
    double r = height * 0.2;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int v = (x * 160) / width + (y * 60) / height;
        double dx = x - cx, dy = y - cy;
        if (dx * dx + dy * dy < r * r)
          v = 220 - (int)(30.0 * (dx * dx + dy * dy) / (r * r));
        state = state * 1664525u + 1013904223u;
        v += (int)(state >> 28) - 8;
        frame[(gsize)y * width + x] = (guint8)CLAMP(v, 0, 255);
      }
    }
  }
  return frames;
}

void
media_test_write(const char *path, const void *data, gsize size)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents(path, data, (gssize)size, &error);
  g_assert_no_error(error);
}

guint8 *
media_test_frame_copy(CsSweep *sweep, int index)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsFrame) frame = cs_sweep_get_frame(sweep, index, &error);

  g_assert_no_error(error);
  g_assert_nonnull(frame);
  g_assert_cmpint(frame->index, ==, index);
  g_assert_cmpint(frame->stride, ==, frame->width);
  return g_memdup2(frame->data, (gsize)frame->stride * frame->height);
}
