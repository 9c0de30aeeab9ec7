/* make-test-model.c — write a randomly initialised network for tests that need a model
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: make-test-model ARCH OUT.safetensors [INPUT_SIZE]
 * The weights are seeded noise: the test needs a network that runs and answers, not a good one,
 * and says so in its metadata. INPUT_SIZE (8 to 4096, default 224) is the side of the square
 * crop the network takes, written as its "input_size"; a small one keeps tests quick.
 */
#include <stdio.h>
#include <stdlib.h>

#include "csnn-net.h"
#include "test-weights.h"

int
main(int argc, char **argv)
{
  const char *metadata[] = { "classes",    "[\"control\",\"cts\"]",
                             "trained_on", "nothing: seeded random weights for software tests",
                             "provenance", "tests/tools/make-test-model",
                             NULL,         NULL,
                             NULL };
  csnn_net *net = NULL;
  int status;

  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: make-test-model ARCH OUT.safetensors [INPUT_SIZE]\n");
    return 2;
  }
  if (argc == 4) {
    char *end = NULL;
    long size = strtol(argv[3], &end, 10);

    if (end == argv[3] || *end != '\0' || size < 8 || size > 4096) {
      fprintf(stderr,
              "make-test-model: INPUT_SIZE must be a side in pixels from 8 to 4096, not "
              "\"%s\"\n",
              argv[3]);
      return 2;
    }
    metadata[6] = "input_size";
    metadata[7] = argv[3];
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
