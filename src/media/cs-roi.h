/* cs-roi.h — the region of interest: a square on the nerve, per frame, cropped for the network
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The ROI is a square (default 15 x 15 mm) centred on a point. Its size is in mm when the sweep's
 * pixel spacing is known and in px when it is not (a CsRoiTrack says which). The user places it
 * on a few keyframes; frames between two keyframes get a linear interpolation of centre and size,
 * frames before the first or after the last keyframe hold that keyframe's ROI.
 *
 * Coordinates are continuous image pixels: pixel (i, j) covers [i, i + 1) x [j, j + 1). A ROI
 * becomes an integer pixel rectangle (CsRoiRect) before cropping; parts of it outside the frame
 * are padded with black (0, what lies outside the image) and reported, never silently shifted.
 */
#pragma once

#include <glib-object.h>

#include "cs-spacing.h"

G_BEGIN_DECLS

/* The default side of the ROI square, in mm. */
#define CS_ROI_DEFAULT_SIZE_MM 15.0

/* The unit of a ROI's size. */
typedef enum {
  CS_ROI_UNIT_MM, /* Millimetres: needs a known pixel spacing to crop. */
  CS_ROI_UNIT_PX  /* Image pixels: used where the spacing is unknown. */
} CsRoiUnit;

/* A ROI on one frame: a square of side @size centred on (@x, @y). */
typedef struct {
  int frame;   /* Frame index. */
  double x;    /* Centre, image px. */
  double y;    /* Centre, image px. */
  double size; /* Side of the square in the track's unit (> 0). */
} CsRoiKey;

/* An integer pixel rectangle: top-left corner and size. */
typedef struct {
  int x;
  int y;
  int width;
  int height;
} CsRoiRect;

/* ROI keyframes of one sweep, sorted by frame, one per frame at most. */
typedef struct _CsRoiTrack CsRoiTrack;

#define CS_TYPE_ROI_TRACK (cs_roi_track_get_type())

/* Returns the boxed GType of CsRoiTrack. */
GType cs_roi_track_get_type(void) G_GNUC_CONST;

/* Returns a new empty track whose sizes are in @unit. */
CsRoiTrack *cs_roi_track_new(CsRoiUnit unit);

/* Returns a deep copy of @track. */
CsRoiTrack *cs_roi_track_copy(const CsRoiTrack *track);

/* Frees @track. */
void cs_roi_track_free(CsRoiTrack *track);

/* Returns the unit of the track's sizes. */
CsRoiUnit cs_roi_track_get_unit(const CsRoiTrack *track);

/* Adds a keyframe at @frame, or replaces the one already there; FALSE if a value is invalid. */
gboolean cs_roi_track_set_key(CsRoiTrack *track, int frame, double x, double y, double size);

/* Removes the keyframe at @frame; FALSE if there is none. */
gboolean cs_roi_track_remove_key(CsRoiTrack *track, int frame);

/* Returns the number of keyframes. */
guint cs_roi_track_get_n_keys(const CsRoiTrack *track);

/* Returns keyframe @i (0 <= i < n_keys) in frame order. */
const CsRoiKey *cs_roi_track_get_key(const CsRoiTrack *track, guint i);

/* Fills @roi with the ROI at @frame (interpolated or held); FALSE when the track has no keyframe.
 */
gboolean cs_roi_track_get_at(const CsRoiTrack *track, int frame, CsRoiKey *roi);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsRoiTrack, cs_roi_track_free)

/* Turns @roi (size in @unit) into a pixel rectangle; FALSE with @error if @unit is mm and
 * @spacing is unknown, or the ROI is too small or too large. */
gboolean cs_roi_to_rect(const CsRoiKey *roi, CsRoiUnit unit, const CsSpacing *spacing,
                        CsRoiRect *rect, GError **error);

/* Fills @rect with the pixel rectangle of the track's ROI at @frame (cs_roi_track_get_at() then
 * cs_roi_to_rect()); FALSE with @error when the track is empty or the ROI cannot be placed. */
gboolean cs_roi_track_get_rect(const CsRoiTrack *track, int frame, const CsSpacing *spacing,
                               CsRoiRect *rect, GError **error);

/* Returns TRUE when @rect lies wholly inside a @width x @height frame. */
gboolean cs_roi_rect_is_inside(const CsRoiRect *rect, int width, int height);

/* Copies @rect out of the gray image (@stride bytes per row) into a new packed buffer of
 * rect->width x rect->height, black (0) outside the image; sets *@padded when any pixel was
 * outside. NULL with @error if @rect is empty, too large or wholly outside. */
guint8 *cs_roi_extract(const guint8 *gray, int width, int height, int stride, const CsRoiRect *rect,
                       gboolean *padded, GError **error);

/* Crops @rect like cs_roi_extract() and resamples it (bilinear, antialiased when shrinking) into
 * @out, @out_width x @out_height packed: the network input. */
gboolean cs_roi_crop(const guint8 *gray, int width, int height, int stride, const CsRoiRect *rect,
                     int out_width, int out_height, guint8 *out, gboolean *padded, GError **error);

G_END_DECLS
