/* cs-study-report.c — the study report: Table 1, ROC, CSA by group and the hands; PDF, CSV, JSON
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "cs-case-spacing.h"
#include "cs-dicom.h"
#include "cs-distribution.h"
#include "cs-error.h"
#include "cs-inlet-csa.h"
#include "cs-reference.h"
#include "cs-report-private.h"
#include "cs-roc-figure.h"

static void
hand_free(gpointer data)
{
  CsStudyReportHand *h = data;

  g_free(h->display_id);
  g_free(h->csa_rater);
  g_free(h->csa_spacing);
  cs_report_patient_free(h->patient);
  g_free(h->p_hand);
  g_free(h->n_frames);
  g_free(h);
}

void
cs_study_report_free(CsStudyReport *report)
{
  if (report == NULL)
    return;
  g_free(report->date);
  g_free(report->study_label);
  g_clear_pointer(&report->evaluation, cs_evaluation_free);
  for (guint m = 0; m < report->n_models; m++)
    cs_report_model_clear(&report->models[m]);
  g_free(report->models);
  g_strfreev(report->model_keys);
  g_clear_pointer(&report->hands, g_ptr_array_unref);
  g_clear_pointer(&report->missing, g_ptr_array_unref);
  g_free(report);
}

const CsEvaluation *
cs_study_report_get_evaluation(const CsStudyReport *report)
{
  g_return_val_if_fail(report != NULL, NULL);
  return report->evaluation;
}

static const char *
group_label(CsGroup group)
{
  return group == CS_GROUP_CTS ? "CTS" : group == CS_GROUP_CONTROL ? "control" : "–";
}

static const char *
split_label(CsSplit split)
{
  switch (split) {
    case CS_SPLIT_TRAIN:
      return "training";
    case CS_SPLIT_VALIDATION:
      return "validation";
    case CS_SPLIT_TEST:
      return "test";
    default:
      return "unassigned";
  }
}

/* The result of model @m for @c: by the weights' hash when they were loaded, else by the id or
 * hash the user gave. */
static const CsModelResult *
match_result(CsCase *c, const CsReportModel *model, const char *key)
{
  if (model->loaded)
    return cs_case_find_result(c, model->sha256);
  for (guint i = 0; i < cs_case_get_n_results(c); i++) {
    const CsModelResult *r = cs_case_get_result(c, i);

    if (g_strcmp0(r->model_id, key) == 0 || g_ascii_strcasecmp(r->model_sha256, key) == 0)
      return r;
  }
  return NULL;
}

/* @c's sweep, opened once when the report needs it: for the region check of a DICOM-calibrated
 * case's tracings, or for who a DICOM sweep is of when @study names patients in its reports. NULL
 * otherwise, or when it cannot be opened (a video is not opened: it has neither). */
static CsSweep *
open_hand_sweep(CsStudy *study, CsCase *c)
{
  g_autofree char *path = cs_study_dup_sweep_path(study, c);

  if (path == NULL || (!cs_case_dicom_spacing_needs_sweep(c) &&
                       !(cs_study_get_identity_in_reports(study) && cs_dicom_sniff(path))))
    return NULL;
  return cs_sweep_open(path, NULL);
}

/* Fills @hand's inlet CSA from @c by the study layer's rule; returns TRUE when inlet tracings
 * of other raters were left out. A DICOM-calibrated case whose tracings the region check does not
 * clear on @sweep (from open_hand_sweep()) keeps its px² only and counts in *@n_unsure. */
static gboolean
hand_csa(CsStudyReportHand *hand, CsCase *c, CsSweep *sweep, guint *n_unsure)
{
  g_auto(CsInletCsa) csa = { 0 };

  cs_inlet_csa_from_case(c, &csa);
  if (isfinite(csa.area_mm2) && cs_case_dicom_spacing_unsure_on(c, sweep)) {
    csa.area_mm2 = NAN;
    (*n_unsure)++;
  }
  hand->csa_mm2 = csa.area_mm2;
  hand->csa_px2 = csa.area_px2;
  hand->csa_n_tracings = csa.n_tracings;
  hand->csa_rater = g_steal_pointer(&csa.rater);
  if (isfinite(csa.area_mm2)) {
    CsSpacing spacing = cs_case_get_spacing(c);

    hand->csa_spacing = cs_spacing_dup_label(&spacing, FALSE);
  }
  return csa.n_left_out > 0;
}

/* The models' identities, read from their files (never run); a model that cannot be read is
 * named by its file's stem. */
static void
gather_models(CsStudyReport *report, const char *const *models)
{
  report->n_models = g_strv_length((char **)models);
  report->models = g_new0(CsReportModel, report->n_models);
  report->model_keys = g_new0(char *, report->n_models + 1);
  for (guint m = 0; m < report->n_models; m++) {
    g_autoptr(CsModelInfo) info = cs_report_model_info_new(models[m], NULL);

    if (info != NULL) {
      cs_report_model_from_info(&report->models[m], info);
    } else {
      g_autofree char *stem = g_path_get_basename(models[m]);

      if (g_str_has_suffix(stem, ".safetensors"))
        stem[strlen(stem) - strlen(".safetensors")] = '\0';
      report->models[m].id = g_strdup(stem);
    }
    report->model_keys[m] = g_strdup(report->models[m].id);
  }
}

