/* cs-cli-report.c — carpalscope-cli report: case reports (PDF, panel PNGs) and study reports
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "cs-analysis.h"
#include "cs-frame-explanation.h"
#include "cs-model-catalog.h"
#include "cs-nerve-track.h"
#include "cs-report.h"

#define NAME "report"

static void
progress_cb(double fraction, const char *step, gpointer user_data)
{
  const gboolean *quiet = user_data;

  if (!*quiet)
    fprintf(stderr, "\rcarpalscope-cli report: %3.0f %% %-28s", fraction * 100, step);
}

/* The explanation the case report draws: the frame it shows, explained by @model_id (NULL = the
 * model of the case's first cached result, when its weights are still installed). NULL when it
 * cannot be made; a note on stderr says why and the report says it has no panels. */
static CsFrameExplanation *
explain_for_report(CsStudy *study, CsCase *c, const char *model_id, const CsExplainOptions *options,
                   gboolean *quiet)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsModel) model = NULL;
  const CsModelResult *first = cs_case_get_n_results(c) > 0 ? cs_case_get_result(c, 0) : NULL;
  const char *id = model_id != NULL ? model_id : first != NULL ? first->model_id : NULL;
  CsFrameExplanation *x;

  if (id == NULL)
    return NULL;
  model = cs_model_catalog_load(cs_model_catalog_get_default(), id, NULL, &error);
  if (model == NULL) {
    fprintf(stderr, "carpalscope-cli report: note: no explanation panels: %s\n", error->message);
    return NULL;
  }
  if (model_id == NULL && g_strcmp0(cs_model_get_sha256(model), first->model_sha256) != 0) {
    fprintf(stderr,
            "carpalscope-cli report: note: no explanation panels: the installed model %s has "
            "other weights than the ones that made the cached result\n",
            id);
    return NULL;
  }
  x = cs_explain_case_report_frame(model, study, c, options, progress_cb, quiet, NULL, &error);
  if (x == NULL)
    fprintf(stderr, "carpalscope-cli report: note: no explanation panels: %s\n", error->message);
  return x;
}

/* Analyses the cases of @study that have no current result of @model (--analyse): the results
 * live in memory for this report only, study.json is not changed. */
static gboolean
analyse_missing(CsStudy *study, const char *model_id, CsCase *only, gboolean quiet, GError **error)
{
  g_autoptr(CsModel) model = cs_model_load(model_id, error);

  if (model == NULL)
    return FALSE;
  for (guint i = 0; i < cs_study_get_n_cases(study); i++) {
    CsCase *c = cs_study_get_case(study, i);
    const CsModelResult *old = cs_case_find_result(c, cs_model_get_sha256(model));
    g_autofree char *path = NULL;
    g_autoptr(CsSweep) sweep = NULL;
    g_autoptr(CsModelResult) result = NULL;

    if ((only != NULL && c != only) || (old != NULL && !cs_case_result_is_stale(c, old, NULL)))
      continue;
    if (!quiet)
      fprintf(stderr, "\rcarpalscope-cli report: analysing %s (%u / %u)   ", cs_case_get_id(c),
              i + 1, cs_study_get_n_cases(study));
    path = cs_study_dup_sweep_path(study, c);
    if (path == NULL || cs_case_get_n_roi_keyframes(c) == 0)
      continue;
    sweep = cs_sweep_open(path, error);
    if (sweep == NULL)
      return FALSE;
    result = cs_analyse_case(sweep, c, model, 0.5, -1, -1, NULL, NULL, NULL, error);
    if (result == NULL || !cs_case_set_result(c, result, error))
      return FALSE;
  }
  if (!quiet)
    fprintf(stderr, "\n");
  return TRUE;
}

/* Writes the study report (--study-report); returns the exit status. */
static int
write_study_report(CsStudy *study, char **models, CsSplit split, const CsEvaluateOptions *evaluate,
                   const CsReportOptions *options, CsReportFormat format, const char *out,
                   gboolean analyse, gboolean quiet)
{
  g_autoptr(CsStudyReport) report = NULL;
  GError *error = NULL;

  if (analyse) {
    for (guint m = 0; models[m] != NULL; m++)
      if (!analyse_missing(study, models[m], NULL, quiet, &error))
        return cs_cli_fail_error(error);
  }
  report = cs_study_report_build(study, (const char *const *)models, split, evaluate, options, NULL,
                                 &error);
  if (report == NULL || !cs_study_report_write(report, format, out, &error))
    return cs_cli_fail_error(error);
  printf("%s\n", out);
  return CS_CLI_OK;
}

