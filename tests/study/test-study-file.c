/* test-study-file.c — study.json: round trip, validation by JSON path, versions, changes
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cs-error.h"
#include "cs-study.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* A valid study of two cases using every field; the validation tests break one field at a
 * time. */
static const char base_json[] =
    "{\n"
    " \"version\": 1,\n"
    " \"generator\": \"hand-written\",\n"
    " \"name\": \"validation base\",\n"
    " \"grading_scheme\": \"shinohara2022\",\n"
    " \"cases\": [\n"
    "  {\"id\": \"c0\", \"hand\": \"left\", \"group\": \"control\", \"split\": \"test\"},\n"
    "  {\"id\": \"c1\", \"hand\": \"right\", \"group\": \"cts\", \"split\": \"train\",\n"
    "   \"sweep\": \"sweeps/c1.mkv\",\n"
    "   \"spacing\": {\"mm_per_px\": 0.05, \"source\": \"phantom-truth\"},\n"
    "   \"notes\": \"numb fingers at night\",\n"
    "   \"ncs\": {\"dml_ms\": 5.0, \"scv_m_s\": 35.0, \"sensory_response\": true,\n"
    "           \"motor_response\": true},\n"
    "   \"stage\": {\"scheme\": \"shinohara2022\", \"value\": 3, \"source\": \"computed\"},\n"
    "   \"roi\": [{\"frame\": 0, \"x\": 100, \"y\": 120, \"size_mm\": 15},\n"
    "           {\"frame\": 10, \"x\": 110.5, \"y\": 125, \"size_mm\": 15}],\n"
    "   \"tracings\": [{\"level\": \"inlet\", \"frame\": 3, \"rater\": \"AB\",\n"
    "                 \"time\": \"2026-11-27T23:40:00Z\",\n"
    "                 \"points\": [[0, 0], [10, 0], [10, 5], [0, 5]]}],\n"
    "   \"results\": [{\"model\": \"mobilenet_v2\", \"model_sha256\": \"" SHA_A "\",\n"
    "                \"frames\": [0, 1, 2], \"p_cts\": [0.1, 0.5, 0.9], \"p_hand\": 0.5,\n"
    "                \"summary\": \"mean\", \"threshold\": 0.5, \"roi_hash\": \"" SHA_B "\",\n"
    "                \"time\": \"2026-11-27T23:41:00+01:00\"}],\n"
    "   \"extra\": {\"site\": \"Kobe\", \"list\": [1, 2]}}\n"
    " ],\n"
    " \"extra\": {\"k\": \"v\"}\n"
    "}\n";

static JsonNode *
parse(const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data(parser, text, -1, &error);
  g_assert_no_error(error);
  return json_node_copy(json_parser_get_root(parser));
}

/* Walks a dotted path ("cases.1.roi.0.size_mm") to the container of its last part. */
static JsonNode *
walk(JsonNode *root, char **parts, guint n)
{
  JsonNode *node = root;

  for (guint i = 0; i < n; i++) {
    if (JSON_NODE_HOLDS_ARRAY(node))
      node = json_array_get_element(json_node_get_array(node), atoi(parts[i]));
    else
      node = json_object_get_member(json_node_get_object(node), parts[i]);
    g_assert_nonnull(node);
  }
  return node;
}

/* Returns the base study with the value at @path replaced by @value (JSON text), or removed
 * when @value is NULL. */
static char *
mutate(const char *path, const char *value)
{
  g_autoptr(JsonNode) root = parse(base_json);
  g_auto(GStrv) parts = g_strsplit(path, ".", -1);
  guint n = g_strv_length(parts);
  JsonNode *parent = walk(root, parts, n - 1);
  const char *last = parts[n - 1];

  if (JSON_NODE_HOLDS_ARRAY(parent)) {
    JsonArray *array = json_node_get_array(parent);
    guint index = (guint)atoi(last);
    g_assert_nonnull(value);
    /* json-glib has no element setter: rebuild the array with the one element replaced. */
    {
      g_autoptr(JsonArray) copy = json_array_new();
      for (guint i = 0; i < json_array_get_length(array); i++)
        json_array_add_element(copy, i == index ? parse(value)
                                                : json_node_copy(json_array_get_element(array, i)));
      json_node_set_array(parent, copy);
    }
  } else if (value == NULL) {
    json_object_remove_member(json_node_get_object(parent), last);
  } else {
    json_object_set_member(json_node_get_object(parent), last, parse(value));
  }
  return json_to_string(root, TRUE);
}

typedef struct {
  const char *path;
  const char *value;
  const char *message;
} BadField;

