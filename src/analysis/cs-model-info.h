/* cs-model-info.h — what a model file says about itself, read without building its network
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The items of the model catalogue (cs-model-catalog.h): every dropdown that offers a model and
 * `carpalscope-cli models` show these. An info is immutable once made, so it may be read from
 * any thread.
 *
 *   g_autoptr(CsModelInfo) info = cs_model_info_new_for_file(path, folder);
 *   if (cs_model_info_get_error(info) == NULL)
 *     g_print("%s: %s\n", cs_model_info_get_id(info), cs_model_info_get_arch(info));
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CS_TYPE_MODEL_INFO (cs_model_info_get_type())
G_DECLARE_FINAL_TYPE(CsModelInfo, cs_model_info, CS, MODEL_INFO, GObject)

/* What a model does: a classifier gives p(CTS) for an ROI crop; a segmenter (the nerve finder's
 * U-Net, arch "csnn_unet") outlines the median nerve in a whole frame. */
typedef enum {
  CS_MODEL_KIND_CLASSIFIER,
  CS_MODEL_KIND_SEGMENTER,
} CsModelKind;

/* Properties, all read-only: "id", "path", "folder", "arch", "kind" (CsModelKind as an int),
 * "classes" (GStrv), "input-size", "trained-on", "phantom-trained", "sha256", "card" and
 * "error". */

/* Reads the weights file @path found in @folder (NULL for a file given by path). A file that
 * cannot be read or whose metadata is malformed still gives an info: id, path, folder and the
 * error say which file and why, and nothing else is set. */
CsModelInfo *cs_model_info_new_for_file(const char *path, const char *folder);

/* The id (the file name without ".safetensors"), the file, and the folder it was found in. */
const char *cs_model_info_get_id(CsModelInfo *self);
const char *cs_model_info_get_path(CsModelInfo *self);
const char *cs_model_info_get_folder(CsModelInfo *self);

/* Why the file cannot be used, or NULL when it can. */
const char *cs_model_info_get_error(CsModelInfo *self);

/* The architecture the metadata names ("" when it names none). */
const char *cs_model_info_get_arch(CsModelInfo *self);
/* Whether the model classifies or segments (a file that cannot be read is a classifier). */
CsModelKind cs_model_info_get_kind(CsModelInfo *self);
/* The kind in one word: "classifier" or "segmenter". */
const char *cs_model_kind_to_string(CsModelKind kind);
/* The class names in index order (empty when the metadata names none). */
const char *const *cs_model_info_get_classes(CsModelInfo *self);
/* The side of the square network input (0 for a segmenter, whose input need not be square), and
 * the per-channel normalisation (three floats each). */
int cs_model_info_get_input_size(CsModelInfo *self);
/* The network input's width and height in pixels: the square side for a classifier, the
 * U-Net's own input for a segmenter. */
void cs_model_info_get_input_shape(CsModelInfo *self, int *width, int *height);
const float *cs_model_info_get_mean(CsModelInfo *self);
const float *cs_model_info_get_std(CsModelInfo *self);
/* What the weights were trained on, in words (NULL when not said), and whether that was
 * synthetic phantoms. */
const char *cs_model_info_get_trained_on(CsModelInfo *self);
gboolean cs_model_info_is_phantom_trained(CsModelInfo *self);
/* The SHA-256 of the file, 64 hex digits (NULL for a file that cannot be read). */
const char *cs_model_info_get_sha256(CsModelInfo *self);
/* The model card: the "model_card" metadata, else the Markdown file of the same stem beside the
 * weights (NULL when there is neither). */
const char *cs_model_info_get_card(CsModelInfo *self);

/* The number of tensors in the file. */
gsize cs_model_info_get_n_tensors(CsModelInfo *self);
/* Every metadata key in file order (NULL-terminated), and the value of one key (NULL when
 * absent): provenance such as "date", "version", "command" and "notice". */
const char *const *cs_model_info_get_metadata_keys(CsModelInfo *self);
const char *cs_model_info_get_metadata(CsModelInfo *self, const char *key);

/* Returns whether @trained_on (the "trained_on" metadata) says synthetic phantoms. */
gboolean cs_model_trained_on_phantoms(const char *trained_on);

G_END_DECLS
