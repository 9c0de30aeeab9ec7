/* augment-crop.c — the desktop trainer's augmentation of one crop, for comparison with PyTorch's
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: augment-crop IN.pgm OUT.pgm SEED [paper|light]
 * Reads a square 8-bit binary PGM as export-crops writes it, applies cs_train_augment_mode() with
 * a splitmix64 state of SEED (its six draws: flip, angle, scale, tx, ty, shear) and writes the
 * result the same way.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-train.h"

int
main(int argc, char **argv)
{
  g_autofree char *data = NULL, *header = NULL, *out = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  int width = 0, height = 0, maxval = 0, used = 0;
  guint64 state;
  CsTrainAugment mode = CS_TRAIN_AUGMENT_PAPER;
  g_autofree guint8 *dst = NULL;

  if (argc < 4 || argc > 5) {
    fprintf(stderr, "usage: augment-crop IN.pgm OUT.pgm SEED [paper|light]\n");
    return 2;
  }
  if (argc == 5 && strcmp(argv[4], "light") == 0)
    mode = CS_TRAIN_AUGMENT_LIGHT;
  state = g_ascii_strtoull(argv[3], NULL, 10);
  if (!g_file_get_contents(argv[1], &data, &len, &error)) {
    fprintf(stderr, "augment-crop: %s\n", error->message);
    return 1;
  }
  if (sscanf(data, "P5 %d %d %d%n", &width, &height, &maxval, &used) != 3 || width != height ||
      maxval != 255 || width < 1 || len != (gsize)used + 1 + (gsize)width * (gsize)height) {
    fprintf(stderr, "augment-crop: %s is not a square 8-bit binary PGM\n", argv[1]);
    return 1;
  }
  dst = g_malloc((gsize)width * (gsize)height);
  cs_train_augment_mode(mode, (const guint8 *)data + used + 1, width, dst, &state);
  header = g_strdup_printf("P5\n%d %d\n255\n", width, height);
  out = g_malloc(strlen(header) + (gsize)width * (gsize)height);
  memcpy(out, header, strlen(header));
  memcpy(out + strlen(header), dst, (gsize)width * (gsize)height);
  if (!g_file_set_contents(argv[2], out, (gssize)(strlen(header) + (gsize)width * (gsize)height),
                           &error)) {
    fprintf(stderr, "augment-crop: %s\n", error->message);
    return 1;
  }
  return 0;
}
