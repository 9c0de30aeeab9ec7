/* cs-study-lock.c — who has a study open for editing: the lock file beside study.json
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A lock file is written whole under a temporary name first. Taking a free lock links the
 * temporary to the lock's name, which fails when a lock exists (atomic on local and network file
 * systems alike); replacing a stale lock, a take-over and a heartbeat rename the temporary over
 * it, so a reader sees the old lock or the new one, never a mixture. Two processes replacing the
 * same stale lock at the same instant both re-read it afterwards, and only the one it names goes
 * on holding it.
 */
#include "config.h"

#include "cs-study-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cs-error.h"

#define LOCK_MAGIC "carpalscope-study-lock 1"
/* Longest value kept from a lock file (host and user names are far shorter). */
#define MAX_VALUE 255

struct _CsStudyLock {
  char *study_path;
  char *lock_path;
  CsStudyLockInfo info;
  GSource *heartbeat;
};

void
cs_study_lock_info_free(CsStudyLockInfo *info)
{
  if (info == NULL)
    return;
  g_free(info->host);
  g_free(info->user);
  g_free(info->boot_id);
  g_free(info->token);
  g_free(info);
}

static void
info_clear(CsStudyLockInfo *info)
{
  g_free(info->host);
  g_free(info->user);
  g_free(info->boot_id);
  g_free(info->token);
  memset(info, 0, sizeof *info);
}

static CsStudyLockInfo *
info_copy(const CsStudyLockInfo *info)
{
  CsStudyLockInfo *copy = g_new0(CsStudyLockInfo, 1);

  copy->host = g_strdup(info->host);
  copy->user = g_strdup(info->user);
  copy->pid = info->pid;
  copy->boot_id = g_strdup(info->boot_id);
  copy->since = info->since;
  copy->heartbeat = info->heartbeat;
  copy->token = g_strdup(info->token);
  return copy;
}

char *
cs_study_lock_path(const char *study_path)
{
  g_return_val_if_fail(study_path != NULL, NULL);
  return g_strconcat(study_path, ".lock", NULL);
}

/* The text of a lock file. */

static gboolean invalid(GError **error, guint line, const char *format, ...) G_GNUC_PRINTF(3, 4);

static gboolean
invalid(GError **error, guint line, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start(args, format);
  message = g_strdup_vprintf(format, args);
  va_end(args);
  if (line > 0)
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "study lock file, line %u: %s", line, message);
  else
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "study lock file: %s", message);
  return FALSE;
}

/* A value is printable UTF-8 of 1 to MAX_VALUE bytes. */
static gboolean
valid_value(const char *value)
{
  gsize length = strlen(value);

  if (length == 0 || length > MAX_VALUE || !g_utf8_validate(value, (gssize)length, NULL))
    return FALSE;
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char(p))
    if (g_unichar_iscntrl(g_utf8_get_char(p)))
      return FALSE;
  return TRUE;
}

static gboolean
parse_int(const char *value, gint64 *out)
{
  return g_ascii_string_to_signed(value, 10, 0, G_MAXINT64, out, NULL);
}

static gboolean
parse_line(CsStudyLockInfo *info, const char *key, const char *value, guint line, GError **error)
{
  char **slot = NULL;
  gint64 *number = NULL;

  if (strcmp(key, "host") == 0)
    slot = &info->host;
  else if (strcmp(key, "user") == 0)
    slot = &info->user;
  else if (strcmp(key, "boot") == 0)
    slot = &info->boot_id;
  else if (strcmp(key, "token") == 0)
    slot = &info->token;
  else if (strcmp(key, "pid") == 0)
    number = &info->pid;
  else if (strcmp(key, "since") == 0)
    number = &info->since;
  else if (strcmp(key, "heartbeat") == 0)
    number = &info->heartbeat;
  else
    return TRUE; /* A key of a later version. */
  if (!valid_value(value))
    return invalid(error, line, "%s: not a value of 1 to %d printable characters", key, MAX_VALUE);
  if (slot != NULL) {
    if (*slot != NULL)
      return invalid(error, line, "%s: given twice", key);
    *slot = g_strdup(value);
  } else if (!parse_int(value, number)) {
    return invalid(error, line, "%s: \"%s\" is not a whole number of 0 or more", key, value);
  }
  return TRUE;
}

