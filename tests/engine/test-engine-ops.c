/* test-engine-ops.c — every operator against a naive reference on small random shapes
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Errors are normalised: max |ours - reference| / max |reference| must stay below 1e-5. Each
 * kernel also runs split over several "threads" (called one after the other with ith = 0 .. nth-1)
 * to check that its partition covers the output exactly once.
 */
#include <glib.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csnn-net.h"
#include "csnn-ops.h"
#include "csnn-simd.h"
#include "csnn-tensor.h"

static float *
random_floats(GRand *rng, size_t n, double scale)
{
  float *x = g_new(float, n);
  for (size_t i = 0; i < n; i++)
    x[i] = (float)(g_rand_double_range(rng, -1.0, 1.0) * scale);
  return x;
}

static double
normalised_error(const float *got, const double *want, size_t n)
{
  double top = 1e-6, err = 0.0;

  for (size_t i = 0; i < n; i++) {
    top = fmax(top, fabs(want[i]));
    err = fmax(err, fabs((double)got[i] - want[i]));
  }
  return err / top;
}

static double
act_ref(csnn_act act, double v)
{
  switch (act) {
    case CSNN_ACT_NONE:
      return v;
    case CSNN_ACT_RELU:
      return v > 0 ? v : 0;
    case CSNN_ACT_RELU6:
      return v < 0 ? 0 : v > 6 ? 6 : v;
    case CSNN_ACT_SILU:
      return v / (1.0 + exp(-v));
    case CSNN_ACT_SIGMOID:
      return 1.0 / (1.0 + exp(-v));
  }
  return v;
}

static void
conv_ref(const csnn_conv2d_desc *d, int n, const float *x, const float *w, const float *b,
         double *y)
{
  int cig = d->c_in / d->groups, cog = d->c_out / d->groups;

  for (int i = 0; i < n; i++)
    for (int o = 0; o < d->c_out; o++)
      for (int oy = 0; oy < d->h_out; oy++)
        for (int ox = 0; ox < d->w_out; ox++) {
          double acc = b ? b[o] : 0.0;
          int g = o / cog;

          for (int c = 0; c < cig; c++)
            for (int ky = 0; ky < d->kh; ky++)
              for (int kx = 0; kx < d->kw; kx++) {
                int iy = oy * d->stride_h - d->pad_h + ky * d->dil_h;
                int ix = ox * d->stride_w - d->pad_w + kx * d->dil_w;
                if (iy < 0 || iy >= d->h_in || ix < 0 || ix >= d->w_in)
                  continue;
                acc += (double)w[((o * cig + c) * d->kh + ky) * d->kw + kx] *
                       x[((i * d->c_in + g * cig + c) * d->h_in + iy) * d->w_in + ix];
              }
          y[((i * d->c_out + o) * d->h_out + oy) * d->w_out + ox] = act_ref(d->act, acc);
        }
}

/* Makes the kernels take the path named by the test's data; returns 0 (the test skipped) when
 * this CPU lacks it. */
static int
force_path(gconstpointer path)
{
  int simd = GPOINTER_TO_INT(path);

  if (csnn__simd_force(simd) != CSNN_OK) {
    g_test_skip_printf("this CPU lacks the %s path", csnn__simd_name((csnn_simd)simd));
    return 0;
  }
  return 1;
}

static void
test_conv2d(gconstpointer path)
{
  GRand *rng;

  if (!force_path(path))
    return;
  rng = g_rand_new_with_seed(11);
  for (int trial = 0; trial < 60; trial++) {
    static const csnn_act acts[] = { CSNN_ACT_NONE, CSNN_ACT_RELU, CSNN_ACT_RELU6, CSNN_ACT_SILU,
                                     CSNN_ACT_SIGMOID };
    csnn_conv2d_desc d = { 0 };
    int kind = trial % 4, n = 1 + trial % 2;
    size_t nx, nw, ny;
    float *x, *w, *b, *y, *packed, *scratch;
    double *want;

    d.groups = kind == 1 ? 2 : 1;
    d.c_in = d.groups * g_rand_int_range(rng, 1, 6);
    d.c_out = d.groups * g_rand_int_range(rng, 1, 21);
    if (kind == 2) { /* depthwise */
      d.c_in = d.c_out = d.groups = g_rand_int_range(rng, 2, 9);
    }
    d.kh = d.kw = kind == 3 ? 1 : (int[]){ 1, 3, 5 }[g_rand_int_range(rng, 0, 3)];
    d.stride_h = d.stride_w = kind == 3 ? 1 : g_rand_int_range(rng, 1, 3);
    d.pad_h = d.pad_w = kind == 3 ? 0 : g_rand_int_range(rng, 0, d.kh / 2 + 1);
    d.dil_h = d.dil_w = (kind == 0 && trial % 3 == 0) ? 2 : 1;
    d.h_in = g_rand_int_range(rng, 6, 40);
    d.w_in = g_rand_int_range(rng, 6, 70);
    d.act = acts[trial % 5];
    g_assert_cmpint(csnn_conv2d_setup(&d), ==, CSNN_OK);
    nx = (size_t)n * d.c_in * d.h_in * d.w_in;
    nw = (size_t)d.c_out * (d.c_in / d.groups) * d.kh * d.kw;
    ny = (size_t)n * d.c_out * d.h_out * d.w_out;
    x = random_floats(rng, nx, 1.0);
    w = random_floats(rng, nw, 0.5);
    b = random_floats(rng, (size_t)d.c_out, 0.5);
    y = g_new0(float, ny);
    want = g_new(double, ny);
    packed = g_new0(float, csnn_conv2d_packed_floats(&d));
    scratch = g_new0(float, csnn_conv2d_scratch_floats(&d) + 1);
    conv_ref(&d, n, x, w, b, want);

    for (int nth = 1; nth <= 3; nth += 2) {
      memset(y, 0, ny * sizeof *y);
      for (int ith = 0; ith < nth; ith++)
        csnn_conv2d_forward(&d, n, x, w, b, y, scratch, ith, nth);
      g_assert_cmpfloat(normalised_error(y, want, ny), <, 1e-5);
      csnn_conv2d_pack(&d, w, packed);
      memset(y, 0, ny * sizeof *y);
      for (int ith = 0; ith < nth; ith++)
        csnn_conv2d_forward_packed(&d, n, x, packed, b, y, scratch, ith, nth);
      if (csnn_conv2d_can_fuse_residual(&d)) {
        /* The residual connection fused into the epilogue: y = conv + residual. */
        float *res = random_floats(rng, ny, 1.0), *sum = g_new0(float, ny);
        double *want_sum = g_new(double, ny);

        for (size_t i = 0; i < ny; i++)
          want_sum[i] = want[i] + res[i];
        for (int ith = 0; ith < nth; ith++)
          csnn_conv2d_forward_packed_residual(&d, n, x, packed, b, res, sum, scratch, ith, nth);
        g_assert_cmpfloat(normalised_error(sum, want_sum, ny), <, 1e-5);
        g_free(res);
        g_free(sum);
        g_free(want_sum);
      }
      if (normalised_error(y, want, ny) >= 1e-5)
        g_error("packed conv %d: c %d->%d k %d s %d p %d d %d g %d %dx%d act %d: error %g", trial,
                d.c_in, d.c_out, d.kh, d.stride_h, d.pad_h, d.dil_h, d.groups, d.h_in, d.w_in,
                d.act, normalised_error(y, want, ny));
    }
    g_free(x);
    g_free(w);
    g_free(b);
    g_free(y);
    g_free(want);
    g_free(packed);
    g_free(scratch);
  }
  g_rand_free(rng);
  csnn__simd_force(-1);
}

