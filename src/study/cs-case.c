/* cs-case.c — one hand of a study: labels, nerve conduction, sweep, ROI, tracings, results
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The case object: its properties, its setters (which validate, then notify and emit "changed"
 * only when something changed) and its equality. The records it holds (tracings, model results,
 * ROI keyframes) and its enums are in cs-case-records.c, study.json's form in cs-case-json.c.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "cs-error.h"
#include "cs-polygon.h"
#include "cs-study-private.h"

struct _CsCase {
  GObject parent_instance;

  char *id;
  CsHand hand;
  CsGroup group;
  CsSplit split;
  char *sweep_path;
  double spacing_mm;
  CsSpacingSource spacing_source;
  int spacing_region; /* The DICOM Ultrasound Region of a DICOM spacing, or CS_SPACING_NO_REGION. */
  char *notes;
  CsNerveConduction ncs;
  int stage;
  CsGradingScheme stage_scheme;
  CsStageSource stage_source;
  GArray *roi;         /* CsRoiKeyframe, sorted by frame. */
  GPtrArray *tracings; /* CsTracing. */
  GPtrArray *results;  /* CsModelResult. */
  JsonObject *extra;
  CsStudy *study; /* Not a reference: the study owns the case. */
};

G_DEFINE_FINAL_TYPE(CsCase, cs_case, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_HAND,
  PROP_GROUP,
  PROP_SPLIT,
  PROP_SWEEP_PATH,
  PROP_SPACING_MM,
  PROP_SPACING_SOURCE,
  PROP_NOTES,
  PROP_STAGE,
  PROP_STAGE_SCHEME,
  PROP_STAGE_SOURCE,
  PROP_N_ROI_KEYFRAMES,
  PROP_N_TRACINGS,
  PROP_N_RESULTS,
  N_PROPS
};

enum { SIGNAL_CHANGED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The object. */

static void
emit_changed(CsCase *self, GParamSpec *pspec)
{
  if (pspec != NULL)
    g_object_notify_by_pspec(G_OBJECT(self), pspec);
  g_signal_emit(self, signals[SIGNAL_CHANGED], 0);
}

static void
cs_case_finalize(GObject *object)
{
  CsCase *self = CS_CASE(object);

  g_free(self->id);
  g_free(self->sweep_path);
  g_free(self->notes);
  g_array_unref(self->roi);
  g_ptr_array_unref(self->tracings);
  g_ptr_array_unref(self->results);
  g_clear_pointer(&self->extra, json_object_unref);
  G_OBJECT_CLASS(cs_case_parent_class)->finalize(object);
}

static void
cs_case_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CsCase *self = CS_CASE(object);

