/* cs-nerve-track.c — the ROI placed on the nerve: in one frame, and through a sweep
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-nerve-track.h"

#include <math.h>
#include <string.h>

#include "cs-error.h"

/* A region scoring below this mean probability is a weak choice. */
#define WEAK_SCORE 0.6
/* A region's area outside [1 / AREA_JUMP, AREA_JUMP] times the prior's is a weak choice. */
#define AREA_JUMP 2.0
/* Regions smaller than this share of the prior's area are specks, chosen only if nothing else. */
#define SPECK_SHARE 0.2
/* Consecutive lost frames after which the tracker looks again without a prior. */
#define RELOCK_AFTER 5
/* Half-widths of the centred median, then mean, that smooth a track. */
#define MEDIAN_HALF 2
#define MEAN_HALF   1

/* One 8-connected region of the probability map at or above 0.5. */
typedef struct {
  gsize area;
  double sx, sy, sp;
  int x0, y0, x1, y1;
} Region;

const char *
cs_nerve_state_to_string(CsNerveState state)
{
  switch (state) {
    case CS_NERVE_FOUND:
      return "found";
    case CS_NERVE_UNCERTAIN:
      return "uncertain";
    case CS_NERVE_LOST:
    default:
      return "lost";
  }
}

/* Labels the regions of @prob (@width x @height) at or above 0.5 into @label (1-based, 0 for
 * none) and returns them in label order. */
static GArray *
label_regions(const float *prob, int width, int height, guint32 *label)
{
  gsize n = (gsize)width * (gsize)height;
  g_autofree guint32 *stack = g_new(guint32, n);
  GArray *regions = g_array_new(FALSE, TRUE, sizeof(Region));

  memset(label, 0, n * sizeof(*label));
  for (gsize start = 0; start < n; start++) {
    Region r = { 0, 0.0, 0.0, 0.0, width, height, 0, 0 };
    guint32 id;
    gsize top = 0;

    if (prob[start] < 0.5f || label[start] != 0)
      continue;
    id = regions->len + 1;
    label[start] = id;
    stack[top++] = (guint32)start;
    while (top > 0) {
      guint32 p = stack[--top];
      int px = (int)(p % (guint32)width), py = (int)(p / (guint32)width);

      r.area++;
      r.sx += px;
      r.sy += py;
      r.sp += prob[p];
      r.x0 = MIN(r.x0, px);
      r.y0 = MIN(r.y0, py);
      r.x1 = MAX(r.x1, px);
      r.y1 = MAX(r.y1, py);
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
          int qx = px + dx, qy = py + dy;
          gsize q;

          if (qx < 0 || qy < 0 || qx >= width || qy >= height)
            continue;
          q = (gsize)qy * (gsize)width + (gsize)qx;
          if (prob[q] >= 0.5f && label[q] == 0) {
            label[q] = id;
            stack[top++] = (guint32)q;
          }
        }
    }
    g_array_append_val(regions, r);
  }
  return regions;
}

static double
region_distance(const Region *r, const CsNervePrior *prior)
{
  return hypot(r->sx / (double)r->area - prior->x, r->sy / (double)r->area - prior->y);
}

/* The gate around @prior in a frame of @width x @height: how far its nerve may move in one frame
 * (two and a half radii, at least 6 % of the frame's longer side). */
static double
prior_gate(const CsNervePrior *prior, int width, int height)
{
  return MAX(2.5 * sqrt(prior->area_px / G_PI), 0.06 * MAX(width, height));
}

