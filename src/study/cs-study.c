/* cs-study.c — a study: its cases, study.json (schema-versioned, validated, saved atomically)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The study object, reading study.json and saving it. The file is printed by
 * cs-study-printer.c and written by cs-study-write.c; each case is read and written by
 * cs-case-json.c.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "cs-error.h"
#include "cs-json-guard.h"
#include "cs-study-private.h"

struct _CsStudy {
  GObject parent_instance;

  char *path;
  char *dir;
  char *name;
  char *notes;
  CsGradingScheme grading_scheme;
  gboolean identity_in_reports; /* The user let reports name the patients of DICOM sweeps. */
  GPtrArray *cases;             /* CsCase, owned. */
  JsonObject *extra;
  gboolean dirty;
  guint64 generation;
  CsDiskStamp disk; /* What the file held when loaded or last saved (cs-study-disk.c). */
};

static void cs_study_list_model_init(GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CsStudy, cs_study, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL, cs_study_list_model_init))

enum {
  PROP_0,
  PROP_PATH,
  PROP_DIRTY,
  PROP_NAME,
  PROP_NOTES,
  PROP_GRADING_SCHEME,
  PROP_IDENTITY_IN_REPORTS,
  PROP_N_ITEMS,
  N_PROPS
};

enum { SIGNAL_CHANGED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* GListModel. */

static GType
cs_study_get_item_type(GListModel *model)
{
  return CS_TYPE_CASE;
}

static guint
cs_study_get_n_items(GListModel *model)
{
  return CS_STUDY(model)->cases->len;
}

static gpointer
cs_study_get_item(GListModel *model, guint position)
{
  CsStudy *self = CS_STUDY(model);

  if (position >= self->cases->len)
    return NULL;
  return g_object_ref(g_ptr_array_index(self->cases, position));
}

static void
cs_study_list_model_init(GListModelInterface *iface)
{
  iface->get_item_type = cs_study_get_item_type;
  iface->get_n_items = cs_study_get_n_items;
  iface->get_item = cs_study_get_item;
}

/* Change tracking. */

static void
set_dirty(CsStudy *self, gboolean dirty)
{
  if (self->dirty == dirty)
    return;
  self->dirty = dirty;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_DIRTY]);
}

static void
mark_changed(CsStudy *self)
{
  self->generation++;
  set_dirty(self, TRUE);
  g_signal_emit(self, signals[SIGNAL_CHANGED], 0);
}

static void
case_changed_cb(CsCase *c, CsStudy *self)
{
  mark_changed(self);
}

static void
detach_case(CsStudy *self, CsCase *c)
{
  g_signal_handlers_disconnect_by_func(c, case_changed_cb, self);
  cs_case_set_study(c, NULL);
}

static void
cs_study_dispose(GObject *object)
{
  CsStudy *self = CS_STUDY(object);

  for (guint i = 0; i < self->cases->len; i++)
    detach_case(self, g_ptr_array_index(self->cases, i));
  g_ptr_array_set_size(self->cases, 0);
  G_OBJECT_CLASS(cs_study_parent_class)->dispose(object);
}

static void
cs_study_finalize(GObject *object)
{
  CsStudy *self = CS_STUDY(object);

  g_free(self->path);
  g_free(self->dir);
  g_free(self->name);
  g_free(self->notes);
  g_ptr_array_unref(self->cases);
  g_clear_pointer(&self->extra, json_object_unref);
  G_OBJECT_CLASS(cs_study_parent_class)->finalize(object);
}