  switch (prop_id) {
    case PROP_ID:
      g_value_set_string(value, self->id);
      break;
    case PROP_HAND:
      g_value_set_enum(value, self->hand);
      break;
    case PROP_GROUP:
      g_value_set_enum(value, self->group);
      break;
    case PROP_SPLIT:
      g_value_set_enum(value, self->split);
      break;
    case PROP_SWEEP_PATH:
      g_value_set_string(value, self->sweep_path);
      break;
    case PROP_SPACING_MM:
      g_value_set_double(value, self->spacing_mm);
      break;
    case PROP_SPACING_SOURCE:
      g_value_set_enum(value, self->spacing_source);
      break;
    case PROP_NOTES:
      g_value_set_string(value, self->notes);
      break;
    case PROP_STAGE:
      g_value_set_int(value, self->stage);
      break;
    case PROP_STAGE_SCHEME:
      g_value_set_enum(value, self->stage_scheme);
      break;
    case PROP_STAGE_SOURCE:
      g_value_set_enum(value, self->stage_source);
      break;
    case PROP_N_ROI_KEYFRAMES:
      g_value_set_uint(value, self->roi->len);
      break;
    case PROP_N_TRACINGS:
      g_value_set_uint(value, self->tracings->len);
      break;
    case PROP_N_RESULTS:
      g_value_set_uint(value, self->results->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_case_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CsCase *self = CS_CASE(object);
  g_autoptr(GError) error = NULL;

  switch (prop_id) {
    case PROP_ID:
      if (!cs_case_set_id(self, g_value_get_string(value), &error))
        g_warning("%s", error->message);
      break;
    case PROP_HAND:
      cs_case_set_hand(self, g_value_get_enum(value));
      break;
    case PROP_GROUP:
      cs_case_set_group(self, g_value_get_enum(value));
      break;
    case PROP_SPLIT:
      cs_case_set_split(self, g_value_get_enum(value));
      break;
    case PROP_SWEEP_PATH:
      cs_case_set_sweep_path(self, g_value_get_string(value));
      break;
    case PROP_NOTES:
      cs_case_set_notes(self, g_value_get_string(value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_case_class_init(CsCaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cs_case_finalize;
  object_class->get_property = cs_case_get_property;
  object_class->set_property = cs_case_set_property;

  properties[PROP_ID] = g_param_spec_string("id", NULL, NULL, NULL, rw);
  properties[PROP_HAND] = g_param_spec_enum("hand", NULL, NULL, CS_TYPE_HAND, CS_HAND_UNKNOWN, rw);
  properties[PROP_GROUP] =
      g_param_spec_enum("group", NULL, NULL, CS_TYPE_GROUP, CS_GROUP_UNKNOWN, rw);
  properties[PROP_SPLIT] =
      g_param_spec_enum("split", NULL, NULL, CS_TYPE_SPLIT, CS_SPLIT_UNASSIGNED, rw);
  properties[PROP_SWEEP_PATH] = g_param_spec_string("sweep-path", NULL, NULL, NULL, rw);
  properties[PROP_SPACING_MM] = g_param_spec_double("spacing-mm", NULL, NULL, 0, 10, 0, ro);
  properties[PROP_SPACING_SOURCE] = g_param_spec_enum(
      "spacing-source", NULL, NULL, CS_TYPE_STUDY_SPACING_SOURCE, CS_SPACING_SOURCE_UNKNOWN, ro);
  properties[PROP_NOTES] = g_param_spec_string("notes", NULL, NULL, NULL, rw);
  properties[PROP_STAGE] = g_param_spec_int("stage", NULL, NULL, -1, 6, -1, ro);
  properties[PROP_STAGE_SCHEME] = g_param_spec_enum(
      "stage-scheme", NULL, NULL, CS_TYPE_GRADING_SCHEME, CS_GRADING_SHINOHARA2022, ro);
  properties[PROP_STAGE_SOURCE] = g_param_spec_enum(
      "stage-source", NULL, NULL, CS_TYPE_STAGE_SOURCE, CS_STAGE_SOURCE_COMPUTED, ro);
  /* Counts, so a list row can show "analysed" or "traced" by binding. */
  properties[PROP_N_ROI_KEYFRAMES] =
      g_param_spec_uint("n-roi-keyframes", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_TRACINGS] = g_param_spec_uint("n-tracings", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_RESULTS] = g_param_spec_uint("n-results", NULL, NULL, 0, G_MAXUINT, 0, ro);
  g_object_class_install_properties(object_class, N_PROPS, properties);

  /* Emitted after any change to the case, including its keyframes, tracings and results. */
  signals[SIGNAL_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cs_case_init(CsCase *self)
{
  cs_nerve_conduction_init(&self->ncs);
  self->stage = -1;
  self->spacing_region = CS_SPACING_NO_REGION;
  self->stage_scheme = CS_GRADING_SHINOHARA2022;
  self->stage_source = CS_STAGE_SOURCE_COMPUTED;
  self->roi = g_array_new(FALSE, FALSE, sizeof(CsRoiKeyframe));
  self->tracings = g_ptr_array_new_with_free_func((GDestroyNotify)cs_tracing_free);
  self->results = g_ptr_array_new_with_free_func((GDestroyNotify)cs_model_result_free);
}

CsCase *
cs_case_new(const char *id)
{
  CsCase *self;

  g_return_val_if_fail(id != NULL && id[0] != '\0', NULL);
  self = g_object_new(CS_TYPE_CASE, NULL);
  self->id = g_strdup(id);
  return self;
}

const char *
cs_case_get_id(CsCase *self)
{
  g_return_val_if_fail(CS_IS_CASE(self), NULL);
  return self->id;
}

gboolean
cs_case_set_id(CsCase *self, const char *id, GError **error)
{
  g_return_val_if_fail(CS_IS_CASE(self), FALSE);
  if (id == NULL || id[0] == '\0')
    return cs_study_fail(error, NULL, "id", "must be a non-empty string");
  if (g_strcmp0(self->id, id) == 0)
    return TRUE;
  if (self->study != NULL && cs_study_has_other_case_id(self->study, id, self))
    return cs_study_fail(error, NULL, "id", "\"%s\" is already the id of another case", id);
  g_free(self->id);
  self->id = g_strdup(id);
  emit_changed(self, properties[PROP_ID]);
  return TRUE;
}

#define ENUM_ACCESSORS(Type, field, PROP)            \
  Type cs_case_get_##field(CsCase *self)             \
  {                                                  \
    g_return_val_if_fail(CS_IS_CASE(self), 0);       \
    return self->field;                              \
  }                                                  \
  void cs_case_set_##field(CsCase *self, Type value) \
  {                                                  \
    g_return_if_fail(CS_IS_CASE(self));              \
    if (self->field == value)                        \
      return;                                        \
    self->field = value;                             \
    emit_changed(self, properties[PROP]);            \
  }

ENUM_ACCESSORS(CsHand, hand, PROP_HAND)
ENUM_ACCESSORS(CsGroup, group, PROP_GROUP)
ENUM_ACCESSORS(CsSplit, split, PROP_SPLIT)

const char *
cs_case_get_sweep_path(CsCase *self)
{
  g_return_val_if_fail(CS_IS_CASE(self), NULL);
  return self->sweep_path;
}

/* Empty strings are stored as NULL so that "" and absent mean one thing in the file. */
static gboolean
replace_string(char **slot, const char *value)
{
  if (value != NULL && value[0] == '\0')
    value = NULL;
  if (g_strcmp0(*slot, value) == 0)
    return FALSE;
  g_free(*slot);
  *slot = g_strdup(value);
  return TRUE;
}

void
cs_case_set_sweep_path(CsCase *self, const char *path)
{
  g_return_if_fail(CS_IS_CASE(self));
  if (replace_string(&self->sweep_path, path))
    emit_changed(self, properties[PROP_SWEEP_PATH]);
}

double
cs_case_get_spacing_mm(CsCase *self)
{
  g_return_val_if_fail(CS_IS_CASE(self), 0.0);
  return self->spacing_mm;
}

CsSpacingSource
cs_case_get_spacing_source(CsCase *self)
{
  g_return_val_if_fail(CS_IS_CASE(self), CS_SPACING_SOURCE_UNKNOWN);
  return self->spacing_source;
}

CsSpacing
cs_case_get_spacing(CsCase *self)
{
  g_return_val_if_fail(CS_IS_CASE(self), cs_spacing_unknown());
  if (self->spacing_region >= 0)
    return cs_spacing_new_dicom_region(self->spacing_mm, self->spacing_region);
  return cs_spacing_new(self->spacing_mm, self->spacing_source);
}

gboolean
cs_case_set_spacing(CsCase *self, double spacing_mm, CsSpacingSource source, GError **error)
{
  return cs_case_set_spacing_full(self, spacing_mm, source, CS_SPACING_NO_REGION, error);
}

gboolean
cs_case_set_spacing_full(CsCase *self, double spacing_mm, CsSpacingSource source, int region,
                         GError **error)
{
  gboolean spacing_changed, source_changed;

  g_return_val_if_fail(CS_IS_CASE(self), FALSE);
  if (source == CS_SPACING_SOURCE_UNKNOWN && spacing_mm != 0.0)
    return cs_study_fail(error, "spacing", "mm_per_px",
                         "a spacing needs its source (phantom-truth, study, manual or dicom)");
  if (source != CS_SPACING_SOURCE_UNKNOWN && !(spacing_mm > 0.0 && spacing_mm <= 10.0))
    return cs_study_fail(error, "spacing", "mm_per_px", "must be > 0 and <= 10 mm per pixel");
  if (source > CS_SPACING_SOURCE_DICOM)
    return cs_study_fail(error, "spacing", "source", "unknown source");
  if (region != CS_SPACING_NO_REGION && (region < 0 || source != CS_SPACING_SOURCE_DICOM))
    return cs_study_fail(error, "spacing", "region",
                         "only a \"dicom\" spacing has a region, a number >= 0");
  spacing_changed = self->spacing_mm != spacing_mm;
  /* A change of region is a change of where the spacing comes from. */
  source_changed = self->spacing_source != source || self->spacing_region != region;
  if (!spacing_changed && !source_changed)
    return TRUE;
  self->spacing_mm = spacing_mm;
  self->spacing_source = source;
  self->spacing_region = region;
  if (spacing_changed)
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_SPACING_MM]);
  emit_changed(self, source_changed ? properties[PROP_SPACING_SOURCE] : NULL);
  return TRUE;
}

const char *
cs_case_get_notes(CsCase *self)
{
  g_return_val_if_fail(CS_IS_CASE(self), NULL);
  return self->notes;
}

void
cs_case_set_notes(CsCase *self, const char *notes)
{
  g_return_if_fail(CS_IS_CASE(self));
  if (replace_string(&self->notes, notes))
    emit_changed(self, properties[PROP_NOTES]);
}

void
cs_case_get_nerve_conduction(CsCase *self, CsNerveConduction *out)
{
  g_return_if_fail(CS_IS_CASE(self));
  *out = self->ncs;
}

/* Sets the stage fields and notifies what changed; returns whether anything did. */
static gboolean
store_stage(CsCase *self, CsGradingScheme scheme, int stage, CsStageSource source)
{
  gboolean changed = FALSE;

  if (self->stage != stage) {
    self->stage = stage;
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_STAGE]);
    changed = TRUE;
  }
  if (self->stage_scheme != scheme) {
    self->stage_scheme = scheme;
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_STAGE_SCHEME]);
    changed = TRUE;
  }
  if (self->stage_source != source) {
    self->stage_source = source;
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_STAGE_SOURCE]);
    changed = TRUE;
  }
  return changed;
}

