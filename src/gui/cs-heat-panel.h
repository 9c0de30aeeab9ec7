/* cs-heat-panel.h — one explanation panel: the crop, its heat map overlay and a colour bar
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cs-colormap.h"

G_BEGIN_DECLS

#define CS_TYPE_HEAT_PANEL (cs_heat_panel_get_type())
G_DECLARE_FINAL_TYPE(CsHeatPanel, cs_heat_panel, CS, HEAT_PANEL, GtkBox)

/* Creates a panel titled @title ("Occlusion", "LIME", ...). */
GtkWidget *cs_heat_panel_new(const char *title);

/* Shows the @width x @height gray @crop (copied) with @map (copied; NULL shows the crop alone)
 * and @caption (the parameters, seed, R^2, ...). @signed_map selects the diverging colour map. */
void cs_heat_panel_set_content(CsHeatPanel *self, const guint8 *crop, const float *map, int width,
                               int height, gboolean signed_map, const char *caption);

/* Clears the panel and shows @message instead of a picture. */
void cs_heat_panel_set_message(CsHeatPanel *self, const char *message);

/* Colour map of unsigned maps, overlay opacity (0..1) and whether the overlay is drawn. */
void cs_heat_panel_set_colormap(CsHeatPanel *self, CsColormap colormap);
void cs_heat_panel_set_opacity(CsHeatPanel *self, double opacity);
void cs_heat_panel_set_overlay_visible(CsHeatPanel *self, gboolean visible);

/* Lets the picture take all the height the panel is given (it keeps its aspect), as a
 * presentation wants; by default it keeps its natural size. */
void cs_heat_panel_set_expand(CsHeatPanel *self, gboolean expand);

/* TRUE when the panel holds a map. */
gboolean cs_heat_panel_has_map(CsHeatPanel *self);
/* The caption shown under the panel. */
const char *cs_heat_panel_get_caption(CsHeatPanel *self);

/* Writes what the panel shows (overlay and colour bar) to a PNG of @size px a side. */
gboolean cs_heat_panel_save_png(CsHeatPanel *self, const char *path, int size, GError **error);

G_END_DECLS
