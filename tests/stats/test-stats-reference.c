/* test-stats-reference.c — the statistics checked against R's pROC, scikit-learn and SciPy
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each synthetic dataset (stats-datasets.c) is written as a scores CSV, evaluated by
 * cs_evaluate() from that file, and by the reference scripts beside this file:
 * reference-proc.R (AUC, DeLong variance and CI, roc.test) and reference-sklearn.py (confusion
 * matrix and metrics, ROC points, Mann-Whitney U). A test skips when R with pROC, or Python with
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
  char *dir;
  char *csv_path;
  const StatsDatasetSpec *spec;
  CsEvaluation *evaluation;
} Fixture;

static void
fixture_setup(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;
  g_autoptr(CsScores) scores = NULL;
  CsEvaluateOptions options;

  fixture->spec = data;
  fixture->dir = g_dir_make_tmp("cs-stats-XXXXXX", &error);
  g_assert_no_error(error);
  fixture->csv_path = g_build_filename(fixture->dir, "scores.csv", NULL);
  csv = stats_dataset_csv(fixture->spec);
  g_file_set_contents(fixture->csv_path, csv, -1, &error);
  g_assert_no_error(error);
  scores = cs_scores_load_csv(fixture->csv_path, &error);
  g_assert_no_error(error);
  cs_evaluate_options_init(&options);
  options.threshold = fixture->spec->threshold;
  options.replicates = 0; /* Bootstrap intervals have no reference to compare with. */
  fixture->evaluation = cs_evaluate(scores, &options, &error);
  g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *fixture, gconstpointer data)
{
  g_unlink(fixture->csv_path);
  g_rmdir(fixture->dir);
  g_free(fixture->csv_path);
  g_free(fixture->dir);
  cs_evaluation_free(fixture->evaluation);
}

/* Runs a reference script; returns its stdout, or NULL after g_test_skip() when the tool or
 * its packages are missing (exit status 3). */
static char *
run_reference(const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                    &error)) {
    g_autofree char *message = g_strdup_printf("cannot run %s: %s", argv[0], error->message);
    g_test_skip(message);
    return NULL;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
    g_autofree char *message = g_strdup_printf("%s lacks its packages for %s", argv[0], argv[1]);
    g_free(out);
    g_test_skip(message);
    return NULL;
  }
  if (!g_spawn_check_wait_status(status, &error))
    g_error("%s %s failed: %s\n%s", argv[0], argv[1], error->message, err);
  return out;
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
  g_autofree char *script =
      g_build_filename(g_getenv("CARPALSCOPE_SRCDIR"), "tests", "stats", "reference-proc.R", NULL);
  g_autofree char *rscript = g_find_program_in_path("Rscript");
  const char *argv[] = { rscript, "--vanilla", script, fixture->csv_path, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GHashTable) table = NULL;
  g_autoptr(GHashTable) pairs = NULL;
  const CsEvaluation *ev = fixture->evaluation;
  double worst_auc = 0, worst_var = 0, worst_p = 0;

  if (rscript == NULL) {
    g_test_skip("Rscript is not installed");
    return;
  }
  out = run_reference(argv);
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
  g_autofree char *script = g_build_filename(g_getenv("CARPALSCOPE_SRCDIR"), "tests", "stats",
                                             "reference-sklearn.py", NULL);
  const char *python = g_getenv("CARPALSCOPE_PYTHON");
  char threshold[G_ASCII_DTOSTR_BUF_SIZE];
  const char *argv[] = { python ? python : "/usr/bin/python3", script, fixture->csv_path,
                         g_ascii_dtostr(threshold, sizeof threshold, fixture->spec->threshold),
                         NULL };
  g_autofree char *out = NULL;
  g_autoptr(GHashTable) table = NULL;
  g_auto(GStrv) lines = NULL;
  const CsEvaluation *ev = fixture->evaluation;
  guint undefined_seen = 0;

  if (!g_file_test(argv[0], G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip("no Python interpreter");
    return;
  }
  out = run_reference(argv);
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

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  for (gsize i = 0; i < stats_n_datasets; i++) {
    g_autofree char *proc = g_strdup_printf("/stats/reference/proc/%s", stats_datasets[i].name);
    g_autofree char *sklearn =
        g_strdup_printf("/stats/reference/sklearn-scipy/%s", stats_datasets[i].name);
    g_test_add(proc, Fixture, &stats_datasets[i], fixture_setup, test_proc, fixture_teardown);
    g_test_add(sklearn, Fixture, &stats_datasets[i], fixture_setup, test_sklearn, fixture_teardown);
  }
  return g_test_run();
}
