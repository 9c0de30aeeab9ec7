/* cs-train-shift.c — training augmentation for scanner shift
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The effects, in the order a scanner would cause them: the field of view (crop and scale),
 * the resolution and the beam (down-sampling, blur), the speckle, and the display (gain,
 * contrast, gamma). Work is in floats on one crop; the result is rounded once.
 */
#include "config.h"

#include "cs-train-shift.h"

#include "cs-rng.h"

#include <math.h>
#include <string.h>

void
cs_train_shift_init(CsTrainShift *shift)
{
  *shift = (CsTrainShift){ .crop = 1,
                           .crop_x = 0.5,
                           .crop_y = 0.5,
                           .resolution = 1,
                           .blur_x = 0,
                           .blur_y = 0,
                           .speckle = 0,
                           .gain = 0,
                           .contrast = 1,
                           .gamma = 1 };
}

static double
uniform(guint64 *rng, double lo, double hi)
{
  return lo + (hi - lo) * cs_splitmix64_uniform(rng);
}

void
cs_train_shift_draw(CsTrainShift *shift, guint64 *rng)
{
  /* Every value is drawn whether or not its effect is on, so the stream's use is fixed. */
  gboolean on[7];
  double v[10];

  for (int i = 0; i < 7; i++)
    on[i] = cs_splitmix64_uniform(rng) < 0.5;
  v[0] = uniform(rng, 0.8, 1.0);
  v[1] = uniform(rng, 0, 1);
  v[2] = uniform(rng, 0, 1);
  v[3] = uniform(rng, 1.0, 2.0);
  v[4] = uniform(rng, 0.3, 1.5);
  v[5] = uniform(rng, 0.2, 0.6);
  v[6] = uniform(rng, 0.05, 0.3);
  v[7] = uniform(rng, -25, 25);
  v[8] = uniform(rng, 0.7, 1.4);
  v[9] = exp(uniform(rng, log(0.7), log(1.5)));
  cs_train_shift_init(shift);
  if (on[0]) {
    shift->crop = v[0];
    shift->crop_x = v[1];
    shift->crop_y = v[2];
  }
  if (on[1])
    shift->resolution = v[3];
  if (on[2]) {
    shift->blur_x = v[4];
    shift->blur_y = v[4] * v[5];
  }
  if (on[3])
    shift->speckle = v[6];
  if (on[4])
    shift->gain = v[7];
  if (on[5])
    shift->contrast = v[8];
  if (on[6])
    shift->gamma = v[9];
}

/* Bilinear sample of @img (@w x @h) at (@x, @y), clamped to the edges. */
static float
sample(const float *img, int w, int h, double x, double y)
{
  int x0, y0, x1, y1;
  double fx, fy;

  x = CLAMP(x, 0, w - 1);
  y = CLAMP(y, 0, h - 1);
  x0 = (int)floor(x);
  y0 = (int)floor(y);
  x1 = MIN(x0 + 1, w - 1);
  y1 = MIN(y0 + 1, h - 1);
  fx = x - x0;
  fy = y - y0;
  return (float)((1 - fy) * ((1 - fx) * img[(size_t)y0 * w + x0] + fx * img[(size_t)y0 * w + x1]) +
                 fy * ((1 - fx) * img[(size_t)y1 * w + x0] + fx * img[(size_t)y1 * w + x1]));
}

/* A separable Gaussian blur of @img (@n x @n) in place, sigma @sx across and @sy down. */
static void
blur(float *img, float *tmp, int n, double sx, double sy)
{
  for (int pass = 0; pass < 2; pass++) {
    double s = pass == 0 ? sx : sy;
    int r = (int)ceil(3 * s);
    float k[64];
    double sum = 0;

    if (s <= 0.05)
      continue;
    r = MIN(r, 31);
    for (int i = -r; i <= r; i++)
      sum += k[i + r] = (float)exp(-(i * i) / (2 * s * s));
    for (int i = 0; i <= 2 * r; i++)
      k[i] /= (float)sum;
    for (int y = 0; y < n; y++)
      for (int x = 0; x < n; x++) {
        float acc = 0;

        for (int i = -r; i <= r; i++) {
          int xx = pass == 0 ? CLAMP(x + i, 0, n - 1) : x,
              yy = pass == 0 ? y : CLAMP(y + i, 0, n - 1);

          acc += k[i + r] * img[(size_t)yy * n + xx];
        }
        tmp[(size_t)y * n + x] = acc;
      }
    memcpy(img, tmp, sizeof(float) * (size_t)n * n);
  }
}

