/* cs-cli-explain.c — carpalscope-cli explain: occlusion, LIME and Grad-CAM maps of one crop
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include "cs-colormap.h"
#include "cs-engine-error.h"
#include "cs-frame-explanation.h"
#include "cs-gradcam.h"
#include "cs-model-catalog.h"
#include "cs-nerve-track.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define NAME "explain"

/* Everything the command line says, checked before any file is opened. */
typedef struct {
  CsExplainMethod method;
  const char *input;
  int frame;
  gboolean have_roi;
  int roi[4];
  gboolean auto_roi;       /* --roi auto: the ROI is placed on the nerve the frame shows. */
  const char *nerve_model; /* --nerve-model, or NULL for the installed one. */
  guint64 seed;
  double mm_per_px;
  CsColormap colormap;
  double opacity;
  CsOverlayBlend blend;
  CsExplainScoreKind score;
  CsExplainOptions options;
} Request;

static gboolean
parse_roi(const char *text, int roi[4])
{
  g_auto(GStrv) parts = g_strsplit(text, ",", -1);

  if (g_strv_length(parts) != 4)
    return FALSE;
  for (int i = 0; i < 4; i++) {
    gint64 v = 0;
    if (!g_ascii_string_to_signed(g_strstrip(parts[i]), 10, i < 2 ? -100000 : 1, 100000, &v, NULL))
      return FALSE;
    roi[i] = (int)v;
  }
  return TRUE;
}

static gboolean
parse_uint(const char *text, guint64 max, guint64 *value)
{
  return text != NULL && g_ascii_string_to_unsigned(text, 10, 0, max, value, NULL);
}

/* The side of the overlay picture: the ROI at the frame's own resolution, at least the network's
 * input side (a 112-px input would otherwise give a stamp-sized picture) and at most 1024 px. */
static int
display_side(const CsRoiRect *rect, int size)
{
  double side = MAX(rect->width, rect->height);

  return (int)CLAMP(lround(side), size, MAX(size, 1024));
}

/* Reads the frame, the region of interest on it (the whole frame without --roi) and the ROI at
 * the overlay's side into @display (its side in @display_size). */
static CsFrame *
read_frame(const Request *r, int size, CsRoiRect *rect, guint8 **display, int *display_size,
           GError **error)
{
  g_autoptr(CsSweep) sweep = cs_sweep_open(r->input, error);
  if (sweep == NULL)
    return NULL;
  int n_frames = cs_sweep_get_n_frames(sweep);
  if (r->frame >= n_frames) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "%s: frame %d does not exist (%d frames)",
                r->input, r->frame, n_frames);
    return NULL;
  }
  if (!r->have_roi && !r->auto_roi && n_frames > 1) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "%s is a sweep of %d frames: give the region of interest with --roi X,Y,W,H or "
                "--roi auto",
                r->input, n_frames);
    return NULL;
  }
  g_autoptr(CsFrame) frame = cs_sweep_get_frame(sweep, r->frame, error);
  if (frame == NULL)
    return NULL;
  if (r->have_roi)
    *rect = (CsRoiRect){ r->roi[0], r->roi[1], r->roi[2], r->roi[3] };
  else if (r->auto_roi) {
    CsSpacing spacing = r->mm_per_px > 0 ? cs_spacing_new(r->mm_per_px, CS_SPACING_SOURCE_MANUAL)
                                         : cs_sweep_get_file_spacing(sweep);
    g_autofree char *path = cs_nerve_finder_resolve(r->nerve_model, error);
    g_autoptr(CsNerveFinder) finder = path != NULL ? cs_nerve_finder_load(path, error) : NULL;
    CsNerveLocation location;

    if (finder == NULL || !cs_nerve_roi_auto(finder, frame, &spacing, CS_ROI_DEFAULT_SIZE_MM, rect,
                                             &location, error)) {
      g_prefix_error(error, "%s: ", r->input);
      return NULL;
    }
  } else
    *rect = (CsRoiRect){ 0, 0, frame->width, frame->height };
  *display_size = display_side(rect, size);
  *display = g_malloc((gsize)*display_size * *display_size);
  if (!cs_roi_crop(frame->data, frame->width, frame->height, frame->stride, rect, *display_size,
                   *display_size, *display, NULL, error)) {
    g_clear_pointer(display, g_free);
    return NULL;
  }
  return g_steal_pointer(&frame);
}

