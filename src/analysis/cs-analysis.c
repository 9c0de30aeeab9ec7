/* cs-analysis.c — a sweep through the network: ROI crops of every frame to p(CTS) per frame
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs-case-spacing.h"
#include "cs-engine-error.h"
#include "cs-inlet-csa.h"
#include "cs-model-catalog.h"
#include "cs-roi.h"
#include "csnn-models.h"

/* The threshold recorded with results computed for scoring (the scores carry p, not labels). */
#define CS_ANALYSIS_DEFAULT_THRESHOLD 0.5

/* Frames classified together: the engine's batch size, and the crops' memory (32 x 224^2). */
#define ANALYSIS_BATCH 32

struct _CsModel {
  char *id;
  char *path;
  char *sha256;
  csnn_net *net;
};

CsModel *
cs_model_load(const char *id_or_path, GError **error)
{
  return cs_model_load_arch(id_or_path, NULL, error);
}

CsModel *
cs_model_load_arch(const char *id_or_path, const char *arch, GError **error)
{
  g_return_val_if_fail(id_or_path != NULL, NULL);

  return cs_model_catalog_load(cs_model_catalog_get_default(), id_or_path, arch, error);
}

CsModel *
cs_model_new_for_file(const char *path, const char *arch, GError **error)
{
  g_autoptr(CsModel) model = g_new0(CsModel, 1);
  g_autofree char *base = NULL;
  int status;

  g_return_val_if_fail(path != NULL, NULL);

  model->path = g_strdup(path);
  status = csnn_net_load(model->path, arch, &model->net);
  if (status != CSNN_OK) {
    g_autoptr(CsModelInfo) info = cs_model_info_new_for_file(path, NULL);

    /* A segmenter's tensors are not a classifier's: say what it is rather than what it lacks. */
    if (cs_model_info_get_kind(info) == CS_MODEL_KIND_SEGMENTER)
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "%s is a segmentation model (it outlines the nerve), not a classifier",
                  model->path);
    else
      cs_error_from_engine(error, status, model->path);
    return NULL;
  }
  base = g_path_get_basename(model->path);
  model->id = g_str_has_suffix(base, CSNN_MODEL_EXTENSION)
                  ? g_strndup(base, strlen(base) - strlen(CSNN_MODEL_EXTENSION))
                  : g_strdup(base);
  model->sha256 = g_strdup(csnn_net_sha256(model->net));
  return g_steal_pointer(&model);
}

void
cs_model_free(CsModel *model)
{
  if (model == NULL)
    return;
  csnn_net_free(model->net);
  g_free(model->id);
  g_free(model->path);
  g_free(model->sha256);
  g_free(model);
}

const char *
cs_model_get_id(CsModel *model)
{
  return model->id;
}

const char *
cs_model_get_path(CsModel *model)
{
  return model->path;
}

const char *
cs_model_get_sha256(CsModel *model)
{
  return model->sha256;
}

csnn_net *
cs_model_get_net(CsModel *model)
{
  return model->net;
}

const char *
cs_model_get_trained_on(CsModel *model)
{
  return csnn_net_metadata(model->net, "trained_on");
}

const char *
cs_model_get_arch(CsModel *model)
{
  return csnn_net_arch(model->net);
}

gboolean
cs_model_is_phantom_trained(CsModel *model)
{
  return cs_model_trained_on_phantoms(cs_model_get_trained_on(model));
}

int
cs_model_get_input_size(CsModel *model)
{
  return csnn_net_input_size(cs_model_get_net(model));
}

int
cs_model_get_n_classes(CsModel *model)
{
  return csnn_net_num_classes(cs_model_get_net(model));
}

int
cs_model_get_cts_index(CsModel *model)
{
  return csnn_net_cts_index(cs_model_get_net(model));
}

const char *
cs_model_get_class_name(CsModel *model, int index)
{
  return csnn_net_class_name(cs_model_get_net(model), index);
}