static int
computed_stage(const CsNerveConduction *ncs, CsGradingScheme scheme, GError **error)
{
  return cs_grading_compute(scheme, ncs, NULL, error);
}

gboolean
cs_case_set_nerve_conduction(CsCase *self, const CsNerveConduction *ncs, GError **error)
{
  gboolean changed;

  g_return_val_if_fail(CS_IS_CASE(self), FALSE);
  g_return_val_if_fail(ncs != NULL, FALSE);
  if (!cs_nerve_conduction_validate(ncs, "ncs", error))
    return FALSE;
  changed = !cs_nerve_conduction_equal(&self->ncs, ncs);
  self->ncs = *ncs;
  if (self->stage_source == CS_STAGE_SOURCE_COMPUTED)
    changed |= store_stage(self, self->stage_scheme, computed_stage(ncs, self->stage_scheme, NULL),
                           self->stage_source);
  if (changed)
    emit_changed(self, NULL);
  return TRUE;
}

int
cs_case_get_stage(CsCase *self)
{
  g_return_val_if_fail(CS_IS_CASE(self), -1);
  return self->stage;
}

CsGradingScheme
cs_case_get_stage_scheme(CsCase *self)
{
  g_return_val_if_fail(CS_IS_CASE(self), CS_GRADING_SHINOHARA2022);
  return self->stage_scheme;
}

