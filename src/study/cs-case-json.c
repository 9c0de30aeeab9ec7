/* cs-case-json.c — a case to and from study.json, validated field by field with JSON paths
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "cs-error.h"
#include "cs-study-private.h"

char *
cs_json_path(const char *path, const char *key)
{
  if (path == NULL || path[0] == '\0')
    return g_strdup(key);
  return g_strconcat(path, ".", key, NULL);
}

static const char *
node_kind(JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL(node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT(node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY(node))
    return "an array";
  switch (json_node_get_value_type(node)) {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    default:
      return "a number";
  }
}

gboolean
cs_json_check_keys(JsonObject *object, const char *path, const char *const *allowed, GError **error)
{
  g_autoptr(GList) members = json_object_get_members(object);

  for (GList *l = members; l != NULL; l = l->next) {
    const char *key = l->data;
    if (!g_strv_contains(allowed, key))
      return cs_study_fail(error, path, key,
                           "unknown key in schema %d (scripts may keep their own data in "
                           "\"extra\")",
                           CS_STUDY_SCHEMA_VERSION);
  }
  return TRUE;
}

/* Returns the member, NULL when it is absent or null; *present says whether a value was given. */
static JsonNode *
member(JsonObject *object, const char *key)
{
  JsonNode *node = json_object_get_member(object, key);
  if (node == NULL || JSON_NODE_HOLDS_NULL(node))
    return NULL;
  return node;
}

static gboolean
check_required(JsonNode *node, const char *path, const char *key, gboolean required, GError **error)
{
  if (node == NULL && required)
    return cs_study_fail(error, path, key, "missing");
  return TRUE;
}

