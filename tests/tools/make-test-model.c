/* make-test-model.c — write a randomly initialised network for tests that need a model
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: make-test-model ARCH OUT.safetensors [INPUT_SIZE]
 * The weights are seeded noise: the test needs a network that runs and answers, not a good one,
 * and says so in its metadata.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "csnn-net.h"

static uint64_t state = 0x9e3779b97f4a7c15ULL;

static double
uniform(void)
{
  /* splitmix64 */
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return (z >> 11) * (1.0 / 9007199254740992.0);
}

int
main(int argc, char **argv)
{
  const char *metadata[] = { "classes",    "[\"control\",\"cts\"]",
                             "trained_on", "nothing: seeded random weights for software tests",
                             "provenance", "tests/gui/make-test-model",
                             NULL };
  csnn_net *net = NULL;
  int status;

  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: make-test-model ARCH OUT.safetensors [INPUT_SIZE]\n");
    return 2;
  }
  status = csnn_net_new(argv[1], 2, &net);
  if (status != CSNN_OK) {
    fprintf(stderr, "make-test-model: %s\n", csnn_last_error());
    return 1;
  }
  for (size_t i = 0; i < csnn_net_n_params(net); i++) {
    csnn_param *param = csnn_net_param(net, i);
    size_t fan_in = 1;
    int is_variance = strstr(param->name, "running_var") != NULL;
    int is_bn_weight = param->ndim == 1 && strstr(param->name, "weight") != NULL;

    for (int d = 1; d < param->ndim; d++)
      fan_in *= (size_t)param->shape[d];
    for (size_t k = 0; k < param->numel; k++) {
      double u = uniform() * 2 - 1;

      if (is_variance)
        param->data[k] = (float)(0.5 + uniform());
      else if (is_bn_weight)
        param->data[k] = (float)(1 + 0.1 * u);
      else if (param->ndim == 1)
        param->data[k] = (float)(0.05 * u);
      else
        param->data[k] = (float)(u * sqrt(3.0 / (double)fan_in));
    }
  }
  csnn_net_params_changed(net);
  status = csnn_net_save(net, argv[2], metadata);
  if (status != CSNN_OK)
    fprintf(stderr, "make-test-model: %s\n", csnn_last_error());
  csnn_net_free(net);
  return status == CSNN_OK ? 0 : 1;
}
