/* test-phantom-presets.c — the phantom's scanner and anatomy presets
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-error.h"
#include "cs-phantom-preset.h"
#include "cs-phantom-sweep.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* FNV-1a over @n bytes, continuing from @h. */
static guint64
fnv1a(const void *data, gsize n, guint64 h)
{
  const guint8 *p = data;

  for (gsize i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* The hash of every frame's pixels and truth outline of a sweep. */
static guint64
sweep_hash(const CsPhantomOptions *options, CsPhantomGroup group, guint64 seed)
{
  g_autoptr(CsPhantomGenerator) gen = cs_phantom_generator_new(options);
  g_autofree guint8 *pixels = g_malloc((gsize)options->width * options->height);
  CsPhantomFrameTruth truth;
  guint64 h = 0xcbf29ce484222325ULL;

  cs_phantom_generator_start(gen, group, seed);
  while (cs_phantom_generator_next_frame(gen, pixels, &truth)) {
    h = fnv1a(pixels, (gsize)options->width * options->height, h);
    h = fnv1a(truth.outline, sizeof truth.outline, h);
  }
  return h;
}

/* The default preset renders the bytes the generator rendered before presets existed (these
 * hashes were taken from it): the shipped models' studies and the demo stay reproducible. */
static void
test_default_pinned(void)
{
  static const struct {
    CsPhantomGroup group;
    guint64 seed;
    int width, height, n_frames;
    guint64 hash;
  } pins[] = {
    { CS_PHANTOM_CTS, 42, 192, 144, 3, 0xdee8fc409ef408e2ULL },
    { CS_PHANTOM_CONTROL, 7, 192, 144, 3, 0xa7f6f97f731d6c01ULL },
    { CS_PHANTOM_CTS, 1234567, 600, 450, 2, 0x09246bfec0de15b5ULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(pins); i++) {
    CsPhantomOptions options;

    cs_phantom_options_init(&options);
    g_assert_cmpint(options.preset, ==, CS_PHANTOM_PRESET_DEFAULT);
    options.width = pins[i].width;
    options.height = pins[i].height;
    options.n_frames = pins[i].n_frames;
    g_assert_cmphex(sweep_hash(&options, pins[i].group, pins[i].seed), ==, pins[i].hash);
  }
}

/* Every preset is reproducible, differs from the default and from the others and renders at
 * its frame size; its bytes are pinned (studies made with it must stay reproducible: change
 * them only on purpose, with CS_PHANTOM_GENERATOR_VERSION). */
static void
test_reproducible(void)
{
  static const struct {
    const char *name;
    guint64 hash;
  } pins[] = {
    { "high-frequency", 0x0cd371d3588ea2b5ULL }, { "low-frequency", 0x30bc3f5e24eb8d55ULL },
    { "capture", 0x0a3f5d30b3375fd1ULL },        { "compound", 0xf161f88da629f983ULL },
    { "portable", 0x0be46daa38ab0cc4ULL },       { "varied", 0x2956bf43052a5f03ULL },
  };
  guint64 hashes[32];
  int n = cs_phantom_preset_count();

  g_assert_cmpint(n, <=, 32);
  for (int p = 0; p < n; p++) {
    CsPhantomOptions options;

    cs_phantom_options_init(&options);
    cs_phantom_options_set_preset(&options, p);
    g_assert_cmpint(options.width, ==, cs_phantom_preset_get(p)->width);
    g_assert_true(cs_phantom_options_validate(&options, NULL));
    /* Small frames keep the test fast; the preset's physics do not depend on the size. */
    options.width = 160;
    options.height = 128;
    options.n_frames = 2;
    hashes[p] = sweep_hash(&options, CS_PHANTOM_CTS, 77);
    g_assert_cmphex(sweep_hash(&options, CS_PHANTOM_CTS, 77), ==, hashes[p]);
    for (int q = 0; q < p; q++)
      g_assert_cmphex(hashes[q], !=, hashes[p]);
  }
  g_assert_cmpint(G_N_ELEMENTS(pins), ==, n - 1);
  for (gsize i = 0; i < G_N_ELEMENTS(pins); i++)
    g_assert_cmphex(hashes[cs_phantom_preset_from_string(pins[i].name, NULL)], ==, pins[i].hash);
}

/* What presets draw stays in their ranges, and the anatomy's variants occur. */
static void
test_ranges(void)
{
  CsPhantomOptions options;
  int bifid = 0, artery = 0, capture = 0, n = 0;

  for (int p = 1; p < cs_phantom_preset_count(); p++) {
    const CsPhantomPreset *pr = cs_phantom_preset_get(p);

    cs_phantom_options_init(&options);
    cs_phantom_options_set_preset(&options, p);
    for (guint64 seed = 0; seed < 300; seed++) {
      CsPhantomHand hand;

      cs_phantom_hand_draw(&hand, seed % 2 ? CS_PHANTOM_CTS : CS_PHANTOM_CONTROL, seed, &options);
      g_assert_cmpint(hand.preset, ==, p);
      g_assert_cmpfloat(hand.spacing_mm, >=, pr->spacing_lo);
      g_assert_cmpfloat(hand.spacing_mm, <=, pr->spacing_hi);
      g_assert_cmpfloat(hand.frequency_mhz, >=, pr->freq_lo);
      g_assert_cmpfloat(hand.frequency_mhz, <=, pr->freq_hi);
      g_assert_cmpfloat(hand.dynamic_range_db, >=, pr->dr_lo);
      g_assert_cmpfloat(hand.dynamic_range_db, <=, pr->dr_hi);
      g_assert_cmpint(hand.compounding, >=, pr->compound_lo);
      g_assert_cmpint(hand.compounding, <=, pr->compound_hi);
      g_assert_cmpfloat(hand.fat_mm, >=, 0.5);
      g_assert_cmpfloat(hand.fat_mm, <=, 5.0);
      g_assert_cmpint(hand.n_fascicles, >=, 2);
      bifid += hand.bifid;
      artery += hand.median_artery_mm > 0;
      capture += hand.screen_capture;
      n++;
    }
  }
  /* 8 % bifid, about 10 % with a median artery, a share of captures. */
  g_assert_cmpfloat((double)bifid / n, >, 0.05);
  g_assert_cmpfloat((double)bifid / n, <, 0.11);
  g_assert_cmpfloat((double)artery / n, >, 0.07);
  g_assert_cmpfloat((double)artery / n, <, 0.15);
  g_assert_cmpfloat((double)capture / n, >, 0.3);
  /* A fixed spacing is kept. */
  cs_phantom_options_init(&options);
  cs_phantom_options_set_preset(&options, cs_phantom_preset_from_string("varied", NULL));
  options.spacing_mm = 0.07;
  {
    CsPhantomHand hand;

    cs_phantom_hand_draw(&hand, CS_PHANTOM_CTS, 5, &options);
    g_assert_cmpfloat(hand.spacing_mm, ==, 0.07);
  }
}

/* The signs of CTS still tell the groups apart on average in every preset, and vary: some CTS
 * nerves are no darker than the average control's. */
static void
test_signs(void)
{
  for (int p = 1; p < cs_phantom_preset_count(); p++) {
    CsPhantomOptions options;
    double csa[2] = { 0 }, echo[2] = { 0 }, flat[2] = { 0 }, swell[2] = { 0 };
    int bright_cts = 0;
    const int n = 400;
    double cts_echo[400];

    cs_phantom_options_init(&options);
    cs_phantom_options_set_preset(&options, p);
    for (int g = 0; g < 2; g++)
      for (int i = 0; i < n; i++) {
        CsPhantomHand hand;

        cs_phantom_hand_draw(&hand, g, (guint64)i, &options);
        csa[g] += hand.csa_inlet_mm2 / n;
        echo[g] += hand.nerve_echo_db / n;
        flat[g] += hand.flattening / n;
        swell[g] += hand.proximal_swelling / n;
        if (g == 1)
          cts_echo[i] = hand.nerve_echo_db;
      }
    for (int i = 0; i < n; i++)
      bright_cts += cts_echo[i] > echo[0];
    g_assert_cmpfloat(csa[1], >, csa[0] + 4);
    g_assert_cmpfloat(echo[1], <, echo[0] - 1.5);
    g_assert_cmpfloat(flat[1], <, flat[0]);
    g_assert_cmpfloat(swell[1], >, swell[0] + 0.05);
    g_assert_cmpint(bright_cts, >, n / 20);
  }
}

/* A screen capture carries its marks; other frames do not. */
static void
test_capture(void)
{
  CsPhantomOptions options;
  g_autoptr(CsPhantomGenerator) gen = NULL;
  g_autofree guint8 *pixels = NULL;
  const CsPhantomHand *hand;
  int text = 0;

  cs_phantom_options_init(&options);
  cs_phantom_options_set_preset(&options, cs_phantom_preset_from_string("capture", NULL));
  options.n_frames = 1;
  gen = cs_phantom_generator_new(&options);
  pixels = g_malloc((gsize)options.width * options.height);
  cs_phantom_generator_start(gen, CS_PHANTOM_CONTROL, 3);
  hand = cs_phantom_generator_get_hand(gen);
  g_assert_true(hand->screen_capture);
  g_assert_true(cs_phantom_generator_next_frame(gen, pixels, NULL));
  for (int x = 0; x < options.width; x++)
    g_assert_cmpint(pixels[x], ==, 190);
  /* The side's label in the lower left, two glyphs of 5 x 7 at twice the size. */
  for (int y = (int)(0.8 * options.height); y < (int)(0.9 * options.height); y++)
    for (int x = 0; x < options.width / 8; x++)
      text += pixels[(size_t)y * options.width + x] == 205;
  g_assert_cmpint(text, >=, 4 * 20);
}

static void
test_names(void)
{
  g_autoptr(GError) error = NULL;
  int choices[32], n, seen[32] = { 0 };

  g_assert_cmpint(cs_phantom_preset_from_string("default", NULL), ==, 0);
  g_assert_cmpint(cs_phantom_preset_from_string("portable", NULL), >, 0);
  g_assert_cmpint(cs_phantom_preset_from_string("portables", &error), ==, -1);
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "must be one of default, high-frequency"));
  g_clear_error(&error);
  n = cs_phantom_preset_parse_list("all", choices, NULL);
  g_assert_cmpint(n, ==, cs_phantom_preset_count() - 1);
  g_assert_cmpint(cs_phantom_preset_parse_list("capture, portable", choices, NULL), ==, 2);
  g_assert_cmpint(choices[1], ==, cs_phantom_preset_from_string("portable", NULL));
  g_assert_cmpint(cs_phantom_preset_parse_list("capture,,", choices, &error), ==, 0);
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_clear_error(&error);
  /* Drawing a hand's preset is a function of its seeds and reaches every choice. */
  n = cs_phantom_preset_parse_list("all", choices, NULL);
  for (guint64 s = 0; s < 200; s++) {
    int p = cs_phantom_preset_pick(9, s, choices, n);

    g_assert_cmpint(p, ==, cs_phantom_preset_pick(9, s, choices, n));
    seen[p]++;
  }
  g_assert_cmpint(seen[0], ==, 0);
  for (int i = 0; i < n; i++)
    g_assert_cmpint(seen[choices[i]], >, 10);
}

/* A preset's truth file names it and reads back. */
static void
test_truth(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("phantom-preset-XXXXXX", &error);
  g_autofree char *sweep = g_build_filename(dir, "hand.mkv", NULL);
  g_autofree char *truth_path = cs_phantom_truth_path(sweep);
  g_autoptr(CsPhantomGenerator) gen = NULL;
  CsPhantomOptions options;
  CsPhantomTruth truth = { 0 }, back = { 0 };

  g_assert_no_error(error);
  cs_phantom_options_init(&options);
  cs_phantom_options_set_preset(&options, cs_phantom_preset_from_string("compound", NULL));
  options.width = 128;
  options.height = 96;
  options.n_frames = 1;
  gen = cs_phantom_generator_new(&options);
  g_assert_true(cs_phantom_write_sweep(gen, CS_PHANTOM_CTS, 8, sweep, CS_PHANTOM_FORMAT_FFV1_MKV,
                                       &truth, NULL, &error));
  g_assert_no_error(error);
  g_assert_true(cs_phantom_truth_load(truth_path, &back, &error));
  g_assert_no_error(error);
  g_assert_cmpint(back.hand.preset, ==, options.preset);
  g_assert_cmpint(truth.hand.compounding, >=, 3);
  cs_phantom_truth_clear(&truth);
  cs_phantom_truth_clear(&back);
  g_unlink(sweep);
  g_unlink(truth_path);
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/phantom/preset/default-pinned", test_default_pinned);
  g_test_add_func("/phantom/preset/reproducible", test_reproducible);
  g_test_add_func("/phantom/preset/ranges", test_ranges);
  g_test_add_func("/phantom/preset/signs", test_signs);
  g_test_add_func("/phantom/preset/capture", test_capture);
  g_test_add_func("/phantom/preset/names", test_names);
  g_test_add_func("/phantom/preset/truth", test_truth);
  return g_test_run();
}
