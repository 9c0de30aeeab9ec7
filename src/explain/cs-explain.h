/* cs-explain.h — explanations of a network's score: occlusion sensitivity and LIME
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The explainers know nothing about the network: they hand batches of perturbed 8-bit gray crops
 * (all of the crop's size, which is the network's input size) to a scoring callback that returns
 * one class score per image (p of the chosen class, or its logit). Every perturbed image of one
 * explanation goes through the callback in batches of CsExplainScorer.batch_size, with the
 * buffers allocated once per explanation.
 *
 *   CsExplainScorer scorer = { .score = my_score_cb, .score_data = model, .batch_size = 64 };
 *   CsLimeParams params;
 *   cs_lime_params_init(&params);
 *   params.seed = 7;
 *   g_autoptr(CsExplanation) lime = cs_explain_lime(crop, 224, 224, &params, &scorer, &error);
 *   // lime->map is 224 x 224 floats; lime->r2 the surrogate's weighted R^2.
 *
 * Maps are in crop pixels, row-major, and signed: positive = supports the class.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* Images per call to the scoring callback when CsExplainScorer.batch_size is 0. */
#define CS_EXPLAIN_DEFAULT_BATCH 64

/* Scores @n_images gray images of @width x @height, packed one after another, for the chosen
 * class: writes one score per image to @scores. Returns FALSE with @error set on failure. */
typedef gboolean (*CsExplainScoreFunc)(const guint8 *images, int n_images, int width, int height,
                                       float *scores, gpointer score_data, GError **error);

/* Returns TRUE when the caller wants the explanation stopped (checked between batches). */
typedef gboolean (*CsExplainAbortFunc)(gpointer user_data);

/* Reports the fraction (0 to 1) of the explanation's images scored so far. */
typedef void (*CsExplainProgressFunc)(double fraction, gpointer user_data);

/* How the explainers reach the network. */
typedef struct {
  CsExplainScoreFunc score;        /* Required. */
  gpointer score_data;             /* Passed to @score. */
  int batch_size;                  /* Images per @score call; 0 = CS_EXPLAIN_DEFAULT_BATCH. */
  CsExplainAbortFunc should_abort; /* Optional. */
  CsExplainProgressFunc progress;  /* Optional. */
  gpointer user_data;              /* Passed to @should_abort and @progress. */
} CsExplainScorer;

/* The explanation methods. */
typedef enum { CS_EXPLAIN_OCCLUSION, CS_EXPLAIN_LIME, CS_EXPLAIN_GRADCAM } CsExplainMethod;

/* What an occluded or switched-off region is filled with. */
typedef enum {
  CS_EXPLAIN_FILL_MEAN, /* The crop's mean gray. */
  CS_EXPLAIN_FILL_ZERO, /* Black. */
  CS_EXPLAIN_FILL_BLUR  /* The crop blurred with a Gaussian (occlusion only). */
} CsExplainFill;

/* How LIME cuts the crop into features. */
typedef enum {
  CS_SEGMENTATION_SLIC, /* SLIC superpixels on the smoothed gray crop. */
  CS_SEGMENTATION_GRID  /* A regular grid of near-square cells. */
} CsSegmentation;

/* Parameters of occlusion sensitivity. Sizes are in crop pixels; see cs_explain_parse_length()
 * for millimetres. */
typedef struct {
  int mask_px;          /* Side of the square mask; 0 = 20 % of the shorter crop side. */
  int stride_px;        /* Step between mask positions; 0 = 10 % of the shorter crop side. */
  CsExplainFill fill;   /* Default CS_EXPLAIN_FILL_MEAN. */
  double blur_sigma_px; /* Gaussian sigma of the blur fill; 0 = a quarter of the mask side. */
} CsOcclusionParams;

/* Parameters of LIME. */
typedef struct {
  int n_samples;               /* Perturbed samples, row 0 = everything on; default 1000. */
  int n_segments;              /* Wanted number of superpixels; default 50. */
  CsSegmentation segmentation; /* Default CS_SEGMENTATION_SLIC. */
  double compactness;          /* SLIC compactness on [0,1] intensities; default 0.1. */
  double smoothing_sigma;      /* Gaussian pre-smoothing for SLIC in px; default 1.5. */
  double kernel_width;         /* Width of the exponential kernel; default 0.25. */
  double ridge_alpha;          /* Ridge penalty; default 1. */
  guint64 seed;                /* Seed of the sampling; run r of a stability run uses seed + r. */
  int repeats;                 /* Stability mode: runs with seeds seed .. seed+repeats-1; 1. */
} CsLimeParams;

