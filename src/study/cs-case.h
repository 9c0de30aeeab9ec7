/* cs-case.h — one hand of a study: labels, nerve conduction, sweep, ROI, tracings, results
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "cs-grading.h"
#include "cs-polygon.h"
#include "cs-roi.h"
#include "cs-spacing.h"

G_BEGIN_DECLS

/* Which hand was scanned. */
typedef enum { CS_HAND_UNKNOWN = 0, CS_HAND_LEFT, CS_HAND_RIGHT } CsHand;

/* The group label of a hand. */
typedef enum { CS_GROUP_UNKNOWN = 0, CS_GROUP_CONTROL, CS_GROUP_CTS } CsGroup;

/* Which part of an evaluation a hand belongs to; validation hands are training hands set aside
 * for early stopping and checkpoint choice. */
typedef enum {
  CS_SPLIT_UNASSIGNED = 0,
  CS_SPLIT_TRAIN,
  CS_SPLIT_VALIDATION,
  CS_SPLIT_TEST
} CsSplit;

/* Whether a stage was computed from the nerve-conduction values or entered by hand. */
typedef enum { CS_STAGE_SOURCE_COMPUTED = 0, CS_STAGE_SOURCE_MANUAL } CsStageSource;

/* A keyframe of the region of interest: a square centred on (x, y) image px, its side either in
 * mm (size_mm > 0, size_px = 0) or in px (size_px > 0, size_mm = 0). All keyframes of a case use
 * one unit, as a media CsRoiTrack does. */
typedef struct {
  gint64 frame;
  double x;
  double y;
  double size_mm;
  double size_px;
} CsRoiKeyframe;

/* A traced nerve outline. */
typedef struct {
  char *level;    /* Anatomical level tag: "inlet", "forearm", "outlet", ... (non-empty). */
  gint64 frame;   /* Frame index in the sweep. */
  char *rater;    /* Who traced it; may be NULL. */
  char *time;     /* ISO 8601 date and time of the tracing. */
  guint n_points; /* At least 3. */
  double *points; /* n_points (x, y) pairs in image px. */
} CsTracing;

/* A model's cached answer for a case, tagged with what it was computed from. */
typedef struct {
  char *model_id;     /* The model's id (file stem). */
  char *model_sha256; /* 64 lowercase hex digits: SHA-256 of the weights file. */
  guint n_frames;
  gint64 *frames;   /* Analysed frame indices, strictly increasing. */
  double *p_cts;    /* p(CTS) of each analysed frame, in [0, 1]. */
  double p_hand;    /* Hand-level p(CTS) (mean of p_cts unless summary says otherwise). */
  char *summary;    /* How p_hand was formed: "mean" or "median". */
  double threshold; /* The decision threshold used, in [0, 1]. */
  char *roi_hash;   /* cs_case_dup_roi_hash() when it was computed. */
  char *time;       /* ISO 8601. */
} CsModelResult;

#define CS_TYPE_CASE (cs_case_get_type())
G_DECLARE_FINAL_TYPE(CsCase, cs_case, CS, CASE, GObject)

GType cs_hand_get_type(void) G_GNUC_CONST;
#define CS_TYPE_HAND (cs_hand_get_type())
GType cs_group_get_type(void) G_GNUC_CONST;
#define CS_TYPE_GROUP (cs_group_get_type())
GType cs_split_get_type(void) G_GNUC_CONST;
#define CS_TYPE_SPLIT (cs_split_get_type())
/* The enum GType of media's CsSpacingSource, for the "spacing-source" property. */
GType cs_study_spacing_source_get_type(void) G_GNUC_CONST;
#define CS_TYPE_STUDY_SPACING_SOURCE (cs_study_spacing_source_get_type())
GType cs_stage_source_get_type(void) G_GNUC_CONST;
#define CS_TYPE_STAGE_SOURCE (cs_stage_source_get_type())

/* Strings used in study.json ("left", "cts", "test", ...) and back; spacing sources use
 * media's cs_spacing_source_to_string() ("phantom-truth", "study", "manual", "dicom"). */