/* Places the ROI of @only (NULL: of every case with a sweep) on the nerve tracked through its
 * sweep (--roi auto), in memory only. */
static gboolean
track_nerves(CsStudy *study, CsCase *only, const char *nerve_model, gboolean quiet, GError **error)
{
  g_autofree char *path = cs_nerve_finder_resolve(nerve_model, error);
  g_autoptr(CsNerveFinder) finder = path != NULL ? cs_nerve_finder_load(path, error) : NULL;

  if (finder == NULL)
    return FALSE;
  for (guint i = 0; i < cs_study_get_n_cases(study); i++) {
    CsCase *c = cs_study_get_case(study, i);
    g_autofree char *sweep = NULL;

    if ((only != NULL && c != only) ||
        (only == NULL && (sweep = cs_study_dup_sweep_path(study, c)) == NULL))
      continue;
    if (!quiet)
      fprintf(stderr, "\rcarpalscope-cli report: finding the nerve in %s (%u / %u)   ",
              cs_case_get_id(c), i + 1, cs_study_get_n_cases(study));
    if (!cs_nerve_track_case(finder, study, c, NULL, error))
      return FALSE;
  }
  if (!quiet)
    fprintf(stderr, "\n");
  return TRUE;
}

/* What a case report is asked for. */
typedef struct {
  const char *case_id;
  const char *model; /* NULL: the case's first cached result's. */
  const char *out;
  const char *png_dir;
  int png_size;
  gboolean analyse;
  gboolean quiet;
  gboolean roi_auto;
  const char *nerve_model;
} CaseReport;

/* Writes the case report, and its panels as a PNG with --png-panels; returns the exit status. */
static int
write_case_report(CsStudy *study, const char *study_path, CaseReport *job,
                  const CsReportOptions *options, const CsExplainOptions *explain)
{
  CsCase *c = cs_study_find_case(study, job->case_id);
  g_autoptr(CsCaseReport) report = NULL;
  g_autoptr(CsFrameExplanation) x = NULL;
  g_autofree char *name = NULL;
  g_autofree char *png = NULL;
  GError *error = NULL;

  if (c == NULL)
    return cs_cli_fail("%s has no case '%s'", study_path, job->case_id);
  if (job->roi_auto && !track_nerves(study, c, job->nerve_model, job->quiet, &error))
    return cs_cli_fail_error(error);
  if (job->analyse && !analyse_missing(study, job->model, c, job->quiet, &error))
    return cs_cli_fail_error(error);
  if (options->explain)
    x = explain_for_report(study, c, job->model, explain, &job->quiet);
  report = cs_case_report_build(study, c, job->model, x, options, NULL, progress_cb, &job->quiet,
                                &error);
  if (!job->quiet)
    fprintf(stderr, "\n");
  if (report == NULL || !cs_case_report_write_pdf(report, job->out, &error))
    return cs_cli_fail_error(error);
  printf("%s\n", job->out);
  for (const char *const *m = cs_case_report_get_missing(report); *m != NULL; m++)
    fprintf(stderr, "carpalscope-cli report: note: %s\n", *m);
  if (job->png_dir == NULL)
    return CS_CLI_OK;
  if (!cs_case_report_has_panels(report))
    return cs_cli_fail("case %s has no explanation panels to write as PNG (see the notes above)",
                       job->case_id);
  if (g_mkdir_with_parents(job->png_dir, 0755) != 0)
    return cs_cli_fail("cannot create %s: %s", job->png_dir, g_strerror(errno));
  name = g_strdup_printf("%s-panels.png", cs_case_report_get_display_id(report));
  png = g_build_filename(job->png_dir, name, NULL);
  if (!cs_case_report_write_panels_png(report, png, job->png_size, &error))
    return cs_cli_fail_error(error);
  printf("%s\n", png);
  return CS_CLI_OK;
}

/* The command: its option table, then each option checked in the table's order, then the work.
 * Its length is the table's (one entry per option, every check beside the others), read once
 * from top to bottom; the work itself is in the functions above. */
