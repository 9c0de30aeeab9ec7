/* cs-phantom-rng.c — the phantom's seeding and Box–Muller on the xoshiro256** of cs-rng.h
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-phantom-rng.h"

#include <math.h>

uint64_t
cs_phantom_mix64(uint64_t x)
{
  /* One splitmix64 step from state @x, which is left as it was. */
  return cs_splitmix64(&x);
}

void
cs_phantom_rng_seed(CsPhantomRng *rng, uint64_t seed)
{
  uint64_t x = seed;

  /* Each word mixes the one before (not splitmix64's own sequence): the phantom's seeding. */
  for (int i = 0; i < 4; i++) {
    x = cs_phantom_mix64(x);
    rng->xoshiro.s[i] = x;
  }
  /* xoshiro must not start from the all-zero state; splitmix64 never returns four zeros in a
   * row, but say so explicitly rather than rely on it. */
  if ((rng->xoshiro.s[0] | rng->xoshiro.s[1] | rng->xoshiro.s[2] | rng->xoshiro.s[3]) == 0)
    rng->xoshiro.s[0] = 1;
  rng->has_spare = 0;
  rng->spare = 0.0;
}

uint64_t
cs_phantom_rng_next(CsPhantomRng *rng)
{
  return cs_rng_next(&rng->xoshiro);
}

double
cs_phantom_rng_uniform(CsPhantomRng *rng)
{
  return cs_rng_uniform(&rng->xoshiro);
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
