/* csnn-image.c — 8-bit gray image resampling and network preprocessing
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The resampler follows PyTorch's F.interpolate(mode='bilinear', align_corners=False,
 * antialias=True): a separable triangle filter whose support is widened by the scale factor when
 * shrinking, weights normalised per output pixel, the horizontal pass first and then the
 * vertical one, both in float. Enlarging reduces to plain bilinear interpolation with edge
 * clamping, which is what the same filter gives with a support of one pixel.
 */
#include "csnn-image.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const csnn_norm csnn_norm_imagenet = {
  .mean = { 0.485f, 0.456f, 0.406f },
  .std = { 0.229f, 0.224f, 0.225f },
};

/* The taps of one output position along one axis: the first input index, their count and the
 * offset of their weights in the shared weight array. */
typedef struct {
  int first;
  int count;
  int offset;
} resample_taps;

typedef struct {
  resample_taps *taps;
  float *weights;
  int max_taps;
} resample_axis;

static void
resample_axis_clear(resample_axis *axis)
{
  free(axis->taps);
  free(axis->weights);
  axis->taps = NULL;
  axis->weights = NULL;
}

static double
triangle_filter(double x)
{
  x = fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

/* Computes the taps and normalised weights mapping @in_size samples to @out_size samples. The
 * arithmetic mirrors PyTorch's (double precision for the centre and support, float weights) so
 * that the same taps are chosen at the edges of the support. */
static int
resample_axis_init(resample_axis *axis, int in_size, int out_size)
{
  double scale = (double)in_size / (double)out_size;
  double support = scale >= 1.0 ? scale : 1.0;
  double inv_scale = scale >= 1.0 ? 1.0 / scale : 1.0;
  int max_taps = (int)ceil(support) * 2 + 1;

  axis->max_taps = max_taps;
  axis->taps = calloc((size_t)out_size, sizeof *axis->taps);
  axis->weights = calloc((size_t)out_size * (size_t)max_taps, sizeof *axis->weights);
  if (axis->taps == NULL || axis->weights == NULL) {
    resample_axis_clear(axis);
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate resampling weights for %d pixels",
                          out_size);
  }
  for (int i = 0; i < out_size; i++) {
    double center = scale * (i + 0.5);
    int first = (int)(center - support + 0.5);
    int last = (int)(center + support + 0.5);
    float *w = axis->weights + (size_t)i * (size_t)max_taps;
    double total = 0.0;
    int count;

    if (first < 0)
      first = 0;
    if (last > in_size)
      last = in_size;
    count = last - first;
    if (count > max_taps)
      count = max_taps;
    for (int j = 0; j < count; j++) {
      double wj = triangle_filter((j + first - center + 0.5) * inv_scale);
      w[j] = (float)wj;
      total += wj;
    }
    for (int j = 0; j < count; j++)
      w[j] = total != 0.0 ? (float)(w[j] / total) : 0.0f;
    axis->taps[i].first = first;
    axis->taps[i].count = count;
    axis->taps[i].offset = i * max_taps;
  }
  return CSNN_OK;
}

static int
check_sizes(const void *src, int src_w, int src_h, size_t src_stride, size_t elem_size,
            const void *dst, int dst_w, int dst_h)
{
  if (src == NULL || dst == NULL)
    return csnn_set_error(CSNN_ERR_INVALID, "resampling needs a source and a destination");
  if (src_w <= 0 || src_h <= 0 || dst_w <= 0 || dst_h <= 0)
    return csnn_set_error(CSNN_ERR_INVALID, "cannot resample %d x %d pixels to %d x %d", src_w,
                          src_h, dst_w, dst_h);
  if (src_stride < (size_t)src_w * elem_size)
    return csnn_set_error(CSNN_ERR_INVALID, "row stride %zu is shorter than a row of %d pixels",
                          src_stride, src_w);
  if ((size_t)src_w * (size_t)src_h > ((size_t)1 << 31) ||
      (size_t)dst_w * (size_t)dst_h > ((size_t)1 << 31))
    return csnn_set_error(CSNN_ERR_NOMEM, "image too large to resample");
  return CSNN_OK;
}

/* The shared body of both resamplers: the source is read through @load (u8 or f32 rows), the
 * result is written as float into @out (dst_w x dst_h, packed). */
typedef float (*load_pixel_fn)(const void *row, int x);

static float
load_u8(const void *row, int x)
{
  return (float)((const uint8_t *)row)[x];
}

static float
load_f32(const void *row, int x)
{
  return ((const float *)row)[x];
}

