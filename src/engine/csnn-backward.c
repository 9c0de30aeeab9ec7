/* csnn-backward.c — backward kernels of every operator the three architectures use
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each kernel adds into its outputs, so a tensor read by two operators (a residual input, the
 * input of a squeeze-and-excitation) receives the sum of both gradients without a copy. Threads
 * split the work along a dimension whose outputs they own alone: images for input gradients,
 * output channels for weight gradients, which keeps every sum in the same order whatever the
 * number of threads.
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "csnn-ops-private.h"
#include "csnn-simd.h"
#include "csnn-train-private.h"
#include "csnn-train.h"

/* ---- activations ---- */

void
csnn_act_backward(csnn_act act, size_t n, const float *pre, const float *out, const float *dy,
                  float *dx, int ith, int nth)
{
  size_t start, end;

  csnn_partition(n, ith, nth, &start, &end);
  switch (act) {
    case CSNN_ACT_NONE:
      for (size_t i = start; i < end; i++)
        dx[i] += dy[i];
      break;
    case CSNN_ACT_RELU:
      for (size_t i = start; i < end; i++)
        dx[i] += out[i] > 0.0f ? dy[i] : 0.0f;
      break;
    case CSNN_ACT_RELU6:
      /* PyTorch's hardtanh passes the gradient strictly inside (0, 6); the output is strictly
       * inside exactly when the input is. */
      for (size_t i = start; i < end; i++)
        dx[i] += out[i] > 0.0f && out[i] < 6.0f ? dy[i] : 0.0f;
      break;
    case CSNN_ACT_SILU:
      for (size_t i = start; i < end; i++) {
        float s = 1.0f / (1.0f + expf(-pre[i]));
        dx[i] += dy[i] * s * (1.0f + pre[i] * (1.0f - s));
      }
      break;
    case CSNN_ACT_SIGMOID:
      for (size_t i = start; i < end; i++)
        dx[i] += dy[i] * out[i] * (1.0f - out[i]);
      break;
  }
}

/* ---- convolution ---- */

static int
is_depthwise(const csnn_conv2d_desc *d)
{
  return d->groups == d->c_in && d->groups == d->c_out && d->groups > 1;
}

static int
is_pointwise(const csnn_conv2d_desc *d)
{
  return d->kh == 1 && d->kw == 1 && d->stride_h == 1 && d->stride_w == 1 && d->pad_h == 0 &&
         d->pad_w == 0;
}

size_t
csnn_conv2d_backward_scratch_floats(const csnn_conv2d_desc *d)
{
  size_t k = (size_t)(d->c_in / d->groups) * (size_t)d->kh * (size_t)d->kw;

  if (is_depthwise(d))
    return csnn__dw_backward_avx512_ok(d) ? csnn__dw_backward_scratch_floats(d) : 1;
  if (is_pointwise(d))
    return 1;
  return k * (size_t)d->h_out * (size_t)d->w_out;
}

/* Unfolds one group's @c channels of one image into [c * kh * kw, h_out * w_out]. */
static void
im2col(const csnn_conv2d_desc *d, int c, const float *x, float *col)
{
  size_t hw = (size_t)d->h_out * (size_t)d->w_out;

  for (int ch = 0; ch < c; ch++)
    for (int ky = 0; ky < d->kh; ky++)
      for (int kx = 0; kx < d->kw; kx++) {
        float *row = col + (((size_t)ch * (size_t)d->kh + (size_t)ky) * (size_t)d->kw + kx) * hw;
        const float *plane = x + (size_t)ch * (size_t)d->h_in * (size_t)d->w_in;

        for (int oy = 0; oy < d->h_out; oy++) {
          int iy = oy * d->stride_h - d->pad_h + ky * d->dil_h;
          float *r = row + (size_t)oy * (size_t)d->w_out;

          if (iy < 0 || iy >= d->h_in) {
            memset(r, 0, (size_t)d->w_out * sizeof *r);
            continue;
          }
          if (d->stride_w == 1) {
            /* With stride 1 the inside of the row is one copy, between zeros. */
            int off = kx * d->dil_w - d->pad_w;
            int lo = off < 0 ? -off : 0, hi = d->w_in - off < d->w_out ? d->w_in - off : d->w_out;
            if (hi < lo)
              hi = lo;
            memset(r, 0, (size_t)lo * sizeof *r);
            memcpy(r + lo, plane + (size_t)iy * (size_t)d->w_in + lo + off,
                   (size_t)(hi - lo) * sizeof *r);
            memset(r + hi, 0, (size_t)(d->w_out - hi) * sizeof *r);
            continue;
          }
          for (int ox = 0; ox < d->w_out; ox++) {
            int ix = ox * d->stride_w - d->pad_w + kx * d->dil_w;
            r[ox] = ix >= 0 && ix < d->w_in ? plane[(size_t)iy * (size_t)d->w_in + ix] : 0.0f;
          }
        }
      }
}

