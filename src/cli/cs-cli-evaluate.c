/* cs-cli-evaluate.c — carpalscope-cli evaluate: Table 1, ROC/AUC and DeLong from scores
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include "cs-analysis.h"
#include "cs-error.h"
#include "cs-evaluation.h"
#include "cs-roc-figure.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>

/* The PNG figures' size in pixels: large enough for a slide, small enough for a README. */
#define FIGURE_PNG_SIZE 960

static gboolean
write_text(const char *dir, const char *name, const char *text, GError **error)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autoptr(GError) local = NULL;

  /* g_file_set_contents writes a temporary file and renames it: no half-written results. */
  if (g_file_set_contents(path, text, -1, &local))
    return TRUE;
  g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s", local->message);
  return FALSE;
}

static gboolean
write_outputs(const CsEvaluation *evaluation, const CsScores *scores, const char *dir,
              GError **error)
{
  g_autofree char *frames = cs_scores_to_csv(scores);
  g_autofree char *json = cs_evaluation_to_json_string(evaluation, TRUE);
  g_autofree char *csv = cs_evaluation_to_csv(evaluation);
  g_autofree char *delong = cs_evaluation_delong_to_csv(evaluation);
  g_autofree char *roc = cs_evaluation_roc_to_csv(evaluation);
  g_autofree char *json_line = g_strconcat(json, "\n", NULL);

  if (g_mkdir_with_parents(dir, 0755) != 0) {
    int saved = errno;
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "cannot create %s: %s", dir, g_strerror(saved));
    return FALSE;
  }
  if (!write_text(dir, "evaluation.json", json_line, error) ||
      !write_text(dir, "evaluation.csv", csv, error) ||
      !write_text(dir, "delong.csv", delong, error) || !write_text(dir, "roc.csv", roc, error) ||
      !write_text(dir, "scores.csv", frames, error))
    return FALSE;
  for (int l = 0; l < CS_N_LEVELS; l++) {
    g_autofree char *png_name = g_strdup_printf("roc-%s.png", cs_level_key((CsLevel)l));
    g_autofree char *pdf_name = g_strdup_printf("roc-%s.pdf", cs_level_key((CsLevel)l));
    g_autofree char *png = g_build_filename(dir, png_name, NULL);
    g_autofree char *pdf = g_build_filename(dir, pdf_name, NULL);
    if (!cs_roc_figure_write_png(evaluation, (CsLevel)l, png, FIGURE_PNG_SIZE, error) ||
        !cs_roc_figure_write_pdf(evaluation, (CsLevel)l, pdf, error))
      return FALSE;
  }
  return TRUE;
}

static void
progress_cb(int done, int total, gpointer user_data)
{
  fprintf(stderr, "\rScoring hands: %d of %d", done, total);
  fflush(stderr);
}

