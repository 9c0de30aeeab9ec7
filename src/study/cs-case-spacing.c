/* cs-case-spacing.c — the spacing of one measurement of a case: which mm, from where, or why none
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-case-spacing.h"

CsSpacing
cs_case_get_spacing_for_points(CsCase *c, CsSweep *sweep, const double *points, guint n_points,
                               char **why, gboolean translate)
{
  CsSpacing spacing;

  g_return_val_if_fail(CS_IS_CASE(c), cs_spacing_unknown());
  g_return_val_if_fail(sweep == NULL || CS_IS_SWEEP(sweep), cs_spacing_unknown());
  g_return_val_if_fail(points != NULL && n_points > 0 && n_points <= G_MAXINT,
                       cs_spacing_unknown());
  if (why != NULL)
    *why = NULL;
  spacing = cs_case_get_spacing(c);
  /* A spacing the user chose or the study states is theirs to answer for; a DICOM one (or none)
   * is the file's, and the file knows where each of its scales holds. */
  if (spacing.source != CS_SPACING_SOURCE_UNKNOWN && spacing.source != CS_SPACING_SOURCE_DICOM)
    return spacing;
  if (sweep == NULL || cs_sweep_get_dicom(sweep) == NULL)
    return spacing;
  return cs_sweep_get_spacing_for_points(sweep, points, (int)n_points, NULL, why, translate);
}

CsSpacing
cs_case_get_tracing_spacing(CsCase *c, CsSweep *sweep, guint index, char **why, gboolean translate)
{
  const CsTracing *tracing;

  g_return_val_if_fail(CS_IS_CASE(c), cs_spacing_unknown());
  g_return_val_if_fail(index < cs_case_get_n_tracings(c), cs_spacing_unknown());
  tracing = cs_case_get_tracing(c, index);
  return cs_case_get_spacing_for_points(c, sweep, tracing->points, tracing->n_points, why,
                                        translate);
}

gboolean
cs_case_tracings_share_spacing(CsCase *c, CsSweep *sweep)
{
  CsSpacing own;

  g_return_val_if_fail(CS_IS_CASE(c), FALSE);
  g_return_val_if_fail(sweep == NULL || CS_IS_SWEEP(sweep), FALSE);
  own = cs_case_get_spacing(c);
  if (sweep == NULL || cs_sweep_get_dicom(sweep) == NULL || !cs_spacing_is_known(&own))
    return TRUE;
  for (guint i = 0; i < cs_case_get_n_tracings(c); i++) {
    CsSpacing t = cs_case_get_tracing_spacing(c, sweep, i, NULL, FALSE);

    if (t.source != own.source || t.mm_per_px != own.mm_per_px || t.region != own.region)
      return FALSE;
  }
  return TRUE;
}

gboolean
cs_case_dicom_spacing_needs_sweep(CsCase *c)
{
  g_return_val_if_fail(CS_IS_CASE(c), TRUE);
  return cs_case_get_spacing(c).source == CS_SPACING_SOURCE_DICOM && cs_case_get_n_tracings(c) > 0;
}

gboolean
cs_case_dicom_spacing_unsure_on(CsCase *c, CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_CASE(c), TRUE);
  g_return_val_if_fail(sweep == NULL || CS_IS_SWEEP(sweep), TRUE);
  if (!cs_case_dicom_spacing_needs_sweep(c))
    return FALSE;
  return sweep == NULL || !cs_case_tracings_share_spacing(c, sweep);
}

gboolean
cs_case_dicom_spacing_unsure(CsCase *c, const char *sweep_path)
{
  g_autoptr(CsSweep) sweep = NULL;

  g_return_val_if_fail(CS_IS_CASE(c), TRUE);
  if (!cs_case_dicom_spacing_needs_sweep(c))
    return FALSE;
  sweep = sweep_path != NULL ? cs_sweep_open(sweep_path, NULL) : NULL;
  return cs_case_dicom_spacing_unsure_on(c, sweep);
}

CsSpacing
cs_case_get_roi_spacing(CsCase *c, CsSweep *sweep, double x, double y, double side, char **why,
                        gboolean translate)
{
  double h = side / 2.0;
  const double corners[] = { x - h, y - h, x + h, y - h, x + h, y + h, x - h, y + h };

  return cs_case_get_spacing_for_points(c, sweep, corners, 4, why, translate);
}

CsSpacing
cs_case_get_view_spacing(CsCase *c, CsSweep *sweep)
{
  CsSpacing spacing;

  g_return_val_if_fail(CS_IS_CASE(c), cs_spacing_unknown());
  g_return_val_if_fail(sweep == NULL || CS_IS_SWEEP(sweep), cs_spacing_unknown());
  spacing = cs_case_get_spacing(c);
  if (spacing.source != CS_SPACING_SOURCE_UNKNOWN && spacing.source != CS_SPACING_SOURCE_DICOM)
    return spacing;
  if (sweep == NULL || cs_sweep_get_dicom(sweep) == NULL)
    return spacing;
  return cs_sweep_get_file_spacing(sweep);
}
