/* cs-study-write.c — writing a file atomically: a temporary, fsync, a backup, rename, fsync
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A save must never leave a study half written, lose the previous one or leave litter behind.
 * The new bytes go to a temporary file in the study's folder (unnamed where the file system
 * allows it) and reach the disk before a rename makes them the study; the previous file is kept
 * as <path>.bak; the folder is synced so the rename itself survives a power cut. Temporaries of
 * writers that were killed are recognised by their lock and removed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cs-error.h"
#include "cs-study-private.h"

static gboolean
io_fail(GError **error, const char *path, const char *what, int saved_errno)
{
  g_set_error(error, CS_ERROR, saved_errno == ENOENT ? CS_ERROR_NOT_FOUND : CS_ERROR_IO,
              "Could not save %s: %s: %s (the previous file is unchanged)", path, what,
              g_strerror(saved_errno));
  return FALSE;
}

static gboolean
write_all(int fd, const char *data, gsize length)
{
  while (length > 0) {
    ssize_t n = write(fd, data, length);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return FALSE;
    }
    data += n;
    length -= (gsize)n;
  }
  return TRUE;
}

static gboolean use_unnamed_temporaries = TRUE;

void
cs_study_set_use_unnamed_temporaries(gboolean use)
{
  use_unnamed_temporaries = use;
}

/* Temporary files are hidden and named after the study (".study.json.tmp-XXXXXX"). A writer
 * holds an exclusive flock on its temporary file while it works; one that can be locked by
 * someone else belongs to a writer that died, and is removed. (A named temporary exists for an
 * instant before its writer locks it; a second process saving the same study in that instant
 * could remove it, and that writer's save then fails with an error: nothing is lost. Unnamed
 * temporaries, used where the file system has them, are locked before they have a name.) */
static void
remove_stale_temporaries(const char *dir, const char *base)
{
  g_autoptr(GDir) listing = g_dir_open(dir, 0, NULL);
  g_autofree char *prefix = g_strconcat(".", base, ".tmp-", NULL);
  const char *name;

  if (listing == NULL)
    return;
  while ((name = g_dir_read_name(listing)) != NULL) {
    g_autofree char *path = NULL;
    int fd;

    if (!g_str_has_prefix(name, prefix))
      continue;
    path = g_build_filename(dir, name, NULL);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
      continue;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
      g_unlink(path);
    close(fd);
  }
}

/* Creates the file that will become @path, as an unnamed file when the file system allows it
 * (then a writer killed before linking it leaves nothing behind), else as a named temporary.
 * Returns the descriptor, locked, and in *tmp_path the name it has (or NULL while unnamed). */
static int
create_temporary(const char *dir, const char *base, gboolean allow_unnamed, char **tmp_path)
{
  g_autofree char *template = g_strdup_printf("%s/.%s.tmp-XXXXXX", dir, base);
  int fd;

  *tmp_path = NULL;
#ifdef O_TMPFILE
  allow_unnamed = allow_unnamed && use_unnamed_temporaries;
  fd = allow_unnamed ? open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0644) : -1;
  if (!allow_unnamed)
    errno = EOPNOTSUPP;
  if (fd >= 0) {
    flock(fd, LOCK_EX);
    return fd;
  }
  /* Only a file system without unnamed files falls back; other errors (no folder, no
   * permission, no space) are the answer. */
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
    return -1;
#endif
  fd = g_mkstemp_full(template, O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0)
    return -1;
  flock(fd, LOCK_EX);
  *tmp_path = g_steal_pointer(&template);
  return fd;
}

/* Gives an unnamed temporary file a hidden name in @dir so it can be renamed into place. */
static gboolean
name_temporary(int fd, const char *dir, const char *base, char **tmp_path)
{
  char proc_path[64];

  g_snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", fd);
  for (int attempt = 0; attempt < 100; attempt++) {
    g_autofree char *candidate = g_strdup_printf("%s/.%s.tmp-%08x", dir, base, g_random_int());
    if (linkat(AT_FDCWD, proc_path, AT_FDCWD, candidate, AT_SYMLINK_FOLLOW) == 0) {
      *tmp_path = g_steal_pointer(&candidate);
      return TRUE;
    }
    if (errno != EEXIST)
      return FALSE;
  }
  errno = EEXIST;
  return FALSE;
}

/* Makes <path>.bak the current file (a hard link, or a copy where links are not possible),
 * replacing the previous backup atomically. */
