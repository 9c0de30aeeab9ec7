/* test-study-history.c — undo and redo of a study's edits: cases added and removed, labels,
 * ROI keyframes and tracings, steps made by checkpoints and by quiet time, results never undone
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cs-study-edit.h"
#include "cs-study-history.h"

#define SHA_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static CsModelResult *
make_result(CsCase *c)
{
  CsModelResult *result = g_new0(CsModelResult, 1);

  result->model_id = g_strdup("m");
  result->model_sha256 = g_strdup(SHA_A);
  result->n_frames = 1;
  result->frames = g_new0(gint64, 1);
  result->p_cts = g_new0(double, 1);
  result->p_cts[0] = 0.7;
  result->p_hand = 0.7;
  result->summary = g_strdup("mean");
  result->threshold = 0.5;
  result->roi_hash = cs_case_dup_roi_hash(c);
  result->time = g_strdup("2026-01-01T00:00:00Z");
  return result;
}

static void
test_cases_added_and_removed(void)
{
  g_autoptr(CsStudy) study = cs_study_new();
  g_autoptr(CsStudyHistory) history = cs_study_history_new(study);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsModelResult) result = NULL;
  CsCase *a, *b;

  g_assert_false(cs_study_history_can_undo(history));
  g_assert_false(cs_study_history_undo(history));

  /* One import of two sweeps is one step: undo removes both, redo brings both back. */
  g_assert_nonnull(cs_study_add_sweep(study, "/data/a.mp4", &error));
  g_assert_nonnull(cs_study_add_sweep(study, "/data/b.mp4", &error));
  cs_study_history_checkpoint(history);
  g_assert_true(cs_study_history_can_undo(history));
  g_assert_true(cs_study_history_undo(history));
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 0);
  g_assert_true(cs_study_history_can_redo(history));
  g_assert_true(cs_study_history_redo(history));
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 2);
  g_assert_cmpstr(cs_case_get_id(cs_study_get_case(study, 1)), ==, "b");
  g_assert_cmpstr(cs_case_get_sweep_path(cs_study_get_case(study, 1)), ==, "/data/b.mp4");

  /* A result is no step, and survives the removal of its case and the undo that restores it. */
  a = cs_study_find_case(study, "a");
  result = make_result(a);
  g_assert_true(cs_case_set_result(a, result, &error));
  cs_study_history_checkpoint(history);
  g_assert_false(cs_study_history_can_redo(history)); /* no new step: the redo still... */
  g_assert_true(cs_study_history_undo(history));      /* ...and undo is the import's */
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 0);
  g_assert_true(cs_study_history_redo(history));
  a = cs_study_find_case(study, "a");
  g_assert_cmpuint(cs_case_get_n_results(a), ==, 1);

  /* Removing the first case and undoing it puts it back where it was, results and all. */
  cs_study_remove_case(study, "a");
  cs_study_history_checkpoint(history);
  g_assert_true(cs_study_history_undo(history));
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 2);
  g_assert_cmpstr(cs_case_get_id(cs_study_get_case(study, 0)), ==, "a");
  g_assert_cmpuint(cs_case_get_n_results(cs_study_get_case(study, 0)), ==, 1);

  /* A rename undone brings back the same case under its old id, results and all. */
  a = cs_study_get_case(study, 0);
  g_assert_true(cs_case_set_id(a, "a-renamed", &error));
  cs_study_history_checkpoint(history);
  g_assert_true(cs_study_history_undo(history));
  g_assert_true(cs_study_get_case(study, 0) == a);
  g_assert_cmpstr(cs_case_get_id(a), ==, "a");
  g_assert_cmpuint(cs_case_get_n_results(a), ==, 1);
  g_assert_true(cs_study_history_redo(history));
  g_assert_cmpstr(cs_case_get_id(cs_study_get_case(study, 0)), ==, "a-renamed");
  g_assert_true(cs_study_history_undo(history));

  /* A new edit after an undo drops the redo. */
  b = cs_study_find_case(study, "b");
  cs_case_set_notes(b, "new");
  cs_study_history_checkpoint(history);
  g_assert_false(cs_study_history_can_redo(history));
}

