/* cs-case-report-pdf.c — laying out a case report: PDF pages and the panels as a PNG
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>

#include "cs-error.h"
#include "cs-inlet-csa.h"
#include "cs-reference.h"
#include "cs-report-private.h"

/* The width the explanation panels are designed at, in points; PNGs scale it. */
#define PANELS_DESIGN_WIDTH 495.0

static const char *
hand_label(CsHand hand)
{
  switch (hand) {
    case CS_HAND_LEFT:
      return "left";
    case CS_HAND_RIGHT:
      return "right";
    default:
      return "not recorded";
  }
}

static const char *
group_label(CsGroup group)
{
  switch (group) {
    case CS_GROUP_CTS:
      return "CTS";
    case CS_GROUP_CONTROL:
      return "control";
    default:
      return "not labelled";
  }
}

static const char *
split_label(CsSplit split)
{
  switch (split) {
    case CS_SPLIT_TRAIN:
      return "training";
    case CS_SPLIT_VALIDATION:
      return "validation";
    case CS_SPLIT_TEST:
      return "test";
    default:
      return "unassigned";
  }
}

static const char *
scheme_label(CsGradingScheme scheme)
{
  return scheme == CS_GRADING_BLAND2000 ? "Bland 2000 (grades 0–6)"
                                        : "Shinohara et al. 2022 (stages 1–5)";
}

/* ---- Header ---- */

static void
draw_header(CsReportDoc *doc, const CsCaseReport *r)
{
  cairo_t *cr = doc->cr;
  double x = doc->margin;
  double width = cs_report_doc_width(doc);
  g_autofree char *right = g_markup_printf_escaped(
      "<span foreground='#555555'>Carpalscope %s\nReport date %s</span>", PACKAGE_VERSION, r->date);
  const char *labels[] = { "Study", "Case", "Hand", "Study label", "Split" };
  char *values[5] = { NULL };
  double col = width / 5;
  double h = 0;

  cairo_set_source_rgb(cr, 0.08, 0.22, 0.42);
  cs_report_text(cr, x, doc->y, width, 18, "<b>Case report</b>");
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cs_report_text_right(cr, x + width, doc->y + 1, 8.5, right);
  doc->y += 30;

  values[0] = g_markup_escape_text(r->study_label, -1);
  values[1] = g_markup_escape_text(r->display_id, -1);
  values[2] = g_strdup(hand_label(r->hand));
  values[3] = g_strdup(group_label(r->group));
  values[4] = g_strdup(split_label(r->split));
  for (int i = 0; i < 5; i++) {
    g_autofree char *v = g_strdup_printf("<b>%s</b>", values[i]);

    h = fmax(h, cs_report_text_height(cr, col - 10, 11, v));
  }
  cairo_set_source_rgb(cr, 0.93, 0.95, 0.98);
  cairo_rectangle(cr, x, doc->y, width, h + 22);
  cairo_fill(cr);
  for (int i = 0; i < 5; i++) {
    g_autofree char *label = g_strdup_printf("<span foreground='#555555'>%s</span>", labels[i]);
    g_autofree char *v = g_strdup_printf("<b>%s</b>", values[i]);

    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cs_report_text(cr, x + i * col + 6, doc->y + 4, col - 10, 7.5, label);
    cs_report_text(cr, x + i * col + 6, doc->y + 15, col - 10, 11, v);
  }
  doc->y += h + 26;
  for (int i = 0; i < 5; i++)
    g_free(values[i]);
  if (r->options.real_id)
    cs_report_doc_paragraph(doc, 7.5,
                            "<span foreground='#555555'>The case id is shown as recorded.</span>");
  else
    cs_report_doc_paragraph(
        doc, 7.5,
        "<span foreground='#555555'>The case id is pseudonymised (a token derived from a hash "
        "of the id; the same case always gets the same token). Carpalscope shows the recorded id "
        "only when asked to (<tt>--real-id</tt>).</span>");
  if (r->patient != NULL) {
    g_autofree char *patient = g_markup_printf_escaped(
        "<b>Patient:</b> %s <span foreground='#555555'>(from the DICOM file; named because the "
        "study is set to name patients in its reports)</span>",
        r->patient);

    cs_report_doc_paragraph(doc, 9, patient);
  }

  /* The research-use statement, where nobody can miss it. */
  {
    g_autofree char *text =
        g_markup_printf_escaped("<b>Research use only.</b> %s", CS_REPORT_RESEARCH_USE);
    double th = cs_report_text_height(cr, width - 16, 8.5, text);

    cairo_set_source_rgb(cr, 1.0, 0.96, 0.84);
    cairo_rectangle(cr, x, doc->y, width, th + 10);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.35, 0.25, 0.0);
    cs_report_text(cr, x + 8, doc->y + 5, width - 16, 8.5, text);
    doc->y += th + 14;
  }
}

static void
draw_missing(CsReportDoc *doc, const CsCaseReport *r)
{
  if (r->missing->len <= 1)
    return;
  cs_report_doc_heading(doc, "Not available for this case", 30);
  for (guint i = 0; i + 1 < r->missing->len; i++) {
    g_autofree char *line =
        g_markup_printf_escaped("•  %s", (const char *)g_ptr_array_index(r->missing, i));

    cs_report_doc_paragraph(doc, 8.5, line);
  }
}

