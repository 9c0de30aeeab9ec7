/* cs-view-draw.c — what the frame viewer draws over a frame: outlines, their labels, the outline
 * being traced or edited
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-view-draw.h"

void
cs_view_draw_path(cairo_t *cr, const CsViewTransform *t, const double *xy, guint n, gboolean closed)
{
  for (guint i = 0; i < n; i++) {
    double wx, wy;

    cs_view_image_to_widget(t, xy[2 * i], xy[2 * i + 1], &wx, &wy);
    if (i == 0)
      cairo_move_to(cr, wx, wy);
    else
      cairo_line_to(cr, wx, wy);
  }
  if (closed)
    cairo_close_path(cr);
}

void
cs_view_draw_label(cairo_t *cr, double x, double y, const char *text, double r, double g, double b)
{
  cairo_text_extents_t extents;

  cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size(cr, 12);
  cairo_text_extents(cr, text, &extents);
  cairo_set_source_rgba(cr, 0, 0, 0, 0.6);
  cairo_rectangle(cr, x - 3, y - extents.height - 4, extents.x_advance + 6, extents.height + 7);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, r, g, b);
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, text);
}

void
cs_view_draw_outline(cairo_t *cr, const CsViewTransform *t, const double *xy, guint n,
                     const char *label)
{
  if (n < 2)
    return;
  cs_view_draw_path(cr, t, xy, n, TRUE);
  cairo_set_source_rgba(cr, 0.2, 0.82, 0.48, 0.18);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 0.2, 0.82, 0.48);
  cairo_set_line_width(cr, 2);
  cairo_stroke(cr);
  if (label != NULL) {
    double wx, wy;

    cs_view_image_to_widget(t, xy[0], xy[1], &wx, &wy);
    cs_view_draw_label(cr, wx + 6, wy - 6, label, 0.56, 0.94, 0.64);
  }
}

void
cs_view_draw_proposed_outline(cairo_t *cr, const CsViewTransform *t, const double *xy, guint n,
                              const char *label)
{
  const double dashes[] = { 6, 4 };

  if (n < 2)
    return;
  cairo_save(cr);
  cs_view_draw_path(cr, t, xy, n, TRUE);
  cairo_set_source_rgb(cr, 0.91, 0.27, 0.82);
  cairo_set_line_width(cr, 2);
  cairo_set_dash(cr, dashes, 2, 0);
  cairo_stroke(cr);
  cairo_restore(cr);
  if (label != NULL) {
    double wx, wy;

    cs_view_image_to_widget(t, xy[0], xy[1], &wx, &wy);
    cs_view_draw_label(cr, wx + 6, wy - 6, label, 0.96, 0.55, 0.91);
  }
}

void
cs_view_draw_edit(cairo_t *cr, const CsViewTransform *t, const CsTracingEdit *edit,
                  const double *pointer)
{
  const double *xy = cs_tracing_edit_points(edit);
  guint n = cs_tracing_edit_n_points(edit);

  if (n == 0)
    return;
  cs_view_draw_path(cr, t, xy, n, edit->closed);
  if (!edit->closed && pointer != NULL) {
    double wx, wy;

    cs_view_image_to_widget(t, pointer[0], pointer[1], &wx, &wy);
    cairo_line_to(cr, wx, wy);
  }
  cairo_set_source_rgb(cr, 1.0, 0.47, 0.0);
  cairo_set_line_width(cr, 2);
  cairo_stroke(cr);
  for (guint i = 0; i < n; i++) {
    double wx, wy;

    cs_view_image_to_widget(t, xy[2 * i], xy[2 * i + 1], &wx, &wy);
    cairo_arc(cr, wx, wy, (int)i == edit->selected ? 6 : 3.5, 0, 2 * G_PI);
    cairo_fill(cr);
  }
}