const char *cs_hand_to_string(CsHand hand);
gboolean cs_hand_from_string(const char *text, CsHand *hand);
const char *cs_group_to_string(CsGroup group);
gboolean cs_group_from_string(const char *text, CsGroup *group);
const char *cs_split_to_string(CsSplit split);
gboolean cs_split_from_string(const char *text, CsSplit *split);

/* Returns the current UTC time as ISO 8601 with seconds ("2026-11-27T23:40:00Z"); free it. */
char *cs_now_iso8601(void);

/* Frees a tracing (NULL is fine). */
void cs_tracing_free(CsTracing *tracing);
/* Returns a deep copy. */
CsTracing *cs_tracing_copy(const CsTracing *tracing);
/* Returns a new tracing (time now, no rater) copying @n_points (x, y) pairs. */
CsTracing *cs_tracing_new(const char *level, gint64 frame, const double *points, guint n_points);
/* Checks a tracing (level, frame, time, >= 3 finite vertices, simple polygon); errors say
 * "<path>.<field>: <problem>". */
gboolean cs_tracing_validate(const CsTracing *tracing, const char *path, GError **error);

/* Frees a result (NULL is fine). */
void cs_model_result_free(CsModelResult *result);
/* Returns a deep copy. */
CsModelResult *cs_model_result_copy(const CsModelResult *result);
/* Returns a new result for @n_frames frames (copied); p_hand is their mean, summary "mean",
 * time now. */
CsModelResult *cs_model_result_new(const char *model_id, const char *model_sha256,
                                   const gint64 *frames, const double *p_cts, guint n_frames,
                                   double threshold, const char *roi_hash);
/* Checks a result; errors say "<path>.<field>: <problem>". */
gboolean cs_model_result_validate(const CsModelResult *result, const char *path, GError **error);

/* Checks a keyframe (frame >= 0, finite centre, exactly one positive size). */
gboolean cs_roi_keyframe_validate(const CsRoiKeyframe *keyframe, const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsTracing, cs_tracing_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsModelResult, cs_model_result_free)

/* Returns a new case with @id (non-empty; unique within a study). */
CsCase *cs_case_new(const char *id);

/* A case emits "changed" whenever anything in it changes. Properties, each notifying: id,
 * hand, group, split, sweep-path, notes (read-write); spacing-mm, spacing-source, stage,
 * stage-scheme, stage-source, n-roi-keyframes, n-tracings, n-results (read-only). */

/* Returns the id. */
const char *cs_case_get_id(CsCase *self);
/* Renames the case; refuses an empty id (a study also refuses a duplicate). */
gboolean cs_case_set_id(CsCase *self, const char *id, GError **error);

CsHand cs_case_get_hand(CsCase *self);
void cs_case_set_hand(CsCase *self, CsHand hand);
CsGroup cs_case_get_group(CsCase *self);
void cs_case_set_group(CsCase *self, CsGroup group);
CsSplit cs_case_get_split(CsCase *self);
void cs_case_set_split(CsCase *self, CsSplit split);

/* The sweep's path as stored: relative to the study's folder (or absolute); may be NULL. */
const char *cs_case_get_sweep_path(CsCase *self);
void cs_case_set_sweep_path(CsCase *self, const char *path);

/* Returns mm per pixel, or 0 when unknown (source CS_SPACING_SOURCE_UNKNOWN). */
double cs_case_get_spacing_mm(CsCase *self);
CsSpacingSource cs_case_get_spacing_source(CsCase *self);
/* Returns the spacing with its source (media's CsSpacing). */
CsSpacing cs_case_get_spacing(CsCase *self);
/* Sets the spacing and its source together; @spacing_mm must be in (0, 10] unless @source is
 * unknown (then it must be 0: the spacing is cleared). */
gboolean cs_case_set_spacing(CsCase *self, double spacing_mm, CsSpacingSource source,
                             GError **error);
/* Sets the spacing as cs_case_set_spacing() does, with the DICOM Ultrasound Region it came from
 * (@region >= 0, only with a DICOM source) or CS_SPACING_NO_REGION; cs_case_get_spacing() returns
 * it with the region, and study.json keeps it. */
gboolean cs_case_set_spacing_full(CsCase *self, double spacing_mm, CsSpacingSource source,
                                  int region, GError **error);

/* Free-text notes; may be NULL. */
const char *cs_case_get_notes(CsCase *self);
void cs_case_set_notes(CsCase *self, const char *notes);

