/* test-study-lock.c — two copies of a study: the lock file, the changed-on-disk check, the merge
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The second process is this program run again as a helper (see helper_main()): it holds a
 * study's lock until its input closes, or changes study.json the way another PC would.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cs-error.h"
#include "cs-study-lock.h"
#include "cs-study-merge.h"
#include "cs-study.h"

/* The helper process. */

/* "hold STUDY": takes the lock, says "locked <pid>", then for each line "refresh" says "ok" or
 * "lost"; releases the lock when its input ends. "edit STUDY NOTES": loads the study, sets the
 * first case's notes and saves it. */
static int
helper_main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  if (argc == 4 && strcmp(argv[2], "hold") == 0) {
    g_autoptr(CsStudyLock) lock = cs_study_lock_acquire(argv[3], FALSE, NULL, &error);
    char line[64];

    if (lock == NULL) {
      printf("failed %s\n", error->message);
      return 1;
    }
    printf("locked %d\n", (int)getpid());
    fflush(stdout);
    while (fgets(line, sizeof line, stdin) != NULL) {
      g_clear_error(&error);
      printf("%s\n", cs_study_lock_refresh(lock, NULL, &error) ? "ok" : "lost");
      fflush(stdout);
    }
    return 0;
  }
  if (argc == 5 && strcmp(argv[2], "edit") == 0) {
    g_autoptr(CsStudy) study = cs_study_load(argv[3], &error);

    if (study == NULL || cs_study_get_n_cases(study) == 0)
      return 2;
    cs_case_set_notes(cs_study_get_case(study, 0), argv[4]);
    return cs_study_save(study, &error) ? 0 : 3;
  }
  return 4;
}

typedef struct {
  GPid pid;
  FILE *in;  /* To the helper. */
  FILE *out; /* From the helper. */
} Helper;

static void
helper_start(Helper *helper, const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GError) error = NULL;
  int in_fd, out_fd;

  g_ptr_array_add(argv, (char *)"/proc/self/exe");
  g_ptr_array_add(argv, (char *)"--helper");
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add(argv, (char *)args[i]);
  g_ptr_array_add(argv, NULL);
  g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
                                         G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &helper->pid,
                                         &in_fd, &out_fd, NULL, &error));
  g_assert_no_error(error);
  helper->in = fdopen(in_fd, "w");
  helper->out = fdopen(out_fd, "r");
}

static char *
helper_read_line(Helper *helper)
{
  char line[1024];

  if (fgets(line, sizeof line, helper->out) == NULL)
    return NULL;
  return g_strchomp(g_strdup(line));
}

static int
helper_finish(Helper *helper)
{
  int status = 0;

  if (helper->in != NULL)
    fclose(helper->in);
  fclose(helper->out);
  g_assert_cmpint(waitpid(helper->pid, &status, 0), ==, helper->pid);
  g_spawn_close_pid(helper->pid);
  g_assert_true(WIFEXITED(status));
  return WEXITSTATUS(status);
}

static int
helper_run(const char *const *args)
{
  Helper helper;

  helper_start(&helper, args);
  return helper_finish(&helper);
}

/* A study folder with a study of four cases. */

typedef struct {
  char *dir;
  char *path;
  char *lock;
} Fixture;

static CsStudy *
make_study(void)
{
  CsStudy *study = cs_study_new();

  cs_study_set_name(study, "two writers");
  for (int i = 1; i <= 4; i++) {
    g_autofree char *id = g_strdup_printf("case-%d", i);
    g_autoptr(CsCase) c = cs_case_new(id);
    g_autoptr(GError) error = NULL;

    cs_case_set_group(c, i % 2 ? CS_GROUP_CTS : CS_GROUP_CONTROL);
    cs_case_set_sweep_path(c, "sweeps/none.mkv");
    g_assert_true(cs_study_add_case(study, c, &error));
  }
  return study;
}

static void
fixture_set_up(Fixture *fx, gconstpointer user_data)
{
  g_autoptr(CsStudy) study = make_study();
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp("cs-study-lock-XXXXXX", NULL);
  fx->path = g_build_filename(fx->dir, "study.json", NULL);
  fx->lock = cs_study_lock_path(fx->path);
  g_assert_true(cs_study_save_as(study, fx->path, &error));
}