/* A hand's row of @c without its CSA and results yet, for @n_models models. */
static CsStudyReportHand *
hand_new(CsCase *c, guint n_models, gboolean real_id)
{
  CsStudyReportHand *hand = g_new0(CsStudyReportHand, 1);

  hand->display_id =
      real_id ? g_strdup(cs_case_get_id(c)) : cs_report_dup_pseudonym(cs_case_get_id(c));
  hand->group = cs_case_get_group(c);
  hand->split = cs_case_get_split(c);
  hand->stage = cs_case_get_stage(c);
  hand->scheme = cs_case_get_stage_scheme(c);
  hand->p_hand = g_new(double, n_models);
  hand->n_frames = g_new0(guint, n_models);
  return hand;
}

/* The notes of what the evaluation leaves out, one sentence each. */
static void
add_notes(CsStudyReport *report, const guint *without_result, guint without_tracing,
          guint without_spacing, guint region_unsure, guint several_raters)
{
  for (guint m = 0; m < report->n_models; m++)
    if (without_result[m] > 0)
      g_ptr_array_add(report->missing,
                      g_strdup_printf("%u of %u hands have no cached result of the model “%s” "
                                      "and are left out of its evaluation.",
                                      without_result[m], report->hands->len,
                                      report->model_keys[m]));
  if (without_tracing > 0)
    g_ptr_array_add(report->missing,
                    g_strdup_printf("%u of %u hands have no inlet CSA in mm² (no inlet tracing).",
                                    without_tracing, report->hands->len));
  if (without_spacing > 0)
    g_ptr_array_add(report->missing,
                    g_strdup_printf("%u of %u hands have no inlet CSA in mm² (no pixel spacing: "
                                    "px² only, left out of the comparison).",
                                    without_spacing, report->hands->len));
  if (region_unsure > 0)
    g_ptr_array_add(report->missing,
                    g_strdup_printf("%u of %u hands have no inlet CSA in mm² because a tracing "
                                    "lies outside the DICOM Ultrasound Region its spacing comes "
                                    "from (or the DICOM sweep could not be opened to check): "
                                    "px² only, left out of the comparison.",
                                    region_unsure, report->hands->len));
  if (several_raters > 0)
    g_ptr_array_add(report->missing,
                    g_strdup_printf("%u of %u hands have inlet tracings by several raters; each "
                                    "hand's inlet CSA is the mean of one rater's, the rater with "
                                    "the most.",
                                    several_raters, report->hands->len));
}

CsStudyReport *
cs_study_report_build(CsStudy *study, const char *const *models, CsSplit split,
                      const CsEvaluateOptions *evaluate, const CsReportOptions *options,
                      GCancellable *cancellable, GError **error)
{
  g_autoptr(CsStudyReport) report = NULL;
  g_autoptr(CsScores) scores = NULL;
  CsReportOptions defaults;
  guint n_rows = 0, without_tracing = 0, without_spacing = 0, region_unsure = 0;
  guint several_raters = 0;
  g_autofree guint *without_result = NULL;
  const char *name;

  g_return_val_if_fail(CS_IS_STUDY(study), NULL);
  g_return_val_if_fail(models != NULL && models[0] != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  if (options == NULL) {
    cs_report_options_init(&defaults);
    options = &defaults;
  }
  report = g_new0(CsStudyReport, 1);
  report->options = *options;
  report->options.date = NULL;
  report->date = cs_report_dup_date(options->date);
  report->split = split;
  report->hands = g_ptr_array_new_with_free_func(hand_free);
  report->missing = g_ptr_array_new_with_free_func(g_free);
  name = cs_study_get_name(study);
  if (name != NULL && *name != '\0')
    report->study_label = g_strdup(name);
  else if (cs_study_get_dir(study) != NULL)
    report->study_label = g_path_get_basename(cs_study_get_dir(study));
  else
    report->study_label = g_strdup("unsaved study");

  gather_models(report, models);
  without_result = g_new0(guint, report->n_models);

  scores = cs_scores_new();
  for (guint i = 0; i < cs_study_get_n_cases(study); i++) {
    CsCase *c = cs_study_get_case(study, i);
    CsGroup group = cs_case_get_group(c);
    CsStudyReportHand *hand;
    CsSweep *sweep;
    guint unsure_before;

    if (group == CS_GROUP_UNKNOWN ||
        (split != CS_SPLIT_UNASSIGNED && cs_case_get_split(c) != split))
      continue;
    hand = hand_new(c, report->n_models, options->real_id);
    unsure_before = region_unsure;
    sweep = open_hand_sweep(study, c);
    if (hand_csa(hand, c, sweep, &region_unsure))
      several_raters++;
    hand->patient = sweep != NULL ? cs_report_patient_new(study, sweep) : NULL;
    g_clear_object(&sweep);
    if (hand->csa_n_tracings == 0)
      without_tracing++;
    else if (!isfinite(hand->csa_mm2) && region_unsure == unsure_before)
      without_spacing++;
    g_ptr_array_add(report->hands, hand);
    for (guint m = 0; m < report->n_models; m++) {
      const CsModelResult *r = match_result(c, &report->models[m], models[m]);

      hand->p_hand[m] = NAN;
      if (r == NULL) {
        without_result[m]++;
        continue;
      }
      if (report->models[m].sha256 == NULL)
        report->models[m].sha256 = g_strdup(r->model_sha256);
      hand->p_hand[m] = r->p_hand;
      hand->n_frames[m] = r->n_frames;
      for (guint f = 0; f < r->n_frames; f++) {
        if (!cs_scores_add(scores, hand->display_id, r->frames[f], group == CS_GROUP_CTS,
                           report->model_keys[m], r->p_cts[f], hand->csa_mm2, error))
          return NULL;
        n_rows++;
      }
    }
  }
  add_notes(report, without_result, without_tracing, without_spacing, region_unsure,
            several_raters);
  if (n_rows == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND,
                "no %s hand of the study has a cached result of %s: analyse the study first",
                split == CS_SPLIT_UNASSIGNED ? "labelled" : split_label(split),
                report->n_models == 1 ? report->model_keys[0] : "the models given");
    return NULL;
  }
  report->evaluation = cs_evaluate(scores, evaluate, cancellable, error);
  if (report->evaluation == NULL)
    return NULL;
  return g_steal_pointer(&report);
}

