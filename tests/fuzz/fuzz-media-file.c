/* fuzz-media-file.c — what the media harnesses share: the input as a file, a sweep read through
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-media-file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cs-sweep.h"
#include "fuzz-refusal.h"

static char *work_dir;

static void
remove_work_dir(void)
{
  const char *name;
  GDir *dir = g_dir_open(work_dir, 0, NULL);

  while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
    char *path = g_build_filename(work_dir, name, NULL);

    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
      GDir *inner = g_dir_open(path, 0, NULL);
      const char *child;

      while (inner != NULL && (child = g_dir_read_name(inner)) != NULL) {
        char *child_path = g_build_filename(path, child, NULL);
        g_unlink(child_path);
        g_free(child_path);
      }
      if (inner != NULL)
        g_dir_close(inner);
      g_rmdir(path);
    } else {
      g_unlink(path);
    }
    g_free(path);
  }
  if (dir != NULL)
    g_dir_close(dir);
  g_rmdir(work_dir);
}

const char *
fuzz_media_dir(void)
{
  if (work_dir == NULL) {
    const char *base = g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir();
    char *template = g_strdup_printf("%s/carpalscope-fuzz-%d-XXXXXX", base, (int)getpid());

    work_dir = g_mkdtemp(template);
    if (work_dir == NULL)
      abort();
    atexit(remove_work_dir);
  }
  return work_dir;
}

void
fuzz_media_write(const char *path, const uint8_t *data, size_t size)
{
  FILE *file = fopen(path, "wb");

  if (file == NULL || (size > 0 && fwrite(data, 1, size, file) != size) || fclose(file) != 0)
    abort();
}

static void
read_frame(CsSweep *sweep, int index)
{
  GError *error = NULL;
  CsFrame *frame = cs_sweep_get_frame(sweep, index, &error);

  if (frame == NULL) {
    fuzz_check_refusal(error, TRUE);
    return;
  }
  if (frame->width != cs_sweep_get_width(sweep) || frame->height != cs_sweep_get_height(sweep) ||
      frame->stride != frame->width || frame->index != index)
    abort();
  cs_frame_unref(frame);
}

void
fuzz_media_read_sweep(const char *path)
{
  GError *error = NULL;
  CsSweep *sweep = cs_sweep_open(path, &error);
  CsSweep *reader;
  int n;

  if (sweep == NULL) {
    fuzz_check_refusal(error, TRUE);
    return;
  }
  n = cs_sweep_get_n_frames(sweep);
  if (n < 1 || n > CS_SWEEP_MAX_FRAMES || cs_sweep_get_width(sweep) < 1 ||
      cs_sweep_get_width(sweep) > CS_SWEEP_MAX_SIDE || cs_sweep_get_height(sweep) < 1 ||
      cs_sweep_get_height(sweep) > CS_SWEEP_MAX_SIDE)
    abort();
  for (int i = 0; i < n; i++)
    (void)cs_sweep_get_frame_time(sweep, i);
  /* Frames out of order: the last, the middle, then the first again past the cache. */
  read_frame(sweep, n - 1);
  read_frame(sweep, n / 2);
  cs_sweep_clear_cache(sweep);
  read_frame(sweep, 0);
  reader = cs_sweep_open_reader(sweep, &error);
  if (reader == NULL) {
    fuzz_check_refusal(error, TRUE);
  } else {
    read_frame(reader, n - 1);
    g_object_unref(reader);
  }
  g_object_unref(sweep);
}
