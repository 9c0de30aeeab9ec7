/* test-engine-grad.c — backward kernels against finite differences, and Grad-CAM's gradients
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each operator's backward is checked on small shapes: the loss is L = sum(w * y) with fixed
 * random w, so dL/dy = w, and every input's analytic gradient is compared with the central
 * difference of L computed in double precision from the float forward kernel. The error is
 * normalised, |a - n| / max(|a| + |n|, 1e-2); float32 forward passes with a step of 1e-2 give
 * differences good to about 1e-3, so the tolerance is 2e-2 on the worst element.
 */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "csnn-net.h"
#include "csnn-ops.h"
#include "csnn-train.h"

#define STEP 1e-2
#define TOL  2e-2

static guint64 rng_state;

static float
rnd(void)
{
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return (float)((double)(rng_state >> 40) / (double)(1ull << 24)) * 2.0f - 1.0f;
}

static void
fill(float *x, size_t n, float scale)
{
  for (size_t i = 0; i < n; i++)
    x[i] = rnd() * scale;
}

/* The operator under test as a function of its inputs: writes y. */
typedef void (*fwd_fn)(void *ctx, float *y);

/* Returns sum(w * y) for the current inputs. */
static double
loss_of(fwd_fn f, void *ctx, const float *w, float *y, size_t ny)
{
  double s = 0.0;

  f(ctx, y);
  for (size_t i = 0; i < ny; i++)
    s += (double)w[i] * (double)y[i];
  return s;
}

/* Compares @grad (analytic dL/dx) with central differences over every element of @x. */
static void
check_input(const char *what, fwd_fn f, void *ctx, float *x, size_t nx, const float *grad,
            const float *w, float *y, size_t ny)
{
  double worst = 0.0;

  for (size_t i = 0; i < nx; i++) {
    float keep = x[i];
    double lp, lm, num, err;

    x[i] = keep + (float)STEP;
    lp = loss_of(f, ctx, w, y, ny);
    x[i] = keep - (float)STEP;
    lm = loss_of(f, ctx, w, y, ny);
    x[i] = keep;
    num = (lp - lm) / (2.0 * STEP);
    err = fabs(num - grad[i]) / fmax(fabs(num) + fabs(grad[i]), 1e-2);
    if (err > worst)
      worst = err;
  }
  g_test_message("%s: worst normalised error %.2e over %zu values", what, worst, nx);
  g_assert_cmpfloat(worst, <, TOL);
}

/* ---- convolution ---- */

typedef struct {
  csnn_conv2d_desc d;
  int n;
  float *x, *w, *b, *scratch;
} conv_ctx;

static void
conv_fwd(void *p, float *y)
{
  conv_ctx *c = p;
  csnn_conv2d_forward(&c->d, c->n, c->x, c->w, c->b, y, c->scratch, 0, 1);
}

