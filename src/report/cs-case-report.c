/* cs-case-report.c — gathering a case report: stored data, and explanations from the explain layer
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "cs-analysis.h"
#include "cs-error.h"
#include "cs-explain-net.h"
#include "cs-report-private.h"

/* Progress of one build, with the slice of the whole that the current step covers. */
typedef struct {
  CsReportProgressFunc func;
  gpointer data;
  GCancellable *cancellable;
  double from;
  double to;
  const char *step;
} Progress;

static void
progress_report(Progress *p, double fraction)
{
  if (p->func != NULL)
    p->func(p->from + (p->to - p->from) * fraction, p->step, p->data);
}

static void
progress_step(Progress *p, double from, double to, const char *step)
{
  p->from = from;
  p->to = to;
  p->step = step;
  progress_report(p, 0);
}

static void
explain_progress_cb(double fraction, gpointer user_data)
{
  progress_report(user_data, fraction);
}

static gboolean
explain_abort_cb(gpointer user_data)
{
  Progress *p = user_data;

  return g_cancellable_is_cancelled(p->cancellable);
}

static void add_missing(CsCaseReport *report, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
add_missing(CsCaseReport *report, const char *format, ...)
{
  va_list args;

  va_start(args, format);
  g_ptr_array_insert(report->missing, (int)report->missing->len - 1,
                     g_strdup_vprintf(format, args));
  va_end(args);
}

void
cs_report_model_from_loaded(CsReportModel *model, gpointer cs_model)
{
  CsModel *m = cs_model;
  const char *provenance = csnn_net_metadata(cs_model_get_net(m), "provenance");

  cs_report_model_clear(model);
  model->id = g_strdup(cs_model_get_id(m));
  model->arch = g_strdup(cs_model_get_arch(m));
  model->sha256 = g_strdup(cs_model_get_sha256(m));
  model->trained_on = g_strdup(cs_model_get_trained_on(m));
  model->provenance = g_strdup(provenance);
  model->phantom = cs_model_is_phantom_trained(m);
  model->loaded = TRUE;
}

static CsReportFrame *
frame_copy(const CsFrame *frame)
{
  CsReportFrame *copy = g_new0(CsReportFrame, 1);

  copy->index = frame->index;
  copy->width = frame->width;
  copy->height = frame->height;
  copy->gray = g_malloc((gsize)frame->width * frame->height);
  for (int j = 0; j < frame->height; j++)
    memcpy(copy->gray + (gsize)j * frame->width, frame->data + (gsize)j * frame->stride,
           (gsize)frame->width);
  return copy;
}

static void
report_tracing_free(gpointer data)
{
  CsReportTracing *t = data;

  cs_tracing_free(t->tracing);
  cs_report_frame_free(t->frame);
  g_free(t);
}

void
cs_case_report_free(CsCaseReport *report)
{
  if (report == NULL)
    return;
  g_free(report->date);
  g_free(report->study_label);
  g_free(report->case_id);
  g_free(report->display_id);
  g_free(report->sweep_path);
  cs_model_result_free(report->result);
  cs_report_model_clear(&report->model);
  cs_report_frame_free(report->frame);
  g_free(report->frame_reason);
  g_clear_pointer(&report->tracings, g_ptr_array_unref);
  g_free(report->crop);
  cs_explanation_free(report->occlusion);
  cs_explanation_free(report->lime);
  cs_explanation_free(report->gradcam);
  g_clear_pointer(&report->missing, g_ptr_array_unref);
  g_free(report);
}

const char *
cs_case_report_get_display_id(const CsCaseReport *report)
{
  g_return_val_if_fail(report != NULL, NULL);
  return report->display_id;
}

const char *const *
cs_case_report_get_missing(const CsCaseReport *report)
{
  g_return_val_if_fail(report != NULL, NULL);
  return (const char *const *)report->missing->pdata;
}

gboolean
cs_case_report_has_panels(const CsCaseReport *report)
{
  g_return_val_if_fail(report != NULL, FALSE);
  return report->crop != NULL;
}

/* Finds the cached result of @model: by the loaded weights' hash, else by the id it was stored
 * under (when the weights cannot be loaded, the stored result is all there is). */
static const CsModelResult *
find_result(CsCase *c, CsModel *loaded, const char *model)
{
  g_autofree char *stem = NULL;

  if (loaded != NULL)
    return cs_case_find_result(c, cs_model_get_sha256(loaded));
  if (model == NULL)
    return cs_case_get_n_results(c) > 0 ? cs_case_get_result(c, 0) : NULL;
  stem = g_path_get_basename(model);
  if (g_str_has_suffix(stem, ".safetensors"))
    stem[strlen(stem) - strlen(".safetensors")] = '\0';
  for (guint i = 0; i < cs_case_get_n_results(c); i++) {
    const CsModelResult *r = cs_case_get_result(c, i);

    if (g_strcmp0(r->model_id, stem) == 0 || g_ascii_strcasecmp(r->model_sha256, model) == 0)
      return r;
  }
  return NULL;
}

static void
gather_result(CsCaseReport *report, CsCase *c, const char *model, CsModel **loaded)
{
  g_autoptr(GError) error = NULL;
  const CsModelResult *result;

  if (model != NULL) {
    *loaded = cs_model_load(model, &error);
    if (*loaded == NULL)
      add_missing(report,
                  "The model “%s” could not be loaded (%s): no explanation panels, and "
                  "its identity is taken from the cached result only.",
                  model, error->message);
  }
  result = find_result(c, *loaded, model);
  if (model == NULL && result != NULL) {
    *loaded = cs_model_load(result->model_id, &error);
    if (*loaded != NULL && g_strcmp0(cs_model_get_sha256(*loaded), result->model_sha256) != 0) {
      add_missing(report,
                  "The installed model “%s” has other weights than the ones that "
                  "made the cached result: no explanation panels.",
                  result->model_id);
      g_clear_pointer(loaded, cs_model_free);
    } else if (*loaded == NULL) {
      add_missing(report,
                  "The model “%s” of the cached result is not installed (%s): no "
                  "explanation panels.",
                  result->model_id, error->message);
    }
  }
  if (*loaded != NULL)
    cs_report_model_from_loaded(&report->model, *loaded);
  else if (result != NULL) {
    report->model.id = g_strdup(result->model_id);
    report->model.sha256 = g_strdup(result->model_sha256);
  } else if (model != NULL) {
    report->model.id = g_path_get_basename(model);
  }

  if (result == NULL) {
    if (report->model.id != NULL)
      add_missing(report,
                  "No analysis yet: the case has no cached result of the model “%s”. "
                  "Analyse the sweep in Carpalscope first.",
                  report->model.id);
    else
      add_missing(report, "No analysis yet: the case has no cached model result. Analyse the "
                          "sweep in Carpalscope first.");
    return;
  }
  report->result = cs_model_result_copy(result);
  report->result_stale = cs_case_result_is_stale(c, result, NULL);
  if (report->result_stale)
    add_missing(report, "The cached result was computed with another ROI or spacing than the "
                        "case has now: analyse the sweep again.");
}

static void
gather_frame(CsCaseReport *report, CsCase *c, CsSweep *sweep, CsFrame **frame_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsRoiTrack) track = NULL;
  int index;

  if (report->result != NULL && report->result->n_frames > 0) {
    guint best = 0;

    for (guint i = 1; i < report->result->n_frames; i++)
      if (report->result->p_cts[i] > report->result->p_cts[best])
        best = i;
    index = (int)report->result->frames[best];
    report->frame_reason =
        g_strdup_printf("Frame %d, the analysed frame with the highest p(CTS) (%.3f).", index,
                        report->result->p_cts[best]);
  } else {
    index = report->n_frames / 2;
    report->frame_reason =
        g_strdup_printf("Frame %d, the middle frame of the sweep (there is no analysis to choose a "
                        "frame by).",
                        index);
  }
  if (index >= report->n_frames) {
    add_missing(report, "Frame %d of the result is beyond the sweep's %d frames.", index,
                report->n_frames);
    return;
  }
  *frame_out = cs_sweep_get_frame(sweep, index, &error);
  if (*frame_out == NULL) {
    add_missing(report, "Frame %d could not be read: %s", index, error->message);
    return;
  }
  report->frame = frame_copy(*frame_out);
  track = cs_case_dup_roi_track(c);
  if (track == NULL) {
    add_missing(report, "No ROI placed: the case has no ROI keyframes.");
    return;
  }
  if (!cs_roi_track_get_rect(track, index, &report->spacing, &report->roi, &error)) {
    add_missing(report, "The ROI cannot be placed on frame %d: %s", index, error->message);
    return;
  }
  report->has_roi = TRUE;
  report->roi_padded =
      !cs_roi_rect_is_inside(&report->roi, report->frame->width, report->frame->height);
}

