/* cs-model-catalog.c — the models Carpalscope can use: where they are found, and loading them
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-model-catalog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <glib/gstdio.h>

#include "cs-error.h"
#include "cs-paths.h"
#include "csnn-models.h"

struct _CsModelCatalog {
  GObject parent_instance;

  GStrv folders;          /* Fixed once constructed, so resolving needs no lock. */
  GPtrArray *models;      /* CsModelInfo, usable classifiers, sorted by id. */
  GListStore *segmenters; /* CsModelInfo, usable segmenters, sorted by id. */
  GListStore *skipped;    /* CsModelInfo with an error, sorted by id. */
  gboolean scanned;
};

static void cs_model_catalog_list_model_init(GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CsModelCatalog, cs_model_catalog, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL,
                                                    cs_model_catalog_list_model_init))

enum { PROP_0, PROP_FOLDERS, N_PROPS };

static GParamSpec *properties[N_PROPS];

/* --- Folders ------------------------------------------------------------------------------- */

static void
add_folder(GPtrArray *folders, const char *folder)
{
  if (folder == NULL || folder[0] == '\0')
    return;
  for (guint i = 0; i < folders->len; i++)
    if (strcmp(g_ptr_array_index(folders, i), folder) == 0)
      return;
  g_ptr_array_add(folders, g_strdup(folder));
}

static GStrv
application_folders(void)
{
  g_autoptr(GPtrArray) folders = g_ptr_array_new_with_free_func(g_free);
  const char *env = g_getenv("CARPALSCOPE_MODELSDIR");
  g_autofree char *user = cs_model_catalog_dup_user_folder();

  if (env != NULL) {
    g_auto(GStrv) parts = g_strsplit(env, G_SEARCHPATH_SEPARATOR_S, -1);

    for (guint i = 0; parts[i] != NULL; i++)
      add_folder(folders, parts[i]);
  }
  add_folder(folders, user);
  if (cs_running_from_build_tree())
    add_folder(folders, BUILD_MODELSDIR);
  add_folder(folders, MODELSDIR);
  g_ptr_array_add(folders, NULL);
  return (GStrv)g_ptr_array_steal(folders, NULL);
}

char *
cs_model_catalog_dup_user_folder(void)
{
  return g_build_filename(g_get_user_data_dir(), "carpalscope", "models", NULL);
}

char *
cs_model_catalog_ensure_user_folder(GError **error)
{
  g_autofree char *folder = cs_model_catalog_dup_user_folder();

  if (g_mkdir_with_parents(folder, 0755) != 0) {
    int saved = errno;

    g_set_error(error, CS_ERROR, CS_ERROR_IO, "cannot create %s: %s", folder, g_strerror(saved));
    return NULL;
  }
  return g_steal_pointer(&folder);
}

const char *const *
cs_model_catalog_get_folders(CsModelCatalog *self)
{
  g_return_val_if_fail(CS_IS_MODEL_CATALOG(self), NULL);
  return (const char *const *)self->folders;
}

/* --- Scanning ------------------------------------------------------------------------------ */

static int
compare_infos(gconstpointer a, gconstpointer b)
{
  return strcmp(cs_model_info_get_id(*(CsModelInfo **)a), cs_model_info_get_id(*(CsModelInfo **)b));
}

static gboolean
is_regular_file(const char *path)
{
  GStatBuf info;

  return g_stat(path, &info) == 0 && S_ISREG(info.st_mode);
}

/* The listed model of @path and @sha256 from the last scan, to be kept as it is; or NULL. */
static CsModelInfo *
find_unchanged(CsModelCatalog *self, CsModelInfo *fresh)
{
  GListModel *segmenters = G_LIST_MODEL(self->segmenters);
  guint n_segmenters = g_list_model_get_n_items(segmenters);

  for (guint i = 0; i < self->models->len + n_segmenters; i++) {
    g_autoptr(CsModelInfo) old = i < self->models->len
                                     ? g_object_ref(g_ptr_array_index(self->models, i))
                                     : g_list_model_get_item(segmenters, i - self->models->len);

    if (strcmp(cs_model_info_get_path(old), cs_model_info_get_path(fresh)) == 0 &&
        g_strcmp0(cs_model_info_get_sha256(old), cs_model_info_get_sha256(fresh)) == 0 &&
        strcmp(cs_model_info_get_id(old), cs_model_info_get_id(fresh)) == 0)
      return g_steal_pointer(&old);
  }
  return NULL;
}