/* dst[i] += src[i] for @n floats: distinct buffers, so the loop vectorises. */
static void
add_row(float *restrict dst, const float *restrict src, int n)
{
  for (int i = 0; i < n; i++)
    dst[i] += src[i];
}

/* Adds the columns @col back onto the @c channels of one image: the adjoint of im2col(). */
static void
col2im_add(const csnn_conv2d_desc *d, int c, const float *col, float *x)
{
  size_t hw = (size_t)d->h_out * (size_t)d->w_out;

  for (int ch = 0; ch < c; ch++)
    for (int ky = 0; ky < d->kh; ky++)
      for (int kx = 0; kx < d->kw; kx++) {
        const float *row =
            col + (((size_t)ch * (size_t)d->kh + (size_t)ky) * (size_t)d->kw + kx) * hw;
        float *plane = x + (size_t)ch * (size_t)d->h_in * (size_t)d->w_in;

        for (int oy = 0; oy < d->h_out; oy++) {
          int iy = oy * d->stride_h - d->pad_h + ky * d->dil_h;
          const float *r = row + (size_t)oy * (size_t)d->w_out;

          if (iy < 0 || iy >= d->h_in)
            continue;
          if (d->stride_w == 1) {
            int off = kx * d->dil_w - d->pad_w;
            int lo = off < 0 ? -off : 0, hi = d->w_in - off < d->w_out ? d->w_in - off : d->w_out;
            if (lo < hi)
              add_row(plane + (size_t)iy * (size_t)d->w_in + (lo + off), r + lo, hi - lo);
            continue;
          }
          for (int ox = 0; ox < d->w_out; ox++) {
            int ix = ox * d->stride_w - d->pad_w + kx * d->dil_w;
            if (ix >= 0 && ix < d->w_in)
              plane[(size_t)iy * (size_t)d->w_in + ix] += r[ox];
          }
        }
      }
}

/* The output columns ox of a depthwise row whose input column off + ox * stride is inside. */
static void
dw_range(const csnn_conv2d_desc *d, int off, int *ox0, int *ox1)
{
  *ox0 = off >= 0 ? 0 : (-off + d->stride_w - 1) / d->stride_w;
  *ox1 = (d->w_in - 1 - off) >= 0 ? (d->w_in - 1 - off) / d->stride_w + 1 : 0;
  if (*ox1 > d->w_out)
    *ox1 = d->w_out;
}

