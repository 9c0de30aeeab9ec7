/* cs-report-private.h — what the report files share: the gathered data and the page layout
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include "cs-model-info.h"
#include "cs-polygon.h"
#include "cs-report.h"
#include "cs-roi.h"
#include "cs-sweep.h"

G_BEGIN_DECLS

/* One frame image kept for drawing (gray, packed). */
typedef struct {
  int index;
  int width;
  int height;
  guint8 *gray;
} CsReportFrame;

/* A tracing with what the study layer measured of it. */
typedef struct {
  CsTracing *tracing;
  gboolean measured;
  CsPolygonMeasures measures;
  CsSpacing spacing;    /* Its own spacing (cs_case_get_tracing_spacing()): a DICOM region's, ... */
  char *no_mm_reason;   /* Why it has no mm when a DICOM file says why; NULL otherwise. */
  CsReportFrame *frame; /* The frame it was traced on, or NULL when it could not be read. */
} CsReportTracing;

/* The identity of a model as its weights describe it. */
typedef struct {
  char *id;
  char *arch;
  char *sha256;
  char *trained_on;
  char *provenance;
  gboolean phantom;
  gboolean loaded; /* FALSE when only the cached result names it. */
} CsReportModel;

struct _CsCaseReport {
  CsReportOptions options;
  char *date;
  char *study_label;
  char *case_id;
  char *display_id;
  char *patient; /* The DICOM patient's name, ID and birth date when the study names patients. */
  CsHand hand;
  CsGroup group;
  CsSplit split;
  CsSpacing spacing;
  char *sweep_path;
  int n_frames; /* 0 when the sweep could not be opened. */
  CsModelResult *result;
  gboolean result_stale;
  CsReportModel model; /* id NULL when there is no model at all. */
  /* The representative frame with its ROI. */
  CsReportFrame *frame;
  char *frame_reason;
  gboolean has_roi;
  CsRoiRect roi;
  gboolean roi_padded;
  /* Tracings. */
  GPtrArray *tracings; /* CsReportTracing */
  /* Nerve conduction. */
  CsNerveConduction ncs;
  int stage;
  CsGradingScheme scheme;
  CsStageSource stage_source;
  /* Explanation panels of the representative frame's crop: borrowed from @explanation. */
  CsFrameExplanation *explanation;
  int crop_size;
  guint8 *crop;
  double crop_p_cts;
  double crop_mm_per_px;
  CsExplanation *occlusion;
  CsExplanation *lime;
  CsExplanation *gradcam;
  /* What is missing, as sentences. */
  GPtrArray *missing;
};

struct _CsStudyReport {
  CsReportOptions options;
  char *date;
  char *study_label;
  CsSplit split;
  CsEvaluation *evaluation;
  guint n_models;
  CsReportModel *models;
  char **model_keys; /* The model names the evaluation uses, one per model. */
  GPtrArray *hands;  /* CsStudyReportHand */
  GPtrArray *missing;
};

/* Who a DICOM sweep is of: each field as the file records it (cs-dicom.h), NULL when it does not.
 */
typedef struct {
  char *name;
  char *id;
  char *birth_date;
} CsReportPatient;

/* Returns who @sweep's DICOM file is of, only when @study is set to name patients in its reports
 * (the user's choice); NULL otherwise and for a sweep that is not DICOM. */
CsReportPatient *cs_report_patient_new(CsStudy *study, CsSweep *sweep);
void cs_report_patient_free(CsReportPatient *patient);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsReportPatient, cs_report_patient_free)
/* Returns @patient in one line, "Yamada, Hanako · ID 123 · born 1961-02-03", with "not recorded"
 * for what the file leaves out. */
char *cs_report_patient_dup_text(const CsReportPatient *patient);

/* One hand of the study report. */
typedef struct {
  char *display_id;
  CsGroup group;
  CsSplit split;
  int stage;
  CsGradingScheme scheme;
  double csa_mm2;       /* The inlet CSA (cs-inlet-csa.h); NaN when unknown. */
  double csa_px2;       /* NaN when there is no inlet tracing. */
  guint csa_n_tracings; /* Inlet tracings averaged. */
  char *csa_rater;      /* Their rater; NULL when not recorded or none. */
  char *csa_spacing;    /* Where csa_mm2's mm come from (cs_spacing_dup_label()); NULL without. */
  CsReportPatient *patient; /* Who the DICOM sweep is of when the study names patients; or NULL. */
  double *p_hand;           /* One per model; NaN without a result. */
  guint *n_frames;
} CsStudyReportHand;

