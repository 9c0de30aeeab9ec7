/* test-core-rng.c — every random stream of cs-rng.h gives the numbers it always gave
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The expected values were printed by the generators as each layer wrote them before they shared
 * cs-rng.c (the statistics', LIME's, the phantom's, the trainer's and the engine's copies).
 * Integers and uniforms must match to the bit. Normal deviates go through the C library's log,
 * sin and cos, which may differ in the last place between platforms, so they are compared to a
 * few units in the last place.
 */
#include "config.h"

#include <float.h>
#include <glib.h>
#include <math.h>

#include "cs-phantom-rng.h"
#include "cs-rng.h"

/* Compares a normal deviate to its expected value within a few units in the last place. */
static void
assert_deviate(double value, double expected)
{
  g_assert_cmpfloat_with_epsilon(value, expected, 8 * DBL_EPSILON * fabs(expected));
}

static void
test_stats_stream(void)
{
  static const uint64_t expected[] = {
    UINT64_C(0x19e479e2aaa77bfb),
    UINT64_C(0x5e3efe753be27527),
    UINT64_C(0xc3ed7125b780200a),
    UINT64_C(0x85b911e2152f876e),
  };
  CsRng rng;

  cs_rng_init(&rng, 42, 0);
  for (size_t i = 0; i < G_N_ELEMENTS(expected); i++)
    g_assert_cmphex(cs_rng_next(&rng), ==, expected[i]);
  g_assert_cmpfloat(cs_rng_uniform(&rng), ==, 0x1.3e8db055cfd48p-1);
  g_assert_cmpuint(cs_rng_below(&rng, 1000), ==, 985);
  g_assert_cmpuint(cs_rng_below(&rng, 1000), ==, 240);
  assert_deviate(cs_rng_normal(&rng), 0x1.dc534aa9ac4b4p-2);

  /* Another stream of the same seed, and the zero seed. */
  cs_rng_init(&rng, 42, 5);
  g_assert_cmphex(cs_rng_next(&rng), ==, UINT64_C(0x7491a5a8194ceb38));
  g_assert_cmphex(cs_rng_next(&rng), ==, UINT64_C(0x952ee16110d3c564));
  cs_rng_init(&rng, 0, 0);
  g_assert_cmphex(cs_rng_next(&rng), ==, UINT64_C(0xfb5405f7bd79c540));
  g_assert_cmphex(cs_rng_next(&rng), ==, UINT64_C(0x780c98e26cea5883));
}

static void
test_lime_stream(void)
{
  static const uint64_t expected[] = {
    UINT64_C(0xb358faf74ef9765a),
    UINT64_C(0x475c3d964f482cd2),
    UINT64_C(0xd6f1d349952c7996),
    UINT64_C(0xfb2938731e807240),
  };
  CsRng rng;

  /* Stability run r of seed 7 is seeded with 7 + r. */
  cs_rng_init_splitmix64(&rng, 7);
  for (size_t i = 0; i < G_N_ELEMENTS(expected); i++)
    g_assert_cmphex(cs_rng_next(&rng), ==, expected[i]);
  cs_rng_init_splitmix64(&rng, 8);
  g_assert_cmphex(cs_rng_next(&rng), ==, UINT64_C(0xd22f5048870c16bf));
  g_assert_cmphex(cs_rng_next(&rng), ==, UINT64_C(0x9ace999dbf3cc12e));
  cs_rng_init_splitmix64(&rng, 0);
  g_assert_cmphex(cs_rng_next(&rng), ==, UINT64_C(0x99ec5f36cb75f2b4));
}