static void
cs_study_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CsStudy *self = CS_STUDY(object);

  switch (prop_id) {
    case PROP_PATH:
      g_value_set_string(value, self->path);
      break;
    case PROP_DIRTY:
      g_value_set_boolean(value, self->dirty);
      break;
    case PROP_NAME:
      g_value_set_string(value, self->name);
      break;
    case PROP_NOTES:
      g_value_set_string(value, self->notes);
      break;
    case PROP_GRADING_SCHEME:
      g_value_set_enum(value, self->grading_scheme);
      break;
    case PROP_IDENTITY_IN_REPORTS:
      g_value_set_boolean(value, self->identity_in_reports);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint(value, self->cases->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_study_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CsStudy *self = CS_STUDY(object);

  switch (prop_id) {
    case PROP_NAME:
      cs_study_set_name(self, g_value_get_string(value));
      break;
    case PROP_NOTES:
      cs_study_set_notes(self, g_value_get_string(value));
      break;
    case PROP_GRADING_SCHEME:
      cs_study_set_grading_scheme(self, g_value_get_enum(value));
      break;
    case PROP_IDENTITY_IN_REPORTS:
      cs_study_set_identity_in_reports(self, g_value_get_boolean(value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_study_class_init(CsStudyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = cs_study_dispose;
  object_class->finalize = cs_study_finalize;
  object_class->get_property = cs_study_get_property;
  object_class->set_property = cs_study_set_property;

  properties[PROP_PATH] = g_param_spec_string("path", NULL, NULL, NULL, ro);
  properties[PROP_DIRTY] = g_param_spec_boolean("dirty", NULL, NULL, FALSE, ro);
  properties[PROP_NAME] = g_param_spec_string("name", NULL, NULL, NULL, rw);
  properties[PROP_NOTES] = g_param_spec_string("notes", NULL, NULL, NULL, rw);
  properties[PROP_GRADING_SCHEME] = g_param_spec_enum(
      "grading-scheme", NULL, NULL, CS_TYPE_GRADING_SCHEME, CS_GRADING_SHINOHARA2022, rw);
  properties[PROP_IDENTITY_IN_REPORTS] =
      g_param_spec_boolean("identity-in-reports", NULL, NULL, FALSE, rw);
  properties[PROP_N_ITEMS] = g_param_spec_uint("n-items", NULL, NULL, 0, G_MAXUINT, 0, ro);
  g_object_class_install_properties(object_class, N_PROPS, properties);

  /* Emitted after any change to the study or one of its cases (autosave listens to it). */
  signals[SIGNAL_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cs_study_init(CsStudy *self)
{
  self->cases = g_ptr_array_new_with_free_func(g_object_unref);
  self->grading_scheme = CS_GRADING_SHINOHARA2022;
}

CsStudy *
cs_study_new(void)
{
  return g_object_new(CS_TYPE_STUDY, NULL);
}

static void
set_path(CsStudy *self, const char *path)
{
  g_autofree char *absolute = g_canonicalize_filename(path, NULL);

  if (g_strcmp0(self->path, absolute) == 0)
    return;
  g_free(self->path);
  g_free(self->dir);
  self->path = g_steal_pointer(&absolute);
  self->dir = g_path_get_dirname(self->path);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PATH]);
}

const char *
cs_study_get_path(CsStudy *self)
{
  g_return_val_if_fail(CS_IS_STUDY(self), NULL);
  return self->path;
}

const char *
cs_study_get_dir(CsStudy *self)
{
  g_return_val_if_fail(CS_IS_STUDY(self), NULL);
  return self->dir;
}

CsDiskStamp *
cs_study_get_disk_stamp(CsStudy *self)
{
  return &self->disk;
}

void
cs_study_adopt_file(CsStudy *self, CsStudy *from)
{
  g_return_if_fail(CS_IS_STUDY(self) && CS_IS_STUDY(from) && from->path != NULL);
  set_path(self, from->path);
  self->disk = from->disk;
  mark_changed(self);
}

void
cs_study_copy_fields(CsStudy *self, CsStudy *from)
{
  g_return_if_fail(CS_IS_STUDY(self) && CS_IS_STUDY(from));
  cs_study_set_name(self, from->name);
  cs_study_set_notes(self, from->notes);
  cs_study_set_grading_scheme(self, from->grading_scheme);
  cs_study_set_identity_in_reports(self, from->identity_in_reports);
  g_clear_pointer(&self->extra, json_object_unref);
  if (from->extra != NULL)
    self->extra = json_object_ref(from->extra);
  mark_changed(self);
}

gboolean
cs_study_get_dirty(CsStudy *self)
{
  g_return_val_if_fail(CS_IS_STUDY(self), FALSE);
  return self->dirty;
}

guint64
cs_study_get_generation(CsStudy *self)
{
  g_return_val_if_fail(CS_IS_STUDY(self), 0);
  return self->generation;
}

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

const char *
cs_study_get_name(CsStudy *self)
{
  g_return_val_if_fail(CS_IS_STUDY(self), NULL);
  return self->name;
}

void
cs_study_set_name(CsStudy *self, const char *name)
{
  g_return_if_fail(CS_IS_STUDY(self));
  if (!replace_string(&self->name, name))
    return;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_NAME]);
  mark_changed(self);
}

const char *
cs_study_get_notes(CsStudy *self)
{
  g_return_val_if_fail(CS_IS_STUDY(self), NULL);
  return self->notes;
}

void
cs_study_set_notes(CsStudy *self, const char *notes)
{
  g_return_if_fail(CS_IS_STUDY(self));
  if (!replace_string(&self->notes, notes))
    return;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_NOTES]);
  mark_changed(self);
}

CsGradingScheme
cs_study_get_grading_scheme(CsStudy *self)
{
  g_return_val_if_fail(CS_IS_STUDY(self), CS_GRADING_SHINOHARA2022);
  return self->grading_scheme;
}

void
cs_study_set_grading_scheme(CsStudy *self, CsGradingScheme scheme)
{
  g_return_if_fail(CS_IS_STUDY(self));
  g_return_if_fail(scheme == CS_GRADING_SHINOHARA2022 || scheme == CS_GRADING_BLAND2000);
  if (self->grading_scheme == scheme)
    return;
  self->grading_scheme = scheme;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_GRADING_SCHEME]);
  mark_changed(self);
}

