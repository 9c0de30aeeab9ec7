/* cs-phantom-rng.h — the phantom's own deterministic random numbers
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdint.h>

#include "cs-rng.h"

/* The phantom's stream of cs-rng.h: a xoshiro256** generator with a cached second normal deviate
 * from Box–Muller. The phantom never uses rand(): the same seed must give the same bytes on every
 * platform and in every thread. */
typedef struct {
  CsRng xoshiro;
  double spare;
  int has_spare;
} CsPhantomRng;

/* Mixes @x into a well-spread 64-bit value (splitmix64); used to derive seeds. */
uint64_t cs_phantom_mix64(uint64_t x);

/* Seeds @rng from @seed through splitmix64, so nearby seeds give unrelated streams. */
void cs_phantom_rng_seed(CsPhantomRng *rng, uint64_t seed);

/* Returns the next 64 random bits. */
uint64_t cs_phantom_rng_next(CsPhantomRng *rng);

/* Returns a uniform double in [0, 1). */
double cs_phantom_rng_uniform(CsPhantomRng *rng);

/* Returns a uniform double in [lo, hi). */
double cs_phantom_rng_range(CsPhantomRng *rng, double lo, double hi);

/* Returns a standard normal deviate (Box–Muller, polar-free form with a cached spare). */
double cs_phantom_rng_normal(CsPhantomRng *rng);

/* Returns a normal deviate with @mean and @sd, redrawn until it lies in [lo, hi]. */
double cs_phantom_rng_normal_clamped(CsPhantomRng *rng, double mean, double sd, double lo,
                                     double hi);