static void
test_conv2d_bad_shapes(void)
{
  csnn_conv2d_desc d = { .c_in = 3,
                         .c_out = 4,
                         .kh = 3,
                         .kw = 3,
                         .stride_h = 1,
                         .stride_w = 1,
                         .groups = 2,
                         .h_in = 8,
                         .w_in = 8 };

  g_assert_cmpint(csnn_conv2d_setup(&d), ==, CSNN_ERR_INVALID);
  d.groups = 1;
  d.h_in = 2;
  g_assert_cmpint(csnn_conv2d_setup(&d), ==, CSNN_ERR_INVALID);
  d.h_in = 8;
  d.stride_w = 0;
  g_assert_cmpint(csnn_conv2d_setup(&d), ==, CSNN_ERR_INVALID);
}

static void
test_bn_fold(void)
{
  GRand *rng = g_rand_new_with_seed(5);
  csnn_conv2d_desc d = { .c_in = 4,
                         .c_out = 6,
                         .kh = 3,
                         .kw = 3,
                         .stride_h = 1,
                         .stride_w = 1,
                         .pad_h = 1,
                         .pad_w = 1,
                         .h_in = 9,
                         .w_in = 7 };
  float *x, *w, *gamma, *beta, *mean, *var, *wf, *bf, *conv, *bn, *folded, *scratch;
  double *want;
  size_t ny;

  g_assert_cmpint(csnn_conv2d_setup(&d), ==, CSNN_OK);
  ny = (size_t)d.c_out * d.h_out * d.w_out;
  x = random_floats(rng, 4 * 9 * 7, 1.0);
  w = random_floats(rng, 6 * 4 * 9, 0.5);
  gamma = random_floats(rng, 6, 1.0);
  beta = random_floats(rng, 6, 1.0);
  mean = random_floats(rng, 6, 1.0);
  var = random_floats(rng, 6, 1.0);
  for (int i = 0; i < 6; i++)
    var[i] = fabsf(var[i]) + 0.1f;
  wf = g_new(float, 6 * 4 * 9);
  bf = g_new(float, 6);
  conv = g_new(float, ny);
  bn = g_new(float, ny);
  folded = g_new(float, ny);
  want = g_new(double, ny);
  scratch = g_new(float, csnn_conv2d_scratch_floats(&d));
  csnn_conv2d_forward(&d, 1, x, w, NULL, conv, scratch, 0, 1);
  csnn_bn_forward_inference(1, 6, (size_t)d.h_out * d.w_out, conv, gamma, beta, mean, var, 1e-5f,
                            bn, 0, 1);
  csnn_bn_fold(6, 4 * 9, w, NULL, gamma, beta, mean, var, 1e-5f, wf, bf);
  csnn_conv2d_forward(&d, 1, x, wf, bf, folded, scratch, 0, 1);
  for (size_t i = 0; i < ny; i++)
    want[i] = bn[i];
  g_assert_cmpfloat(normalised_error(folded, want, ny), <, 1e-5);
  g_free(x);
  g_free(w);
  g_free(gamma);
  g_free(beta);
  g_free(mean);
  g_free(var);
  g_free(wf);
  g_free(bf);
  g_free(conv);
  g_free(bn);
  g_free(folded);
  g_free(scratch);
  g_free(want);
  g_rand_free(rng);
}

static void
pool_ref(const csnn_pool2d_desc *d, int n, const float *x, double *y)
{
  for (int p = 0; p < n * d->c; p++)
    for (int oy = 0; oy < d->h_out; oy++)
      for (int ox = 0; ox < d->w_out; ox++) {
        int y0 = oy * d->stride_h - d->pad_h, x0 = ox * d->stride_w - d->pad_w;
        int y1 = MIN(y0 + d->kh, d->h_in + d->pad_h), x1 = MIN(x0 + d->kw, d->w_in + d->pad_w);
        int size = (y1 - y0) * (x1 - x0), count = 0;
        double best = -INFINITY, sum = 0.0;

        for (int iy = MAX(y0, 0); iy < MIN(y1, d->h_in); iy++)
          for (int ix = MAX(x0, 0); ix < MIN(x1, d->w_in); ix++) {
            double v = x[(p * d->h_in + iy) * d->w_in + ix];
            best = fmax(best, v);
            sum += v;
            count++;
          }
        y[(p * d->h_out + oy) * d->w_out + ox] =
            d->kind == CSNN_POOL_MAX ? best : sum / (d->count_include_pad ? size : count);
      }
}

