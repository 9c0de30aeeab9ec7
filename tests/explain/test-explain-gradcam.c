/* test-explain-gradcam.c — Grad-CAM's combination and upsampling, against PyTorch
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-error.h"
#include "cs-explain.h"
#include "cs-explain-net.h"
#include "cs-gradcam.h"
#include "csnn-train.h"
#include "explain-test-util.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* One channel with a gradient of 1 everywhere: the map is the ReLU of the activations; a
 * constant map stays constant when upsampled; upsampling by an integer factor puts the source
 * values at the right places. */
static void
test_known_values(void)
{
  const float a[4] = { 1, -2, 3, 4 }, g[4] = { 1, 1, 1, 1 };
  float coarse[4], map[16], flat_src[4] = { 5, 5, 5, 5 }, flat[49];

  g_assert_cmpint(cs_gradcam_combine(a, g, 1, 2, 2, 1, 4, 4, map, coarse), ==, 0);
  g_assert_cmpfloat(coarse[0], ==, 1);
  g_assert_cmpfloat(coarse[1], ==, 0);
  g_assert_cmpfloat(coarse[3], ==, 4);
  /* 2 -> 4: destination 0 maps to source -0.25, clamped to 0; destination 1 to 0.25. */
  g_assert_cmpfloat(map[0], ==, 1);
  g_assert_cmpfloat_with_epsilon(map[1], 0.75f * 1 + 0.25f * 0, 1e-6);
  g_assert_cmpfloat(map[15], ==, 4);
  g_assert_cmpint(cs_gradcam_combine(a, g, 1, 2, 2, 0, 4, 4, map, coarse), ==, 0);
  g_assert_cmpfloat(coarse[1], ==, -2);
  cs_gradcam_upsample(flat_src, 2, 2, flat, 7, 7);
  for (int i = 0; i < 49; i++)
    g_assert_cmpfloat(flat[i], ==, 5);
  g_assert_cmpint(cs_gradcam_combine(a, g, 0, 2, 2, 1, 4, 4, map, NULL), ==, -1);

  /* The same (with the ReLU) through the explanation object. */
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) bad = NULL;
  g_assert_cmpint(cs_gradcam_combine(a, g, 1, 2, 2, 1, 4, 4, map, NULL), ==, 0);
  g_autoptr(CsExplanation) e = cs_explain_gradcam_from_features(a, g, 1, 2, 2, 4, 4, 0.7, &error);
  g_assert_no_error(error);
  g_assert_cmpint(e->method, ==, CS_EXPLAIN_GRADCAM);
  g_assert_cmpmem(e->map, sizeof map, map, sizeof map);
  g_assert_null(cs_explain_gradcam_from_features(a, g, 1, 0, 2, 4, 4, 0.7, &bad));
  g_assert_error(bad, CS_ERROR, CS_ERROR_INVALID);
}

static gboolean
write_floats(const char *path, const float *v, gsize n)
{
  g_autofree guint32 *le = g_new(guint32, n);

  for (gsize i = 0; i < n; i++) {
    guint32 bits;
    memcpy(&bits, &v[i], 4);
    le[i] = GUINT32_TO_LE(bits);
  }
  return g_file_set_contents(path, (const char *)le, (gssize)(n * 4), NULL);
}

/* (e, the part that needs no engine) The weights, channel sum, ReLU and bilinear upsampling
 * equal PyTorch's autograd + interpolate on the same arrays, at the shape of SqueezeNet 1.1's
 * last block (13 x 13) scaled down in channels, to 224 px. */
