/* test-explain-colormap.c — colour maps against matplotlib, overlays, legends, raw output
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-colormap.h"
#include "cs-explain.h"

#include <glib/gstdio.h>
#include <math.h>
#include <json-glib/json-glib.h>
#include <string.h>

static void
assert_rgb(const guint8 *lut, int entry, int r, int g, int b)
{
  g_assert_cmpint(lut[entry * 3], ==, r);
  g_assert_cmpint(lut[entry * 3 + 1], ==, g);
  g_assert_cmpint(lut[entry * 3 + 2], ==, b);
}

/* The ends of each published map (matplotlib 3.6's 8-bit values) and the white middle of the
 * diverging map, checked without Python. */
static void
test_anchor_values(void)
{
  assert_rgb(cs_colormap_lut(CS_COLORMAP_VIRIDIS), 0, 68, 1, 84);
  assert_rgb(cs_colormap_lut(CS_COLORMAP_VIRIDIS), 255, 253, 231, 37);
  assert_rgb(cs_colormap_lut(CS_COLORMAP_INFERNO), 0, 0, 0, 4);
  assert_rgb(cs_colormap_lut(CS_COLORMAP_INFERNO), 255, 252, 255, 164);
  assert_rgb(cs_colormap_lut(CS_COLORMAP_TURBO), 0, 48, 18, 59);
  assert_rgb(cs_colormap_lut(CS_COLORMAP_TURBO), 255, 122, 4, 3);
  assert_rgb(cs_colormap_lut(CS_COLORMAP_DIVERGING), 0, 5, 48, 97);
  assert_rgb(cs_colormap_lut(CS_COLORMAP_DIVERGING), 255, 103, 0, 31);
  const guint8 *mid = cs_colormap_lut(CS_COLORMAP_DIVERGING) + 128 * 3;
  g_assert_cmpint(mid[0], >=, 240);
  g_assert_cmpint(mid[1], >=, 240);
  g_assert_cmpint(mid[2], >=, 240);

  CsColormap map;
  g_assert_true(cs_colormap_from_name("turbo", &map));
  g_assert_cmpint(map, ==, CS_COLORMAP_TURBO);
  g_assert_cmpstr(cs_colormap_name(CS_COLORMAP_DIVERGING), ==, "diverging");
  g_assert_false(cs_colormap_from_name("jet", &map));
}

/* Every entry against matplotlib's own tables (viridis, inferno, turbo and RdBu_r, the same
 * ColorBrewer map our diverging one is built from), within one 8-bit step. */
static void
test_against_matplotlib(void)
{
  const char *python = g_getenv("CARPALSCOPE_PYTHON");
  const char *script =
      "import sys\n"
      "try:\n"
      "    import matplotlib, numpy as np\n"
      "except ImportError:\n"
      "    sys.exit(77)\n"
      "x = np.arange(256) / 255.0\n"
      "for name in ('viridis', 'inferno', 'turbo', 'RdBu_r'):\n"
      "    lut = np.round(matplotlib.colormaps[name](x)[:, :3] * 255).astype(int)\n"
      "    print(' '.join(str(v) for v in lut.ravel()))\n";
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (python == NULL || !g_file_test(python, G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip("no python3 (CARPALSCOPE_PYTHON)");
    return;
  }
  const char *argv[] = { python, "-c", script, NULL };
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                             &out, NULL, &status, &error));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
    g_test_skip("matplotlib is not installed (python3-matplotlib)");
    return;
  }
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), >=, 4);
  for (int m = 0; m < CS_N_COLORMAPS; m++) {
    const guint8 *lut = cs_colormap_lut((CsColormap)m);
    g_auto(GStrv) values = g_strsplit(lines[m], " ", -1);
    int worst = 0;
    g_assert_cmpuint(g_strv_length(values), ==, 768);
    for (int i = 0; i < 768; i++)
      worst = MAX(worst, ABS((int)lut[i] - atoi(values[i])));
    g_test_message("%s: largest difference from matplotlib %d/255", cs_colormap_name(m), worst);
    g_assert_cmpint(worst, <=, 1);
  }
}

