/* cs-study-edit.c — building a study: a new study in a folder, the sweeps a file or folder holds
 * added as cases, cases duplicated, renamed and found by position
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-study-edit.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cs-error.h"
#include "cs-study-private.h"

/* File name extensions of sweeps: videos FFmpeg decodes and DICOM images and cines (one file
 * each), and images (one frame each, or a folder of numbered frames). */
static const char *const video_extensions[] = { "mp4", "m4v",  "avi", "mkv", "mov",   "wmv", "webm",
                                                "mpg", "mpeg", "ogv", "dcm", "dicom", NULL };
static const char *const image_extensions[] = { "png",  "jpg", "jpeg", "bmp", "tif",
                                                "tiff", "pgm", "ppm",  NULL };

CsStudy *
cs_study_create_in(const char *dir, GError **error)
{
  g_autofree char *path = NULL;
  g_autoptr(CsStudy) study = NULL;

  g_return_val_if_fail(dir != NULL, NULL);

  if (g_mkdir_with_parents(dir, 0755) != 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "cannot create the folder %s: %s", dir,
                g_strerror(errno));
    return NULL;
  }
  path = g_build_filename(dir, "study.json", NULL);
  if (g_file_test(path, G_FILE_TEST_EXISTS)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "%s already holds a study (study.json): open it instead", dir);
    return NULL;
  }
  study = cs_study_new();
  if (!cs_study_save_as(study, path, error))
    return NULL;
  return g_steal_pointer(&study);
}

static gboolean
has_extension(const char *name, const char *const *extensions)
{
  const char *dot = strrchr(name, '.');

  if (dot == NULL || dot == name)
    return FALSE;
  for (gsize i = 0; extensions[i] != NULL; i++)
    if (g_ascii_strcasecmp(dot + 1, extensions[i]) == 0)
      return TRUE;
  return FALSE;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The visible entries of @dir in name order, or NULL with @error set. */
static GPtrArray *
list_dir(const char *dir, GError **error)
{
  g_autoptr(GDir) handle = g_dir_open(dir, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *name;

  if (handle == NULL)
    return NULL;
  while ((name = g_dir_read_name(handle)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add(names, g_strdup(name));
  g_ptr_array_sort(names, compare_names);
  return g_steal_pointer(&names);
}

/* TRUE when the folder @dir holds images: it is one sweep of numbered frames. */
static gboolean
is_image_folder(const char *dir)
{
  g_autoptr(GPtrArray) names = list_dir(dir, NULL);

  for (guint i = 0; names != NULL && i < names->len; i++)
    if (has_extension(g_ptr_array_index(names, i), image_extensions))
      return TRUE;
  return FALSE;
}

static gboolean
is_sweep_file(const char *path)
{
  return g_file_test(path, G_FILE_TEST_IS_REGULAR) &&
         (has_extension(path, video_extensions) || has_extension(path, image_extensions));
}

GPtrArray *
cs_study_find_sweeps(const char *path, GError **error)
{
  g_autofree char *absolute = NULL;
  g_autoptr(GPtrArray) sweeps = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) names = NULL;

  g_return_val_if_fail(path != NULL, NULL);

  absolute = g_canonicalize_filename(path, NULL);
  if (!g_file_test(absolute, G_FILE_TEST_EXISTS)) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "%s does not exist", absolute);
    return NULL;
  }
  if (!g_file_test(absolute, G_FILE_TEST_IS_DIR) || is_image_folder(absolute)) {
    if (!g_file_test(absolute, G_FILE_TEST_IS_DIR) && !is_sweep_file(absolute)) {
      g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                  "%s is not a sweep: give a video, an image or a folder of numbered images",
                  absolute);
      return NULL;
    }
    g_ptr_array_add(sweeps, g_steal_pointer(&absolute));
    return g_steal_pointer(&sweeps);
  }
  names = list_dir(absolute, error);
  if (names == NULL)
    return NULL;
  for (guint i = 0; i < names->len; i++) {
    char *entry = g_build_filename(absolute, g_ptr_array_index(names, i), NULL);

    if (is_sweep_file(entry) || (g_file_test(entry, G_FILE_TEST_IS_DIR) && is_image_folder(entry)))
      g_ptr_array_add(sweeps, entry);
    else
      g_free(entry);
  }
  if (sweeps->len == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND,
                "%s holds no sweep (videos, images or folders of numbered images)", absolute);
    return NULL;
  }
  return g_steal_pointer(&sweeps);
}

