/* test-core-analyse-all.c — Analyse All: the cases that need it, one model, a bad case skipped
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A study of three cases on numbered PGM sweeps written here (one of them missing) and a seeded
 * random model made by make-test-model: the job takes the cases with no result of the model,
 * analyses the two that can be (one with an undecodable frame left out), reports the missing
 * sweep and goes on; stored, the results make
 * the cases up to date until an ROI moves; a cancelled job stops with CANCELLED.
 *
 * Usage: test-core-analyse-all MAKE_TEST_MODEL
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cs-analyse-all.h"
#include "cs-error.h"
#include "cs-study-edit.h"

static const char *make_model;

static void
write_pgm_sweep(const char *dir, int n)
{
  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  for (int i = 0; i < n; i++) {
    g_autofree char *name = g_strdup_printf("f-%d.pgm", i + 1);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GString) pgm = g_string_new("P5\n64 48\n255\n");

    for (int p = 0; p < 64 * 48; p++)
      g_string_append_c(pgm, (char)((p * 7 + i * 31) & 0xff));
    g_assert_true(g_file_set_contents(path, pgm->str, (gssize)pgm->len, NULL));
  }
}

typedef struct {
  GPtrArray *ids;     /* case ids reported, in order */
  GPtrArray *results; /* CsModelResult copies, NULL for failures */
  GPtrArray *errors;  /* messages, NULL for successes */
  guint progress_calls;
  int left_out;
} Seen;

static void
case_done_cb(guint index, const char *case_id, const CsModelResult *result, int n_left_out,
             const GError *error, gpointer data)
{
  Seen *seen = data;

  seen->left_out += n_left_out;
  g_ptr_array_add(seen->ids, g_strdup(case_id));
  g_ptr_array_add(seen->results, result != NULL ? cs_model_result_copy(result) : NULL);
  g_ptr_array_add(seen->errors, error != NULL ? g_strdup(error->message) : NULL);
}

static void
progress_cb(guint index, guint n_cases, const char *case_id, int done, int total, gpointer data)
{
  Seen *seen = data;

  g_assert_cmpuint(index, <, n_cases);
  g_assert_cmpint(done, <=, total);
  seen->progress_calls++;
}