static void
gather_tracings(CsCaseReport *report, CsCase *c, CsSweep *sweep)
{
  guint n = cs_case_get_n_tracings(c);

  report->tracings = g_ptr_array_new_with_free_func(report_tracing_free);
  if (n == 0)
    add_missing(report, "No CSA tracing: the nerve's cross-sectional area was not traced.");
  if (!cs_spacing_is_known(&report->spacing))
    add_missing(report, "No pixel spacing: lengths and areas are in pixels, not millimetres. "
                        "Calibrate the sweep to have them in mm².");
  for (guint i = 0; i < n; i++) {
    CsReportTracing *t = g_new0(CsReportTracing, 1);

    t->tracing = cs_tracing_copy(cs_case_get_tracing(c, i));
    t->measured = cs_case_measure_tracing(c, i, &t->measures);
    if (report->frame != NULL && t->tracing->frame == report->frame->index) {
      t->frame = g_new0(CsReportFrame, 1);
      *t->frame = *report->frame;
      t->frame->gray =
          g_memdup2(report->frame->gray, (gsize)report->frame->width * report->frame->height);
    } else if (sweep != NULL && t->tracing->frame < report->n_frames) {
      g_autoptr(CsFrame) frame = cs_sweep_get_frame(sweep, (int)t->tracing->frame, NULL);

      if (frame != NULL)
        t->frame = frame_copy(frame);
    }
    g_ptr_array_add(report->tracings, t);
  }
}