static void
test_pool2d(gconstpointer path)
{
  GRand *rng;

  if (!force_path(path))
    return;
  rng = g_rand_new_with_seed(3);
  for (int trial = 0; trial < 40; trial++) {
    csnn_pool2d_desc d = { .kind = trial % 2 ? CSNN_POOL_AVG : CSNN_POOL_MAX };
    size_t nx, ny;
    float *x, *y;
    double *want;

    d.c = g_rand_int_range(rng, 1, 5);
    d.kh = d.kw = g_rand_int_range(rng, 2, 4);
    d.stride_h = d.stride_w = g_rand_int_range(rng, 1, 3);
    d.pad_h = d.pad_w = trial % 4 < 2 ? 0 : g_rand_int_range(rng, 0, d.kh / 2 + 1);
    d.ceil_mode = trial % 3 != 0;
    d.count_include_pad = trial % 5 < 2;
    d.h_in = g_rand_int_range(rng, 4, 30);
    d.w_in = g_rand_int_range(rng, 4, 60);
    g_assert_cmpint(csnn_pool2d_setup(&d), ==, CSNN_OK);
    nx = (size_t)2 * d.c * d.h_in * d.w_in;
    ny = (size_t)2 * d.c * d.h_out * d.w_out;
    x = random_floats(rng, nx, 1.0);
    y = g_new0(float, ny);
    want = g_new(double, ny);
    pool_ref(&d, 2, x, want);
    for (int ith = 0; ith < 3; ith++)
      csnn_pool2d_forward(&d, 2, x, y, ith, 3);
    g_assert_cmpfloat(normalised_error(y, want, ny), <, 1e-5);
    g_free(x);
    g_free(y);
    g_free(want);
  }
  g_rand_free(rng);
  csnn__simd_force(-1);
}

static void
test_pool2d_squeezenet_sizes(void)
{
  /* torch: MaxPool2d(3, 2, ceil_mode=True) maps 111 -> 55, 55 -> 27, 27 -> 13. */
  static const int sizes[][2] = { { 111, 55 }, { 55, 27 }, { 27, 13 }, { 8, 4 } };

  for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
    csnn_pool2d_desc d = {
      .kind = CSNN_POOL_MAX, .c = 1, .kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2, .ceil_mode = 1
    };
    d.h_in = d.w_in = sizes[i][0];
    g_assert_cmpint(csnn_pool2d_setup(&d), ==, CSNN_OK);
    g_assert_cmpint(d.h_out, ==, sizes[i][1]);
  }
}

static void
test_adaptive_and_global(void)
{
  GRand *rng = g_rand_new_with_seed(9);
  float *x = random_floats(rng, 2 * 3 * 10 * 7, 1.0);
  float y[2 * 3 * 4 * 3], g[6];
  double want[2 * 3 * 4 * 3], gwant[6];

  for (int p = 0; p < 6; p++) {
    double total = 0;
    for (int i = 0; i < 70; i++)
      total += x[p * 70 + i];
    gwant[p] = total / 70;
    for (int oy = 0; oy < 4; oy++)
      for (int ox = 0; ox < 3; ox++) {
        int ys = oy * 10 / 4, ye = ((oy + 1) * 10 + 3) / 4;
        int xs = ox * 7 / 3, xe = ((ox + 1) * 7 + 2) / 3;
        double sum = 0;
        for (int iy = ys; iy < ye; iy++)
          for (int ix = xs; ix < xe; ix++)
            sum += x[p * 70 + iy * 7 + ix];
        want[(p * 4 + oy) * 3 + ox] = sum / ((ye - ys) * (xe - xs));
      }
  }
  for (int ith = 0; ith < 2; ith++) {
    csnn_adaptive_avgpool2d_forward(2, 3, 10, 7, 4, 3, x, y, ith, 2);
    csnn_global_avgpool_forward(2, 3, 70, x, g, ith, 2);
  }
  g_assert_cmpfloat(normalised_error(y, want, G_N_ELEMENTS(y)), <, 1e-5);
  g_assert_cmpfloat(normalised_error(g, gwant, 6), <, 1e-5);
  g_free(x);
  g_rand_free(rng);
}

static void
test_elementwise(gconstpointer path)
{
  GRand *rng;

  if (!force_path(path))
    return;
  rng = g_rand_new_with_seed(21);
  size_t n = 2 * 3 * 37;
  float *a = random_floats(rng, n, 8.0), *b = random_floats(rng, n, 1.0);
  float *s = random_floats(rng, 6, 1.0);
  float *y = g_new(float, n), *cat = g_new(float, n * 2);
  double *want = g_new(double, n * 2);
  static const csnn_act acts[] = { CSNN_ACT_RELU, CSNN_ACT_RELU6, CSNN_ACT_SILU, CSNN_ACT_SIGMOID };

  for (size_t k = 0; k < G_N_ELEMENTS(acts); k++) {
    memcpy(y, a, n * sizeof *y);
    for (int ith = 0; ith < 3; ith++)
      csnn_act_forward(acts[k], y, n, ith, 3);
    for (size_t i = 0; i < n; i++)
      want[i] = act_ref(acts[k], a[i]);
    g_assert_cmpfloat(normalised_error(y, want, n), <, 1e-6);
  }
  for (int ith = 0; ith < 2; ith++)
    csnn_add_forward(n, a, b, y, ith, 2);
  for (size_t i = 0; i < n; i++)
    want[i] = (double)a[i] + b[i];
  g_assert_cmpfloat(normalised_error(y, want, n), <, 1e-6);
  for (int ith = 0; ith < 2; ith++)
    csnn_mul_channel_forward(2, 3, 37, a, s, y, ith, 2);
  for (size_t i = 0; i < n; i++)
    want[i] = (double)a[i] * s[i / 37];
  g_assert_cmpfloat(normalised_error(y, want, n), <, 1e-6);
  /* [2, 3, 37] ++ [2, 3, 37] along channels. */
  for (int ith = 0; ith < 2; ith++)
    csnn_concat_channels_forward(2, 3, 3, 37, a, b, cat, ith, 2);
  for (int img = 0; img < 2; img++)
    for (int c = 0; c < 6; c++)
      for (int i = 0; i < 37; i++)
        want[(img * 6 + c) * 37 + i] =
            c < 3 ? a[(img * 3 + c) * 37 + i] : b[(img * 3 + c - 3) * 37 + i];
  g_assert_cmpfloat(normalised_error(cat, want, n * 2), <, 1e-7);
  csnn_dropout_forward_inference(n, a, y);
  g_assert_cmpmem(y, n * sizeof *y, a, n * sizeof *a);
  g_free(a);
  g_free(b);
  g_free(s);
  g_free(y);
  g_free(cat);
  g_free(want);
  g_rand_free(rng);
  csnn__simd_force(-1);
}