void
csnn_conv2d_backward_data(const csnn_conv2d_desc *d, int n, const float *dy, const float *weight,
                          float *dx, float *scratch, int ith, int nth)
{
  size_t hw_in = (size_t)d->h_in * (size_t)d->w_in;
  size_t hw = (size_t)d->h_out * (size_t)d->w_out;
  int cog = d->c_out / d->groups, cig = d->c_in / d->groups;
  size_t k = (size_t)cig * (size_t)d->kh * (size_t)d->kw;
  size_t start, end;

  if (is_depthwise(d)) {
    size_t kk = (size_t)d->kh * (size_t)d->kw;

    csnn_partition((size_t)n * (size_t)d->c_out, ith, nth, &start, &end);
    if (scratch != NULL && csnn__dw_backward_avx512_ok(d)) {
      for (size_t plane = start; plane < end; plane++)
        csnn__dw_backward_data_plane_avx512(d, dy + plane * hw,
                                            weight + (plane % (size_t)d->c_out) * kk,
                                            dx + plane * hw_in, scratch);
      return;
    }
    for (size_t plane = start; plane < end; plane++) {
      const float *w = weight + (plane % (size_t)d->c_out) * kk;
      const float *g = dy + plane * hw;
      float *out = dx + plane * hw_in;

      for (int oy = 0; oy < d->h_out; oy++)
        for (int ky = 0; ky < d->kh; ky++) {
          int iy = oy * d->stride_h - d->pad_h + ky * d->dil_h;
          float *row;

          if (iy < 0 || iy >= d->h_in)
            continue;
          row = out + (size_t)iy * (size_t)d->w_in;
          for (int kx = 0; kx < d->kw; kx++) {
            float wv = w[ky * d->kw + kx];
            int off = kx * d->dil_w - d->pad_w, ox0, ox1;
            const float *gr = g + (size_t)oy * (size_t)d->w_out;

            dw_range(d, off, &ox0, &ox1);
            for (int ox = ox0; ox < ox1; ox++)
              row[off + ox * d->stride_w] += wv * gr[ox];
          }
        }
    }
    return;
  }

  csnn_partition((size_t)n * (size_t)d->groups, ith, nth, &start, &end);
  for (size_t item = start; item < end; item++) {
    size_t img = item / (size_t)d->groups, g = item % (size_t)d->groups;
    const float *w = weight + g * (size_t)cog * k;
    const float *gy = dy + (img * (size_t)d->c_out + g * (size_t)cog) * hw;
    float *gx = dx + (img * (size_t)d->c_in + g * (size_t)cig) * hw_in;

    if (is_pointwise(d)) {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, cig, (int)hw, cog, 1.0f, w, (int)k, gy,
                  (int)hw, 1.0f, gx, (int)hw_in);
    } else {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)hw, cog, 1.0f, w, (int)k,
                  gy, (int)hw, 0.0f, scratch, (int)hw);
      col2im_add(d, cig, scratch, gx);
    }
  }
}

void
csnn_conv2d_backward_weight(const csnn_conv2d_desc *d, int n, const float *x, const float *dy,
                            float *dweight, float *dbias, float *scratch, int ith, int nth)
{
  size_t hw_in = (size_t)d->h_in * (size_t)d->w_in;
  size_t hw = (size_t)d->h_out * (size_t)d->w_out;
  int cog = d->c_out / d->groups, cig = d->c_in / d->groups;
  size_t k = (size_t)cig * (size_t)d->kh * (size_t)d->kw;
  size_t start, end;

  csnn_partition((size_t)d->c_out, ith, nth, &start, &end);
  if (start >= end)
    return;
  if (dbias != NULL)
    for (size_t o = start; o < end; o++)
      for (int img = 0; img < n; img++)
        dbias[o] += csnn__sum(dy + ((size_t)img * (size_t)d->c_out + o) * hw, hw);

  if (is_depthwise(d)) {
    size_t kk = (size_t)d->kh * (size_t)d->kw;

    if (scratch != NULL && csnn__dw_backward_avx512_ok(d)) {
      /* Each channel's filter gradient in vector lanes over all images, then reduced once. */
      float acc[64 * 16];
      for (size_t ch = start; ch < end; ch++) {
        memset(acc, 0, kk * 16 * sizeof(float));
        for (int img = 0; img < n; img++)
          csnn__dw_backward_weight_plane_avx512(d, x + ((size_t)img * (size_t)d->c_in + ch) * hw_in,
                                                dy + ((size_t)img * (size_t)d->c_out + ch) * hw,
                                                acc, scratch);
        csnn__dw_reduce_avx512((int)kk, acc, dweight + ch * kk);
      }
      return;
    }
    for (size_t ch = start; ch < end; ch++)
      for (int img = 0; img < n; img++) {
        const float *src = x + ((size_t)img * (size_t)d->c_in + ch) * hw_in;
        const float *g = dy + ((size_t)img * (size_t)d->c_out + ch) * hw;
        float *w = dweight + ch * kk;

        for (int ky = 0; ky < d->kh; ky++)
          for (int kx = 0; kx < d->kw; kx++) {
            int off = kx * d->dil_w - d->pad_w, ox0, ox1;
            float acc = 0.0f;

            dw_range(d, off, &ox0, &ox1);
            for (int oy = 0; oy < d->h_out; oy++) {
              int iy = oy * d->stride_h - d->pad_h + ky * d->dil_h;
              const float *row, *gr;

              if (iy < 0 || iy >= d->h_in)
                continue;
              row = src + (size_t)iy * (size_t)d->w_in;
              gr = g + (size_t)oy * (size_t)d->w_out;
              for (int ox = ox0; ox < ox1; ox++)
                acc += gr[ox] * row[off + ox * d->stride_w];
            }
            w[ky * d->kw + kx] += acc;
          }
      }
    return;
  }

  /* Output channels [start, end) may cross groups: take each group's part in turn. */
  for (int g = 0; g < d->groups; g++) {
    size_t o0 = (size_t)g * (size_t)cog, o1 = o0 + (size_t)cog;

    if (o0 < start)
      o0 = start;
    if (o1 > end)
      o1 = end;
    if (o0 >= o1)
      continue;
    for (int img = 0; img < n; img++) {
      const float *xg = x + ((size_t)img * (size_t)d->c_in + (size_t)g * (size_t)cig) * hw_in;
      const float *gy = dy + ((size_t)img * (size_t)d->c_out + o0) * hw;
      const float *cols = xg;

      if (!is_pointwise(d)) {
        im2col(d, cig, xg, scratch);
        cols = scratch;
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(o1 - o0), (int)k, (int)hw, 1.0f,
                  gy, (int)hw, cols, (int)hw, 1.0f, dweight + o0 * k, (int)k);
    }
  }
}