/* The date of today (UTC) as YYYY-MM-DD, or @fixed when set; free it. */
char *cs_report_dup_date(const char *fixed);

/* Fills @model from what a model's file says of itself. */
void cs_report_model_from_info(CsReportModel *model, CsModelInfo *info);
/* Reads the metadata of the model @id_or_path (an installed id or a file) without loading the
 * network; NULL with @error when it cannot be found or read. */
CsModelInfo *cs_report_model_info_new(const char *id_or_path, GError **error);
/* Frees the strings of @model. */
void cs_report_model_clear(CsReportModel *model);

/* Frees a frame; NULL is allowed. */
void cs_report_frame_free(CsReportFrame *frame);

/* ---- Page layout ---- */

/* A document being laid out: pages of one size, a running y, page numbers in the footer. Laid
 * out twice: once to count the pages, once to draw them with "page N of M". */
typedef struct {
  cairo_surface_t *surface;
  cairo_t *cr;
  double page_w;
  double page_h;
  double margin;
  double top;    /* First y of the body. */
  double bottom; /* Last y of the body. */
  double y;
  int page;
  int n_pages; /* Known in the second pass, else 0. */
  const char *footer_left;
  const char *running_title;
} CsReportDoc;

/* Page sizes in points. */
void cs_report_paper_size(CsReportPaper paper, double *width, double *height);

/* Starts a document on @surface (a PDF surface); draws nothing yet. */
void cs_report_doc_init(CsReportDoc *doc, cairo_surface_t *surface, CsReportPaper paper,
                        const char *running_title, const char *footer_left, int n_pages);
/* Finishes the current page (footer, page number) and starts a new one. */
void cs_report_doc_new_page(CsReportDoc *doc);
/* Starts a new page when less than @height is left on this one. */
void cs_report_doc_need(CsReportDoc *doc, double height);
/* Finishes the last page. */
void cs_report_doc_finish(CsReportDoc *doc);
/* The body's width. */
double cs_report_doc_width(const CsReportDoc *doc);

/* Returns a layout of @markup in the report font at @size pt, wrapped to @width (<= 0: no wrap). */
PangoLayout *cs_report_layout(cairo_t *cr, const char *markup, double size, double width);
/* Draws @markup at (@x, @y) wrapped to @width; returns its height. */
double cs_report_text(cairo_t *cr, double x, double y, double width, double size,
                      const char *markup);
/* Draws @markup right-aligned to @right at @y; returns its height. */
double cs_report_text_right(cairo_t *cr, double right, double y, double size, const char *markup);
/* The height @markup would take. */
double cs_report_text_height(cairo_t *cr, double width, double size, const char *markup);
/* Draws @markup at the running y and advances it, breaking the page when needed. */
void cs_report_doc_paragraph(CsReportDoc *doc, double size, const char *markup);
/* Draws a section heading with a rule, keeping @keep points of what follows on its page. */
void cs_report_doc_heading(CsReportDoc *doc, const char *title, double keep);
/* Draws the section on the nerve finder against the manual tracings (cs-report-agreement.c). */
void cs_report_draw_csa_agreement(CsReportDoc *doc, const CsNerveAgreement *agreement);

/* Draws a gray image scaled into the @width x @height box at (@x, @y). */
void cs_report_draw_gray(cairo_t *cr, const guint8 *gray, int w, int h, double x, double y,
                         double width, double height);
/* Draws an RGBA image (cs-colormap's layout) scaled into the box. */
void cs_report_draw_rgba(cairo_t *cr, const guint8 *rgba, int w, int h, double x, double y,
                         double width, double height);

/* A simple table: @n_cols column titles, rows of cells (markup), column widths as fractions. */
void cs_report_doc_table(CsReportDoc *doc, int n_cols, const char *const *titles,
                         const double *fractions, GPtrArray *rows, double size);

/* Renders @draw twice (counting, then numbering pages) into a PDF in memory and writes it to
 * @path atomically, with @title as its metadata. */
typedef void (*CsReportDrawFunc)(CsReportDoc *doc, gconstpointer data);
gboolean cs_report_write_pdf(CsReportPaper paper, const char *title, const char *running_title,
                             const char *footer_left, CsReportDrawFunc draw, gconstpointer data,
                             const char *path, GError **error);

/* Formats a number with @digits decimals, or an en dash for NaN; free it. */
char *cs_report_format_number(double value, int digits);

G_END_DECLS
