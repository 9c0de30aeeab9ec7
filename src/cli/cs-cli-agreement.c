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
add_number(JsonBuilder *b, const char *name, double value)
{
  json_builder_set_member_name(b, name);
  if (isfinite(value))
    json_builder_add_double_value(b, value);
  else
    json_builder_add_null_value(b);
}

static void
print_json(const CsNerveAgreement *a)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  g_autoptr(JsonGenerator) generator = json_generator_new();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object(b);
  json_builder_set_member_name(b, "nerve_model_sha256");
  json_builder_add_string_value(b, a->model_sha256);
  json_builder_set_member_name(b, "frames");
  json_builder_begin_array(b);
  for (guint i = 0; i < a->rows->len; i++) {
    const CsNerveAgreementRow *row = &g_array_index(a->rows, CsNerveAgreementRow, i);
    double mm2 = row->mm_per_px * row->mm_per_px;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "case");
    json_builder_add_string_value(b, row->case_id);
    json_builder_set_member_name(b, "frame");
    json_builder_add_int_value(b, row->frame);
    json_builder_set_member_name(b, "level");
    json_builder_add_string_value(b, row->level);
    add_number(b, "dice", row->dice);
    add_number(b, "auto_area_px", row->auto_area_px);
    add_number(b, "manual_area_px", row->manual_area_px);
    add_number(b, "auto_area_mm2", mm2 > 0 ? row->auto_area_px * mm2 : NAN);
    add_number(b, "manual_area_mm2", mm2 > 0 ? row->manual_area_px * mm2 : NAN);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  add_number(b, "dice_mean", a->dice_mean);
  json_builder_set_member_name(b, "unit");
  json_builder_add_string_value(b, a->in_mm2 ? "mm2" : "px2");
  json_builder_set_member_name(b, "n_compared");
  json_builder_add_int_value(b, (gint64)a->n_compared);
  add_number(b, "mean_difference", a->have_agreement ? a->agreement.mean_difference : NAN);
  add_number(b, "sd_difference", a->have_agreement ? a->agreement.sd_difference : NAN);
  add_number(b, "lower_limit", a->have_agreement ? a->agreement.lower_limit : NAN);
  add_number(b, "upper_limit", a->have_agreement ? a->agreement.upper_limit : NAN);
  add_number(b, "icc_2_1", a->have_agreement ? a->agreement.icc_2_1 : NAN);
  json_builder_end_object(b);
  root = json_builder_get_root(b);
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
