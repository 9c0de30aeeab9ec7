/* cs-frame-view.h — the frame viewer: a sweep frame with zoom, pan, ROI, tracings, calibration
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cs-sweep.h"
#include "cs-view-geometry.h"

G_BEGIN_DECLS

/* What a primary-button drag on the frame does. */
typedef enum {
  CS_FRAME_VIEW_TOOL_ROI,      /* Move and resize the ROI; pan elsewhere. */
  CS_FRAME_VIEW_TOOL_TRACE,    /* Click vertices or drag freehand; edit vertices once closed. */
  CS_FRAME_VIEW_TOOL_CALIBRATE /* Click two points a known distance apart. */
} CsFrameViewTool;

#define CS_TYPE_FRAME_VIEW (cs_frame_view_get_type())
G_DECLARE_FINAL_TYPE(CsFrameView, cs_frame_view, CS, FRAME_VIEW, GtkWidget)

/* Signals:
 *   "roi-changed" (double x, double y, double side): the user moved or resized the ROI (image px).
 *   "tracing-closed" (): the tracing being drawn was closed; read it with
 *       cs_frame_view_dup_tracing(). A handler that saves it calls cs_frame_view_edit_tracing()
 *       with its tag to keep it open for editing; the outline stays closed and editable until a
 *       press off it, Enter or Escape ends the edit.
 *   "tracing-edited" (int id): a vertex of the closed outline being edited was moved, inserted or
 *       deleted; @id is its tag (-1 for an outline never saved). Read it with
 *       cs_frame_view_dup_tracing().
 *   "calibration-done" (double x1, double y1, double x2, double y2): two points were clicked.
 *   "pointer-moved" (double x, double y): the pointer is over image point (x, y).
 * Properties: "tool", "fit" (zoom to fit), "scale". */

GtkWidget *cs_frame_view_new(void);

/* Shows @frame (NULL clears the view). The view keeps a reference. */
void cs_frame_view_set_frame(CsFrameView *self, CsFrame *frame);
CsFrame *cs_frame_view_get_frame(CsFrameView *self);

/* The ROI square in image px, drawn with @label (e.g. "15.0 × 15.0 mm"); NULL hides it. */
void cs_frame_view_set_roi(CsFrameView *self, const CsRoiSquare *roi, const char *label);
gboolean cs_frame_view_get_roi(CsFrameView *self, CsRoiSquare *roi);

/* Closed tracings to draw (flattened (x, y) pairs per polygon, labels beside them). @id tags a
 * saved tracing the user may pick up and edit (the case's index of it), -1 one that is only
 * shown. */
void cs_frame_view_clear_tracings(CsFrameView *self);
void cs_frame_view_add_tracing(CsFrameView *self, const double *xy, guint n_points,
                               const char *label, int id);
/* Adds a tracing as cs_frame_view_add_tracing() does, drawn as an outline the nerve finder
 * proposes (dashed, another colour); it is edited as any other. */
void cs_frame_view_add_proposed_tracing(CsFrameView *self, const double *xy, guint n_points,
                                        const char *label, int id);

/* The drag tool. Switching tools discards an unfinished tracing or calibration. */
void cs_frame_view_set_tool(CsFrameView *self, CsFrameViewTool tool);
CsFrameViewTool cs_frame_view_get_tool(CsFrameView *self);

/* The tracing being drawn or edited (owned by the view). */
CsTracingEdit *cs_frame_view_get_tracing_edit(CsFrameView *self);
/* Returns the closed tracing's vertices as a new array of (x, y) pairs, or NULL. */
double *cs_frame_view_dup_tracing(CsFrameView *self, guint *n_points);
/* Closes the tracing being drawn (as Enter does); returns FALSE with fewer than 3 vertices. */
gboolean cs_frame_view_close_tracing(CsFrameView *self);
/* Discards the tracing being drawn, or ends the edit of a saved one (which stays as saved). */
void cs_frame_view_reset_tracing(CsFrameView *self);
/* Makes the shown tracing tagged @id the closed outline being edited, as a press on one of its
 * vertices or edges does; FALSE when no such tracing is shown. */
gboolean cs_frame_view_edit_tracing(CsFrameView *self, int id);
/* The tag of the saved tracing being edited, or -1. */
int cs_frame_view_get_edited_tracing(CsFrameView *self);

/* Zoom: fit the widget, 1:1, or by a factor about the centre. */
void cs_frame_view_zoom_fit(CsFrameView *self);
void cs_frame_view_zoom_one(CsFrameView *self);
void cs_frame_view_zoom_by(CsFrameView *self, double factor);
double cs_frame_view_get_scale(CsFrameView *self);
/* The current image <-> widget transform. */
void cs_frame_view_get_transform(CsFrameView *self, CsViewTransform *transform);

/* Handles a key press as the view's key controller does (for tests). */
gboolean cs_frame_view_key(CsFrameView *self, guint keyval, GdkModifierType state);

/* Simulates pointer input at widget coordinates, as the gestures do (for tests and keyboard
 * users): a press, a motion with the button held, and a release. */
void cs_frame_view_press(CsFrameView *self, double wx, double wy, int n_press);
void cs_frame_view_drag_to(CsFrameView *self, double wx, double wy);
void cs_frame_view_release(CsFrameView *self, double wx, double wy);

G_END_DECLS
