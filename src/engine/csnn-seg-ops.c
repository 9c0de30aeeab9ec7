/* csnn-seg-ops.c — the segmentation network's own operators: bilinear x2 upsampling, the
 * concatenation's backward and the Dice and cross-entropy loss
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bilinear x2 with align_corners=False samples output pixel o at input coordinate o / 2 - 0.25:
 * an even output 2k is 0.25 x[k - 1] + 0.75 x[k] (x[0] alone for k = 0) and an odd one 2k + 1 is
 * 0.75 x[k] + 0.25 x[k + 1] (x[w - 1] alone at the end), rows and columns alike. The backward
 * hands each output's gradient back with the same two weights.
 */
#include <math.h>

#include "csnn-ops.h"
#include "csnn-seg.h"

/* The two source indices and the second's weight of output @o along an axis of @len inputs. */
static inline void
taps(int o, int len, int *i0, int *i1, float *l1)
{
  int k = o >> 1;

  if ((o & 1) == 0) {
    *i0 = k > 0 ? k - 1 : 0;
    *i1 = k;
    *l1 = k > 0 ? 0.75f : 0.0f;
  } else {
    *i0 = k;
    *i1 = k + 1 < len ? k + 1 : k;
    *l1 = k + 1 < len ? 0.25f : 0.0f;
  }
}

void
csnn_upsample2x_forward(int n, int c, int h, int w, const float *x, float *y, int ith, int nth)
{
  size_t start, end, in_plane = (size_t)h * (size_t)w;
  int w2 = 2 * w, h2 = 2 * h;

  csnn_partition((size_t)n * (size_t)c, ith, nth, &start, &end);
  for (size_t plane = start; plane < end; plane++) {
    const float *src = x + plane * in_plane;
    float *dst = y + plane * in_plane * 4;

    for (int oy = 0; oy < h2; oy++) {
      int r0, r1;
      float ly;
      const float *a, *b;
      float *out = dst + (size_t)oy * (size_t)w2;

      taps(oy, h, &r0, &r1, &ly);
      a = src + (size_t)r0 * (size_t)w;
      b = src + (size_t)r1 * (size_t)w;
      for (int ox = 0; ox < w2; ox++) {
        int c0, c1;
        float lx, top, bottom;

        taps(ox, w, &c0, &c1, &lx);
        top = a[c0] + lx * (a[c1] - a[c0]);
        bottom = b[c0] + lx * (b[c1] - b[c0]);
        out[ox] = top + ly * (bottom - top);
      }
    }
  }
}

void
csnn_upsample2x_backward(int n, int c, int h, int w, const float *dy, float *dx, int ith, int nth)
{
  size_t start, end, in_plane = (size_t)h * (size_t)w;
  int w2 = 2 * w, h2 = 2 * h;

  csnn_partition((size_t)n * (size_t)c, ith, nth, &start, &end);
  for (size_t plane = start; plane < end; plane++) {
    const float *g = dy + plane * in_plane * 4;
    float *dst = dx + plane * in_plane;

    for (int oy = 0; oy < h2; oy++) {
      int r0, r1;
      float ly;
      float *a, *b;
      const float *row = g + (size_t)oy * (size_t)w2;

      taps(oy, h, &r0, &r1, &ly);
      a = dst + (size_t)r0 * (size_t)w;
      b = dst + (size_t)r1 * (size_t)w;
      for (int ox = 0; ox < w2; ox++) {
        int c0, c1;
        float lx, v = row[ox];
        float va = v * (1.0f - ly), vb = v * ly;

        taps(ox, w, &c0, &c1, &lx);
        a[c0] += va * (1.0f - lx);
        a[c1] += va * lx;
        b[c0] += vb * (1.0f - lx);
        b[c1] += vb * lx;
      }
    }
  }
}

void
csnn_concat_channels_backward(int n, int c_a, int c_b, size_t hw, const float *dy, float *da,
                              float *db, int ith, int nth)
{
  size_t c = (size_t)c_a + (size_t)c_b, start, end;

  csnn_partition((size_t)n * c, ith, nth, &start, &end);
  for (size_t plane = start; plane < end; plane++) {
    size_t img = plane / c, ch = plane % c;
    const float *g = dy + plane * hw;
    float *dst = ch < (size_t)c_a
                     ? (da != NULL ? da + (img * (size_t)c_a + ch) * hw : NULL)
                     : (db != NULL ? db + (img * (size_t)c_b + ch - (size_t)c_a) * hw : NULL);

    if (dst == NULL)
      continue;
    for (size_t i = 0; i < hw; i++)
      dst[i] += g[i];
  }
}

double
csnn_seg_loss(int n, size_t hw, const float *logits, const float *target, double dice_weight,
              double *bce, double *dice, float *dlogits)
{
  double bce_sum = 0.0, dice_sum = 0.0, count = (double)n * (double)hw;

  for (int img = 0; img < n; img++) {
    const float *x = logits + (size_t)img * hw, *t = target + (size_t)img * hw;
    double inter = 0.0, sp = 0.0, st = 0.0, den, num;

    for (size_t i = 0; i < hw; i++) {
      double v = x[i], p = 1.0 / (1.0 + exp(-v));

      bce_sum += fmax(v, 0.0) - v * t[i] + log1p(exp(-fabs(v)));
      inter += p * t[i];
      sp += p;
      st += t[i];
    }
    num = 2.0 * inter + 1.0;
    den = sp + st + 1.0;
    dice_sum += num / den;
    if (dlogits != NULL) {
      float *g = dlogits + (size_t)img * hw;
      /* d(1 - num/den)/dp_i = -(2 t_i den - num) / den^2, over the n images' mean. */
      double k = dice_weight / (double)n / (den * den);

      for (size_t i = 0; i < hw; i++) {
        double p = 1.0 / (1.0 + exp(-(double)x[i]));
        double d_dice = -(2.0 * t[i] * den - num) * k;

        g[i] = (float)((p - t[i]) / count + d_dice * p * (1.0 - p));
      }
    }
  }
  bce_sum /= count;
  dice_sum = 1.0 - dice_sum / n;
  if (bce != NULL)
    *bce = bce_sum;
  if (dice != NULL)
    *dice = dice_sum;
  return bce_sum + dice_weight * dice_sum;
}

double
csnn_dice(size_t count, const float *a, const float *b)
{
  size_t both = 0, na = 0, nb = 0;

  for (size_t i = 0; i < count; i++) {
    int ia = a[i] >= 0.5f, ib = b[i] >= 0.5f;

    na += (size_t)ia;
    nb += (size_t)ib;
    both += (size_t)(ia & ib);
  }
  return na + nb == 0 ? 1.0 : 2.0 * (double)both / (double)(na + nb);
}
