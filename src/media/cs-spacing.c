/* cs-spacing.c — pixel spacing (mm per pixel) that always carries its source
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-spacing.h"

#include "cs-error.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

static const char *const source_ids[] = {
  [CS_SPACING_SOURCE_UNKNOWN] = "unknown", [CS_SPACING_SOURCE_PHANTOM_TRUTH] = "phantom-truth",
  [CS_SPACING_SOURCE_STUDY] = "study",     [CS_SPACING_SOURCE_MANUAL] = "manual",
  [CS_SPACING_SOURCE_DICOM] = "dicom",
};

CsSpacing
cs_spacing_unknown(void)
{
  CsSpacing spacing = { 0.0, CS_SPACING_SOURCE_UNKNOWN, CS_SPACING_NO_REGION };
  return spacing;
}

CsSpacing
cs_spacing_new(double mm_per_px, CsSpacingSource source)
{
  CsSpacing spacing = { mm_per_px, source, CS_SPACING_NO_REGION };

  /* A spacing without a source, or a source without a usable value, is no spacing at all. */
  if (source == CS_SPACING_SOURCE_UNKNOWN || (guint)source >= G_N_ELEMENTS(source_ids) ||
      !isfinite(mm_per_px) || mm_per_px <= 0.0)
    return cs_spacing_unknown();
  return spacing;
}

CsSpacing
cs_spacing_new_dicom_region(double mm_per_px, int region)
{
  CsSpacing spacing = cs_spacing_new(mm_per_px, CS_SPACING_SOURCE_DICOM);

  g_return_val_if_fail(region >= 0, cs_spacing_unknown());
  if (cs_spacing_is_known(&spacing))
    spacing.region = region;
  return spacing;
}

gboolean
cs_spacing_calibrate(double x0, double y0, double x1, double y1, double distance_mm,
                     CsSpacing *spacing, GError **error)
{
  double length_px;

  g_return_val_if_fail(spacing != NULL, FALSE);
  if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1)) {
    g_set_error_literal(error, CS_ERROR, CS_ERROR_INVALID,
                        "Calibration points must be finite pixel coordinates");
    return FALSE;
  }
  if (!isfinite(distance_mm) || distance_mm <= 0.0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "Calibration distance must be a positive number of mm, not %g", distance_mm);
    return FALSE;
  }
  length_px = hypot(x1 - x0, y1 - y0);
  if (length_px < CS_SPACING_MIN_CALIBRATION_PX) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "Calibration points are %.1f px apart; place them at least %.0f px apart "
                "(further is more precise)",
                length_px, CS_SPACING_MIN_CALIBRATION_PX);
    return FALSE;
  }
  *spacing = cs_spacing_new(distance_mm / length_px, CS_SPACING_SOURCE_MANUAL);
  return TRUE;
}

gboolean
cs_spacing_is_known(const CsSpacing *spacing)
{
  g_return_val_if_fail(spacing != NULL, FALSE);
  return spacing->source != CS_SPACING_SOURCE_UNKNOWN && spacing->mm_per_px > 0.0;
}

double
cs_spacing_length_mm(const CsSpacing *spacing, double length_px)
{
  g_return_val_if_fail(cs_spacing_is_known(spacing), NAN);
  return length_px * spacing->mm_per_px;
}

double
cs_spacing_area_mm2(const CsSpacing *spacing, double area_px2)
{
  g_return_val_if_fail(cs_spacing_is_known(spacing), NAN);
  return area_px2 * spacing->mm_per_px * spacing->mm_per_px;
}

double
cs_spacing_mm_to_px(const CsSpacing *spacing, double length_mm)
{
  g_return_val_if_fail(cs_spacing_is_known(spacing), NAN);
  return length_mm / spacing->mm_per_px;
}

char *
cs_spacing_format_length(const CsSpacing *spacing, double length_px)
{
  g_return_val_if_fail(spacing != NULL, NULL);
  if (cs_spacing_is_known(spacing))
    return g_strdup_printf("%.2f mm", cs_spacing_length_mm(spacing, length_px));
  return g_strdup_printf("%.1f px", length_px);
}

char *
cs_spacing_format_area(const CsSpacing *spacing, double area_px2)
{
  g_return_val_if_fail(spacing != NULL, NULL);
  if (cs_spacing_is_known(spacing))
    return g_strdup_printf("%.1f mm²", cs_spacing_area_mm2(spacing, area_px2));
  return g_strdup_printf("%.0f px²", area_px2);
}

const char *
cs_spacing_source_to_string(CsSpacingSource source)
{
  if ((guint)source >= G_N_ELEMENTS(source_ids))
    return source_ids[CS_SPACING_SOURCE_UNKNOWN];
  return source_ids[source];
}

gboolean
cs_spacing_source_from_string(const char *text, CsSpacingSource *source)
{
  g_return_val_if_fail(source != NULL, FALSE);
  if (text == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(source_ids); i++) {
    if (strcmp(text, source_ids[i]) == 0) {
      *source = (CsSpacingSource)i;
      return TRUE;
    }
  }
  return FALSE;
}

char *
cs_spacing_dup_label(const CsSpacing *spacing, gboolean translate)
{
  /* The strings are marked here and looked up only when asked: reports and files stay English. */
  static const char *const labels[] = {
    [CS_SPACING_SOURCE_UNKNOWN] = N_("none: pixels"),
    [CS_SPACING_SOURCE_PHANTOM_TRUTH] = N_("phantom truth"),
    [CS_SPACING_SOURCE_STUDY] = N_("study file"),
    [CS_SPACING_SOURCE_MANUAL] = N_("manual calibration"),
    /* Translators: the pixel spacing comes from the DICOM header's Pixel Spacing, used because
     * the file has no usable Ultrasound Region. */
    [CS_SPACING_SOURCE_DICOM] = N_("DICOM pixel spacing (fallback)"),
  };
  CsSpacingSource source;

  g_return_val_if_fail(spacing != NULL, NULL);
  source = cs_spacing_is_known(spacing) && (guint)spacing->source < G_N_ELEMENTS(labels)
               ? spacing->source
               : CS_SPACING_SOURCE_UNKNOWN;
  if (source == CS_SPACING_SOURCE_DICOM && spacing->region >= 0 && translate)
    /* Translators: the pixel spacing comes from this Ultrasound Region of the DICOM file. */
    return g_strdup_printf(_("DICOM region %d"), spacing->region);
  if (source == CS_SPACING_SOURCE_DICOM && spacing->region >= 0)
    return g_strdup_printf("DICOM region %d", spacing->region);
  return g_strdup(translate ? g_dgettext(GETTEXT_PACKAGE, labels[source]) : labels[source]);
}
