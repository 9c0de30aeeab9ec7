/* cs-study-lock.h — who has a study open for editing: the lock file beside study.json
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A study opened for editing holds <study.json>.lock: a few lines naming the host, the user, the
 * process, when it was taken and the last heartbeat (refreshed while the study is open). The
 * file is created atomically (written under a temporary name, then linked to its name, which
 * fails when a lock exists), so a reader never sees half a lock. A second window or a second PC
 * that finds a live lock opens the study read-only and can take it over explicitly. A lock is
 * stale, and taken without asking, when it names this host and a process that is gone (or a
 * process of an earlier boot), or when its heartbeat is older than a day.
 *
 * The lock is advisory: what guarantees that nobody's work is overwritten is the check before
 * each save (cs_study_save() fails with CS_ERROR_CHANGED_ON_DISK when the file is not what was
 * loaded or last saved).
 *
 *   g_autoptr(CsStudyLockInfo) holder = NULL;
 *   CsStudyLock *lock = cs_study_lock_acquire(path, FALSE, &holder, &error);
 *   if (lock == NULL && g_error_matches(error, CS_ERROR, CS_ERROR_LOCKED))
 *     ... open read-only, showing cs_study_lock_info_describe(holder) ...
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A heartbeat older than this makes a lock stale whoever holds it. */
#define CS_STUDY_LOCK_STALE_SECONDS (24 * 60 * 60)

/* How often an open study's lock is refreshed. */
#define CS_STUDY_LOCK_HEARTBEAT_SECONDS 60

/* Largest lock file read (a lock is a few hundred bytes). */
#define CS_STUDY_LOCK_MAX_SIZE 4096

/* What a lock file says. */
typedef struct {
  char *host;       /* Host name of the holder. */
  char *user;       /* User name of the holder. */
  gint64 pid;       /* Process id on that host. */
  char *boot_id;    /* The host's boot id (Linux), or NULL: a lock of an earlier boot is stale. */
  gint64 since;     /* When the lock was taken, in seconds since 1970 (UTC). */
  gint64 heartbeat; /* Its last refresh, likewise. */
  char *token;      /* A random id of this lock (tells a lock from its take-over). */
} CsStudyLockInfo;

void cs_study_lock_info_free(CsStudyLockInfo *info);
CsStudyLockInfo *cs_study_lock_info_copy(const CsStudyLockInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsStudyLockInfo, cs_study_lock_info_free)

/* Returns the lock file of the study at @study_path: "<study_path>.lock"; free it. */
char *cs_study_lock_path(const char *study_path);

/* Parses the text of a lock file. Unknown keys are skipped (a later version may add some);
 * a missing or malformed host, user, pid, since or token is an error (CS_ERROR_INVALID). */
CsStudyLockInfo *cs_study_lock_info_parse(const char *data, gsize length, GError **error);

/* Returns the text of a lock file for @info; free it. */
char *cs_study_lock_info_to_data(const CsStudyLockInfo *info);

/* Reads the lock of the study at @study_path. NULL with CS_ERROR_NOT_FOUND when there is none;
 * a lock file that cannot be parsed is returned as held by "unknown" since its modification
 * time, so that it is honoured for a day and then taken as stale. */
CsStudyLockInfo *cs_study_lock_read(const char *study_path, GError **error);

/* TRUE when @info names this host and a process that no longer runs (or ran before the last
 * boot), or when its heartbeat is more than CS_STUDY_LOCK_STALE_SECONDS before @now (seconds
 * since 1970). */
gboolean cs_study_lock_info_is_stale(const CsStudyLockInfo *info, gint64 now);

/* Returns "user@host since <local date and time>"; free it. */
char *cs_study_lock_info_describe(const CsStudyLockInfo *info);

/* A lock this process holds. */
typedef struct _CsStudyLock CsStudyLock;

/* Takes the lock of the study at @study_path. When a live lock exists and @take_over is FALSE,
 * returns NULL with CS_ERROR_LOCKED, a message naming the holder, and the holder in *@holder
 * (may be NULL). A stale lock, or any lock when @take_over, is replaced. Other failures (a
 * read-only folder) are CS_ERROR_IO. */
CsStudyLock *cs_study_lock_acquire(const char *study_path, gboolean take_over,
                                   CsStudyLockInfo **holder, GError **error);

/* Rewrites the lock's heartbeat (atomically: a temporary renamed over it). FALSE with
 * CS_ERROR_LOCKED and the new holder in *@holder when someone took the lock over (or removed
 * it); the lock is then no longer held. */
gboolean cs_study_lock_refresh(CsStudyLock *lock, CsStudyLockInfo **holder, GError **error);

/* Refreshes the lock every @seconds on the thread-default main context until it is released;
 * 0 stops. A refresh that finds the lock taken over stops too (cs_study_lock_is_held() says so).
 */
void cs_study_lock_set_heartbeat(CsStudyLock *lock, guint seconds);

/* TRUE while the lock file still names this lock; otherwise FALSE and the one it names now in
 * *@holder (NULL when the file is gone). */
gboolean cs_study_lock_is_held(CsStudyLock *lock, CsStudyLockInfo **holder);

/* What this lock wrote (borrowed). */
const CsStudyLockInfo *cs_study_lock_get_info(CsStudyLock *lock);

/* The study file this lock is for (borrowed). */
const char *cs_study_lock_get_study_path(CsStudyLock *lock);

/* Removes the lock file if it still names this lock, and frees @lock. */
void cs_study_lock_release(CsStudyLock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsStudyLock, cs_study_lock_release)

G_END_DECLS
