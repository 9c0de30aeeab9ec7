/* cs-model-info.c — what a model file says about itself, read without building its network
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-model-info.h"

#include <string.h>

#include "csnn-models.h"
#include "csnn-safetensors.h"
#include "csnn-seg.h"

/* The largest model card read from a Markdown file beside the weights. */
#define CARD_MAX_BYTES (1024 * 1024)

struct _CsModelInfo {
  GObject parent_instance;

  char *id;
  char *path;
  char *folder;
  char *error;

  char *arch;
  CsModelKind kind;
  GStrv classes;
  int input_size;
  int input_width, input_height;
  float mean[3];
  float std[3];
  char *sha256;
  char *card;
  gsize n_tensors;
  GStrv metadata_keys;
  GStrv metadata_values;
};

G_DEFINE_FINAL_TYPE(CsModelInfo, cs_model_info, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_PATH,
  PROP_FOLDER,
  PROP_ARCH,
  PROP_KIND,
  PROP_CLASSES,
  PROP_INPUT_SIZE,
  PROP_TRAINED_ON,
  PROP_PHANTOM_TRAINED,
  PROP_SHA256,
  PROP_CARD,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

gboolean
cs_model_trained_on_phantoms(const char *trained_on)
{
  return trained_on != NULL &&
         (strstr(trained_on, "phantom") != NULL || strstr(trained_on, "synthetic") != NULL);
}

/* Reads the Markdown card of the same stem beside @path, or NULL. */
static char *
read_card_file(const char *path)
{
  g_autofree char *stem = g_str_has_suffix(path, CSNN_MODEL_EXTENSION)
                              ? g_strndup(path, strlen(path) - strlen(CSNN_MODEL_EXTENSION))
                              : g_strdup(path);
  g_autofree char *card_path = g_strconcat(stem, ".md", NULL);
  g_autoptr(GMappedFile) mapped = g_mapped_file_new(card_path, FALSE, NULL);
  gsize length;

  if (mapped == NULL)
    return NULL;
  length = g_mapped_file_get_length(mapped);
  if (length == 0 || length > CARD_MAX_BYTES ||
      !g_utf8_validate(g_mapped_file_get_contents(mapped), (gssize)length, NULL))
    return NULL;
  return g_strndup(g_mapped_file_get_contents(mapped), length);
}

/* Reads a segmenter's input side @key ("input_height" or "input_width") into @side; FALSE with
 * self->error set when it is missing or not a size. */
static gboolean
read_seg_side(CsModelInfo *self, const csnn_safetensors *st, const char *key, int *side)
{
  const char *text = csnn_safetensors_metadata(st, key);
  gint64 value;

  if (text == NULL || !g_ascii_string_to_signed(text, 10, 8, 4096, &value, NULL)) {
    self->error = g_strdup_printf("metadata '%s' of a U-Net: expected a side in pixels from 8 to "
                                  "4096, not '%.40s'",
                                  key, text != NULL ? text : "");
    return FALSE;
  }
  *side = (int)value;
  return TRUE;
}

/* Copies what @st and its metadata say into @self; FALSE with self->error set when the
 * metadata is malformed. */
static gboolean
read_weights(CsModelInfo *self, const csnn_safetensors *st)
{
  csnn_model_meta meta;
  gsize n_metadata = csnn_safetensors_n_metadata(st);
  const char *card;

  if (csnn_model_meta_read(st, &meta) != CSNN_OK) {
    self->error = g_strdup(csnn_last_error());
    return FALSE;
  }
  self->arch = g_strdup(meta.arch);
  self->classes = g_new0(char *, meta.n_classes + 1);
  for (int c = 0; c < meta.n_classes; c++)
    self->classes[c] = g_strdup(meta.classes[c]);
  self->input_size = meta.input_size;
  self->input_width = self->input_height = meta.input_size;
  if (strcmp(meta.arch, CSNN_SEG_ARCH) == 0) {
    self->kind = CS_MODEL_KIND_SEGMENTER;
    self->input_size = 0;
    if (!read_seg_side(self, st, "input_height", &self->input_height) ||
        !read_seg_side(self, st, "input_width", &self->input_width))
      return FALSE;
  }
  memcpy(self->mean, meta.mean, sizeof self->mean);
  memcpy(self->std, meta.std, sizeof self->std);
  self->sha256 = g_strdup(csnn_safetensors_sha256(st));
  self->n_tensors = csnn_safetensors_n_tensors(st);
  self->metadata_keys = g_new0(char *, n_metadata + 1);
  self->metadata_values = g_new0(char *, n_metadata + 1);
  for (gsize i = 0; i < n_metadata; i++) {
    self->metadata_keys[i] = g_strdup(csnn_safetensors_metadata_key(st, i));
    self->metadata_values[i] = g_strdup(csnn_safetensors_metadata_value(st, i));
  }
  card = csnn_safetensors_metadata(st, "model_card");
  self->card = card != NULL ? g_strdup(card) : read_card_file(self->path);
  return TRUE;
}

CsModelInfo *
cs_model_info_new_for_file(const char *path, const char *folder)
{
  CsModelInfo *self;
  g_autofree char *base = NULL;
  csnn_safetensors *st = NULL;

  g_return_val_if_fail(path != NULL, NULL);

  self = g_object_new(CS_TYPE_MODEL_INFO, NULL);
  base = g_path_get_basename(path);
  self->id = g_str_has_suffix(base, CSNN_MODEL_EXTENSION)
                 ? g_strndup(base, strlen(base) - strlen(CSNN_MODEL_EXTENSION))
                 : g_strdup(base);
  self->path = g_strdup(path);
  self->folder = g_strdup(folder);
  if (csnn_safetensors_open(path, &st) != CSNN_OK) {
    self->error = g_strdup(csnn_last_error());
    return self;
  }
  read_weights(self, st);
  csnn_safetensors_close(st);
  return self;
}

const char *
cs_model_info_get_id(CsModelInfo *self)
{
  g_return_val_if_fail(CS_IS_MODEL_INFO(self), NULL);
  return self->id;
}

const char *
cs_model_info_get_path(CsModelInfo *self)
{
  g_return_val_if_fail(CS_IS_MODEL_INFO(self), NULL);
  return self->path;
}

const char *
cs_model_info_get_folder(CsModelInfo *self)
{
  g_return_val_if_fail(CS_IS_MODEL_INFO(self), NULL);
  return self->folder;
}

const char *
cs_model_info_get_error(CsModelInfo *self)
{
  g_return_val_if_fail(CS_IS_MODEL_INFO(self), NULL);
  return self->error;
}

const char *
cs_model_info_get_arch(CsModelInfo *self)
{
  g_return_val_if_fail(CS_IS_MODEL_INFO(self), NULL);
  return self->arch != NULL ? self->arch : "";
}

CsModelKind
cs_model_info_get_kind(CsModelInfo *self)
{
  g_return_val_if_fail(CS_IS_MODEL_INFO(self), CS_MODEL_KIND_CLASSIFIER);
  return self->kind;
}

const char *
cs_model_kind_to_string(CsModelKind kind)
{
  return kind == CS_MODEL_KIND_SEGMENTER ? "segmenter" : "classifier";
}

const char *const *
cs_model_info_get_classes(CsModelInfo *self)
{
  static const char *const none[] = { NULL };

  g_return_val_if_fail(CS_IS_MODEL_INFO(self), NULL);
  return self->classes != NULL ? (const char *const *)self->classes : none;
}

int
cs_model_info_get_input_size(CsModelInfo *self)
{
  g_return_val_if_fail(CS_IS_MODEL_INFO(self), 0);
  return self->input_size;
}

void
cs_model_info_get_input_shape(CsModelInfo *self, int *width, int *height)
{
  g_return_if_fail(CS_IS_MODEL_INFO(self));
  *width = self->input_width;
  *height = self->input_height;
}

const float *
cs_model_info_get_mean(CsModelInfo *self)
{
  g_return_val_if_fail(CS_IS_MODEL_INFO(self), NULL);
  return self->mean;
}

const float *
cs_model_info_get_std(CsModelInfo *self)
{
  g_return_val_if_fail(CS_IS_MODEL_INFO(self), NULL);
  return self->std;
}

const char *
cs_model_info_get_trained_on(CsModelInfo *self)
{
  return cs_model_info_get_metadata(self, CSNN_META_TRAINED_ON);
}

gboolean
cs_model_info_is_phantom_trained(CsModelInfo *self)
{
  return cs_model_trained_on_phantoms(cs_model_info_get_trained_on(self));
}

const char *
cs_model_info_get_sha256(CsModelInfo *self)
{
  g_return_val_if_fail(CS_IS_MODEL_INFO(self), NULL);
  return self->sha256;
}

const char *
cs_model_info_get_card(CsModelInfo *self)
{
  g_return_val_if_fail(CS_IS_MODEL_INFO(self), NULL);
  return self->card;
}

gsize
cs_model_info_get_n_tensors(CsModelInfo *self)
{
  g_return_val_if_fail(CS_IS_MODEL_INFO(self), 0);
  return self->n_tensors;
}

const char *const *
cs_model_info_get_metadata_keys(CsModelInfo *self)
{
  static const char *const none[] = { NULL };

  g_return_val_if_fail(CS_IS_MODEL_INFO(self), NULL);
  return self->metadata_keys != NULL ? (const char *const *)self->metadata_keys : none;
}

const char *
cs_model_info_get_metadata(CsModelInfo *self, const char *key)
{
  g_return_val_if_fail(CS_IS_MODEL_INFO(self), NULL);
  g_return_val_if_fail(key != NULL, NULL);

  for (guint i = 0; self->metadata_keys != NULL && self->metadata_keys[i] != NULL; i++)
    if (strcmp(self->metadata_keys[i], key) == 0)
      return self->metadata_values[i];
  return NULL;
}

static void
cs_model_info_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CsModelInfo *self = CS_MODEL_INFO(object);

  switch (prop_id) {
    case PROP_ID:
      g_value_set_string(value, self->id);
      break;
    case PROP_PATH:
      g_value_set_string(value, self->path);
      break;
    case PROP_FOLDER:
      g_value_set_string(value, self->folder);
      break;
    case PROP_ARCH:
      g_value_set_string(value, cs_model_info_get_arch(self));
      break;
    case PROP_KIND:
      g_value_set_int(value, (int)self->kind);
      break;
    case PROP_CLASSES:
      g_value_set_boxed(value, cs_model_info_get_classes(self));
      break;
    case PROP_INPUT_SIZE:
      g_value_set_int(value, self->input_size);
      break;
    case PROP_TRAINED_ON:
      g_value_set_string(value, cs_model_info_get_trained_on(self));
      break;
    case PROP_PHANTOM_TRAINED:
      g_value_set_boolean(value, cs_model_info_is_phantom_trained(self));
      break;
    case PROP_SHA256:
      g_value_set_string(value, self->sha256);
      break;
    case PROP_CARD:
      g_value_set_string(value, self->card);
      break;
    case PROP_ERROR:
      g_value_set_string(value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_model_info_finalize(GObject *object)
{
  CsModelInfo *self = CS_MODEL_INFO(object);

  g_free(self->id);
  g_free(self->path);
  g_free(self->folder);
  g_free(self->error);
  g_free(self->arch);
  g_strfreev(self->classes);
  g_free(self->sha256);
  g_free(self->card);
  g_strfreev(self->metadata_keys);
  g_strfreev(self->metadata_values);
  G_OBJECT_CLASS(cs_model_info_parent_class)->finalize(object);
}

static void
cs_model_info_class_init(CsModelInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cs_model_info_finalize;
  object_class->get_property = cs_model_info_get_property;

  properties[PROP_ID] = g_param_spec_string("id", NULL, NULL, NULL, ro);
  properties[PROP_PATH] = g_param_spec_string("path", NULL, NULL, NULL, ro);
  properties[PROP_FOLDER] = g_param_spec_string("folder", NULL, NULL, NULL, ro);
  properties[PROP_ARCH] = g_param_spec_string("arch", NULL, NULL, "", ro);
  properties[PROP_KIND] = g_param_spec_int("kind", NULL, NULL, CS_MODEL_KIND_CLASSIFIER,
                                           CS_MODEL_KIND_SEGMENTER, CS_MODEL_KIND_CLASSIFIER, ro);
  properties[PROP_CLASSES] = g_param_spec_boxed("classes", NULL, NULL, G_TYPE_STRV, ro);
  properties[PROP_INPUT_SIZE] = g_param_spec_int("input-size", NULL, NULL, 0, 4096, 224, ro);
  properties[PROP_TRAINED_ON] = g_param_spec_string("trained-on", NULL, NULL, NULL, ro);
  properties[PROP_PHANTOM_TRAINED] = g_param_spec_boolean("phantom-trained", NULL, NULL, FALSE, ro);
  properties[PROP_SHA256] = g_param_spec_string("sha256", NULL, NULL, NULL, ro);
  properties[PROP_CARD] = g_param_spec_string("card", NULL, NULL, NULL, ro);
  properties[PROP_ERROR] = g_param_spec_string("error", NULL, NULL, NULL, ro);
  g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
cs_model_info_init(CsModelInfo *self)
{
}