gboolean
cs_study_get_identity_in_reports(CsStudy *self)
{
  g_return_val_if_fail(CS_IS_STUDY(self), FALSE);
  return self->identity_in_reports;
}

void
cs_study_set_identity_in_reports(CsStudy *self, gboolean identity_in_reports)
{
  g_return_if_fail(CS_IS_STUDY(self));
  identity_in_reports = !!identity_in_reports;
  if (self->identity_in_reports == identity_in_reports)
    return;
  self->identity_in_reports = identity_in_reports;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_IDENTITY_IN_REPORTS]);
  mark_changed(self);
}

guint
cs_study_get_n_cases(CsStudy *self)
{
  g_return_val_if_fail(CS_IS_STUDY(self), 0);
  return self->cases->len;
}

CsCase *
cs_study_get_case(CsStudy *self, guint index)
{
  g_return_val_if_fail(CS_IS_STUDY(self), NULL);
  g_return_val_if_fail(index < self->cases->len, NULL);
  return g_ptr_array_index(self->cases, index);
}

CsCase *
cs_study_find_case(CsStudy *self, const char *id)
{
  g_return_val_if_fail(CS_IS_STUDY(self), NULL);
  for (guint i = 0; i < self->cases->len; i++) {
    CsCase *c = g_ptr_array_index(self->cases, i);
    if (g_strcmp0(cs_case_get_id(c), id) == 0)
      return c;
  }
  return NULL;
}

gboolean
cs_study_has_other_case_id(CsStudy *self, const char *id, CsCase *except)
{
  CsCase *found = cs_study_find_case(self, id);
  return found != NULL && found != except;
}

gboolean
cs_study_add_case(CsStudy *self, CsCase *c, GError **error)
{
  g_return_val_if_fail(CS_IS_STUDY(self), FALSE);
  return cs_study_insert_case(self, self->cases->len, c, error);
}

gboolean
cs_study_insert_case(CsStudy *self, guint index, CsCase *c, GError **error)
{
  g_return_val_if_fail(CS_IS_STUDY(self), FALSE);
  g_return_val_if_fail(CS_IS_CASE(c), FALSE);
  if (cs_case_get_study(c) != NULL)
    return cs_study_fail(error, NULL, "cases", "case \"%s\" already belongs to a study",
                         cs_case_get_id(c));
  if (cs_study_find_case(self, cs_case_get_id(c)) != NULL)
    return cs_study_fail(error, NULL, "cases", "a case with id \"%s\" already exists",
                         cs_case_get_id(c));
  index = MIN(index, self->cases->len);
  g_ptr_array_insert(self->cases, (gint)index, g_object_ref(c));
  cs_case_set_study(c, self);
  g_signal_connect(c, "changed", G_CALLBACK(case_changed_cb), self);
  g_list_model_items_changed(G_LIST_MODEL(self), index, 0, 1);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_N_ITEMS]);
  mark_changed(self);
  return TRUE;
}

gboolean
cs_study_remove_case(CsStudy *self, const char *id)
{
  g_return_val_if_fail(CS_IS_STUDY(self), FALSE);
  for (guint i = 0; i < self->cases->len; i++) {
    CsCase *c = g_ptr_array_index(self->cases, i);
    if (g_strcmp0(cs_case_get_id(c), id) == 0) {
      detach_case(self, c);
      g_ptr_array_remove_index(self->cases, i);
      g_list_model_items_changed(G_LIST_MODEL(self), i, 1, 0);
      g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_N_ITEMS]);
      mark_changed(self);
      return TRUE;
    }
  }
  return FALSE;
}