CsStudyLockInfo *
cs_study_lock_info_parse(const char *data, gsize length, GError **error)
{
  g_autoptr(CsStudyLockInfo) info = g_new0(CsStudyLockInfo, 1);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  g_return_val_if_fail(data != NULL || length == 0, NULL);
  if (length > CS_STUDY_LOCK_MAX_SIZE) {
    invalid(error, 0, "%zu bytes is more than a lock can be (%d)", (size_t)length,
            CS_STUDY_LOCK_MAX_SIZE);
    return NULL;
  }
  if (memchr(data, '\0', length) != NULL) {
    invalid(error, 0, "holds a NUL byte");
    return NULL;
  }
  text = g_strndup(data, length);
  lines = g_strsplit(text, "\n", -1);
  if (g_strcmp0(lines[0], LOCK_MAGIC) != 0) {
    invalid(error, 1, "does not start with \"%s\"", LOCK_MAGIC);
    return NULL;
  }
  info->pid = info->since = info->heartbeat = -1;
  for (guint i = 1; lines[i] != NULL; i++) {
    char *equals;

    if (lines[i][0] == '\0')
      continue;
    equals = strchr(lines[i], '=');
    if (equals == NULL) {
      invalid(error, i + 1, "not \"key=value\"");
      return NULL;
    }
    *equals = '\0';
    if (!parse_line(info, lines[i], equals + 1, i + 1, error))
      return NULL;
  }
  if (info->host == NULL || info->user == NULL || info->token == NULL || info->pid < 0 ||
      info->since < 0) {
    invalid(error, 0, "host, user, pid, since and token are required");
    return NULL;
  }
  if (info->heartbeat < 0)
    info->heartbeat = info->since;
  return g_steal_pointer(&info);
}

char *
cs_study_lock_info_to_data(const CsStudyLockInfo *info)
{
  GString *out = g_string_new(LOCK_MAGIC "\n");

  g_return_val_if_fail(info != NULL, NULL);
  g_string_append_printf(out, "host=%s\nuser=%s\npid=%" G_GINT64_FORMAT "\n", info->host,
                         info->user, info->pid);
  if (info->boot_id != NULL)
    g_string_append_printf(out, "boot=%s\n", info->boot_id);
  g_string_append_printf(out, "since=%" G_GINT64_FORMAT "\nheartbeat=%" G_GINT64_FORMAT "\n",
                         info->since, info->heartbeat);
  g_string_append_printf(out, "token=%s\n", info->token);
  return g_string_free(out, FALSE);
}

/* This host, this boot, this process. */

static char *
dup_boot_id(void)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents("/proc/sys/kernel/random/boot_id", &contents, NULL, NULL))
    return NULL;
  g_strstrip(contents);
  return valid_value(contents) ? g_steal_pointer(&contents) : NULL;
}

/* A printable stand-in for a host or user name that is empty or not valid UTF-8. */
static char *
dup_name(const char *name)
{
  g_autofree char *text = g_utf8_make_valid(name != NULL ? name : "", -1);

  g_strdelimit(text, "\n\r\t", ' ');
  return valid_value(text) ? g_steal_pointer(&text) : g_strdup("unknown");
}

static void
info_init_here(CsStudyLockInfo *info)
{
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;

  info->host = dup_name(g_get_host_name());
  info->user = dup_name(g_get_user_name());
  info->pid = getpid();
  info->boot_id = dup_boot_id();
  info->since = info->heartbeat = now;
  info->token = g_strdup_printf("%08x%08x%08x%08x", g_random_int(), g_random_int(), g_random_int(),
                                g_random_int());
}

