/* cs-study.h — a study: its cases, study.json (schema-versioned, validated, saved atomically)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

/* Example: write a study of one case.
 *
 *   g_autoptr(CsStudy) study = cs_study_new();
 *   g_autoptr(CsCase) c = cs_case_new("cts-001");
 *   CsRoiKeyframe key = { .frame = 0, .x = 400, .y = 210, .size_mm = 15 };
 *
 *   cs_case_set_hand(c, CS_HAND_RIGHT);
 *   cs_case_set_group(c, CS_GROUP_CTS);
 *   cs_case_set_split(c, CS_SPLIT_TRAIN);
 *   cs_case_set_sweep_path(c, "sweeps/cts-001.mkv");
 *   if (!cs_case_set_spacing(c, 0.05, CS_SPACING_SOURCE_PHANTOM_TRUTH, error) ||
 *       !cs_case_set_roi_keyframe(c, &key, error) ||
 *       !cs_study_add_case(study, c, error) ||
 *       !cs_study_save_as(study, "out/study.json", error))
 *     return FALSE;
 *
 * CsStudy is a GListModel of its CsCase objects (in order), so a sidebar can bind to it.
 */

#include <gio/gio.h>

#include "cs-case.h"

G_BEGIN_DECLS

/* The schema version this Carpalscope writes and reads. Files of a newer version are refused;
 * unknown keys in a file of this version are an error (a new key means a new version), except
 * inside the "extra" objects of the study and of each case, which are kept as they are. */
#define CS_STUDY_SCHEMA_VERSION 1

/* Largest study.json read (a guard against reading a wrong, huge file). */
#define CS_STUDY_MAX_FILE_SIZE (512 * 1024 * 1024)

#define CS_TYPE_STUDY (cs_study_get_type())
G_DECLARE_FINAL_TYPE(CsStudy, cs_study, CS, STUDY, GObject)

/* Returns a new empty study with no file (path NULL), not dirty. */
CsStudy *cs_study_new(void);

/* Loads and validates @path; errors name the first problem with its JSON path (CS_ERROR_INVALID),
 * a newer schema (CS_ERROR_NEWER_VERSION) or the I/O failure (CS_ERROR_IO, CS_ERROR_NOT_FOUND). */
CsStudy *cs_study_load(const char *path, GError **error);

/* Parses a study from memory; @base_dir resolves relative sweep paths (may be NULL). */
CsStudy *cs_study_load_from_data(const char *data, gssize length, const char *base_dir,
                                 GError **error);

/* Returns the study as pretty-printed JSON (what save writes); free it. */
char *cs_study_to_data(CsStudy *self, gsize *length);

/* Saves to the study's path atomically (temporary file, fsync, previous file kept as
 * <path>.bak, rename, fsync of the folder); clears the dirty flag. Fails if there is no path. */
gboolean cs_study_save(CsStudy *self, GError **error);

/* Saves to @path atomically and makes it the study's path; clears the dirty flag. Sweep paths
 * are rebased to the new folder: relative when the sweep lies inside it, else absolute (so a
 * lone sweep saved into a study beside it becomes relative). */
gboolean cs_study_save_as(CsStudy *self, const char *path, GError **error);

/* Writes a copy to @path atomically (e.g. an autosave) without changing the path or dirty flag;
 * its sweep paths are rebased to @path's folder so the copy opens from where it is. */
gboolean cs_study_save_copy(CsStudy *self, const char *path, GError **error);

/* Saves to the study's path in a worker thread (the JSON is made on the calling thread); the
 * dirty flag is cleared on success only if nothing changed meanwhile. */
void cs_study_save_async(CsStudy *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data);
/* Finishes cs_study_save_async(). */
gboolean cs_study_save_finish(CsStudy *self, GAsyncResult *result, GError **error);

/* Writes @length bytes to @path atomically, keeping the previous file as <path>.bak; safe to
 * call from any thread. Leftover temporary files of killed writers are removed. */
gboolean cs_study_write_file_atomic(const char *path, const char *data, gsize length,
                                    GError **error);

/* The study.json path (NULL for a new, unsaved study) and its folder (NULL likewise). */
const char *cs_study_get_path(CsStudy *self);
const char *cs_study_get_dir(CsStudy *self);

/* TRUE when something changed since the last load or save ("dirty" property). */
gboolean cs_study_get_dirty(CsStudy *self);

/* A change counter, increased by every change; lets autosave tell what it has saved. */
guint64 cs_study_get_generation(CsStudy *self);

/* Study name (free text; may be NULL) and notes. */
const char *cs_study_get_name(CsStudy *self);
void cs_study_set_name(CsStudy *self, const char *name);
const char *cs_study_get_notes(CsStudy *self);
void cs_study_set_notes(CsStudy *self, const char *notes);

/* The grading scheme the study shows stages in (default the paper's). */
CsGradingScheme cs_study_get_grading_scheme(CsStudy *self);
void cs_study_set_grading_scheme(CsStudy *self, CsGradingScheme scheme);

/* Whether the case and study reports of this study may name the patient (name, ID and birth
 * date of a DICOM sweep) beside the pseudonym ("identity-in-reports"; default FALSE, the user's
 * choice per study). study.json keeps the choice, never the identity. */
gboolean cs_study_get_identity_in_reports(CsStudy *self);
void cs_study_set_identity_in_reports(CsStudy *self, gboolean identity_in_reports);

/* Cases, in order. The study holds a reference; the returned one is borrowed. */
guint cs_study_get_n_cases(CsStudy *self);
CsCase *cs_study_get_case(CsStudy *self, guint index);
/* Returns the case with @id, or NULL. */
CsCase *cs_study_find_case(CsStudy *self, const char *id);
/* Appends @c (a reference is taken); refuses a duplicate id or a case already in a study. */
gboolean cs_study_add_case(CsStudy *self, CsCase *c, GError **error);
/* Inserts @c at @index (clamped to the end), as cs_study_add_case() appends it. */
gboolean cs_study_insert_case(CsStudy *self, guint index, CsCase *c, GError **error);
/* Removes the case with @id; returns FALSE when there is none. */
gboolean cs_study_remove_case(CsStudy *self, const char *id);

/* Returns the absolute path of the case's sweep (relative paths resolved against the study's
 * folder, or the current folder for a study never saved), or NULL when it has none; free it.
 * In a study never saved, relative sweep paths are kept as they are by the first save, i.e.
 * they are taken relative to the file it is saved as. */
char *cs_study_dup_sweep_path(CsStudy *self, CsCase *c);

/* Returns the number of cases in @split with @group (CS_GROUP_UNKNOWN counts every group). */
guint cs_study_count_cases(CsStudy *self, CsSplit split, CsGroup group);

/* Returns TRUE when the two studies hold the same data (name, notes, scheme, cases, extras). */
gboolean cs_study_equal(CsStudy *a, CsStudy *b);

G_END_DECLS