/* ---- PDF ---- */

static char *
estimate_cell(const CsEstimate *e, gboolean cluster)
{
  g_autofree char *v = cs_report_format_number(e->value, 3);

  if (!isfinite(e->ci[0]))
    return g_steal_pointer(&v);
  if (cluster && isfinite(e->ci_cluster[0]))
    return g_strdup_printf("%s\n<span size='smaller' foreground='#555555'>%.3f–%.3f\nby hand "
                           "%.3f–%.3f</span>",
                           v, e->ci[0], e->ci[1], e->ci_cluster[0], e->ci_cluster[1]);
  return g_strdup_printf("%s\n<span size='smaller' foreground='#555555'>%.3f–%.3f</span>", v,
                         e->ci[0], e->ci[1]);
}

static void
draw_table1(CsReportDoc *doc, const CsStudyReport *r, CsLevel level)
{
  const CsEvaluation *ev = r->evaluation;
  const char *titles[] = { "Model",  "n (CTS / control)", "TP FP TN FN", "Accuracy",    "Precision",
                           "Recall", "Specificity",       "F1",          "AUC (DeLong)" };
  const double fractions[] = { 0.16, 0.11, 0.10, 0.09, 0.09, 0.09, 0.10, 0.09, 0.17 };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  g_autofree char *heading =
      g_strdup_printf("Table 1 — %s level", level == CS_LEVEL_IMAGE ? "image (frame)" : "hand");

  for (size_t i = 0; i < ev->n_models; i++) {
    const CsModelEvaluation *me = &ev->models[i];
    char **row;

    if (me->level != level)
      continue;
    row = g_new0(char *, 10);
    row[0] = g_markup_escape_text(me->model, -1);
    row[1] = g_strdup_printf("%zu (%zu / %zu)", me->n, me->n_cts, me->n_control);
    row[2] = g_strdup_printf("%zu %zu %zu %zu", me->confusion.tp, me->confusion.fp,
                             me->confusion.tn, me->confusion.fn);
    for (int k = 0; k < CS_N_METRICS; k++)
      row[3 + k] = estimate_cell(&me->metrics[k], level == CS_LEVEL_IMAGE);
    row[8] = estimate_cell(&me->auc, FALSE);
    g_ptr_array_add(rows, row);
  }
  cs_report_doc_heading(doc, heading, 60);
  cs_report_doc_table(doc, 9, titles, fractions, rows, 7.5);
}

static void
draw_roc(CsReportDoc *doc, const CsStudyReport *r)
{
  double width = cs_report_doc_width(doc);
  double side = (width - 14) / 2;

  cs_report_doc_heading(doc, "ROC curves", side + 20);
  for (int l = 0; l < CS_N_LEVELS; l++) {
    cairo_save(doc->cr);
    cairo_translate(doc->cr, doc->margin + l * (side + 14), doc->y);
    /* The figure paints its own background: keep it to its box. */
    cairo_rectangle(doc->cr, 0, 0, side, side);
    cairo_clip(doc->cr);
    cs_roc_figure_draw(doc->cr, r->evaluation, (CsLevel)l, side, side);
    cairo_restore(doc->cr);
  }
  doc->y += side + 6;
  cs_report_doc_paragraph(doc, 7.5,
                          "<span foreground='#444444'>AUC confidence intervals by DeLong's "
                          "method; at image level the frames of one hand are correlated, so the "
                          "hand-level figure is the one to trust.</span>");
}