static int
resample_to_float(const void *src, int src_w, int src_h, size_t src_stride, load_pixel_fn load,
                  float *out, int dst_w, int dst_h)
{
  resample_axis horizontal = { 0 }, vertical = { 0 };
  float *rows;
  int status;

  /* The intermediate image holds every source row resampled horizontally. */
  rows = malloc((size_t)dst_w * (size_t)src_h * sizeof *rows);
  if (rows == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate a %d x %d resampling buffer", dst_w,
                          src_h);
  status = resample_axis_init(&horizontal, src_w, dst_w);
  if (status == CSNN_OK)
    status = resample_axis_init(&vertical, src_h, dst_h);
  if (status != CSNN_OK) {
    resample_axis_clear(&horizontal);
    free(rows);
    return status;
  }

  for (int y = 0; y < src_h; y++) {
    const uint8_t *row = (const uint8_t *)src + (size_t)y * src_stride;
    float *dst_row = rows + (size_t)y * (size_t)dst_w;

    if (src_w == dst_w) {
      for (int x = 0; x < dst_w; x++)
        dst_row[x] = load(row, x);
      continue;
    }
    for (int x = 0; x < dst_w; x++) {
      const resample_taps *t = &horizontal.taps[x];
      const float *w = horizontal.weights + t->offset;
      float acc = 0.0f;

      for (int j = 0; j < t->count; j++)
        acc += w[j] * load(row, t->first + j);
      dst_row[x] = acc;
    }
  }

  for (int y = 0; y < dst_h; y++) {
    float *dst_row = out + (size_t)y * (size_t)dst_w;

    if (src_h == dst_h) {
      memcpy(dst_row, rows + (size_t)y * (size_t)dst_w, (size_t)dst_w * sizeof *dst_row);
      continue;
    }
    const resample_taps *t = &vertical.taps[y];
    const float *w = vertical.weights + t->offset;

    for (int x = 0; x < dst_w; x++)
      dst_row[x] = 0.0f;
    for (int j = 0; j < t->count; j++) {
      const float *src_row = rows + (size_t)(t->first + j) * (size_t)dst_w;
      float wj = w[j];

      for (int x = 0; x < dst_w; x++)
        dst_row[x] += wj * src_row[x];
    }
  }

  resample_axis_clear(&horizontal);
  resample_axis_clear(&vertical);
  free(rows);
  return CSNN_OK;
}

int
csnn_resample_u8(const uint8_t *src, int src_w, int src_h, size_t src_stride, uint8_t *dst,
                 int dst_w, int dst_h)
{
  float *result;
  int status = check_sizes(src, src_w, src_h, src_stride, 1, dst, dst_w, dst_h);

  if (status != CSNN_OK)
    return status;
  result = malloc((size_t)dst_w * (size_t)dst_h * sizeof *result);
  if (result == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "cannot allocate a %d x %d image", dst_w, dst_h);
  status = resample_to_float(src, src_w, src_h, src_stride, load_u8, result, dst_w, dst_h);
  if (status == CSNN_OK) {
    size_t n = (size_t)dst_w * (size_t)dst_h;

    /* Round half up and clamp, as an 8-bit resampler must. */
    for (size_t i = 0; i < n; i++) {
      float v = floorf(result[i] + 0.5f);
      dst[i] = (uint8_t)(v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v);
    }
  }
  free(result);
  return status;
}

int
csnn_resample_f32(const float *src, int src_w, int src_h, size_t src_stride, float *dst, int dst_w,
                  int dst_h)
{
  int status = check_sizes(src, src_w, src_h, src_stride, sizeof(float), dst, dst_w, dst_h);

  if (status != CSNN_OK)
    return status;
  /* The stride is in bytes like the u8 variant's, so both share one addressing rule. */
  return resample_to_float(src, src_w, src_h, src_stride, load_f32, dst, dst_w, dst_h);
}

void
csnn_preprocess_u8(const uint8_t *gray, int size, const csnn_norm *norm, float *chw)
{
  size_t n = (size_t)size * (size_t)size;

  if (norm == NULL)
    norm = &csnn_norm_imagenet;
  for (int c = 0; c < 3; c++) {
    float mean = norm->mean[c];
    float std = norm->std[c];
    float *plane = chw + (size_t)c * n;

    /* The same float operations as torchvision: x / 255, then (x - mean) / std. */
    for (size_t i = 0; i < n; i++)
      plane[i] = ((float)gray[i] / 255.0f - mean) / std;
  }
}