/* Runs @d on the current path with a fused residual (where the packed GEMM takes it). */
static void
conv_on_path(const csnn_conv2d_desc *d, const float *x, const float *w, const float *b,
             const float *res, float *y)
{
  float *packed = g_new0(float, csnn_conv2d_packed_floats(d));
  float *scratch = g_new0(float, csnn_conv2d_scratch_floats(d) + 1);

  csnn_conv2d_pack(d, w, packed);
  for (int ith = 0; ith < 2; ith++)
    csnn_conv2d_forward_packed_residual(d, 1, x, packed, b, res, y, scratch, ith, 2);
  g_free(packed);
  g_free(scratch);
}

/* The AVX2 and AVX-512 kernels compute each output by the same operations: bit-identical. */
static void
test_paths_agree(void)
{
  GRand *rng = g_rand_new_with_seed(17);

  if (csnn__simd_best() < CSNN_SIMD_AVX512) {
    g_test_skip("this CPU lacks AVX-512: nothing to compare the AVX2 path with");
    g_rand_free(rng);
    return;
  }
  for (int trial = 0; trial < 24; trial++) {
    csnn_conv2d_desc d = { .stride_h = 1, .stride_w = 1, .act = (csnn_act)(trial % 5) };
    int kind = trial % 3;
    float *x, *w, *b, *res, *y[2];
    size_t ny;

    d.c_in = g_rand_int_range(rng, 1, 40);
    d.c_out = g_rand_int_range(rng, 1, 40);
    d.h_in = g_rand_int_range(rng, 5, 30);
    d.w_in = g_rand_int_range(rng, 5, 80);
    d.kh = d.kw = kind == 0 ? 1 : 3;
    d.pad_h = d.pad_w = kind == 0 ? 0 : 1;
    if (kind == 2) { /* depthwise, stride 1 or 2 */
      d.c_out = d.groups = d.c_in;
      d.stride_h = d.stride_w = 1 + trial % 2;
    }
    g_assert_cmpint(csnn_conv2d_setup(&d), ==, CSNN_OK);
    ny = (size_t)d.c_out * d.h_out * d.w_out;
    x = random_floats(rng, (size_t)d.c_in * d.h_in * d.w_in, 2.0);
    w = random_floats(rng, (size_t)d.c_out * (d.c_in / d.groups) * 9, 0.5);
    b = random_floats(rng, (size_t)d.c_out, 0.5);
    res = kind == 2 ? NULL : random_floats(rng, ny, 1.0);
    for (int p = 0; p < 2; p++) {
      y[p] = g_new0(float, ny);
      g_assert_cmpint(csnn__simd_force(p == 0 ? CSNN_SIMD_AVX2 : CSNN_SIMD_AVX512), ==, CSNN_OK);
      conv_on_path(&d, x, w, b, res, y[p]);
    }
    if (memcmp(y[0], y[1], ny * sizeof(float)) != 0)
      g_error("conv %d: c %d->%d k %d s %d g %d %dx%d act %d: AVX2 and AVX-512 differ", trial,
              d.c_in, d.c_out, d.kh, d.stride_h, d.groups, d.h_in, d.w_in, d.act);
    g_free(x);
    g_free(w);
    g_free(b);
    g_free(res);
    g_free(y[0]);
    g_free(y[1]);
  }
  csnn__simd_force(-1);
  g_rand_free(rng);
}

/* The vector depthwise kernels read the plane in place, masking the columns beside it: each
 * output must still be, bit for bit, its bias plus every tap in order (zeros for the padding),
 * one FMA chain, as fmaf() computes it, whatever the border, stride, width or dilation. */
static void
test_depthwise_chain(gconstpointer path)
{
  GRand *rng;

  if (!force_path(path))
    return;
  rng = g_rand_new_with_seed(23);
  for (int trial = 0; trial < 200; trial++) {
    csnn_conv2d_desc d = { .act = (csnn_act)(trial % 3) }; /* none, ReLU, ReLU6: exact */
    float *x, *w, *b, *y, *scratch;
    size_t ny;

    d.c_in = d.c_out = d.groups = g_rand_int_range(rng, 2, 5);
    if (trial < 120) {
      d.kh = (int[]){ 1, 3, 5, 7 }[trial / 2 % 4];
      d.kw = trial % 7 == 0 ? 3 : d.kh;
      d.stride_w = trial % 2 + 1;
      d.stride_h = trial % 3 == 0 ? 3 - d.stride_w : d.stride_w;
      d.dil_h = d.dil_w = d.stride_w == 1 && trial % 5 == 0 ? 2 : 1;
      d.pad_h = g_rand_int_range(rng, 0, d.kh / 2 + 2);
      d.pad_w = g_rand_int_range(rng, 0, d.kw / 2 + 2);
      /* Heights up to the narrow kernels' 64 padded rows and past them; widths around the vector
       * lengths, the tiles, and wide. */
      d.h_in = trial % 10 == 9 ? g_rand_int_range(rng, 60, 70) : g_rand_int_range(rng, 3, 24);
      d.w_in = trial < 80 ? 3 + trial % 40 : g_rand_int_range(rng, 48, 150);
    } else {
      /* The narrow planes' own kernels: 3 x 3 and 5 x 5 with stride 1, up to 22 wide. */
      int t = trial - 120;

      d.kh = d.kw = t % 2 == 0 ? 3 : 5;
      d.stride_h = d.stride_w = d.dil_h = d.dil_w = 1;
      d.pad_h = d.pad_w = d.kh / 2 - (t % 3 == 2);
      d.h_in = 5 + t % 20;
      d.w_in = 3 + t / 2 % 20;
    }
    d.h_in = MAX(d.h_in, (d.kh - 1) * d.dil_h + 1);
    d.w_in = MAX(d.w_in, (d.kw - 1) * d.dil_w + 1);
    g_assert_cmpint(csnn_conv2d_setup(&d), ==, CSNN_OK);
    g_assert_true(csnn__depthwise_ok(&d));
    ny = (size_t)d.c_out * d.h_out * d.w_out;
    x = random_floats(rng, (size_t)d.c_in * d.h_in * d.w_in, 2.0);
    w = random_floats(rng, (size_t)d.c_out * d.kh * d.kw, 0.5);
    b = random_floats(rng, (size_t)d.c_out, 0.5);
    y = g_new0(float, ny);
    scratch = g_new0(float, csnn_conv2d_scratch_floats(&d));
    for (int ith = 0; ith < 2; ith++)
      csnn_conv2d_forward_packed(&d, 1, x, w, b, y, scratch, ith, 2);
    for (int c = 0; c < d.c_out; c++)
      for (int oy = 0; oy < d.h_out; oy++)
        for (int ox = 0; ox < d.w_out; ox++) {
          float acc = b[c], got = y[((size_t)c * d.h_out + oy) * d.w_out + ox];

          for (int ky = 0; ky < d.kh; ky++)
            for (int kx = 0; kx < d.kw; kx++) {
              int iy = oy * d.stride_h - d.pad_h + ky * d.dil_h;
              int ix = ox * d.stride_w - d.pad_w + kx * d.dil_w;
              float v = iy >= 0 && iy < d.h_in && ix >= 0 && ix < d.w_in
                            ? x[((size_t)c * d.h_in + iy) * d.w_in + ix]
                            : 0.0f;

              acc = fmaf(w[(c * d.kh + ky) * d.kw + kx], v, acc);
            }
          acc = d.act == CSNN_ACT_NONE ? acc : acc < 0.0f ? 0.0f : acc;
          acc = d.act == CSNN_ACT_RELU6 && acc > 6.0f ? 6.0f : acc;
          if (memcmp(&acc, &got, sizeof acc) != 0)
            g_error("depthwise %d: k %dx%d s %d,%d p %d,%d d %d %dx%d: (%d, %d, %d) is %.9g, "
                    "not %.9g",
                    trial, d.kh, d.kw, d.stride_h, d.stride_w, d.pad_h, d.pad_w, d.dil_w, d.h_in,
                    d.w_in, c, oy, ox, got, acc);
        }
    g_free(x);
    g_free(w);
    g_free(b);
    g_free(y);
    g_free(scratch);
  }
  g_rand_free(rng);
  csnn__simd_force(-1);
}

