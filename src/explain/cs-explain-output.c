/* cs-explain-output.c — the raw float map and its JSON sidecar
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-explain.h"

#include "cs-error.h"

#include <json-glib/json-glib.h>
#include <string.h>

static const char *const segmentation_names[] = { "slic", "grid" };

/* The names of the raw map files beside the sidecar, and how to read them. */
static void
add_raw_files(JsonBuilder *b, const CsExplanation *e, const char *raw_path)
{
  g_autofree char *base = g_path_get_basename(raw_path);

  json_builder_set_member_name(b, "raw");
  json_builder_add_string_value(b, base);
  json_builder_set_member_name(b, "dtype");
  json_builder_add_string_value(b, "float32-le");
  json_builder_set_member_name(b, "layout");
  json_builder_add_string_value(b, "height x width, row-major");
  if (e->sd_map != NULL) {
    g_autofree char *sd = g_strconcat(base, ".sd", NULL);
    json_builder_set_member_name(b, "sd_raw");
    json_builder_add_string_value(b, sd);
  }
}

/* The "parameters" object: what the method was run with, resolved to the values used. */
static void
add_parameters(JsonBuilder *b, const CsExplanation *e, const CsExplainProvenance *provenance)
{
  json_builder_set_member_name(b, "parameters");
  json_builder_begin_object(b);
  if (e->method == CS_EXPLAIN_OCCLUSION) {
    json_builder_set_member_name(b, "mask_px");
    json_builder_add_int_value(b, e->mask_px);
    json_builder_set_member_name(b, "stride_px");
    json_builder_add_int_value(b, e->stride_px);
    if (provenance != NULL && provenance->mm_per_px > 0) {
      json_builder_set_member_name(b, "mask_mm");
      json_builder_add_double_value(b, e->mask_px * provenance->mm_per_px);
      json_builder_set_member_name(b, "stride_mm");
      json_builder_add_double_value(b, e->stride_px * provenance->mm_per_px);
    }
    json_builder_set_member_name(b, "windows");
    json_builder_add_int_value(b, e->n_windows);
    json_builder_set_member_name(b, "fill");
    json_builder_add_string_value(b, cs_explain_fill_name(e->fill));
    if (e->fill == CS_EXPLAIN_FILL_BLUR) {
      json_builder_set_member_name(b, "blur_sigma_px");
      json_builder_add_double_value(b, e->blur_sigma_px);
    }
    json_builder_set_member_name(b, "overlap");
    json_builder_add_string_value(b, "mean per pixel");
  } else if (e->method == CS_EXPLAIN_LIME) {
    json_builder_set_member_name(b, "samples");
    json_builder_add_int_value(b, e->n_samples);
    json_builder_set_member_name(b, "segmentation");
    json_builder_add_string_value(b, segmentation_names[e->segmentation]);
    json_builder_set_member_name(b, "segments");
    json_builder_add_int_value(b, e->n_segments);
    if (e->segmentation == CS_SEGMENTATION_SLIC) {
      json_builder_set_member_name(b, "compactness");
      json_builder_add_double_value(b, e->compactness);
      json_builder_set_member_name(b, "smoothing_sigma_px");
      json_builder_add_double_value(b, e->smoothing_sigma);
    }
    json_builder_set_member_name(b, "kernel");
    json_builder_add_string_value(b, "sqrt(exp(-d^2/w^2)), d = cosine distance to all-on");
    json_builder_set_member_name(b, "kernel_width");
    json_builder_add_double_value(b, e->kernel_width);
    json_builder_set_member_name(b, "ridge_alpha");
    json_builder_add_double_value(b, e->ridge_alpha);
    json_builder_set_member_name(b, "off_fill");
    json_builder_add_string_value(b, "mean");
    json_builder_set_member_name(b, "repeats");
    json_builder_add_int_value(b, e->repeats);
  } else if (e->method == CS_EXPLAIN_GRADCAM) {
    json_builder_set_member_name(b, "layer");
    json_builder_add_string_value(b, "output of features (the last convolutional block)");
    json_builder_set_member_name(b, "relu");
    json_builder_add_boolean_value(b, TRUE);
    json_builder_set_member_name(b, "upsampling");
    json_builder_add_string_value(b, "bilinear, align_corners=False");
  }
  json_builder_end_object(b);
}

