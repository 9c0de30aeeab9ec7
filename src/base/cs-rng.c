/* cs-rng.c — splitmix64 and xoshiro256**, one copy for every layer
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-rng.h"

#include <math.h>

uint64_t
cs_splitmix64(uint64_t *state)
{
  uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

double
cs_splitmix64_uniform(uint64_t *state)
{
  return (double)(cs_splitmix64(state) >> 11) * 0x1.0p-53;
}

static inline uint64_t
rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
cs_rng_init(CsRng *rng, uint64_t seed, uint64_t stream)
{
  /* Mixing the stream through splitmix64 first keeps nearby (seed, stream) pairs apart. */
  uint64_t state = seed;
  uint64_t mixed = cs_splitmix64(&state) ^ (stream * UINT64_C(0xD1B54A32D192ED03));

  state = mixed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = cs_splitmix64(&state);
}

void
cs_rng_init_splitmix64(CsRng *rng, uint64_t seed)
{
  uint64_t state = seed;

  for (int i = 0; i < 4; i++)
    rng->s[i] = cs_splitmix64(&state);
}

uint64_t
cs_rng_next(CsRng *rng)
{
  uint64_t *s = rng->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

size_t
cs_rng_below(CsRng *rng, size_t n)
{
  /* Reject the few values at the bottom that would make some residues more likely. */
  uint64_t bound = (uint64_t)n;
  uint64_t threshold = (0 - bound) % bound;

  for (;;) {
    uint64_t r = cs_rng_next(rng);
    if (r >= threshold)
      return (size_t)(r % bound);
  }
}

double
cs_rng_uniform(CsRng *rng)
{
  return (double)(cs_rng_next(rng) >> 11) * 0x1.0p-53;
}

double
cs_rng_normal(CsRng *rng)
{
  double u1 = 1.0 - cs_rng_uniform(rng); /* In (0, 1], so the logarithm is finite. */
  double u2 = cs_rng_uniform(rng);

  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
