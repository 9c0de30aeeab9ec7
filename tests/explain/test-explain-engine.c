/* test-explain-engine.c — explanations through the CNN engine and carpalscope-cli explain
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "../cli/cli-run.h"
#include "cs-error.h"
#include "cs-explain-net.h"
#include "cs-explain.h"
#include "csnn-net.h"
#include "explain-test-util.h"

#include <cairo.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#define SIZE 224

/* SqueezeNet 1.1 with He-initialised random weights (fixed seed): the smallest of the three
 * architectures, enough to check the wiring without a trained model. */
static csnn_net *
random_squeezenet(void)
{
  csnn_net *net = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed(2026);

  g_assert_cmpint(csnn_net_new("squeezenet1_1", 2, &net), ==, CSNN_OK);
  for (size_t i = 0; i < csnn_net_n_params(net); i++) {
    csnn_param *p = csnn_net_param(net, i);
    if (p->ndim == 4) {
      double fan_in = (double)(p->shape[1] * p->shape[2] * p->shape[3]);
      double sd = sqrt(2.0 / fan_in);
      for (size_t k = 0; k < p->numel; k++) {
        /* Box-Muller from GRand. */
        double u = g_rand_double_range(rand, 1e-12, 1.0), v = g_rand_double(rand);
        p->data[k] = (float)(sd * sqrt(-2.0 * log(u)) * cos(2.0 * G_PI * v));
      }
    } else {
      for (size_t k = 0; k < p->numel; k++)
        p->data[k] = (float)g_rand_double_range(rand, -0.05, 0.05);
    }
  }
  csnn_net_params_changed(net);
  return net;
}

static guint8 *
test_crop(void)
{
  guint8 *crop = g_malloc(SIZE * SIZE);

  explain_test_synthetic_crop(21, SIZE, SIZE, crop, NULL);
  return crop;
}

/* The net scorer gives each image the softmax probability (or logit) that the engine gives it
 * alone, whatever batch it came in. */
static void
test_net_scorer(void)
{
  csnn_net *net = random_squeezenet();
  g_autofree guint8 *crop = test_crop();
  g_autofree guint8 *images = g_malloc(3 * SIZE * SIZE);
  float p[3], logit[3], alone[2];
  g_autoptr(GError) error = NULL;

  memcpy(images, crop, SIZE * SIZE);
  memset(images + SIZE * SIZE, 90, SIZE * SIZE);
  for (int i = 0; i < SIZE * SIZE; i++)
    images[2 * SIZE * SIZE + i] = (guint8)(255 - crop[i]);
  g_autoptr(CsExplainNetScorer) prob =
      cs_explain_net_scorer_new(net, 1, CS_EXPLAIN_SCORE_PROBABILITY, &error);
  g_autoptr(CsExplainNetScorer) raw =
      cs_explain_net_scorer_new(net, 0, CS_EXPLAIN_SCORE_LOGIT, &error);
  g_assert_no_error(error);
  g_assert_true(cs_explain_net_score_cb(images, 3, SIZE, SIZE, p, prob, &error));
  g_assert_true(cs_explain_net_score_cb(images, 3, SIZE, SIZE, logit, raw, &error));
  g_assert_no_error(error);
  for (int i = 0; i < 3; i++) {
    csnn_crop one = { images + (gsize)i * SIZE * SIZE, SIZE, SIZE, SIZE };
    float p_cts = 0;
    g_assert_cmpint(csnn_net_classify(net, &one, 1, alone, &p_cts, NULL, NULL), ==, CSNN_OK);
    g_assert_cmpfloat_with_epsilon(p[i], p_cts, 1e-5);
    g_assert_cmpfloat_with_epsilon(logit[i], alone[0], 1e-4 * MAX(1.0, fabsf(alone[0])));
  }
  /* A random network still tells these three images apart. */
  g_assert_cmpfloat(fabsf(p[0] - p[1]) + fabsf(p[0] - p[2]), >, 1e-4);

  g_autoptr(GError) bad = NULL;
  g_assert_null(cs_explain_net_scorer_new(net, 2, CS_EXPLAIN_SCORE_LOGIT, &bad));
  g_assert_error(bad, CS_ERROR, CS_ERROR_INVALID);
  csnn_net_free(net);
}