/* One explanation: the map and everything needed to reproduce and describe it. */
typedef struct {
  CsExplainMethod method;
  int width; /* Of the crop and the maps. */
  int height;
  float *map;        /* width x height attribution, row-major; the mean map for repeats > 1. */
  float *sd_map;     /* Per-pixel sample SD over the repeats (LIME, repeats > 1), else NULL. */
  double base_score; /* The score of the unperturbed crop. */
  gint64 n_scored;   /* Images handed to the scoring callback. */

  /* Occlusion: the resolved geometry. */
  int mask_px;
  int stride_px;
  int n_windows;
  CsExplainFill fill;
  double blur_sigma_px;

  /* LIME: the features, the surrogate and the sampling. */
  CsSegmentation segmentation;
  int *segments; /* Feature index per pixel, 0 .. n_segments-1. */
  int n_segments;
  double *weights;  /* Surrogate coefficient per feature (mean over the repeats). */
  double intercept; /* Surrogate intercept (mean over the repeats). */
  double r2;        /* Weighted R^2 of the surrogate (mean over the repeats). */
  double r2_min;    /* The smallest R^2 of the repeats. */
  int n_samples;
  int repeats;
  guint64 seed;
  double compactness;
  double smoothing_sigma;
  double kernel_width;
  double ridge_alpha;
} CsExplanation;

/* Fills @params with the defaults. */
void cs_occlusion_params_init(CsOcclusionParams *params);

/* Fills @params with the defaults (seed 0). */
void cs_lime_params_init(CsLimeParams *params);

/* Occlusion sensitivity of the @width x @height gray @crop: the drop in score when a square mask
 * covers each pixel, averaged over the windows that cover it. NULL with @error on failure. */
CsExplanation *cs_explain_occlusion(const guint8 *crop, int width, int height,
                                    const CsOcclusionParams *params, const CsExplainScorer *scorer,
                                    GError **error);

/* LIME on the @width x @height gray @crop; with params->repeats > 1 also the SD map. */
CsExplanation *cs_explain_lime(const guint8 *crop, int width, int height,
                               const CsLimeParams *params, const CsExplainScorer *scorer,
                               GError **error);

/* Grad-CAM of a @width x @height crop from the last convolutional block's output @activations
 * and the class score's gradient @gradients there (both @channels x @fh x @fw, from the engine):
 * ReLU of the gradient-weighted channel sum, upsampled bilinearly (cs-gradcam.h). */
CsExplanation *cs_explain_gradcam_from_features(const float *activations, const float *gradients,
                                                int channels, int fh, int fw, int width, int height,
                                                double base_score, GError **error);

/* Frees @explanation and its maps; NULL is allowed. */
void cs_explanation_free(CsExplanation *explanation);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsExplanation, cs_explanation_free)

/* Returns "occlusion", "lime" or "gradcam". */
const char *cs_explain_method_name(CsExplainMethod method);

/* Parses "occlusion", "lime" or "gradcam". */
gboolean cs_explain_method_from_name(const char *name, CsExplainMethod *method);

/* Returns "mean", "zero" or "blur". */
const char *cs_explain_fill_name(CsExplainFill fill);

/* Parses "mean", "zero" or "blur". */
gboolean cs_explain_fill_from_name(const char *name, CsExplainFill *fill);

/* Parses a length "40", "40px" or "3mm" into whole crop pixels (at least 1), using @mm_per_px
 * of the crop for millimetres (<= 0 when unknown: then "mm" is an error). */
gboolean cs_explain_parse_length(const char *text, double mm_per_px, int *px, GError **error);

/* Where an explanation came from, for the JSON sidecar. Strings may be NULL. */
typedef struct {
  const char *input;      /* The input file. */
  int frame;              /* Frame index, -1 for a still image. */
  int roi[4];             /* x, y, width, height in image pixels; width 0 = the whole image. */
  double mm_per_px;       /* Of the crop; <= 0 when unknown. */
  const char *model;      /* Model id or path. */
  const char *model_hash; /* SHA-256 of the weight file. */
  const char *class_name; /* The explained class. */
  int class_index;
  const char *score; /* "probability" or "logit". */
} CsExplainProvenance;

/* Writes the map of @explanation to @path as little-endian float32, height x width, and a JSON
 * sidecar @path.json (with the SD map as @path.sd beside it when there is one). */
gboolean cs_explanation_save_raw(const CsExplanation *explanation,
                                 const CsExplainProvenance *provenance, const char *path,
                                 GError **error);

/* Returns the JSON sidecar text of @explanation (what cs_explanation_save_raw() writes). */
char *cs_explanation_to_json(const CsExplanation *explanation,
                             const CsExplainProvenance *provenance, const char *raw_path);

G_END_DECLS
