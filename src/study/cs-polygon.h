/* cs-polygon.h — CSA geometry of a traced nerve outline: area, perimeter, flattening ratio
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

/* Plain C (libc and libm only) so the GUI's tracing tool, the phantom's truth and the statistics
 * can share one definition of a polygon's area. A polygon is n vertices as interleaved image
 * pixel coordinates xy[0] = x0, xy[1] = y0, ... ; it is implicitly closed (the last vertex joins
 * the first). In a short-axis view x runs across the wrist (transverse) and y runs into depth
 * (anteroposterior).
 */

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Why a polygon cannot be measured. */
typedef enum {
  CS_POLYGON_OK = 0,
  CS_POLYGON_TOO_FEW_VERTICES,  /* Fewer than 3 vertices. */
  CS_POLYGON_NOT_FINITE,        /* A coordinate is NaN or infinite. */
  CS_POLYGON_SELF_INTERSECTING, /* Two edges cross or touch, or two vertices coincide. */
  CS_POLYGON_DEGENERATE         /* Zero area (all vertices on one line). */
} CsPolygonStatus;

/* Shape measures of a simple polygon; lengths in px and, when the spacing is known, in mm. */
typedef struct {
  double area_px2;     /* Shoelace area, always positive. */
  double perimeter_px; /* Sum of the edge lengths, closing edge included. */
  double width_px;     /* Transverse extent (max x - min x). */
  double height_px;    /* Anteroposterior extent (max y - min y). */
  double flattening;   /* width_px / height_px: the CTS literature's flattening ratio. */
  double area_mm2;     /* area_px2 * spacing^2, or NaN when the spacing is unknown. */
  double perimeter_mm; /* perimeter_px * spacing, or NaN when the spacing is unknown. */
} CsPolygonMeasures;

/* Returns the signed shoelace area in px^2 (positive when the vertices run counter-clockwise in
 * a y-up frame, i.e. clockwise on screen); 0 for fewer than 3 vertices. */
double cs_polygon_signed_area(const double *xy, size_t n);

/* Returns the absolute shoelace area in px^2; 0 for fewer than 3 vertices. */
double cs_polygon_area(const double *xy, size_t n);

/* Returns the perimeter in px, closing edge included; 0 for fewer than 2 vertices. */
double cs_polygon_perimeter(const double *xy, size_t n);

/* Returns true when no two non-adjacent edges intersect or touch and no two vertices coincide;
 * on false, *edge_a and *edge_b (either may be NULL) receive the first offending edge pair, edge
 * i joining vertex i to vertex (i + 1) % n. O(n^2). */
bool cs_polygon_is_simple(const double *xy, size_t n, size_t *edge_a, size_t *edge_b);

/* Checks a polygon for measurement: at least 3 finite vertices, simple, non-zero area. */
CsPolygonStatus cs_polygon_check(const double *xy, size_t n);

/* Returns a one-line English description of @status. */
const char *cs_polygon_status_string(CsPolygonStatus status);

/* Measures a polygon; @spacing_mm is mm per pixel, or <= 0 / NaN when unknown (then the mm fields
 * are NaN). Returns the check status; @out is filled only on CS_POLYGON_OK. */
CsPolygonStatus cs_polygon_measure(const double *xy, size_t n, double spacing_mm,
                                   CsPolygonMeasures *out);

#ifdef __cplusplus
}
#endif