static void
test_phantom_stream(void)
{
  CsPhantomRng rng;

  g_assert_cmphex(cs_phantom_mix64(0), ==, UINT64_C(0xe220a8397b1dcdaf));
  g_assert_cmphex(cs_phantom_mix64(12345), ==, UINT64_C(0x22118258a9d111a0));

  cs_phantom_rng_seed(&rng, 1234);
  g_assert_cmphex(cs_phantom_rng_next(&rng), ==, UINT64_C(0x197be3215a00d4e3));
  g_assert_cmphex(cs_phantom_rng_next(&rng), ==, UINT64_C(0xc605137e4586a383));
  g_assert_cmpfloat(cs_phantom_rng_uniform(&rng), ==, 0x1.33f7bcbe123f1p-1);
  g_assert_cmpfloat(cs_phantom_rng_uniform(&rng), ==, 0x1.1a66a06161ddp-1);
  g_assert_cmpfloat(cs_phantom_rng_range(&rng, 0.8, 1.0), ==, 0x1.a82c4d4f708c9p-1);
  /* The second deviate is the cached sine one; the third draws again. */
  assert_deviate(cs_phantom_rng_normal(&rng), 0x1.57571a840b323p+0);
  assert_deviate(cs_phantom_rng_normal(&rng), 0x1.4c060ccbadb82p+0);
  assert_deviate(cs_phantom_rng_normal(&rng), -0x1.35b0e61dc0bdbp-1);
  assert_deviate(cs_phantom_rng_normal_clamped(&rng, 8.2, 2.4, 3.5, 17.0), 0x1.4ceea165d1a53p+3);

  cs_phantom_rng_seed(&rng, 0);
  g_assert_cmphex(cs_phantom_rng_next(&rng), ==, UINT64_C(0x1a70a846bd9cc2a9));
}

static void
test_training_stream(void)
{
  /* The trainer's batch stream for seed 1, and its validation split for group 1. */
  uint64_t state = 1 * UINT64_C(0x2545F4914F6CDD1D) + 7;

  g_assert_cmphex(cs_splitmix64(&state), ==, UINT64_C(0xf2751ce80738de57));
  g_assert_cmphex(cs_splitmix64(&state), ==, UINT64_C(0x518807728b96b9de));
  g_assert_cmpfloat(-10 + 20 * cs_splitmix64_uniform(&state), ==, -0x1.4dd5df71a4f6dp+2);
  g_assert_cmpfloat(-10 + 20 * cs_splitmix64_uniform(&state), ==, 0x1.df99c7888caap+2);
  g_assert_cmpfloat(cs_splitmix64_uniform(&state), ==, 0x1.f1782a51b463p-1);

  state = 1 ^ (UINT64_C(0xA5A5A5A5) * 1);
  g_assert_cmphex(cs_splitmix64(&state), ==, UINT64_C(0x5cdc1a479e2aed53));
}

static void
test_engine_stream(void)
{
  static const float expected[] = { 0x1.3e3fap-5f, 0x1.54c9dp-2f, 0x1.756f28p-2f, 0x1.c34a6cp-2f };
  uint64_t state = 0x5eed;
  double u1, u2;

  /* Dropout's floats: the top 24 bits of each step. */
  for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
    float u = (float)((double)(cs_splitmix64(&state) >> 40) / (double)(1ull << 24));
    g_assert_cmpfloat(u, ==, expected[i]);
  }

  /* The initial weights for seed 1: Box-Muller with the first uniform offset by half a step. */
  state = 1 ^ UINT64_C(0x1d8e4e27c47d124f);
  u1 = ((double)(cs_splitmix64(&state) >> 11) + 0.5) / 9007199254740992.0;
  u2 = cs_splitmix64_uniform(&state);
  assert_deviate(sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2), -0x1.67d12f45589c6p+0);
  u1 = ((double)(cs_splitmix64(&state) >> 11) + 0.5) / 9007199254740992.0;
  u2 = cs_splitmix64_uniform(&state);
  assert_deviate(sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2), -0x1.e985ac88db4dap+0);
  g_assert_cmpfloat(cs_splitmix64_uniform(&state), ==, 0x1.5505c9958e3c6p-1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/core/rng/stats", test_stats_stream);
  g_test_add_func("/core/rng/lime", test_lime_stream);
  g_test_add_func("/core/rng/phantom", test_phantom_stream);
  g_test_add_func("/core/rng/training", test_training_stream);
  g_test_add_func("/core/rng/engine", test_engine_stream);
  return g_test_run();
}