/* Captum's clip value: the smallest |v| whose cumulative sum reaches 98 % of the total. */
static void
test_clip_value(void)
{
  float values[100];

  for (int i = 0; i < 100; i++)
    values[i] = (float)((i % 2 ? -1 : 1) * (i + 1));
  /* Sorted |v| is 1..100, total 5050; 98 % is 4949, first reached at 99 (4950). */
  g_assert_cmpfloat(cs_attribution_clip_value(values, 100, FALSE, 2.0), ==, 99.0);
  /* Positive part only: 1, 3, ..., 99 (total 2500, 98 % = 2450); cumulative 49^2 = 2401 at 97,
   * 2500 at 99. */
  g_assert_cmpfloat(cs_attribution_clip_value(values, 100, TRUE, 2.0), ==, 99.0);
  g_assert_cmpfloat(cs_attribution_clip_value(values, 100, FALSE, 0.0), ==, 100.0);
  float zeros[4] = { 0 };
  g_assert_cmpfloat(cs_attribution_clip_value(zeros, 4, FALSE, 2.0), ==, 0.0);

  CsOverlayScale s = cs_overlay_scale(values, 100, CS_COLORMAP_DIVERGING, 2.0);
  g_assert_cmpfloat(s.lo, ==, -99.0);
  g_assert_cmpfloat(s.hi, ==, 99.0);
  g_assert_cmpfloat(s.clipped, ==, 0.01);
  s = cs_overlay_scale(values, 100, CS_COLORMAP_VIRIDIS, 2.0);
  g_assert_cmpfloat(s.lo, ==, 0.0);
}

static void
test_compose(void)
{
  const guint8 gray[4] = { 0, 100, 200, 255 };
  const float map[4] = { -2.0f, 0.0f, 1.0f, 5.0f };
  const CsOverlayScale scale = { -1.0, 1.0, 0 };
  const guint8 *lut = cs_colormap_lut(CS_COLORMAP_DIVERGING);
  guint8 rgba[16];

  cs_overlay_compose(gray, map, 2, 2, CS_COLORMAP_DIVERGING, 0.0, CS_OVERLAY_BLEND_CONSTANT, &scale,
                     rgba);
  for (int i = 0; i < 4; i++) {
    g_assert_cmpint(rgba[i * 4], ==, gray[i]);
    g_assert_cmpint(rgba[i * 4 + 2], ==, gray[i]);
    g_assert_cmpint(rgba[i * 4 + 3], ==, 255);
  }
  cs_overlay_compose(gray, map, 2, 2, CS_COLORMAP_DIVERGING, 1.0, CS_OVERLAY_BLEND_CONSTANT, &scale,
                     rgba);
  g_assert_cmpmem(rgba, 3, lut, 3);               /* -2 clips to the low end. */
  g_assert_cmpmem(rgba + 4, 3, lut + 128 * 3, 3); /* 0 is the middle. */
  g_assert_cmpmem(rgba + 8, 3, lut + 255 * 3, 3);
  g_assert_cmpmem(rgba + 12, 3, lut + 255 * 3, 3); /* 5 clips to the top. */
  cs_overlay_compose(gray, map, 2, 2, CS_COLORMAP_DIVERGING, 0.5, CS_OVERLAY_BLEND_CONSTANT, &scale,
                     rgba);
  g_assert_cmpint(rgba[12], ==, (255 + lut[255 * 3] + 1) / 2);
  g_assert_cmpint(rgba[4], ==, (100 + lut[128 * 3] + 1) / 2);
  /* Weighted: zero leaves the crop as it is, a clipped value gets the full opacity. */
  cs_overlay_compose(gray, map, 2, 2, CS_COLORMAP_DIVERGING, 0.5, CS_OVERLAY_BLEND_WEIGHTED, &scale,
                     rgba);
  g_assert_cmpint(rgba[4], ==, 100);
  g_assert_cmpint(rgba[5], ==, 100);
  g_assert_cmpint(rgba[12], ==, (255 + lut[255 * 3] + 1) / 2);
  const float half[4] = { 0.5f, 0.5f, 0.5f, 0.5f };
  const CsOverlayScale positive = { 0.0, 1.0, 0 };
  cs_overlay_compose(gray, half, 2, 2, CS_COLORMAP_VIRIDIS, 1.0, CS_OVERLAY_BLEND_WEIGHTED,
                     &positive, rgba);
  g_assert_cmpint(rgba[4], ==,
                  lround(0.5 * 100 + 0.5 * cs_colormap_lut(CS_COLORMAP_VIRIDIS)[128 * 3]));

  /* The bare bar: low values at the bottom of a vertical bar, at the left of a horizontal one. */
  guint8 bar[3 * 256 * 4];
  cs_colorbar_rgba(CS_COLORMAP_VIRIDIS, 3, 256, TRUE, bar);
  g_assert_cmpmem(bar, 3, cs_colormap_lut(CS_COLORMAP_VIRIDIS) + 255 * 3, 3);
  g_assert_cmpmem(bar + 255 * 3 * 4, 3, cs_colormap_lut(CS_COLORMAP_VIRIDIS), 3);
  cs_colorbar_rgba(CS_COLORMAP_VIRIDIS, 256, 1, FALSE, bar);
  g_assert_cmpmem(bar + 255 * 4, 3, cs_colormap_lut(CS_COLORMAP_VIRIDIS) + 255 * 3, 3);
}

