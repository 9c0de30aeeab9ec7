/* test-study-import.c — DICOM folders and DICOMDIRs found (media) and imported as cases (study)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * tests/media/make-dicom-folder.py writes a scanner's export with pydicom and indexes it with
 * dcmtk's dcmmkdir; without them the tests skip. The real files of ../shared/realdata/dicom are
 * imported when present.
 */
#include "config.h"

#include "cs-dicom-folder.h"
#include "cs-dicom.h"
#include "cs-error.h"
#include "cs-study-edit.h"
#include "cs-study-import.h"
#include "dicom-test-util.h"
#include "test-files.h"
#include "test-realdata.h"

#include <glib/gstdio.h>
#include <string.h>

static char *folder;

/* Makes the folder once per run; FALSE (test skipped) without Python, pydicom or dcmmkdir. */
static gboolean
have_folder(void)
{
  static gboolean made;

  if (made)
    return TRUE;
  if (folder == NULL)
    folder = g_dir_make_tmp("cs-dicom-folder-XXXXXX", NULL);
  g_assert_nonnull(folder);
  made = dicom_test_make_files("make-dicom-folder.py", folder);
  return made;
}

static const CsDicomFolderEntry *
entry(CsDicomFolder *found, guint index)
{
  g_assert_cmpuint(index, <, found->entries->len);
  return g_ptr_array_index(found->entries, index);
}

static const char *
skip_reason(CsDicomFolder *found, const char *name)
{
  for (guint i = 0; i < found->skipped->len; i++) {
    CsDicomFolderSkip *s = g_ptr_array_index(found->skipped, i);

    if (g_str_has_suffix(s->path, name))
      return s->reason;
  }
  g_error("%s was not skipped", name);
}

