/* cs-colormap.c — colour maps, heat-map overlays and their colour-bar legend
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-colormap.h"

#include "cs-error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Viridis, inferno and turbo are tabulated 256-entry maps (viridis and inferno: van der Walt and
 * Smith, 2015, as published with matplotlib; turbo: Mikhailov, Google, 2019). Here every fifth
 * entry of the published tables (entries 0, 5, ..., 255) is kept as an anchor and the rest is
 * interpolated linearly, which reproduces the published entries within one 8-bit step. */
#define CS_COLORMAP_N_ANCHORS 52

static const guint8 viridis_anchors[CS_COLORMAP_N_ANCHORS][3] = {
  { 68, 1, 84 },    { 70, 8, 92 },    { 71, 16, 99 },   { 72, 23, 105 },  { 72, 29, 111 },
  { 72, 36, 117 },  { 71, 42, 122 },  { 70, 48, 126 },  { 69, 55, 129 },  { 67, 61, 132 },
  { 65, 66, 135 },  { 63, 72, 137 },  { 61, 78, 138 },  { 58, 83, 139 },  { 56, 89, 140 },
  { 53, 94, 141 },  { 51, 99, 141 },  { 49, 104, 142 }, { 46, 109, 142 }, { 44, 113, 142 },
  { 42, 118, 142 }, { 41, 123, 142 }, { 39, 128, 142 }, { 37, 132, 142 }, { 35, 137, 142 },
  { 33, 142, 141 }, { 32, 146, 140 }, { 31, 151, 139 }, { 30, 156, 137 }, { 31, 161, 136 },
  { 33, 165, 133 }, { 36, 170, 131 }, { 40, 174, 128 }, { 46, 179, 124 }, { 53, 183, 121 },
  { 61, 188, 116 }, { 70, 192, 111 }, { 80, 196, 106 }, { 90, 200, 100 }, { 101, 203, 94 },
  { 112, 207, 87 }, { 124, 210, 80 }, { 137, 213, 72 }, { 149, 216, 64 }, { 162, 218, 55 },
  { 176, 221, 47 }, { 189, 223, 38 }, { 202, 225, 31 }, { 216, 226, 25 }, { 229, 228, 25 },
  { 241, 229, 29 }, { 253, 231, 37 },
};
static const guint8 inferno_anchors[CS_COLORMAP_N_ANCHORS][3] = {
  { 0, 0, 4 },       { 2, 2, 12 },      { 5, 4, 23 },     { 10, 7, 34 },     { 16, 9, 45 },
  { 22, 11, 57 },    { 30, 12, 69 },    { 38, 12, 81 },   { 47, 10, 91 },    { 56, 9, 98 },
  { 64, 10, 103 },   { 73, 11, 106 },   { 81, 14, 108 },  { 89, 16, 110 },   { 97, 19, 110 },
  { 105, 22, 110 },  { 113, 25, 110 },  { 120, 28, 109 }, { 128, 31, 108 },  { 136, 34, 106 },
  { 144, 37, 104 },  { 152, 39, 102 },  { 160, 42, 99 },  { 168, 46, 95 },   { 176, 49, 91 },
  { 183, 53, 87 },   { 191, 57, 82 },   { 198, 61, 77 },  { 204, 66, 72 },   { 211, 71, 67 },
  { 217, 77, 61 },   { 223, 83, 55 },   { 228, 90, 49 },  { 233, 97, 43 },   { 237, 105, 37 },
  { 241, 113, 31 },  { 244, 121, 24 },  { 247, 130, 18 }, { 249, 139, 11 },  { 250, 148, 7 },
  { 251, 157, 7 },   { 252, 166, 12 },  { 252, 176, 20 }, { 251, 186, 31 },  { 250, 196, 42 },
  { 248, 205, 55 },  { 246, 215, 70 },  { 244, 225, 86 }, { 242, 234, 105 }, { 242, 242, 125 },
  { 245, 249, 146 }, { 252, 255, 164 },
};
static const guint8 turbo_anchors[CS_COLORMAP_N_ANCHORS][3] = {
  { 48, 18, 59 },   { 54, 33, 95 },   { 59, 47, 128 },   { 63, 62, 156 },  { 66, 75, 181 },
  { 69, 89, 203 },  { 70, 102, 221 }, { 71, 115, 235 },  { 70, 128, 246 }, { 69, 140, 253 },
  { 64, 153, 255 }, { 56, 165, 251 }, { 47, 178, 244 },  { 39, 190, 233 }, { 31, 201, 221 },
  { 26, 212, 208 }, { 24, 221, 194 }, { 26, 228, 182 },  { 34, 235, 170 }, { 47, 241, 155 },
  { 63, 246, 138 }, { 82, 250, 122 }, { 101, 253, 105 }, { 121, 254, 89 }, { 139, 255, 75 },
  { 156, 254, 64 }, { 169, 251, 57 }, { 183, 247, 53 },  { 195, 241, 52 }, { 208, 234, 52 },
  { 219, 226, 54 }, { 229, 217, 56 }, { 238, 207, 58 },  { 245, 197, 58 }, { 250, 186, 57 },
  { 253, 174, 53 }, { 254, 161, 48 }, { 254, 147, 42 },  { 252, 132, 35 }, { 249, 117, 29 },
  { 244, 102, 23 }, { 239, 88, 17 },  { 232, 75, 12 },   { 225, 65, 9 },   { 216, 55, 6 },
  { 206, 45, 4 },   { 195, 37, 3 },   { 183, 29, 2 },    { 169, 22, 1 },   { 155, 15, 1 },
  { 139, 9, 2 },    { 122, 4, 3 },
};