/* Reads one folder into @models and @skipped; @seen holds the ids earlier folders had. */
static void
scan_folder(CsModelCatalog *self, const char *folder, GHashTable *seen, GPtrArray *models,
            GPtrArray *skipped)
{
  g_autoptr(GDir) dir = g_dir_open(folder, 0, NULL);
  const char *name;

  if (dir == NULL)
    return; /* A folder that does not exist simply holds no models. */
  while ((name = g_dir_read_name(dir)) != NULL) {
    g_autofree char *id = NULL;
    g_autofree char *path = NULL;
    g_autoptr(CsModelInfo) info = NULL;
    CsModelInfo *unchanged;

    if (!g_str_has_suffix(name, CSNN_MODEL_EXTENSION))
      continue;
    id = g_strndup(name, strlen(name) - strlen(CSNN_MODEL_EXTENSION));
    if (!csnn_models_valid_id(id) || g_hash_table_contains(seen, id))
      continue; /* Hidden, or an earlier folder's model of the same id hides this one. */
    path = g_build_filename(folder, name, NULL);
    if (!is_regular_file(path))
      continue;
    g_hash_table_add(seen, g_steal_pointer(&id));
    info = cs_model_info_new_for_file(path, folder);
    if (cs_model_info_get_error(info) != NULL)
      g_ptr_array_add(skipped, g_steal_pointer(&info));
    else if ((unchanged = find_unchanged(self, info)) != NULL)
      g_ptr_array_add(models, unchanged);
    else
      g_ptr_array_add(models, g_steal_pointer(&info));
  }
}

/* Moves the segmenters of @models (sorted) into the list of segmenters when they differ from
 * what it holds. */
static void
take_segmenters(CsModelCatalog *self, GPtrArray *models)
{
  g_autoptr(GPtrArray) segmenters = g_ptr_array_new_with_free_func(g_object_unref);
  GListModel *list = G_LIST_MODEL(self->segmenters);
  gboolean changed;

  for (guint i = 0; i < models->len;) {
    CsModelInfo *info = g_ptr_array_index(models, i);

    if (cs_model_info_get_kind(info) == CS_MODEL_KIND_SEGMENTER)
      g_ptr_array_add(segmenters, g_ptr_array_steal_index(models, i));
    else
      i++;
  }
  changed = segmenters->len != g_list_model_get_n_items(list);
  for (guint i = 0; i < segmenters->len && !changed; i++) {
    g_autoptr(CsModelInfo) old = g_list_model_get_item(list, i);

    changed = old != g_ptr_array_index(segmenters, i);
  }
  if (changed)
    g_list_store_splice(self->segmenters, 0, g_list_model_get_n_items(list), segmenters->pdata,
                        segmenters->len);
}

/* Reads every folder; emits "items-changed" when @notify and the list changed. */
static void
scan(CsModelCatalog *self, gboolean notify)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func(g_object_unref);
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func(g_object_unref);
  gboolean changed;
  guint removed = self->models->len;

  for (guint f = 0; self->folders[f] != NULL; f++)
    scan_folder(self, self->folders[f], seen, models, skipped);
  g_ptr_array_sort(models, compare_infos);
  g_ptr_array_sort(skipped, compare_infos);
  self->scanned = TRUE;
  take_segmenters(self, models);

  changed = models->len != self->models->len;
  for (guint i = 0; i < models->len && !changed; i++)
    changed = g_ptr_array_index(models, i) != g_ptr_array_index(self->models, i);
  g_list_store_splice(self->skipped, 0, g_list_model_get_n_items(G_LIST_MODEL(self->skipped)),
                      skipped->pdata, skipped->len);
  if (!changed)
    return;
  g_ptr_array_unref(self->models);
  self->models = g_steal_pointer(&models);
  if (notify)
    g_list_model_items_changed(G_LIST_MODEL(self), 0, removed, self->models->len);
}

/* The first reader of the list reads the folders; nobody has seen a count before, so the first
 * reading announces nothing. */
static void
ensure_scanned(CsModelCatalog *self)
{
  if (!self->scanned)
    scan(self, FALSE);
}

void
cs_model_catalog_rescan(CsModelCatalog *self)
{
  g_return_if_fail(CS_IS_MODEL_CATALOG(self));

  scan(self, TRUE);
}

