/* test-engine-seg-train.c — training the nerve-finding U-Net: patient folds, reproducibility,
 * learning, its checkpoint, its errors and the mask post-processing
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A synthetic data set is drawn with cairo: 8 "patients" of 3 images each, a bright ellipse (the
 * nerve, its mask white) on a speckled background at a random place. A tiny U-Net (48 x 32, base
 * 4, depth 2) must learn it well enough to find the ellipse on the two held-out patients. Then,
 * when ../shared/realdata is there, one epoch on 16 real images with the patients of index.csv.
 * The test-time flip is checked against the two single forwards it averages, computed here, in
 * training's validation and in the nerve finder.
 */
#include <cairo.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "cs-error.h"
#include "cs-nerve-finder.h"
#include "cs-seg-train.h"
#include "csnn-image.h"
#include "csnn-seg.h"

static char *tmp_dir;

static void
write_png(const char *path, int w, int h, const guint8 *gray)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  unsigned char *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);

  cairo_surface_flush(s);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      guint32 v = gray[y * w + x];
      *(guint32 *)(data + y * stride + x * 4) = v << 16 | v << 8 | v;
    }
  cairo_surface_mark_dirty(s);
  g_assert_cmpint(cairo_surface_write_to_png(s, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy(s);
}

/* Writes DIR/images and DIR/masks: 8 patients (P0..P7) of 3 images of 96 x 64. */
static void
make_data_set(const char *dir)
{
  g_autofree char *images = g_build_filename(dir, "images", NULL);
  g_autofree char *masks = g_build_filename(dir, "masks", NULL);
  guint8 img[96 * 64], mask[96 * 64];
  GRand *rand = g_rand_new_with_seed(4);

  g_mkdir_with_parents(images, 0755);
  g_mkdir_with_parents(masks, 0755);
  for (int p = 0; p < 8; p++)
    for (int k = 0; k < 3; k++) {
      g_autofree char *name = g_strdup_printf("P%d-%03d.png", p, k);
      g_autofree char *ipath = g_build_filename(images, name, NULL);
      g_autofree char *mpath = g_build_filename(masks, name, NULL);
      double cx = g_rand_double_range(rand, 25, 71), cy = g_rand_double_range(rand, 18, 46);
      double rx = g_rand_double_range(rand, 10, 16), ry = g_rand_double_range(rand, 5, 9);

      for (int y = 0; y < 64; y++)
        for (int x = 0; x < 96; x++) {
          double d = (x - cx) * (x - cx) / (rx * rx) + (y - cy) * (y - cy) / (ry * ry);
          int in = d < 1.0;
          double v = (in ? 170 : 70) + g_rand_double_range(rand, -40, 40);
          img[y * 96 + x] = (guint8)CLAMP(v, 0, 255);
          mask[y * 96 + x] = in ? 255 : 0;
        }
      write_png(ipath, 96, 64, img);
      write_png(mpath, 96, 64, mask);
    }
  g_rand_free(rand);
}

static void
tiny_options(CsSegTrainOptions *opt, const char *dir, const char *out)
{
  static char images[4096], masks[4096];

  g_snprintf(images, sizeof(images), "%s/images", dir);
  g_snprintf(masks, sizeof(masks), "%s/masks", dir);
  cs_seg_train_options_init(opt);
  opt->images_dir = images;
  opt->masks_dir = masks;
  opt->out_path = out;
  opt->height = 32;
  opt->width = 48;
  opt->base = 4;
  opt->depth = 2;
  opt->epochs = 30;
  opt->batch = 2;
  opt->lr = 1e-2;
  opt->folds = 4;
  opt->fold = 1;
  opt->seed = 5;
}

/* Trains twice with one seed: the same weights, patients kept apart, and the ellipse found. */
static void
test_train(void)
{
  g_autofree char *out1 = g_build_filename(tmp_dir, "a.safetensors", NULL);
  g_autofree char *out2 = g_build_filename(tmp_dir, "b.safetensors", NULL);
  g_autofree char *csv = g_build_filename(tmp_dir, "val.csv", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  CsSegTrainOptions opt;
  CsSegTrainSummary s1, s2;
  GError *error = NULL;
  csnn_seg *a, *b;

  tiny_options(&opt, tmp_dir, out1);
  g_assert_true(cs_seg_train_run(&opt, NULL, NULL, &s1, &error));
  g_assert_no_error(error);
  opt.out_path = out2;
  g_assert_true(cs_seg_train_run(&opt, NULL, NULL, &s2, &error));
  /* 8 patients in 4 folds: 6 trained on, 2 (6 images) held out. */
  g_assert_cmpint(s1.n_train_patients, ==, 6);
  g_assert_cmpint(s1.n_train_images, ==, 18);
  g_assert_cmpint(s1.best.n_patients, ==, 2);
  g_assert_cmpint(s1.best.n_images, ==, 6);
  g_assert_cmpint(s1.epochs_run, ==, 30);
  g_test_message("held-out Dice %.3f (median %.3f), IoU %.3f, found %.2f, area error %.3f at "
                 "epoch %d",
                 s1.best.dice_mean, s1.best.dice_median, s1.best.iou_mean, s1.best.found,
                 s1.best.area_error, s1.best_epoch);
  g_assert_cmpfloat(s1.best.dice_mean, >, 0.7);
  g_assert_cmpfloat(s1.best.found, >=, 5.0 / 6.0);
  g_assert_cmpfloat(s2.best.dice_mean, ==, s1.best.dice_mean);
  g_assert_cmpint(s2.best_epoch, ==, s1.best_epoch);

  g_assert_cmpint(csnn_seg_load(out1, &a), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_load(out2, &b), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_get_shape(a)->width, ==, 48);
  g_assert_nonnull(strstr(csnn_seg_metadata(a, "validation"), "6 images of 2 held-out patients"));
  g_assert_nonnull(strstr(csnn_seg_metadata(a, "training_data"), "18 images of 6 patients"));
  g_assert_nonnull(strstr(csnn_seg_metadata(a, "recipe"), "seed 5"));
  g_assert_null(strchr(csnn_seg_metadata(a, "trained_on"), '/'));
  for (size_t i = 0; i < csnn_seg_n_params(a); i++) {
    csnn_param *pa = csnn_seg_param(a, i), *pb = csnn_seg_param(b, i);
    g_assert_cmpmem(pa->data, pa->numel * sizeof(float), pb->data, pb->numel * sizeof(float));
  }
  csnn_seg_free(a);
  csnn_seg_free(b);

  /* keep_last: the last epoch's weights and figures, whatever the held-out patients said; the
   * held-out images listed with their figures. */
  opt.keep_last = TRUE;
  opt.epochs = 8;
  opt.val_csv = csv;
  g_assert_true(cs_seg_train_run(&opt, NULL, NULL, &s2, &error));
  g_assert_true(g_file_get_contents(csv, &text, NULL, NULL));
  lines = g_strsplit(text, "\n", -1);
  g_assert_cmpstr(lines[0], ==,
                  "image,patient,dice,iou,area_px,true_area_px,dice_noflip,iou_noflip,"
                  "area_px_noflip");
  g_assert_cmpuint(g_strv_length(lines), ==, 1 + 6 + 1);
  for (int i = 1; i <= 6; i++) {
    g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);
    g_assert_cmpuint(g_strv_length(f), ==, 9);
    g_assert_true(g_str_has_prefix(f[0], "P") && g_str_has_prefix(f[1], "P"));
    g_assert_true(g_str_has_prefix(f[0], f[1]));
    /* Without the flip the _noflip columns are the figures. */
    g_assert_cmpstr(f[6], ==, f[2]);
    g_assert_cmpstr(f[7], ==, f[3]);
    g_assert_cmpstr(f[8], ==, f[4]);
  }
  g_unlink(csv);
  g_assert_cmpint(s2.best_epoch, ==, 8);
  g_assert_cmpint(s2.best_noflip.n_images, ==, 0);
  g_assert_cmpint(csnn_seg_load(out2, &b), ==, CSNN_OK);
  g_assert_nonnull(strstr(csnn_seg_metadata(b, "recipe"), "the last epoch kept"));
  g_assert_nonnull(strstr(csnn_seg_metadata(b, "validation"), "(epoch 8)"));
  g_assert_null(csnn_seg_metadata(b, CS_SEG_FLIP_KEY));

  /* The test-time flip changes no weight (validation draws nothing), marks the weights, and its
   * figures without the flip are those of the run without it. */
  opt.flip_test = TRUE;
  opt.out_path = out1;
  {
    CsSegTrainSummary s3;
    g_auto(GStrv) flip_lines = NULL;
    g_autofree char *flip_text = NULL;
    int differ = 0;

    g_assert_true(cs_seg_train_run(&opt, NULL, NULL, &s3, &error));
    g_assert_no_error(error);
    g_assert_cmpint(csnn_seg_load(out1, &a), ==, CSNN_OK);
    for (size_t i = 0; i < csnn_seg_n_params(a); i++) {
      csnn_param *pa = csnn_seg_param(a, i), *pb = csnn_seg_param(b, i);
      g_assert_cmpmem(pa->data, pa->numel * sizeof(float), pb->data, pb->numel * sizeof(float));
    }
    g_assert_cmpstr(csnn_seg_metadata(a, CS_SEG_FLIP_KEY), ==, "1");
    g_assert_true(cs_seg_uses_flip(a));
    g_assert_false(cs_seg_uses_flip(b));
    g_assert_nonnull(strstr(csnn_seg_metadata(a, "recipe"), "test-time flip"));
    g_assert_nonnull(strstr(csnn_seg_metadata(a, "validation"), "without the test-time flip"));
    g_assert_cmpint(s3.best_noflip.n_images, ==, 6);
    g_assert_cmpfloat(s3.best_noflip.dice_mean, ==, s2.best.dice_mean);
    g_assert_cmpfloat(s3.best_noflip.dice_median, ==, s2.best.dice_median);
    g_assert_cmpfloat(s3.best_noflip.iou_mean, ==, s2.best.iou_mean);
    g_assert_cmpfloat(s3.best_noflip.area_error, ==, s2.best.area_error);
    g_test_message("held-out Dice %.4f with the flip, %.4f without", s3.best.dice_mean,
                   s3.best_noflip.dice_mean);
    g_assert_true(g_file_get_contents(csv, &flip_text, NULL, NULL));
    flip_lines = g_strsplit(flip_text, "\n", -1);
    g_assert_cmpuint(g_strv_length(flip_lines), ==, 1 + 6 + 1);
    for (int i = 1; i <= 6; i++) {
      g_auto(GStrv) f = g_strsplit(flip_lines[i], ",", -1);
      g_auto(GStrv) g = g_strsplit(lines[i], ",", -1);
      g_assert_cmpuint(g_strv_length(f), ==, 9);
      g_assert_cmpstr(f[0], ==, g[0]);
      g_assert_cmpstr(f[6], ==, g[2]); /* The plain forward's Dice, IoU and area. */
      g_assert_cmpstr(f[7], ==, g[3]);
      g_assert_cmpstr(f[8], ==, g[4]);
      differ += strcmp(f[2], f[6]) != 0;
    }
    g_test_message("%d of 6 held-out images scored differently with the flip", differ);
    csnn_seg_free(a);
    g_unlink(csv);
  }
  csnn_seg_free(b);
  g_unlink(out1);
  g_unlink(out2);
}

/* A seeded tiny U-Net whose head is scaled up so that its map is far from a flat 0.5. */
static csnn_seg *
flip_net(void)
{
  csnn_seg_shape shape = { 32, 48, 4, 2 };
  csnn_seg *seg;
  csnn_param *head;

  g_assert_cmpint(csnn_seg_new(&shape, &seg), ==, CSNN_OK);
  csnn_seg_init_random(seg, 7);
  csnn_seg_set_norm(seg, 0.4f, 0.2f);
  head = csnn_seg_find_param(seg, "head.weight");
  g_assert_nonnull(head);
  for (size_t i = 0; i < head->numel; i++)
    head->data[i] *= 300.0f;
  csnn_seg_params_changed(seg);
  return seg;
}

/* The flipped map, by hand: the mean of the network on @input and, mirrored back, on its mirror
 * image, each run alone; the plain forward to @plain. */
static void
flip_by_hand(csnn_seg *seg, const float *input, float *want, float *plain)
{
  int w = csnn_seg_get_shape(seg)->width, h = csnn_seg_get_shape(seg)->height;
  gsize n = (gsize)w * (gsize)h;
  g_autofree float *mirror = g_new(float, n), *mirrored = g_new(float, n);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      mirror[y * w + x] = input[y * w + (w - 1 - x)];
  g_assert_cmpint(csnn_seg_forward(seg, input, 1, plain, NULL), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_forward(seg, mirror, 1, mirrored, NULL), ==, CSNN_OK);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      want[y * w + x] = 0.5f * (plain[y * w + x] + mirrored[y * w + (w - 1 - x)]);
}

/* cs_seg_predict() with the flip is the mean of the two single forwards; without, the plain one;
 * the flip matters for a network that is not mirror-symmetric. */
static void
test_flip_predict(void)
{
  csnn_seg *seg = flip_net();
  gsize n = 32 * 48;
  g_autofree float *input = g_new(float, n), *want = g_new(float, n), *plain = g_new(float, n);
  g_autofree float *got = g_new(float, n), *got_plain = g_new(float, n);
  double most = 0.0, moved = 0.0;
  GRand *rand = g_rand_new_with_seed(3);

  for (gsize i = 0; i < n; i++)
    input[i] = (float)g_rand_double_range(rand, -2.0, 2.0);
  g_rand_free(rand);
  flip_by_hand(seg, input, want, plain);
  g_assert_cmpint(cs_seg_predict(seg, input, TRUE, got, got_plain), ==, CSNN_OK);
  for (gsize i = 0; i < n; i++) {
    most = MAX(most, fabs((double)got[i] - want[i]));
    moved = MAX(moved, fabs((double)want[i] - plain[i]));
    /* An image alone gives what it gives beside its mirror image (to rounding). */
    g_assert_cmpfloat(fabs((double)got_plain[i] - plain[i]), <=, 1e-6);
  }
  g_test_message("flip vs by hand: %.2g; flip vs plain up to %.3f", most, moved);
  g_assert_cmpfloat(most, <=, 1e-6);
  g_assert_cmpfloat(moved, >, 0.01);
  g_assert_cmpint(cs_seg_predict(seg, input, FALSE, got, NULL), ==, CSNN_OK);
  g_assert_cmpmem(got, n * sizeof(float), plain, n * sizeof(float));
  g_assert_cmpint(cs_seg_predict(seg, input, FALSE, got, got_plain), ==, CSNN_OK);
  g_assert_cmpmem(got_plain, n * sizeof(float), plain, n * sizeof(float));
  csnn_seg_free(seg);
}

/* The nerve finder takes the flip exactly when the weights' metadata asks for it: weights
 * without the key give the plain forward's map, as before. */
static void
test_flip_finder(void)
{
  csnn_seg *seg = flip_net();
  g_autofree char *plain_path = g_build_filename(tmp_dir, "noflip.safetensors", NULL);
  g_autofree char *flip_path = g_build_filename(tmp_dir, "flip.safetensors", NULL);
  const char *plain_meta[] = { "task", "median nerve segmentation", NULL };
  const char *flip_meta[] = { "task", "median nerve segmentation", CS_SEG_FLIP_KEY, "1", NULL };
  enum { W = 90, H = 70 };
  guint8 gray[W * H], mask[W * H], want_mask[W * H];
  gsize n = 32 * 48;
  g_autofree float *input = g_new(float, n), *want = g_new(float, n), *plain = g_new(float, n);
  float full[W * H], got[W * H];
  GError *error = NULL;
  GRand *rand = g_rand_new_with_seed(11);

  for (int i = 0; i < W * H; i++)
    gray[i] = (guint8)g_rand_int_range(rand, 0, 256);
  g_rand_free(rand);
  g_assert_cmpint(csnn_seg_save(seg, plain_path, plain_meta), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_save(seg, flip_path, flip_meta), ==, CSNN_OK);
  g_assert_cmpint(csnn_seg_prepare(seg, gray, W, H, W, input), ==, CSNN_OK);
  flip_by_hand(seg, input, want, plain);
  for (int k = 0; k < 2; k++) {
    g_autoptr(CsNerveFinder) finder = cs_nerve_finder_load(k ? flip_path : plain_path, &error);
    const float *map = k ? want : plain;
    CsNerveResult r;
    double most = 0.0;

    g_assert_no_error(error);
    g_assert_cmpint(csnn_resample_f32(map, 48, 32, 48 * sizeof(float), full, W, H), ==, CSNN_OK);
    g_assert_true(cs_nerve_finder_run_prob(finder, gray, W, H, W, got, &error));
    g_assert_no_error(error);
    for (int i = 0; i < W * H; i++)
      most = MAX(most, fabs((double)got[i] - full[i]));
    g_assert_cmpfloat(most, <=, 1e-6);
    g_assert_true(cs_nerve_finder_run(finder, gray, W, H, W, mask, &r, &error));
    g_assert_no_error(error);
    cs_seg_mask_from_prob(map, 48, 32, W, H, want_mask);
    /* The same mask, but for a pixel within rounding of the threshold. */
    for (int i = 0; i < W * H; i++)
      if (mask[i] != want_mask[i])
        g_assert_cmpfloat(fabs(full[i] - 0.5), <, 1e-5);
    g_assert_true(r.found);
  }
  /* The two maps differ, so the finder above could not pass with the wrong one. */
  {
    double moved = 0.0;
    for (gsize i = 0; i < n; i++)
      moved = MAX(moved, fabs((double)want[i] - plain[i]));
    g_assert_cmpfloat(moved, >, 0.01);
  }
  g_unlink(plain_path);
  g_unlink(flip_path);
  csnn_seg_free(seg);
}

static void
test_errors(void)
{
  g_autofree char *out = g_build_filename(tmp_dir, "c.safetensors", NULL);
  g_autofree char *extra = g_build_filename(tmp_dir, "images", "Q0-000.png", NULL);
  g_autofree char *empty = g_build_filename(tmp_dir, "empty", NULL);
  guint8 img[96 * 64] = { 0 };
  CsSegTrainOptions opt;
  CsSegTrainSummary sum;
  GError *error = NULL;

  tiny_options(&opt, tmp_dir, out);
  opt.folds = 9; /* More folds than patients. */
  opt.fold = 0;
  g_assert_false(cs_seg_train_run(&opt, NULL, NULL, &sum, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "fewer patients than 9 folds"));
  g_clear_error(&error);

  /* An image without a mask is named. */
  write_png(extra, 96, 64, img);
  tiny_options(&opt, tmp_dir, out);
  g_assert_false(cs_seg_train_run(&opt, NULL, NULL, &sum, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, "Q0-000"));
  g_clear_error(&error);
  g_unlink(extra);

  g_mkdir(empty, 0755);
  opt.images_dir = empty;
  g_assert_false(cs_seg_train_run(&opt, NULL, NULL, &sum, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_rmdir(empty);
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
}

/* The largest region alone is kept, at the image's size. */
static void
test_mask_from_prob(void)
{
  float prob[8 * 6] = { 0 };
  guint8 mask[16 * 12], want[16 * 12] = { 0 };
  double dice, iou;
  gsize area;

  for (int y = 1; y < 4; y++)
    for (int x = 1; x < 4; x++)
      prob[y * 8 + x] = 0.9f; /* 3 x 3 */
  prob[5 * 8 + 7] = 0.9f;     /* 1 x 1 */
  area = cs_seg_mask_from_prob(prob, 8, 6, 16, 12, mask);
  g_assert_cmpuint(area, >, 16);
  g_assert_cmpuint(area, <, 64);
  for (int y = 8; y < 12; y++)
    for (int x = 12; x < 16; x++)
      g_assert_cmpint(mask[y * 16 + x], ==, 0);
  g_assert_cmpint(mask[4 * 16 + 4], ==, 255);
  cs_seg_compare(mask, mask, sizeof(mask), &dice, &iou);
  g_assert_cmpfloat(dice, ==, 1.0);
  cs_seg_compare(mask, want, sizeof(mask), &dice, &iou);
  g_assert_cmpfloat(dice, ==, 0.0);
  g_assert_cmpfloat(iou, ==, 0.0);
  cs_seg_compare(want, want, sizeof(want), &dice, &iou);
  g_assert_cmpfloat(iou, ==, 1.0);
}

/* One short epoch on real images: the patients come from index.csv. */
static void
test_real(void)
{
  const char *root = g_getenv("CARPALSCOPE_REALDATA");
  g_autofree char *dir = root != NULL ? g_build_filename(root, "median-nerve", NULL) : NULL;
  g_autofree char *images = dir != NULL ? g_build_filename(dir, "images", NULL) : NULL;
  g_autofree char *masks = dir != NULL ? g_build_filename(dir, "masks", NULL) : NULL;
  g_autofree char *out = g_build_filename(tmp_dir, "real.safetensors", NULL);
  CsSegTrainOptions opt;
  CsSegTrainSummary sum;
  GError *error = NULL;
  csnn_seg *seg;

  if (images == NULL || !g_file_test(images, G_FILE_TEST_IS_DIR)) {
    g_test_skip("no real data (CARPALSCOPE_REALDATA/median-nerve)");
    return;
  }
  cs_seg_train_options_init(&opt);
  opt.images_dir = images;
  opt.masks_dir = masks;
  opt.out_path = out;
  opt.height = 48;
  opt.width = 64;
  opt.base = 4;
  opt.depth = 2;
  opt.epochs = 1;
  opt.batch = 4;
  opt.max_images = 16;
  opt.folds = 3;
  g_assert_true(cs_seg_train_run(&opt, NULL, NULL, &sum, &error));
  g_assert_no_error(error);
  /* The first 16 images are of 6 patients; none is on both sides, or the sum would be more. */
  g_assert_cmpint(sum.n_train_patients + sum.best.n_patients, ==, 6);
  g_assert_cmpint(sum.n_train_images + sum.best.n_images, ==, 16);
  g_assert_cmpint(csnn_seg_load(out, &seg), ==, CSNN_OK);
  csnn_seg_free(seg);
  g_unlink(out);
}

int
main(int argc, char **argv)
{
  int status;

  g_test_init(&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp("seg-train-XXXXXX", NULL);
  make_data_set(tmp_dir);
  g_test_add_func("/engine/seg-train/train", test_train);
  g_test_add_func("/engine/seg-train/errors", test_errors);
  g_test_add_func("/engine/seg-train/mask-from-prob", test_mask_from_prob);
  g_test_add_func("/engine/seg-train/flip-predict", test_flip_predict);
  g_test_add_func("/engine/seg-train/flip-finder", test_flip_finder);
  g_test_add_func("/engine/seg-train/real", test_real);
  status = g_test_run();
  {
    g_autofree char *rm_images = g_build_filename(tmp_dir, "images", NULL);
    g_autofree char *rm_masks = g_build_filename(tmp_dir, "masks", NULL);
    const char *dirs[] = { rm_images, rm_masks };
    for (int d = 0; d < 2; d++) {
      GDir *dir = g_dir_open(dirs[d], 0, NULL);
      const char *name;
      while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *p = g_build_filename(dirs[d], name, NULL);
        g_unlink(p);
      }
      if (dir != NULL)
        g_dir_close(dir);
      g_rmdir(dirs[d]);
    }
    g_rmdir(tmp_dir);
  }
  g_free(tmp_dir);
  return status;
}
