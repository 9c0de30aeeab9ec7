/* test-study-json-guard.c — study.json nested too deep or holding text that is not UTF-8
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * json-glib parses nesting by recursion without a limit, so a file of 100000 '[' would end the
 * program on a stack overflow; it is refused before json-glib sees it. An unpaired UTF-16 escape
 * decodes to bytes that are not UTF-8; a study holding one is refused with the value's path.
 */
#include "config.h"

#include "cs-error.h"
#include "cs-json-guard.h"
#include "cs-study.h"

#include <string.h>

static void
assert_refused(const char *text, gsize length, int code, const char *says)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = cs_study_load_from_data(text, (gssize)length, NULL, &error);

  g_assert_null(study);
  g_assert_nonnull(error);
  g_test_message("%s", error->message);
  g_assert_error(error, CS_ERROR, code);
  if (strstr(error->message, says) == NULL)
    g_error("the message lacks “%s”: %s", says, error->message);
  g_assert_null(strchr(error->message, '\n'));
}

/* @depth arrays nested in a case's "extra" (which holds any JSON), plus the file's own 3 levels. */
static char *
study_with_nesting(int depth)
{
  GString *text = g_string_new("{\"version\": 1, \"cases\": [{\"id\": \"a\", \"extra\": {\"k\": ");

  for (int i = 0; i < depth; i++)
    g_string_append_c(text, '[');
  for (int i = 0; i < depth; i++)
    g_string_append_c(text, ']');
  g_string_append(text, "}}]}");
  return g_string_free(text, FALSE);
}

static void
test_depth(void)
{
  const int own = 4; /* the top object, "cases", the case, its "extra" */
  g_autofree char *deepest = study_with_nesting(CS_JSON_MAX_DEPTH - own);
  g_autofree char *deeper = study_with_nesting(CS_JSON_MAX_DEPTH - own + 1);
  g_autofree char *bomb = study_with_nesting(100000);
  g_autofree char *says = g_strdup_printf("more than %d deep", CS_JSON_MAX_DEPTH);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = cs_study_load_from_data(deepest, -1, NULL, &error);
  g_assert_no_error(error);
  g_assert_nonnull(study);
  assert_refused(deeper, strlen(deeper), CS_ERROR_TOO_LARGE, says);
  assert_refused(bomb, strlen(bomb), CS_ERROR_TOO_LARGE, says);
  g_clear_object(&study);

  /* Brackets inside a string, after an escaped quote, are text, not nesting. */
  {
    g_autoptr(GString) text = g_string_new("{\"version\": 1, \"notes\": \"\\\"");

    for (int i = 0; i < 100000; i++)
      g_string_append_c(text, '[');
    g_string_append(text, "\", \"cases\": []}");
    study = cs_study_load_from_data(text->str, (gssize)text->len, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(study);
    g_assert_cmpuint(strlen(cs_study_get_notes(study)), ==, 100001);
  }
}

static void
test_text(void)
{
  static const char lone[] =
      "{\"version\": 1, \"cases\": [{\"id\": \"a\", \"notes\": \"seed \\ud800 here\"}]}";
  static const char pair[] =
      "{\"version\": 1, \"cases\": [{\"id\": \"a\", \"notes\": \"\\ud83d\\ude00\"}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = NULL;

  assert_refused(lone, strlen(lone), CS_ERROR_INVALID, "cases[0].notes holds text that is not");
  /* A surrogate pair is one character, and valid. */
  study = cs_study_load_from_data(pair, -1, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(cs_case_get_notes(cs_study_get_case(study, 0)), ==, "\xf0\x9f\x98\x80");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/study/json-guard/depth", test_depth);
  g_test_add_func("/study/json-guard/text", test_text);
  return g_test_run();
}
