/* cs-polygon.c — CSA geometry of a traced nerve outline: area, perimeter, flattening ratio
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-polygon.h"

#include <math.h>

double
cs_polygon_signed_area(const double *xy, size_t n)
{
  double twice = 0.0;

  if (n < 3)
    return 0.0;
  /* Shoelace formula, with coordinates taken relative to the first vertex so that a small outline
   * far from the origin does not lose precision to cancellation. */
  for (size_t i = 1; i + 1 < n; i++) {
    double ax = xy[2 * i] - xy[0], ay = xy[2 * i + 1] - xy[1];
    double bx = xy[2 * (i + 1)] - xy[0], by = xy[2 * (i + 1) + 1] - xy[1];
    twice += ax * by - bx * ay;
  }
  return 0.5 * twice;
}

double
cs_polygon_area(const double *xy, size_t n)
{
  return fabs(cs_polygon_signed_area(xy, n));
}

double
cs_polygon_perimeter(const double *xy, size_t n)
{
  double length = 0.0;

  if (n < 2)
    return 0.0;
  for (size_t i = 0; i < n; i++) {
    size_t j = (i + 1) % n;
    length += hypot(xy[2 * j] - xy[2 * i], xy[2 * j + 1] - xy[2 * i + 1]);
  }
  return length;
}

/* The sign of the cross product (b - a) x (c - a): which side of line ab the point c lies on. */
static int
orientation(const double *a, const double *b, const double *c)
{
  double cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  return (cross > 0.0) - (cross < 0.0);
}

/* For c collinear with segment ab: whether c lies within the segment's bounding box. */
static bool
on_segment(const double *a, const double *b, const double *c)
{
  return c[0] >= fmin(a[0], b[0]) && c[0] <= fmax(a[0], b[0]) && c[1] >= fmin(a[1], b[1]) &&
         c[1] <= fmax(a[1], b[1]);
}

/* Whether the closed segments p1p2 and q1q2 share any point. */
static bool
segments_meet(const double *p1, const double *p2, const double *q1, const double *q2)
{
  int o1 = orientation(p1, p2, q1), o2 = orientation(p1, p2, q2);
  int o3 = orientation(q1, q2, p1), o4 = orientation(q1, q2, p2);

  if (o1 * o2 < 0 && o3 * o4 < 0)
    return true;
  if (o1 == 0 && on_segment(p1, p2, q1))
    return true;
  if (o2 == 0 && on_segment(p1, p2, q2))
    return true;
  if (o3 == 0 && on_segment(q1, q2, p1))
    return true;
  if (o4 == 0 && on_segment(q1, q2, p2))
    return true;
  return false;
}

bool
cs_polygon_is_simple(const double *xy, size_t n, size_t *edge_a, size_t *edge_b)
{
  for (size_t i = 0; i < n; i++) {
    const double *a0 = xy + 2 * i, *a1 = xy + 2 * ((i + 1) % n);

    /* A zero-length edge means two consecutive vertices coincide: the outline touches itself. */
    if (a0[0] == a1[0] && a0[1] == a1[1]) {
      if (edge_a)
        *edge_a = i;
      if (edge_b)
        *edge_b = i;
      return false;
    }
    for (size_t j = i + 1; j < n; j++) {
      const double *b0 = xy + 2 * j, *b1 = xy + 2 * ((j + 1) % n);
      bool adjacent = j == i + 1 || (i == 0 && j == n - 1);
      bool bad;

      if (adjacent) {
        /* Neighbouring edges share one vertex; they are bad only when the outline folds back on
         * itself along one line, so that they overlap beyond that vertex. */
        const double *shared = j == i + 1 ? a1 : a0;
        const double *p = j == i + 1 ? a0 : a1;
        const double *q = j == i + 1 ? b1 : b0;
        bad =
            orientation(p, shared, q) == 0 &&
            (p[0] - shared[0]) * (q[0] - shared[0]) + (p[1] - shared[1]) * (q[1] - shared[1]) > 0.0;
        /* A triangle's third edge is adjacent to both others; nothing else to test. */
      } else {
        bad = segments_meet(a0, a1, b0, b1);
      }
      if (bad) {
        if (edge_a)
          *edge_a = i;
        if (edge_b)
          *edge_b = j;
        return false;
      }
    }
  }
  return true;
}

CsPolygonStatus
cs_polygon_check(const double *xy, size_t n)
{
  if (n < 3)
    return CS_POLYGON_TOO_FEW_VERTICES;
  for (size_t i = 0; i < 2 * n; i++)
    if (!isfinite(xy[i]))
      return CS_POLYGON_NOT_FINITE;
  if (!cs_polygon_is_simple(xy, n, NULL, NULL))
    return CS_POLYGON_SELF_INTERSECTING;
  if (cs_polygon_area(xy, n) <= 0.0)
    return CS_POLYGON_DEGENERATE;
  return CS_POLYGON_OK;
}

const char *
cs_polygon_status_string(CsPolygonStatus status)
{
  switch (status) {
    case CS_POLYGON_OK:
      return "a simple polygon";
    case CS_POLYGON_TOO_FEW_VERTICES:
      return "a polygon needs at least 3 vertices";
    case CS_POLYGON_NOT_FINITE:
      return "a vertex coordinate is not a finite number";
    case CS_POLYGON_SELF_INTERSECTING:
      return "the outline crosses or touches itself";
    case CS_POLYGON_DEGENERATE:
      return "the outline encloses no area";
  }
  return "unknown polygon status";
}

CsPolygonStatus
cs_polygon_measure(const double *xy, size_t n, double spacing_mm, CsPolygonMeasures *out)
{
  CsPolygonStatus status = cs_polygon_check(xy, n);
  double min_x, max_x, min_y, max_y;
  bool calibrated = isfinite(spacing_mm) && spacing_mm > 0.0;

  if (status != CS_POLYGON_OK)
    return status;
  min_x = max_x = xy[0];
  min_y = max_y = xy[1];
  for (size_t i = 1; i < n; i++) {
    min_x = fmin(min_x, xy[2 * i]);
    max_x = fmax(max_x, xy[2 * i]);
    min_y = fmin(min_y, xy[2 * i + 1]);
    max_y = fmax(max_y, xy[2 * i + 1]);
  }
  out->area_px2 = cs_polygon_area(xy, n);
  out->perimeter_px = cs_polygon_perimeter(xy, n);
  /* The flattening ratio of the CTS literature is the nerve's transverse width over its
   * anteroposterior height; in a short-axis image those are the image's x and y extents (pixels
   * are square, so the ratio needs no spacing). */
  out->width_px = max_x - min_x;
  out->height_px = max_y - min_y;
  out->flattening = out->width_px / out->height_px;
  out->area_mm2 = calibrated ? out->area_px2 * spacing_mm * spacing_mm : NAN;
  out->perimeter_mm = calibrated ? out->perimeter_px * spacing_mm : NAN;
  return CS_POLYGON_OK;
}
