/* test-locale.c — running a test in Japanese, the language the project is translated into
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "test-locale.h"

#include "test-files.h"

#include <libintl.h>
#include <locale.h>

#define JAPANESE "ja_JP.UTF-8"

/* Makes the Japanese locale in a private folder with localedef (the locales package's sources),
 * points LOCPATH at it and returns TRUE when it took; the folder goes once loaded. */
static gboolean
make_japanese_locale(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("cs-locale-XXXXXX", &error);
  g_autofree char *out = NULL;
  g_autofree char *target = NULL;
  const char *argv[] = { "localedef", "-i", "ja_JP", "-f", "UTF-8", NULL, NULL };
  int status = -1;
  gboolean made;

  g_assert_no_error(error);
  target = g_build_filename(dir, JAPANESE, NULL);
  argv[5] = target;
  made = g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                      NULL, NULL, NULL, &out, &status, NULL) &&
         g_spawn_check_wait_status(status, NULL);
  if (made) {
    g_setenv("LOCPATH", dir, TRUE);
    made = setlocale(LC_MESSAGES, JAPANESE) != NULL;
  }
  if (!made)
    g_test_message("localedef could not make %s: %s", JAPANESE, out != NULL ? out : "not run");
  /* The locale's files are mapped once loaded: the folder is not needed after this. */
  test_remove_tree(dir);
  return made;
}

gboolean
test_locale_use_japanese(void)
{
  const char *build_dir = g_getenv("CARPALSCOPE_BUILDDIR");
  g_autofree char *catalogue_dir = NULL;
  g_autofree char *catalogue = NULL;

  g_assert_nonnull(build_dir);
  catalogue_dir = g_build_filename(build_dir, "po", NULL);
  catalogue = g_build_filename(catalogue_dir, "ja", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  if (!g_file_test(catalogue, G_FILE_TEST_IS_REGULAR)) {
    g_test_skip("the build has no Japanese catalogue (po/ja/LC_MESSAGES)");
    return FALSE;
  }
  if (setlocale(LC_MESSAGES, JAPANESE) == NULL && !make_japanese_locale()) {
    g_test_skip("no " JAPANESE " locale, and localedef cannot make one (install locales)");
    return FALSE;
  }
  g_setenv("LANGUAGE", "ja", TRUE);
  g_assert_nonnull(bindtextdomain(GETTEXT_PACKAGE, catalogue_dir));
  g_assert_nonnull(bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8"));
  return TRUE;
}

void
test_locale_use_c(void)
{
  g_unsetenv("LANGUAGE");
  g_assert_nonnull(setlocale(LC_MESSAGES, "C"));
}
