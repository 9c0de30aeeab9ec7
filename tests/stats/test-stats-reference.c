/* test-stats-reference.c — the statistics checked against R's pROC, scikit-learn and SciPy
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each synthetic dataset (stats-datasets.c) is written as a scores CSV, evaluated by
 * cs_evaluate() from that file, and by the reference scripts beside this file:
 * reference-proc.R (AUC, DeLong variance and CI, roc.test), reference-sklearn.py (confusion
 * matrix and metrics, ROC points, Mann-Whitney U) and reference-bootstrap.py (the bootstrap
 * intervals, replayed from the seed). A test skips when R with pROC, or Python with
 * scikit-learn and SciPy, is missing.
 */
#include "config.h"

#include "cs-evaluation.h"
#include "stats-datasets.h"

#include <glib/gstdio.h>
#include <math.h>

/* Tolerances: rank statistics are exact up to rounding; variances and p-values go through
 * different floating-point paths in R. */
#define TOL_AUC 1e-9
#define TOL_REL 1e-6

typedef struct {
  const StatsDatasetSpec *spec;
  char *csv_path;
  CsEvaluation *evaluation;
} Fixture;

/* All datasets are written once into one directory, and each reference tool runs once over all
 * of them: starting R with pROC or Python with scikit-learn costs more than the statistics. */
static char *datasets_dir;

static const char *
datasets_directory(void)
{
  g_autoptr(GError) error = NULL;

  if (datasets_dir != NULL)
    return datasets_dir;
  datasets_dir = g_dir_make_tmp("cs-stats-XXXXXX", &error);
  g_assert_no_error(error);
  for (gsize i = 0; i < stats_n_datasets; i++) {
    g_autofree char *name = g_strconcat(stats_datasets[i].name, ".csv", NULL);
    g_autofree char *path = g_build_filename(datasets_dir, name, NULL);
    g_autofree char *csv = stats_dataset_csv(&stats_datasets[i]);
    g_file_set_contents(path, csv, -1, &error);
    g_assert_no_error(error);
  }
  return datasets_dir;
}

static char *
dataset_path(const StatsDatasetSpec *spec)
{
  g_autofree char *name = g_strconcat(spec->name, ".csv", NULL);

  return g_build_filename(datasets_directory(), name, NULL);
}

static void
remove_datasets(void)
{
  if (datasets_dir == NULL)
    return;
  for (gsize i = 0; i < stats_n_datasets; i++) {
    g_autofree char *path = dataset_path(&stats_datasets[i]);
    g_unlink(path);
  }
  g_rmdir(datasets_dir);
  g_clear_pointer(&datasets_dir, g_free);
}

static void
fixture_setup(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsScores) scores = NULL;
  CsEvaluateOptions options;

  fixture->spec = data;
  fixture->csv_path = dataset_path(fixture->spec);
  scores = cs_scores_load_csv(fixture->csv_path, &error);
  g_assert_no_error(error);
  cs_evaluate_options_init(&options);
  options.threshold = fixture->spec->threshold;
  options.replicates = 0; /* Bootstrap intervals have no reference to compare with. */
  fixture->evaluation = cs_evaluate(scores, &options, NULL, &error);
  g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *fixture, gconstpointer data)
{
  g_free(fixture->csv_path);
  cs_evaluation_free(fixture->evaluation);
}

/* What one reference tool printed, split by dataset; or why it could not run. */
typedef struct {
  gboolean ran;
  char *skip_reason;
  GHashTable *sections; /* dataset name -> text */
} Reference;

static Reference proc_reference, sklearn_reference;

static void
reference_clear(Reference *reference)
{
  g_clear_pointer(&reference->skip_reason, g_free);
  g_clear_pointer(&reference->sections, g_hash_table_unref);
}

