/* cs-study-import.c — importing what a file, a folder or a DICOMDIR holds
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-study-import.h"

#include "cs-dicom-folder.h"
#include "cs-dicom.h"
#include "cs-error.h"
#include "cs-study-edit.h"

/* One sweep to add: its file, and for a DICOM file its hand and spacing. */
typedef struct {
  char *path;
  CsHand hand;
  CsSpacing spacing;
} Sweep;

struct _CsStudyImport {
  GArray *sweeps;     /* Sweep */
  GPtrArray *skipped; /* char *, NULL-terminated */
};

static void
sweep_clear(gpointer data)
{
  g_free(((Sweep *)data)->path);
}

void
cs_study_import_free(CsStudyImport *self)
{
  if (self == NULL)
    return;
  g_array_unref(self->sweeps);
  g_ptr_array_unref(self->skipped);
  g_free(self);
}

static void
add_sweep(CsStudyImport *self, const char *path, CsHand hand, CsSpacing spacing)
{
  Sweep s = { g_strdup(path), hand, spacing };

  g_array_append_val(self->sweeps, s);
}

static void
add_dicom(CsStudyImport *self, CsDicomFolder *found)
{
  for (guint i = 0; i < found->entries->len; i++) {
    CsDicomFolderEntry *e = g_ptr_array_index(found->entries, i);
    CsHand hand = g_strcmp0(e->laterality, "L") == 0   ? CS_HAND_LEFT
                  : g_strcmp0(e->laterality, "R") == 0 ? CS_HAND_RIGHT
                                                       : CS_HAND_UNKNOWN;

    add_sweep(self, e->path, hand, e->spacing);
  }
  for (guint i = 0; i < found->skipped->len; i++) {
    CsDicomFolderSkip *s = g_ptr_array_index(found->skipped, i);

    g_ptr_array_insert(self->skipped, (int)self->skipped->len - 1, g_strdup(s->reason));
  }
}

/* A folder without a DICOMDIR: its DICOM files anywhere below, and its other sweeps. */
static gboolean
scan_folder(CsStudyImport *self, const char *path, GCancellable *cancellable, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(CsDicomFolder) found = cs_dicom_folder_scan(path, cancellable, &local);
  g_autoptr(GPtrArray) others = NULL;

  if (found != NULL)
    add_dicom(self, found);
  else if (!g_error_matches(local, CS_ERROR, CS_ERROR_NOT_FOUND)) {
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  g_clear_error(&local);
  others = cs_study_find_sweeps(path, &local);
  for (guint i = 0; others != NULL && i < others->len; i++) {
    const char *other = g_ptr_array_index(others, i);

    /* The DICOM files of the folder were taken above. */
    if (!g_file_test(other, G_FILE_TEST_IS_REGULAR) || !cs_dicom_sniff(other))
      add_sweep(self, other, CS_HAND_UNKNOWN, cs_spacing_unknown());
  }
  if (found == NULL && others == NULL) {
    g_autofree char *display = g_filename_display_name(path);

    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND,
                "“%s” holds no sweep (videos, images, folders of numbered images or DICOM files)",
                display);
    return FALSE;
  }
  return TRUE;
}

CsStudyImport *
cs_study_import_scan(const char *path, GCancellable *cancellable, GError **error)
{
  g_autoptr(CsStudyImport) self = g_new0(CsStudyImport, 1);
  g_autofree char *absolute = NULL;

  g_return_val_if_fail(path != NULL, NULL);
  self->sweeps = g_array_new(FALSE, FALSE, sizeof(Sweep));
  g_array_set_clear_func(self->sweeps, sweep_clear);
  self->skipped = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(self->skipped, NULL);
  absolute = g_canonicalize_filename(path, NULL);

  if (cs_dicom_folder_has_dicomdir(absolute) ||
      (g_file_test(absolute, G_FILE_TEST_IS_REGULAR) && cs_dicom_sniff(absolute))) {
    g_autoptr(CsDicomFolder) found = cs_dicom_folder_scan(absolute, cancellable, error);

    if (found == NULL)
      return NULL;
    add_dicom(self, found);
  } else if (g_file_test(absolute, G_FILE_TEST_IS_DIR)) {
    if (!scan_folder(self, absolute, cancellable, error))
      return NULL;
  } else {
    g_autoptr(GPtrArray) sweeps = cs_study_find_sweeps(absolute, error);

    if (sweeps == NULL)
      return NULL;
    for (guint i = 0; i < sweeps->len; i++)
      add_sweep(self, g_ptr_array_index(sweeps, i), CS_HAND_UNKNOWN, cs_spacing_unknown());
  }
  return g_steal_pointer(&self);
}

guint
cs_study_import_get_n_sweeps(CsStudyImport *self)
{
  g_return_val_if_fail(self != NULL, 0);
  return self->sweeps->len;
}

const char *
cs_study_import_get_sweep_path(CsStudyImport *self, guint index)
{
  g_return_val_if_fail(self != NULL && index < self->sweeps->len, NULL);
  return g_array_index(self->sweeps, Sweep, index).path;
}

const char *const *
cs_study_import_get_skipped(CsStudyImport *self)
{
  g_return_val_if_fail(self != NULL, NULL);
  return (const char *const *)self->skipped->pdata;
}

GPtrArray *
cs_study_import_apply(CsStudyImport *self, CsStudy *study, GError **error)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new();

  g_return_val_if_fail(self != NULL, NULL);
  g_return_val_if_fail(CS_IS_STUDY(study), NULL);
  for (guint i = 0; i < self->sweeps->len; i++) {
    const Sweep *s = &g_array_index(self->sweeps, Sweep, i);
    CsCase *c = cs_study_add_sweep(study, s->path, error);

    if (c == NULL)
      return NULL;
    if (s->hand != CS_HAND_UNKNOWN)
      cs_case_set_hand(c, s->hand);
    /* A spacing the study cannot hold (over 10 mm a pixel) stays the file's, not the case's. */
    if (cs_spacing_is_known(&s->spacing) &&
        !cs_case_set_spacing_full(c, s->spacing.mm_per_px, s->spacing.source, s->spacing.region,
                                  NULL))
      g_debug("%s: its DICOM spacing %g mm/px is not kept in the study", s->path,
              s->spacing.mm_per_px);
    g_ptr_array_add(added, c);
  }
  return g_steal_pointer(&added);
}