static const BadField bad_fields[] = {
  { "version", "\"1\"", "version: must be an integer schema version" },
  { "version", "0", "version: must be 1 to 1, not 0" },
  { "version", NULL, "version: missing: study.json is not a Carpalscope study" },
  { "cases", NULL, "cases: missing" },
  { "cases", "{}", "cases: must be an array" },
  { "name", "5", "name: must be a string, not a number" },
  { "grading_scheme", "\"kanatani\"",
    "grading_scheme: \"kanatani\" is not one of \"shinohara2022\", \"bland2000\"" },
  { "colour", "1",
    "colour: unknown key in schema 1 (scripts may keep their own data in \"extra\")" },
  { "extra", "[]", "extra: must be an object" },
  { "cases.1", "5", "cases[1]: must be an object, not a number" },
  { "cases.1.id", NULL, "cases[1].id: missing" },
  { "cases.1.id", "\"\"", "cases[1].id: must not be empty" },
  { "cases.1.id", "\"c0\"", "cases[1].id: \"c0\" is already the id of cases[0]" },
  { "cases.1.hnad", "\"left\"",
    "cases[1].hnad: unknown key in schema 1 (scripts may keep their own data in \"extra\")" },
  { "cases.1.hand", "\"middle\"",
    "cases[1].hand: \"middle\" is not one of \"unknown\", \"left\", "
    "\"right\"" },
  { "cases.1.group", "3", "cases[1].group: must be a string, not a number" },
  { "cases.1.split", "\"dev\"",
    "cases[1].split: \"dev\" is not one of \"unassigned\", \"train\", "
    "\"validation\", \"test\"" },
  { "cases.1.sweep", "[]", "cases[1].sweep: must be a string, not an array" },
  { "cases.1.spacing", "1", "cases[1].spacing: must be an object, not a number" },
  { "cases.1.spacing.mm_per_px", "-1",
    "cases[1].spacing.mm_per_px: must be > 0 and <= 10 mm per "
    "pixel" },
  { "cases.1.spacing.source", "\"unknown\"",
    "cases[1].spacing.source: a spacing needs its source (\"phantom-truth\", \"study\", "
    "\"manual\" or \"dicom\")" },
  { "cases.1.spacing.source", "\"guess\"",
    "cases[1].spacing.source: \"guess\" is not one of \"unknown\", \"phantom-truth\", \"study\", "
    "\"manual\", \"dicom\"" },
  { "cases.1.spacing.region", "-1",
    "cases[1].spacing.region: only a \"dicom\" spacing has a region, a number >= 0" },
  { "cases.1.spacing.region", "0.5",
    "cases[1].spacing.region: must be an integer, not a fraction" },
  { "cases.1.ncs.dml_ms", "45", "cases[1].ncs.dml_ms: must be > 0 and <= 30 ms" },
  { "cases.1.ncs.scv_m_s", "\"fast\"", "cases[1].ncs.scv_m_s: must be a number, not a string" },
  { "cases.1.ncs.sensory_response", "false",
    "cases[1].ncs.scv_m_s: must be absent when sensory_response is false" },
  { "cases.1.ncs.motor_response", "\"yes\"",
    "cases[1].ncs.motor_response: must be true, false or null, not a string" },
  { "cases.1.ncs.amplitude", "1",
    "cases[1].ncs.amplitude: unknown key in schema 1 (scripts may keep their own data in "
    "\"extra\")" },
  { "cases.1.stage.value", "9",
    "cases[1].stage.value: must be 1 to 5 under shinohara2022, or "
    "null" },
  { "cases.1.stage.value", "2",
    "cases[1].stage.value: 2 does not match the nerve-conduction values, which give 3 under "
    "shinohara2022; mark it \"manual\" to keep it" },
  { "cases.1.stage.scheme", NULL, "cases[1].stage.scheme: missing" },
  { "cases.1.stage.source", "\"guessed\"",
    "cases[1].stage.source: \"guessed\" is not one of \"computed\", \"manual\"" },
  { "cases.0.stage", "{\"scheme\": \"bland2000\", \"value\": 4, \"source\": \"computed\"}",
    "cases[0].stage.value: 4 is marked computed but the nerve-conduction values do not give a "
    "stage; mark it \"manual\"" },
  { "cases.0.stage", "{\"scheme\": \"bland2000\", \"source\": \"manual\"}",
    "cases[0].stage.value: a manual stage needs a value" },
  { "cases.1.roi", "{}", "cases[1].roi: must be an array, not an object" },
  { "cases.1.roi.0.size_mm", "0", "cases[1].roi[0].size_mm: must be > 0" },
  { "cases.1.roi.0.size_mm", "150", "cases[1].roi[0].size_mm: must be <= 100" },
  { "cases.1.roi.0.size_mm", NULL, "cases[1].roi[0].size_mm: missing (or give size_px)" },
  { "cases.1.roi.0.size_px", "200", "cases[1].roi[0].size_px: give size_mm or size_px, not both" },
  { "cases.1.roi.1", "{\"frame\": 5, \"x\": 1, \"y\": 1, \"size_px\": 300}",
    "cases[1].roi[1].size_px: roi[0] is in mm; every keyframe of a case uses one unit" },
  { "cases.1.roi.0.frame", "1.5", "cases[1].roi[0].frame: must be an integer, not a fraction" },
  { "cases.1.roi.0.frame", "-1", "cases[1].roi[0].frame: must be >= 0 and <= 2147483647" },
  { "cases.1.roi.0.frame", "2147483648", "cases[1].roi[0].frame: must be >= 0 and <= 2147483647" },
  { "cases.1.roi.1.frame", "0",
    "cases[1].roi[1].frame: keyframes must be in increasing frame order (0 follows 0)" },
  { "cases.1.roi.0.x", NULL, "cases[1].roi[0].x: missing" },
  { "cases.1.roi.1", "7", "cases[1].roi[1]: must be an object, not a number" },
  { "cases.1.tracings.0.points", "[[0, 0], [1, 1]]",
    "cases[1].tracings[0].points: a polygon needs at least 3 vertices" },
  { "cases.1.tracings.0.points", "[[0, 0], [4, 4], [4, 0], [0, 4]]",
    "cases[1].tracings[0].points: the outline crosses or touches itself (edges 0 and 2)" },
  { "cases.1.tracings.0.points.1", "[1]",
    "cases[1].tracings[0].points[1]: must be an [x, y] pair" },
  { "cases.1.tracings.0.points.1", "[1, \"a\"]",
    "cases[1].tracings[0].points[1]: must be a number, not a string" },
  { "cases.1.tracings.0.points", NULL, "cases[1].tracings[0].points: missing" },
  { "cases.1.tracings.0.time", "\"yesterday\"",
    "cases[1].tracings[0].time: must be an ISO 8601 date and time with a zone, e.g. "
    "\"2026-11-27T23:40:00Z\"" },
  { "cases.1.tracings.0.time", "\"2026-11-27T23:40:00\"",
    "cases[1].tracings[0].time: must be an ISO 8601 date and time with a zone, e.g. "
    "\"2026-11-27T23:40:00Z\"" },
  { "cases.1.tracings.0.level", "\"\"", "cases[1].tracings[0].level: must not be empty" },
  { "cases.1.tracings.0.rater", "\"\"", "cases[1].tracings[0].rater: must be non-empty or absent" },
  { "cases.1.tracings.0.frame", "-2",
    "cases[1].tracings[0].frame: must be >= 0 and <= 2147483647" },
  { "cases.1.results.0.frames", "[-1, 0, 1]",
    "cases[1].results[0].frames[0]: must be >= 0 and <= 2147483647" },
  { "cases.1.results.0.model_sha256", "\"abc\"",
    "cases[1].results[0].model_sha256: must be 64 lowercase hex digits" },
  { "cases.1.results.0.p_cts", "[0.1, 1.5, 0.2]",
    "cases[1].results[0].p_cts[1]: must be a probability in [0, 1]" },
  { "cases.1.results.0.p_cts", "[0.1, 0.2]",
    "cases[1].results[0].p_cts: has 2 values for 3 frames" },
  { "cases.1.results.0.frames", "[0, 2, 1]",
    "cases[1].results[0].frames[2]: frames must be strictly increasing (1 follows 2)" },
  { "cases.1.results.0.frames", "[]", "cases[1].results[0].p_cts: has 3 values for 0 frames" },
  { "cases.1.results.0.p_hand", NULL, "cases[1].results[0].p_hand: missing" },
  { "cases.1.results.0.summary", "\"max\"",
    "cases[1].results[0].summary: must be \"mean\" or \"median\"" },
  { "cases.1.results.0.threshold", "2", "cases[1].results[0].threshold: must be in [0, 1]" },
  { "cases.1.results.0.roi_hash", "\"" SHA_A "0\"",
    "cases[1].results[0].roi_hash: must be 64 lowercase hex digits" },
  { "cases.1.extra", "5", "cases[1].extra: must be an object, not a number" },
};

