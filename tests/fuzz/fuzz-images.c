/* fuzz-images.c — the libFuzzer entry point for still images and folders of numbered images
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first byte chooses: even, the rest of the input is one still image; odd, it is written
 * twice into a folder (img-1, img-2 with an image extension the byte also chooses) and the folder
 * is opened as a sweep. Either way cs_sweep_open() reads it (the header's claimed size checked
 * before a decoder sees it, then FFmpeg's image demuxers and decoders) and frames are decoded.
 * Whatever the bytes, nothing may crash, read out of bounds or leak, and a refusal is one line.
 */
#include <stdint.h>
#include <stdlib.h>

#include <glib/gstdio.h>

#include "cs-sweep.h"
#include "fuzz-media-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const extensions[] = {
  "png", "jpg", "bmp", "tif", "pgm", "ppm", "jpeg", "tiff"
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *dir = fuzz_media_dir();
  char *path;

  if (size < 1)
    return 0;
  if (data[0] % 2 == 0) {
    path = g_build_filename(dir, "still.png", NULL);
    fuzz_media_write(path, data + 1, size - 1);
    if (!cs_dicom_sniff(path))
      fuzz_media_read_sweep(path);
    g_unlink(path);
  } else {
    const char *extension = extensions[(data[0] >> 1) % G_N_ELEMENTS(extensions)];
    char *name1 = g_strdup_printf("img-1.%s", extension);
    char *name2 = g_strdup_printf("img-2.%s", extension);
    char *file1, *file2;

    path = g_build_filename(dir, "folder", NULL);
    file1 = g_build_filename(path, name1, NULL);
    file2 = g_build_filename(path, name2, NULL);
    if (g_mkdir(path, 0700) != 0)
      abort();
    fuzz_media_write(file1, data + 1, size - 1);
    fuzz_media_write(file2, data + 1, size - 1);
    fuzz_media_read_sweep(path);
    g_unlink(file1);
    g_unlink(file2);
    g_rmdir(path);
    g_free(file1);
    g_free(file2);
    g_free(name1);
    g_free(name2);
  }
  g_free(path);
  return 0;
}
