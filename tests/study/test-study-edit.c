/* test-study-edit.c — building a study: a new study in a folder, sweeps found and added as cases
 * relative to it, cases inserted, duplicated with everything they hold, and renamed
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cs-error.h"
#include "cs-study-edit.h"

static void
touch(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname(path);

  g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
  g_assert_true(g_file_set_contents(path, "x", 1, NULL));
}

static void
remove_tree(const char *dir)
{
  g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);

  g_assert_true(g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL));
}

static void
test_create_in(void)
{
  g_autofree char *work = g_dir_make_tmp("cs-study-edit-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename(work, "new", "study", NULL);
  g_autofree char *file = g_build_filename(dir, "study.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = cs_study_create_in(dir, &error);
  g_autoptr(CsStudy) again = NULL;

  g_assert_no_error(error);
  g_assert_nonnull(study);
  g_assert_cmpstr(cs_study_get_path(study), ==, file);
  g_assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));
  g_assert_false(cs_study_get_dirty(study));

  /* A folder that holds a study already is refused, and the study is left alone. */
  again = cs_study_create_in(dir, &error);
  g_assert_null(again);
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "open it instead"));
  remove_tree(work);
}

static void
test_find_and_add_sweeps(void)
{
  g_autofree char *work = g_dir_make_tmp("cs-study-edit-XXXXXX", NULL);
  g_autofree char *study_dir = g_build_filename(work, "study", NULL);
  g_autofree char *import = g_build_filename(work, "study", "sweeps", NULL);
  g_autofree char *outside = g_build_filename(work, "elsewhere.avi", NULL);
  g_autofree char *empty = g_build_filename(work, "empty", NULL);
  g_autofree char *images = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sweeps = NULL;
  g_autoptr(CsStudy) study = NULL;
  g_autofree char *resolved = NULL;
  CsCase *c;

  touch(import, "b-wrist.mp4");
  touch(import, "c-wrist.dcm");
  touch(import, "a-wrist.MKV");
  touch(import, "notes.txt");
  touch(import, ".hidden.mp4");
  touch(import, "frames/img-1.png");
  touch(import, "frames/img-2.png");
  touch(import, "other/readme.md");
  touch(work, "elsewhere.avi");
  g_assert_cmpint(g_mkdir_with_parents(empty, 0755), ==, 0);

  /* A folder of sweeps: its videos and its folder of images, in name order. */
  sweeps = cs_study_find_sweeps(import, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(sweeps->len, ==, 4);
  g_assert_true(g_str_has_suffix(g_ptr_array_index(sweeps, 0), "/a-wrist.MKV"));
  g_assert_true(g_str_has_suffix(g_ptr_array_index(sweeps, 1), "/b-wrist.mp4"));
  g_assert_true(g_str_has_suffix(g_ptr_array_index(sweeps, 2), "/c-wrist.dcm"));
  g_assert_true(g_str_has_suffix(g_ptr_array_index(sweeps, 3), "/frames"));
  g_clear_pointer(&sweeps, g_ptr_array_unref);

  /* A folder of images is one sweep; a file is one; an empty folder and a text file are none. */
  images = g_build_filename(import, "frames", NULL);
  sweeps = cs_study_find_sweeps(images, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(sweeps->len, ==, 1);
  g_assert_cmpstr(g_ptr_array_index(sweeps, 0), ==, images);
  g_clear_pointer(&sweeps, g_ptr_array_unref);
  g_assert_null(cs_study_find_sweeps(empty, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
  g_clear_error(&error);
  {
    g_autofree char *text = g_build_filename(import, "notes.txt", NULL);

    g_assert_null(cs_study_find_sweeps(text, &error));
    g_assert_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED);
    g_clear_error(&error);
  }

  /* Added to a study in the folder: named after the file, relative inside, absolute outside,
   * and a second sweep of the same name gets a new id. */
  study = cs_study_create_in(study_dir, &error);
  g_assert_no_error(error);
  sweeps = cs_study_find_sweeps(import, &error);
  for (guint i = 0; i < sweeps->len; i++)
    g_assert_nonnull(cs_study_add_sweep(study, g_ptr_array_index(sweeps, i), &error));
  g_assert_no_error(error);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 4);
  c = cs_study_get_case(study, 0);
  g_assert_cmpstr(cs_case_get_id(c), ==, "a-wrist");
  g_assert_cmpstr(cs_case_get_sweep_path(c), ==, "sweeps/a-wrist.MKV");
  g_assert_cmpstr(cs_case_get_id(cs_study_get_case(study, 3)), ==, "frames");
  g_assert_cmpstr(cs_case_get_sweep_path(cs_study_get_case(study, 3)), ==, "sweeps/frames");
  c = cs_study_add_sweep(study, outside, &error);
  g_assert_nonnull(c);
  g_assert_cmpstr(cs_case_get_sweep_path(c), ==, outside);
  c = cs_study_add_sweep(study, outside, &error);
  g_assert_cmpstr(cs_case_get_id(c), ==, "elsewhere-2");
  resolved = cs_study_dup_sweep_path(study, cs_study_get_case(study, 1));
  g_assert_true(g_str_has_suffix(resolved, "/study/sweeps/b-wrist.mp4"));
  g_assert_true(cs_study_get_dirty(study));
  remove_tree(work);
}

static void
test_duplicate_rename_insert(void)
{
  g_autoptr(CsStudy) study = cs_study_new();
  g_autoptr(CsCase) c = cs_case_new("cts-1");
  g_autoptr(CsCase) other = cs_case_new("cts-2");
  g_autoptr(CsCase) first = cs_case_new("cts-0");
  g_autoptr(GError) error = NULL;
  const double square[] = { 10, 10, 20, 10, 20, 20, 10, 20 };
  g_autoptr(CsTracing) tracing = cs_tracing_new("inlet", 3, square, 4);
  CsRoiKeyframe key = { .frame = 0, .x = 50, .y = 60, .size_mm = 15 };
  CsCase *copy;

  cs_case_set_hand(c, CS_HAND_LEFT);
  cs_case_set_group(c, CS_GROUP_CTS);
  cs_case_set_notes(c, "thenar wasting");
  g_assert_true(cs_case_set_spacing(c, 0.05, CS_SPACING_SOURCE_MANUAL, &error));
  g_assert_true(cs_case_set_roi_keyframe(c, &key, &error));
  g_assert_cmpint(cs_case_add_tracing(c, tracing, &error), ==, 0);
  g_assert_true(cs_study_add_case(study, c, &error));
  g_assert_true(cs_study_add_case(study, other, &error));

  /* The copy sits right after its case and holds everything it holds. */
  copy = cs_study_duplicate_case(study, "cts-1", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(cs_case_get_id(copy), ==, "cts-1-copy");
  g_assert_cmpint(cs_study_get_case_index(study, copy), ==, 1);
  g_assert_cmpint(cs_case_get_hand(copy), ==, CS_HAND_LEFT);
  g_assert_cmpint(cs_case_get_group(copy), ==, CS_GROUP_CTS);
  g_assert_cmpstr(cs_case_get_notes(copy), ==, "thenar wasting");
  g_assert_cmpfloat(cs_case_get_spacing_mm(copy), ==, 0.05);
  g_assert_cmpuint(cs_case_get_n_roi_keyframes(copy), ==, 1);
  g_assert_cmpuint(cs_case_get_n_tracings(copy), ==, 1);
  g_assert_cmpfloat(cs_case_get_tracing(copy, 0)->points[2], ==, 20);
  g_assert_cmpstr(cs_case_get_id(cs_study_duplicate_case(study, "cts-1", &error)), ==,
                  "cts-1-copy-2");
  g_assert_null(cs_study_duplicate_case(study, "nobody", &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
  g_clear_error(&error);

  /* Renaming keeps ids unique; inserting puts a case where asked. */
  g_assert_false(cs_case_set_id(copy, "cts-2", &error));
  g_assert_nonnull(error);
  g_clear_error(&error);
  g_assert_true(cs_case_set_id(copy, "cts-1-left", &error));
  g_assert_nonnull(cs_study_find_case(study, "cts-1-left"));
  g_assert_true(cs_study_insert_case(study, 0, first, &error));
  g_assert_cmpint(cs_study_get_case_index(study, first), ==, 0);
  g_assert_cmpint(cs_study_get_case_index(study, c), ==, 1);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 5);
}

static void
test_calibrate_keeps_roi(void)
{
  g_autoptr(CsCase) c = cs_case_new("c");
  g_autoptr(GError) error = NULL;
  CsRoiKeyframe first = { .frame = 0, .x = 100, .y = 80, .size_px = 200 };
  CsRoiKeyframe second = { .frame = 9, .x = 110, .y = 90, .size_px = 180 };
  const CsRoiKeyframe *key;

  /* Placed in px before the spacing is known, the ROI is the same square after calibrating:
   * its keyframes are in mm now, side_px * mm_per_px. */
  g_assert_true(cs_case_set_roi_keyframe(c, &first, &error));
  g_assert_true(cs_case_set_roi_keyframe(c, &second, &error));
  g_assert_true(cs_case_calibrate(c, 0.075, CS_SPACING_SOURCE_MANUAL, &error));
  g_assert_cmpfloat(cs_case_get_spacing_mm(c), ==, 0.075);
  g_assert_cmpuint(cs_case_get_n_roi_keyframes(c), ==, 2);
  key = cs_case_get_roi_keyframe(c, 0);
  g_assert_cmpfloat(key->size_px, ==, 0);
  g_assert_cmpfloat_with_epsilon(key->size_mm, 15.0, 1e-12);
  g_assert_cmpfloat(key->x, ==, 100);
  key = cs_case_get_roi_keyframe(c, 1);
  g_assert_cmpfloat_with_epsilon(key->size_mm, 13.5, 1e-12);
  g_assert_cmpint(key->frame, ==, 9);

  /* Calibrated again, the squares still cover the same pixels: 200 px at 0.05 mm/px. */
  g_assert_true(cs_case_calibrate(c, 0.05, CS_SPACING_SOURCE_MANUAL, &error));
  g_assert_cmpfloat_with_epsilon(cs_case_get_roi_keyframe(c, 0)->size_mm, 10.0, 1e-12);

  /* A refused spacing leaves the case as it was. */
  g_assert_false(cs_case_calibrate(c, 50, CS_SPACING_SOURCE_MANUAL, &error));
  g_assert_nonnull(error);
  g_assert_cmpfloat(cs_case_get_spacing_mm(c), ==, 0.05);
  g_assert_cmpfloat_with_epsilon(cs_case_get_roi_keyframe(c, 0)->size_mm, 10.0, 1e-12);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/study/edit/create-in", test_create_in);
  g_test_add_func("/study/edit/find-and-add-sweeps", test_find_and_add_sweeps);
  g_test_add_func("/study/edit/duplicate-rename-insert", test_duplicate_rename_insert);
  g_test_add_func("/study/edit/calibrate-keeps-roi", test_calibrate_keeps_roi);
  return g_test_run();
}
