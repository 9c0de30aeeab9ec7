/* cs-study-history.c — undo and redo of the edits of a study
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A step is a snapshot of what the user made: the study's name, notes and scheme and each case
 * as study.json writes it, without its results. Undo and redo apply a snapshot to the live
 * study in place: a case whose id is in both is set field by field (so the window's objects
 * stay and show the change), the others are added or removed, and the order is the snapshot's.
 * Every case object seen is remembered by its id, so a case removed or renamed comes back as
 * the same object with its results.
 */
#include "config.h"

#include "cs-study-history.h"

#include "cs-study-edit.h"
#include "cs-study-private.h"

struct _CsStudyHistory {
  GObject parent_instance;

  CsStudy *study; /* Weak: the history lives no longer than its window's study. */
  gulong changed_id;
  GPtrArray *undo;    /* char * snapshots, oldest first */
  GPtrArray *redo;    /* char * snapshots, newest last */
  char *current;      /* The snapshot of the study as of the last step. */
  GHashTable *seen;   /* id -> the last CsCase seen with it, kept for its results */
  guint quiet_source; /* Ends the step once the study has been quiet. */
  gboolean applying;  /* Changes made by undo or redo are no step. */
};

G_DEFINE_FINAL_TYPE(CsStudyHistory, cs_study_history, G_TYPE_OBJECT)

enum { PROP_0, PROP_CAN_UNDO, PROP_CAN_REDO, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* Snapshots. */

static JsonNode *
case_node(CsCase *c)
{
  JsonNode *node = cs_case_to_json(c, cs_case_get_sweep_path(c));

  json_object_remove_member(json_node_get_object(node), "results");
  return node;
}

static void
add_string_or_null(JsonBuilder *builder, const char *key, const char *value)
{
  json_builder_set_member_name(builder, key);
  if (value != NULL)
    json_builder_add_string_value(builder, value);
  else
    json_builder_add_null_value(builder);
}

static char *
snapshot(CsStudy *study)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GString) out = g_string_new(NULL);

  json_builder_begin_object(builder);
  add_string_or_null(builder, "name", cs_study_get_name(study));
  add_string_or_null(builder, "notes", cs_study_get_notes(study));
  json_builder_set_member_name(builder, "grading_scheme");
  json_builder_add_int_value(builder, cs_study_get_grading_scheme(study));
  json_builder_set_member_name(builder, "cases");
  json_builder_begin_array(builder);
  for (guint i = 0; i < cs_study_get_n_cases(study); i++)
    json_builder_add_value(builder, case_node(cs_study_get_case(study, i)));
  json_builder_end_array(builder);
  json_builder_end_object(builder);
  root = json_builder_get_root(builder);
  cs_study_print_json(out, root, 0);
  return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Applying a snapshot. */

/* Sets every field of @to that a snapshot holds from @from (a case read from the snapshot). */
static void
assign_case(CsCase *to, CsCase *from)
{
  CsNerveConduction ncs;
  CsGradingScheme scheme = cs_case_get_stage_scheme(from);
  int stage = cs_case_get_stage(from);
  CsStageSource source = cs_case_get_stage_source(from);

  cs_case_set_hand(to, cs_case_get_hand(from));
  cs_case_set_group(to, cs_case_get_group(from));
  cs_case_set_split(to, cs_case_get_split(from));
  cs_case_set_sweep_path(to, cs_case_get_sweep_path(from));
  cs_case_set_spacing_full(to, cs_case_get_spacing_mm(from), cs_case_get_spacing_source(from),
                           cs_case_get_spacing(from).region, NULL);
  cs_case_set_notes(to, cs_case_get_notes(from));
  cs_case_get_nerve_conduction(from, &ncs);
  cs_case_set_nerve_conduction(to, &ncs, NULL);
  if (source == CS_STAGE_SOURCE_COMPUTED && stage >= 0)
    cs_case_compute_stage(to, scheme, NULL);
  else
    cs_case_set_stage_manual(to, scheme, stage, NULL);
  cs_case_restore_stage(to, scheme, stage, source);
  if (cs_case_get_n_roi_keyframes(to) > 0)
    cs_case_clear_roi_keyframes(to);
  for (guint i = 0; i < cs_case_get_n_roi_keyframes(from); i++)
    cs_case_set_roi_keyframe(to, cs_case_get_roi_keyframe(from, i), NULL);
  while (cs_case_get_n_tracings(to) > 0)
    cs_case_remove_tracing(to, cs_case_get_n_tracings(to) - 1);
  for (guint i = 0; i < cs_case_get_n_tracings(from); i++)
    cs_case_add_tracing(to, cs_case_get_tracing(from, i), NULL);
  cs_case_set_extra(to, cs_case_get_extra(from));
}