/* Chooses the nerve among @regions: the index, or -1; sets *@weak when the choice is weak. */
static int
choose_region(GArray *regions, const CsNervePrior *prior, int width, int height, gboolean *weak)
{
  double gate = prior != NULL ? prior_gate(prior, width, height) : 0.0;
  int best = -1, speck = -1;
  const Region *chosen;

  *weak = FALSE;
  for (guint i = 0; i < regions->len; i++) {
    const Region *r = &g_array_index(regions, Region, i);

    if (prior == NULL) {
      if (best < 0 || r->area > g_array_index(regions, Region, best).area)
        best = (int)i;
    } else if (region_distance(r, prior) <= gate) {
      int *slot = (double)r->area >= SPECK_SHARE * prior->area_px ? &best : &speck;

      if (*slot < 0 || region_distance(r, prior) <
                           region_distance(&g_array_index(regions, Region, *slot), prior))
        *slot = (int)i;
    }
  }
  if (best < 0 && speck >= 0) {
    best = speck;
    *weak = TRUE;
  }
  if (best < 0)
    return -1;
  chosen = &g_array_index(regions, Region, best);
  if (chosen->sp / (double)chosen->area < WEAK_SCORE)
    *weak = TRUE;
  if (prior != NULL && ((double)chosen->area > AREA_JUMP * prior->area_px ||
                        (double)chosen->area * AREA_JUMP < prior->area_px))
    *weak = TRUE;
  /* A rival: another region of comparable size where the nerve could be. */
  for (guint i = 0; i < regions->len; i++) {
    const Region *r = &g_array_index(regions, Region, i);

    if ((int)i != best && 2 * r->area >= chosen->area &&
        (prior == NULL || region_distance(r, prior) <= gate))
      *weak = TRUE;
  }
  return best;
}

void
cs_nerve_locate_prob(const float *prob, int width, int height, const CsNervePrior *prior,
                     CsNerveLocation *location, guint8 *mask)
{
  gsize n = (gsize)width * (gsize)height;
  g_autofree guint32 *label = g_new(guint32, n);
  g_autoptr(GArray) regions = label_regions(prob, width, height, label);
  gboolean weak;
  int best = choose_region(regions, prior, width, height, &weak);

  memset(location, 0, sizeof(*location));
  location->n_regions = (int)regions->len;
  if (best < 0) {
    location->state = CS_NERVE_LOST;
    location->x = prior != NULL ? prior->x : width / 2.0;
    location->y = prior != NULL ? prior->y : height / 2.0;
  } else {
    const Region *r = &g_array_index(regions, Region, best);

    location->state = weak ? CS_NERVE_UNCERTAIN : CS_NERVE_FOUND;
    location->x = r->sx / (double)r->area;
    location->y = r->sy / (double)r->area;
    location->area_px = r->area;
    location->score = r->sp / (double)r->area;
    location->x0 = r->x0;
    location->y0 = r->y0;
    location->x1 = r->x1;
    location->y1 = r->y1;
  }
  if (mask != NULL)
    for (gsize i = 0; i < n; i++)
      mask[i] = best >= 0 && label[i] == (guint32)best + 1 ? 255 : 0;
}

gboolean
cs_nerve_locate(CsNerveFinder *finder, const CsFrame *frame, const CsNervePrior *prior,
                CsNerveLocation *location, guint8 *mask, GError **error)
{
  g_autofree float *prob = g_new(float, (gsize)frame->width *(gsize)frame->height);

  if (!cs_nerve_finder_run_prob(finder, frame->data, frame->width, frame->height,
                                (gsize)frame->stride, prob, error))
    return FALSE;
  cs_nerve_locate_prob(prob, frame->width, frame->height, prior, location, mask);
  return TRUE;
}

gboolean
cs_nerve_roi_centre(const CsNerveLocation *location, const CsSpacing *spacing, double size_mm,
                    CsRoiKey *roi, CsRoiUnit *unit)
{
  roi->x = location->x + 0.5; /* Pixel centres are at half-integers in ROI coordinates. */
  roi->y = location->y + 0.5;
  if (cs_spacing_is_known(spacing)) {
    *unit = CS_ROI_UNIT_MM;
    roi->size = size_mm;
    return TRUE;
  }
  if (location->area_px == 0)
    return FALSE;
  *unit = CS_ROI_UNIT_PX;
  roi->size = MAX(32.0, 2.0 * (MAX(location->x1 - location->x0, location->y1 - location->y0) + 1));
  return TRUE;
}