static void
test_against_torch(void)
{
  enum { C = 16, H = 13, W = 13, SIZE = 224 };
  const char *python = g_getenv("CARPALSCOPE_PYTHON");
  const char *srcdir = g_getenv("CARPALSCOPE_SRCDIR");
  g_autoptr(GRand) rand = g_rand_new_with_seed(13);
  g_autofree float *a = g_new(float, C *H *W);
  g_autofree float *g = g_new(float, C *H *W);
  g_autofree float *map = g_new(float, SIZE *SIZE);
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (python == NULL || srcdir == NULL || !g_file_test(python, G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip("no python3 (CARPALSCOPE_PYTHON)");
    return;
  }
  for (int i = 0; i < C * H * W; i++) {
    /* Activations after a ReLU are non-negative; gradients of either sign, channels alternating
     * between mostly for and mostly against the class so that the sum changes sign. */
    int sign = (i / (H * W)) % 2 ? -1 : 1;
    a[i] = (float)MAX(0.0, g_rand_double_range(rand, -1.0, 3.0));
    g[i] = (float)(sign * g_rand_double_range(rand, -0.002, 0.01));
  }
  g_assert_cmpint(cs_gradcam_combine(a, g, C, H, W, 1, SIZE, SIZE, map, NULL), ==, 0);

  g_autofree char *dir = g_dir_make_tmp("cs-gradcam-XXXXXX", NULL);
  g_autofree char *pa = g_build_filename(dir, "a.f32", NULL);
  g_autofree char *pg = g_build_filename(dir, "g.f32", NULL);
  g_autofree char *po = g_build_filename(dir, "out.f32", NULL);
  g_autofree char *script = g_build_filename(srcdir, "tests", "explain", "gradcam-torch.py", NULL);
  g_assert_true(write_floats(pa, a, C * H * W));
  g_assert_true(write_floats(pg, g, C * H * W));
  const char *argv[] = { python, script, "16", "13", "13", "224", pa, pg, po, NULL };
  g_autofree char *err = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &err,
                             &status, &error));
  g_assert_no_error(error);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
    g_test_skip("PyTorch is not installed (python3-torch)");
  } else {
    if (!g_spawn_check_wait_status(status, &error))
      g_error("gradcam-torch.py failed: %s\n%s", error->message, err);
    g_autofree char *bytes = NULL;
    gsize length = 0;
    g_assert_true(g_file_get_contents(po, &bytes, &length, NULL));
    g_assert_cmpuint(length, ==, SIZE * SIZE * 4);
    double worst = 0, peak = 0;
    int positive = 0;
    for (int i = 0; i < SIZE * SIZE; i++) {
      float ref;
      guint32 bits;
      memcpy(&bits, bytes + 4 * i, 4);
      bits = GUINT32_FROM_LE(bits);
      memcpy(&ref, &bits, 4);
      worst = MAX(worst, fabs(map[i] - ref));
      peak = MAX(peak, fabs(ref));
      positive += ref > 0;
    }
    g_test_message("largest difference from PyTorch %.3g (map peak %.3g)", worst, peak);
    /* The reference sums in double, we sum in double and round once: float32 rounding of the
     * channel sum and the interpolation leaves a few ulps of the peak. */
    g_assert_cmpfloat(worst, <=, 1e-5 * peak);
    /* The random case is not degenerate: the ReLU cut some pixels and kept others. */
    g_assert_cmpint(positive, >, 0);
    g_assert_cmpint(positive, <, SIZE * SIZE);
  }
  g_unlink(pa);
  g_unlink(pg);
  g_unlink(po);
  g_rmdir(dir);
}

static float *
read_floats(const char *path, gsize n)
{
  g_autofree char *bytes = NULL;
  gsize length = 0;

  g_assert_true(g_file_get_contents(path, &bytes, &length, NULL));
  g_assert_cmpuint(length, ==, n * 4);
  float *v = g_new(float, n);
  for (gsize i = 0; i < n; i++) {
    guint32 bits;
    memcpy(&bits, bytes + 4 * i, 4);
    bits = GUINT32_FROM_LE(bits);
    memcpy(&v[i], &bits, 4);
  }
  return v;
}

/* Largest difference between two maps, relative to the reference's peak. */
static double
relative_difference(const float *map, const float *ref, gsize n, int *positive)
{
  double worst = 0, peak = 0;

  *positive = 0;
  for (gsize i = 0; i < n; i++) {
    worst = MAX(worst, fabs(map[i] - ref[i]));
    peak = MAX(peak, fabs(ref[i]));
    *positive += ref[i] > 0;
  }
  return peak > 0 ? worst / peak : worst;
}

/* (e) Grad-CAM through the engine equals the same computation in PyTorch (autograd through
 * torchvision's model with the same weights, hook on model.features), for each architecture and
 * for the logit and the probability of the class. */
