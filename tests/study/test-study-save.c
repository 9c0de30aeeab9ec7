/* test-study-save.c — saving is atomic: killed writers, a full disk and bad folders lose nothing
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cs-error.h"
#include "cs-study-private.h"
#include "cs-study.h"

#define SHA_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A study of @n_cases hands with a 1000-frame result each: a few MB of JSON, so that a write
 * takes long enough to be interrupted in the middle. */
static CsStudy *
make_large_study(guint n_cases, const char *name)
{
  CsStudy *study = cs_study_new();
  enum { FRAMES = 1000 };
  gint64 *frames = g_new(gint64, FRAMES);
  double *p = g_new(double, FRAMES);
  const double outline[] = { 100, 100, 140, 98, 150, 120, 138, 141, 101, 139 };
  g_autoptr(GRand) rand = g_rand_new_with_seed(7);

  cs_study_set_name(study, name);
  for (guint f = 0; f < FRAMES; f++) {
    frames[f] = f;
    p[f] = g_rand_double(rand);
  }
  for (guint i = 0; i < n_cases; i++) {
    g_autofree char *id = g_strdup_printf("hand-%04u", i);
    g_autoptr(CsCase) c = cs_case_new(id);
    g_autoptr(CsModelResult) result = NULL;
    g_autoptr(CsTracing) tracing = cs_tracing_new("inlet", 10, outline, 5);
    g_autofree char *roi_hash = NULL;
    CsRoiKeyframe key = { .frame = 0, .x = 120, .y = 120, .size_mm = 15 };
    g_autoptr(GError) error = NULL;

    cs_case_set_group(c, i % 2 ? CS_GROUP_CTS : CS_GROUP_CONTROL);
    cs_case_set_split(c, i % 5 == 0 ? CS_SPLIT_TEST : CS_SPLIT_TRAIN);
    g_assert_true(cs_case_set_spacing(c, 0.05, CS_SPACING_SOURCE_PHANTOM_TRUTH, &error));
    g_assert_true(cs_case_set_roi_keyframe(c, &key, &error));
    g_assert_cmpint(cs_case_add_tracing(c, tracing, &error), ==, 0);
    roi_hash = cs_case_dup_roi_hash(c);
    result = cs_model_result_new("mobilenet_v2", SHA_A, frames, p, FRAMES, 0.5, roi_hash);
    g_assert_true(cs_case_set_result(c, result, &error));
    g_assert_true(cs_study_add_case(study, c, &error));
  }
  g_free(frames);
  g_free(p);
  return study;
}

static char *
read_file(const char *path, gsize *length)
{
  char *contents = NULL;

  if (!g_file_get_contents(path, &contents, length, NULL))
    return NULL;
  return contents;
}

/* Returns the names in @dir other than study.json and study.json.bak. */
static GPtrArray *
other_files(const char *dir)
{
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GDir) listing = g_dir_open(dir, 0, NULL);
  const char *name;

  g_assert_nonnull(listing);
  while ((name = g_dir_read_name(listing)) != NULL)
    if (strcmp(name, "study.json") != 0 && strcmp(name, "study.json.bak") != 0)
      g_ptr_array_add(names, g_strdup(name));
  return names;
}

static void
remove_tree(const char *dir)
{
  g_autoptr(GPtrArray) names = other_files(dir);
  g_autofree char *study = g_build_filename(dir, "study.json", NULL);
  g_autofree char *bak = g_build_filename(dir, "study.json.bak", NULL);

  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL);
    g_unlink(path);
  }
  g_unlink(study);
  g_unlink(bak);
  g_rmdir(dir);
}

typedef struct {
  char *dir;
  char *path;
  char *bak;
  char *data_a; /* The saved study. */
  gsize length_a;
  char *data_b; /* The study a killed child was writing. */
  gsize length_b;
} Fixture;

static void
fixture_set_up(Fixture *fx, gconstpointer user_data)
{
  guint n_cases = GPOINTER_TO_UINT(user_data);
  g_autoptr(CsStudy) a = make_large_study(n_cases, "version A");
  g_autoptr(CsStudy) b = make_large_study(n_cases + 1, "version B");
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp("cs-study-save-XXXXXX", NULL);
  fx->path = g_build_filename(fx->dir, "study.json", NULL);
  fx->bak = g_strconcat(fx->path, ".bak", NULL);
  fx->data_a = cs_study_to_data(a, &fx->length_a);
  fx->data_b = cs_study_to_data(b, &fx->length_b);
  g_assert_true(cs_study_save_as(a, fx->path, &error));
  g_assert_no_error(error);
}