gboolean
cs_nerve_roi_auto(CsNerveFinder *finder, const CsFrame *frame, const CsSpacing *spacing,
                  double size_mm, CsRoiRect *rect, CsNerveLocation *location, GError **error)
{
  CsRoiKey roi = { frame->index, 0, 0, 0 };
  CsRoiUnit unit;

  if (!cs_nerve_locate(finder, frame, NULL, location, NULL, error))
    return FALSE;
  if (location->state == CS_NERVE_LOST ||
      !cs_nerve_roi_centre(location, spacing, size_mm, &roi, &unit)) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "no nerve found in frame %d", frame->index);
    return FALSE;
  }
  return cs_roi_to_rect(&roi, unit, spacing, rect, error);
}

/* ---- the proposed outline ---- */

/* Vertices of a proposed outline, one every 360 / N degrees. */
#define OUTLINE_POINTS 72

/* The rater of a proposed outline, before the model's SHA-256. */
#define PROPOSED_RATER "nerve model sha256:"

CsTracing *
cs_nerve_proposed_tracing(const guint8 *mask, int width, int height,
                          const CsNerveLocation *location, gint64 frame, const char *model_sha256)
{
  double points[2 * OUTLINE_POINTS];
  CsTracing *tracing;

  if (location->state == CS_NERVE_LOST || location->area_px == 0)
    return NULL;
  /* Marching out from the centroid along each ray to the last pixel inside: the vertices go
   * round in angle order at positive radii, so the polygon is simple whatever the region. */
  for (int k = 0; k < OUTLINE_POINTS; k++) {
    double angle = 2.0 * G_PI * k / OUTLINE_POINTS, c = cos(angle), s = sin(angle), r = 0.5;

    for (double step = 0.5;; step += 0.5) {
      int x = (int)lround(location->x + step * c), y = (int)lround(location->y + step * s);

      if (x < 0 || y < 0 || x >= width || y >= height || mask[(gsize)y * (gsize)width + x] == 0)
        break;
      r = step;
    }
    points[2 * k] = location->x + r * c;
    points[2 * k + 1] = location->y + r * s;
  }
  tracing = cs_tracing_new(CS_NERVE_PROPOSED_LEVEL, frame, points, OUTLINE_POINTS);
  tracing->rater = g_strconcat(PROPOSED_RATER, model_sha256 != NULL ? model_sha256 : "", NULL);
  return tracing;
}

gboolean
cs_nerve_tracing_is_proposed(const CsTracing *tracing)
{
  return g_strcmp0(tracing->level, CS_NERVE_PROPOSED_LEVEL) == 0 && tracing->rater != NULL &&
         g_str_has_prefix(tracing->rater, PROPOSED_RATER);
}

/* ---- tracking ---- */

