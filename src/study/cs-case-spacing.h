/* cs-case-spacing.h — the spacing of one measurement of a case: which mm, from where, or why none
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A case keeps one spacing, but a DICOM sweep may hold several Ultrasound Regions of different
 * scales side by side, and a region's spacing serves only what lies inside it. Every face that
 * shows a measurement in mm (the window's CSA rows and ROI label, the reports) asks here with the
 * measurement's points, and shows the spacing's label (cs_spacing_dup_label()) beside the mm, or
 * the reason there are none.
 */
#pragma once

#include "cs-case.h"
#include "cs-sweep.h"

G_BEGIN_DECLS

/* Returns the spacing for a measurement of @c whose @n_points points are @points (x, y pairs in
 * image px). A spacing the user or the study gave (manual calibration, study file, phantom truth)
 * serves the whole image. Otherwise, when @sweep (the case's sweep, may be NULL) is a DICOM file,
 * the file decides for these points (cs_sweep_get_spacing_for_points()): the Ultrasound Region
 * holding all of them, or its Pixel Spacing. Otherwise the case's own spacing. An unknown spacing
 * sets *@why to the reason for the user (NULL when the case simply has no spacing), in the user's
 * language when @translate (the window), in English otherwise (reports, files, the command
 * line); @why may be NULL; free it. */
CsSpacing cs_case_get_spacing_for_points(CsCase *c, CsSweep *sweep, const double *points,
                                         guint n_points, char **why, gboolean translate);

/* Returns the spacing for @c's tracing @index, as cs_case_get_spacing_for_points() does. */
CsSpacing cs_case_get_tracing_spacing(CsCase *c, CsSweep *sweep, guint index, char **why,
                                      gboolean translate);

/* Returns TRUE unless @c's spacing is known and @sweep is a DICOM file on which some tracing of @c
 * gets another spacing (another region's, or none). The case-level values (inlet CSA,
 * wrist-to-forearm ratio) are formed with the case's spacing, so they need every tracing to
 * share it. @sweep may be NULL (then TRUE). */
gboolean cs_case_tracings_share_spacing(CsCase *c, CsSweep *sweep);

/* Returns TRUE when @c's spacing comes from its DICOM file and @c has tracings that
 * cs_case_tracings_share_spacing() does not clear on the sweep at @sweep_path, or that sweep
 * cannot be opened to tell: a case-level mm² would then be another region's scale, or a guess.
 * For the reports and the scores, which hold the study but not its sweeps. */
gboolean cs_case_dicom_spacing_unsure(CsCase *c, const char *sweep_path);

/* Returns TRUE when cs_case_dicom_spacing_unsure() must look at @c's sweep to answer: @c's spacing
 * comes from its DICOM file and @c has tracings. */
gboolean cs_case_dicom_spacing_needs_sweep(CsCase *c);

/* Returns what cs_case_dicom_spacing_unsure() does, on @sweep, @c's sweep already open (NULL
 * when it could not be opened), for a caller that opens it once for this and more. */
gboolean cs_case_dicom_spacing_unsure_on(CsCase *c, CsSweep *sweep);

/* Returns the spacing for the square ROI of side @side px centred on (@x, @y), as
 * cs_case_get_spacing_for_points() does for its four corners. */
CsSpacing cs_case_get_roi_spacing(CsCase *c, CsSweep *sweep, double x, double y, double side,
                                  char **why, gboolean translate);

/* Returns the spacing the view states for the image as a whole: the user's or the study's as
 * above; else, for a DICOM @sweep, the spacing its file declares (cs_sweep_get_file_spacing():
 * the region holding the image centre, or Pixel Spacing); else the case's own. */
CsSpacing cs_case_get_view_spacing(CsCase *c, CsSweep *sweep);

G_END_DECLS
