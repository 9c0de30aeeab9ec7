/* fuzz-study-lock.c — the libFuzzer entry point for a study's lock file (study.json.lock)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Parses the input as a lock file. A refusal must be one message; an accepted lock must be
 * described, judged stale or not, written back out and read again as the same lock. Whatever the
 * bytes, nothing may crash, read out of bounds or leak (AddressSanitizer and UBSan watch).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs-study-lock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GError *error = NULL;
  CsStudyLockInfo *info = cs_study_lock_info_parse((const char *)data, size, &error);
  CsStudyLockInfo *again;
  char *text, *who;

  if (info == NULL) {
    if (error == NULL || error->message[0] == '\0' || strchr(error->message, '\n') != NULL)
      abort();
    g_error_free(error);
    return 0;
  }
  if (error != NULL)
    abort();
  who = cs_study_lock_info_describe(info);
  (void)cs_study_lock_info_is_stale(info, 1765000000);
  text = cs_study_lock_info_to_data(info);
  again = cs_study_lock_info_parse(text, strlen(text), NULL);
  if (again == NULL || strcmp(again->host, info->host) != 0 ||
      strcmp(again->user, info->user) != 0 || strcmp(again->token, info->token) != 0 ||
      g_strcmp0(again->boot_id, info->boot_id) != 0 || again->pid != info->pid ||
      again->since != info->since || again->heartbeat != info->heartbeat)
    abort();
  cs_study_lock_info_free(again);
  g_free(text);
  g_free(who);
  cs_study_lock_info_free(info);
  return 0;
}
