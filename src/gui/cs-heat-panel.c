/* cs-heat-panel.c — one explanation panel: the crop, its heat map overlay and a colour bar
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-heat-panel.h"

#include <glib/gi18n.h>

#include "cs-error.h"

struct _CsHeatPanel {
  GtkBox parent_instance;

  GtkLabel *title_label;
  GtkDrawingArea *area;
  GtkLabel *caption_label;

  guint8 *crop;
  float *map;
  int width, height;
  gboolean signed_map;
  CsColormap colormap;
  double opacity;
  gboolean overlay_visible;
  char *message;

  guint8 *rgba; /* The composed overlay, remade when an input changes. */
  CsOverlayScale scale;
};

G_DEFINE_FINAL_TYPE(CsHeatPanel, cs_heat_panel, GTK_TYPE_BOX)

/* Room under the picture for the colour bar and its ticks. */
#define COLORBAR_HEIGHT 44.0

static CsColormap
effective_colormap(CsHeatPanel *self)
{
  return self->signed_map ? CS_COLORMAP_DIVERGING : self->colormap;
}

static void
compose(CsHeatPanel *self)
{
  gsize n = (gsize)self->width * self->height;

  g_clear_pointer(&self->rgba, g_free);
  if (self->crop == NULL)
    return;
  self->rgba = g_malloc(n * 4);
  if (self->map != NULL) {
    self->scale = cs_overlay_scale(self->map, n, effective_colormap(self), 2.0);
    cs_overlay_compose(self->crop, self->map, self->width, self->height, effective_colormap(self),
                       self->overlay_visible ? self->opacity : 0.0, CS_OVERLAY_BLEND_WEIGHTED,
                       &self->scale, self->rgba);
  } else {
    /* The crop alone, drawn through the same path as an overlay of opacity zero. */
    for (gsize i = 0; i < n; i++) {
      self->rgba[4 * i] = self->rgba[4 * i + 1] = self->rgba[4 * i + 2] = self->crop[i];
      self->rgba[4 * i + 3] = 255;
    }
  }
}

static void
draw_picture(cairo_t *cr, CsHeatPanel *self, double width, double height, gboolean with_bar)
{
  double bar = with_bar && self->map != NULL ? COLORBAR_HEIGHT : 0;
  double side = MIN(width, height - bar);
  double x0 = (width - side) / 2;
  cairo_surface_t *surface;

  if (self->rgba == NULL || side <= 0)
    return;
  surface = cs_rgba_to_surface(self->rgba, self->width, self->height);
  cairo_save(cr);
  cairo_translate(cr, x0, 0);
  cairo_scale(cr, side / self->width, side / self->height);
  cairo_set_source_surface(cr, surface, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BILINEAR);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(surface);
  if (bar > 0)
    cs_colorbar_draw(cr, x0, side + 6, side, 12, effective_colormap(self), &self->scale, NULL);
}

static void
draw_cb(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  CsHeatPanel *self = user_data;

  if (self->rgba == NULL) {
    cairo_set_source_rgba(cr, 0.5, 0.5, 0.5, 0.12);
    cairo_rectangle(cr, 0, 0, width, height);
    cairo_fill(cr);
    return;
  }
  draw_picture(cr, self, width, height, TRUE);
}

GtkWidget *
cs_heat_panel_new(const char *title)
{
  CsHeatPanel *self = g_object_new(CS_TYPE_HEAT_PANEL, NULL);

  gtk_label_set_text(self->title_label, title);
  gtk_accessible_update_property(GTK_ACCESSIBLE(self->area), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                 -1);
  return GTK_WIDGET(self);
}

void
cs_heat_panel_set_content(CsHeatPanel *self, const guint8 *crop, const float *map, int width,
                          int height, gboolean signed_map, const char *caption)
{
  gsize n = (gsize)width * height;

  g_return_if_fail(CS_IS_HEAT_PANEL(self));
  g_return_if_fail(crop != NULL && width > 0 && height > 0);

  g_free(self->crop);
  g_free(self->map);
  g_clear_pointer(&self->message, g_free);
  self->crop = g_memdup2(crop, n);
  self->map = map != NULL ? g_memdup2(map, n * sizeof(float)) : NULL;
  self->width = width;
  self->height = height;
  self->signed_map = signed_map;
  gtk_label_set_text(self->caption_label, caption != NULL ? caption : "");
  compose(self);
  gtk_widget_queue_draw(GTK_WIDGET(self->area));
}

void
cs_heat_panel_set_message(CsHeatPanel *self, const char *message)
{
  g_return_if_fail(CS_IS_HEAT_PANEL(self));

  g_clear_pointer(&self->crop, g_free);
  g_clear_pointer(&self->map, g_free);
  g_clear_pointer(&self->rgba, g_free);
  gtk_label_set_text(self->caption_label, message != NULL ? message : "");
  gtk_widget_queue_draw(GTK_WIDGET(self->area));
}