static void
fixture_tear_down(Fixture *fx, gconstpointer user_data)
{
  cs_study_set_use_unnamed_temporaries(TRUE);
  remove_tree(fx->dir);
  g_free(fx->dir);
  g_free(fx->path);
  g_free(fx->bak);
  g_free(fx->data_a);
  g_free(fx->data_b);
}

/* Whether @path holds exactly version A or B; returns 'A', 'B' or 0. */
static char
which_version(Fixture *fx, const char *path)
{
  gsize length = 0;
  g_autofree char *contents = read_file(path, &length);

  if (contents == NULL)
    return 0;
  if (length == fx->length_a && memcmp(contents, fx->data_a, length) == 0)
    return 'A';
  if (length == fx->length_b && memcmp(contents, fx->data_b, length) == 0)
    return 'B';
  return 0;
}

static void
test_killed_writer(Fixture *fx, gconstpointer user_data)
{
  const guint rounds = 24;
  guint outcomes[2] = { 0, 0 }, leftovers = 0;
  gboolean loaded_version[2] = { FALSE, FALSE };
  gint64 start, write_us;
  g_autoptr(GError) error = NULL;

  /* Time one complete write to spread the kills over it (a choice of delays, not a check). */
  start = g_get_monotonic_time();
  g_assert_true(cs_study_write_file_atomic(fx->path, fx->data_a, fx->length_a, &error));
  write_us = MAX(g_get_monotonic_time() - start, 1000);
  g_test_message("a %zu-byte write takes %" G_GINT64_FORMAT " us", fx->length_b, write_us);

  for (guint round = 0; round < rounds; round++) {
    int ready[2];
    char byte;
    pid_t pid;
    int status;
    gint64 delay = write_us * 3 / 2 * round / (rounds - 1);
    char now;

    /* Half the rounds use named temporary files, the fallback for file systems without
     * unnamed ones. */
    cs_study_set_use_unnamed_temporaries(round % 2 == 0);
    g_assert_cmpint(pipe(ready), ==, 0);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
      /* The child signals just before it starts writing, then writes version B. */
      close(ready[0]);
      if (write(ready[1], "x", 1) != 1)
        _exit(3);
      cs_study_write_file_atomic(fx->path, fx->data_b, fx->length_b, NULL);
      /* Stay alive so the kill, not the exit, ends every round. */
      pause();
      _exit(0);
    }
    close(ready[1]);
    g_assert_cmpint(read(ready[0], &byte, 1), ==, 1);
    close(ready[0]);
    g_usleep(delay);
    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    /* The study is one whole version or the other, never a mixture (both load, below). */
    now = which_version(fx, fx->path);
    g_assert_true(now == 'A' || now == 'B');
    outcomes[now == 'B']++;
    if (!loaded_version[now == 'B']) {
      loaded_version[now == 'B'] = TRUE;
      g_autoptr(CsStudy) loaded = cs_study_load(fx->path, &error);
      g_assert_no_error(error);
      g_assert_cmpuint(cs_study_get_n_cases(loaded), ==,
                       GPOINTER_TO_UINT(user_data) + (now == 'A' ? 0 : 1));
    }
    if (g_file_test(fx->bak, G_FILE_TEST_EXISTS))
      g_assert_true(which_version(fx, fx->bak) != 0);
    {
      g_autoptr(GPtrArray) others = other_files(fx->dir);
      leftovers += others->len;
      /* Anything left is a hidden temporary of this study, never something else. */
      for (guint i = 0; i < others->len; i++)
        g_assert_true(g_str_has_prefix(g_ptr_array_index(others, i), ".study.json.tmp-"));
    }

    /* The next save removes what killed writers left and restores version A. */
    g_assert_true(cs_study_write_file_atomic(fx->path, fx->data_a, fx->length_a, &error));
    {
      g_autoptr(GPtrArray) others = other_files(fx->dir);
      for (guint i = 0; i < others->len; i++)
        g_test_message("left after round %u: %s", round, (char *)g_ptr_array_index(others, i));
      g_assert_cmpuint(others->len, ==, 0);
    }
    g_assert_cmpint(which_version(fx, fx->path), ==, 'A');
  }
  g_test_message("%u rounds: %u kept the old study, %u the new one; %u temporaries left and "
                 "cleaned",
                 rounds, outcomes[0], outcomes[1], leftovers);
}

