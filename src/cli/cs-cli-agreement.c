/* cs-cli-agreement.c — carpalscope-cli evaluate --csa-agreement: the nerve finder against a
 * study's manual tracings
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>

#include "cs-nerve-agreement.h"

static void
print_json(const CsNerveAgreement *a)
{
  g_autoptr(JsonGenerator) generator = json_generator_new();
  g_autoptr(JsonNode) root = cs_nerve_agreement_to_json(a);
  g_autofree char *text = NULL;

  json_generator_set_root(generator, root);
  text = json_generator_to_data(generator, NULL);
  printf("%s\n", text);
}

static void
print_text(const CsNerveAgreement *a)
{
  const char *unit = a->in_mm2 ? "mm^2" : "px^2";

  printf("%-16s %6s %-8s %6s %12s %12s\n", "case", "frame", "level", "Dice", "automatic", "manual");
  for (guint i = 0; i < a->rows->len; i++) {
    const CsNerveAgreementRow *row = &g_array_index(a->rows, CsNerveAgreementRow, i);
    double scale = a->in_mm2 ? row->mm_per_px * row->mm_per_px : 1.0;

    if (a->in_mm2 && row->mm_per_px <= 0)
      printf("%-16s %6" G_GINT64_FORMAT " %-8s %6.3f %12s %12s\n", row->case_id, row->frame,
             row->level, row->dice, "(no spacing)", "");
    else
      printf("%-16s %6" G_GINT64_FORMAT " %-8s %6.3f %12.2f %12.2f\n", row->case_id, row->frame,
             row->level, row->dice, row->auto_area_px * scale, row->manual_area_px * scale);
  }
  printf("\nDice mean %.3f over %u traced frames\n", a->dice_mean, a->rows->len);
  if (!a->have_agreement) {
    printf("Area agreement: needs at least 2 frames in %s (%" G_GSIZE_FORMAT " here)\n", unit,
           a->n_compared);
    return;
  }
  printf("Area, automatic - manual, over %" G_GSIZE_FORMAT " frames: mean difference %.2f %s, "
         "limits of agreement %.2f to %.2f %s (Bland-Altman, +-1.96 SD); ICC(2,1) %.3f\n",
         a->n_compared, a->agreement.mean_difference, unit, a->agreement.lower_limit,
         a->agreement.upper_limit, unit, a->agreement.icc_2_1);
}

int
cs_cli_csa_agreement(const char *study_path, const char *nerve_model, const char *level,
                     gboolean json)
{
  GError *error = NULL;
  g_autoptr(CsStudy) study = cs_study_load(study_path, &error);
  g_autofree char *path = NULL;
  g_autoptr(CsNerveFinder) finder = NULL;
  g_autoptr(CsNerveAgreement) agreement = NULL;

  if (study == NULL || (path = cs_nerve_finder_resolve(nerve_model, &error)) == NULL ||
      (finder = cs_nerve_finder_load(path, &error)) == NULL ||
      (agreement = cs_nerve_agreement_compute(finder, study, level, NULL, &error)) == NULL)
    return cs_cli_fail_error(error);
  if (json)
    print_json(agreement);
  else
    print_text(agreement);
  return CS_CLI_OK;
}