CsStageSource
cs_case_get_stage_source(CsCase *self)
{
  g_return_val_if_fail(CS_IS_CASE(self), CS_STAGE_SOURCE_COMPUTED);
  return self->stage_source;
}

gboolean
cs_case_set_stage_manual(CsCase *self, CsGradingScheme scheme, int stage, GError **error)
{
  int lo, hi;

  g_return_val_if_fail(CS_IS_CASE(self), FALSE);
  if (scheme != CS_GRADING_SHINOHARA2022 && scheme != CS_GRADING_BLAND2000)
    return cs_study_fail(error, "stage", "scheme", "unknown grading scheme");
  if (stage < 0) {
    /* Clearing a hand-entered stage hands it back to the nerve-conduction values. */
    if (store_stage(self, scheme, computed_stage(&self->ncs, scheme, NULL),
                    CS_STAGE_SOURCE_COMPUTED))
      emit_changed(self, NULL);
    return TRUE;
  }
  cs_grading_scheme_get_range(scheme, &lo, &hi);
  if (stage < lo || stage > hi)
    return cs_study_fail(error, "stage", "value", "must be %d to %d under %s", lo, hi,
                         cs_grading_scheme_to_string(scheme));
  if (store_stage(self, scheme, stage, CS_STAGE_SOURCE_MANUAL))
    emit_changed(self, NULL);
  return TRUE;
}