static int
compare_doubles(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

/* Smooths @v (@n values) in place: a centred median of MEDIAN_HALF, then a centred mean of
 * MEAN_HALF, both shrinking symmetrically at the ends (so that a steady drift is kept). */
static void
smooth(double *v, int n)
{
  g_autofree double *median = g_new(double, n);
  double window[2 * MEDIAN_HALF + 1];

  for (int i = 0; i < n; i++) {
    int h = MIN(MEDIAN_HALF, MIN(i, n - 1 - i)), a = i - h, b = i + h, k = 0;

    for (int j = a; j <= b; j++)
      window[k++] = v[j];
    qsort(window, (size_t)k, sizeof(double), compare_doubles);
    median[i] = window[k / 2]; /* The window is odd. */
  }
  for (int i = 0; i < n; i++) {
    int h = MIN(MEAN_HALF, MIN(i, n - 1 - i)), a = i - h, b = i + h;
    double sum = 0.0;

    for (int j = a; j <= b; j++)
      sum += median[j];
    v[i] = sum / (b - a + 1);
  }
}

/* Fills the smoothed centres of @track from its located frames: lost frames take the line
 * between their located neighbours (or the nearest one at the ends), then all are smoothed. */
static void
smooth_track(CsNerveTrack *track)
{
  int n = track->last - track->first, prev = -1;

  for (int i = 0; i <= n; i++) {
    if (i < n && track->locations[i].state == CS_NERVE_LOST)
      continue;
    for (int j = prev + 1; j < i; j++) {
      const CsNerveLocation *a = prev >= 0 ? &track->locations[prev] : NULL;
      const CsNerveLocation *b = i < n ? &track->locations[i] : NULL;
      double t = a != NULL && b != NULL ? (double)(j - prev) / (double)(i - prev) : 0.0;

      if (a == NULL && b == NULL) {
        track->x[j] = track->locations[j].x;
        track->y[j] = track->locations[j].y;
      } else if (a == NULL || b == NULL) {
        track->x[j] = (a != NULL ? a : b)->x;
        track->y[j] = (a != NULL ? a : b)->y;
      } else {
        track->x[j] = a->x + t * (b->x - a->x);
        track->y[j] = a->y + t * (b->y - a->y);
      }
    }
    if (i < n) {
      track->x[i] = track->locations[i].x;
      track->y[i] = track->locations[i].y;
    }
    prev = i;
  }
  smooth(track->x, n);
  smooth(track->y, n);
}

CsNerveTrack *
cs_nerve_track_new(int first, int last, const char *model_sha256)
{
  CsNerveTrack *track = g_new0(CsNerveTrack, 1);

  g_return_val_if_fail(first >= 0 && first < last, NULL);
  track->first = first;
  track->last = last;
  track->locations = g_new0(CsNerveLocation, last - first);
  track->x = g_new(double, last - first);
  track->y = g_new(double, last - first);
  track->model_sha256 = g_strdup(model_sha256);
  return track;
}

void
cs_nerve_track_add_prob(CsNerveTrack *track, const float *prob, int width, int height)
{
  CsNerveLocation *loc;
  /* Lost for long, the nerve has moved beyond the gate: look again over the whole frame. */
  gboolean relock = track->have_prior && track->lost_run >= RELOCK_AFTER;

  g_return_if_fail(track->n_added < track->last - track->first);
  loc = &track->locations[track->n_added++];
  cs_nerve_locate_prob(prob, width, height, track->have_prior && !relock ? &track->prior : NULL,
                       loc, NULL);
  if (loc->state == CS_NERVE_LOST) {
    track->lost_run++;
    return;
  }
  if (relock)
    loc->state = CS_NERVE_UNCERTAIN;
  track->lost_run = 0;
  track->prior = (CsNervePrior){ loc->x, loc->y, (double)loc->area_px };
  track->have_prior = TRUE;
}

void
cs_nerve_track_finish(CsNerveTrack *track)
{
  g_return_if_fail(track->n_added == track->last - track->first);
  smooth_track(track);
}

CsNerveTrack *
cs_nerve_track_sweep(CsNerveFinder *finder, CsSweep *sweep, int first, int last,
                     CsNerveTrackProgress progress, gpointer user_data, GCancellable *cancellable,
                     GError **error)
{
  g_autoptr(CsNerveTrack) track = NULL;
  g_autofree float *prob = NULL;
  int n_frames = cs_sweep_get_n_frames(sweep);

  if (last < 0 || last > n_frames)
    last = n_frames;
  if (first < 0 || first >= last) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "no frames to track (%d to %d of %d)", first,
                last, n_frames);
    return NULL;
  }
  track = cs_nerve_track_new(first, last, cs_nerve_finder_get_sha256(finder));
  for (int f = first; f < last; f++) {
    g_autoptr(CsFrame) frame = NULL;

    if (g_cancellable_set_error_if_cancelled(cancellable, error) ||
        (frame = cs_sweep_get_frame(sweep, f, error)) == NULL)
      return NULL;
    prob = g_renew(float, prob, (gsize)frame->width *(gsize)frame->height);
    if (!cs_nerve_finder_run_prob(finder, frame->data, frame->width, frame->height,
                                  (gsize)frame->stride, prob, error))
      return NULL;
    cs_nerve_track_add_prob(track, prob, frame->width, frame->height);
    if (progress != NULL)
      progress(f - first + 1, last - first, user_data);
  }
  cs_nerve_track_finish(track);
  return g_steal_pointer(&track);
}

double
cs_nerve_track_fraction(const CsNerveTrack *track, CsNerveState state)
{
  int n = track->last - track->first, k = 0;

  for (int i = 0; i < n; i++)
    k += track->locations[i].state == state;
  return n > 0 ? (double)k / n : 0.0;
}