/* The four ultrasound images of the export: hand, frames and calibration as their files say. */
static void
check_images(CsDicomFolder *found)
{
  g_assert_cmpuint(found->entries->len, ==, 4);
  g_assert_true(g_str_has_suffix(entry(found, 0)->path, "SE000001/IM000001"));
  g_assert_cmpstr(entry(found, 0)->laterality, ==, "L");
  g_assert_cmpint(entry(found, 0)->n_frames, ==, 3);
  g_assert_cmpint(entry(found, 0)->width, ==, 64);
  g_assert_cmpfloat_with_epsilon(entry(found, 0)->frame_rate, 25.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(entry(found, 0)->spacing.mm_per_px, 0.1, 1e-12);
  g_assert_cmpint(entry(found, 0)->spacing.source, ==, CS_SPACING_SOURCE_DICOM);
  g_assert_cmpstr(entry(found, 0)->spacing_label, ==, "DICOM region 0");
  g_assert_null(entry(found, 0)->warnings[0]);

  g_assert_true(g_str_has_suffix(entry(found, 1)->path, "SE000002/IM000001"));
  g_assert_cmpstr(entry(found, 1)->laterality, ==, "R");
  g_assert_cmpint(entry(found, 1)->n_frames, ==, 1);
  g_assert_cmpfloat_with_epsilon(entry(found, 1)->spacing.mm_per_px, 0.25, 1e-12);
  g_assert_cmpstr(entry(found, 1)->spacing_label, ==, "DICOM pixel spacing");

  /* The secondary capture (modality OT) has no calibration. */
  g_assert_true(g_str_has_suffix(entry(found, 2)->path, "SE000003/IM000001"));
  g_assert_null(entry(found, 2)->laterality);
  g_assert_false(cs_spacing_is_known(&entry(found, 2)->spacing));
  g_assert_null(entry(found, 2)->spacing_label);

  /* The Enhanced US Volume: Pixel Spacing from its shared functional groups. */
  g_assert_true(g_str_has_suffix(entry(found, 3)->path, "SE000004/IM000001"));
  g_assert_cmpstr(entry(found, 3)->laterality, ==, "R");
  g_assert_cmpint(entry(found, 3)->n_frames, ==, 2);
  g_assert_cmpfloat_with_epsilon(entry(found, 3)->spacing.mm_per_px, 0.3, 1e-12);
}

/* The files that are no image, or no ultrasound, are skipped with their reason. */
static void
check_not_images(CsDicomFolder *found)
{
  for (guint i = 0; i < found->skipped->len; i++)
    g_test_message("skipped: %s",
                   ((CsDicomFolderSkip *)g_ptr_array_index(found->skipped, i))->reason);
  g_assert_nonnull(strstr(skip_reason(found, "SR000001"), "SR Storage, not an image"));
  g_assert_nonnull(strstr(skip_reason(found, "WF000001"), "Waveform"));
  g_assert_nonnull(strstr(skip_reason(found, "WF000001"), "not an image"));
  g_assert_nonnull(strstr(skip_reason(found, "PS000001"), "Presentation State"));
  g_assert_nonnull(strstr(skip_reason(found, "PS000001"), "not an image"));
  g_assert_nonnull(strstr(skip_reason(found, "CT000001"), "modality CT, not ultrasound"));
  for (guint i = 0; i < found->skipped->len; i++) {
    CsDicomFolderSkip *s = g_ptr_array_index(found->skipped, i);

    g_assert_null(strchr(s->reason, '\n'));
  }
}

/* A DICOMDIR lists what its records name: the missing file is a skip, the file it does not name
 * (the truncated one) is not looked at. */
static void
test_dicomdir(void)
{
  g_autofree char *dicomdir = NULL;
  g_autoptr(GError) error = NULL;

  if (!have_folder())
    return;
  dicomdir = g_build_filename(folder, "DICOMDIR", NULL);
  g_assert_true(cs_dicom_folder_has_dicomdir(folder));
  g_assert_true(cs_dicom_folder_has_dicomdir(dicomdir));
  /* The folder holding the DICOMDIR and the DICOMDIR itself give the same. */
  for (int k = 0; k < 2; k++) {
    g_autoptr(CsDicomFolder) found = cs_dicom_folder_scan(k == 0 ? folder : dicomdir, NULL, &error);

    g_assert_no_error(error);
    check_images(found);
    check_not_images(found);
    g_assert_nonnull(strstr(skip_reason(found, "GONE0001"), "is skipped: it is missing"));
    g_assert_cmpuint(found->skipped->len, ==, 5);
  }
}

/* The DICOMDIR's records as read from memory: every Referenced File ID once, in record order,
 * with "/" between its components. */
static void
test_dicomdir_records(void)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  if (!have_folder())
    return;
  path = g_build_filename(folder, "DICOMDIR", NULL);
  g_assert_true(g_file_get_contents(path, &contents, &length, NULL));
  ids = cs_dicom_read_dir_memory((const guint8 *)contents, length, "DICOMDIR", &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ids->len, ==, 9);
  g_assert_cmpstr(g_ptr_array_index(ids, 0), ==, "DICOM/ST000001/SE000001/IM000001");
  g_assert_cmpstr(g_ptr_array_index(ids, 8), ==, "DICOM/ST000001/SE000006/CT000001");
  g_clear_pointer(&ids, g_ptr_array_unref);

  /* An image is no DICOMDIR. */
  g_clear_pointer(&contents, g_free);
  g_clear_pointer(&path, g_free);
  path = g_build_filename(folder, "DICOM", "ST000001", "SE000001", "IM000001", NULL);
  g_assert_true(g_file_get_contents(path, &contents, &length, NULL));
  ids = cs_dicom_read_dir_memory((const guint8 *)contents, length, "IM000001", &error);
  g_assert_null(ids);
  g_assert_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED);
  g_assert_nonnull(strstr(error->message, "is not a DICOMDIR"));
}

/* A folder without a DICOMDIR is searched to its depths: the truncated file is a skip. */
static void
test_folder(void)
{
  g_autofree char *dicom = NULL;
  g_autoptr(CsDicomFolder) found = NULL;
  g_autoptr(GError) error = NULL;

  if (!have_folder())
    return;
  dicom = g_build_filename(folder, "DICOM", NULL);
  g_assert_false(cs_dicom_folder_has_dicomdir(dicom));
  g_assert_true(cs_dicom_folder_holds_dicom(dicom));
  g_assert_true(cs_dicom_folder_holds_dicom(folder));
  found = cs_dicom_folder_scan(dicom, NULL, &error);
  g_assert_no_error(error);
  check_images(found);
  check_not_images(found);
  g_assert_nonnull(strstr(skip_reason(found, "BROKEN01"), "truncated"));
  g_assert_cmpuint(found->skipped->len, ==, 5);
}