/* ---- Frame with ROI and tracings ---- */

static void
draw_polygon(cairo_t *cr, const CsTracing *t, double ox, double oy, double scale)
{
  for (guint k = 0; k < t->n_points; k++) {
    double px = ox + t->points[2 * k] * scale;
    double py = oy + t->points[2 * k + 1] * scale;

    if (k == 0)
      cairo_move_to(cr, px, py);
    else
      cairo_line_to(cr, px, py);
  }
  cairo_close_path(cr);
}

/* Draws the representative frame fitted into @width at (@x, @y); returns its height. */
static double
draw_frame(cairo_t *cr, const CsCaseReport *r, double x, double y, double width)
{
  const CsReportFrame *f = r->frame;
  double scale = width / f->width;
  double height = f->height * scale;

  cs_report_draw_gray(cr, f->gray, f->width, f->height, x, y, width, height);
  cairo_save(cr);
  cairo_rectangle(cr, x, y, width, height);
  cairo_clip(cr);
  for (guint i = 0; i < r->tracings->len; i++) {
    const CsReportTracing *t = g_ptr_array_index(r->tracings, i);

    if (t->tracing->frame != f->index)
      continue;
    draw_polygon(cr, t->tracing, x, y, scale);
    cairo_set_source_rgb(cr, 0.2, 0.9, 0.3);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
  }
  if (r->has_roi) {
    cairo_rectangle(cr, x + r->roi.x * scale, y + r->roi.y * scale, r->roi.width * scale,
                    r->roi.height * scale);
    cairo_set_source_rgb(cr, 1.0, 0.8, 0.1);
    cairo_set_line_width(cr, 1.2);
    cairo_stroke(cr);
  }
  cairo_restore(cr);
  cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
  cairo_set_line_width(cr, 0.5);
  cairo_rectangle(cr, x, y, width, height);
  cairo_stroke(cr);
  return height;
}

/* ---- The per-frame chart ---- */

static double
draw_chart(cairo_t *cr, const CsCaseReport *r, double x, double y, double width, double height)
{
  const CsModelResult *res = r->result;
  double left = x + 28, right = x + width - 6, top = y + 6, bottom = y + height - 24;
  double x_max = MAX(1, r->n_frames > 0 ? r->n_frames - 1 : (double)res->frames[res->n_frames - 1]);
  g_autofree char *label = NULL;

#define CX(f) (left + (right - left) * (double)(f) / x_max)
#define CY(p) (bottom - (bottom - top) * (p))
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, left, top, right - left, bottom - top);
  cairo_fill(cr);
  cairo_set_line_width(cr, 0.4);
  for (int k = 0; k <= 4; k++) {
    g_autofree char *tick = g_strdup_printf("%.2f", k * 0.25);

    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    cairo_move_to(cr, left, CY(k * 0.25));
    cairo_line_to(cr, right, CY(k * 0.25));
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cs_report_text_right(cr, left - 3, CY(k * 0.25) - 5, 7, tick);
  }
  {
    /* Whole-frame ticks at a round step: 1, 2 or 5 times a power of ten. */
    double raw = x_max / 5, power = pow(10, floor(log10(fmax(raw, 1)))), step;

    step = raw <= power       ? power
           : raw <= 2 * power ? 2 * power
           : raw <= 5 * power ? 5 * power
                              : 10 * power;
    step = fmax(1, step);
    for (double f = 0; f <= x_max + 1e-9; f += step) {
      g_autofree char *tick = g_strdup_printf("%.0f", f);
      g_autoptr(PangoLayout) layout = cs_report_layout(cr, tick, 7, -1);
      int tw, th;

      pango_layout_get_size(layout, &tw, &th);
      cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
      cairo_move_to(cr, CX(f) - tw / 2.0 / PANGO_SCALE, bottom + 2);
      pango_cairo_show_layout(cr, layout);
    }
  }
  cs_report_text(cr, left + (right - left) / 2 - 12, bottom + 11, -1, 7, "frame");

  /* Threshold: dashed; hand-level p: solid. */
  cairo_save(cr);
  cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
  cairo_set_line_width(cr, 0.8);
  cairo_set_dash(cr, (double[]){ 3, 2 }, 2, 0);
  cairo_move_to(cr, left, CY(res->threshold));
  cairo_line_to(cr, right, CY(res->threshold));
  cairo_stroke(cr);
  cairo_restore(cr);
  cairo_set_source_rgb(cr, 0.75, 0.1, 0.1);
  cairo_set_line_width(cr, 1.0);
  cairo_move_to(cr, left, CY(res->p_hand));
  cairo_line_to(cr, right, CY(res->p_hand));
  cairo_stroke(cr);

  cairo_set_source_rgb(cr, 0.08, 0.3, 0.6);
  cairo_set_line_width(cr, 0.9);
  for (guint i = 0; i < res->n_frames; i++) {
    if (i == 0)
      cairo_move_to(cr, CX(res->frames[i]), CY(res->p_cts[i]));
    else
      cairo_line_to(cr, CX(res->frames[i]), CY(res->p_cts[i]));
  }
  cairo_stroke(cr);
  for (guint i = 0; i < res->n_frames; i++) {
    cairo_arc(cr, CX(res->frames[i]), CY(res->p_cts[i]), res->n_frames > 60 ? 0.8 : 1.4, 0,
              2 * G_PI);
    cairo_fill(cr);
  }
  if (r->frame != NULL) {
    cairo_set_source_rgb(cr, 1.0, 0.7, 0.0);
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, CX(r->frame->index), top);
    cairo_line_to(cr, CX(r->frame->index), bottom);
    cairo_stroke(cr);
  }
  cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
  cairo_set_line_width(cr, 0.5);
  cairo_rectangle(cr, left, top, right - left, bottom - top);
  cairo_stroke(cr);

  cairo_save(cr);
  cairo_translate(cr, x, top + (bottom - top) / 2 + 18);
  cairo_rotate(cr, -G_PI / 2);
  cs_report_text(cr, 0, 0, -1, 7, "p(CTS)");
  cairo_restore(cr);
  label = g_strdup_printf("<span foreground='#08336b'>• p(CTS) per frame</span>   "
                          "<span foreground='#bf1a1a'>— hand %s %.3f</span>   "
                          "<span foreground='#555555'>- - threshold %.2f</span>   "
                          "<span foreground='#cc8800'>| shown frame</span>",
                          res->summary, res->p_hand, res->threshold);
  cs_report_text(cr, left, bottom + 20, right - left, 7, label);