gboolean
cs_json_read_string(JsonObject *object, const char *path, const char *key, gboolean required,
                    char **out, GError **error)
{
  JsonNode *node = member(object, key);

  if (!check_required(node, path, key, required, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
    return cs_study_fail(error, path, key, "must be a string, not %s", node_kind(node));
  if (required && json_node_get_string(node)[0] == '\0')
    return cs_study_fail(error, path, key, "must not be empty");
  g_free(*out);
  *out = json_node_dup_string(node);
  return TRUE;
}

gboolean
cs_json_read_number(JsonObject *object, const char *path, const char *key, gboolean required,
                    double *out, GError **error)
{
  JsonNode *node = member(object, key);
  GType type;

  if (!check_required(node, path, key, required, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  type = JSON_NODE_HOLDS_VALUE(node) ? json_node_get_value_type(node) : G_TYPE_INVALID;
  if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double(node);
  else if (type == G_TYPE_INT64)
    *out = (double)json_node_get_int(node);
  else
    return cs_study_fail(error, path, key, "must be a number, not %s", node_kind(node));
  return TRUE;
}

gboolean
cs_json_read_int(JsonObject *object, const char *path, const char *key, gboolean required,
                 gint64 *out, GError **error)
{
  JsonNode *node = member(object, key);

  if (!check_required(node, path, key, required, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
    return cs_study_fail(error, path, key, "must be an integer, not %s",
                         JSON_NODE_HOLDS_VALUE(node) &&
                                 json_node_get_value_type(node) == G_TYPE_DOUBLE
                             ? "a fraction"
                             : node_kind(node));
  *out = json_node_get_int(node);
  return TRUE;
}

gboolean
cs_json_read_bool(JsonObject *object, const char *path, const char *key, CsTristate *out,
                  GError **error)
{
  JsonNode *node = member(object, key);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN)
    return cs_study_fail(error, path, key, "must be true, false or null, not %s", node_kind(node));
  *out = json_node_get_boolean(node) ? CS_TRISTATE_YES : CS_TRISTATE_NO;
  return TRUE;
}

/* Returns the member as an object, NULL (no error) when absent, or sets @error. */
static gboolean
read_object(JsonObject *object, const char *path, const char *key, JsonObject **out, GError **error)
{
  JsonNode *node = member(object, key);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT(node))
    return cs_study_fail(error, path, key, "must be an object, not %s", node_kind(node));
  *out = json_node_get_object(node);
  return TRUE;
}

static gboolean
read_array(JsonObject *object, const char *path, const char *key, JsonArray **out, GError **error)
{
  JsonNode *node = member(object, key);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY(node))
    return cs_study_fail(error, path, key, "must be an array, not %s", node_kind(node));
  *out = json_node_get_array(node);
  return TRUE;
}

/* Returns element @i of @array as an object or sets "<path>[i]: must be an object". */
static JsonObject *
element_object(JsonArray *array, guint i, const char *path, GError **error)
{
  JsonNode *node = json_array_get_element(array, i);

  if (!JSON_NODE_HOLDS_OBJECT(node)) {
    cs_study_fail(error, path, NULL, "must be an object, not %s", node_kind(node));
    return NULL;
  }
  return json_node_get_object(node);
}

static gboolean
element_number(JsonArray *array, guint i, const char *path, double *out, GError **error)
{
  JsonNode *node = json_array_get_element(array, i);
  GType type = JSON_NODE_HOLDS_VALUE(node) ? json_node_get_value_type(node) : G_TYPE_INVALID;

  if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double(node);
  else if (type == G_TYPE_INT64)
    *out = (double)json_node_get_int(node);
  else
    return cs_study_fail(error, path, NULL, "must be a number, not %s", node_kind(node));
  return TRUE;
}

static gboolean
read_ncs(JsonObject *object, const char *path, CsNerveConduction *ncs, GError **error)
{
  static const char *const keys[] = { "dml_ms",
                                      "scv_m_s",
                                      "cmap_mv",
                                      "sensory_response",
                                      "motor_response",
                                      "sensitive_tests_abnormal",
                                      NULL };

  cs_nerve_conduction_init(ncs);
  return cs_json_check_keys(object, path, keys, error) &&
         cs_json_read_number(object, path, "dml_ms", FALSE, &ncs->dml_ms, error) &&
         cs_json_read_number(object, path, "scv_m_s", FALSE, &ncs->scv_m_s, error) &&
         cs_json_read_number(object, path, "cmap_mv", FALSE, &ncs->cmap_mv, error) &&
         cs_json_read_bool(object, path, "sensory_response", &ncs->sensory_response, error) &&
         cs_json_read_bool(object, path, "motor_response", &ncs->motor_response, error) &&
         cs_json_read_bool(object, path, "sensitive_tests_abnormal", &ncs->sensitive_tests_abnormal,
                           error) &&
         cs_nerve_conduction_validate(ncs, path, error);
}

static gboolean
read_enum(JsonObject *object, const char *path, const char *key, GType type, int *out,
          GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *value;
  g_autoptr(GString) choices = g_string_new(NULL);

  if (!cs_json_read_string(object, path, key, FALSE, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  klass = g_type_class_ref(type);
  value = g_enum_get_value_by_nick(klass, text);
  if (value != NULL) {
    *out = value->value;
    return TRUE;
  }
  for (guint i = 0; i < klass->n_values; i++)
    g_string_append_printf(choices, "%s\"%s\"", i == 0 ? "" : ", ", klass->values[i].value_nick);
  return cs_study_fail(error, path, key, "\"%s\" is not one of %s", text, choices->str);
}

static gboolean
read_stage(CsCase *c, JsonObject *object, const char *path, GError **error)
{
  static const char *const keys[] = { "scheme", "value", "source", NULL };
  g_autofree char *scheme_text = NULL;
  CsGradingScheme scheme = CS_GRADING_SHINOHARA2022;
  int source = CS_STAGE_SOURCE_COMPUTED;
  gint64 value = -1;
  int lo, hi, computed;
  CsNerveConduction ncs;

  if (!cs_json_check_keys(object, path, keys, error) ||
      !cs_json_read_string(object, path, "scheme", TRUE, &scheme_text, error))
    return FALSE;
  if (!cs_grading_scheme_from_string(scheme_text, &scheme))
    return cs_study_fail(error, path, "scheme",
                         "\"%s\" is not one of \"shinohara2022\", \"bland2000\"", scheme_text);
  if (!cs_json_read_int(object, path, "value", FALSE, &value, error) ||
      !read_enum(object, path, "source", CS_TYPE_STAGE_SOURCE, &source, error))
    return FALSE;
  cs_grading_scheme_get_range(scheme, &lo, &hi);
  if (value != -1 && (value < lo || value > hi))
    return cs_study_fail(error, path, "value", "must be %d to %d under %s, or null", lo, hi,
                         scheme_text);
  if (source == CS_STAGE_SOURCE_MANUAL && value == -1)
    return cs_study_fail(error, path, "value", "a manual stage needs a value");
  cs_case_get_nerve_conduction(c, &ncs);
  computed = cs_grading_compute(scheme, &ncs, NULL, NULL);
  /* A computed stage that disagrees with the values means one of them was edited by hand;
   * refusing it is safer than guessing which one is right. */
  if (source == CS_STAGE_SOURCE_COMPUTED && computed != value) {
    if (computed < 0)
      return cs_study_fail(error, path, "value",
                           "%" G_GINT64_FORMAT " is marked computed but the nerve-conduction "
                           "values do not give a stage; mark it \"manual\"",
                           value);
    return cs_study_fail(error, path, "value",
                         "%" G_GINT64_FORMAT " does not match the nerve-conduction values, "
                         "which give %d under %s; mark it \"manual\" to keep it",
                         value, computed, scheme_text);
  }
  cs_case_restore_stage(c, scheme, (int)value, source);
  return TRUE;
}

static gboolean
read_spacing(CsCase *c, JsonObject *object, const char *path, GError **error)
{
  static const char *const keys[] = { "mm_per_px", "source", "region", NULL };
  double spacing = 0.0;
  int source = CS_SPACING_SOURCE_UNKNOWN;
  gint64 region = CS_SPACING_NO_REGION; /* Absent in files written before regions were kept. */
  g_autoptr(GError) local = NULL;

  if (!cs_json_check_keys(object, path, keys, error) ||
      !cs_json_read_number(object, path, "mm_per_px", FALSE, &spacing, error) ||
      !read_enum(object, path, "source", CS_TYPE_STUDY_SPACING_SOURCE, &source, error) ||
      !cs_json_read_int(object, path, "region", FALSE, &region, error))
    return FALSE;
  if (json_object_has_member(object, "region") &&
      (source != CS_SPACING_SOURCE_DICOM || region < 0 || region > G_MAXINT))
    return cs_study_fail(error, path, "region",
                         "only a \"dicom\" spacing has a region, a number >= 0");
  if (source == CS_SPACING_SOURCE_UNKNOWN && spacing != 0.0)
    return cs_study_fail(error, path, "source",
                         "a spacing needs its source (\"phantom-truth\", \"study\", \"manual\" "
                         "or \"dicom\")");
  if (source != CS_SPACING_SOURCE_UNKNOWN && !(spacing > 0.0 && spacing <= 10.0))
    return cs_study_fail(error, path, "mm_per_px", "must be > 0 and <= 10 mm per pixel");
  return cs_case_set_spacing_full(c, spacing, source, (int)region, error);
}

static gboolean
read_roi(CsCase *c, JsonArray *array, const char *path, GError **error)
{
  static const char *const keys[] = { "frame", "x", "y", "size_mm", "size_px", NULL };
  gint64 previous = -1;

  for (guint i = 0; i < json_array_get_length(array); i++) {
    g_autofree char *item_path = g_strdup_printf("%s[%u]", path, i);
    JsonObject *object = element_object(array, i, item_path, error);
    CsRoiKeyframe key = { 0 };

    if (object == NULL || !cs_json_check_keys(object, item_path, keys, error) ||
        !cs_json_read_int(object, item_path, "frame", TRUE, &key.frame, error) ||
        !cs_json_read_number(object, item_path, "x", TRUE, &key.x, error) ||
        !cs_json_read_number(object, item_path, "y", TRUE, &key.y, error) ||
        !cs_json_read_number(object, item_path, "size_mm", FALSE, &key.size_mm, error) ||
        !cs_json_read_number(object, item_path, "size_px", FALSE, &key.size_px, error))
      return FALSE;
    if (member(object, "size_mm") != NULL && member(object, "size_px") != NULL)
      return cs_study_fail(error, item_path, "size_px", "give size_mm or size_px, not both");
    if (member(object, "size_mm") == NULL && member(object, "size_px") == NULL)
      return cs_study_fail(error, item_path, "size_mm", "missing (or give size_px)");
    if (!cs_roi_keyframe_validate(&key, item_path, error))
      return FALSE;
    /* Keyframes are stored in frame order so that a diff of two studies stays readable. */
    if (key.frame <= previous)
      return cs_study_fail(error, item_path, "frame",
                           "keyframes must be in increasing frame order (%" G_GINT64_FORMAT
                           " follows %" G_GINT64_FORMAT ")",
                           key.frame, previous);
    previous = key.frame;
    if (i > 0 && (cs_case_get_roi_keyframe(c, 0)->size_px != 0.0) != (key.size_px != 0.0))
      return cs_study_fail(error, item_path, key.size_px != 0.0 ? "size_px" : "size_mm",
                           "roi[0] is in %s; every keyframe of a case uses one unit",
                           key.size_px != 0.0 ? "mm" : "px");
    if (!cs_case_set_roi_keyframe(c, &key, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
read_tracing(CsCase *c, JsonObject *object, const char *path, GError **error)
{
  static const char *const keys[] = { "level", "frame", "rater", "time", "points", NULL };
  CsTracing tracing = { 0 };
  JsonArray *points = NULL;
  gboolean ok = FALSE;
  g_autofree char *points_path = cs_json_path(path, "points");

  if (!cs_json_check_keys(object, path, keys, error) ||
      !cs_json_read_string(object, path, "level", TRUE, &tracing.level, error) ||
      !cs_json_read_int(object, path, "frame", TRUE, &tracing.frame, error) ||
      !cs_json_read_string(object, path, "rater", FALSE, &tracing.rater, error) ||
      !cs_json_read_string(object, path, "time", TRUE, &tracing.time, error) ||
      !read_array(object, path, "points", &points, error))
    goto out;
  if (points == NULL) {
    cs_study_fail(error, path, "points", "missing");
    goto out;
  }
  tracing.n_points = json_array_get_length(points);
  tracing.points = g_new0(double, 2 * (gsize)tracing.n_points + 1);
  for (guint i = 0; i < tracing.n_points; i++) {
    g_autofree char *point_path = g_strdup_printf("%s[%u]", points_path, i);
    JsonNode *node = json_array_get_element(points, i);
    JsonArray *pair;

    if (!JSON_NODE_HOLDS_ARRAY(node) || json_array_get_length(json_node_get_array(node)) != 2) {
      cs_study_fail(error, point_path, NULL, "must be an [x, y] pair");
      goto out;
    }
    pair = json_node_get_array(node);
    if (!element_number(pair, 0, point_path, &tracing.points[2 * i], error) ||
        !element_number(pair, 1, point_path, &tracing.points[2 * i + 1], error))
      goto out;
  }
  if (!cs_tracing_validate(&tracing, path, error))
    goto out;
  ok = cs_case_add_tracing(c, &tracing, error) >= 0;
out:
  g_free(tracing.level);
  g_free(tracing.rater);
  g_free(tracing.time);
  g_free(tracing.points);
  return ok;
}

static gboolean
read_result(CsCase *c, JsonObject *object, const char *path, GError **error)
{
  static const char *const keys[] = { "model",   "model_sha256", "frames",   "p_cts", "p_hand",
                                      "summary", "threshold",    "roi_hash", "time",  NULL };
  CsModelResult result = { 0 };
  JsonArray *frames = NULL, *p_cts = NULL;
  g_autofree char *frames_path = cs_json_path(path, "frames");
  g_autofree char *p_path = cs_json_path(path, "p_cts");
  gboolean ok = FALSE;

  result.p_hand = NAN;
  result.threshold = NAN;
  if (!cs_json_check_keys(object, path, keys, error) ||
      !cs_json_read_string(object, path, "model", TRUE, &result.model_id, error) ||
      !cs_json_read_string(object, path, "model_sha256", TRUE, &result.model_sha256, error) ||
      !read_array(object, path, "frames", &frames, error) ||
      !read_array(object, path, "p_cts", &p_cts, error))
    goto out;
  if (frames == NULL || p_cts == NULL) {
    cs_study_fail(error, path, frames == NULL ? "frames" : "p_cts", "missing");
    goto out;
  }
  if (json_array_get_length(frames) != json_array_get_length(p_cts)) {
    cs_study_fail(error, path, "p_cts", "has %u values for %u frames", json_array_get_length(p_cts),
                  json_array_get_length(frames));
    goto out;
  }
  result.n_frames = json_array_get_length(frames);
  result.frames = g_new0(gint64, result.n_frames + 1);
  result.p_cts = g_new0(double, result.n_frames + 1);
  for (guint i = 0; i < result.n_frames; i++) {
    JsonNode *node = json_array_get_element(frames, i);
    JsonNode *value = json_array_get_element(p_cts, i);
    GType value_type = JSON_NODE_HOLDS_VALUE(value) ? json_node_get_value_type(value) : 0;

    /* Paths are formatted only on failure: a sweep has hundreds of frames. */
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64) {
      g_autofree char *frame_path = g_strdup_printf("%s[%u]", frames_path, i);
      cs_study_fail(error, frame_path, NULL, "must be an integer, not %s", node_kind(node));
      goto out;
    }
    result.frames[i] = json_node_get_int(node);
    if (value_type == G_TYPE_DOUBLE) {
      result.p_cts[i] = json_node_get_double(value);
    } else {
      g_autofree char *value_path = g_strdup_printf("%s[%u]", p_path, i);
      if (!element_number(p_cts, i, value_path, &result.p_cts[i], error))
        goto out;
    }
  }
  if (!cs_json_read_number(object, path, "p_hand", TRUE, &result.p_hand, error) ||
      !cs_json_read_string(object, path, "summary", TRUE, &result.summary, error) ||
      !cs_json_read_number(object, path, "threshold", TRUE, &result.threshold, error) ||
      !cs_json_read_string(object, path, "roi_hash", TRUE, &result.roi_hash, error) ||
      !cs_json_read_string(object, path, "time", TRUE, &result.time, error) ||
      !cs_model_result_validate(&result, path, error))
    goto out;
  if (cs_case_find_result(c, result.model_sha256) != NULL) {
    cs_study_fail(error, path, "model_sha256", "a second result of the same model");
    goto out;
  }
  ok = cs_case_set_result(c, &result, error);
out:
  g_free(result.model_id);
  g_free(result.model_sha256);
  g_free(result.frames);
  g_free(result.p_cts);
  g_free(result.summary);
  g_free(result.roi_hash);
  g_free(result.time);
  return ok;
}

CsCase *
cs_case_from_json(JsonNode *node, const char *path, GError **error)
{
  static const char *const keys[] = { "id",       "hand",    "group", "split", "sweep",
                                      "spacing",  "notes",   "ncs",   "stage", "roi",
                                      "tracings", "results", "extra", NULL };
  g_autoptr(CsCase) c = NULL;
  g_autofree char *id = NULL, *sweep = NULL, *notes = NULL;
  int hand = CS_HAND_UNKNOWN, group = CS_GROUP_UNKNOWN, split = CS_SPLIT_UNASSIGNED;
  JsonObject *object, *spacing, *ncs_object, *stage, *extra;
  JsonArray *roi, *tracings, *results;
  CsNerveConduction ncs;

  if (!JSON_NODE_HOLDS_OBJECT(node)) {
    cs_study_fail(error, path, NULL, "must be an object, not %s", node_kind(node));
    return NULL;
  }
  object = json_node_get_object(node);
  if (!cs_json_check_keys(object, path, keys, error) ||
      !cs_json_read_string(object, path, "id", TRUE, &id, error) ||
      !read_enum(object, path, "hand", CS_TYPE_HAND, &hand, error) ||
      !read_enum(object, path, "group", CS_TYPE_GROUP, &group, error) ||
      !read_enum(object, path, "split", CS_TYPE_SPLIT, &split, error) ||
      !cs_json_read_string(object, path, "sweep", FALSE, &sweep, error) ||
      !read_object(object, path, "spacing", &spacing, error) ||
      !cs_json_read_string(object, path, "notes", FALSE, &notes, error) ||
      !read_object(object, path, "ncs", &ncs_object, error) ||
      !read_object(object, path, "stage", &stage, error) ||
      !read_array(object, path, "roi", &roi, error) ||
      !read_array(object, path, "tracings", &tracings, error) ||
      !read_array(object, path, "results", &results, error) ||
      !read_object(object, path, "extra", &extra, error))
    return NULL;

  c = cs_case_new(id);
  cs_case_set_hand(c, hand);
  cs_case_set_group(c, group);
  cs_case_set_split(c, split);
  cs_case_set_sweep_path(c, sweep);
  cs_case_set_notes(c, notes);
  if (spacing != NULL) {
    g_autofree char *sub = cs_json_path(path, "spacing");
    if (!read_spacing(c, spacing, sub, error))
      return NULL;
  }
  if (ncs_object != NULL) {
    g_autofree char *sub = cs_json_path(path, "ncs");
    if (!read_ncs(ncs_object, sub, &ncs, error) || !cs_case_set_nerve_conduction(c, &ncs, error))
      return NULL;
  }
  if (stage != NULL) {
    g_autofree char *sub = cs_json_path(path, "stage");
    if (!read_stage(c, stage, sub, error))
      return NULL;
  }
  if (roi != NULL) {
    g_autofree char *sub = cs_json_path(path, "roi");
    if (!read_roi(c, roi, sub, error))
      return NULL;
  }
  for (guint i = 0; tracings != NULL && i < json_array_get_length(tracings); i++) {
    g_autofree char *sub = g_strdup_printf("%s%stracings[%u]", path, path[0] ? "." : "", i);
    JsonObject *item = element_object(tracings, i, sub, error);
    if (item == NULL || !read_tracing(c, item, sub, error))
      return NULL;
  }
  for (guint i = 0; results != NULL && i < json_array_get_length(results); i++) {
    g_autofree char *sub = g_strdup_printf("%s%sresults[%u]", path, path[0] ? "." : "", i);
    JsonObject *item = element_object(results, i, sub, error);
    if (item == NULL || !read_result(c, item, sub, error))
      return NULL;
  }
  cs_case_set_extra(c, extra);
  return g_steal_pointer(&c);
}

/* Writing. Absent values are left out rather than written as null, so a file stays short. */

static void
add_number_if(JsonBuilder *builder, const char *key, double value)
{
  if (isnan(value))
    return;
  json_builder_set_member_name(builder, key);
  json_builder_add_double_value(builder, value);
}

static void
add_bool_if(JsonBuilder *builder, const char *key, CsTristate value)
{
  if (value == CS_TRISTATE_UNKNOWN)
    return;
  json_builder_set_member_name(builder, key);
  json_builder_add_boolean_value(builder, value == CS_TRISTATE_YES);
}

static void
add_string_if(JsonBuilder *builder, const char *key, const char *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name(builder, key);
  json_builder_add_string_value(builder, value);
}

/* Adds the case's ROI keyframes as "roi", each with its size in the unit it was given in. */
static void
add_roi(JsonBuilder *builder, CsCase *self)
{
  json_builder_set_member_name(builder, "roi");
  json_builder_begin_array(builder);
  for (guint i = 0; i < cs_case_get_n_roi_keyframes(self); i++) {
    const CsRoiKeyframe *k = cs_case_get_roi_keyframe(self, i);
    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "frame");
    json_builder_add_int_value(builder, k->frame);
    json_builder_set_member_name(builder, "x");
    json_builder_add_double_value(builder, k->x);
    json_builder_set_member_name(builder, "y");
    json_builder_add_double_value(builder, k->y);
    json_builder_set_member_name(builder, k->size_px != 0.0 ? "size_px" : "size_mm");
    json_builder_add_double_value(builder, k->size_px != 0.0 ? k->size_px : k->size_mm);
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
}

/* Adds the case's tracings as "tracings", each outline an array of [x, y] vertices. */
static void
add_tracings(JsonBuilder *builder, CsCase *self)
{
  json_builder_set_member_name(builder, "tracings");
  json_builder_begin_array(builder);
  for (guint i = 0; i < cs_case_get_n_tracings(self); i++) {
    const CsTracing *t = cs_case_get_tracing(self, i);
    json_builder_begin_object(builder);
    add_string_if(builder, "level", t->level);
    json_builder_set_member_name(builder, "frame");
    json_builder_add_int_value(builder, t->frame);
    add_string_if(builder, "rater", t->rater);
    add_string_if(builder, "time", t->time);
    json_builder_set_member_name(builder, "points");
    json_builder_begin_array(builder);
    for (guint p = 0; p < t->n_points; p++) {
      json_builder_begin_array(builder);
      json_builder_add_double_value(builder, t->points[2 * p]);
      json_builder_add_double_value(builder, t->points[2 * p + 1]);
      json_builder_end_array(builder);
    }
    json_builder_end_array(builder);
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
}

/* Adds the case's cached model results as "results". */
static void
add_results(JsonBuilder *builder, CsCase *self)
{
  json_builder_set_member_name(builder, "results");
  json_builder_begin_array(builder);
  for (guint i = 0; i < cs_case_get_n_results(self); i++) {
    const CsModelResult *r = cs_case_get_result(self, i);
    json_builder_begin_object(builder);
    add_string_if(builder, "model", r->model_id);
    add_string_if(builder, "model_sha256", r->model_sha256);
    json_builder_set_member_name(builder, "frames");
    json_builder_begin_array(builder);
    for (guint f = 0; f < r->n_frames; f++)
      json_builder_add_int_value(builder, r->frames[f]);
    json_builder_end_array(builder);
    json_builder_set_member_name(builder, "p_cts");
    json_builder_begin_array(builder);
    for (guint f = 0; f < r->n_frames; f++)
      json_builder_add_double_value(builder, r->p_cts[f]);
    json_builder_end_array(builder);
    add_number_if(builder, "p_hand", r->p_hand);
    add_string_if(builder, "summary", r->summary);
    add_number_if(builder, "threshold", r->threshold);
    add_string_if(builder, "roi_hash", r->roi_hash);
    add_string_if(builder, "time", r->time);
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
}

JsonNode *
cs_case_to_json(CsCase *self, const char *sweep_path)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();
  CsNerveConduction ncs;
  JsonObject *extra;

  json_builder_begin_object(builder);
  add_string_if(builder, "id", cs_case_get_id(self));
  add_string_if(builder, "hand", cs_hand_to_string(cs_case_get_hand(self)));
  add_string_if(builder, "group", cs_group_to_string(cs_case_get_group(self)));
  add_string_if(builder, "split", cs_split_to_string(cs_case_get_split(self)));
  add_string_if(builder, "sweep", sweep_path);
  if (cs_case_get_spacing_source(self) != CS_SPACING_SOURCE_UNKNOWN) {
    json_builder_set_member_name(builder, "spacing");
    json_builder_begin_object(builder);
    add_number_if(builder, "mm_per_px", cs_case_get_spacing_mm(self));
    add_string_if(builder, "source", cs_spacing_source_to_string(cs_case_get_spacing_source(self)));
    if (cs_case_get_spacing(self).region >= 0) {
      json_builder_set_member_name(builder, "region");
      json_builder_add_int_value(builder, cs_case_get_spacing(self).region);
    }
    json_builder_end_object(builder);
  }
  add_string_if(builder, "notes", cs_case_get_notes(self));

  cs_case_get_nerve_conduction(self, &ncs);
  if (!cs_nerve_conduction_is_empty(&ncs)) {
    json_builder_set_member_name(builder, "ncs");
    json_builder_begin_object(builder);
    add_number_if(builder, "dml_ms", ncs.dml_ms);
    add_number_if(builder, "scv_m_s", ncs.scv_m_s);
    add_number_if(builder, "cmap_mv", ncs.cmap_mv);
    add_bool_if(builder, "sensory_response", ncs.sensory_response);
    add_bool_if(builder, "motor_response", ncs.motor_response);
    add_bool_if(builder, "sensitive_tests_abnormal", ncs.sensitive_tests_abnormal);
    json_builder_end_object(builder);
  }

  json_builder_set_member_name(builder, "stage");
  json_builder_begin_object(builder);
  add_string_if(builder, "scheme", cs_grading_scheme_to_string(cs_case_get_stage_scheme(self)));
  json_builder_set_member_name(builder, "value");
  if (cs_case_get_stage(self) >= 0)
    json_builder_add_int_value(builder, cs_case_get_stage(self));
  else
    json_builder_add_null_value(builder);
  add_string_if(builder, "source",
                cs_case_get_stage_source(self) == CS_STAGE_SOURCE_MANUAL ? "manual" : "computed");
  json_builder_end_object(builder);

  add_roi(builder, self);
  add_tracings(builder, self);
  add_results(builder, self);

  extra = cs_case_get_extra(self);
  if (extra != NULL) {
    JsonNode *copy = json_node_alloc();
    /* The builder takes the node; the object itself is shared, and nothing modifies it. */
    json_node_init_object(copy, extra);
    json_builder_set_member_name(builder, "extra");
    json_builder_add_value(builder, copy);
  }
  json_builder_end_object(builder);
  return json_builder_get_root(builder);
}
