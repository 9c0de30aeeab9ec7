/* cs-cli-classify.c — carpalscope-cli classify: p(CTS) of still images and sweep frames
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-error.h"
#include "cs-model-catalog.h"
#include "cs-nerve-track.h"
#include "cs-roi.h"
#include "cs-sweep.h"

#define NAME "classify"

/* Frames run through the network together. */
#define CLASSIFY_BATCH 32

typedef struct {
  CsModel *model;
  const char *model_name;
  gboolean json;
  gboolean have_roi;
  CsRoiRect roi;
  CsNerveFinder *finder; /* --roi auto: the ROI is placed on the nerve of each frame. */
  gboolean have_frames;
  int first, last; /* [first, last), last = -1 for the end. */
} Classify;

static gboolean
parse_roi(const char *text, CsRoiRect *rect)
{
  g_auto(GStrv) parts = g_strsplit(text, ",", -1);
  gint64 v[4];

  if (g_strv_length(parts) != 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    if (!g_ascii_string_to_signed(g_strstrip(parts[i]), 10, i < 2 ? -100000 : 1, 100000, &v[i],
                                  NULL))
      return FALSE;
  rect->x = (int)v[0];
  rect->y = (int)v[1];
  rect->width = (int)v[2];
  rect->height = (int)v[3];
  return TRUE;
}

static void
print_json(JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  g_autofree char *text = NULL;

  json_generator_set_root(generator, root);
  text = json_generator_to_data(generator, NULL);
  printf("%s\n", text);
}

static void
print_result(const Classify *c, const char *input, int frame, gboolean is_sweep,
             const float *logits, float p_cts)
{
  int classes = cs_model_get_n_classes(c->model);

  if (c->json) {
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "input");
    json_builder_add_string_value(b, input);
    json_builder_set_member_name(b, "frame");
    json_builder_add_int_value(b, frame);
    json_builder_set_member_name(b, "model");
    json_builder_add_string_value(b, c->model_name);
    json_builder_set_member_name(b, "logits");
    json_builder_begin_array(b);
    for (int k = 0; k < classes; k++)
      json_builder_add_double_value(b, logits[k]);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "p_cts");
    json_builder_add_double_value(b, p_cts);
    json_builder_end_object(b);
    print_json(b);
  } else if (is_sweep) {
    printf("%s frame %d: p(CTS) = %.4f\n", input, frame, p_cts);
  } else {
    printf("%s: p(CTS) = %.4f (%s)\n", input, p_cts, p_cts >= 0.5f ? "cts" : "control");
  }
  fflush(stdout);
}

static int
compare_floats(const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

static void
print_summary(const Classify *c, const char *input, GArray *probs)
{
  double mean = 0.0, median;
  const char *label;

  g_array_sort(probs, compare_floats);
  for (guint i = 0; i < probs->len; i++)
    mean += g_array_index(probs, float, i);
  mean /= probs->len;
  median = probs->len % 2 ? g_array_index(probs, float, probs->len / 2)
                          : 0.5 * (g_array_index(probs, float, probs->len / 2 - 1) +
                                   g_array_index(probs, float, probs->len / 2));
  /* The hand-level call of the evaluation: the mean over the sweep's frames. */
  label = mean >= 0.5 ? "cts" : "control";
  if (c->json) {
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "input");
    json_builder_add_string_value(b, input);
    json_builder_set_member_name(b, "model");
    json_builder_add_string_value(b, c->model_name);
    json_builder_set_member_name(b, "summary");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "frames");
    json_builder_add_int_value(b, probs->len);
    json_builder_set_member_name(b, "mean_p_cts");
    json_builder_add_double_value(b, mean);
    json_builder_set_member_name(b, "median_p_cts");
    json_builder_add_double_value(b, median);
    json_builder_set_member_name(b, "label");
    json_builder_add_string_value(b, label);
    json_builder_end_object(b);
    json_builder_end_object(b);
    print_json(b);
  } else {
    printf("%s: %u frames, mean p(CTS) = %.4f, median %.4f (%s)\n", input, probs->len, mean, median,
           label);
  }
}

/* Places the ROI on the nerve of @frame (--roi auto): 1 with @rect set, 0 when no nerve is found
 * (the frame is skipped, and stderr says so), -1 with @error when the network cannot run. */
