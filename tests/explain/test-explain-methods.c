/* test-explain-methods.c — occlusion and LIME on scoring functions with a known answer
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-error.h"
#include "cs-explain.h"
#include "explain-test-util.h"

#include <math.h>
#include <string.h>

#define SIZE 224

/* A scoring function whose output depends only on the rectangle [x0, x1) x [y0, y1) of its
 * input: a logistic of the rectangle's mean brightness (like p of a class), or that mean itself
 * (linear). */
typedef struct {
  int x0, y0, x1, y1;
  gboolean linear;
  double gain;
  int calls;
  int largest_batch;
  gint64 images;
  int fail_at_call; /* 1-based call that fails; 0 = never. */
  int abort_at_call;
  int n_progress;
  double last_progress;
  gboolean progress_monotonic;
} RegionScorer;

static gboolean
region_score_cb(const guint8 *images, int n_images, int width, int height, float *scores,
                gpointer score_data, GError **error)
{
  RegionScorer *s = score_data;

  s->calls++;
  s->images += n_images;
  s->largest_batch = MAX(s->largest_batch, n_images);
  if (s->fail_at_call == s->calls) {
    g_set_error(error, CS_ERROR, CS_ERROR_ENGINE, "test engine failure");
    return FALSE;
  }
  for (int i = 0; i < n_images; i++) {
    const guint8 *image = images + (gsize)i * width * height;
    double sum = 0;
    for (int y = s->y0; y < s->y1; y++)
      for (int x = s->x0; x < s->x1; x++)
        sum += image[(gsize)y * width + x];
    double mean = sum / ((double)(s->x1 - s->x0) * (s->y1 - s->y0)) / 255.0;
    scores[i] =
        s->linear ? (float)(s->gain * mean) : (float)(1.0 / (1.0 + exp(-8.0 * (mean - 0.3))));
  }
  return TRUE;
}

static gboolean
abort_cb(gpointer user_data)
{
  RegionScorer *s = user_data;

  return s->abort_at_call > 0 && s->calls >= s->abort_at_call;
}

static void
progress_cb(double fraction, gpointer user_data)
{
  RegionScorer *s = user_data;

  if (fraction < s->last_progress)
    s->progress_monotonic = FALSE;
  s->last_progress = fraction;
  s->n_progress++;
}

/* A speckled crop with a bright square where the scorer looks. */
static guint8 *
make_crop(const RegionScorer *s)
{
  guint8 *crop = g_malloc(SIZE * SIZE);
  g_autoptr(GRand) rand = g_rand_new_with_seed(11);

  explain_test_synthetic_crop(3, SIZE, SIZE, crop, NULL);
  for (int y = s->y0; y < s->y1; y++)
    for (int x = s->x0; x < s->x1; x++)
      crop[y * SIZE + x] = (guint8)g_rand_int_range(rand, 190, 240);
  return crop;
}

static RegionScorer
default_region(void)
{
  RegionScorer s = { .x0 = 140, .y0 = 40, .x1 = 180, .y1 = 80 };

  return s;
}

/* Chebyshev distance from (x, y) to the scorer's rectangle. */
static int
distance_to_region(const RegionScorer *s, int x, int y)
{
  int dx = x < s->x0 ? s->x0 - x : (x >= s->x1 ? x - s->x1 + 1 : 0);
  int dy = y < s->y0 ? s->y0 - y : (y >= s->y1 ? y - s->y1 + 1 : 0);

  return MAX(dx, dy);
}

static int
argmax(const float *map, gsize n)
{
  gsize best = 0;

  for (gsize i = 1; i < n; i++)
    if (map[i] > map[best])
      best = i;
  return (int)best;
}

static gboolean
in_region(const RegionScorer *s, int index)
{
  return distance_to_region(s, index % SIZE, index / SIZE) == 0;
}

/* (a) Occlusion puts its maximum in the region the scorer looks at and exactly zero wherever no
 * window touching the region reaches. */