static void
draw_delong(CsReportDoc *doc, const CsStudyReport *r)
{
  const CsEvaluation *ev = r->evaluation;
  const char *titles[] = { "Level", "Models", "AUC", "Difference (95 % CI)", "z", "p" };
  const double fractions[] = { 0.1, 0.32, 0.16, 0.2, 0.1, 0.12 };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);

  if (ev->n_delong == 0)
    return;
  for (size_t i = 0; i < ev->n_delong; i++) {
    const CsDelongComparison *d = &ev->delong[i];
    char **row = g_new0(char *, 7);

    row[0] = g_strdup(cs_level_key(d->level));
    row[1] = g_markup_printf_escaped("%s vs %s", d->a, d->b);
    row[2] = g_strdup_printf("%.3f vs %.3f", d->test.auc_a, d->test.auc_b);
    row[3] = isfinite(d->test.ci[0]) ? g_strdup_printf("%.3f (%.3f to %.3f)", d->test.difference,
                                                       d->test.ci[0], d->test.ci[1])
                                     : cs_report_format_number(d->test.difference, 3);
    row[4] = cs_report_format_number(d->test.statistic, 2);
    row[5] = isfinite(d->test.p) && d->test.p < 0.001 ? g_strdup("&lt; 0.001")
                                                      : cs_report_format_number(d->test.p, 3);
    g_ptr_array_add(rows, row);
  }
  cs_report_doc_heading(doc, "DeLong's test between models", 50);
  cs_report_doc_table(doc, 6, titles, fractions, rows, 8);
}

static int
compare_double(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

static void
draw_box(cairo_t *cr, double *values, size_t n, double cx, double half, double top, double bottom,
         double lo, double hi, double r, double g, double b)
{
#define BY(v) (bottom - (bottom - top) * ((v)-lo) / (hi - lo))
  double q1, q2, q3;

  if (n == 0)
    return;
  qsort(values, n, sizeof *values, compare_double);
  q1 = cs_quantile_sorted(values, n, 0.25);
  q2 = cs_quantile_sorted(values, n, 0.5);
  q3 = cs_quantile_sorted(values, n, 0.75);
  cairo_set_line_width(cr, 0.8);
  cairo_set_source_rgba(cr, r, g, b, 0.25);
  cairo_rectangle(cr, cx - half, BY(q3), 2 * half, BY(q1) - BY(q3));
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, r, g, b);
  cairo_stroke(cr);
  cairo_set_line_width(cr, 1.6);
  cairo_move_to(cr, cx - half, BY(q2));
  cairo_line_to(cr, cx + half, BY(q2));
  cairo_stroke(cr);
  cairo_set_line_width(cr, 0.8);
  cairo_move_to(cr, cx, BY(q3));
  cairo_line_to(cr, cx, BY(values[n - 1]));
  cairo_move_to(cr, cx, BY(q1));
  cairo_line_to(cr, cx, BY(values[0]));
  cairo_move_to(cr, cx - half / 2, BY(values[n - 1]));
  cairo_line_to(cr, cx + half / 2, BY(values[n - 1]));
  cairo_move_to(cr, cx - half / 2, BY(values[0]));
  cairo_line_to(cr, cx + half / 2, BY(values[0]));
  cairo_stroke(cr);
  for (size_t i = 0; i < n; i++) {
    /* A fixed spread instead of random jitter keeps the figure identical run to run. */
    double dx = ((double)(i % 7) - 3) * half / 5;

    cairo_arc(cr, cx + dx, BY(values[i]), 1.6, 0, 2 * G_PI);
    cairo_fill(cr);
  }
#undef BY
}

