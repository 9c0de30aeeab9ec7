/* cs-roc-figure.h — ROC curves of several models in one figure (the paper's Figure 4)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "cs-evaluation.h"

G_BEGIN_DECLS

/* The figure's natural size in points (PDF) or device-independent pixels. */
#define CS_ROC_FIGURE_SIZE 480.0

/* Draws the ROC curves of every model at @level into the @width x @height box at the origin of
 * @cr: one curve per model, the chance diagonal, a legend with each AUC and its DeLong CI, axes
 * 1 - specificity and sensitivity. For reports and for the GUI's drawing area. */
void cs_roc_figure_draw(cairo_t *cr, const CsEvaluation *evaluation, CsLevel level, double width,
                        double height);

/* Writes the figure as a PNG of @size x @size pixels (atomically: a temporary file renamed). */
gboolean cs_roc_figure_write_png(const CsEvaluation *evaluation, CsLevel level, const char *path,
                                 int size, GError **error);

/* Writes the figure as a one-page PDF of CS_ROC_FIGURE_SIZE points square (atomically). */
gboolean cs_roc_figure_write_pdf(const CsEvaluation *evaluation, CsLevel level, const char *path,
                                 GError **error);

G_END_DECLS
