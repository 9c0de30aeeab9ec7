/* cs-explain-panel.h — what the network looked at: the ROI crop beside its explanations
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cs-case.h"
#include "cs-frame-explanation.h"
#include "cs-model-catalog.h"
#include "cs-sweep.h"

G_BEGIN_DECLS

#define CS_TYPE_EXPLAIN_PANEL (cs_explain_panel_get_type())
G_DECLARE_FINAL_TYPE(CsExplainPanel, cs_explain_panel, CS, EXPLAIN_PANEL, GtkBox)

/* Property "model-id": the model explained in the first row.
 * Signal "finished" (gboolean ok): an explanation the panel started ended, shown (ok) or not. */

/* The case and its sweep whose frames are explained (NULL: nothing). */
void cs_explain_panel_set_case(CsExplainPanel *self, CsSweep *sweep, CsCase *c);

/* The frame to explain next; panels of another frame are marked as such. */
void cs_explain_panel_set_frame(CsExplainPanel *self, int frame);

/* Offers the models of @models (the application's catalogue; the default one until set) as the
 * second model to compare with. */
void cs_explain_panel_set_model_catalog(CsExplainPanel *self, CsModelCatalog *models);

/* Takes defaults (parameters, opacity, colour map) from @settings and keeps them there. */
void cs_explain_panel_set_settings(CsExplainPanel *self, GSettings *settings);

/* Starts explaining the current frame in a worker; returns FALSE when it cannot start. */
gboolean cs_explain_panel_explain(CsExplainPanel *self);

/* TRUE while a worker runs. */
gboolean cs_explain_panel_is_running(CsExplainPanel *self);
/* Asks a running explanation to stop (its worker holds the panel until it has). */
void cs_explain_panel_cancel(CsExplainPanel *self);

/* The parameters set in the panel, as the analysis layer takes them. */
void cs_explain_panel_get_options(CsExplainPanel *self, CsExplainOptions *options);

/* The explanation the first row shows (owned by the panel; NULL when none), of the case last set:
 * what a case report exported from the window draws. */
CsFrameExplanation *cs_explain_panel_get_explanation(CsExplainPanel *self);

/* The number of panels of the first row that hold a map. */
int cs_explain_panel_get_n_maps(CsExplainPanel *self);

/* Shows @explanations (CsFrameExplanation, one row per model, two at most), as the panel does
 * when its worker ends; the panel keeps a reference to the array. */
void cs_explain_panel_show_explanations(CsExplainPanel *self, GPtrArray *explanations);
/* TRUE when the first row shows LIME's stability map (LIME was repeated). */
gboolean cs_explain_panel_is_stability_shown(CsExplainPanel *self);
/* The caption under the first row's panel of @method ("crop", "occlusion", "lime", "lime-sd",
 * "gradcam"), or NULL. */
const char *cs_explain_panel_get_caption(CsExplainPanel *self, const char *method);

G_END_DECLS
