/* test-cli-segment.c — carpalscope-cli train-seg and segment on a drawn data set
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cairo draws 8 "patients" of 3 images (a bright ellipse, the nerve, on speckle) and their
 * masks; train-seg trains a tiny U-Net on 6 patients; segment must then find the ellipse of a new
 * image (found, centroid and box around it, JSON as documented), write its mask as an 8-bit gray
 * PNG of the image's size, one per frame for a folder of frames, and report bad use clearly.
 * Installed, the model is listed as a segmenter, taken by segment without --model and never by
 * classify, and places the ROI of classify and explain with --roi auto. The shipped nerve model
 * outlines a real image of the shared set (skipped when ../shared is absent).
 */
#include "cli-run.h"
#include "test-realdata.h"

#include <cairo.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#define W 96
#define H 64

static char *dir;

static void
write_png(const char *path, const guint8 *gray)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
  unsigned char *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);

  cairo_surface_flush(s);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      guint32 v = gray[y * W + x];
      *(guint32 *)(data + y * stride + x * 4) = v << 16 | v << 8 | v;
    }
  cairo_surface_mark_dirty(s);
  g_assert_cmpint(cairo_surface_write_to_png(s, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy(s);
}

/* Draws an ellipse centred at (@cx, @cy) into @img and @mask. */
static void
draw(GRand *rand, double cx, double cy, double rx, double ry, guint8 *img, guint8 *mask)
{
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      double d = (x - cx) * (x - cx) / (rx * rx) + (y - cy) * (y - cy) / (ry * ry);
      double v = (d < 1.0 ? 170 : 70) + g_rand_double_range(rand, -40, 40);
      img[y * W + x] = (guint8)CLAMP(v, 0, 255);
      mask[y * W + x] = d < 1.0 ? 255 : 0;
    }
}

static void
make_data(void)
{
  g_autofree char *images = g_build_filename(dir, "images", NULL);
  g_autofree char *masks = g_build_filename(dir, "masks", NULL);
  g_autofree char *sweep = g_build_filename(dir, "sweep", NULL);
  guint8 img[W * H], mask[W * H];
  GRand *rand = g_rand_new_with_seed(4);

  g_mkdir_with_parents(images, 0755);
  g_mkdir_with_parents(masks, 0755);
  g_mkdir_with_parents(sweep, 0755);
  for (int p = 0; p < 8; p++)
    for (int k = 0; k < 3; k++) {
      g_autofree char *name = g_strdup_printf("P%d-%03d.png", p, k);
      g_autofree char *ipath = g_build_filename(images, name, NULL);
      g_autofree char *mpath = g_build_filename(masks, name, NULL);

      draw(rand, g_rand_double_range(rand, 25, 71), g_rand_double_range(rand, 18, 46),
           g_rand_double_range(rand, 10, 16), g_rand_double_range(rand, 5, 9), img, mask);
      write_png(ipath, img);
      write_png(mpath, mask);
    }
  /* A still of its own and a sweep of three frames. */
  {
    g_autofree char *still = g_build_filename(dir, "still.png", NULL);
    draw(rand, 60, 30, 14, 8, img, mask);
    write_png(still, img);
  }
  for (int f = 0; f < 3; f++) {
    g_autofree char *name = g_strdup_printf("frame%03d.png", f);
    g_autofree char *path = g_build_filename(sweep, name, NULL);
    draw(rand, 40 + 5 * f, 32, 13, 7, img, mask);
    write_png(path, img);
  }
  g_rand_free(rand);
}

/* Runs segment --json with @model on the drawn @still: the nerve must be found at the
 * ellipse's centre (60, 30); returns its area in pixels. */
