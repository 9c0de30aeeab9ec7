/* test-engine-seg.c — the segmentation U-Net and its operators against PyTorch, its weight files
 * and its errors
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * torch-seg.py (Debian's python3 with torch) writes, once per build directory, PyTorch's float64
 * answers: bilinear x2 upsampling and its input gradient, the Dice and cross-entropy loss and its
 * gradient, and a seeded U-Net (base 4, depth 2, 32 x 48) with its eval-mode probabilities and one
 * training step (loss, every parameter's gradient, every tensor after SGD with momentum). The
 * operators must agree to 1e-5 of the largest value; the network's probabilities to 1e-4; each
 * gradient within 4 times PyTorch's own float32 distance plus 1e-3 of its norm (batch norm's
 * backward cancels much of what flows through it). The PyTorch parts skip when torch is missing;
 * the weight files and their errors are checked without it.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "csnn-optim.h"
#include "csnn-seg.h"
#include "torch-util.h"

static char *ref_dir; /* NULL when PyTorch is missing. */

static csnn_safetensors *
open_ref(const char *file)
{
  g_autofree char *path = g_build_filename(ref_dir, file, NULL);
  csnn_safetensors *st;

  if (csnn_safetensors_open(path, &st) != CSNN_OK)
    g_error("%s: %s", path, csnn_last_error());
  return st;
}

/* Fails unless max |a - b| <= tol * max(1, max |b|). */
static void
assert_close(const char *what, const float *a, const float *b, size_t n, double tol)
{
  double worst = 0.0, scale = 1.0;

  for (size_t i = 0; i < n; i++)
    scale = fmax(scale, fabs(b[i]));
  for (size_t i = 0; i < n; i++)
    worst = fmax(worst, fabs((double)a[i] - b[i]));
  g_test_message("%s: worst difference %.3g (scale %.3g)", what, worst, scale);
  if (worst > tol * scale)
    g_error("%s: ours and torch differ by %.3g > %.3g", what, worst, tol * scale);
}

static void
test_upsample(void)
{
  csnn_safetensors *st;
  size_t nx, nw, ny, ndx;
  g_autofree float *x = NULL, *w = NULL, *y = NULL, *dx = NULL, *got = NULL, *gdx = NULL;

  if (ref_dir == NULL) {
    g_test_skip("python3-torch is not installed");
    return;
  }
  st = open_ref("seg-ops.safetensors");
  x = torch_read_tensor(st, "up.x", &nx);
  w = torch_read_tensor(st, "up.w", &nw);
  y = torch_read_tensor(st, "up.y", &ny);
  dx = torch_read_tensor(st, "up.dx", &ndx);
  csnn_safetensors_close(st);
  g_assert_cmpuint(nx, ==, 2 * 3 * 5 * 7);
  g_assert_cmpuint(ny, ==, 4 * nx);
  got = g_new0(float, ny);
  gdx = g_new0(float, nx);
  /* Two threads' shares run one after the other give what one thread gives. */
  csnn_upsample2x_forward(2, 3, 5, 7, x, got, 0, 2);
  csnn_upsample2x_forward(2, 3, 5, 7, x, got, 1, 2);
  assert_close("upsample forward", got, y, ny, 1e-5);
  csnn_upsample2x_backward(2, 3, 5, 7, w, gdx, 0, 1);
  assert_close("upsample backward", gdx, dx, nx, 1e-5);
}

