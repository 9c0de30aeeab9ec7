/* cs-roc-figure.c — ROC curves of several models in one figure (the paper's Figure 4)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-roc-figure.h"

#include "cs-error.h"
#include "cs-report.h"

#include <cairo-pdf.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <pango/pangocairo.h>

/* Okabe and Ito's palette: distinguishable with the common colour-vision deficiencies. */
static const double palette[][3] = {
  { 0.000, 0.447, 0.698 }, /* blue */
  { 0.835, 0.369, 0.000 }, /* vermillion */
  { 0.000, 0.620, 0.451 }, /* bluish green */
  { 0.800, 0.475, 0.655 }, /* reddish purple */
  { 0.902, 0.624, 0.000 }, /* orange */
  { 0.337, 0.706, 0.914 }, /* sky blue */
  { 0.000, 0.000, 0.000 }, /* black */
};

/* Shows @text with its reference point placed by @align_x / @align_y (0 = left / top, 0.5 =
 * centre, 1 = right / bottom) at (@x, @y), rotated by @angle radians. */
static void
show_text(cairo_t *cr, const char *text, double size, gboolean bold, double x, double y,
          double align_x, double align_y, double angle, double *out_width)
{
  PangoLayout *layout = pango_cairo_create_layout(cr);
  PangoFontDescription *font = pango_font_description_from_string(CS_REPORT_FONT_FAMILY);
  int width, height;

  pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
  if (bold)
    pango_font_description_set_weight(font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description(layout, font);
  pango_layout_set_text(layout, text, -1);
  pango_layout_get_size(layout, &width, &height);
  if (out_width != NULL)
    *out_width = (double)width / PANGO_SCALE;
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, angle);
  cairo_move_to(cr, -align_x * width / PANGO_SCALE, -align_y * height / PANGO_SCALE);
  pango_cairo_show_layout(cr, layout);
  cairo_restore(cr);
  pango_font_description_free(font);
  g_object_unref(layout);
}

static double
measure_text(cairo_t *cr, const char *text, double size)
{
  PangoLayout *layout = pango_cairo_create_layout(cr);
  PangoFontDescription *font = pango_font_description_from_string(CS_REPORT_FONT_FAMILY);
  int width, height;

  pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
  pango_layout_set_font_description(layout, font);
  pango_layout_set_text(layout, text, -1);
  pango_layout_get_size(layout, &width, &height);
  pango_font_description_free(font);
  g_object_unref(layout);
  return (double)width / PANGO_SCALE;
}

/* Where the axes are drawn, in the units of the figure's CS_ROC_FIGURE_SIZE square. */
typedef struct {
  double left, top, w, h;
} plot_area;

/* The title: the level with the numbers of frames and hands behind the curves. */
static void
draw_title(cairo_t *cr, const CsEvaluation *evaluation, CsLevel level)
{
  g_autofree char *title = NULL;
  size_t n_items = 0, n_hands = 0;

  for (size_t i = 0; i < evaluation->n_models; i++)
    if (evaluation->models[i].level == level) {
      n_items = MAX(n_items, evaluation->models[i].n);
      n_hands = MAX(n_hands, evaluation->models[i].hands);
    }
  if (level == CS_LEVEL_IMAGE)
    title = g_strdup_printf("ROC, image level (%zu frames, %zu hands)", n_items, n_hands);
  else
    title = g_strdup_printf("ROC, hand level (%zu hands, mean p(CTS) per hand)", n_hands);
  cairo_set_source_rgb(cr, 0, 0, 0);
  show_text(cr, title, 14, TRUE, CS_ROC_FIGURE_SIZE / 2, 14, 0.5, 0, 0, NULL);
}

