/* test-phantom-generator.c — the phantom: determinism, truth geometry, group statistics
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-error.h"
#include "cs-phantom-rng.h"
#include "cs-phantom.h"

#include <math.h>
#include <string.h>

static void
small_options(CsPhantomOptions *options, int n_frames)
{
  cs_phantom_options_init(options);
  options->width = 192;
  options->height = 144;
  options->n_frames = n_frames;
}

/* Renders all frames of (@group, @seed) into one buffer. */
static guint8 *
render(const CsPhantomOptions *options, CsPhantomGroup group, guint64 seed)
{
  g_autoptr(CsPhantomGenerator) gen = cs_phantom_generator_new(options);
  gsize frame_bytes = (gsize)options->width * options->height;
  guint8 *pixels = g_malloc(frame_bytes * options->n_frames);

  cs_phantom_generator_start(gen, group, seed);
  for (int i = 0; i < options->n_frames; i++)
    g_assert_true(cs_phantom_generator_next_frame(gen, pixels + i * frame_bytes, NULL));
  g_assert_false(cs_phantom_generator_next_frame(gen, pixels, NULL));
  return pixels;
}

static void
test_rng(void)
{
  CsPhantomRng a, b;
  double sum = 0, sum2 = 0;
  const int n = 20000;

  cs_phantom_rng_seed(&a, 7);
  cs_phantom_rng_seed(&b, 7);
  for (int i = 0; i < 100; i++)
    g_assert_cmpuint(cs_phantom_rng_next(&a), ==, cs_phantom_rng_next(&b));
  cs_phantom_rng_seed(&b, 8);
  g_assert_cmpuint(cs_phantom_rng_next(&a), !=, cs_phantom_rng_next(&b));
  for (int i = 0; i < n; i++) {
    double v = cs_phantom_rng_normal(&a);

    sum += v;
    sum2 += v * v;
  }
  /* Mean 0 and variance 1 within five standard errors. */
  g_assert_cmpfloat(fabs(sum / n), <, 5 / sqrt(n));
  g_assert_cmpfloat(fabs(sum2 / n - 1), <, 5 * sqrt(2.0 / n));
  for (int i = 0; i < 1000; i++) {
    double u = cs_phantom_rng_uniform(&a);

    g_assert_cmpfloat(u, >=, 0);
    g_assert_cmpfloat(u, <, 1);
  }
}

static void
test_determinism(void)
{
  CsPhantomOptions options;
  gsize bytes;
  g_autofree guint8 *a = NULL, *b = NULL, *c = NULL, *d = NULL;

  small_options(&options, 3);
  bytes = (gsize)options.width * options.height * options.n_frames;
  a = render(&options, CS_PHANTOM_CTS, 42);
  b = render(&options, CS_PHANTOM_CTS, 42);
  c = render(&options, CS_PHANTOM_CTS, 43);
  d = render(&options, CS_PHANTOM_CONTROL, 42);
  g_assert_cmpmem(a, bytes, b, bytes);
  g_assert_true(memcmp(a, c, bytes) != 0);
  g_assert_true(memcmp(a, d, bytes) != 0);
}

/* A generator reused for another hand gives the same frames as a fresh one. */
static void
test_reuse(void)
{
  CsPhantomOptions options;
  g_autoptr(CsPhantomGenerator) gen = NULL;
  g_autofree guint8 *fresh = NULL, *reused = NULL;
  gsize frame_bytes;

  small_options(&options, 2);
  frame_bytes = (gsize)options.width * options.height;
  fresh = render(&options, CS_PHANTOM_CONTROL, 5);
  reused = g_malloc(frame_bytes * 2);
  gen = cs_phantom_generator_new(&options);
  cs_phantom_generator_start(gen, CS_PHANTOM_CTS, 99);
  g_assert_true(cs_phantom_generator_next_frame(gen, reused, NULL));
  cs_phantom_generator_start(gen, CS_PHANTOM_CONTROL, 5);
  for (int i = 0; i < 2; i++)
    g_assert_true(cs_phantom_generator_next_frame(gen, reused + i * frame_bytes, NULL));
  g_assert_cmpmem(fresh, frame_bytes * 2, reused, frame_bytes * 2);
}

