/* fuzz-video.c — the libFuzzer entry point for video sweeps (FFmpeg containers and decoders)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writes the input to a file and opens it as a sweep with cs_sweep_open(): FFmpeg's safe opening
 * (probing by content, the demuxer and decoder lists, the size caps), the frame index, then frames
 * decoded out of order and through a second reader. DICOM files have their own harness
 * (fuzz-dicom.c) and are passed over here. Whatever the bytes, nothing may crash, read out of
 * bounds or leak (AddressSanitizer and UBSan watch), and a refusal must be one line.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cs-sweep.h"
#include "fuzz-media-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *path = g_build_filename(fuzz_media_dir(), "sweep.video", NULL);

  fuzz_media_write(path, data, size);
  if (!cs_dicom_sniff(path))
    fuzz_media_read_sweep(path);
  g_free(path);
  return 0;
}