/* Runs a reference script once over every dataset (argv ends with the files it needs). */
static void
run_reference(Reference *reference, const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  GString *section = NULL;
  char *name = NULL;
  int status = 0;

  reference->ran = TRUE;
  reference->sections = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                    &error)) {
    reference->skip_reason = g_strdup_printf("cannot run %s: %s", argv[0], error->message);
    return;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
    reference->skip_reason = g_strdup_printf("%s lacks the packages %s needs", argv[0], argv[1]);
    return;
  }
  if (!g_spawn_check_wait_status(status, &error))
    g_error("%s %s failed: %s\n%s", argv[0], argv[1], error->message, err);
  lines = g_strsplit(out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    if (g_str_has_prefix(lines[i], "dataset ")) {
      if (name != NULL)
        g_hash_table_replace(reference->sections, name, g_string_free(section, FALSE));
      name = g_strstrip(g_strdup(lines[i] + strlen("dataset ")));
      section = g_string_new(NULL);
    } else if (section != NULL) {
      g_string_append_printf(section, "%s\n", lines[i]);
    }
  }
  if (name != NULL)
    g_hash_table_replace(reference->sections, name, g_string_free(section, FALSE));
}

/* Returns the reference's output for @spec, or NULL after g_test_skip(). */
static const char *
reference_output(Reference *reference, const StatsDatasetSpec *spec)
{
  const char *text;

  if (reference->skip_reason != NULL) {
    g_test_skip(reference->skip_reason);
    return NULL;
  }
  text = g_hash_table_lookup(reference->sections, spec->name);
  if (text == NULL)
    g_error("the reference printed nothing for dataset %s", spec->name);
  return text;
}

static const char *
proc_output(const StatsDatasetSpec *spec)
{
  if (!proc_reference.ran) {
    g_autofree char *script = g_build_filename(g_getenv("CARPALSCOPE_SRCDIR"), "tests", "stats",
                                               "reference-proc.R", NULL);
    g_autofree char *rscript = g_find_program_in_path("Rscript");
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

    if (rscript == NULL) {
      proc_reference.ran = TRUE;
      proc_reference.skip_reason = g_strdup("Rscript is not installed");
    } else {
      g_ptr_array_add(argv, g_strdup(rscript));
      g_ptr_array_add(argv, g_strdup("--vanilla"));
      g_ptr_array_add(argv, g_strdup(script));
      for (gsize i = 0; i < stats_n_datasets; i++)
        g_ptr_array_add(argv, dataset_path(&stats_datasets[i]));
      g_ptr_array_add(argv, NULL);
      run_reference(&proc_reference, (const char *const *)argv->pdata);
    }
  }
  return reference_output(&proc_reference, spec);
}

static const char *
sklearn_output(const StatsDatasetSpec *spec)
{
  if (!sklearn_reference.ran) {
    g_autofree char *script = g_build_filename(g_getenv("CARPALSCOPE_SRCDIR"), "tests", "stats",
                                               "reference-sklearn.py", NULL);
    const char *python = g_getenv("CARPALSCOPE_PYTHON");
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

    if (python == NULL)
      python = "/usr/bin/python3";
    if (!g_file_test(python, G_FILE_TEST_IS_EXECUTABLE)) {
      sklearn_reference.ran = TRUE;
      sklearn_reference.skip_reason = g_strdup_printf("%s is not installed", python);
    } else {
      g_ptr_array_add(argv, g_strdup(python));
      g_ptr_array_add(argv, g_strdup(script));
      for (gsize i = 0; i < stats_n_datasets; i++) {
        char threshold[G_ASCII_DTOSTR_BUF_SIZE];
        g_ptr_array_add(argv, dataset_path(&stats_datasets[i]));
        g_ptr_array_add(argv, g_strdup(g_ascii_dtostr(threshold, sizeof threshold,
                                                      stats_datasets[i].threshold)));
      }
      g_ptr_array_add(argv, NULL);
      run_reference(&sklearn_reference, (const char *const *)argv->pdata);
    }
  }
  return reference_output(&sklearn_reference, spec);
}

/* Parses "kind level model ... values" lines into a table keyed by their first @n_key words. */
static GHashTable *
parse_lines(const char *out, guint n_key)
{
  GHashTable *table =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_strfreev);
  g_auto(GStrv) lines = g_strsplit(out, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++) {
    g_auto(GStrv) words = g_strsplit_set(g_strstrip(lines[i]), " ", -1);
    GPtrArray *kept = g_ptr_array_new();
    GString *key = g_string_new(NULL);

    for (guint w = 0; words[w] != NULL; w++)
      if (*words[w] != '\0')
        g_ptr_array_add(kept, words[w]);
    if (kept->len > n_key) {
      GStrvBuilder *values = g_strv_builder_new();
      for (guint w = 0; w < kept->len; w++) {
        if (w < n_key)
          g_string_append_printf(key, "%s%s", w ? " " : "", (char *)kept->pdata[w]);
        else
          g_strv_builder_add(values, kept->pdata[w]);
      }
      g_hash_table_replace(table, g_string_free(g_steal_pointer(&key), FALSE),
                           g_strv_builder_end(values));
      g_strv_builder_unref(values);
    }
    if (key != NULL)
      g_string_free(key, TRUE);
    g_ptr_array_unref(kept);
  }
  return table;
}