static void
fixture_tear_down(Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GDir) listing = g_dir_open(fx->dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name(listing)) != NULL) {
    g_autofree char *path = g_build_filename(fx->dir, name, NULL);
    g_unlink(path);
  }
  g_rmdir(fx->dir);
  g_free(fx->dir);
  g_free(fx->path);
  g_free(fx->lock);
}

static void
write_lock(Fixture *fx, const char *host, gint64 pid, gint64 heartbeat)
{
  CsStudyLockInfo info = { .host = (char *)host,
                           .user = (char *)"someone",
                           .pid = pid,
                           .since = heartbeat - 60,
                           .heartbeat = heartbeat,
                           .token = (char *)"0123abcd" };
  g_autofree char *data = cs_study_lock_info_to_data(&info);

  g_assert_true(g_file_set_contents(fx->lock, data, -1, NULL));
}

static gint64
now_s(void)
{
  return g_get_real_time() / G_USEC_PER_SEC;
}

/* The lock file. */

static void
test_parse(void)
{
  CsStudyLockInfo info = { .host = (char *)"pc-7",
                           .user = (char *)"遠藤",
                           .pid = 4242,
                           .boot_id = (char *)"b00t",
                           .since = 1765000000,
                           .heartbeat = 1765000060,
                           .token = (char *)"feed" };
  g_autofree char *data = cs_study_lock_info_to_data(&info);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudyLockInfo) parsed = cs_study_lock_info_parse(data, strlen(data), &error);
  g_autofree char *who = NULL;
  static const struct {
    const char *text;
    const char *message;
  } bad[] = {
    { "", "does not start with" },
    { "carpalscope-study-lock 2\nhost=a\n", "does not start with" },
    { "carpalscope-study-lock 1\nuser=u\npid=1\nsince=1\ntoken=t\n", "are required" },
    { "carpalscope-study-lock 1\nhost=a\nuser=u\npid=-1\nsince=1\ntoken=t\n",
      "pid: \"-1\" is not a whole number" },
    { "carpalscope-study-lock 1\nhost=a\nhost=b\nuser=u\npid=1\nsince=1\ntoken=t\n",
      "host: given twice" },
    { "carpalscope-study-lock 1\nhost=a\tb\nuser=u\npid=1\nsince=1\ntoken=t\n",
      "host: not a value" },
    { "carpalscope-study-lock 1\nhost\n", "line 2: not \"key=value\"" },
    { "carpalscope-study-lock 1\nhost=\n", "host: not a value" },
  };

  g_assert_no_error(error);
  g_assert_cmpstr(parsed->host, ==, "pc-7");
  g_assert_cmpstr(parsed->user, ==, "遠藤");
  g_assert_cmpint(parsed->pid, ==, 4242);
  g_assert_cmpstr(parsed->boot_id, ==, "b00t");
  g_assert_cmpint(parsed->since, ==, 1765000000);
  g_assert_cmpint(parsed->heartbeat, ==, 1765000060);
  g_assert_cmpstr(parsed->token, ==, "feed");
  who = cs_study_lock_info_describe(parsed);
  g_assert_true(g_str_has_prefix(who, "遠藤@pc-7 since 20"));

  /* Keys of a later version are skipped; a missing heartbeat is the time it was taken. */
  {
    const char *later = "carpalscope-study-lock 1\nhost=a\nuser=u\npid=1\nsince=5\ntoken=t\n"
                        "colour=blue\n";
    g_autoptr(CsStudyLockInfo) info2 = cs_study_lock_info_parse(later, strlen(later), &error);
    g_assert_no_error(error);
    g_assert_cmpint(info2->heartbeat, ==, 5);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(CsStudyLockInfo) none =
        cs_study_lock_info_parse(bad[i].text, strlen(bad[i].text), &error);
    g_assert_null(none);
    g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
    if (strstr(error->message, bad[i].message) == NULL)
      g_error("bad lock %zu: \"%s\" lacks \"%s\"", i, error->message, bad[i].message);
    g_clear_error(&error);
  }
  {
    g_autofree char *huge = g_strnfill(CS_STUDY_LOCK_MAX_SIZE + 1, 'x');
    g_assert_null(cs_study_lock_info_parse(huge, strlen(huge), &error));
    g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_null(cs_study_lock_info_parse("carpalscope-study-lock 1\n\0", 26, &error));
    g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  }
}