/* Where the explanation came from: input, frame, ROI, spacing, model and class. */
static void
add_provenance(JsonBuilder *b, const CsExplainProvenance *p)
{
  json_builder_set_member_name(b, "input");
  if (p->input != NULL)
    json_builder_add_string_value(b, p->input);
  else
    json_builder_add_null_value(b);
  json_builder_set_member_name(b, "frame");
  if (p->frame >= 0)
    json_builder_add_int_value(b, p->frame);
  else
    json_builder_add_null_value(b);
  json_builder_set_member_name(b, "roi");
  if (p->roi[2] > 0) {
    json_builder_begin_array(b);
    for (int i = 0; i < 4; i++)
      json_builder_add_int_value(b, p->roi[i]);
    json_builder_end_array(b);
  } else {
    json_builder_add_null_value(b);
  }
  json_builder_set_member_name(b, "mm_per_px");
  if (p->mm_per_px > 0)
    json_builder_add_double_value(b, p->mm_per_px);
  else
    json_builder_add_null_value(b);
  json_builder_set_member_name(b, "model");
  if (p->model != NULL)
    json_builder_add_string_value(b, p->model);
  else
    json_builder_add_null_value(b);
  json_builder_set_member_name(b, "model_hash");
  if (p->model_hash != NULL)
    json_builder_add_string_value(b, p->model_hash);
  else
    json_builder_add_null_value(b);
  json_builder_set_member_name(b, "class_index");
  json_builder_add_int_value(b, p->class_index);
  if (p->class_name != NULL) {
    json_builder_set_member_name(b, "class");
    json_builder_add_string_value(b, p->class_name);
  }
  if (p->score != NULL) {
    json_builder_set_member_name(b, "score");
    json_builder_add_string_value(b, p->score);
  }
}

char *
cs_explanation_to_json(const CsExplanation *explanation, const CsExplainProvenance *provenance,
                       const char *raw_path)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  const CsExplanation *e = explanation;

  g_return_val_if_fail(explanation != NULL, NULL);
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "format");
  json_builder_add_string_value(b, "carpalscope-explanation");
  json_builder_set_member_name(b, "version");
  json_builder_add_int_value(b, 1);
  json_builder_set_member_name(b, "generator");
  json_builder_add_string_value(b, "carpalscope " PACKAGE_VERSION);
  if (raw_path != NULL)
    add_raw_files(b, e, raw_path);
  json_builder_set_member_name(b, "width");
  json_builder_add_int_value(b, e->width);
  json_builder_set_member_name(b, "height");
  json_builder_add_int_value(b, e->height);
  json_builder_set_member_name(b, "method");
  json_builder_add_string_value(b, cs_explain_method_name(e->method));
  json_builder_set_member_name(b, "sign");
  json_builder_add_string_value(b, "positive supports the class");
  json_builder_set_member_name(b, "base_score");
  json_builder_add_double_value(b, e->base_score);
  json_builder_set_member_name(b, "images_scored");
  json_builder_add_int_value(b, e->n_scored);
  add_parameters(b, e, provenance);
  if (e->method == CS_EXPLAIN_LIME) {
    /* The surrogate's fit, and the seed that reproduces it. */
    json_builder_set_member_name(b, "seed");
    json_builder_add_int_value(b, (gint64)e->seed);
    json_builder_set_member_name(b, "r2");
    json_builder_add_double_value(b, e->r2);
    if (e->repeats > 1) {
      json_builder_set_member_name(b, "r2_min");
      json_builder_add_double_value(b, e->r2_min);
    }
    json_builder_set_member_name(b, "intercept");
    json_builder_add_double_value(b, e->intercept);
  }
  if (provenance != NULL)
    add_provenance(b, provenance);
  json_builder_end_object(b);

  g_autoptr(JsonGenerator) generator = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  json_generator_set_root(generator, root);
  json_generator_set_pretty(generator, TRUE);
  char *text = json_generator_to_data(generator, NULL);
  char *with_newline = g_strconcat(text, "\n", NULL);
  g_free(text);
  return with_newline;
}

/* Writes @n floats to @path as little-endian float32, atomically. */
static gboolean
write_floats(const char *path, const float *values, gsize n, GError **error)
{
  g_autofree guint32 *le = g_new(guint32, n);
  GError *local = NULL;

  for (gsize i = 0; i < n; i++) {
    guint32 bits;
    memcpy(&bits, &values[i], sizeof bits);
    le[i] = GUINT32_TO_LE(bits);
  }
  if (!g_file_set_contents(path, (const char *)le, (gssize)(n * sizeof(guint32)), &local)) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s", local->message);
    g_error_free(local);
    return FALSE;
  }
  return TRUE;
}

gboolean
cs_explanation_save_raw(const CsExplanation *explanation, const CsExplainProvenance *provenance,
                        const char *path, GError **error)
{
  g_return_val_if_fail(explanation != NULL && path != NULL, FALSE);
  gsize n = (gsize)explanation->width * explanation->height;
  g_autofree char *json_path = g_strconcat(path, ".json", NULL);
  g_autofree char *json = cs_explanation_to_json(explanation, provenance, path);
  GError *local = NULL;

  if (!write_floats(path, explanation->map, n, error))
    return FALSE;
  if (explanation->sd_map != NULL) {
    g_autofree char *sd_path = g_strconcat(path, ".sd", NULL);
    if (!write_floats(sd_path, explanation->sd_map, n, error))
      return FALSE;
  }
  if (!g_file_set_contents(json_path, json, -1, &local)) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s", local->message);
    g_error_free(local);
    return FALSE;
  }
  return TRUE;
}
