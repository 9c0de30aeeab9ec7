/* cs-frame-explanation.c — one call to explain a frame: its crop, p(CTS), occlusion, LIME, Grad-CAM
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-frame-explanation.h"

#include <math.h>

#include "cs-error.h"

void
cs_explain_options_init(CsExplainOptions *options)
{
  g_return_if_fail(options != NULL);

  *options = (CsExplainOptions){ 0 };
  options->methods = CS_EXPLAIN_WANT_ALL;
  options->class_index = -1;
  options->score = CS_EXPLAIN_SCORE_PROBABILITY;
  options->gradcam_score = CS_EXPLAIN_SCORE_LOGIT;
  cs_occlusion_params_init(&options->occlusion);
  cs_lime_params_init(&options->lime);
  options->batch_size = 32;
}

static void
frame_explanation_clear(gpointer data)
{
  CsFrameExplanation *e = data;

  g_free(e->model_id);
  g_free(e->model_path);
  g_free(e->model_sha256);
  g_free(e->model_arch);
  g_free(e->trained_on);
  g_free(e->provenance);
  g_free(e->class_name);
  g_free(e->crop);
  cs_explanation_free(e->occlusion);
  cs_explanation_free(e->lime);
  cs_explanation_free(e->gradcam);
}

CsFrameExplanation *
cs_frame_explanation_ref(CsFrameExplanation *explanation)
{
  return explanation != NULL ? g_atomic_rc_box_acquire(explanation) : NULL;
}

void
cs_frame_explanation_unref(CsFrameExplanation *explanation)
{
  if (explanation != NULL)
    g_atomic_rc_box_release_full(explanation, frame_explanation_clear);
}

G_DEFINE_BOXED_TYPE(CsFrameExplanation, cs_frame_explanation, cs_frame_explanation_ref,
                    cs_frame_explanation_unref)

/* Progress of one explanation: the slice of the whole that each method covers. Occlusion and
 * LIME score hundreds of images; Grad-CAM is one forward and one backward pass. */
typedef struct {
  CsExplainFrameProgressFunc func;
  gpointer data;
  GCancellable *cancellable;
  double from;
  double to;
  const char *step;
} Progress;

static void
progress_cb(double fraction, gpointer user_data)
{
  Progress *p = user_data;

  if (p->func != NULL)
    p->func(p->from + (p->to - p->from) * CLAMP(fraction, 0, 1), p->step, p->data);
}

static void
progress_step(Progress *p, double from, double to, const char *step)
{
  p->from = from;
  p->to = to;
  p->step = step;
  progress_cb(0, p);
}

static gboolean
abort_cb(gpointer user_data)
{
  Progress *p = user_data;

  return g_cancellable_is_cancelled(p->cancellable);
}

/* The occlusion geometry for a network input of @size: sizes given in pixels win, then the
 * fractions of the side, then the explain layer's defaults (0). */
static CsOcclusionParams
resolve_occlusion(const CsExplainOptions *options, int size)
{
  CsOcclusionParams params = options->occlusion;

  if (params.mask_px <= 0 && options->mask_fraction > 0)
    params.mask_px = MAX(1, (int)(size * options->mask_fraction));
  if (params.stride_px <= 0 && options->stride_fraction > 0)
    params.stride_px = MAX(1, (int)(size * options->stride_fraction));
  return params;
}

/* Fills the crop's p(CTS) into @e. The explained class's score on the whole crop is each map's
 * base_score, computed by the explainers themselves. */
static gboolean
classify_crop(CsModel *model, CsFrameExplanation *e, GError **error)
{
  CsCrop crop = { e->crop, e->size, e->size, (gsize)e->size };
  float p_cts = NAN;

  if (!cs_model_classify(model, &crop, 1, NULL, &p_cts, NULL, error))
    return FALSE;
  e->p_cts = p_cts;
  return TRUE;
}

