/* cs-nerve-track.h — the ROI placed on the nerve: in one frame, and through a sweep
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One rule places the ROI on the nerve, for `--roi auto`, Find Nerve and Track Through Sweep: the
 * nerve finder's probability map is cut at 0.5 into regions, one region is chosen, and the ROI
 * square is centred on its centroid. Without a prior the largest region is the nerve (as the
 * finder's own mask); with the position of the frame before, the region nearest that position is
 * chosen, however much larger another may be, as long as it lies within a gate of the prior, so
 * that a vessel or a tendon that looks like a nerve in one ambiguous frame does not capture the
 * ROI. A frame where no region lies within the gate is "lost" and keeps the prior's position; a
 * frame whose choice is weak (low probability, an area far from the prior's, or a rival region of
 * comparable size) is "uncertain".
 *
 * Tracking a sweep runs that rule frame by frame, each frame's prior being the last position
 * found, and then smooths the centres (a centred median then mean over a few frames, lost frames
 * taken from their neighbours) so that the ROI glides rather than jitters.
 *
 *   CsNerveLocation loc;
 *   CsRoiKey roi;
 *   cs_nerve_locate(finder, frame, NULL, &loc, NULL, &error);
 *   cs_nerve_roi_centre(&loc, &spacing, CS_ROI_DEFAULT_SIZE_MM, &roi, &unit);
 */
#pragma once

#include <gio/gio.h>

#include "cs-nerve-finder.h"
#include "cs-roi.h"
#include "cs-study.h"
#include "cs-sweep.h"

G_BEGIN_DECLS

/* How sure the locator is of a frame. */
typedef enum {
  CS_NERVE_FOUND,     /* One clear region, consistent with the prior. */
  CS_NERVE_UNCERTAIN, /* A region chosen, but weakly (see above). */
  CS_NERVE_LOST,      /* No region (within the prior's gate): the position is the prior's. */
} CsNerveState;

/* Where the nerve was in the frame before: the prior of the next frame's choice. */
typedef struct {
  double x, y;    /* Centre, image px. */
  double area_px; /* Its area in px (> 0). */
} CsNervePrior;

/* The nerve located in one frame. */
typedef struct {
  CsNerveState state;
  double x, y;        /* Centroid of the chosen region (the prior's centre when lost), image px. */
  gsize area_px;      /* Area of the chosen region (0 when lost). */
  double score;       /* Mean probability inside it (0 when lost). */
  int x0, y0, x1, y1; /* Its bounding box, inclusive (all 0 when lost). */
  int n_regions;      /* Regions above 0.5 in the frame. */
} CsNerveLocation;

/* Returns "found", "uncertain" or "lost". */
const char *cs_nerve_state_to_string(CsNerveState state);

/* Locates the nerve in a @width x @height map of the probability of "nerve" per pixel (the
 * rule above), given @prior (NULL for none); writes the chosen region's 0/255 mask to @mask when
 * not NULL. */
void cs_nerve_locate_prob(const float *prob, int width, int height, const CsNervePrior *prior,
                          CsNerveLocation *location, guint8 *mask);

/* Locates the nerve in @frame with @finder, given the nerve's place in the frame before (@prior,
 * NULL for none); writes the chosen region's 0/255 mask of the frame's size to @mask when not
 * NULL. FALSE with @error only when the network cannot run. */
gboolean cs_nerve_locate(CsNerveFinder *finder, const CsFrame *frame, const CsNervePrior *prior,
                         CsNerveLocation *location, guint8 *mask, GError **error);

/* The ROI centred on @location: a square of @size_mm when @spacing is known (unit mm), else of
 * twice the longer side of the nerve's box, at least 32 px (unit px). FALSE when the nerve is
 * lost and its box unknown, so that no size can be given in px. */
gboolean cs_nerve_roi_centre(const CsNerveLocation *location, const CsSpacing *spacing,
                             double size_mm, CsRoiKey *roi, CsRoiUnit *unit);

/* The ROI on the nerve of one frame, for `--roi auto`: cs_nerve_locate() without a prior, then
 * cs_nerve_roi_centre() as a pixel rectangle. FALSE with @error when no nerve is found or the
 * network cannot run. */