#undef CX
#undef CY
  return height + 12;
}

static void
draw_result(CsReportDoc *doc, const CsCaseReport *r)
{
  cairo_t *cr = doc->cr;
  double width = cs_report_doc_width(doc);
  double col = (width - 14) / 2;
  double frame_h = 0, chart_h = 0, y0;

  cs_report_doc_heading(doc, "Network result", 200);
  if (r->result != NULL) {
    const CsModelResult *res = r->result;
    gboolean cts = res->p_hand >= res->threshold;
    g_autofree char *model = g_markup_escape_text(res->model_id, -1);
    g_autofree char *line = g_strdup_printf(
        "Hand-level p(CTS) = <b>%.3f</b> (%s of %u analysed frames): <b>%s</b> at the threshold "
        "%.2f.",
        res->p_hand, res->summary, res->n_frames,
        cts ? "above the threshold, called CTS" : "below the threshold, called control",
        res->threshold);
    g_autofree char *sub = g_strdup_printf(
        "<span foreground='#555555'>Model %s; result computed %s%s.</span>", model, res->time,
        r->result_stale ? "; <b>stale</b>: the ROI or spacing changed since" : "");

    cs_report_doc_paragraph(doc, 10.5, line);
    cs_report_doc_paragraph(doc, 8, sub);
  }
  if (r->result == NULL)
    cs_report_doc_paragraph(doc, 10.5,
                            "<i>No analysis yet: there is no cached network result for this case "
                            "(see below).</i>");
  if (r->frame == NULL && r->result == NULL)
    return;
  cs_report_doc_need(doc, 190);
  y0 = doc->y;
  if (r->frame != NULL) {
    g_autofree char *caption = NULL;
    g_autofree char *roi = NULL;

    frame_h = draw_frame(cr, r, doc->margin, y0, col);
    if (r->has_roi) {
      g_autofree char *side = cs_spacing_format_length(&r->spacing, r->roi.width);

      roi = g_strdup_printf(" Yellow: the ROI, %s square (%d × %d px at %d, %d)%s.", side,
                            r->roi.width, r->roi.height, r->roi.x, r->roi.y,
                            r->roi_padded ? ", partly outside the frame (padded black)" : "");
    }
    caption =
        g_markup_printf_escaped("%s%s%s", r->frame_reason, roi != NULL ? roi : "",
                                r->tracings->len > 0 ? " Green: CSA tracing on this frame." : "");
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    frame_h += 3 + cs_report_text(cr, doc->margin, y0 + frame_h + 3, col, 7.5, caption);
  }
  if (r->result != NULL) {
    chart_h =
        draw_chart(cr, r, doc->margin + col + 14, y0, col, fmin(170, fmax(120, frame_h - 30)));
  } else {
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    chart_h = cs_report_text(cr, doc->margin + col + 14, y0, col, 9,
                             "<i>No per-frame chart: the case has no analysis yet.</i>");
  }
  doc->y = y0 + fmax(frame_h, chart_h) + 6;
}

/* ---- Explanation panels ---- */

