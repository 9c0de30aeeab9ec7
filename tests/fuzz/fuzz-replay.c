/* fuzz-replay.c — runs the fuzzer's entry point on the seed corpus and on files, without libFuzzer
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: fuzz-replay                   replay the built-in seeds (TAP output; a meson test)
 *        fuzz-replay [--seeds] FILE|DIR...
 *                                       replay files (a committed corpus, the regressions, a crash
 *                                       found by build-aux/fuzz-long.sh), the built-in seeds too
 *                                       with --seeds
 *        fuzz-replay --write-seeds DIR  write the seeds as files, the fuzzer's starting corpus
 *
 * Plain C: it knows only the entry point, so one program serves every harness.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csnn.h"
#include "fuzz-seeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_run;

static int
replay_seed_cb(const char *name, const uint8_t *data, size_t size, void *user)
{
  csnn_clear_error();
  LLVMFuzzerTestOneInput(data, size);
  printf("ok %d - seed %s (%zu bytes)%s%s\n", ++n_run, name, size, csnn_last_error()[0] ? ": " : "",
         csnn_last_error());
  return 0;
}

static int
write_seed_cb(const char *name, const uint8_t *data, size_t size, void *user)
{
  const char *dir = user;
  char path[4096];
  FILE *file;

  snprintf(path, sizeof path, "%s/%s", dir, name);
  file = fopen(path, "wb");
  if (file == NULL || fwrite(data, 1, size, file) != size || fclose(file) != 0) {
    fprintf(stderr, "fuzz-replay: cannot write %s: %s\n", path, strerror(errno));
    return 1;
  }
  return 0;
}

static int
replay_file(const char *path)
{
  FILE *file = fopen(path, "rb");
  uint8_t *data = NULL;
  size_t size = 0, allocated = 0;

  if (file == NULL) {
    fprintf(stderr, "fuzz-replay: %s: %s\n", path, strerror(errno));
    return 1;
  }
  for (;;) {
    size_t n;

    if (allocated - size < 65536) {
      uint8_t *grown = realloc(data, allocated + 65536);

      if (grown == NULL) {
        free(data);
        fclose(file);
        return 1;
      }
      data = grown;
      allocated += 65536;
    }
    n = fread(data + size, 1, allocated - size, file);
    size += n;
    if (n == 0)
      break;
  }
  fclose(file);
  csnn_clear_error();
  LLVMFuzzerTestOneInput(data, size);
  printf("ok %d - %s (%zu bytes)%s%s\n", ++n_run, path, size, csnn_last_error()[0] ? ": " : "",
         csnn_last_error());
  free(data);
  return 0;
}

static int
replay_path(const char *path)
{
  struct stat info;
  DIR *dir;
  struct dirent *entry;
  int failed = 0;

  if (stat(path, &info) != 0 || !S_ISDIR(info.st_mode))
    return replay_file(path);
  dir = opendir(path);
  if (dir == NULL)
    return 1;
  while ((entry = readdir(dir)) != NULL) {
    char child[4096];

    if (entry->d_name[0] == '.')
      continue;
    snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
    failed |= replay_file(child);
  }
  closedir(dir);
  return failed;
}

int
main(int argc, char **argv)
{
  int failed = 0;

  if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0) {
    if (mkdir(argv[2], 0755) != 0 && errno != EEXIST) {
      fprintf(stderr, "fuzz-replay: cannot create %s: %s\n", argv[2], strerror(errno));
      return 1;
    }
    return fuzz_seeds_foreach(write_seed_cb, argv[2]) < 0;
  }
  if (argc == 1) {
    int n = fuzz_seeds_foreach(replay_seed_cb, NULL);

    printf("1..%d\n", n_run);
    return n < 0;
  }
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--seeds") == 0)
      failed |= fuzz_seeds_foreach(replay_seed_cb, NULL) < 0;
    else
      failed |= replay_path(argv[i]);
  }
  printf("1..%d\n", n_run);
  return failed;
}