const char *
cs_model_get_metadata(CsModel *model, const char *key)
{
  return csnn_net_metadata(cs_model_get_net(model), key);
}

const char *const *
cs_model_arch_names(void)
{
  return csnn_arch_names();
}

static int
cancelled_cb(void *user_data)
{
  return g_cancellable_is_cancelled(user_data);
}

gboolean
cs_model_classify(CsModel *model, const CsCrop *crops, int n, float *logits, float *p_cts,
                  GCancellable *cancellable, GError **error)
{
  g_autofree csnn_crop *batch = g_new(csnn_crop, MAX(n, 1));
  g_autofree float *own_logits = NULL;
  int status;

  for (int i = 0; i < n; i++)
    batch[i] =
        (csnn_crop){ crops[i].pixels, crops[i].width, crops[i].height, (size_t)crops[i].stride };
  if (logits == NULL)
    logits = own_logits = g_new(float, (gsize)MAX(n, 1) * cs_model_get_n_classes(model));
  status = csnn_net_classify(model->net, batch, (size_t)n, logits, p_cts,
                             cancellable != NULL ? cancelled_cb : NULL, cancellable);
  if (g_cancellable_set_error_if_cancelled(cancellable, error))
    return FALSE;
  if (status != CSNN_OK)
    return cs_error_from_engine(error, status, model->id);
  return TRUE;
}

gboolean
cs_model_find_class(CsModel *model, const char *name_or_index, int *index, GError **error)
{
  int n = cs_model_get_n_classes(model);
  guint64 number = 0;

  if (name_or_index == NULL) {
    *index = cs_model_get_cts_index(model);
    return TRUE;
  }
  for (int i = 0; i < n; i++) {
    if (g_strcmp0(cs_model_get_class_name(model, i), name_or_index) == 0) {
      *index = i;
      return TRUE;
    }
  }
  if (g_ascii_string_to_unsigned(name_or_index, 10, 0, (guint64)n - 1, &number, NULL)) {
    *index = (int)number;
    return TRUE;
  }
  g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "the model %s has no class '%s'",
              cs_model_get_id(model), name_or_index);
  return FALSE;
}

CsCase *
cs_analysis_dup_case(CsCase *c)
{
  CsCase *copy;

  g_return_val_if_fail(CS_IS_CASE(c), NULL);

  copy = cs_case_new(cs_case_get_id(c));
  cs_case_set_spacing(copy, cs_case_get_spacing_mm(c), cs_case_get_spacing_source(c), NULL);
  for (guint i = 0; i < cs_case_get_n_roi_keyframes(c); i++)
    cs_case_set_roi_keyframe(copy, cs_case_get_roi_keyframe(c, i), NULL);
  return copy;
}

gboolean
cs_analysis_crop(CsCase *c, const CsFrame *frame, int size, guint8 *out, gboolean *padded,
                 GError **error)
{
  g_autoptr(CsRoiTrack) track = cs_case_dup_roi_track(c);
  CsSpacing spacing = cs_case_get_spacing(c);
  CsRoiKey key;
  CsRoiRect rect;

  if (track == NULL || !cs_roi_track_get_at(track, frame->index, &key)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "case %s has no ROI: place the ROI on the nerve first", cs_case_get_id(c));
    return FALSE;
  }
  if (!cs_roi_to_rect(&key, cs_roi_track_get_unit(track), &spacing, &rect, error))
    return FALSE;
  return cs_roi_crop(frame->data, frame->width, frame->height, frame->stride, &rect, size, size,
                     out, padded, error);
}

