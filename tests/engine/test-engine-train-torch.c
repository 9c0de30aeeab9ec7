/* test-engine-train-torch.c — one training step of each architecture and two optimisers,
 * compared with PyTorch
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * torch-train-step.py (Debian's python3 with torch and torchvision) writes, once per build
 * directory, seeded weights, a batch of two images and what PyTorch computes from them: the
 * weighted cross-entropy, every parameter's gradient, and every tensor after one SGD step with
 * momentum and weight decay (running statistics included), batch norm in training mode and
 * dropout off, all computed in float64, with how far PyTorch's own float32 step lands from it.
 * Batch norm's backward cancels most of what flows through it, so float32 alone moves some
 * gradients by a percent (and a ReLU6 input near 0 or 6 may fall on the other side), so each
 * gradient here must land within 4 times PyTorch's float32 distance plus 4% of its norm, all of
 * them together within 4 times PyTorch's float32 distance, and the weights after the step
 * accordingly, on every kernel path (portable, AVX2, AVX-512) the CPU has. Also 20 steps of SGD
 * with momentum and of Adam on a quadratic against torch.optim.
 */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "csnn-net.h"
#include "csnn-optim.h"
#include "csnn-safetensors.h"
#include "csnn-simd.h"
#include "torch-util.h"
#include "csnn-train.h"

static char *ref_dir; /* NULL when PyTorch is missing. */

/* Returns |a - b| and |b| over @n values. */
static double
norm_diff(const float *a, const float *b, size_t n, double *norm_b)
{
  double d = 0.0, s = 0.0;

  for (size_t i = 0; i < n; i++) {
    d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    s += (double)b[i] * b[i];
  }
  *norm_b = sqrt(s);
  return sqrt(d);
}

typedef struct {
  const char *arch;
  csnn_simd simd;
} StepCase;