char *
cs_study_dup_sweep_path(CsStudy *self, CsCase *c)
{
  const char *sweep;

  g_return_val_if_fail(CS_IS_STUDY(self), NULL);
  g_return_val_if_fail(CS_IS_CASE(c), NULL);
  sweep = cs_case_get_sweep_path(c);
  if (sweep == NULL)
    return NULL;
  return g_canonicalize_filename(sweep, self->dir);
}

guint
cs_study_count_cases(CsStudy *self, CsSplit split, CsGroup group)
{
  guint n = 0;

  g_return_val_if_fail(CS_IS_STUDY(self), 0);
  for (guint i = 0; i < self->cases->len; i++) {
    CsCase *c = g_ptr_array_index(self->cases, i);
    if (cs_case_get_split(c) == split &&
        (group == CS_GROUP_UNKNOWN || cs_case_get_group(c) == group))
      n++;
  }
  return n;
}

gboolean
cs_study_equal(CsStudy *a, CsStudy *b)
{
  g_return_val_if_fail(CS_IS_STUDY(a) && CS_IS_STUDY(b), FALSE);
  if (g_strcmp0(a->name, b->name) != 0 || g_strcmp0(a->notes, b->notes) != 0 ||
      a->grading_scheme != b->grading_scheme || a->identity_in_reports != b->identity_in_reports ||
      a->cases->len != b->cases->len)
    return FALSE;
  if ((a->extra == NULL) != (b->extra == NULL) ||
      (a->extra != NULL && !json_object_equal(a->extra, b->extra)))
    return FALSE;
  for (guint i = 0; i < a->cases->len; i++)
    if (!cs_case_equal(g_ptr_array_index(a->cases, i), g_ptr_array_index(b->cases, i)))
      return FALSE;
  return TRUE;
}

/* Reading. */

