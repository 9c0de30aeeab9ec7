/* cs-case-report.c — gathering a case report: stored data, and explanations from the explain layer
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "cs-case-spacing.h"
#include "cs-error.h"
#include "cs-model-catalog.h"
#include "cs-report-private.h"

/* Says that the build has reached @fraction, starting @step. Building only gathers what is
 * stored, so its steps are few and reported as they start. */
static void
progress_step(CsReportProgressFunc func, gpointer data, double fraction, const char *step)
{
  if (func != NULL)
    func(fraction, step, data);
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
cs_report_model_from_info(CsReportModel *model, CsModelInfo *info)
{
  const char *arch = cs_model_info_get_arch(info);

  cs_report_model_clear(model);
  model->id = g_strdup(cs_model_info_get_id(info));
  model->arch = arch != NULL && *arch != '\0' ? g_strdup(arch) : NULL;
  model->sha256 = g_strdup(cs_model_info_get_sha256(info));
  model->trained_on = g_strdup(cs_model_info_get_trained_on(info));
  model->provenance = g_strdup(cs_model_info_get_metadata(info, "provenance"));
  model->phantom = cs_model_info_is_phantom_trained(info);
  model->loaded = TRUE;
}

CsModelInfo *
cs_report_model_info_new(const char *id_or_path, GError **error)
{
  g_autofree char *path =
      cs_model_catalog_resolve(cs_model_catalog_get_default(), id_or_path, error);
  CsModelInfo *info;

  if (path == NULL)
    return NULL;
  info = cs_model_info_new_for_file(path, NULL);
  if (cs_model_info_get_error(info) != NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s", cs_model_info_get_error(info));
    g_object_unref(info);
    return NULL;
  }
  return info;
}

/* Fills @model from the explanation's record of the weights that made it. */
static void
report_model_from_explanation(CsReportModel *model, const CsFrameExplanation *x)
{
  cs_report_model_clear(model);
  model->id = g_strdup(x->model_id);
  model->arch = g_strdup(x->model_arch);
  model->sha256 = g_strdup(x->model_sha256);
  model->trained_on = g_strdup(x->trained_on);
  model->provenance = g_strdup(x->provenance);
  model->phantom = x->phantom_trained;
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
  g_free(t->no_mm_reason);
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
  g_free(report->patient);
  g_free(report->sweep_path);
  cs_model_result_free(report->result);
  cs_report_model_clear(&report->model);
  cs_report_frame_free(report->frame);
  g_free(report->frame_reason);
  g_clear_pointer(&report->tracings, g_ptr_array_unref);
  cs_frame_explanation_unref(report->explanation);
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

/* Finds the cached result of @model: by the weights' hash when they are known, else by the id
 * it was stored under (when the weights cannot be read, the stored result is all there is). */
static const CsModelResult *
find_result(CsCase *c, const char *sha256, const char *model)
{
  g_autofree char *stem = NULL;

  if (sha256 != NULL)
    return cs_case_find_result(c, sha256);
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

/* The model's identity and its cached result. The explanation, when there is one, names the
 * weights; otherwise the model's file is read for its metadata (never run). */
static void
gather_result(CsCaseReport *report, CsCase *c, const char *model, const CsFrameExplanation *x)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsModelInfo) info = NULL;
  const CsModelResult *result;

  if (x != NULL) {
    report_model_from_explanation(&report->model, x);
    result = cs_case_find_result(c, x->model_sha256);
  } else {
    if (model != NULL) {
      info = cs_report_model_info_new(model, &error);
      if (info == NULL)
        add_missing(report,
                    "The model “%s” could not be read (%s): its identity is taken from the "
                    "cached result only.",
                    model, error->message);
    }
    result = find_result(c, info != NULL ? cs_model_info_get_sha256(info) : NULL, model);
    if (model == NULL && result != NULL) {
      info = cs_report_model_info_new(result->model_id, &error);
      if (info != NULL && g_strcmp0(cs_model_info_get_sha256(info), result->model_sha256) != 0) {
        add_missing(report,
                    "The installed model “%s” has other weights than the ones that made the "
                    "cached result.",
                    result->model_id);
        g_clear_object(&info);
      } else if (info == NULL) {
        add_missing(report, "The model “%s” of the cached result is not installed (%s).",
                    result->model_id, error->message);
      }
    }
    if (info != NULL)
      cs_report_model_from_info(&report->model, info);
    else if (result != NULL) {
      report->model.id = g_strdup(result->model_id);
      report->model.sha256 = g_strdup(result->model_sha256);
    } else if (model != NULL) {
      report->model.id = g_path_get_basename(model);
    }
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

/* The frame shown: the one explained, else the one cs_explain_pick_frame() chooses; the reason
 * says which. */
static void
gather_frame(CsCaseReport *report, CsCase *c, CsSweep *sweep, const CsFrameExplanation *x,
             CsFrame **frame_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsRoiTrack) track = NULL;
  int index;

  index = cs_explain_pick_frame(report->result, report->n_frames, &report->frame_reason);
  if (x != NULL && x->frame != index) {
    index = x->frame;
    g_free(report->frame_reason);
    report->frame_reason =
        g_strdup_printf("Frame %d, the frame chosen and explained by the user.", index);
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

CsReportPatient *
cs_report_patient_new(CsStudy *study, CsSweep *sweep)
{
  CsDicom *dicom = cs_sweep_get_dicom(sweep);
  CsReportPatient *patient;

  if (dicom == NULL || !cs_study_get_identity_in_reports(study))
    return NULL;
  patient = g_new0(CsReportPatient, 1);
  patient->name = g_strdup(cs_dicom_get_patient_name(dicom));
  patient->id = g_strdup(cs_dicom_get_patient_id(dicom));
  patient->birth_date = g_strdup(cs_dicom_get_patient_birth_date(dicom));
  return patient;
}

void
cs_report_patient_free(CsReportPatient *patient)
{
  if (patient == NULL)
    return;
  g_free(patient->name);
  g_free(patient->id);
  g_free(patient->birth_date);
  g_free(patient);
}

char *
cs_report_patient_dup_text(const CsReportPatient *patient)
{
  return g_strdup_printf("%s · ID %s · born %s",
                         patient->name != NULL ? patient->name : "name not recorded",
                         patient->id != NULL ? patient->id : "not recorded",
                         patient->birth_date != NULL ? patient->birth_date : "not recorded");
}

static void
gather_tracings(CsCaseReport *report, CsCase *c, CsSweep *sweep)
{
  guint n = cs_case_get_n_tracings(c), n_in_mm = 0;

  report->tracings = g_ptr_array_new_with_free_func(report_tracing_free);
  if (n == 0)
    add_missing(report, "No CSA tracing: the nerve's cross-sectional area was not traced.");
  for (guint i = 0; i < n; i++) {
    CsReportTracing *t = g_new0(CsReportTracing, 1);

    t->tracing = cs_tracing_copy(cs_case_get_tracing(c, i));
    /* Each tracing in the mm of where it lies: a DICOM region serves only what it holds. */
    t->spacing = cs_case_get_tracing_spacing(c, sweep, i, &t->no_mm_reason, FALSE);
    t->measured = cs_polygon_measure(t->tracing->points, t->tracing->n_points, t->spacing.mm_per_px,
                                     &t->measures) == CS_POLYGON_OK;
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
    n_in_mm += cs_spacing_is_known(&t->spacing);
    g_ptr_array_add(report->tracings, t);
  }
  if (!cs_spacing_is_known(&report->spacing) && n_in_mm == 0)
    add_missing(report, "No pixel spacing: lengths and areas are in pixels, not millimetres. "
                        "Calibrate the sweep to have them in mm².");
  else if (n_in_mm < n)
    add_missing(report, "%u of %u tracings have no area in mm²: see each one for why.", n - n_in_mm,
                n);
}

/* Takes the panels from the explanation: the crop the network saw and the maps. */
static void
take_panels(CsCaseReport *report, CsFrameExplanation *x)
{
  report->explanation = cs_frame_explanation_ref(x);
  report->crop = x->crop;
  report->crop_size = x->size;
  report->crop_mm_per_px = x->mm_per_px;
  report->crop_p_cts = x->p_cts;
  report->occlusion = x->occlusion;
  report->lime = x->lime;
  report->gradcam = report->options.gradcam ? x->gradcam : NULL;
  if (x->occlusion == NULL || x->lime == NULL)
    add_missing(report, "The explanation holds no %s map.",
                x->occlusion == NULL ? "occlusion" : "LIME");
  if (report->options.gradcam && x->gradcam == NULL)
    add_missing(report, "No Grad-CAM panel: the explanation holds none.");
}

CsCaseReport *
cs_case_report_build(CsStudy *study, CsCase *c, const char *model, CsFrameExplanation *explanation,
                     const CsReportOptions *options, GCancellable *cancellable,
                     CsReportProgressFunc progress_func, gpointer progress_data, GError **error)
{
  g_autoptr(CsCaseReport) report = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  g_autoptr(CsFrame) frame = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *sweep_path = NULL;
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

  progress_step(progress_func, progress_data, 0, "reading the model");
  gather_result(report, c, model, explanation);
  if (g_cancellable_set_error_if_cancelled(cancellable, error))
    return NULL;

  progress_step(progress_func, progress_data, 0.3, "reading the sweep");
  sweep_path = cs_study_dup_sweep_path(study, c);
  if (sweep_path == NULL) {
    add_missing(report, "The case has no sweep: no frames are shown.");
  } else if ((sweep = cs_sweep_open(sweep_path, &local)) == NULL) {
    add_missing(report, "The sweep could not be opened: %s", local->message);
    g_clear_error(&local);
  } else {
    g_autoptr(CsReportPatient) patient = cs_report_patient_new(study, sweep);

    report->n_frames = cs_sweep_get_n_frames(sweep);
    report->sweep_path = g_path_get_basename(sweep_path);
    report->patient = patient != NULL ? cs_report_patient_dup_text(patient) : NULL;
    gather_frame(report, c, sweep, explanation, &frame);
  }
  gather_tracings(report, c, sweep);
  if (cs_nerve_conduction_is_empty(&report->ncs))
    add_missing(report, "No nerve-conduction data recorded.");
  if (report->stage < 0)
    add_missing(report, "No nerve-conduction stage.");

  if (g_cancellable_set_error_if_cancelled(cancellable, error))
    return NULL;
  if (options->explain && explanation != NULL) {
    take_panels(report, explanation);
  } else if (options->explain && !report->has_roi) {
    add_missing(report, "No explanation panels: they need a frame with a ROI.");
  } else if (options->explain && report->model.id == NULL) {
    add_missing(report, "No explanation panels: no model was named and the case has no analysis "
                        "to take one from.");
  } else if (options->explain) {
    add_missing(report, "No explanation panels: the frame was not explained.");
  } else {
    add_missing(report, "Explanation panels were not requested for this report.");
  }
  progress_step(progress_func, progress_data, 1, "done");
  return g_steal_pointer(&report);
}
