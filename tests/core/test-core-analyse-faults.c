/* test-core-analyse-faults.c — Analyse All when a sweep is truncated or deleted under it
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A phantom study of four cases and a seeded random model made by make-test-model. While the
 * first case is being analysed its sweep is cut to a few kilobytes, while the second is its sweep
 * is deleted (as a USB stick pulled out): both are reported as failed, naming the file and what
 * happened to it; the other two are analysed, and each result is saved into the study as it
 * comes (as the window does), so the study on disk keeps them all.
 *
 * Usage: test-core-analyse-faults MAKE_TEST_MODEL
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "cs-analyse-all.h"
#include "cs-error.h"
#include "cs-phantom-study.h"

#include "test-files.h"
#include "test-model.h"

static const char *make_model;

typedef struct {
  CsStudy *study;
  GPtrArray *errors; /* per case index: the message, or NULL when analysed */
  gboolean truncated, deleted;
  int saves;
} Run;

/* From the worker (here the test's thread): harms the first two sweeps part-way through. */
static void
progress_cb(guint index, guint n_cases, const char *case_id, int done, int total, gpointer data)
{
  Run *run = data;
  CsCase *c = cs_study_find_case(run->study, case_id);
  g_autofree char *path = cs_study_dup_sweep_path(run->study, c);

  if (done <= 0 || done >= total) /* after the first batch of frames, before the last */
    return;
  if (index == 0 && !run->truncated) {
    g_assert_cmpint(truncate(path, 4096), ==, 0);
    run->truncated = TRUE;
  } else if (index == 1 && !run->deleted) {
    g_assert_cmpint(g_unlink(path), ==, 0);
    run->deleted = TRUE;
  }
}

static void
case_done_cb(guint index, const char *case_id, const CsModelResult *result, int n_left_out,
             const GError *error, gpointer data)
{
  Run *run = data;
  g_autoptr(GError) local = NULL;

  g_assert_cmpuint(run->errors->len, ==, index);
  g_ptr_array_add(run->errors, error != NULL ? g_strdup(error->message) : NULL);
  if (result == NULL)
    return;
  g_assert_cmpint(n_left_out, ==, 0);
  g_assert_true(cs_case_set_result(cs_study_find_case(run->study, case_id), result, &local));
  g_assert_no_error(local);
  g_assert_true(cs_study_save(run->study, &local));
  g_assert_no_error(local);
  run->saves++;
}

static void
test_sweep_harmed(void)
{
  g_autofree char *work = g_dir_make_tmp("cs-analyse-faults-XXXXXX", NULL);
  g_autofree char *models = g_build_filename(work, "models", NULL);
  g_autofree char *model = g_build_filename(models, "tiny.safetensors", NULL);
  g_autofree char *study_dir = g_build_filename(work, "study", NULL);
  g_autofree char *study_path = g_build_filename(study_dir, "study.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = NULL;
  g_autoptr(CsStudy) saved = NULL;
  g_autoptr(CsAnalyseAll) job = NULL;
  g_autoptr(CsModel) loaded = NULL;
  CsPhantomStudyOptions options;
  Run run = { NULL, g_ptr_array_new_with_free_func(g_free), FALSE, FALSE, 0 };
  const char *sha;

  g_assert_cmpint(g_mkdir_with_parents(models, 0755), ==, 0);
  test_model_make(make_model, model, 64);
  g_setenv("CARPALSCOPE_MODELSDIR", models, TRUE);
  loaded = cs_model_load("tiny", &error);
  g_assert_no_error(error);
  sha = cs_model_get_sha256(loaded);

  cs_phantom_study_options_init(&options);
  options.hands_per_group = 2;
  options.test_per_group = 0;
  options.frames.width = 200;
  options.frames.height = 150;
  options.frames.n_frames = 40; /* two batches of the analysis */
  options.n_threads = 1;
  g_assert_true(cs_phantom_study_write(&options, study_dir, NULL, NULL, NULL, &error));
  g_assert_no_error(error);
  study = cs_study_load(study_path, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 4);
  run.study = study;

  job = cs_analyse_all_new(study, "tiny", sha, 0.5);
  g_assert_cmpuint(cs_analyse_all_get_n_cases(job), ==, 4);
  g_assert_cmpint(cs_analyse_all_run(job, case_done_cb, progress_cb, &run, NULL, &error), ==, 2);
  g_assert_no_error(error);
  g_assert_true(run.truncated && run.deleted);
  g_assert_cmpuint(run.errors->len, ==, 4);
  for (guint i = 0; i < 2; i++) {
    const char *message = g_ptr_array_index(run.errors, i);
    CsCase *c = cs_study_find_case(study, cs_analyse_all_get_case_id(job, i));
    g_autofree char *path = cs_study_dup_sweep_path(study, c);

    g_test_message("case %u: %s", i, message);
    g_assert_nonnull(message);
    g_assert_nonnull(strstr(message, path));
    g_assert_nonnull(strstr(message, i == 0 ? "changed while" : "removed while"));
  }
  g_assert_null(g_ptr_array_index(run.errors, 2));
  g_assert_null(g_ptr_array_index(run.errors, 3));
  g_assert_cmpint(run.saves, ==, 2);

  /* What was saved is all there: the two results, and no result for the harmed cases. */
  saved = cs_study_load(study_path, &error);
  g_assert_no_error(error);
  for (guint i = 0; i < 4; i++) {
    CsCase *c = cs_study_find_case(saved, cs_analyse_all_get_case_id(job, i));

    g_assert_nonnull(c);
    g_assert_true((cs_case_find_result(c, sha) != NULL) == (i >= 2));
  }

  g_ptr_array_unref(run.errors);
  test_remove_tree(work);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  if (argc < 2) {
    g_printerr("usage: %s MAKE_TEST_MODEL\n", argv[0]);
    return 2;
  }
  make_model = argv[1];
  g_test_add_func("/analysis/analyse-all/sweep-harmed", test_sweep_harmed);
  return g_test_run();
}
