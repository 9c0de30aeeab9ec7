/* cs-view-geometry.c — the geometry behind the frame viewer: zoom and pan, ROI handles, tracing
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-view-geometry.h"

#include <math.h>

void
cs_view_transform_fit(CsViewTransform *t, int image_w, int image_h, double widget_w,
                      double widget_h)
{
  if (image_w <= 0 || image_h <= 0 || widget_w <= 0 || widget_h <= 0) {
    t->scale = 1;
    t->offset_x = t->offset_y = 0;
    return;
  }
  t->scale = MIN(widget_w / image_w, widget_h / image_h);
  t->offset_x = (widget_w - image_w * t->scale) / 2;
  t->offset_y = (widget_h - image_h * t->scale) / 2;
}

void
cs_view_transform_zoom_at(CsViewTransform *t, double scale, double anchor_x, double anchor_y)
{
  double ix, iy;

  cs_view_widget_to_image(t, anchor_x, anchor_y, &ix, &iy);
  t->scale = scale;
  t->offset_x = anchor_x - ix * scale;
  t->offset_y = anchor_y - iy * scale;
}

static double
clamp_axis(double offset, double image_extent, double widget_extent)
{
  if (image_extent <= widget_extent)
    return (widget_extent - image_extent) / 2;
  return CLAMP(offset, widget_extent - image_extent, 0);
}

void
cs_view_transform_clamp(CsViewTransform *t, int image_w, int image_h, double widget_w,
                        double widget_h)
{
  t->offset_x = clamp_axis(t->offset_x, image_w * t->scale, widget_w);
  t->offset_y = clamp_axis(t->offset_y, image_h * t->scale, widget_h);
}

void
cs_view_widget_to_image(const CsViewTransform *t, double wx, double wy, double *ix, double *iy)
{
  *ix = (wx - t->offset_x) / t->scale;
  *iy = (wy - t->offset_y) / t->scale;
}

void
cs_view_image_to_widget(const CsViewTransform *t, double ix, double iy, double *wx, double *wy)
{
  *wx = ix * t->scale + t->offset_x;
  *wy = iy * t->scale + t->offset_y;
}

CsRoiHit
cs_roi_hit_test(const CsRoiSquare *roi, double x, double y, double tolerance)
{
  double half = roi->side / 2;

  for (int corner = 0; corner < 4; corner++) {
    double cx = roi->x + ((corner & 1) ? half : -half);
    double cy = roi->y + ((corner & 2) ? half : -half);

    if (hypot(x - cx, y - cy) <= tolerance)
      return CS_ROI_HIT_CORNER;
  }
  if (fabs(x - roi->x) <= half && fabs(y - roi->y) <= half)
    return CS_ROI_HIT_INSIDE;
  return CS_ROI_HIT_NONE;
}

void
cs_roi_drag(CsRoiHit hit, const CsRoiSquare *before, double start_x, double start_y, double x,
            double y, double min_side, CsRoiSquare *after)
{
  *after = *before;
  switch (hit) {
    case CS_ROI_HIT_INSIDE:
      after->x = before->x + (x - start_x);
      after->y = before->y + (y - start_y);
      break;
    case CS_ROI_HIT_CORNER:
      /* The ROI stays a square centred where the user put it; the corner under the pointer sets
       * its half side along the farther axis. */
      after->side = MAX(min_side, 2 * MAX(fabs(x - before->x), fabs(y - before->y)));
      break;
    case CS_ROI_HIT_NONE:
    default:
      break;
  }
}

void
cs_tracing_edit_init(CsTracingEdit *edit)
{
  edit->points = g_array_new(FALSE, FALSE, sizeof(double));
  edit->closed = FALSE;
  edit->selected = -1;
}

void
cs_tracing_edit_clear(CsTracingEdit *edit)
{
  g_clear_pointer(&edit->points, g_array_unref);
  edit->closed = FALSE;
  edit->selected = -1;
}

void
cs_tracing_edit_set(CsTracingEdit *edit, const double *xy, guint n, gboolean closed)
{
  g_array_set_size(edit->points, 0);
  g_array_append_vals(edit->points, xy, 2 * n);
  edit->closed = closed && n >= 3;
  edit->selected = -1;
}

guint
cs_tracing_edit_n_points(const CsTracingEdit *edit)
{
  return edit->points->len / 2;
}

