/* cs-presentation.h — presentation mode: a case's frame and its heat maps full screen, for a class
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A window of its own, full screen over the main window, that shows one case of a study at a
 * time: the frame with its ROI and tracings, beside the occlusion, LIME and Grad-CAM maps of one
 * or two models, each as large as the screen allows. Blind, it hides everything that gives the
 * answer away (the case id, the label, the stage, the nerve conduction and every p(CTS)) until it
 * is revealed, so a class can guess first. It keeps no state of its own beyond what it shows: the
 * main window's actions (cs-window-present.c) hold the switches and set them here, and the keys
 * pressed in it activate those actions, so the keyboard, its buttons and D-Bus take one path.
 */
#pragma once

#include <gtk/gtk.h>

#include "cs-colormap.h"
#include "cs-frame-explanation.h"
#include "cs-study.h"

G_BEGIN_DECLS

#define CS_TYPE_PRESENTATION (cs_presentation_get_type())
G_DECLARE_FINAL_TYPE(CsPresentation, cs_presentation, CS, PRESENTATION, GtkWindow)

/* Creates the window over @parent, whose "win" actions its keys and buttons activate. */
CsPresentation *cs_presentation_new(GtkWindow *parent);

/* How the heat maps are made: the models (ids; @second NULL shows one model) and the explainers'
 * parameters. Takes effect at the next case shown. */
void cs_presentation_set_models(CsPresentation *self, const char *first, const char *second);
void cs_presentation_set_options(CsPresentation *self, const CsExplainOptions *options);

/* Shows case @index of @study, at @frame (-1: the frame the case report would show), and starts
 * reading the frame and explaining it. */
void cs_presentation_show_case(CsPresentation *self, CsStudy *study, guint index, int frame);
/* The case shown (borrowed; NULL when none) and its index in the study. */
CsCase *cs_presentation_get_case(CsPresentation *self);
guint cs_presentation_get_index(CsPresentation *self);
/* The frame shown, or -1 while none is. */
int cs_presentation_get_frame(CsPresentation *self);

/* The switches, as the window's actions hold them. */
void cs_presentation_set_blind(CsPresentation *self, gboolean blind);
void cs_presentation_set_revealed(CsPresentation *self, gboolean revealed);
void cs_presentation_set_heatmaps_visible(CsPresentation *self, gboolean visible);
void cs_presentation_set_outlines_visible(CsPresentation *self, gboolean visible);
void cs_presentation_set_colormap(CsPresentation *self, CsColormap colormap);
void cs_presentation_set_opacity(CsPresentation *self, double opacity);

/* TRUE while the answer (label, nerve conduction, p(CTS)) is on screen: not blind, or revealed. */
gboolean cs_presentation_is_answer_shown(CsPresentation *self);

/* What the window shows now, for tests and screen readers: the heading (the case, or only its
 * place in the study when blind), the answer line, and the heading of row @row (0 or 1) of maps
 * (NULL when that row is hidden). */
const char *cs_presentation_get_heading(CsPresentation *self);
const char *cs_presentation_get_answer(CsPresentation *self);
const char *cs_presentation_get_row_heading(CsPresentation *self, int row);

/* The number of rows of maps shown (1 or 2) and TRUE once they hold the current case's maps. */
int cs_presentation_get_n_rows(CsPresentation *self);
gboolean cs_presentation_is_explained(CsPresentation *self);

/* Writes what the window shows to a PNG (a screenshot, also without a window manager). */
gboolean cs_presentation_save_png(CsPresentation *self, const char *path, GError **error);

G_END_DECLS