static void
test_occlusion_region(void)
{
  RegionScorer s = default_region();
  g_autofree guint8 *crop = make_crop(&s);
  CsOcclusionParams params;
  CsExplainScorer scorer = { region_score_cb, &s, 32 };
  g_autoptr(GError) error = NULL;

  cs_occlusion_params_init(&params);
  g_autoptr(CsExplanation) e = cs_explain_occlusion(crop, SIZE, SIZE, &params, &scorer, &error);
  g_assert_no_error(error);
  g_assert_nonnull(e);
  /* Defaults: 20 % and 10 % of 224 px; positions 0, 22, ..., 176 and 179 flush with the edge. */
  g_assert_cmpint(e->mask_px, ==, 45);
  g_assert_cmpint(e->stride_px, ==, 22);
  g_assert_cmpint(e->n_windows, ==, 100);
  g_assert_cmpint(e->n_scored, ==, 101);
  g_assert_cmpint(s.images, ==, 101);
  g_assert_cmpint(s.largest_batch, ==, 32);
  g_assert_true(in_region(&s, argmax(e->map, SIZE * SIZE)));

  float peak = e->map[argmax(e->map, SIZE * SIZE)];
  g_assert_cmpfloat(peak, >, 0.05f);
  for (int y = 0; y < SIZE; y++) {
    for (int x = 0; x < SIZE; x++) {
      int d = distance_to_region(&s, x, y);
      if (d == 0)
        g_assert_cmpfloat(e->map[y * SIZE + x], >, 0.0f);
      else if (d >= e->mask_px)
        g_assert_cmpfloat(e->map[y * SIZE + x], ==, 0.0f);
    }
  }
}

/* With a linear score of one pixel and a black fill, every window covering that pixel drops the
 * score by exactly its brightness, so the averaged map there equals it. */
static void
test_occlusion_exact_pixel(void)
{
  RegionScorer s = { .x0 = 101, .y0 = 57, .x1 = 102, .y1 = 58, .linear = TRUE, .gain = 1.0 };
  g_autofree guint8 *crop = g_malloc(SIZE * SIZE);
  CsOcclusionParams params;
  CsExplainScorer scorer = { region_score_cb, &s, 7 };
  g_autoptr(GError) error = NULL;

  explain_test_synthetic_crop(5, SIZE, SIZE, crop, NULL);
  crop[57 * SIZE + 101] = 200;
  cs_occlusion_params_init(&params);
  params.mask_px = 30;
  params.stride_px = 10;
  params.fill = CS_EXPLAIN_FILL_ZERO;
  g_autoptr(CsExplanation) e = cs_explain_occlusion(crop, SIZE, SIZE, &params, &scorer, &error);
  g_assert_no_error(error);
  g_assert_cmpfloat_with_epsilon(e->map[57 * SIZE + 101], 200.0 / 255.0, 1e-6);
  g_assert_cmpfloat_with_epsilon(e->base_score, 200.0 / 255.0, 1e-6);
  for (int i = 0; i < SIZE * SIZE; i++)
    g_assert_cmpfloat(e->map[i], <=, e->map[57 * SIZE + 101] + 1e-6f);
}

/* Zero and blur fills work and differ from the mean fill. */
static void
test_occlusion_fills(void)
{
  RegionScorer s = default_region();
  g_autofree guint8 *crop = make_crop(&s);
  CsExplainScorer scorer = { region_score_cb, &s, 64 };
  CsOcclusionParams params;
  float peaks[3];

  for (int f = CS_EXPLAIN_FILL_MEAN; f <= CS_EXPLAIN_FILL_BLUR; f++) {
    g_autoptr(GError) error = NULL;
    cs_occlusion_params_init(&params);
    params.fill = (CsExplainFill)f;
    g_autoptr(CsExplanation) e = cs_explain_occlusion(crop, SIZE, SIZE, &params, &scorer, &error);
    g_assert_no_error(error);
    int best = argmax(e->map, SIZE * SIZE);
    g_assert_true(in_region(&s, best));
    peaks[f] = e->map[best];
    if (f == CS_EXPLAIN_FILL_BLUR)
      g_assert_cmpfloat(e->blur_sigma_px, ==, 45.0 / 4.0);
  }
  /* Black hides the bright square more than the mean gray does, and a blur least of all. */
  g_assert_cmpfloat(peaks[CS_EXPLAIN_FILL_ZERO], >, peaks[CS_EXPLAIN_FILL_MEAN]);
  g_assert_cmpfloat(peaks[CS_EXPLAIN_FILL_BLUR], <, peaks[CS_EXPLAIN_FILL_MEAN]);
}

static CsExplanation *
run_lime(const guint8 *crop, RegionScorer *s, CsLimeParams *params, int batch)
{
  CsExplainScorer scorer = { region_score_cb, s, batch };
  g_autoptr(GError) error = NULL;
  CsExplanation *e = cs_explain_lime(crop, SIZE, SIZE, params, &scorer, &error);

  g_assert_no_error(error);
  g_assert_nonnull(e);
  return e;
}