GListModel *
cs_model_catalog_get_skipped(CsModelCatalog *self)
{
  g_return_val_if_fail(CS_IS_MODEL_CATALOG(self), NULL);

  ensure_scanned(self);
  return G_LIST_MODEL(self->skipped);
}

guint
cs_model_catalog_find(CsModelCatalog *self, const char *id)
{
  g_return_val_if_fail(CS_IS_MODEL_CATALOG(self), G_MAXUINT);

  ensure_scanned(self);
  for (guint i = 0; id != NULL && i < self->models->len; i++)
    if (strcmp(cs_model_info_get_id(g_ptr_array_index(self->models, i)), id) == 0)
      return i;
  return G_MAXUINT;
}

GListModel *
cs_model_catalog_get_segmenters(CsModelCatalog *self)
{
  g_return_val_if_fail(CS_IS_MODEL_CATALOG(self), NULL);

  ensure_scanned(self);
  return G_LIST_MODEL(self->segmenters);
}

CsModelInfo *
cs_model_catalog_get_default_segmenter(CsModelCatalog *self)
{
  GListModel *list = cs_model_catalog_get_segmenters(self);
  guint n = g_list_model_get_n_items(list);
  CsModelInfo *chosen = NULL;

  /* The list holds a reference to each item, so one borrowed from it stays valid. */
  for (guint i = 0; i < n && chosen == NULL; i++) {
    g_autoptr(CsModelInfo) info = g_list_model_get_item(list, i);

    if (!cs_model_info_is_phantom_trained(info))
      chosen = info;
  }
  if (chosen == NULL && n > 0) {
    g_autoptr(CsModelInfo) first = g_list_model_get_item(list, 0);

    chosen = first;
  }
  return chosen;
}

CsModelInfo *
cs_model_catalog_lookup(CsModelCatalog *self, const char *id)
{
  guint position = cs_model_catalog_find(self, id);
  GListModel *segmenters = G_LIST_MODEL(self->segmenters);

  if (position != G_MAXUINT)
    return g_ptr_array_index(self->models, position);
  for (guint i = 0; id != NULL && i < g_list_model_get_n_items(segmenters); i++) {
    g_autoptr(CsModelInfo) info = g_list_model_get_item(segmenters, i);

    if (strcmp(cs_model_info_get_id(info), id) == 0)
      return info; /* Held by the list. */
  }
  return NULL;
}

/* --- Resolving and loading ----------------------------------------------------------------- */

char *
cs_model_catalog_resolve(CsModelCatalog *self, const char *id_or_path, GError **error)
{
  g_autoptr(GString) searched = g_string_new(NULL);

  g_return_val_if_fail(CS_IS_MODEL_CATALOG(self), NULL);

  if (id_or_path == NULL || id_or_path[0] == '\0') {
    g_set_error_literal(error, CS_ERROR, CS_ERROR_INVALID, "no model given");
    return NULL;
  }
  if (strchr(id_or_path, '/') != NULL || g_str_has_suffix(id_or_path, CSNN_MODEL_EXTENSION)) {
    GStatBuf info;

    if (g_stat(id_or_path, &info) != 0) {
      int saved = errno;

      g_set_error(error, CS_ERROR, saved == ENOENT ? CS_ERROR_NOT_FOUND : CS_ERROR_IO, "%s: %s",
                  id_or_path, g_strerror(saved));
      return NULL;
    }
    if (!S_ISREG(info.st_mode)) {
      g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "%s: not a model file", id_or_path);
      return NULL;
    }
    return g_strdup(id_or_path);
  }

  for (guint f = 0; self->folders[f] != NULL && csnn_models_valid_id(id_or_path); f++) {
    g_autofree char *name = g_strconcat(id_or_path, CSNN_MODEL_EXTENSION, NULL);
    g_autofree char *candidate = g_build_filename(self->folders[f], name, NULL);

    if (is_regular_file(candidate))
      return g_steal_pointer(&candidate);
    g_string_append_printf(searched, "%s%s", f > 0 ? ", " : "", self->folders[f]);
  }

  /* A plain name that is no model's id may still be a file in the current directory. */
  if (is_regular_file(id_or_path))
    return g_strdup(id_or_path);
  g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND,
              "no installed model '%s' (searched %s) and no such file", id_or_path,
              searched->len > 0 ? searched->str : "no folder");
  return NULL;
}

