/* test-core-nerve-track.c — the ROI placed on the nerve: the choice of region and the tracker
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rule is tested on drawn probability maps, and the tracker on a phantom sweep's exact
 * nerve masks turned into probability maps, spoiled as a segmenter spoils them: a larger
 * nerve-like region (a vessel or tendon) beside the nerve on some frames, the nerve missed on
 * others, the nerve shrunk to a fragment on others. The tracked ROI must hold the phantom's true
 * nerve centre inside its middle third on at least 98 % of frames.
 */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "cs-nerve-track.h"
#include "cs-phantom.h"
#include "cs-polygon.h"

#define W 160
#define H 120

/* Adds a disc of probability @p at (@cx, @cy) of radius @r to @prob (@w x @h). */
static void
disc(float *prob, int w, int h, double cx, double cy, double r, float p)
{
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
        prob[y * w + x] = p;
}

static void
test_rule(void)
{
  g_autofree float *prob = g_new0(float, W *H);
  g_autofree guint8 *mask = g_new(guint8, W * H);
  CsNerveLocation loc;
  CsNervePrior near_small = { 40, 60, 80 }, far = { 150, 10, 80 };
  gsize in_mask = 0;

  /* Nothing: lost, at the frame's centre without a prior. */
  cs_nerve_locate_prob(prob, W, H, NULL, &loc, mask);
  g_assert_cmpint(loc.state, ==, CS_NERVE_LOST);
  g_assert_cmpint(loc.n_regions, ==, 0);
  g_assert_cmpfloat(loc.x, ==, W / 2.0);

  /* A small nerve at (40, 60) and a larger region at (110, 60). */
  disc(prob, W, H, 40, 60, 5, 0.9f);
  disc(prob, W, H, 110, 60, 9, 0.8f);
  cs_nerve_locate_prob(prob, W, H, NULL, &loc, mask);
  g_assert_cmpint(loc.n_regions, ==, 2);
  g_assert_cmpfloat(fabs(loc.x - 110), <, 0.5);
  g_assert_cmpuint(loc.area_px, >, 200);
  for (int i = 0; i < W * H; i++)
    in_mask += mask[i] == 255;
  g_assert_cmpuint(in_mask, ==, loc.area_px);

  /* With the frame before's nerve at (40, 60), the small region nearby is chosen. */
  cs_nerve_locate_prob(prob, W, H, &near_small, &loc, NULL);
  g_assert_cmpfloat(fabs(loc.x - 40), <, 0.5);
  g_assert_cmpfloat(fabs(loc.y - 60), <, 0.5);
  g_assert_cmpint(loc.state, ==, CS_NERVE_FOUND);
  g_assert_cmpfloat(loc.score, >, 0.89);
  g_assert_cmpint(loc.x0, ==, 35);
  g_assert_cmpint(loc.x1, ==, 45);

  /* A prior far from every region: lost, holding the prior. */
  cs_nerve_locate_prob(prob, W, H, &far, &loc, NULL);
  g_assert_cmpint(loc.state, ==, CS_NERVE_LOST);
  g_assert_cmpfloat(loc.x, ==, 150);
  g_assert_cmpstr(cs_nerve_state_to_string(loc.state), ==, "lost");

  /* A weak region (mean probability 0.55) is uncertain. */
  memset(prob, 0, W * H * sizeof(float));
  disc(prob, W, H, 40, 60, 5, 0.55f);
  cs_nerve_locate_prob(prob, W, H, &near_small, &loc, NULL);
  g_assert_cmpint(loc.state, ==, CS_NERVE_UNCERTAIN);

  /* A rival of comparable size within the gate is uncertain too. */
  memset(prob, 0, W * H * sizeof(float));
  disc(prob, W, H, 40, 60, 5, 0.9f);
  disc(prob, W, H, 52, 60, 5, 0.9f);
  cs_nerve_locate_prob(prob, W, H, &near_small, &loc, NULL);
  g_assert_cmpfloat(fabs(loc.x - 40), <, 0.5);
  g_assert_cmpint(loc.state, ==, CS_NERVE_UNCERTAIN);
}