static void
test_concat_backward(void)
{
  float dy[2 * 5 * 3], da[2 * 2 * 3], db[2 * 3 * 3];

  for (int i = 0; i < 30; i++)
    dy[i] = (float)i;
  for (int i = 0; i < 12; i++)
    da[i] = 100.0f;
  memset(db, 0, sizeof(db));
  csnn_concat_channels_backward(2, 2, 3, 3, dy, da, db, 0, 3);
  csnn_concat_channels_backward(2, 2, 3, 3, dy, da, db, 1, 3);
  csnn_concat_channels_backward(2, 2, 3, 3, dy, da, db, 2, 3);
  /* Image 1's first channel is dy's plane 5; the gradient is added to what was there. */
  g_assert_cmpfloat(da[0], ==, 100.0f);
  g_assert_cmpfloat(da[5], ==, 105.0f);
  g_assert_cmpfloat(da[6], ==, 115.0f);
  g_assert_cmpfloat(db[0], ==, 6.0f);
  g_assert_cmpfloat(db[8], ==, 14.0f);
  g_assert_cmpfloat(db[9], ==, 21.0f);
  g_assert_cmpfloat(db[17], ==, 29.0f);
  /* NULL skips one side. */
  csnn_concat_channels_backward(2, 2, 3, 3, dy, NULL, db, 0, 1);
  g_assert_cmpfloat(db[0], ==, 12.0f);
}

static void
test_loss(void)
{
  csnn_safetensors *st;
  size_t n, nt, n1;
  g_autofree float *logits = NULL, *target = NULL, *value = NULL, *bce = NULL, *dice = NULL,
                   *grad = NULL, *got = NULL;
  double our_bce, our_dice, loss;

  if (ref_dir == NULL) {
    g_test_skip("python3-torch is not installed");
    return;
  }
  st = open_ref("seg-ops.safetensors");
  logits = torch_read_tensor(st, "loss.logits", &n);
  target = torch_read_tensor(st, "loss.target", &nt);
  value = torch_read_tensor(st, "loss.value", &n1);
  bce = torch_read_tensor(st, "loss.bce", &n1);
  dice = torch_read_tensor(st, "loss.dice", &n1);
  grad = torch_read_tensor(st, "loss.grad", &n1);
  csnn_safetensors_close(st);
  g_assert_cmpuint(n, ==, 3 * 99);
  got = g_new(float, n);
  loss = csnn_seg_loss(3, 99, logits, target, 0.7, &our_bce, &our_dice, got);
  g_assert_cmpfloat_with_epsilon(loss, value[0], 1e-5);
  g_assert_cmpfloat_with_epsilon(our_bce, bce[0], 1e-5);
  g_assert_cmpfloat_with_epsilon(our_dice, dice[0], 1e-5);
  assert_close("loss gradient", got, grad, n, 1e-5);
}

static void
test_dice(void)
{
  float a[6] = { 1, 1, 0, 0, 1, 0 }, b[6] = { 1, 0, 0, 0, 1, 1 }, z[6] = { 0 };

  g_assert_cmpfloat_with_epsilon(csnn_dice(6, a, b), 2.0 * 2 / 6, 1e-12);
  g_assert_cmpfloat(csnn_dice(6, z, z), ==, 1.0);
  g_assert_cmpfloat(csnn_dice(6, a, z), ==, 0.0);
}

static csnn_seg *
load_ref_net(void)
{
  g_autofree char *path = g_build_filename(ref_dir, "seg-net.safetensors", NULL);
  csnn_seg *seg;

  if (csnn_seg_load(path, &seg) != CSNN_OK)
    g_error("%s: %s", path, csnn_last_error());
  return seg;
}

static void
test_forward(void)
{
  csnn_seg *seg;
  csnn_safetensors *st;
  size_t n, np;
  g_autofree float *input = NULL, *want = NULL, *got = NULL, *one = NULL;
  float spread = 0.0f;

  if (ref_dir == NULL) {
    g_test_skip("python3-torch is not installed");
    return;
  }
  seg = load_ref_net();
  g_assert_cmpint(csnn_seg_get_shape(seg)->height, ==, 32);
  g_assert_cmpint(csnn_seg_get_shape(seg)->width, ==, 48);
  g_assert_cmpint(csnn_seg_get_shape(seg)->base, ==, 4);
  g_assert_cmpint(csnn_seg_get_shape(seg)->depth, ==, 2);
  g_assert_cmpstr(csnn_seg_metadata(seg, "trained_on"), ==, "nothing: seeded random weights");
  g_assert_nonnull(csnn_seg_sha256(seg));
  st = open_ref("seg-step.safetensors");
  input = torch_read_tensor(st, "input", &n);
  want = torch_read_tensor(st, "prob", &np);
  csnn_safetensors_close(st);
  g_assert_cmpuint(np, ==, 2 * 32 * 48);
  for (size_t i = 0; i < np; i++)
    spread = fmaxf(spread, fabsf(want[i] - want[0]));
  g_assert_cmpfloat(spread, >, 0.05f);
  got = g_new(float, np);
  g_assert_cmpint(csnn_seg_forward(seg, input, 2, got, NULL), ==, CSNN_OK);
  assert_close("probabilities", got, want, np, 1e-4);
  /* An image alone gives what it gave in the batch. */
  one = g_new(float, np / 2);
  g_assert_cmpint(csnn_seg_forward(seg, input + np / 2, 1, one, NULL), ==, CSNN_OK);
  assert_close("second image alone", one, got + np / 2, np / 2, 1e-6);
  csnn_seg_free(seg);
}

