/* test-engine-train-shift.c — the trainer's augmentation for scanner shift
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-train-shift.h"
#include "cs-train.h"

#include <math.h>
#include <string.h>

#define N 64

/* A crop of gray @base with seeded noise of amplitude @noise. */
static void
make_crop(guint8 *crop, int base, int noise, guint32 seed)
{
  for (int i = 0; i < N * N; i++) {
    seed = seed * 1664525u + 1013904223u;
    crop[i] = (guint8)CLAMP(base + (int)((seed >> 24) % (2 * noise + 1)) - noise, 0, 255);
  }
}

static void
stats(const guint8 *crop, double *mean, double *sd)
{
  double s = 0, s2 = 0;

  for (int i = 0; i < N * N; i++) {
    s += crop[i];
    s2 += (double)crop[i] * crop[i];
  }
  *mean = s / (N * N);
  *sd = sqrt(fmax(0, s2 / (N * N) - *mean * *mean));
}

/* Mean squared difference between horizontal neighbours: the fine detail a blur removes. */
static double
detail(const guint8 *crop)
{
  double d = 0;

  for (int y = 0; y < N; y++)
    for (int x = 1; x < N; x++)
      d += pow(crop[y * N + x] - crop[y * N + x - 1], 2);
  return d / (N * (N - 1));
}

static void
test_neutral(void)
{
  guint8 src[N * N], dst[N * N];
  CsTrainShift shift;
  guint64 rng = 3;

  make_crop(src, 100, 60, 1);
  cs_train_shift_init(&shift);
  cs_train_shift_apply(&shift, src, N, dst, &rng);
  g_assert_cmpmem(src, sizeof src, dst, sizeof dst);
}

/* Each effect moves what it should, and only in its direction. */
static void
test_effects(void)
{
  guint8 flat[N * N], noisy[N * N], dst[N * N];
  CsTrainShift shift;
  guint64 rng = 5;
  double m0, s0, m, s;

  make_crop(flat, 128, 0, 1);
  make_crop(noisy, 110, 50, 2);
  stats(noisy, &m0, &s0);

  cs_train_shift_init(&shift);
  shift.gain = 20;
  cs_train_shift_apply(&shift, flat, N, dst, &rng);
  g_assert_cmpint(dst[0], ==, 148);
  g_assert_cmpint(dst[N * N - 1], ==, 148);

  cs_train_shift_init(&shift);
  shift.gamma = 1.5;
  cs_train_shift_apply(&shift, flat, N, dst, &rng);
  g_assert_cmpint(dst[7], ==, (int)lrint(255 * pow(128 / 255.0, 1.5)));

  cs_train_shift_init(&shift);
  shift.contrast = 1.4;
  cs_train_shift_apply(&shift, noisy, N, dst, &rng);
  stats(dst, &m, &s);
  g_assert_cmpfloat(fabs(m - m0), <, 1.0);
  g_assert_cmpfloat(fabs(s / s0 - 1.4), <, 0.05);

  cs_train_shift_init(&shift);
  shift.blur_x = 1.2;
  shift.blur_y = 0.5;
  cs_train_shift_apply(&shift, noisy, N, dst, &rng);
  g_assert_cmpfloat(detail(dst), <, 0.3 * detail(noisy));

  cs_train_shift_init(&shift);
  shift.resolution = 2.0;
  cs_train_shift_apply(&shift, noisy, N, dst, &rng);
  g_assert_cmpfloat(detail(dst), <, 0.3 * detail(noisy));

  cs_train_shift_init(&shift);
  shift.speckle = 0.2;
  cs_train_shift_apply(&shift, flat, N, dst, &rng);
  stats(dst, &m, &s);
  g_assert_cmpfloat(fabs(m - 128), <, 6);
  g_assert_cmpfloat(s, >, 0.1 * 128);
  g_assert_cmpfloat(s, <, 0.3 * 128);

  /* A crop of 0.8 of the side zooms in: a centred bright square of 20 px grows to 25. */
  {
    guint8 square[N * N];
    int width = 0;

    memset(square, 0, sizeof square);
    for (int y = 22; y < 42; y++)
      for (int x = 22; x < 42; x++)
        square[y * N + x] = 200;
    cs_train_shift_init(&shift);
    shift.crop = 0.8;
    cs_train_shift_apply(&shift, square, N, dst, &rng);
    for (int x = 0; x < N; x++)
      width += dst[32 * N + x] >= 100;
    g_assert_cmpint(width, >=, 24);
    g_assert_cmpint(width, <=, 26);
  }
}