char *
cs_study_dup_unique_case_id(CsStudy *self, const char *base)
{
  g_return_val_if_fail(CS_IS_STUDY(self), NULL);

  if (base == NULL || base[0] == '\0')
    base = "case";
  if (cs_study_find_case(self, base) == NULL)
    return g_strdup(base);
  for (guint n = 2;; n++) {
    g_autofree char *id = g_strdup_printf("%s-%u", base, n);

    if (cs_study_find_case(self, id) == NULL)
      return g_steal_pointer(&id);
  }
}

CsCase *
cs_study_add_sweep(CsStudy *self, const char *path, GError **error)
{
  g_autofree char *absolute = NULL;
  g_autofree char *base = NULL;
  g_autofree char *id = NULL;
  g_autofree char *sweep = NULL;
  g_autoptr(CsCase) c = NULL;
  char *dot;

  g_return_val_if_fail(CS_IS_STUDY(self), NULL);
  g_return_val_if_fail(path != NULL, NULL);

  absolute = g_canonicalize_filename(path, NULL);
  base = g_path_get_basename(absolute);
  dot = strrchr(base, '.');
  if (dot != NULL && dot != base && !g_file_test(absolute, G_FILE_TEST_IS_DIR))
    *dot = '\0';
  id = cs_study_dup_unique_case_id(self, base);
  sweep = cs_study_rebase_sweep(absolute, NULL, cs_study_get_dir(self));
  c = cs_case_new(id);
  cs_case_set_sweep_path(c, sweep);
  if (!cs_study_add_case(self, c, error))
    return NULL;
  return c;
}

CsCase *
cs_case_duplicate(CsCase *c, const char *id, GError **error)
{
  g_autoptr(JsonNode) node = NULL;
  CsCase *copy;

  g_return_val_if_fail(CS_IS_CASE(c), NULL);

  node = cs_case_to_json(c, cs_case_get_sweep_path(c));
  copy = cs_case_from_json(node, "", error);
  if (copy != NULL && id != NULL && !cs_case_set_id(copy, id, error))
    g_clear_object(&copy);
  return copy;
}

CsCase *
cs_study_duplicate_case(CsStudy *self, const char *id, GError **error)
{
  CsCase *c;
  g_autoptr(CsCase) copy = NULL;
  g_autofree char *base = NULL;
  g_autofree char *copy_id = NULL;

  g_return_val_if_fail(CS_IS_STUDY(self), NULL);

  c = id != NULL ? cs_study_find_case(self, id) : NULL;
  if (c == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "the study has no case \"%s\"",
                id != NULL ? id : "");
    return NULL;
  }
  base = g_strconcat(id, "-copy", NULL);
  copy_id = cs_study_dup_unique_case_id(self, base);
  copy = cs_case_duplicate(c, copy_id, error);
  if (copy == NULL ||
      !cs_study_insert_case(self, (guint)cs_study_get_case_index(self, c) + 1, copy, error))
    return NULL;
  return copy;
}

gboolean
cs_case_calibrate(CsCase *c, double mm_per_px, CsSpacingSource source, GError **error)
{
  return cs_case_calibrate_full(c, mm_per_px, source, CS_SPACING_NO_REGION, error);
}

gboolean
cs_case_calibrate_full(CsCase *c, double mm_per_px, CsSpacingSource source, int region,
                       GError **error)
{
  double old = cs_case_get_spacing_mm(c);
  g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, sizeof(CsRoiKeyframe));

  g_return_val_if_fail(CS_IS_CASE(c), FALSE);

  for (guint i = 0; i < cs_case_get_n_roi_keyframes(c); i++) {
    CsRoiKeyframe key = *cs_case_get_roi_keyframe(c, i);
    /* The side on the image, as the viewer drew it before the calibration. */
    double side_px = key.size_px > 0 ? key.size_px : old > 0 ? key.size_mm / old : 0;

    if (side_px <= 0)
      continue; /* An mm keyframe without a spacing was never drawn: it stays in mm. */
    key.size_mm = side_px * mm_per_px;
    key.size_px = 0;
    g_array_append_val(keys, key);
  }
  if (!cs_case_set_spacing_full(c, mm_per_px, source, region, error))
    return FALSE;
  if (keys->len == 0)
    return TRUE;
  cs_case_clear_roi_keyframes(c);
  for (guint i = 0; i < keys->len; i++)
    if (!cs_case_set_roi_keyframe(c, &g_array_index(keys, CsRoiKeyframe, i), error))
      return FALSE;
  return TRUE;
}

int
cs_study_get_case_index(CsStudy *self, CsCase *c)
{
  g_return_val_if_fail(CS_IS_STUDY(self), -1);

  for (guint i = 0; i < cs_study_get_n_cases(self); i++)
    if (cs_study_get_case(self, i) == c)
      return (int)i;
  return -1;
}
