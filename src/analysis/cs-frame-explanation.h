/* cs-frame-explanation.h — one call to explain a frame: its crop, p(CTS), occlusion, LIME, Grad-CAM
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's explanation panel, `carpalscope-cli explain`, `carpalscope-cli report` and the
 * window's case-report export all explain a frame through this file, so the same parameters give
 * the same maps everywhere. The result is one immutable, reference-counted object that holds the
 * network input crop, p(CTS), the maps with their resolved parameters, the LIME surrogate's R^2
 * and, for repeated LIME runs, the stability (SD) map. A report draws such an object; it never
 * computes one.
 *
 *   CsExplainOptions options;
 *   cs_explain_options_init(&options);
 *   options.lime.seed = 7;
 *   g_autoptr(CsFrameExplanation) e =
 *       cs_explain_case_frame(model, sweep, c, 12, &options, NULL, NULL, NULL, &error);
 *   // e->p_cts, e->occlusion->map, e->lime->r2, e->lime->sd_map (repeats > 1), e->gradcam->map
 */
#pragma once

#include <gio/gio.h>

#include "cs-analysis.h"
#include "cs-explain-net.h"
#include "cs-explain.h"
#include "cs-progress-relay.h"
#include "cs-roi.h"
#include "cs-spacing.h"
#include "cs-sweep.h"

G_BEGIN_DECLS

/* The methods to run, as a bit set. */
typedef enum {
  CS_EXPLAIN_WANT_OCCLUSION = 1 << CS_EXPLAIN_OCCLUSION,
  CS_EXPLAIN_WANT_LIME = 1 << CS_EXPLAIN_LIME,
  CS_EXPLAIN_WANT_GRADCAM = 1 << CS_EXPLAIN_GRADCAM,
  CS_EXPLAIN_WANT_ALL = CS_EXPLAIN_WANT_OCCLUSION | CS_EXPLAIN_WANT_LIME | CS_EXPLAIN_WANT_GRADCAM
} CsExplainWant;

/* How a frame is explained. Plain data: copy it freely. */
typedef struct {
  guint methods;                    /* CsExplainWant bits; default CS_EXPLAIN_WANT_ALL. */
  int class_index;                  /* The class explained; -1 (default) = the CTS class. */
  CsExplainScoreKind score;         /* Occlusion's and LIME's score; default probability. */
  CsExplainScoreKind gradcam_score; /* Grad-CAM's; default the logit, as in its paper. */
  CsOcclusionParams occlusion;      /* mask_px / stride_px 0: see the fractions below. */
  double mask_fraction;             /* Mask side as a fraction of the network input side, used when
                                     * occlusion.mask_px is 0 (each model has its own input size); 0 = the
                                     * explain layer's default (a fifth of the side). */
  double stride_fraction;           /* Likewise for the stride; 0 = its default (a tenth). */
  CsLimeParams lime;                /* LIME's parameters (seed 0 and one run by default). */
  int batch_size;                   /* Perturbed images per engine call; default 32. */
} CsExplainOptions;

/* Fills @options with the defaults. */
void cs_explain_options_init(CsExplainOptions *options);

/* One frame explained by one model. Immutable once made; reference-counted. */
typedef struct {
  /* The model, as identified in reports. */
  char *model_id;
  char *model_path;
  char *model_sha256;
  char *model_arch;
  char *trained_on;         /* "trained_on" metadata; NULL when the weights say nothing. */
  char *provenance;         /* "provenance" metadata; NULL when absent. */
  gboolean phantom_trained; /* The weights say they were trained on synthetic phantoms. */
  int class_index;
  char *class_name;

  /* The input. */
  int frame;        /* Frame index in the sweep; 0 for a still image. */
  CsRoiRect roi;    /* In frame pixels. */
  gboolean padded;  /* Part of the ROI fell outside the frame (black in the crop). */
  double mm_per_px; /* Of the crop (ROI width in mm over the input side); <= 0 when unknown. */
  int size;         /* Side of the network input crop. */
  guint8 *crop;     /* size x size gray, what the network saw. */

  /* The answers. */
  double p_cts;             /* Softmax probability of the CTS class for the crop. */
  CsExplanation *occlusion; /* NULL when not asked for. */
  CsExplanation *lime;      /* NULL when not asked for; sd_map is the stability map. */
  CsExplanation *gradcam;   /* NULL when not asked for. */
  CsExplainOptions options; /* As asked (the maps hold the resolved sizes and seeds). */
} CsFrameExplanation;