static double
number(const char *text)
{
  if (g_strcmp0(text, "NA") == 0 || g_strcmp0(text, "nan") == 0 || g_strcmp0(text, "NaN") == 0)
    return NAN;
  return g_ascii_strtod(text, NULL);
}

static GStrv lookup(GHashTable *table, const char *format, ...) G_GNUC_PRINTF(2, 3);

static GStrv
lookup(GHashTable *table, const char *format, ...)
{
  g_autofree char *key = NULL;
  va_list args;
  GStrv values;

  va_start(args, format);
  key = g_strdup_vprintf(format, args);
  va_end(args);
  values = g_hash_table_lookup(table, key);
  if (values == NULL)
    g_error("the reference printed nothing for '%s'", key);
  return values;
}

static void
assert_close(const char *what, double ours, double reference, double abs_tol, double rel_tol)
{
  if (isnan(ours) && isnan(reference))
    return;
  if (!(fabs(ours - reference) <= abs_tol + rel_tol * fabs(reference)))
    g_error("%s: ours %.17g, reference %.17g (difference %.3g)", what, ours, reference,
            ours - reference);
}

static void
test_proc(Fixture *fixture, gconstpointer data)
{
  const char *out = proc_output(fixture->spec);
  g_autoptr(GHashTable) table = NULL;
  g_autoptr(GHashTable) pairs = NULL;
  const CsEvaluation *ev = fixture->evaluation;
  double worst_auc = 0, worst_var = 0, worst_p = 0;

  if (out == NULL)
    return;
  table = parse_lines(out, 3);
  for (size_t i = 0; i < ev->n_models; i++) {
    const CsModelEvaluation *r = &ev->models[i];
    const char *level = cs_level_key(r->level);
    g_autofree char *what = g_strdup_printf("%s %s %s", fixture->spec->name, level, r->model);
    double auc = number(lookup(table, "auc %s %s", level, r->model)[0]);
    double var = number(lookup(table, "var %s %s", level, r->model)[0]);
    GStrv ci = lookup(table, "ci %s %s", level, r->model);

    assert_close(what, r->auc.value, auc, TOL_AUC, 0);
    assert_close(what, r->auc_variance, var, 1e-15, TOL_REL);
    assert_close(what, r->auc.ci[0], number(ci[0]), 1e-9, TOL_REL);
    assert_close(what, r->auc.ci[1], number(ci[1]), 1e-9, TOL_REL);
    worst_auc = fmax(worst_auc, fabs(r->auc.value - auc));
    if (var > 0)
      worst_var = fmax(worst_var, fabs(r->auc_variance - var) / var);
  }
  pairs = parse_lines(out, 4);
  for (size_t i = 0; i < ev->n_delong; i++) {
    const CsDelongComparison *c = &ev->delong[i];
    const char *level = cs_level_key(c->level);
    GStrv values = lookup(pairs, "test %s %s %s", level, c->a, c->b);
    g_autofree char *what =
        g_strdup_printf("%s %s %s vs %s", fixture->spec->name, level, c->a, c->b);
    double p = number(values[2]);

    g_assert_cmpint(c->test.paired, ==, g_strcmp0(values[0], "1") == 0);
    assert_close(what, c->test.statistic, number(values[1]), 1e-12, TOL_REL);
    assert_close(what, c->test.p, p, 1e-15, TOL_REL);
    assert_close(what, c->test.ci[0], number(values[3]), 1e-12, TOL_REL);
    assert_close(what, c->test.ci[1], number(values[4]), 1e-12, TOL_REL);
    if (p > 0)
      worst_p = fmax(worst_p, fabs(c->test.p - p) / p);
  }
  g_test_message("%s: max |AUC - pROC| %.2g, max relative variance error %.2g, max relative "
                 "p error %.2g",
                 fixture->spec->name, worst_auc, worst_var, worst_p);
}