/* Copies the nerve-conduction values into @out. */
void cs_case_get_nerve_conduction(CsCase *self, CsNerveConduction *out);
/* Replaces the nerve-conduction values (validated); when the stage is computed, it is
 * recomputed under the case's stage scheme (-1 when the values do not suffice). */
gboolean cs_case_set_nerve_conduction(CsCase *self, const CsNerveConduction *ncs, GError **error);

/* The stage (-1 when none), the scheme it is expressed in and whether it was computed. */
int cs_case_get_stage(CsCase *self);
CsGradingScheme cs_case_get_stage_scheme(CsCase *self);
CsStageSource cs_case_get_stage_source(CsCase *self);
/* Enters a stage by hand (source manual); -1 clears it; refuses a grade outside the scheme. */
gboolean cs_case_set_stage_manual(CsCase *self, CsGradingScheme scheme, int stage, GError **error);
/* Switches to @scheme and computes the stage from the nerve-conduction values (source
 * computed); returns the stage, or -1 with @error set when the values do not suffice (the stage
 * is then cleared). */
int cs_case_compute_stage(CsCase *self, CsGradingScheme scheme, GError **error);

/* ROI keyframes, kept sorted by frame (one per frame). */
guint cs_case_get_n_roi_keyframes(CsCase *self);
const CsRoiKeyframe *cs_case_get_roi_keyframe(CsCase *self, guint index);
/* Adds a keyframe, replacing the one at the same frame if any; refuses a keyframe in another
 * unit (mm or px) than the case's others. */
gboolean cs_case_set_roi_keyframe(CsCase *self, const CsRoiKeyframe *keyframe, GError **error);
/* Removes the keyframe at @frame; returns FALSE when there is none. */
gboolean cs_case_remove_roi_keyframe(CsCase *self, gint64 frame);
/* Removes every keyframe. */
void cs_case_clear_roi_keyframes(CsCase *self);
/* Returns the keyframes as a media ROI track (for cropping and interpolation), or NULL when
 * there are none; free it with cs_roi_track_free(). */
CsRoiTrack *cs_case_dup_roi_track(CsCase *self);
/* Returns the SHA-256 (hex) of the ROI keyframes and spacing, for result staleness; free it. */
char *cs_case_dup_roi_hash(CsCase *self);

/* CSA tracings, in the order added. */
guint cs_case_get_n_tracings(CsCase *self);
const CsTracing *cs_case_get_tracing(CsCase *self, guint index);
/* Appends a validated copy of @tracing; returns its index, or -1 with @error set. */
int cs_case_add_tracing(CsCase *self, const CsTracing *tracing, GError **error);
/* Replaces tracing @index with a validated copy of @tracing. */
gboolean cs_case_replace_tracing(CsCase *self, guint index, const CsTracing *tracing,
                                 GError **error);
/* Removes tracing @index. */
void cs_case_remove_tracing(CsCase *self, guint index);
/* Measures tracing @index (area, perimeter, flattening) with the case's spacing; the mm fields
 * are NaN when the spacing is unknown. */
gboolean cs_case_measure_tracing(CsCase *self, guint index, CsPolygonMeasures *out);

/* Cached model results, one per model_sha256. */
guint cs_case_get_n_results(CsCase *self);
const CsModelResult *cs_case_get_result(CsCase *self, guint index);
/* Returns the result of the model with this SHA-256, or NULL. */
const CsModelResult *cs_case_find_result(CsCase *self, const char *model_sha256);
/* Stores a validated copy of @result, replacing one of the same model_sha256. */
gboolean cs_case_set_result(CsCase *self, const CsModelResult *result, GError **error);
/* Removes every cached result. */
void cs_case_clear_results(CsCase *self);
/* Returns TRUE when @result no longer matches the case's ROI (its roi_hash differs) or, when
 * @model_sha256 is not NULL, was computed by another model. */
gboolean cs_case_result_is_stale(CsCase *self, const CsModelResult *result,
                                 const char *model_sha256);

/* Returns TRUE when every field of @a equals @b's (used by the round-trip tests). */
gboolean cs_case_equal(CsCase *a, CsCase *b);

G_END_DECLS
