/* cs-report-doc.c — page layout of the PDF reports: Pango text, pages, tables, images
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cairo-pdf.h>
#include <math.h>

#include "cs-error.h"
#include "cs-report-private.h"

#define FOOTER_SIZE 7.5
#define HEADER_SIZE 7.5

void
cs_report_options_init(CsReportOptions *options)
{
  g_return_if_fail(options != NULL);
  memset(options, 0, sizeof *options);
  options->paper = CS_REPORT_PAPER_A4;
  options->explain = TRUE;
  options->gradcam = TRUE;
  options->colormap = CS_COLORMAP_DIVERGING;
  options->opacity = 0.6;
}

gboolean
cs_report_paper_from_string(const char *text, CsReportPaper *paper)
{
  if (text == NULL)
    return FALSE;
  if (g_ascii_strcasecmp(text, "a4") == 0)
    *paper = CS_REPORT_PAPER_A4;
  else if (g_ascii_strcasecmp(text, "letter") == 0)
    *paper = CS_REPORT_PAPER_LETTER;
  else
    return FALSE;
  return TRUE;
}

gboolean
cs_report_format_from_string(const char *text, CsReportFormat *format)
{
  if (text == NULL)
    return FALSE;
  if (g_ascii_strcasecmp(text, "pdf") == 0)
    *format = CS_REPORT_FORMAT_PDF;
  else if (g_ascii_strcasecmp(text, "csv") == 0)
    *format = CS_REPORT_FORMAT_CSV;
  else if (g_ascii_strcasecmp(text, "json") == 0)
    *format = CS_REPORT_FORMAT_JSON;
  else
    return FALSE;
  return TRUE;
}

char *
cs_report_dup_pseudonym(const char *case_id)
{
  g_autofree char *salted = NULL;
  g_autofree char *hash = NULL;

  g_return_val_if_fail(case_id != NULL, NULL);
  /* A fixed prefix keeps the token from matching a plain SHA-256 of the id found elsewhere. */
  salted = g_strconcat("carpalscope-case:", case_id, NULL);
  hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, salted, -1);
  return g_strdup_printf("P-%.5s-%.5s", hash, hash + 5);
}

char *
cs_report_dup_date(const char *fixed)
{
  g_autoptr(GDateTime) now = NULL;

  if (fixed != NULL)
    return g_strdup(fixed);
  now = g_date_time_new_now_utc();
  return g_date_time_format(now, "%Y-%m-%d");
}

char *
cs_report_format_number(double value, int digits)
{
  if (!isfinite(value))
    return g_strdup("–");
  return g_strdup_printf("%.*f", digits, value);
}

void
cs_report_frame_free(CsReportFrame *frame)
{
  if (frame == NULL)
    return;
  g_free(frame->gray);
  g_free(frame);
}

void
cs_report_model_clear(CsReportModel *model)
{
  g_clear_pointer(&model->id, g_free);
  g_clear_pointer(&model->arch, g_free);
  g_clear_pointer(&model->sha256, g_free);
  g_clear_pointer(&model->trained_on, g_free);
  g_clear_pointer(&model->provenance, g_free);
}

void
cs_report_paper_size(CsReportPaper paper, double *width, double *height)
{
  if (paper == CS_REPORT_PAPER_LETTER) {
    *width = 612.0;
    *height = 792.0;
  } else {
    *width = 595.276;
    *height = 841.89;
  }
}

PangoLayout *
cs_report_layout(cairo_t *cr, const char *markup, double size, double width)
{
  PangoLayout *layout = pango_cairo_create_layout(cr);
  PangoFontDescription *font = pango_font_description_from_string(CS_REPORT_FONT_FAMILY);
  cairo_font_options_t *options = cairo_font_options_create();

  /* Hinting moves glyphs to device pixels, which a PDF does not have; metrics stay linear so
   * both layout passes and every paper size measure text alike. */
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(pango_layout_get_context(layout), options);
  cairo_font_options_destroy(options);
  pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
  pango_layout_set_font_description(layout, font);
  pango_font_description_free(font);
  if (width > 0) {
    pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  }
  pango_layout_set_markup(layout, markup, -1);
  return layout;
}