static void
test_base_is_valid(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = cs_study_load_from_data(base_json, -1, "/data/studies/a", &error);
  g_autofree char *sweep = NULL;
  CsCase *c;
  CsNerveConduction ncs;

  g_assert_no_error(error);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 2);
  g_assert_false(cs_study_get_dirty(study));
  c = cs_study_find_case(study, "c1");
  g_assert_nonnull(c);
  g_assert_cmpint(cs_case_get_hand(c), ==, CS_HAND_RIGHT);
  g_assert_cmpint(cs_case_get_group(c), ==, CS_GROUP_CTS);
  g_assert_cmpint(cs_case_get_split(c), ==, CS_SPLIT_TRAIN);
  g_assert_cmpfloat(cs_case_get_spacing_mm(c), ==, 0.05);
  g_assert_cmpint(cs_case_get_spacing_source(c), ==, CS_SPACING_SOURCE_PHANTOM_TRUTH);
  g_assert_cmpint(cs_case_get_stage(c), ==, 3);
  cs_case_get_nerve_conduction(c, &ncs);
  g_assert_cmpfloat(ncs.dml_ms, ==, 5.0);
  g_assert_true(isnan(ncs.cmap_mv));
  g_assert_cmpuint(cs_case_get_n_roi_keyframes(c), ==, 2);
  g_assert_cmpfloat(cs_case_get_roi_keyframe(c, 1)->x, ==, 110.5);
  g_assert_cmpuint(cs_case_get_n_tracings(c), ==, 1);
  g_assert_cmpuint(cs_case_get_tracing(c, 0)->n_points, ==, 4);
  g_assert_nonnull(cs_case_find_result(c, SHA_A));
  sweep = cs_study_dup_sweep_path(study, c);
  g_assert_cmpstr(sweep, ==, "/data/studies/a/sweeps/c1.mkv");
  g_assert_null(cs_study_dup_sweep_path(study, cs_study_get_case(study, 0)));
  /* The case without values has no stage. */
  g_assert_cmpint(cs_case_get_stage(cs_study_get_case(study, 0)), ==, -1);
  g_assert_cmpuint(cs_study_count_cases(study, CS_SPLIT_TRAIN, CS_GROUP_UNKNOWN), ==, 1);
  g_assert_cmpuint(cs_study_count_cases(study, CS_SPLIT_TEST, CS_GROUP_CTS), ==, 0);
  g_assert_cmpuint(cs_study_count_cases(study, CS_SPLIT_TEST, CS_GROUP_CONTROL), ==, 1);
}

static void
test_validation_errors(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(bad_fields); i++) {
    g_autofree char *text = mutate(bad_fields[i].path, bad_fields[i].value);
    g_autoptr(GError) error = NULL;
    g_autoptr(CsStudy) study = NULL;

    g_test_message("%s = %s", bad_fields[i].path, bad_fields[i].value);
    study = cs_study_load_from_data(text, -1, NULL, &error);
    g_assert_null(study);
    g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, bad_fields[i].message);
  }
}

static void
test_not_json(void)
{
  static const char *const texts[] = { "", "{", "[1, 2]", "{\"version\": 1,}", "nonsense" };

  for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(CsStudy) study = cs_study_load_from_data(texts[i], -1, NULL, &error);

    g_assert_null(study);
    g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
    g_assert_true(g_str_has_prefix(error->message, "study.json"));
    g_test_message("%s", error->message);
  }
}

static void
test_newer_version(void)
{
  g_autofree char *dir = g_dir_make_tmp("cs-study-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "study.json", NULL);
  /* A newer file may carry keys this version does not know: the version is what is reported. */
  g_autofree char *text = mutate("version", "7");
  g_autofree char *newer = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = NULL;

  newer = g_strdup_printf("{\"version\": 7, \"hologram\": true, %s", strchr(text, '{') + 1);
  g_assert_true(g_file_set_contents(path, newer, -1, NULL));
  study = cs_study_load(path, &error);
  g_assert_null(study);
  g_assert_error(error, CS_ERROR, CS_ERROR_NEWER_VERSION);
  g_assert_cmpstr(error->message, ==,
                  "study.json was written by a newer Carpalscope (schema 7); this version reads "
                  "schema 1");
  /* Refusing never touches the file. */
  g_assert_true(g_file_get_contents(path, &after, NULL, NULL));
  g_assert_cmpstr(after, ==, newer);
  g_unlink(path);
  g_rmdir(dir);
}

static void
test_load_errors(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = cs_study_load("/nonexistent/folder/study.json", &error);
  g_autofree char *dir = g_dir_make_tmp("cs-study-XXXXXX", NULL);

  g_assert_null(study);
  g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, "/nonexistent/folder/study.json"));
  g_clear_error(&error);
  study = cs_study_load(dir, &error);
  g_assert_null(study);
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_rmdir(dir);
}

