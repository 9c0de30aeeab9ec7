/* cs-strip-chart.c — p(CTS) per frame under the scrubber, with the threshold and current frame
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-strip-chart.h"

#include <glib/gi18n.h>
#include <math.h>

struct _CsStripChart {
  GtkWidget parent_instance;

  double *values;
  int n_frames;
  double threshold;
  int current_frame;
  gboolean stale;
  guint8 *marks; /* CsStripMark per frame of the nerve's tracking, or NULL. */
  int n_marks;
};

G_DEFINE_FINAL_TYPE(CsStripChart, cs_strip_chart, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_THRESHOLD, PROP_CURRENT_FRAME, PROP_STALE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_FRAME_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* Room on the left for the axis labels. */
#define AXIS_WIDTH 34.0

GtkWidget *
cs_strip_chart_new(void)
{
  return g_object_new(CS_TYPE_STRIP_CHART, NULL);
}

static void
update_description(CsStripChart *self)
{
  g_autofree char *text = NULL;
  double sum = 0;
  int n = 0, above = 0;

  for (int i = 0; i < self->n_frames; i++) {
    if (isnan(self->values[i]))
      continue;
    sum += self->values[i];
    above += self->values[i] >= self->threshold;
    n++;
  }
  if (n == 0)
    text = g_strdup(_("No analysis yet"));
  else
    /* Translators: a summary of the per-frame chart for screen readers. */
    text = g_strdup_printf(_("%d frames analysed, mean p(CTS) %.2f, %d at or above the "
                             "threshold %.2f"),
                           n, sum / n, above, self->threshold);
  gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                 -1);
}