/* Remembers the study's cases by id, so that one removed or renamed comes back as itself. */
static void
remember_cases(CsStudyHistory *self)
{
  for (guint i = 0; i < cs_study_get_n_cases(self->study); i++) {
    CsCase *c = cs_study_get_case(self->study, i);

    g_hash_table_replace(self->seen, g_strdup(cs_case_get_id(c)), g_object_ref(c));
  }
}

/* The case that becomes position @index: the live one of that id set from @from, or the one
 * last seen with that id when it is in no study now (with its results), or @from itself. */
static void
place_case(CsStudyHistory *self, guint index, CsCase *from)
{
  const char *id = cs_case_get_id(from);
  CsCase *live = cs_study_find_case(self->study, id);
  CsCase *seen = g_hash_table_lookup(self->seen, id);
  g_autoptr(CsCase) c = NULL;

  if (live != NULL) {
    assign_case(live, from);
    if (cs_study_get_case_index(self->study, live) == (int)index)
      return;
    c = g_object_ref(live);
    cs_study_remove_case(self->study, id);
  } else if (seen != NULL && cs_case_get_study(seen) == NULL) {
    c = g_object_ref(seen);
    cs_case_set_id(c, id, NULL);
    assign_case(c, from);
  } else {
    c = g_object_ref(from);
  }
  cs_study_insert_case(self->study, index, c, NULL);
}

static void
apply(CsStudyHistory *self, const char *data)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *root;
  JsonArray *cases;
  g_autoptr(GHashTable) keep = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) wanted = g_ptr_array_new_with_free_func(g_object_unref);

  if (!json_parser_load_from_data(parser, data, -1, NULL))
    g_return_if_reached();
  root = json_node_get_object(json_parser_get_root(parser));
  cases = json_object_get_array_member(root, "cases");
  for (guint i = 0; i < json_array_get_length(cases); i++) {
    CsCase *c = cs_case_from_json(json_array_get_element(cases, i), "", NULL);

    g_return_if_fail(c != NULL);
    g_ptr_array_add(wanted, c);
    g_hash_table_add(keep, (gpointer)cs_case_get_id(c));
  }

  self->applying = TRUE;
  remember_cases(self);
  /* Cases the snapshot does not hold leave the study (remembered, results and all). */
  for (guint i = cs_study_get_n_cases(self->study); i-- > 0;) {
    CsCase *c = cs_study_get_case(self->study, i);

    if (!g_hash_table_contains(keep, cs_case_get_id(c)))
      cs_study_remove_case(self->study, cs_case_get_id(c));
  }
  for (guint i = 0; i < wanted->len; i++)
    place_case(self, i, g_ptr_array_index(wanted, i));
  cs_study_set_name(self->study, json_object_get_string_member(root, "name"));
  cs_study_set_notes(self->study, json_object_get_string_member(root, "notes"));
  cs_study_set_grading_scheme(self->study,
                              (CsGradingScheme)json_object_get_int_member(root, "grading_scheme"));
  self->applying = FALSE;
}

/* Steps. */

static void
notify_state(CsStudyHistory *self, gboolean could_undo, gboolean could_redo)
{
  if (could_undo != cs_study_history_can_undo(self))
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_CAN_UNDO]);
  if (could_redo != cs_study_history_can_redo(self))
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_CAN_REDO]);
}

void
cs_study_history_checkpoint(CsStudyHistory *self)
{
  g_autofree char *now = NULL;
  gboolean could_undo, could_redo;

  g_return_if_fail(CS_IS_STUDY_HISTORY(self));

  g_clear_handle_id(&self->quiet_source, g_source_remove);
  if (self->study == NULL)
    return;
  now = snapshot(self->study);
  if (g_strcmp0(now, self->current) == 0) /* Nothing the user made changed (e.g. a result). */
    return;
  could_undo = cs_study_history_can_undo(self);
  could_redo = cs_study_history_can_redo(self);
  g_ptr_array_add(self->undo, g_steal_pointer(&self->current));
  if (self->undo->len > CS_STUDY_HISTORY_DEPTH)
    g_ptr_array_remove_index(self->undo, 0);
  g_ptr_array_set_size(self->redo, 0);
  self->current = g_steal_pointer(&now);
  remember_cases(self);
  notify_state(self, could_undo, could_redo);
}

static gboolean
quiet_cb(gpointer data)
{
  CsStudyHistory *self = data;

  self->quiet_source = 0;
  cs_study_history_checkpoint(self);
  return G_SOURCE_REMOVE;
}