void
cs_train_shift_apply(const CsTrainShift *shift, const guint8 *src, int size, guint8 *dst,
                     guint64 *rng)
{
  size_t n = (size_t)size * size;
  g_autofree float *a = g_new(float, n), *b = g_new(float, n);
  double side = shift->crop * (size - 1), x0 = shift->crop_x * (size - 1 - side);
  double y0 = shift->crop_y * (size - 1 - side), step = side / MAX(1, size - 1);
  double mean = 0;

  for (size_t i = 0; i < n; i++)
    b[i] = src[i];
  /* The field of view: the crop scaled back to the full side. */
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      a[(size_t)y * size + x] = sample(b, size, size, x0 + x * step, y0 + y * step);
  /* A coarser grid: down-sampled by the factor (with its blur) and sampled back. */
  if (shift->resolution > 1.01) {
    int m = MAX(2, (int)lround(size / shift->resolution));
    double f = (double)(size - 1) / (m - 1);

    blur(a, b, size, 0.5 * shift->resolution, 0.5 * shift->resolution);
    memcpy(b, a, sizeof(float) * n);
    for (int y = 0; y < size; y++)
      for (int x = 0; x < size; x++) {
        /* The value at (x, y) of the m x m grid's bilinear surface. */
        double gx = x / f, gy = y / f;
        int i0 = (int)floor(gx), j0 = (int)floor(gy);
        int i1 = MIN(i0 + 1, m - 1), j1 = MIN(j0 + 1, m - 1);
        double fx = gx - i0, fy = gy - j0;

        a[(size_t)y * size + x] =
            (float)((1 - fy) * ((1 - fx) * sample(b, size, size, i0 * f, j0 * f) +
                                fx * sample(b, size, size, i1 * f, j0 * f)) +
                    fy * ((1 - fx) * sample(b, size, size, i0 * f, j1 * f) +
                          fx * sample(b, size, size, i1 * f, j1 * f)));
      }
  }
  blur(a, b, size, shift->blur_x, shift->blur_y);
  /* Speckle: log-normal noise, smoothed laterally over about two pixels as speckle is wider
   * than tall, rescaled to keep its SD. */
  if (shift->speckle > 0) {
    for (size_t i = 0; i < n; i++) {
      /* A sum of four uniforms is near enough to normal here (SD 1 after scaling). */
      double z = 0;

      for (int k = 0; k < 4; k++)
        z += cs_splitmix64_uniform(rng);
      b[i] = (float)((z - 2.0) * sqrt(3.0));
    }
    for (int y = 0; y < size; y++)
      for (int x = 0; x < size; x++) {
        const float *row = b + (size_t)y * size;
        float z = (row[MAX(0, x - 1)] + 2 * row[x] + row[MIN(size - 1, x + 1)]) / 2.449f;

        a[(size_t)y * size + x] *= (float)exp(shift->speckle * z);
      }
  }
  /* The display: gain, contrast about the mean, gamma. */
  for (size_t i = 0; i < n; i++)
    mean += a[i] / n;
  for (size_t i = 0; i < n; i++) {
    double v = (a[i] - mean) * shift->contrast + mean + shift->gain;

    v = 255 * pow(CLAMP(v, 0, 255) / 255, shift->gamma);
    dst[i] = (guint8)CLAMP(lrint(v), 0, 255);
  }
}

void
cs_train_augment_scanner(const guint8 *src, int size, guint8 *dst, guint64 *rng, gboolean zoom)
{
  CsTrainShift shift;

  cs_train_shift_draw(&shift, rng);
  if (!zoom) {
    shift.crop = 1;
    shift.crop_x = shift.crop_y = 0.5;
  }
  cs_train_shift_apply(&shift, src, size, dst, rng);
}
