/* cs-nerve-agreement.c — the nerve finder against a study's manual tracings, for research
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-nerve-agreement.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "cs-error.h"
#include "cs-nerve-track.h"
#include "cs-polygon.h"
#include "cs-seg-train.h"

static void
row_clear(gpointer data)
{
  CsNerveAgreementRow *row = data;

  g_free(row->case_id);
  g_free(row->level);
}

/* Fills @mask (@width x @height, 0/255) with the pixels whose centres lie inside the polygon of
 * @n points @xy (even-odd rule; pixel (i, j) has its centre at (i, j) as the tracings do). */
static void
rasterise(const double *xy, guint n, int width, int height, guint8 *mask)
{
  memset(mask, 0, (gsize)width * (gsize)height);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++) {
      gboolean inside = FALSE;

      for (guint i = 0, j = n - 1; i < n; j = i++) {
        double xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];

        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
          inside = !inside;
      }
      mask[(gsize)y * (gsize)width + (gsize)x] = inside ? 255 : 0;
    }
}

/* Compares the tracings of @c in @sweep; appends a row for each. */
static gboolean
compare_case(CsNerveFinder *finder, CsCase *c, CsSweep *sweep, const char *level,
             CsNerveAgreement *out, GCancellable *cancellable, GError **error)
{
  CsSpacing spacing = cs_case_get_spacing(c);

  for (guint t = 0; t < cs_case_get_n_tracings(c); t++) {
    const CsTracing *tracing = cs_case_get_tracing(c, t);
    g_autoptr(CsFrame) frame = NULL;
    g_autofree guint8 *found = NULL, *traced = NULL;
    CsNerveAgreementRow row = { 0 };
    CsNerveLocation location;
    double iou;

    if (level != NULL && g_strcmp0(tracing->level, level) != 0)
      continue;
    if (g_cancellable_set_error_if_cancelled(cancellable, error) ||
        (frame = cs_sweep_get_frame(sweep, (int)tracing->frame, error)) == NULL)
      return FALSE;
    found = g_malloc((gsize)frame->width * (gsize)frame->height);
    traced = g_malloc((gsize)frame->width * (gsize)frame->height);
    if (!cs_nerve_locate(finder, frame, NULL, &location, found, error))
      return FALSE;
    rasterise(tracing->points, tracing->n_points, frame->width, frame->height, traced);
    cs_seg_compare(found, traced, (gsize)frame->width * (gsize)frame->height, &row.dice, &iou);
    row.case_id = g_strdup(cs_case_get_id(c));
    row.frame = tracing->frame;
    row.level = g_strdup(tracing->level);
    row.auto_area_px = (double)location.area_px;
    row.manual_area_px = cs_polygon_area(tracing->points, tracing->n_points);
    row.mm_per_px = cs_spacing_is_known(&spacing) ? cs_spacing_length_mm(&spacing, 1.0) : 0.0;
    g_array_append_val(out->rows, row);
  }
  return TRUE;
}

/* The agreement of the areas over the rows with a spacing (or all of them in px^2). */
static void
agree(CsNerveAgreement *out)
{
  g_autoptr(GArray) a = g_array_new(FALSE, FALSE, sizeof(double));
  g_autoptr(GArray) b = g_array_new(FALSE, FALSE, sizeof(double));

  for (guint i = 0; i < out->rows->len; i++)
    out->in_mm2 |= g_array_index(out->rows, CsNerveAgreementRow, i).mm_per_px > 0;
  for (guint i = 0; i < out->rows->len; i++) {
    const CsNerveAgreementRow *row = &g_array_index(out->rows, CsNerveAgreementRow, i);
    double scale = out->in_mm2 ? row->mm_per_px * row->mm_per_px : 1.0;
    double auto_area = row->auto_area_px * scale, manual_area = row->manual_area_px * scale;

    out->dice_mean += row->dice / out->rows->len;
    if (out->in_mm2 && row->mm_per_px <= 0)
      continue;
    g_array_append_val(a, auto_area);
    g_array_append_val(b, manual_area);
  }
  out->n_compared = a->len;
  out->have_agreement =
      cs_agreement_compute((double *)a->data, (double *)b->data, a->len, &out->agreement, NULL);
}

