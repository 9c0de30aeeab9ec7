/* cs-roi.c — the region of interest: keyframes, interpolation, crop and resampling
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-roi.h"

#include "cs-engine-error.h"
#include "cs-sweep.h"
#include "csnn-image.h"

#include <math.h>
#include <string.h>

struct _CsRoiTrack {
  CsRoiUnit unit;
  GArray *keys; /* CsRoiKey, sorted by frame. */
};

G_DEFINE_BOXED_TYPE(CsRoiTrack, cs_roi_track, cs_roi_track_copy, cs_roi_track_free)

CsRoiTrack *
cs_roi_track_new(CsRoiUnit unit)
{
  CsRoiTrack *track = g_new0(CsRoiTrack, 1);

  track->unit = unit;
  track->keys = g_array_new(FALSE, FALSE, sizeof(CsRoiKey));
  return track;
}

CsRoiTrack *
cs_roi_track_copy(const CsRoiTrack *track)
{
  CsRoiTrack *copy;

  g_return_val_if_fail(track != NULL, NULL);
  copy = cs_roi_track_new(track->unit);
  g_array_append_vals(copy->keys, track->keys->data, track->keys->len);
  return copy;
}

void
cs_roi_track_free(CsRoiTrack *track)
{
  if (track == NULL)
    return;
  g_array_unref(track->keys);
  g_free(track);
}

CsRoiUnit
cs_roi_track_get_unit(const CsRoiTrack *track)
{
  g_return_val_if_fail(track != NULL, CS_ROI_UNIT_PX);
  return track->unit;
}

/* Returns the index of the first key at or after @frame. */
static guint
lower_bound(const CsRoiTrack *track, int frame)
{
  guint lo = 0, hi = track->keys->len;

  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    if (g_array_index(track->keys, CsRoiKey, mid).frame < frame)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

gboolean
cs_roi_track_set_key(CsRoiTrack *track, int frame, double x, double y, double size)
{
  CsRoiKey key = { frame, x, y, size };
  guint i;

  g_return_val_if_fail(track != NULL, FALSE);
  if (frame < 0 || !isfinite(x) || !isfinite(y) || !isfinite(size) || size <= 0.0)
    return FALSE;
  i = lower_bound(track, frame);
  if (i < track->keys->len && g_array_index(track->keys, CsRoiKey, i).frame == frame)
    g_array_index(track->keys, CsRoiKey, i) = key;
  else
    g_array_insert_val(track->keys, i, key);
  return TRUE;
}

gboolean
cs_roi_track_remove_key(CsRoiTrack *track, int frame)
{
  guint i;

  g_return_val_if_fail(track != NULL, FALSE);
  i = lower_bound(track, frame);
  if (i >= track->keys->len || g_array_index(track->keys, CsRoiKey, i).frame != frame)
    return FALSE;
  g_array_remove_index(track->keys, i);
  return TRUE;
}

guint
cs_roi_track_get_n_keys(const CsRoiTrack *track)
{
  g_return_val_if_fail(track != NULL, 0);
  return track->keys->len;
}

const CsRoiKey *
cs_roi_track_get_key(const CsRoiTrack *track, guint i)
{
  g_return_val_if_fail(track != NULL, NULL);
  g_return_val_if_fail(i < track->keys->len, NULL);
  return &g_array_index(track->keys, CsRoiKey, i);
}

gboolean
cs_roi_track_get_at(const CsRoiTrack *track, int frame, CsRoiKey *roi)
{
  const CsRoiKey *a, *b;
  double t;
  guint i;

  g_return_val_if_fail(track != NULL, FALSE);
  g_return_val_if_fail(roi != NULL, FALSE);
  if (track->keys->len == 0)
    return FALSE;
  i = lower_bound(track, frame);
  if (i == 0 || i == track->keys->len) {
    /* Before the first or after the last keyframe: hold the nearest one. */
    *roi = g_array_index(track->keys, CsRoiKey, i == 0 ? 0 : i - 1);
    roi->frame = frame;
    return TRUE;
  }
  b = &g_array_index(track->keys, CsRoiKey, i);
  if (b->frame == frame) {
    *roi = *b;
    return TRUE;
  }
  a = &g_array_index(track->keys, CsRoiKey, i - 1);
  t = (double)(frame - a->frame) / (double)(b->frame - a->frame);
  roi->frame = frame;
  roi->x = a->x + t * (b->x - a->x);
  roi->y = a->y + t * (b->y - a->y);
  roi->size = a->size + t * (b->size - a->size);
  return TRUE;
}

gboolean
cs_roi_to_rect(const CsRoiKey *roi, CsRoiUnit unit, const CsSpacing *spacing, CsRoiRect *rect,
               GError **error)
{
  double side_px;
  long side;

  g_return_val_if_fail(roi != NULL, FALSE);
  g_return_val_if_fail(rect != NULL, FALSE);
  if (!isfinite(roi->x) || !isfinite(roi->y) || !isfinite(roi->size) || roi->size <= 0.0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "The ROI of frame %d has an invalid centre or size", roi->frame);
    return FALSE;
  }
  if (unit == CS_ROI_UNIT_MM) {
    if (spacing == NULL || !cs_spacing_is_known(spacing)) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "The ROI is %.1f mm wide but the sweep's pixel spacing is unknown: calibrate "
                  "it or give the ROI in pixels",
                  roi->size);
      return FALSE;
    }
    side_px = cs_spacing_mm_to_px(spacing, roi->size);
  } else {
    side_px = roi->size;
  }
  if (side_px < 1.0 || side_px > CS_SWEEP_MAX_SIDE) {
    g_set_error(error, CS_ERROR, side_px < 1.0 ? CS_ERROR_INVALID : CS_ERROR_TOO_LARGE,
                "The ROI of frame %d is %.1f px wide; it must be 1 to %d px", roi->frame, side_px,
                CS_SWEEP_MAX_SIDE);
    return FALSE;
  }
  side = lround(side_px);
  if (fabs(roi->x) > 4.0 * CS_SWEEP_MAX_SIDE || fabs(roi->y) > 4.0 * CS_SWEEP_MAX_SIDE) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "The ROI of frame %d is far outside the frame",
                roi->frame);
    return FALSE;
  }
  rect->x = (int)lround(roi->x - side / 2.0);
  rect->y = (int)lround(roi->y - side / 2.0);
  rect->width = (int)side;
  rect->height = (int)side;
  return TRUE;
}

