/* test-engine-init.c — the first weights of a network trained from scratch start it well
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For each architecture with two classes at the trainer's 112 pixels: seeded weights
 * (csnn_net_init_random), one fixed batch of 16 textured images with alternating labels. The first
 * logits must stay within a few units and the first loss near log 2, and five Adam steps at the
 * shipped recipe's 1e-3 must not blow the loss up. EfficientNet-B0's head drawn with torchvision's
 * 1000-class bound on two classes fails here (first logits beyond 2); in a full training run it
 * started at a loss of 3.6 with spikes above 10 and never learned.
 */
#include "csnn-net.h"
#include "csnn-optim.h"
#include "csnn-train.h"

#include <glib/gstdio.h>
#include <math.h>
#include <unistd.h>

#define SIZE  112
#define BATCH 16

/* @arch with 2 classes at SIZE pixels, seeded weights. */
static csnn_net *
make_net(const char *arch, guint64 seed)
{
  csnn_net *net = NULL;
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp("cs-init-XXXXXX.safetensors", &path, NULL);
  const char *meta[] = { "input_size", G_STRINGIFY(SIZE), NULL };

  g_assert_cmpint(fd, >=, 0);
  close(fd);
  g_assert_cmpint(csnn_net_new(arch, 2, &net), ==, CSNN_OK);
  g_assert_cmpint(csnn_net_save(net, path, meta), ==, CSNN_OK);
  csnn_net_free(net);
  net = NULL;
  g_assert_cmpint(csnn_net_load(path, arch, &net), ==, CSNN_OK);
  g_unlink(path);
  g_assert_cmpint(csnn_net_input_size(net), ==, SIZE);
  csnn_net_init_random(net, seed, NULL);
  return net;
}

/* A batch of normalised-looking images: a smooth blob whose brightness depends on the label,
 * under seeded noise, so that the two classes differ a little as real crops do. */
static void
make_batch(float *input, int *labels)
{
  guint32 s = 12345;

  for (int b = 0; b < BATCH; b++) {
    labels[b] = b % 2;
    for (int c = 0; c < 3; c++)
      for (int y = 0; y < SIZE; y++)
        for (int x = 0; x < SIZE; x++) {
          double dx = (x - SIZE / 2.0) / 20.0, dy = (y - SIZE / 2.0) / 12.0;
          s = s * 1664525u + 1013904223u;
          double noise = ((s >> 8) / 16777216.0 - 0.5) * 1.5;
          input[(((gsize)b * 3 + (gsize)c) * SIZE + (gsize)y) * SIZE + (gsize)x] =
              (float)((labels[b] ? -0.6 : 0.6) * exp(-dx * dx - dy * dy) + noise);
        }
  }
}

static void
test_arch(gconstpointer data)
{
  const char *arch = data;
  csnn_net *net = make_net(arch, 1);
  csnn_trainer *t = NULL;
  csnn_optim *opt = NULL;
  g_autofree float *input = g_new(float, (gsize)BATCH * 3 * SIZE * SIZE);
  float logits[BATCH * 2], loss = 0.0f, first = 0.0f, worst = 0.0f;
  int labels[BATCH];

  make_batch(input, labels);
  g_assert_cmpint(csnn_trainer_new(net, BATCH, 0, &t), ==, CSNN_OK);
  csnn_trainer_set_seed(t, 7);
  g_assert_cmpint(csnn_optim_new(CSNN_OPTIM_ADAM, &opt), ==, CSNN_OK);
  csnn_optim_set_hyper(opt, 0.9, 0.9, 0.999, 1e-8, 1e-4);
  for (size_t i = 0; i < csnn_net_n_params(net); i++) {
    int decay;
    if (csnn_trainer_param_trainable(t, i, &decay))
      g_assert_cmpint(csnn_optim_add(opt, csnn_net_param(net, i)->data, csnn_trainer_grad(t, i),
                                     csnn_net_param(net, i)->numel, decay),
                      ==, CSNN_OK);
  }

  for (int step = 0; step <= 5; step++) {
    g_assert_cmpint(csnn_trainer_step(t, input, BATCH, labels, &loss, step == 0 ? logits : NULL),
                    ==, CSNN_OK);
    g_assert_true(isfinite(loss));
    if (step == 0) {
      first = loss;
      for (int i = 0; i < BATCH * 2; i++)
        g_assert_cmpfloat(fabsf(logits[i]), <, 2.0f);
    }
    worst = MAX(worst, loss);
    if (step < 5) {
      csnn_optim_step(opt, 1e-3);
      csnn_net_params_changed(net);
    }
  }
  g_test_message("%s: first loss %.3f, worst over 5 Adam steps %.3f", arch, first, worst);
  g_assert_cmpfloat(first, <, 0.8f);
  g_assert_cmpfloat(worst, <, 1.5f);

  csnn_optim_free(opt);
  csnn_trainer_free(t);
  csnn_net_free(net);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_data_func("/engine/init/squeezenet1_1", "squeezenet1_1", test_arch);
  g_test_add_data_func("/engine/init/mobilenet_v2", "mobilenet_v2", test_arch);
  g_test_add_data_func("/engine/init/efficientnet_b0", "efficientnet_b0", test_arch);
  return g_test_run();
}