/* Builds a study that sets every field at least once, several of them in two ways. */
static CsStudy *
make_full_study(void)
{
  CsStudy *study = cs_study_new();
  const double square[] = { 10.25, 20.5, 40, 20.5, 40, 51.125, 10.25, 51.125 };
  const double triangle[] = { 0, 0, 30, 1e-3, 15, 22.75 };
  const gint64 frames[] = { 0, 1, 2, 5, 99 };
  const double p[] = { 0.0, 0.25, 1.0 / 3.0, 0.999999999, 1.0 };
  g_autoptr(GError) error = NULL;

  cs_study_set_name(study, "round trip — ünïcode");
  cs_study_set_notes(study, "line one\nline two \"quoted\"");
  cs_study_set_grading_scheme(study, CS_GRADING_BLAND2000);
  for (int i = 0; i < 4; i++) {
    g_autofree char *id = g_strdup_printf("hand-%03d", i);
    g_autoptr(CsCase) c = cs_case_new(id);
    CsNerveConduction ncs;

    cs_case_set_hand(c, i % 2 ? CS_HAND_LEFT : CS_HAND_RIGHT);
    cs_case_set_group(c, (CsGroup)(i % 3));
    cs_case_set_split(c, (CsSplit)i);
    if (i != 3) {
      g_autofree char *sweep = g_strdup_printf("sweeps/hand %d.mkv", i);
      cs_case_set_sweep_path(c, sweep);
    }
    if (i == 0)
      g_assert_true(cs_case_set_spacing(c, 0.0625, CS_SPACING_SOURCE_PHANTOM_TRUTH, &error));
    else if (i == 1)
      g_assert_true(cs_case_set_spacing(c, 0.1 / 3.0, CS_SPACING_SOURCE_MANUAL, &error));
    else if (i == 2) /* From a DICOM file's Ultrasound Region 1, which study.json keeps. */
      g_assert_true(cs_case_set_spacing_full(c, 0.38265, CS_SPACING_SOURCE_DICOM, 1, &error));
    else /* From a DICOM file's Pixel Spacing: no region. */
      g_assert_true(cs_case_set_spacing(c, 0.3, CS_SPACING_SOURCE_DICOM, &error));
    if (i == 1)
      cs_case_set_notes(c, "tracing redone");
    cs_nerve_conduction_init(&ncs);
    if (i == 0) {
      ncs.dml_ms = 4.7;
      ncs.scv_m_s = 38.2;
      ncs.cmap_mv = 6.5;
      ncs.sensory_response = CS_TRISTATE_YES;
      ncs.motor_response = CS_TRISTATE_YES;
      ncs.sensitive_tests_abnormal = CS_TRISTATE_NO;
    } else if (i == 1) {
      ncs.sensory_response = CS_TRISTATE_NO;
      ncs.motor_response = CS_TRISTATE_NO;
      ncs.cmap_mv = 0.0;
    }
    g_assert_true(cs_case_set_nerve_conduction(c, &ncs, &error));
    if (i == 0)
      g_assert_cmpint(cs_case_compute_stage(c, CS_GRADING_BLAND2000, &error), ==, 3);
    else if (i == 2)
      g_assert_true(cs_case_set_stage_manual(c, CS_GRADING_SHINOHARA2022, 2, &error));
    g_assert_no_error(error);

    for (int k = 0; k < i + 1; k++) {
      CsRoiKeyframe key = { .frame = 7 * k, .x = 100.5 + k, .y = 200.25 - k / 3.0 };
      if (i == 1)
        key.size_px = 240 + k;
      else
        key.size_mm = 15;
      g_assert_true(cs_case_set_roi_keyframe(c, &key, &error));
    }
    if (i < 2) {
      g_autoptr(CsTracing) tracing = cs_tracing_new("inlet", 4, square, 4);
      g_autoptr(CsTracing) other = cs_tracing_new("forearm", 40, triangle, 3);
      g_free(other->rater);
      other->rater = g_strdup("second rater");
      g_free(other->time);
      other->time = g_strdup("2026-01-02T03:04:05.678+09:00");
      g_assert_cmpint(cs_case_add_tracing(c, tracing, &error), ==, 0);
      g_assert_cmpint(cs_case_add_tracing(c, other, &error), ==, 1);
    }
    if (i == 0) {
      g_autofree char *roi_hash = cs_case_dup_roi_hash(c);
      g_autoptr(CsModelResult) a =
          cs_model_result_new("squeezenet1_1", SHA_A, frames, p, 5, 0.5, roi_hash);
      g_autoptr(CsModelResult) b =
          cs_model_result_new("efficientnet_b0", SHA_B, frames, p, 3, 0.35, roi_hash);
      g_free(b->summary);
      b->summary = g_strdup("median");
      b->p_hand = 0.25;
      g_assert_true(cs_case_set_result(c, a, &error));
      g_assert_true(cs_case_set_result(c, b, &error));
    }
    g_assert_true(cs_study_add_case(study, c, &error));
  }
  return study;
}

