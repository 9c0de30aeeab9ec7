/* test-report-cjk.c — Japanese text in a report: the CJK font is asked for by name and embedded
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A case with nothing but labels (no sweep, no analysis) in a study with a Japanese name: the
 * report must render the name with Noto Sans CJK JP, embed it, and give the text back.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cs-report.h"

/* cairo 1.16 leaks one 768-byte buffer each time it subsets a CFF-flavoured OpenType font (as
 * Noto Sans CJK is) into a PDF. It is cairo's, and only this test embeds such a font, so the
 * suppression lives here rather than in the shared list. */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
  return "leak:libcairo.so\n";
}

static char *
run(const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status = 0;

  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, &out, NULL, &status, &error))
    g_error("%s: %s", argv[0], error->message);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  return out;
}

static void
test_japanese(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = cs_study_new();
  g_autoptr(CsCase) c = cs_case_new("手-001");
  g_autofree char *dir = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *text = NULL;
  g_autofree char *fonts = NULL;
  g_autofree char *tool = g_find_program_in_path("pdftotext");
  CsReportOptions options;

  if (tool == NULL) {
    g_test_skip("poppler-utils is not installed");
    return;
  }
  cs_study_set_name(study, "手根管症候群 研究");
  cs_case_set_hand(c, CS_HAND_RIGHT);
  cs_case_set_group(c, CS_GROUP_CTS);
  g_assert_true(cs_study_add_case(study, c, &error));
  g_assert_no_error(error);
  dir = g_dir_make_tmp("cs-report-cjk-XXXXXX", &error);
  g_assert_no_error(error);
  pdf = g_build_filename(dir, "case.pdf", NULL);
  cs_report_options_init(&options);
  options.real_id = TRUE;
  g_assert_true(
      cs_report_write_case(study, c, NULL, NULL, &options, pdf, NULL, NULL, NULL, &error));
  g_assert_no_error(error);

  {
    const char *argv[] = { "pdftotext", pdf, "-", NULL };

    text = run(argv);
  }
  {
    const char *argv[] = { "pdffonts", pdf, NULL };

    fonts = run(argv);
  }
  g_test_message("%s", fonts);
  g_assert_nonnull(strstr(text, "手根管症候群"));
  g_assert_nonnull(strstr(text, "手-001"));
  g_assert_nonnull(strstr(text, "No analysis yet"));
  g_assert_nonnull(strstr(fonts, "NotoSansCJKjp"));
  g_assert_null(strstr(fonts, " no  "));
  g_unlink(pdf);
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/report/cjk", test_japanese);
  return g_test_run();
}
