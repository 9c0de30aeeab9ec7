/* cs-spacing.h — pixel spacing (mm per pixel) that always carries its source
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A length or area is shown in mm only when the spacing is known and says where it came from:
 * the phantom's truth file, the study file, a manual calibration (two points a known distance
 * apart) or a DICOM header. Where it is unknown, measurements stay in pixels: never fake mm.
 * Pixels are taken as square (ultrasound scan converters write square pixels).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where a pixel spacing came from. */
typedef enum {
  CS_SPACING_SOURCE_UNKNOWN = 0,   /* No spacing: measurements are in px. */
  CS_SPACING_SOURCE_PHANTOM_TRUTH, /* The phantom generator's truth sidecar (exact). */
  CS_SPACING_SOURCE_STUDY,         /* Given in the study file. */
  CS_SPACING_SOURCE_MANUAL,        /* Calibrated by hand: two points and a known distance. */
  CS_SPACING_SOURCE_DICOM          /* A DICOM header (Ultrasound Regions or PixelSpacing). */
} CsSpacingSource;

/* A pixel spacing and its source; mm_per_px is 0 exactly when the source is UNKNOWN. With a DICOM
 * source, region is the Ultrasound Region (0018,6011) item it came from (0-based), or
 * CS_SPACING_NO_REGION for Pixel Spacing (0028,0030), the fallback; other sources have no region.
 * Make spacings with cs_spacing_new() or cs_spacing_new_dicom_region(), not a struct literal. */
typedef struct {
  double mm_per_px;
  CsSpacingSource source;
  int region;
} CsSpacing;

/* The region of a spacing that comes from no DICOM Ultrasound Region. */
#define CS_SPACING_NO_REGION (-1)

/* The smallest calibration segment accepted, in pixels: shorter ones are too imprecise. */
#define CS_SPACING_MIN_CALIBRATION_PX 10.0

/* Returns an unknown spacing (measurements in px). */
CsSpacing cs_spacing_unknown(void);

/* Returns @mm_per_px from @source; an unknown spacing if @mm_per_px is not finite and > 0. A DICOM
 * source here means Pixel Spacing, the fallback (no region). */
CsSpacing cs_spacing_new(double mm_per_px, CsSpacingSource source);

/* Returns @mm_per_px from DICOM Ultrasound Region @region (>= 0). */
CsSpacing cs_spacing_new_dicom_region(double mm_per_px, int region);

/* Sets @spacing from a manual calibration: the points (@x0, @y0), (@x1, @y1) in image px are
 * @distance_mm apart. Returns FALSE with @error if the points or the distance cannot calibrate. */
gboolean cs_spacing_calibrate(double x0, double y0, double x1, double y1, double distance_mm,
                              CsSpacing *spacing, GError **error);

/* Returns TRUE when @spacing is known (mm can be shown). */
gboolean cs_spacing_is_known(const CsSpacing *spacing);

/* Returns @length_px in mm; @spacing must be known. */
double cs_spacing_length_mm(const CsSpacing *spacing, double length_px);

/* Returns @area_px2 (square pixels) in mm^2; @spacing must be known. */
double cs_spacing_area_mm2(const CsSpacing *spacing, double area_px2);

/* Returns @length_mm in pixels; @spacing must be known. */
double cs_spacing_mm_to_px(const CsSpacing *spacing, double length_mm);

/* Returns a length for display: "4.21 mm" when known, "37.0 px" otherwise. */
char *cs_spacing_format_length(const CsSpacing *spacing, double length_px);

/* Returns an area for display: "12.3 mm²" when known, "1234 px²" otherwise. */
char *cs_spacing_format_area(const CsSpacing *spacing, double area_px2);

/* Returns the stable identifier of @source for files: "unknown", "phantom-truth", "study",
 * "manual", "dicom". */
const char *cs_spacing_source_to_string(CsSpacingSource source);

/* Parses an identifier of cs_spacing_source_to_string(); FALSE if @text is not one. */
gboolean cs_spacing_source_from_string(const char *text, CsSpacingSource *source);

/* Returns where @spacing comes from, the one label every mm is shown with: "DICOM region 0",
 * "DICOM pixel spacing (fallback)", "study file", "manual calibration", "phantom truth" or
 * "none: pixels". In the user's language when @translate (the window), in English otherwise
 * (files, reports, the command line). Free it. */
char *cs_spacing_dup_label(const CsSpacing *spacing, gboolean translate);

G_END_DECLS