double
cs_report_text(cairo_t *cr, double x, double y, double width, double size, const char *markup)
{
  g_autoptr(PangoLayout) layout = cs_report_layout(cr, markup, size, width);
  int w, h;

  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, layout);
  pango_layout_get_size(layout, &w, &h);
  return (double)h / PANGO_SCALE;
}

double
cs_report_text_right(cairo_t *cr, double right, double y, double size, const char *markup)
{
  g_autoptr(PangoLayout) layout = cs_report_layout(cr, markup, size, -1);
  int w, h;

  pango_layout_get_size(layout, &w, &h);
  cairo_move_to(cr, right - (double)w / PANGO_SCALE, y);
  pango_cairo_show_layout(cr, layout);
  return (double)h / PANGO_SCALE;
}

double
cs_report_text_height(cairo_t *cr, double width, double size, const char *markup)
{
  g_autoptr(PangoLayout) layout = cs_report_layout(cr, markup, size, width);
  int w, h;

  pango_layout_get_size(layout, &w, &h);
  return (double)h / PANGO_SCALE;
}

static void
draw_page_frame(CsReportDoc *doc)
{
  cairo_t *cr = doc->cr;
  double x0 = doc->margin;
  double x1 = doc->page_w - doc->margin;
  double fy = doc->page_h - doc->margin + 10;
  g_autofree char *number = NULL;
  g_autofree char *footer = NULL;

  cairo_save(cr);
  cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
  if (doc->running_title != NULL && doc->page > 1)
    cs_report_text(cr, x0, doc->margin - 22, x1 - x0, HEADER_SIZE, doc->running_title);
  cairo_set_line_width(cr, 0.5);
  cairo_move_to(cr, x0, fy - 4);
  cairo_line_to(cr, x1, fy - 4);
  cairo_stroke(cr);
  if (doc->n_pages > 0)
    number = g_strdup_printf("Page %d of %d", doc->page, doc->n_pages);
  else
    number = g_strdup_printf("Page %d", doc->page);
  footer = g_markup_printf_escaped("%s", doc->footer_left != NULL ? doc->footer_left : "");
  cs_report_text(cr, x0, fy, x1 - x0 - 70, FOOTER_SIZE, footer);
  cs_report_text_right(cr, x1, fy, FOOTER_SIZE, number);
  cairo_restore(cr);
}

void
cs_report_doc_init(CsReportDoc *doc, cairo_surface_t *surface, CsReportPaper paper,
                   const char *running_title, const char *footer_left, int n_pages)
{
  memset(doc, 0, sizeof *doc);
  doc->surface = surface;
  doc->cr = cairo_create(surface);
  cs_report_paper_size(paper, &doc->page_w, &doc->page_h);
  doc->margin = 50.0;
  doc->top = doc->margin;
  doc->bottom = doc->page_h - doc->margin - 6;
  doc->y = doc->top;
  doc->page = 1;
  doc->n_pages = n_pages;
  doc->running_title = running_title;
  doc->footer_left = footer_left;
}

double
cs_report_doc_width(const CsReportDoc *doc)
{
  return doc->page_w - 2 * doc->margin;
}

void
cs_report_doc_new_page(CsReportDoc *doc)
{
  draw_page_frame(doc);
  cairo_show_page(doc->cr);
  doc->page++;
  doc->y = doc->top;
}

void
cs_report_doc_need(CsReportDoc *doc, double height)
{
  if (doc->y + height > doc->bottom && doc->y > doc->top)
    cs_report_doc_new_page(doc);
}

void
cs_report_doc_finish(CsReportDoc *doc)
{
  draw_page_frame(doc);
  cairo_show_page(doc->cr);
  cairo_destroy(doc->cr);
  doc->cr = NULL;
}

void
cs_report_doc_paragraph(CsReportDoc *doc, double size, const char *markup)
{
  double width = cs_report_doc_width(doc);
  double height = cs_report_text_height(doc->cr, width, size, markup);

  cs_report_doc_need(doc, height);
  cairo_set_source_rgb(doc->cr, 0.1, 0.1, 0.1);
  cs_report_text(doc->cr, doc->margin, doc->y, width, size, markup);
  doc->y += height + size * 0.45;
}

