/* test-engine-net.c — networks: binding weights by name, batched classification, cancelling
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "csnn-net.h"
#include "csnn-safetensors.h"

static void
fill_params(csnn_net *net, guint32 seed)
{
  GRand *rng = g_rand_new_with_seed(seed);

  for (size_t i = 0; i < csnn_net_n_params(net); i++) {
    csnn_param *p = csnn_net_param(net, i);
    gboolean var = g_str_has_suffix(p->name, "running_var");

    for (size_t k = 0; k < p->numel; k++)
      p->data[k] = var ? (float)g_rand_double_range(rng, 0.5, 1.5)
                       : (float)g_rand_double_range(rng, -0.1, 0.1);
  }
  csnn_net_params_changed(net);
  g_rand_free(rng);
}

/* Saves @net's parameters, leaving out @skip, adding @extra and reshaping @reshape, to a file. */
static char *
save_variant(csnn_net *net, const char *skip, const char *extra, const char *reshape)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp("csnn-net-XXXXXX.safetensors", &path, &error);
  csnn_st_tensor *tensors = g_new0(csnn_st_tensor, csnn_net_n_params(net) + 1);
  const char *meta[] = { "arch", csnn_net_arch(net), "classes", "[\"control\",\"cts\"]", NULL };
  size_t n = 0;
  static const float one = 1.0f;

  g_assert_no_error(error);
  close(fd);
  for (size_t i = 0; i < csnn_net_n_params(net); i++) {
    csnn_param *p = csnn_net_param(net, i);

    if (skip != NULL && strcmp(p->name, skip) == 0)
      continue;
    tensors[n].name = p->name;
    tensors[n].ndim = p->ndim;
    for (int d = 0; d < p->ndim; d++)
      tensors[n].shape[d] = p->shape[d];
    if (reshape != NULL && strcmp(p->name, reshape) == 0) {
      /* Same element count, another shape. */
      tensors[n].ndim = 1;
      tensors[n].shape[0] = (int64_t)p->numel;
    }
    tensors[n].data = p->data;
    n++;
  }
  if (extra != NULL) {
    tensors[n].name = extra;
    tensors[n].ndim = 1;
    tensors[n].shape[0] = 1;
    tensors[n].data = &one;
    n++;
  }
  g_assert_cmpint(csnn_safetensors_save(path, tensors, n, meta), ==, CSNN_OK);
  g_free(tensors);
  return path;
}

static void
test_load_errors(void)
{
  csnn_net *net, *loaded;
  char *path;

  g_assert_cmpint(csnn_net_new("mobilenet_v2", 2, &net), ==, CSNN_OK);
  fill_params(net, 1);

  path = save_variant(net, NULL, NULL, NULL);
  g_assert_cmpint(csnn_net_load(path, NULL, &loaded), ==, CSNN_OK);
  g_assert_cmpstr(csnn_net_arch(loaded), ==, "mobilenet_v2");
  g_assert_cmpint(csnn_net_num_classes(loaded), ==, 2);
  g_assert_cmpfloat(csnn_net_find_param(loaded, "features.5.conv.1.0.weight")->data[3], ==,
                    csnn_net_find_param(net, "features.5.conv.1.0.weight")->data[3]);
  csnn_net_free(loaded);
  /* The same file read as another architecture fails, naming a tensor. */
  g_assert_cmpint(csnn_net_load(path, "efficientnet_b0", &loaded), ==, CSNN_ERR_FORMAT);
  g_assert_null(loaded);
  g_assert_nonnull(strstr(csnn_last_error(), "tensor"));
  g_unlink(path);
  g_free(path);

  path = save_variant(net, "features.7.conv.3.running_mean", NULL, NULL);
  g_assert_cmpint(csnn_net_load(path, NULL, &loaded), ==, CSNN_ERR_FORMAT);
  g_assert_nonnull(strstr(csnn_last_error(), "missing tensor features.7.conv.3.running_mean"));
  g_unlink(path);
  g_free(path);

  path = save_variant(net, NULL, "features.99.weight", NULL);
  g_assert_cmpint(csnn_net_load(path, NULL, &loaded), ==, CSNN_ERR_FORMAT);
  g_assert_nonnull(strstr(csnn_last_error(), "unexpected tensor features.99.weight"));
  g_unlink(path);
  g_free(path);

  path = save_variant(net, NULL, NULL, "features.3.conv.1.0.weight");
  g_assert_cmpint(csnn_net_load(path, NULL, &loaded), ==, CSNN_ERR_FORMAT);
  g_assert_nonnull(strstr(csnn_last_error(), "features.3.conv.1.0.weight has shape [1296]"));
  g_unlink(path);
  g_free(path);

  g_assert_cmpint(csnn_net_new("resnet50", 2, &loaded), ==, CSNN_ERR_UNSUPPORTED);
  g_assert_cmpint(csnn_net_new("squeezenet1_1", 0, &loaded), ==, CSNN_ERR_INVALID);
  csnn_net_free(net);
}