static char *
panel_parameters(const CsCaseReport *r, const CsExplanation *e)
{
  switch (e->method) {
    case CS_EXPLAIN_OCCLUSION:
      if (r->crop_mm_per_px > 0)
        return g_strdup_printf("mask %d px (%.1f mm), stride %d px (%.1f mm), fill %s, %d windows",
                               e->mask_px, e->mask_px * r->crop_mm_per_px, e->stride_px,
                               e->stride_px * r->crop_mm_per_px, cs_explain_fill_name(e->fill),
                               e->n_windows);
      return g_strdup_printf("mask %d px, stride %d px, fill %s, %d windows", e->mask_px,
                             e->stride_px, cs_explain_fill_name(e->fill), e->n_windows);
    case CS_EXPLAIN_LIME:
      return g_strdup_printf(
          "%s, %d segments, %d samples, seed %" G_GUINT64_FORMAT ", kernel width %.2f, R² %.2f%s",
          e->segmentation == CS_SEGMENTATION_SLIC ? "SLIC" : "grid", e->n_segments, e->n_samples,
          e->seed, e->kernel_width, e->r2, e->repeats > 1 ? " (mean of repeats)" : "");
    case CS_EXPLAIN_GRADCAM:
    default:
      return g_strdup("last convolutional block, ReLU, bilinear upsampling");
  }
}

static const char *
panel_title(const CsExplanation *e)
{
  switch (e->method) {
    case CS_EXPLAIN_OCCLUSION:
      return "Occlusion sensitivity";
    case CS_EXPLAIN_LIME:
      return "LIME";
    case CS_EXPLAIN_GRADCAM:
    default:
      return "Grad-CAM";
  }
}

static const char *
colorbar_title(const CsExplanation *e)
{
  switch (e->method) {
    case CS_EXPLAIN_OCCLUSION:
      return "Δ p(CTS)";
    case CS_EXPLAIN_LIME:
      return "surrogate weight";
    case CS_EXPLAIN_GRADCAM:
    default:
      return "weighted activation";
  }
}

/* Draws the crop and its heat maps side by side from (@x, @y) over @width; returns the height. */
static double
draw_panels(cairo_t *cr, const CsCaseReport *r, double x, double y, double width)
{
  const CsExplanation *maps[3] = { r->occlusion, r->lime, r->gradcam };
  int n = 1;
  double gap = 10, side, bottom = y;
  int size = r->crop_size;
  g_autofree guint8 *rgba = g_malloc((gsize)size * size * 4);

  for (int i = 0; i < 3; i++)
    if (maps[i] != NULL)
      n++;
  side = (width - gap * (n - 1)) / n;
  for (int i = -1, slot = 0; i < 3; i++) {
    const CsExplanation *e = i < 0 ? NULL : maps[i];
    double px = x + slot * (side + gap);
    double py = y;
    g_autofree char *title = NULL;
    g_autofree char *params = NULL;

    if (i >= 0 && e == NULL)
      continue;
    slot++;
    title = g_strdup_printf("<b>%s</b>", e != NULL ? panel_title(e) : "ROI crop");
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    py += cs_report_text(cr, px, py, side, 8.5, title) + 2;
    if (e == NULL) {
      cs_report_draw_gray(cr, r->crop, size, size, px, py, side, side);
    } else {
      CsOverlayScale scale = cs_overlay_scale(e->map, (gsize)size * size, r->options.colormap, 2.0);

      cs_overlay_compose(r->crop, e->map, size, size, r->options.colormap, r->options.opacity,
                         CS_OVERLAY_BLEND_WEIGHTED, &scale, rgba);
      cs_report_draw_rgba(cr, rgba, size, size, px, py, side, side);
      cs_colorbar_draw(cr, px, py + side + 14, side, 7, r->options.colormap, &scale,
                       colorbar_title(e));
    }
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    cairo_set_line_width(cr, 0.5);
    cairo_rectangle(cr, px, py, side, side);
    cairo_stroke(cr);
    py += side + (e != NULL ? 38 : 6);
    if (e == NULL) {
      g_autofree char *side_text = r->crop_mm_per_px > 0
                                       ? g_strdup_printf("%.1f mm", r->crop_mm_per_px * size)
                                       : g_strdup("side in px (no spacing)");

      params = g_strdup_printf("%d × %d px network input, %s; p(CTS) of this crop %.3f", size, size,
                               side_text, r->crop_p_cts);
    } else {
      params = panel_parameters(r, e);
    }
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    py += cs_report_text(cr, px, py, side, 6.8, params);
    bottom = fmax(bottom, py);
  }
  return bottom - y;
}

static void
draw_explanations(CsReportDoc *doc, const CsCaseReport *r)
{
  double width = cs_report_doc_width(doc);
  double height;
  cairo_surface_t *probe;
  cairo_t *probe_cr;

  if (r->crop == NULL)
    return;
  /* Measure first, so the row of panels is never split over two pages. */
  probe = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
  probe_cr = cairo_create(probe);
  height = draw_panels(probe_cr, r, 0, 0, width);
  cairo_destroy(probe_cr);
  cairo_surface_destroy(probe);

  cs_report_doc_heading(doc, "Explanations of the shown frame", height + 30);
  doc->y += draw_panels(doc->cr, r, doc->margin, doc->y, width) + 4;
  cs_report_doc_paragraph(
      doc, 7.5,
      "<span foreground='#444444'>Heat maps over the ROI crop the network sees. Red marks image "
      "regions that raise p(CTS), blue regions that lower it; the overlay's opacity grows with "
      "the attribution. Occlusion: the drop in p(CTS) when a square mask covers a pixel. LIME: "
      "weights of a linear surrogate fitted to perturbed superpixels (R² says how well it fits). "
      "Grad-CAM: gradient-weighted activations of the last convolutional block. Explanations "
      "show what the network used, not what is clinically relevant.</span>");
}