/* ---- batch norm ---- */

/* Stores channel @ch's batch statistics (mean @fm, biased variance @var over @m values) for the
 * backward pass, updates the running ones as torchvision (the unbiased variance; NULL leaves
 * them) and returns the affine map y = a x + b the normalisation and the norm's weights make. */
static void
bn_store_statistics(size_t ch, float fm, double var, size_t m, float eps, float momentum,
                    const float *gamma, const float *beta, float *running_mean, float *running_var,
                    float *mean, float *invstd, float *a, float *b)
{
  float fs = (float)(1.0 / sqrt(var + (double)eps));

  mean[ch] = fm;
  invstd[ch] = fs;
  if (running_mean != NULL) {
    running_mean[ch] = (1.0f - momentum) * running_mean[ch] + momentum * fm;
    running_var[ch] = (1.0f - momentum) * running_var[ch] +
                      momentum * (float)(m > 1 ? var * (double)m / (double)(m - 1) : var);
  }
  *a = fs * gamma[ch];
  *b = beta[ch] - fm * *a;
}

void
csnn_bn_forward_train(int n, int c, size_t hw, const float *x, const float *gamma,
                      const float *beta, float eps, float momentum, float *running_mean,
                      float *running_var, float *mean, float *invstd, float *y, int ith, int nth)
{
  size_t start, end, m = (size_t)n * hw;

  csnn_partition((size_t)c, ith, nth, &start, &end);
  for (size_t ch = start; ch < end; ch++) {
    double sum = 0.0, sq = 0.0, mu, var;
    float fm, a, b;

    for (int img = 0; img < n; img++)
      sum += csnn__sum(x + ((size_t)img * (size_t)c + ch) * hw, hw);
    mu = sum / (double)m;
    fm = (float)mu;
    for (int img = 0; img < n; img++) {
      const float *p = x + ((size_t)img * (size_t)c + ch) * hw;
      float acc = 0.0f;
      for (size_t i = 0; i < hw; i++) {
        float dv = p[i] - fm;
        acc += dv * dv;
      }
      sq += acc;
    }
    var = sq / (double)m;
    bn_store_statistics(ch, fm, var, m, eps, momentum, gamma, beta, running_mean, running_var, mean,
                        invstd, &a, &b);
    for (int img = 0; img < n; img++) {
      const float *p = x + ((size_t)img * (size_t)c + ch) * hw;
      float *q = y + ((size_t)img * (size_t)c + ch) * hw;
      for (size_t i = 0; i < hw; i++)
        q[i] = p[i] * a + b;
    }
  }
}