gboolean
cs_roi_track_get_rect(const CsRoiTrack *track, int frame, const CsSpacing *spacing, CsRoiRect *rect,
                      GError **error)
{
  CsRoiKey roi;

  g_return_val_if_fail(track != NULL, FALSE);
  if (!cs_roi_track_get_at(track, frame, &roi)) {
    g_set_error_literal(error, CS_ERROR, CS_ERROR_NOT_FOUND,
                        "No ROI has been placed on this sweep yet");
    return FALSE;
  }
  return cs_roi_to_rect(&roi, track->unit, spacing, rect, error);
}

gboolean
cs_roi_rect_is_inside(const CsRoiRect *rect, int width, int height)
{
  g_return_val_if_fail(rect != NULL, FALSE);
  return rect->x >= 0 && rect->y >= 0 && rect->width > 0 && rect->height > 0 &&
         (gint64)rect->x + rect->width <= width && (gint64)rect->y + rect->height <= height;
}

guint8 *
cs_roi_extract(const guint8 *gray, int width, int height, int stride, const CsRoiRect *rect,
               gboolean *padded, GError **error)
{
  guint8 *crop;
  int x0, x1, y0, y1;

  g_return_val_if_fail(gray != NULL, NULL);
  g_return_val_if_fail(rect != NULL, NULL);
  g_return_val_if_fail(width > 0 && height > 0 && stride >= width, NULL);
  if (rect->width < 1 || rect->height < 1 || rect->width > CS_SWEEP_MAX_SIDE ||
      rect->height > CS_SWEEP_MAX_SIDE) {
    g_set_error(error, CS_ERROR,
                rect->width < 1 || rect->height < 1 ? CS_ERROR_INVALID : CS_ERROR_TOO_LARGE,
                "The ROI is %d x %d px; each side must be 1 to %d px", rect->width, rect->height,
                CS_SWEEP_MAX_SIDE);
    return NULL;
  }
  /* The part of the ROI that lies inside the image, in image coordinates. */
  x0 = MAX(rect->x, 0);
  y0 = MAX(rect->y, 0);
  x1 = (int)MIN((gint64)rect->x + rect->width, (gint64)width);
  y1 = (int)MIN((gint64)rect->y + rect->height, (gint64)height);
  if (x0 >= x1 || y0 >= y1) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "The ROI (%d, %d, %d x %d px) lies wholly outside the %d x %d frame", rect->x,
                rect->y, rect->width, rect->height, width, height);
    return NULL;
  }
  crop = g_malloc0((gsize)rect->width * (gsize)rect->height);
  for (int y = y0; y < y1; y++)
    memcpy(crop + (gsize)(y - rect->y) * rect->width + (x0 - rect->x),
           gray + (gsize)y * stride + x0, (gsize)(x1 - x0));
  if (padded != NULL)
    *padded = !cs_roi_rect_is_inside(rect, width, height);
  return crop;
}

gboolean
cs_roi_crop(const guint8 *gray, int width, int height, int stride, const CsRoiRect *rect,
            int out_width, int out_height, guint8 *out, gboolean *padded, GError **error)
{
  g_autofree guint8 *crop = NULL;
  int status;

  g_return_val_if_fail(out != NULL, FALSE);
  g_return_val_if_fail(out_width > 0 && out_height > 0, FALSE);
  crop = cs_roi_extract(gray, width, height, stride, rect, padded, error);
  if (crop == NULL)
    return FALSE;
  status = csnn_resample_u8(crop, rect->width, rect->height, (size_t)rect->width, out, out_width,
                            out_height);
  if (status != CSNN_OK)
    return cs_error_from_engine(error, status, "Cannot resample the ROI");
  return TRUE;
}