int
cs_case_compute_stage(CsCase *self, CsGradingScheme scheme, GError **error)
{
  int stage;

  g_return_val_if_fail(CS_IS_CASE(self), -1);
  stage = computed_stage(&self->ncs, scheme, error);
  if (store_stage(self, scheme, stage, CS_STAGE_SOURCE_COMPUTED))
    emit_changed(self, NULL);
  return stage;
}

void
cs_case_restore_stage(CsCase *self, CsGradingScheme scheme, int stage, CsStageSource source)
{
  self->stage = stage;
  self->stage_scheme = scheme;
  self->stage_source = source;
}

guint
cs_case_get_n_roi_keyframes(CsCase *self)
{
  g_return_val_if_fail(CS_IS_CASE(self), 0);
  return self->roi->len;
}

const CsRoiKeyframe *
cs_case_get_roi_keyframe(CsCase *self, guint index)
{
  g_return_val_if_fail(CS_IS_CASE(self), NULL);
  g_return_val_if_fail(index < self->roi->len, NULL);
  return &g_array_index(self->roi, CsRoiKeyframe, index);
}

gboolean
cs_case_set_roi_keyframe(CsCase *self, const CsRoiKeyframe *keyframe, GError **error)
{
  guint i;

  g_return_val_if_fail(CS_IS_CASE(self), FALSE);
  g_return_val_if_fail(keyframe != NULL, FALSE);
  if (!cs_roi_keyframe_validate(keyframe, "roi", error))
    return FALSE;
  if (self->roi->len > 0 &&
      !(self->roi->len == 1 &&
        g_array_index(self->roi, CsRoiKeyframe, 0).frame == keyframe->frame)) {
    const CsRoiKeyframe *first = &g_array_index(self->roi, CsRoiKeyframe, 0);
    if ((first->size_px != 0.0) != (keyframe->size_px != 0.0))
      return cs_study_fail(error, "roi", keyframe->size_px != 0.0 ? "size_px" : "size_mm",
                           "the case's keyframes are in %s; every keyframe uses one unit",
                           first->size_px != 0.0 ? "px" : "mm");
  }
  for (i = 0; i < self->roi->len; i++) {
    CsRoiKeyframe *existing = &g_array_index(self->roi, CsRoiKeyframe, i);
    if (existing->frame == keyframe->frame) {
      if (memcmp(existing, keyframe, sizeof *keyframe) == 0)
        return TRUE;
      *existing = *keyframe;
      emit_changed(self, NULL);
      return TRUE;
    }
    if (existing->frame > keyframe->frame)
      break;
  }
  g_array_insert_val(self->roi, i, *keyframe);
  emit_changed(self, properties[PROP_N_ROI_KEYFRAMES]);
  return TRUE;
}

gboolean
cs_case_remove_roi_keyframe(CsCase *self, gint64 frame)
{
  g_return_val_if_fail(CS_IS_CASE(self), FALSE);
  for (guint i = 0; i < self->roi->len; i++) {
    if (g_array_index(self->roi, CsRoiKeyframe, i).frame == frame) {
      g_array_remove_index(self->roi, i);
      emit_changed(self, properties[PROP_N_ROI_KEYFRAMES]);
      return TRUE;
    }
  }
  return FALSE;
}

void
cs_case_clear_roi_keyframes(CsCase *self)
{
  g_return_if_fail(CS_IS_CASE(self));
  if (self->roi->len == 0)
    return;
  g_array_set_size(self->roi, 0);
  emit_changed(self, properties[PROP_N_ROI_KEYFRAMES]);
}

CsRoiTrack *
cs_case_dup_roi_track(CsCase *self)
{
  CsRoiTrack *track;
  gboolean in_px;

  g_return_val_if_fail(CS_IS_CASE(self), NULL);
  if (self->roi->len == 0)
    return NULL;
  in_px = g_array_index(self->roi, CsRoiKeyframe, 0).size_px != 0.0;
  track = cs_roi_track_new(in_px ? CS_ROI_UNIT_PX : CS_ROI_UNIT_MM);
  for (guint i = 0; i < self->roi->len; i++) {
    const CsRoiKeyframe *k = &g_array_index(self->roi, CsRoiKeyframe, i);
    cs_roi_track_set_key(track, (int)k->frame, k->x, k->y, in_px ? k->size_px : k->size_mm);
  }
  return track;
}

