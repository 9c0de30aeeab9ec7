/* cs-report.h — case and study reports: PDF and PNG with cairo and Pango, CSV and JSON
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A report draws what the core computed and stored; it computes nothing of its own beyond
 * layout and never runs a network. Building a case report gathers the case's stored data
 * (labels, cached model result, tracings measured by the study layer, nerve conduction and
 * stage), the model's identity from its file, and the explanation panels from a
 * CsFrameExplanation the caller made with the analysis layer (the one on screen, when exported
 * from the window); writing it only lays that out. A study report runs the stats layer's
 * evaluation over the cached results.
 *
 *   g_autoptr(CsFrameExplanation) x = cs_explain_case_report_frame(model, study, c, &explain,
 *                                                                  NULL, NULL, NULL, &error);
 *   CsReportOptions options;
 *   cs_report_options_init(&options);
 *   options.paper = CS_REPORT_PAPER_LETTER;
 *   if (!cs_report_write_case(study, c, "mobilenet_v2-phantom", x, &options, "case.pdf", NULL,
 *                             NULL, NULL, &error))
 *     g_printerr("%s\n", error->message);
 *
 * Whatever is missing (no analysis yet, no tracing, no spacing, no nerve conduction, a model that
 * is not installed) is said in the report instead of failing it.
 */
#pragma once

#include <gio/gio.h>

#include "cs-colormap.h"
#include "cs-evaluation.h"
#include "cs-frame-explanation.h"
#include "cs-nerve-agreement.h"
#include "cs-study.h"

G_BEGIN_DECLS

/* The paper sizes of a PDF report. */
typedef enum { CS_REPORT_PAPER_A4 = 0, CS_REPORT_PAPER_LETTER } CsReportPaper;

/* The file formats of a study report (a case report is PDF, its panels PNG). */
typedef enum {
  CS_REPORT_FORMAT_PDF = 0,
  CS_REPORT_FORMAT_CSV,
  CS_REPORT_FORMAT_JSON
} CsReportFormat;

/* The font families reports ask for by name: Latin text and the CJK fallback. The report's own
 * strings keep to glyphs Noto Sans has, so only names and notes in CJK reach the fallback. */
#define CS_REPORT_FONT_FAMILY "Noto Sans, Noto Sans CJK JP"

/* The research-use statement every report carries. */
#define CS_REPORT_RESEARCH_USE                                                               \
  "Carpalscope is for research and teaching, not a medical device. Its results must not be " \
  "used to diagnose or treat a patient."

/* How a report is made. */
typedef struct {
  CsReportPaper paper; /* Default A4. */
  gboolean real_id;    /* Show case ids as they are; default FALSE: pseudonyms. */
  gboolean explain;    /* Show the explanation panels (from the explanation given); TRUE. */
  gboolean gradcam;    /* Add a Grad-CAM panel to occlusion and LIME; TRUE. */
  CsColormap colormap; /* Of the heat maps; default diverging. */
  double opacity;      /* Of the heat-map overlay, 0 to 1; default 0.6. */
  const char *date;    /* The date printed (YYYY-MM-DD); NULL = today (UTC). */
  /* The study report's section on the nerve finder against the manual tracings (computed by the
   * caller, cs_nerve_agreement_compute(); borrowed until the report is written; the _async
   * functions leave it out); NULL: none. */
  const CsNerveAgreement *csa_agreement;
} CsReportOptions;

/* Reports progress from 0 to 1 with a short description of the step. */
typedef void (*CsReportProgressFunc)(double fraction, const char *step, gpointer user_data);

/* Fills @options with the defaults. */
void cs_report_options_init(CsReportOptions *options);

/* Parses "a4" or "letter" (any case). */
gboolean cs_report_paper_from_string(const char *text, CsReportPaper *paper);

/* Parses "pdf", "csv" or "json". */
gboolean cs_report_format_from_string(const char *text, CsReportFormat *format);

/* Returns the stable pseudonym of a case id ("P-" and ten hex digits of its SHA-256); free it.
 * A pseudonym hides the id on paper; it is not anonymisation. */
char *cs_report_dup_pseudonym(const char *case_id);

/* ---- Case report ---- */

/* Everything one case report shows, gathered and computed; immutable once built. */
typedef struct _CsCaseReport CsCaseReport;

/* Gathers the report of @c in @study for @model (an installed id or a path; NULL = the model of
 * @explanation, else of the case's first cached result). With options->explain the panels are
 * those of @explanation (a reference is taken; NULL: the report says there are none), and the
 * frame shown is the one it explains; without one the frame is cs_explain_pick_frame()'s. Fails
 * only on a bad argument, an I/O error or cancellation; missing data becomes a note in the
 * report. Runs in any thread (not while @study changes). */