void
cs_heat_panel_set_colormap(CsHeatPanel *self, CsColormap colormap)
{
  g_return_if_fail(CS_IS_HEAT_PANEL(self));

  if (self->colormap == colormap)
    return;
  self->colormap = colormap;
  compose(self);
  gtk_widget_queue_draw(GTK_WIDGET(self->area));
}

void
cs_heat_panel_set_opacity(CsHeatPanel *self, double opacity)
{
  g_return_if_fail(CS_IS_HEAT_PANEL(self));

  opacity = CLAMP(opacity, 0, 1);
  if (self->opacity == opacity)
    return;
  self->opacity = opacity;
  compose(self);
  gtk_widget_queue_draw(GTK_WIDGET(self->area));
}

void
cs_heat_panel_set_overlay_visible(CsHeatPanel *self, gboolean visible)
{
  g_return_if_fail(CS_IS_HEAT_PANEL(self));

  if (self->overlay_visible == !!visible)
    return;
  self->overlay_visible = !!visible;
  compose(self);
  gtk_widget_queue_draw(GTK_WIDGET(self->area));
}

void
cs_heat_panel_set_expand(CsHeatPanel *self, gboolean expand)
{
  g_return_if_fail(CS_IS_HEAT_PANEL(self));
  /* The area's parent is the aspect frame that keeps the picture square. */
  gtk_widget_set_vexpand(gtk_widget_get_parent(GTK_WIDGET(self->area)), expand);
}

const char *
cs_heat_panel_get_caption(CsHeatPanel *self)
{
  g_return_val_if_fail(CS_IS_HEAT_PANEL(self), NULL);
  return gtk_label_get_text(self->caption_label);
}

gboolean
cs_heat_panel_has_map(CsHeatPanel *self)
{
  g_return_val_if_fail(CS_IS_HEAT_PANEL(self), FALSE);
  return self->map != NULL;
}

gboolean
cs_heat_panel_save_png(CsHeatPanel *self, const char *path, int size, GError **error)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;
  double bar = self->map != NULL ? COLORBAR_HEIGHT : 0;

  g_return_val_if_fail(CS_IS_HEAT_PANEL(self), FALSE);

  if (self->rgba == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "the panel shows nothing yet");
    return FALSE;
  }
  surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, (int)(size + bar));
  cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  draw_picture(cr, self, size, size + bar, TRUE);
  cairo_destroy(cr);
  status = cairo_surface_write_to_png(surface, path);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s: %s", path, cairo_status_to_string(status));
    return FALSE;
  }
  return TRUE;
}

static void
cs_heat_panel_finalize(GObject *object)
{
  CsHeatPanel *self = CS_HEAT_PANEL(object);

  g_free(self->crop);
  g_free(self->map);
  g_free(self->rgba);
  g_free(self->message);
  G_OBJECT_CLASS(cs_heat_panel_parent_class)->finalize(object);
}

static void
cs_heat_panel_class_init(CsHeatPanelClass *klass)
{
  G_OBJECT_CLASS(klass)->finalize = cs_heat_panel_finalize;
  gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "csheatpanel");
}

static void
cs_heat_panel_init(CsHeatPanel *self)
{
  GtkWidget *frame;

  gtk_orientable_set_orientation(GTK_ORIENTABLE(self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing(GTK_BOX(self), 4);
  self->opacity = 0.5;
  self->overlay_visible = TRUE;
  self->colormap = CS_COLORMAP_INFERNO;

  self->title_label = GTK_LABEL(gtk_label_new(NULL));
  gtk_widget_add_css_class(GTK_WIDGET(self->title_label), "heading");
  self->area = GTK_DRAWING_AREA(gtk_drawing_area_new());
  gtk_widget_set_size_request(GTK_WIDGET(self->area), 120, 120 + (int)COLORBAR_HEIGHT);
  gtk_widget_set_hexpand(GTK_WIDGET(self->area), TRUE);
  gtk_widget_set_vexpand(GTK_WIDGET(self->area), FALSE);
  gtk_drawing_area_set_draw_func(self->area, draw_cb, self, NULL);
  self->caption_label = GTK_LABEL(gtk_label_new(NULL));
  gtk_label_set_wrap(self->caption_label, TRUE);
  gtk_label_set_selectable(self->caption_label, TRUE);
  gtk_label_set_justify(self->caption_label, GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class(GTK_WIDGET(self->caption_label), "caption");
  gtk_widget_add_css_class(GTK_WIDGET(self->caption_label), "dim-label");

  /* The picture stays square (plus its colour bar) as the row grows or shrinks. */
  frame = gtk_aspect_frame_new(0.5, 0.0, 0.8, FALSE);
  gtk_aspect_frame_set_child(GTK_ASPECT_FRAME(frame), GTK_WIDGET(self->area));
  gtk_box_append(GTK_BOX(self), GTK_WIDGET(self->title_label));
  gtk_box_append(GTK_BOX(self), frame);
  gtk_box_append(GTK_BOX(self), GTK_WIDGET(self->caption_label));
}
