/* cs-analysis.h — a sweep through the network: ROI crops of every frame to p(CTS) per frame
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One path from a case to its answer, used by the GUI's Analyse, `classify` on a sweep and
 * `evaluate --study`: open a reader of the sweep, take each frame's ROI from the case's
 * keyframes, crop and resample it to the network input, and classify the crops in batches.
 *
 *   g_autoptr(CsModel) model = cs_model_load("mobilenet_v2-phantom", &error);
 *   CsModelResult *result = cs_analyse_case(sweep, c, model, 0.5, NULL, NULL, NULL, &error);
 */
#pragma once

#include <gio/gio.h>

#include "cs-case.h"
#include "cs-scores.h"
#include "cs-study.h"
#include "cs-sweep.h"
#include "csnn-net.h"

G_BEGIN_DECLS

/* A loaded network with its id, file and hash; used by one thread at a time. */
typedef struct _CsModel CsModel;

/* Loads a model by id or path through the default model catalogue (cs-model-catalog.h);
 * errors in CS_ERROR. */
CsModel *cs_model_load(const char *id_or_path, GError **error);
/* The same, with the architecture @arch (NULL = the one the weights name) for weights whose
 * metadata names none. */
CsModel *cs_model_load_arch(const char *id_or_path, const char *arch, GError **error);
/* Loads the weights file @path itself, with no search; @arch as above. */
CsModel *cs_model_new_for_file(const char *path, const char *arch, GError **error);
/* Frees @model; NULL is allowed. */
void cs_model_free(CsModel *model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsModel, cs_model_free)

/* The model's id (file stem), file path, SHA-256 and network. */
const char *cs_model_get_id(CsModel *model);
const char *cs_model_get_path(CsModel *model);
const char *cs_model_get_sha256(CsModel *model);
csnn_net *cs_model_get_net(CsModel *model);
/* What it was trained on ("trained_on" metadata; NULL when not said) and its architecture. */
const char *cs_model_get_trained_on(CsModel *model);
const char *cs_model_get_arch(CsModel *model);
/* TRUE when the weights say they were trained on synthetic phantoms. */
gboolean cs_model_is_phantom_trained(CsModel *model);
/* The side of the square gray crop the network takes, in pixels. */
int cs_model_get_input_size(CsModel *model);
/* The number of classes, the index of the CTS class and the name of class @index. */
int cs_model_get_n_classes(CsModel *model);
int cs_model_get_cts_index(CsModel *model);
const char *cs_model_get_class_name(CsModel *model, int index);
/* Finds a class by name or by index written as a number ("cts", "1"); NULL = the CTS class.
 * FALSE with @error when the model has no such class. */
gboolean cs_model_find_class(CsModel *model, const char *name_or_index, int *index, GError **error);
/* A metadata value of the weights (e.g. "provenance"); NULL when absent. */
const char *cs_model_get_metadata(CsModel *model, const char *key);

/* The architectures a model can have (torchvision's names), NULL-terminated. */
const char *const *cs_model_arch_names(void);

/* One gray image region to classify: any size; the engine resamples it to the network input. */
typedef struct {
  const guint8 *pixels;
  int width;
  int height;
  gsize stride;
} CsCrop;

/* Classifies @n crops in one call: p(CTS) of each into @p_cts and, when @logits is not NULL, the
 * logits (n x cs_model_get_n_classes()) into it. Cancellable between batches. */
gboolean cs_model_classify(CsModel *model, const CsCrop *crops, int n, float *logits, float *p_cts,
                           GCancellable *cancellable, GError **error);

/* Returns a new case holding what the analysis reads of @c (id, spacing, ROI keyframes), for a
 * worker thread to use while the GUI goes on editing @c. */
CsCase *cs_analysis_dup_case(CsCase *c);

/* Called after each batch with frames done and the total; from the thread doing the work. */
typedef void (*CsAnalysisProgressFunc)(int done, int total, gpointer user_data);

/* The ROI crop of @frame for @c, resampled to @size x @size into @out (size * size bytes).
 * Sets *@padded when part of the ROI fell outside the frame. FALSE with @error when the case has
 * no ROI or it cannot be placed (e.g. in mm without a known spacing). */
gboolean cs_analysis_crop(CsCase *c, const CsFrame *frame, int size, guint8 *out, gboolean *padded,
                          GError **error);

/* Classifies frames @first..@last (inclusive; -1, -1 for all) of @sweep with the ROI of @c and
 * returns the result (hand-level p = mean of the frames), tagged with the model and the ROI
 * hash. Decodes through its own reader of @sweep. A frame that cannot be decoded is left out of
 * the result's frames (so its p is missing, and result->n_frames says how many were analysed);
 * only when none can be decoded does it fail. Cancellable between batches. */
CsModelResult *cs_analyse_case(CsSweep *sweep, CsCase *c, CsModel *model, double threshold,
                               int first, int last, CsAnalysisProgressFunc progress,
                               gpointer progress_data, GCancellable *cancellable, GError **error);

/* Scores every frame of the study's labelled hands (the test split, or every hand when @all)
 * with each model, for the statistics layer: one row per hand, frame and model, with the hand's
 * inlet CSA in mm^2 (cs-inlet-csa.h) when it has one. A cached result of the same model and ROI
 * is used as it is; other hands are analysed. @progress counts hands. */
CsScores *cs_study_score(CsStudy *study, const char *const *model_ids, gboolean all,
                         CsAnalysisProgressFunc progress, gpointer progress_data,
                         GCancellable *cancellable, GError **error);

G_END_DECLS