gboolean cs_nerve_roi_auto(CsNerveFinder *finder, const CsFrame *frame, const CsSpacing *spacing,
                           double size_mm, CsRoiRect *rect, CsNerveLocation *location,
                           GError **error);

/* The level tag of an outline the nerve finder proposes: no level a person traces, so that no
 * rule that reads tracings (the case's inlet CSA among them) takes it until it is accepted. */
#define CS_NERVE_PROPOSED_LEVEL "proposed"

/* The outline of the nerve of @location (found) in @mask (0/255, @width x @height, the region
 * cs_nerve_locate() wrote) as a proposed tracing of @frame: a star polygon of 72 vertices, one on
 * the region's edge every 5 degrees around its centroid, level CS_NERVE_PROPOSED_LEVEL and rater
 * "nerve model sha256:" and @model_sha256. NULL when the nerve is lost. */
CsTracing *cs_nerve_proposed_tracing(const guint8 *mask, int width, int height,
                                     const CsNerveLocation *location, gint64 frame,
                                     const char *model_sha256);

/* Whether @tracing is an outline the nerve finder proposed and nobody has accepted. */
gboolean cs_nerve_tracing_is_proposed(const CsTracing *tracing);

/* The nerve tracked through frames [first, last) of a sweep. */
typedef struct {
  int first, last;            /* The frames tracked. */
  CsNerveLocation *locations; /* last - first raw locations, frame order. */
  double *x, *y;              /* last - first smoothed centres. */
  char *model_sha256;         /* The finder's model. */
  /*< private >*/
  int n_added, lost_run;
  gboolean have_prior;
  CsNervePrior prior;
} CsNerveTrack;

/* Creates an empty track of frames [@first, @last) by the model of @model_sha256 (may be NULL). */
CsNerveTrack *cs_nerve_track_new(int first, int last, const char *model_sha256);

/* Locates the nerve in the next frame's probability map (@width x @height), its prior being the
 * last position found (none after RELOCK frames lost in a row: the nerve is looked for again
 * over the whole frame, and that frame is uncertain). */
void cs_nerve_track_add_prob(CsNerveTrack *track, const float *prob, int width, int height);

/* Smooths the centres once every frame has been added. */
void cs_nerve_track_finish(CsNerveTrack *track);

/* Progress of a tracking: frames done of all, for a progress bar. */
typedef void (*CsNerveTrackProgress)(int done, int total, gpointer user_data);

/* Tracks the nerve through frames [@first, @last) of @sweep (@last < 0: to the end), each frame's
 * prior being the last found position; NULL with @error when a frame cannot be read, the network
 * cannot run or @cancellable is cancelled. */
CsNerveTrack *cs_nerve_track_sweep(CsNerveFinder *finder, CsSweep *sweep, int first, int last,
                                   CsNerveTrackProgress progress, gpointer user_data,
                                   GCancellable *cancellable, GError **error);

/* The share of the tracked frames in @state. */
double cs_nerve_track_fraction(const CsNerveTrack *track, CsNerveState state);

/* The keyframe at @frame centred on @location (found), sized as the ROI of @c already is (its
 * first keyframe), else @size_mm when the case's spacing is known, else as
 * cs_nerve_roi_centre() sizes it in px. FALSE when the nerve is lost. */
gboolean cs_nerve_case_keyframe(CsCase *c, const CsNerveLocation *location, gint64 frame,
                                double size_mm, CsRoiKeyframe *key);

/* Sets the ROI keyframes of @c from @track, one on every tracked frame (those there before are
 * replaced), centred on the smoothed centres and sized as the case's ROI already is (its first
 * keyframe), else @size_mm when the case's spacing is known, else twice the median side of the
 * nerve's box in px. FALSE with @error when nothing was found to size the ROI by. */
gboolean cs_nerve_track_apply(const CsNerveTrack *track, CsCase *c, double size_mm, GError **error);

/* Tracks the nerve through the whole sweep of case @c of @study and applies the track to it
 * (cs_nerve_track_apply() with 15 mm): `--roi auto` for a study's cases. */
gboolean cs_nerve_track_case(CsNerveFinder *finder, CsStudy *study, CsCase *c,
                             GCancellable *cancellable, GError **error);

/* Frees @track; NULL is allowed. */
void cs_nerve_track_free(CsNerveTrack *track);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsNerveTrack, cs_nerve_track_free)

G_END_DECLS