gboolean
cs_study_lock_info_is_stale(const CsStudyLockInfo *info, gint64 now)
{
  g_autofree char *boot_id = NULL;

  g_return_val_if_fail(info != NULL, FALSE);
  if (now - info->heartbeat > CS_STUDY_LOCK_STALE_SECONDS)
    return TRUE;
  if (g_ascii_strcasecmp(info->host, g_get_host_name()) != 0)
    return FALSE;
  boot_id = dup_boot_id();
  if (info->boot_id != NULL && boot_id != NULL && strcmp(info->boot_id, boot_id) != 0)
    return TRUE;
  if (info->pid <= 0 || info->pid > G_MAXINT)
    return FALSE;
  return kill((pid_t)info->pid, 0) != 0 && errno == ESRCH;
}

char *
cs_study_lock_info_describe(const CsStudyLockInfo *info)
{
  g_autoptr(GDateTime) since = NULL;
  g_autofree char *when = NULL;

  g_return_val_if_fail(info != NULL, NULL);
  since = g_date_time_new_from_unix_local(info->since);
  when = since != NULL ? g_date_time_format(since, "%Y-%m-%d %H:%M") : g_strdup("?");
  return g_strdup_printf("%s@%s since %s", info->user, info->host, when);
}

/* Reading and writing the file. */

CsStudyLockInfo *
cs_study_lock_read(const char *study_path, GError **error)
{
  g_autofree char *lock_path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) local = NULL;
  CsStudyLockInfo *info;
  GStatBuf st;
  gsize length = 0;

  g_return_val_if_fail(study_path != NULL, NULL);
  lock_path = cs_study_lock_path(study_path);
  if (g_stat(lock_path, &st) != 0) {
    int saved = errno;

    g_set_error(error, CS_ERROR, saved == ENOENT ? CS_ERROR_NOT_FOUND : CS_ERROR_IO,
                "Cannot read the lock %s: %s", lock_path, g_strerror(saved));
    return NULL;
  }
  if (S_ISREG(st.st_mode) && st.st_size <= CS_STUDY_LOCK_MAX_SIZE &&
      !g_file_get_contents(lock_path, &contents, &length, &local)) {
    if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND, "%s", local->message);
      return NULL;
    }
    g_clear_error(&local);
  }
  info = contents != NULL ? cs_study_lock_info_parse(contents, length, NULL) : NULL;
  if (info == NULL) {
    /* Something else, or a lock this version cannot read: honour it for a day. */
    info = g_new0(CsStudyLockInfo, 1);
    info->host = g_strdup("unknown");
    info->user = g_strdup("unknown");
    info->token = g_strdup("");
    info->since = info->heartbeat = (gint64)st.st_mtime;
  }
  return info;
}

/* Writes @info to a new hidden temporary beside @lock_path, flushed to disk; returns its name,
 * or NULL with errno set. */
static char *
write_temporary(const char *lock_path, const CsStudyLockInfo *info)
{
  g_autofree char *dir = g_path_get_dirname(lock_path);
  g_autofree char *base = g_path_get_basename(lock_path);
  g_autofree char *tmp = g_strdup_printf("%s/.%s.tmp-XXXXXX", dir, base);
  g_autofree char *data = cs_study_lock_info_to_data(info);
  gsize length = strlen(data), done = 0;
  int fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0644);

  if (fd < 0)
    return NULL;
  while (done < length) {
    ssize_t n = write(fd, data + done, length - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      goto fail;
    done += (gsize)n;
  }
  if (fsync(fd) != 0)
    goto fail;
  close(fd);
  return g_steal_pointer(&tmp);

fail : {
  int saved = errno;

  close(fd);
  g_unlink(tmp);
  errno = saved;
  return NULL;
}
}

static void
set_locked_error(GError **error, const char *study_path, const CsStudyLockInfo *holder)
{
  g_autofree char *who = cs_study_lock_info_describe(holder);

  g_set_error(error, CS_ERROR, CS_ERROR_LOCKED,
              "%s is open for editing by %s (process %" G_GINT64_FORMAT "); open it read-only, "
              "or take it over if that copy is no longer in use",
              study_path, who, holder->pid);
}

static gboolean
lock_io_fail(GError **error, const char *lock_path, int saved)
{
  g_set_error(error, CS_ERROR, CS_ERROR_IO, "Cannot write the lock %s: %s", lock_path,
              g_strerror(saved));
  return FALSE;
}