static void
test_ticks(void)
{
  double ticks[12];
  CsOverlayScale a = { -0.37, 0.37, 0 }, b = { 0, 0.0042, 0 }, flat = { 0, 0, 0 };

  g_assert_cmpint(cs_colorbar_ticks(&a, 5, ticks), ==, 3);
  g_assert_cmpfloat_with_epsilon(ticks[0], -0.2, 1e-12);
  g_assert_cmpfloat(ticks[1], ==, 0.0);
  g_assert_cmpfloat_with_epsilon(ticks[2], 0.2, 1e-12);
  int n = cs_colorbar_ticks(&b, 6, ticks);
  g_assert_cmpint(n, ==, 5);
  g_assert_cmpfloat_with_epsilon(ticks[4], 0.004, 1e-12);
  g_assert_cmpint(cs_colorbar_ticks(&flat, 5, ticks), ==, 0);
}

static void
pixel_rgb(cairo_surface_t *surface, int x, int y, int rgb[3])
{
  guint32 v = *(guint32 *)(cairo_image_surface_get_data(surface) +
                           y * cairo_image_surface_get_stride(surface) + x * 4);

  rgb[0] = (v >> 16) & 0xff;
  rgb[1] = (v >> 8) & 0xff;
  rgb[2] = v & 0xff;
}

/* The legend as the GUI draws it (a wide, short box: a horizontal bar with labels below it) and
 * as the PNG has it (a tall box: a vertical bar). */
static void
test_colorbar_draw(void)
{
  const CsOverlayScale scale = { -0.5, 0.5, 0 };
  const guint8 *lut = cs_colormap_lut(CS_COLORMAP_VIRIDIS);
  cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 300, 200);
  cairo_t *cr = cairo_create(surface);
  int rgb[3];

  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cs_colorbar_draw(cr, 10, 20, 280, 12, CS_COLORMAP_VIRIDIS, &scale, "title");
  cs_colorbar_draw(cr, 100, 60, 60, 130, CS_COLORMAP_VIRIDIS, &scale, NULL);
  cairo_surface_flush(surface);
  /* Inside the horizontal bar, near its ends: the low and high colours. */
  pixel_rgb(surface, 12, 26, rgb);
  g_assert_cmpint(ABS(rgb[0] - lut[0]) + ABS(rgb[1] - lut[1]) + ABS(rgb[2] - lut[2]), <=, 12);
  pixel_rgb(surface, 287, 26, rgb);
  g_assert_cmpint(ABS(rgb[0] - lut[765]) + ABS(rgb[1] - lut[766]) + ABS(rgb[2] - lut[767]), <=, 12);
  /* Some label ink below the horizontal bar and beside the vertical one. */
  int ink_below = 0, ink_beside = 0;
  for (int y = 33; y < 50; y++)
    for (int x = 10; x < 290; x++) {
      pixel_rgb(surface, x, y, rgb);
      ink_below += rgb[0] < 128;
    }
  for (int y = 60; y < 190; y++)
    for (int x = 122; x < 160; x++) {
      pixel_rgb(surface, x, y, rgb);
      ink_beside += rgb[0] < 128;
    }
  g_assert_cmpint(ink_below, >, 20);
  g_assert_cmpint(ink_beside, >, 20);
  /* The vertical bar: high values at the top. */
  pixel_rgb(surface, 105, 66, rgb);
  g_assert_cmpint(ABS(rgb[0] - lut[765]) + ABS(rgb[1] - lut[766]) + ABS(rgb[2] - lut[767]), <=, 24);
  if (g_getenv("CS_TEST_KEEP_COLORBAR") != NULL)
    cairo_surface_write_to_png(surface, g_getenv("CS_TEST_KEEP_COLORBAR"));
  cairo_destroy(cr);
  cairo_surface_destroy(surface);
}