/* Consecutive frames are alike but not equal: the speckle decorrelates only partly. */
static void
test_sweep_decorrelates(void)
{
  CsPhantomOptions options;
  g_autofree guint8 *pixels = NULL;
  gsize n;
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, r;

  small_options(&options, 2);
  n = (gsize)options.width * options.height;
  pixels = render(&options, CS_PHANTOM_CONTROL, 11);
  for (gsize i = 0; i < n; i++) {
    double a = pixels[i], b = pixels[n + i];

    sa += a;
    sb += b;
    saa += a * a;
    sbb += b * b;
    sab += a * b;
  }
  r = (sab - sa * sb / n) / sqrt((saa - sa * sa / n) * (sbb - sb * sb / n));
  g_assert_cmpfloat(r, >, 0.3);
  g_assert_cmpfloat(r, <, 0.99);
}

static void
test_truth_geometry(void)
{
  CsPhantomOptions options;
  g_autoptr(CsPhantomGenerator) gen = NULL;
  g_autofree guint8 *pixels = NULL;

  cs_phantom_options_init(&options);
  options.n_frames = 2;
  gen = cs_phantom_generator_new(&options);
  pixels = g_malloc((gsize)options.width * options.height);
  for (int h = 0; h < 6; h++) {
    CsPhantomGroup group = h % 2 ? CS_PHANTOM_CTS : CS_PHANTOM_CONTROL;
    const CsPhantomHand *hand;

    cs_phantom_generator_start(gen, group, 1000 + h);
    hand = cs_phantom_generator_get_hand(gen);
    for (int f = 0; f < options.n_frames; f++) {
      CsPhantomFrameTruth truth;
      const guint8 *mask;
      double shoelace, count = 0, cx = 0, cy = 0;

      g_assert_true(cs_phantom_generator_next_frame(gen, pixels, &truth));
      g_assert_cmpint(truth.index, ==, f);
      shoelace =
          cs_phantom_polygon_area((const double(*)[2])truth.outline, CS_PHANTOM_OUTLINE_POINTS);
      /* The CSA is the outline's shoelace area, in px^2 and in mm^2. */
      g_assert_cmpfloat_with_epsilon(truth.csa_px2, shoelace, 1e-9 * shoelace);
      g_assert_cmpfloat_with_epsilon(truth.csa_mm2, shoelace * hand->spacing_mm * hand->spacing_mm,
                                     1e-9);
      /* The drawn nerve covers the polygon: pixel count within 2 % of the area. */
      mask = cs_phantom_generator_get_nerve_mask(gen);
      for (int y = 0; y < options.height; y++)
        for (int x = 0; x < options.width; x++)
          if (mask[y * options.width + x]) {
            count++;
            cx += x;
            cy += y;
          }
      g_assert_cmpfloat(count, >, 0);
      g_assert_cmpfloat(fabs(count - truth.csa_px2) / truth.csa_px2, <, 0.02);
      g_assert_cmpfloat(fabs(cx / count - truth.centre_x), <, 1.0);
      g_assert_cmpfloat(fabs(cy / count - truth.centre_y), <, 1.0);
      /* The nerve is in the frame, in its upper half (just deep to the ligament). */
      g_assert_cmpfloat(truth.centre_x, >, 0);
      g_assert_cmpfloat(truth.centre_x, <, options.width);
      g_assert_cmpfloat(truth.centre_y, >, 0);
      g_assert_cmpfloat(truth.centre_y, <, options.height / 2.0);
    }
  }
}

/* The inlet CSA of many hands follows the published group means and SDs; the CTS hands' stages
 * follow the paper's mix (12 : 26 : 8 : 4 of 50 hands in stages 2-5). */