/* The loss, each gradient and each tensor after the SGD step against torch's. */
static void
test_train_step(void)
{
  csnn_seg *seg;
  csnn_seg_trainer *t;
  csnn_optim *opt;
  csnn_safetensors *st;
  size_t n, nm;
  g_autofree float *input = NULL, *masks = NULL, *loss_ref = NULL, *logits_ref = NULL,
                   *logits = NULL;
  float loss, **before;

  if (ref_dir == NULL) {
    g_test_skip("python3-torch is not installed");
    return;
  }
  seg = load_ref_net();
  st = open_ref("seg-step.safetensors");
  input = torch_read_tensor(st, "input", &n);
  masks = torch_read_tensor(st, "masks", &nm);
  loss_ref = torch_read_tensor(st, "loss", &n);
  logits_ref = torch_read_tensor(st, "logits", &n);
  g_assert_cmpint(csnn_seg_trainer_new(seg, 4, 0, &t), ==, CSNN_OK);
  before = g_new(float *, csnn_seg_n_params(seg));
  for (size_t i = 0; i < csnn_seg_n_params(seg); i++)
    before[i] = g_memdup2(csnn_seg_param(seg, i)->data, csnn_seg_param(seg, i)->numel * 4);
  logits = g_new(float, n);
  g_assert_cmpint(csnn_seg_trainer_step(t, input, masks, 2, 0.5, &loss, logits), ==, CSNN_OK);
  assert_close("training logits", logits, logits_ref, n, 1e-4);
  g_assert_cmpfloat_with_epsilon(loss, loss_ref[0], 1e-4 * fmax(1.0, loss_ref[0]));

  g_assert_cmpint(csnn_optim_new(CSNN_OPTIM_SGDM, &opt), ==, CSNN_OK);
  csnn_optim_set_hyper(opt, 0.9, 0.9, 0.999, 1e-8, 1e-3);
  for (size_t i = 0; i < csnn_seg_n_params(seg); i++) {
    csnn_param *p = csnn_seg_param(seg, i);
    g_autofree char *gname = g_strdup_printf("grad.%s", p->name);
    g_autofree char *ename = g_strdup_printf("gerr.%s", p->name);
    g_autofree float *want = NULL, *err = NULL;
    float *grad = csnn_seg_trainer_grad(t, i);
    double d = 0.0, norm = 0.0;
    int decay = 0;

    if (!csnn_seg_param_trainable(seg, i, &decay)) {
      g_assert_null(grad);
      continue;
    }
    g_assert_nonnull(grad);
    g_assert_cmpint(decay, ==, p->ndim == 4);
    want = torch_read_tensor(st, gname, &n);
    err = torch_read_tensor(st, ename, &nm);
    g_assert_cmpuint(n, ==, p->numel);
    for (size_t k = 0; k < n; k++) {
      d += ((double)grad[k] - want[k]) * ((double)grad[k] - want[k]);
      norm += (double)want[k] * want[k];
    }
    d = sqrt(d);
    norm = sqrt(norm);
    g_test_message("%s: |ours - torch| %.3g, |torch| %.3g, torch float32 %.3g", p->name, d, norm,
                   err[0]);
    g_assert_cmpfloat(norm, >, 0.0);
    if (d > 4.0 * err[0] + 1e-4 * norm)
      g_error("gradient of %s: |ours - torch| = %.3g, |torch| = %.3g", p->name, d, norm);
    csnn_optim_add(opt, p->data, grad, p->numel, decay);
  }
  csnn_optim_step(opt, 0.1);
  /* What the step changed (running statistics included) is what it changed in torch. */
  for (size_t i = 0; i < csnn_seg_n_params(seg); i++) {
    csnn_param *p = csnn_seg_param(seg, i);
    g_autofree char *name = g_strdup_printf("after.%s", p->name);
    g_autofree float *want = torch_read_tensor(st, name, &n);
    double worst = 0.0, moved = 0.0;

    g_assert_cmpuint(n, ==, p->numel);
    for (size_t k = 0; k < n; k++) {
      moved = fmax(moved, fabs((double)want[k] - before[i][k]));
      worst = fmax(worst, fabs((double)p->data[k] - want[k]));
    }
    g_test_message("%s: moved %.3g, ours - torch %.3g", name, moved, worst);
    g_assert_cmpfloat(moved, >, 0.0);
    if (worst > 1e-3 * moved + 1e-7)
      g_error("%s: moved by %.3g, ours and torch differ by %.3g", name, moved, worst);
    g_free(before[i]);
  }
  g_free(before);
  csnn_optim_free(opt);
  csnn_safetensors_close(st);
  csnn_seg_trainer_free(t);
  csnn_seg_free(seg);
}