/* How a segmenter spoils frame @f: 0 nothing, 1 a larger region beside the nerve, 2 the nerve
 * missed, 3 the nerve shrunk to a fragment. */
static int
spoil_of(int f)
{
  return f % 7 == 3 ? 1 : f % 11 == 5 ? 2 : f % 13 == 8 ? 3 : 0;
}

static void
test_phantom_sweep(void)
{
  CsPhantomOptions options;
  g_autoptr(CsPhantomGenerator) gen = NULL;
  g_autoptr(CsNerveTrack) track = NULL;
  g_autofree guint8 *pixels = NULL;
  g_autofree float *prob = NULL;
  g_autofree CsPhantomFrameTruth *truth = NULL;
  int n, held = 0, flagged = 0, spoiled_missed = 0;
  double side_px;

  cs_phantom_options_init(&options);
  options.width = 400;
  options.height = 300;
  options.n_frames = n = 60;
  g_assert_true(cs_phantom_options_validate(&options, NULL));
  gen = cs_phantom_generator_new(&options);
  cs_phantom_generator_start(gen, CS_PHANTOM_CTS, 7);
  pixels = g_malloc((gsize)options.width * options.height);
  prob = g_new(float, (gsize)options.width *options.height);
  truth = g_new(CsPhantomFrameTruth, n);
  track = cs_nerve_track_new(0, n, NULL);
  for (int f = 0; f < n; f++) {
    const guint8 *mask;
    double r;

    g_assert_true(cs_phantom_generator_next_frame(gen, pixels, &truth[f]));
    mask = cs_phantom_generator_get_nerve_mask(gen);
    for (int i = 0; i < options.width * options.height; i++)
      prob[i] = mask[i] ? 0.9f : 0.05f;
    r = sqrt(truth[f].csa_px2 / G_PI);
    switch (spoil_of(f)) {
      case 1: /* A vessel half as large again as the nerve, just deep to it (the flattened
               * nerve is widest across, so beside it the two would touch). */
        disc(prob, options.width, options.height, truth[f].centre_x, truth[f].centre_y + 2.4 * r,
             1.2 * r, 0.95f);
        break;
      case 2:
        for (int i = 0; i < options.width * options.height; i++)
          prob[i] = 0.05f;
        break;
      case 3: /* Only the nerve's upper part. */
        for (int y = (int)truth[f].centre_y - (int)(0.3 * r); y < options.height; y++)
          for (int x = 0; x < options.width; x++)
            prob[y * options.width + x] = 0.05f;
        break;
      default:
        break;
    }
    cs_nerve_track_add_prob(track, prob, options.width, options.height);
  }
  cs_nerve_track_finish(track);

  /* The 15 mm ROI at the hand's spacing; the middle third is 5 mm. */
  side_px = CS_ROI_DEFAULT_SIZE_MM / cs_phantom_generator_get_hand(gen)->spacing_mm;
  for (int f = 0; f < n; f++) {
    double dx = fabs(truth[f].centre_x - track->x[f]), dy = fabs(truth[f].centre_y - track->y[f]);
    CsNerveState state = track->locations[f].state;

    held += dx <= side_px / 6 && dy <= side_px / 6;
    if (dx > side_px / 6 || dy > side_px / 6)
      g_test_message("frame %d (spoil %d, %s): off by %.1f, %.1f px of %.1f", f, spoil_of(f),
                     cs_nerve_state_to_string(state), dx, dy, side_px / 6);
    if (spoil_of(f) == 2) {
      spoiled_missed++;
      g_assert_cmpint(state, ==, CS_NERVE_LOST);
    }
    if (spoil_of(f) != 0)
      flagged += state != CS_NERVE_FOUND;
  }
  g_test_message("held %d / %d frames; %d of the spoiled frames flagged; %d missed", held, n,
                 flagged, spoiled_missed);
  g_assert_cmpfloat((double)held / n, >=, 0.98);
  g_assert_cmpint(spoiled_missed, >, 0);
  g_assert_cmpfloat(cs_nerve_track_fraction(track, CS_NERVE_LOST), ==, (double)spoiled_missed / n);
  /* Every frame with a rival or a fragment is marked (the vessel is within the gate). */
  for (int f = 0; f < n; f++)
    if (spoil_of(f) == 1 || spoil_of(f) == 3)
      g_assert_cmpint(track->locations[f].state, ==, CS_NERVE_UNCERTAIN);
}