static void
test_step(gconstpointer data)
{
  const StepCase *c = data;
  const char *arch = c->arch;
  g_autofree char *path = NULL;
  g_autofree float *input = NULL, *labels_f = NULL, *loss_ref = NULL;
  csnn_safetensors *st;
  csnn_net *net;
  csnn_trainer *t;
  csnn_optim *opt;
  size_t n;
  int labels[2];
  float loss;
  double worst_grad = 0.0, total_diff = 0.0, total_norm = 0.0, total_torch = 0.0;
  g_autofree double *grad_err = NULL;

  if (ref_dir == NULL) {
    g_test_skip("python3-torch or python3-torchvision is not installed");
    return;
  }
  /* The network and its trainer are built for the path in use when they are made. */
  if (csnn__simd_force(c->simd) != CSNN_OK) {
    g_test_skip_printf("this CPU lacks the %s path", csnn__simd_name(c->simd));
    return;
  }
  grad_err = g_new0(double, 1024);
  path = g_strdup_printf("%s/%s-step.safetensors", ref_dir, arch);
  g_assert_cmpint(csnn_safetensors_open(path, &st), ==, CSNN_OK);
  g_assert_cmpint(csnn_net_new(arch, 2, &net), ==, CSNN_OK);
  for (size_t i = 0; i < csnn_net_n_params(net); i++) {
    csnn_param *p = csnn_net_param(net, i);
    if (csnn_safetensors_read_named(st, p->name, p->ndim, p->shape, p->data) != CSNN_OK)
      g_error("%s", csnn_last_error());
  }
  csnn_net_params_changed(net);
  input = torch_read_tensor(st, "input", &n);
  g_assert_cmpuint(n, ==, 2 * 3 * 224 * 224);
  labels_f = torch_read_tensor(st, "labels", &n);
  labels[0] = (int)labels_f[0];
  labels[1] = (int)labels_f[1];
  loss_ref = torch_read_tensor(st, "loss", &n);

  g_assert_cmpint(csnn_trainer_new(net, 2, 2, &t), ==, CSNN_OK);
  csnn_trainer_set_dropout(t, 0);
  g_assert_cmpint(csnn_trainer_set_class_weights(t, (const float[]){ 1.0f, 1.5f }), ==, CSNN_OK);
  g_assert_cmpint(csnn_trainer_step(t, input, 2, labels, &loss, NULL), ==, CSNN_OK);
  g_test_message("%s: loss %.7f, torch %.7f", arch, loss, loss_ref[0]);
  g_assert_cmpfloat(fabs(loss - loss_ref[0]), <, 1e-4 * fmax(1.0, fabs(loss_ref[0])));

  g_assert_cmpint(csnn_optim_new(CSNN_OPTIM_SGDM, &opt), ==, CSNN_OK);
  csnn_optim_set_hyper(opt, 0.9, 0.9, 0.999, 1e-8, 1e-4);
  for (size_t i = 0; i < csnn_net_n_params(net); i++) {
    csnn_param *p = csnn_net_param(net, i);
    float *g = csnn_trainer_grad(t, i);
    g_autofree char *name = NULL;
    g_autofree char *ename = NULL;
    g_autofree float *want = NULL, *gerr = NULL;
    double diff, norm, tol;
    int decay;

    if (g == NULL)
      continue;
    name = g_strdup_printf("grad.%s", p->name);
    want = torch_read_tensor(st, name, &n);
    g_assert_cmpuint(n, ==, p->numel);
    ename = g_strdup_printf("gerr.%s", p->name);
    gerr = torch_read_tensor(st, ename, &n);
    diff = norm_diff(g, want, p->numel, &norm);
    tol = 4.0 * gerr[0] + 0.04 * norm;
    total_diff += diff * diff;
    total_torch += (double)gerr[0] * gerr[0];
    total_norm += norm * norm;
    if (diff / tol > worst_grad)
      worst_grad = diff / tol;
    if (diff > tol)
      g_error("%s: gradient of %s is %.3g from float64's (norm %.3g; torch float32 %.3g)", arch,
              p->name, diff, norm, (double)gerr[0]);
    grad_err[i] = gerr[0];
    g_assert_true(csnn_trainer_param_trainable(t, i, &decay));
    g_assert_cmpint(csnn_optim_add(opt, p->data, g, p->numel, decay), ==, CSNN_OK);
  }
  g_test_message("%s: worst gradient distance %.2f of its tolerance; all gradients %.2e of "
                 "their norm (torch float32 %.2e)",
                 arch, worst_grad, sqrt(total_diff / total_norm), sqrt(total_torch / total_norm));
  g_assert_cmpfloat(sqrt(total_diff), <, 4.0 * sqrt(total_torch) + 1e-4 * sqrt(total_norm));
  csnn_optim_step(opt, 0.05);
  for (size_t i = 0; i < csnn_net_n_params(net); i++) {
    csnn_param *p = csnn_net_param(net, i);
    g_autofree char *name = g_strdup_printf("after.%s", p->name);
    g_autofree float *want = torch_read_tensor(st, name, &n);
    double norm, diff = norm_diff(p->data, want, n, &norm);
    /* A step moves weights by lr times the gradient: its float32 noise scaled alike. */
    double tol = 1e-6 * sqrt((double)n) + 1e-5 * norm + 0.05 * 4.0 * grad_err[i];

    if (diff > tol)
      g_error("%s: %s after the step is %.3g from float64's (tolerance %.3g)", arch, p->name, diff,
              tol);
  }
  csnn_optim_free(opt);
  csnn_trainer_free(t);
  csnn_net_free(net);
  csnn__simd_force(-1);
  csnn_safetensors_close(st);
}