/* Occlusion and LIME run through the engine in batches; the occlusion map agrees with scoring
 * each occluded image on its own, and LIME's seed repeats its map bit for bit. */
static void
test_explain_through_engine(void)
{
  csnn_net *net = random_squeezenet();
  g_autofree guint8 *crop = test_crop();
  g_autoptr(CsExplainNetScorer) ns =
      cs_explain_net_scorer_new(net, 1, CS_EXPLAIN_SCORE_LOGIT, NULL);
  CsExplainScorer scorer = { .batch_size = 8 };
  CsOcclusionParams occlusion;
  CsLimeParams lime;
  g_autoptr(GError) error = NULL;

  cs_explain_net_scorer_bind(ns, &scorer);
  cs_occlusion_params_init(&occlusion);
  occlusion.mask_px = 112;
  occlusion.stride_px = 112;
  g_autoptr(CsExplanation) occ =
      cs_explain_occlusion(crop, SIZE, SIZE, &occlusion, &scorer, &error);
  g_assert_no_error(error);
  g_assert_cmpint(occ->n_windows, ==, 4);

  /* The top-left quarter is covered by one window only: its value is that window's drop. */
  g_autofree guint8 *covered = g_memdup2(crop, SIZE * SIZE);
  guint64 sum = 0;
  for (int i = 0; i < SIZE * SIZE; i++)
    sum += crop[i];
  guint8 mean = (guint8)((sum + SIZE * SIZE / 2) / (SIZE * SIZE));
  for (int y = 0; y < 112; y++)
    memset(covered + y * SIZE, mean, 112);
  float base[2], hidden[2];
  csnn_crop a = { crop, SIZE, SIZE, SIZE }, b = { covered, SIZE, SIZE, SIZE };
  g_assert_cmpint(csnn_net_classify(net, &a, 1, base, NULL, NULL, NULL), ==, CSNN_OK);
  g_assert_cmpint(csnn_net_classify(net, &b, 1, hidden, NULL, NULL, NULL), ==, CSNN_OK);
  g_assert_cmpfloat_with_epsilon(occ->map[10 * SIZE + 10], base[1] - hidden[1],
                                 1e-4 * MAX(1.0, fabsf(base[1])));

  cs_lime_params_init(&lime);
  lime.n_samples = 24;
  lime.n_segments = 12;
  lime.seed = 5;
  g_autoptr(CsExplanation) l1 = cs_explain_lime(crop, SIZE, SIZE, &lime, &scorer, &error);
  g_assert_no_error(error);
  g_autoptr(CsExplanation) l2 = cs_explain_lime(crop, SIZE, SIZE, &lime, &scorer, &error);
  g_assert_no_error(error);
  g_assert_cmpmem(l1->map, SIZE * SIZE * sizeof(float), l2->map, SIZE * SIZE * sizeof(float));
  csnn_net_free(net);
}

static char *
save_model(const char *dir)
{
  csnn_net *net = random_squeezenet();
  char *path = g_build_filename(dir, "random-squeezenet.safetensors", NULL);
  const char *metadata[] = { "arch",       "squeezenet1_1",
                             "classes",    "[\"control\",\"cts\"]",
                             "trained_on", "nothing: random weights for a test",
                             NULL };

  g_assert_cmpint(csnn_net_save(net, path, metadata), ==, CSNN_OK);
  csnn_net_free(net);
  return path;
}

