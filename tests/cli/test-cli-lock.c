/* test-cli-lock.c — the command line does not write over a study a window has open
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * phantom-study writes study.json: with a live lock beside it (another PC's, with a recent
 * heartbeat) it refuses in one line naming the holder and writes nothing; a stale lock (this
 * host, a process that is gone) is taken, and released when the command ends.
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cli-run.h"

static void
write_lock(const char *path, const char *host, gint64 pid, gint64 heartbeat)
{
  g_autofree char *text =
      g_strdup_printf("carpalscope-study-lock 1\nhost=%s\nuser=dr-sato\npid=%" G_GINT64_FORMAT
                      "\nsince=%" G_GINT64_FORMAT "\nheartbeat=%" G_GINT64_FORMAT "\ntoken=5eed\n",
                      host, pid, heartbeat - 60, heartbeat);

  g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
test_phantom_study_honours_lock(void)
{
  g_autofree char *dir = g_dir_make_tmp("cs-cli-lock-XXXXXX", NULL);
  g_autofree char *study = g_build_filename(dir, "study.json", NULL);
  g_autofree char *lock = g_build_filename(dir, "study.json.lock", NULL);
  g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  const char *args[] = { "phantom-study",
                         "--seed",
                         "3",
                         "--hands-per-group",
                         "1",
                         "--frames",
                         "2",
                         "--test-per-group",
                         "0",
                         "--quiet",
                         "--out",
                         dir,
                         NULL };
  CliResult result;
  pid_t dead;
  int status;

  g_assert_true(g_file_set_contents(study, "{\"version\": 1, \"cases\": []}\n", -1, NULL));
  write_lock(lock, "ward-pc.example", 77, now - 30);
  result = cli_runv(args);
  g_assert_cmpint(result.status, ==, 1);
  g_assert_nonnull(strstr(result.err, "is open for editing by dr-sato@ward-pc.example since "));
  g_assert_nonnull(strstr(result.err, "nothing was written"));
  g_assert_null(strchr(strchr(result.err, '\n') + 1, '\n')); /* One line. */
  cli_result_clear(&result);
  {
    g_autofree char *kept = NULL;
    g_assert_true(g_file_get_contents(study, &kept, NULL, NULL));
    g_assert_cmpstr(kept, ==, "{\"version\": 1, \"cases\": []}\n");
  }
  g_assert_true(g_file_test(lock, G_FILE_TEST_EXISTS));

  /* The lock of a process of this host that is gone is stale: the study is written, and the
   * command's own lock is gone when it ends. */
  dead = fork();
  g_assert_cmpint(dead, >=, 0);
  if (dead == 0)
    _exit(0);
  g_assert_cmpint(waitpid(dead, &status, 0), ==, dead);
  write_lock(lock, g_get_host_name(), dead, now);
  result = cli_runv(args);
  g_assert_cmpstr(result.err, ==, "");
  g_assert_cmpint(result.status, ==, 0);
  cli_result_clear(&result);
  g_assert_false(g_file_test(lock, G_FILE_TEST_EXISTS));
  {
    g_autofree char *written = NULL;
    g_assert_true(g_file_get_contents(study, &written, NULL, NULL));
    g_assert_nonnull(strstr(written, "\"control-001\""));
  }
  g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/cli/lock/phantom-study", test_phantom_study_honours_lock);
  return g_test_run();
}
