/* test-engine-torch.c — the three architectures against PyTorch, logit for logit
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * torch-reference.py (Debian's python3 with torch and torchvision) writes random-init models of
 * each architecture with calibrated batch-norm statistics, some inputs and torch's logits on
 * them, once per build directory. Our logits must satisfy
 * max |ours - torch| <= 1e-4 * max(1, |torch|), on every kernel path (portable, AVX2, AVX-512)
 * the CPU has. The test skips when torch is not installed, and a path when the CPU lacks it.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "csnn-net.h"
#include "csnn-safetensors.h"
#include "csnn-simd.h"
#include "torch-util.h"

static char *ref_dir; /* NULL when PyTorch is missing. */

static void
assert_logits_close(const float *ours, const float *torch, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    double tol = 1e-4 * fmax(1.0, fabs(torch[i]));

    if (fabs(ours[i] - torch[i]) > tol)
      g_error("logit %zu: ours %.7g, torch %.7g (tolerance %.3g)", i, ours[i], torch[i], tol);
  }
}

typedef struct {
  const char *arch;
  csnn_simd simd;
} ArchCase;

static void
test_arch(gconstpointer data)
{
  const ArchCase *c = data;
  const char *arch = c->arch;
  g_autofree char *model_path = NULL, *cases_path = NULL;
  csnn_safetensors *cases;
  csnn_net *net;
  size_t n_input, n_logits, n_png;
  g_autofree float *input = NULL, *want = NULL, *png_want = NULL, *got = NULL, *single = NULL;
  size_t n_images, image_floats = 3 * 224 * 224;
  float spread = 0.0f;

  if (ref_dir == NULL) {
    g_test_skip("python3-torch or python3-torchvision is not installed");
    return;
  }
  /* The network is built, and its weights packed, for the path in use when it is loaded. */
  if (csnn__simd_force(c->simd) != CSNN_OK) {
    g_test_skip_printf("this CPU lacks the %s path", csnn__simd_name(c->simd));
    return;
  }
  model_path = g_strdup_printf("%s/%s.safetensors", ref_dir, arch);
  cases_path = g_strdup_printf("%s/%s-cases.safetensors", ref_dir, arch);
  if (csnn_net_load(model_path, NULL, &net) != CSNN_OK)
    g_error("%s: %s", model_path, csnn_last_error());
  g_assert_cmpstr(csnn_net_arch(net), ==, arch);
  g_assert_cmpint(csnn_net_num_classes(net), ==, 2);
  g_assert_cmpstr(csnn_net_class_name(net, 1), ==, "cts");
  g_assert_cmpint(csnn_safetensors_open(cases_path, &cases), ==, CSNN_OK);
  input = torch_read_tensor(cases, "input", &n_input);
  want = torch_read_tensor(cases, "logits", &n_logits);
  png_want = torch_read_tensor(cases, "png_logits", &n_png);
  csnn_safetensors_close(cases);
  n_images = n_input / image_floats;
  g_assert_cmpuint(n_logits, ==, n_images * 2);

  /* The calibration must have made the logits differ clearly between inputs. */
  for (size_t i = 0; i < n_logits; i++)
    spread = fmaxf(spread, fabsf(want[i] - want[0]));
  g_assert_cmpfloat(spread, >, 1e-2f);

  got = g_new(float, n_logits);
  g_assert_cmpint(csnn_net_forward(net, input, n_images, got), ==, CSNN_OK);
  assert_logits_close(got, want, n_logits);

  /* The same image alone gives the same logits as in the batch. */
  single = g_new(float, 2);
  for (size_t i = 0; i < n_images; i++) {
    g_assert_cmpint(csnn_net_forward(net, input + i * image_floats, 1, single), ==, CSNN_OK);
    g_assert_cmpfloat_with_epsilon(single[0], got[2 * i], 1e-5f);
    g_assert_cmpfloat_with_epsilon(single[1], got[2 * i + 1], 1e-5f);
  }
  csnn_net_free(net);
  csnn__simd_force(-1);
}

int
main(int argc, char **argv)
{
  static const ArchCase cases[] = {
    { "squeezenet1_1", CSNN_SIMD_AVX512 },     { "mobilenet_v2", CSNN_SIMD_AVX512 },
    { "efficientnet_b0", CSNN_SIMD_AVX512 },   { "squeezenet1_1", CSNN_SIMD_AVX2 },
    { "mobilenet_v2", CSNN_SIMD_AVX2 },        { "efficientnet_b0", CSNN_SIMD_AVX2 },
    { "squeezenet1_1", CSNN_SIMD_PORTABLE },   { "mobilenet_v2", CSNN_SIMD_PORTABLE },
    { "efficientnet_b0", CSNN_SIMD_PORTABLE },
  };
  int status;

  g_test_init(&argc, &argv, NULL);
  ref_dir = torch_reference_dir("torch-reference.py", "torch-reference", NULL);
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *name =
        g_strdup_printf("/engine/torch/%s/%s", csnn__simd_name(cases[i].simd), cases[i].arch);
    g_test_add_data_func(name, &cases[i], test_arch);
  }
  status = g_test_run();
  g_free(ref_dir);
  return status;
}
