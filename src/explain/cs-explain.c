/* cs-explain.c — occlusion sensitivity and LIME on a scoring callback
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-explain.h"

#include "cs-error.h"
#include "cs-gradcam.h"
#include "cs-ridge.h"
#include "cs-rng.h"
#include "cs-slic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Crops larger than this are refused: the explainers keep a batch of them in memory. */
#define MAX_CROP_SIDE 4096

/* LIME's surrogate solves a features x features system: 2000 wanted superpixels (at most about
 * twice as many after SLIC's fragments are kept) keep it in tens of megabytes. */
#define MAX_SEGMENTS 2000
#define MAX_FEATURES 4096

void
cs_occlusion_params_init(CsOcclusionParams *params)
{
  memset(params, 0, sizeof *params);
  params->fill = CS_EXPLAIN_FILL_MEAN;
}

void
cs_lime_params_init(CsLimeParams *params)
{
  memset(params, 0, sizeof *params);
  params->n_samples = 1000;
  params->n_segments = 50;
  params->segmentation = CS_SEGMENTATION_SLIC;
  params->compactness = 0.1;
  params->smoothing_sigma = 1.5;
  params->kernel_width = 0.25;
  params->ridge_alpha = 1.0;
  params->seed = 0;
  params->repeats = 1;
}

void
cs_explanation_free(CsExplanation *explanation)
{
  if (explanation == NULL)
    return;
  g_free(explanation->map);
  g_free(explanation->sd_map);
  g_free(explanation->segments);
  g_free(explanation->weights);
  g_free(explanation);
}

static const char *const method_names[] = { "occlusion", "lime", "gradcam" };
static const char *const fill_names[] = { "mean", "zero", "blur" };

const char *
cs_explain_method_name(CsExplainMethod method)
{
  g_return_val_if_fail((guint)method < G_N_ELEMENTS(method_names), NULL);
  return method_names[method];
}

gboolean
cs_explain_method_from_name(const char *name, CsExplainMethod *method)
{
  for (guint i = 0; i < G_N_ELEMENTS(method_names); i++) {
    if (g_strcmp0(name, method_names[i]) == 0) {
      *method = (CsExplainMethod)i;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
cs_explain_fill_name(CsExplainFill fill)
{
  g_return_val_if_fail((guint)fill < G_N_ELEMENTS(fill_names), NULL);
  return fill_names[fill];
}

gboolean
cs_explain_fill_from_name(const char *name, CsExplainFill *fill)
{
  for (guint i = 0; i < G_N_ELEMENTS(fill_names); i++) {
    if (g_strcmp0(name, fill_names[i]) == 0) {
      *fill = (CsExplainFill)i;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean
cs_explain_parse_length(const char *text, double mm_per_px, int *px, GError **error)
{
  char *end = NULL;
  double value;

  g_return_val_if_fail(px != NULL, FALSE);
  if (text == NULL || *text == '\0') {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "empty length");
    return FALSE;
  }
  value = g_ascii_strtod(text, &end);
  if (end == text || !isfinite(value) || value <= 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "'%s' is not a positive length (write e.g. 40, 40px or 3mm)", text);
    return FALSE;
  }
  if (*end == '\0' || g_strcmp0(end, "px") == 0) {
    if (value != floor(value)) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "'%s': a length in pixels must be whole",
                  text);
      return FALSE;
    }
  } else if (g_strcmp0(end, "mm") == 0) {
    if (!(mm_per_px > 0)) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "'%s' is in mm but the pixel spacing of the input is unknown; give pixels", text);
      return FALSE;
    }
    value = value / mm_per_px;
  } else {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "'%s': unknown unit '%s' (use px or mm)", text,
                end);
    return FALSE;
  }
  if (value > MAX_CROP_SIDE) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "'%s' is longer than %d px", text,
                MAX_CROP_SIDE);
    return FALSE;
  }
  *px = MAX(1, (int)lround(value));
  return TRUE;
}

