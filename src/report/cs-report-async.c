/* cs-report-async.c — writing a case report in a worker thread, for the GUI's Export action
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "cs-error.h"
#include "cs-progress-relay.h"
#include "cs-report.h"

/* A copy of the study taken when a job starts: the window may go on editing the original. */
typedef struct {
  char *data;
  gsize length;
  char *dir;
  char *name;
} StudySnapshot;

typedef struct {
  StudySnapshot study;
  char *case_id;
  char *model;
  CsFrameExplanation *explanation; /* Immutable, so shared with the caller. */
  char *path;
  char *date;
  CsReportOptions options;
  CsProgressRelay *relay; /* NULL when the caller wants no progress. */
} WriteJob;

static void
snapshot_take(StudySnapshot *snapshot, CsStudy *study)
{
  const char *name = cs_study_get_name(study);

  snapshot->data = cs_study_to_data(study, &snapshot->length);
  snapshot->dir = g_strdup(cs_study_get_dir(study));
  if (name != NULL && *name != '\0')
    snapshot->name = g_strdup(name);
  else if (cs_study_get_dir(study) != NULL)
    snapshot->name = g_path_get_basename(cs_study_get_dir(study));
}

static CsStudy *
snapshot_load(const StudySnapshot *snapshot, GError **error)
{
  CsStudy *study =
      cs_study_load_from_data(snapshot->data, (gssize)snapshot->length, snapshot->dir, error);

  if (study != NULL && snapshot->name != NULL)
    cs_study_set_name(study, snapshot->name);
  return study;
}

static void
snapshot_clear(StudySnapshot *snapshot)
{
  g_free(snapshot->data);
  g_free(snapshot->dir);
  g_free(snapshot->name);
}

/* Copies @options (NULL: the defaults) to @dst, its date to a string of the job's own (@date). */
static void
copy_report_options(CsReportOptions *dst, char **date, const CsReportOptions *options)
{
  if (options != NULL)
    *dst = *options;
  else
    cs_report_options_init(dst);
  *date = g_strdup(dst->date);
  dst->date = *date;
  dst->csa_agreement = NULL; /* Borrowed by the caller: never carried into a worker. */
}

static void
write_job_free(gpointer data)
{
  WriteJob *job = data;

  snapshot_clear(&job->study);
  g_free(job->case_id);
  g_free(job->model);
  cs_frame_explanation_unref(job->explanation);
  g_free(job->path);
  g_free(job->date);
  g_clear_object(&job->relay);
  g_free(job);
}

static void
write_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  WriteJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = NULL;
  CsCase *c;

  study = snapshot_load(&job->study, &error);
  if (study == NULL) {
    g_task_return_error(task, g_steal_pointer(&error));
    return;
  }
  c = cs_study_find_case(study, job->case_id);
  if (c == NULL) {
    g_task_return_new_error(task, CS_ERROR, CS_ERROR_NOT_FOUND, "the study has no case “%s”",
                            job->case_id);
    return;
  }
  if (!cs_report_write_case(study, c, job->model, job->explanation, &job->options, job->path,
                            cancellable, job->relay != NULL ? cs_progress_relay_post_cb : NULL,
                            job->relay, &error)) {
    g_task_return_error(task, g_steal_pointer(&error));
    return;
  }
  /* A cancel that came after the file was written still leaves no file, as promised. */
  if (g_cancellable_set_error_if_cancelled(cancellable, &error)) {
    g_unlink(job->path);
    g_task_return_error(task, g_steal_pointer(&error));
    return;
  }
  g_task_return_boolean(task, TRUE);
}

/* Ends a write on the caller's main context: the relay is closed first, so that no progress
 * reaches the caller after its callback, then the worker's outcome goes to the caller's task. */
static void
write_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  WriteJob *job = g_task_get_task_data(G_TASK(result));
  GError *error = NULL;

  if (job->relay != NULL)
    cs_progress_relay_close(job->relay);
  if (g_task_propagate_boolean(G_TASK(result), &error))
    g_task_return_boolean(task, TRUE);
  else
    g_task_return_error(task, error);
}

