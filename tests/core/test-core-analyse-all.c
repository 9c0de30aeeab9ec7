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
#include <math.h>
#include <string.h>

#include "cs-analyse-all.h"
#include "cs-analysis.h"
#include "cs-error.h"
#include "cs-study-edit.h"

#include "dicom-test-util.h"
#include "test-files.h"
#include "test-model.h"

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

  g_assert_cmpint(g_mkdir_with_parents(models, 0755), ==, 0);
  test_model_make(make_model, model, 64);
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
  test_remove_tree(work);
}

/* Adds to @study a case @id of @group on the DICOM sweep @path, calibrated as Import calibrates it
 * (the file's region 0, 0.1 mm/px), with its ROI and an inlet tracing of the rectangle @xy. */
static void
add_dicom_case(CsStudy *study, const char *id, CsGroup group, const char *path, const double xy[8])
{
  g_autoptr(CsCase) c = cs_case_new(id);
  g_autoptr(CsTracing) tracing = cs_tracing_new("inlet", 0, xy, 4);
  g_autoptr(GError) error = NULL;
  CsRoiKeyframe key = { .frame = 0, .x = 32, .y = 24, .size_px = 30 };

  cs_case_set_group(c, group);
  cs_case_set_sweep_path(c, path);
  g_assert_true(cs_case_set_spacing_full(c, 0.1, CS_SPACING_SOURCE_DICOM, 0, &error));
  g_assert_true(cs_case_set_roi_keyframe(c, &key, &error));
  g_assert_cmpint(cs_case_add_tracing(c, tracing, &error), ==, 0);
  g_assert_true(cs_study_add_case(study, c, &error));
  g_assert_no_error(error);
}

/* The scores of DICOM-calibrated hands with no result yet: each sweep serves the region check and
 * the analysis. A tracing inside the file's region (the whole 64 x 48 image, 0.1 mm/px) gives
 * its mm²; one that leaves it has none (NaN), and its hand's frames are scored all the same. */
static void
test_study_score_dicom(void)
{
  g_autofree char *work = g_dir_make_tmp("cs-study-score-XXXXXX", NULL);
  g_autofree char *models = g_build_filename(work, "models", NULL);
  g_autofree char *model = g_build_filename(models, "tiny.safetensors", NULL);
  g_autofree char *export_dir = g_build_filename(work, "export", NULL);
  g_autofree char *sweep =
      g_build_filename(export_dir, "DICOM", "ST000001", "SE000001", "IM000001", NULL);
  const double inside[] = { 10, 10, 30, 10, 30, 30, 10, 30 };
  const double outside[] = { 50, 10, 80, 10, 80, 30, 50, 30 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = cs_study_new();
  g_autoptr(CsScores) scores = NULL;
  const char *model_ids[] = { NULL, NULL };

  g_assert_cmpint(g_mkdir_with_parents(export_dir, 0755), ==, 0);
  if (!dicom_test_make_files("make-dicom-folder.py", export_dir)) {
    test_remove_tree(work);
    return;
  }
  g_assert_cmpint(g_mkdir_with_parents(models, 0755), ==, 0);
  test_model_make(make_model, model, 64);
  add_dicom_case(study, "inside", CS_GROUP_CTS, sweep, inside);
  add_dicom_case(study, "outside", CS_GROUP_CONTROL, sweep, outside);

  /* By its file: the catalogue keeps the models folder of the test before. */
  model_ids[0] = model;
  scores = cs_study_score(study, model_ids, TRUE, NULL, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(cs_scores_get_n_rows(scores), ==, 6);
  g_assert_cmpuint(cs_scores_get_n_hands(scores), ==, 2);
  for (guint i = 0; i < 2; i++) {
    double csa = cs_scores_get_hand_csa(scores, i);

    if (g_strcmp0(cs_scores_get_hand(scores, i), "inside") == 0)
      g_assert_cmpfloat_with_epsilon(csa, 400 * 0.1 * 0.1, 1e-9);
    else
      g_assert_true(isnan(csa));
  }
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
  g_test_add_func("/analysis/analyse-all", test_analyse_all);
  g_test_add_func("/analysis/study-score/dicom", test_study_score_dicom);
  return g_test_run();
}