static CsStudy *
study_from_json(JsonNode *root, const char *file_name, GError **error)
{
  static const char *const keys[] = { "version", "generator",      "name",
                                      "notes",   "grading_scheme", "identity_in_reports",
                                      "cases",   "extra",          NULL };
  g_autoptr(CsStudy) self = cs_study_new();
  JsonObject *object;
  JsonNode *version_node, *cases_node, *extra_node;
  gint64 version;
  g_autofree char *generator = NULL, *scheme_text = NULL;
  CsTristate identity = CS_TRISTATE_NO;
  JsonArray *cases;

  if (!JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s: the top level must be an object",
                file_name);
    return NULL;
  }
  object = json_node_get_object(root);

  /* The version comes first: a newer file may use keys this version does not know, and must be
   * refused for its version, not for those keys. */
  version_node = json_object_get_member(object, "version");
  if (version_node == NULL) {
    cs_study_fail(error, NULL, "version", "missing: %s is not a Carpalscope study", file_name);
    return NULL;
  }
  if (!JSON_NODE_HOLDS_VALUE(version_node) ||
      json_node_get_value_type(version_node) != G_TYPE_INT64) {
    cs_study_fail(error, NULL, "version", "must be an integer schema version");
    return NULL;
  }
  version = json_node_get_int(version_node);
  if (version > CS_STUDY_SCHEMA_VERSION) {
    g_set_error(error, CS_ERROR, CS_ERROR_NEWER_VERSION,
                "%s was written by a newer Carpalscope (schema %" G_GINT64_FORMAT
                "); this version reads schema %d",
                file_name, version, CS_STUDY_SCHEMA_VERSION);
    return NULL;
  }
  if (version < 1) {
    cs_study_fail(error, NULL, "version", "must be 1 to %d, not %" G_GINT64_FORMAT,
                  CS_STUDY_SCHEMA_VERSION, version);
    return NULL;
  }

  if (!cs_json_check_keys(object, "", keys, error) ||
      !cs_json_read_string(object, "", "generator", FALSE, &generator, error) ||
      !cs_json_read_string(object, "", "name", FALSE, &self->name, error) ||
      !cs_json_read_string(object, "", "notes", FALSE, &self->notes, error) ||
      !cs_json_read_string(object, "", "grading_scheme", FALSE, &scheme_text, error) ||
      !cs_json_read_bool(object, "", "identity_in_reports", &identity, error))
    return NULL;
  self->identity_in_reports = identity == CS_TRISTATE_YES;
  if (scheme_text != NULL && !cs_grading_scheme_from_string(scheme_text, &self->grading_scheme)) {
    cs_study_fail(error, NULL, "grading_scheme",
                  "\"%s\" is not one of \"shinohara2022\", \"bland2000\"", scheme_text);
    return NULL;
  }
  /* Empty strings and absent values mean the same; keep the in-memory form canonical. */
  if (self->name != NULL && self->name[0] == '\0')
    g_clear_pointer(&self->name, g_free);
  if (self->notes != NULL && self->notes[0] == '\0')
    g_clear_pointer(&self->notes, g_free);

  extra_node = json_object_get_member(object, "extra");
  if (extra_node != NULL && !JSON_NODE_HOLDS_NULL(extra_node)) {
    if (!JSON_NODE_HOLDS_OBJECT(extra_node)) {
      cs_study_fail(error, NULL, "extra", "must be an object");
      return NULL;
    }
    self->extra = json_object_ref(json_node_get_object(extra_node));
  }

  cases_node = json_object_get_member(object, "cases");
  if (cases_node == NULL) {
    cs_study_fail(error, NULL, "cases", "missing");
    return NULL;
  }
  if (!JSON_NODE_HOLDS_ARRAY(cases_node)) {
    cs_study_fail(error, NULL, "cases", "must be an array");
    return NULL;
  }
  cases = json_node_get_array(cases_node);
  for (guint i = 0; i < json_array_get_length(cases); i++) {
    g_autofree char *path = g_strdup_printf("cases[%u]", i);
    g_autoptr(CsCase) c = cs_case_from_json(json_array_get_element(cases, i), path, error);

    if (c == NULL)
      return NULL;
    for (guint j = 0; j < self->cases->len; j++)
      if (g_strcmp0(cs_case_get_id(g_ptr_array_index(self->cases, j)), cs_case_get_id(c)) == 0) {
        cs_study_fail(error, path, "id", "\"%s\" is already the id of cases[%u]", cs_case_get_id(c),
                      j);
        return NULL;
      }
    g_ptr_array_add(self->cases, g_object_ref(c));
    cs_case_set_study(c, self);
    g_signal_connect(c, "changed", G_CALLBACK(case_changed_cb), self);
  }
  return g_steal_pointer(&self);
}

static CsStudy *
load_from_data(const char *data, gssize length, const char *file_name, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) local = NULL;

  if (length < 0)
    length = (gssize)strlen(data);
  if (!cs_json_check_depth(data, (gsize)length, file_name, error))
    return NULL;
  if (!json_parser_load_from_data(parser, data, length, &local)) {
    /* json-glib names the input "<data>"; put the file's name in its place. */
    const char *where = local->message;
    if (g_str_has_prefix(where, "<data>:"))
      where += strlen("<data>:");
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s is not valid JSON: %s%s", file_name,
                where == local->message ? "" : "line:column ", where);
    return NULL;
  }
  if (json_parser_get_root(parser) == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s is empty", file_name);
    return NULL;
  }
  if (!cs_json_check_text(json_parser_get_root(parser), file_name, error))
    return NULL;
  return study_from_json(json_parser_get_root(parser), file_name, error);
}

CsStudy *
cs_study_load_from_data(const char *data, gssize length, const char *base_dir, GError **error)
{
  CsStudy *self;

  g_return_val_if_fail(data != NULL, NULL);
  self = load_from_data(data, length, "study.json", error);
  if (self != NULL && base_dir != NULL) {
    g_free(self->dir);
    self->dir = g_canonicalize_filename(base_dir, NULL);
  }
  return self;
}