/* (a) LIME weights the superpixels of the region and leaves the others near zero. */
static void
test_lime_region(gconstpointer data)
{
  CsSegmentation segmentation = GPOINTER_TO_INT(data);
  RegionScorer s = default_region();
  g_autofree guint8 *crop = make_crop(&s);
  CsLimeParams params;

  cs_lime_params_init(&params);
  params.segmentation = segmentation;
  params.seed = 42;
  g_autoptr(CsExplanation) e = run_lime(crop, &s, &params, 128);
  g_assert_cmpint(e->n_scored, ==, 1000);
  g_assert_cmpint(s.images, ==, 1000);
  g_assert_cmpint(e->n_segments, >=, 30);
  g_assert_cmpint(e->n_segments, <=, 70);
  /* The maximum lies in a feature that overlaps the region. SLIC's edges follow the smoothed
   * image, so they may sit a pixel or two off the region's edge: there the maximum must also lie
   * within 2 px of the region, in a superpixel mostly inside it. Grid cells cut the region
   * wherever the grid falls, so there overlapping is all one can ask. */
  int best = argmax(e->map, SIZE * SIZE);
  int inside = 0, members = 0;
  for (int i = 0; i < SIZE * SIZE; i++) {
    if (e->segments[i] == e->segments[best]) {
      members++;
      inside += in_region(&s, i);
    }
  }
  g_test_message("maximum at %d,%d; its superpixel is %.0f %% inside the region", best % SIZE,
                 best / SIZE, 100.0 * inside / members);
  g_assert_cmpint(inside, >, 0);
  if (segmentation == CS_SEGMENTATION_SLIC) {
    g_assert_cmpint(distance_to_region(&s, best % SIZE, best / SIZE), <=, 2);
    g_assert_cmpint(2 * inside, >, members);
  }

  /* Features entirely outside the region cannot change the score; their weights come only from
   * chance correlations in 1000 samples. The logistic score is not linear in the region's few
   * features (R^2 about 0.85), and its residual (about 0.06) spreads into every coefficient with
   * an SD near 0.06 / sqrt(1000 x 0.25) = 0.004: the largest of some 45 such weights stays below
   * 4 SD = 0.016, a tenth of the region's weight (about 0.15). */
  g_autofree gboolean *touches = g_new0(gboolean, e->n_segments);
  for (int i = 0; i < SIZE * SIZE; i++)
    if (in_region(&s, i))
      touches[e->segments[i]] = TRUE;
  double peak = 0, outside = 0;
  for (int k = 0; k < e->n_segments; k++) {
    if (touches[k])
      peak = MAX(peak, e->weights[k]);
    else
      outside = MAX(outside, fabs(e->weights[k]));
  }
  g_test_message("LIME (%s): peak %.4f, largest outside %.5f, R^2 %.4f",
                 segmentation == CS_SEGMENTATION_SLIC ? "slic" : "grid", peak, outside, e->r2);
  g_assert_cmpfloat(peak, >, 0.01);
  g_assert_cmpfloat(outside, <, 0.1 * peak);
  g_assert_cmpfloat(e->r2, >, 0.7);
  g_assert_cmpfloat(e->r2, <=, 1.0);
  g_assert_cmpfloat_with_epsilon(e->base_score, 1.0 / (1.0 + exp(-8.0 * (214.5 / 255.0 - 0.3))),
                                 0.01);
}

/* A score linear in the on/off state of one grid cell is recovered exactly by the unpenalised
 * surrogate: the cell's coefficient is gain x (its mean - the fill) / 255, the others 0. */
static void
test_lime_linear_exact(void)
{
  /* A 7 x 7 grid on 224 px has 32 px cells; the scorer reads cell (4, 1). */
  RegionScorer s = { .x0 = 128, .y0 = 32, .x1 = 160, .y1 = 64, .linear = TRUE, .gain = 2.0 };
  g_autofree guint8 *crop = make_crop(&s);
  CsLimeParams params;
  guint64 sum = 0, cell_sum = 0;

  cs_lime_params_init(&params);
  params.segmentation = CS_SEGMENTATION_GRID;
  params.n_segments = 49;
  params.ridge_alpha = 0;
  params.n_samples = 300;
  g_autoptr(CsExplanation) e = run_lime(crop, &s, &params, 64);
  g_assert_cmpint(e->n_segments, ==, 49);
  for (int i = 0; i < SIZE * SIZE; i++) {
    sum += crop[i];
    if (in_region(&s, i))
      cell_sum += crop[i];
  }
  double fill = (double)((sum + SIZE * SIZE / 2) / (SIZE * SIZE));
  double expected = 2.0 * ((double)cell_sum / (32 * 32) - fill) / 255.0;
  int cell = e->segments[40 * SIZE + 140];
  for (int k = 0; k < e->n_segments; k++)
    g_assert_cmpfloat_with_epsilon(e->weights[k], k == cell ? expected : 0.0, 1e-5);
  g_assert_cmpfloat_with_epsilon(e->r2, 1.0, 1e-9);
}