/* A damaged DICOMDIR, one that names a file outside its folder, and a folder without DICOM. */
static void
test_bad_dicomdir(void)
{
  g_autofree char *dir = g_dir_make_tmp("cs-dicomdir-bad-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "DICOMDIR", NULL);
  g_autofree char *empty = g_build_filename(dir, "empty", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsDicomFolder) found = NULL;
  guint8 junk[300];

  memset(junk, 0, sizeof junk);
  memcpy(junk + 128, "DICM", 4);
  memcpy(junk + 132, "\x02\x00\x10\x00UI\xff\x7f", 8); /* A length past the end. */
  g_assert_true(g_file_set_contents(path, (const char *)junk, sizeof junk, NULL));
  found = cs_dicom_folder_scan(dir, NULL, &error);
  g_assert_null(found);
  g_assert_nonnull(error);
  g_assert_null(strchr(error->message, '\n'));
  g_test_message("%s", error->message);
  g_clear_error(&error);
  g_unlink(path);

  g_assert_cmpint(g_mkdir(empty, 0755), ==, 0);
  found = cs_dicom_folder_scan(empty, NULL, &error);
  g_assert_null(found);
  g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
  g_rmdir(empty);
  g_rmdir(dir);
}

/* The study's import: one case per ultrasound image, hand and spacing filled, the rest listed. */
static void
test_import_cases(void)
{
  g_autofree char *dir = g_dir_make_tmp("cs-import-study-XXXXXX", NULL);
  g_autofree char *study_dir = g_build_filename(dir, "study", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = NULL;
  g_autoptr(CsStudyImport) import = NULL;
  g_autoptr(GPtrArray) added = NULL;
  const char *const *skipped;
  static const CsHand hands[] = { CS_HAND_LEFT, CS_HAND_RIGHT, CS_HAND_UNKNOWN, CS_HAND_RIGHT };
  static const double spacings[] = { 0.1, 0.25, 0, 0.3 };

  if (!have_folder())
    return;
  study = cs_study_create_in(study_dir, &error);
  g_assert_no_error(error);
  import = cs_study_import_scan(folder, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(cs_study_import_get_n_sweeps(import), ==, 4);
  skipped = cs_study_import_get_skipped(import);
  g_assert_cmpuint(g_strv_length((char **)skipped), ==, 5);
  added = cs_study_import_apply(import, study, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(added->len, ==, 4);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 4);
  for (guint i = 0; i < 4; i++) {
    CsCase *c = cs_study_get_case(study, i);

    g_assert_true(c == g_ptr_array_index(added, i));
    g_assert_cmpint(cs_case_get_hand(c), ==, hands[i]);
    if (spacings[i] > 0) {
      g_assert_cmpfloat_with_epsilon(cs_case_get_spacing_mm(c), spacings[i], 1e-12);
      g_assert_cmpint(cs_case_get_spacing_source(c), ==, CS_SPACING_SOURCE_DICOM);
      /* The first from Ultrasound Region 0, the others from Pixel Spacing. */
      g_assert_cmpint(cs_case_get_spacing(c).region, ==, i == 0 ? 0 : CS_SPACING_NO_REGION);
    } else {
      g_assert_cmpint(cs_case_get_spacing_source(c), ==, CS_SPACING_SOURCE_UNKNOWN);
    }
  }
  /* Same-named files become distinct cases. */
  g_assert_cmpstr(cs_case_get_id(cs_study_get_case(study, 0)), ==, "IM000001");
  g_assert_cmpstr(cs_case_get_id(cs_study_get_case(study, 1)), ==, "IM000001-2");
  g_assert_true(cs_study_save(study, &error));
  g_assert_no_error(error);
  test_remove_tree(dir);
}

/* A plain folder keeps its other sweeps: a folder of numbered images beside a DICOM file is one
 * more case. */
static void
test_import_mixed(void)
{
  g_autofree char *dir = g_dir_make_tmp("cs-import-mixed-XXXXXX", NULL);
  g_autofree char *frames = g_build_filename(dir, "frames", NULL);
  g_autofree char *still = g_build_filename(frames, "0001.pgm", NULL);
  g_autofree char *dicom = NULL;
  g_autofree char *copy = g_build_filename(dir, "wrist.dcm", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = cs_study_new();
  g_autoptr(CsStudyImport) import = NULL;
  g_autoptr(GPtrArray) added = NULL;
  gsize length = 0;
  char pgm[64 + 16];

  if (!have_folder())
    return;
  dicom = g_build_filename(folder, "DICOM", "ST000001", "SE000001", "IM000001", NULL);
  g_assert_true(g_file_get_contents(dicom, &contents, &length, NULL));
  g_assert_true(g_file_set_contents(copy, contents, (gssize)length, NULL));
  g_assert_cmpint(g_mkdir(frames, 0755), ==, 0);
  g_assert_true(cs_dicom_folder_holds_dicom(dir));
  memcpy(pgm, "P5 8 8 255\n", 11);
  memset(pgm + 11, 128, 64);
  g_assert_true(g_file_set_contents(still, pgm, 11 + 64, NULL));
  g_assert_false(cs_dicom_folder_holds_dicom(still));
  g_assert_false(cs_dicom_folder_holds_dicom(frames));
  import = cs_study_import_scan(dir, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(cs_study_import_get_n_sweeps(import), ==, 2);
  g_assert_true(g_str_has_suffix(cs_study_import_get_sweep_path(import, 0), "wrist.dcm"));
  g_assert_true(g_str_has_suffix(cs_study_import_get_sweep_path(import, 1), "frames"));
  added = cs_study_import_apply(import, study, &error);
  g_assert_no_error(error);
  g_assert_cmpint(cs_case_get_hand(g_ptr_array_index(added, 0)), ==, CS_HAND_LEFT);
  g_assert_cmpint(cs_case_get_hand(g_ptr_array_index(added, 1)), ==, CS_HAND_UNKNOWN);
  test_remove_tree(dir);
}

/* The real files: the Philips cine at 0.2623 mm/px from region 0; the Aloka frame, whose two
 * side-by-side regions hold no image centre, takes region 0's spacing. */
static void
test_import_realdata(void)
{
  g_autofree char *dir = test_realdata_path("dicom", G_FILE_TEST_IS_DIR);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsDicomFolder) found = NULL;
  guint philips = 0;

  if (dir == NULL)
    return;
  found = cs_dicom_folder_scan(dir, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(found->skipped->len, ==, 0);
  g_assert_cmpuint(found->entries->len, >=, 3);
  for (guint i = 0; i < found->entries->len; i++) {
    const CsDicomFolderEntry *e = entry(found, i);
    g_autofree char *name = g_path_get_basename(e->path);

    g_test_message("%s: %d frames, %g mm/px from %s", name, e->n_frames, e->spacing.mm_per_px,
                   e->spacing_label != NULL ? e->spacing_label : "nothing");
    if (g_str_has_prefix(name, "OBXXXX1A")) {
      g_assert_cmpint(e->n_frames, ==, 2);
      g_assert_cmpfloat_with_epsilon(e->spacing.mm_per_px, 0.2623, 5e-5);
      g_assert_cmpstr(e->spacing_label, ==, "DICOM region 0");
      philips++;
    }
  }
  g_assert_cmpuint(philips, ==, 2);
}

int
main(int argc, char **argv)
{
  int status;

  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/study/import/dicomdir", test_dicomdir);
  g_test_add_func("/study/import/dicomdir-records", test_dicomdir_records);
  g_test_add_func("/study/import/folder", test_folder);
  g_test_add_func("/study/import/bad-dicomdir", test_bad_dicomdir);
  g_test_add_func("/study/import/cases", test_import_cases);
  g_test_add_func("/study/import/mixed", test_import_mixed);
  g_test_add_func("/study/import/realdata", test_import_realdata);
  status = g_test_run();
  if (folder != NULL)
    test_remove_tree(folder);
  g_free(folder);
  return status;
}
