/* cs-study-history.h — undo and redo of the edits of a study
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A history watches a study and keeps what the user made of it, step by step: labels, hand,
 * split, nerve conduction, stage, notes, spacing, ROI keyframes, tracings, cases added, removed,
 * renamed or moved. Changes that come close together (a burst of typing, one import of many
 * sweeps) make one step: a step ends after a short quiet time or at cs_study_history_checkpoint().
 * Cached model results are no part of a step: an undo never drops a result, and an analysis
 * that stores one makes no step. A case an undo removes is kept aside with its results, so the
 * redo that brings it back brings them too.
 */
#pragma once

#include "cs-study.h"

G_BEGIN_DECLS

/* How long a study must stay unchanged before its changes make a step, in milliseconds. */
#define CS_STUDY_HISTORY_QUIET_MS 400

/* Most steps kept for undo; the oldest goes first. */
#define CS_STUDY_HISTORY_DEPTH 100

#define CS_TYPE_STUDY_HISTORY (cs_study_history_get_type())
G_DECLARE_FINAL_TYPE(CsStudyHistory, cs_study_history, CS, STUDY_HISTORY, GObject)

/* Starts the history of @study as it is now (nothing to undo). Properties "can-undo" and
 * "can-redo" (read-only, notified when they change). */
CsStudyHistory *cs_study_history_new(CsStudy *study);

/* Ends the current step now: the changes since the last step become one. */
void cs_study_history_checkpoint(CsStudyHistory *self);

gboolean cs_study_history_can_undo(CsStudyHistory *self);
gboolean cs_study_history_can_redo(CsStudyHistory *self);

/* Puts the study back as it was before the last step (after ending the current one), or as it
 * was before the last undo; FALSE when there is nothing to undo or redo. */
gboolean cs_study_history_undo(CsStudyHistory *self);
gboolean cs_study_history_redo(CsStudyHistory *self);

G_END_DECLS