CsModel *
cs_model_catalog_load(CsModelCatalog *self, const char *id_or_path, const char *arch,
                      GError **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail(CS_IS_MODEL_CATALOG(self), NULL);

  path = cs_model_catalog_resolve(self, id_or_path, error);
  if (path == NULL)
    return NULL;
  return cs_model_new_for_file(path, arch, error);
}

/* --- Construction and GListModel ----------------------------------------------------------- */

CsModelCatalog *
cs_model_catalog_get_default(void)
{
  static CsModelCatalog *default_catalog;

  if (g_once_init_enter(&default_catalog))
    g_once_init_leave(&default_catalog, cs_model_catalog_new());
  return default_catalog;
}

CsModelCatalog *
cs_model_catalog_new(void)
{
  return g_object_new(CS_TYPE_MODEL_CATALOG, NULL);
}

CsModelCatalog *
cs_model_catalog_new_for_folders(const char *const *folders)
{
  static const char *const none[] = { NULL };

  return g_object_new(CS_TYPE_MODEL_CATALOG, "folders", folders != NULL ? folders : none, NULL);
}

static GType
cs_model_catalog_get_item_type(GListModel *model)
{
  return CS_TYPE_MODEL_INFO;
}

static guint
cs_model_catalog_get_n_items(GListModel *model)
{
  CsModelCatalog *self = CS_MODEL_CATALOG(model);

  ensure_scanned(self);
  return self->models->len;
}

static gpointer
cs_model_catalog_get_item(GListModel *model, guint position)
{
  CsModelCatalog *self = CS_MODEL_CATALOG(model);

  ensure_scanned(self);
  if (position >= self->models->len)
    return NULL;
  return g_object_ref(g_ptr_array_index(self->models, position));
}

static void
cs_model_catalog_list_model_init(GListModelInterface *iface)
{
  iface->get_item_type = cs_model_catalog_get_item_type;
  iface->get_n_items = cs_model_catalog_get_n_items;
  iface->get_item = cs_model_catalog_get_item;
}

static void
cs_model_catalog_constructed(GObject *object)
{
  CsModelCatalog *self = CS_MODEL_CATALOG(object);

  G_OBJECT_CLASS(cs_model_catalog_parent_class)->constructed(object);
  if (self->folders == NULL)
    self->folders = application_folders();
  else {
    /* Each folder once, the first place it is named, as the application's folders are. */
    g_autoptr(GPtrArray) folders = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; self->folders[i] != NULL; i++)
      add_folder(folders, self->folders[i]);
    g_ptr_array_add(folders, NULL);
    g_strfreev(self->folders);
    self->folders = (GStrv)g_ptr_array_steal(folders, NULL);
  }
}

static void
cs_model_catalog_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CsModelCatalog *self = CS_MODEL_CATALOG(object);

  switch (prop_id) {
    case PROP_FOLDERS:
      g_value_set_boxed(value, self->folders);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_model_catalog_set_property(GObject *object, guint prop_id, const GValue *value,
                              GParamSpec *pspec)
{
  CsModelCatalog *self = CS_MODEL_CATALOG(object);

  switch (prop_id) {
    case PROP_FOLDERS:
      g_strfreev(self->folders);
      self->folders = g_value_dup_boxed(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_model_catalog_finalize(GObject *object)
{
  CsModelCatalog *self = CS_MODEL_CATALOG(object);

  g_strfreev(self->folders);
  g_ptr_array_unref(self->models);
  g_object_unref(self->segmenters);
  g_object_unref(self->skipped);
  G_OBJECT_CLASS(cs_model_catalog_parent_class)->finalize(object);
}

static void
cs_model_catalog_class_init(CsModelCatalogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);

  object_class->constructed = cs_model_catalog_constructed;
  object_class->finalize = cs_model_catalog_finalize;
  object_class->get_property = cs_model_catalog_get_property;
  object_class->set_property = cs_model_catalog_set_property;

  properties[PROP_FOLDERS] =
      g_param_spec_boxed("folders", NULL, NULL, G_TYPE_STRV,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
cs_model_catalog_init(CsModelCatalog *self)
{
  self->models = g_ptr_array_new_with_free_func(g_object_unref);
  self->segmenters = g_list_store_new(CS_TYPE_MODEL_INFO);
  self->skipped = g_list_store_new(CS_TYPE_MODEL_INFO);
}
