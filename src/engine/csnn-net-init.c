/* csnn-net-init.c — a network's first weights, drawn as torchvision draws them, from a seed
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The stream: one splitmix64 generator (cs-rng.h) seeded with seed ^ 0x1d8e4e27c47d124f walks
 * the parameters in their order, drawing one uniform (53 bits, one step) or one normal
 * (Box-Muller, two steps) per value of each convolution and linear weight; 1-D parameters are
 * constants and draw nothing. The phantom models in models/ were trained from scratch on this
 * stream, so neither the order nor the conversions change.
 */
#include "csnn-train.h"

#include <math.h>
#include <string.h>

#include "cs-rng.h"
#include "csnn-net-private.h"

/* A standard normal deviate by Box-Muller from two splitmix64 steps. The first uniform is
 * offset by half a step, so it lies in (0, 1) and its logarithm is finite; unlike
 * cs_rng_normal(), and kept so for the stream's sake. */
static double
rng_normal(uint64_t *s)
{
  double u1 = ((double)(cs_splitmix64(s) >> 11) + 0.5) / 9007199254740992.0;
  double u2 = cs_splitmix64_uniform(s);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void
csnn_net_init_random(csnn_net *net, uint64_t seed, const char *only_prefix)
{
  uint64_t rng = seed ^ 0x1d8e4e27c47d124full;
  int squeeze = strcmp(net->arch, "squeezenet1_1") == 0;
  int effnet = strcmp(net->arch, "efficientnet_b0") == 0;

  for (size_t i = 0; i < net->n_params; i++) {
    csnn_param *p = &net->params[i];
    int classifier = strncmp(p->name, "classifier.", 11) == 0;

    if (only_prefix != NULL && strncmp(p->name, only_prefix, strlen(only_prefix)) != 0)
      continue;
    if (p->ndim == 4) {
      double receptive = (double)(p->shape[2] * p->shape[3]);
      if (squeeze && classifier) {
        for (size_t k = 0; k < p->numel; k++)
          p->data[k] = (float)(0.01 * rng_normal(&rng));
      } else if (squeeze) {
        double bound = sqrt(6.0 / ((double)p->shape[1] * receptive));
        for (size_t k = 0; k < p->numel; k++)
          p->data[k] = (float)(bound * (2.0 * cs_splitmix64_uniform(&rng) - 1.0));
      } else {
        double sd = sqrt(2.0 / ((double)p->shape[0] * receptive));
        for (size_t k = 0; k < p->numel; k++)
          p->data[k] = (float)(sd * rng_normal(&rng));
      }
    } else if (p->ndim == 2) {
      /* EfficientNet's head: torchvision draws U(-1/sqrt(out), 1/sqrt(out)), sized for its
       * 1000 classes (bound 0.032); with our two classes that bound is 0.71, the first logits
       * reach +-10 and training from scratch spikes and stalls. The bound here is taken from
       * the inputs instead (1/sqrt(1280) = 0.028, PyTorch's default for a linear layer), which
       * keeps torchvision's scale whatever the number of classes, and one uniform per value. */
      double bound = 1.0 / sqrt((double)p->shape[1]);
      for (size_t k = 0; k < p->numel; k++)
        p->data[k] = effnet ? (float)(bound * (2.0 * cs_splitmix64_uniform(&rng) - 1.0))
                            : (float)(0.01 * rng_normal(&rng));
    } else {
      float v = 0.0f;
      /* A norm's weight and running variance start at 1; everything else 1-D at 0, but for
       * SqueezeNet's class bias: torchvision's 0 leaves the ReLU after the last convolution
       * closed for about half the positions, and with two classes training from scratch then
       * often shuts it everywhere (both logits 0, no gradient). Starting at 1 keeps it open. */
      if (i > 0 && csnn__name_ends_with(p->name, "running_var"))
        v = 1.0f;
      else if (csnn__name_ends_with(p->name, ".weight"))
        v = 1.0f;
      else if (squeeze && classifier)
        v = 1.0f;
      for (size_t k = 0; k < p->numel; k++)
        p->data[k] = v;
    }
  }
  csnn_net_params_changed(net);
}