void
cs_report_write_case_async(CsStudy *study, CsCase *c, const char *model,
                           CsFrameExplanation *explanation, const CsReportOptions *options,
                           const char *path, GCancellable *cancellable,
                           CsReportProgressFunc progress, gpointer progress_data,
                           GDestroyNotify progress_destroy, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  GTask *worker;
  WriteJob *job;

  g_return_if_fail(CS_IS_STUDY(study));
  g_return_if_fail(CS_IS_CASE(c));
  g_return_if_fail(path != NULL);

  task = g_task_new(NULL, cancellable, callback, user_data);
  g_task_set_source_tag(task, cs_report_write_case_async);
  job = g_new0(WriteJob, 1);
  snapshot_take(&job->study, study);
  job->case_id = g_strdup(cs_case_get_id(c));
  job->model = g_strdup(model);
  job->explanation = cs_frame_explanation_ref(explanation);
  job->path = g_strdup(path);
  copy_report_options(&job->options, &job->date, options);
  if (progress != NULL)
    job->relay = cs_progress_relay_new(cancellable, progress, progress_data, progress_destroy);
  else if (progress_destroy != NULL)
    progress_destroy(progress_data);
  /* The worker runs in a task of its own, whose callback closes the relay on this context before
   * the caller's task completes: no progress arrives after the outcome. The caller's task alone
   * checks the cancellable, as before. */
  worker = g_task_new(NULL, cancellable, write_done_cb, g_steal_pointer(&task));
  g_task_set_check_cancellable(worker, FALSE);
  g_task_set_task_data(worker, job, write_job_free);
  g_task_run_in_thread(worker, write_worker);
  g_object_unref(worker);
}

gboolean
cs_report_write_case_finish(GAsyncResult *result, GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
  g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == cs_report_write_case_async, FALSE);
  return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- Study report ---- */

typedef struct {
  StudySnapshot study;
  char **models;
  CsSplit split;
  CsEvaluateOptions evaluate;
  CsReportOptions options;
  char *date;
  CsReportFormat format;
  char *path;
} StudyJob;

static void
study_job_free(gpointer data)
{
  StudyJob *job = data;

  snapshot_clear(&job->study);
  g_strfreev(job->models);
  g_free(job->date);
  g_free(job->path);
  g_free(job);
}

gboolean
cs_report_write_study(CsStudy *study, const char *const *models, CsSplit split,
                      const CsEvaluateOptions *evaluate, const CsReportOptions *options,
                      CsReportFormat format, const char *path, GCancellable *cancellable,
                      GError **error)
{
  g_autoptr(CsStudyReport) report = NULL;

  g_return_val_if_fail(path != NULL, FALSE);
  report = cs_study_report_build(study, models, split, evaluate, options, cancellable, error);
  if (report == NULL)
    return FALSE;
  if (g_cancellable_set_error_if_cancelled(cancellable, error))
    return FALSE;
  return cs_study_report_write(report, format, path, error);
}

static void
study_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  StudyJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = NULL;

  study = snapshot_load(&job->study, &error);
  if (study == NULL) {
    g_task_return_error(task, g_steal_pointer(&error));
    return;
  }
  if (!cs_report_write_study(study, (const char *const *)job->models, job->split, &job->evaluate,
                             &job->options, job->format, job->path, cancellable, &error)) {
    g_task_return_error(task, g_steal_pointer(&error));
    return;
  }
  g_task_return_boolean(task, TRUE);
}

void
cs_report_write_study_async(CsStudy *study, const char *const *models, CsSplit split,
                            const CsEvaluateOptions *evaluate, const CsReportOptions *options,
                            CsReportFormat format, const char *path, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  StudyJob *job;

  g_return_if_fail(CS_IS_STUDY(study));
  g_return_if_fail(models != NULL && models[0] != NULL);
  g_return_if_fail(path != NULL);

  task = g_task_new(NULL, cancellable, callback, user_data);
  g_task_set_source_tag(task, cs_report_write_study_async);
  job = g_new0(StudyJob, 1);
  snapshot_take(&job->study, study);
  job->models = g_strdupv((char **)models);
  job->split = split;
  if (evaluate != NULL)
    job->evaluate = *evaluate;
  else
    cs_evaluate_options_init(&job->evaluate);
  copy_report_options(&job->options, &job->date, options);
  job->format = format;
  job->path = g_strdup(path);
  g_task_set_task_data(task, job, study_job_free);
  g_task_run_in_thread(task, study_worker);
}

gboolean
cs_report_write_study_finish(GAsyncResult *result, GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
  g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == cs_report_write_study_async, FALSE);
  return g_task_propagate_boolean(G_TASK(result), error);
}
