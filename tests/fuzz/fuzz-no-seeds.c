/* fuzz-no-seeds.c — for the harnesses whose seeds are only files in tests/fuzz/corpus
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-seeds.h"

int
fuzz_seeds_foreach(fuzz_seed_cb callback, void *user)
{
  (void)callback;
  (void)user;
  return 0;
}