CsNerveAgreement *
cs_nerve_agreement_compute(CsNerveFinder *finder, CsStudy *study, const char *level,
                           GCancellable *cancellable, GError **error)
{
  g_autoptr(CsNerveAgreement) out = g_new0(CsNerveAgreement, 1);

  out->rows = g_array_new(FALSE, TRUE, sizeof(CsNerveAgreementRow));
  g_array_set_clear_func(out->rows, row_clear);
  out->model_sha256 = g_strdup(cs_nerve_finder_get_sha256(finder));
  for (guint i = 0; i < cs_study_get_n_cases(study); i++) {
    CsCase *c = cs_study_get_case(study, i);
    g_autofree char *path = NULL;
    g_autoptr(CsSweep) sweep = NULL;

    if (cs_case_get_n_tracings(c) == 0 || (path = cs_study_dup_sweep_path(study, c)) == NULL)
      continue;
    if ((sweep = cs_sweep_open(path, error)) == NULL ||
        !compare_case(finder, c, sweep, level, out, cancellable, error))
      return NULL;
  }
  if (out->rows->len == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "the study has no tracing%s%s to compare with",
                level != NULL ? " of level " : "", level != NULL ? level : "");
    return NULL;
  }
  agree(out);
  return g_steal_pointer(&out);
}

static void
add_number(JsonBuilder *b, const char *name, double value)
{
  json_builder_set_member_name(b, name);
  if (isfinite(value))
    json_builder_add_double_value(b, value);
  else
    json_builder_add_null_value(b);
}

JsonNode *
cs_nerve_agreement_to_json(const CsNerveAgreement *a)
{
  g_autoptr(JsonBuilder) b = json_builder_new();

  json_builder_begin_object(b);
  json_builder_set_member_name(b, "nerve_model_sha256");
  json_builder_add_string_value(b, a->model_sha256);
  json_builder_set_member_name(b, "frames");
  json_builder_begin_array(b);
  for (guint i = 0; i < a->rows->len; i++) {
    const CsNerveAgreementRow *row = &g_array_index(a->rows, CsNerveAgreementRow, i);
    double mm2 = row->mm_per_px * row->mm_per_px;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "case");
    json_builder_add_string_value(b, row->case_id);
    json_builder_set_member_name(b, "frame");
    json_builder_add_int_value(b, row->frame);
    json_builder_set_member_name(b, "level");
    json_builder_add_string_value(b, row->level);
    add_number(b, "dice", row->dice);
    add_number(b, "auto_area_px", row->auto_area_px);
    add_number(b, "manual_area_px", row->manual_area_px);
    add_number(b, "auto_area_mm2", mm2 > 0 ? row->auto_area_px * mm2 : NAN);
    add_number(b, "manual_area_mm2", mm2 > 0 ? row->manual_area_px * mm2 : NAN);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  add_number(b, "dice_mean", a->dice_mean);
  json_builder_set_member_name(b, "unit");
  json_builder_add_string_value(b, a->in_mm2 ? "mm2" : "px2");
  json_builder_set_member_name(b, "n_compared");
  json_builder_add_int_value(b, (gint64)a->n_compared);
  add_number(b, "mean_difference", a->have_agreement ? a->agreement.mean_difference : NAN);
  add_number(b, "sd_difference", a->have_agreement ? a->agreement.sd_difference : NAN);
  add_number(b, "lower_limit", a->have_agreement ? a->agreement.lower_limit : NAN);
  add_number(b, "upper_limit", a->have_agreement ? a->agreement.upper_limit : NAN);
  add_number(b, "icc_2_1", a->have_agreement ? a->agreement.icc_2_1 : NAN);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}

void
cs_nerve_agreement_free(CsNerveAgreement *agreement)
{
  if (agreement == NULL)
    return;
  g_array_unref(agreement->rows);
  g_free(agreement->model_sha256);
  g_free(agreement);
}
