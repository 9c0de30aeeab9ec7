/* cs-preferences-window.h — preferences bound to the application's settings
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-model-catalog.h"

G_BEGIN_DECLS

#define CS_TYPE_PREFERENCES_WINDOW (cs_preferences_window_get_type())
G_DECLARE_FINAL_TYPE(CsPreferencesWindow, cs_preferences_window, CS, PREFERENCES_WINDOW,
                     AdwPreferencesWindow)

/* Property "model-catalog" (construct-only): the models the default model is chosen from. */

/* Creates the preferences window over @parent (may be NULL), offering the models of @models. */
CsPreferencesWindow *cs_preferences_window_new(GtkWindow *parent, CsModelCatalog *models);

/* Imports the ONNX model @file into the per-user models folder in a worker, as the Import ONNX
 * Model row does with the file chosen: the catalogue is rescanned once it is written, so every
 * model list shows it, and a toast says what happened. */
void cs_preferences_window_import_onnx(CsPreferencesWindow *self, GFile *file);

G_END_DECLS