static void
test_round_trip(void)
{
  g_autofree char *dir = g_dir_make_tmp("cs-study-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "study.json", NULL);
  g_autofree char *bak = g_strconcat(path, ".bak", NULL);
  g_autoptr(CsStudy) study = make_full_study();
  g_autoptr(CsStudy) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL, *second = NULL, *sweep = NULL;

  g_assert_true(cs_study_get_dirty(study));
  g_assert_true(cs_study_save_as(study, path, &error));
  g_assert_no_error(error);
  g_assert_false(cs_study_get_dirty(study));
  g_assert_cmpstr(cs_study_get_path(study), ==, path);
  /* The first save has no previous file to keep. */
  g_assert_false(g_file_test(bak, G_FILE_TEST_EXISTS));

  loaded = cs_study_load(path, &error);
  g_assert_no_error(error);
  g_assert_true(cs_study_equal(study, loaded));
  g_assert_false(cs_study_get_dirty(loaded));
  g_assert_cmpstr(cs_study_get_dir(loaded), ==, dir);
  sweep = cs_study_dup_sweep_path(loaded, cs_study_get_case(loaded, 1));
  g_assert_true(g_str_has_prefix(sweep, dir));
  g_assert_true(g_str_has_suffix(sweep, "/sweeps/hand 1.mkv"));
  /* Writing what was read gives the same bytes. */
  first = cs_study_to_data(study, NULL);
  second = cs_study_to_data(loaded, NULL);
  g_assert_cmpstr(first, ==, second);

  /* The base file's extras and unusual values survive too. */
  {
    g_autoptr(CsStudy) base = cs_study_load_from_data(base_json, -1, NULL, &error);
    g_autofree char *text = cs_study_to_data(base, NULL);
    g_autoptr(CsStudy) again = cs_study_load_from_data(text, -1, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(cs_study_equal(base, again));
    g_assert_nonnull(strstr(text, "\"site\": \"Kobe\""));
  }

  /* A second save keeps the first as the backup. */
  cs_study_set_name(loaded, "changed");
  g_assert_true(cs_study_save(loaded, &error));
  {
    g_autoptr(CsStudy) backup = cs_study_load(bak, &error);
    g_autoptr(CsStudy) current = cs_study_load(path, &error);
    g_assert_no_error(error);
    g_assert_true(cs_study_equal(backup, study));
    g_assert_cmpstr(cs_study_get_name(current), ==, "changed");
  }
  g_unlink(path);
  g_unlink(bak);
  g_rmdir(dir);
}

/* Every field takes part in the comparison, so the round trip cannot pass by ignoring one. */
static void
test_equal_sees_every_field(void)
{
  for (int field = 0; field < 18; field++) {
    g_autoptr(CsStudy) a = make_full_study();
    g_autoptr(CsStudy) b = make_full_study();
    CsCase *c = cs_study_get_case(b, 0);
    CsCase *c1 = cs_study_get_case(b, 1);
    CsNerveConduction ncs;
    CsRoiKeyframe key = *cs_case_get_roi_keyframe(c, 0);
    g_autoptr(GError) error = NULL;

    g_assert_true(cs_study_equal(a, b));
    cs_case_get_nerve_conduction(c, &ncs);
    switch (field) {
      case 0:
        cs_study_set_name(b, "other");
        break;
      case 1:
        cs_study_set_notes(b, NULL);
        break;
      case 2:
        cs_study_set_grading_scheme(b, CS_GRADING_SHINOHARA2022);
        break;
      case 3:
        g_assert_true(cs_case_set_id(c, "renamed", &error));
        break;
      case 4:
        cs_case_set_hand(c, CS_HAND_UNKNOWN);
        break;
      case 5:
        cs_case_set_group(c, CS_GROUP_CTS);
        break;
      case 6:
        cs_case_set_split(c, CS_SPLIT_TEST);
        break;
      case 7:
        cs_case_set_sweep_path(c, "elsewhere.mp4");
        break;
      case 8:
        g_assert_true(cs_case_set_spacing(c, 0.0625, CS_SPACING_SOURCE_STUDY, &error));
        break;
      case 9:
        cs_case_set_notes(c1, "");
        break;
      case 10:
        ncs.cmap_mv = 7.0;
        g_assert_true(cs_case_set_nerve_conduction(c, &ncs, &error));
        break;
      case 11:
        g_assert_true(cs_case_set_stage_manual(c, CS_GRADING_BLAND2000, 3, &error));
        break;
      case 12:
        key.y += 0.5;
        g_assert_true(cs_case_set_roi_keyframe(c, &key, &error));
        break;
      case 13:
        g_assert_true(cs_case_remove_roi_keyframe(c, 0));
        break;
      case 14: {
        CsTracing *t = cs_tracing_copy(cs_case_get_tracing(c, 1));
        t->points[5] += 0.25;
        g_assert_true(cs_case_replace_tracing(c, 1, t, &error));
        cs_tracing_free(t);
        break;
      }
      case 15:
        cs_case_remove_tracing(c1, 0);
        break;
      case 16: {
        CsModelResult *r = cs_model_result_copy(cs_case_find_result(c, SHA_B));
        r->threshold = 0.4;
        g_assert_true(cs_case_set_result(c, r, &error));
        cs_model_result_free(r);
        break;
      }
      case 17:
        cs_case_clear_results(c);
        break;
    }
    g_assert_no_error(error);
    g_test_message("field %d", field);
    g_assert_false(cs_study_equal(a, b));
  }
}

static void
changed_cb(gpointer object, int *count)
{
  (*count)++;
}

static void
notify_cb(GObject *object, GParamSpec *pspec, int *count)
{
  (*count)++;
}

static void
items_cb(GListModel *model, guint position, guint removed, guint added, int *count)
{
  (*count)++;
}

static void
test_changes(void)
{
  g_autoptr(CsStudy) study = cs_study_new();
  g_autoptr(CsCase) c = cs_case_new("a");
  g_autoptr(CsCase) d = cs_case_new("a");
  g_autoptr(CsCase) b = cs_case_new("b");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("cs-study-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "study.json", NULL);
  g_autofree char *bak = g_strconcat(path, ".bak", NULL);
  int changed = 0, dirty_notes = 0, hand_notes = 0, items = 0;
  guint64 generation;

  g_signal_connect(study, "changed", G_CALLBACK(changed_cb), &changed);
  g_signal_connect(study, "notify::dirty", G_CALLBACK(notify_cb), &dirty_notes);
  g_signal_connect(c, "notify::hand", G_CALLBACK(notify_cb), &hand_notes);
  g_signal_connect(study, "items-changed", G_CALLBACK(items_cb), &items);
  g_assert_false(cs_study_get_dirty(study));

  g_assert_true(cs_study_add_case(study, c, &error));
  g_assert_cmpint(changed, ==, 1);
  g_assert_cmpint(items, ==, 1);
  g_assert_cmpint(dirty_notes, ==, 1);
  g_assert_true(cs_study_get_dirty(study));
  g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(study)), ==, 1);
  g_assert_true(g_list_model_get_item_type(G_LIST_MODEL(study)) == CS_TYPE_CASE);
  {
    g_autoptr(CsCase) item = g_list_model_get_item(G_LIST_MODEL(study), 0);
    g_assert_true(item == c);
  }

  /* A duplicate id is refused, whether added or renamed into. */
  g_assert_false(cs_study_add_case(study, d, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_true(cs_study_add_case(study, b, &error));
  g_assert_cmpint(items, ==, 2);

  g_assert_true(cs_study_save_as(study, path, &error));
  g_assert_false(cs_study_get_dirty(study));
  changed = 0;

  /* Setting what is already there changes nothing. */
  cs_case_set_hand(c, CS_HAND_UNKNOWN);
  cs_case_set_notes(c, "");
  g_assert_cmpint(changed, ==, 0);
  g_assert_false(cs_study_get_dirty(study));

  generation = cs_study_get_generation(study);
  cs_case_set_hand(c, CS_HAND_LEFT);
  g_assert_cmpint(hand_notes, ==, 1);
  g_assert_cmpint(changed, ==, 1);
  g_assert_true(cs_study_get_dirty(study));
  g_assert_cmpuint(cs_study_get_generation(study), >, generation);

  /* Renaming onto another case's id is refused and changes nothing. */
  g_assert_false(cs_case_set_id(c, "b", &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_cmpstr(error->message, ==, "id: \"b\" is already the id of another case");
  g_clear_error(&error);
  g_assert_cmpstr(cs_case_get_id(c), ==, "a");

  /* A refused value changes nothing either. */
  changed = 0;
  g_assert_false(cs_case_set_spacing(c, -1, CS_SPACING_SOURCE_MANUAL, &error));
  g_clear_error(&error);
  g_assert_false(cs_case_set_spacing(c, 0.1, CS_SPACING_SOURCE_UNKNOWN, &error));
  g_clear_error(&error);
  g_assert_cmpint(changed, ==, 0);

  /* A removed case no longer reaches the study. */
  g_assert_true(cs_study_remove_case(study, "a"));
  g_assert_false(cs_study_remove_case(study, "a"));
  changed = 0;
  cs_case_set_hand(c, CS_HAND_RIGHT);
  g_assert_cmpint(changed, ==, 0);
  g_assert_true(cs_case_set_id(c, "b", &error));

  g_unlink(path);
  g_unlink(bak);
  g_rmdir(dir);
}

static void
test_case_rules(void)
{
  g_autoptr(CsCase) c = cs_case_new("x");
  g_autoptr(GError) error = NULL;
  CsRoiKeyframe key = { .frame = 5, .x = 10, .y = 20, .size_mm = 15 };
  CsRoiKeyframe px = { .frame = 9, .x = 10, .y = 20, .size_px = 100 };
  g_autofree char *hash0 = NULL, *hash1 = NULL;
  const gint64 frames[] = { 0 };
  const double p[] = { 0.75 };
  CsNerveConduction ncs;
  CsSpacing spacing;

  /* Keyframes stay sorted, one per frame, in one unit. */
  g_assert_true(cs_case_set_roi_keyframe(c, &key, &error));
  key.frame = 1;
  g_assert_true(cs_case_set_roi_keyframe(c, &key, &error));
  key.x = 11;
  g_assert_true(cs_case_set_roi_keyframe(c, &key, &error));
  g_assert_cmpuint(cs_case_get_n_roi_keyframes(c), ==, 2);
  g_assert_cmpint(cs_case_get_roi_keyframe(c, 0)->frame, ==, 1);
  g_assert_cmpfloat(cs_case_get_roi_keyframe(c, 0)->x, ==, 11);
  g_assert_false(cs_case_set_roi_keyframe(c, &px, &error));
  g_assert_cmpstr(error->message, ==,
                  "roi.size_px: the case's keyframes are in mm; every keyframe uses one unit");
  g_clear_error(&error);
  key.size_mm = -3;
  g_assert_false(cs_case_set_roi_keyframe(c, &key, &error));
  g_assert_cmpstr(error->message, ==, "roi.size_mm: must be > 0");
  g_clear_error(&error);
  {
    g_autoptr(CsRoiTrack) track = cs_case_dup_roi_track(c);
    CsRoiKey at;
    g_assert_nonnull(track);
    g_assert_cmpint(cs_roi_track_get_unit(track), ==, CS_ROI_UNIT_MM);
    g_assert_cmpuint(cs_roi_track_get_n_keys(track), ==, 2);
    g_assert_true(cs_roi_track_get_at(track, 3, &at));
    g_assert_cmpfloat_with_epsilon(at.x, 10.5, 1e-9);
  }

  /* Results go stale when the ROI or the spacing changes, or for another model. */
  hash0 = cs_case_dup_roi_hash(c);
  {
    g_autoptr(CsModelResult) r = cs_model_result_new("m", SHA_A, frames, p, 1, 0.5, hash0);
    const CsModelResult *stored;
    g_assert_true(cs_case_set_result(c, r, &error));
    stored = cs_case_find_result(c, SHA_A);
    g_assert_cmpfloat(stored->p_hand, ==, 0.75);
    g_assert_false(cs_case_result_is_stale(c, stored, NULL));
    g_assert_false(cs_case_result_is_stale(c, stored, SHA_A));
    g_assert_true(cs_case_result_is_stale(c, stored, SHA_B));
    g_assert_true(cs_case_set_spacing(c, 0.05, CS_SPACING_SOURCE_STUDY, &error));
    g_assert_true(cs_case_result_is_stale(c, stored, NULL));
    hash1 = cs_case_dup_roi_hash(c);
    g_assert_cmpstr(hash0, !=, hash1);
    spacing = cs_case_get_spacing(c);
    g_assert_true(cs_spacing_is_known(&spacing));
    g_assert_true(cs_case_set_spacing(c, 0, CS_SPACING_SOURCE_UNKNOWN, &error));
    g_assert_false(cs_case_result_is_stale(c, stored, NULL));
    g_assert_true(cs_case_remove_roi_keyframe(c, 5));
    g_assert_true(cs_case_result_is_stale(c, stored, NULL));
  }

  /* A computed stage follows the values; a manual one stays until cleared. */
  cs_nerve_conduction_init(&ncs);
  ncs.dml_ms = 5.0;
  ncs.scv_m_s = 45;
  g_assert_true(cs_case_set_nerve_conduction(c, &ncs, &error));
  g_assert_cmpint(cs_case_get_stage(c), ==, 2);
  g_assert_cmpint(cs_case_compute_stage(c, CS_GRADING_BLAND2000, &error), ==, 3);
  g_assert_true(cs_case_set_stage_manual(c, CS_GRADING_BLAND2000, 6, &error));
  ncs.dml_ms = 3.0;
  g_assert_true(cs_case_set_nerve_conduction(c, &ncs, &error));
  g_assert_cmpint(cs_case_get_stage(c), ==, 6);
  g_assert_cmpint(cs_case_get_stage_source(c), ==, CS_STAGE_SOURCE_MANUAL);
  g_assert_true(cs_case_set_stage_manual(c, CS_GRADING_SHINOHARA2022, -1, &error));
  g_assert_cmpint(cs_case_get_stage(c), ==, 1);
  g_assert_cmpint(cs_case_get_stage_source(c), ==, CS_STAGE_SOURCE_COMPUTED);
  g_assert_false(cs_case_set_stage_manual(c, CS_GRADING_SHINOHARA2022, 0, &error));
  g_assert_cmpstr(error->message, ==, "stage.value: must be 1 to 5 under shinohara2022");
  g_clear_error(&error);
  ncs.motor_response = CS_TRISTATE_NO;
  g_assert_false(cs_case_set_nerve_conduction(c, &ncs, &error));
  g_assert_cmpstr(error->message, ==, "ncs.dml_ms: must be absent when motor_response is false");
  g_clear_error(&error);

  /* Tracings are checked before they are stored. */
  {
    const double bowtie[] = { 0, 0, 4, 4, 4, 0, 0, 4 };
    g_autoptr(CsTracing) t = cs_tracing_new("inlet", 0, bowtie, 4);
    g_assert_cmpint(cs_case_add_tracing(c, t, &error), ==, -1);
    g_assert_cmpstr(error->message, ==,
                    "tracings[0].points: the outline crosses or touches itself (edges 0 and 2)");
    g_assert_cmpuint(cs_case_get_n_tracings(c), ==, 0);
  }
}

static void
test_writing_format(void)
{
  g_autoptr(CsStudy) study = cs_study_new();
  g_autoptr(CsCase) c = cs_case_new("tab\there \"quoted\" \\ back");
  g_autoptr(CsStudy) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  CsRoiKeyframe key = { .frame = 2, .x = 0.1 + 0.2, .y = 1e-300, .size_px = 224 };

  g_assert_true(cs_case_set_spacing(c, 0.05, CS_SPACING_SOURCE_MANUAL, &error));
  g_assert_true(cs_case_set_roi_keyframe(c, &key, &error));
  cs_case_set_notes(c, "bell \x07, newline \n, ünï");
  g_assert_true(cs_study_add_case(study, c, &error));
  text = cs_study_to_data(study, NULL);
  /* People read the file: short numbers stay short, long ones keep every digit they need. */
  g_assert_nonnull(strstr(text, "\"mm_per_px\": 0.05,"));
  g_assert_nonnull(strstr(text, "\"x\": 0.30000000000000004,"));
  g_assert_nonnull(strstr(text, "\"size_px\": 224.0\n"));
  g_assert_nonnull(strstr(text, "\"frame\": 2,"));
  g_assert_nonnull(strstr(text, "\"bell \\u0007, newline \\n, ünï\""));
  loaded = cs_study_load_from_data(text, -1, NULL, &error);
  g_assert_no_error(error);
  g_assert_true(cs_study_equal(study, loaded));

  /* Text that is not UTF-8 is repaired on writing so the file stays loadable. */
  cs_case_set_notes(c, "bad \xff byte");
  g_clear_pointer(&text, g_free);
  g_clear_object(&loaded);
  text = cs_study_to_data(study, NULL);
  loaded = cs_study_load_from_data(text, -1, NULL, &error);
  g_assert_no_error(error);
  g_assert_true(g_str_has_prefix(cs_case_get_notes(cs_study_get_case(loaded, 0)), "bad "));
}

static void
test_sweep_paths(void)
{
  g_autofree char *dir = g_dir_make_tmp("cs-study-XXXXXX", NULL);
  g_autofree char *first = g_build_filename(dir, "study.json", NULL);
  g_autofree char *sub = g_build_filename(dir, "sub", NULL);
  g_autofree char *second = g_build_filename(sub, "study.json", NULL);
  g_autofree char *copy = g_build_filename(dir, "copy.json", NULL);
  g_autofree char *inside = g_build_filename(sub, "lone.mp4", NULL);
  g_autoptr(CsStudy) study = cs_study_new();
  g_autoptr(CsCase) a = cs_case_new("a");
  g_autoptr(CsCase) b = cs_case_new("b");
  g_autoptr(GError) error = NULL;
  g_autofree char *a_path = NULL;

  g_assert_cmpint(g_mkdir(sub, 0755), ==, 0);
  /* A study never saved keeps relative paths as relative to its first file. */
  cs_case_set_sweep_path(a, "sweeps/a.mkv");
  cs_case_set_sweep_path(b, inside);
  g_assert_true(cs_study_add_case(study, a, &error));
  g_assert_true(cs_study_add_case(study, b, &error));
  g_assert_true(cs_study_save_as(study, first, &error));
  g_assert_cmpstr(cs_case_get_sweep_path(a), ==, "sweeps/a.mkv");
  g_assert_cmpstr(cs_case_get_sweep_path(b), ==, "sub/lone.mp4");
  a_path = cs_study_dup_sweep_path(study, a);

  /* Moving the study to another folder keeps every sweep reachable. */
  g_assert_true(cs_study_save_as(study, second, &error));
  g_assert_false(cs_study_get_dirty(study));
  g_assert_cmpstr(cs_case_get_sweep_path(b), ==, "lone.mp4");
  g_assert_true(g_path_is_absolute(cs_case_get_sweep_path(a)));
  {
    g_autoptr(CsStudy) loaded = cs_study_load(second, &error);
    g_autofree char *again = cs_study_dup_sweep_path(loaded, cs_study_get_case(loaded, 0));
    g_autofree char *lone = cs_study_dup_sweep_path(loaded, cs_study_get_case(loaded, 1));
    g_assert_no_error(error);
    g_assert_cmpstr(again, ==, a_path);
    g_assert_cmpstr(lone, ==, inside);
  }
  /* A copy elsewhere opens from where it is, and the study itself is untouched. */
  g_assert_true(cs_study_save_copy(study, copy, &error));
  g_assert_cmpstr(cs_case_get_sweep_path(b), ==, "lone.mp4");
  {
    g_autoptr(CsStudy) loaded = cs_study_load(copy, &error);
    g_autofree char *lone = cs_study_dup_sweep_path(loaded, cs_study_get_case(loaded, 1));
    g_assert_cmpstr(cs_case_get_sweep_path(cs_study_get_case(loaded, 1)), ==, "sub/lone.mp4");
    g_assert_cmpstr(lone, ==, inside);
  }
  g_unlink(first);
  g_unlink(second);
  g_unlink(copy);
  {
    g_autofree char *bak = g_strconcat(first, ".bak", NULL);
    g_unlink(bak);
  }
  g_rmdir(sub);
  g_rmdir(dir);
}

static void
test_measure_tracing(void)
{
  g_autoptr(CsCase) c = cs_case_new("m");
  const double rect[] = { 10, 10, 70, 10, 70, 30, 10, 30 };
  g_autoptr(CsTracing) t = cs_tracing_new("inlet", 0, rect, 4);
  g_autoptr(GError) error = NULL;
  CsPolygonMeasures m;
  int notes = 0;
  guint n_tracings = 0;

  g_signal_connect(c, "notify::n-tracings", G_CALLBACK(notify_cb), &notes);
  g_assert_cmpint(cs_case_add_tracing(c, t, &error), ==, 0);
  g_assert_cmpint(notes, ==, 1);
  g_object_get(c, "n-tracings", &n_tracings, NULL);
  g_assert_cmpuint(n_tracings, ==, 1);
  g_assert_true(cs_case_measure_tracing(c, 0, &m));
  g_assert_cmpfloat(m.area_px2, ==, 1200);
  g_assert_true(isnan(m.area_mm2));
  g_assert_true(cs_case_set_spacing(c, 0.1, CS_SPACING_SOURCE_MANUAL, &error));
  g_assert_true(cs_case_measure_tracing(c, 0, &m));
  g_assert_cmpfloat_with_epsilon(m.area_mm2, 12.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(m.flattening, 3.0, 1e-12);
}

/* Every prefix of a valid file and every single-byte change of it is refused with a message or
 * read, never a crash (run under the sanitizers in CI). */
static void
test_damaged_files(void)
{
  gsize length = strlen(base_json);
  g_autofree char *copy = g_strdup(base_json);
  static const char replacements[] = { '}', '"', '0' };
  guint refused = 0;

  for (gsize cut = 0; cut < length; cut++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(CsStudy) study = cs_study_load_from_data(base_json, (gssize)cut, NULL, &error);
    /* Only the whole text, less its trailing newline, is still a complete document. */
    if (cut < length - 1) {
      g_assert_null(study);
      g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
    }
  }
  for (gsize at = 0; at < length; at++) {
    for (guint r = 0; r < G_N_ELEMENTS(replacements); r++) {
      g_autoptr(GError) error = NULL;
      g_autoptr(CsStudy) study = NULL;
      char saved = copy[at];

      copy[at] = replacements[r];
      study = cs_study_load_from_data(copy, (gssize)length, NULL, &error);
      g_assert_true((study == NULL) == (error != NULL));
      if (study == NULL) {
        g_assert_true(error->message[0] != '\0');
        refused++;
      }
      copy[at] = saved;
    }
  }
  g_test_message("%u of %zu damaged copies refused", refused, length * G_N_ELEMENTS(replacements));
  g_assert_cmpuint(refused, >, 0);
}

/* Each writable property notifies once per real change, and reads back what was set. */
static void
test_properties(void)
{
  CsCase *c = cs_case_new("p");
  CsStudy *study = cs_study_new();
  static const struct {
    const char *name;
    int value;
  } enums[] = { { "hand", CS_HAND_LEFT }, { "group", CS_GROUP_CTS }, { "split", CS_SPLIT_TEST } };
  static const char *const strings[] = { "id", "sweep-path", "notes" };

  for (guint i = 0; i < G_N_ELEMENTS(enums); i++) {
    g_autofree char *signal = g_strconcat("notify::", enums[i].name, NULL);
    int count = 0, back = -1;
    gulong id = g_signal_connect(c, signal, G_CALLBACK(notify_cb), &count);
    g_object_set(c, enums[i].name, enums[i].value, NULL);
    g_object_set(c, enums[i].name, enums[i].value, NULL);
    g_object_get(c, enums[i].name, &back, NULL);
    g_assert_cmpint(count, ==, 1);
    g_assert_cmpint(back, ==, enums[i].value);
    g_signal_handler_disconnect(c, id);
  }
  for (guint i = 0; i < G_N_ELEMENTS(strings); i++) {
    g_autofree char *signal = g_strconcat("notify::", strings[i], NULL);
    g_autofree char *back = NULL;
    int count = 0;
    gulong id = g_signal_connect(c, signal, G_CALLBACK(notify_cb), &count);
    g_object_set(c, strings[i], "value", NULL);
    g_object_set(c, strings[i], "value", NULL);
    g_object_get(c, strings[i], &back, NULL);
    g_assert_cmpint(count, ==, 1);
    g_assert_cmpstr(back, ==, "value");
    g_signal_handler_disconnect(c, id);
  }
  {
    int count = 0;
    CsGradingScheme scheme = CS_GRADING_SHINOHARA2022;
    g_signal_connect(study, "notify::grading-scheme", G_CALLBACK(notify_cb), &count);
    g_object_set(study, "grading-scheme", CS_GRADING_BLAND2000, NULL);
    g_object_set(study, "grading-scheme", CS_GRADING_BLAND2000, NULL);
    g_object_get(study, "grading-scheme", &scheme, NULL);
    g_assert_cmpint(count, ==, 1);
    g_assert_cmpint(scheme, ==, CS_GRADING_BLAND2000);
  }
  g_assert_true(cs_study_add_case(study, c, NULL));
  g_object_unref(c);
  /* The study holds the only reference left; both go when it does. */
  g_object_add_weak_pointer(G_OBJECT(c), (gpointer *)&c);
  g_assert_finalize_object(study);
  g_assert_null(c);
}

/* The DICOM region a spacing came from is written only when there is one, and a file written
 * before regions were kept (a "dicom" spacing without one) reads as the Pixel Spacing fallback. */
static void
test_spacing_region(void)
{
  static const char old_json[] = "{\"version\": 1, \"cases\": [{\"id\": \"a\", \"spacing\": "
                                 "{\"mm_per_px\": 0.3, \"source\": \"dicom\"}}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) old = cs_study_load_from_data(old_json, -1, NULL, &error);
  g_autoptr(CsStudy) loaded = NULL;
  g_autofree char *text = NULL;
  g_autofree char *label = NULL;
  CsSpacing spacing;
  CsCase *c;

  g_assert_no_error(error);
  c = cs_study_get_case(old, 0);
  spacing = cs_case_get_spacing(c);
  g_assert_cmpint(spacing.region, ==, CS_SPACING_NO_REGION);
  label = cs_spacing_dup_label(&spacing, FALSE);
  g_assert_cmpstr(label, ==, "DICOM pixel spacing (fallback)");
  text = cs_study_to_data(old, NULL);
  g_assert_null(strstr(text, "region"));
  g_clear_pointer(&text, g_free);
  g_clear_pointer(&label, g_free);

  g_assert_true(cs_case_set_spacing_full(c, 0.2623, CS_SPACING_SOURCE_DICOM, 0, &error));
  text = cs_study_to_data(old, NULL);
  g_assert_nonnull(strstr(text, "\"region\": 0"));
  loaded = cs_study_load_from_data(text, -1, NULL, &error);
  g_assert_no_error(error);
  spacing = cs_case_get_spacing(cs_study_get_case(loaded, 0));
  g_assert_cmpint(spacing.region, ==, 0);
  g_assert_cmpfloat(spacing.mm_per_px, ==, 0.2623);
  label = cs_spacing_dup_label(&spacing, FALSE);
  g_assert_cmpstr(label, ==, "DICOM region 0");
  g_assert_true(cs_study_equal(old, loaded));

  /* The region is part of where the spacing comes from: another one is another case. */
  g_assert_true(cs_case_set_spacing_full(c, 0.2623, CS_SPACING_SOURCE_DICOM, 1, &error));
  g_assert_false(cs_study_equal(old, loaded));
  g_assert_false(cs_case_set_spacing_full(c, 0.2623, CS_SPACING_SOURCE_MANUAL, 0, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
}

/* The per-study switch that lets reports name patients: off and absent by default, saved as a
 * boolean when on, read back, and a part of the study's equality. */
static void
test_identity_switch(void)
{
  g_autoptr(CsStudy) study = cs_study_new();
  g_autoptr(CsStudy) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *off = NULL;
  g_autofree char *on = NULL;
  guint notified = 0;

  g_assert_false(cs_study_get_identity_in_reports(study));
  off = cs_study_to_data(study, NULL);
  g_assert_null(strstr(off, "identity"));
  g_signal_connect_swapped(study, "notify::identity-in-reports", G_CALLBACK(g_atomic_int_inc),
                           &notified);
  cs_study_set_identity_in_reports(study, TRUE);
  cs_study_set_identity_in_reports(study, TRUE);
  g_assert_cmpuint(notified, ==, 1);
  g_assert_true(cs_study_get_dirty(study));
  on = cs_study_to_data(study, NULL);
  g_assert_nonnull(strstr(on, "\"identity_in_reports\": true"));
  loaded = cs_study_load_from_data(on, -1, NULL, &error);
  g_assert_no_error(error);
  g_assert_true(cs_study_get_identity_in_reports(loaded));
  g_assert_true(cs_study_equal(study, loaded));
  cs_study_set_identity_in_reports(loaded, FALSE);
  g_assert_false(cs_study_equal(study, loaded));
  g_clear_object(&loaded);

  loaded = cs_study_load_from_data("{\"version\": 1, \"identity_in_reports\": \"yes\"}", -1, NULL,
                                   &error);
  g_assert_null(loaded);
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/study/file/base-is-valid", test_base_is_valid);
  g_test_add_func("/study/file/validation-errors", test_validation_errors);
  g_test_add_func("/study/file/not-json", test_not_json);
  g_test_add_func("/study/file/damaged-files", test_damaged_files);
  g_test_add_func("/study/file/newer-version", test_newer_version);
  g_test_add_func("/study/file/load-errors", test_load_errors);
  g_test_add_func("/study/file/round-trip", test_round_trip);
  g_test_add_func("/study/file/spacing-region", test_spacing_region);
  g_test_add_func("/study/file/identity-switch", test_identity_switch);
  g_test_add_func("/study/file/writing-format", test_writing_format);
  g_test_add_func("/study/file/sweep-paths", test_sweep_paths);
  g_test_add_func("/study/file/measure-tracing", test_measure_tracing);
  g_test_add_func("/study/file/equal-sees-every-field", test_equal_sees_every_field);
  g_test_add_func("/study/file/changes", test_changes);
  g_test_add_func("/study/file/properties", test_properties);
  g_test_add_func("/study/file/case-rules", test_case_rules);
  return g_test_run();
}