static gboolean
check_crop(const guint8 *crop, int width, int height, const CsExplainScorer *scorer, GError **error)
{
  if (crop == NULL || width < 1 || height < 1 || width > MAX_CROP_SIDE || height > MAX_CROP_SIDE) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "crop of %d x %d px: expected 1 to %d px a side",
                width, height, MAX_CROP_SIDE);
    return FALSE;
  }
  if (scorer == NULL || scorer->score == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "no scoring function given");
    return FALSE;
  }
  if (scorer->batch_size < 0 || scorer->batch_size > 4096) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "batch size %d: expected 1 to 4096",
                scorer->batch_size);
    return FALSE;
  }
  return TRUE;
}

static int
batch_size_of(const CsExplainScorer *scorer)
{
  return scorer->batch_size > 0 ? scorer->batch_size : CS_EXPLAIN_DEFAULT_BATCH;
}

/* Scores @n images of @batch with the caller's callback, after asking whether to stop. */
static gboolean
score_batch(const CsExplainScorer *scorer, const guint8 *batch, int n, int width, int height,
            float *scores, GError **error)
{
  if (scorer->should_abort != NULL && scorer->should_abort(scorer->user_data)) {
    g_set_error_literal(error, CS_ERROR, CS_ERROR_CANCELLED, "The explanation was cancelled");
    return FALSE;
  }
  if (!scorer->score(batch, n, width, height, scores, scorer->score_data, error)) {
    if (error != NULL && *error == NULL)
      g_set_error_literal(error, CS_ERROR, CS_ERROR_ENGINE, "The scoring function failed");
    return FALSE;
  }
  for (int i = 0; i < n; i++) {
    if (!isfinite(scores[i])) {
      g_set_error(error, CS_ERROR, CS_ERROR_ENGINE,
                  "The network returned a score that is not a finite number");
      return FALSE;
    }
  }
  return TRUE;
}

static void
report_progress(const CsExplainScorer *scorer, gint64 done, gint64 total)
{
  if (scorer->progress != NULL)
    scorer->progress(total > 0 ? (double)done / (double)total : 1.0, scorer->user_data);
}

static guint8
crop_mean(const guint8 *crop, size_t n)
{
  guint64 sum = 0;

  for (size_t i = 0; i < n; i++)
    sum += crop[i];
  return (guint8)((sum + n / 2) / n);
}

/* The mask positions along one side of @size: from 0 in steps of @stride, plus one flush with
 * the far edge when the steps miss it, so that every pixel is covered and no window is clipped.
 * Returns how many; @positions holds at least size / stride + 2. */
static int
window_positions(int size, int mask, int stride, int *positions)
{
  int n = 0;

  if (mask >= size) {
    positions[0] = 0;
    return 1;
  }
  for (int p = 0; p + mask <= size; p += stride)
    positions[n++] = p;
  if (positions[n - 1] + mask < size)
    positions[n++] = size - mask;
  return n;
}

