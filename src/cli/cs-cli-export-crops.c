/* cs-cli-export-crops.c — carpalscope-cli export-crops: a study's ROI crops for training elsewhere
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include <stdio.h>
#include <string.h>

#include "cs-crop-export.h"

int
cs_cli_export_crops(int argc, char **argv)
{
  g_autofree char *study_path = NULL, *split = NULL, *out = NULL, *model_id = NULL;
  int size = 0;
  const GOptionEntry entries[] = {
    { "study", 0, 0, G_OPTION_ARG_FILENAME, &study_path, "The study", "study.json" },
    { "split", 0, 0, G_OPTION_ARG_STRING, &split,
      "The hands to export: train, validation, test or all (default all)", "SPLIT" },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "The side of the crops in pixels (default 224)", "N" },
    { "model", 0, 0, G_OPTION_ARG_STRING, &model_id, "Crop at this model's input size instead",
      "ID|FILE" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The folder to write", "DIR" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new("- export a study's ROI crops");
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(CsStudy) study = NULL;
  g_autoptr(GError) error = NULL;
  CsCropExportOptions options = { .all_splits = TRUE };
  gint64 written;

  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_description(
      context,
      "Writes every frame of every labelled hand with an ROI as the crop the network sees (the\n"
      "ROI interpolated between its keyframes and resampled to SIZE x SIZE, 8-bit gray), as\n"
      "DIR/crops/HAND/FRAME.pgm, and DIR/crops.csv with one row per crop: hand, frame, label\n"
      "(control or cts), split, spacing_mm and path (relative to DIR). A trainer elsewhere then\n"
      "reads the same pixels Carpalscope analyses. Labelled hands without an ROI are skipped and\n"
      "named on stderr.");
  if (!cs_cli_parse(context, &argc, &argv, "export-crops"))
    return CS_CLI_USAGE;
  if (argc > 1)
    return cs_cli_usage_error("export-crops", "unexpected argument '%s'", argv[1]);
  if (study_path == NULL || out == NULL)
    return cs_cli_usage_error("export-crops", "--study and --out are required");
  if (split != NULL && strcmp(split, "all") != 0) {
    options.all_splits = FALSE;
    if (!cs_split_from_string(split, &options.split) || options.split == CS_SPLIT_UNASSIGNED)
      return cs_cli_usage_error("export-crops",
                                "--split takes train, validation, test or all, not '%s'", split);
  }
  if (size != 0 && model_id != NULL)
    return cs_cli_usage_error("export-crops", "give --size or --model, not both");
  if (model_id != NULL) {
    g_autoptr(CsModel) model = cs_model_load(model_id, &error);

    if (model == NULL)
      return cs_cli_fail_error(g_steal_pointer(&error));
    size = cs_model_get_input_size(model);
  }
  options.size = size != 0 ? size : 224;

  study = cs_study_load(study_path, &error);
  if (study == NULL)
    return cs_cli_fail_error(g_steal_pointer(&error));
  written = cs_crop_export(study, &options, out, skipped, NULL, NULL, NULL, &error);
  if (written < 0)
    return cs_cli_fail_error(g_steal_pointer(&error));
  for (guint i = 0; i < skipped->len; i++)
    fprintf(stderr, "carpalscope-cli export-crops: skipped hand %s: it has no ROI\n",
            (const char *)g_ptr_array_index(skipped, i));
  printf("%" G_GINT64_FORMAT " crops of %d x %d written to %s (list: %s/crops.csv)\n", written,
         options.size, options.size, out, out);
  return CS_CLI_OK;
}