static void
test_group_csa(void)
{
  CsPhantomOptions options;
  const int n = 3000;

  cs_phantom_options_init(&options);
  for (int g = 0; g < 2; g++) {
    double sum = 0, sum2 = 0, mean, sd;
    double target_mean = g ? 14.7 : 8.2, target_sd = g ? 5.3 : 2.4;
    int stages[6] = { 0 };

    for (int i = 0; i < n; i++) {
      CsPhantomHand hand;

      cs_phantom_hand_draw(&hand, g ? CS_PHANTOM_CTS : CS_PHANTOM_CONTROL, (guint64)i, &options);
      sum += hand.csa_inlet_mm2;
      sum2 += hand.csa_inlet_mm2 * hand.csa_inlet_mm2;
      g_assert_cmpfloat(hand.spacing_mm, >=, 0.05);
      g_assert_cmpfloat(hand.spacing_mm, <=, 0.065);
      if (g) {
        g_assert_cmpfloat(hand.severity, >=, 0.15);
        g_assert_cmpfloat(hand.severity, <=, 1);
      } else {
        g_assert_cmpfloat(hand.severity, ==, 0);
      }
      stages[cs_phantom_stage_from_severity(hand.severity)]++;
    }
    mean = sum / n;
    sd = sqrt(sum2 / n - mean * mean);
    g_test_message("group %d: CSA %.2f +- %.2f mm^2", g, mean, sd);
    g_assert_cmpfloat(fabs(mean - target_mean), <, 0.4);
    g_assert_cmpfloat(fabs(sd - target_sd), <, 0.5);
    if (g) {
      const double share[6] = { 0, 0, 12.0 / 50, 26.0 / 50, 8.0 / 50, 4.0 / 50 };

      g_assert_cmpint(stages[0] + stages[1], ==, 0);
      for (int k = 2; k <= 5; k++) {
        g_test_message("stage %d: %d of %d", k, stages[k], n);
        /* Within 4 binomial SDs of the paper's share. */
        g_assert_cmpfloat(fabs(stages[k] - n * share[k]), <,
                          4 * sqrt(n * share[k] * (1 - share[k])));
      }
    } else {
      g_assert_cmpint(stages[0], ==, n);
    }
  }
}

/* The stage a severity stands for, at the bands' edges. */
static void
test_stage_bands(void)
{
  const struct {
    double severity;
    int stage;
  } cases[] = {
    { 0, 0 },      { 0.15, 2 }, { 0.3499, 2 }, { 0.35, 3 },
    { 0.6499, 3 }, { 0.65, 4 }, { 0.85, 5 },   { 1.0, 5 },
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    g_assert_cmpint(cs_phantom_stage_from_severity(cases[i].severity), ==, cases[i].stage);
}

static void
test_options(void)
{
  CsPhantomOptions options;
  CsPhantomGroup group;
  g_autoptr(GError) error = NULL;

  cs_phantom_options_init(&options);
  g_assert_true(cs_phantom_options_validate(&options, NULL));
  options.width = 63;
  g_assert_false(cs_phantom_options_validate(&options, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_clear_error(&error);
  cs_phantom_options_init(&options);
  options.n_frames = 0;
  g_assert_false(cs_phantom_options_validate(&options, &error));
  g_assert_nonnull(strstr(error->message, "frames"));
  g_clear_error(&error);
  cs_phantom_options_init(&options);
  options.spacing_mm = -1;
  g_assert_false(cs_phantom_options_validate(&options, &error));
  g_clear_error(&error);
  g_assert_true(cs_phantom_group_from_string("cts", &group, NULL));
  g_assert_cmpint(group, ==, CS_PHANTOM_CTS);
  g_assert_true(cs_phantom_group_from_string("control", &group, NULL));
  g_assert_cmpint(group, ==, CS_PHANTOM_CONTROL);
  g_assert_false(cs_phantom_group_from_string("CTS ", &group, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/phantom/rng", test_rng);
  g_test_add_func("/phantom/determinism", test_determinism);
  g_test_add_func("/phantom/reuse", test_reuse);
  g_test_add_func("/phantom/sweep-decorrelates", test_sweep_decorrelates);
  g_test_add_func("/phantom/truth-geometry", test_truth_geometry);
  g_test_add_func("/phantom/group-csa", test_group_csa);
  g_test_add_func("/phantom/stage-bands", test_stage_bands);
  g_test_add_func("/phantom/options", test_options);
  return g_test_run();
}