static void
draw_csa(CsReportDoc *doc, const CsStudyReport *r)
{
  cairo_t *cr = doc->cr;
  const CsEvaluation *ev = r->evaluation;
  g_autofree double *cts = g_new(double, r->hands->len + 1);
  g_autofree double *control = g_new(double, r->hands->len + 1);
  size_t n_cts = 0, n_control = 0;
  double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;
  double height = 190, width = 220, left, top, bottom, x0 = doc->margin;
  g_autofree char *text = NULL;

  for (guint i = 0; i < r->hands->len; i++) {
    const CsStudyReportHand *h = g_ptr_array_index(r->hands, i);

    if (!isfinite(h->csa_mm2))
      continue;
    if (h->group == CS_GROUP_CTS)
      cts[n_cts++] = h->csa_mm2;
    else
      control[n_control++] = h->csa_mm2;
    lo = fmin(lo, h->csa_mm2);
    hi = fmax(hi, h->csa_mm2);
  }
  cs_report_doc_heading(doc, "Inlet CSA by group", height + 10);
  if (n_cts + n_control == 0) {
    cs_report_doc_paragraph(doc, 9, "<i>No hand has an inlet CSA in mm².</i>");
    return;
  }
  lo = floor(fmin(lo, 6) / 2) * 2;
  hi = ceil(fmax(hi, 12) / 2) * 2;
  left = x0 + 34;
  top = doc->y + 6;
  bottom = doc->y + height - 26;
  cairo_set_line_width(cr, 0.4);
  for (double v = lo; v <= hi + 1e-9; v += (hi - lo) > 20 ? 5 : 2) {
    double y = bottom - (bottom - top) * (v - lo) / (hi - lo);
    g_autofree char *tick = g_strdup_printf("%.0f", v);

    cairo_set_source_rgb(cr, 0.87, 0.87, 0.87);
    cairo_move_to(cr, left, y);
    cairo_line_to(cr, x0 + width, y);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cs_report_text_right(cr, left - 3, y - 5, 7, tick);
  }
  /* The fixed literature upper limit of normal, dashed. */
  if (CS_REFERENCE_UPPER_LIMIT_MM2 >= lo && CS_REFERENCE_UPPER_LIMIT_MM2 <= hi) {
    double y = bottom - (bottom - top) * (CS_REFERENCE_UPPER_LIMIT_MM2 - lo) / (hi - lo);
    g_autofree char *label =
        g_strdup_printf("%g mm² (literature)", (double)CS_REFERENCE_UPPER_LIMIT_MM2);

    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
    cairo_set_dash(cr, (double[]){ 3, 2 }, 2, 0);
    cairo_move_to(cr, left, y);
    cairo_line_to(cr, x0 + width, y);
    cairo_stroke(cr);
    cairo_restore(cr);
    cs_report_text(cr, x0 + width + 3, y - 5, -1, 6.5, label);
  }
  draw_box(cr, control, n_control, left + (width - 34) * 0.28, 22, top, bottom, lo, hi, 0.1, 0.4,
           0.75);
  draw_box(cr, cts, n_cts, left + (width - 34) * 0.72, 22, top, bottom, lo, hi, 0.8, 0.2, 0.15);
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  {
    g_autofree char *a = g_strdup_printf("control (n = %zu)", n_control);
    g_autofree char *b = g_strdup_printf("CTS (n = %zu)", n_cts);

    cs_report_text(cr, left + (width - 34) * 0.28 - 30, bottom + 4, -1, 7.5, a);
    cs_report_text(cr, left + (width - 34) * 0.72 - 25, bottom + 4, -1, 7.5, b);
  }
  cairo_save(cr);
  cairo_translate(cr, x0, top + (bottom - top) / 2 + 30);
  cairo_rotate(cr, -G_PI / 2);
  cs_report_text(cr, 0, 0, -1, 7.5, "inlet CSA, mm²");
  cairo_restore(cr);

  if (ev->has_csa) {
    const CsMannWhitney *t = &ev->csa.test;
    g_autofree char *p = t->p < 0.001 ? g_strdup("&lt; 0.001") : g_strdup_printf("%.3f", t->p);

    text = g_strdup_printf("Median inlet CSA %.1f mm² in CTS hands and %.1f mm² in control hands."
                           "\n\nMann–Whitney U = %.1f (CTS hands), %s, two-sided p = %s (n = %zu "
                           "and %zu).",
                           ev->csa.median_cts, ev->csa.median_control, t->u,
                           t->exact ? "exact test"
                                    : "normal approximation with continuity "
                                      "correction",
                           p, t->n_x, t->n_y);
  } else {
    text = g_strdup("Mann–Whitney's test needs inlet CSA values in both groups.");
  }
  cs_report_text(cr, x0 + width + 80, doc->y + 10, cs_report_doc_width(doc) - width - 80, 9, text);
  g_free(text);
  text = g_strdup_printf(
      "<span foreground='#444444'>Boxes: quartiles and median; whiskers: range; dots: hands. A "
      "hand's inlet CSA is the mean of its inlet tracings by one rater (the one with the most). "
      "Reference values from the literature, not thresholds validated for this device: healthy "
      "inlet CSA %.2f mm² (%s); %g mm² is a commonly used upper limit of normal (%s); the "
      "reproduced study measured %.1f ± %.1f vs %.1f ± %.1f mm² (%s).</span>",
      CS_REFERENCE_ROLL_HEALTHY_MEAN_MM2, CS_REFERENCE_ROLL, CS_REFERENCE_UPPER_LIMIT_MM2,
      CS_REFERENCE_OLDE_DUBBELINK, CS_REFERENCE_SHINOHARA_CONTROL_MEAN_MM2,
      CS_REFERENCE_SHINOHARA_CONTROL_SD_MM2, CS_REFERENCE_SHINOHARA_CTS_MEAN_MM2,
      CS_REFERENCE_SHINOHARA_CTS_SD_MM2, CS_REFERENCE_SHINOHARA);
  cs_report_text(cr, x0 + width + 80, doc->y + 100, cs_report_doc_width(doc) - width - 80, 7.5,
                 text);
  doc->y += height;
}

