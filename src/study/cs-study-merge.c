/* cs-study-merge.c — when study.json changed on disk: what differs, and a merge case by case
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-study-merge.h"

#include "cs-error.h"
#include "cs-study-edit.h"
#include "cs-study-private.h"

static void
case_diff_free(CsCaseDiff *diff)
{
  g_free(diff->id);
  g_free(diff);
}

static void
add_diff(GPtrArray *diffs, const char *id, CsCaseDiffKind kind)
{
  CsCaseDiff *diff = g_new0(CsCaseDiff, 1);

  diff->id = g_strdup(id);
  diff->kind = kind;
  g_ptr_array_add(diffs, diff);
}

GPtrArray *
cs_study_diff_cases(CsStudy *mine, CsStudy *theirs)
{
  GPtrArray *diffs = g_ptr_array_new_with_free_func((GDestroyNotify)case_diff_free);

  g_return_val_if_fail(CS_IS_STUDY(mine) && CS_IS_STUDY(theirs), diffs);
  for (guint i = 0; i < cs_study_get_n_cases(mine); i++) {
    CsCase *c = cs_study_get_case(mine, i);
    CsCase *other = cs_study_find_case(theirs, cs_case_get_id(c));

    if (other == NULL)
      add_diff(diffs, cs_case_get_id(c), CS_CASE_DIFF_ONLY_MINE);
    else if (!cs_case_equal(c, other))
      add_diff(diffs, cs_case_get_id(c), CS_CASE_DIFF_CHANGED);
  }
  for (guint i = 0; i < cs_study_get_n_cases(theirs); i++) {
    CsCase *c = cs_study_get_case(theirs, i);

    if (cs_study_find_case(mine, cs_case_get_id(c)) == NULL)
      add_diff(diffs, cs_case_get_id(c), CS_CASE_DIFF_ONLY_THEIRS);
  }
  return diffs;
}

gboolean
cs_study_fields_differ(CsStudy *mine, CsStudy *theirs)
{
  g_autoptr(CsStudy) a = NULL;
  g_autoptr(CsStudy) b = NULL;

  g_return_val_if_fail(CS_IS_STUDY(mine) && CS_IS_STUDY(theirs), FALSE);
  /* Compare two empty studies that carry only the fields. */
  a = cs_study_new();
  b = cs_study_new();
  cs_study_copy_fields(a, mine);
  cs_study_copy_fields(b, theirs);
  return !cs_study_equal(a, b);
}

/* Where a case only @theirs has goes in @merged: after the nearest case before it in theirs
 * that @merged holds, else first. */
static guint
insert_position(CsStudy *merged, CsStudy *theirs, const char *id)
{
  int index = -1;

  for (guint i = 0; i < cs_study_get_n_cases(theirs); i++)
    if (g_strcmp0(cs_case_get_id(cs_study_get_case(theirs, i)), id) == 0)
      index = (int)i;
  for (int i = index - 1; i >= 0; i--) {
    CsCase *before = cs_study_find_case(merged, cs_case_get_id(cs_study_get_case(theirs, i)));

    if (before != NULL)
      return (guint)cs_study_get_case_index(merged, before) + 1;
  }
  return 0;
}

CsStudy *
cs_study_merge(CsStudy *mine, CsStudy *theirs, const char *const *take_theirs,
               gboolean theirs_fields, GError **error)
{
  g_autoptr(CsStudy) merged = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail(CS_IS_STUDY(mine) && CS_IS_STUDY(theirs), NULL);
  if (cs_study_get_path(theirs) == NULL) {
    g_set_error_literal(error, CS_ERROR, CS_ERROR_FAILED,
                        "A merge needs the study as it was read from its file");
    return NULL;
  }
  /* A copy of mine, as it would read from its own folder. */
  data = cs_study_to_data(mine, &length);
  merged = cs_study_load_from_data(data, (gssize)length, cs_study_get_dir(theirs), error);
  if (merged == NULL)
    return NULL;
  if (theirs_fields)
    cs_study_copy_fields(merged, theirs);
  for (gsize k = 0; take_theirs != NULL && take_theirs[k] != NULL; k++) {
    const char *id = take_theirs[k];
    CsCase *ours = cs_study_find_case(merged, id);
    CsCase *other = cs_study_find_case(theirs, id);
    g_autoptr(CsCase) copy = NULL;
    guint index;

    if (other == NULL) {
      if (ours != NULL)
        cs_study_remove_case(merged, id);
      continue;
    }
    copy = cs_case_duplicate(other, id, error);
    if (copy == NULL)
      return NULL;
    if (ours != NULL) {
      index = (guint)cs_study_get_case_index(merged, ours);
      cs_study_remove_case(merged, id);
    } else {
      index = insert_position(merged, theirs, id);
    }
    if (!cs_study_insert_case(merged, index, copy, error))
      return NULL;
  }
  cs_study_adopt_file(merged, theirs);
  return g_steal_pointer(&merged);
}