static int
place_on_nerve(const Classify *c, const char *input, const CsFrame *frame, const CsSpacing *spacing,
               CsRoiRect *rect, GError **error)
{
  g_autoptr(GError) local = NULL;
  CsNerveLocation location;

  if (cs_nerve_roi_auto(c->finder, frame, spacing, CS_ROI_DEFAULT_SIZE_MM, rect, &location, &local))
    return 1;
  if (!g_error_matches(local, CS_ERROR, CS_ERROR_NOT_FOUND)) {
    g_propagate_error(error, g_steal_pointer(&local));
    return -1;
  }
  fprintf(stderr, "carpalscope-cli " NAME ": %s: %s: not classified\n", input, local->message);
  return 0;
}

/* Classifies the frames of one input in batches; returns FALSE with @error set on failure. */
static gboolean
classify_input(const Classify *c, const char *input, GError **error)
{
  g_autoptr(CsSweep) sweep = cs_sweep_open(input, error);
  g_autoptr(GArray) probs = NULL;
  CsCrop crops[CLASSIFY_BATCH];
  CsFrame *frames[CLASSIFY_BATCH];
  guint8 *owned[CLASSIFY_BATCH];
  int frame_index[CLASSIFY_BATCH];
  int classes = cs_model_get_n_classes(c->model);
  g_autofree float *logits = g_new(float, (gsize)CLASSIFY_BATCH *classes);
  float p_cts[CLASSIFY_BATCH];
  gboolean is_sweep, ok = TRUE;
  int n_frames, first, last, pending = 0;
  CsSpacing spacing;

  if (sweep == NULL)
    return FALSE;
  is_sweep = cs_sweep_get_kind(sweep) != CS_SWEEP_KIND_STILL_IMAGE;
  if (is_sweep && !c->have_roi && c->finder == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "%s is a sweep: give the nerve's region with --roi X,Y,W,H or --roi auto", input);
    return FALSE;
  }
  n_frames = cs_sweep_get_n_frames(sweep);
  first = c->have_frames ? c->first : 0;
  last = c->have_frames && c->last >= 0 ? c->last : n_frames;
  if (last > n_frames)
    last = n_frames;
  if (first >= last) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s has %d frames: --frames selects none", input,
                n_frames);
    return FALSE;
  }
  probs = g_array_new(FALSE, FALSE, sizeof(float));
  spacing = cs_sweep_get_file_spacing(sweep);
  for (int f = first; f < last || pending > 0; f++) {
    CsRoiRect rect = c->roi;

    if (f < last) {
      CsFrame *frame = cs_sweep_get_frame(sweep, f, error);
      CsCrop *crop = &crops[pending];

      if (frame == NULL) {
        ok = FALSE;
        break;
      }
      if (c->finder != NULL) {
        int placed = place_on_nerve(c, input, frame, &spacing, &rect, error);

        if (placed < 0) {
          cs_frame_unref(frame);
          ok = FALSE;
          break;
        }
        if (placed == 0) {
          cs_frame_unref(frame);
          if (pending == 0 || f + 1 < last)
            continue;
          goto classify_batch; /* The batch before this last frame is still to be run. */
        }
      }
      frames[pending] = frame;
      owned[pending] = NULL;
      frame_index[pending] = f;
      if (c->have_roi || c->finder != NULL) {
        gboolean padded = FALSE;

        owned[pending] = cs_roi_extract(frame->data, frame->width, frame->height, frame->stride,
                                        &rect, &padded, error);
        if (owned[pending] == NULL) {
          cs_frame_unref(frame);
          ok = FALSE;
          break;
        }
        crop->pixels = owned[pending];
        crop->width = rect.width;
        crop->height = rect.height;
        crop->stride = (gsize)rect.width;
      } else {
        crop->pixels = frame->data;
        crop->width = frame->width;
        crop->height = frame->height;
        crop->stride = (gsize)frame->stride;
      }
      pending++;
      if (pending < CLASSIFY_BATCH && f + 1 < last)
        continue;
    }
  classify_batch : {
    if (!cs_model_classify(c->model, crops, pending, logits, p_cts, NULL, error)) {
      g_prefix_error(error, "%s: ", input);
      ok = FALSE;
    }
    for (int i = 0; i < pending; i++) {
      if (ok) {
        print_result(c, input, frame_index[i], is_sweep, logits + (gsize)i * classes, p_cts[i]);
        g_array_append_val(probs, p_cts[i]);
      }
      g_free(owned[i]);
      cs_frame_unref(frames[i]);
    }
    pending = 0;
    if (!ok)
      return FALSE;
  }
    if (f >= last)
      break;
  }
  if (!ok) {
    for (int i = 0; i < pending; i++) {
      g_free(owned[i]);
      cs_frame_unref(frames[i]);
    }
    return FALSE;
  }
  if (probs->len == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "%s: no nerve found in any frame", input);
    return FALSE;
  }
  if (is_sweep)
    print_summary(c, input, probs);
  return TRUE;
}