int
cs_cli_evaluate(int argc, char **argv)
{
  g_autofree char *scores_path = NULL, *study = NULL, *split = NULL, *out_dir = NULL;
  g_autofree char *seed_text = NULL, *nerve_model = NULL, *level = NULL;
  g_auto(GStrv) models = NULL;
  gboolean json = FALSE, quiet = FALSE, csa_agreement = FALSE;
  double threshold = CS_DEFAULT_THRESHOLD;
  int replicates = CS_DEFAULT_REPLICATES;
  const GOptionEntry entries[] = {
    { "scores", 0, 0, G_OPTION_ARG_FILENAME, &scores_path,
      "Scores computed elsewhere: CSV with columns hand, frame, label (control/cts or 0/1), "
      "model, p_cts and optionally csa_mm2",
      "FILE.csv" },
    { "study", 0, 0, G_OPTION_ARG_FILENAME, &study, "Evaluate models on a study's hands",
      "study.json" },
    { "model", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &models, "A model to evaluate (repeatable)",
      "FILE" },
    { "split", 0, 0, G_OPTION_ARG_STRING, &split,
      "Hands to use with --study: test (default) or all", "test|all" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON document instead of the tables",
      NULL },
    { "threshold", 0, 0, G_OPTION_ARG_DOUBLE, &threshold,
      "A frame or hand counts as CTS when p_cts >= T (default 0.5)", "T" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, "Seed of the bootstrap (default 1)", "S" },
    { "replicates", 0, 0, G_OPTION_ARG_INT, &replicates,
      "Bootstrap replicates (default 2000; 0 skips the bootstrap)", "B" },
    { "out-dir", 0, 0, G_OPTION_ARG_FILENAME, &out_dir,
      "Also write evaluation.json, evaluation.csv, delong.csv, roc.csv, the ROC figures "
      "roc-image/roc-hand .png and .pdf, and every frame's score as scores.csv (the form "
      "--scores reads) into DIR",
      "DIR" },
    { "csa-agreement", 0, 0, G_OPTION_ARG_NONE, &csa_agreement,
      "Instead: compare the nerve finder with every manual tracing of --study (Dice per frame; "
      "area bias, Bland-Altman limits and ICC(2,1))",
      NULL },
    { "nerve-model", 0, 0, G_OPTION_ARG_STRING, &nerve_model,
      "The segmentation model for --csa-agreement (default: the installed one)", "ID|FILE" },
    { "level", 0, 0, G_OPTION_ARG_STRING, &level,
      "Only the tracings of this level for --csa-agreement (default all)", "TAG" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Do not show progress", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context =
      g_option_context_new("- evaluate models: Table 1, ROC, DeLong");
  g_autoptr(CsScores) scores = NULL;
  g_autoptr(CsEvaluation) evaluation = NULL;
  GError *error = NULL;
  CsEvaluateOptions options;

  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_description(
      context, "Metrics at image level (every frame, as the paper) and at hand level (mean p_cts\n"
               "per hand). CIs: percentile bootstrap stratified by class, plus a cluster\n"
               "bootstrap by hand at image level; the AUC's CI is DeLong's (as pROC's ci.auc).\n"
               "Undefined values (e.g. precision when nothing is called CTS) print as n/a and\n"
               "are null in JSON.\n");
  if (!cs_cli_parse(context, &argc, &argv, "evaluate"))
    return CS_CLI_USAGE;
  if (argc > 1)
    return cs_cli_usage_error("evaluate", "unexpected argument '%s'", argv[1]);

  if (csa_agreement) {
    if (study == NULL || scores_path != NULL || models != NULL)
      return cs_cli_usage_error("evaluate", "--csa-agreement needs --study and no --model");
    return cs_cli_csa_agreement(study, nerve_model, level, json);
  }
  if (nerve_model != NULL || level != NULL)
    return cs_cli_usage_error("evaluate", "--nerve-model and --level belong to --csa-agreement");
  cs_evaluate_options_init(&options);
  if (!isfinite(threshold) || threshold < 0.0 || threshold > 1.0)
    return cs_cli_usage_error("evaluate", "--threshold %g is not in [0, 1]", threshold);
  options.threshold = threshold;
  if (replicates < 0 || replicates > 1000000)
    return cs_cli_usage_error("evaluate", "--replicates %d is not in 0..1000000", replicates);
  options.replicates = (guint)replicates;
  if (seed_text != NULL) {
    guint64 seed = 0;
    if (!g_ascii_string_to_unsigned(seed_text, 10, 0, G_MAXINT64, &seed, NULL))
      return cs_cli_usage_error("evaluate", "--seed '%s' is not a whole number in 0..2^63-1",
                                seed_text);
    options.seed = seed;
  }

  if (scores_path != NULL && (study != NULL || models != NULL || split != NULL))
    return cs_cli_usage_error("evaluate", "--scores cannot be combined with --study, --model "
                                          "or --split");
  if (scores_path == NULL && study == NULL)
    return cs_cli_usage_error("evaluate", "give --scores FILE.csv, or --study with --model");
  if (study != NULL) {
    if (models == NULL)
      return cs_cli_usage_error("evaluate", "--study needs at least one --model");
    if (split != NULL && g_strcmp0(split, "test") != 0 && g_strcmp0(split, "all") != 0)
      return cs_cli_usage_error("evaluate", "--split must be test or all, not '%s'", split);
    {
      g_autoptr(CsStudy) loaded = cs_study_load(study, &error);
      gboolean show = !json && !quiet;

      if (loaded == NULL)
        return cs_cli_fail_error(error);
      scores = cs_study_score(loaded, (const char *const *)models, g_strcmp0(split, "all") == 0,
                              show ? progress_cb : NULL, NULL, NULL, &error);
      if (show)
        fprintf(stderr, "\n");
      if (scores == NULL)
        return cs_cli_fail_error(error);
    }
  } else {
    scores = cs_scores_load_csv(scores_path, &error);
    if (scores == NULL)
      return cs_cli_fail_error(error);
  }
  evaluation = cs_evaluate(scores, &options, NULL, &error);
  if (evaluation == NULL)
    return cs_cli_fail_error(error);
  if (out_dir != NULL && !write_outputs(evaluation, scores, out_dir, &error))
    return cs_cli_fail_error(error);

  if (json) {
    g_autofree char *text = cs_evaluation_to_json_string(evaluation, TRUE);
    printf("%s\n", text);
  } else {
    g_autofree char *text = cs_evaluation_format_table(evaluation);
    fputs(text, stdout);
    if (out_dir != NULL)
      printf("\nWrote evaluation.json, evaluation.csv, delong.csv, roc.csv, "
             "roc-{image,hand}.{png,pdf} and scores.csv to %s\n",
             out_dir);
  }
  return fflush(stdout) == 0 ? CS_CLI_OK : cs_cli_fail("cannot write the results");
}