/* ColorBrewer's 11-class RdBu (Brewer, colorbrewer2.org), reversed so that negative values are
 * blue and positive ones red, with white in the middle; interpolated linearly between its
 * classes. */
#define DIVERGING_N_ANCHORS 11
static const guint8 diverging_anchors[DIVERGING_N_ANCHORS][3] = {
  { 0x05, 0x30, 0x61 }, { 0x21, 0x66, 0xac }, { 0x43, 0x93, 0xc3 }, { 0x92, 0xc5, 0xde },
  { 0xd1, 0xe5, 0xf0 }, { 0xf7, 0xf7, 0xf7 }, { 0xfd, 0xdb, 0xc7 }, { 0xf4, 0xa5, 0x82 },
  { 0xd6, 0x60, 0x4d }, { 0xb2, 0x18, 0x2b }, { 0x67, 0x00, 0x1f },
};

static const char *const colormap_names[CS_N_COLORMAPS] = { "viridis", "inferno", "turbo",
                                                            "diverging" };

static guint8 luts[CS_N_COLORMAPS][256 * 3];

/* Samples the piecewise-linear map through @n anchors evenly spaced on [0, 1] at entry k of 256
 * (position k / 255). */
static void
fill_lut(guint8 *lut, const guint8 (*anchors)[3], int n)
{
  for (int k = 0; k < 256; k++) {
    double s = k * (double)(n - 1) / 255.0;
    int i = (int)s;
    if (i >= n - 1)
      i = n - 2;
    double u = s - i;
    for (int c = 0; c < 3; c++) {
      double v = anchors[i][c] + u * (anchors[i + 1][c] - anchors[i][c]);
      lut[k * 3 + c] = (guint8)lround(v);
    }
  }
}

const guint8 *
cs_colormap_lut(CsColormap colormap)
{
  static gsize initialised = 0;

  g_return_val_if_fail((guint)colormap < CS_N_COLORMAPS, NULL);
  if (g_once_init_enter(&initialised)) {
    fill_lut(luts[CS_COLORMAP_VIRIDIS], viridis_anchors, CS_COLORMAP_N_ANCHORS);
    fill_lut(luts[CS_COLORMAP_INFERNO], inferno_anchors, CS_COLORMAP_N_ANCHORS);
    fill_lut(luts[CS_COLORMAP_TURBO], turbo_anchors, CS_COLORMAP_N_ANCHORS);
    fill_lut(luts[CS_COLORMAP_DIVERGING], diverging_anchors, DIVERGING_N_ANCHORS);
    g_once_init_leave(&initialised, 1);
  }
  return luts[colormap];
}

