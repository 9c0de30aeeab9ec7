/* test-study-save-kills.c — a writer killed at random points of 200 saves loses nothing saved
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A child process loads the study and saves it when the parent says so, each save with the notes
 * "save K" for the next K, and tells the parent each K it finished; the parent kills it with
 * SIGKILL a seeded random number of saves (1-4) and a random part of one more save's time later
 * (the kill lands anywhere in that save or just after it), then checks the folder: study.json
 * parses and holds the last save finished or the one in progress, study.json.bak parses and holds
 * the state before that or the same, and nothing but hidden temporaries of the study is left. The
 * next child starts from what is on disk, until 200 saves have been started.
 *
 * Usage: test-study-save-kills [--seed N] (the seed of the delays; the default is fixed)
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cs-error.h"
#include "cs-study.h"

#define N_SAVES 200

static guint32 delay_seed = 20261207;

/* A study of @n_cases hands, each with a 100-frame result: some 10 KB of JSON per hand. */
static CsStudy *
make_study(guint n_cases)
{
  CsStudy *study = cs_study_new();
  enum { FRAMES = 100 };
  gint64 frames[FRAMES];
  double p[FRAMES];

  for (guint f = 0; f < FRAMES; f++) {
    frames[f] = f;
    p[f] = (double)((f * 37) % 101) / 100.0;
  }
  for (guint i = 0; i < n_cases; i++) {
    g_autofree char *id = g_strdup_printf("hand-%02u", i);
    g_autoptr(CsCase) c = cs_case_new(id);
    g_autoptr(CsModelResult) result = NULL;
    g_autofree char *roi_hash = NULL;
    CsRoiKeyframe key = { .frame = 0, .x = 120, .y = 120, .size_mm = 15 };
    g_autoptr(GError) error = NULL;

    g_assert_true(cs_case_set_roi_keyframe(c, &key, &error));
    roi_hash = cs_case_dup_roi_hash(c);
    result = cs_model_result_new("mobilenet_v2",
                                 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                                 frames, p, FRAMES, 0.5, roi_hash);
    g_assert_true(cs_case_set_result(c, result, &error));
    g_assert_true(cs_study_add_case(study, c, &error));
  }
  return study;
}

/* The K of the notes "save K" of the study at @path, or -1 when it does not load. */
static int
saved_k(const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = cs_study_load(path, &error);
  const char *notes;

  if (study == NULL) {
    g_test_message("%s: %s", path, error->message);
    return -1;
  }
  notes = cs_study_get_notes(study);
  if (notes == NULL || !g_str_has_prefix(notes, "save "))
    return -1;
  return atoi(notes + strlen("save "));
}

/* In the child: for each byte read from @go, saves @study with the notes "save K" for K =
 * @first, @first + 1, ... and writes each K finished to @fd; never returns. */
G_GNUC_NORETURN static void
save_forever(CsStudy *study, int first, int go, int fd)
{
  for (int k = first;; k++) {
    g_autofree char *notes = g_strdup_printf("save %d", k);
    char byte;

    if (read(go, &byte, 1) != 1)
      pause();

    cs_study_set_notes(study, notes);
    if (!cs_study_save(study, NULL))
      _exit(3);
    if (write(fd, &k, sizeof k) != sizeof k)
      _exit(4);
  }
}

static void
test_killed_saves(void)
{
  g_autofree char *dir = g_dir_make_tmp("cs-study-kills-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "study.json", NULL);
  g_autofree char *bak = g_strconcat(path, ".bak", NULL);
  g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);
  g_autoptr(GRand) rand = g_rand_new_with_seed(delay_seed);
  g_autoptr(GError) error = NULL;
  int started = 0, last = 0, rounds = 0, mid_save = 0, bak_same = 0;
  gint64 save_us;

  {
    g_autoptr(CsStudy) study = make_study(3);
    gint64 start;

    cs_study_set_notes(study, "save 0");
    g_assert_true(cs_study_save_as(study, path, &error));
    g_assert_no_error(error);
    /* Time one save to spread the kills over one (a choice of delays, not a check). */
    start = g_get_monotonic_time();
    g_assert_true(cs_study_save_as(study, path, &error));
    save_us = MAX(g_get_monotonic_time() - start, 500);
  }
  g_test_message("one save takes %" G_GINT64_FORMAT " us; delays seeded with %u", save_us,
                 delay_seed);

  while (started < N_SAVES) {
    g_autoptr(CsStudy) study = cs_study_load(path, &error);
    int fds[2], go[2], status, k, on_disk, in_bak;
    int wait_for = g_rand_int_range(rand, 1, 5);
    gint64 delay = g_rand_int_range(rand, 0, (gint32)MIN(save_us * 3 / 2, G_MAXINT32));
    pid_t pid;

    g_assert_no_error(error);
    g_assert_cmpint(pipe(fds), ==, 0);
    g_assert_cmpint(pipe(go), ==, 0);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
      close(fds[0]);
      close(go[1]);
      save_forever(study, last + 1, go[0], fds[1]);
    }
    close(fds[1]);
    close(go[0]);
    /* At most one save more than the parent waits for. */
    g_assert_cmpint(write(go[1], "gogogo", wait_for + 1), ==, wait_for + 1);
    /* The kill comes after 1-4 saves, somewhere in the next one or just after it. */
    for (int i = 0; i < wait_for; i++) {
      g_assert_cmpint(read(fds[0], &k, sizeof k), ==, sizeof k);
      g_assert_cmpint(k, ==, last + 1);
      last = k;
    }
    g_usleep((gulong)delay);
    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    close(go[1]);
    while (read(fds[0], &k, sizeof k) == sizeof k) {
      g_assert_cmpint(k, ==, last + 1);
      last = k;
    }
    close(fds[0]);
    rounds++;
    started = last + 1; /* the saves finished and the one the kill interrupted */

    /* study.json is the last save finished or the one in progress, whole. */
    on_disk = saved_k(path);
    g_assert_true(on_disk == last || on_disk == last + 1);
    mid_save += on_disk == last + 1;
    /* study.json.bak is the state before it, or already the same while the new one is written. */
    in_bak = saved_k(bak);
    g_assert_true(in_bak == on_disk - 1 || in_bak == on_disk);
    bak_same += in_bak == on_disk;
    /* The one the kill interrupted counts as finished when it reached the disk. */
    last = on_disk;
    {
      g_autoptr(GDir) listing = g_dir_open(dir, 0, NULL);
      const char *name;

      while ((name = g_dir_read_name(listing)) != NULL)
        g_assert_true(strcmp(name, "study.json") == 0 || strcmp(name, "study.json.bak") == 0 ||
                      g_str_has_prefix(name, ".study.json.tmp-"));
    }
  }
  g_test_message("%d saves started in %d kills: %d kills after the new study reached the disk but "
                 "before the child heard, %d while study.json.bak was the same as study.json",
                 started, rounds, mid_save, bak_same);
  g_assert_cmpint(rounds, >=, N_SAVES / 5);
  g_assert_true(g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "--seed") == 0)
      delay_seed = (guint32)strtoul(argv[i + 1], NULL, 10);
  g_test_add_func("/study/save/killed-at-random", test_killed_saves);
  return g_test_run();
}
