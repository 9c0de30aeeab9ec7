/* test-locale.h — running a test in Japanese, the language the project is translated into
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

/* Switches this process's messages to Japanese from the build's catalogue
 * ($CARPALSCOPE_BUILDDIR/po): LC_MESSAGES ja_JP.UTF-8 (made with localedef in a private folder
 * when the system has none) and LANGUAGE=ja. Returns FALSE, with the current test marked skipped
 * and why, when the catalogue or the locale cannot be had. Undo with test_locale_use_c(). */
gboolean test_locale_use_japanese(void);

/* Switches this process's messages back to the untranslated strings. */
void test_locale_use_c(void);