CsModelResult *
cs_analyse_case(CsSweep *sweep, CsCase *c, CsModel *model, double threshold, int first, int last,
                CsAnalysisProgressFunc progress, gpointer progress_data, GCancellable *cancellable,
                GError **error)
{
  g_autoptr(CsSweep) reader = NULL;
  g_autofree char *roi_hash = NULL;
  g_autofree gint64 *frames = NULL;
  g_autofree double *p = NULL;
  g_autofree guint8 *crops = NULL;
  g_autofree float *logits = NULL;
  g_autofree float *p_batch = NULL;
  CsCrop batch[ANALYSIS_BATCH];
  int n_frames, size, classes, total;
  int kept = 0; /* Frames decoded and classified so far. */
  g_autoptr(GError) frame_error = NULL;

  g_return_val_if_fail(CS_IS_SWEEP(sweep), NULL);
  g_return_val_if_fail(CS_IS_CASE(c), NULL);
  g_return_val_if_fail(model != NULL, NULL);

  n_frames = cs_sweep_get_n_frames(sweep);
  if (first < 0)
    first = 0;
  if (last < 0 || last >= n_frames)
    last = n_frames - 1;
  if (first > last) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "frames %d to %d: the sweep has %d frames",
                first, last, n_frames);
    return NULL;
  }
  if (cs_case_get_n_roi_keyframes(c) == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "case %s has no ROI: place the ROI on the nerve first", cs_case_get_id(c));
    return NULL;
  }
  reader = cs_sweep_open_reader(sweep, error);
  if (reader == NULL)
    return NULL;

  size = csnn_net_input_size(model->net);
  classes = csnn_net_num_classes(model->net);
  total = last - first + 1;
  frames = g_new(gint64, total);
  p = g_new(double, total);
  /* Buffers for one batch, allocated once and reused for the whole sweep. */
  crops = g_malloc((gsize)ANALYSIS_BATCH * size * size);
  logits = g_new(float, (gsize)ANALYSIS_BATCH *classes);
  p_batch = g_new(float, ANALYSIS_BATCH);

  for (int start = 0; start < total; start += ANALYSIS_BATCH) {
    int n = MIN(ANALYSIS_BATCH, total - start);
    int m = 0; /* Frames of this batch decoded. */

    if (g_cancellable_set_error_if_cancelled(cancellable, error))
      return NULL;
    for (int i = 0; i < n; i++) {
      int index = first + start + i;
      g_autoptr(CsFrame) frame = NULL;
      gboolean padded = FALSE;

      /* A frame that cannot be decoded is left out of the result (its p is missing there), and
       * the rest of the sweep is analysed. */
      g_clear_error(&frame_error);
      frame = cs_sweep_get_frame(reader, index, &frame_error);
      if (frame == NULL && g_cancellable_set_error_if_cancelled(cancellable, error))
        return NULL;
      if (frame == NULL)
        continue;
      if (!cs_analysis_crop(c, frame, size, crops + (gsize)m * size * size, &padded, error)) {
        g_prefix_error(error, "frame %d: ", index);
        return NULL;
      }
      batch[m] = (CsCrop){ crops + (gsize)m * size * size, size, size, (gsize)size };
      frames[kept + m] = index;
      m++;
    }
    if (m == 0) {
      if (progress != NULL)
        progress(start + n, total, progress_data);
      continue;
    }
    if (!cs_model_classify(model, batch, m, logits, p_batch, cancellable, error))
      return NULL;
    for (int i = 0; i < m; i++)
      p[kept + i] = p_batch[i];
    kept += m;
    if (progress != NULL)
      progress(start + n, total, progress_data);
  }
  if (kept == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "no frame of %d to %d could be decoded: %s",
                first, last, frame_error != NULL ? frame_error->message : "unknown error");
    return NULL;
  }

  roi_hash = cs_case_dup_roi_hash(c);
  return cs_model_result_new(model->id, model->sha256, frames, p, kept, threshold, roi_hash);
}

/* The case's inlet CSA in mm^2 under the study layer's rule (cs-inlet-csa.h), or NaN; NaN too for
 * a DICOM-calibrated case with a tracing outside its spacing's region (cs-case-spacing.h). Opens
 * the sweep at @sweep_path into *@sweep only when the region check needs it (for the analysis to
 * use as well), with why it could not in *@open_error. */