static void
test_case_edits(void)
{
  g_autoptr(CsStudy) study = cs_study_new();
  g_autoptr(CsCase) owned = cs_case_new("c");
  g_autoptr(CsStudyHistory) history = NULL;
  g_autoptr(GError) error = NULL;
  const double square[] = { 0, 0, 10, 0, 10, 10, 0, 10 };
  const double moved[] = { 0, 0, 20, 0, 10, 10, 0, 10 };
  g_autoptr(CsTracing) tracing = cs_tracing_new("inlet", 2, square, 4);
  g_autoptr(CsTracing) edited = cs_tracing_new("inlet", 2, moved, 4);
  CsRoiKeyframe key = { .frame = 0, .x = 50, .y = 50, .size_mm = 15 };
  CsCase *c;

  g_assert_true(cs_study_add_case(study, owned, &error));
  history = cs_study_history_new(study);
  c = cs_study_get_case(study, 0);

  /* Each checkpoint is a step: labels, ROI, a tracing, its edit. */
  cs_case_set_group(c, CS_GROUP_CTS);
  cs_case_set_hand(c, CS_HAND_RIGHT);
  cs_study_history_checkpoint(history);
  g_assert_true(cs_case_set_roi_keyframe(c, &key, &error));
  g_assert_true(cs_case_set_spacing(c, 0.05, CS_SPACING_SOURCE_MANUAL, &error));
  cs_study_history_checkpoint(history);
  g_assert_cmpint(cs_case_add_tracing(c, tracing, &error), ==, 0);
  cs_study_history_checkpoint(history);
  g_assert_true(cs_case_replace_tracing(c, 0, edited, &error));
  cs_study_history_checkpoint(history);

  /* Undone in turn, on the same case object (the window keeps showing it). */
  g_assert_true(cs_study_history_undo(history));
  g_assert_true(cs_study_get_case(study, 0) == c);
  g_assert_cmpfloat(cs_case_get_tracing(c, 0)->points[2], ==, 10);
  g_assert_true(cs_study_history_undo(history));
  g_assert_cmpuint(cs_case_get_n_tracings(c), ==, 0);
  g_assert_true(cs_study_history_undo(history));
  g_assert_cmpuint(cs_case_get_n_roi_keyframes(c), ==, 0);
  g_assert_cmpfloat(cs_case_get_spacing_mm(c), ==, 0);
  g_assert_true(cs_study_history_undo(history));
  g_assert_cmpint(cs_case_get_group(c), ==, CS_GROUP_UNKNOWN);
  g_assert_cmpint(cs_case_get_hand(c), ==, CS_HAND_UNKNOWN);
  g_assert_false(cs_study_history_undo(history));

  /* And redone to the end. */
  while (cs_study_history_redo(history))
    ;
  g_assert_cmpint(cs_case_get_group(c), ==, CS_GROUP_CTS);
  g_assert_cmpuint(cs_case_get_n_roi_keyframes(c), ==, 1);
  g_assert_cmpfloat(cs_case_get_spacing_mm(c), ==, 0.05);
  g_assert_cmpfloat(cs_case_get_tracing(c, 0)->points[2], ==, 20);
}

static gboolean
quit_cb(gpointer loop)
{
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

static void
test_quiet_time_makes_a_step(void)
{
  g_autoptr(CsStudy) study = cs_study_new();
  g_autoptr(CsStudyHistory) history = cs_study_history_new(study);
  g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);

  /* A burst of typing is one step, made once the study has been quiet. */
  cs_study_set_notes(study, "a");
  cs_study_set_notes(study, "ab");
  cs_study_set_notes(study, "abc");
  g_assert_true(cs_study_history_can_undo(history));
  g_timeout_add(CS_STUDY_HISTORY_QUIET_MS * 2, quit_cb, loop);
  g_main_loop_run(loop);
  g_assert_true(cs_study_history_undo(history));
  g_assert_null(cs_study_get_notes(study));
  g_assert_true(cs_study_history_redo(history));
  g_assert_cmpstr(cs_study_get_notes(study), ==, "abc");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/study/history/cases-added-and-removed", test_cases_added_and_removed);
  g_test_add_func("/study/history/case-edits", test_case_edits);
  g_test_add_func("/study/history/quiet-time-makes-a-step", test_quiet_time_makes_a_step);
  return g_test_run();
}