/* Places the lock written at @tmp: linked when no lock exists, else renamed over a stale one (or
 * any one when @take_over). Returns TRUE when placed; FALSE with *@holder set when a live lock
 * is in the way, FALSE with @error set when the file system refused. */
static gboolean
place_lock(CsStudyLock *lock, const char *tmp, gboolean take_over, CsStudyLockInfo **holder,
           GError **error)
{
  for (int attempt = 0; attempt < 5; attempt++) {
    g_autoptr(CsStudyLockInfo) existing = NULL;
    g_autoptr(GError) local = NULL;

    if (link(tmp, lock->lock_path) == 0)
      return TRUE;
    if (errno != EEXIST) {
      /* A file system without hard links: an exclusive create is atomic too, but the lock is
       * empty for an instant (a reader takes it as held by "unknown"). */
      int fd = open(lock->lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd >= 0) {
        g_autofree char *data = cs_study_lock_info_to_data(&lock->info);
        gboolean ok = write(fd, data, strlen(data)) == (ssize_t)strlen(data) && fsync(fd) == 0;
        int saved = errno;

        close(fd);
        if (ok)
          return TRUE;
        g_unlink(lock->lock_path);
        return lock_io_fail(error, lock->lock_path, saved);
      }
      if (errno != EEXIST)
        return lock_io_fail(error, lock->lock_path, errno);
    }
    existing = cs_study_lock_read(lock->study_path, &local);
    if (existing == NULL) {
      if (g_error_matches(local, CS_ERROR, CS_ERROR_NOT_FOUND))
        continue; /* Released meanwhile: try again. */
      g_propagate_error(error, g_steal_pointer(&local));
      return FALSE;
    }
    if (!take_over && !cs_study_lock_info_is_stale(existing, g_get_real_time() / G_USEC_PER_SEC)) {
      *holder = g_steal_pointer(&existing);
      return FALSE;
    }
    if (rename(tmp, lock->lock_path) != 0)
      return lock_io_fail(error, lock->lock_path, errno);
    return TRUE;
  }
  return lock_io_fail(error, lock->lock_path, EAGAIN);
}

static void
lock_free(CsStudyLock *lock)
{
  if (lock->heartbeat != NULL) {
    g_source_destroy(lock->heartbeat);
    g_source_unref(lock->heartbeat);
  }
  g_free(lock->study_path);
  g_free(lock->lock_path);
  info_clear(&lock->info);
  g_free(lock);
}

CsStudyLock *
cs_study_lock_acquire(const char *study_path, gboolean take_over, CsStudyLockInfo **holder,
                      GError **error)
{
  CsStudyLock *lock;
  g_autofree char *tmp = NULL;
  g_autoptr(CsStudyLockInfo) in_the_way = NULL;
  g_autoptr(CsStudyLockInfo) now_named = NULL;
  gboolean placed;

  g_return_val_if_fail(study_path != NULL, NULL);
  if (holder != NULL)
    *holder = NULL;
  lock = g_new0(CsStudyLock, 1);
  lock->study_path = g_canonicalize_filename(study_path, NULL);
  lock->lock_path = cs_study_lock_path(lock->study_path);
  info_init_here(&lock->info);

  tmp = write_temporary(lock->lock_path, &lock->info);
  if (tmp == NULL) {
    lock_io_fail(error, lock->lock_path, errno);
    lock_free(lock);
    return NULL;
  }
  placed = place_lock(lock, tmp, take_over, &in_the_way, error);
  g_unlink(tmp);
  if (placed && !cs_study_lock_is_held(lock, &now_named)) {
    /* Another process replaced the same stale lock at the same moment, after us. */
    placed = FALSE;
    in_the_way = g_steal_pointer(&now_named);
    if (in_the_way == NULL)
      lock_io_fail(error, lock->lock_path, ENOENT);
  }
  if (!placed) {
    if (in_the_way != NULL) {
      set_locked_error(error, lock->study_path, in_the_way);
      if (holder != NULL)
        *holder = g_steal_pointer(&in_the_way);
    }
    lock_free(lock);
    return NULL;
  }
  return lock;
}