char *
cs_case_dup_roi_hash(CsCase *self)
{
  g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
  char line[256];

  g_return_val_if_fail(CS_IS_CASE(self), NULL);
  /* A canonical text of everything that decides the crops a model sees: the keyframes and the
   * spacing that turns their mm into pixels. The sweep path is left out so moving a study's
   * folder does not make its results stale. */
  g_snprintf(line, sizeof line, "roi-v1 spacing %.17g %d\n", self->spacing_mm,
             (int)self->spacing_source);
  g_checksum_update(checksum, (const guchar *)line, -1);
  for (guint i = 0; i < self->roi->len; i++) {
    const CsRoiKeyframe *k = &g_array_index(self->roi, CsRoiKeyframe, i);
    g_snprintf(line, sizeof line, "%" G_GINT64_FORMAT " %.17g %.17g %.17g %.17g\n", k->frame, k->x,
               k->y, k->size_mm, k->size_px);
    g_checksum_update(checksum, (const guchar *)line, -1);
  }
  return g_strdup(g_checksum_get_string(checksum));
}

guint
cs_case_get_n_tracings(CsCase *self)
{
  g_return_val_if_fail(CS_IS_CASE(self), 0);
  return self->tracings->len;
}

const CsTracing *
cs_case_get_tracing(CsCase *self, guint index)
{
  g_return_val_if_fail(CS_IS_CASE(self), NULL);
  g_return_val_if_fail(index < self->tracings->len, NULL);
  return g_ptr_array_index(self->tracings, index);
}

int
cs_case_add_tracing(CsCase *self, const CsTracing *tracing, GError **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail(CS_IS_CASE(self), -1);
  g_return_val_if_fail(tracing != NULL, -1);
  path = g_strdup_printf("tracings[%u]", self->tracings->len);
  if (!cs_tracing_validate(tracing, path, error))
    return -1;
  g_ptr_array_add(self->tracings, cs_tracing_copy(tracing));
  emit_changed(self, properties[PROP_N_TRACINGS]);
  return (int)self->tracings->len - 1;
}

gboolean
cs_case_replace_tracing(CsCase *self, guint index, const CsTracing *tracing, GError **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail(CS_IS_CASE(self), FALSE);
  g_return_val_if_fail(index < self->tracings->len, FALSE);
  path = g_strdup_printf("tracings[%u]", index);
  if (!cs_tracing_validate(tracing, path, error))
    return FALSE;
  if (cs_tracing_equal(g_ptr_array_index(self->tracings, index), tracing))
    return TRUE;
  cs_tracing_free(g_ptr_array_index(self->tracings, index));
  g_ptr_array_index(self->tracings, index) = cs_tracing_copy(tracing);
  emit_changed(self, NULL);
  return TRUE;
}

void
cs_case_remove_tracing(CsCase *self, guint index)
{
  g_return_if_fail(CS_IS_CASE(self));
  g_return_if_fail(index < self->tracings->len);
  g_ptr_array_remove_index(self->tracings, index);
  emit_changed(self, properties[PROP_N_TRACINGS]);
}

gboolean
cs_case_measure_tracing(CsCase *self, guint index, CsPolygonMeasures *out)
{
  const CsTracing *tracing;

  g_return_val_if_fail(CS_IS_CASE(self), FALSE);
  g_return_val_if_fail(index < self->tracings->len, FALSE);
  tracing = g_ptr_array_index(self->tracings, index);
  return cs_polygon_measure(tracing->points, tracing->n_points,
                            self->spacing_source != CS_SPACING_SOURCE_UNKNOWN ? self->spacing_mm
                                                                              : NAN,
                            out) == CS_POLYGON_OK;
}

guint
cs_case_get_n_results(CsCase *self)
{
  g_return_val_if_fail(CS_IS_CASE(self), 0);
  return self->results->len;
}

const CsModelResult *
cs_case_get_result(CsCase *self, guint index)
{
  g_return_val_if_fail(CS_IS_CASE(self), NULL);
  g_return_val_if_fail(index < self->results->len, NULL);
  return g_ptr_array_index(self->results, index);
}

const CsModelResult *
cs_case_find_result(CsCase *self, const char *model_sha256)
{
  g_return_val_if_fail(CS_IS_CASE(self), NULL);
  for (guint i = 0; i < self->results->len; i++) {
    const CsModelResult *result = g_ptr_array_index(self->results, i);
    if (g_strcmp0(result->model_sha256, model_sha256) == 0)
      return result;
  }
  return NULL;
}