/* Runs the methods asked for on @e's crop. */
static gboolean
run_methods(CsModel *model, CsFrameExplanation *e, Progress *progress, GError **error)
{
  csnn_net *net = cs_model_get_net(model);
  const CsExplainOptions *o = &e->options;
  gboolean occlusion = (o->methods & CS_EXPLAIN_WANT_OCCLUSION) != 0;
  gboolean lime = (o->methods & CS_EXPLAIN_WANT_LIME) != 0;
  gboolean gradcam = (o->methods & CS_EXPLAIN_WANT_GRADCAM) != 0;
  /* Occlusion scores about 80 images at the defaults, LIME 1000 per run, Grad-CAM two passes. */
  double w_occlusion = occlusion ? 0.3 : 0;
  double w_lime = lime ? 0.6 : 0;
  double w_gradcam = gradcam ? 0.1 : 0;
  double total = MAX(w_occlusion + w_lime + w_gradcam, 1e-9);
  g_autoptr(CsExplainNetScorer) net_scorer = NULL;
  CsExplainScorer scorer = { 0 };

  if (occlusion || lime) {
    net_scorer = cs_explain_net_scorer_new(net, e->class_index, o->score, error);
    if (net_scorer == NULL)
      return FALSE;
    cs_explain_net_scorer_bind(net_scorer, &scorer);
    scorer.batch_size = o->batch_size > 0 ? o->batch_size : 32;
    scorer.should_abort = abort_cb;
    scorer.progress = progress_cb;
    scorer.user_data = progress;
    csnn_net_set_max_batch(net, MIN(scorer.batch_size, 32));
  }
  if (occlusion) {
    CsOcclusionParams params = resolve_occlusion(o, e->size);

    progress_step(progress, 0, w_occlusion / total, "occlusion");
    e->occlusion = cs_explain_occlusion(e->crop, e->size, e->size, &params, &scorer, error);
    if (e->occlusion == NULL)
      return FALSE;
  }
  if (lime) {
    progress_step(progress, w_occlusion / total, (w_occlusion + w_lime) / total, "LIME");
    e->lime = cs_explain_lime(e->crop, e->size, e->size, &o->lime, &scorer, error);
    if (e->lime == NULL)
      return FALSE;
  }
  if (gradcam) {
    progress_step(progress, (w_occlusion + w_lime) / total, 1, "Grad-CAM");
    if (g_cancellable_set_error_if_cancelled(progress->cancellable, error))
      return FALSE;
    e->gradcam = cs_explain_gradcam(net, e->crop, e->size, e->class_index, o->gradcam_score, error);
    if (e->gradcam == NULL)
      return FALSE;
  }
  progress_cb(1, progress);
  return TRUE;
}

/* A new explanation of @model with its identity and the options filled in; @crop is copied. */
static CsFrameExplanation *
explanation_new(CsModel *model, const guint8 *crop, int size, const CsExplainOptions *options,
                GError **error)
{
  g_autoptr(CsFrameExplanation) e = g_atomic_rc_box_new0(CsFrameExplanation);
  int n_classes = cs_model_get_n_classes(model);

  if (options != NULL)
    e->options = *options;
  else
    cs_explain_options_init(&e->options);
  e->class_index =
      e->options.class_index >= 0 ? e->options.class_index : cs_model_get_cts_index(model);
  if (e->class_index >= n_classes) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s has no class %d (it has %d)",
                cs_model_get_id(model), e->class_index, n_classes);
    return NULL;
  }
  e->options.class_index = e->class_index;
  e->class_name = g_strdup(cs_model_get_class_name(model, e->class_index));
  e->model_id = g_strdup(cs_model_get_id(model));
  e->model_path = g_strdup(cs_model_get_path(model));
  e->model_sha256 = g_strdup(cs_model_get_sha256(model));
  e->model_arch = g_strdup(cs_model_get_arch(model));
  e->trained_on = g_strdup(cs_model_get_trained_on(model));
  e->provenance = g_strdup(cs_model_get_metadata(model, "provenance"));
  e->phantom_trained = cs_model_is_phantom_trained(model);
  e->size = size;
  e->crop = crop != NULL ? g_memdup2(crop, (gsize)size * size) : g_malloc0((gsize)size * size);
  return g_steal_pointer(&e);
}