gboolean
cs_study_lock_is_held(CsStudyLock *lock, CsStudyLockInfo **holder)
{
  g_autoptr(CsStudyLockInfo) now = NULL;

  g_return_val_if_fail(lock != NULL, FALSE);
  if (holder != NULL)
    *holder = NULL;
  now = cs_study_lock_read(lock->study_path, NULL);
  if (now != NULL && g_strcmp0(now->token, lock->info.token) == 0)
    return TRUE;
  if (holder != NULL)
    *holder = g_steal_pointer(&now);
  return FALSE;
}

gboolean
cs_study_lock_refresh(CsStudyLock *lock, CsStudyLockInfo **holder, GError **error)
{
  g_autoptr(CsStudyLockInfo) other = NULL;
  g_autofree char *tmp = NULL;
  gint64 previous;

  g_return_val_if_fail(lock != NULL, FALSE);
  if (holder != NULL)
    *holder = NULL;
  if (!cs_study_lock_is_held(lock, &other)) {
    if (other != NULL) {
      set_locked_error(error, lock->study_path, other);
      if (holder != NULL)
        *holder = g_steal_pointer(&other);
    } else {
      g_set_error(error, CS_ERROR, CS_ERROR_LOCKED, "The lock %s was removed by someone else",
                  lock->lock_path);
    }
    return FALSE;
  }
  previous = lock->info.heartbeat;
  lock->info.heartbeat = g_get_real_time() / G_USEC_PER_SEC;
  tmp = write_temporary(lock->lock_path, &lock->info);
  if (tmp == NULL || rename(tmp, lock->lock_path) != 0) {
    int saved = errno;

    if (tmp != NULL)
      g_unlink(tmp);
    lock->info.heartbeat = previous;
    return lock_io_fail(error, lock->lock_path, saved);
  }
  return TRUE;
}

static gboolean
heartbeat_cb(gpointer user_data)
{
  CsStudyLock *lock = user_data;
  g_autoptr(GError) error = NULL;

  if (cs_study_lock_refresh(lock, NULL, &error))
    return G_SOURCE_CONTINUE;
  /* An I/O failure (a network share gone for a moment) is tried again; a lost lock is final. */
  if (g_error_matches(error, CS_ERROR, CS_ERROR_IO))
    return G_SOURCE_CONTINUE;
  g_clear_pointer(&lock->heartbeat, g_source_unref);
  return G_SOURCE_REMOVE;
}

void
cs_study_lock_set_heartbeat(CsStudyLock *lock, guint seconds)
{
  g_return_if_fail(lock != NULL);
  if (lock->heartbeat != NULL) {
    g_source_destroy(lock->heartbeat);
    g_clear_pointer(&lock->heartbeat, g_source_unref);
  }
  if (seconds == 0)
    return;
  lock->heartbeat = g_timeout_source_new_seconds(seconds);
  g_source_set_callback(lock->heartbeat, heartbeat_cb, lock, NULL);
  g_source_set_static_name(lock->heartbeat, "[carpalscope] study lock heartbeat");
  g_source_attach(lock->heartbeat, g_main_context_get_thread_default());
}

const CsStudyLockInfo *
cs_study_lock_get_info(CsStudyLock *lock)
{
  g_return_val_if_fail(lock != NULL, NULL);
  return &lock->info;
}

const char *
cs_study_lock_get_study_path(CsStudyLock *lock)
{
  g_return_val_if_fail(lock != NULL, NULL);
  return lock->study_path;
}

void
cs_study_lock_release(CsStudyLock *lock)
{
  if (lock == NULL)
    return;
  if (cs_study_lock_is_held(lock, NULL))
    g_unlink(lock->lock_path);
  lock_free(lock);
}

CsStudyLockInfo *
cs_study_lock_info_copy(const CsStudyLockInfo *info)
{
  g_return_val_if_fail(info != NULL, NULL);
  return info_copy(info);
}
