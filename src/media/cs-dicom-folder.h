/* cs-dicom-folder.h — the DICOM images and cines a folder, a DICOMDIR or a file holds
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What an import of DICOM needs before it makes cases: every ultrasound image or cine found,
 * with its hand, calibration and frame count, and every DICOM file left out with the reason.
 *
 *     g_autoptr(CsDicomFolder) found = cs_dicom_folder_scan("/media/usb", NULL, &error);
 *     for (guint i = 0; i < found->entries->len; i++) {
 *       CsDicomFolderEntry *e = g_ptr_array_index(found->entries, i);
 *       add_case(e->path, e->laterality, e->spacing);
 *     }
 *     for (guint i = 0; i < found->skipped->len; i++)
 *       tell(((CsDicomFolderSkip *)g_ptr_array_index(found->skipped, i))->reason);
 *
 * Each file is opened as a sweep is (cs_sweep_open(): a trial read in a child process first), so
 * a file listed as an entry opens, and a damaged one is a skip, never a crash. A scan touches no
 * shared state: it may run in a worker thread.
 */
#pragma once

#include "cs-spacing.h"

#include <gio/gio.h>

G_BEGIN_DECLS

/* The deepest folder a scan descends into, below the one it is given. */
#define CS_DICOM_FOLDER_MAX_DEPTH 16

/* One ultrasound image or cine (one SOP instance, one file). */
typedef struct {
  char *path;          /* Absolute path of the file. */
  char *laterality;    /* "L", "R" or "B" from (Image) Laterality, or NULL. */
  int n_frames;        /* At least 1. */
  int width, height;   /* Pixels. */
  double frame_rate;   /* Frames per second, 0 without timing. */
  CsSpacing spacing;   /* The file's spacing (cs_sweep_get_file_spacing()); unknown when none. */
  char *spacing_label; /* Where it came from ("DICOM region 0"), or NULL. */
  char **warnings;     /* Calibration warnings (NULL-terminated, never NULL). */
} CsDicomFolderEntry;

/* A DICOM file left out, and why in one line ("“SR0001” is a DICOM Basic Text SR, not an image:
 * it holds no pixel data"). */
typedef struct {
  char *path;
  char *reason;
} CsDicomFolderSkip;

typedef struct {
  GPtrArray *entries; /* CsDicomFolderEntry *, in the DICOMDIR's order or by path. */
  GPtrArray *skipped; /* CsDicomFolderSkip *, in the same order. */
} CsDicomFolder;

/* Returns TRUE when @path is a DICOMDIR file (named DICOMDIR in any case) or a folder holding one
 * at its top. */
gboolean cs_dicom_folder_has_dicomdir(const char *path);

/* Returns TRUE when @path is or holds a DICOMDIR, is a file that looks like DICOM, or is a folder
 * with such a file within CS_DICOM_FOLDER_MAX_DEPTH levels: what cs_dicom_folder_scan() would
 * open. Reads folders and the first bytes of files, opens nothing: cheap enough for the main
 * thread. */
gboolean cs_dicom_folder_holds_dicom(const char *path);

/* Finds the DICOM images and cines at @path: a DICOMDIR (or a folder holding one at its top)
 * lists the files its records refer to; any other folder is searched to
 * CS_DICOM_FOLDER_MAX_DEPTH levels for files that look like DICOM (cs_dicom_sniff()), hidden ones
 * and symbolic links to folders left out; a file is itself. Images whose Modality is neither
 * US nor OT, files that are not images (structured reports, waveforms, presentation states), that
 * a DICOMDIR names but that are missing or lie outside its folder, or that cannot be read, are
 * skipped with their reason. NULL with @error when @path cannot be read, is a damaged DICOMDIR,
 * or holds no DICOM file at all (CS_ERROR_NOT_FOUND), or when @cancellable is cancelled. */
CsDicomFolder *cs_dicom_folder_scan(const char *path, GCancellable *cancellable, GError **error);

/* Frees @folder and everything it lists. */
void cs_dicom_folder_free(CsDicomFolder *folder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsDicomFolder, cs_dicom_folder_free)

G_END_DECLS