/* ---- CSA ---- */

/* Draws a zoomed view of tracing @t's frame around its outline in a @side square. */
static void
draw_tracing_view(cairo_t *cr, const CsReportTracing *t, double x, double y, double side)
{
  const CsTracing *tr = t->tracing;
  const CsReportFrame *f = t->frame;
  double min_x = G_MAXDOUBLE, min_y = G_MAXDOUBLE, max_x = -G_MAXDOUBLE, max_y = -G_MAXDOUBLE;
  double cx, cy, half, scale;
  int x0, y0, w;
  g_autofree guint8 *view = NULL;

  for (guint k = 0; k < tr->n_points; k++) {
    min_x = fmin(min_x, tr->points[2 * k]);
    max_x = fmax(max_x, tr->points[2 * k]);
    min_y = fmin(min_y, tr->points[2 * k + 1]);
    max_y = fmax(max_y, tr->points[2 * k + 1]);
  }
  cx = (min_x + max_x) / 2;
  cy = (min_y + max_y) / 2;
  half = fmax(fmax(max_x - min_x, max_y - min_y) * 1.4, 30);
  w = MAX(8, (int)ceil(2 * half));
  x0 = (int)floor(cx - half);
  y0 = (int)floor(cy - half);
  view = g_malloc0((gsize)w * w);
  for (int j = 0; j < w; j++)
    for (int i = 0; i < w; i++) {
      int sx = x0 + i, sy = y0 + j;

      if (f != NULL && sx >= 0 && sy >= 0 && sx < f->width && sy < f->height)
        view[(gsize)j * w + i] = f->gray[(gsize)sy * f->width + sx];
    }
  scale = side / w;
  cs_report_draw_gray(cr, view, w, w, x, y, side, side);
  cairo_save(cr);
  cairo_rectangle(cr, x, y, side, side);
  cairo_clip(cr);
  draw_polygon(cr, tr, x - x0 * scale, y - y0 * scale, scale);
  cairo_set_source_rgb(cr, 0.2, 0.9, 0.3);
  cairo_set_line_width(cr, 1.2);
  cairo_stroke(cr);
  cairo_restore(cr);
  cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
  cairo_set_line_width(cr, 0.5);
  cairo_rectangle(cr, x, y, side, side);
  cairo_stroke(cr);
}

/* The case's inlet CSA under the study layer's rule, as a paragraph of markup; @csa receives
 * it. */
static char *
inlet_csa_text(const CsCaseReport *r, CsInletCsa *csa)
{
  g_autofree const CsTracing **tracings = g_new(const CsTracing *, r->tracings->len + 1);
  g_autofree char *rater = NULL;
  g_autofree char *area = NULL;
  g_autofree char *left_out = NULL;

  CsSpacing spacing = cs_spacing_unknown();
  gboolean split =
      FALSE; /* The averaged tracings have different spacings, or a DICOM gives none. */
  g_autofree char *source = NULL;

  for (guint i = 0; i < r->tracings->len; i++)
    tracings[i] = ((const CsReportTracing *)g_ptr_array_index(r->tracings, i))->tracing;
  /* The mean is in mm² only when every tracing it averages has the same spacing: a DICOM file's
   * regions may give them different ones, or none. */
  cs_inlet_csa_compute(tracings, r->tracings->len, NAN, csa);
  for (guint i = 0, first = TRUE; i < r->tracings->len; i++) {
    const CsReportTracing *t = g_ptr_array_index(r->tracings, i);

    if (!cs_inlet_csa_counts(csa, t->tracing))
      continue;
    if (first)
      spacing = t->spacing;
    else if (t->spacing.mm_per_px != spacing.mm_per_px || t->spacing.source != spacing.source ||
             t->spacing.region != spacing.region)
      split = TRUE;
    split |= t->no_mm_reason != NULL;
    first = FALSE;
  }
  if (split)
    spacing = cs_spacing_unknown();
  cs_inlet_csa_clear(csa);
  cs_inlet_csa_compute(tracings, r->tracings->len,
                       cs_spacing_is_known(&spacing) ? spacing.mm_per_px : NAN, csa);
  source = cs_spacing_dup_label(&spacing, FALSE);
  if (csa->n_tracings == 0)
    return g_strdup("<b>Inlet CSA: none.</b> No tracing has the level “inlet”, so the case has no "
                    "inlet CSA to set beside the reference values.");
  rater = csa->rater != NULL ? g_markup_printf_escaped("by %s", csa->rater)
                             : g_strdup("by a rater not recorded");
  if (isfinite(csa->area_mm2))
    area = g_strdup_printf("%.1f mm² (%s)", csa->area_mm2, source);
  else if (split)
    area = g_strdup_printf("%.0f px² (no mm²: the tracings it averages do not share one pixel "
                           "spacing, see each one; no comparison with the references)",
                           csa->area_px2);
  else
    area = g_strdup_printf("%.0f px² (uncalibrated: no pixel spacing, so no mm² and no "
                           "comparison with the references)",
                           csa->area_px2);
  if (csa->n_left_out > 0)
    left_out = g_strdup_printf(" %u inlet %s left out: the value is one rater's, the one with "
                               "the most inlet tracings.",
                               csa->n_left_out,
                               csa->n_left_out == 1 ? "tracing by another rater is"
                                                    : "tracings by other raters are");
  return g_strdup_printf("<b>Inlet CSA: %s</b>, the mean of %u inlet tracing%s %s.%s", area,
                         csa->n_tracings, csa->n_tracings == 1 ? "" : "s", rater,
                         left_out != NULL ? left_out : "");
}