/* Threads may share a large depthwise plane as bands of output rows: the band's descriptor has
 * fewer output rows and its top padding moved up by the rows above it (negative below the
 * first). Each band must give, bit for bit, its rows of the whole plane, on every kernel. */
static void
test_depthwise_bands(gconstpointer path)
{
  GRand *rng;

  if (!force_path(path))
    return;
  rng = g_rand_new_with_seed(31);
  for (int trial = 0; trial < 24; trial++) {
    csnn_conv2d_desc d = { .c_in = 1, .c_out = 1, .groups = 1, .act = CSNN_ACT_RELU6 };
    float *x, *w, *whole, *band_y, *scratch;
    size_t ny;

    d.kh = d.kw = trial % 2 == 0 ? 3 : 5;
    d.stride_h = d.stride_w = trial % 4 < 2 ? 1 : 2;
    d.pad_h = d.pad_w = d.kh / 2;
    d.h_in = g_rand_int_range(rng, 9, 40);
    d.w_in = trial < 12 ? g_rand_int_range(rng, 5, 17) : g_rand_int_range(rng, 17, 90);
    g_assert_cmpint(csnn_conv2d_setup(&d), ==, CSNN_OK);
    ny = (size_t)d.h_out * d.w_out;
    x = random_floats(rng, (size_t)d.h_in * d.w_in, 2.0);
    w = random_floats(rng, (size_t)d.kh * d.kw, 0.5);
    whole = g_new0(float, ny);
    band_y = g_new0(float, ny);
    scratch = g_new0(float, csnn__depthwise_scratch_floats(&d));
    csnn__depthwise_plane(&d, x, w, 0.25f, whole, scratch);
    for (int start = 0, rows = 1; start < d.h_out; start += rows, rows = rows % 5 + 1) {
      csnn_conv2d_desc band = d;

      band.h_out = MIN(rows, d.h_out - start);
      band.pad_h = d.pad_h - start * d.stride_h;
      csnn__depthwise_plane(&band, x, w, 0.25f, band_y + (size_t)start * d.w_out, scratch);
    }
    if (memcmp(whole, band_y, ny * sizeof(float)) != 0)
      g_error("depthwise bands %d: k %d s %d %dx%d differ from the whole plane", trial, d.kh,
              d.stride_h, d.h_in, d.w_in);
    g_free(x);
    g_free(w);
    g_free(whole);
    g_free(band_y);
    g_free(scratch);
  }
  g_rand_free(rng);
  csnn__simd_force(-1);
}

/* The packed GEMM and the direct convolution (stride 1, read in place from padded planes; on
 * narrow planes two output rows per tile) compute each output as one FMA chain over (channel,
 * ky, kx) in order from zero, then add the bias, apply the activation and add the residual: bit
 * for bit what fmaf() gives, on both paths, whatever the tile an output falls in. */
static void
test_conv_chain(gconstpointer path)
{
  GRand *rng;

  if (!force_path(path))
    return;
  rng = g_rand_new_with_seed(29);
  for (int trial = 0; trial < 40; trial++) {
    csnn_conv2d_desc d = { .stride_h = 1, .stride_w = 1, .act = (csnn_act)(trial % 3) };
    float *x, *w, *b, *res, *y, *packed, *scratch;
    size_t ny;

    d.c_in = g_rand_int_range(rng, 1, 9);
    d.c_out = g_rand_int_range(rng, 1, 30);
    d.kh = d.kw = trial % 4 == 3 ? 1 : trial % 4 == 2 ? 5 : 3;
    d.pad_h = d.pad_w = d.kh == 1 ? trial % 2 : d.kh / 2;
    d.h_in = g_rand_int_range(rng, 3, 20);
    /* Widths up to 16 (two output rows per tile), around 32, and wider. */
    d.w_in = trial < 24 ? 3 + trial % 16 : g_rand_int_range(rng, 17, 70);
    g_assert_cmpint(csnn_conv2d_setup(&d), ==, CSNN_OK);
    ny = (size_t)d.c_out * d.h_out * d.w_out;
    x = random_floats(rng, (size_t)d.c_in * d.h_in * d.w_in, 2.0);
    w = random_floats(rng, (size_t)d.c_out * d.c_in * d.kh * d.kw, 0.5);
    b = random_floats(rng, (size_t)d.c_out, 0.5);
    res = random_floats(rng, ny, 1.0);
    y = g_new0(float, ny);
    packed = g_new0(float, csnn_conv2d_packed_floats(&d));
    scratch = g_new0(float, csnn_conv2d_scratch_floats(&d) + 1);
    csnn_conv2d_pack(&d, w, packed);
    for (int ith = 0; ith < 3; ith++)
      csnn_conv2d_forward_packed_residual(&d, 1, x, packed, b, res, y, scratch, ith, 3);
    for (int o = 0; o < d.c_out; o++)
      for (int oy = 0; oy < d.h_out; oy++)
        for (int ox = 0; ox < d.w_out; ox++) {
          size_t at = ((size_t)o * d.h_out + oy) * d.w_out + ox;
          float acc = 0.0f;

          for (int c = 0; c < d.c_in; c++)
            for (int ky = 0; ky < d.kh; ky++)
              for (int kx = 0; kx < d.kw; kx++) {
                int iy = oy - d.pad_h + ky, ix = ox - d.pad_w + kx;
                float v = iy >= 0 && iy < d.h_in && ix >= 0 && ix < d.w_in
                              ? x[((size_t)c * d.h_in + iy) * d.w_in + ix]
                              : 0.0f;

                acc = fmaf(w[((o * d.c_in + c) * d.kh + ky) * d.kw + kx], v, acc);
              }
          acc += b[o];
          acc = d.act == CSNN_ACT_NONE ? acc : acc < 0.0f ? 0.0f : acc;
          acc = d.act == CSNN_ACT_RELU6 && acc > 6.0f ? 6.0f : acc;
          acc += res[at];
          if (memcmp(&acc, &y[at], sizeof acc) != 0)
            g_error("conv %d: c %d->%d k %d p %d %dx%d: (%d, %d, %d) is %.9g, not %.9g", trial,
                    d.c_in, d.c_out, d.kh, d.pad_h, d.h_in, d.w_in, o, oy, ox, y[at], acc);
        }
    g_free(x);
    g_free(w);
    g_free(b);
    g_free(res);
    g_free(y);
    g_free(packed);
    g_free(scratch);
  }
  g_rand_free(rng);
  csnn__simd_force(-1);
}

