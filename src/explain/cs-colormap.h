/* cs-colormap.h — colour maps, heat-map overlays and their colour-bar legend
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A map is normalised before colouring: the largest 2 % of the attribution mass (Captum's
 * outlier_perc = 2) is clipped, so one hot pixel does not wash the rest out. Diverging maps show
 * signed values on [-t, t] (blue = against the class, red = for it); sequential maps show the
 * positive part on [0, t]. The overlay blends the coloured map over the gray crop at a constant
 * opacity, or at an opacity that grows with |value| up to the given one. RGBA buffers are 4 bytes a
 * pixel in the order R, G, B, A, rows packed.
 *
 *   CsOverlayScale scale = cs_overlay_scale(map, w * h, CS_COLORMAP_DIVERGING, 2.0);
 *   cs_overlay_compose(crop, map, w, h, CS_COLORMAP_DIVERGING, 0.5, CS_OVERLAY_BLEND_WEIGHTED,
 *                      &scale, rgba);
 *   cs_overlay_save_png(rgba, w, h, CS_COLORMAP_DIVERGING, &scale, "LIME", "lime.png", &error);
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* The colour maps. */
typedef enum {
  CS_COLORMAP_VIRIDIS,
  CS_COLORMAP_INFERNO,
  CS_COLORMAP_TURBO,
  CS_COLORMAP_DIVERGING, /* Blue - white - red (ColorBrewer RdBu, reversed), for signed maps. */
  CS_N_COLORMAPS
} CsColormap;

/* The value range that the ends of a colour map stand for. */
typedef struct {
  double lo;      /* Value shown with entry 0 (-t for diverging maps, 0 for sequential ones). */
  double hi;      /* Value shown with entry 255 (t, the clip value). */
  double clipped; /* Fraction of pixels whose |value| exceeded t. */
} CsOverlayScale;

/* Returns the 256-entry RGB table of @colormap (768 bytes, static). */
const guint8 *cs_colormap_lut(CsColormap colormap);

/* Returns "viridis", "inferno", "turbo" or "diverging". */
const char *cs_colormap_name(CsColormap colormap);

/* Parses a colour map name. */
gboolean cs_colormap_from_name(const char *name, CsColormap *colormap);

/* Returns whether @colormap is meant for signed values centred on 0. */
gboolean cs_colormap_is_diverging(CsColormap colormap);

/* Returns Captum's clip value: the smallest v in sorted |@map| (or its positive part when
 * @positive_only) whose cumulative sum reaches (100 - @outlier_perc) % of the total; 0 for an
 * all-zero map. */
double cs_attribution_clip_value(const float *map, gsize n, gboolean positive_only,
                                 double outlier_perc);

/* Returns the scale for showing @map with @colormap, clipping @outlier_perc % (2 by default). */
CsOverlayScale cs_overlay_scale(const float *map, gsize n, CsColormap colormap,
                                double outlier_perc);

/* How the coloured map is blended over the crop. */
typedef enum {
  CS_OVERLAY_BLEND_CONSTANT, /* Every pixel at the opacity (Captum's blended_heat_map). */
  CS_OVERLAY_BLEND_WEIGHTED  /* The opacity times |value| / t: zero attribution leaves the crop
                                untouched, so the anatomy stays readable around the hot spots. */
} CsOverlayBlend;

/* Colours @map with @colormap on @scale and blends it with @blend at @opacity (0 to 1) over the
 * gray @crop into @rgba (opaque). */
void cs_overlay_compose(const guint8 *crop, const float *map, int width, int height,
                        CsColormap colormap, double opacity, CsOverlayBlend blend,
                        const CsOverlayScale *scale, guint8 *rgba);

/* Draws the bare colour bar of @colormap into @rgba (@width x @height), low values at the left
 * (or at the bottom when @vertical). */
void cs_colorbar_rgba(CsColormap colormap, int width, int height, gboolean vertical, guint8 *rgba);

/* Writes up to @max_ticks round tick values within @scale to @ticks; returns how many. */
int cs_colorbar_ticks(const CsOverlayScale *scale, int max_ticks, double *ticks);

/* Draws a colour bar with ticks, their values and @title (may be NULL) in the @width x @height
 * box at @x, @y of @cr. A tall box gives a vertical bar in its left third with the labels on its
 * right; a wide box is filled by a horizontal bar whose labels hang below the box (about 1.6
 * font sizes, the font being width / 30 clamped to 8-12 px) and whose title sits above it. */
void cs_colorbar_draw(cairo_t *cr, double x, double y, double width, double height,
                      CsColormap colormap, const CsOverlayScale *scale, const char *title);

/* Returns a new cairo image surface (ARGB32) holding @rgba. */
cairo_surface_t *cs_rgba_to_surface(const guint8 *rgba, int width, int height);

/* Writes @rgba to @path as PNG, atomically; with @scale not NULL a colour-bar legend titled
 * @title (may be NULL) is added on the right. */
gboolean cs_overlay_save_png(const guint8 *rgba, int width, int height, CsColormap colormap,
                             const CsOverlayScale *scale, const char *title, const char *path,
                             GError **error);

G_END_DECLS