/* Whether tracing @t is part of the case's inlet CSA @csa, and if not, why. */
static const char *
inlet_role(const CsInletCsa *csa, const CsReportTracing *t)
{
  if (cs_inlet_csa_counts(csa, t->tracing))
    return "Averaged into the inlet CSA.";
  if (!cs_inlet_csa_level_matches(t->tracing->level))
    return "Not an inlet tracing.";
  if (!t->measured)
    return "Not averaged: the outline cannot be measured.";
  return "Not averaged: another rater's inlet tracing.";
}

static void
draw_csa(CsReportDoc *doc, const CsCaseReport *r)
{
  cairo_t *cr = doc->cr;
  double width = cs_report_doc_width(doc);
  double side = 130;
  g_auto(CsInletCsa) csa = { 0 };
  g_autofree char *summary = inlet_csa_text(r, &csa);
  g_autofree char *references = NULL;

  cs_report_doc_heading(doc, "Cross-sectional area of the median nerve", 60);
  if (r->tracings->len == 0)
    cs_report_doc_paragraph(doc, 9, "<i>No CSA tracing for this case.</i>");
  else
    cs_report_doc_paragraph(doc, 9, summary);
  for (guint i = 0; i < r->tracings->len; i++) {
    const CsReportTracing *t = g_ptr_array_index(r->tracings, i);
    const CsTracing *tr = t->tracing;
    g_autofree char *area = NULL;
    g_autofree char *perimeter = NULL;
    g_autofree char *level = g_markup_escape_text(tr->level, -1);
    g_autofree char *rater =
        g_markup_escape_text(tr->rater != NULL ? tr->rater : "not recorded", -1);
    g_autofree char *text = NULL;
    g_autofree char *flattening =
        cs_report_format_number(t->measured ? t->measures.flattening : NAN, 2);
    double y0, th;

    if (t->measured) {
      g_autofree char *a = cs_spacing_format_area(&t->spacing, t->measures.area_px2);
      g_autofree char *source = cs_spacing_dup_label(&t->spacing, FALSE);
      g_autofree char *reason =
          t->no_mm_reason != NULL ? g_markup_escape_text(t->no_mm_reason, -1) : NULL;

      if (cs_spacing_is_known(&t->spacing))
        area = g_strdup_printf("%s (%.0f px², spacing %.4f mm/px from %s)", a, t->measures.area_px2,
                               t->spacing.mm_per_px, source);
      else if (reason != NULL)
        area = g_strdup_printf("%s (no mm²: %s)", a, reason);
      else
        area = g_strdup_printf("%s (uncalibrated: no pixel spacing, so no mm²)", a);
      perimeter = cs_spacing_format_length(&t->spacing, t->measures.perimeter_px);
    }
    text = g_strdup_printf("<b>Tracing %u — level %s, frame %" G_GINT64_FORMAT "</b>\n"
                           "CSA: <b>%s</b>\n"
                           "Perimeter: %s\nFlattening ratio (width ÷ depth): %s\n"
                           "%u vertices; traced by %s, %s\n%s",
                           i + 1, level, tr->frame, area != NULL ? area : "not measurable",
                           perimeter != NULL ? perimeter : "–", flattening, tr->n_points, rater,
                           tr->time, inlet_role(&csa, t));
    th = cs_report_text_height(cr, width - side - 14, 9, text);
    cs_report_doc_need(doc, fmax(side, th) + 8);
    y0 = doc->y;
    if (t->frame != NULL)
      draw_tracing_view(cr, t, doc->margin, y0, side);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cs_report_text(cr, doc->margin + side + 14, y0, width - side - 14, 9, text);
    doc->y = y0 + fmax(t->frame != NULL ? side : 0, th) + 8;
  }
  references = g_strdup_printf(
      "<span foreground='#444444'><b>Literature reference values</b> — references, not "
      "thresholds validated for this device. Healthy CSA at the carpal tunnel inlet %.2f mm² "
      "(95 %% CI %.2f–%.2f; %s, meta-analysis of 73 studies). An upper limit of normal of %g mm² "
      "is generally used (%s); published cut-offs range from %g to %g mm². The study "
      "Carpalscope reproduces measured %.1f ± %.1f mm² in control hands and %.1f ± %.1f mm² in "
      "CTS hands (%s). Areas are taken inside the hyperechoic epineurial rim.</span>",
      CS_REFERENCE_ROLL_HEALTHY_MEAN_MM2, CS_REFERENCE_ROLL_HEALTHY_CI_LOW_MM2,
      CS_REFERENCE_ROLL_HEALTHY_CI_HIGH_MM2, CS_REFERENCE_ROLL, CS_REFERENCE_UPPER_LIMIT_MM2,
      CS_REFERENCE_OLDE_DUBBELINK, CS_REFERENCE_CUTOFF_LOW_MM2, CS_REFERENCE_CUTOFF_HIGH_MM2,
      CS_REFERENCE_SHINOHARA_CONTROL_MEAN_MM2, CS_REFERENCE_SHINOHARA_CONTROL_SD_MM2,
      CS_REFERENCE_SHINOHARA_CTS_MEAN_MM2, CS_REFERENCE_SHINOHARA_CTS_SD_MM2,
      CS_REFERENCE_SHINOHARA);
  cs_report_doc_paragraph(doc, 7.5, references);
}