GType cs_frame_explanation_get_type(void) G_GNUC_CONST;
#define CS_TYPE_FRAME_EXPLANATION (cs_frame_explanation_get_type())

/* Takes a reference; NULL is allowed. */
CsFrameExplanation *cs_frame_explanation_ref(CsFrameExplanation *explanation);
/* Drops a reference; NULL is allowed. */
void cs_frame_explanation_unref(CsFrameExplanation *explanation);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsFrameExplanation, cs_frame_explanation_unref)

/* Progress of one explanation from 0 to 1 with the method running ("occlusion", "LIME",
 * "Grad-CAM"); called from the thread doing the work. */
typedef void (*CsExplainFrameProgressFunc)(double fraction, const char *step, gpointer user_data);

/* Explains the @size x @size gray @crop (already at @model's input size) with @options
 * (NULL = defaults). The input fields of the result (frame, roi, mm_per_px, padded) are left 0;
 * cs_explain_frame() fills them. Cancellable between batches. */
CsFrameExplanation *cs_explain_crop(CsModel *model, const guint8 *crop, int size,
                                    const CsExplainOptions *options,
                                    CsExplainFrameProgressFunc progress, gpointer progress_data,
                                    GCancellable *cancellable, GError **error);

/* Explains the region @roi (frame pixels) of @frame: crops it to the model's input size and
 * calls cs_explain_crop(). @spacing (NULL = unknown) gives the crop's mm per pixel. */
CsFrameExplanation *cs_explain_frame(CsModel *model, const CsFrame *frame, const CsRoiRect *roi,
                                     const CsSpacing *spacing, const CsExplainOptions *options,
                                     CsExplainFrameProgressFunc progress, gpointer progress_data,
                                     GCancellable *cancellable, GError **error);

/* Explains frame @frame_index of @sweep in the ROI that case @c has there (read through a reader
 * of its own, so any thread may call it). Fails when the case has no ROI or it cannot be placed. */
CsFrameExplanation *cs_explain_case_frame(CsModel *model, CsSweep *sweep, CsCase *c,
                                          int frame_index, const CsExplainOptions *options,
                                          CsExplainFrameProgressFunc progress,
                                          gpointer progress_data, GCancellable *cancellable,
                                          GError **error);

/* Runs cs_explain_case_frame() in a worker for each model of @model_ids (NULL-terminated, ids or
 * paths, loaded in the worker), on a copy of what it reads of @c taken now. The worker posts the
 * fraction over all models and the step to @relay (may be NULL; the caller closes it when
 * @callback runs). */
void cs_explain_case_frame_async(CsSweep *sweep, CsCase *c, int frame_index,
                                 const char *const *model_ids, const CsExplainOptions *options,
                                 CsProgressRelay *relay, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);

/* Finishes cs_explain_case_frame_async(): an array of CsFrameExplanation, one per model in the
 * order asked (free it with g_ptr_array_unref()). */
GPtrArray *cs_explain_case_frame_finish(GAsyncResult *result, GError **error);

/* Explains the frame a case report of @c shows for @model: the one cs_explain_pick_frame()
 * chooses from the case's cached result of @model and the sweep's length. */
CsFrameExplanation *cs_explain_case_report_frame(CsModel *model, CsStudy *study, CsCase *c,
                                                 const CsExplainOptions *options,
                                                 CsExplainFrameProgressFunc progress,
                                                 gpointer progress_data, GCancellable *cancellable,
                                                 GError **error);

/* The frame a case report shows: the analysed frame with the highest p(CTS) of @result, else the
 * middle of @n_frames. Sets @reason (free it) to a sentence saying why. */
int cs_explain_pick_frame(const CsModelResult *result, int n_frames, char **reason);

G_END_DECLS