static gboolean
compute_panels(CsCaseReport *report, CsCase *c, CsModel *model, const CsFrame *frame,
               Progress *progress, GError **error)
{
  csnn_net *net = cs_model_get_net(model);
  int size = csnn_net_input_size(net);
  int cts = csnn_net_cts_index(net);
  g_autoptr(GError) local = NULL;
  g_autoptr(CsExplainNetScorer) net_scorer = NULL;
  CsExplainScorer scorer = { 0 };
  gboolean padded = FALSE;
  float logits[16];
  float p = NAN;
  csnn_crop crop;

  report->crop = g_malloc((gsize)size * size);
  report->crop_size = size;
  if (!cs_analysis_crop(c, frame, size, report->crop, &padded, &local)) {
    add_missing(report, "No explanation panels: %s", local->message);
    g_clear_pointer(&report->crop, g_free);
    return TRUE;
  }
  report->crop_mm_per_px = cs_spacing_is_known(&report->spacing)
                               ? report->roi.width * report->spacing.mm_per_px / size
                               : 0;
  crop = (csnn_crop){ report->crop, size, size, (size_t)size };
  if (csnn_net_num_classes(net) <= 16 &&
      csnn_net_classify(net, &crop, 1, logits, &p, NULL, NULL) == CSNN_OK)
    report->crop_p_cts = p;
  else
    report->crop_p_cts = NAN;

  net_scorer = cs_explain_net_scorer_new(net, cts, CS_EXPLAIN_SCORE_PROBABILITY, error);
  if (net_scorer == NULL)
    return FALSE;
  cs_explain_net_scorer_bind(net_scorer, &scorer);
  scorer.batch_size = 32;
  scorer.should_abort = explain_abort_cb;
  scorer.progress = explain_progress_cb;
  scorer.user_data = progress;

  progress_step(progress, 0.15, 0.45, "occlusion sensitivity");
  report->occlusion =
      cs_explain_occlusion(report->crop, size, size, &report->options.occlusion, &scorer, error);
  if (report->occlusion == NULL)
    return FALSE;
  progress_step(progress, 0.45, 0.88, "LIME");
  report->lime = cs_explain_lime(report->crop, size, size, &report->options.lime, &scorer, error);
  if (report->lime == NULL)
    return FALSE;

  if (report->options.gradcam) {
    progress_step(progress, 0.88, 0.95, "Grad-CAM");
    if (g_cancellable_set_error_if_cancelled(progress->cancellable, error))
      return FALSE;
    report->gradcam =
        cs_explain_gradcam(net, report->crop, size, cts, CS_EXPLAIN_SCORE_LOGIT, &local);
    if (report->gradcam == NULL)
      add_missing(report, "No Grad-CAM panel (%s).", local->message);
  }
  return TRUE;
}

