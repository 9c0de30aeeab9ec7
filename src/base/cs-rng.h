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
 * them (tests/core/test-core-rng.c pins each one). Plain C11: the engine uses it too.
 *
 * The streams, by user. Each is one generator below, seeded and converted as said here; the
 * seeding and the conversions are part of the stream, so a "tidier" equivalent is a new stream.
 *
 * - Statistics (stats/cs-evaluation.c, cs-bootstrap.c): xoshiro256** from cs_rng_init() with the
 *   evaluation's seed and a stream number per bootstrap; replicates draw cs_rng_below().
 * - LIME sampling (explain/cs-explain.c): xoshiro256** from cs_rng_init_splitmix64() with
 *   seed + r for stability run r; each cs_rng_next() gives the on/off bits of 64 features, bit j
 *   for feature j (mod 64).
 * - The phantom (phantom/cs-phantom-rng.c): xoshiro256** whose four words are a chain of
 *   splitmix64 mixes, s[i] = mix(s[i-1]) from mix(seed), where mix(x) is one cs_splitmix64() step
 *   from state x; uniforms as cs_rng_uniform(); normal deviates by Box-Muller that return the
 *   cosine deviate and keep the sine one for the next call. A preset's hand draws from the same
 *   generator seeded with mix(seed ^ the group's constant) ^ (0x5052455345540000 + preset), its
 *   scanner extras with mix(seed ^ 0x6578747261) + group (phantom/cs-phantom-preset.c).
 * - Training (analysis/cs-train.c): plain splitmix64 on one 64-bit state, seed * 0x2545F4914F6CDD1D
 *   + 7 for batches and augmentation (cs_splitmix64_uniform() scaled to each range; shuffles take
 *   cs_splitmix64() % i), seed ^ 0xA5A5A5A5 * group for the validation split. The scanner-shift
 *   augmentation (analysis/cs-train-shift.c), when on, has its own state, seed *
 *   0x9E3779B97F4A7C15 + 0x5C4E: per crop seven on/off uniforms, ten values, then the speckle
 *   noise (four uniforms a pixel).
 * - The engine's trainer (engine/csnn-train.c): plain splitmix64; dropout and stochastic depth take
 *   a float from the top 24 bits, (cs_splitmix64() >> 40) / 2^24.
 * - The engine's initial weights (engine/csnn-net-init.c): splitmix64 from seed ^
 *   0x1d8e4e27c47d124f; cs_splitmix64_uniform() and a Box-Muller deviate whose first uniform is
 *   offset by half a step.
 * - The U-Net's initial weights (engine/csnn-seg.c): xoshiro256** from cs_rng_init() with the
 *   seed and stream 0x5e6; cs_rng_normal() for each convolution weight in parameter order.
 * - The U-Net's training (analysis/cs-seg-train.c): plain splitmix64 from seed *
 *   0x9E3779B97F4A7C15 + 11: the patients' shuffle into folds (cs_splitmix64() % i), then per
 *   epoch the images' order and every augmentation draw (cs_splitmix64_uniform() scaled).
 */

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

/* Seeds @rng with four successive cs_splitmix64() outputs from @seed: the seeding xoshiro's
 * authors recommend, used by LIME (whose streams predate cs_rng_init()). */
void cs_rng_init_splitmix64(CsRng *rng, uint64_t seed);

/* Returns the next 64 random bits. */
uint64_t cs_rng_next(CsRng *rng);

/* Returns an integer uniformly distributed in [0, @n), without modulo bias; @n must be > 0. */
size_t cs_rng_below(CsRng *rng, size_t n);

/* Returns a double uniformly distributed in [0, 1) with 53 random bits. */
double cs_rng_uniform(CsRng *rng);

/* Returns a standard normal deviate (Box-Muller); used to make synthetic test data. */
double cs_rng_normal(CsRng *rng);
