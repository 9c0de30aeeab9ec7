/* csnn-ops.c — element-wise, pooling, joining and dense operators (forward)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each operator's backward kernel belongs next to its forward kernel in this file.
 */
#include "csnn-ops.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "csnn-ops-private.h"
#include "csnn-simd.h"

void
csnn_partition(size_t total, int ith, int nth, size_t *start, size_t *end)
{
  size_t base = total / (size_t)nth;
  size_t extra = total % (size_t)nth;
  size_t i = (size_t)ith;

  *start = i * base + (i < extra ? i : extra);
  *end = *start + base + (i < extra ? 1 : 0);
}

/* ---- activations ---- */

void
csnn__act_inplace(csnn_act act, float *x, size_t n)
{
  switch (act) {
    case CSNN_ACT_NONE:
      break;
    case CSNN_ACT_RELU:
      for (size_t i = 0; i < n; i++)
        x[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
    case CSNN_ACT_RELU6:
      for (size_t i = 0; i < n; i++)
        x[i] = x[i] > 0.0f ? (x[i] < 6.0f ? x[i] : 6.0f) : 0.0f;
      break;
    case CSNN_ACT_SILU:
      csnn__silu_inplace(x, n);
      break;
    case CSNN_ACT_SIGMOID:
      csnn__sigmoid_inplace(x, n);
      break;
  }
}

void
csnn__bias_act_inplace(csnn_act act, float bias, float *x, size_t n)
{
  if (bias != 0.0f)
    for (size_t i = 0; i < n; i++)
      x[i] += bias;
  csnn__act_inplace(act, x, n);
}

void
csnn_act_forward(csnn_act act, float *x, size_t n, int ith, int nth)
{
  size_t start, end;

  csnn_partition(n, ith, nth, &start, &end);
  csnn__act_inplace(act, x + start, end - start);
}

/* ---- batch norm ---- */

void
csnn_bn_fold(int c_out, size_t row_size, const float *weight, const float *bias, const float *gamma,
             const float *beta, const float *mean, const float *var, float eps, float *weight_out,
             float *bias_out)
{
  for (int o = 0; o < c_out; o++) {
    /* The scale is computed as PyTorch's batch norm does: gamma / sqrt(var + eps). */
    float scale = gamma[o] / sqrtf(var[o] + eps);
    float b = bias != NULL ? bias[o] : 0.0f;

    for (size_t k = 0; k < row_size; k++)
      weight_out[(size_t)o * row_size + k] = weight[(size_t)o * row_size + k] * scale;
    bias_out[o] = (b - mean[o]) * scale + beta[o];
  }
}

void
csnn_bn_forward_inference(int n, int c, size_t hw, const float *x, const float *gamma,
                          const float *beta, const float *mean, const float *var, float eps,
                          float *y, int ith, int nth)
{
  size_t start, end;

  csnn_partition((size_t)n * (size_t)c, ith, nth, &start, &end);
  for (size_t plane = start; plane < end; plane++) {
    int ch = (int)(plane % (size_t)c);
    float inv_std = 1.0f / sqrtf(var[ch] + eps);
    const float *src = x + plane * hw;
    float *dst = y + plane * hw;

    for (size_t i = 0; i < hw; i++)
      dst[i] = (src[i] - mean[ch]) * inv_std * gamma[ch] + beta[ch];
  }
}

/* ---- pooling ---- */

/* Rows up to this width take the vectorised max-pooling path (its row buffer is on the stack). */
#define MAXPOOL_FAST_WIDTH 2048

int
csnn_pool2d_setup(csnn_pool2d_desc *d)
{
  int span_h, span_w;

  if (d->c <= 0 || d->kh <= 0 || d->kw <= 0 || d->stride_h <= 0 || d->stride_w <= 0 ||
      d->pad_h < 0 || d->pad_w < 0 || d->h_in <= 0 || d->w_in <= 0)
    return csnn_set_error(CSNN_ERR_INVALID, "pooling: bad shape or hyper-parameters");
  if (d->pad_h * 2 > d->kh || d->pad_w * 2 > d->kw)
    return csnn_set_error(CSNN_ERR_INVALID, "pooling: padding larger than half the window");
  span_h = d->h_in + 2 * d->pad_h - d->kh;
  span_w = d->w_in + 2 * d->pad_w - d->kw;
  if (span_h < 0 || span_w < 0)
    return csnn_set_error(CSNN_ERR_INVALID, "pooling: %d x %d window larger than %d x %d input",
                          d->kh, d->kw, d->h_in, d->w_in);
  if (d->ceil_mode) {
    d->h_out = (span_h + d->stride_h - 1) / d->stride_h + 1;
    d->w_out = (span_w + d->stride_w - 1) / d->stride_w + 1;
    /* As PyTorch: the last window must start inside the input or its left padding. */
    if ((d->h_out - 1) * d->stride_h >= d->h_in + d->pad_h)
      d->h_out--;
    if ((d->w_out - 1) * d->stride_w >= d->w_in + d->pad_w)
      d->w_out--;
  } else {
    d->h_out = span_h / d->stride_h + 1;
    d->w_out = span_w / d->stride_w + 1;
  }
  return CSNN_OK;
}

void
csnn__pool_plane(const csnn_pool2d_desc *d, const float *src, float *dst)
{
  if (d->kind == CSNN_POOL_MAX && d->pad_h == 0 && d->pad_w == 0 && d->kh == d->kw &&
      d->stride_h == d->stride_w && d->w_in <= MAXPOOL_FAST_WIDTH &&
      csnn__simd() != CSNN_SIMD_PORTABLE) {
    float line[MAXPOOL_FAST_WIDTH + 64];

    csnn__maxpool_plane(src, d->h_in, d->w_in, d->kh, d->stride_h, d->h_out, d->w_out, dst, line);
    return;
  }
  for (int oy = 0; oy < d->h_out; oy++) {
    int y0 = oy * d->stride_h - d->pad_h;
    int y1 = y0 + d->kh;
    int y1_pad = y1 < d->h_in + d->pad_h ? y1 : d->h_in + d->pad_h;

    for (int ox = 0; ox < d->w_out; ox++) {
      int x0 = ox * d->stride_w - d->pad_w;
      int x1 = x0 + d->kw;
      int x1_pad = x1 < d->w_in + d->pad_w ? x1 : d->w_in + d->pad_w;
      int pool_size = (y1_pad - y0) * (x1_pad - x0);
      int ys = y0 > 0 ? y0 : 0, ye = y1 < d->h_in ? y1 : d->h_in;
      int xs = x0 > 0 ? x0 : 0, xe = x1 < d->w_in ? x1 : d->w_in;

      if (d->kind == CSNN_POOL_MAX) {
        float best = -FLT_MAX;

        for (int iy = ys; iy < ye; iy++)
          for (int ix = xs; ix < xe; ix++) {
            float v = src[(size_t)iy * (size_t)d->w_in + (size_t)ix];
            /* NaN propagates as in PyTorch. */
            if (v > best || isnan(v))
              best = v;
          }
        dst[(size_t)oy * (size_t)d->w_out + (size_t)ox] = best;
      } else {
        float sum = 0.0f;
        int divisor = d->count_include_pad ? pool_size : (ye - ys) * (xe - xs);

        for (int iy = ys; iy < ye; iy++)
          for (int ix = xs; ix < xe; ix++)
            sum += src[(size_t)iy * (size_t)d->w_in + (size_t)ix];
        dst[(size_t)oy * (size_t)d->w_out + (size_t)ox] = divisor > 0 ? sum / (float)divisor : 0.0f;
      }
    }
  }
}

void
csnn_pool2d_forward(const csnn_pool2d_desc *d, int n, const float *x, float *y, int ith, int nth)
{
  size_t start, end;
  size_t in_plane = (size_t)d->h_in * (size_t)d->w_in;
  size_t out_plane = (size_t)d->h_out * (size_t)d->w_out;

  csnn_partition((size_t)n * (size_t)d->c, ith, nth, &start, &end);
  for (size_t plane = start; plane < end; plane++)
    csnn__pool_plane(d, x + plane * in_plane, y + plane * out_plane);
}

void
csnn_adaptive_avgpool2d_forward(int n, int c, int h_in, int w_in, int h_out, int w_out,
                                const float *x, float *y, int ith, int nth)
{
  size_t start, end;
  size_t in_plane = (size_t)h_in * (size_t)w_in;
  size_t out_plane = (size_t)h_out * (size_t)w_out;

  csnn_partition((size_t)n * (size_t)c, ith, nth, &start, &end);
  for (size_t plane = start; plane < end; plane++) {
    const float *src = x + plane * in_plane;
    float *dst = y + plane * out_plane;

    for (int oy = 0; oy < h_out; oy++) {
      int ys = (int)((long)oy * h_in / h_out);
      int ye = (int)(((long)(oy + 1) * h_in + h_out - 1) / h_out);

      for (int ox = 0; ox < w_out; ox++) {
        int xs = (int)((long)ox * w_in / w_out);
        int xe = (int)(((long)(ox + 1) * w_in + w_out - 1) / w_out);
        float sum = 0.0f;

        for (int iy = ys; iy < ye; iy++)
          for (int ix = xs; ix < xe; ix++)
            sum += src[(size_t)iy * (size_t)w_in + (size_t)ix];
        dst[(size_t)oy * (size_t)w_out + (size_t)ox] = sum / (float)((ye - ys) * (xe - xs));
      }
    }
  }
}

void
csnn_global_avgpool_forward(int n, int c, size_t hw, const float *x, float *y, int ith, int nth)
{
  size_t start, end;

  csnn_partition((size_t)n * (size_t)c, ith, nth, &start, &end);
  for (size_t plane = start; plane < end; plane++)
    y[plane] = csnn__sum(x + plane * hw, hw) / (float)hw;
}

/* ---- joining ---- */

void
csnn_add_forward(size_t count, const float *a, const float *b, float *y, int ith, int nth)
{
  size_t start, end;

  csnn_partition(count, ith, nth, &start, &end);
  for (size_t i = start; i < end; i++)
    y[i] = a[i] + b[i];
}

void
csnn_mul_channel_forward(int n, int c, size_t hw, const float *x, const float *scale, float *y,
                         int ith, int nth)
{
  size_t start, end;

  csnn_partition((size_t)n * (size_t)c, ith, nth, &start, &end);
  for (size_t plane = start; plane < end; plane++) {
    float s = scale[plane];
    const float *src = x + plane * hw;
    float *dst = y + plane * hw;

    for (size_t i = 0; i < hw; i++)
      dst[i] = src[i] * s;
  }
}

void
csnn_concat_channels_forward(int n, int c_a, int c_b, size_t hw, const float *a, const float *b,
                             float *y, int ith, int nth)
{
  size_t start, end;
  int c = c_a + c_b;

  csnn_partition((size_t)n * (size_t)c, ith, nth, &start, &end);
  for (size_t plane = start; plane < end; plane++) {
    size_t img = plane / (size_t)c;
    int ch = (int)(plane % (size_t)c);
    const float *src = ch < c_a ? a + (img * (size_t)c_a + (size_t)ch) * hw
                                : b + (img * (size_t)c_b + (size_t)(ch - c_a)) * hw;

    memcpy(y + plane * hw, src, hw * sizeof(float));
  }
}

/* ---- dense ---- */

void
csnn_linear_forward(int n, int in, int out, const float *x, const float *weight, const float *bias,
                    float *y, int ith, int nth)
{
  size_t start, end;

  csnn_partition((size_t)n, ith, nth, &start, &end);
  if (end == start)
    return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(end - start), out, in, 1.0f,
              x + start * (size_t)in, in, weight, in, 0.0f, y + start * (size_t)out, out);
  if (bias != NULL)
    for (size_t i = start; i < end; i++)
      for (int o = 0; o < out; o++)
        y[i * (size_t)out + (size_t)o] += bias[o];
}

void
csnn_softmax_forward(int n, int classes, const float *x, float *y)
{
  for (int i = 0; i < n; i++) {
    const float *row = x + (size_t)i * (size_t)classes;
    float *dst = y + (size_t)i * (size_t)classes;
    float top = row[0], total = 0.0f;

    for (int k = 1; k < classes; k++)
      top = row[k] > top ? row[k] : top;
    for (int k = 0; k < classes; k++) {
      dst[k] = expf(row[k] - top);
      total += dst[k];
    }
    for (int k = 0; k < classes; k++)
      dst[k] /= total;
  }
}

void
csnn_dropout_forward_inference(size_t count, const float *x, float *y)
{
  if (x != y)
    memmove(y, x, count * sizeof(float));
}