void
csnn_bn_backward_train(int n, int c, size_t hw, const float *x, const float *dy, const float *gamma,
                       const float *mean, const float *invstd, float *dx, float *dgamma,
                       float *dbeta, int ith, int nth)
{
  size_t start, end, m = (size_t)n * hw;

  csnn_partition((size_t)c, ith, nth, &start, &end);
  for (size_t ch = start; ch < end; ch++) {
    double sdy = 0.0, sdyx = 0.0;
    float mu = mean[ch], is = invstd[ch], k1, k2, k3;

    for (int img = 0; img < n; img++) {
      const float *p = x + ((size_t)img * (size_t)c + ch) * hw;
      const float *g = dy + ((size_t)img * (size_t)c + ch) * hw;
      float a = 0.0f, b = 0.0f;
      for (size_t i = 0; i < hw; i++) {
        a += g[i];
        b += g[i] * (p[i] - mu);
      }
      sdy += a;
      sdyx += b;
    }
    /* dgamma = sum dy xhat; dbeta = sum dy;
     * dx = gamma invstd (dy - dbeta / m - xhat dgamma / m). */
    if (dgamma != NULL)
      dgamma[ch] += (float)(sdyx * is);
    if (dbeta != NULL)
      dbeta[ch] += (float)sdy;
    k1 = gamma[ch] * is;
    k2 = (float)(sdy / (double)m);
    k3 = (float)(sdyx * is * is / (double)m);
    for (int img = 0; img < n; img++) {
      const float *p = x + ((size_t)img * (size_t)c + ch) * hw;
      const float *g = dy + ((size_t)img * (size_t)c + ch) * hw;
      float *q = dx + ((size_t)img * (size_t)c + ch) * hw;
      for (size_t i = 0; i < hw; i++)
        q[i] += k1 * (g[i] - k2 - (p[i] - mu) * k3);
    }
  }
}

/* ---- batch norm fused with its activation (csnn-train-private.h) ---- */

static float
act_value(csnn_act act, float v)
{
  switch (act) {
    case CSNN_ACT_NONE:
      return v;
    case CSNN_ACT_RELU:
      return v > 0.0f ? v : 0.0f;
    case CSNN_ACT_RELU6:
      return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
    case CSNN_ACT_SILU:
      return v / (1.0f + expf(-v));
    case CSNN_ACT_SIGMOID:
      return 1.0f / (1.0f + expf(-v));
  }
  return v;
}

/* f'(pre or out) g for one value, as csnn_act_backward(). */
static float
act_grad_value(csnn_act act, float pre, float out, float g)
{
  switch (act) {
    case CSNN_ACT_NONE:
      return g;
    case CSNN_ACT_RELU:
      return out > 0.0f ? g : 0.0f;
    case CSNN_ACT_RELU6:
      return out > 0.0f && out < 6.0f ? g : 0.0f;
    case CSNN_ACT_SILU: {
      float s = 1.0f / (1.0f + expf(-pre));
      return g * s * (1.0f + pre * (1.0f - s));
    }
    case CSNN_ACT_SIGMOID:
      return g * out * (1.0f - out);
  }
  return g;
}

