/* train-bench.c — training throughput of the engine: forward, backward and update, batch 16
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: train-bench [--threads N] [--batch N] [--steps N] [ARCH...]
 *
 * For each architecture (all three by default): a seeded from-scratch network, a trainer and SGD
 * with momentum; one warm-up step, then the median of N timed steps (forward in training mode,
 * backward, optimiser step) on the same random batch. Prints one line per architecture:
 * "ARCH images_per_s median_step_s". bench/train-bench.py does the same in PyTorch and
 * bench/train-bench.sh runs both.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csnn-net.h"
#include "csnn-optim.h"
#include "csnn-train.h"

static double
now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int
bench(const char *arch, int threads, int batch, int steps)
{
  csnn_net *net;
  csnn_trainer *t;
  csnn_optim *opt;
  size_t floats = (size_t)batch * 3 * 224 * 224;
  float *input = malloc(floats * sizeof(float)), loss;
  int *labels = malloc((size_t)batch * sizeof(int));
  double *times = malloc((size_t)steps * sizeof(double));
  unsigned long long s = 12345;

  if (csnn_net_new(arch, 2, &net) != CSNN_OK || input == NULL || labels == NULL || times == NULL) {
    fprintf(stderr, "train-bench: %s: %s\n", arch, csnn_last_error());
    return 1;
  }
  csnn_net_init_random(net, 1, NULL);
  for (size_t i = 0; i < floats; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    input[i] = (float)((double)(s >> 40) / (double)(1ull << 24)) * 4.0f - 2.0f;
  }
  for (int i = 0; i < batch; i++)
    labels[i] = i % 2;
  if (csnn_trainer_new(net, batch, threads, &t) != CSNN_OK ||
      csnn_optim_new(CSNN_OPTIM_SGDM, &opt) != CSNN_OK) {
    fprintf(stderr, "train-bench: %s\n", csnn_last_error());
    return 1;
  }
  for (size_t i = 0; i < csnn_net_n_params(net); i++) {
    int decay;
    if (csnn_trainer_param_trainable(t, i, &decay))
      csnn_optim_add(opt, csnn_net_param(net, i)->data, csnn_trainer_grad(t, i),
                     csnn_net_param(net, i)->numel, decay);
  }
  for (int k = -1; k < steps; k++) {
    double t0 = now();
    if (csnn_trainer_step(t, input, batch, labels, &loss, NULL) != CSNN_OK) {
      fprintf(stderr, "train-bench: %s\n", csnn_last_error());
      return 1;
    }
    csnn_optim_step(opt, 0.001);
    if (k >= 0)
      times[k] = now() - t0;
  }
  qsort(times, (size_t)steps, sizeof *times, cmp_double);
  printf("%s %.2f %.4f\n", arch, batch / times[steps / 2], times[steps / 2]);
  fflush(stdout);
  csnn_optim_free(opt);
  csnn_trainer_free(t);
  csnn_net_free(net);
  free(input);
  free(labels);
  free(times);
  return 0;
}

int
main(int argc, char **argv)
{
  static const char *all[] = { "squeezenet1_1", "mobilenet_v2", "efficientnet_b0" };
  int threads = 2, batch = 16, steps = 5, status = 0, named = 0;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
      batch = atoi(argv[++i]);
    else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc)
      steps = atoi(argv[++i]);
    else if (argv[i][0] == '-') {
      fprintf(stderr, "usage: train-bench [--threads N] [--batch N] [--steps N] [ARCH...]\n");
      return 2;
    }
  }
  if (threads < 1 || batch < 2 || steps < 1) {
    fprintf(stderr, "train-bench: --threads >= 1, --batch >= 2, --steps >= 1\n");
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-') {
      i++;
      continue;
    }
    named = 1;
    status |= bench(argv[i], threads, batch, steps);
  }
  if (!named)
    for (int i = 0; i < 3; i++)
      status |= bench(all[i], threads, batch, steps);
  return status;
}