static void
test_disk_full(Fixture *fx, gconstpointer user_data)
{
  pid_t pid;
  int status;

  /* A file size limit makes write() fail with EFBIG part-way, as a full disk does with ENOSPC;
   * it needs no privileges and no special file system. Done in a child so the limit stays
   * there. */
  for (int unnamed = 0; unnamed < 2; unnamed++) {
    cs_study_set_use_unnamed_temporaries(unnamed);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
      struct rlimit limit = { 64 * 1024, 64 * 1024 };
      GError *error = NULL;
      gboolean ok;

      signal(SIGXFSZ, SIG_IGN);
      if (setrlimit(RLIMIT_FSIZE, &limit) != 0)
        _exit(2);
      ok = cs_study_write_file_atomic(fx->path, fx->data_b, fx->length_b, &error);
      if (ok)
        _exit(3);
      if (!g_error_matches(error, CS_ERROR, CS_ERROR_IO))
        _exit(4);
      if (strstr(error->message, "the previous file is unchanged") == NULL ||
          strstr(error->message, g_strerror(EFBIG)) == NULL ||
          strstr(error->message, fx->path) == NULL)
        _exit(5);
      _exit(0);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    g_assert_cmpint(which_version(fx, fx->path), ==, 'A');
    {
      g_autoptr(GPtrArray) others = other_files(fx->dir);
      g_assert_cmpuint(others->len, ==, 0);
    }
  }
}

