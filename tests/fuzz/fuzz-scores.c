/* fuzz-scores.c — the libFuzzer entry point for the CSV scores reader
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Parses the input as a scores table with cs_scores_parse_csv() and, when it is accepted, reads
 * every row, hand and model, writes the table back as CSV and parses that again: the second table
 * must hold the same rows. A refusal must be one message. Whatever the bytes, nothing may crash,
 * read out of bounds or leak (AddressSanitizer and UBSan watch).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs-scores.h"
#include "fuzz-refusal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_same(const CsScores *a, const CsScores *b)
{
  if (cs_scores_get_n_rows(a) != cs_scores_get_n_rows(b) ||
      cs_scores_get_n_hands(a) != cs_scores_get_n_hands(b) ||
      cs_scores_get_n_models(a) != cs_scores_get_n_models(b))
    abort();
  for (guint i = 0; i < cs_scores_get_n_rows(a); i++) {
    const CsScoreRow *x = cs_scores_get_row(a, i), *y = cs_scores_get_row(b, i);

    if (x->hand != y->hand || x->model != y->model || x->frame != y->frame || x->p_cts != y->p_cts)
      abort();
  }
  for (guint i = 0; i < cs_scores_get_n_hands(a); i++) {
    double csa_a = cs_scores_get_hand_csa(a, i), csa_b = cs_scores_get_hand_csa(b, i);

    if (strcmp(cs_scores_get_hand(a, i), cs_scores_get_hand(b, i)) != 0 ||
        cs_scores_get_hand_cts(a, i) != cs_scores_get_hand_cts(b, i) ||
        isnan(csa_a) != isnan(csa_b))
      abort();
  }
  for (guint i = 0; i < cs_scores_get_n_models(a); i++)
    if (strcmp(cs_scores_get_model(a, i), cs_scores_get_model(b, i)) != 0)
      abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GError *error = NULL;
  CsScores *scores = cs_scores_parse_csv((const char *)data, size, "fuzz.csv", &error);
  CsScores *again;
  char *text;

  if (scores == NULL) {
    fuzz_check_refusal(error, FALSE);
    return 0;
  }
  if (error != NULL)
    abort();
  text = cs_scores_to_csv(scores);
  again = cs_scores_parse_csv(text, strlen(text), "fuzz-again.csv", &error);
  if (again == NULL)
    abort();
  check_same(scores, again);
  cs_scores_unref(again);
  g_free(text);
  cs_scores_unref(scores);
  return 0;
}