static int
run(Request *r, const char *model_name, const char *arch, const char *class_text,
    const char *mask_text, const char *stride_text, const char *out, const char *raw)
{
  g_autoptr(CsModel) model = NULL;
  g_autoptr(CsFrame) frame = NULL;
  g_autoptr(CsFrameExplanation) x = NULL;
  g_autofree guint8 *display = NULL;
  GError *error = NULL;
  CsExplainOptions options = r->options;
  CsSpacing spacing = cs_spacing_new(r->mm_per_px, CS_SPACING_SOURCE_MANUAL);
  CsRoiRect rect;
  int side = 0;

  model = cs_cli_load_model(model_name, arch, &error);
  if (model == NULL || !cs_model_find_class(model, class_text, &options.class_index, &error))
    return cs_cli_fail_error(error);
  int size = cs_model_get_input_size(model);
  frame = read_frame(r, size, &rect, &display, &side, &error);
  if (frame == NULL)
    return cs_cli_fail_error(error);

  /* The crop's own spacing: the ROI's width in mm spread over the network's input side. */
  double crop_mm_per_px = r->mm_per_px > 0 ? r->mm_per_px * rect.width / size : 0;
  if (mask_text != NULL &&
      !cs_explain_parse_length(mask_text, crop_mm_per_px, &options.occlusion.mask_px, &error))
    return cs_cli_fail_error(error);
  if (stride_text != NULL &&
      !cs_explain_parse_length(stride_text, crop_mm_per_px, &options.occlusion.stride_px, &error))
    return cs_cli_fail_error(error);

  x = cs_explain_frame(model, frame, &rect, &spacing, &options, NULL, NULL, NULL, &error);
  if (x == NULL)
    return cs_cli_fail_error(error);
  if (x->padded)
    g_printerr("carpalscope-cli explain: note: the ROI reaches outside the frame; the outside "
               "is black\n");
  const CsExplanation *e = r->method == CS_EXPLAIN_OCCLUSION ? x->occlusion
                           : r->method == CS_EXPLAIN_LIME    ? x->lime
                                                             : x->gradcam;

  /* The map is upsampled to the picture's side; the raw map stays at the input's. */
  g_autofree float *shown = g_new(float, (gsize)side *side);
  g_autofree guint8 *rgba = g_malloc((gsize)side * side * 4);
  CsOverlayScale scale = cs_overlay_scale(e->map, (gsize)size * size, r->colormap, 2.0);
  cs_gradcam_upsample(e->map, size, size, shown, side, side);
  cs_overlay_compose(display, shown, side, side, r->colormap, r->opacity, r->blend, &scale, rgba);
  g_autofree char *title = g_strdup_printf("%s %s", cs_explain_method_name(r->method),
                                           r->score == CS_EXPLAIN_SCORE_LOGIT ? "(logit)" : "(p)");
  if (!cs_overlay_save_png(rgba, side, side, r->colormap, &scale, title, out, &error))
    return cs_cli_fail_error(error);

  if (raw != NULL) {
    CsExplainProvenance provenance = {
      .input = r->input,
      .frame = r->frame,
      .roi = { rect.x, rect.y, rect.width, rect.height },
      .mm_per_px = x->mm_per_px,
      .model = model_name != NULL ? model_name : x->model_id,
      .model_hash = x->model_sha256,
      .class_name = x->class_name,
      .class_index = x->class_index,
      .score = cs_explain_score_kind_name(r->score),
    };
    if (!cs_explanation_save_raw(e, &provenance, raw, &error))
      return cs_cli_fail_error(error);
  }

  if (r->method == CS_EXPLAIN_GRADCAM)
    printf("%s: gradcam of the %s, last convolutional block, score %.4f\n", out,
           cs_explain_score_kind_name(r->score), e->base_score);
  else if (r->method == CS_EXPLAIN_LIME)
    printf("%s: lime, %d segments, %d samples x %d, seed %" G_GUINT64_FORMAT
           ", score %.4f, R^2 %.3f\n",
           out, e->n_segments, e->n_samples, e->repeats, e->seed, e->base_score, e->r2);
  else
    printf("%s: occlusion, mask %d px, stride %d px, %d windows, fill %s, score %.4f\n", out,
           e->mask_px, e->stride_px, e->n_windows, cs_explain_fill_name(e->fill), e->base_score);
  return fflush(stdout) == 0 ? CS_CLI_OK : cs_cli_fail("cannot write to standard output");
}

/* The command: its option table, then each option checked in the table's order, then the work.
 * Its length is the table's (one entry per option, every check beside the others), read once
 * from top to bottom; the work itself is in the functions above. */
