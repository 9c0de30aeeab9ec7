/* cs-model-catalog.h — the models Carpalscope can use: where they are found, and loading them
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model is a safetensors file in one of the catalogue's folders; its id is the file name
 * without ".safetensors". The application's folders are searched in this order, and an id found
 * in an earlier folder hides the same id in a later one (even when the earlier file is broken):
 *   1. each folder of $CARPALSCOPE_MODELSDIR (colon-separated),
 *   2. the per-user folder, $XDG_DATA_HOME/carpalscope/models, where a user (in a Flatpak too)
 *      adds a model; it is created only when asked (cs_model_catalog_ensure_user_folder()),
 *   3. the build's models folder, when the program runs from the build tree,
 *   4. the installed models folder, PREFIX/share/carpalscope/models.
 *
 * The catalogue is a GListModel of CsModelInfo, sorted by id, holding the usable classifiers:
 * every dropdown that offers a model for p(CTS) shows it. The usable segmenters (the nerve
 * finder's models) are in a list of their own, cs_model_catalog_get_segmenters(), so that no
 * classifier list ever offers one; `carpalscope-cli models` lists both with their kind. Files that
 * look like models but cannot be used are left out and kept, with the reason, in
 * cs_model_catalog_get_skipped(). The folders are first read when the list is first asked for;
 * cs_model_catalog_rescan() reads them again. The list and the rescan belong to the thread that
 * uses the catalogue as a list (the main thread in the GUI); resolving and loading only read the
 * folders' names, so they are safe from any thread.
 *
 *   CsModelCatalog *catalog = cs_model_catalog_get_default();
 *   g_autoptr(CsModel) model = cs_model_catalog_load(catalog, "mobilenet_v2-phantom", NULL,
 * &error);
 *
 * cs_model_load() (cs-analysis.h) loads through the default catalogue.
 */
#pragma once

#include <gio/gio.h>

#include "cs-analysis.h"
#include "cs-model-info.h"

G_BEGIN_DECLS

#define CS_TYPE_MODEL_CATALOG (cs_model_catalog_get_type())
G_DECLARE_FINAL_TYPE(CsModelCatalog, cs_model_catalog, CS, MODEL_CATALOG, GObject)

/* Properties: "folders" (GStrv, construct-only; NULL gives the application's folders). */

/* Returns the process's catalogue over the application's folders, made on first use (from any
 * thread); the application holds it and hands it to its windows. */
CsModelCatalog *cs_model_catalog_get_default(void);

/* Creates a catalogue over the application's folders, read from the environment now. */
CsModelCatalog *cs_model_catalog_new(void);

/* Creates a catalogue over @folders only, searched in that order. */
CsModelCatalog *cs_model_catalog_new_for_folders(const char *const *folders);

/* The folders in search order, each once; folders that do not exist are included. */
const char *const *cs_model_catalog_get_folders(CsModelCatalog *self);

/* Returns the per-user models folder (which may not exist). */
char *cs_model_catalog_dup_user_folder(void);

/* Creates the per-user models folder if it does not exist and returns it; NULL with @error. */
char *cs_model_catalog_ensure_user_folder(GError **error);

/* Reads the folders again. Models whose file is unchanged keep their CsModelInfo, so a
 * selection in a dropdown survives; "items-changed" is emitted only when the list changed. */
void cs_model_catalog_rescan(CsModelCatalog *self);

/* The files left out of the list, as CsModelInfo whose "error" says why. */
GListModel *cs_model_catalog_get_skipped(CsModelCatalog *self);

/* The usable segmenters, as CsModelInfo sorted by id (updated by a rescan as the list is). */
GListModel *cs_model_catalog_get_segmenters(CsModelCatalog *self);

/* Returns the segmenter to use when none is named (transfer none): the first listed that was
 * not trained on phantoms, else the first listed; NULL when there is none. */
CsModelInfo *cs_model_catalog_get_default_segmenter(CsModelCatalog *self);

/* Returns the listed model @id, classifier or segmenter (transfer none), or NULL. */
CsModelInfo *cs_model_catalog_lookup(CsModelCatalog *self, const char *id);

/* Returns the position of the listed classifier @id, or G_MAXUINT (GTK_INVALID_LIST_POSITION). */
guint cs_model_catalog_find(CsModelCatalog *self, const char *id);

/* Turns @id_or_path into the file to load: an argument that contains a '/' or ends in
 * ".safetensors" is a path; otherwise it is a model id searched in the folders in order, and
 * failing that a file of that name in the current directory. Errors in CS_ERROR. */
char *cs_model_catalog_resolve(CsModelCatalog *self, const char *id_or_path, GError **error);

/* Loads the model @id_or_path (as cs_model_catalog_resolve() finds it); @arch names the
 * architecture when not NULL, over what the metadata says. Safe from any thread. */
CsModel *cs_model_catalog_load(CsModelCatalog *self, const char *id_or_path, const char *arch,
                               GError **error);

G_END_DECLS