static gint64
segment_ellipse(const char *model, const char *still)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  CliResult r = cli_run("segment", "--model", model, "--json", still, NULL);
  JsonObject *o;
  gint64 area;

  g_assert_cmpint(r.status, ==, 0);
  g_assert_true(json_parser_load_from_data(parser, r.out, -1, NULL));
  o = json_node_get_object(json_parser_get_root(parser));
  g_assert_true(json_object_get_boolean_member(o, "found"));
  g_assert_cmpfloat(fabs(json_object_get_double_member(o, "centroid_x") - 60.0), <, 3.0);
  g_assert_cmpfloat(fabs(json_object_get_double_member(o, "centroid_y") - 30.0), <, 3.0);
  area = json_object_get_int_member(o, "area_px");
  cli_result_clear(&r);
  return area;
}

/* The JSON header of a safetensors file (after its 8-byte little-endian length). */
static JsonParser *
weights_header(const char *path)
{
  g_autofree char *data = NULL;
  gsize size = 0;
  guint64 n = 0;
  JsonParser *parser = json_parser_new();

  g_assert_true(g_file_get_contents(path, &data, &size, NULL));
  g_assert_cmpuint(size, >=, 8);
  for (int i = 7; i >= 0; i--)
    n = n << 8 | (guint8)data[i];
  g_assert_cmpuint(n, <=, size - 8);
  g_assert_true(json_parser_load_from_data(parser, data + 8, (gssize)n, NULL));
  return parser;
}