/* A gray still image as binary PGM, which the media layer reads. */
static char *
save_still(const char *dir)
{
  char *path = g_build_filename(dir, "still.pgm", NULL);
  const int w = 300, h = 260;
  g_autofree guint8 *pixels = g_malloc(w * h);
  g_autofree char *header = g_strdup_printf("P5\n%d %d\n255\n", w, h);
  g_autoptr(GByteArray) bytes = g_byte_array_new();

  explain_test_synthetic_crop(4, w, h, pixels, NULL);
  g_byte_array_append(bytes, (const guint8 *)header, (guint)strlen(header));
  g_byte_array_append(bytes, pixels, w * h);
  g_assert_true(g_file_set_contents(path, (const char *)bytes->data, bytes->len, NULL));
  return path;
}

static void
remove_all(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_unlink(path);
  }
  g_rmdir(dir);
}

/* carpalscope-cli explain writes the overlay, the raw map and a sidecar that says how. */
static void
test_cli(void)
{
  if (g_getenv("CARPALSCOPE_CLI") == NULL) {
    g_test_skip("CARPALSCOPE_CLI is not set");
    return;
  }
  g_autofree char *dir = g_dir_make_tmp("cs-explain-cli-XXXXXX", NULL);
  g_autofree char *model = save_model(dir);
  g_autofree char *still = save_still(dir);
  g_autofree char *png = g_build_filename(dir, "lime.png", NULL);
  g_autofree char *raw = g_build_filename(dir, "lime.f32", NULL);
  g_autofree char *json_path = g_strconcat(raw, ".json", NULL);
  g_autofree char *occ_png = g_build_filename(dir, "occlusion.png", NULL);

  CliResult lime = cli_run("explain", "--method", "lime", "--model", model, "--roi",
                           "20,10,240,240", "--seed", "7", "--samples", "16", "--segments", "9",
                           "--repeats", "2", "--out", png, "--raw", raw, still, NULL);
  g_test_message("lime: %d %s %s", lime.status, lime.out, lime.err);
  g_assert_cmpint(lime.status, ==, 0);
  g_assert_cmpstr(lime.err, ==, "");
  g_assert_true(g_file_test(png, G_FILE_TEST_IS_REGULAR));
  g_autofree char *sd = g_strconcat(raw, ".sd", NULL);
  g_assert_true(g_file_test(sd, G_FILE_TEST_IS_REGULAR));
  gsize length = 0;
  g_autofree char *map = NULL;
  g_assert_true(g_file_get_contents(raw, &map, &length, NULL));
  g_assert_cmpuint(length, ==, 224 * 224 * 4);

  g_autoptr(JsonParser) parser = json_parser_new();
  g_assert_true(json_parser_load_from_file(parser, json_path, NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpstr(json_object_get_string_member(o, "method"), ==, "lime");
  g_assert_cmpint(json_object_get_int_member(o, "width"), ==, 224);
  g_assert_cmpint(json_object_get_int_member(o, "height"), ==, 224);
  g_assert_cmpint(json_object_get_int_member(o, "seed"), ==, 7);
  g_assert_cmpint(json_object_get_int_member(o, "frame"), ==, 0);
  g_assert_cmpstr(json_object_get_string_member(o, "input"), ==, still);
  g_assert_cmpstr(json_object_get_string_member(o, "class"), ==, "cts");
  g_assert_cmpuint(strlen(json_object_get_string_member(o, "model_hash")), ==, 64);
  g_assert_true(json_object_has_member(o, "r2"));
  JsonArray *roi = json_object_get_array_member(o, "roi");
  g_assert_cmpint(json_array_get_int_element(roi, 2), ==, 240);
  JsonObject *params = json_object_get_object_member(o, "parameters");
  g_assert_cmpint(json_object_get_int_member(params, "samples"), ==, 16);
  g_assert_cmpint(json_object_get_int_member(params, "repeats"), ==, 2);
  cli_result_clear(&lime);

  /* mm lengths need the spacing: 2.4 mm at 0.05 mm/px over a 240 px ROI on 224 px is 45 px. */
  CliResult occ =
      cli_run("explain", "--method", "occlusion", "--model", model, "--roi", "20,10,240,240",
              "--mask", "2.4mm", "--stride", "112", "--mm-per-px", "0.05", "--fill", "blur",
              "--colormap", "turbo", "--out", occ_png, still, NULL);
  g_test_message("occlusion: %d %s %s", occ.status, occ.out, occ.err);
  g_assert_cmpint(occ.status, ==, 0);
  g_assert_nonnull(strstr(occ.out, "mask 45 px"));
  g_assert_true(g_file_test(occ_png, G_FILE_TEST_IS_REGULAR));
  cli_result_clear(&occ);

  /* Runtime errors exit 1 with one line; usage errors exit 2. */
  CliResult no_spacing = cli_run("explain", "--method", "occlusion", "--model", model, "--mask",
                                 "3mm", "--out", occ_png, still, NULL);
  g_assert_cmpint(no_spacing.status, ==, 1);
  g_assert_nonnull(strstr(no_spacing.err, "pixel spacing"));
  cli_result_clear(&no_spacing);
  CliResult missing = cli_run("explain", "--method", "lime", "--model", model, "--out", png,
                              "/nonexistent/still.png", NULL);
  g_assert_cmpint(missing.status, ==, 1);
  cli_result_clear(&missing);
  CliResult bad_method = cli_run("explain", "--method", "saliency", "--out", png, still, NULL);
  g_assert_cmpint(bad_method.status, ==, 2);
  cli_result_clear(&bad_method);
  CliResult bad_roi =
      cli_run("explain", "--method", "lime", "--roi", "1,2,3", "--out", png, still, NULL);
  g_assert_cmpint(bad_roi.status, ==, 2);
  cli_result_clear(&bad_roi);
  g_autofree char *cam_png = g_build_filename(dir, "gradcam.png", NULL);
  g_autofree char *cam_raw = g_build_filename(dir, "gradcam.f32", NULL);
  g_autofree char *cam_json = g_strconcat(cam_raw, ".json", NULL);
  CliResult gradcam = cli_run("explain", "--method", "gradcam", "--model", model, "--roi",
                              "20,10,240,240", "--out", cam_png, "--raw", cam_raw, still, NULL);
  g_test_message("gradcam: %d %s %s", gradcam.status, gradcam.out, gradcam.err);
  g_assert_cmpint(gradcam.status, ==, 0);
  g_assert_nonnull(strstr(gradcam.out, "gradcam of the logit"));
  g_assert_true(g_file_test(cam_png, G_FILE_TEST_IS_REGULAR));
  {
    /* The picture shows the 240-px ROI at its own resolution (with the colour bar beside it),
     * whatever the network's input side. */
    cairo_surface_t *picture = cairo_image_surface_create_from_png(cam_png);

    g_assert_cmpint(cairo_surface_status(picture), ==, CAIRO_STATUS_SUCCESS);
    g_assert_cmpint(cairo_image_surface_get_height(picture), ==, 240);
    g_assert_cmpint(cairo_image_surface_get_width(picture), >, 240);
    cairo_surface_destroy(picture);
  }
  g_autoptr(JsonParser) cam_parser = json_parser_new();
  g_assert_true(json_parser_load_from_file(cam_parser, cam_json, NULL));
  JsonObject *cam = json_node_get_object(json_parser_get_root(cam_parser));
  g_assert_cmpstr(json_object_get_string_member(cam, "method"), ==, "gradcam");
  g_assert_cmpstr(json_object_get_string_member(cam, "score"), ==, "logit");
  g_assert_true(
      json_object_get_boolean_member(json_object_get_object_member(cam, "parameters"), "relu"));
  cli_result_clear(&gradcam);

  remove_all(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/explain/engine/net-scorer", test_net_scorer);
  g_test_add_func("/explain/engine/occlusion-lime", test_explain_through_engine);
  g_test_add_func("/explain/engine/cli", test_cli);
  return g_test_run();
}
