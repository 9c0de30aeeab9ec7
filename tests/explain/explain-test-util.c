/* explain-test-util.c — crops and helpers shared by the explain tests
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "explain-test-util.h"

#include <math.h>
#include <string.h>

void
explain_test_synthetic_crop(guint64 seed, int width, int height, guint8 *crop, int *labels)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed((guint32)seed);
  /* Shapes like a B-mode crop: a bright oval rim around a darker nerve, a bright band (a
   * ligament) and a dark disc (a vessel), on a mid-gray speckled background. */
  double cx = width * 0.45, cy = height * 0.5, rx = width * 0.22, ry = height * 0.14;

  for (int y = 0; y < height; y++) {
    for (int x = 0; x < width; x++) {
      int label = 0;
      double base = 90;
      double ex = (x - cx) / rx, ey = (y - cy) / ry;
      double r = sqrt(ex * ex + ey * ey);
      if (r < 0.8) {
        label = 1;
        base = 55;
      } else if (r < 1.0) {
        label = 2;
        base = 190;
      } else if (y > height * 0.15 && y < height * 0.25) {
        label = 3;
        base = 160;
      } else if (hypot(x - width * 0.82, y - height * 0.78) < width * 0.09) {
        label = 4;
        base = 20;
      }
      /* Multiplicative speckle, Rayleigh-like, with a mean of one. */
      double u = g_rand_double_range(rand, 1e-6, 1.0);
      double speckle = sqrt(-2.0 * log(u)) / 1.2533;
      double v = base * (0.6 + 0.4 * speckle);
      crop[(gsize)y * width + x] = (guint8)CLAMP(lround(v), 0, 255);
      if (labels != NULL)
        labels[(gsize)y * width + x] = label;
    }
  }
}

/* Reads little-endian fields byte by byte: BMP headers are not aligned. */
static guint32
le32(const guint8 *p)
{
  return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

guint8 *
explain_test_read_bmp_gray(const char *path, int *width, int *height)
{
  g_autofree guint8 *data = NULL;
  gsize length = 0;

  if (!g_file_get_contents(path, (char **)&data, &length, NULL) || length < 54 || data[0] != 'B' ||
      data[1] != 'M')
    return NULL;
  guint32 offset = le32(data + 10);
  gint32 w = (gint32)le32(data + 18);
  gint32 h = (gint32)le32(data + 22);
  guint16 bpp = (guint16)(data[28] | data[29] << 8);
  guint32 compression = le32(data + 30);
  gboolean bottom_up = h > 0;
  if (h < 0)
    h = -h;
  if (bpp != 24 || compression != 0 || w < 1 || h < 1 || w > 8192 || h > 8192)
    return NULL;
  gsize row_bytes = ((gsize)w * 3 + 3) & ~(gsize)3;
  if (offset + row_bytes * h > length)
    return NULL;
  guint8 *gray = g_malloc((gsize)w * h);
  for (int y = 0; y < h; y++) {
    const guint8 *row = data + offset + row_bytes * (bottom_up ? h - 1 - y : y);
    for (int x = 0; x < w; x++)
      gray[(gsize)y * w + x] = (guint8)((row[3 * x] + row[3 * x + 1] + row[3 * x + 2] + 1) / 3);
  }
  *width = w;
  *height = h;
  return gray;
}

const char *
explain_test_realdata_dir(void)
{
  static char *dir = NULL;
  const char *root = g_getenv("CARPALSCOPE_REALDATA");

  if (root == NULL)
    return NULL;
  if (dir == NULL)
    dir = g_build_filename(root, "dl-unet", NULL);
  return g_file_test(dir, G_FILE_TEST_IS_DIR) ? dir : NULL;
}

gboolean
explain_test_realdata_crop(const char *name, int size, guint8 **crop, int **mask)
{
  const char *dir = explain_test_realdata_dir();
  int w, h, mw, mh;

  if (dir == NULL)
    return FALSE;
  g_autofree char *file = g_strconcat(name, ".bmp", NULL);
  g_autofree char *image_path = g_build_filename(dir, "Images", file, NULL);
  g_autofree char *mask_path = g_build_filename(dir, "Masks", file, NULL);
  g_autofree guint8 *image = explain_test_read_bmp_gray(image_path, &w, &h);
  g_autofree guint8 *nerve = explain_test_read_bmp_gray(mask_path, &mw, &mh);
  if (image == NULL || nerve == NULL || w != mw || h != mh || w < size || h < size)
    return FALSE;

  /* Centre the crop on the nerve mask's bounding box, kept inside the image. */
  int x0 = w, x1 = -1, y0 = h, y1 = -1;
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      if (nerve[(gsize)y * w + x] > 127) {
        x0 = MIN(x0, x);
        x1 = MAX(x1, x);
        y0 = MIN(y0, y);
        y1 = MAX(y1, y);
      }
    }
  }
  if (x1 < 0)
    return FALSE;
  int left = CLAMP((x0 + x1) / 2 - size / 2, 0, w - size);
  int top = CLAMP((y0 + y1) / 2 - size / 2, 0, h - size);
  *crop = g_malloc((gsize)size * size);
  *mask = g_new(int, (gsize)size *size);
  for (int y = 0; y < size; y++) {
    for (int x = 0; x < size; x++) {
      gsize src = (gsize)(top + y) * w + left + x;
      (*crop)[(gsize)y * size + x] = image[src];
      (*mask)[(gsize)y * size + x] = nerve[src] > 127;
    }
  }
  return TRUE;
}
