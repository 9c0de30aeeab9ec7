/* cs-case-records.c — what a case is made of: its labels, tracings, model results, ROI keyframes
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The plain values a CsCase holds, apart from the object: the enums of its labels with their
 * study.json strings, and the tracing, model result and ROI keyframe records, each with its copy,
 * its validation (errors name the field by its JSON path) and its equality. The study.json
 * reader validates with the same functions the setters use, so a file and the API accept the
 * same values.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "cs-error.h"
#include "cs-polygon.h"
#include "cs-study-private.h"

G_DEFINE_ENUM_TYPE(CsHand, cs_hand, G_DEFINE_ENUM_VALUE(CS_HAND_UNKNOWN, "unknown"),
                   G_DEFINE_ENUM_VALUE(CS_HAND_LEFT, "left"),
                   G_DEFINE_ENUM_VALUE(CS_HAND_RIGHT, "right"))
G_DEFINE_ENUM_TYPE(CsGroup, cs_group, G_DEFINE_ENUM_VALUE(CS_GROUP_UNKNOWN, "unknown"),
                   G_DEFINE_ENUM_VALUE(CS_GROUP_CONTROL, "control"),
                   G_DEFINE_ENUM_VALUE(CS_GROUP_CTS, "cts"))
G_DEFINE_ENUM_TYPE(CsSplit, cs_split, G_DEFINE_ENUM_VALUE(CS_SPLIT_UNASSIGNED, "unassigned"),
                   G_DEFINE_ENUM_VALUE(CS_SPLIT_TRAIN, "train"),
                   G_DEFINE_ENUM_VALUE(CS_SPLIT_VALIDATION, "validation"),
                   G_DEFINE_ENUM_VALUE(CS_SPLIT_TEST, "test"))
G_DEFINE_ENUM_TYPE(CsStageSource, cs_stage_source,
                   G_DEFINE_ENUM_VALUE(CS_STAGE_SOURCE_COMPUTED, "computed"),
                   G_DEFINE_ENUM_VALUE(CS_STAGE_SOURCE_MANUAL, "manual"))

/* The strings of study.json are the enum values' nicks. */
static const char *
enum_to_string(GType type, int value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref(type);
  GEnumValue *entry = g_enum_get_value(klass, value);
  return entry != NULL ? entry->value_nick : "unknown";
}

static gboolean
enum_from_string(GType type, const char *text, int *value)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *entry;

  if (text == NULL)
    return FALSE;
  klass = g_type_class_ref(type);
  entry = g_enum_get_value_by_nick(klass, text);
  if (entry == NULL)
    return FALSE;
  *value = entry->value;
  return TRUE;
}

#define ENUM_STRINGS(Name, name, TYPE)                          \
  const char *cs_##name##_to_string(Name value)                 \
  {                                                             \
    return enum_to_string(TYPE, value);                         \
  }                                                             \
  gboolean cs_##name##_from_string(const char *text, Name *out) \
  {                                                             \
    int value;                                                  \
    if (!enum_from_string(TYPE, text, &value))                  \
      return FALSE;                                             \
    *out = (Name)value;                                         \
    return TRUE;                                                \
  }

ENUM_STRINGS(CsHand, hand, CS_TYPE_HAND)
ENUM_STRINGS(CsGroup, group, CS_TYPE_GROUP)
ENUM_STRINGS(CsSplit, split, CS_TYPE_SPLIT)