const char *
cs_colormap_name(CsColormap colormap)
{
  g_return_val_if_fail((guint)colormap < CS_N_COLORMAPS, NULL);
  return colormap_names[colormap];
}

gboolean
cs_colormap_from_name(const char *name, CsColormap *colormap)
{
  for (int i = 0; i < CS_N_COLORMAPS; i++) {
    if (g_strcmp0(name, colormap_names[i]) == 0) {
      *colormap = (CsColormap)i;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean
cs_colormap_is_diverging(CsColormap colormap)
{
  return colormap == CS_COLORMAP_DIVERGING;
}

static int
compare_float(const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;

  return (x > y) - (x < y);
}

double
cs_attribution_clip_value(const float *map, gsize n, gboolean positive_only, double outlier_perc)
{
  g_return_val_if_fail(map != NULL || n == 0, 0);
  if (n == 0)
    return 0;
  g_autofree float *values = g_new(float, n);
  double total = 0;
  for (gsize i = 0; i < n; i++) {
    float v = isfinite(map[i]) ? map[i] : 0.0f;
    values[i] = positive_only ? MAX(v, 0.0f) : fabsf(v);
    total += values[i];
  }
  if (!(total > 0))
    return 0;
  qsort(values, n, sizeof(float), compare_float);
  double target = total * 0.01 * (100.0 - CLAMP(outlier_perc, 0.0, 100.0));
  double cumulative = 0;
  for (gsize i = 0; i < n; i++) {
    cumulative += values[i];
    if (cumulative >= target)
      return values[i];
  }
  return values[n - 1];
}

CsOverlayScale
cs_overlay_scale(const float *map, gsize n, CsColormap colormap, double outlier_perc)
{
  gboolean diverging = cs_colormap_is_diverging(colormap);
  double t = cs_attribution_clip_value(map, n, !diverging, outlier_perc);
  CsOverlayScale scale = { diverging ? -t : 0, t, 0 };
  gsize over = 0;

  for (gsize i = 0; i < n; i++)
    if ((diverging ? fabsf(map[i]) : map[i]) > t)
      over++;
  scale.clipped = n > 0 ? (double)over / n : 0;
  return scale;
}

void
cs_overlay_compose(const guint8 *crop, const float *map, int width, int height, CsColormap colormap,
                   double opacity, CsOverlayBlend blend, const CsOverlayScale *scale, guint8 *rgba)
{
  const guint8 *lut = cs_colormap_lut(colormap);
  gboolean diverging = cs_colormap_is_diverging(colormap);
  double span = scale->hi - scale->lo;
  double a = CLAMP(opacity, 0.0, 1.0);

  g_return_if_fail(lut != NULL);
  for (gsize i = 0; i < (gsize)width * height; i++) {
    /* v is the position on the colour map; strength how far the value is from "nothing". A flat
     * map (span 0) shows "nothing": the middle of a diverging map, the bottom of the others. */
    double v = diverging ? 0.5 : 0.0;
    if (isfinite(map[i]) && span > 0)
      v = CLAMP((map[i] - scale->lo) / span, 0.0, 1.0);
    double strength = diverging ? fabs(2.0 * v - 1.0) : v;
    double alpha = blend == CS_OVERLAY_BLEND_WEIGHTED ? a * strength : a;
    int k = (int)lround(v * 255.0);
    for (int c = 0; c < 3; c++)
      rgba[i * 4 + c] = (guint8)lround((1.0 - alpha) * crop[i] + alpha * lut[k * 3 + c]);
    rgba[i * 4 + 3] = 255;
  }
}

void
cs_colorbar_rgba(CsColormap colormap, int width, int height, gboolean vertical, guint8 *rgba)
{
  const guint8 *lut = cs_colormap_lut(colormap);

  g_return_if_fail(lut != NULL && width > 0 && height > 0);
  for (int y = 0; y < height; y++) {
    for (int x = 0; x < width; x++) {
      double u = vertical ? (height > 1 ? (double)(height - 1 - y) / (height - 1) : 0)
                          : (width > 1 ? (double)x / (width - 1) : 0);
      int k = (int)lround(u * 255.0);
      guint8 *p = &rgba[((gsize)y * width + x) * 4];
      p[0] = lut[k * 3];
      p[1] = lut[k * 3 + 1];
      p[2] = lut[k * 3 + 2];
      p[3] = 255;
    }
  }
}

int
cs_colorbar_ticks(const CsOverlayScale *scale, int max_ticks, double *ticks)
{
  double span = scale->hi - scale->lo;

  if (max_ticks < 2 || !(span > 0) || !isfinite(span))
    return 0;
  /* The smallest step of 1, 2 or 5 times a power of ten giving no more than max_ticks ticks. */
  double raw = span / (max_ticks - 1);
  double power = pow(10.0, floor(log10(raw)));
  double step = power;
  static const double mult[] = { 1, 2, 5, 10 };
  for (guint i = 0; i < G_N_ELEMENTS(mult); i++) {
    step = mult[i] * power;
    if (floor(scale->hi / step) - ceil(scale->lo / step) + 1 <= max_ticks)
      break;
  }
  int n = 0;
  for (double k = ceil(scale->lo / step - 1e-9); k * step <= scale->hi + 1e-9 * step; k++) {
    if (n == max_ticks)
      break;
    ticks[n++] = fabs(k) < 0.5 ? 0.0 : k * step;
  }
  return n;
}

cairo_surface_t *
cs_rgba_to_surface(const guint8 *rgba, int width, int height)
{
  cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS)
    return surface;
  guint8 *data = cairo_image_surface_get_data(surface);
  int stride = cairo_image_surface_get_stride(surface);

  cairo_surface_flush(surface);
  for (int y = 0; y < height; y++) {
    guint32 *row = (guint32 *)(data + (gsize)y * stride);
    for (int x = 0; x < width; x++) {
      const guint8 *p = &rgba[((gsize)y * width + x) * 4];
      /* Cairo wants premultiplied alpha in native-endian 32-bit words. */
      guint32 a = p[3];
      guint32 r = p[0] * a / 255, g = p[1] * a / 255, b = p[2] * a / 255;
      row[x] = (a << 24) | (r << 16) | (g << 8) | b;
    }
  }
  cairo_surface_mark_dirty(surface);
  return surface;
}

/* Paints the 256 entries of @colormap into the rectangle, low values at the bottom (vertical) or
 * at the left (horizontal). */
static void
paint_bar(cairo_t *cr, double x, double y, double w, double h, CsColormap colormap,
          gboolean vertical)
{
  guint8 rgba[256 * 4];

  if (vertical)
    cs_colorbar_rgba(colormap, 1, 256, TRUE, rgba);
  else
    cs_colorbar_rgba(colormap, 256, 1, FALSE, rgba);
  cairo_surface_t *bar = cs_rgba_to_surface(rgba, vertical ? 1 : 256, vertical ? 256 : 1);
  cairo_save(cr);
  cairo_rectangle(cr, x, y, w, h);
  cairo_clip(cr);
  cairo_translate(cr, x, y);
  cairo_scale(cr, vertical ? w : w / 256.0, vertical ? h / 256.0 : h);
  cairo_set_source_surface(cr, bar, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BILINEAR);
  cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(bar);
}

void
cs_colorbar_draw(cairo_t *cr, double x, double y, double width, double height, CsColormap colormap,
                 const CsOverlayScale *scale, const char *title)
{
  gboolean vertical = height >= width;
  double font = vertical ? CLAMP(height / 22.0, 8.0, 14.0) : CLAMP(width / 30.0, 8.0, 12.0);
  double ticks[12];
  char label[32];

  g_return_if_fail(cr != NULL && scale != NULL);
  cairo_save(cr);
  /* The reports' family; fontconfig gives the nearest sans-serif where it is missing. */
  cairo_select_font_face(cr, "Noto Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, font);
  cairo_set_line_width(cr, 1.0);
  double span = scale->hi - scale->lo;

  if (vertical) {
    double top = y + (title != NULL ? font * 1.8 : font * 0.6);
    double bottom = y + height - font * 0.6;
    double bar_w = width / 3.0, bar_h = bottom - top;
    if (bar_h >= 4 && bar_w >= 2) {
      paint_bar(cr, x, top, bar_w, bar_h, colormap, TRUE);
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      cairo_rectangle(cr, x + 0.5, top + 0.5, bar_w - 1, bar_h - 1);
      cairo_stroke(cr);
      int n = cs_colorbar_ticks(scale, (int)CLAMP(bar_h / (font * 2.5), 2, 12), ticks);
      for (int i = 0; i < n; i++) {
        double ty = bottom - (ticks[i] - scale->lo) / span * bar_h;
        cairo_move_to(cr, x + bar_w, ty);
        cairo_line_to(cr, x + bar_w + font * 0.4, ty);
        cairo_stroke(cr);
        g_snprintf(label, sizeof label, "%.3g", ticks[i]);
        cairo_move_to(cr, x + bar_w + font * 0.6, ty + font * 0.35);
        cairo_show_text(cr, label);
      }
      if (title != NULL) {
        cairo_move_to(cr, x, y + font * 1.1);
        cairo_show_text(cr, title);
      }
    }
  } else if (width >= 4 && height >= 2) {
    /* Horizontal: the bar fills the box; tick labels hang below it, the title sits above. */
    paint_bar(cr, x, y, width, height, colormap, FALSE);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_rectangle(cr, x + 0.5, y + 0.5, width - 1, height - 1);
    cairo_stroke(cr);
    int n = cs_colorbar_ticks(scale, (int)CLAMP(width / (font * 5.0), 2, 12), ticks);
    for (int i = 0; i < n; i++) {
      cairo_text_extents_t extents;
      double tx = x + (ticks[i] - scale->lo) / span * width;
      cairo_move_to(cr, tx, y + height);
      cairo_line_to(cr, tx, y + height + font * 0.4);
      cairo_stroke(cr);
      g_snprintf(label, sizeof label, "%.3g", ticks[i]);
      cairo_text_extents(cr, label, &extents);
      double lx = CLAMP(tx - extents.x_advance / 2, x, x + width - extents.x_advance);
      cairo_move_to(cr, lx, y + height + font * 1.5);
      cairo_show_text(cr, label);
    }
    if (title != NULL) {
      cairo_move_to(cr, x, y - font * 0.4);
      cairo_show_text(cr, title);
    }
  }
  cairo_restore(cr);
}

static cairo_status_t
append_png_cb(void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append(closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean
cs_overlay_save_png(const guint8 *rgba, int width, int height, CsColormap colormap,
                    const CsOverlayScale *scale, const char *title, const char *path,
                    GError **error)
{
  g_return_val_if_fail(rgba != NULL && path != NULL, FALSE);
  if (width < 1 || height < 1 || width > 32767 || height > 32767) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "overlay of %d x %d px cannot be written", width,
                height);
    return FALSE;
  }
  cairo_surface_t *image = cs_rgba_to_surface(rgba, width, height);
  cairo_surface_t *out = image;
  if (scale != NULL) {
    /* The legend panel takes the overlay's height and a width in proportion to it, with at least
     * enough room for its labels. */
    int legend_h = MAX(height, 160);
    int legend_w = MAX(90, legend_h * 3 / 8);
    out = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width + legend_w, legend_h);
    cairo_t *cr = cairo_create(out);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_surface(cr, image, 0, (legend_h - height) / 2);
    cairo_paint(cr);
    cs_colorbar_draw(cr, width + legend_w * 0.12, legend_h * 0.04, legend_w * 0.86, legend_h * 0.92,
                     colormap, scale, title);
    cairo_destroy(cr);
    cairo_surface_destroy(image);
  }
  g_autoptr(GByteArray) bytes = g_byte_array_new();
  cairo_status_t status = cairo_surface_write_to_png_stream(out, append_png_cb, bytes);
  cairo_surface_destroy(out);
  if (status != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s: %s", path, cairo_status_to_string(status));
    return FALSE;
  }
  /* g_file_set_contents writes a temporary file and renames it, so a cancelled or failed run
   * leaves no half-written PNG. */
  GError *local = NULL;
  if (!g_file_set_contents(path, (const char *)bytes->data, bytes->len, &local)) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s", local->message);
    g_error_free(local);
    return FALSE;
  }
  return TRUE;
}