static void
test_engine_against_torch(gconstpointer data)
{
  const char *arch = data;
  const char *python = g_getenv("CARPALSCOPE_PYTHON");
  const char *srcdir = g_getenv("CARPALSCOPE_SRCDIR");
  enum { SIZE = 224 };

  if (python == NULL || srcdir == NULL || !g_file_test(python, G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip("no python3 (CARPALSCOPE_PYTHON)");
    return;
  }
  csnn_net *net = NULL;
  g_assert_cmpint(csnn_net_new(arch, 2, &net), ==, CSNN_OK);
  csnn_net_init_random(net, 77, NULL);
  csnn_net_params_changed(net);
  g_autofree char *dir = g_dir_make_tmp("cs-gradcam-XXXXXX", NULL);
  g_autofree char *model = g_build_filename(dir, "model.safetensors", NULL);
  g_autofree char *input = g_build_filename(dir, "input.f32", NULL);
  g_autofree char *out_logit = g_build_filename(dir, "logit.f32", NULL);
  g_autofree char *out_p = g_build_filename(dir, "p.f32", NULL);
  const char *metadata[] = { "arch", arch, NULL };
  g_assert_cmpint(csnn_net_save(net, model, metadata), ==, CSNN_OK);

  g_autofree guint8 *crop = g_malloc(SIZE * SIZE);
  g_autofree float *image = g_new(float, 3 * SIZE * SIZE);
  explain_test_synthetic_crop(17, SIZE, SIZE, crop, NULL);
  csnn_preprocess_u8(crop, SIZE, csnn_net_norm(net), image);
  g_assert_true(write_floats(input, image, 3 * SIZE * SIZE));

  g_autoptr(GError) error = NULL;
  g_autoptr(CsExplanation) by_logit =
      cs_explain_gradcam(net, crop, SIZE, 1, CS_EXPLAIN_SCORE_LOGIT, &error);
  g_assert_no_error(error);
  g_autoptr(CsExplanation) by_p =
      cs_explain_gradcam(net, crop, SIZE, 1, CS_EXPLAIN_SCORE_PROBABILITY, &error);
  g_assert_no_error(error);
  g_assert_cmpint(by_logit->method, ==, CS_EXPLAIN_GRADCAM);

  g_autofree char *script =
      g_build_filename(srcdir, "tests", "explain", "gradcam-torch-model.py", NULL);
  const char *argv[] = { python, script, arch, model, input, "224", "1", out_logit, out_p, NULL };
  g_autofree char *err = NULL;
  int status = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &err,
                             &status, &error));
  g_assert_no_error(error);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
    g_test_skip("PyTorch is not installed (python3-torch, python3-torchvision)");
  } else {
    if (!g_spawn_check_wait_status(status, &error))
      g_error("gradcam-torch-model.py failed: %s\n%s", error->message, err);
    g_autofree float *ref_logit = read_floats(out_logit, SIZE * SIZE);
    g_autofree float *ref_p = read_floats(out_p, SIZE * SIZE);
    int pos_logit = 0, pos_p = 0;
    double d_logit = relative_difference(by_logit->map, ref_logit, SIZE * SIZE, &pos_logit);
    double d_p = relative_difference(by_p->map, ref_p, SIZE * SIZE, &pos_p);
    g_test_message("%s: largest difference from PyTorch, relative to the map's peak: logit %.2g, "
                   "p %.2g (%d and %d of %d pixels above 0)",
                   arch, d_logit, d_p, pos_logit, pos_p, SIZE * SIZE);
    /* Both sides run float32 through a deep network (the engine folds batch norms into the
     * convolutions and sums in another order), so activations and gradients differ in their
     * last bits: measured 1e-6 to 5e-6 of the peak on these three networks. 1e-4 leaves room for
     * other machines' summation orders and is far below any visible difference (one colour-map
     * step is 4e-3). */
    g_assert_cmpfloat(d_logit, <=, 1e-4);
    g_assert_cmpfloat(d_p, <=, 1e-4);
    g_assert_cmpint(pos_logit, >, 0);
  }
  g_unlink(model);
  g_unlink(input);
  g_unlink(out_logit);
  g_unlink(out_p);
  g_rmdir(dir);
  csnn_net_free(net);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/explain/gradcam/known-values", test_known_values);
  g_test_add_func("/explain/gradcam/against-torch", test_against_torch);
  g_test_add_data_func("/explain/gradcam/engine-squeezenet1_1", "squeezenet1_1",
                       test_engine_against_torch);
  g_test_add_data_func("/explain/gradcam/engine-mobilenet_v2", "mobilenet_v2",
                       test_engine_against_torch);
  g_test_add_data_func("/explain/gradcam/engine-efficientnet_b0", "efficientnet_b0",
                       test_engine_against_torch);
  return g_test_run();
}
