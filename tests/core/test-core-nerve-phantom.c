/* test-core-nerve-phantom.c — a U-Net trained with phantom frames tracks a phantom sweep's nerve
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * train-seg's --phantom mixes phantom frames with their exact masks into training (as
 * CsSegExtraImage, never held out). A small U-Net trained so on phantom hands, then run frame by
 * frame through the tracker on the sweep of a hand it never saw, must hold the true nerve centre
 * inside the middle third of the tracked 15 mm ROI on at least 98 % of the frames. The folder
 * the trainer also reads holds four phantom frames of two more hands, written as PGM.
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>

#include "cs-nerve-track.h"
#include "cs-phantom.h"
#include "cs-seg-train.h"

#define FRAME_W 400
#define FRAME_H 300
#define N_EXTRA 80
#define N_TEST  40

static void
write_pgm(const char *path, const guint8 *pixels, gboolean binary_mask)
{
  g_autoptr(GString) pgm = g_string_new(NULL);
  g_autoptr(GError) error = NULL;

  g_string_printf(pgm, "P5\n%d %d\n255\n", FRAME_W, FRAME_H);
  for (int i = 0; i < FRAME_W * FRAME_H; i++)
    g_string_append_c(pgm, (char)(binary_mask ? (pixels[i] ? 255 : 0) : pixels[i]));
  g_assert_true(g_file_set_contents(path, pgm->str, (gssize)pgm->len, &error));
  g_assert_no_error(error);
}

static CsPhantomGenerator *
generator(int n_frames)
{
  CsPhantomOptions options;

  cs_phantom_options_init(&options);
  options.width = FRAME_W;
  options.height = FRAME_H;
  options.n_frames = n_frames;
  g_assert_true(cs_phantom_options_validate(&options, NULL));
  return cs_phantom_generator_new(&options);
}

static void
progress_cb(const CsSegTrainProgress *p, gpointer user_data)
{
  g_test_message("epoch %d: loss %.4f", p->epoch, p->loss);
}

static void
test_track_phantom(void)
{
  g_autofree char *dir = g_dir_make_tmp("nerve-phantom-XXXXXX", NULL);
  g_autofree char *images = g_build_filename(dir, "images", NULL);
  g_autofree char *masks = g_build_filename(dir, "masks", NULL);
  g_autofree char *model = g_build_filename(dir, "nerve.safetensors", NULL);
  g_autoptr(GPtrArray) store = g_ptr_array_new_with_free_func(g_free);
  g_autofree CsSegExtraImage *extra = g_new(CsSegExtraImage, N_EXTRA);
  g_autoptr(CsPhantomGenerator) gen = generator(10);
  g_autoptr(CsPhantomGenerator) test_gen = generator(N_TEST);
  g_autoptr(CsNerveFinder) finder = NULL;
  g_autoptr(CsNerveTrack) track = cs_nerve_track_new(0, N_TEST, NULL);
  g_autofree guint8 *pixels = g_malloc(FRAME_W * FRAME_H);
  g_autofree float *prob = g_new(float, FRAME_W *FRAME_H);
  CsPhantomFrameTruth truth[N_TEST], t;
  g_autoptr(GError) error = NULL;
  CsSegTrainOptions opt;
  CsSegTrainSummary summary;
  double side_px;
  int held = 0;

  g_assert_nonnull(dir);
  g_assert_cmpint(g_mkdir(images, 0755), ==, 0);
  g_assert_cmpint(g_mkdir(masks, 0755), ==, 0);
  /* The folder: hands 900 and 901, two frames each (patients "H900" and "H901"). */
  for (int hand = 0; hand < 2; hand++) {
    cs_phantom_generator_start(gen, hand ? CS_PHANTOM_CTS : CS_PHANTOM_CONTROL, 900 + hand);
    for (int f = 0; f < 10; f++) {
      g_assert_true(cs_phantom_generator_next_frame(gen, pixels, &t));
      if (f % 5 == 2) {
        g_autofree char *name = g_strdup_printf("H%d-%d.pgm", 900 + hand, f);
        g_autofree char *ipath = g_build_filename(images, name, NULL);
        g_autofree char *mpath = g_build_filename(masks, name, NULL);

        write_pgm(ipath, pixels, FALSE);
        write_pgm(mpath, cs_phantom_generator_get_nerve_mask(gen), TRUE);
      }
    }
  }
  /* The phantom frames mixed in: 8 hands of 10 frames. */
  for (int i = 0; i < N_EXTRA; i++) {
    guint8 *gray = g_malloc(FRAME_W * FRAME_H);

    if (i % 10 == 0)
      cs_phantom_generator_start(gen, (i / 10) % 2 ? CS_PHANTOM_CTS : CS_PHANTOM_CONTROL,
                                 100 + i / 10);
    g_assert_true(cs_phantom_generator_next_frame(gen, gray, &t));
    g_ptr_array_add(store, gray);
    g_ptr_array_add(store, g_memdup2(cs_phantom_generator_get_nerve_mask(gen), FRAME_W * FRAME_H));
    extra[i] = (CsSegExtraImage){ gray, store->pdata[store->len - 1], FRAME_W, FRAME_H };
  }

  cs_seg_train_options_init(&opt);
  opt.images_dir = images;
  opt.masks_dir = masks;
  opt.out_path = model;
  opt.height = 48;
  opt.width = 64;
  opt.base = 6;
  opt.depth = 3;
  opt.epochs = 40;
  opt.batch = 8;
  opt.lr = 0.01;
  opt.folds = 0;
  opt.seed = 3;
  opt.extra = extra;
  opt.n_extra = N_EXTRA;
  g_assert_true(cs_seg_train_run(&opt, progress_cb, NULL, &summary, &error));
  g_assert_no_error(error);
  g_assert_cmpint(summary.n_train_images, ==, 4 + N_EXTRA);
  g_assert_cmpint(summary.n_train_patients, ==, 2);

  /* A hand it never saw, tracked frame by frame. */
  finder = cs_nerve_finder_load(model, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(cs_nerve_finder_get_metadata(finder, "training_data"), ==,
                  "4 images of 2 patients and 80 phantom frames");
  cs_phantom_generator_start(test_gen, CS_PHANTOM_CTS, 4242);
  for (int f = 0; f < N_TEST; f++) {
    g_assert_true(cs_phantom_generator_next_frame(test_gen, pixels, &truth[f]));
    g_assert_true(
        cs_nerve_finder_run_prob(finder, pixels, FRAME_W, FRAME_H, FRAME_W, prob, &error));
    cs_nerve_track_add_prob(track, prob, FRAME_W, FRAME_H);
  }
  cs_nerve_track_finish(track);
  side_px = CS_ROI_DEFAULT_SIZE_MM / cs_phantom_generator_get_hand(test_gen)->spacing_mm;
  for (int f = 0; f < N_TEST; f++) {
    double dx = fabs(truth[f].centre_x - track->x[f]), dy = fabs(truth[f].centre_y - track->y[f]);

    held += dx <= side_px / 6 && dy <= side_px / 6;
    if (dx > side_px / 6 || dy > side_px / 6)
      g_test_message("frame %d (%s): off by %.1f, %.1f px of %.1f", f,
                     cs_nerve_state_to_string(track->locations[f].state), dx, dy, side_px / 6);
  }
  g_test_message("held %d of %d frames; %.0f %% found, %.0f %% uncertain, %.0f %% lost", held,
                 N_TEST, 100 * cs_nerve_track_fraction(track, CS_NERVE_FOUND),
                 100 * cs_nerve_track_fraction(track, CS_NERVE_UNCERTAIN),
                 100 * cs_nerve_track_fraction(track, CS_NERVE_LOST));
  g_assert_cmpfloat((double)held / N_TEST, >=, 0.98);

  for (int hand = 0; hand < 2; hand++)
    for (int f = 2; f < 10; f += 5) {
      g_autofree char *name = g_strdup_printf("H%d-%d.pgm", 900 + hand, f);
      g_autofree char *ipath = g_build_filename(images, name, NULL);
      g_autofree char *mpath = g_build_filename(masks, name, NULL);

      g_remove(ipath);
      g_remove(mpath);
    }
  g_remove(model);
  g_rmdir(images);
  g_rmdir(masks);
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/core/nerve-phantom/track", test_track_phantom);
  return g_test_run();
}