static void
check_conv(int c_in, int c_out, int k, int stride, int pad, int groups, csnn_act act, int hw)
{
  conv_ctx c = { 0 };
  size_t nx, nw, ny;
  float *y, *w, *dx, *dw, *db, *bscratch;
  char what[96];

  rng_state = 17 + (guint64)(k * 31 + stride * 7 + groups);
  c.n = 2;
  c.d = (csnn_conv2d_desc){ .c_in = c_in,
                            .c_out = c_out,
                            .kh = k,
                            .kw = k,
                            .stride_h = stride,
                            .stride_w = stride,
                            .pad_h = pad,
                            .pad_w = pad,
                            .groups = groups,
                            .h_in = hw,
                            .w_in = hw,
                            .act = act };
  g_assert_cmpint(csnn_conv2d_setup(&c.d), ==, CSNN_OK);
  nx = (size_t)c.n * (size_t)c_in * (size_t)hw * (size_t)hw;
  nw = (size_t)c_out * (size_t)(c_in / groups) * (size_t)k * (size_t)k;
  ny = (size_t)c.n * (size_t)c_out * (size_t)c.d.h_out * (size_t)c.d.w_out;
  c.x = g_new(float, nx);
  c.w = g_new(float, nw);
  c.b = g_new(float, c_out);
  c.scratch = g_new(float, csnn_conv2d_scratch_floats(&c.d) + 16);
  bscratch = g_new(float, csnn_conv2d_backward_scratch_floats(&c.d) + 16);
  y = g_new(float, ny);
  w = g_new(float, ny);
  dx = g_new0(float, nx);
  dw = g_new0(float, nw);
  db = g_new0(float, c_out);
  fill(c.x, nx, 1.0f);
  fill(c.w, nw, 0.5f);
  fill(c.b, c_out, 0.5f);
  fill(w, ny, 1.0f);
  g_assert_true(act == CSNN_ACT_NONE);
  csnn_conv2d_backward_data(&c.d, c.n, w, c.w, dx, bscratch, 0, 1);
  /* Two threads' shares of the weight gradient must add up to the whole. */
  csnn_conv2d_backward_weight(&c.d, c.n, c.x, w, dw, db, bscratch, 0, 2);
  csnn_conv2d_backward_weight(&c.d, c.n, c.x, w, dw, db, bscratch, 1, 2);
  snprintf(what, sizeof what, "conv %dx%d s%d g%d input", k, k, stride, groups);
  check_input(what, conv_fwd, &c, c.x, nx, dx, w, y, ny);
  snprintf(what, sizeof what, "conv %dx%d s%d g%d weight", k, k, stride, groups);
  check_input(what, conv_fwd, &c, c.w, nw, dw, w, y, ny);
  snprintf(what, sizeof what, "conv %dx%d s%d g%d bias", k, k, stride, groups);
  check_input(what, conv_fwd, &c, c.b, c_out, db, w, y, ny);
  g_free(c.x);
  g_free(c.w);
  g_free(c.b);
  g_free(c.scratch);
  g_free(bscratch);
  g_free(y);
  g_free(w);
  g_free(dx);
  g_free(dw);
  g_free(db);
}

static void
test_conv_dense(void)
{
  check_conv(3, 4, 3, 2, 0, 1, CSNN_ACT_NONE, 9);
  check_conv(4, 5, 3, 1, 1, 1, CSNN_ACT_NONE, 6);
}

static void
test_conv_pointwise(void)
{
  check_conv(6, 5, 1, 1, 0, 1, CSNN_ACT_NONE, 5);
}

static void
test_conv_depthwise(void)
{
  check_conv(4, 4, 3, 2, 1, 4, CSNN_ACT_NONE, 7);
  check_conv(3, 3, 5, 1, 2, 3, CSNN_ACT_NONE, 6);
}

/* ---- activations ---- */

typedef struct {
  csnn_act act;
  size_t n;
  float *x;
} act_ctx;

static void
act_fwd(void *p, float *y)
{
  act_ctx *c = p;
  memcpy(y, c->x, c->n * sizeof(float));
  csnn_act_forward(c->act, y, c->n, 0, 1);
}

static void
test_activations(void)
{
  static const csnn_act acts[] = { CSNN_ACT_RELU, CSNN_ACT_RELU6, CSNN_ACT_SILU, CSNN_ACT_SIGMOID };
  static const char *names[] = { "relu", "relu6", "silu", "sigmoid" };
  size_t n = 200;

  for (guint a = 0; a < G_N_ELEMENTS(acts); a++) {
    act_ctx c = { acts[a], n, g_new(float, n) };
    float *y = g_new(float, n), *w = g_new(float, n), *dx = g_new0(float, n);

    rng_state = 5 + a;
    /* Values kept away from the kinks (0 and 6) by more than the step. */
    for (size_t i = 0; i < n; i++) {
      float v = rnd() * 8.0f;
      if (fabsf(v) < 0.05f || fabsf(v - 6.0f) < 0.05f)
        v += 0.2f;
      c.x[i] = v;
    }
    fill(w, n, 1.0f);
    act_fwd(&c, y);
    csnn_act_backward(acts[a], n, c.x, y, w, dx, 0, 1);
    check_input(names[a], act_fwd, &c, c.x, n, dx, w, y, n);
    g_free(c.x);
    g_free(y);
    g_free(w);
    g_free(dx);
  }
}

