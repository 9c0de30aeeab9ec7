/* cs-analyse-all.h — Analyse All: every case of a study that needs it, through one model, in one
 * worker; a case that fails is reported and skipped, never stops the rest
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The job is made on the main thread from the study (copies of what the analysis reads of each
 * case and its sweep's path), run in a worker, and hands each case's result back as it comes so
 * the caller can store it and save the study: a crash loses at most the case in progress.
 *
 *   job = cs_analyse_all_new(study, model_id, model_sha256, threshold);
 *   // in the worker:
 *   n = cs_analyse_all_run(job, case_done_cb, progress_cb, data, cancellable, &error);
 */
#pragma once

#include "cs-analysis.h"
#include "cs-study.h"

G_BEGIN_DECLS

/* TRUE when @c has no result of the model @model_sha256 or one made for another ROI (stale). */
gboolean cs_case_needs_analysis(CsCase *c, const char *model_sha256);

typedef struct _CsAnalyseAll CsAnalyseAll;

/* Prepares the job for the cases of @study that need the analysis of the model @model_id (its
 * SHA-256 @model_sha256; NULL takes every case), in the study's order. Call on the thread that
 * owns @study. */
CsAnalyseAll *cs_analyse_all_new(CsStudy *study, const char *model_id, const char *model_sha256,
                                 double threshold);
void cs_analyse_all_free(CsAnalyseAll *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsAnalyseAll, cs_analyse_all_free)

/* The number of cases the job analyses, and the id of case @index. */
guint cs_analyse_all_get_n_cases(CsAnalyseAll *job);
const char *cs_analyse_all_get_case_id(CsAnalyseAll *job, guint index);

/* After each case, from the worker: its result and how many of its frames could not be decoded
 * and were left out of it, or NULL and why (the case is skipped). */
typedef void (*CsAnalyseAllCaseFunc)(guint index, const char *case_id, const CsModelResult *result,
                                     int n_left_out, const GError *error, gpointer user_data);
/* Progress, from the worker: case @index of @n_cases, @done of @total frames in it. */
typedef void (*CsAnalyseAllProgressFunc)(guint index, guint n_cases, const char *case_id, int done,
                                         int total, gpointer user_data);

/* Runs the job on the calling thread: loads the model once, then opens each case's sweep and
 * analyses it, calling @case_done after each. A case whose sweep is missing or cannot be read, or
 * that has no ROI, is reported to @case_done and skipped. Returns the number of cases analysed,
 * or -1 with @error when the model cannot be loaded or @cancellable was cancelled. */
int cs_analyse_all_run(CsAnalyseAll *job, CsAnalyseAllCaseFunc case_done,
                       CsAnalyseAllProgressFunc progress, gpointer user_data,
                       GCancellable *cancellable, GError **error);

G_END_DECLS
