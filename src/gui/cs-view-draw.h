/* cs-view-draw.h — what the frame viewer draws over a frame: outlines, their labels, the outline
 * being traced or edited
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>

#include "cs-view-geometry.h"

G_BEGIN_DECLS

/* Adds the polygon of @n (x, y) image points to @cr's path, in widget coordinates. */
void cs_view_draw_path(cairo_t *cr, const CsViewTransform *t, const double *xy, guint n,
                       gboolean closed);

/* Draws @text at widget point (x, y) on a dark box, in colour (r, g, b). */
void cs_view_draw_label(cairo_t *cr, double x, double y, const char *text, double r, double g,
                        double b);

/* Draws a saved tracing: filled, outlined, its label beside its first vertex. */
void cs_view_draw_outline(cairo_t *cr, const CsViewTransform *t, const double *xy, guint n,
                          const char *label);

/* Draws an outline the nerve finder proposes: dashed magenta, unfilled, so that it is never taken
 * for a person's tracing. */
void cs_view_draw_proposed_outline(cairo_t *cr, const CsViewTransform *t, const double *xy, guint n,
                                   const char *label);

/* Draws the outline being traced or edited with its vertices (the selected one larger); an open
 * outline runs on to the pointer at image point @pointer (NULL: no pointer). */
void cs_view_draw_edit(cairo_t *cr, const CsViewTransform *t, const CsTracingEdit *edit,
                       const double *pointer);

G_END_DECLS
