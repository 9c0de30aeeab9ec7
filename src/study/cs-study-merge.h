/* cs-study-merge.h — when study.json changed on disk: what differs, and a merge case by case
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cs_study_save() refuses to replace a file that someone else changed since this copy loaded or
 * saved it (CS_ERROR_CHANGED_ON_DISK). The user then reloads theirs, saves this copy elsewhere,
 * or merges: the file is read again ("theirs"), the cases that differ are listed, and for each
 * one the user keeps this copy's version ("mine") or theirs.
 *
 *   g_autoptr(CsStudy) theirs = cs_study_load(cs_study_get_path(mine), &error);
 *   g_autoptr(GPtrArray) diffs = cs_study_diff_cases(mine, theirs);
 *   ... ask, for each diff, mine or theirs ...
 *   g_autoptr(CsStudy) merged = cs_study_merge(mine, theirs, take_theirs, FALSE, &error);
 *   cs_study_save(merged, &error);   // fails again if the file changed once more meanwhile
 */
#pragma once

#include "cs-study.h"

G_BEGIN_DECLS

typedef enum {
  CS_CASE_DIFF_CHANGED,     /* In both, with different contents. */
  CS_CASE_DIFF_ONLY_MINE,   /* Only in mine: added here, or removed there. */
  CS_CASE_DIFF_ONLY_THEIRS, /* Only in theirs: added there, or removed here. */
} CsCaseDiffKind;

typedef struct {
  char *id;
  CsCaseDiffKind kind;
} CsCaseDiff;

/* Returns the cases that differ between @mine and @theirs (CsCaseDiff, freed with the array):
 * mine's cases in their order, then those only theirs has, in theirs' order. */
GPtrArray *cs_study_diff_cases(CsStudy *mine, CsStudy *theirs);

/* TRUE when the study's own fields differ: name, notes, grading scheme or extra. */
gboolean cs_study_fields_differ(CsStudy *mine, CsStudy *theirs);

/* Returns a new study: @mine with each case whose id is in @take_theirs (NULL-terminated; may be
 * NULL) as @theirs has it (replaced; removed when theirs has none; added after the case that
 * precedes it in theirs when only theirs has it), and the study's own fields from @theirs when
 * @theirs_fields. It is an unsaved edit of the file @theirs was loaded from: saving it replaces
 * that file, unless the file changed again since @theirs was read. */
CsStudy *cs_study_merge(CsStudy *mine, CsStudy *theirs, const char *const *take_theirs,
                        gboolean theirs_fields, GError **error);

/* TRUE when the study's file still holds what this copy loaded or last saved (or the study has
 * no file, or the file is gone); otherwise FALSE with CS_ERROR_CHANGED_ON_DISK (or CS_ERROR_IO
 * when it cannot be read). cs_study_save() makes this check itself. */
gboolean cs_study_check_disk(CsStudy *self, GError **error);

G_END_DECLS
