/* cs-viewer-pane.h — the frame viewer with its tools, scrubber and p(CTS) strip chart
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cs-case.h"
#include "cs-frame-view.h"
#include "cs-strip-chart.h"
#include "cs-sweep.h"

G_BEGIN_DECLS

#define CS_TYPE_VIEWER_PANE (cs_viewer_pane_get_type())
G_DECLARE_FINAL_TYPE(CsViewerPane, cs_viewer_pane, CS, VIEWER_PANE, GtkBox)

/* Signals: "frame-changed" (int frame): the shown frame index changed.
 *          "calibration-requested" (double x1, double y1, double x2, double y2): two points
 *          were clicked with the calibration tool; the window asks for their distance. */

/* Shows @sweep (NULL clears) for @c, whose ROI keyframes, spacing and tracings are drawn and
 * edited. Frames are decoded off the main thread through a reader of the pane's own. */
void cs_viewer_pane_set_sweep(CsViewerPane *self, CsSweep *sweep, CsCase *c);

/* The sweep and case shown (borrowed; may be NULL). */
CsSweep *cs_viewer_pane_get_sweep(CsViewerPane *self);
CsCase *cs_viewer_pane_get_case(CsViewerPane *self);

/* The frame shown (or being fetched) and a way to go to another one. */
int cs_viewer_pane_get_frame_index(CsViewerPane *self);
void cs_viewer_pane_set_frame_index(CsViewerPane *self, int index);

/* TRUE once the requested frame is on screen (not still decoding). */
gboolean cs_viewer_pane_is_frame_shown(CsViewerPane *self);

/* The ROI of the shown frame as a square in image px; FALSE without a sweep. When the case has
 * no keyframe yet this is the suggested default, centred. */
gboolean cs_viewer_pane_get_roi(CsViewerPane *self, CsRoiSquare *roi);

/* Stores the shown frame's ROI as the only keyframe (the ROI of every frame). */
void cs_viewer_pane_apply_roi_to_all(CsViewerPane *self);

/* Redraws ROI and tracings from the case (after the case changed elsewhere). */
void cs_viewer_pane_refresh_overlays(CsViewerPane *self);

/* Whether the tracings of @rater (a name, or "" for tracings without one) are drawn; all are
 * until hidden, by the rater menu of the toolbar or here. */
gboolean cs_viewer_pane_get_rater_shown(CsViewerPane *self, const char *rater);
void cs_viewer_pane_set_rater_shown(CsViewerPane *self, const char *rater, gboolean shown);

/* Starts or stops playback at the recorded frame rate. */
void cs_viewer_pane_set_playing(CsViewerPane *self, gboolean playing);
/* The playback speed chosen, times the sweep's own frame rate (0.25 to 4), and the interval
 * between frames it plays at now (0 when not playing). */
double cs_viewer_pane_get_speed(CsViewerPane *self);
/* Chooses the speed offered nearest to @speed (> 0). */
void cs_viewer_pane_set_speed(CsViewerPane *self, double speed);
guint cs_viewer_pane_get_play_interval(CsViewerPane *self);

/* The pane's frame view and strip chart. */
CsFrameView *cs_viewer_pane_get_frame_view(CsViewerPane *self);
CsStripChart *cs_viewer_pane_get_strip_chart(CsViewerPane *self);

/* Selects the drag tool (the toggle buttons follow). */
void cs_viewer_pane_set_tool(CsViewerPane *self, CsFrameViewTool tool);

G_END_DECLS
