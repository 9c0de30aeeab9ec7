/* cs-gradcam.c — Grad-CAM from a feature map and its gradient
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-gradcam.h"

#include <stdlib.h>

/* The source coordinate of destination index @i under align_corners=False, clamped at 0 as
 * PyTorch does, split into the lower index, the upper index and the weight of the upper one. */
static void
source_index(int i, double scale, int size, int *lo, int *hi, float *frac)
{
  double s = (i + 0.5) * scale - 0.5;

  if (s < 0)
    s = 0;
  *lo = (int)s;
  if (*lo > size - 1)
    *lo = size - 1;
  *hi = *lo + 1 < size ? *lo + 1 : size - 1;
  *frac = (float)(s - *lo);
}

void
cs_gradcam_upsample(const float *src, int src_w, int src_h, float *dst, int dst_w, int dst_h)
{
  double scale_x = (double)src_w / dst_w, scale_y = (double)src_h / dst_h;

  for (int y = 0; y < dst_h; y++) {
    int y0, y1;
    float fy;
    source_index(y, scale_y, src_h, &y0, &y1, &fy);
    for (int x = 0; x < dst_w; x++) {
      int x0, x1;
      float fx;
      source_index(x, scale_x, src_w, &x0, &x1, &fx);
      float top = (1 - fx) * src[y0 * src_w + x0] + fx * src[y0 * src_w + x1];
      float bottom = (1 - fx) * src[y1 * src_w + x0] + fx * src[y1 * src_w + x1];
      dst[(size_t)y * dst_w + x] = (1 - fy) * top + fy * bottom;
    }
  }
}

int
cs_gradcam_combine(const float *activations, const float *gradients, int channels, int fh, int fw,
                   int relu, int out_w, int out_h, float *map, float *coarse)
{
  if (activations == NULL || gradients == NULL || map == NULL || channels < 1 || fh < 1 || fw < 1 ||
      out_w < 1 || out_h < 1 || (long)channels * fh * fw > (1L << 28))
    return -1;
  size_t plane = (size_t)fh * fw;
  double *sum = calloc(plane, sizeof(double));
  float *cam = malloc(plane * sizeof(float));
  if (sum == NULL || cam == NULL) {
    free(sum);
    free(cam);
    return -1;
  }
  for (int c = 0; c < channels; c++) {
    const float *g = gradients + (size_t)c * plane;
    const float *a = activations + (size_t)c * plane;
    double alpha = 0;
    for (size_t i = 0; i < plane; i++)
      alpha += g[i];
    alpha /= (double)plane;
    for (size_t i = 0; i < plane; i++)
      sum[i] += alpha * a[i];
  }
  for (size_t i = 0; i < plane; i++)
    cam[i] = (float)(relu && sum[i] < 0 ? 0.0 : sum[i]);
  if (coarse != NULL)
    for (size_t i = 0; i < plane; i++)
      coarse[i] = cam[i];
  cs_gradcam_upsample(cam, fw, fh, map, out_w, out_h);
  free(sum);
  free(cam);
  return 0;
}
