/* cs-stats-rng.h — the seeded random number generator of the statistics layer
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A xoshiro256** generator. Its own code (not libc's rand) so that a seed gives the same
 * bootstrap replicates on every platform and in every version of Carpalscope. */
typedef struct {
  uint64_t s[4];
} CsRng;

/* Seeds @rng from @seed and a @stream number, so independent analyses can share one seed. */
void cs_rng_init(CsRng *rng, uint64_t seed, uint64_t stream);

/* Returns the next 64 random bits. */
uint64_t cs_rng_next(CsRng *rng);

/* Returns an integer uniformly distributed in [0, @n), without modulo bias; @n must be > 0. */
size_t cs_rng_below(CsRng *rng, size_t n);

/* Returns a double uniformly distributed in [0, 1) with 53 random bits. */
double cs_rng_uniform(CsRng *rng);

/* Returns a standard normal deviate (Box-Muller); used to make synthetic test data. */
double cs_rng_normal(CsRng *rng);