static void
study_changed_cb(CsStudy *study, CsStudyHistory *self)
{
  gboolean could_undo = cs_study_history_can_undo(self);
  gboolean could_redo = cs_study_history_can_redo(self);

  if (self->applying)
    return;
  g_clear_handle_id(&self->quiet_source, g_source_remove);
  self->quiet_source = g_timeout_add(CS_STUDY_HISTORY_QUIET_MS, quiet_cb, self);
  notify_state(self, could_undo, could_redo);
}

/* Moves one snapshot from @from to @to and applies it. */
static gboolean
step(CsStudyHistory *self, GPtrArray *from, GPtrArray *to)
{
  gboolean could_undo, could_redo;
  char *target;

  cs_study_history_checkpoint(self);
  if (from->len == 0 || self->study == NULL)
    return FALSE;
  could_undo = cs_study_history_can_undo(self);
  could_redo = cs_study_history_can_redo(self);
  target = g_ptr_array_steal_index(from, from->len - 1);
  g_ptr_array_add(to, g_steal_pointer(&self->current));
  apply(self, target);
  g_free(target);
  /* The study as applied (the same as the target, written the same way). */
  self->current = snapshot(self->study);
  notify_state(self, could_undo, could_redo);
  return TRUE;
}

gboolean
cs_study_history_undo(CsStudyHistory *self)
{
  g_return_val_if_fail(CS_IS_STUDY_HISTORY(self), FALSE);
  return step(self, self->undo, self->redo);
}

gboolean
cs_study_history_redo(CsStudyHistory *self)
{
  g_return_val_if_fail(CS_IS_STUDY_HISTORY(self), FALSE);
  return step(self, self->redo, self->undo);
}

gboolean
cs_study_history_can_undo(CsStudyHistory *self)
{
  g_return_val_if_fail(CS_IS_STUDY_HISTORY(self), FALSE);
  return self->undo->len > 0 || self->quiet_source != 0;
}

gboolean
cs_study_history_can_redo(CsStudyHistory *self)
{
  g_return_val_if_fail(CS_IS_STUDY_HISTORY(self), FALSE);
  return self->redo->len > 0 && self->quiet_source == 0;
}

CsStudyHistory *
cs_study_history_new(CsStudy *study)
{
  CsStudyHistory *self;

  g_return_val_if_fail(CS_IS_STUDY(study), NULL);

  self = g_object_new(CS_TYPE_STUDY_HISTORY, NULL);
  self->study = study;
  g_object_add_weak_pointer(G_OBJECT(study), (gpointer *)&self->study);
  self->current = snapshot(study);
  remember_cases(self);
  self->changed_id = g_signal_connect(study, "changed", G_CALLBACK(study_changed_cb), self);
  return self;
}

static void
cs_study_history_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CsStudyHistory *self = CS_STUDY_HISTORY(object);

  switch (prop_id) {
    case PROP_CAN_UNDO:
      g_value_set_boolean(value, cs_study_history_can_undo(self));
      break;
    case PROP_CAN_REDO:
      g_value_set_boolean(value, cs_study_history_can_redo(self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_study_history_dispose(GObject *object)
{
  CsStudyHistory *self = CS_STUDY_HISTORY(object);

  g_clear_handle_id(&self->quiet_source, g_source_remove);
  if (self->study != NULL) {
    g_clear_signal_handler(&self->changed_id, self->study);
    g_object_remove_weak_pointer(G_OBJECT(self->study), (gpointer *)&self->study);
    self->study = NULL;
  }
  g_hash_table_remove_all(self->seen);
  G_OBJECT_CLASS(cs_study_history_parent_class)->dispose(object);
}

static void
cs_study_history_finalize(GObject *object)
{
  CsStudyHistory *self = CS_STUDY_HISTORY(object);

  g_ptr_array_unref(self->undo);
  g_ptr_array_unref(self->redo);
  g_free(self->current);
  g_hash_table_unref(self->seen);
  G_OBJECT_CLASS(cs_study_history_parent_class)->finalize(object);
}

static void
cs_study_history_class_init(CsStudyHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);

  object_class->get_property = cs_study_history_get_property;
  object_class->dispose = cs_study_history_dispose;
  object_class->finalize = cs_study_history_finalize;
  properties[PROP_CAN_UNDO] = g_param_spec_boolean("can-undo", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_REDO] = g_param_spec_boolean("can-redo", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
cs_study_history_init(CsStudyHistory *self)
{
  self->undo = g_ptr_array_new_with_free_func(g_free);
  self->redo = g_ptr_array_new_with_free_func(g_free);
  self->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
}