gboolean
cs_case_set_result(CsCase *self, const CsModelResult *result, GError **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail(CS_IS_CASE(self), FALSE);
  g_return_val_if_fail(result != NULL, FALSE);
  for (guint i = 0; i < self->results->len; i++) {
    CsModelResult *existing = g_ptr_array_index(self->results, i);
    if (g_strcmp0(existing->model_sha256, result->model_sha256) == 0) {
      path = g_strdup_printf("results[%u]", i);
      if (!cs_model_result_validate(result, path, error))
        return FALSE;
      if (cs_model_result_equal(existing, result))
        return TRUE;
      cs_model_result_free(existing);
      g_ptr_array_index(self->results, i) = cs_model_result_copy(result);
      emit_changed(self, NULL);
      return TRUE;
    }
  }
  path = g_strdup_printf("results[%u]", self->results->len);
  if (!cs_model_result_validate(result, path, error))
    return FALSE;
  g_ptr_array_add(self->results, cs_model_result_copy(result));
  emit_changed(self, properties[PROP_N_RESULTS]);
  return TRUE;
}

void
cs_case_clear_results(CsCase *self)
{
  g_return_if_fail(CS_IS_CASE(self));
  if (self->results->len == 0)
    return;
  g_ptr_array_set_size(self->results, 0);
  emit_changed(self, properties[PROP_N_RESULTS]);
}

gboolean
cs_case_result_is_stale(CsCase *self, const CsModelResult *result, const char *model_sha256)
{
  g_autofree char *roi_hash = NULL;

  g_return_val_if_fail(CS_IS_CASE(self), TRUE);
  g_return_val_if_fail(result != NULL, TRUE);
  if (model_sha256 != NULL && g_strcmp0(model_sha256, result->model_sha256) != 0)
    return TRUE;
  roi_hash = cs_case_dup_roi_hash(self);
  return g_strcmp0(roi_hash, result->roi_hash) != 0;
}

JsonObject *
cs_case_get_extra(CsCase *self)
{
  return self->extra;
}

void
cs_case_set_extra(CsCase *self, JsonObject *extra)
{
  g_clear_pointer(&self->extra, json_object_unref);
  self->extra = extra != NULL ? json_object_ref(extra) : NULL;
}

CsStudy *
cs_case_get_study(CsCase *self)
{
  return self->study;
}

void
cs_case_set_study(CsCase *self, CsStudy *study)
{
  self->study = study;
}

static gboolean
json_object_equal_or_null(JsonObject *a, JsonObject *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return json_object_equal(a, b);
}

gboolean
cs_case_equal(CsCase *a, CsCase *b)
{
  g_return_val_if_fail(CS_IS_CASE(a) && CS_IS_CASE(b), FALSE);
  if (g_strcmp0(a->id, b->id) != 0 || a->hand != b->hand || a->group != b->group ||
      a->split != b->split || g_strcmp0(a->sweep_path, b->sweep_path) != 0 ||
      a->spacing_mm != b->spacing_mm || a->spacing_source != b->spacing_source ||
      a->spacing_region != b->spacing_region || g_strcmp0(a->notes, b->notes) != 0 ||
      !cs_nerve_conduction_equal(&a->ncs, &b->ncs) || a->stage != b->stage ||
      a->stage_scheme != b->stage_scheme || a->stage_source != b->stage_source ||
      a->roi->len != b->roi->len || a->tracings->len != b->tracings->len ||
      a->results->len != b->results->len || !json_object_equal_or_null(a->extra, b->extra))
    return FALSE;
  if (a->roi->len > 0 &&
      memcmp(a->roi->data, b->roi->data, sizeof(CsRoiKeyframe) * a->roi->len) != 0)
    return FALSE;
  for (guint i = 0; i < a->tracings->len; i++)
    if (!cs_tracing_equal(g_ptr_array_index(a->tracings, i), g_ptr_array_index(b->tracings, i)))
      return FALSE;
  for (guint i = 0; i < a->results->len; i++)
    if (!cs_model_result_equal(g_ptr_array_index(a->results, i), g_ptr_array_index(b->results, i)))
      return FALSE;
  return TRUE;
}