static void
test_two_processes(Fixture *fx, gconstpointer user_data)
{
  const char *args[] = { "hold", fx->path, NULL };
  g_autoptr(CsStudyLockInfo) holder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *who = NULL;
  Helper a;

  /* Process A holds the study. */
  helper_start(&a, args);
  line = helper_read_line(&a);
  g_assert_nonnull(line);
  g_assert_true(g_str_has_prefix(line, "locked "));
  g_assert_true(g_file_test(fx->lock, G_FILE_TEST_IS_REGULAR));

  /* Process B sees it, is told who holds it, and can still read the study. */
  {
    g_autoptr(CsStudyLock) b = cs_study_lock_acquire(fx->path, FALSE, &holder, &error);
    g_autoptr(CsStudy) read_only = NULL;

    g_assert_null(b);
    g_assert_error(error, CS_ERROR, CS_ERROR_LOCKED);
    g_assert_nonnull(holder);
    g_assert_cmpint(holder->pid, ==, a.pid);
    g_assert_cmpstr(holder->host, ==, g_get_host_name());
    g_assert_cmpstr(holder->user, ==, g_get_user_name());
    who = g_strdup_printf("%s@%s since ", g_get_user_name(), g_get_host_name());
    g_assert_nonnull(strstr(error->message, who));
    g_assert_false(cs_study_lock_info_is_stale(holder, now_s()));
    g_clear_error(&error);
    read_only = cs_study_load(fx->path, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(cs_study_get_n_cases(read_only), ==, 4);
  }

  /* A's heartbeat keeps its lock. */
  fputs("refresh\n", a.in);
  fflush(a.in);
  g_free(line);
  line = helper_read_line(&a);
  g_assert_cmpstr(line, ==, "ok");

  /* A closes the study: the lock goes, and B takes it. */
  g_assert_cmpint(helper_finish(&a), ==, 0);
  g_assert_false(g_file_test(fx->lock, G_FILE_TEST_EXISTS));
  {
    g_autoptr(CsStudyLock) b = cs_study_lock_acquire(fx->path, FALSE, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(b);
    g_assert_cmpint(cs_study_lock_get_info(b)->pid, ==, getpid());
  }
  g_assert_false(g_file_test(fx->lock, G_FILE_TEST_EXISTS));
}

static void
test_second_window(Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudyLock) first = cs_study_lock_acquire(fx->path, FALSE, NULL, &error);
  g_autoptr(CsStudyLockInfo) holder = NULL;

  /* A second window of the same process is a second writer too. */
  g_assert_no_error(error);
  g_assert_null(cs_study_lock_acquire(fx->path, FALSE, &holder, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_LOCKED);
  g_assert_cmpstr(holder->token, ==, cs_study_lock_get_info(first)->token);
}

static void
test_take_over(Fixture *fx, gconstpointer user_data)
{
  const char *args[] = { "hold", fx->path, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudyLock) b = NULL;
  g_autoptr(CsStudyLockInfo) now = NULL;
  g_autofree char *line = NULL;
  Helper a;

  helper_start(&a, args);
  line = helper_read_line(&a);
  g_assert_true(g_str_has_prefix(line, "locked "));

  /* B takes over explicitly; A learns it at its next heartbeat, and its release leaves B's lock
   * alone. */
  b = cs_study_lock_acquire(fx->path, TRUE, NULL, &error);
  g_assert_no_error(error);
  g_assert_true(cs_study_lock_is_held(b, NULL));
  fputs("refresh\n", a.in);
  fflush(a.in);
  g_free(line);
  line = helper_read_line(&a);
  g_assert_cmpstr(line, ==, "lost");
  g_assert_cmpint(helper_finish(&a), ==, 0);
  g_assert_true(cs_study_lock_is_held(b, NULL));
  now = cs_study_lock_read(fx->path, &error);
  g_assert_no_error(error);
  g_assert_cmpint(now->pid, ==, getpid());
}

static void
test_stale(Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudyLockInfo) holder = NULL;
  pid_t dead;
  int status;

  /* A process of this host that is gone. */
  dead = fork();
  g_assert_cmpint(dead, >=, 0);
  if (dead == 0)
    _exit(0);
  g_assert_cmpint(waitpid(dead, &status, 0), ==, dead);
  write_lock(fx, g_get_host_name(), dead, now_s());
  {
    g_autoptr(CsStudyLock) lock = cs_study_lock_acquire(fx->path, FALSE, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(cs_study_lock_is_held(lock, NULL));
  }

  /* Another PC whose heartbeat stopped more than a day ago. */
  write_lock(fx, "elsewhere.example", 1, now_s() - CS_STUDY_LOCK_STALE_SECONDS - 60);
  {
    g_autoptr(CsStudyLock) lock = cs_study_lock_acquire(fx->path, FALSE, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(cs_study_lock_is_held(lock, NULL));
  }

  /* Another PC with a recent heartbeat is honoured (its process cannot be seen from here). */
  write_lock(fx, "elsewhere.example", 1, now_s() - CS_STUDY_LOCK_STALE_SECONDS + 600);
  g_assert_null(cs_study_lock_acquire(fx->path, FALSE, &holder, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_LOCKED);
  g_assert_nonnull(strstr(error->message, "someone@elsewhere.example"));
  g_assert_cmpstr(holder->token, ==, "0123abcd");
  g_clear_error(&error);

  /* A lock file this version cannot read is honoured for a day after it was written. */
  g_assert_true(g_file_set_contents(fx->lock, "locked by hand\n", -1, NULL));
  g_clear_pointer(&holder, cs_study_lock_info_free);
  g_assert_null(cs_study_lock_acquire(fx->path, FALSE, &holder, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_LOCKED);
  g_assert_cmpstr(holder->user, ==, "unknown");
  g_clear_error(&error);
  {
    struct timespec old[2] = { { now_s() - 2 * CS_STUDY_LOCK_STALE_SECONDS, 0 },
                               { now_s() - 2 * CS_STUDY_LOCK_STALE_SECONDS, 0 } };
    g_assert_cmpint(utimensat(AT_FDCWD, fx->lock, old, 0), ==, 0);
  }
  {
    g_autoptr(CsStudyLock) lock = cs_study_lock_acquire(fx->path, FALSE, NULL, &error);
    g_assert_no_error(error);
  }
  g_assert_false(g_file_test(fx->lock, G_FILE_TEST_EXISTS));
}

static gboolean
timeout_cb(gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_heartbeat(Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudyLock) lock = cs_study_lock_acquire(fx->path, FALSE, NULL, &error);
  gint64 since = cs_study_lock_get_info(lock)->heartbeat;
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add_seconds(5, timeout_cb, &timed_out);

  g_assert_no_error(error);
  cs_study_lock_set_heartbeat(lock, 1);
  /* The file's heartbeat moves on while the study is open. */
  for (;;) {
    g_autoptr(CsStudyLockInfo) now = NULL;

    g_main_context_iteration(NULL, TRUE);
    now = cs_study_lock_read(fx->path, &error);
    g_assert_no_error(error);
    if (now->heartbeat > since) {
      g_assert_cmpstr(now->token, ==, cs_study_lock_get_info(lock)->token);
      g_assert_cmpint(now->since, ==, cs_study_lock_get_info(lock)->since);
      break;
    }
    g_assert_false(timed_out);
  }
  g_source_remove(timeout);
}

/* The changed-on-disk check. */

static char *
read_all(const char *path)
{
  char *contents = NULL;

  g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
  return contents;
}

typedef struct {
  GMainLoop *loop;
  gboolean ok;
  GError *error;
} AsyncResult;

static void
saved_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncResult *out = user_data;

  out->ok = cs_study_save_finish(CS_STUDY(source), result, &out->error);
  g_main_loop_quit(out->loop);
}

static void
test_changed_on_disk(Fixture *fx, gconstpointer user_data)
{
  const char *args[] = { "edit", fx->path, "written by B", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) a = cs_study_load(fx->path, &error);
  g_autofree char *theirs = NULL, *after = NULL;
  g_autofree char *elsewhere = g_build_filename(fx->dir, "mine.json", NULL);

  g_assert_no_error(error);
  cs_study_set_notes(a, "A's notes");
  /* B saves its change first. */
  g_assert_cmpint(helper_run(args), ==, 0);
  theirs = read_all(fx->path);
  g_assert_nonnull(strstr(theirs, "written by B"));

  /* A's save refuses, leaves B's file as it is and keeps A's work. */
  g_assert_false(cs_study_save(a, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_CHANGED_ON_DISK);
  g_assert_nonnull(strstr(error->message, fx->path));
  g_assert_nonnull(strstr(error->message, "changed by someone else"));
  g_clear_error(&error);
  after = read_all(fx->path);
  g_assert_cmpstr(after, ==, theirs);
  g_assert_true(cs_study_get_dirty(a));
  g_assert_cmpstr(cs_study_get_notes(a), ==, "A's notes");
  g_assert_false(cs_study_check_disk(a, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_CHANGED_ON_DISK);
  g_clear_error(&error);

  /* The autosave's path (async) refuses too. */
  {
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    AsyncResult out = { loop, TRUE, NULL };

    cs_study_save_async(a, NULL, saved_cb, &out);
    g_main_loop_run(loop);
    g_assert_false(out.ok);
    g_assert_error(out.error, CS_ERROR, CS_ERROR_CHANGED_ON_DISK);
    g_clear_error(&out.error);
    g_free(after);
    after = read_all(fx->path);
    g_assert_cmpstr(after, ==, theirs);
  }

  /* Save As elsewhere keeps A's work and makes that file A's. */
  g_assert_true(cs_study_save_as(a, elsewhere, &error));
  g_assert_no_error(error);
  g_assert_false(cs_study_get_dirty(a));
  cs_study_set_notes(a, "A again");
  g_assert_true(cs_study_save(a, &error));
  g_free(after);
  after = read_all(fx->path);
  g_assert_cmpstr(after, ==, theirs);
}

static void
test_unchanged_bytes(Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) a = cs_study_load(fx->path, &error);
  g_autofree char *bytes = read_all(fx->path);
  struct timespec later[2] = { { now_s() + 100, 0 }, { now_s() + 100, 0 } };

  /* A file copied back byte for byte, or only touched, is no conflict. */
  g_assert_true(g_file_set_contents(fx->path, bytes, -1, NULL));
  g_assert_cmpint(utimensat(AT_FDCWD, fx->path, later, 0), ==, 0);
  cs_study_set_notes(a, "saved");
  g_assert_true(cs_study_save(a, &error));
  g_assert_no_error(error);
  /* Each save records what it wrote: saving again is fine. */
  cs_study_set_notes(a, "saved twice");
  g_assert_true(cs_study_save(a, &error));
  /* A file moved away is written again. */
  g_assert_cmpint(g_unlink(fx->path), ==, 0);
  cs_study_set_notes(a, "saved thrice");
  g_assert_true(cs_study_save(a, &error));
  g_assert_no_error(error);
}

/* The merge. */

static void
test_merge(Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) mine = cs_study_load(fx->path, &error);
  g_autoptr(CsStudy) theirs = NULL;
  g_autoptr(CsStudy) merged = NULL;
  g_autoptr(CsStudy) reloaded = NULL;
  g_autoptr(GPtrArray) diffs = NULL;
  const char *take_theirs[] = { "case-1", "case-5", "case-4", NULL };
  static const struct {
    const char *id;
    CsCaseDiffKind kind;
  } expected_diffs[] = {
    { "case-1", CS_CASE_DIFF_CHANGED },     { "case-2", CS_CASE_DIFF_CHANGED },
    { "case-4", CS_CASE_DIFF_ONLY_MINE },   { "mine-new", CS_CASE_DIFF_ONLY_MINE },
    { "case-5", CS_CASE_DIFF_ONLY_THEIRS },
  };
  static const char *const expected_ids[] = { "case-1", "case-2", "case-3", "case-5", "mine-new" };

  /* Theirs, on disk: case-1 and case-2 edited, case-4 removed, case-5 added after case-3. */
  {
    g_autoptr(CsStudy) other = cs_study_load(fx->path, &error);
    g_autoptr(CsCase) added = cs_case_new("case-5");

    cs_case_set_notes(cs_study_find_case(other, "case-1"), "theirs 1");
    cs_case_set_notes(cs_study_find_case(other, "case-2"), "theirs 2");
    g_assert_true(cs_study_remove_case(other, "case-4"));
    g_assert_true(cs_study_add_case(other, added, &error));
    cs_study_set_name(other, "their name");
    g_assert_true(cs_study_save(other, &error));
  }
  /* Mine, in memory: case-1 and case-2 edited too, a new case. */
  {
    g_autoptr(CsCase) added = cs_case_new("mine-new");

    cs_case_set_notes(cs_study_find_case(mine, "case-1"), "mine 1");
    cs_case_set_notes(cs_study_find_case(mine, "case-2"), "mine 2");
    g_assert_true(cs_study_add_case(mine, added, &error));
  }
  g_assert_false(cs_study_save(mine, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_CHANGED_ON_DISK);
  g_clear_error(&error);

  theirs = cs_study_load(fx->path, &error);
  g_assert_no_error(error);
  diffs = cs_study_diff_cases(mine, theirs);
  g_assert_cmpuint(diffs->len, ==, G_N_ELEMENTS(expected_diffs));
  for (guint i = 0; i < diffs->len; i++) {
    CsCaseDiff *diff = g_ptr_array_index(diffs, i);
    g_assert_cmpstr(diff->id, ==, expected_diffs[i].id);
    g_assert_cmpint(diff->kind, ==, expected_diffs[i].kind);
  }
  g_assert_true(cs_study_fields_differ(mine, theirs));

  /* Theirs for case-1, case-5 (kept) and case-4 (removed there); mine for case-2 and mine-new;
   * the study's name stays mine. */
  merged = cs_study_merge(mine, theirs, take_theirs, FALSE, &error);
  g_assert_no_error(error);
  g_assert_true(cs_study_get_dirty(merged));
  g_assert_true(cs_study_save(merged, &error));
  g_assert_no_error(error);
  reloaded = cs_study_load(fx->path, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(cs_study_get_n_cases(reloaded), ==, G_N_ELEMENTS(expected_ids));
  for (guint i = 0; i < G_N_ELEMENTS(expected_ids); i++)
    g_assert_cmpstr(cs_case_get_id(cs_study_get_case(reloaded, i)), ==, expected_ids[i]);
  g_assert_cmpstr(cs_case_get_notes(cs_study_find_case(reloaded, "case-1")), ==, "theirs 1");
  g_assert_cmpstr(cs_case_get_notes(cs_study_find_case(reloaded, "case-2")), ==, "mine 2");
  g_assert_cmpstr(cs_case_get_sweep_path(cs_study_find_case(reloaded, "case-3")), ==,
                  "sweeps/none.mkv");
  g_assert_cmpstr(cs_study_get_name(reloaded), ==, "two writers");
  /* The study in memory is untouched by the merge. */
  g_assert_cmpstr(cs_case_get_notes(cs_study_find_case(mine, "case-1")), ==, "mine 1");

  /* A merge whose file changed again meanwhile is refused like any save. */
  {
    g_autoptr(CsStudy) again = cs_study_merge(mine, theirs, NULL, TRUE, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(cs_study_get_name(again), ==, "their name");
    g_assert_false(cs_study_save(again, &error));
    g_assert_error(error, CS_ERROR, CS_ERROR_CHANGED_ON_DISK);
  }
}

int
main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "--helper") == 0)
    return helper_main(argc, argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/study/lock/parse", test_parse);
  g_test_add("/study/lock/two-processes", Fixture, NULL, fixture_set_up, test_two_processes,
             fixture_tear_down);
  g_test_add("/study/lock/second-window", Fixture, NULL, fixture_set_up, test_second_window,
             fixture_tear_down);
  g_test_add("/study/lock/take-over", Fixture, NULL, fixture_set_up, test_take_over,
             fixture_tear_down);
  g_test_add("/study/lock/stale", Fixture, NULL, fixture_set_up, test_stale, fixture_tear_down);
  g_test_add("/study/lock/heartbeat", Fixture, NULL, fixture_set_up, test_heartbeat,
             fixture_tear_down);
  g_test_add("/study/disk/changed-on-disk", Fixture, NULL, fixture_set_up, test_changed_on_disk,
             fixture_tear_down);
  g_test_add("/study/disk/unchanged-bytes", Fixture, NULL, fixture_set_up, test_unchanged_bytes,
             fixture_tear_down);
  g_test_add("/study/disk/merge", Fixture, NULL, fixture_set_up, test_merge, fixture_tear_down);
  return g_test_run();
}
