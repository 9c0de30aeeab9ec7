/* cs-analysis-panel.h — the network's answer for the hand beside the traced CSA
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-case.h"
#include "cs-model-catalog.h"
#include "cs-sweep.h"

G_BEGIN_DECLS

#define CS_TYPE_ANALYSIS_PANEL (cs_analysis_panel_get_type())
G_DECLARE_FINAL_TYPE(CsAnalysisPanel, cs_analysis_panel, CS, ANALYSIS_PANEL, GtkBox)

/* Signals: "cancel-requested" (): the Cancel button was pressed.
 *          "frame-activated" (int frame): a tracing's "show" button was pressed.
 * Properties: "threshold" (double), "model-id" (string, the selected installed model),
 *             "model-catalog" (CsModelCatalog, the models offered; the default catalogue until
 *             set). */

/* Shows @c's cached results and tracings (NULL: nothing). */
void cs_analysis_panel_set_case(CsAnalysisPanel *self, CsCase *c);

/* Gives the case's sweep once it is open (NULL: none): the CSA rows of a DICOM sweep take each
 * tracing's mm from the Ultrasound Region that holds it, or say why there are none. */
void cs_analysis_panel_set_sweep(CsAnalysisPanel *self, CsSweep *sweep);

/* Shows the p(CTS) of @frame from the current result, if any. */
void cs_analysis_panel_set_frame(CsAnalysisPanel *self, int frame);

/* While an analysis runs: a progress fraction and text; FALSE hides the progress. */
void cs_analysis_panel_set_running(CsAnalysisPanel *self, gboolean running);
void cs_analysis_panel_set_progress(CsAnalysisPanel *self, double fraction, const char *text);

/* Re-reads the installed models (keeps the selection when it still exists). */
void cs_analysis_panel_reload_models(CsAnalysisPanel *self);

/* Offers the models of @models (the application's catalogue). */
void cs_analysis_panel_set_model_catalog(CsAnalysisPanel *self, CsModelCatalog *models);

/* The selected model: id, and its SHA-256 (NULL when none). */
const char *cs_analysis_panel_get_model_id(CsAnalysisPanel *self);
const char *cs_analysis_panel_get_model_sha256(CsAnalysisPanel *self);
void cs_analysis_panel_set_model_id(CsAnalysisPanel *self, const char *id);

/* The decision threshold. */
double cs_analysis_panel_get_threshold(CsAnalysisPanel *self);
void cs_analysis_panel_set_threshold(CsAnalysisPanel *self, double threshold);

/* The level tag for the next tracing ("inlet", "forearm", "outlet"). */
const char *cs_analysis_panel_get_level(CsAnalysisPanel *self);

/* The literature CSA cut-off shown for comparison, in mm^2. */
void cs_analysis_panel_set_csa_cutoff(CsAnalysisPanel *self, double cutoff_mm2);
/* The literature cut-offs shown beside the wrist-to-forearm ratio and the delta-CSA (mm^2). */
void cs_analysis_panel_set_forearm_cutoffs(CsAnalysisPanel *self, double ratio, double delta_mm2);

/* Returns the result of the selected model for the case (NULL when none), and whether it is
 * stale (ROI changed since). */
const CsModelResult *cs_analysis_panel_get_result(CsAnalysisPanel *self, gboolean *stale);

G_END_DECLS
