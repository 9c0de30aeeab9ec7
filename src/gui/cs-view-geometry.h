/* cs-view-geometry.h — the geometry behind the frame viewer: zoom and pan, ROI handles, tracing
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions and plain structs, without widgets, so the widget tests can check every
 * interaction on numbers: where a click lands in the image, what a drag does to the ROI, how a
 * tracing is built and edited.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Widget coordinates = image coordinates * scale + offset. */
typedef struct {
  double scale;
  double offset_x;
  double offset_y;
} CsViewTransform;

/* Fits an image into a widget, centred, keeping its aspect ratio. */
void cs_view_transform_fit(CsViewTransform *t, int image_w, int image_h, double widget_w,
                           double widget_h);

/* Sets @scale keeping the image point under (anchor_x, anchor_y) in the widget where it is. */
void cs_view_transform_zoom_at(CsViewTransform *t, double scale, double anchor_x, double anchor_y);

/* Keeps a zoomed image from leaving the widget: an image smaller than the widget is centred. */
void cs_view_transform_clamp(CsViewTransform *t, int image_w, int image_h, double widget_w,
                             double widget_h);

/* Maps between widget and image coordinates. */
void cs_view_widget_to_image(const CsViewTransform *t, double wx, double wy, double *ix,
                             double *iy);
void cs_view_image_to_widget(const CsViewTransform *t, double ix, double iy, double *wx,
                             double *wy);

/* What a pointer is over, for a square ROI. */
typedef enum {
  CS_ROI_HIT_NONE,
  CS_ROI_HIT_INSIDE,
  CS_ROI_HIT_CORNER /* Any of the four corner handles: dragging one resizes about the centre. */
} CsRoiHit;

/* A square ROI in image pixels: centre and side. */
typedef struct {
  double x;
  double y;
  double side;
} CsRoiSquare;

/* Hit-tests image point (x, y) against @roi; @tolerance is the handle radius in image px. */
CsRoiHit cs_roi_hit_test(const CsRoiSquare *roi, double x, double y, double tolerance);

/* The ROI after a drag that started on @hit at @start and is now at image point (x, y), from the
 * ROI @before. A corner drag resizes about the centre, never below @min_side. */
void cs_roi_drag(CsRoiHit hit, const CsRoiSquare *before, double start_x, double start_y, double x,
                 double y, double min_side, CsRoiSquare *after);

/* A polygon being traced or edited, in image pixels. */
typedef struct {
  GArray *points; /* double pairs (x, y). */
  gboolean closed;
  int selected; /* Selected vertex, or -1. */
} CsTracingEdit;

/* Starts an empty tracing; free with cs_tracing_edit_clear(). */
void cs_tracing_edit_init(CsTracingEdit *edit);
void cs_tracing_edit_clear(CsTracingEdit *edit);

/* Replaces the contents with @n closed points. */
void cs_tracing_edit_set(CsTracingEdit *edit, const double *xy, guint n, gboolean closed);

/* Returns the number of vertices. */
guint cs_tracing_edit_n_points(const CsTracingEdit *edit);

/* Appends a vertex (ignored when closer than @min_step px to the last one, as freehand drags
 * produce many); returns TRUE when added. */
gboolean cs_tracing_edit_add(CsTracingEdit *edit, double x, double y, double min_step);

/* Closes the polygon; refuses fewer than three vertices. */
gboolean cs_tracing_edit_close(CsTracingEdit *edit);

/* Returns the vertex within @tolerance of (x, y), or -1. */
int cs_tracing_edit_hit_vertex(const CsTracingEdit *edit, double x, double y, double tolerance);

/* Returns the edge (index of its first vertex) within @tolerance of (x, y), or -1. */
int cs_tracing_edit_hit_edge(const CsTracingEdit *edit, double x, double y, double tolerance);

/* Moves vertex @index to (x, y). */
void cs_tracing_edit_move(CsTracingEdit *edit, int index, double x, double y);

/* Inserts a vertex after vertex @edge at (x, y); returns its index. */
int cs_tracing_edit_insert(CsTracingEdit *edit, int edge, double x, double y);

/* Deletes vertex @index; a closed polygon keeps at least three vertices (refused otherwise). */
gboolean cs_tracing_edit_delete(CsTracingEdit *edit, int index);

/* Returns the vertex array as (x, y) pairs (owned by @edit). */
const double *cs_tracing_edit_points(const CsTracingEdit *edit);

/* Playback speeds offered, slowest first, and the default one's index (1x). */
#define CS_PLAY_N_SPEEDS      5
#define CS_PLAY_DEFAULT_SPEED 2
extern const double cs_play_speeds[CS_PLAY_N_SPEEDS];

/* Milliseconds between frames when a sweep of @frame_rate frames per second (0: unknown, taken
 * as 10) plays at @speed times its own rate; at least 4 ms. */
guint cs_play_interval_ms(double frame_rate, double speed);

G_END_DECLS
