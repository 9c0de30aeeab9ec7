/* cs-report-agreement.c — the study report's section on the nerve finder against the tracings
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-report-private.h"

void
cs_report_draw_csa_agreement(CsReportDoc *doc, const CsNerveAgreement *a)
{
  const char *unit = a->in_mm2 ? "mm²" : "px²";
  g_autofree char *text = NULL;

  cs_report_doc_heading(doc, "Automatic against manual CSA", 60);
  if (!a->have_agreement)
    text = g_strdup_printf("The nerve finder's outline against %u manual tracings: Dice %.3f on "
                           "average. Too few frames in %s (%" G_GSIZE_FORMAT ") for the agreement "
                           "of the areas.",
                           a->rows->len, a->dice_mean, unit, a->n_compared);
  else
    text = g_strdup_printf(
        "The nerve finder's outline (model SHA-256 %.12s) against %u manual tracings: Dice %.3f on "
        "average. Area, automatic minus manual, over %" G_GSIZE_FORMAT " frames: mean difference "
        "%.2f %s, limits of agreement %.2f to %.2f %s (Bland–Altman, ±1.96 SD); ICC(2,1) %.3f "
        "(two-way random, absolute agreement, single measures). For research: the outline is a "
        "proposal, not a measurement.",
        a->model_sha256, a->rows->len, a->dice_mean, a->n_compared, a->agreement.mean_difference,
        unit, a->agreement.lower_limit, a->agreement.upper_limit, unit, a->agreement.icc_2_1);
  cs_report_doc_paragraph(doc, 9, text);
}