void
cs_strip_chart_set_values(CsStripChart *self, const double *p_cts, int n_frames)
{
  g_return_if_fail(CS_IS_STRIP_CHART(self));

  g_clear_pointer(&self->values, g_free);
  self->n_frames = 0;
  if (p_cts != NULL && n_frames > 0) {
    self->values = g_memdup2(p_cts, sizeof(double) * n_frames);
    self->n_frames = n_frames;
  }
  update_description(self);
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

void
cs_strip_chart_set_marks(CsStripChart *self, const guint8 *marks, int n_frames)
{
  g_return_if_fail(CS_IS_STRIP_CHART(self));

  g_clear_pointer(&self->marks, g_free);
  self->n_marks = 0;
  if (marks != NULL && n_frames > 0) {
    self->marks = g_memdup2(marks, n_frames);
    self->n_marks = n_frames;
  }
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

CsStripMark
cs_strip_chart_get_mark(CsStripChart *self, int frame)
{
  g_return_val_if_fail(CS_IS_STRIP_CHART(self), CS_STRIP_MARK_NONE);

  if (frame < 0 || frame >= self->n_marks)
    return CS_STRIP_MARK_NONE;
  return (CsStripMark)self->marks[frame];
}

int
cs_strip_chart_get_n_frames(CsStripChart *self)
{
  g_return_val_if_fail(CS_IS_STRIP_CHART(self), 0);
  return self->n_frames;
}

double
cs_strip_chart_get_value(CsStripChart *self, int frame)
{
  g_return_val_if_fail(CS_IS_STRIP_CHART(self), NAN);

  if (frame < 0 || frame >= self->n_frames)
    return NAN;
  return self->values[frame];
}

void
cs_strip_chart_set_threshold(CsStripChart *self, double threshold)
{
  g_return_if_fail(CS_IS_STRIP_CHART(self));

  threshold = CLAMP(threshold, 0, 1);
  if (self->threshold == threshold)
    return;
  self->threshold = threshold;
  update_description(self);
  gtk_widget_queue_draw(GTK_WIDGET(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_THRESHOLD]);
}

double
cs_strip_chart_get_threshold(CsStripChart *self)
{
  g_return_val_if_fail(CS_IS_STRIP_CHART(self), 0.5);
  return self->threshold;
}

void
cs_strip_chart_set_current_frame(CsStripChart *self, int frame)
{
  g_return_if_fail(CS_IS_STRIP_CHART(self));

  if (self->current_frame == frame)
    return;
  self->current_frame = frame;
  gtk_widget_queue_draw(GTK_WIDGET(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_CURRENT_FRAME]);
}

int
cs_strip_chart_get_current_frame(CsStripChart *self)
{
  g_return_val_if_fail(CS_IS_STRIP_CHART(self), 0);
  return self->current_frame;
}

void
cs_strip_chart_set_stale(CsStripChart *self, gboolean stale)
{
  g_return_if_fail(CS_IS_STRIP_CHART(self));

  stale = !!stale;
  if (self->stale == stale)
    return;
  self->stale = stale;
  gtk_widget_queue_draw(GTK_WIDGET(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_STALE]);
}

int
cs_strip_chart_frame_at(CsStripChart *self, double x, double width)
{
  double plot_width = width - AXIS_WIDTH;
  int frame;

  g_return_val_if_fail(CS_IS_STRIP_CHART(self), -1);

  if (self->n_frames <= 0 || plot_width <= 0)
    return -1;
  frame = (int)floor((x - AXIS_WIDTH) / plot_width * self->n_frames);
  return CLAMP(frame, 0, self->n_frames - 1);
}

static void
cs_strip_chart_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  CsStripChart *self = CS_STRIP_CHART(widget);
  double width = gtk_widget_get_width(widget);
  double height = gtk_widget_get_height(widget);
  double plot_width = width - AXIS_WIDTH;
  double top = 4, bottom = height - 4;
  double plot_height = bottom - top;
  GdkRGBA fg;
  cairo_t *cr;

  if (plot_width <= 0 || plot_height <= 0)
    return;
  gtk_style_context_get_color(gtk_widget_get_style_context(widget), &fg);
  cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, width, height));

  /* Axis labels and the frame of the plot. */
  cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.7);
  cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 10);
  cairo_move_to(cr, 4, top + 9);
  cairo_show_text(cr, "1.0");
  cairo_move_to(cr, 4, bottom);
  cairo_show_text(cr, "0.0");
  cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.08);
  cairo_rectangle(cr, AXIS_WIDTH, top, plot_width, plot_height);
  cairo_fill(cr);

  /* Bars: one per frame, red at or above the threshold, blue below. */
  if (self->n_frames > 0) {
    double bar = plot_width / self->n_frames;

    for (int i = 0; i < self->n_frames; i++) {
      double p = self->values[i];
      double bar_height;

      if (isnan(p))
        continue;
      bar_height = CLAMP(p, 0, 1) * plot_height;
      if (self->stale)
        cairo_set_source_rgba(cr, 0.6, 0.6, 0.6, 0.7);
      else if (p >= self->threshold)
        cairo_set_source_rgba(cr, 0.88, 0.11, 0.14, 0.85);
      else
        cairo_set_source_rgba(cr, 0.21, 0.52, 0.89, 0.85);
      cairo_rectangle(cr, AXIS_WIDTH + i * bar, bottom - bar_height, MAX(bar - 0.5, 1), bar_height);
      cairo_fill(cr);
    }

    /* The current frame. */
    if (self->current_frame >= 0 && self->current_frame < self->n_frames) {
      cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.9);
      cairo_set_line_width(cr, 2);
      cairo_move_to(cr, AXIS_WIDTH + (self->current_frame + 0.5) * bar, top);
      cairo_line_to(cr, AXIS_WIDTH + (self->current_frame + 0.5) * bar, bottom);
      cairo_stroke(cr);
    }
  }

  /* The nerve's tracking: a band along the bottom, amber where uncertain, red where lost. */
  for (int i = 0; i < self->n_marks; i++) {
    double mark = plot_width / self->n_marks;

    if (self->marks[i] == CS_STRIP_MARK_NONE)
      continue;
    if (self->marks[i] == CS_STRIP_MARK_LOST)
      cairo_set_source_rgba(cr, 0.88, 0.11, 0.14, 1.0);
    else
      cairo_set_source_rgba(cr, 0.96, 0.62, 0.04, 1.0);
    cairo_rectangle(cr, AXIS_WIDTH + i * mark, bottom - 5, MAX(mark - 0.5, 1), 5);
    cairo_fill(cr);
  }

  /* The decision threshold. */
  {
    double y = bottom - self->threshold * plot_height;
    const double dashes[] = { 4, 3 };

    cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.8);
    cairo_set_line_width(cr, 1);
    cairo_set_dash(cr, dashes, 2, 0);
    cairo_move_to(cr, AXIS_WIDTH, y);
    cairo_line_to(cr, width, y);
    cairo_stroke(cr);
  }
  cairo_destroy(cr);
}

