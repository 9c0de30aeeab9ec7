/* cs-nerve-agreement.h — the nerve finder against a study's manual tracings, for research
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every tracing of a study (each case with a sweep, each traced frame) is compared with the
 * nerve the finder outlines in the same frame (cs_nerve_locate() without a prior): the Dice of
 * the two outlines, and both areas. The areas are in mm^2 where the case's spacing is known;
 * the agreement of the areas (cs-agreement.h: Bland-Altman bias and limits, ICC(2,1)) is taken
 * over those frames, or, when no case has a spacing, over all frames in px^2.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cs-agreement.h"
#include "cs-nerve-finder.h"
#include "cs-study.h"

G_BEGIN_DECLS

/* One traced frame. */
typedef struct {
  char *case_id;
  gint64 frame;
  char *level;           /* The tracing's level tag ("inlet", ...). */
  double dice;           /* Of the finder's outline and the tracing (0 when nothing found). */
  double auto_area_px;   /* The finder's nerve, px^2 (0 when nothing found). */
  double manual_area_px; /* The tracing's polygon, px^2. */
  double mm_per_px;      /* The case's spacing, 0 when unknown. */
} CsNerveAgreementRow;

typedef struct {
  GArray *rows;            /* CsNerveAgreementRow, in case then tracing order. */
  gboolean in_mm2;         /* The agreement's unit: mm^2, else px^2. */
  gsize n_compared;        /* Rows the agreement of the areas was taken over. */
  gboolean have_agreement; /* At least 2 such rows. */
  CsAgreement agreement;   /* Automatic minus manual. */
  double dice_mean;        /* Over all rows. */
  char *model_sha256;
} CsNerveAgreement;

/* Compares @finder with every tracing of @study (of @level only when not NULL). NULL with @error
 * when a sweep cannot be read, the network cannot run, or there is no tracing to compare. */
CsNerveAgreement *cs_nerve_agreement_compute(CsNerveFinder *finder, CsStudy *study,
                                             const char *level, GCancellable *cancellable,
                                             GError **error);

/* The agreement as JSON: "nerve_model_sha256", "frames" (case, frame, level, dice, the areas in
 * px^2 and, with a spacing, mm^2), "dice_mean", "unit", "n_compared", "mean_difference",
 * "sd_difference", "lower_limit", "upper_limit" and "icc_2_1" (null when undefined). */
JsonNode *cs_nerve_agreement_to_json(const CsNerveAgreement *agreement);

void cs_nerve_agreement_free(CsNerveAgreement *agreement);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsNerveAgreement, cs_nerve_agreement_free)

G_END_DECLS
