/* test-weights.c — seeded random weights for tests that need a network that runs
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The weights are noise: tests need a network that answers, not a good one.
 */
#include "test-weights.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* splitmix64 from a fixed state: the same network on every run. */
static double
uniform(uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return (z >> 11) * (1.0 / 9007199254740992.0);
}

void
test_weights_randomise(csnn_net *net)
{
  uint64_t state = 0x9e3779b97f4a7c15ULL;

  for (size_t i = 0; i < csnn_net_n_params(net); i++) {
    csnn_param *param = csnn_net_param(net, i);
    size_t fan_in = 1;
    int is_variance = strstr(param->name, "running_var") != NULL;
    int is_bn_weight = param->ndim == 1 && strstr(param->name, "weight") != NULL;

    for (int d = 1; d < param->ndim; d++)
      fan_in *= (size_t)param->shape[d];
    for (size_t k = 0; k < param->numel; k++) {
      double u = uniform(&state) * 2 - 1;

      if (is_variance)
        param->data[k] = (float)(0.5 + uniform(&state));
      else if (is_bn_weight)
        param->data[k] = (float)(1 + 0.1 * u);
      else if (param->ndim == 1)
        param->data[k] = (float)(0.05 * u);
      else
        param->data[k] = (float)(u * sqrt(3.0 / (double)fan_in));
    }
  }
  csnn_net_params_changed(net);
}