void
csnn__bn_act_forward_train(int n, int c, size_t hw, const float *z, const float *gamma,
                           const float *beta, float eps, float momentum, float *running_mean,
                           float *running_var, float *mean, float *invstd, csnn_act act, float *y,
                           int ith, int nth)
{
  size_t start, end, m = (size_t)n * hw;
  csnn_simd simd = csnn__simd();

  csnn_partition((size_t)c, ith, nth, &start, &end);
  for (size_t ch = start; ch < end; ch++) {
    /* One pass for both moments: sums of x - shift, with the channel's first value as the
     * shift, so that a mean far from zero does not cancel the variance away. */
    float shift = z[ch * hw], fm, a, b;
    double sum = 0.0, sq = 0.0, dm, var;

    for (int img = 0; img < n; img++) {
      const float *p = z + ((size_t)img * (size_t)c + ch) * hw;
      if (simd == CSNN_SIMD_AVX512) {
        csnn__shifted_sums_avx512(p, hw, shift, &sum, &sq);
      } else if (simd == CSNN_SIMD_AVX2) {
        csnn__shifted_sums_avx2(p, hw, shift, &sum, &sq);
      } else {
        float s1 = 0.0f, s2 = 0.0f;
        for (size_t i = 0; i < hw; i++) {
          float dv = p[i] - shift;
          s1 += dv;
          s2 += dv * dv;
        }
        sum += s1;
        sq += s2;
      }
    }
    dm = sum / (double)m;
    var = sq / (double)m - dm * dm;
    if (var < 0.0)
      var = 0.0;
    fm = (float)((double)shift + dm);
    bn_store_statistics(ch, fm, var, m, eps, momentum, gamma, beta, running_mean, running_var, mean,
                        invstd, &a, &b);
    for (int img = 0; img < n; img++) {
      const float *p = z + ((size_t)img * (size_t)c + ch) * hw;
      float *q = y + ((size_t)img * (size_t)c + ch) * hw;
      if (simd == CSNN_SIMD_AVX512) {
        csnn__affine_act_avx512(p, hw, a, b, act, q);
      } else if (simd == CSNN_SIMD_AVX2) {
        csnn__affine_act_avx2(p, hw, a, b, act, q);
      } else {
        for (size_t i = 0; i < hw; i++)
          q[i] = act_value(act, p[i] * a + b);
      }
    }
  }
}

void
csnn__bn_act_backward_train(int n, int c, size_t hw, csnn_act act, const float *z, const float *y,
                            const float *dy, const float *gamma, const float *beta,
                            const float *mean, const float *invstd, float *gbuf, float *dz,
                            float *dgamma, float *dbeta, int ith, int nth)
{
  size_t start, end, m = (size_t)n * hw;
  csnn_simd simd = csnn__simd();

  if (act != CSNN_ACT_SILU)
    gbuf = NULL;
  csnn_partition((size_t)c, ith, nth, &start, &end);
  for (size_t ch = start; ch < end; ch++) {
    double sdy = 0.0, sdyz = 0.0;
    float mu = mean[ch], is = invstd[ch], k1, k2, k3;
    /* The forward's affine map, to recompute SiLU's input exactly as it was. */
    float a = is * gamma[ch], b = beta[ch] - mu * a;

    for (int img = 0; img < n; img++) {
      size_t off = ((size_t)img * (size_t)c + ch) * hw;
      if (simd != CSNN_SIMD_PORTABLE) {
        (simd == CSNN_SIMD_AVX512 ? csnn__bn_bwd_sums_avx512 : csnn__bn_bwd_sums_avx2)(
            act, z + off, y + off, dy + off, hw, mu, a, b, gbuf != NULL ? gbuf + off : NULL, &sdy,
            &sdyz);
      } else {
        float s1 = 0.0f, s2 = 0.0f;
        for (size_t i = 0; i < hw; i++) {
          float g = act_grad_value(act, z[off + i] * a + b, y[off + i], dy[off + i]);
          s1 += g;
          s2 += g * (z[off + i] - mu);
        }
        sdy += s1;
        sdyz += s2;
      }
    }
    /* dgamma = sum g zhat; dbeta = sum g; dz = gamma invstd (g - dbeta / m - zhat dgamma / m). */
    if (dgamma != NULL)
      dgamma[ch] += (float)(sdyz * is);
    if (dbeta != NULL)
      dbeta[ch] += (float)sdy;
    k1 = gamma[ch] * is;
    k2 = (float)(sdy / (double)m);
    k3 = (float)(sdyz * is * is / (double)m);
    for (int img = 0; img < n; img++) {
      size_t off = ((size_t)img * (size_t)c + ch) * hw;
      if (simd != CSNN_SIMD_PORTABLE) {
        (simd == CSNN_SIMD_AVX512 ? csnn__bn_bwd_apply_avx512 : csnn__bn_bwd_apply_avx2)(
            act, z + off, y + off, dy + off, gbuf != NULL ? gbuf + off : NULL, hw, mu, a, b, k1, k2,
            k3, dz + off);
      } else {
        for (size_t i = 0; i < hw; i++) {
          float g = act_grad_value(act, z[off + i] * a + b, y[off + i], dy[off + i]);
          dz[off + i] = k1 * (g - k2 - (z[off + i] - mu) * k3);
        }
      }
    }
  }
}