int
cs_cli_explain(int argc, char **argv)
{
  g_autofree char *method = NULL, *model = NULL, *arch = NULL, *roi = NULL, *seed = NULL;
  g_autofree char *out = NULL, *raw = NULL, *mask = NULL, *stride = NULL, *fill = NULL;
  g_autofree char *colormap = NULL, *segmentation = NULL, *class_text = NULL, *score = NULL;
  g_autofree char *blend = NULL, *nerve_model = NULL;
  int frame = 0, samples = 1000, segments = 50, repeats = 1, batch = 64;
  double opacity = 0.7, mm_per_px = 0, compactness = 0.1;
  const GOptionEntry entries[] = {
    { "method", 0, 0, G_OPTION_ARG_STRING, &method, "occlusion, lime or gradcam",
      "occlusion|lime|gradcam" },
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model,
      "An installed model's id or a safetensors file (default: the first installed model)",
      "ID|FILE" },
    { "arch", 0, 0, G_OPTION_ARG_STRING, &arch,
      "The architecture, when the file's metadata names none", "NAME" },
    { "roi", 0, 0, G_OPTION_ARG_STRING, &roi,
      "Region of interest in image pixels, or auto: the 15 x 15 mm square (without a known "
      "spacing twice the nerve's box) centred on the nerve found in the frame (a still image "
      "without it is used whole)",
      "X,Y,W,H|auto" },
    { "nerve-model", 0, 0, G_OPTION_ARG_STRING, &nerve_model,
      "The segmentation model that finds the nerve for --roi auto (default: the installed one)",
      "ID|FILE" },
    { "frame", 0, 0, G_OPTION_ARG_INT, &frame, "Frame of a sweep (default 0)", "N" },
    { "class", 0, 0, G_OPTION_ARG_STRING, &class_text,
      "The class explained, by name or index (default cts)", "NAME|INDEX" },
    { "score", 0, 0, G_OPTION_ARG_STRING, &score,
      "Explain the class's probability (default; Grad-CAM: the logit) or its logit",
      "probability|logit" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed, "Seed of LIME's sampling (default 0)", "N" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "The overlay with its colour bar", "PNG" },
    { "raw", 0, 0, G_OPTION_ARG_FILENAME, &raw,
      "Also write the map as little-endian float32 (H x W) and FILE.json", "FILE" },
    { "samples", 0, 0, G_OPTION_ARG_INT, &samples, "LIME: perturbed samples (default 1000)", "N" },
    { "segments", 0, 0, G_OPTION_ARG_INT, &segments, "LIME: superpixels wanted (default 50)", "N" },
    { "segmentation", 0, 0, G_OPTION_ARG_STRING, &segmentation,
      "LIME: SLIC superpixels (default) or a regular grid", "slic|grid" },
    { "compactness", 0, 0, G_OPTION_ARG_DOUBLE, &compactness,
      "LIME: SLIC compactness on [0,1] gray (default 0.1)", "C" },
    { "repeats", 0, 0, G_OPTION_ARG_INT, &repeats,
      "LIME: runs with seeds N..N+K-1, giving the mean map (and FILE.sd with --raw)", "K" },
    { "mask", 0, 0, G_OPTION_ARG_STRING, &mask,
      "Occlusion: mask side in px or mm, e.g. 40 or 3mm (default 20 % of the input)", "LEN" },
    { "stride", 0, 0, G_OPTION_ARG_STRING, &stride,
      "Occlusion: step in px or mm (default 10 % of the input)", "LEN" },
    { "fill", 0, 0, G_OPTION_ARG_STRING, &fill, "Occlusion: what the mask shows (default mean)",
      "mean|zero|blur" },
    { "mm-per-px", 0, 0, G_OPTION_ARG_DOUBLE, &mm_per_px,
      "Pixel spacing of the input image, for lengths in mm", "MM" },
    { "colormap", 0, 0, G_OPTION_ARG_STRING, &colormap,
      "viridis, inferno, turbo (positive part only) or diverging (signed; the default)", "NAME" },
    { "opacity", 0, 0, G_OPTION_ARG_DOUBLE, &opacity,
      "Opacity of the map where it is strongest (default 0.7)", "0..1" },
    { "blend", 0, 0, G_OPTION_ARG_STRING, &blend,
      "weighted: opacity grows with |value| (default); constant: the same everywhere",
      "weighted|constant" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Images per engine call (default 64)", "N" },
    { NULL },
  };
  g_autoptr(GOptionContext) context =
      g_option_context_new("INPUT - show what the network looked at");
  Request r = { 0 };

  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_description(
      context,
      "Maps are in crop pixels; positive values support the class. Occlusion: the drop in the\n"
      "class score when a square mask covers each pixel, averaged where windows overlap.\n"
      "LIME: SLIC superpixels switched off to the crop's mean gray, weighted ridge surrogate\n"
      "(kernel width 0.25, alpha 1); the same seed gives the same map. The overlay clips the\n"
      "top 2 % of the attribution before colouring. Grad-CAM: the last convolutional block,\n"
      "ReLU, bilinear upsampling.");
  if (!cs_cli_parse(context, &argc, &argv, NAME))
    return CS_CLI_USAGE;

  if (method == NULL)
    return cs_cli_usage_error(NAME, "--method is required");
  if (!cs_explain_method_from_name(method, &r.method))
    return cs_cli_usage_error(NAME, "--method must be occlusion, lime or gradcam, not '%s'",
                              method);
  if (out == NULL)
    return cs_cli_usage_error(NAME, "--out PNG is required");
  if (argc < 2)
    return cs_cli_usage_error(NAME, "no INPUT given");
  if (argc > 2)
    return cs_cli_usage_error(NAME, "one INPUT only; unexpected '%s'", argv[2]);
  r.input = argv[1];
  if (frame < 0)
    return cs_cli_usage_error(NAME, "--frame %d is negative", frame);
  r.frame = frame;
  if (g_strcmp0(roi, "auto") == 0)
    r.auto_roi = TRUE;
  else if (roi != NULL) {
    if (!parse_roi(roi, r.roi))
      return cs_cli_usage_error(
          NAME, "--roi '%s' is not X,Y,W,H in whole pixels (W, H > 0) or auto", roi);
    r.have_roi = TRUE;
  }
  if (nerve_model != NULL && !r.auto_roi)
    return cs_cli_usage_error(NAME, "--nerve-model is used only with --roi auto");
  r.nerve_model = nerve_model;
  if (seed != NULL && !parse_uint(seed, G_MAXINT64, &r.seed))
    return cs_cli_usage_error(NAME, "--seed '%s' is not a whole number in 0..2^63-1", seed);
  if (!(opacity >= 0 && opacity <= 1))
    return cs_cli_usage_error(NAME, "--opacity %g is not in [0, 1]", opacity);
  r.opacity = opacity;
  if (!(mm_per_px >= 0) || !isfinite(mm_per_px))
    return cs_cli_usage_error(NAME, "--mm-per-px %g must be positive", mm_per_px);
  r.mm_per_px = mm_per_px;
  /* Occlusion and LIME maps are signed (an occluded or switched-off region can raise the
   * score), so both default to the diverging map; Grad-CAM will default to a sequential one. */
  r.colormap = r.method == CS_EXPLAIN_GRADCAM ? CS_COLORMAP_INFERNO : CS_COLORMAP_DIVERGING;
  if (colormap != NULL && !cs_colormap_from_name(colormap, &r.colormap))
    return cs_cli_usage_error(NAME, "--colormap must be viridis, inferno, turbo or diverging");
  r.blend = CS_OVERLAY_BLEND_WEIGHTED;
  if (g_strcmp0(blend, "constant") == 0)
    r.blend = CS_OVERLAY_BLEND_CONSTANT;
  else if (blend != NULL && g_strcmp0(blend, "weighted") != 0)
    return cs_cli_usage_error(NAME, "--blend must be weighted or constant, not '%s'", blend);
  /* Grad-CAM follows its paper and explains the logit unless told otherwise. */
  r.score = r.method == CS_EXPLAIN_GRADCAM ? CS_EXPLAIN_SCORE_LOGIT : CS_EXPLAIN_SCORE_PROBABILITY;
  if (score != NULL && !cs_explain_score_kind_from_name(score, &r.score))
    return cs_cli_usage_error(NAME, "--score must be probability or logit, not '%s'", score);
  if (batch < 1 || batch > 1024)
    return cs_cli_usage_error(NAME, "--batch %d is not in 1..1024", batch);
  cs_explain_options_init(&r.options);
  r.options.methods = 1u << r.method;
  r.options.score = r.score;
  r.options.gradcam_score = r.score;
  r.options.batch_size = batch;
  if (fill != NULL && !cs_explain_fill_from_name(fill, &r.options.occlusion.fill))
    return cs_cli_usage_error(NAME, "--fill must be mean, zero or blur, not '%s'", fill);
  if (samples < 2 || samples > 1000000)
    return cs_cli_usage_error(NAME, "--samples %d is not in 2..1000000", samples);
  if (segments < 1 || segments > 2000)
    return cs_cli_usage_error(NAME, "--segments %d is not in 1..2000", segments);
  if (repeats < 1 || repeats > 1000)
    return cs_cli_usage_error(NAME, "--repeats %d is not in 1..1000", repeats);
  if (!(compactness > 0) || !isfinite(compactness))
    return cs_cli_usage_error(NAME, "--compactness %g must be positive", compactness);
  if (segmentation != NULL && g_strcmp0(segmentation, "slic") != 0 &&
      g_strcmp0(segmentation, "grid") != 0)
    return cs_cli_usage_error(NAME, "--segmentation must be slic or grid");
  r.options.lime.n_samples = samples;
  r.options.lime.n_segments = segments;
  r.options.lime.repeats = repeats;
  r.options.lime.seed = r.seed;
  r.options.lime.compactness = compactness;
  if (g_strcmp0(segmentation, "grid") == 0)
    r.options.lime.segmentation = CS_SEGMENTATION_GRID;

  return run(&r, model, arch, class_text, mask, stride, out, raw);
}
