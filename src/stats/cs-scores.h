/* cs-scores.h — a table of per-frame scores: hand, frame, label, model, p(CTS), CSA
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The scores an evaluation starts from, whatever made them: the CNN engine over a study, or a
 * CSV file of scores computed elsewhere. One row per (hand, frame, model). A hand has one label;
 * its CSA (mm^2) is optional and is the mean of the values given on its rows. */
typedef struct _CsScores CsScores;

/* Returns a new, empty table with one reference. */
CsScores *cs_scores_new(void);

/* Adds a reference to @scores and returns it (a worker thread may hold one). */
CsScores *cs_scores_ref(CsScores *scores);

/* Drops a reference; the last one frees the table. */
void cs_scores_unref(CsScores *scores);

/* Adds one row (not while another thread reads the table). @csa_mm2 is NaN when unknown. Fails
 * (CS_ERROR_INVALID) on a duplicate (hand, frame, model), a label that contradicts the hand's
 * earlier rows, a p_cts outside [0, 1], a negative frame or a CSA that is negative or not finite.
 */
gboolean cs_scores_add(CsScores *scores, const char *hand, gint64 frame, gboolean cts,
                       const char *model, double p_cts, double csa_mm2, GError **error);

/* Parses CSV text with a header naming the columns hand, frame, label, model, p_cts (any order)
 * and optionally csa_mm2. Labels are control/cts or 0/1. Errors name @origin and the line. */
CsScores *cs_scores_parse_csv(const char *text, gsize length, const char *origin, GError **error);

/* Loads a CSV file as cs_scores_parse_csv(). */
CsScores *cs_scores_load_csv(const char *path, GError **error);

/* Returns the table as CSV in the form cs_scores_parse_csv() reads (hand, frame, label, model,
 * p_cts, csa_mm2; the CSA empty when unknown), one row per stored row, in order. */
char *cs_scores_to_csv(const CsScores *scores);

/* Returns the number of rows. */
guint cs_scores_get_n_rows(const CsScores *scores);

/* Returns the number of models, in order of first appearance. */
guint cs_scores_get_n_models(const CsScores *scores);

/* Returns the name of model @index. */
const char *cs_scores_get_model(const CsScores *scores, guint index);

/* Returns the number of hands, in order of first appearance. */
guint cs_scores_get_n_hands(const CsScores *scores);

/* Returns the name of hand @index. */
const char *cs_scores_get_hand(const CsScores *scores, guint index);

/* Returns whether hand @index is a CTS hand. */
gboolean cs_scores_get_hand_cts(const CsScores *scores, guint index);

/* Returns hand @index's CSA in mm^2 (mean of its rows' values), or NaN when unknown. */
double cs_scores_get_hand_csa(const CsScores *scores, guint index);

/* One row as stored, with indices into the model and hand lists. */
typedef struct {
  guint hand;
  guint model;
  gint64 frame;
  double p_cts;
} CsScoreRow;

/* Returns row @index. */
const CsScoreRow *cs_scores_get_row(const CsScores *scores, guint index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsScores, cs_scores_unref)

G_END_DECLS