static void
test_param_names(void)
{
  /* A few names exactly as torchvision 0.14's state_dict has them. */
  static const char *const names[][2] = {
    { "squeezenet1_1", "features.12.expand3x3.weight" },
    { "squeezenet1_1", "classifier.1.bias" },
    { "mobilenet_v2", "features.1.conv.0.1.running_var" },
    { "mobilenet_v2", "features.17.conv.3.weight" },
    { "mobilenet_v2", "features.18.1.bias" },
    { "efficientnet_b0", "features.1.0.block.1.fc2.weight" },
    { "efficientnet_b0", "features.6.3.block.2.fc1.bias" },
    { "efficientnet_b0", "features.7.0.block.3.1.running_mean" },
    { "efficientnet_b0", "features.8.1.weight" },
  };
  static const struct {
    const char *arch;
    size_t n_params;
  } counts[] = { { "squeezenet1_1", 52 }, { "mobilenet_v2", 262 }, { "efficientnet_b0", 311 } };

  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    csnn_net *net;
    g_assert_cmpint(csnn_net_new(names[i][0], 2, &net), ==, CSNN_OK);
    if (csnn_net_find_param(net, names[i][1]) == NULL)
      g_error("%s has no parameter %s", names[i][0], names[i][1]);
    csnn_net_free(net);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(counts); i++) {
    csnn_net *net;
    g_assert_cmpint(csnn_net_new(counts[i].arch, 2, &net), ==, CSNN_OK);
    g_assert_cmpuint(csnn_net_n_params(net), ==, counts[i].n_params);
    csnn_net_free(net);
  }
}

static int
abort_after_first_cb(void *user_data)
{
  int *calls = user_data;
  return (*calls)++ >= 1;
}

static void
test_classify(void)
{
  enum { N = 5 };
  static const int sizes[N][3] = {
    { 224, 224, 224 }, { 300, 200, 320 }, { 90, 100, 90 }, { 224, 224, 230 }, { 17, 400, 20 }
  };
  csnn_net *net;
  csnn_crop crops[N];
  guint8 *pixels[N];
  float logits[N * 2], p_cts[N], alone[2], manual[2];
  GRand *rng = g_rand_new_with_seed(77);
  g_autofree float *input = g_new(float, 3 * 224 * 224);
  g_autofree guint8 *resampled = g_new(guint8, 224 * 224);
  int calls = 0;

  g_assert_cmpint(csnn_net_new("squeezenet1_1", 2, &net), ==, CSNN_OK);
  fill_params(net, 2);
  for (int i = 0; i < N; i++) {
    pixels[i] = g_new(guint8, (gsize)sizes[i][2] * sizes[i][1]);
    for (int k = 0; k < sizes[i][2] * sizes[i][1]; k++)
      pixels[i][k] = (guint8)g_rand_int_range(rng, 0, 256);
    crops[i] = (csnn_crop){ pixels[i], sizes[i][0], sizes[i][1], (size_t)sizes[i][2] };
  }
  g_assert_cmpint(csnn_net_classify(net, crops, N, logits, p_cts, NULL, NULL), ==, CSNN_OK);
  for (int i = 0; i < N; i++) {
    /* Alone, the same logits; and the same as preprocessing by hand. */
    g_assert_cmpint(csnn_net_classify(net, &crops[i], 1, alone, NULL, NULL, NULL), ==, CSNN_OK);
    g_assert_cmpfloat_with_epsilon(alone[0], logits[2 * i], 1e-5);
    g_assert_cmpfloat_with_epsilon(alone[1], logits[2 * i + 1], 1e-5);
    g_assert_cmpint(csnn_resample_u8(crops[i].pixels, crops[i].width, crops[i].height,
                                     crops[i].stride, resampled, 224, 224),
                    ==, CSNN_OK);
    csnn_preprocess_u8(resampled, 224, csnn_net_norm(net), input);
    g_assert_cmpint(csnn_net_forward(net, input, 1, manual), ==, CSNN_OK);
    g_assert_cmpfloat_with_epsilon(manual[0], logits[2 * i], 1e-5);
    g_assert_cmpfloat_with_epsilon(p_cts[i], 1.0 / (1.0 + exp(logits[2 * i] - logits[2 * i + 1])),
                                   1e-5);
  }
  /* Cancelling between batches. */
  csnn_net_set_max_batch(net, 2);
  g_assert_cmpint(csnn_net_classify(net, crops, N, logits, p_cts, abort_after_first_cb, &calls), ==,
                  CSNN_ERR_CANCELLED);
  g_assert_cmpint(calls, ==, 2);
  /* A bad crop is refused before anything runs. */
  crops[2].stride = 10;
  g_assert_cmpint(csnn_net_classify(net, crops, N, logits, p_cts, NULL, NULL), ==,
                  CSNN_ERR_INVALID);
  g_assert_nonnull(strstr(csnn_last_error(), "crop 2"));
  for (int i = 0; i < N; i++)
    g_free(pixels[i]);
  csnn_net_free(net);
  g_rand_free(rng);
}

static void
test_gflop(void)
{
  /* The figures the benchmark divides by (2 x multiply-adds at 224 x 224, 2 classes). */
  g_assert_cmpfloat(fabs(csnn_arch_gflop("squeezenet1_1", 2) - 0.53), <, 0.02);
  g_assert_cmpfloat(fabs(csnn_arch_gflop("mobilenet_v2", 2) - 0.60), <, 0.02);
  g_assert_cmpfloat(fabs(csnn_arch_gflop("efficientnet_b0", 2) - 0.77), <, 0.02);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/net/param-names", test_param_names);
  g_test_add_func("/engine/net/load-errors", test_load_errors);
  g_test_add_func("/engine/net/classify", test_classify);
  g_test_add_func("/engine/net/gflop", test_gflop);
  return g_test_run();
}
