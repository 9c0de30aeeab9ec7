/* test-study-polygon.c — CSA geometry against shapes measured by hand
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <math.h>

#include "cs-polygon.h"

static void
test_rectangle(void)
{
  /* A 6 x 2 px rectangle: area 12, perimeter 16, flattening 3. */
  const double xy[] = { 1, 1, 7, 1, 7, 3, 1, 3 };
  CsPolygonMeasures m;

  g_assert_cmpint(cs_polygon_measure(xy, 4, 0.1, &m), ==, CS_POLYGON_OK);
  g_assert_cmpfloat_with_epsilon(m.area_px2, 12.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(m.perimeter_px, 16.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(m.width_px, 6.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(m.height_px, 2.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(m.flattening, 3.0, 1e-12);
  /* 0.1 mm per pixel: 12 px^2 are 0.12 mm^2, 16 px are 1.6 mm. */
  g_assert_cmpfloat_with_epsilon(m.area_mm2, 0.12, 1e-12);
  g_assert_cmpfloat_with_epsilon(m.perimeter_mm, 1.6, 1e-12);
}

static void
test_orientation(void)
{
  const double ccw[] = { 0, 0, 4, 0, 0, 3 };
  const double cw[] = { 0, 0, 0, 3, 4, 0 };

  /* A 3-4-5 right triangle: area 6, perimeter 12, either way round. */
  g_assert_cmpfloat_with_epsilon(cs_polygon_signed_area(ccw, 3), 6.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(cs_polygon_signed_area(cw, 3), -6.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(cs_polygon_area(cw, 3), 6.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(cs_polygon_perimeter(ccw, 3), 12.0, 1e-12);
}

static void
test_concave(void)
{
  /* An L: a 4 x 4 square missing its 2 x 2 top-right corner, area 12, perimeter 16. */
  const double xy[] = { 0, 0, 4, 0, 4, 2, 2, 2, 2, 4, 0, 4 };
  CsPolygonMeasures m;

  g_assert_cmpint(cs_polygon_measure(xy, 6, NAN, &m), ==, CS_POLYGON_OK);
  g_assert_cmpfloat_with_epsilon(m.area_px2, 12.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(m.perimeter_px, 16.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(m.flattening, 1.0, 1e-12);
  /* Without a spacing there are no mm. */
  g_assert_true(isnan(m.area_mm2));
  g_assert_true(isnan(m.perimeter_mm));
  g_assert_cmpint(cs_polygon_measure(xy, 6, 0.0, &m), ==, CS_POLYGON_OK);
  g_assert_true(isnan(m.area_mm2));
}

static void
test_far_from_origin(void)
{
  /* A unit square far from the origin keeps its area exactly. */
  const double xy[] = { 1e7, 1e7, 1e7 + 1, 1e7, 1e7 + 1, 1e7 + 1, 1e7, 1e7 + 1 };

  g_assert_cmpfloat_with_epsilon(cs_polygon_area(xy, 4), 1.0, 1e-9);
}

static void
test_ellipse(void)
{
  /* A 256-gon inscribed in an ellipse with semi-axes 30 (x) and 12 (y): area close to
   * pi * a * b, flattening 2.5, and in mm with 0.05 mm/px about 2.83 mm^2. */
  enum { N = 256 };
  double xy[2 * N];
  CsPolygonMeasures m;
  double exact;

  for (int i = 0; i < N; i++) {
    double t = 2 * G_PI * i / N;
    xy[2 * i] = 200 + 30 * cos(t);
    xy[2 * i + 1] = 150 + 12 * sin(t);
  }
  g_assert_cmpint(cs_polygon_measure(xy, N, 0.05, &m), ==, CS_POLYGON_OK);
  /* The inscribed polygon's area is (N/2) a b sin(2 pi / N). */
  exact = N / 2.0 * 30 * 12 * sin(2 * G_PI / N);
  g_assert_cmpfloat_with_epsilon(m.area_px2, exact, 1e-9);
  g_assert_cmpfloat(fabs(m.area_px2 - G_PI * 360) / (G_PI * 360), <, 1e-3);
  g_assert_cmpfloat_with_epsilon(m.flattening, 2.5, 1e-12);
  g_assert_cmpfloat_with_epsilon(m.area_mm2, exact * 0.0025, 1e-9);
}

static void
test_self_intersecting(void)
{
  /* A bow tie: edges 0 and 2 cross. */
  const double bowtie[] = { 0, 0, 4, 4, 4, 0, 0, 4 };
  /* A vertex touching a non-adjacent edge. */
  const double touching[] = { 0, 0, 4, 0, 4, 4, 2, 0, 0, 4 };
  /* The outline folds back along one line (a spike). */
  const double spike[] = { 0, 0, 4, 0, 2, 0, 2, 3 };
  /* Two consecutive vertices coincide. */
  const double repeated[] = { 0, 0, 4, 0, 4, 0, 0, 3 };
  size_t a = 99, b = 99;

  g_assert_false(cs_polygon_is_simple(bowtie, 4, &a, &b));
  g_assert_cmpuint(a, ==, 0);
  g_assert_cmpuint(b, ==, 2);
  g_assert_cmpint(cs_polygon_check(bowtie, 4), ==, CS_POLYGON_SELF_INTERSECTING);
  g_assert_cmpint(cs_polygon_check(touching, 5), ==, CS_POLYGON_SELF_INTERSECTING);
  g_assert_cmpint(cs_polygon_check(spike, 4), ==, CS_POLYGON_SELF_INTERSECTING);
  g_assert_cmpint(cs_polygon_check(repeated, 4), ==, CS_POLYGON_SELF_INTERSECTING);
}

static void
test_refused(void)
{
  const double two[] = { 0, 0, 1, 1 };
  const double not_finite[] = { 0, 0, NAN, 1, 1, 0 };
  const double line[] = { 0, 0, 1, 1, 2, 2 };
  const double square[] = { 0, 0, 1, 0, 1, 1, 0, 1 };
  CsPolygonMeasures m = { 0 };

  g_assert_cmpint(cs_polygon_measure(two, 2, 1.0, &m), ==, CS_POLYGON_TOO_FEW_VERTICES);
  g_assert_cmpint(cs_polygon_check(NULL, 0), ==, CS_POLYGON_TOO_FEW_VERTICES);
  g_assert_cmpint(cs_polygon_check(not_finite, 3), ==, CS_POLYGON_NOT_FINITE);
  /* Three collinear points fold back on themselves. */
  g_assert_cmpint(cs_polygon_check(line, 3), !=, CS_POLYGON_OK);
  g_assert_cmpint(cs_polygon_check(square, 4), ==, CS_POLYGON_OK);
  g_assert_cmpfloat(m.area_px2, ==, 0.0);
  g_assert_cmpstr(cs_polygon_status_string(CS_POLYGON_TOO_FEW_VERTICES), ==,
                  "a polygon needs at least 3 vertices");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/study/polygon/rectangle", test_rectangle);
  g_test_add_func("/study/polygon/orientation", test_orientation);
  g_test_add_func("/study/polygon/concave", test_concave);
  g_test_add_func("/study/polygon/far-from-origin", test_far_from_origin);
  g_test_add_func("/study/polygon/ellipse", test_ellipse);
  g_test_add_func("/study/polygon/self-intersecting", test_self_intersecting);
  g_test_add_func("/study/polygon/refused", test_refused);
  return g_test_run();
}