CsStudy *
cs_study_load(const char *path, GError **error)
{
  g_autofree char *data = NULL;
  g_autofree char *display = NULL;
  g_autoptr(GError) local = NULL;
  GStatBuf st;
  gsize length = 0;
  CsStudy *self;

  g_return_val_if_fail(path != NULL, NULL);
  display = g_filename_display_basename(path);
  if (g_stat(path, &st) != 0) {
    int saved = errno;
    g_set_error(error, CS_ERROR, saved == ENOENT ? CS_ERROR_NOT_FOUND : CS_ERROR_IO,
                "Cannot open study %s: %s", path, g_strerror(saved));
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "Cannot open study %s: not a regular file",
                path);
    return NULL;
  }
  if (st.st_size > CS_STUDY_MAX_FILE_SIZE) {
    g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE,
                "Cannot open study %s: %lld bytes is more than a study can be (%d MB)", path,
                (long long)st.st_size, CS_STUDY_MAX_FILE_SIZE / (1024 * 1024));
    return NULL;
  }
  if (!g_file_get_contents(path, &data, &length, &local)) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "Cannot read study %s: %s", path, local->message);
    return NULL;
  }
  self = load_from_data(data, (gssize)length, display, error);
  if (self != NULL) {
    set_path(self, path);
    cs_disk_stamp_record(&self->disk, self->path, data, length);
  }
  return self;
}

/* Writing. */

/* Returns @sweep (relative to @from_dir) as seen from @to_dir: relative when it lies inside
 * @to_dir, absolute otherwise; a relative path is unchanged when the folder stays the same. */
char *
cs_study_rebase_sweep(const char *sweep, const char *from_dir, const char *to_dir)
{
  g_autofree char *absolute = NULL;
  g_autofree char *prefix = NULL;

  if (sweep == NULL)
    return NULL;
  /* A study never saved has no folder yet: its relative paths are meant relative to the file it
   * is about to become. */
  if (!g_path_is_absolute(sweep) && (from_dir == NULL || g_strcmp0(from_dir, to_dir) == 0))
    return g_strdup(sweep);
  absolute = g_canonicalize_filename(sweep, from_dir);
  if (to_dir == NULL)
    return g_steal_pointer(&absolute);
  prefix = g_str_has_suffix(to_dir, G_DIR_SEPARATOR_S)
               ? g_strdup(to_dir)
               : g_strconcat(to_dir, G_DIR_SEPARATOR_S, NULL);
  if (g_str_has_prefix(absolute, prefix))
    return g_strdup(absolute + strlen(prefix));
  return g_steal_pointer(&absolute);
}

/* Serialises the study as it will read from a file in @to_dir; *sweeps (may be NULL) receives
 * each case's sweep path as written. */
static char *
to_data_for_dir(CsStudy *self, const char *to_dir, gsize *length, GPtrArray **sweeps)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func(g_free);
  GString *out;

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "version");
  json_builder_add_int_value(builder, CS_STUDY_SCHEMA_VERSION);
  json_builder_set_member_name(builder, "generator");
  json_builder_add_string_value(builder, "Carpalscope " PACKAGE_VERSION);
  if (self->name != NULL) {
    json_builder_set_member_name(builder, "name");
    json_builder_add_string_value(builder, self->name);
  }
  if (self->notes != NULL) {
    json_builder_set_member_name(builder, "notes");
    json_builder_add_string_value(builder, self->notes);
  }
  json_builder_set_member_name(builder, "grading_scheme");
  json_builder_add_string_value(builder, cs_grading_scheme_to_string(self->grading_scheme));
  /* Only the user's choice, never the identity itself; absent while it is off. */
  if (self->identity_in_reports) {
    json_builder_set_member_name(builder, "identity_in_reports");
    json_builder_add_boolean_value(builder, TRUE);
  }
  json_builder_set_member_name(builder, "cases");
  json_builder_begin_array(builder);
  for (guint i = 0; i < self->cases->len; i++) {
    CsCase *c = g_ptr_array_index(self->cases, i);
    char *sweep = cs_study_rebase_sweep(cs_case_get_sweep_path(c), self->dir, to_dir);
    json_builder_add_value(builder, cs_case_to_json(c, sweep));
    g_ptr_array_add(written, sweep);
  }
  json_builder_end_array(builder);
  if (self->extra != NULL) {
    JsonNode *node = json_node_alloc();
    json_node_init_object(node, self->extra);
    json_builder_set_member_name(builder, "extra");
    json_builder_add_value(builder, node);
  }
  json_builder_end_object(builder);

  root = json_builder_get_root(builder);
  out = g_string_sized_new(4096);
  cs_study_print_json(out, root, 0);
  g_string_append_c(out, '\n');
  if (length != NULL)
    *length = out->len;
  if (sweeps != NULL)
    *sweeps = g_steal_pointer(&written);
  return g_string_free(out, FALSE);
}

char *
cs_study_to_data(CsStudy *self, gsize *length)
{
  g_return_val_if_fail(CS_IS_STUDY(self), NULL);
  return to_data_for_dir(self, self->dir, length, NULL);
}