/* A network saved and loaded gives the same probabilities and keeps its metadata. */
static void
test_save_load(void)
{
  csnn_seg_shape shape = { .height = 32, .width = 64, .base = 3, .depth = 3 };
  const char *meta[] = { "trained_on", "a test", "depth", "9", NULL };
  csnn_seg *seg, *back;
  g_autofree char *dir = g_dir_make_tmp("seg-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "u.safetensors", NULL);
  float input[32 * 64], p1[32 * 64], p2[32 * 64];

  g_assert_cmpint(csnn_seg_new(&shape, &seg), ==, CSNN_OK);
  csnn_seg_init_random(seg, 3);
  csnn_seg_set_norm(seg, 0.25f, 0.5f);
  /* Non-trivial running statistics so that the fold is exercised. */
  for (size_t i = 0; i < csnn_seg_n_params(seg); i++) {
    csnn_param *p = csnn_seg_param(seg, i);
    if (strstr(p->name, "running_var") != NULL)
      for (size_t k = 0; k < p->numel; k++)
        p->data[k] = 0.5f + 0.1f * (float)(k % 7);
  }
  csnn_seg_params_changed(seg);
  for (int i = 0; i < 32 * 64; i++)
    input[i] = sinf(0.1f * (float)i) + 0.01f * (float)(i % 17);
  g_assert_cmpint(csnn_seg_forward(seg, input, 1, p1, NULL), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_save(seg, path, meta), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_load(path, &back), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_get_shape(back)->depth, ==, 3); /* The shape wins over metadata. */
  g_assert_cmpint(csnn_seg_get_shape(back)->base, ==, 3);
  g_assert_cmpstr(csnn_seg_metadata(back, "trained_on"), ==, "a test");
  g_assert_cmpfloat(csnn_seg_norm(back)->mean[0], ==, 0.25f);
  g_assert_cmpfloat(csnn_seg_norm(back)->std[0], ==, 0.5f);
  g_assert_cmpuint(strlen(csnn_seg_sha256(back)), ==, 64);
  g_assert_cmpint(csnn_seg_forward(back, input, 1, p2, NULL), ==, CSNN_OK);
  g_assert_cmpmem(p1, sizeof(p1), p2, sizeof(p2));
  csnn_seg_free(back);
  csnn_seg_free(seg);
  g_unlink(path);
  g_rmdir(dir);
}

/* A two-stage file: the main network and the refiner (another shape) saved together load back
 * each the same, the main one by csnn_seg_load() as from a file of its own; a refiner tensor
 * missing or one too many is named. */
static void
test_save_load_pair(void)
{
  csnn_seg_shape main_shape = { .height = 16, .width = 32, .base = 3, .depth = 2 };
  csnn_seg_shape refine_shape = { .height = 8, .width = 16, .base = 2, .depth = 1 };
  const char *meta[] = { "trained_on", "a pair", NULL };
  csnn_seg *seg, *refine, *back, *back_refine = NULL;
  csnn_safetensors *st;
  g_autofree char *dir = g_dir_make_tmp("seg-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "pair.safetensors", NULL);
  float input[16 * 32], p1[16 * 32], p2[16 * 32], r1[8 * 16], r2[8 * 16];

  g_assert_cmpint(csnn_seg_new(&main_shape, &seg), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_new(&refine_shape, &refine), ==, CSNN_OK);
  csnn_seg_init_random(seg, 3);
  csnn_seg_init_random(refine, 4);
  csnn_seg_set_norm(seg, 0.25f, 0.5f);
  csnn_seg_set_norm(refine, 0.4f, 0.2f);
  for (int i = 0; i < 16 * 32; i++)
    input[i] = sinf(0.1f * (float)i) + 0.01f * (float)(i % 17);
  g_assert_cmpint(csnn_seg_forward(seg, input, 1, p1, NULL), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_forward(refine, input, 1, r1, NULL), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_save_pair(seg, refine, path, meta), ==, CSNN_OK);

  g_assert_cmpint(csnn_seg_load(path, &back), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_get_shape(back)->base, ==, 3);
  g_assert_cmpfloat(csnn_seg_norm(back)->mean[0], ==, 0.25f);
  g_assert_cmpstr(csnn_seg_metadata(back, "refine.input_width"), ==, "16");
  g_assert_cmpint(csnn_seg_forward(back, input, 1, p2, NULL), ==, CSNN_OK);
  g_assert_cmpmem(p1, sizeof(p1), p2, sizeof(p2));
  g_assert_cmpint(csnn_safetensors_open(path, &st), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_load_part(st, path, CSNN_SEG_REFINE_PREFIX, &back_refine), ==, CSNN_OK);
  csnn_safetensors_close(st);
  g_assert_cmpint(csnn_seg_get_shape(back_refine)->width, ==, 16);
  g_assert_cmpint(csnn_seg_get_shape(back_refine)->base, ==, 2);
  g_assert_cmpfloat(csnn_seg_norm(back_refine)->std[0], ==, 0.2f);
  g_assert_cmpint(csnn_seg_forward(back_refine, input, 1, r2, NULL), ==, CSNN_OK);
  g_assert_cmpmem(r1, sizeof(r1), r2, sizeof(r2));
  csnn_seg_free(back_refine);
  csnn_seg_free(back);

  /* The refiner's tensors rewritten without its last one, then with one of no parameter. */
  {
    size_t n_main = csnn_seg_n_params(seg), n_ref = csnn_seg_n_params(refine);
    g_autofree csnn_st_tensor *tensors = g_new0(csnn_st_tensor, n_main + n_ref + 1);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *pair_meta[] = { "arch",
                                "csnn_unet",
                                "input_height",
                                "16",
                                "input_width",
                                "32",
                                "base_channels",
                                "3",
                                "depth",
                                "2",
                                "refine.arch",
                                "csnn_unet",
                                "refine.input_height",
                                "8",
                                "refine.input_width",
                                "16",
                                "refine.base_channels",
                                "2",
                                "refine.depth",
                                "1",
                                NULL };
    float extra[4] = { 0 };

    for (size_t i = 0; i < n_main + n_ref; i++) {
      csnn_param *p = i < n_main ? csnn_seg_param(seg, i) : csnn_seg_param(refine, i - n_main);
      char *name = i < n_main ? g_strdup(p->name) : g_strconcat("refine.", p->name, NULL);
      g_ptr_array_add(names, name);
      tensors[i].name = name;
      tensors[i].ndim = p->ndim;
      for (int d = 0; d < p->ndim; d++)
        tensors[i].shape[d] = p->shape[d];
      tensors[i].data = p->data;
    }
    g_assert_cmpint(csnn_safetensors_save(path, tensors, n_main + n_ref - 1, pair_meta), ==,
                    CSNN_OK);
    g_assert_cmpint(csnn_seg_load(path, &back), ==, CSNN_OK); /* The main network is whole. */
    csnn_seg_free(back);
    g_assert_cmpint(csnn_safetensors_open(path, &st), ==, CSNN_OK);
    g_assert_cmpint(csnn_seg_load_part(st, path, CSNN_SEG_REFINE_PREFIX, &back_refine), !=,
                    CSNN_OK);
    g_assert_null(back_refine);
    g_assert_nonnull(strstr(csnn_last_error(), tensors[n_main + n_ref - 1].name));
    csnn_safetensors_close(st);

    tensors[n_main + n_ref] =
        (csnn_st_tensor){ .name = "refine.stray.weight", .ndim = 1, .shape = { 4 }, .data = extra };
    g_assert_cmpint(csnn_safetensors_save(path, tensors, n_main + n_ref + 1, pair_meta), ==,
                    CSNN_OK);
    g_assert_cmpint(csnn_safetensors_open(path, &st), ==, CSNN_OK);
    g_assert_cmpint(csnn_seg_load_part(st, path, CSNN_SEG_REFINE_PREFIX, &back_refine), !=,
                    CSNN_OK);
    g_assert_nonnull(strstr(csnn_last_error(), "refine.stray.weight"));
    csnn_safetensors_close(st);
  }
  csnn_seg_free(refine);
  csnn_seg_free(seg);
  g_unlink(path);
  g_rmdir(dir);
}

/* An ensemble file: three locators and a refiner saved together load back each the same from
 * its own prefix ("", "locator.1.", "locator.2.", "refine."); the main network's load ignores the
 * others; a file of no locator, or of too many, is refused. */
static void
test_save_load_parts(void)
{
  csnn_seg_shape shape = { .height = 16, .width = 32, .base = 2, .depth = 1 };
  csnn_seg_shape refine_shape = { .height = 8, .width = 16, .base = 2, .depth = 1 };
  const char *meta[] = { "trained_on", "an ensemble", NULL };
  const char *prefixes[] = { "", "locator.1.", "locator.2." };
  csnn_seg *members[3], *refine, *back = NULL;
  csnn_safetensors *st;
  g_autofree char *dir = g_dir_make_tmp("seg-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "parts.safetensors", NULL);
  float input[16 * 32], p1[16 * 32], p2[16 * 32];
  char prefix[16];

  csnn_seg_member_prefix(2, prefix, sizeof(prefix));
  g_assert_cmpstr(prefix, ==, "locator.2.");
  for (int i = 0; i < 3; i++) {
    g_assert_cmpint(csnn_seg_new(&shape, &members[i]), ==, CSNN_OK);
    csnn_seg_init_random(members[i], 10 + (uint64_t)i);
    csnn_seg_set_norm(members[i], 0.1f * (float)(i + 1), 0.5f);
  }
  g_assert_cmpint(csnn_seg_new(&refine_shape, &refine), ==, CSNN_OK);
  csnn_seg_init_random(refine, 4);
  for (int i = 0; i < 16 * 32; i++)
    input[i] = sinf(0.1f * (float)i) + 0.01f * (float)(i % 17);
  g_assert_cmpint(csnn_seg_save_parts((const csnn_seg *const *)members, 3, refine, path, meta), ==,
                  CSNN_OK);
  g_assert_cmpint(csnn_safetensors_open(path, &st), ==, CSNN_OK);
  g_assert_cmpstr(csnn_safetensors_metadata(st, "locator.2.arch"), ==, "csnn_unet");
  g_assert_null(csnn_safetensors_metadata(st, "locator.3.arch"));
  for (int i = 0; i < 3; i++) {
    g_assert_cmpint(csnn_seg_load_part(st, path, prefixes[i], &back), ==, CSNN_OK);
    g_assert_cmpfloat(csnn_seg_norm(back)->mean[0], ==, 0.1f * (float)(i + 1));
    g_assert_cmpint(csnn_seg_forward(members[i], input, 1, p1, NULL), ==, CSNN_OK);
    g_assert_cmpint(csnn_seg_forward(back, input, 1, p2, NULL), ==, CSNN_OK);
    g_assert_cmpmem(p1, sizeof(p1), p2, sizeof(p2));
    csnn_seg_free(back);
  }
  g_assert_cmpint(csnn_seg_load_part(st, path, CSNN_SEG_REFINE_PREFIX, &back), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_get_shape(back)->width, ==, 16);
  csnn_seg_free(back);
  csnn_safetensors_close(st);
  /* The main network alone, as a build that knows one locator would need it, is whole. */
  g_assert_cmpint(csnn_seg_load(path, &back), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_forward(back, input, 1, p2, NULL), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_forward(members[0], input, 1, p1, NULL), ==, CSNN_OK);
  g_assert_cmpmem(p1, sizeof(p1), p2, sizeof(p2));
  csnn_seg_free(back);

  g_assert_cmpint(csnn_seg_save_parts((const csnn_seg *const *)members, 0, refine, path, meta), ==,
                  CSNN_ERR_INVALID);
  g_assert_cmpint(csnn_seg_save_parts((const csnn_seg *const *)members, CSNN_SEG_MAX_MEMBERS + 1,
                                      refine, path, meta),
                  ==, CSNN_ERR_INVALID);
  g_assert_nonnull(strstr(csnn_last_error(), "locators"));
  for (int i = 0; i < 3; i++)
    csnn_seg_free(members[i]);
  csnn_seg_free(refine);
  g_unlink(path);
  g_rmdir(dir);
}

/* Writes a file of @n tensors and metadata and returns csnn_seg_load()'s status and message. */
static int
load_crafted(const char *dir, const csnn_st_tensor *tensors, size_t n, const char *const *meta)
{
  g_autofree char *path = g_build_filename(dir, "bad.safetensors", NULL);
  csnn_seg *seg = NULL;
  int status;

  g_assert_cmpint(csnn_safetensors_save(path, tensors, n, meta), ==, CSNN_OK);
  status = csnn_seg_load(path, &seg);
  g_assert_null(seg);
  g_unlink(path);
  return status;
}

static void
test_bad_files(void)
{
  csnn_seg_shape shape = { .height = 8, .width = 8, .base = 2, .depth = 1 };
  g_autofree char *dir = g_dir_make_tmp("seg-XXXXXX", NULL);
  const char *good[] = { "arch",          "csnn_unet", "input_height", "8", "input_width", "8",
                         "base_channels", "2",         "depth",        "1", NULL };
  const char *not_unet[] = { "arch", "mobilenet_v2", NULL };
  const char *odd[] = { "arch",          "csnn_unet", "input_height", "10", "input_width", "8",
                        "base_channels", "2",         "depth",        "2",  NULL };
  const char *no_depth[] = { "arch",        "csnn_unet", "input_height",  "8",
                             "input_width", "8",         "base_channels", "2",
                             NULL };
  csnn_seg *seg;
  csnn_st_tensor *t;
  size_t n;

  g_assert_cmpint(csnn_seg_new(&shape, &seg), ==, CSNN_OK);
  n = csnn_seg_n_params(seg);
  t = g_new0(csnn_st_tensor, n + 1);
  for (size_t i = 0; i < n; i++) {
    csnn_param *p = csnn_seg_param(seg, i);
    t[i].name = p->name;
    t[i].ndim = p->ndim;
    memcpy(t[i].shape, p->shape, sizeof(p->shape));
    t[i].data = p->data;
  }
  g_assert_cmpint(load_crafted(dir, t, n, not_unet), ==, CSNN_ERR_FORMAT);
  g_assert_nonnull(strstr(csnn_last_error(), "not a U-Net"));
  g_assert_cmpint(load_crafted(dir, t, n, odd), ==, CSNN_ERR_INVALID);
  g_assert_nonnull(strstr(csnn_last_error(), "multiples of 4"));
  g_assert_cmpint(load_crafted(dir, t, n, no_depth), ==, CSNN_ERR_FORMAT);
  g_assert_nonnull(strstr(csnn_last_error(), "\"depth\""));
  /* A missing tensor, then an extra one, then a misshaped one. */
  g_assert_cmpint(load_crafted(dir, t, n - 1, good), ==, CSNN_ERR_FORMAT);
  g_assert_nonnull(strstr(csnn_last_error(), "head.bias"));
  t[n] = t[0];
  t[n].name = "enc.9.conv1.weight";
  g_assert_cmpint(load_crafted(dir, t, n + 1, good), ==, CSNN_ERR_FORMAT);
  g_assert_nonnull(strstr(csnn_last_error(), "enc.9.conv1.weight"));
  t[0].shape[0] = 3;
  g_assert_cmpint(load_crafted(dir, t, n, good), ==, CSNN_ERR_FORMAT);
  g_assert_nonnull(strstr(csnn_last_error(), "enc.0.conv1.weight"));
  {
    /* Metadata claiming a huge network over a few weights is refused before allocating it. */
    const char *huge[] = { "arch", "csnn_unet",     "input_height", "4096",  "input_width",
                           "4096", "base_channels", "256",          "depth", "6",
                           NULL };
    g_assert_cmpint(load_crafted(dir, t, n, huge), ==, CSNN_ERR_FORMAT);
    g_assert_nonnull(strstr(csnn_last_error(), "fewer than"));
  }
  g_free(t);
  csnn_seg_free(seg);
  g_rmdir(dir);

  shape.height = 9;
  g_assert_cmpint(csnn_seg_new(&shape, &seg), ==, CSNN_ERR_INVALID);
  shape.height = 8;
  shape.depth = 7;
  g_assert_cmpint(csnn_seg_new(&shape, &seg), ==, CSNN_ERR_INVALID);
  g_assert_null(seg);
}

/* The FLOP count is the convolutions' sum, computed here from the architecture's definition. */
static void
test_gflop(void)
{
  csnn_seg_shape shape = { .height = 64, .width = 96, .base = 8, .depth = 3 };
  double macs = 0.0;

  for (int l = 0; l <= 3; l++) {
    double hw = 64.0 * 96.0 / (double)(1 << (2 * l)), c = 8 << l;
    macs += hw * 9.0 * (l == 0 ? 1.0 : c / 2) * c + hw * 9.0 * c * c; /* Encoder. */
    if (l < 3)
      macs += hw * 9.0 * 3 * c * c + hw * 9.0 * c * c; /* Decoder. */
  }
  macs += 64.0 * 96.0 * 8;
  g_assert_cmpfloat_with_epsilon(csnn_seg_gflop(&shape), 2.0 * macs / 1e9, 1e-9);
}

int
main(int argc, char **argv)
{
  int status;

  g_test_init(&argc, &argv, NULL);
  ref_dir = torch_reference_dir("torch-seg.py", "torch-seg", "seg.stamp");
  g_test_add_func("/engine/seg/upsample", test_upsample);
  g_test_add_func("/engine/seg/concat-backward", test_concat_backward);
  g_test_add_func("/engine/seg/loss", test_loss);
  g_test_add_func("/engine/seg/dice", test_dice);
  g_test_add_func("/engine/seg/forward", test_forward);
  g_test_add_func("/engine/seg/train-step", test_train_step);
  g_test_add_func("/engine/seg/save-load", test_save_load);
  g_test_add_func("/engine/seg/save-load-pair", test_save_load_pair);
  g_test_add_func("/engine/seg/save-load-parts", test_save_load_parts);
  g_test_add_func("/engine/seg/bad-files", test_bad_files);
  g_test_add_func("/engine/seg/gflop", test_gflop);
  status = g_test_run();
  g_free(ref_dir);
  return status;
}