/* (d) The same seed gives the same map bit for bit, whatever the batch size; another seed
 * gives another map. */
static void
test_lime_seed_repeatable(void)
{
  RegionScorer s = default_region();
  g_autofree guint8 *crop = make_crop(&s);
  CsLimeParams params;

  cs_lime_params_init(&params);
  params.seed = 20260101;
  params.n_samples = 400;
  g_autoptr(CsExplanation) a = run_lime(crop, &s, &params, 64);
  g_autoptr(CsExplanation) b = run_lime(crop, &s, &params, 64);
  g_autoptr(CsExplanation) c = run_lime(crop, &s, &params, 13);
  params.seed++;
  g_autoptr(CsExplanation) d = run_lime(crop, &s, &params, 64);

  g_assert_cmpmem(a->map, SIZE * SIZE * sizeof(float), b->map, SIZE * SIZE * sizeof(float));
  g_assert_cmpmem(a->map, SIZE * SIZE * sizeof(float), c->map, SIZE * SIZE * sizeof(float));
  g_assert_cmpmem(a->segments, SIZE * SIZE * sizeof(int), d->segments, SIZE * SIZE * sizeof(int));
  g_assert_cmpint(a->seed, ==, 20260101);
  g_assert_cmpint(memcmp(a->map, d->map, SIZE * SIZE * sizeof(float)), !=, 0);
}

/* Stability mode: the mean and SD maps are those of the single runs with seeds s .. s+K-1. */
static void
test_lime_stability(void)
{
  RegionScorer s = default_region();
  g_autofree guint8 *crop = make_crop(&s);
  CsLimeParams params;
  const int repeats = 3;
  CsExplanation *runs[3];

  cs_lime_params_init(&params);
  params.seed = 9;
  params.n_samples = 200;
  for (int r = 0; r < repeats; r++) {
    params.seed = 9 + r;
    runs[r] = run_lime(crop, &s, &params, 64);
  }
  params.seed = 9;
  params.repeats = repeats;
  g_autoptr(CsExplanation) all = run_lime(crop, &s, &params, 64);
  g_assert_nonnull(all->sd_map);
  g_assert_cmpint(all->n_scored, ==, 600);
  double r2_min = 1;
  for (int r = 0; r < repeats; r++)
    r2_min = MIN(r2_min, runs[r]->r2);
  g_assert_cmpfloat(all->r2_min, ==, r2_min);
  double largest_sd = 0;
  for (int i = 0; i < SIZE * SIZE; i += 7) {
    double mean = 0, var = 0;
    for (int r = 0; r < repeats; r++)
      mean += runs[r]->map[i] / (double)repeats;
    for (int r = 0; r < repeats; r++)
      var += (runs[r]->map[i] - mean) * (runs[r]->map[i] - mean) / (repeats - 1);
    g_assert_cmpfloat_with_epsilon(all->map[i], mean, 1e-6);
    g_assert_cmpfloat_with_epsilon(all->sd_map[i], sqrt(var), 1e-6);
    largest_sd = MAX(largest_sd, all->sd_map[i]);
  }
  g_assert_cmpfloat(largest_sd, >, 0);
  for (int r = 0; r < repeats; r++)
    cs_explanation_free(runs[r]);
}