CsCaseReport *cs_case_report_build(CsStudy *study, CsCase *c, const char *model,
                                   CsFrameExplanation *explanation, const CsReportOptions *options,
                                   GCancellable *cancellable, CsReportProgressFunc progress,
                                   gpointer progress_data, GError **error);

/* Frees @report; NULL is allowed. */
void cs_case_report_free(CsCaseReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsCaseReport, cs_case_report_free)

/* The id printed on the report: the pseudonym, or the case id with options->real_id. */
const char *cs_case_report_get_display_id(const CsCaseReport *report);

/* The notes of what is missing, one sentence each, NULL-terminated (empty when nothing is). */
const char *const *cs_case_report_get_missing(const CsCaseReport *report);

/* TRUE when the report holds explanation panels. */
gboolean cs_case_report_has_panels(const CsCaseReport *report);

/* Writes the report as a PDF on the paper of its options, atomically. */
gboolean cs_case_report_write_pdf(const CsCaseReport *report, const char *path, GError **error);

/* Writes the explanation panels side by side with their colour bars and parameters as a PNG
 * @width_px wide (for slides), atomically; fails when the report holds no panels. */
gboolean cs_case_report_write_panels_png(const CsCaseReport *report, const char *path, int width_px,
                                         GError **error);

/* Builds the case report and writes it as a PDF to @path (the CLI's and the worker's path). */
gboolean cs_report_write_case(CsStudy *study, CsCase *c, const char *model,
                              CsFrameExplanation *explanation, const CsReportOptions *options,
                              const char *path, GCancellable *cancellable,
                              CsReportProgressFunc progress, gpointer progress_data,
                              GError **error);

/* Runs cs_report_write_case() in a worker thread on a copy of the study taken now, so the GUI
 * may go on editing. @progress (may be NULL) is called on the caller's thread-default main
 * context, coalesced; cancelling leaves no file behind. Strings in @options are copied. */
void cs_report_write_case_async(CsStudy *study, CsCase *c, const char *model,
                                CsFrameExplanation *explanation, const CsReportOptions *options,
                                const char *path, GCancellable *cancellable,
                                CsReportProgressFunc progress, gpointer progress_data,
                                GDestroyNotify progress_destroy, GAsyncReadyCallback callback,
                                gpointer user_data);

/* Finishes cs_report_write_case_async(). */
gboolean cs_report_write_case_finish(GAsyncResult *result, GError **error);

/* ---- Study report ---- */

/* A study's evaluation with the per-hand data it came from. */
typedef struct _CsStudyReport CsStudyReport;

/* Gathers the cached results of @models (ids or SHA-256; NULL-terminated, at least one) for the
 * hands of @split (CS_SPLIT_UNASSIGNED = every hand with a group) and evaluates them with the
 * stats layer (@evaluate NULL: its defaults). CSA per hand is its inlet CSA (cs-inlet-csa.h),
 * in mm^2 where the spacing is known. Fails when no hand has a result of a model. */
CsStudyReport *cs_study_report_build(CsStudy *study, const char *const *models, CsSplit split,
                                     const CsEvaluateOptions *evaluate,
                                     const CsReportOptions *options, GCancellable *cancellable,
                                     GError **error);

/* Frees @report; NULL is allowed. */
void cs_study_report_free(CsStudyReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsStudyReport, cs_study_report_free)

/* The evaluation (owned by @report). */
const CsEvaluation *cs_study_report_get_evaluation(const CsStudyReport *report);

/* Writes the study report in @format to @path, atomically. PDF: Table 1, ROC figures, CSA by
 * group, DeLong's tests and the hand-level table. CSV: the hand-level table at @path, Table 1 at
 * <stem>-table1.csv and the ROC points at <stem>-roc.csv beside it. JSON: one document. */
gboolean cs_study_report_write(const CsStudyReport *report, CsReportFormat format, const char *path,
                               GError **error);

/* Builds the study report and writes it in @format to @path (cs_study_report_build() then
 * cs_study_report_write()). */
gboolean cs_report_write_study(CsStudy *study, const char *const *models, CsSplit split,
                               const CsEvaluateOptions *evaluate, const CsReportOptions *options,
                               CsReportFormat format, const char *path, GCancellable *cancellable,
                               GError **error);

/* Runs cs_report_write_study() in a worker thread on a copy of the study taken now. */
void cs_report_write_study_async(CsStudy *study, const char *const *models, CsSplit split,
                                 const CsEvaluateOptions *evaluate, const CsReportOptions *options,
                                 CsReportFormat format, const char *path, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);

/* Finishes cs_report_write_study_async(). */
gboolean cs_report_write_study_finish(GAsyncResult *result, GError **error);

G_END_DECLS