/* Writes the study to @path, its sweep paths rebased to the file's folder; on success and when
 * @adopt, the study takes the new paths (and @path) as its own. */
static gboolean
save_to(CsStudy *self, const char *path, gboolean adopt, GError **error)
{
  g_autofree char *absolute = g_canonicalize_filename(path, NULL);
  g_autofree char *to_dir = g_path_get_dirname(absolute);
  g_autoptr(GPtrArray) sweeps = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  data = to_data_for_dir(self, to_dir, &length, &sweeps);
  /* Saving over its own file: only if nobody else changed it meanwhile. */
  if (adopt && g_strcmp0(absolute, self->path) == 0 &&
      !cs_disk_stamp_check(&self->disk, absolute, error))
    return FALSE;
  if (!cs_study_write_file_atomic(absolute, data, length, error))
    return FALSE;
  if (adopt) {
    for (guint i = 0; i < self->cases->len; i++)
      cs_case_set_sweep_path(g_ptr_array_index(self->cases, i), g_ptr_array_index(sweeps, i));
    set_path(self, absolute);
    cs_disk_stamp_record(&self->disk, absolute, data, length);
    set_dirty(self, FALSE);
  }
  return TRUE;
}

gboolean
cs_study_save(CsStudy *self, GError **error)
{
  g_return_val_if_fail(CS_IS_STUDY(self), FALSE);
  if (self->path == NULL) {
    g_set_error_literal(error, CS_ERROR, CS_ERROR_FAILED,
                        "The study has no file yet: choose where to save it");
    return FALSE;
  }
  return save_to(self, self->path, TRUE, error);
}

gboolean
cs_study_save_as(CsStudy *self, const char *path, GError **error)
{
  g_return_val_if_fail(CS_IS_STUDY(self), FALSE);
  g_return_val_if_fail(path != NULL, FALSE);
  return save_to(self, path, TRUE, error);
}

gboolean
cs_study_save_copy(CsStudy *self, const char *path, GError **error)
{
  g_return_val_if_fail(CS_IS_STUDY(self), FALSE);
  g_return_val_if_fail(path != NULL, FALSE);
  return save_to(self, path, FALSE, error);
}

typedef struct {
  char *path;
  char *data;
  gsize length;
  guint64 generation;
  CsDiskStamp expected; /* What the file must still hold. */
  CsDiskStamp written;  /* What it holds after the save. */
} SaveJob;

static void
save_job_free(SaveJob *job)
{
  g_free(job->path);
  g_free(job->data);
  g_free(job);
}

static void
save_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  SaveJob *job = task_data;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled(task))
    return;
  if (cs_disk_stamp_check(&job->expected, job->path, &error) &&
      cs_study_write_file_atomic(job->path, job->data, job->length, &error)) {
    cs_disk_stamp_record(&job->written, job->path, job->data, job->length);
    g_task_return_boolean(task, TRUE);
  } else {
    g_task_return_error(task, error);
  }
}

void
cs_study_save_async(CsStudy *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveJob *job;

  g_return_if_fail(CS_IS_STUDY(self));
  task = g_task_new(self, cancellable, callback, user_data);
  g_task_set_source_tag(task, cs_study_save_async);
  if (self->path == NULL) {
    g_task_return_new_error(task, CS_ERROR, CS_ERROR_FAILED,
                            "The study has no file yet: choose where to save it");
    return;
  }
  job = g_new0(SaveJob, 1);
  job->path = g_strdup(self->path);
  job->data = cs_study_to_data(self, &job->length);
  job->generation = self->generation;
  job->expected = self->disk;
  g_task_set_task_data(task, job, (GDestroyNotify)save_job_free);
  g_task_run_in_thread(task, save_worker);
}

gboolean
cs_study_save_finish(CsStudy *self, GAsyncResult *result, GError **error)
{
  SaveJob *job;

  g_return_val_if_fail(CS_IS_STUDY(self), FALSE);
  g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
  if (!g_task_propagate_boolean(G_TASK(result), error))
    return FALSE;
  job = g_task_get_task_data(G_TASK(result));
  if (job != NULL && g_strcmp0(job->path, self->path) == 0)
    self->disk = job->written;
  /* Only what was serialised is on disk; later edits keep the study dirty. */
  if (job != NULL && job->generation == self->generation)
    set_dirty(self, FALSE);
  return TRUE;
}