/* The draws: each effect on about half the time, within its range; seeded. */
static void
test_draws(void)
{
  int on[7] = { 0 };
  const int n = 4000;
  guint64 rng = 11, again = 11;

  for (int i = 0; i < n; i++) {
    CsTrainShift s, t;

    cs_train_shift_draw(&s, &rng);
    cs_train_shift_draw(&t, &again);
    g_assert_cmpmem(&s, sizeof s, &t, sizeof t);
    on[0] += s.crop < 1;
    on[1] += s.resolution > 1;
    on[2] += s.blur_x > 0;
    on[3] += s.speckle > 0;
    on[4] += s.gain != 0;
    on[5] += s.contrast != 1;
    on[6] += s.gamma != 1;
    g_assert_cmpfloat(s.crop, >=, 0.8);
    g_assert_cmpfloat(s.resolution, <=, 2.0);
    g_assert_cmpfloat(s.blur_y, <=, s.blur_x);
    g_assert_cmpfloat(fabs(s.gain), <=, 25);
    g_assert_cmpfloat(s.gamma, >=, 0.7);
    g_assert_cmpfloat(s.gamma, <=, 1.5);
  }
  for (int k = 0; k < 7; k++) {
    g_assert_cmpint(on[k], >, 0.45 * n);
    g_assert_cmpint(on[k], <, 0.55 * n);
  }
}

/* The augmentation is a function of its stream, and off by default in training. */
static void
test_seeded(void)
{
  guint8 src[N * N], a[N * N], b[N * N], c[N * N];
  guint64 r1 = 99, r2 = 99, r3 = 100;
  CsTrainOptions opt;
  gboolean differ = FALSE;
  guint64 hash = 0xcbf29ce484222325ULL;

  make_crop(src, 90, 40, 4);
  for (int k = 0; k < 8; k++) {
    cs_train_augment_scanner(src, N, a, &r1, TRUE);
    cs_train_augment_scanner(src, N, b, &r2, TRUE);
    cs_train_augment_scanner(src, N, c, &r3, TRUE);
    g_assert_cmpmem(a, sizeof a, b, sizeof b);
    differ = differ || memcmp(a, c, sizeof a) != 0;
    for (int i = 0; i < N * N; i++)
      hash = (hash ^ a[i]) * 0x100000001b3ULL;
  }
  g_assert_true(differ);
  /* The stream is pinned (cs-rng.h): a model trained with it must be reproducible. */
  g_assert_cmphex(hash, ==, 0xf0eed898e546fa17ULL);
  cs_train_options_init(&opt);
  g_assert_false(opt.scanner_shift);
}

/* Without the zoom, a draw whose crop is on gives what the same draw with its crop made whole
 * gives, and the stream moves on exactly as with the zoom. */
static void
test_no_zoom(void)
{
  guint8 src[N * N], a[N * N], b[N * N];
  gboolean some_crop = FALSE;

  make_crop(src, 90, 40, 5);
  for (guint64 seed = 1; seed <= 40; seed++) {
    guint64 r1 = seed, r2 = seed, r3 = seed;
    CsTrainShift shift;

    cs_train_augment_scanner(src, N, a, &r1, FALSE);
    cs_train_shift_draw(&shift, &r2);
    some_crop = some_crop || shift.crop < 1;
    shift.crop = 1;
    shift.crop_x = shift.crop_y = 0.5;
    cs_train_shift_apply(&shift, src, N, b, &r2);
    g_assert_cmpmem(a, sizeof a, b, sizeof b);
    g_assert_cmphex(r1, ==, r2);
    cs_train_augment_scanner(src, N, b, &r3, TRUE);
    g_assert_cmphex(r1, ==, r3);
  }
  g_assert_true(some_crop);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/train/shift/neutral", test_neutral);
  g_test_add_func("/train/shift/effects", test_effects);
  g_test_add_func("/train/shift/draws", test_draws);
  g_test_add_func("/train/shift/seeded", test_seeded);
  g_test_add_func("/train/shift/no-zoom", test_no_zoom);
  return g_test_run();
}