static void
run_quadratic(csnn_safetensors *st, csnn_optim_kind kind, const char *name, double lr)
{
  size_t n;
  g_autofree float *a = torch_read_tensor(st, "a", &n), *c = torch_read_tensor(st, "c", &n);
  g_autofree float *p = torch_read_tensor(st, "p0", &n);
  float grad[16];
  csnn_optim *opt;

  g_assert_cmpuint(n, ==, 16);
  g_assert_cmpint(csnn_optim_new(kind, &opt), ==, CSNN_OK);
  csnn_optim_set_hyper(opt, 0.9, 0.9, 0.999, 1e-8, 0.01);
  g_assert_cmpint(csnn_optim_add(opt, p, grad, 16, 1), ==, CSNN_OK);
  for (int step = 1; step <= 20; step++) {
    g_autofree char *key = g_strdup_printf("%s.%d", name, step);
    g_autofree float *want = NULL;

    for (int i = 0; i < 16; i++)
      grad[i] = a[i] * (p[i] - c[i]);
    csnn_optim_step(opt, lr);
    want = torch_read_tensor(st, key, &n);
    for (int i = 0; i < 16; i++)
      if (fabsf(p[i] - want[i]) > 1e-5f * (1.0f + fabsf(want[i])))
        g_error("%s step %d: p[%d] = %.8g, torch %.8g", name, step, i, p[i], want[i]);
  }
  csnn_optim_free(opt);
}

static void
test_optimisers(void)
{
  g_autofree char *path = NULL;
  csnn_safetensors *st;

  if (ref_dir == NULL) {
    g_test_skip("python3-torch or python3-torchvision is not installed");
    return;
  }
  path = g_build_filename(ref_dir, "optim.safetensors", NULL);
  g_assert_cmpint(csnn_safetensors_open(path, &st), ==, CSNN_OK);
  run_quadratic(st, CSNN_OPTIM_SGDM, "sgdm", 0.1);
  run_quadratic(st, CSNN_OPTIM_ADAM, "adam", 0.05);
  csnn_safetensors_close(st);
}

static void
test_schedules(void)
{
  csnn_lr_schedule step = { CSNN_LR_STEP, 0.1, 3, 0.5 }, cosine = { CSNN_LR_COSINE, 0.1, 0, 0 };
  csnn_lr_kind kind;

  g_assert_cmpfloat(fabs(csnn_lr_at(&step, 2.9, 10) - 0.1), <, 1e-12);
  g_assert_cmpfloat(fabs(csnn_lr_at(&step, 3.0, 10) - 0.05), <, 1e-12);
  g_assert_cmpfloat(fabs(csnn_lr_at(&step, 7.0, 10) - 0.025), <, 1e-12);
  g_assert_cmpfloat(fabs(csnn_lr_at(&cosine, 0.0, 10) - 0.1), <, 1e-12);
  g_assert_cmpfloat(fabs(csnn_lr_at(&cosine, 5.0, 10) - 0.05), <, 1e-12);
  g_assert_cmpfloat(fabs(csnn_lr_at(&cosine, 10.0, 10)), <, 1e-12);
  g_assert_cmpint(csnn_lr_kind_from_string("cosine", &kind), ==, CSNN_OK);
  g_assert_cmpint(kind, ==, CSNN_LR_COSINE);
  g_assert_cmpint(csnn_lr_kind_from_string("linear", &kind), ==, CSNN_ERR_INVALID);
}

int
main(int argc, char **argv)
{
  static const StepCase cases[] = {
    { "squeezenet1_1", CSNN_SIMD_AVX512 },     { "mobilenet_v2", CSNN_SIMD_AVX512 },
    { "efficientnet_b0", CSNN_SIMD_AVX512 },   { "squeezenet1_1", CSNN_SIMD_AVX2 },
    { "mobilenet_v2", CSNN_SIMD_AVX2 },        { "efficientnet_b0", CSNN_SIMD_AVX2 },
    { "squeezenet1_1", CSNN_SIMD_PORTABLE },   { "mobilenet_v2", CSNN_SIMD_PORTABLE },
    { "efficientnet_b0", CSNN_SIMD_PORTABLE },
  };

  g_test_init(&argc, &argv, NULL);
  ref_dir = torch_reference_dir("torch-train-step.py", "torch-train-step",
                                "efficientnet_b0-step.safetensors");
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *name =
        g_strdup_printf("/engine/train-torch/%s/%s", csnn__simd_name(cases[i].simd), cases[i].arch);
    g_test_add_data_func(name, &cases[i], test_step);
  }
  g_test_add_func("/engine/train-torch/optimisers", test_optimisers);
  g_test_add_func("/engine/train-torch/schedules", test_schedules);
  return g_test_run();
}
