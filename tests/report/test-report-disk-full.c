/* test-report-disk-full.c — a report export that fills the disk leaves no partial PDF
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A file size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes write() fail part-way with EFBIG as a
 * full disk does with ENOSPC, with no privileges or special file system; it is set in a child so
 * the test itself keeps writing. The case report of a phantom hand is written under a limit of a
 * few kilobytes, to a new file and over an earlier report: the export fails with one error naming
 * the report and the cause, no partial PDF nor temporary is left, and the earlier report is whole.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cs-error.h"
#include "cs-phantom-study.h"
#include "cs-report.h"

static char *tmp_dir;

/* In a child under a 4 KiB file size limit: writes @report to @path, expecting a clear failure.
 * Returns the child's exit status (0: failed as it should). */
static int
write_under_limit(const CsCaseReport *report, const char *path)
{
  pid_t pid = fork();
  int status;

  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    struct rlimit limit = { 4096, 4096 };
    GError *error = NULL;

    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0)
      _exit(2);
    if (cs_case_report_write_pdf(report, path, &error))
      _exit(3);
    g_printerr("the export failed with: %s\n", error->message);
    if (strstr(error->message, path) == NULL)
      _exit(4);
    if (strstr(error->message, g_strerror(EFBIG)) == NULL)
      _exit(5);
    if (!g_error_matches(error, CS_ERROR, CS_ERROR_IO) ||
        !g_str_has_prefix(error->message, "cannot write the PDF "))
      _exit(6);
    g_error_free(error);
    _exit(0);
  }
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  g_assert_true(WIFEXITED(status));
  return WEXITSTATUS(status);
}

/* The names in tmp_dir other than the study's own. */
static guint
count_strays(const char *keep)
{
  g_autoptr(GDir) dir = g_dir_open(tmp_dir, 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name(dir)) != NULL)
    if (strcmp(name, "study.json") != 0 && strcmp(name, "sweeps") != 0 &&
        g_strcmp0(name, keep) != 0) {
      g_test_message("left behind: %s", name);
      n++;
    }
  return n;
}

static void
test_disk_full(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = NULL;
  g_autoptr(CsCaseReport) report = NULL;
  g_autofree char *study_path = g_build_filename(tmp_dir, "study.json", NULL);
  g_autofree char *pdf = g_build_filename(tmp_dir, "hand.pdf", NULL);
  g_autofree char *earlier = NULL;
  g_autofree char *now = NULL;
  gsize earlier_length = 0, now_length = 0;
  CsPhantomStudyOptions phantom;
  CsReportOptions options;

  cs_phantom_study_options_init(&phantom);
  phantom.hands_per_group = 1;
  phantom.test_per_group = 0;
  phantom.frames.n_frames = 6;
  phantom.n_threads = 1;
  g_assert_true(cs_phantom_study_write(&phantom, tmp_dir, NULL, NULL, NULL, &error));
  g_assert_no_error(error);
  study = cs_study_load(study_path, &error);
  g_assert_no_error(error);
  cs_report_options_init(&options);
  options.date = "2026-12-07";
  report = cs_case_report_build(study, cs_study_get_case(study, 0), NULL, NULL, &options, NULL,
                                NULL, NULL, &error);
  g_assert_no_error(error);

  /* A new report: nothing is left where it would have been. */
  g_assert_cmpint(write_under_limit(report, pdf), ==, 0);
  g_assert_false(g_file_test(pdf, G_FILE_TEST_EXISTS));
  g_assert_cmpuint(count_strays(NULL), ==, 0);

  /* Over an earlier report: that one is kept whole. */
  g_assert_true(cs_case_report_write_pdf(report, pdf, &error));
  g_assert_no_error(error);
  g_assert_true(g_file_get_contents(pdf, &earlier, &earlier_length, NULL));
  g_assert_cmpuint(earlier_length, >, 4096);
  g_assert_cmpint(write_under_limit(report, pdf), ==, 0);
  g_assert_true(g_file_get_contents(pdf, &now, &now_length, NULL));
  g_assert_cmpuint(now_length, ==, earlier_length);
  g_assert_cmpmem(now, now_length, earlier, earlier_length);
  g_assert_cmpuint(count_strays("hand.pdf"), ==, 0);
}

int
main(int argc, char **argv)
{
  g_autofree char *rm = NULL;
  int status;

  g_test_init(&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp("cs-report-full-XXXXXX", NULL);
  g_test_add_func("/report/disk-full", test_disk_full);
  status = g_test_run();
  rm = g_strdup_printf("rm -rf '%s'", tmp_dir);
  g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL);
  g_free(tmp_dir);
  return status;
}