/* ---- batch norm in training mode ---- */

typedef struct {
  int n, c;
  size_t hw;
  float *x, *gamma, *beta, mean[8], invstd[8];
} bn_ctx;

static void
bn_fwd(void *p, float *y)
{
  bn_ctx *b = p;
  csnn_bn_forward_train(b->n, b->c, b->hw, b->x, b->gamma, b->beta, 1e-5f, 0.1f, NULL, NULL,
                        b->mean, b->invstd, y, 0, 1);
}

static void
test_batchnorm(void)
{
  bn_ctx b = { .n = 3, .c = 4, .hw = 5 };
  size_t nx = 60;
  float *y = g_new(float, nx), *w = g_new(float, nx), *dx = g_new0(float, nx);
  float dg[4] = { 0 }, dbeta[4] = { 0 }, rm[4] = { 0 }, rv[4] = { 1, 1, 1, 1 };

  rng_state = 99;
  b.x = g_new(float, nx);
  b.gamma = g_new(float, 4);
  b.beta = g_new(float, 4);
  fill(b.x, nx, 2.0f);
  fill(b.gamma, 4, 1.0f);
  fill(b.beta, 4, 1.0f);
  fill(w, nx, 1.0f);
  bn_fwd(&b, y);
  csnn_bn_backward_train(b.n, b.c, b.hw, b.x, w, b.gamma, b.mean, b.invstd, dx, dg, dbeta, 0, 1);
  check_input("batch norm input", bn_fwd, &b, b.x, nx, dx, w, y, nx);
  check_input("batch norm gamma", bn_fwd, &b, b.gamma, 4, dg, w, y, nx);
  check_input("batch norm beta", bn_fwd, &b, b.beta, 4, dbeta, w, y, nx);

  /* Running statistics as torchvision: momentum 0.1 and the unbiased variance. */
  csnn_bn_forward_train(b.n, b.c, b.hw, b.x, b.gamma, b.beta, 1e-5f, 0.1f, rm, rv, b.mean, b.invstd,
                        y, 0, 1);
  for (int ch = 0; ch < 4; ch++) {
    double s = 0, q = 0;
    for (int i = 0; i < 3; i++)
      for (int k = 0; k < 5; k++)
        s += b.x[(i * 4 + ch) * 5 + k];
    s /= 15.0;
    for (int i = 0; i < 3; i++)
      for (int k = 0; k < 5; k++)
        q += pow(b.x[(i * 4 + ch) * 5 + k] - s, 2);
    g_assert_cmpfloat(fabs(rm[ch] - 0.1 * s), <, 1e-5);
    g_assert_cmpfloat(fabs(rv[ch] - (0.9 + 0.1 * q / 14.0)), <, 1e-5);
  }
  g_free(b.x);
  g_free(b.gamma);
  g_free(b.beta);
  g_free(y);
  g_free(w);
  g_free(dx);
}

/* ---- pooling, global pooling, channel scaling, concatenation, linear ---- */

typedef struct {
  csnn_pool2d_desc d;
  int n;
  float *x;
} pool_ctx;

static void
pool_fwd(void *p, float *y)
{
  pool_ctx *c = p;
  csnn_pool2d_forward(&c->d, c->n, c->x, y, 0, 1);
}