/* The ROI side in px for a case without spacing: twice the median longer side of the nerve's box
 * over the frames where it was found (at least 32 px); 0 when it was found nowhere. */
static double
median_side_px(const CsNerveTrack *track)
{
  g_autoptr(GArray) sides = g_array_new(FALSE, FALSE, sizeof(double));
  double side;

  for (int i = 0; i < track->last - track->first; i++) {
    const CsNerveLocation *loc = &track->locations[i];

    if (loc->state != CS_NERVE_LOST) {
      side = MAX(loc->x1 - loc->x0, loc->y1 - loc->y0) + 1;
      g_array_append_val(sides, side);
    }
  }
  if (sides->len == 0)
    return 0.0;
  g_array_sort(sides, compare_doubles);
  return MAX(32.0, 2.0 * g_array_index(sides, double, sides->len / 2));
}

gboolean
cs_nerve_case_keyframe(CsCase *c, const CsNerveLocation *location, gint64 frame, double size_mm,
                       CsRoiKeyframe *key)
{
  CsSpacing spacing = cs_case_get_spacing(c);
  CsRoiKey roi;
  CsRoiUnit unit;

  if (location->state == CS_NERVE_LOST ||
      !cs_nerve_roi_centre(location, &spacing, size_mm, &roi, &unit))
    return FALSE;
  *key = (CsRoiKeyframe){ frame, roi.x, roi.y, 0, 0 };
  if (cs_case_get_n_roi_keyframes(c) > 0) {
    key->size_mm = cs_case_get_roi_keyframe(c, 0)->size_mm;
    key->size_px = cs_case_get_roi_keyframe(c, 0)->size_px;
  } else if (unit == CS_ROI_UNIT_MM)
    key->size_mm = roi.size;
  else
    key->size_px = roi.size;
  return TRUE;
}

gboolean
cs_nerve_track_apply(const CsNerveTrack *track, CsCase *c, double size_mm, GError **error)
{
  CsSpacing spacing = cs_case_get_spacing(c);
  CsRoiKeyframe key = { 0 };

  if (cs_case_get_n_roi_keyframes(c) > 0) {
    key.size_mm = cs_case_get_roi_keyframe(c, 0)->size_mm;
    key.size_px = cs_case_get_roi_keyframe(c, 0)->size_px;
  } else if (cs_spacing_is_known(&spacing))
    key.size_mm = size_mm;
  else if ((key.size_px = median_side_px(track)) == 0.0) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND,
                "case %s: the nerve was found in none of its frames", cs_case_get_id(c));
    return FALSE;
  }
  for (int i = 0; i < track->last - track->first; i++) {
    key.frame = track->first + i;
    key.x = track->x[i] + 0.5; /* Pixel centres are at half-integers in ROI coordinates. */
    key.y = track->y[i] + 0.5;
    if (!cs_case_set_roi_keyframe(c, &key, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
cs_nerve_track_case(CsNerveFinder *finder, CsStudy *study, CsCase *c, GCancellable *cancellable,
                    GError **error)
{
  g_autofree char *path = cs_study_dup_sweep_path(study, c);
  g_autoptr(CsSweep) sweep = NULL;
  g_autoptr(CsNerveTrack) track = NULL;

  if (path == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "case %s has no sweep", cs_case_get_id(c));
    return FALSE;
  }
  if ((sweep = cs_sweep_open(path, error)) == NULL ||
      (track = cs_nerve_track_sweep(finder, sweep, 0, -1, NULL, NULL, cancellable, error)) == NULL)
    return FALSE;
  if (cs_nerve_track_fraction(track, CS_NERVE_LOST) == 1.0) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND,
                "case %s: the nerve was found in none of its frames", cs_case_get_id(c));
    return FALSE;
  }
  return cs_nerve_track_apply(track, c, CS_ROI_DEFAULT_SIZE_MM, error);
}

void
cs_nerve_track_free(CsNerveTrack *track)
{
  if (track == NULL)
    return;
  g_free(track->locations);
  g_free(track->x);
  g_free(track->y);
  g_free(track->model_sha256);
  g_free(track);
}