/* The PNG has the overlay and a legend panel beside it, and is written whole. */
static void
test_png_and_raw(void)
{
  g_autofree char *dir = g_dir_make_tmp("cs-colormap-XXXXXX", NULL);
  g_autofree char *png = g_build_filename(dir, "overlay.png", NULL);
  g_autofree char *raw = g_build_filename(dir, "map.f32", NULL);
  g_autofree char *json = g_strconcat(raw, ".json", NULL);
  const int w = 64, h = 48;
  g_autofree guint8 *gray = g_malloc(w * h);
  g_autofree float *map = g_new(float, w *h);
  g_autofree guint8 *rgba = g_malloc(w * h * 4);
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < w * h; i++) {
    gray[i] = (guint8)(i % 251);
    map[i] = (float)((i % w) - w / 2) / w;
  }
  CsOverlayScale scale = cs_overlay_scale(map, w * h, CS_COLORMAP_DIVERGING, 2.0);
  cs_overlay_compose(gray, map, w, h, CS_COLORMAP_DIVERGING, 0.5, CS_OVERLAY_BLEND_WEIGHTED, &scale,
                     rgba);
  g_assert_true(
      cs_overlay_save_png(rgba, w, h, CS_COLORMAP_DIVERGING, &scale, "LIME", png, &error));
  g_assert_no_error(error);
  cairo_surface_t *back = cairo_image_surface_create_from_png(png);
  g_assert_cmpint(cairo_surface_status(back), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint(cairo_image_surface_get_width(back), >, w);
  g_assert_cmpint(cairo_image_surface_get_height(back), >=, h);
  cairo_surface_destroy(back);

  /* The raw map is little-endian float32 row by row, with its sidecar. */
  CsExplanation e = { .method = CS_EXPLAIN_OCCLUSION,
                      .width = w,
                      .height = h,
                      .map = map,
                      .mask_px = 9,
                      .stride_px = 4,
                      .n_windows = 156,
                      .n_scored = 157 };
  CsExplainProvenance p = { .input = "x.png",
                            .frame = -1,
                            .mm_per_px = 0.1,
                            .model = "m",
                            .class_index = 1,
                            .score = "probability" };
  g_assert_true(cs_explanation_save_raw(&e, &p, raw, &error));
  g_assert_no_error(error);
  g_autofree guint8 *bytes = NULL;
  gsize length = 0;
  g_assert_true(g_file_get_contents(raw, (char **)&bytes, &length, NULL));
  g_assert_cmpuint(length, ==, (gsize)w * h * 4);
  guint32 bits = (guint32)bytes[4 * 5] | (guint32)bytes[4 * 5 + 1] << 8 |
                 (guint32)bytes[4 * 5 + 2] << 16 | (guint32)bytes[4 * 5 + 3] << 24;
  float value;
  memcpy(&value, &bits, 4);
  g_assert_cmpfloat(value, ==, map[5]);

  g_autoptr(JsonParser) parser = json_parser_new();
  g_assert_true(json_parser_load_from_file(parser, json, NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpstr(json_object_get_string_member(o, "method"), ==, "occlusion");
  g_assert_cmpstr(json_object_get_string_member(o, "raw"), ==, "map.f32");
  g_assert_true(json_object_get_null_member(o, "frame"));
  g_assert_true(json_object_get_null_member(o, "roi"));
  g_assert_true(json_object_get_null_member(o, "model_hash"));
  JsonObject *params = json_object_get_object_member(o, "parameters");
  g_assert_cmpint(json_object_get_int_member(params, "mask_px"), ==, 9);
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(params, "mask_mm"), 0.9, 1e-12);
  g_assert_cmpstr(json_object_get_string_member(params, "fill"), ==, "mean");
  g_assert_false(json_object_has_member(o, "seed"));

  g_unlink(png);
  g_unlink(raw);
  g_unlink(json);
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/explain/colormap/anchors", test_anchor_values);
  g_test_add_func("/explain/colormap/matplotlib", test_against_matplotlib);
  g_test_add_func("/explain/colormap/clip", test_clip_value);
  g_test_add_func("/explain/colormap/compose", test_compose);
  g_test_add_func("/explain/colormap/ticks", test_ticks);
  g_test_add_func("/explain/colormap/colorbar-draw", test_colorbar_draw);
  g_test_add_func("/explain/colormap/png-and-raw", test_png_and_raw);
  return g_test_run();
}