CsExplanation *
cs_explain_occlusion(const guint8 *crop, int width, int height, const CsOcclusionParams *params,
                     const CsExplainScorer *scorer, GError **error)
{
  CsOcclusionParams defaults;

  g_return_val_if_fail(error == NULL || *error == NULL, NULL);
  if (!check_crop(crop, width, height, scorer, error))
    return NULL;
  if (params == NULL) {
    cs_occlusion_params_init(&defaults);
    params = &defaults;
  }
  int side = MIN(width, height);
  int mask = params->mask_px > 0 ? params->mask_px : MAX(1, (int)lround(0.2 * side));
  int stride = params->stride_px > 0 ? params->stride_px : MAX(1, (int)lround(0.1 * side));
  if (params->mask_px < 0 || params->stride_px < 0 || mask > side) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "occlusion mask of %d px and stride %d px: expected 1 to %d px", mask, stride,
                side);
    return NULL;
  }
  if ((guint)params->fill > CS_EXPLAIN_FILL_BLUR || params->blur_sigma_px < 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "unknown occlusion fill");
    return NULL;
  }

  size_t n_pixels = (size_t)width * height;
  g_autofree int *xs = g_new(int, width / stride + 2);
  g_autofree int *ys = g_new(int, height / stride + 2);
  int nx = window_positions(width, mask, stride, xs);
  int ny = window_positions(height, mask, stride, ys);
  int n_windows = nx * ny;

  /* What a covered pixel becomes. */
  g_autofree guint8 *fill = g_malloc(n_pixels);
  double sigma = 0;
  if (params->fill == CS_EXPLAIN_FILL_MEAN) {
    memset(fill, crop_mean(crop, n_pixels), n_pixels);
  } else if (params->fill == CS_EXPLAIN_FILL_ZERO) {
    memset(fill, 0, n_pixels);
  } else {
    g_autofree float *blurred = g_new(float, n_pixels);
    sigma = params->blur_sigma_px > 0 ? params->blur_sigma_px : MAX(1.0, mask / 4.0);
    for (size_t i = 0; i < n_pixels; i++)
      blurred[i] = crop[i];
    if (cs_gaussian_blur_f32(blurred, width, height, sigma, blurred) != 0) {
      g_set_error_literal(error, CS_ERROR, CS_ERROR_TOO_LARGE, "out of memory blurring the crop");
      return NULL;
    }
    for (size_t i = 0; i < n_pixels; i++)
      fill[i] = (guint8)CLAMP(lrintf(blurred[i]), 0, 255);
  }

  /* Image 0 is the unoccluded crop; images 1 .. n_windows cover window k - 1. */
  int batch = batch_size_of(scorer);
  gint64 total = (gint64)n_windows + 1;
  g_autofree guint8 *images = g_malloc((size_t)batch * n_pixels);
  g_autofree float *scores = g_new(float, batch);
  g_autofree double *sum = g_new0(double, n_pixels);
  g_autofree guint32 *count = g_new0(guint32, n_pixels);
  double base = 0;

  for (gint64 first = 0; first < total; first += batch) {
    int n = (int)MIN((gint64)batch, total - first);
    for (int b = 0; b < n; b++) {
      guint8 *image = images + (size_t)b * n_pixels;
      gint64 k = first + b - 1;
      memcpy(image, crop, n_pixels);
      if (k < 0)
        continue;
      int x0 = xs[k % nx], y0 = ys[k / nx];
      for (int y = y0; y < y0 + mask; y++)
        memcpy(image + (size_t)y * width + x0, fill + (size_t)y * width + x0, mask);
    }
    if (!score_batch(scorer, images, n, width, height, scores, error))
      return NULL;
    for (int b = 0; b < n; b++) {
      gint64 k = first + b - 1;
      if (k < 0) {
        base = scores[b];
        continue;
      }
      double drop = base - scores[b];
      int x0 = xs[k % nx], y0 = ys[k / nx];
      for (int y = y0; y < y0 + mask; y++) {
        for (int x = x0; x < x0 + mask; x++) {
          sum[(size_t)y * width + x] += drop;
          count[(size_t)y * width + x]++;
        }
      }
    }
    report_progress(scorer, first + n, total);
  }

  CsExplanation *result = g_new0(CsExplanation, 1);
  result->method = CS_EXPLAIN_OCCLUSION;
  result->width = width;
  result->height = height;
  result->map = g_new(float, n_pixels);
  for (size_t i = 0; i < n_pixels; i++)
    result->map[i] = count[i] > 0 ? (float)(sum[i] / count[i]) : 0.0f;
  result->base_score = base;
  result->n_scored = total;
  result->mask_px = mask;
  result->stride_px = stride;
  result->n_windows = n_windows;
  result->fill = params->fill;
  result->blur_sigma_px = sigma;
  return result;
}

