/* make-test-model.c — write a randomly initialised network for tests that need a model
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: make-test-model ARCH OUT.safetensors [INPUT_SIZE]
 * The weights are seeded noise: the test needs a network that runs and answers, not a good one,
 * and says so in its metadata.
 */
#include <stdio.h>

#include "csnn-net.h"
#include "test-weights.h"

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
  test_weights_randomise(net);
  status = csnn_net_save(net, argv[2], metadata);
  if (status != CSNN_OK)
    fprintf(stderr, "make-test-model: %s\n", csnn_last_error());
  csnn_net_free(net);
  return status == CSNN_OK ? 0 : 1;
}