static void
test_maxpool(void)
{
  pool_ctx c = { .n = 2 };
  size_t nx, ny;
  float *y, *w, *dx;

  c.d = (csnn_pool2d_desc){ .kind = CSNN_POOL_MAX,
                            .c = 3,
                            .kh = 3,
                            .kw = 3,
                            .stride_h = 2,
                            .stride_w = 2,
                            .ceil_mode = 1,
                            .h_in = 8,
                            .w_in = 8 };
  g_assert_cmpint(csnn_pool2d_setup(&c.d), ==, CSNN_OK);
  nx = 2 * 3 * 64;
  ny = (size_t)2 * 3 * (size_t)c.d.h_out * (size_t)c.d.w_out;
  rng_state = 3;
  c.x = g_new(float, nx);
  /* Distinct values (a shuffled ramp) so no window has a tie within the step. */
  for (size_t i = 0; i < nx; i++)
    c.x[i] = (float)((i * 37) % nx) * 0.1f;
  y = g_new(float, ny);
  w = g_new(float, ny);
  dx = g_new0(float, nx);
  fill(w, ny, 1.0f);
  csnn_pool2d_backward(&c.d, c.n, c.x, w, dx, 0, 1);
  check_input("max pool (ceil mode)", pool_fwd, &c, c.x, nx, dx, w, y, ny);
  g_free(c.x);
  g_free(y);
  g_free(w);
  g_free(dx);
}

typedef struct {
  int n, c, ca, cb;
  size_t hw, in, out;
  float *x, *s, *b, *wt, *bias;
} misc_ctx;

static void
gap_fwd(void *p, float *y)
{
  misc_ctx *m = p;
  csnn_global_avgpool_forward(m->n, m->c, m->hw, m->x, y, 0, 1);
}

static void
mul_fwd(void *p, float *y)
{
  misc_ctx *m = p;
  csnn_mul_channel_forward(m->n, m->c, m->hw, m->x, m->s, y, 0, 1);
}

static void
linear_fwd(void *p, float *y)
{
  misc_ctx *m = p;
  csnn_linear_forward(m->n, (int)m->in, (int)m->out, m->x, m->wt, m->bias, y, 0, 1);
}

static void
test_gap_mul(void)
{
  misc_ctx m = { .n = 2, .c = 3, .hw = 6 };
  size_t nx = 36, ns = 6;
  float y[36], w[36], dx[36] = { 0 }, ds[6] = { 0 };

  rng_state = 11;
  m.x = g_new(float, nx);
  m.s = g_new(float, ns);
  fill(m.x, nx, 1.0f);
  fill(m.s, ns, 1.0f);
  fill(w, nx, 1.0f);
  csnn_global_avgpool_backward(m.n, m.c, m.hw, w, dx, 0, 1);
  check_input("global average pool", gap_fwd, &m, m.x, nx, dx, w, y, ns);
  memset(dx, 0, sizeof dx);
  csnn_mul_channel_backward(m.n, m.c, m.hw, m.x, m.s, w, dx, ds, 0, 1);
  check_input("channel scaling input", mul_fwd, &m, m.x, nx, dx, w, y, nx);
  check_input("channel scaling scale", mul_fwd, &m, m.s, ns, ds, w, y, nx);
  g_free(m.x);
  g_free(m.s);
}

static void
test_linear(void)
{
  misc_ctx m = { .n = 3, .in = 7, .out = 4 };
  float y[12], w[12], dx[21] = { 0 }, dw[28] = { 0 }, db[4] = { 0 };

  rng_state = 23;
  m.x = g_new(float, 21);
  m.wt = g_new(float, 28);
  m.bias = g_new(float, 4);
  fill(m.x, 21, 1.0f);
  fill(m.wt, 28, 1.0f);
  fill(m.bias, 4, 1.0f);
  fill(w, 12, 1.0f);
  /* Split between two threads, as the trainer runs it. */
  csnn_linear_backward(3, 7, 4, m.x, m.wt, w, dx, dw, db, 0, 2);
  csnn_linear_backward(3, 7, 4, m.x, m.wt, w, dx, dw, db, 1, 2);
  check_input("linear input", linear_fwd, &m, m.x, 21, dx, w, y, 12);
  check_input("linear weight", linear_fwd, &m, m.wt, 28, dw, w, y, 12);
  check_input("linear bias", linear_fwd, &m, m.bias, 4, db, w, y, 12);
  g_free(m.x);
  g_free(m.wt);
  g_free(m.bias);
}

