/* cs-dicom-folder.c — the DICOM images and cines a folder, a DICOMDIR or a file holds
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A DICOMDIR's Referenced File IDs are relative to its folder and written in capitals; a FAT
 * stick mounted on Linux may show them in small letters, so each component that is not found as
 * written is looked up without regard to case.
 */
#include "config.h"

#include "cs-dicom-folder.h"

#include "cs-error.h"
#include "cs-sweep-private.h"

#include <string.h>

static void
entry_free(gpointer data)
{
  CsDicomFolderEntry *e = data;

  g_free(e->path);
  g_free(e->laterality);
  g_free(e->spacing_label);
  g_strfreev(e->warnings);
  g_free(e);
}

static void
skip_free(gpointer data)
{
  CsDicomFolderSkip *s = data;

  g_free(s->path);
  g_free(s->reason);
  g_free(s);
}

void
cs_dicom_folder_free(CsDicomFolder *folder)
{
  if (folder == NULL)
    return;
  g_ptr_array_unref(folder->entries);
  g_ptr_array_unref(folder->skipped);
  g_free(folder);
}

static void skip(CsDicomFolder *found, const char *path, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

static void
skip(CsDicomFolder *found, const char *path, const char *format, ...)
{
  CsDicomFolderSkip *s = g_new0(CsDicomFolderSkip, 1);
  va_list args;

  va_start(args, format);
  s->path = g_strdup(path);
  s->reason = g_strdup_vprintf(format, args);
  va_end(args);
  g_ptr_array_add(found->skipped, s);
}

/* TRUE for a modality an ultrasound sweep is stored under: US, or OT (other) and none, as
 * secondary captures of a scanner's screen often are. */
static gboolean
ultrasound_modality(const char *modality)
{
  return modality[0] == '\0' || strcmp(modality, "US") == 0 || strcmp(modality, "OT") == 0;
}

/* Opens the file at @path as a sweep and lists it as an entry or a skip. */
static void
take_file(CsDicomFolder *found, const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  g_autofree char *name = g_filename_display_name(path);
  CsDicomFolderEntry *e;
  CsDicom *dicom;

  if (!cs_dicom_sniff(path)) {
    skip(found, path, "“%s” is not a DICOM file", name);
    return;
  }
  sweep = cs_sweep_open(path, &error);
  if (sweep == NULL) {
    skip(found, path, "%s", error->message);
    return;
  }
  dicom = cs_sweep_get_dicom(sweep);
  g_assert(dicom != NULL);
  if (!ultrasound_modality(cs_dicom_get_modality(dicom))) {
    skip(found, path, "“%s” is a DICOM %s of modality %s, not ultrasound", name,
         cs_dicom_get_sop_class_name(dicom), cs_dicom_get_modality(dicom));
    return;
  }
  e = g_new0(CsDicomFolderEntry, 1);
  e->path = g_strdup(path);
  e->laterality = g_strdup(cs_sweep_get_laterality(sweep));
  e->n_frames = cs_sweep_get_n_frames(sweep);
  e->width = cs_sweep_get_width(sweep);
  e->height = cs_sweep_get_height(sweep);
  e->frame_rate = cs_sweep_get_frame_rate(sweep);
  e->spacing = cs_sweep_get_file_spacing(sweep);
  e->spacing_label = g_strdup(cs_sweep_get_file_spacing_label(sweep));
  e->warnings = g_strdupv((char **)cs_sweep_get_warnings(sweep));
  g_ptr_array_add(found->entries, e);
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds every DICOM-looking file under @dir to @files, depth first in name order. */
static gboolean
walk(const char *dir, int depth, GPtrArray *files, GCancellable *cancellable, GError **error)
{
  g_autoptr(GDir) handle = g_dir_open(dir, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *name;

  if (handle == NULL)
    return FALSE;
  while ((name = g_dir_read_name(handle)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add(names, g_strdup(name));
  g_ptr_array_sort(names, compare_names);
  for (guint i = 0; i < names->len; i++) {
    const char *entry = g_ptr_array_index(names, i);
    g_autofree char *path = g_build_filename(dir, entry, NULL);

    if (g_cancellable_set_error_if_cancelled(cancellable, error))
      return FALSE;
    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
      g_autoptr(GError) local = NULL;

      /* A symbolic link to a folder could lead back up: only real folders are entered. A
       * subfolder that cannot be read is left out. */
      if (depth < CS_DICOM_FOLDER_MAX_DEPTH && !g_file_test(path, G_FILE_TEST_IS_SYMLINK) &&
          !walk(path, depth + 1, files, cancellable, &local) &&
          g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
      }
    } else if (g_file_test(path, G_FILE_TEST_IS_REGULAR) &&
               g_ascii_strcasecmp(entry, "DICOMDIR") != 0 && cs_dicom_sniff(path)) {
      g_ptr_array_add(files, g_steal_pointer(&path));
    }
  }
  return TRUE;
}

/* Returns the entry of @dir named @name, as written or else in another case, or NULL. */
static char *
find_entry(const char *dir, const char *name)
{
  g_autofree char *exact = g_build_filename(dir, name, NULL);
  g_autoptr(GDir) handle = NULL;
  const char *other;

  if (g_file_test(exact, G_FILE_TEST_EXISTS))
    return g_steal_pointer(&exact);
  handle = g_dir_open(dir, 0, NULL);
  while (handle != NULL && (other = g_dir_read_name(handle)) != NULL)
    if (g_ascii_strcasecmp(other, name) == 0)
      return g_build_filename(dir, other, NULL);
  return NULL;
}

/* Resolves the Referenced File ID @id against @dir; NULL with *@why when it cannot. */
static char *
resolve_file_id(const char *dir, const char *id, const char **why)
{
  g_auto(GStrv) parts = g_strsplit(id, "/", -1);
  g_autofree char *path = g_strdup(dir);

  for (char **p = parts; *p != NULL; p++) {
    char *next;

    if (**p == '\0' || strcmp(*p, ".") == 0 || strcmp(*p, "..") == 0) {
      *why = "it lies outside the DICOMDIR's folder";
      return NULL;
    }
    next = find_entry(path, *p);
    if (next == NULL) {
      *why = "it is missing";
      return NULL;
    }
    g_free(path);
    path = next;
  }
  return g_steal_pointer(&path);
}

/* The DICOMDIR at @path: the files its records name, resolved against its folder. */
static gboolean
scan_dicomdir(CsDicomFolder *found, const char *path, GCancellable *cancellable, GError **error)
{
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree char *dir = g_path_get_dirname(path);

  if (!cs_dicom_probe_in_child(path, CS_DICOM_TRIAL_DIR, error))
    return FALSE;
  ids = cs_dicom_read_dir(path, error);
  if (ids == NULL)
    return FALSE;
  for (guint i = 0; i < ids->len; i++) {
    const char *id = g_ptr_array_index(ids, i);
    const char *why = NULL;
    g_autofree char *file = resolve_file_id(dir, id, &why);

    if (g_cancellable_set_error_if_cancelled(cancellable, error))
      return FALSE;
    if (file == NULL) {
      g_autofree char *named = g_build_filename(dir, id, NULL);
      g_autofree char *display = g_filename_display_name(named);

      skip(found, named, "“%s”, named by the DICOMDIR, is skipped: %s", display, why);
    } else if (!g_file_test(file, G_FILE_TEST_IS_REGULAR)) {
      g_autofree char *display = g_filename_display_name(file);

      skip(found, file, "“%s”, named by the DICOMDIR, is not a file", display);
    } else {
      take_file(found, file);
    }
  }
  return TRUE;
}

/* The DICOMDIR @path is or holds at its top, or NULL. */
static char *
find_dicomdir(const char *path)
{
  g_autofree char *base = NULL;

  if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_autofree char *inside = find_entry(path, "DICOMDIR");

    return inside != NULL && g_file_test(inside, G_FILE_TEST_IS_REGULAR) ? g_steal_pointer(&inside)
                                                                         : NULL;
  }
  base = g_path_get_basename(path);
  return g_ascii_strcasecmp(base, "DICOMDIR") == 0 && g_file_test(path, G_FILE_TEST_IS_REGULAR)
             ? g_strdup(path)
             : NULL;
}

gboolean
cs_dicom_folder_has_dicomdir(const char *path)
{
  g_autofree char *dicomdir = NULL;

  g_return_val_if_fail(path != NULL, FALSE);
  dicomdir = find_dicomdir(path);
  return dicomdir != NULL;
}

gboolean
cs_dicom_folder_holds_dicom(const char *path)
{
  g_autoptr(GPtrArray) files = NULL;

  g_return_val_if_fail(path != NULL, FALSE);
  if (cs_dicom_folder_has_dicomdir(path))
    return TRUE;
  if (!g_file_test(path, G_FILE_TEST_IS_DIR))
    return g_file_test(path, G_FILE_TEST_IS_REGULAR) && cs_dicom_sniff(path);
  files = g_ptr_array_new_with_free_func(g_free);
  return walk(path, 0, files, NULL, NULL) && files->len > 0;
}

CsDicomFolder *
cs_dicom_folder_scan(const char *path, GCancellable *cancellable, GError **error)
{
  g_autoptr(CsDicomFolder) found = g_new0(CsDicomFolder, 1);
  g_autofree char *absolute = NULL;
  g_autofree char *dicomdir = NULL;
  g_autofree char *display = NULL;

  g_return_val_if_fail(path != NULL, NULL);
  found->entries = g_ptr_array_new_with_free_func(entry_free);
  found->skipped = g_ptr_array_new_with_free_func(skip_free);
  absolute = g_canonicalize_filename(path, NULL);
  display = g_filename_display_name(absolute);
  if (!g_file_test(absolute, G_FILE_TEST_EXISTS)) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "“%s” does not exist", display);
    return NULL;
  }
  dicomdir = find_dicomdir(absolute);
  if (dicomdir != NULL) {
    if (!scan_dicomdir(found, dicomdir, cancellable, error))
      return NULL;
  } else if (g_file_test(absolute, G_FILE_TEST_IS_DIR)) {
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) local = NULL;

    if (!walk(absolute, 0, files, cancellable, &local)) {
      if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error(error, g_steal_pointer(&local));
      else
        g_set_error(error, CS_ERROR, CS_ERROR_IO, "Cannot read the folder “%s”: %s", display,
                    local->message);
      return NULL;
    }
    for (guint i = 0; i < files->len; i++) {
      if (g_cancellable_set_error_if_cancelled(cancellable, error))
        return NULL;
      take_file(found, g_ptr_array_index(files, i));
    }
  } else {
    take_file(found, absolute);
  }
  if (found->entries->len == 0 && found->skipped->len == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "“%s” holds no DICOM file", display);
    return NULL;
  }
  return g_steal_pointer(&found);
}