void
cs_report_doc_heading(CsReportDoc *doc, const char *title, double keep)
{
  g_autofree char *markup = g_markup_printf_escaped("<b>%s</b>", title);
  cairo_t *cr = doc->cr;
  double height;

  doc->y += 8;
  height = cs_report_text_height(cr, -1, 11.5, markup);
  cs_report_doc_need(doc, height + 6 + keep);
  cairo_set_source_rgb(cr, 0.08, 0.22, 0.42);
  cs_report_text(cr, doc->margin, doc->y, -1, 11.5, markup);
  doc->y += height + 2;
  cairo_set_line_width(cr, 0.6);
  cairo_move_to(cr, doc->margin, doc->y);
  cairo_line_to(cr, doc->page_w - doc->margin, doc->y);
  cairo_stroke(cr);
  doc->y += 5;
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
}

static void
draw_surface_scaled(cairo_t *cr, cairo_surface_t *image, int w, int h, double x, double y,
                    double width, double height)
{
  cairo_save(cr);
  cairo_rectangle(cr, x, y, width, height);
  cairo_clip(cr);
  cairo_translate(cr, x, y);
  cairo_scale(cr, width / w, height / h);
  cairo_set_source_surface(cr, image, 0, 0);
  /* Heat maps and crops are small: show their pixels sharply rather than smeared. */
  cairo_pattern_set_filter(cairo_get_source(cr),
                           width > 1.5 * w ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
  cairo_paint(cr);
  cairo_restore(cr);
}

void
cs_report_draw_gray(cairo_t *cr, const guint8 *gray, int w, int h, double x, double y, double width,
                    double height)
{
  cairo_surface_t *image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  guint8 *data;
  int stride;

  if (cairo_surface_status(image) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(image);
    return;
  }
  cairo_surface_flush(image);
  data = cairo_image_surface_get_data(image);
  stride = cairo_image_surface_get_stride(image);
  for (int j = 0; j < h; j++) {
    guint32 *row = (guint32 *)(gpointer)(data + (gsize)j * stride);
    const guint8 *src = gray + (gsize)j * w;

    for (int i = 0; i < w; i++)
      row[i] = 0xff000000u | ((guint32)src[i] << 16) | ((guint32)src[i] << 8) | src[i];
  }
  cairo_surface_mark_dirty(image);
  draw_surface_scaled(cr, image, w, h, x, y, width, height);
  cairo_surface_destroy(image);
}

void
cs_report_draw_rgba(cairo_t *cr, const guint8 *rgba, int w, int h, double x, double y, double width,
                    double height)
{
  cairo_surface_t *image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  guint8 *data;
  int stride;

  /* The overlays are opaque: an RGB24 image embeds without a soft mask. */
  if (cairo_surface_status(image) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(image);
    return;
  }
  cairo_surface_flush(image);
  data = cairo_image_surface_get_data(image);
  stride = cairo_image_surface_get_stride(image);
  for (int j = 0; j < h; j++) {
    guint32 *row = (guint32 *)(gpointer)(data + (gsize)j * stride);
    const guint8 *src = rgba + (gsize)j * w * 4;

    for (int i = 0; i < w; i++)
      row[i] = 0xff000000u | ((guint32)src[4 * i] << 16) | ((guint32)src[4 * i + 1] << 8) |
               src[4 * i + 2];
  }
  cairo_surface_mark_dirty(image);
  draw_surface_scaled(cr, image, w, h, x, y, width, height);
  cairo_surface_destroy(image);
}

static double
table_row_height(cairo_t *cr, int n_cols, const char *const *cells, gboolean header,
                 const double *w, double pad, double size)
{
  double height = 0;

  for (int c = 0; c < n_cols; c++) {
    g_autofree char *markup =
        header ? g_markup_printf_escaped("<b>%s</b>", cells[c]) : g_strdup(cells[c]);

    height = fmax(height, cs_report_text_height(cr, w[c] - 2 * pad, size, markup));
  }
  return height + 2 * pad;
}

static void
table_row_draw(CsReportDoc *doc, int n_cols, const char *const *cells, gboolean header,
               gboolean stripe, const double *x, const double *w, double pad, double size,
               double height)
{
  cairo_t *cr = doc->cr;

  if (header || stripe) {
    if (header)
      cairo_set_source_rgb(cr, 0.90, 0.92, 0.95);
    else
      cairo_set_source_rgb(cr, 0.965, 0.965, 0.965);
    cairo_rectangle(cr, x[0], doc->y, x[n_cols] - x[0], height);
    cairo_fill(cr);
  }
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  for (int c = 0; c < n_cols; c++) {
    g_autofree char *markup =
        header ? g_markup_printf_escaped("<b>%s</b>", cells[c]) : g_strdup(cells[c]);

    cs_report_text(cr, x[c] + pad, doc->y + pad, w[c] - 2 * pad, size, markup);
  }
  doc->y += height;
}

void
cs_report_doc_table(CsReportDoc *doc, int n_cols, const char *const *titles,
                    const double *fractions, GPtrArray *rows, double size)
{
  cairo_t *cr = doc->cr;
  double width = cs_report_doc_width(doc);
  double pad = 2.5;
  g_autofree double *x = g_new(double, n_cols + 1);
  g_autofree double *w = g_new(double, n_cols);
  double header_height;

  x[0] = doc->margin;
  for (int c = 0; c < n_cols; c++) {
    w[c] = width * fractions[c];
    x[c + 1] = x[c] + w[c];
  }
  header_height = table_row_height(cr, n_cols, titles, TRUE, w, pad, size);
  cs_report_doc_need(doc, header_height + 2 * size);
  table_row_draw(doc, n_cols, titles, TRUE, FALSE, x, w, pad, size, header_height);
  for (guint r = 0; r < rows->len; r++) {
    const char *const *cells = g_ptr_array_index(rows, r);
    double height = table_row_height(cr, n_cols, cells, FALSE, w, pad, size);

    if (doc->y + height > doc->bottom) {
      /* A table broken over pages repeats its header. */
      cs_report_doc_new_page(doc);
      table_row_draw(doc, n_cols, titles, TRUE, FALSE, x, w, pad, size, header_height);
    }
    table_row_draw(doc, n_cols, cells, FALSE, r % 2 == 1, x, w, pad, size, height);
  }
  cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
  cairo_set_line_width(cr, 0.5);
  cairo_move_to(cr, x[0], doc->y);
  cairo_line_to(cr, x[n_cols], doc->y);
  cairo_stroke(cr);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  doc->y += 6;
}

static cairo_status_t
append_cb(void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append(closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static int
render_pdf(CsReportPaper paper, const char *title, const char *running_title,
           const char *footer_left, CsReportDrawFunc draw, gconstpointer data, int n_pages,
           GByteArray *out, cairo_status_t *status)
{
  double width, height;
  cairo_surface_t *surface;
  CsReportDoc doc;
  int pages;

  cs_report_paper_size(paper, &width, &height);
  surface = cairo_pdf_surface_create_for_stream(append_cb, out, width, height);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
                                 "Carpalscope " PACKAGE_VERSION);
  cs_report_doc_init(&doc, surface, paper, running_title, footer_left, n_pages);
  draw(&doc, data);
  cs_report_doc_finish(&doc);
  pages = doc.page;
  cairo_surface_finish(surface);
  *status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  return pages;
}

gboolean
cs_report_write_pdf(CsReportPaper paper, const char *title, const char *running_title,
                    const char *footer_left, CsReportDrawFunc draw, gconstpointer data,
                    const char *path, GError **error)
{
  g_autoptr(GByteArray) counting = g_byte_array_new();
  g_autoptr(GByteArray) pdf = g_byte_array_new();
  g_autoptr(GError) local = NULL;
  cairo_status_t status;
  int n_pages;

  /* The first pass only counts the pages, so that every footer can say "page N of M". */
  n_pages = render_pdf(paper, title, running_title, footer_left, draw, data, 0, counting, &status);
  if (status == CAIRO_STATUS_SUCCESS)
    render_pdf(paper, title, running_title, footer_left, draw, data, n_pages, pdf, &status);
  if (status != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, CS_ERROR, CS_ERROR_FAILED, "cannot make the PDF for %s: %s", path,
                cairo_status_to_string(status));
    return FALSE;
  }
  /* GLib writes a temporary beside @path and renames it: a failed write (a full disk) removes
   * the temporary and leaves any earlier file at @path as it was. */
  if (!g_file_set_contents(path, (const char *)pdf->data, (gssize)pdf->len, &local)) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO,
                "cannot write the PDF %s (no part of it is left, an earlier file is unchanged): %s",
                path, local->message);
    return FALSE;
  }
  return TRUE;
}