/* The grid with its ticks and axis titles, the chance diagonal and the frame of the plot. */
static void
draw_axes(cairo_t *cr, const plot_area *a)
{
  /* Grid and ticks every 0.2. */
  cairo_set_line_width(cr, 0.6);
  for (int t = 0; t <= 5; t++) {
    double f = t / 5.0;
    char label[8];
    g_snprintf(label, sizeof label, "%.1f", f);
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, a->left + f * a->w, a->top);
    cairo_line_to(cr, a->left + f * a->w, a->top + a->h);
    cairo_move_to(cr, a->left, a->top + a->h - f * a->h);
    cairo_line_to(cr, a->left + a->w, a->top + a->h - f * a->h);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    show_text(cr, label, 11, FALSE, a->left + f * a->w, a->top + a->h + 5, 0.5, 0, 0, NULL);
    show_text(cr, label, 11, FALSE, a->left - 6, a->top + a->h - f * a->h, 1, 0.5, 0, NULL);
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  show_text(cr, "1 \u2013 Specificity", 13, FALSE, a->left + a->w / 2, CS_ROC_FIGURE_SIZE - 8, 0.5,
            1, 0, NULL);
  show_text(cr, "Sensitivity", 13, FALSE, 14, a->top + a->h / 2, 0.5, 0, -M_PI / 2, NULL);

  /* The chance diagonal. */
  {
    const double dash[] = { 5, 4 };
    cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
    cairo_set_line_width(cr, 1);
    cairo_set_dash(cr, dash, 2, 0);
    cairo_move_to(cr, a->left, a->top + a->h);
    cairo_line_to(cr, a->left + a->w, a->top);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
  }

  /* The frame of the plot, under the curves that run along its edges. */
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, a->left, a->top, a->w, a->h);
  cairo_stroke(cr);
}

/* The curves of the models at @level, one palette colour each in order, clipped to the plot so
 * thick lines do not spill over the axes. */
static void
draw_curves(cairo_t *cr, const CsEvaluation *evaluation, CsLevel level, const plot_area *a)
{
  size_t color = 0;

  cairo_save(cr);
  cairo_rectangle(cr, a->left - 1, a->top - 1, a->w + 2, a->h + 2);
  cairo_clip(cr);
  cairo_set_line_width(cr, 2);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (size_t i = 0; i < evaluation->n_models; i++) {
    const CsModelEvaluation *r = &evaluation->models[i];
    const double *rgb = palette[color % G_N_ELEMENTS(palette)];
    if (r->level != level)
      continue;
    color++;
    if (r->n_roc == 0)
      continue;
    cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    for (size_t p = 0; p < r->n_roc; p++) {
      double x = a->left + r->roc[p].fpr * a->w, y = a->top + a->h - r->roc[p].tpr * a->h;
      if (p == 0)
        cairo_move_to(cr, x, y);
      else
        cairo_line_to(cr, x, y);
    }
    cairo_stroke(cr);
  }
  cairo_restore(cr);
}

/* The legend, bottom right inside the plot where ROC curves leave room: each model at @level
 * with its AUC and, when known, its confidence interval. */
static void
draw_legend(cairo_t *cr, const CsEvaluation *evaluation, CsLevel level, const plot_area *a)
{
  g_autoptr(GPtrArray) legend = g_ptr_array_new_with_free_func(g_free);
  double legend_width = 0, line_height = 15;

  for (size_t i = 0; i < evaluation->n_models; i++) {
    const CsModelEvaluation *r = &evaluation->models[i];
    char *entry;
    if (r->level != level)
      continue;
    if (isnan(r->auc.value))
      entry = g_strdup_printf("%s (AUC n/a)", r->model);
    else if (isnan(r->auc.ci[0]))
      entry = g_strdup_printf("%s (AUC %.3f)", r->model, r->auc.value);
    else
      entry = g_strdup_printf("%s (AUC %.3f, %g%% CI %.3f\u2013%.3f)", r->model, r->auc.value,
                              100.0 * evaluation->conf_level, r->auc.ci[0], r->auc.ci[1]);
    legend_width = MAX(legend_width, measure_text(cr, entry, 11));
    g_ptr_array_add(legend, entry);
  }
  if (legend->len == 0)
    return;

  double box_w = legend_width + 40, box_h = legend->len * line_height + 10;
  double x0 = a->left + a->w - box_w - 8, y0 = a->top + a->h - box_h - 8;
  cairo_rectangle(cr, x0, y0, box_w, box_h);
  cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
  cairo_set_line_width(cr, 0.8);
  cairo_stroke(cr);
  for (guint e = 0; e < legend->len; e++) {
    const double *rgb = palette[e % G_N_ELEMENTS(palette)];
    double y = y0 + 5 + (e + 0.5) * line_height;
    cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    cairo_set_line_width(cr, 2.5);
    cairo_move_to(cr, x0 + 8, y);
    cairo_line_to(cr, x0 + 30, y);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    show_text(cr, g_ptr_array_index(legend, e), 11, FALSE, x0 + 36, y, 0, 0.5, 0, NULL);
  }
}