CsFrameExplanation *
cs_explain_crop(CsModel *model, const guint8 *crop, int size, const CsExplainOptions *options,
                CsExplainFrameProgressFunc progress, gpointer progress_data,
                GCancellable *cancellable, GError **error)
{
  g_autoptr(CsFrameExplanation) e = NULL;
  Progress p = { progress, progress_data, cancellable, 0, 1, NULL };

  g_return_val_if_fail(model != NULL, NULL);
  g_return_val_if_fail(crop != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  if (size != cs_model_get_input_size(model)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "the crop is %d px wide; %s takes %d px", size,
                cs_model_get_id(model), cs_model_get_input_size(model));
    return NULL;
  }
  e = explanation_new(model, crop, size, options, error);
  if (e == NULL || !classify_crop(model, e, error))
    return NULL;
  if (!run_methods(model, e, &p, error)) {
    /* The explainers stop at the next batch when cancelled; say so rather than what broke. */
    if (g_cancellable_is_cancelled(cancellable)) {
      g_clear_error(error);
      g_cancellable_set_error_if_cancelled(cancellable, error);
    }
    return NULL;
  }
  return g_steal_pointer(&e);
}

CsFrameExplanation *
cs_explain_frame(CsModel *model, const CsFrame *frame, const CsRoiRect *roi,
                 const CsSpacing *spacing, const CsExplainOptions *options,
                 CsExplainFrameProgressFunc progress, gpointer progress_data,
                 GCancellable *cancellable, GError **error)
{
  int size;
  g_autofree guint8 *crop = NULL;
  gboolean padded = FALSE;
  CsFrameExplanation *e;

  g_return_val_if_fail(model != NULL, NULL);
  g_return_val_if_fail(frame != NULL, NULL);
  g_return_val_if_fail(roi != NULL, NULL);

  size = cs_model_get_input_size(model);
  crop = g_malloc((gsize)size * size);
  if (!cs_roi_crop(frame->data, frame->width, frame->height, frame->stride, roi, size, size, crop,
                   &padded, error))
    return NULL;
  e = cs_explain_crop(model, crop, size, options, progress, progress_data, cancellable, error);
  if (e == NULL)
    return NULL;
  e->frame = frame->index;
  e->roi = *roi;
  e->padded = padded;
  e->mm_per_px =
      spacing != NULL && cs_spacing_is_known(spacing) ? spacing->mm_per_px * roi->width / size : 0;
  return e;
}

CsFrameExplanation *
cs_explain_case_frame(CsModel *model, CsSweep *sweep, CsCase *c, int frame_index,
                      const CsExplainOptions *options, CsExplainFrameProgressFunc progress,
                      gpointer progress_data, GCancellable *cancellable, GError **error)
{
  g_autoptr(CsSweep) reader = NULL;
  g_autoptr(CsFrame) frame = NULL;
  g_autoptr(CsRoiTrack) track = NULL;
  CsSpacing spacing;
  CsRoiRect rect;

  g_return_val_if_fail(CS_IS_SWEEP(sweep), NULL);
  g_return_val_if_fail(CS_IS_CASE(c), NULL);

  track = cs_case_dup_roi_track(c);
  if (track == NULL || cs_roi_track_get_n_keys(track) == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "case %s has no ROI: place the ROI on the nerve first", cs_case_get_id(c));
    return NULL;
  }
  spacing = cs_case_get_spacing(c);
  if (!cs_roi_track_get_rect(track, frame_index, &spacing, &rect, error))
    return NULL;
  reader = cs_sweep_open_reader(sweep, error);
  if (reader == NULL || (frame = cs_sweep_get_frame(reader, frame_index, error)) == NULL)
    return NULL;
  return cs_explain_frame(model, frame, &rect, &spacing, options, progress, progress_data,
                          cancellable, error);
}

/* ---- in a worker ---- */

typedef struct {
  CsSweep *sweep;
  CsCase *case_copy;
  int frame;
  GStrv model_ids;
  CsExplainOptions options;
  CsProgressRelay *relay;
  int model; /* The model being explained, for the overall fraction. */
} Job;

static void
job_free(gpointer data)
{
  Job *job = data;

  g_clear_object(&job->sweep);
  g_clear_object(&job->case_copy);
  g_strfreev(job->model_ids);
  g_clear_object(&job->relay);
  g_free(job);
}

