/* cs-inlet-csa.c — a case's cross-sectional area at the carpal-tunnel inlet, by one rule
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-inlet-csa.h"

#include <math.h>
#include <string.h>

#include "cs-polygon.h"

gboolean
cs_inlet_csa_level_matches(const char *level)
{
  const char *end;

  if (level == NULL)
    return FALSE;
  while (g_ascii_isspace(*level))
    level++;
  end = level + strlen(level);
  while (end > level && g_ascii_isspace(end[-1]))
    end--;
  return end - level == 5 && g_ascii_strncasecmp(level, "inlet", 5) == 0;
}

/* The rater's name as the rule compares it: NULL and "" both mean "not recorded". */
static const char *
rater_key(const CsTracing *tracing)
{
  return tracing->rater != NULL && tracing->rater[0] != '\0' ? tracing->rater : NULL;
}

/* Whether @tracing takes part in the rule at all: an inlet tracing that can be measured. */
static gboolean
is_inlet(const CsTracing *tracing)
{
  return tracing != NULL && cs_inlet_csa_level_matches(tracing->level) &&
         cs_polygon_check(tracing->points, tracing->n_points) == CS_POLYGON_OK;
}

void
cs_inlet_csa_compute(const CsTracing *const *tracings, guint n_tracings, double mm_per_px,
                     CsInletCsa *out)
{
  gboolean spacing_known = isfinite(mm_per_px) && mm_per_px > 0;
  guint n_inlet = 0, best_count = 0;
  const char *best_rater = NULL;
  double sum_px2 = 0;

  g_return_if_fail(out != NULL);
  g_return_if_fail(tracings != NULL || n_tracings == 0);

  *out = (CsInletCsa){ NAN, NAN, 0, 0, 0, NULL };
  /* Raters are few and tracings tens, so counting each rater's tracings directly is clearer
   * than a table. A rater is counted once, at its first inlet tracing; scanning in the case's
   * order and keeping only a strictly larger count settles a tie for the earliest rater. */
  for (guint i = 0; i < n_tracings; i++) {
    const char *rater;
    guint count = 0;
    gboolean first = TRUE;

    if (!is_inlet(tracings[i]))
      continue;
    n_inlet++;
    rater = rater_key(tracings[i]);
    for (guint j = 0; j < n_tracings; j++) {
      if (!is_inlet(tracings[j]) || g_strcmp0(rater_key(tracings[j]), rater) != 0)
        continue;
      if (j < i)
        first = FALSE;
      count++;
    }
    if (!first)
      continue;
    out->n_raters++;
    if (count > best_count) {
      best_count = count;
      best_rater = rater;
    }
  }
  if (n_inlet == 0)
    return;

  for (guint i = 0; i < n_tracings; i++) {
    const CsTracing *tracing = tracings[i];

    if (!is_inlet(tracing) || g_strcmp0(rater_key(tracing), best_rater) != 0)
      continue;
    sum_px2 += cs_polygon_area(tracing->points, tracing->n_points);
    out->n_tracings++;
  }
  g_assert(out->n_tracings == best_count);
  out->n_left_out = n_inlet - out->n_tracings;
  out->area_px2 = sum_px2 / out->n_tracings;
  /* The mean of the mm^2 areas is the mean px^2 area times the spacing squared: one spacing
   * holds for the whole case. */
  if (spacing_known)
    out->area_mm2 = out->area_px2 * mm_per_px * mm_per_px;
  out->rater = g_strdup(best_rater);
}

void
cs_inlet_csa_from_case(CsCase *c, CsInletCsa *out)
{
  g_autofree const CsTracing **tracings = NULL;
  CsSpacing spacing;
  guint n;

  g_return_if_fail(CS_IS_CASE(c));

  n = cs_case_get_n_tracings(c);
  tracings = g_new(const CsTracing *, n + 1);
  for (guint i = 0; i < n; i++)
    tracings[i] = cs_case_get_tracing(c, i);
  spacing = cs_case_get_spacing(c);
  cs_inlet_csa_compute(tracings, n, cs_spacing_is_known(&spacing) ? spacing.mm_per_px : NAN, out);
}

gboolean
cs_inlet_csa_counts(const CsInletCsa *csa, const CsTracing *tracing)
{
  g_return_val_if_fail(csa != NULL, FALSE);

  return csa->n_tracings > 0 && is_inlet(tracing) && g_strcmp0(rater_key(tracing), csa->rater) == 0;
}

void
cs_inlet_csa_clear(CsInletCsa *csa)
{
  if (csa == NULL)
    return;
  g_free(csa->rater);
  *csa = (CsInletCsa){ NAN, NAN, 0, 0, 0, NULL };
}