void
cs_roc_figure_draw(cairo_t *cr, const CsEvaluation *evaluation, CsLevel level, double width,
                   double height)
{
  /* Everything is laid out on a 480-unit square and scaled to the box. */
  const double unit = CS_ROC_FIGURE_SIZE;
  const double left = 64, right = 20, top = 44, bottom = 56;
  const plot_area area = { left, top, unit - left - right, unit - top - bottom };
  double scale = fmin(width, height) / unit;

  g_return_if_fail(cr != NULL && evaluation != NULL);

  cairo_save(cr);
  cairo_translate(cr, 0.5 * (width - unit * scale), 0.5 * (height - unit * scale));
  cairo_scale(cr, scale, scale);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  draw_title(cr, evaluation, level);
  draw_axes(cr, &area);
  draw_curves(cr, evaluation, level, &area);
  draw_legend(cr, evaluation, level, &area);
  cairo_restore(cr);
}

static gboolean
check_status(cairo_status_t status, const char *path, GError **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  g_set_error(error, CS_ERROR, CS_ERROR_IO, "cannot write %s: %s", path,
              cairo_status_to_string(status));
  return FALSE;
}

static gboolean
finish_atomically(const char *temporary, const char *path, GError **error)
{
  if (g_rename(temporary, path) == 0)
    return TRUE;
  {
    int saved = errno;
    g_unlink(temporary);
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "cannot write %s: %s", path, g_strerror(saved));
  }
  return FALSE;
}

gboolean
cs_roc_figure_write_png(const CsEvaluation *evaluation, CsLevel level, const char *path, int size,
                        GError **error)
{
  g_autofree char *temporary = g_strconcat(path, ".part", NULL);
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  g_return_val_if_fail(evaluation != NULL && path != NULL, FALSE);
  if (size < 16 || size > 8192) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "figure size %d is not in 16..8192", size);
    return FALSE;
  }
  surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, size, size);
  cr = cairo_create(surface);
  cs_roc_figure_draw(cr, evaluation, level, size, size);
  status = cairo_status(cr);
  cairo_destroy(cr);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_write_to_png(surface, temporary);
  cairo_surface_destroy(surface);
  if (!check_status(status, path, error)) {
    g_unlink(temporary);
    return FALSE;
  }
  return finish_atomically(temporary, path, error);
}

gboolean
cs_roc_figure_write_pdf(const CsEvaluation *evaluation, CsLevel level, const char *path,
                        GError **error)
{
  g_autofree char *temporary = g_strconcat(path, ".part", NULL);
  g_autofree char *title = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  g_return_val_if_fail(evaluation != NULL && path != NULL, FALSE);
  surface = cairo_pdf_surface_create(temporary, CS_ROC_FIGURE_SIZE, CS_ROC_FIGURE_SIZE);
  title = g_strdup_printf("ROC curves, %s level", cs_level_key(level));
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
                                 "Carpalscope " PACKAGE_VERSION);
  cr = cairo_create(surface);
  cs_roc_figure_draw(cr, evaluation, level, CS_ROC_FIGURE_SIZE, CS_ROC_FIGURE_SIZE);
  cairo_show_page(cr);
  status = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (!check_status(status, path, error)) {
    g_unlink(temporary);
    return FALSE;
  }
  return finish_atomically(temporary, path, error);
}
