/* cs-rng.h — the seeded random generators of Carpalscope: splitmix64 and xoshiro256**
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Every random number Carpalscope draws comes from this file: its own code, not libc's rand(), so
 * a seed gives the same bootstrap replicates, LIME samples, phantom hands and training batches on
 * every platform and in every version. Published results depend on these streams: change none of
 * them (tests/core/test-core-rng.c pins each one). Plain C11: the engine uses it too. */

/* One step of splitmix64: advances *@state by the golden-ratio increment and returns the mixed
 * value. Used on its own as a small generator and to seed xoshiro256**. */
uint64_t cs_splitmix64(uint64_t *state);

/* A double uniformly distributed in [0, 1) with 53 bits of one splitmix64 step. */
double cs_splitmix64_uniform(uint64_t *state);

/* A xoshiro256** generator. */
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