static void
draw_hands(CsReportDoc *doc, const CsStudyReport *r)
{
  guint n_models = MIN(r->n_models, 4);
  int n_cols = 5 + (int)n_models;
  g_autofree const char **titles = g_new0(const char *, n_cols + 1);
  g_autofree double *fractions = g_new(double, n_cols);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(g_free);
  double threshold = r->evaluation->threshold;
  guint named = 0;

  titles[0] = "Hand";
  titles[1] = "Group";
  titles[2] = "Split";
  titles[3] = "Stage";
  titles[4] = "Inlet CSA";
  fractions[0] = 0.17;
  fractions[1] = 0.09;
  fractions[2] = 0.1;
  fractions[3] = 0.08;
  fractions[4] = 0.12;
  for (guint m = 0; m < n_models; m++) {
    char *t = g_strdup_printf("p(CTS), %s", r->model_keys[m]);

    g_ptr_array_add(owned, t);
    titles[5 + m] = t;
    fractions[5 + m] = 0.44 / n_models;
  }
  for (guint i = 0; i < r->hands->len; i++) {
    const CsStudyReportHand *h = g_ptr_array_index(r->hands, i);
    char **row = g_new0(char *, n_cols + 1);

    if (h->patient != NULL) {
      g_autofree char *patient = cs_report_patient_dup_text(h->patient);

      row[0] = g_markup_printf_escaped("%s\n<span size='smaller' foreground='#555555'>%s</span>",
                                       h->display_id, patient);
      named++;
    } else {
      row[0] = g_markup_escape_text(h->display_id, -1);
    }
    row[1] = g_strdup(group_label(h->group));
    row[2] = g_strdup(split_label(h->split));
    row[3] = h->stage >= 0 ? g_strdup_printf("%d", h->stage) : g_strdup("–");
    row[4] = isfinite(h->csa_mm2)   ? g_strdup_printf("%.1f mm²", h->csa_mm2)
             : isfinite(h->csa_px2) ? g_strdup_printf("%.0f px²", h->csa_px2)
                                    : g_strdup("no inlet tracing");
    for (guint m = 0; m < n_models; m++) {
      if (!isfinite(h->p_hand[m])) {
        row[5 + m] = g_strdup("no result");
        continue;
      }
      row[5 + m] = g_strdup_printf("%.3f, %s (%u frames)", h->p_hand[m],
                                   h->p_hand[m] >= threshold ? "CTS" : "control", h->n_frames[m]);
    }
    g_ptr_array_add(rows, row);
  }
  cs_report_doc_heading(doc, "Hands", 60);
  cs_report_doc_table(doc, n_cols, titles, fractions, rows, 7.5);
  if (named > 0)
    cs_report_doc_paragraph(doc, 7.5,
                            "<span foreground='#555555'>Below a hand's id, its patient as the "
                            "DICOM file names them: named because the study is set to name "
                            "patients in its reports.</span>");
  if (r->n_models > n_models)
    cs_report_doc_paragraph(doc, 7.5,
                            "Only the first four models are shown; the CSV and JSON "
                            "reports hold them all.");
}

static void
draw_models(CsReportDoc *doc, const CsStudyReport *r)
{
  cs_report_doc_heading(doc, "Models", 40);
  for (guint m = 0; m < r->n_models; m++) {
    const CsReportModel *md = &r->models[m];
    g_autofree char *text = g_markup_printf_escaped(
        "<b>%s</b>, architecture %s; weights SHA-256 <tt>%s</tt>; trained on: %s%s", md->id,
        md->arch != NULL ? md->arch : "unknown", md->sha256 != NULL ? md->sha256 : "unknown",
        md->trained_on != NULL ? md->trained_on
        : md->loaded           ? "not stated"
                               : "unknown (not installed)",
        md->phantom ? " — trained on synthetic phantoms, not on patients" : "");

    cs_report_doc_paragraph(doc, 8.5, text);
  }
}

static void
draw_study(CsReportDoc *doc, gconstpointer data)
{
  const CsStudyReport *r = data;
  const CsEvaluation *ev = r->evaluation;
  cairo_t *cr = doc->cr;
  double width = cs_report_doc_width(doc);
  g_autofree char *right = g_strdup_printf(
      "<span foreground='#555555'>Carpalscope %s\nReport date %s</span>", PACKAGE_VERSION, r->date);
  g_autofree char *study = g_markup_printf_escaped(
      "Study <b>%s</b> · %s hands (%u) · CTS when p(CTS) is at least %.2f · %u bootstrap "
      "replicates, seed "
      "%" G_GUINT64_FORMAT ", %.0f %% intervals",
      r->study_label, r->split == CS_SPLIT_UNASSIGNED ? "all labelled" : split_label(r->split),
      r->hands->len, ev->threshold, ev->replicates, ev->seed, ev->conf_level * 100);
  g_autofree char *banner =
      g_markup_printf_escaped("<b>Research use only.</b> %s", CS_REPORT_RESEARCH_USE);
  double th;

  cairo_set_source_rgb(cr, 0.08, 0.22, 0.42);
  cs_report_text(cr, doc->margin, doc->y, width, 18, "<b>Study report</b>");
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cs_report_text_right(cr, doc->margin + width, doc->y + 1, 8.5, right);
  doc->y += 30;
  cs_report_doc_paragraph(doc, 9.5, study);
  th = cs_report_text_height(cr, width - 16, 8.5, banner);
  cairo_set_source_rgb(cr, 1.0, 0.96, 0.84);
  cairo_rectangle(cr, doc->margin, doc->y, width, th + 10);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 0.35, 0.25, 0.0);
  cs_report_text(cr, doc->margin + 8, doc->y + 5, width - 16, 8.5, banner);
  doc->y += th + 14;
  for (guint i = 0; i < r->missing->len; i++) {
    g_autofree char *line =
        g_markup_printf_escaped("•  %s", (const char *)g_ptr_array_index(r->missing, i));

    cs_report_doc_paragraph(doc, 8.5, line);
  }

  draw_table1(doc, r, CS_LEVEL_HAND);
  draw_table1(doc, r, CS_LEVEL_IMAGE);
  cs_report_doc_paragraph(
      doc, 7.5,
      "<span foreground='#444444'>Each cell: the value and its bootstrap confidence interval "
      "(stratified by class); at image level also the cluster bootstrap by hand, which accounts "
      "for the correlation of a hand's frames. Hand level: one score per hand, the mean p(CTS) "
      "of its frames. Undefined values (a zero denominator) are shown as –.</span>");
  draw_roc(doc, r);
  draw_delong(doc, r);
  draw_csa(doc, r);
  if (r->options.csa_agreement != NULL)
    cs_report_draw_csa_agreement(doc, r->options.csa_agreement);
  draw_hands(doc, r);
  draw_models(doc, r);
}