static void
test_bad_folders(Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = cs_study_load(fx->path, &error);
  g_autofree char *missing = g_build_filename(fx->dir, "no such folder", "study.json", NULL);
  g_autofree char *readonly = g_build_filename(fx->dir, "readonly", NULL);
  g_autofree char *readonly_study = g_build_filename(readonly, "study.json", NULL);

  g_assert_no_error(error);
  cs_study_set_name(study, "changed");

  g_assert_false(cs_study_save_as(study, missing, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, missing));
  g_clear_error(&error);
  /* A failed save-as keeps the study's own file and its unsaved state. */
  g_assert_cmpstr(cs_study_get_path(study), ==, fx->path);
  g_assert_true(cs_study_get_dirty(study));

  g_assert_false(cs_study_save_as(study, fx->dir, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_IO);
  g_assert_nonnull(strstr(error->message, "it is a folder"));
  g_clear_error(&error);

  {
    g_autoptr(CsStudy) unsaved = cs_study_new();
    g_assert_false(cs_study_save(unsaved, &error));
    g_assert_error(error, CS_ERROR, CS_ERROR_FAILED);
    g_clear_error(&error);
  }

  if (geteuid() == 0) {
    g_test_message("running as root: a read-only folder cannot be simulated with permissions");
  } else {
    g_assert_cmpint(g_mkdir(readonly, 0755), ==, 0);
    g_assert_true(cs_study_save_as(study, readonly_study, &error));
    g_assert_cmpint(g_chmod(readonly, 0555), ==, 0);
    cs_study_set_name(study, "changed again");
    g_assert_false(cs_study_save(study, &error));
    g_assert_error(error, CS_ERROR, CS_ERROR_IO);
    g_clear_error(&error);
    g_assert_true(cs_study_get_dirty(study));
    g_chmod(readonly, 0755);
    {
      g_autoptr(CsStudy) kept = cs_study_load(readonly_study, &error);
      g_assert_no_error(error);
      g_assert_cmpstr(cs_study_get_name(kept), ==, "changed");
    }
    g_unlink(readonly_study);
    g_rmdir(readonly);
  }
  /* The original file was never touched. */
  g_assert_cmpint(which_version(fx, fx->path), ==, 'A');
}

static void
test_stale_temporaries(Fixture *fx, gconstpointer user_data)
{
  g_autofree char *dead = g_build_filename(fx->dir, ".study.json.tmp-dead01", NULL);
  g_autofree char *live = g_build_filename(fx->dir, ".study.json.tmp-live01", NULL);
  g_autofree char *unrelated = g_build_filename(fx->dir, ".other.json.tmp-dead02", NULL);
  g_autoptr(GError) error = NULL;
  int fd;

  g_assert_true(g_file_set_contents(dead, "{\"version\": 1, \"ca", -1, NULL));
  g_assert_true(g_file_set_contents(live, "{", -1, NULL));
  g_assert_true(g_file_set_contents(unrelated, "{", -1, NULL));
  /* A writer still working holds its lock: its file must survive another save. */
  fd = open(live, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint(fd, >=, 0);
  g_assert_cmpint(flock(fd, LOCK_EX), ==, 0);

  g_assert_true(cs_study_write_file_atomic(fx->path, fx->data_b, fx->length_b, &error));
  g_assert_false(g_file_test(dead, G_FILE_TEST_EXISTS));
  g_assert_true(g_file_test(live, G_FILE_TEST_EXISTS));
  g_assert_true(g_file_test(unrelated, G_FILE_TEST_EXISTS));
  close(fd);
  g_assert_cmpint(which_version(fx, fx->path), ==, 'B');
  g_assert_cmpint(which_version(fx, fx->bak), ==, 'A');
}

static void
test_permissions_kept(Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  struct stat st;

  g_assert_cmpint(g_chmod(fx->path, 0600), ==, 0);
  for (int unnamed = 0; unnamed < 2; unnamed++) {
    cs_study_set_use_unnamed_temporaries(unnamed);
    g_assert_true(cs_study_write_file_atomic(fx->path, fx->data_b, fx->length_b, &error));
    g_assert_cmpint(stat(fx->path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  }
}

static void
test_save_copy(Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = cs_study_load(fx->path, &error);
  g_autofree char *copy = g_build_filename(fx->dir, "autosave.json", NULL);

  cs_study_set_notes(study, "unsaved");
  g_assert_true(cs_study_save_copy(study, copy, &error));
  g_assert_cmpstr(cs_study_get_path(study), ==, fx->path);
  g_assert_true(cs_study_get_dirty(study));
  {
    g_autoptr(CsStudy) loaded = cs_study_load(copy, &error);
    g_assert_no_error(error);
    g_assert_true(cs_study_equal(loaded, study));
  }
  g_unlink(copy);
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
test_save_async(Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = cs_study_load(fx->path, &error);
  g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
  AsyncResult out = { loop, FALSE, NULL };

  /* Saved while clean-after-save: the dirty flag clears. */
  cs_study_set_notes(study, "first");
  cs_study_save_async(study, NULL, saved_cb, &out);
  g_main_loop_run(loop);
  g_assert_no_error(out.error);
  g_assert_true(out.ok);
  g_assert_false(cs_study_get_dirty(study));

  /* An edit made after the JSON was taken keeps the study dirty. */
  cs_study_set_notes(study, "second");
  cs_study_save_async(study, NULL, saved_cb, &out);
  cs_study_set_notes(study, "third");
  g_main_loop_run(loop);
  g_assert_no_error(out.error);
  g_assert_true(cs_study_get_dirty(study));
  {
    g_autoptr(CsStudy) loaded = cs_study_load(fx->path, &error);
    g_assert_cmpstr(cs_study_get_notes(loaded), ==, "second");
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/study/save/killed-writer", Fixture, GUINT_TO_POINTER(40), fixture_set_up,
             test_killed_writer, fixture_tear_down);
  g_test_add("/study/save/disk-full", Fixture, GUINT_TO_POINTER(10), fixture_set_up, test_disk_full,
             fixture_tear_down);
  g_test_add("/study/save/bad-folders", Fixture, GUINT_TO_POINTER(10), fixture_set_up,
             test_bad_folders, fixture_tear_down);
  g_test_add("/study/save/stale-temporaries", Fixture, GUINT_TO_POINTER(10), fixture_set_up,
             test_stale_temporaries, fixture_tear_down);
  g_test_add("/study/save/permissions-kept", Fixture, GUINT_TO_POINTER(10), fixture_set_up,
             test_permissions_kept, fixture_tear_down);
  g_test_add("/study/save/save-copy", Fixture, GUINT_TO_POINTER(10), fixture_set_up, test_save_copy,
             fixture_tear_down);
  g_test_add("/study/save/async", Fixture, GUINT_TO_POINTER(10), fixture_set_up, test_save_async,
             fixture_tear_down);
  return g_test_run();
}