/* The image names (first column, header skipped) of a validation CSV train-seg wrote. */
static char *
csv_images(const char *path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GString *names = g_string_new(NULL);

  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  lines = g_strsplit(text, "\n", -1);
  for (int i = 1; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_string_append_printf(names, "%.*s;", (int)strcspn(lines[i], ","), lines[i]);
  return g_string_free(names, FALSE);
}

/* Two validation CSVs list the same held-out images. */
static void
assert_same_images(const char *a, const char *b)
{
  g_autofree char *na = csv_images(a), *nb = csv_images(b);

  g_assert_cmpstr(na, !=, "");
  g_assert_cmpstr(na, ==, nb);
}

/* Returns the 8-bit gray PNG's size, failing unless it is one. */
static void
assert_gray_png(const char *path, int *w, int *h)
{
  g_autofree guint8 *data = NULL;
  gsize len;

  g_assert_true(g_file_get_contents(path, (char **)&data, &len, NULL));
  g_assert_cmpuint(len, >, 33);
  *w = data[16] << 24 | data[17] << 16 | data[18] << 8 | data[19];
  *h = data[20] << 24 | data[21] << 16 | data[22] << 8 | data[23];
  g_assert_cmpint(data[24], ==, 8); /* Bit depth. */
  g_assert_cmpint(data[25], ==, 0); /* Colour type: gray. */
}

static void
test_train_and_segment(void)
{
  g_autofree char *images = g_build_filename(dir, "images", NULL);
  g_autofree char *masks = g_build_filename(dir, "masks", NULL);
  g_autofree char *model = g_build_filename(dir, "nerve.safetensors", NULL);
  g_autofree char *still = g_build_filename(dir, "still.png", NULL);
  g_autofree char *sweep = g_build_filename(dir, "sweep", NULL);
  g_autofree char *mask = g_build_filename(dir, "mask.png", NULL);
  g_autofree char *frame_mask = g_build_filename(dir, "mask-00001.png", NULL);
  /* Not .safetensors: the catalogue of the installed-model test below does not list it. */
  g_autofree char *mixed = g_build_filename(dir, "phantom-mix.weights", NULL);
  g_autofree char *refined = g_build_filename(dir, "two-stage.weights", NULL);
  g_autofree char *second = g_build_filename(dir, "second-locator.weights", NULL);
  g_autofree char *first = g_build_filename(dir, "first-again.weights", NULL);
  g_autofree char *first_csv = g_build_filename(dir, "first.csv", NULL);
  g_autofree char *second_csv = g_build_filename(dir, "second.csv", NULL);
  g_autofree char *ensemble = g_build_filename(dir, "ensemble.weights", NULL);
  g_autofree char *small = g_build_filename(dir, "small-locator.weights", NULL);
  CliResult r =
      cli_run("train-seg", "--images", images, "--masks", masks, "--out", model, "--height", "32",
              "--width", "48", "--base", "4", "--depth", "2", "--epochs", "30", "--batch", "2",
              "--lr", "0.01", "--folds", "4", "--fold", "1", "--seed", "5", "--quiet", NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *o;
  JsonArray *bbox;
  gint64 located_area, refined_area;
  int w, h;

  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "trained on 18 images of 6 patients"));
  g_assert_nonnull(strstr(r.out, "held-out 6 images of 2 patients"));
  cli_result_clear(&r);

  r = cli_run("segment", "--model", model, "--json", "--out-mask", mask, still, NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_true(json_parser_load_from_data(parser, r.out, -1, NULL));
  o = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpint(json_object_get_int_member(o, "frame"), ==, 0);
  g_assert_true(json_object_get_boolean_member(o, "found"));
  g_assert_true(json_object_get_null_member(o, "area_mm2"));
  g_assert_true(json_object_get_null_member(o, "mm_source"));
  g_assert_true(json_object_get_null_member(o, "no_mm_reason"));
  g_assert_cmpfloat(json_object_get_double_member(o, "score"), >, 0.5);
  /* The ellipse: centre (60, 30), 14 x 8, area about 350 px. */
  g_assert_cmpfloat(fabs(json_object_get_double_member(o, "centroid_x") - 60.0), <, 3.0);
  g_assert_cmpfloat(fabs(json_object_get_double_member(o, "centroid_y") - 30.0), <, 3.0);
  g_assert_cmpint(json_object_get_int_member(o, "area_px"), >, 200);
  g_assert_cmpint(json_object_get_int_member(o, "area_px"), <, 500);
  located_area = json_object_get_int_member(o, "area_px");
  bbox = json_object_get_array_member(o, "bbox");
  g_assert_cmpuint(json_array_get_length(bbox), ==, 4);
  g_assert_cmpint(json_array_get_int_element(bbox, 0), <, 60);
  g_assert_cmpint(json_array_get_int_element(bbox, 2), >, 60);
  assert_gray_png(mask, &w, &h);
  g_assert_cmpint(w, ==, W);
  g_assert_cmpint(h, ==, H);
  cli_result_clear(&r);

  /* A folder of frames: one line and one mask per frame selected. */
  r = cli_run("segment", "--model", model, "--frames", "1:3", "--out-mask", mask, sweep, NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "frame 1: nerve at"));
  g_assert_nonnull(strstr(r.out, "frame 2: nerve at"));
  g_assert_null(strstr(r.out, "frame 0"));
  assert_gray_png(frame_mask, &w, &h);
  cli_result_clear(&r);

  /* Bad use: bad frames, a classifier or a missing file as the model. */
  r = cli_run("segment", "--model", model, "--frames", "3:1", sweep, NULL);
  g_assert_cmpint(r.status, ==, 2);
  cli_result_clear(&r);
  r = cli_run("segment", "--model", still, still, NULL);
  g_assert_cmpint(r.status, ==, 1);
  g_assert_nonnull(strstr(r.err, "still.png"));
  cli_result_clear(&r);
  r = cli_run("train-seg", "--images", images, "--masks", masks, NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_nonnull(strstr(r.err, "--out"));
  cli_result_clear(&r);
  r = cli_run("train-seg", "--images", images, "--masks", masks, "--out", model, "--phantom", "-1",
              NULL);
  g_assert_cmpint(r.status, ==, 2);
  cli_result_clear(&r);

  /* A second stage for that locator, on the same folds: scored with and without it; one file
   * holds both and segment runs both. */
  r = cli_run("train-seg", "--images", images, "--masks", masks, "--out", refined, "--refine",
              model, "--height", "16", "--width", "32", "--base", "4", "--depth", "2", "--epochs",
              "30", "--batch", "2", "--lr", "0.01", "--folds", "4", "--fold", "1", "--seed", "5",
              "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "trained on 18 images of 6 patients"));
  g_assert_nonnull(strstr(r.out, "held-out 6 images of 2 patients"));
  g_assert_nonnull(strstr(r.out, "the locator alone: Dice mean"));
  cli_result_clear(&r);
  refined_area = segment_ellipse(refined, still);
  g_assert_cmpint(refined_area, >, 200);
  g_assert_cmpint(refined_area, <, 500);
  /* The outline is the refiner's, not the locator's alone. */
  g_assert_cmpint(refined_area, !=, located_area);
  r = cli_run("train-seg", "--images", images, "--masks", masks, "--out", refined, "--refine",
              model, "--flip-test", NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_nonnull(strstr(r.err, "--flip-test"));
  cli_result_clear(&r);

  /* An ensemble: a second locator from another seed on the same patients (--fold-seed), both
   * given to --refine; their maps are averaged, the file holds both and segment runs all three
   * networks. A locator of another input size is refused. */
  r = cli_run("train-seg", "--images", images, "--masks", masks, "--out", second, "--height", "32",
              "--width", "48", "--base", "4", "--depth", "2", "--epochs", "30", "--batch", "2",
              "--lr", "0.01", "--folds", "4", "--fold", "1", "--seed", "6", "--fold-seed", "5",
              "--val-csv", second_csv, "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 0);
  cli_result_clear(&r);
  r = cli_run("train-seg", "--images", images, "--masks", masks, "--out", first, "--height", "32",
              "--width", "48", "--base", "4", "--depth", "2", "--epochs", "1", "--batch", "2",
              "--folds", "4", "--fold", "1", "--seed", "5", "--val-csv", first_csv, "--quiet",
              NULL);
  g_assert_cmpint(r.status, ==, 0);
  cli_result_clear(&r);
  assert_same_images(first_csv, second_csv);
  r = cli_run("train-seg", "--images", images, "--masks", masks, "--out", ensemble, "--refine",
              model, "--refine", second, "--height", "16", "--width", "32", "--base", "4",
              "--depth", "2", "--epochs", "30", "--batch", "2", "--lr", "0.01", "--folds", "4",
              "--fold", "1", "--seed", "5", "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "held-out 6 images of 2 patients"));
  cli_result_clear(&r);
  {
    g_autoptr(JsonParser) header = weights_header(ensemble);
    JsonObject *meta = json_object_get_object_member(
        json_node_get_object(json_parser_get_root(header)), "__metadata__");

    g_assert_cmpstr(json_object_get_string_member(meta, "locator.1.arch"), ==, "csnn_unet");
    g_assert_false(json_object_has_member(meta, "locator.2.arch"));
    g_assert_nonnull(strstr(json_object_get_string_member(meta, "recipe"),
                            "2 networks whose maps are averaged"));
    g_assert_nonnull(strchr(json_object_get_string_member(meta, "locator_sha256"), ','));
  }
  segment_ellipse(ensemble, still);
  r = cli_run("train-seg", "--images", images, "--masks", masks, "--out", small, "--height", "16",
              "--width", "32", "--base", "4", "--depth", "2", "--epochs", "1", "--batch", "2",
              "--folds", "4", "--fold", "1", "--seed", "5", "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 0);
  cli_result_clear(&r);
  r = cli_run("train-seg", "--images", images, "--masks", masks, "--out", ensemble, "--refine",
              model, "--refine", small, "--height", "16", "--width", "32", "--epochs", "1",
              "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 1);
  g_assert_nonnull(strstr(r.err, "another input size"));
  cli_result_clear(&r);

  /* Phantom frames mixed in: trained on, never held out, named in the weights. */
  r = cli_run("train-seg", "--images", images, "--masks", masks, "--out", mixed, "--height", "32",
              "--width", "48", "--base", "4", "--depth", "2", "--epochs", "1", "--batch", "2",
              "--folds", "4", "--fold", "1", "--phantom", "3", "--quiet", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "(3 phantom frames among the training images)"));
  g_assert_nonnull(strstr(r.out, "trained on 21 images of 6 patients"));
  g_assert_nonnull(strstr(r.out, "held-out 6 images of 2 patients"));
  cli_result_clear(&r);
}

/* Runs @maker to write a seeded random classifier to @path. */
static void
make_classifier(const char *path)
{
  const char *argv[] = { g_getenv("CARPALSCOPE_MAKE_TEST_MODEL"), "squeezenet1_1", path, NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_nonnull(argv[0]);
  g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error(error);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
}

/* The drawn model installed: a segmenter, the default of segment, never a classifier's. */
static void
test_installed(void)
{
  g_autofree char *still = g_build_filename(dir, "still.png", NULL);
  g_autofree char *sweep = g_build_filename(dir, "sweep", NULL);
  g_autofree char *classifier = g_build_filename(dir, "zz-classifier.safetensors", NULL);
  g_autofree char *overlay = g_build_filename(dir, "overlay.png", NULL);
  CliResult r;

  make_classifier(classifier);
  g_setenv("CARPALSCOPE_MODELSDIR", dir, TRUE);

  r = cli_run("models", "--json", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "\"id\":\"nerve\",\"path\""));
  g_assert_nonnull(strstr(r.out, "\"kind\":\"segmenter\",\"arch\":\"csnn_unet\""));
  g_assert_nonnull(strstr(r.out, "\"kind\":\"classifier\",\"arch\":\"squeezenet1_1\""));
  g_assert_nonnull(strstr(r.out, "\"input_width\":48,\"input_height\":32"));
  cli_result_clear(&r);
  /* The ensemble trained above, installed for a moment: its locators are listed. */
  {
    g_autofree char *ensemble = g_build_filename(dir, "ensemble.weights", NULL);
    g_autofree char *installed = g_build_filename(dir, "zz-ensemble.safetensors", NULL);
    g_autofree char *bytes = NULL;
    gsize size;

    g_assert_true(g_file_get_contents(ensemble, &bytes, &size, NULL));
    g_assert_true(g_file_set_contents(installed, bytes, (gssize)size, NULL));
    r = cli_run("models", NULL);
    g_assert_nonnull(strstr(r.out, "locators:   2, their maps averaged (an ensemble)"));
    cli_result_clear(&r);
    g_unlink(installed);
  }
  r = cli_run("models", NULL);
  g_assert_nonnull(strstr(r.out, "kind:       segmenter"));
  /* The shipped nerve-unet, in the build's models folder, has two stages: its refiner is listed,
   * and its one locator makes no ensemble. */
  g_assert_nonnull(strstr(r.out, "refiner:    160 x 80 window around the nerve found"));
  g_assert_null(strstr(r.out, "locators:"));
  cli_result_clear(&r);

  /* segment without --model takes the installed segmenter. */
  r = cli_run("segment", "--json", still, NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "\"found\": true"));
  cli_result_clear(&r);

  /* A segmenter is no classifier: named, it is refused clearly. */
  r = cli_run("classify", "--model", "nerve", still, NULL);
  g_assert_cmpint(r.status, ==, 1);
  g_assert_nonnull(strstr(r.err, "is a segmentation model"));
  cli_result_clear(&r);

  /* --roi auto: every frame of the sweep classified on the ROI around its nerve. */
  r = cli_run("classify", "--model", "zz-classifier", "--roi", "auto", "--json", sweep, NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "\"frame\":2"));
  g_assert_nonnull(strstr(r.out, "\"summary\""));
  cli_result_clear(&r);
  r = cli_run("classify", "--model", "zz-classifier", "--roi", "1,2,3", sweep, NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_nonnull(strstr(r.err, "or auto"));
  cli_result_clear(&r);
  r = cli_run("classify", "--model", "zz-classifier", "--nerve-model", "nerve", still, NULL);
  g_assert_cmpint(r.status, ==, 2);
  cli_result_clear(&r);
  r = cli_run("explain", "--method", "gradcam", "--model", "zz-classifier", "--roi", "auto",
              "--frame", "1", "--out", overlay, sweep, NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_true(g_file_test(overlay, G_FILE_TEST_EXISTS));
  cli_result_clear(&r);

  /* The finder against a phantom study's tracings (the phantom's exact outlines). */
  {
    g_autofree char *st = g_build_filename(dir, "st", NULL);
    g_autofree char *study = g_build_filename(st, "study.json", NULL);
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *o;
    JsonArray *frames;

    r = cli_run("phantom-study", "--hands-per-group", "1", "--frames", "6", "--seed", "3", "--out",
                st, "--quiet", NULL);
    g_assert_cmpint(r.status, ==, 0);
    cli_result_clear(&r);
    r = cli_run("evaluate", "--study", study, "--csa-agreement", "--json", NULL);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(json_parser_load_from_data(parser, r.out, -1, NULL));
    o = json_node_get_object(json_parser_get_root(parser));
    frames = json_object_get_array_member(o, "frames");
    g_assert_cmpuint(json_array_get_length(frames), ==, 2);
    for (guint i = 0; i < 2; i++) {
      JsonObject *f = json_array_get_object_element(frames, i);
      double dice = json_object_get_double_member(f, "dice");

      g_assert_cmpstr(json_object_get_string_member(f, "level"), ==, "inlet");
      g_assert_cmpfloat(dice, >=, 0.0);
      g_assert_cmpfloat(dice, <=, 1.0);
      /* The phantom nerve's true area at the inlet, in mm^2. */
      g_assert_cmpfloat(json_object_get_double_member(f, "manual_area_mm2"), >, 4.0);
      g_assert_cmpfloat(json_object_get_double_member(f, "manual_area_mm2"), <, 40.0);
    }
    g_assert_cmpstr(json_object_get_string_member(o, "unit"), ==, "mm2");
    g_assert_cmpint(json_object_get_int_member(o, "n_compared"), ==, 2);
    g_assert_true(json_object_has_member(o, "icc_2_1"));
    g_assert_cmpfloat(json_object_get_double_member(o, "lower_limit"), <=,
                      json_object_get_double_member(o, "upper_limit"));
    cli_result_clear(&r);
    r = cli_run("evaluate", "--study", study, "--csa-agreement", NULL);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_nonnull(strstr(r.out, "Bland-Altman"));
    cli_result_clear(&r);
    /* The study report carries the same agreement. */
    {
      g_autofree char *out = g_build_filename(dir, "study-report.json", NULL);
      g_autofree char *text = NULL;

      r = cli_run("report", "--study", study, "--study-report", "--model", "zz-classifier",
                  "--analyse", "--split", "all", "--replicates", "10", "--format", "json",
                  "--csa-agreement", "--quiet", "--out", out, NULL);
      g_assert_cmpint(r.status, ==, 0);
      cli_result_clear(&r);
      g_assert_true(g_file_get_contents(out, &text, NULL, NULL));
      g_assert_nonnull(strstr(text, "\"csa_agreement\""));
      g_assert_nonnull(strstr(text, "\"n_compared\" : 2"));
      r = cli_run("report", "--study", study, "--case", "cts-001", "--csa-agreement", "--out", out,
                  NULL);
      g_assert_cmpint(r.status, ==, 2);
      cli_result_clear(&r);
    }
    r = cli_run("evaluate", "--study", study, "--csa-agreement", "--level", "outlet", NULL);
    g_assert_cmpint(r.status, ==, 1);
    g_assert_nonnull(strstr(r.err, "no tracing of level outlet"));
    cli_result_clear(&r);
    r = cli_run("evaluate", "--study", study, "--level", "inlet", "--model", "zz-classifier", NULL);
    g_assert_cmpint(r.status, ==, 2);
    cli_result_clear(&r);
  }

  /* No nerve model anywhere: --roi auto says so. */
  g_setenv("CARPALSCOPE_MODELSDIR", "/nonexistent", TRUE);
  r = cli_run("classify", "--model", classifier, "--roi", "auto", "--nerve-model",
              "/nonexistent/nerve.safetensors", still, NULL);
  g_assert_cmpint(r.status, ==, 1);
  g_assert_nonnull(strstr(r.err, "/nonexistent/nerve.safetensors"));
  cli_result_clear(&r);
  g_unsetenv("CARPALSCOPE_MODELSDIR");
}

/* Reads a PNG's pixels as 0/1 (white or not), through cairo. */
static guint8 *
read_binary_png(const char *path, int *w, int *h)
{
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  guint8 *out;
  int stride;
  cairo_format_t format;

  g_assert_cmpint(cairo_surface_status(s), ==, CAIRO_STATUS_SUCCESS);
  *w = cairo_image_surface_get_width(s);
  *h = cairo_image_surface_get_height(s);
  stride = cairo_image_surface_get_stride(s);
  format = cairo_image_surface_get_format(s);
  out = g_malloc((gsize)*w * *h);
  for (int y = 0; y < *h; y++)
    for (int x = 0; x < *w; x++) {
      const unsigned char *row = cairo_image_surface_get_data(s) + (gsize)y * stride;
      guint32 v = format == CAIRO_FORMAT_A8   ? row[x]
                  : format == CAIRO_FORMAT_A1 ? (row[x / 8] >> (x % 8)) & 1
                                              : ((const guint32 *)row)[x] & 0xff;
      out[y * *w + x] = v != 0;
    }
  cairo_surface_destroy(s);
  return out;
}

/* The shipped nerve model on a real image it was trained on: the expert's nerve, outlined. */
static void
test_real_image(void)
{
  g_autofree char *image =
      test_realdata_path("median-nerve/images/Pz001-001.png", G_FILE_TEST_IS_REGULAR);
  g_autofree char *truth =
      test_realdata_path("median-nerve/masks/Pz001-001.png", G_FILE_TEST_IS_REGULAR);
  g_autofree char *found = g_build_filename(dir, "real-mask.png", NULL);
  g_autofree guint8 *a = NULL, *b = NULL;
  CliResult r;
  int wa, ha, wb, hb;
  gsize both = 0, na = 0, nb = 0;

  if (image == NULL || truth == NULL)
    return;
  r = cli_run("segment", "--model", "nerve-unet", "--out-mask", found, image, NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "frame 0: nerve at"));
  cli_result_clear(&r);
  a = read_binary_png(found, &wa, &ha);
  b = read_binary_png(truth, &wb, &hb);
  g_assert_cmpint(wa, ==, wb);
  g_assert_cmpint(ha, ==, hb);
  for (int i = 0; i < wa * ha; i++) {
    na += a[i];
    nb += b[i];
    both += a[i] & b[i];
  }
  g_test_message("Dice %.3f against the expert's mask", 2.0 * both / (double)(na + nb));
  g_assert_cmpfloat(2.0 * both / (double)(na + nb), >, 0.7);
}

static void
remove_tree(const char *path)
{
  GDir *d = g_dir_open(path, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
    g_autofree char *p = g_build_filename(path, name, NULL);
    if (g_file_test(p, G_FILE_TEST_IS_DIR))
      remove_tree(p);
    else
      g_unlink(p);
  }
  if (d != NULL)
    g_dir_close(d);
  g_rmdir(path);
}

int
main(int argc, char **argv)
{
  int status;

  g_test_init(&argc, &argv, NULL);
  dir = g_dir_make_tmp("cli-segment-XXXXXX", NULL);
  make_data();
  g_test_add_func("/cli/segment/train-and-segment", test_train_and_segment);
  g_test_add_func("/cli/segment/installed", test_installed);
  g_test_add_func("/cli/segment/real-image", test_real_image);
  status = g_test_run();
  remove_tree(dir);
  g_free(dir);
  return status;
}
