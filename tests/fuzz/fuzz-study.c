/* fuzz-study.c — the libFuzzer entry point for the study file (study.json)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Loads the input as a study with cs_study_load_from_data() and, when it is accepted, touches what
 * the window reads of every case and writes it back out: what was accepted must save, and the
 * saved text must load again as an equal study. A refusal must be one message. Whatever the
 * bytes, nothing may crash, read out of bounds or leak (AddressSanitizer and UBSan watch).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs-study.h"
#include "fuzz-refusal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GError *error = NULL;
  CsStudy *study = cs_study_load_from_data((const char *)data, (gssize)size, NULL, &error);
  CsStudy *again;
  char *text;
  gsize length = 0;

  if (study == NULL) {
    fuzz_check_refusal(error, FALSE);
    return 0;
  }
  if (error != NULL)
    abort();
  for (guint i = 0; i < cs_study_get_n_cases(study); i++) {
    CsCase *c = cs_study_get_case(study, i);
    char *sweep = cs_study_dup_sweep_path(study, c);

    if (cs_case_get_id(c) == NULL)
      abort();
    g_free(sweep);
  }
  text = cs_study_to_data(study, &length);
  if (text == NULL || strlen(text) != length)
    abort();
  again = cs_study_load_from_data(text, (gssize)length, NULL, &error);
  if (again == NULL || !cs_study_equal(study, again))
    abort();
  g_object_unref(again);
  g_free(text);
  g_object_unref(study);
  return 0;
}