/* Without a prior the larger vessel would win: the tracker must not jump to it. */
static void
test_no_jump(void)
{
  g_autoptr(CsNerveTrack) track = cs_nerve_track_new(10, 16, "ab");
  g_autofree float *prob = g_new(float, W *H);

  for (int f = 0; f < 6; f++) {
    memset(prob, 0, W * H * sizeof(float));
    disc(prob, W, H, 40 + f, 60, 6, 0.9f);
    if (f == 3)
      disc(prob, W, H, 110, 60, 12, 0.95f); /* Outside the gate: not even a rival. */
    cs_nerve_track_add_prob(track, prob, W, H);
  }
  cs_nerve_track_finish(track);
  g_assert_cmpstr(track->model_sha256, ==, "ab");
  for (int i = 0; i < 6; i++) {
    g_assert_cmpfloat(fabs(track->locations[i].x - (40 + i)), <, 0.5);
    g_assert_cmpfloat(fabs(track->x[i] - (40 + i)), <, 1.0);
    g_assert_cmpint(track->locations[i].state, ==, CS_NERVE_FOUND);
  }
  g_assert_cmpfloat(cs_nerve_track_fraction(track, CS_NERVE_FOUND), ==, 1.0);
}

/* The proposed outline: a simple polygon around the region, tagged as proposed by its model. */
static void
test_proposed_outline(void)
{
  g_autofree float *prob = g_new0(float, W *H);
  g_autofree guint8 *mask = g_new(guint8, W * H);
  g_autoptr(CsTracing) tracing = NULL;
  g_autoptr(GError) error = NULL;
  CsNerveLocation loc;

  disc(prob, W, H, 60, 50, 15, 0.9f);
  cs_nerve_locate_prob(prob, W, H, NULL, &loc, mask);
  tracing = cs_nerve_proposed_tracing(mask, W, H, &loc, 7, "ab12");
  g_assert_nonnull(tracing);
  g_assert_true(cs_tracing_validate(tracing, "proposed", &error));
  g_assert_no_error(error);
  g_assert_cmpuint(tracing->n_points, ==, 72);
  g_assert_cmpint(tracing->frame, ==, 7);
  g_assert_cmpstr(tracing->level, ==, CS_NERVE_PROPOSED_LEVEL);
  g_assert_cmpstr(tracing->rater, ==, "nerve model sha256:ab12");
  g_assert_true(cs_nerve_tracing_is_proposed(tracing));
  /* The disc's area (pi 15^2 = 707 px^2) to within a pixel's rim. */
  g_assert_cmpfloat(fabs(cs_polygon_area(tracing->points, tracing->n_points) - loc.area_px), <,
                    0.15 * loc.area_px);
  /* Accepted (another level and rater), it is a tracing like any other. */
  g_free(tracing->level);
  tracing->level = g_strdup("inlet");
  g_assert_false(cs_nerve_tracing_is_proposed(tracing));

  loc.state = CS_NERVE_LOST;
  g_assert_null(cs_nerve_proposed_tracing(mask, W, H, &loc, 7, "ab12"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/core/nerve-track/rule", test_rule);
  g_test_add_func("/core/nerve-track/phantom-sweep", test_phantom_sweep);
  g_test_add_func("/core/nerve-track/no-jump", test_no_jump);
  g_test_add_func("/core/nerve-track/proposed-outline", test_proposed_outline);
  return g_test_run();
}
