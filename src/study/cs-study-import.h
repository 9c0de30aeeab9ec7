/* cs-study-import.h — importing what a file, a folder or a DICOMDIR holds: one case per sweep,
 * with the hand and the calibration its DICOM file gives
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An import is found first and added after, so the slow part (opening every DICOM file) can run
 * in a worker and the study is changed in one go, as one step of its history:
 *
 *     g_autoptr(CsStudyImport) import = cs_study_import_scan(path, NULL, &error);
 *     if (import == NULL)
 *       return report(error->message);
 *     for (const char *const *s = cs_study_import_get_skipped(import); *s != NULL; s++)
 *       tell(*s);
 *     g_autoptr(GPtrArray) added = cs_study_import_apply(import, study, &error);
 *
 * What is found: a DICOMDIR (or a folder holding one at its top) gives the ultrasound images and
 * cines its records name; any other folder gives the DICOM images and cines anywhere below it
 * (cs-dicom-folder.h) and the other sweeps cs_study_find_sweeps() finds in it (videos, images,
 * folders of numbered images); a file is one sweep. A DICOM file that is not an image (structured
 * report, waveform, presentation state), not ultrasound, missing or unreadable is skipped, with
 * its reason.
 */
#pragma once

#include "cs-study.h"

G_BEGIN_DECLS

typedef struct _CsStudyImport CsStudyImport;

/* Finds the sweeps at @path. Touches no study: may run in a worker thread. NULL with @error when
 * @path does not exist, cannot be read, is a damaged DICOMDIR or holds neither a sweep nor a DICOM
 * file (CS_ERROR_NOT_FOUND), or when @cancellable is cancelled. An import of DICOM files that
 * were all skipped has no sweep and lists them. */
CsStudyImport *cs_study_import_scan(const char *path, GCancellable *cancellable, GError **error);

/* Returns the number of sweeps found (cases cs_study_import_apply() adds). */
guint cs_study_import_get_n_sweeps(CsStudyImport *self);

/* Returns the path of sweep @index. */
const char *cs_study_import_get_sweep_path(CsStudyImport *self, guint index);

/* Returns the files left out, one line each that names the file and says why (NULL-terminated,
 * never NULL). */
const char *const *cs_study_import_get_skipped(CsStudyImport *self);

/* Adds one case per sweep found to @study, in order (cs_study_add_sweep()): a DICOM sweep's case
 * takes the hand of its (Image) Laterality (L or R) and the spacing its file declares (source
 * "dicom"). Returns the cases added (borrowed from @study), or NULL with @error when one cannot
 * be added: those before it stay. */
GPtrArray *cs_study_import_apply(CsStudyImport *self, CsStudy *study, GError **error);

/* Frees @self. */
void cs_study_import_free(CsStudyImport *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsStudyImport, cs_study_import_free)

G_END_DECLS