int
cs_cli_classify(int argc, char **argv)
{
  g_autofree char *model = NULL, *arch = NULL, *roi = NULL, *frames = NULL, *nerve_model = NULL;
  g_autofree char *nerve_path = NULL;
  g_autoptr(CsModel) loaded = NULL;
  g_autoptr(CsNerveFinder) finder = NULL;
  gboolean json = FALSE;
  g_auto(GStrv) inputs = NULL;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_STRING, &model,
      "Installed model id or safetensors file (default: the first installed model)", "ID|FILE" },
    { "arch", 0, 0, G_OPTION_ARG_STRING, &arch,
      "Architecture, when the weights do not name one: squeezenet1_1, mobilenet_v2, "
      "efficientnet_b0",
      "NAME" },
    { "roi", 0, 0, G_OPTION_ARG_STRING, &roi,
      "Region to classify, in image pixels, or auto: the 15 x 15 mm square (without a known "
      "spacing twice the nerve's box) centred on the nerve found in each frame (required for "
      "sweeps; a still image is used whole without it)",
      "X,Y,W,H|auto" },
    { "nerve-model", 0, 0, G_OPTION_ARG_STRING, &nerve_model,
      "The segmentation model that finds the nerve for --roi auto (default: the installed one)",
      "ID|FILE" },
    { "frames", 0, 0, G_OPTION_ARG_STRING, &frames,
      "Frames of a sweep, A:B as a Python slice (A to B-1; either may be left out) or N", "A:B" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "JSON Lines: one object per image or frame, and a \"summary\" line per sweep", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs, NULL, "INPUT..." },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new(NULL);
  g_autoptr(GError) error = NULL;
  Classify c = { 0 };
  int result = CS_CLI_OK;

  g_option_context_set_summary(context,
                               "Classifies still images (PNG, JPEG, BMP, TIFF; colour is reduced "
                               "to gray) and sweep frames: prints p(CTS) for each.");
  g_option_context_add_main_entries(context, entries, NULL);
  if (!cs_cli_parse(context, &argc, &argv, NAME))
    return CS_CLI_USAGE;
  if (inputs == NULL || inputs[0] == NULL)
    return cs_cli_usage_error(NAME, "no INPUT given");
  if (arch != NULL) {
    gboolean known = FALSE;
    for (const char *const *a = cs_model_arch_names(); *a != NULL; a++)
      known = known || strcmp(*a, arch) == 0;
    if (!known)
      return cs_cli_usage_error(
          NAME, "unknown --arch %s (squeezenet1_1, mobilenet_v2, efficientnet_b0)", arch);
  }
  if (roi != NULL && strcmp(roi, "auto") != 0) {
    if (!parse_roi(roi, &c.roi))
      return cs_cli_usage_error(
          NAME, "--roi wants X,Y,W,H in pixels with W, H > 0 or auto, not \"%s\"", roi);
    c.have_roi = TRUE;
  }
  if (nerve_model != NULL && (roi == NULL || c.have_roi))
    return cs_cli_usage_error(NAME, "--nerve-model is used only with --roi auto");
  if (frames != NULL) {
    if (!cs_cli_parse_frames(frames, &c.first, &c.last))
      return cs_cli_usage_error(NAME, "--frames wants A:B with A < B (or N), not \"%s\"", frames);
    c.have_frames = TRUE;
  }
  c.json = json;

  loaded = cs_cli_load_model(model, arch, &error);
  if (loaded == NULL)
    return cs_cli_fail_error(g_steal_pointer(&error));
  c.model = loaded;
  c.model_name = cs_model_get_id(loaded);
  if (roi != NULL && !c.have_roi) {
    if ((nerve_path = cs_nerve_finder_resolve(nerve_model, &error)) == NULL ||
        (finder = cs_nerve_finder_load(nerve_path, &error)) == NULL)
      return cs_cli_fail_error(g_steal_pointer(&error));
    c.finder = finder;
  }
  for (int i = 0; inputs[i] != NULL; i++)
    if (!classify_input(&c, inputs[i], &error)) {
      result = cs_cli_fail_error(g_steal_pointer(&error));
      break;
    }
  return result;
}