/* Media's CsSpacingSource has no GType of its own; this one names the same values. */
GType
cs_study_spacing_source_get_type(void)
{
  static gsize type_id = 0;
  static const GEnumValue values[] = {
    { CS_SPACING_SOURCE_UNKNOWN, "CS_SPACING_SOURCE_UNKNOWN", "unknown" },
    { CS_SPACING_SOURCE_PHANTOM_TRUTH, "CS_SPACING_SOURCE_PHANTOM_TRUTH", "phantom-truth" },
    { CS_SPACING_SOURCE_STUDY, "CS_SPACING_SOURCE_STUDY", "study" },
    { CS_SPACING_SOURCE_MANUAL, "CS_SPACING_SOURCE_MANUAL", "manual" },
    { CS_SPACING_SOURCE_DICOM, "CS_SPACING_SOURCE_DICOM", "dicom" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter(&type_id))
    g_once_init_leave(
        &type_id, g_enum_register_static(g_intern_static_string("CsStudySpacingSource"), values));
  return type_id;
}

char *
cs_now_iso8601(void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  return g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
}

gboolean
cs_study_fail(GError **error, const char *path, const char *field, const char *format, ...)
{
  g_autofree char *problem = NULL;
  va_list args;

  va_start(args, format);
  problem = g_strdup_vprintf(format, args);
  va_end(args);
  if (path != NULL && path[0] != '\0' && field != NULL && field[0] != '\0')
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s.%s: %s", path, field, problem);
  else if (field != NULL && field[0] != '\0')
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: %s", field, problem);
  else if (path != NULL && path[0] != '\0')
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: %s", path, problem);
  else
    g_set_error_literal(error, CS_ERROR, CS_ERROR_INVALID, problem);
  return FALSE;
}

static gboolean
valid_iso8601(const char *text)
{
  g_autoptr(GDateTime) parsed = NULL;

  if (text == NULL)
    return FALSE;
  /* A time without a zone would be read in the local zone of whoever opens the study; require
   * one so every reader agrees. */
  parsed = g_date_time_new_from_iso8601(text, NULL);
  return parsed != NULL;
}

static gboolean
valid_sha256(const char *text)
{
  if (text == NULL || strlen(text) != 64)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return FALSE;
  return TRUE;
}

/* Tracings. */

void
cs_tracing_free(CsTracing *tracing)
{
  if (tracing == NULL)
    return;
  g_free(tracing->level);
  g_free(tracing->rater);
  g_free(tracing->time);
  g_free(tracing->points);
  g_free(tracing);
}

CsTracing *
cs_tracing_copy(const CsTracing *tracing)
{
  CsTracing *copy;

  g_return_val_if_fail(tracing != NULL, NULL);
  copy = g_new0(CsTracing, 1);
  copy->level = g_strdup(tracing->level);
  copy->frame = tracing->frame;
  copy->rater = g_strdup(tracing->rater);
  copy->time = g_strdup(tracing->time);
  copy->n_points = tracing->n_points;
  copy->points = g_memdup2(tracing->points, sizeof(double) * 2 * tracing->n_points);
  return copy;
}

CsTracing *
cs_tracing_new(const char *level, gint64 frame, const double *points, guint n_points)
{
  CsTracing *tracing = g_new0(CsTracing, 1);

  tracing->level = g_strdup(level);
  tracing->frame = frame;
  tracing->time = cs_now_iso8601();
  tracing->n_points = n_points;
  tracing->points = g_memdup2(points, sizeof(double) * 2 * n_points);
  return tracing;
}

gboolean
cs_tracing_validate(const CsTracing *tracing, const char *path, GError **error)
{
  CsPolygonStatus status;

  g_return_val_if_fail(tracing != NULL, FALSE);
  if (tracing->level == NULL || tracing->level[0] == '\0')
    return cs_study_fail(error, path, "level", "must be a non-empty tag such as \"inlet\"");
  if (tracing->frame < 0 || tracing->frame > G_MAXINT)
    return cs_study_fail(error, path, "frame", "must be >= 0 and <= %d", G_MAXINT);
  if (tracing->rater != NULL && tracing->rater[0] == '\0')
    return cs_study_fail(error, path, "rater", "must be non-empty or absent");
  if (!valid_iso8601(tracing->time))
    return cs_study_fail(error, path, "time",
                         "must be an ISO 8601 date and time with a zone, e.g. "
                         "\"2026-11-27T23:40:00Z\"");
  if (tracing->n_points > 0 && tracing->points == NULL)
    return cs_study_fail(error, path, "points", "missing");
  status = cs_polygon_check(tracing->points, tracing->n_points);
  if (status == CS_POLYGON_SELF_INTERSECTING) {
    size_t a = 0, b = 0;
    cs_polygon_is_simple(tracing->points, tracing->n_points, &a, &b);
    return cs_study_fail(error, path, "points",
                         "the outline crosses or touches itself (edges %zu and %zu)", a, b);
  }
  if (status != CS_POLYGON_OK)
    return cs_study_fail(error, path, "points", "%s", cs_polygon_status_string(status));
  return TRUE;
}

gboolean
cs_tracing_equal(const CsTracing *a, const CsTracing *b)
{
  return g_strcmp0(a->level, b->level) == 0 && a->frame == b->frame &&
         g_strcmp0(a->rater, b->rater) == 0 && g_strcmp0(a->time, b->time) == 0 &&
         a->n_points == b->n_points &&
         memcmp(a->points, b->points, sizeof(double) * 2 * a->n_points) == 0;
}

/* Model results. */

void
cs_model_result_free(CsModelResult *result)
{
  if (result == NULL)
    return;
  g_free(result->model_id);
  g_free(result->model_sha256);
  g_free(result->frames);
  g_free(result->p_cts);
  g_free(result->summary);
  g_free(result->roi_hash);
  g_free(result->time);
  g_free(result);
}

CsModelResult *
cs_model_result_copy(const CsModelResult *result)
{
  CsModelResult *copy;

  g_return_val_if_fail(result != NULL, NULL);
  copy = g_new0(CsModelResult, 1);
  copy->model_id = g_strdup(result->model_id);
  copy->model_sha256 = g_strdup(result->model_sha256);
  copy->n_frames = result->n_frames;
  copy->frames = g_memdup2(result->frames, sizeof(gint64) * result->n_frames);
  copy->p_cts = g_memdup2(result->p_cts, sizeof(double) * result->n_frames);
  copy->p_hand = result->p_hand;
  copy->summary = g_strdup(result->summary);
  copy->threshold = result->threshold;
  copy->roi_hash = g_strdup(result->roi_hash);
  copy->time = g_strdup(result->time);
  return copy;
}

CsModelResult *
cs_model_result_new(const char *model_id, const char *model_sha256, const gint64 *frames,
                    const double *p_cts, guint n_frames, double threshold, const char *roi_hash)
{
  CsModelResult *result = g_new0(CsModelResult, 1);
  double sum = 0.0;

  result->model_id = g_strdup(model_id);
  result->model_sha256 = g_strdup(model_sha256);
  result->n_frames = n_frames;
  result->frames = g_memdup2(frames, sizeof(gint64) * n_frames);
  result->p_cts = g_memdup2(p_cts, sizeof(double) * n_frames);
  for (guint i = 0; i < n_frames; i++)
    sum += p_cts[i];
  result->p_hand = n_frames > 0 ? sum / n_frames : NAN;
  result->summary = g_strdup("mean");
  result->threshold = threshold;
  result->roi_hash = g_strdup(roi_hash);
  result->time = cs_now_iso8601();
  return result;
}

gboolean
cs_model_result_validate(const CsModelResult *result, const char *path, GError **error)
{
  g_return_val_if_fail(result != NULL, FALSE);
  if (result->model_id == NULL || result->model_id[0] == '\0')
    return cs_study_fail(error, path, "model", "must be a non-empty model id");
  if (!valid_sha256(result->model_sha256))
    return cs_study_fail(error, path, "model_sha256", "must be 64 lowercase hex digits");
  if (result->n_frames == 0)
    return cs_study_fail(error, path, "frames", "must list at least one frame");
  /* The element paths are formatted only on failure: a sweep has hundreds of frames. */
  for (guint i = 0; i < result->n_frames; i++) {
    const char *sep = path && path[0] ? "." : "";
    if (result->frames[i] < 0 || result->frames[i] > G_MAXINT ||
        (i > 0 && result->frames[i] <= result->frames[i - 1])) {
      g_autofree char *frame_path = g_strdup_printf("%s%sframes[%u]", path ? path : "", sep, i);
      if (result->frames[i] < 0 || result->frames[i] > G_MAXINT)
        return cs_study_fail(error, frame_path, NULL, "must be >= 0 and <= %d", G_MAXINT);
      return cs_study_fail(error, frame_path, NULL,
                           "frames must be strictly increasing (%" G_GINT64_FORMAT
                           " follows %" G_GINT64_FORMAT ")",
                           result->frames[i], result->frames[i - 1]);
    }
    if (!(result->p_cts[i] >= 0.0 && result->p_cts[i] <= 1.0)) {
      g_autofree char *p_path = g_strdup_printf("%s%sp_cts[%u]", path ? path : "", sep, i);
      return cs_study_fail(error, p_path, NULL, "must be a probability in [0, 1]");
    }
  }
  if (!(result->p_hand >= 0.0 && result->p_hand <= 1.0))
    return cs_study_fail(error, path, "p_hand", "must be a probability in [0, 1]");
  if (g_strcmp0(result->summary, "mean") != 0 && g_strcmp0(result->summary, "median") != 0)
    return cs_study_fail(error, path, "summary", "must be \"mean\" or \"median\"");
  if (!(result->threshold >= 0.0 && result->threshold <= 1.0))
    return cs_study_fail(error, path, "threshold", "must be in [0, 1]");
  if (!valid_sha256(result->roi_hash))
    return cs_study_fail(error, path, "roi_hash", "must be 64 lowercase hex digits");
  if (!valid_iso8601(result->time))
    return cs_study_fail(error, path, "time", "must be an ISO 8601 date and time with a zone");
  return TRUE;
}

gboolean
cs_model_result_equal(const CsModelResult *a, const CsModelResult *b)
{
  return g_strcmp0(a->model_id, b->model_id) == 0 &&
         g_strcmp0(a->model_sha256, b->model_sha256) == 0 && a->n_frames == b->n_frames &&
         memcmp(a->frames, b->frames, sizeof(gint64) * a->n_frames) == 0 &&
         memcmp(a->p_cts, b->p_cts, sizeof(double) * a->n_frames) == 0 && a->p_hand == b->p_hand &&
         g_strcmp0(a->summary, b->summary) == 0 && a->threshold == b->threshold &&
         g_strcmp0(a->roi_hash, b->roi_hash) == 0 && g_strcmp0(a->time, b->time) == 0;
}

/* ROI keyframes. */

gboolean
cs_roi_keyframe_validate(const CsRoiKeyframe *keyframe, const char *path, GError **error)
{
  g_return_val_if_fail(keyframe != NULL, FALSE);
  /* Frame indices are ints in the media layer. */
  if (keyframe->frame < 0 || keyframe->frame > G_MAXINT)
    return cs_study_fail(error, path, "frame", "must be >= 0 and <= %d", G_MAXINT);
  if (!isfinite(keyframe->x))
    return cs_study_fail(error, path, "x", "must be a finite number");
  if (!isfinite(keyframe->y))
    return cs_study_fail(error, path, "y", "must be a finite number");
  if (keyframe->size_mm != 0.0 && keyframe->size_px != 0.0)
    return cs_study_fail(error, path, "size_px", "give size_mm or size_px, not both");
  if (keyframe->size_px == 0.0 && !(keyframe->size_mm > 0.0 && keyframe->size_mm <= 100.0))
    return cs_study_fail(error, path, "size_mm",
                         keyframe->size_mm > 100.0 ? "must be <= 100" : "must be > 0");
  if (keyframe->size_mm == 0.0 && !(keyframe->size_px > 0.0 && keyframe->size_px <= 100000.0))
    return cs_study_fail(error, path, "size_px",
                         keyframe->size_px > 100000.0 ? "must be <= 100000" : "must be > 0");
  return TRUE;
}
