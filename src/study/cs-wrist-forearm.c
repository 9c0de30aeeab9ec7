/* cs-wrist-forearm.c — a case's wrist-to-forearm CSA ratio and delta-CSA, where both levels are
 * traced
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-wrist-forearm.h"

#include <math.h>
#include <string.h>

#include "cs-polygon.h"

gboolean
cs_wrist_forearm_level_matches(const char *level)
{
  g_autofree char *trimmed = NULL;

  if (level == NULL)
    return FALSE;
  trimmed = g_strstrip(g_strdup(level));
  return g_ascii_strcasecmp(trimmed, "forearm") == 0;
}

void
cs_wrist_forearm_from_case(CsCase *c, CsWristForearm *out)
{
  CsSpacing spacing;
  double sum_px2 = 0, sum_mm2 = 0;

  g_return_if_fail(CS_IS_CASE(c));
  g_return_if_fail(out != NULL);

  memset(out, 0, sizeof *out);
  cs_inlet_csa_from_case(c, &out->inlet);
  out->forearm_px2 = out->forearm_mm2 = out->ratio = out->delta_mm2 = NAN;
  if (out->inlet.n_tracings == 0)
    return;
  spacing = cs_case_get_spacing(c);
  for (guint i = 0; i < cs_case_get_n_tracings(c); i++) {
    const CsTracing *t = cs_case_get_tracing(c, i);
    CsPolygonMeasures measures;

    if (!cs_wrist_forearm_level_matches(t->level) || g_strcmp0(t->rater, out->inlet.rater) != 0 ||
        cs_polygon_measure(t->points, t->n_points,
                           cs_spacing_is_known(&spacing) ? spacing.mm_per_px : 0,
                           &measures) != CS_POLYGON_OK)
      continue;
    sum_px2 += measures.area_px2;
    sum_mm2 += measures.area_mm2;
    out->n_forearm++;
  }
  if (out->n_forearm == 0)
    return;
  out->forearm_px2 = sum_px2 / out->n_forearm;
  out->forearm_mm2 = cs_spacing_is_known(&spacing) ? sum_mm2 / out->n_forearm : NAN;
  out->ratio = out->forearm_px2 > 0 ? out->inlet.area_px2 / out->forearm_px2 : NAN;
  out->delta_mm2 = out->inlet.area_mm2 - out->forearm_mm2;
}

void
cs_wrist_forearm_clear(CsWristForearm *wf)
{
  cs_inlet_csa_clear(&wf->inlet);
  wf->forearm_px2 = wf->forearm_mm2 = wf->ratio = wf->delta_mm2 = NAN;
  wf->n_forearm = 0;
}