static double
inlet_csa_mm2(CsCase *c, const char *sweep_path, CsSweep **sweep, GError **open_error)
{
  g_auto(CsInletCsa) csa = { 0 };

  cs_inlet_csa_from_case(c, &csa);
  if (!isfinite(csa.area_mm2) || !cs_case_dicom_spacing_needs_sweep(c))
    return csa.area_mm2;
  if (sweep_path != NULL)
    *sweep = cs_sweep_open(sweep_path, open_error);
  return cs_case_dicom_spacing_unsure_on(c, *sweep) ? NAN : csa.area_mm2;
}

CsScores *
cs_study_score(CsStudy *study, const char *const *model_ids, gboolean all,
               CsAnalysisProgressFunc progress, gpointer progress_data, GCancellable *cancellable,
               GError **error)
{
  g_autoptr(CsScores) scores = cs_scores_new();
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func((GDestroyNotify)cs_model_free);
  g_autoptr(GPtrArray) cases = g_ptr_array_new();
  guint n_cases;

  g_return_val_if_fail(CS_IS_STUDY(study), NULL);
  g_return_val_if_fail(model_ids != NULL && model_ids[0] != NULL, NULL);

  for (guint m = 0; model_ids[m] != NULL; m++) {
    CsModel *model = cs_model_load(model_ids[m], error);

    if (model == NULL)
      return NULL;
    g_ptr_array_add(models, model);
  }

  n_cases = cs_study_get_n_cases(study);
  for (guint i = 0; i < n_cases; i++) {
    CsCase *c = cs_study_get_case(study, i);

    if (cs_case_get_group(c) == CS_GROUP_UNKNOWN)
      continue;
    if (!all && cs_case_get_split(c) != CS_SPLIT_TEST)
      continue;
    g_ptr_array_add(cases, c);
  }
  if (cases->len == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                all ? "the study has no hand labelled control or cts"
                    : "the study has no labelled hand in the test split (try --split all)");
    return NULL;
  }

  for (guint i = 0; i < cases->len; i++) {
    CsCase *c = g_ptr_array_index(cases, i);
    g_autofree char *path = cs_study_dup_sweep_path(study, c);
    g_autoptr(CsSweep) sweep = NULL;
    g_autoptr(GError) open_error = NULL;
    gboolean cts = cs_case_get_group(c) == CS_GROUP_CTS;
    /* One open serves the region check and the analysis of a missing or stale result. */
    double csa = inlet_csa_mm2(c, path, &sweep, &open_error);

    if (path == NULL) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "case %s has no sweep", cs_case_get_id(c));
      return NULL;
    }
    for (guint m = 0; m < models->len; m++) {
      CsModel *model = g_ptr_array_index(models, m);
      const CsModelResult *cached = cs_case_find_result(c, model->sha256);
      CsModelResult *computed = NULL;
      const CsModelResult *result = cached;

      if (cached == NULL || cs_case_result_is_stale(c, cached, model->sha256)) {
        if (sweep == NULL && open_error == NULL)
          sweep = cs_sweep_open(path, &open_error);
        if (sweep == NULL) {
          g_propagate_prefixed_error(error, g_steal_pointer(&open_error),
                                     "case %s: ", cs_case_get_id(c));
          return NULL;
        }
        computed = cs_analyse_case(sweep, c, model, CS_ANALYSIS_DEFAULT_THRESHOLD, -1, -1, NULL,
                                   NULL, cancellable, error);
        if (computed == NULL) {
          g_prefix_error(error, "case %s: ", cs_case_get_id(c));
          return NULL;
        }
        result = computed;
      }
      for (guint f = 0; f < result->n_frames; f++) {
        if (!cs_scores_add(scores, cs_case_get_id(c), result->frames[f], cts, model->id,
                           result->p_cts[f], csa, error)) {
          cs_model_result_free(computed);
          return NULL;
        }
      }
      cs_model_result_free(computed);
    }
    if (progress != NULL)
      progress((int)i + 1, (int)cases->len, progress_data);
  }
  return g_steal_pointer(&scores);
}