int
cs_cli_report(int argc, char **argv)
{
  g_autofree char *study_path = NULL, *case_id = NULL, *out = NULL, *paper = NULL;
  g_autofree char *format_text = NULL, *png_dir = NULL, *split_text = NULL, *seed_text = NULL;
  g_autofree char *date = NULL, *roi = NULL, *nerve_model = NULL;
  g_auto(GStrv) models = NULL;
  gboolean real_id = FALSE, study_report = FALSE, no_explain = FALSE, no_gradcam = FALSE;
  gboolean quiet = FALSE, analyse = FALSE, csa_agreement = FALSE;
  int png_size = 1920, samples = 0, replicates = -1, mask = 0, stride = 0;
  double opacity = -1;
  g_autofree char *colormap = NULL;
  const GOptionEntry entries[] = {
    { "study", 0, 0, G_OPTION_ARG_FILENAME, &study_path, "The study (required)", "study.json" },
    { "case", 0, 0, G_OPTION_ARG_STRING, &case_id, "The case to report on", "ID" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "The report file to write", "FILE" },
    { "model", 0, 0, G_OPTION_ARG_STRING_ARRAY, &models,
      "Model (installed id or file) whose cached result and explanations to show; repeat for a "
      "study report",
      "ID" },
    { "paper", 0, 0, G_OPTION_ARG_STRING, &paper, "Paper size: a4 (default) or letter",
      "a4|letter" },
    { "real-id", 0, 0, G_OPTION_ARG_NONE, &real_id,
      "Print case ids as recorded instead of pseudonyms", NULL },
    { "png-panels", 0, 0, G_OPTION_ARG_FILENAME, &png_dir,
      "Also write the explanation panels as a PNG into DIR (for slides)", "DIR" },
    { "png-size", 0, 0, G_OPTION_ARG_INT, &png_size,
      "Width of the panel PNG in pixels (default 1920)", "N" },
    { "no-explain", 0, 0, G_OPTION_ARG_NONE, &no_explain, "Leave the explanation panels out",
      NULL },
    { "no-gradcam", 0, 0, G_OPTION_ARG_NONE, &no_gradcam, "Leave the Grad-CAM panel out", NULL },
    { "samples", 0, 0, G_OPTION_ARG_INT, &samples, "LIME samples (default 1000)", "N" },
    { "mask", 0, 0, G_OPTION_ARG_INT, &mask,
      "Occlusion mask side in network-input pixels (default 20 % of the input)", "PX" },
    { "stride", 0, 0, G_OPTION_ARG_INT, &stride,
      "Occlusion stride in network-input pixels (default 10 % of the input)", "PX" },
    { "colormap", 0, 0, G_OPTION_ARG_STRING, &colormap,
      "Heat-map colours: diverging (default), viridis, inferno or turbo", "NAME" },
    { "opacity", 0, 0, G_OPTION_ARG_DOUBLE, &opacity, "Heat-map opacity, 0 to 1 (default 0.6)",
      "A" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
      "Seed of LIME (case report) or of the bootstrap (study report)", "N" },
    { "study-report", 0, 0, G_OPTION_ARG_NONE, &study_report,
      "Write the study report (Table 1, ROC, CSA by group, hands) instead of a case report", NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text,
      "Study report format: pdf (default), csv or json", "pdf|csv|json" },
    { "split", 0, 0, G_OPTION_ARG_STRING, &split_text,
      "Hands of the study report: test (default) or all", "test|all" },
    { "replicates", 0, 0, G_OPTION_ARG_INT, &replicates,
      "Bootstrap replicates of the study report (default 2000)", "N" },
    { "analyse", 0, 0, G_OPTION_ARG_NONE, &analyse,
      "First analyse the cases that have no current result of --model (kept in memory only)",
      NULL },
    { "roi", 0, 0, G_OPTION_ARG_STRING, &roi,
      "auto: place each reported case's ROI on the nerve tracked through its sweep (15 x 15 mm, "
      "or the case's ROI size), in memory only; --analyse then computes results on it",
      "auto" },
    { "nerve-model", 0, 0, G_OPTION_ARG_STRING, &nerve_model,
      "The segmentation model that finds the nerve for --roi auto and --csa-agreement (default: "
      "the installed one)",
      "ID|FILE" },
    { "csa-agreement", 0, 0, G_OPTION_ARG_NONE, &csa_agreement,
      "Study report: add the nerve finder against every manual tracing (Dice, the areas' "
      "Bland-Altman limits and ICC(2,1)), as evaluate --csa-agreement",
      NULL },
    { "date", 0, 0, G_OPTION_ARG_STRING, &date, "Date printed on the report (default today)",
      "YYYY-MM-DD" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Do not show progress", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context =
      g_option_context_new("- write a case report (PDF) or a study report (PDF, CSV, JSON)");
  g_autoptr(CsStudy) study = NULL;
  g_autoptr(CsNerveAgreement) agreement = NULL;
  CsReportOptions options;
  CsExplainOptions explain;
  int status;
  CsReportFormat format = CS_REPORT_FORMAT_PDF;
  CsSplit split = CS_SPLIT_TEST;
  GError *error = NULL;
  guint64 seed = 0;
  gboolean has_seed = FALSE;

  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_description(
      context,
      "A case report shows the case's cached result of --model (default: its first cached\n"
      "result), the representative frame with the ROI, the per-frame p(CTS), the explanation\n"
      "panels (computed now), the CSA tracings, nerve conduction and stage, and the model's\n"
      "identity; whatever is missing is said in the report. Case ids are pseudonymised unless\n"
      "--real-id is given. A study report (--study-report --model ID ...) evaluates the cached\n"
      "results with bootstrap intervals, ROC/AUC, DeLong and Mann-Whitney.\n"
      "For research and teaching, not a medical device.");
  if (!cs_cli_parse(context, &argc, &argv, NAME))
    return CS_CLI_USAGE;
  if (argc > 1)
    return cs_cli_usage_error(NAME, "unexpected argument '%s'", argv[1]);
  if (study_path == NULL)
    return cs_cli_usage_error(NAME, "--study is required");
  if (out == NULL)
    return cs_cli_usage_error(NAME, "--out is required");
  cs_report_options_init(&options);
  if (paper != NULL && !cs_report_paper_from_string(paper, &options.paper))
    return cs_cli_usage_error(NAME, "--paper must be a4 or letter, not '%s'", paper);
  if (format_text != NULL && !cs_report_format_from_string(format_text, &format))
    return cs_cli_usage_error(NAME, "--format must be pdf, csv or json, not '%s'", format_text);
  if (png_size < 200 || png_size > 8000)
    return cs_cli_usage_error(NAME, "--png-size %d is not in 200..8000", png_size);
  if (samples != 0 && (samples < 2 || samples > 1000000))
    return cs_cli_usage_error(NAME, "--samples %d is not in 2..1000000", samples);
  if (mask < 0 || mask > 4096 || stride < 0 || stride > 4096)
    return cs_cli_usage_error(NAME, "--mask and --stride must be in 1..4096 pixels");
  if (colormap != NULL && !cs_colormap_from_name(colormap, &options.colormap))
    return cs_cli_usage_error(NAME,
                              "--colormap must be diverging, viridis, inferno or turbo, "
                              "not '%s'",
                              colormap);
  if (opacity != -1 && !(opacity >= 0 && opacity <= 1))
    return cs_cli_usage_error(NAME, "--opacity %g is not in [0, 1]", opacity);
  if (replicates != -1 && (replicates < 0 || replicates > 1000000))
    return cs_cli_usage_error(NAME, "--replicates %d is not in 0..1000000", replicates);
  if (seed_text != NULL) {
    char *end = NULL;

    errno = 0;
    seed = g_ascii_strtoull(seed_text, &end, 10);
    if (!g_ascii_isdigit(seed_text[0]) || errno != 0 || *end != '\0' || seed > G_MAXINT64)
      return cs_cli_usage_error(NAME, "--seed '%s' is not a whole number in 0..2^63-1", seed_text);
    has_seed = TRUE;
  }
  if (date != NULL) {
    g_autoptr(GDate) d = g_date_new();

    g_date_set_parse(d, date);
    if (strlen(date) != 10 || date[4] != '-' || date[7] != '-' || !g_date_valid(d))
      return cs_cli_usage_error(NAME, "--date '%s' is not a date YYYY-MM-DD", date);
  }
  if (split_text != NULL) {
    if (g_strcmp0(split_text, "all") == 0)
      split = CS_SPLIT_UNASSIGNED;
    else if (g_strcmp0(split_text, "test") != 0)
      return cs_cli_usage_error(NAME, "--split must be test or all, not '%s'", split_text);
  }
  if (study_report) {
    if (case_id != NULL)
      return cs_cli_usage_error(NAME, "--study-report reports on the whole study: drop --case");
    if (models == NULL || models[0] == NULL)
      return cs_cli_usage_error(NAME, "--study-report needs at least one --model");
    if (png_dir != NULL)
      return cs_cli_usage_error(NAME, "--png-panels belongs to a case report");
  } else {
    if (case_id == NULL)
      return cs_cli_usage_error(NAME, "--case is required (or --study-report)");
    if (models != NULL && g_strv_length(models) > 1)
      return cs_cli_usage_error(NAME, "a case report shows one --model");
    if (format != CS_REPORT_FORMAT_PDF)
      return cs_cli_usage_error(NAME, "a case report is a PDF; --format is for --study-report");
    if (split_text != NULL || replicates != -1)
      return cs_cli_usage_error(NAME, "--split and --replicates are for --study-report");
    if (png_dir != NULL && no_explain)
      return cs_cli_usage_error(NAME, "--png-panels needs the panels: drop --no-explain");
  }
  if (analyse && (models == NULL || models[0] == NULL))
    return cs_cli_usage_error(NAME, "--analyse needs --model");
  if (roi != NULL && strcmp(roi, "auto") != 0)
    return cs_cli_usage_error(NAME, "--roi takes only auto (the study holds each case's ROI)");
  if (nerve_model != NULL && roi == NULL && !csa_agreement)
    return cs_cli_usage_error(NAME,
                              "--nerve-model is used only with --roi auto or --csa-agreement");
  if (csa_agreement && !study_report)
    return cs_cli_usage_error(NAME, "--csa-agreement belongs to --study-report");
  if (roi != NULL && study_report && !analyse)
    return cs_cli_usage_error(NAME, "--roi auto in a study report needs --analyse");

  options.real_id = real_id;
  options.explain = !no_explain;
  options.gradcam = !no_gradcam;
  options.date = date;
  cs_explain_options_init(&explain);
  if (!options.gradcam)
    explain.methods &= ~(guint)CS_EXPLAIN_WANT_GRADCAM;
  if (samples != 0)
    explain.lime.n_samples = samples;
  explain.occlusion.mask_px = mask;
  explain.occlusion.stride_px = stride;
  if (opacity != -1)
    options.opacity = opacity;
  if (has_seed)
    explain.lime.seed = seed;

  study = cs_study_load(study_path, &error);
  if (study == NULL)
    return cs_cli_fail_error(error);

  if (study_report) {
    CsEvaluateOptions evaluate;

    cs_evaluate_options_init(&evaluate);
    if (replicates != -1)
      evaluate.replicates = (guint)replicates;
    if (has_seed)
      evaluate.seed = seed;
    if (roi != NULL && !track_nerves(study, NULL, nerve_model, quiet, &error))
      return cs_cli_fail_error(error);
    if (csa_agreement) {
      g_autofree char *path = cs_nerve_finder_resolve(nerve_model, &error);
      g_autoptr(CsNerveFinder) finder = path != NULL ? cs_nerve_finder_load(path, &error) : NULL;

      if (finder == NULL ||
          (agreement = cs_nerve_agreement_compute(finder, study, NULL, NULL, &error)) == NULL)
        return cs_cli_fail_error(error);
      options.csa_agreement = agreement;
    }
    status =
        write_study_report(study, models, split, &evaluate, &options, format, out, analyse, quiet);
  } else {
    CaseReport job = { case_id, models != NULL ? models[0] : NULL, out, png_dir, png_size, analyse,
                       quiet };

    job.roi_auto = roi != NULL;
    job.nerve_model = nerve_model;

    status = write_case_report(study, study_path, &job, &options, &explain);
  }
  if (status != CS_CLI_OK)
    return status;
  return fflush(stdout) == 0 ? CS_CLI_OK : cs_cli_fail("cannot write to standard output");
}
