/* cs-dicom-probe-main.c — carpalscope-dicom-probe: the trial read of one DICOM file
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: carpalscope-dicom-probe image|dir FILE
 *
 * Reads FILE through GDCM as the application would (an image: its header and every frame; a
 * DICOMDIR: its records) and exits 0; a file that stops GDCM ends it by a signal. The application
 * starts it before reading a file itself (cs_dicom_probe_in_child()), so a damaged file costs this
 * process, not the user's work. A file GDCM merely refuses is not this program's concern: the
 * application reads it again and says why.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cs-sweep-private.h"

int
main(int argc, char **argv)
{
  if (argc != 3 || (strcmp(argv[1], "image") != 0 && strcmp(argv[1], "dir") != 0)) {
    fprintf(stderr, "usage: %s image|dir FILE\n", argc > 0 ? argv[0] : "carpalscope-dicom-probe");
    return 2;
  }
  cs_dicom_trial_read(strcmp(argv[1], "dir") == 0 ? CS_DICOM_TRIAL_DIR : CS_DICOM_TRIAL_IMAGE,
                      argv[2]);
  return 0;
}
