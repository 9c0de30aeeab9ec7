/* cs-study-disk.c — whether a study's file is still what this copy loaded or last saved
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Before a save replaces study.json, the file is compared with what was read from it or written
 * to it last: the same file (device, inode), modification time and size say "unchanged" at once;
 * otherwise its SHA-256 decides, so a file touched or copied back byte for byte is no conflict.
 * (Between the check and the rename that replaces the file lies a moment in which another writer
 * could still slip in; the lock file keeps cooperating copies out of it.)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cs-error.h"
#include "cs-study-merge.h"
#include "cs-study-private.h"

static gint64
mtime_ns(const struct stat *st)
{
  return (gint64)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static void
sha256_bytes(const char *data, gsize length, guint8 out[32])
{
  g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
  gsize size = 32;

  g_checksum_update(checksum, (const guchar *)data, (gssize)length);
  g_checksum_get_digest(checksum, out, &size);
}

void
cs_disk_stamp_record(CsDiskStamp *stamp, const char *path, const char *data, gsize length)
{
  struct stat st;

  memset(stamp, 0, sizeof *stamp);
  stamp->known = TRUE;
  stamp->size = (gint64)length;
  sha256_bytes(data, length, stamp->sha256);
  if (stat(path, &st) == 0 && (gint64)st.st_size == stamp->size) {
    stamp->dev = st.st_dev;
    stamp->ino = st.st_ino;
    stamp->mtime_ns = mtime_ns(&st);
  }
}

/* Hashes the file open at @fd; FALSE with errno on a read error. */
static gboolean
sha256_fd(int fd, guint8 out[32])
{
  g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
  g_autofree char *buffer = g_malloc(1 << 16);
  gsize size = 32;

  for (;;) {
    ssize_t n = read(fd, buffer, 1 << 16);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return FALSE;
    if (n == 0)
      break;
    g_checksum_update(checksum, (const guchar *)buffer, n);
  }
  g_checksum_get_digest(checksum, out, &size);
  return TRUE;
}

static gboolean
changed_fail(GError **error, const char *path, const struct stat *st)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local(st->st_mtim.tv_sec);
  g_autofree char *text = when != NULL ? g_date_time_format(when, "%Y-%m-%d %H:%M:%S") : NULL;

  g_set_error(error, CS_ERROR, CS_ERROR_CHANGED_ON_DISK,
              "%s was changed by someone else (at %s, now %lld bytes) since it was opened or "
              "saved here; nothing was saved, and the file on disk is as they left it",
              path, text != NULL ? text : "?", (long long)st->st_size);
  return FALSE;
}

gboolean
cs_disk_stamp_check(const CsDiskStamp *expected, const char *path, GError **error)
{
  struct stat st;
  guint8 sha[32];
  int fd;

  if (!expected->known)
    return TRUE;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return TRUE; /* Moved or deleted: saving puts it back and overwrites nobody's work. */
  if (fd < 0 || fstat(fd, &st) != 0) {
    int saved = errno;

    if (fd >= 0)
      close(fd);
    g_set_error(error, CS_ERROR, CS_ERROR_IO,
                "Could not save %s: cannot check it before replacing it: %s", path,
                g_strerror(saved));
    return FALSE;
  }
  if ((gint64)st.st_size != expected->size) {
    close(fd);
    return changed_fail(error, path, &st);
  }
  if (expected->mtime_ns != 0 && (guint64)st.st_dev == expected->dev &&
      (guint64)st.st_ino == expected->ino && mtime_ns(&st) == expected->mtime_ns) {
    close(fd);
    return TRUE;
  }
  if (!sha256_fd(fd, sha)) {
    int saved = errno;

    close(fd);
    g_set_error(error, CS_ERROR, CS_ERROR_IO,
                "Could not save %s: cannot check it before replacing it: %s", path,
                g_strerror(saved));
    return FALSE;
  }
  close(fd);
  if (memcmp(sha, expected->sha256, sizeof sha) != 0)
    return changed_fail(error, path, &st);
  return TRUE;
}

gboolean
cs_study_check_disk(CsStudy *self, GError **error)
{
  g_return_val_if_fail(CS_IS_STUDY(self), FALSE);
  if (cs_study_get_path(self) == NULL)
    return TRUE;
  return cs_disk_stamp_check(cs_study_get_disk_stamp(self), cs_study_get_path(self), error);
}