/* ---- Nerve conduction ---- */

static char *
tristate_text(CsTristate t)
{
  return g_strdup(t == CS_TRISTATE_YES ? "yes" : t == CS_TRISTATE_NO ? "no" : "–");
}

static void
draw_ncs(CsReportDoc *doc, const CsCaseReport *r)
{
  const char *titles[] = { "DML to APB",       "Sensory CV",     "APB CMAP",
                           "Sensory response", "Motor response", "Only sensitive tests abnormal" };
  const double fractions[] = { 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0 };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  char **row = g_new0(char *, 7);
  g_autofree char *dml = cs_report_format_number(r->ncs.dml_ms, 2);
  g_autofree char *scv = cs_report_format_number(r->ncs.scv_m_s, 1);
  g_autofree char *cmap = cs_report_format_number(r->ncs.cmap_mv, 2);

  cs_report_doc_heading(doc, "Nerve conduction and stage", 60);
  row[0] = isfinite(r->ncs.dml_ms) ? g_strdup_printf("%s ms", dml) : g_strdup(dml);
  row[1] = isfinite(r->ncs.scv_m_s) ? g_strdup_printf("%s m/s", scv) : g_strdup(scv);
  row[2] = isfinite(r->ncs.cmap_mv) ? g_strdup_printf("%s mV", cmap) : g_strdup(cmap);
  row[3] = tristate_text(r->ncs.sensory_response);
  row[4] = tristate_text(r->ncs.motor_response);
  row[5] = tristate_text(r->ncs.sensitive_tests_abnormal);
  g_ptr_array_add(rows, row);
  if (cs_nerve_conduction_is_empty(&r->ncs))
    cs_report_doc_paragraph(doc, 9, "<i>No nerve-conduction data recorded.</i>");
  else
    cs_report_doc_table(doc, 6, titles, fractions, rows, 8.5);

  if (r->stage >= 0) {
    guint n_rows = 0;
    const CsGradeInfo *table = cs_grading_scheme_get_table(r->scheme, &n_rows);
    const CsGradeInfo *info = NULL;
    g_autofree char *line = NULL;

    for (guint i = 0; i < n_rows; i++)
      if (table[i].grade == r->stage)
        info = &table[i];
    line = g_markup_printf_escaped(
        "Stage <b>%d</b>%s%s%s in the scheme %s, %s.\n<span foreground='#555555'>%s%s%s</span>",
        r->stage, info != NULL ? " (" : "", info != NULL ? info->label : "",
        info != NULL ? ")" : "", scheme_label(r->scheme),
        r->stage_source == CS_STAGE_SOURCE_MANUAL ? "entered by hand"
                                                  : "computed from the values above",
        info != NULL ? info->criteria : "", info != NULL ? " — " : "",
        cs_grading_scheme_get_citation(r->scheme));
    cs_report_doc_paragraph(doc, 9, line);
  } else {
    g_autofree char *line =
        g_markup_printf_escaped("<i>No stage recorded</i> (scheme %s).", scheme_label(r->scheme));

    cs_report_doc_paragraph(doc, 9, line);
  }
}

/* ---- Model ---- */

static void
draw_model(CsReportDoc *doc, const CsCaseReport *r)
{
  const CsReportModel *m = &r->model;
  g_autofree char *text = NULL;
  g_autofree char *trained = NULL;

  cs_report_doc_heading(doc, "Model", 50);
  if (m->id == NULL) {
    cs_report_doc_paragraph(doc, 9, "<i>No model: the case has not been analysed.</i>");
    return;
  }
  trained = g_markup_escape_text(m->trained_on != NULL ? m->trained_on
                                 : m->loaded           ? "not stated in the weights' metadata"
                                                       : "unknown (the model is not installed)",
                                 -1);
  text = g_markup_printf_escaped("Model <b>%s</b>, architecture %s\nWeights SHA-256 "
                                 "<tt>%s</tt>\nProvenance: %s",
                                 m->id, m->arch != NULL ? m->arch : "unknown",
                                 m->sha256 != NULL ? m->sha256 : "unknown",
                                 m->provenance != NULL ? m->provenance : "not stated");
  cs_report_doc_paragraph(doc, 9, text);
  {
    g_autofree char *line = g_strdup_printf("Trained on: %s", trained);

    cs_report_doc_paragraph(doc, 9, line);
  }
  if (m->phantom)
    cs_report_doc_paragraph(
        doc, 9,
        "<b>This model was trained on synthetic phantom sweeps</b>, not on patients: it "
        "demonstrates the method and says nothing about a real wrist.");
}

