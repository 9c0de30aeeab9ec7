/* cs-phantom-rng.c — xoshiro256** and Box–Muller for the phantom
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-phantom-rng.h"

#include <math.h>

uint64_t
cs_phantom_mix64(uint64_t x)
{
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void
cs_phantom_rng_seed(CsPhantomRng *rng, uint64_t seed)
{
  uint64_t x = seed;

  for (int i = 0; i < 4; i++) {
    x = cs_phantom_mix64(x);
    rng->s[i] = x;
  }
  /* xoshiro must not start from the all-zero state; splitmix64 never returns four zeros in a
   * row, but say so explicitly rather than rely on it. */
  if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
    rng->s[0] = 1;
  rng->has_spare = 0;
  rng->spare = 0.0;
}

static inline uint64_t
rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

uint64_t
cs_phantom_rng_next(CsPhantomRng *rng)
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

double
cs_phantom_rng_uniform(CsPhantomRng *rng)
{
  /* The top 53 bits make an exactly representable double in [0, 1). */
  return (double)(cs_phantom_rng_next(rng) >> 11) * 0x1.0p-53;
}

double
cs_phantom_rng_range(CsPhantomRng *rng, double lo, double hi)
{
  return lo + (hi - lo) * cs_phantom_rng_uniform(rng);
}

double
cs_phantom_rng_normal(CsPhantomRng *rng)
{
  double u1, u2, r;

  if (rng->has_spare) {
    rng->has_spare = 0;
    return rng->spare;
  }
  /* u1 in (0, 1] keeps log() finite. */
  u1 = 1.0 - cs_phantom_rng_uniform(rng);
  u2 = cs_phantom_rng_uniform(rng);
  r = sqrt(-2.0 * log(u1));
  rng->spare = r * sin(2.0 * M_PI * u2);
  rng->has_spare = 1;
  return r * cos(2.0 * M_PI * u2);
}

double
cs_phantom_rng_normal_clamped(CsPhantomRng *rng, double mean, double sd, double lo, double hi)
{
  for (int i = 0; i < 64; i++) {
    double v = mean + sd * cs_phantom_rng_normal(rng);

    if (v >= lo && v <= hi)
      return v;
  }
  /* Only reachable with a window far in the tail; the clamp keeps the result valid. */
  return fmin(fmax(mean, lo), hi);
}