/* ---- CSV and JSON ---- */

static char *
csv_field(const char *text)
{
  if (strpbrk(text, ",\"\n\r") == NULL)
    return g_strdup(text);
  {
    g_autoptr(GString) s = g_string_new("\"");

    for (const char *p = text; *p != '\0'; p++) {
      if (*p == '"')
        g_string_append_c(s, '"');
      g_string_append_c(s, *p);
    }
    g_string_append_c(s, '"');
    return g_string_free(g_steal_pointer(&s), FALSE);
  }
}

static void
csv_number(GString *s, double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (isfinite(value))
    g_string_append(s, g_ascii_dtostr(buffer, sizeof buffer, value));
}

/* The patient's three columns, empty when the report names nobody or the file does not say. */
static void
append_patient_csv(GString *s, const CsReportPatient *patient)
{
  const char *fields[] = { patient != NULL ? patient->name : NULL,
                           patient != NULL ? patient->id : NULL,
                           patient != NULL ? patient->birth_date : NULL };

  for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
    g_autofree char *field = csv_field(fields[i] != NULL ? fields[i] : "");

    g_string_append_printf(s, i == 0 ? "%s" : ",%s", field);
  }
}

static char *
hands_to_csv(const CsStudyReport *r)
{
  GString *s =
      g_string_new("hand,group,split,stage,stage_scheme,csa_mm2,csa_px2,csa_tracings,csa_rater,"
                   "csa_spacing,model,model_sha256,n_frames,p_hand,call,patient_name,patient_id,"
                   "patient_birth_date\n");

  for (guint i = 0; i < r->hands->len; i++) {
    const CsStudyReportHand *h = g_ptr_array_index(r->hands, i);

    for (guint m = 0; m < r->n_models; m++) {
      g_autofree char *id = csv_field(h->display_id);
      g_autofree char *model = csv_field(r->model_keys[m]);
      g_autofree char *rater = csv_field(h->csa_rater != NULL ? h->csa_rater : "");
      g_autofree char *spacing = csv_field(h->csa_spacing != NULL ? h->csa_spacing : "");

      g_string_append_printf(s, "%s,%s,%s,", id, cs_group_to_string(h->group),
                             cs_split_to_string(h->split));
      if (h->stage >= 0)
        g_string_append_printf(s, "%d", h->stage);
      g_string_append_printf(s, ",%s,", cs_grading_scheme_to_string(h->scheme));
      csv_number(s, h->csa_mm2);
      g_string_append_c(s, ',');
      csv_number(s, h->csa_px2);
      g_string_append_printf(s, ",%u,%s,%s", h->csa_n_tracings, rater, spacing);
      g_string_append_printf(s, ",%s,%s,%u,", model,
                             r->models[m].sha256 != NULL ? r->models[m].sha256 : "",
                             h->n_frames[m]);
      csv_number(s, h->p_hand[m]);
      g_string_append_printf(s, ",%s,",
                             !isfinite(h->p_hand[m])                    ? ""
                             : h->p_hand[m] >= r->evaluation->threshold ? "cts"
                                                                        : "control");
      append_patient_csv(s, h->patient);
      g_string_append_c(s, '\n');
    }
  }
  return g_string_free(s, FALSE);
}

static void
json_number(JsonBuilder *b, const char *key, double value)
{
  json_builder_set_member_name(b, key);
  if (isfinite(value))
    json_builder_add_double_value(b, value);
  else
    json_builder_add_null_value(b);
}

static void
json_string(JsonBuilder *b, const char *key, const char *value)
{
  json_builder_set_member_name(b, key);
  if (value != NULL)
    json_builder_add_string_value(b, value);
  else
    json_builder_add_null_value(b);
}