static gboolean
keep_backup(const char *path, const char *dir, const char *base, int *saved_errno)
{
  g_autofree char *bak = g_strconcat(path, ".bak", NULL);
  g_autofree char *bak_tmp = NULL;

  for (int attempt = 0; attempt < 100 && bak_tmp == NULL; attempt++) {
    g_autofree char *candidate = g_strdup_printf("%s/.%s.tmp-bak-%08x", dir, base, g_random_int());
    if (link(path, candidate) == 0) {
      bak_tmp = g_steal_pointer(&candidate);
    } else if (errno == ENOENT) {
      return TRUE; /* No previous file, so nothing to keep. */
    } else if (errno != EEXIST) {
      /* The file system has no hard links: copy the bytes instead. */
      g_autofree char *contents = NULL;
      gsize length = 0;
      int fd;

      if (!g_file_get_contents(path, &contents, &length, NULL)) {
        *saved_errno = EIO;
        return FALSE;
      }
      fd = create_temporary(dir, base, FALSE, &bak_tmp);
      if (fd < 0 || (bak_tmp == NULL && !name_temporary(fd, dir, base, &bak_tmp)) ||
          !write_all(fd, contents, length) || fsync(fd) != 0) {
        *saved_errno = errno;
        if (fd >= 0)
          close(fd);
        if (bak_tmp != NULL)
          g_unlink(bak_tmp);
        return FALSE;
      }
      close(fd);
    }
  }
  if (bak_tmp == NULL) {
    *saved_errno = EEXIST;
    return FALSE;
  }
  if (rename(bak_tmp, bak) != 0) {
    *saved_errno = errno;
    g_unlink(bak_tmp);
    return FALSE;
  }
  /* When the backup already was this very file (a writer killed after linking it), rename()
   * succeeds without doing anything and the temporary name stays: remove it. */
  g_unlink(bak_tmp);
  return TRUE;
}

gboolean
cs_study_write_file_atomic(const char *path, const char *data, gsize length, GError **error)
{
  g_autofree char *absolute = NULL, *dir = NULL, *base = NULL;
  struct stat old;
  int dir_fd, saved = 0;
  gboolean have_old;

  g_return_val_if_fail(path != NULL, FALSE);
  g_return_val_if_fail(data != NULL || length == 0, FALSE);
  absolute = g_canonicalize_filename(path, NULL);
  dir = g_path_get_dirname(absolute);
  base = g_path_get_basename(absolute);
  if (g_file_test(absolute, G_FILE_TEST_IS_DIR))
    return io_fail(error, absolute, "it is a folder", EISDIR);
  have_old = stat(absolute, &old) == 0;

  remove_stale_temporaries(dir, base);
  /* The first attempt uses an unnamed file; naming it goes through /proc, and where that is
   * missing the write is made again through a named temporary. */
  for (int attempt = 0; attempt < 2; attempt++) {
    g_autofree char *tmp_path = NULL;
    int fd = create_temporary(dir, base, attempt == 0, &tmp_path);
    gboolean unnamed = tmp_path == NULL;

    if (fd < 0)
      return io_fail(error, absolute, "cannot create a file in its folder", errno);
    /* Keep the permissions of the file being replaced. */
    if (have_old)
      (void)fchmod(fd, old.st_mode & 07777);
    if (!write_all(fd, data, length)) {
      saved = errno;
      goto fail;
    }
    /* The data must be on disk before the rename makes it the study: otherwise a power cut
     * could leave a renamed but empty file. */
    if (fsync(fd) != 0) {
      saved = errno;
      goto fail;
    }
    if (unnamed && !name_temporary(fd, dir, base, &tmp_path)) {
      saved = errno;
      close(fd);
      if (attempt == 0)
        continue;
      return io_fail(error, absolute, "writing failed", saved);
    }
    if (!keep_backup(absolute, dir, base, &saved))
      goto fail;
    if (rename(tmp_path, absolute) != 0) {
      saved = errno;
      goto fail;
    }
    close(fd);
    /* Make the rename itself durable. */
    dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      (void)fsync(dir_fd);
      close(dir_fd);
    }
    return TRUE;

  fail:
    close(fd);
    if (tmp_path != NULL)
      g_unlink(tmp_path);
    return io_fail(error, absolute, "writing failed", saved);
  }
  g_assert_not_reached();
}