/* ---- loss ---- */

typedef struct {
  float z[12];
  int labels[4];
  float cw[3];
} xent_ctx;

static void
xent_fwd(void *p, float *y)
{
  xent_ctx *c = p;
  y[0] = (float)csnn_softmax_xent(4, 3, c->z, c->labels, c->cw, NULL);
}

static void
test_softmax_xent(void)
{
  xent_ctx c = { .labels = { 0, 2, 1, 2 }, .cw = { 1.0f, 2.5f, 0.5f } };
  float dz[12], one = 1.0f, y;
  double expect = 0.0, wsum = 0.0;

  rng_state = 31;
  fill(c.z, 12, 3.0f);
  csnn_softmax_xent(4, 3, c.z, c.labels, c.cw, dz);
  check_input("weighted softmax cross-entropy", xent_fwd, &c, c.z, 12, dz, &one, &y, 1);
  for (int i = 0; i < 4; i++) {
    double s = 0;
    for (int k = 0; k < 3; k++)
      s += exp(c.z[i * 3 + k]);
    expect += c.cw[c.labels[i]] * -log(exp(c.z[i * 3 + c.labels[i]]) / s);
    wsum += c.cw[c.labels[i]];
  }
  g_assert_cmpfloat(fabs(csnn_softmax_xent(4, 3, c.z, c.labels, c.cw, NULL) - expect / wsum), <,
                    1e-9);
}

/* ---- Grad-CAM ---- */

static csnn_net *
random_net(const char *arch)
{
  csnn_net *net;

  g_assert_cmpint(csnn_net_new(arch, 2, &net), ==, CSNN_OK);
  rng_state = 77;
  for (size_t i = 0; i < csnn_net_n_params(net); i++) {
    csnn_param *p = csnn_net_param(net, i);
    if (g_str_has_suffix(p->name, "running_var"))
      for (size_t k = 0; k < p->numel; k++)
        p->data[k] = 1.0f + 0.5f * fabsf(rnd());
    else if (p->ndim >= 2)
      fill(p->data, p->numel, sqrtf(3.0f / (float)(p->numel / (size_t)p->shape[0])));
    else
      fill(p->data, p->numel, 0.1f);
  }
  csnn_net_params_changed(net);
  return net;
}

/* The head of MobileNetV2 and EfficientNet-B0 is pooling then a linear layer: the gradient of
 * class k's logit wrt every feature value is W[k, c] / (h w), exactly; the logits match
 * inference. */
static void
check_gradcam_linear_head(const char *arch)
{
  csnn_net *net = random_net(arch);
  int c, h, w;
  size_t n;
  float *img = g_new(float, 3 * 224 * 224), *act, *grad, logits[2], ref[2];
  const float *wt;

  fill(img, 3 * 224 * 224, 2.0f);
  g_assert_cmpint(csnn_net_gradcam_features(net, NULL, 1, NULL, NULL, &c, &h, &w, NULL), ==,
                  CSNN_OK);
  g_assert_cmpint(c, ==, 1280);
  g_assert_cmpint(h, ==, 7);
  g_assert_cmpint(w, ==, 7);
  n = (size_t)c * (size_t)h * (size_t)w;
  act = g_new(float, n);
  grad = g_new(float, n);
  g_assert_cmpint(csnn_net_gradcam_features(net, img, 1, act, grad, &c, &h, &w, logits), ==,
                  CSNN_OK);
  wt = csnn_net_find_param(net, "classifier.1.weight")->data;
  for (int ch = 0; ch < c; ch++)
    for (int k = 0; k < h * w; k++)
      g_assert_cmpfloat(fabsf(grad[ch * h * w + k] - wt[1280 + ch] / 49.0f), <, 1e-6f);
  g_assert_cmpint(csnn_net_forward(net, img, 1, ref), ==, CSNN_OK);
  for (int k = 0; k < 2; k++)
    g_assert_cmpfloat(fabsf(logits[k] - ref[k]), <, 1e-3f * (1.0f + fabsf(ref[k])));
  g_free(img);
  g_free(act);
  g_free(grad);
  csnn_net_free(net);
}