static char *
study_to_json(const CsStudyReport *r)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object(b);
  json_string(b, "report", "carpalscope-study-report");
  json_string(b, "carpalscope_version", PACKAGE_VERSION);
  json_string(b, "date", r->date);
  json_string(b, "study", r->study_label);
  json_string(b, "split", r->split == CS_SPLIT_UNASSIGNED ? "all" : cs_split_to_string(r->split));
  json_string(b, "research_use", CS_REPORT_RESEARCH_USE);
  json_builder_set_member_name(b, "ids_pseudonymised");
  json_builder_add_boolean_value(b, !r->options.real_id);
  json_builder_set_member_name(b, "models");
  json_builder_begin_array(b);
  for (guint m = 0; m < r->n_models; m++) {
    const CsReportModel *md = &r->models[m];

    json_builder_begin_object(b);
    json_string(b, "id", md->id);
    json_string(b, "arch", md->arch);
    json_string(b, "sha256", md->sha256);
    json_string(b, "trained_on", md->trained_on);
    json_string(b, "provenance", md->provenance);
    json_builder_set_member_name(b, "phantom_trained");
    json_builder_add_boolean_value(b, md->phantom);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "hands");
  json_builder_begin_array(b);
  for (guint i = 0; i < r->hands->len; i++) {
    const CsStudyReportHand *h = g_ptr_array_index(r->hands, i);

    json_builder_begin_object(b);
    json_string(b, "hand", h->display_id);
    json_string(b, "group", cs_group_to_string(h->group));
    json_string(b, "split", cs_split_to_string(h->split));
    json_builder_set_member_name(b, "stage");
    if (h->stage >= 0)
      json_builder_add_int_value(b, h->stage);
    else
      json_builder_add_null_value(b);
    json_string(b, "stage_scheme", cs_grading_scheme_to_string(h->scheme));
    json_number(b, "csa_mm2", h->csa_mm2);
    json_number(b, "csa_px2", h->csa_px2);
    json_builder_set_member_name(b, "csa_tracings");
    json_builder_add_int_value(b, h->csa_n_tracings);
    json_string(b, "csa_rater", h->csa_rater);
    json_string(b, "csa_spacing", h->csa_spacing);
    /* Who the hand's DICOM sweep is of, only when the study names patients in its reports. */
    json_builder_set_member_name(b, "patient");
    if (h->patient != NULL) {
      json_builder_begin_object(b);
      json_string(b, "name", h->patient->name);
      json_string(b, "id", h->patient->id);
      json_string(b, "birth_date", h->patient->birth_date);
      json_builder_end_object(b);
    } else {
      json_builder_add_null_value(b);
    }
    json_builder_set_member_name(b, "results");
    json_builder_begin_array(b);
    for (guint m = 0; m < r->n_models; m++) {
      json_builder_begin_object(b);
      json_string(b, "model", r->model_keys[m]);
      json_number(b, "p_hand", h->p_hand[m]);
      json_builder_set_member_name(b, "n_frames");
      json_builder_add_int_value(b, h->n_frames[m]);
      json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "missing");
  json_builder_begin_array(b);
  for (guint i = 0; i < r->missing->len; i++)
    json_builder_add_string_value(b, g_ptr_array_index(r->missing, i));
  json_builder_end_array(b);
  json_builder_set_member_name(b, "evaluation");
  json_builder_add_value(b, cs_evaluation_to_json(r->evaluation));
  if (r->options.csa_agreement != NULL) {
    json_builder_set_member_name(b, "csa_agreement");
    json_builder_add_value(b, cs_nerve_agreement_to_json(r->options.csa_agreement));
  }
  json_builder_end_object(b);
  root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  return json_generator_to_data(gen, NULL);
}

static char *
sibling_path(const char *path, const char *suffix)
{
  g_autofree char *stem = g_strdup(path);
  char *dot = strrchr(stem, '.');
  char *slash = strrchr(stem, G_DIR_SEPARATOR);

  if (dot != NULL && (slash == NULL || dot > slash))
    *dot = '\0';
  return g_strconcat(stem, suffix, NULL);
}

gboolean
cs_study_report_write(const CsStudyReport *report, CsReportFormat format, const char *path,
                      GError **error)
{
  g_return_val_if_fail(report != NULL, FALSE);
  g_return_val_if_fail(path != NULL, FALSE);

  switch (format) {
    case CS_REPORT_FORMAT_CSV: {
      g_autofree char *hands = hands_to_csv(report);
      g_autofree char *table = cs_evaluation_to_csv(report->evaluation);
      g_autofree char *roc = cs_evaluation_roc_to_csv(report->evaluation);
      g_autofree char *table_path = sibling_path(path, "-table1.csv");
      g_autofree char *roc_path = sibling_path(path, "-roc.csv");

      return g_file_set_contents(table_path, table, -1, error) &&
             g_file_set_contents(roc_path, roc, -1, error) &&
             g_file_set_contents(path, hands, -1, error);
    }
    case CS_REPORT_FORMAT_JSON: {
      g_autofree char *json = study_to_json(report);

      return g_file_set_contents(path, json, -1, error);
    }
    case CS_REPORT_FORMAT_PDF:
    default: {
      g_autofree char *running =
          g_markup_printf_escaped("Carpalscope study report · %s", report->study_label);
      g_autofree char *footer = g_strdup_printf("Study %s · %s · Carpalscope %s · for research and "
                                                "teaching, not a medical device",
                                                report->study_label, report->date, PACKAGE_VERSION);

      return cs_report_write_pdf(report->options.paper, "Carpalscope study report", running, footer,
                                 draw_study, report, path, error);
    }
  }
}