void
csnn__act_grad(csnn_act act, size_t n, const float *pre, const float *out, const float *dy,
               float *dst, int ith, int nth)
{
  size_t start, end;

  csnn_partition(n, ith, nth, &start, &end);
  if (start >= end)
    return;
  if (csnn__simd() != CSNN_SIMD_PORTABLE) {
    (csnn__have_avx512() ? csnn__act_grad_avx512 : csnn__act_grad_avx2)(
        act, pre != NULL ? pre + start : NULL, out != NULL ? out + start : NULL, dy + start,
        end - start, dst + start);
    return;
  }
  for (size_t i = start; i < end; i++)
    dst[i] = act_grad_value(act, pre != NULL ? pre[i] : 0.0f, out != NULL ? out[i] : 0.0f, dy[i]);
}

/* ---- pooling ---- */

void
csnn_pool2d_backward(const csnn_pool2d_desc *d, int n, const float *x, const float *dy, float *dx,
                     int ith, int nth)
{
  size_t start, end;
  size_t hw_in = (size_t)d->h_in * (size_t)d->w_in, hw = (size_t)d->h_out * (size_t)d->w_out;

  csnn_partition((size_t)n * (size_t)d->c, ith, nth, &start, &end);
  if (d->kind == CSNN_POOL_MAX && d->w_out <= 1024 && csnn__have_avx512()) {
    int32_t where[1024 + 16];
    for (size_t plane = start; plane < end; plane++)
      csnn__maxpool_backward_plane_avx512(d, x + plane * hw_in, dy + plane * hw, dx + plane * hw_in,
                                          where);
    return;
  }
  for (size_t plane = start; plane < end; plane++) {
    const float *src = x + plane * hw_in;
    const float *g = dy + plane * hw;
    float *out = dx + plane * hw_in;

    for (int oy = 0; oy < d->h_out; oy++)
      for (int ox = 0; ox < d->w_out; ox++) {
        int y0 = oy * d->stride_h - d->pad_h, x0 = ox * d->stride_w - d->pad_w;
        int y1 = y0 + d->kh, x1 = x0 + d->kw;
        int cy0 = y0 < 0 ? 0 : y0, cx0 = x0 < 0 ? 0 : x0;
        int cy1 = y1 > d->h_in ? d->h_in : y1, cx1 = x1 > d->w_in ? d->w_in : x1;
        float gv = g[(size_t)oy * (size_t)d->w_out + ox];

        if (d->kind == CSNN_POOL_MAX) {
          size_t best = (size_t)cy0 * (size_t)d->w_in + (size_t)cx0;
          float bv = -INFINITY;
          for (int iy = cy0; iy < cy1; iy++)
            for (int ix = cx0; ix < cx1; ix++) {
              size_t at = (size_t)iy * (size_t)d->w_in + (size_t)ix;
              if (src[at] > bv || isnan(src[at])) {
                bv = src[at];
                best = at;
              }
            }
          if (cy0 < cy1 && cx0 < cx1)
            out[best] += gv;
        } else {
          int count;
          /* PyTorch counts the padded window clipped to the padded input when counting pad. */
          if (d->count_include_pad) {
            int py1 = y1 > d->h_in + d->pad_h ? d->h_in + d->pad_h : y1;
            int px1 = x1 > d->w_in + d->pad_w ? d->w_in + d->pad_w : x1;
            count = (py1 - y0) * (px1 - x0);
          } else {
            count = (cy1 - cy0) * (cx1 - cx0);
          }
          if (count <= 0)
            continue;
          for (int iy = cy0; iy < cy1; iy++)
            for (int ix = cx0; ix < cx1; ix++)
              out[(size_t)iy * (size_t)d->w_in + (size_t)ix] += gv / (float)count;
        }
      }
  }
}