static void
draw_case(CsReportDoc *doc, gconstpointer data)
{
  const CsCaseReport *r = data;

  draw_header(doc, r);
  draw_result(doc, r);
  /* With panels the missing list is short; without them it explains the empty space. */
  if (r->crop == NULL)
    draw_missing(doc, r);
  draw_explanations(doc, r);
  if (r->crop != NULL)
    draw_missing(doc, r);
  draw_csa(doc, r);
  draw_ncs(doc, r);
  draw_model(doc, r);
  cs_report_doc_heading(doc, "About this report", 30);
  cs_report_doc_paragraph(
      doc, 8,
      "<span foreground='#444444'>" CS_REPORT_RESEARCH_USE " Every number here was computed and "
      "stored by Carpalscope before the report was made: the per-frame p(CTS) and hand-level "
      "result of the model above, the CSA from the traced outline and the pixel spacing, the "
      "stage from the nerve-conduction values. The explanation panels are recomputed for the "
      "shown frame with the parameters printed under them, so they can be reproduced.</span>");
}

gboolean
cs_case_report_write_pdf(const CsCaseReport *report, const char *path, GError **error)
{
  g_autofree char *title = NULL;
  g_autofree char *running = NULL;
  g_autofree char *footer = NULL;

  g_return_val_if_fail(report != NULL, FALSE);
  g_return_val_if_fail(path != NULL, FALSE);
  title = g_strdup_printf("Carpalscope case report — %s", report->display_id);
  running =
      g_markup_printf_escaped("Carpalscope case report · %s · case %s · %s hand",
                              report->study_label, report->display_id, hand_label(report->hand));
  footer = g_strdup_printf("Case %s · %s · Carpalscope %s · for research and teaching, not a "
                           "medical device",
                           report->display_id, report->date, PACKAGE_VERSION);
  return cs_report_write_pdf(report->options.paper, title, running, footer, draw_case, report, path,
                             error);
}

gboolean
cs_case_report_write_panels_png(const CsCaseReport *report, const char *path, int width_px,
                                GError **error)
{
  cairo_surface_t *probe, *surface;
  cairo_t *cr;
  double scale, height, pad = 12;
  cairo_status_t status;

  g_return_val_if_fail(report != NULL, FALSE);
  g_return_val_if_fail(path != NULL, FALSE);
  if (report->crop == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND,
                "the report of case %s has no explanation panels to write to %s",
                report->display_id, path);
    return FALSE;
  }
  if (width_px < 200 || width_px > 8000) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "a panel image must be 200 to 8000 pixels wide, not %d", width_px);
    return FALSE;
  }
  probe = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cr = cairo_create(probe);
  height = draw_panels(cr, report, pad, pad, PANELS_DESIGN_WIDTH);
  cairo_destroy(cr);
  cairo_surface_destroy(probe);

  scale = width_px / (PANELS_DESIGN_WIDTH + 2 * pad);
  surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width_px,
                                       (int)ceil((height + 2 * pad) * scale));
  cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_scale(cr, scale, scale);
  draw_panels(cr, report, pad, pad, PANELS_DESIGN_WIDTH);
  cairo_destroy(cr);
  status = cairo_surface_status(surface);
  if (status == CAIRO_STATUS_SUCCESS) {
    g_autofree char *tmp = g_strconcat(path, ".part", NULL);

    status = cairo_surface_write_to_png(surface, tmp);
    if (status == CAIRO_STATUS_SUCCESS && g_rename(tmp, path) != 0) {
      int saved = errno;

      g_unlink(tmp);
      cairo_surface_destroy(surface);
      g_set_error(error, CS_ERROR, CS_ERROR_IO, "cannot write %s: %s", path, g_strerror(saved));
      return FALSE;
    }
    if (status != CAIRO_STATUS_SUCCESS)
      g_unlink(tmp);
  }
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "cannot write %s: %s", path,
                cairo_status_to_string(status));
    return FALSE;
  }
  return TRUE;
}

gboolean
cs_report_write_case(CsStudy *study, CsCase *c, const char *model, CsFrameExplanation *explanation,
                     const CsReportOptions *options, const char *path, GCancellable *cancellable,
                     CsReportProgressFunc progress, gpointer progress_data, GError **error)
{
  g_autoptr(CsCaseReport) report = NULL;

  g_return_val_if_fail(path != NULL, FALSE);
  report = cs_case_report_build(study, c, model, explanation, options, cancellable, progress,
                                progress_data, error);
  if (report == NULL)
    return FALSE;
  if (g_cancellable_set_error_if_cancelled(cancellable, error))
    return FALSE;
  return cs_case_report_write_pdf(report, path, error);
}