static void
pressed_cb(GtkGestureClick *gesture, int n_press, double x, double y, CsStripChart *self)
{
  int frame = cs_strip_chart_frame_at(self, x, gtk_widget_get_width(GTK_WIDGET(self)));

  if (frame >= 0)
    g_signal_emit(self, signals[SIGNAL_FRAME_ACTIVATED], 0, frame);
}

static void
cs_strip_chart_measure(GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                       int *natural, int *minimum_baseline, int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL) {
    *minimum = 120;
    *natural = 600;
  } else {
    *minimum = 48;
    *natural = 64;
  }
}

static void
cs_strip_chart_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CsStripChart *self = CS_STRIP_CHART(object);

  switch (prop_id) {
    case PROP_THRESHOLD:
      g_value_set_double(value, self->threshold);
      break;
    case PROP_CURRENT_FRAME:
      g_value_set_int(value, self->current_frame);
      break;
    case PROP_STALE:
      g_value_set_boolean(value, self->stale);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_strip_chart_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CsStripChart *self = CS_STRIP_CHART(object);

  switch (prop_id) {
    case PROP_THRESHOLD:
      cs_strip_chart_set_threshold(self, g_value_get_double(value));
      break;
    case PROP_CURRENT_FRAME:
      cs_strip_chart_set_current_frame(self, g_value_get_int(value));
      break;
    case PROP_STALE:
      cs_strip_chart_set_stale(self, g_value_get_boolean(value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
cs_strip_chart_finalize(GObject *object)
{
  CsStripChart *self = CS_STRIP_CHART(object);

  g_clear_pointer(&self->values, g_free);
  g_clear_pointer(&self->marks, g_free);
  G_OBJECT_CLASS(cs_strip_chart_parent_class)->finalize(object);
}

static void
cs_strip_chart_class_init(CsStripChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->finalize = cs_strip_chart_finalize;
  object_class->get_property = cs_strip_chart_get_property;
  object_class->set_property = cs_strip_chart_set_property;
  widget_class->snapshot = cs_strip_chart_snapshot;
  widget_class->measure = cs_strip_chart_measure;

  properties[PROP_THRESHOLD] =
      g_param_spec_double("threshold", NULL, NULL, 0, 1, 0.5,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CURRENT_FRAME] =
      g_param_spec_int("current-frame", NULL, NULL, -1, G_MAXINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STALE] =
      g_param_spec_boolean("stale", NULL, NULL, FALSE,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);

  signals[SIGNAL_FRAME_ACTIVATED] =
      g_signal_new("frame-activated", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                   NULL, G_TYPE_NONE, 1, G_TYPE_INT);

  gtk_widget_class_set_css_name(widget_class, "csstripchart");
  gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
cs_strip_chart_init(CsStripChart *self)
{
  GtkGesture *click = gtk_gesture_click_new();

  self->threshold = 0.5;
  g_signal_connect(click, "pressed", G_CALLBACK(pressed_cb), self);
  gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(click));
  gtk_widget_set_hexpand(GTK_WIDGET(self), TRUE);
  gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 _("p(CTS) per frame"), -1);
  update_description(self);
}