void
csnn_global_avgpool_backward(int n, int c, size_t hw, const float *dy, float *dx, int ith, int nth)
{
  size_t start, end;

  csnn_partition((size_t)n * (size_t)c, ith, nth, &start, &end);
  for (size_t plane = start; plane < end; plane++) {
    float v = dy[plane] / (float)hw;
    float *q = dx + plane * hw;
    for (size_t i = 0; i < hw; i++)
      q[i] += v;
  }
}

/* ---- squeeze-and-excitation, linear ---- */

void
csnn_mul_channel_backward(int n, int c, size_t hw, const float *x, const float *scale,
                          const float *dy, float *dx, float *dscale, int ith, int nth)
{
  size_t start, end;

  csnn_partition((size_t)n * (size_t)c, ith, nth, &start, &end);
  for (size_t plane = start; plane < end; plane++) {
    const float *g = dy + plane * hw, *p = x + plane * hw;
    float s = scale[plane], acc = 0.0f;

    if (dx != NULL) {
      float *q = dx + plane * hw;
      for (size_t i = 0; i < hw; i++)
        q[i] += g[i] * s;
    }
    if (dscale != NULL) {
      for (size_t i = 0; i < hw; i++)
        acc += g[i] * p[i];
      dscale[plane] += acc;
    }
  }
}

void
csnn_linear_backward(int n, int in, int out, const float *x, const float *weight, const float *dy,
                     float *dx, float *dweight, float *dbias, int ith, int nth)
{
  size_t start, end;

  /* Weight and bias rows by output; input gradients by image. */
  csnn_partition((size_t)out, ith, nth, &start, &end);
  for (size_t o = start; o < end; o++) {
    for (int img = 0; img < n; img++) {
      float g = dy[(size_t)img * (size_t)out + o];
      const float *p = x + (size_t)img * (size_t)in;
      float *w = dweight + o * (size_t)in;

      if (dbias != NULL)
        dbias[o] += g;
      for (int i = 0; i < in; i++)
        w[i] += g * p[i];
    }
  }
  if (dx == NULL)
    return;
  csnn_partition((size_t)n, ith, nth, &start, &end);
  for (size_t img = start; img < end; img++) {
    float *q = dx + img * (size_t)in;
    for (int o = 0; o < out; o++) {
      float g = dy[img * (size_t)out + (size_t)o];
      const float *w = weight + (size_t)o * (size_t)in;
      for (int i = 0; i < in; i++)
        q[i] += g * w[i];
    }
  }
}

/* ---- loss ---- */

double
csnn_softmax_xent(int n, int classes, const float *logits, const int *labels,
                  const float *class_weights, float *dlogits)
{
  double total = 0.0, wsum = 0.0;

  for (int i = 0; i < n; i++)
    wsum += class_weights != NULL ? class_weights[labels[i]] : 1.0;
  if (wsum <= 0.0)
    wsum = 1.0;
  for (int i = 0; i < n; i++) {
    const float *z = logits + (size_t)i * (size_t)classes;
    double mx = z[0], s = 0.0, w = class_weights != NULL ? class_weights[labels[i]] : 1.0;

    for (int k = 1; k < classes; k++)
      if (z[k] > mx)
        mx = z[k];
    for (int k = 0; k < classes; k++)
      s += exp((double)z[k] - mx);
    total += w * (log(s) + mx - (double)z[labels[i]]);
    if (dlogits != NULL)
      for (int k = 0; k < classes; k++) {
        double p = exp((double)z[k] - mx) / s;
        dlogits[(size_t)i * (size_t)classes + k] =
            (float)(w * (p - (k == labels[i] ? 1.0 : 0.0)) / wsum);
      }
  }
  return total / wsum;
}