static void
job_progress_cb(double fraction, const char *step, gpointer user_data)
{
  Job *job = user_data;
  guint n = g_strv_length(job->model_ids);

  if (job->relay != NULL)
    cs_progress_relay_post(job->relay, (job->model + fraction) / MAX(n, 1), step);
}

static void
explain_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GPtrArray) out =
      g_ptr_array_new_with_free_func((GDestroyNotify)cs_frame_explanation_unref);

  for (job->model = 0; job->model_ids[job->model] != NULL; job->model++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(CsModel) model = cs_model_load(job->model_ids[job->model], &error);
    CsFrameExplanation *e = NULL;

    if (model != NULL)
      e = cs_explain_case_frame(model, job->sweep, job->case_copy, job->frame, &job->options,
                                job_progress_cb, job, cancellable, &error);
    if (e == NULL) {
      g_task_return_error(task, g_steal_pointer(&error));
      return;
    }
    g_ptr_array_add(out, e);
  }
  g_task_return_pointer(task, g_steal_pointer(&out), (GDestroyNotify)g_ptr_array_unref);
}

void
cs_explain_case_frame_async(CsSweep *sweep, CsCase *c, int frame_index,
                            const char *const *model_ids, const CsExplainOptions *options,
                            CsProgressRelay *relay, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
  Job *job;

  g_return_if_fail(CS_IS_SWEEP(sweep));
  g_return_if_fail(CS_IS_CASE(c));
  g_return_if_fail(model_ids != NULL && model_ids[0] != NULL);

  job = g_new0(Job, 1);
  job->sweep = g_object_ref(sweep);
  job->case_copy = cs_analysis_dup_case(c);
  job->frame = frame_index;
  job->model_ids = g_strdupv((char **)model_ids);
  if (options != NULL)
    job->options = *options;
  else
    cs_explain_options_init(&job->options);
  job->relay = relay != NULL ? g_object_ref(relay) : NULL;
  g_task_set_source_tag(task, cs_explain_case_frame_async);
  g_task_set_task_data(task, job, job_free);
  g_task_run_in_thread(task, explain_worker);
}

GPtrArray *
cs_explain_case_frame_finish(GAsyncResult *result, GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
  g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == cs_explain_case_frame_async, NULL);
  return g_task_propagate_pointer(G_TASK(result), error);
}

CsFrameExplanation *
cs_explain_case_report_frame(CsModel *model, CsStudy *study, CsCase *c,
                             const CsExplainOptions *options, CsExplainFrameProgressFunc progress,
                             gpointer progress_data, GCancellable *cancellable, GError **error)
{
  g_autofree char *path = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  int frame;

  g_return_val_if_fail(CS_IS_STUDY(study), NULL);
  g_return_val_if_fail(CS_IS_CASE(c), NULL);

  path = cs_study_dup_sweep_path(study, c);
  if (path == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "case %s has no sweep", cs_case_get_id(c));
    return NULL;
  }
  sweep = cs_sweep_open(path, error);
  if (sweep == NULL)
    return NULL;
  frame = cs_explain_pick_frame(cs_case_find_result(c, cs_model_get_sha256(model)),
                                cs_sweep_get_n_frames(sweep), NULL);
  return cs_explain_case_frame(model, sweep, c, frame, options, progress, progress_data,
                               cancellable, error);
}

int
cs_explain_pick_frame(const CsModelResult *result, int n_frames, char **reason)
{
  int index;

  if (result != NULL && result->n_frames > 0) {
    guint best = 0;

    for (guint i = 1; i < result->n_frames; i++)
      if (result->p_cts[i] > result->p_cts[best])
        best = i;
    index = (int)result->frames[best];
    if (reason != NULL)
      *reason = g_strdup_printf("Frame %d, the analysed frame with the highest p(CTS) (%.3f).",
                                index, result->p_cts[best]);
    return index;
  }
  index = n_frames / 2;
  if (reason != NULL)
    *reason = g_strdup_printf(
        "Frame %d, the middle frame of the sweep (there is no analysis to choose a frame by).",
        index);
  return index;
}