CsCaseReport *
cs_case_report_build(CsStudy *study, CsCase *c, const char *model, const CsReportOptions *options,
                     GCancellable *cancellable, CsReportProgressFunc progress_func,
                     gpointer progress_data, GError **error)
{
  g_autoptr(CsCaseReport) report = NULL;
  g_autoptr(CsModel) loaded = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  g_autoptr(CsFrame) frame = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *sweep_path = NULL;
  Progress progress = { progress_func, progress_data, cancellable, 0, 1, NULL };
  CsReportOptions defaults;
  const char *name;

  g_return_val_if_fail(CS_IS_STUDY(study), NULL);
  g_return_val_if_fail(CS_IS_CASE(c), NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  if (options == NULL) {
    cs_report_options_init(&defaults);
    options = &defaults;
  }
  report = g_new0(CsCaseReport, 1);
  report->options = *options;
  report->options.date = NULL;
  report->date = cs_report_dup_date(options->date);
  report->missing = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(report->missing, NULL);
  report->tracings = g_ptr_array_new_with_free_func(report_tracing_free);

  name = cs_study_get_name(study);
  if (name != NULL && *name != '\0')
    report->study_label = g_strdup(name);
  else if (cs_study_get_path(study) != NULL)
    report->study_label = g_path_get_basename(cs_study_get_dir(study));
  else
    report->study_label = g_strdup("unsaved study");
  report->case_id = g_strdup(cs_case_get_id(c));
  report->display_id =
      options->real_id ? g_strdup(report->case_id) : cs_report_dup_pseudonym(report->case_id);
  report->hand = cs_case_get_hand(c);
  report->group = cs_case_get_group(c);
  report->split = cs_case_get_split(c);
  report->spacing = cs_case_get_spacing(c);
  cs_case_get_nerve_conduction(c, &report->ncs);
  report->stage = cs_case_get_stage(c);
  report->scheme = cs_case_get_stage_scheme(c);
  report->stage_source = cs_case_get_stage_source(c);

  progress_step(&progress, 0, 0.05, "loading the model");
  gather_result(report, c, model, &loaded);
  if (g_cancellable_set_error_if_cancelled(cancellable, error))
    return NULL;

  progress_step(&progress, 0.05, 0.15, "reading the sweep");
  sweep_path = cs_study_dup_sweep_path(study, c);
  if (sweep_path == NULL) {
    add_missing(report, "The case has no sweep: no frames are shown.");
  } else if ((sweep = cs_sweep_open(sweep_path, &local)) == NULL) {
    add_missing(report, "The sweep could not be opened: %s", local->message);
    g_clear_error(&local);
  } else {
    report->n_frames = cs_sweep_get_n_frames(sweep);
    report->sweep_path = g_path_get_basename(sweep_path);
    gather_frame(report, c, sweep, &frame);
  }
  gather_tracings(report, c, sweep);
  if (cs_nerve_conduction_is_empty(&report->ncs))
    add_missing(report, "No nerve-conduction data recorded.");
  if (report->stage < 0)
    add_missing(report, "No nerve-conduction stage.");

  if (g_cancellable_set_error_if_cancelled(cancellable, error))
    return NULL;
  if (options->explain && loaded != NULL && frame != NULL && report->has_roi) {
    if (!compute_panels(report, c, loaded, frame, &progress, error)) {
      if (g_cancellable_is_cancelled(cancellable)) {
        g_clear_error(error);
        g_cancellable_set_error_if_cancelled(cancellable, error);
      }
      return NULL;
    }
  } else if (options->explain && loaded != NULL) {
    add_missing(report, "No explanation panels: they need a frame with a ROI.");
  } else if (options->explain && model == NULL && report->result == NULL) {
    add_missing(report, "No explanation panels: no model was named and the case has no analysis "
                        "to take one from.");
  } else if (!options->explain) {
    add_missing(report, "Explanation panels were not requested for this report.");
  }
  progress_step(&progress, 1, 1, "done");
  return g_steal_pointer(&report);
}
