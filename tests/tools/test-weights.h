/* test-weights.h — seeded random weights for tests that need a network that runs
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "csnn-net.h"

/* Fills every parameter of @net with seeded noise scaled by fan-in (batch-norm variances near 1,
 * scales near 1, small biases), the same on every run, and refolds the inference weights. */
void test_weights_randomise(csnn_net *net);