static void
test_analyse_all(void)
{
  g_autofree char *work = g_dir_make_tmp("cs-analyse-all-XXXXXX", NULL);
  g_autofree char *models = g_build_filename(work, "models", NULL);
  g_autofree char *model = g_build_filename(models, "tiny.safetensors", NULL);
  g_autofree char *study_dir = g_build_filename(work, "study", NULL);
  g_autofree char *sweep_a = g_build_filename(study_dir, "a", NULL);
  g_autofree char *sweep_b = g_build_filename(study_dir, "b", NULL);
  g_autofree char *gone = g_build_filename(study_dir, "gone.mp4", NULL);
  g_autofree char *rm = g_strdup_printf("rm -rf '%s'", work);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = NULL;
  g_autoptr(CsAnalyseAll) job = NULL;
  g_autoptr(CsModel) loaded = NULL;
  g_autoptr(GCancellable) cancelled = g_cancellable_new();
  Seen seen = { g_ptr_array_new_with_free_func(g_free),
                g_ptr_array_new_with_free_func((GDestroyNotify)cs_model_result_free),
                g_ptr_array_new_with_free_func(g_free), 0, 0 };
  CsRoiKeyframe key = { .frame = 0, .x = 32, .y = 24, .size_px = 30 };
  const char *sha;
  int status = 0;

  g_assert_cmpint(g_mkdir_with_parents(models, 0755), ==, 0);
  {
    const char *argv[] = { make_model, "squeezenet1_1", model, "64", NULL };

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                               &status, &error));
    g_assert_no_error(error);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
  }
  g_setenv("CARPALSCOPE_MODELSDIR", models, TRUE);
  loaded = cs_model_load("tiny", &error);
  g_assert_no_error(error);
  sha = cs_model_get_sha256(loaded);

  write_pgm_sweep(sweep_a, 3);
  write_pgm_sweep(sweep_b, 4);
  {
    /* One frame of b cannot be decoded: it is left out, the case is analysed. */
    g_autofree char *broken = g_build_filename(sweep_b, "f-3.pgm", NULL);

    g_assert_true(g_file_set_contents(broken, "P5\n64 48\n255\n\x01\x02", -1, NULL));
  }
  study = cs_study_create_in(study_dir, &error);
  g_assert_no_error(error);
  g_assert_nonnull(cs_study_add_sweep(study, sweep_a, &error));
  g_assert_nonnull(cs_study_add_sweep(study, gone, &error));
  g_assert_nonnull(cs_study_add_sweep(study, sweep_b, &error));
  for (guint i = 0; i < 3; i++)
    g_assert_true(cs_case_set_roi_keyframe(cs_study_get_case(study, i), &key, &error));

  /* Every case needs the analysis; the missing sweep is reported and the rest go on. */
  job = cs_analyse_all_new(study, "tiny", sha, 0.5);
  g_assert_cmpuint(cs_analyse_all_get_n_cases(job), ==, 3);
  g_assert_cmpint(cs_analyse_all_run(job, case_done_cb, progress_cb, &seen, NULL, &error), ==, 2);
  g_assert_no_error(error);
  g_assert_cmpuint(seen.ids->len, ==, 3);
  g_assert_cmpstr(g_ptr_array_index(seen.ids, 1), ==, "gone");
  g_assert_null(g_ptr_array_index(seen.results, 1));
  g_assert_nonnull(strstr(g_ptr_array_index(seen.errors, 1), "gone.mp4"));
  g_assert_cmpuint(((CsModelResult *)g_ptr_array_index(seen.results, 0))->n_frames, ==, 3);
  g_assert_cmpuint(((CsModelResult *)g_ptr_array_index(seen.results, 2))->n_frames, ==, 3);
  g_assert_cmpint(((CsModelResult *)g_ptr_array_index(seen.results, 2))->frames[2], ==, 3);
  g_assert_cmpint(seen.left_out, ==, 1);
  g_assert_cmpuint(seen.progress_calls, >=, 3);

  /* Stored, the results make their cases up to date: only the failed case is left... */
  for (guint i = 0; i < 3; i++)
    if (g_ptr_array_index(seen.results, i) != NULL)
      g_assert_true(cs_case_set_result(cs_study_find_case(study, g_ptr_array_index(seen.ids, i)),
                                       g_ptr_array_index(seen.results, i), &error));
  g_clear_pointer(&job, cs_analyse_all_free);
  job = cs_analyse_all_new(study, "tiny", sha, 0.5);
  g_assert_cmpuint(cs_analyse_all_get_n_cases(job), ==, 1);
  g_assert_cmpstr(cs_analyse_all_get_case_id(job, 0), ==, "gone");

  /* ...until an ROI moves: that result is stale and its case needs the analysis again. */
  key.x = 30;
  g_assert_true(cs_case_set_roi_keyframe(cs_study_get_case(study, 0), &key, &error));
  g_assert_true(cs_case_needs_analysis(cs_study_get_case(study, 0), sha));
  g_assert_false(cs_case_needs_analysis(cs_study_get_case(study, 2), sha));
  g_clear_pointer(&job, cs_analyse_all_free);
  job = cs_analyse_all_new(study, "tiny", sha, 0.5);
  g_assert_cmpuint(cs_analyse_all_get_n_cases(job), ==, 2);

  /* A cancelled job stops with CANCELLED and reports no case. */
  g_cancellable_cancel(cancelled);
  g_ptr_array_set_size(seen.ids, 0);
  g_assert_cmpint(cs_analyse_all_run(job, case_done_cb, NULL, &seen, cancelled, &error), ==, -1);
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint(seen.ids->len, ==, 0);

  g_ptr_array_unref(seen.ids);
  g_ptr_array_unref(seen.results);
  g_ptr_array_unref(seen.errors);
  g_assert_true(g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL));
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
  g_test_add_func("/analysis/analyse-all", test_analyse_all);
  return g_test_run();
}