static void
test_sklearn(Fixture *fixture, gconstpointer data)
{
  const char *out = sklearn_output(fixture->spec);
  g_autoptr(GHashTable) table = NULL;
  g_auto(GStrv) lines = NULL;
  const CsEvaluation *ev = fixture->evaluation;
  guint undefined_seen = 0;

  if (out == NULL)
    return;
  table = parse_lines(out, 3);
  lines = g_strsplit(out, "\n", -1);
  for (size_t i = 0; i < ev->n_models; i++) {
    const CsModelEvaluation *r = &ev->models[i];
    const char *level = cs_level_key(r->level);
    GStrv confusion = lookup(table, "confusion %s %s", level, r->model);
    g_autoptr(GHashTable) metrics = parse_lines(out, 4);
    size_t point = 0;

    g_assert_cmpuint(r->confusion.tp, ==, g_ascii_strtoull(confusion[0], NULL, 10));
    g_assert_cmpuint(r->confusion.fp, ==, g_ascii_strtoull(confusion[1], NULL, 10));
    g_assert_cmpuint(r->confusion.tn, ==, g_ascii_strtoull(confusion[2], NULL, 10));
    g_assert_cmpuint(r->confusion.fn, ==, g_ascii_strtoull(confusion[3], NULL, 10));
    for (int k = 0; k < CS_N_METRICS; k++) {
      const char *key = cs_metric_key((CsMetric)k);
      const char *value = lookup(metrics, "metric %s %s %s", level, r->model, key)[0];
      g_autofree char *what =
          g_strdup_printf("%s %s %s %s", fixture->spec->name, level, r->model, key);
      /* scikit-learn warns and returns 0 for an undefined metric; we report NaN (null). */
      if (g_strcmp0(value, "undefined") == 0) {
        if (!isnan(r->metrics[k].value))
          g_error("%s: scikit-learn says undefined, ours %g", what, r->metrics[k].value);
        undefined_seen++;
      } else {
        assert_close(what, r->metrics[k].value, number(value), 1e-12, 0);
      }
    }
    /* ROC points: sklearn's roc_curve(drop_intermediate=False) has the same points; its first
     * threshold is max + 1 where ours is +infinity. */
    for (guint l = 0; lines[l] != NULL; l++) {
      g_auto(GStrv) words = g_strsplit(lines[l], " ", -1);
      if (g_strv_length(words) != 6 || g_strcmp0(words[0], "roc") != 0 ||
          g_strcmp0(words[1], level) != 0 || g_strcmp0(words[2], r->model) != 0)
        continue;
      g_assert_cmpuint(point, <, r->n_roc);
      assert_close("roc fpr", r->roc[point].fpr, number(words[3]), 1e-15, 0);
      assert_close("roc tpr", r->roc[point].tpr, number(words[4]), 1e-15, 0);
      if (point > 0)
        assert_close("roc threshold", r->roc[point].threshold, number(words[5]), 0, 0);
      point++;
    }
    g_assert_cmpuint(point, ==, r->n_roc);
  }
  if (fixture->spec->never_model)
    g_assert_cmpuint(undefined_seen, >, 0);

  if (ev->has_csa) {
    GHashTable *mw = parse_lines(out, 1);
    GStrv values = lookup(mw, "mannwhitney");
    assert_close("Mann-Whitney U", ev->csa.test.u, number(values[0]), 0, 0);
    assert_close("Mann-Whitney p", ev->csa.test.p, number(values[1]), 1e-15, 1e-9);
    g_test_message("%s: CSA U = %g, p = %.17g (%s)", fixture->spec->name, ev->csa.test.u,
                   ev->csa.test.p, ev->csa.test.exact ? "exact" : "asymptotic");
    g_hash_table_unref(mw);
  } else {
    g_assert_null(strstr(out, "mannwhitney"));
  }
}

/* The bootstrap is reproducible from its documented description: reference-bootstrap.py replays
 * the draws with its own generator code and computes every interval with NumPy. */
