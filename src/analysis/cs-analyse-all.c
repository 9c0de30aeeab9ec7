/* cs-analyse-all.c — Analyse All: every case of a study that needs it, through one model, in one
 * worker; a case that fails is reported and skipped, never stops the rest
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-analyse-all.h"

#include "cs-error.h"

#include <errno.h>
#include <glib/gstdio.h>

typedef struct {
  CsCase *copy;     /* What the analysis reads of the case (id, spacing, ROI). */
  char *sweep_path; /* Absolute, or NULL when the case has none. */
} Item;

struct _CsAnalyseAll {
  char *model_id;
  double threshold;
  GArray *items; /* Item */
};

gboolean
cs_case_needs_analysis(CsCase *c, const char *model_sha256)
{
  const CsModelResult *result;

  g_return_val_if_fail(CS_IS_CASE(c), FALSE);

  if (model_sha256 == NULL)
    return TRUE;
  result = cs_case_find_result(c, model_sha256);
  return result == NULL || cs_case_result_is_stale(c, result, model_sha256);
}

static void
item_clear(gpointer data)
{
  Item *item = data;

  g_clear_object(&item->copy);
  g_clear_pointer(&item->sweep_path, g_free);
}

CsAnalyseAll *
cs_analyse_all_new(CsStudy *study, const char *model_id, const char *model_sha256, double threshold)
{
  CsAnalyseAll *job;

  g_return_val_if_fail(CS_IS_STUDY(study), NULL);
  g_return_val_if_fail(model_id != NULL, NULL);

  job = g_new0(CsAnalyseAll, 1);
  job->model_id = g_strdup(model_id);
  job->threshold = threshold;
  job->items = g_array_new(FALSE, TRUE, sizeof(Item));
  g_array_set_clear_func(job->items, item_clear);
  for (guint i = 0; i < cs_study_get_n_cases(study); i++) {
    CsCase *c = cs_study_get_case(study, i);
    Item item;

    if (!cs_case_needs_analysis(c, model_sha256))
      continue;
    item.copy = cs_analysis_dup_case(c);
    item.sweep_path = cs_study_dup_sweep_path(study, c);
    g_array_append_val(job->items, item);
  }
  return job;
}

void
cs_analyse_all_free(CsAnalyseAll *job)
{
  if (job == NULL)
    return;
  g_array_unref(job->items);
  g_free(job->model_id);
  g_free(job);
}

guint
cs_analyse_all_get_n_cases(CsAnalyseAll *job)
{
  g_return_val_if_fail(job != NULL, 0);
  return job->items->len;
}

const char *
cs_analyse_all_get_case_id(CsAnalyseAll *job, guint index)
{
  g_return_val_if_fail(job != NULL && index < job->items->len, NULL);
  return cs_case_get_id(g_array_index(job->items, Item, index).copy);
}

typedef struct {
  CsAnalyseAll *job;
  guint index;
  CsAnalyseAllProgressFunc progress;
  gpointer user_data;
} FrameProgress;

static void
frame_progress_cb(int done, int total, gpointer data)
{
  FrameProgress *p = data;

  if (p->progress != NULL)
    p->progress(p->index, p->job->items->len, cs_analyse_all_get_case_id(p->job, p->index), done,
                total, p->user_data);
}

/* Whether the sweep file at @path is still the one @before describes (a folder of images: its
 * listing's time), or with @before NULL still there; otherwise sets @error saying it was removed
 * or changed while it was read. Fills @now when given. */
static gboolean
sweep_unchanged(const char *path, const GStatBuf *before, GStatBuf *now_out, GError **error)
{
  GStatBuf local, *now = now_out != NULL ? now_out : &local;

  if (g_stat(path, now) != 0) {
    int saved_errno = errno;

    g_set_error(error, CS_ERROR, CS_ERROR_IO,
                "the sweep %s was removed while it was being analysed (%s); no result is kept",
                path, g_strerror(saved_errno));
    return FALSE;
  }
  if (before != NULL && (now->st_ino != before->st_ino || now->st_dev != before->st_dev ||
                         now->st_size != before->st_size || now->st_mtime != before->st_mtime)) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO,
                "the sweep %s changed while it was being analysed (%" G_GINT64_FORMAT
                " bytes, was %" G_GINT64_FORMAT "); no result is kept",
                path, (gint64)now->st_size, (gint64)before->st_size);
    return FALSE;
  }
  return TRUE;
}

/* Analyses one case; NULL with @error when its sweep or its ROI fails it, or its sweep is
 * removed or changed during the analysis. *@n_left_out counts the frames that could not be
 * decoded. */
static CsModelResult *
analyse_item(CsAnalyseAll *job, Item *item, CsModel *model, FrameProgress *progress,
             int *n_left_out, GCancellable *cancellable, GError **error)
{
  g_autoptr(CsSweep) sweep = NULL;
  CsModelResult *result;
  GStatBuf before;

  if (item->sweep_path == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "case %s has no sweep",
                cs_case_get_id(item->copy));
    return NULL;
  }
  sweep = cs_sweep_open(item->sweep_path, error);
  if (sweep == NULL)
    return NULL;
  if (!sweep_unchanged(item->sweep_path, NULL, &before, error))
    return NULL;
  result = cs_analyse_case(sweep, item->copy, model, job->threshold, -1, -1, frame_progress_cb,
                           progress, cancellable, error);
  if (!g_cancellable_is_cancelled(cancellable)) {
    g_autoptr(GError) harmed = NULL;

    /* A sweep cut or removed under the reader gives frames, or an error, that are not its own:
     * say what happened to it instead. */
    if (!sweep_unchanged(item->sweep_path, &before, NULL, &harmed)) {
      g_clear_pointer(&result, cs_model_result_free);
      if (error != NULL)
        g_clear_error(error);
      g_propagate_error(error, g_steal_pointer(&harmed));
    }
  }
  if (result != NULL)
    *n_left_out = cs_sweep_get_n_frames(sweep) - (int)result->n_frames;
  return result;
}

int
cs_analyse_all_run(CsAnalyseAll *job, CsAnalyseAllCaseFunc case_done,
                   CsAnalyseAllProgressFunc progress, gpointer user_data, GCancellable *cancellable,
                   GError **error)
{
  g_autoptr(CsModel) model = NULL;
  int analysed = 0;

  g_return_val_if_fail(job != NULL, -1);

  if (job->items->len == 0)
    return 0;
  model = cs_model_load(job->model_id, error);
  if (model == NULL)
    return -1;
  for (guint i = 0; i < job->items->len; i++) {
    Item *item = &g_array_index(job->items, Item, i);
    FrameProgress frame_progress = { job, i, progress, user_data };
    g_autoptr(GError) case_error = NULL;
    CsModelResult *result;
    int n_left_out = 0;

    if (g_cancellable_set_error_if_cancelled(cancellable, error))
      return -1;
    frame_progress_cb(0, 1, &frame_progress);
    result = analyse_item(job, item, model, &frame_progress, &n_left_out, cancellable, &case_error);
    if (result == NULL && g_cancellable_is_cancelled(cancellable)) {
      g_cancellable_set_error_if_cancelled(cancellable, error);
      return -1;
    }
    if (result != NULL)
      analysed++;
    if (case_done != NULL)
      case_done(i, cs_case_get_id(item->copy), result, n_left_out, case_error, user_data);
    cs_model_result_free(result);
  }
  return analysed;
}