const double *
cs_tracing_edit_points(const CsTracingEdit *edit)
{
  return (const double *)(void *)edit->points->data;
}

static void
vertex(const CsTracingEdit *edit, guint i, double *x, double *y)
{
  const double *p = cs_tracing_edit_points(edit);

  *x = p[2 * i];
  *y = p[2 * i + 1];
}

gboolean
cs_tracing_edit_add(CsTracingEdit *edit, double x, double y, double min_step)
{
  guint n = cs_tracing_edit_n_points(edit);
  double point[2] = { x, y };

  if (edit->closed || !isfinite(x) || !isfinite(y))
    return FALSE;
  if (n > 0) {
    double lx, ly;

    vertex(edit, n - 1, &lx, &ly);
    if (hypot(x - lx, y - ly) < MAX(min_step, 1e-9))
      return FALSE;
  }
  g_array_append_vals(edit->points, point, 2);
  return TRUE;
}

gboolean
cs_tracing_edit_close(CsTracingEdit *edit)
{
  if (cs_tracing_edit_n_points(edit) < 3)
    return FALSE;
  edit->closed = TRUE;
  return TRUE;
}

int
cs_tracing_edit_hit_vertex(const CsTracingEdit *edit, double x, double y, double tolerance)
{
  int best = -1;
  double best_distance = tolerance;

  for (guint i = 0; i < cs_tracing_edit_n_points(edit); i++) {
    double vx, vy, d;

    vertex(edit, i, &vx, &vy);
    d = hypot(x - vx, y - vy);
    if (d <= best_distance) {
      best = (int)i;
      best_distance = d;
    }
  }
  return best;
}

static double
segment_distance(double px, double py, double ax, double ay, double bx, double by)
{
  double dx = bx - ax, dy = by - ay;
  double length2 = dx * dx + dy * dy;
  double t = length2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / length2 : 0;

  t = CLAMP(t, 0, 1);
  return hypot(px - (ax + t * dx), py - (ay + t * dy));
}

int
cs_tracing_edit_hit_edge(const CsTracingEdit *edit, double x, double y, double tolerance)
{
  guint n = cs_tracing_edit_n_points(edit);
  guint n_edges = edit->closed ? n : (n > 0 ? n - 1 : 0);
  int best = -1;
  double best_distance = tolerance;

  for (guint i = 0; i < n_edges; i++) {
    double ax, ay, bx, by, d;

    vertex(edit, i, &ax, &ay);
    vertex(edit, (i + 1) % n, &bx, &by);
    d = segment_distance(x, y, ax, ay, bx, by);
    if (d <= best_distance) {
      best = (int)i;
      best_distance = d;
    }
  }
  return best;
}

void
cs_tracing_edit_move(CsTracingEdit *edit, int index, double x, double y)
{
  double *p = (double *)(void *)edit->points->data;

  g_return_if_fail(index >= 0 && (guint)index < cs_tracing_edit_n_points(edit));
  p[2 * index] = x;
  p[2 * index + 1] = y;
}

int
cs_tracing_edit_insert(CsTracingEdit *edit, int edge, double x, double y)
{
  double point[2] = { x, y };

  g_return_val_if_fail(edge >= 0 && (guint)edge < cs_tracing_edit_n_points(edit), -1);
  g_array_insert_vals(edit->points, 2 * (edge + 1), point, 2);
  edit->selected = edge + 1;
  return edge + 1;
}

gboolean
cs_tracing_edit_delete(CsTracingEdit *edit, int index)
{
  guint n = cs_tracing_edit_n_points(edit);

  if (index < 0 || (guint)index >= n)
    return FALSE;
  if (edit->closed && n <= 3)
    return FALSE;
  g_array_remove_range(edit->points, 2 * index, 2);
  if (edit->selected == index)
    edit->selected = -1;
  else if (edit->selected > index)
    edit->selected--;
  return TRUE;
}

const double cs_play_speeds[CS_PLAY_N_SPEEDS] = { 0.25, 0.5, 1, 2, 4 };

guint
cs_play_interval_ms(double frame_rate, double speed)
{
  double rate = (frame_rate > 0 ? frame_rate : 10) * (speed > 0 ? speed : 1);

  return (guint)MAX(4.0, round(1000.0 / rate));
}