/* CSNN_SIMD picks a path; one the CPU lacks, or no path, is refused when a network is built. */
static void
test_simd_env(gconstpointer value)
{
  if (g_test_subprocess()) {
    csnn_net *net = NULL;
    int status;

    g_setenv("CSNN_SIMD", value, TRUE);
    status = csnn_net_new("squeezenet1_1", 2, &net);
    if (status == CSNN_OK) {
      g_print("path %s\n", csnn__simd_name(csnn__simd()));
      csnn_net_free(net);
    } else {
      g_printerr("refused: %s\n", csnn_last_error());
    }
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  if (strcmp(value, "avx3") == 0)
    g_test_trap_assert_stderr("*refused: CSNN_SIMD=avx3: expected portable, avx2 or avx512*");
  else if (strcmp(value, "avx512") == 0 && csnn__simd_best() < CSNN_SIMD_AVX512)
    g_test_trap_assert_stderr("*refused: CSNN_SIMD=avx512: this processor lacks AVX-512F*");
  else if (strcmp(value, "avx2") == 0 && csnn__simd_best() < CSNN_SIMD_AVX2)
    g_test_trap_assert_stderr("*refused: CSNN_SIMD=avx2: this processor lacks AVX2 and FMA*");
  else
    g_test_trap_assert_stdout(strcmp(value, "portable") == 0 ? "*path portable*"
                              : strcmp(value, "avx2") == 0   ? "*path avx2*"
                                                             : "*path avx512*");
}

/* A convolution with the max pooling of its output in bands (csnn_conv2d_forward_packed_pool())
 * equals the convolution then the pooling bit for bit: the stem shapes of SqueezeNet, many
 * channels (one pooled row a band, so every band keeps rows of the last), windows that overlap
 * by two rows or not at all, ceil mode, several images, one to three threads. */
static void
test_conv_pool(gconstpointer path)
{
  static const struct {
    int c_in, c_out, k, stride, pad, h, w, pool_k, pool_s, ceil;
  } cases[] = {
    { 3, 64, 3, 2, 0, 224, 224, 3, 2, 1 }, /* SqueezeNet 1.1's stem */
    { 3, 200, 3, 2, 1, 61, 117, 3, 2, 1 }, /* one pooled row a band */
    { 5, 24, 5, 2, 2, 40, 33, 3, 1, 0 },   /* windows overlap by two rows */
    { 2, 16, 3, 2, 1, 37, 29, 2, 2, 0 },   /* windows apart */
    { 3, 300, 3, 3, 0, 50, 70, 3, 2, 1 },  /* stride 3, ceil mode */
  };
  GRand *rng;

  if (!force_path(path))
    return;
  rng = g_rand_new_with_seed(23);
  for (gsize t = 0; t < G_N_ELEMENTS(cases); t++) {
    csnn_conv2d_desc d = { 0 };
    csnn_pool2d_desc p = { 0 };
    int n = t % 2 == 0 ? 1 : 2;
    size_t nx, ny, nz;
    float *x, *w, *b, *packed, *y, *want, *got, *scratch, *pool_scratch;

    d.c_in = cases[t].c_in;
    d.c_out = cases[t].c_out;
    d.kh = d.kw = cases[t].k;
    d.stride_h = d.stride_w = cases[t].stride;
    d.pad_h = d.pad_w = cases[t].pad;
    d.groups = 1;
    d.h_in = cases[t].h;
    d.w_in = cases[t].w;
    d.act = CSNN_ACT_RELU;
    g_assert_cmpint(csnn_conv2d_setup(&d), ==, CSNN_OK);
    p.kind = CSNN_POOL_MAX;
    p.c = d.c_out;
    p.kh = p.kw = cases[t].pool_k;
    p.stride_h = p.stride_w = cases[t].pool_s;
    p.ceil_mode = cases[t].ceil;
    p.h_in = d.h_out;
    p.w_in = d.w_out;
    g_assert_cmpint(csnn_pool2d_setup(&p), ==, CSNN_OK);
    if (csnn__simd() == CSNN_SIMD_PORTABLE) {
      g_assert_false(csnn_conv2d_pool_fusable(&d, &p, 0));
      g_assert_true(csnn_conv2d_pool_fusable(&d, &p, 1));
      continue;
    }
    g_assert_true(csnn_conv2d_pool_fusable(&d, &p, 0));
    nx = (size_t)n * d.c_in * d.h_in * d.w_in;
    ny = (size_t)n * d.c_out * d.h_out * d.w_out;
    nz = (size_t)n * p.c * p.h_out * p.w_out;
    x = random_floats(rng, nx, 1.0);
    w = random_floats(rng, (size_t)d.c_out * d.c_in * d.kh * d.kw, 0.5);
    b = random_floats(rng, (size_t)d.c_out, 0.5);
    packed = g_new0(float, csnn_conv2d_packed_floats(&d));
    csnn_conv2d_pack(&d, w, packed);
    y = g_new0(float, ny);
    want = g_new0(float, nz);
    got = g_new0(float, nz);
    scratch = g_new0(float, csnn_conv2d_scratch_floats(&d) + 1);
    pool_scratch = g_new0(float, csnn_conv2d_pool_scratch_floats(&d, &p));
    csnn_conv2d_forward_packed(&d, n, x, packed, b, y, scratch, 0, 1);
    csnn_pool2d_forward(&p, n, y, want, 0, 1);
    for (int nth = 1; nth <= 3; nth++) {
      for (size_t i = 0; i < nz; i++)
        got[i] = NAN;
      for (int ith = 0; ith < nth; ith++)
        csnn_conv2d_forward_packed_pool(&d, &p, n, x, packed, b, got, pool_scratch, ith, nth);
      if (memcmp(got, want, nz * sizeof *got) != 0)
        g_error("conv %d>%d k%d s%d %dx%d then pool k%d s%d ceil %d on %d threads: fused differs",
                d.c_in, d.c_out, d.kh, d.stride_h, d.h_in, d.w_in, p.kh, p.stride_h, p.ceil_mode,
                nth);
    }
    g_free(x);
    g_free(w);
    g_free(b);
    g_free(packed);
    g_free(y);
    g_free(want);
    g_free(got);
    g_free(scratch);
    g_free(pool_scratch);
  }
  g_rand_free(rng);
  csnn__simd_force(-1);
}

/* A 1 x 1 convolution with the depthwise convolution of its output in bands
 * (csnn_conv2d_forward_packed_depthwise()) equals the two convolutions one after the other bit
 * for bit: MobileNetV2's first two expansions (stride 2 and 1), a 5 x 5 stride-2 layer and planes
 * narrow enough for the narrow depthwise kernel, one to three threads, one or two images. */
static void
test_conv_depthwise(gconstpointer path)
{
  static const struct {
    int c_in, c_mid, h, w, k, stride;
  } cases[] = {
    { 16, 96, 112, 112, 3, 2 }, { 24, 144, 56, 56, 3, 1 },  { 24, 144, 57, 55, 5, 2 },
    { 64, 1400, 14, 14, 3, 1 }, { 40, 1500, 15, 13, 5, 1 },
  };
  GRand *rng;

  if (!force_path(path))
    return;
  rng = g_rand_new_with_seed(29);
  for (gsize t = 0; t < G_N_ELEMENTS(cases); t++) {
    csnn_conv2d_desc a = { 0 }, b = { 0 };
    int n = t % 2 == 0 ? 1 : 2;
    size_t nx, nm, ny;
    float *x, *wa, *ba, *wb, *bb, *pa, *pb, *mid, *want, *got, *scratch, *fused_scratch;

    a.c_in = cases[t].c_in;
    a.c_out = cases[t].c_mid;
    a.kh = a.kw = 1;
    a.stride_h = a.stride_w = 1;
    a.groups = 1;
    a.h_in = cases[t].h;
    a.w_in = cases[t].w;
    a.act = CSNN_ACT_RELU6;
    g_assert_cmpint(csnn_conv2d_setup(&a), ==, CSNN_OK);
    b.c_in = b.c_out = b.groups = a.c_out;
    b.kh = b.kw = cases[t].k;
    b.stride_h = b.stride_w = cases[t].stride;
    b.pad_h = b.pad_w = cases[t].k / 2;
    b.h_in = a.h_out;
    b.w_in = a.w_out;
    b.act = CSNN_ACT_RELU6;
    g_assert_cmpint(csnn_conv2d_setup(&b), ==, CSNN_OK);
    if (csnn__simd() == CSNN_SIMD_PORTABLE) {
      g_assert_false(csnn_conv2d_depthwise_fusable(&a, &b, 0));
      g_assert_true(csnn_conv2d_depthwise_fusable(&a, &b, 1));
      continue;
    }
    g_assert_true(csnn_conv2d_depthwise_fusable(&a, &b, 0));
    nx = (size_t)n * a.c_in * a.h_in * a.w_in;
    nm = (size_t)n * a.c_out * a.h_out * a.w_out;
    ny = (size_t)n * b.c_out * b.h_out * b.w_out;
    x = random_floats(rng, nx, 1.0);
    wa = random_floats(rng, (size_t)a.c_out * a.c_in, 0.5);
    ba = random_floats(rng, (size_t)a.c_out, 0.5);
    wb = random_floats(rng, (size_t)b.c_out * b.kh * b.kw, 0.5);
    bb = random_floats(rng, (size_t)b.c_out, 0.5);
    pa = g_new0(float, csnn_conv2d_packed_floats(&a));
    pb = g_new0(float, csnn_conv2d_packed_floats(&b));
    csnn_conv2d_pack(&a, wa, pa);
    csnn_conv2d_pack(&b, wb, pb);
    mid = g_new0(float, nm);
    want = g_new0(float, ny);
    got = g_new0(float, ny);
    scratch =
        g_new0(float, MAX(csnn_conv2d_scratch_floats(&a), csnn_conv2d_scratch_floats(&b)) + 1);
    fused_scratch = g_new0(float, csnn_conv2d_depthwise_scratch_floats(&a, &b));
    csnn_conv2d_forward_packed(&a, n, x, pa, ba, mid, scratch, 0, 1);
    csnn_conv2d_forward_packed(&b, n, mid, pb, bb, want, scratch, 0, 1);
    for (int nth = 1; nth <= 3; nth++) {
      for (size_t i = 0; i < ny; i++)
        got[i] = NAN;
      for (int ith = 0; ith < nth; ith++)
        csnn_conv2d_forward_packed_depthwise(&a, &b, n, x, pa, ba, pb, bb, got, fused_scratch, ith,
                                             nth);
      if (memcmp(got, want, ny * sizeof *got) != 0)
        g_error("conv 1x1 %d>%d %dx%d then depthwise k%d s%d on %d threads: fused differs", a.c_in,
                a.c_out, a.h_in, a.w_in, b.kh, b.stride_h, nth);
    }
    g_free(x);
    g_free(wa);
    g_free(ba);
    g_free(wb);
    g_free(bb);
    g_free(pa);
    g_free(pb);
    g_free(mid);
    g_free(want);
    g_free(got);
    g_free(scratch);
    g_free(fused_scratch);
  }
  g_rand_free(rng);
  csnn__simd_force(-1);
}

/* CSNN_PROFILE times every node: freeing the network prints one line per node that ran (its op
 * and shape) and the total per image, for images shared by the threads and run whole alike. */
static void
test_profile_env(void)
{
  if (g_test_subprocess()) {
    csnn_net *net = NULL;
    size_t side;
    float *input, logits[4 * 2];

    g_setenv("CSNN_PROFILE", "1", TRUE);
    g_assert_cmpint(csnn_net_new("squeezenet1_1", 2, &net), ==, CSNN_OK);
    side = (size_t)csnn_net_input_size(net);
    input = g_new0(float, 4 * 3 * side * side);
    g_assert_cmpint(csnn_net_forward(net, input, 1, logits), ==, CSNN_OK);
    g_assert_cmpint(csnn_net_forward(net, input, 4, logits), ==, CSNN_OK);
    csnn_net_free(net);
    g_free(input);
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("CSNN_PROFILE squeezenet1_1: * images shared by the threads, * run "
                            "whole by one thread;*"
                            "\n   1  conv *3>64 k3 s2 111x111 *"
                            "\n   2  pool *64 55x55 *"
                            "\n  37  conv *512>2 k1 s1 13x13 *"
                            "\n  38  global pool *\ntotal * ms per image\n");
}

static void
test_linear_softmax(void)
{
  GRand *rng = g_rand_new_with_seed(4);
  int n = 3, in = 50, out = 7;
  float *x = random_floats(rng, (size_t)n * in, 1.0),
        *w = random_floats(rng, (size_t)out * in, 1.0);
  float *b = random_floats(rng, (size_t)out, 1.0);
  float y[21], p[21];
  double want[21], pwant[21];

  for (int i = 0; i < n; i++) {
    double top = -INFINITY, total = 0;
    for (int o = 0; o < out; o++) {
      double acc = b[o];
      for (int k = 0; k < in; k++)
        acc += (double)x[i * in + k] * w[o * in + k];
      want[i * out + o] = acc;
      top = fmax(top, acc);
    }
    for (int o = 0; o < out; o++)
      total += exp(want[i * out + o] - top);
    for (int o = 0; o < out; o++)
      pwant[i * out + o] = exp(want[i * out + o] - top) / total;
  }
  for (int ith = 0; ith < 2; ith++)
    csnn_linear_forward(n, in, out, x, w, b, y, ith, 2);
  g_assert_cmpfloat(normalised_error(y, want, 21), <, 1e-5);
  csnn_softmax_forward(n, out, y, p);
  g_assert_cmpfloat(normalised_error(p, pwant, 21), <, 1e-5);
  g_free(x);
  g_free(w);
  g_free(b);
  g_rand_free(rng);
}

static void
test_arena(void)
{
  csnn_arena arena = { 0 };
  float *a, *b;

  g_assert_cmpint(csnn_arena_reserve(&arena, 100), ==, CSNN_OK);
  a = csnn_arena_alloc(&arena, 10);
  b = csnn_arena_alloc(&arena, 10);
  g_assert_nonnull(a);
  g_assert_nonnull(b);
  g_assert_cmpuint((uintptr_t)a % 64, ==, 0);
  g_assert_cmpuint((uintptr_t)b % 64, ==, 0);
  g_assert_true(b >= a + 10);
  g_assert_null(csnn_arena_alloc(&arena, 1000));
  csnn_arena_reset(&arena);
  g_assert_true(csnn_arena_alloc(&arena, 10) == a);
  csnn_arena_free(&arena);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* The operators that have vector kernels run on every path; a path the CPU lacks skips. */
  for (int simd = CSNN_SIMD_PORTABLE; simd <= CSNN_SIMD_AVX512; simd++) {
    const char *name = csnn__simd_name((csnn_simd)simd);
    g_autofree char *conv = g_strdup_printf("/engine/ops/conv2d/%s", name);
    g_autofree char *pool = g_strdup_printf("/engine/ops/pool2d/%s", name);
    g_autofree char *elementwise = g_strdup_printf("/engine/ops/elementwise/%s", name);
    g_autofree char *env = g_strdup_printf("/engine/ops/simd-env/%s", name);

    g_test_add_data_func(conv, GINT_TO_POINTER(simd), test_conv2d);
    g_test_add_data_func(pool, GINT_TO_POINTER(simd), test_pool2d);
    g_test_add_data_func(elementwise, GINT_TO_POINTER(simd), test_elementwise);
    g_test_add_data_func(env, name, test_simd_env);
    {
      g_autofree char *conv_pool = g_strdup_printf("/engine/ops/conv-pool/%s", name);

      g_autofree char *conv_dw = g_strdup_printf("/engine/ops/conv-depthwise/%s", name);

      g_test_add_data_func(conv_pool, GINT_TO_POINTER(simd), test_conv_pool);
      g_test_add_data_func(conv_dw, GINT_TO_POINTER(simd), test_conv_depthwise);
    }
    if (simd != CSNN_SIMD_PORTABLE) {
      g_autofree char *chain = g_strdup_printf("/engine/ops/depthwise-chain/%s", name);

      g_autofree char *conv_chain = g_strdup_printf("/engine/ops/conv-chain/%s", name);
      g_autofree char *bands = g_strdup_printf("/engine/ops/depthwise-bands/%s", name);

      g_test_add_data_func(chain, GINT_TO_POINTER(simd), test_depthwise_chain);
      g_test_add_data_func(conv_chain, GINT_TO_POINTER(simd), test_conv_chain);
      g_test_add_data_func(bands, GINT_TO_POINTER(simd), test_depthwise_bands);
    }
  }
  g_test_add_data_func("/engine/ops/simd-env/avx3", "avx3", test_simd_env);
  g_test_add_func("/engine/ops/profile-env", test_profile_env);
  g_test_add_func("/engine/ops/simd-paths-agree", test_paths_agree);
  g_test_add_func("/engine/ops/conv2d-bad-shapes", test_conv2d_bad_shapes);
  g_test_add_func("/engine/ops/bn-fold", test_bn_fold);
  g_test_add_func("/engine/ops/pool2d-squeezenet-sizes", test_pool2d_squeezenet_sizes);
  g_test_add_func("/engine/ops/adaptive-and-global", test_adaptive_and_global);
  g_test_add_func("/engine/ops/linear-softmax", test_linear_softmax);
  g_test_add_func("/engine/ops/arena", test_arena);
  return g_test_run();
}