static void
test_bootstrap_replay(Fixture *fixture, gconstpointer data)
{
  g_autofree char *script = g_build_filename(g_getenv("CARPALSCOPE_SRCDIR"), "tests", "stats",
                                             "reference-bootstrap.py", NULL);
  const char *python = g_getenv("CARPALSCOPE_PYTHON");
  char threshold[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *seed = g_strdup_printf("%" G_GUINT64_FORMAT, fixture->spec->seed * 1000 + 7);
  const char *argv[] = { python ? python : "/usr/bin/python3",
                         script,
                         fixture->csv_path,
                         seed,
                         "200",
                         g_ascii_dtostr(threshold, sizeof threshold, fixture->spec->threshold),
                         NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(CsScores) scores = NULL;
  g_autoptr(CsEvaluation) ev = NULL;
  g_autoptr(GHashTable) table = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  CsEvaluateOptions options;
  int status = 0;
  guint compared = 0;

  if (!g_file_test(argv[0], G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip("no Python interpreter");
    return;
  }
  g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error(error);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
    g_test_skip("NumPy is missing");
    return;
  }
  if (!g_spawn_check_wait_status(status, &error))
    g_error("reference-bootstrap.py failed: %s\n%s", error->message, err);

  scores = cs_scores_load_csv(fixture->csv_path, &error);
  g_assert_no_error(error);
  cs_evaluate_options_init(&options);
  options.threshold = fixture->spec->threshold;
  options.seed = fixture->spec->seed * 1000 + 7;
  options.replicates = 200;
  ev = cs_evaluate(scores, &options, NULL, &error);
  g_assert_no_error(error);

  table = parse_lines(out, 4);
  for (size_t i = 0; i < ev->n_models; i++) {
    const CsModelEvaluation *r = &ev->models[i];
    const char *level = cs_level_key(r->level);
    for (int k = 0; k <= CS_N_METRICS; k++) {
      const char *key = k < CS_N_METRICS ? cs_metric_key((CsMetric)k) : "auc";
      const CsEstimate *e = k < CS_N_METRICS ? &r->metrics[k] : &r->auc;
      g_autofree char *what =
          g_strdup_printf("%s %s %s %s", fixture->spec->name, level, r->model, key);
      if (k < CS_N_METRICS) {
        GStrv ci = lookup(table, "ci %s %s %s", level, r->model, key);
        assert_close(what, e->ci[0], number(ci[0]), 1e-12, 0);
        assert_close(what, e->ci[1], number(ci[1]), 1e-12, 0);
        compared++;
      }
      if (r->level == CS_LEVEL_IMAGE) {
        GStrv ci = lookup(table, "ci_cluster %s %s %s", level, r->model, key);
        assert_close(what, e->ci_cluster[0], number(ci[0]), 1e-12, 0);
        assert_close(what, e->ci_cluster[1], number(ci[1]), 1e-12, 0);
        compared++;
      }
    }
  }
  g_test_message("%s: %u bootstrap intervals equal to the replay", fixture->spec->name, compared);
}

int
main(int argc, char **argv)
{
  int status;

  g_test_init(&argc, &argv, NULL);
  for (gsize i = 0; i < stats_n_datasets; i++) {
    g_autofree char *proc = g_strdup_printf("/stats/reference/proc/%s", stats_datasets[i].name);
    g_autofree char *sklearn =
        g_strdup_printf("/stats/reference/sklearn-scipy/%s", stats_datasets[i].name);
    g_test_add(proc, Fixture, &stats_datasets[i], fixture_setup, test_proc, fixture_teardown);
    g_test_add(sklearn, Fixture, &stats_datasets[i], fixture_setup, test_sklearn, fixture_teardown);
    /* Replaying thousands of frames in pure Python would be slow; the small sets suffice. */
    if (g_strcmp0(stats_datasets[i].name, "paper-sized") != 0) {
      g_autofree char *replay =
          g_strdup_printf("/stats/reference/bootstrap-replay/%s", stats_datasets[i].name);
      g_test_add(replay, Fixture, &stats_datasets[i], fixture_setup, test_bootstrap_replay,
                 fixture_teardown);
    }
  }
  status = g_test_run();
  remove_datasets();
  reference_clear(&proc_reference);
  reference_clear(&sklearn_reference);
  return status;
}