/* The callback's failure, a cancellation and progress reach the caller. */
static void
test_callbacks(void)
{
  RegionScorer s = default_region();
  g_autofree guint8 *crop = make_crop(&s);
  CsExplainScorer scorer = { region_score_cb, &s, 50, abort_cb, progress_cb, &s };
  CsLimeParams params;
  g_autoptr(GError) failed = NULL;
  g_autoptr(GError) cancelled = NULL;
  g_autoptr(GError) none = NULL;

  cs_lime_params_init(&params);
  params.n_samples = 300;
  s.fail_at_call = 2;
  g_assert_null(cs_explain_lime(crop, SIZE, SIZE, &params, &scorer, &failed));
  g_assert_error(failed, CS_ERROR, CS_ERROR_ENGINE);
  g_assert_cmpstr(failed->message, ==, "test engine failure");

  s = default_region();
  s.abort_at_call = 2;
  g_assert_null(cs_explain_occlusion(crop, SIZE, SIZE, NULL, &scorer, &cancelled));
  g_assert_error(cancelled, CS_ERROR, CS_ERROR_CANCELLED);
  g_assert_cmpint(s.calls, ==, 2);

  s = default_region();
  s.progress_monotonic = TRUE;
  g_autoptr(CsExplanation) e = cs_explain_lime(crop, SIZE, SIZE, &params, &scorer, &none);
  g_assert_no_error(none);
  g_assert_cmpint(s.n_progress, ==, 6);
  g_assert_true(s.progress_monotonic);
  g_assert_cmpfloat(s.last_progress, ==, 1.0);
}

/* Bad input gets one clear error and no result. */
static void
test_bad_input(void)
{
  RegionScorer s = default_region();
  g_autofree guint8 *crop = make_crop(&s);
  CsExplainScorer scorer = { region_score_cb, &s, 0 };
  CsExplainScorer no_score = { NULL };
  CsOcclusionParams occlusion;
  CsLimeParams lime;
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;
  g_autoptr(GError) e4 = NULL;

  cs_occlusion_params_init(&occlusion);
  occlusion.mask_px = 300;
  g_assert_null(cs_explain_occlusion(crop, SIZE, SIZE, &occlusion, &scorer, &e1));
  g_assert_error(e1, CS_ERROR, CS_ERROR_INVALID);
  cs_lime_params_init(&lime);
  lime.n_samples = 1;
  g_assert_null(cs_explain_lime(crop, SIZE, SIZE, &lime, &scorer, &e2));
  g_assert_error(e2, CS_ERROR, CS_ERROR_INVALID);
  g_assert_null(cs_explain_lime(crop, 0, SIZE, NULL, &scorer, &e3));
  g_assert_error(e3, CS_ERROR, CS_ERROR_INVALID);
  g_assert_null(cs_explain_lime(crop, SIZE, SIZE, NULL, &no_score, &e4));
  g_assert_error(e4, CS_ERROR, CS_ERROR_INVALID);
  g_assert_cmpint(s.calls, ==, 0);
}

static void
test_parse_length(void)
{
  int px = 0;
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;

  g_assert_true(cs_explain_parse_length("40", 0, &px, NULL));
  g_assert_cmpint(px, ==, 40);
  g_assert_true(cs_explain_parse_length("12px", 0, &px, NULL));
  g_assert_cmpint(px, ==, 12);
  /* 3 mm at 15 mm / 224 px is 44.8 px. */
  g_assert_true(cs_explain_parse_length("3mm", 15.0 / 224.0, &px, NULL));
  g_assert_cmpint(px, ==, 45);
  g_assert_false(cs_explain_parse_length("3mm", 0, &px, &e1));
  g_assert_error(e1, CS_ERROR, CS_ERROR_INVALID);
  g_assert_false(cs_explain_parse_length("-2", 0, &px, &e2));
  g_assert_false(cs_explain_parse_length("4cm", 0.1, &px, &e3));
  g_assert_nonnull(strstr(e3->message, "unknown unit"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/explain/occlusion/region", test_occlusion_region);
  g_test_add_func("/explain/occlusion/exact-pixel", test_occlusion_exact_pixel);
  g_test_add_func("/explain/occlusion/fills", test_occlusion_fills);
  g_test_add_data_func("/explain/lime/region-slic", GINT_TO_POINTER(CS_SEGMENTATION_SLIC),
                       test_lime_region);
  g_test_add_data_func("/explain/lime/region-grid", GINT_TO_POINTER(CS_SEGMENTATION_GRID),
                       test_lime_region);
  g_test_add_func("/explain/lime/linear-exact", test_lime_linear_exact);
  g_test_add_func("/explain/lime/seed-repeatable", test_lime_seed_repeatable);
  g_test_add_func("/explain/lime/stability", test_lime_stability);
  g_test_add_func("/explain/callbacks", test_callbacks);
  g_test_add_func("/explain/bad-input", test_bad_input);
  g_test_add_func("/explain/parse-length", test_parse_length);
  return g_test_run();
}