static void
test_gradcam_mobilenet(void)
{
  check_gradcam_linear_head("mobilenet_v2");
}

static void
test_gradcam_efficientnet(void)
{
  check_gradcam_linear_head("efficientnet_b0");
}

/* SqueezeNet's head is a 1 x 1 convolution with ReLU, then pooling: the gradient at (c, y, x)
 * is W[k, c] / 169 where the class map is positive there, else 0. */
static void
test_gradcam_squeezenet(void)
{
  csnn_net *net = random_net("squeezenet1_1");
  int c, h, w, positive = 0;
  float *img = g_new(float, 3 * 224 * 224), *act, *grad, logits[2];
  const float *wt, *b;

  fill(img, 3 * 224 * 224, 2.0f);
  /* A positive class bias so that the map is positive in places. */
  csnn_net_find_param(net, "classifier.1.bias")->data[1] = 0.3f;
  csnn_net_params_changed(net);
  g_assert_cmpint(csnn_net_gradcam_features(net, NULL, 1, NULL, NULL, &c, &h, &w, NULL), ==,
                  CSNN_OK);
  g_assert_cmpint(c, ==, 512);
  g_assert_cmpint(h, ==, 13);
  g_assert_cmpint(w, ==, 13);
  act = g_new(float, (size_t)c *h *w);
  grad = g_new(float, (size_t)c *h *w);
  g_assert_cmpint(csnn_net_gradcam_features(net, img, 1, act, grad, &c, &h, &w, logits), ==,
                  CSNN_OK);
  wt = csnn_net_find_param(net, "classifier.1.weight")->data;
  b = csnn_net_find_param(net, "classifier.1.bias")->data;
  for (int k = 0; k < h * w; k++) {
    double z = b[1];
    for (int ch = 0; ch < c; ch++)
      z += (double)wt[512 + ch] * act[ch * h * w + k];
    if (fabs(z) < 1e-4)
      continue;
    positive += z > 0;
    for (int ch = 0; ch < c; ch++)
      g_assert_cmpfloat(fabsf(grad[ch * h * w + k] - (z > 0 ? wt[512 + ch] / 169.0f : 0.0f)), <,
                        1e-6f);
  }
  g_test_message("%d of 169 positions positive", positive);
  g_assert_cmpint(positive, >, 0);
  g_free(img);
  g_free(act);
  g_free(grad);
  csnn_net_free(net);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/grad/conv-dense", test_conv_dense);
  g_test_add_func("/engine/grad/conv-pointwise", test_conv_pointwise);
  g_test_add_func("/engine/grad/conv-depthwise", test_conv_depthwise);
  g_test_add_func("/engine/grad/activations", test_activations);
  g_test_add_func("/engine/grad/batchnorm", test_batchnorm);
  g_test_add_func("/engine/grad/maxpool", test_maxpool);
  g_test_add_func("/engine/grad/gap-mul-channel", test_gap_mul);
  g_test_add_func("/engine/grad/linear", test_linear);
  g_test_add_func("/engine/grad/softmax-xent", test_softmax_xent);
  g_test_add_func("/engine/grad/gradcam-mobilenet", test_gradcam_mobilenet);
  g_test_add_func("/engine/grad/gradcam-efficientnet", test_gradcam_efficientnet);
  g_test_add_func("/engine/grad/gradcam-squeezenet", test_gradcam_squeezenet);
  return g_test_run();
}
