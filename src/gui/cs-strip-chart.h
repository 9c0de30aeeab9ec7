/* cs-strip-chart.h — p(CTS) per frame under the scrubber, with the threshold and current frame
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CS_TYPE_STRIP_CHART (cs_strip_chart_get_type())
G_DECLARE_FINAL_TYPE(CsStripChart, cs_strip_chart, CS, STRIP_CHART, GtkWidget)

/* Signals: "frame-activated" (int frame): the user clicked the chart at that frame.
 * Properties: "threshold" (0..1), "current-frame", "stale" (draw the values greyed). */

GtkWidget *cs_strip_chart_new(void);

/* Sets @n_frames values; NaN marks a frame without a value. NULL or 0 clears the chart. */
void cs_strip_chart_set_values(CsStripChart *self, const double *p_cts, int n_frames);
int cs_strip_chart_get_n_frames(CsStripChart *self);
/* Returns the value at @frame (NaN when none). */
double cs_strip_chart_get_value(CsStripChart *self, int frame);

void cs_strip_chart_set_threshold(CsStripChart *self, double threshold);
double cs_strip_chart_get_threshold(CsStripChart *self);
void cs_strip_chart_set_current_frame(CsStripChart *self, int frame);
int cs_strip_chart_get_current_frame(CsStripChart *self);
void cs_strip_chart_set_stale(CsStripChart *self, gboolean stale);

/* How a frame is marked under the bars: the nerve's tracking there. */
typedef enum {
  CS_STRIP_MARK_NONE = 0,
  CS_STRIP_MARK_UNCERTAIN, /* Amber. */
  CS_STRIP_MARK_LOST,      /* Red. */
} CsStripMark;

/* Sets @n_frames marks (CsStripMark each); NULL or 0 clears them. */
void cs_strip_chart_set_marks(CsStripChart *self, const guint8 *marks, int n_frames);
/* Returns the mark at @frame (none outside the marks). */
CsStripMark cs_strip_chart_get_mark(CsStripChart *self, int frame);

/* Returns the frame under widget x for a chart @width wide (the mapping clicks use). */
int cs_strip_chart_frame_at(CsStripChart *self, double x, double width);

G_END_DECLS