/* Builds the features of the crop into result->segments; returns their number or -1. */
static int
segment_crop(const guint8 *crop, int width, int height, const CsLimeParams *params, int *labels)
{
  if (params->segmentation == CS_SEGMENTATION_GRID)
    return cs_segment_grid(width, height, params->n_segments, labels);
  CsSlicParams slic;
  cs_slic_params_init(&slic);
  slic.n_segments = params->n_segments;
  slic.compactness = params->compactness;
  slic.sigma = params->smoothing_sigma;
  return cs_slic(crop, width, height, &slic, labels);
}

/* Refuses LIME parameters out of range, before any work. */
static gboolean
check_lime_params(const CsLimeParams *params, int width, int height, GError **error)
{
  if (params->n_samples < 2 || params->n_samples > 1000000) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%d LIME samples: expected 2 to 1000000",
                params->n_samples);
    return FALSE;
  }
  if (params->n_segments < 1 || params->n_segments > MAX_SEGMENTS ||
      params->n_segments > width * height) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%d segments: expected 1 to %d",
                params->n_segments, MIN(MAX_SEGMENTS, width * height));
    return FALSE;
  }
  if (params->repeats < 1 || params->repeats > 1000) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%d repeats: expected 1 to 1000",
                params->repeats);
    return FALSE;
  }
  if (!(params->kernel_width > 0) || !(params->ridge_alpha >= 0) ||
      (params->segmentation == CS_SEGMENTATION_SLIC &&
       (!(params->compactness > 0) || !(params->smoothing_sigma >= 0)))) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "LIME kernel width, compactness must be > 0, alpha and sigma >= 0");
    return FALSE;
  }
  return TRUE;
}

/* What the repeats of one LIME explanation share: the crop cut into features, the scorer, the
 * samples of the current repeat and the buffers their images are scored in. */
typedef struct {
  const guint8 *crop;
  int width, height;
  size_t n_pixels;
  const int *segments; /* Feature index per pixel. */
  int n_features, n_samples;
  guint8 off; /* What a switched-off feature becomes: the crop's mean gray. */
  const CsExplainScorer *scorer;
  int batch;
  gint64 total;   /* Images scored over every repeat, for the progress. */
  double *design; /* n_samples x n_features, each 0 or 1. */
  double *kernel; /* The weight of each sample. */
  double *y;      /* The score of each sample. */
  guint8 *images; /* One batch of perturbed crops. */
  float *scores;  /* Their scores. */
} lime_run;

/* Draws the samples of the repeat seeded with @seed into run->design, with their kernel weights
 * for a kernel of width squared @width2. */
static void
lime_draw_samples(lime_run *run, guint64 seed, double width2)
{
  int n_features = run->n_features;
  /* The LIME stream of cs-rng.h: run r is seeded with seed + r. */
  CsRng rng;
  cs_rng_init_splitmix64(&rng, seed);

  /* Row 0 keeps every feature; the others switch each one on with probability 1/2, taking
   * one bit of the generator per feature. */
  for (int i = 0; i < run->n_samples; i++) {
    double *row = &run->design[(size_t)i * n_features];
    int on = 0;
    guint64 bits = 0;
    for (int j = 0; j < n_features; j++) {
      if (i == 0) {
        row[j] = 1;
      } else {
        if (j % 64 == 0)
          bits = cs_rng_next(&rng);
        row[j] = (double)((bits >> (j % 64)) & 1);
      }
      on += row[j] != 0;
    }
    /* Cosine distance between the binary row and all ones is 1 - sqrt(on / n); an all-off
     * row has no direction and counts as distance 1, as scikit-learn does. */
    double d = on > 0 ? 1.0 - sqrt((double)on / n_features) : 1.0;
    run->kernel[i] = sqrt(exp(-d * d / width2));
  }
}

/* Scores the crop with each sample's features switched off into run->y, batch by batch;
 * @repeat places the progress among the repeats. */
static gboolean
lime_score_samples(lime_run *run, int repeat, GError **error)
{
  int n_features = run->n_features, n_samples = run->n_samples;

  for (int first = 0; first < n_samples; first += run->batch) {
    int n = MIN(run->batch, n_samples - first);
    for (int b = 0; b < n; b++) {
      const double *row = &run->design[(size_t)(first + b) * n_features];
      guint8 *image = run->images + (size_t)b * run->n_pixels;
      for (size_t p = 0; p < run->n_pixels; p++)
        image[p] = row[run->segments[p]] != 0 ? run->crop[p] : run->off;
    }
    if (!score_batch(run->scorer, run->images, n, run->width, run->height, run->scores, error))
      return FALSE;
    for (int b = 0; b < n; b++)
      run->y[first + b] = run->scores[b];
    report_progress(run->scorer, (gint64)repeat * n_samples + first + n, run->total);
  }
  return TRUE;
}

/* Sets the weights and the map of @result from the sums of the coefficients over @repeats runs,
 * and with more than one run the SD map from the sums of their squares. */
static void
lime_fill_maps(CsExplanation *result, const double *coef_sum, const double *coef_sq, int repeats)
{
  size_t n_pixels = (size_t)result->width * result->height;
  int n_features = result->n_segments;

  /* Every pixel of a feature has the same weight, so the per-pixel mean and SD over the repeats
   * are those of the feature's coefficients. */
  result->weights = g_new(double, n_features);
  for (int j = 0; j < n_features; j++)
    result->weights[j] = repeats == 1 ? coef_sum[j] : coef_sum[j] / repeats;
  result->map = g_new(float, n_pixels);
  for (size_t p = 0; p < n_pixels; p++)
    result->map[p] = (float)result->weights[result->segments[p]];
  if (repeats > 1) {
    g_autofree double *sd = g_new(double, n_features);
    for (int j = 0; j < n_features; j++) {
      double var = (coef_sq[j] - coef_sum[j] * coef_sum[j] / repeats) / (repeats - 1);
      sd[j] = var > 0 ? sqrt(var) : 0;
    }
    result->sd_map = g_new(float, n_pixels);
    for (size_t p = 0; p < n_pixels; p++)
      result->sd_map[p] = (float)sd[result->segments[p]];
  }
}

CsExplanation *
cs_explain_lime(const guint8 *crop, int width, int height, const CsLimeParams *params,
                const CsExplainScorer *scorer, GError **error)
{
  CsLimeParams defaults;

  g_return_val_if_fail(error == NULL || *error == NULL, NULL);
  if (!check_crop(crop, width, height, scorer, error))
    return NULL;
  if (params == NULL) {
    cs_lime_params_init(&defaults);
    params = &defaults;
  }
  if (!check_lime_params(params, width, height, error))
    return NULL;

  size_t n_pixels = (size_t)width * height;
  int n_samples = params->n_samples;
  g_autoptr(CsExplanation) result = g_new0(CsExplanation, 1);
  result->method = CS_EXPLAIN_LIME;
  result->width = width;
  result->height = height;
  result->segments = g_new(int, n_pixels);
  int n_features = segment_crop(crop, width, height, params, result->segments);
  if (n_features < 1) {
    g_set_error_literal(error, CS_ERROR, CS_ERROR_TOO_LARGE, "could not segment the crop");
    return NULL;
  }
  result->n_segments = n_features;
  /* The design matrix is n_samples x n_features doubles; keep it under 400 MB. */
  if (n_features > MAX_FEATURES || (gint64)n_samples * n_features > 50000000) {
    g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE,
                "%d samples of %d superpixels need too much memory; use fewer of either", n_samples,
                n_features);
    return NULL;
  }

  int batch = batch_size_of(scorer);
  g_autofree guint8 *images = g_malloc((size_t)batch * n_pixels);
  g_autofree float *scores = g_new(float, batch);
  g_autofree double *design = g_new(double, (size_t)n_samples *n_features);
  g_autofree double *y = g_new(double, n_samples);
  g_autofree double *kernel = g_new(double, n_samples);
  g_autofree double *coef = g_new(double, n_features);
  g_autofree double *coef_sum = g_new0(double, n_features);
  g_autofree double *coef_sq = g_new0(double, n_features);
  lime_run run = {
    .crop = crop,
    .width = width,
    .height = height,
    .n_pixels = n_pixels,
    .segments = result->segments,
    .n_features = n_features,
    .n_samples = n_samples,
    .off = crop_mean(crop, n_pixels),
    .scorer = scorer,
    .batch = batch,
    .total = (gint64)n_samples * params->repeats,
    .design = design,
    .kernel = kernel,
    .y = y,
    .images = images,
    .scores = scores,
  };
  double intercept_sum = 0, r2_sum = 0, r2_min = G_MAXDOUBLE;

  for (int r = 0; r < params->repeats; r++) {
    lime_draw_samples(&run, params->seed + (guint64)r, params->kernel_width * params->kernel_width);
    if (!lime_score_samples(&run, r, error))
      return NULL;
    if (r == 0)
      result->base_score = y[0];

    double intercept = 0, r2 = 0;
    int info = cs_ridge_fit(design, y, kernel, n_samples, n_features, params->ridge_alpha, coef,
                            &intercept, &r2);
    if (info != 0) {
      g_set_error(error, CS_ERROR, CS_ERROR_FAILED,
                  "the LIME surrogate could not be fitted (LAPACK status %d); raise --samples "
                  "or the ridge alpha",
                  info);
      return NULL;
    }
    for (int j = 0; j < n_features; j++) {
      coef_sum[j] += coef[j];
      coef_sq[j] += coef[j] * coef[j];
    }
    intercept_sum += intercept;
    r2_sum += r2;
    r2_min = MIN(r2_min, r2);
  }

  int repeats = params->repeats;
  lime_fill_maps(result, coef_sum, coef_sq, repeats);
  result->intercept = intercept_sum / repeats;
  result->r2 = r2_sum / repeats;
  result->r2_min = r2_min;
  result->n_scored = run.total;
  result->segmentation = params->segmentation;
  result->n_samples = n_samples;
  result->repeats = repeats;
  result->seed = params->seed;
  result->compactness = params->compactness;
  result->smoothing_sigma = params->smoothing_sigma;
  result->kernel_width = params->kernel_width;
  result->ridge_alpha = params->ridge_alpha;
  return g_steal_pointer(&result);
}

CsExplanation *
cs_explain_gradcam_from_features(const float *activations, const float *gradients, int channels,
                                 int fh, int fw, int width, int height, double base_score,
                                 GError **error)
{
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);
  if (activations == NULL || gradients == NULL || channels < 1 || fh < 1 || fw < 1 || width < 1 ||
      height < 1 || width > MAX_CROP_SIDE || height > MAX_CROP_SIDE ||
      (gint64)channels * fh * fw > (1 << 28)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "Grad-CAM of a %d x %d x %d feature map onto %d x %d px: bad sizes", channels, fh,
                fw, width, height);
    return NULL;
  }
  CsExplanation *result = g_new0(CsExplanation, 1);
  result->method = CS_EXPLAIN_GRADCAM;
  result->width = width;
  result->height = height;
  result->map = g_new(float, (gsize)width *height);
  result->base_score = base_score;
  result->n_scored = 1;
  if (cs_gradcam_combine(activations, gradients, channels, fh, fw, 1, width, height, result->map,
                         NULL) != 0) {
    cs_explanation_free(result);
    g_set_error_literal(error, CS_ERROR, CS_ERROR_TOO_LARGE, "out of memory in Grad-CAM");
    return NULL;
  }
  return result;
}
