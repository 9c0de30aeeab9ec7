/* test-stats-cli.c — carpalscope-cli evaluate: the JSON contract, outputs, errors and exit statuses
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-evaluation.h"
#include "stats-datasets.h"
#include "test-files.h"

#include <cairo.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>

typedef struct {
  int status;
  char *out;
  char *err;
} Run;

static Run run_cli(const char *first, ...) G_GNUC_NULL_TERMINATED;

static Run
run_cli(const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GError) error = NULL;
  const char *cli = g_getenv("CARPALSCOPE_CLI");
  Run run = { -1, NULL, NULL };
  int wait_status = 0;
  va_list ap;

  g_assert_nonnull(cli);
  g_ptr_array_add(argv, (gpointer)cli);
  va_start(ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg(ap, const char *))
    g_ptr_array_add(argv, (gpointer)arg);
  va_end(ap);
  g_ptr_array_add(argv, NULL);
  g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &run.out, &run.err,
               &wait_status, &error);
  g_assert_no_error(error);
  if (WIFEXITED(wait_status))
    run.status = WEXITSTATUS(wait_status);
  return run;
}

static void
run_clear(Run *run)
{
  g_clear_pointer(&run->out, g_free);
  g_clear_pointer(&run->err, g_free);
}

/* Writes dataset @index to a new temporary directory; returns the CSV's path. */
static char *
write_dataset(gsize index, char **dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = stats_dataset_csv(&stats_datasets[index]);
  char *path;

  *dir = g_dir_make_tmp("cs-stats-cli-XXXXXX", &error);
  g_assert_no_error(error);
  path = g_build_filename(*dir, "scores.csv", NULL);
  g_file_set_contents(path, csv, -1, &error);
  g_assert_no_error(error);
  return path;
}

static void
assert_estimate(JsonObject *entry, const char *name, double value, const double ci[2],
                gboolean cluster)
{
  JsonObject *estimate = json_object_get_object_member(entry, name);
  JsonArray *interval;

  g_assert_nonnull(estimate);
  if (isnan(value))
    g_assert_true(json_object_get_null_member(estimate, "value"));
  else
    g_assert_cmpfloat(json_object_get_double_member(estimate, "value"), ==, value);
  if (isnan(ci[0])) {
    g_assert_true(json_object_get_null_member(estimate, "ci"));
  } else {
    interval = json_object_get_array_member(estimate, "ci");
    g_assert_cmpuint(json_array_get_length(interval), ==, 2);
    g_assert_cmpfloat(json_array_get_double_element(interval, 0), ==, ci[0]);
    g_assert_cmpfloat(json_array_get_double_element(interval, 1), ==, ci[1]);
  }
  g_assert_cmpint(json_object_has_member(estimate, "ci_cluster"), ==, cluster);
}

/* The JSON printed by the CLI is the contract of the issue, and says the same as the library. */
static void
test_json_contract(void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = write_dataset(0, &dir);
  Run run =
      run_cli("evaluate", "--scores", path, "--json", "--seed", "5", "--replicates", "300", NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(CsScores) scores = NULL;
  g_autoptr(CsEvaluation) evaluation = NULL;
  CsEvaluateOptions options;
  JsonObject *root;
  JsonArray *models, *delong;

  g_assert_cmpint(run.status, ==, 0);
  g_assert_cmpstr(run.err, ==, "");
  json_parser_load_from_data(parser, run.out, -1, &error);
  g_assert_no_error(error);
  root = json_node_get_object(json_parser_get_root(parser));

  scores = cs_scores_load_csv(path, &error);
  g_assert_no_error(error);
  cs_evaluate_options_init(&options);
  options.seed = 5;
  options.replicates = 300;
  evaluation = cs_evaluate(scores, &options, NULL, &error);
  g_assert_no_error(error);

  g_assert_cmpint(json_object_get_int_member(root, "seed"), ==, 5);
  g_assert_cmpint(json_object_get_int_member(root, "replicates"), ==, 300);
  models = json_object_get_array_member(root, "models");
  g_assert_cmpuint(json_array_get_length(models), ==, evaluation->n_models);
  for (guint i = 0; i < json_array_get_length(models); i++) {
    JsonObject *entry = json_array_get_object_element(models, i);
    const CsModelEvaluation *r = &evaluation->models[i];
    JsonObject *confusion = json_object_get_object_member(entry, "confusion");
    JsonArray *roc = json_object_get_array_member(entry, "roc");
    gboolean image = r->level == CS_LEVEL_IMAGE;

    g_assert_cmpstr(json_object_get_string_member(entry, "model"), ==, r->model);
    g_assert_cmpstr(json_object_get_string_member(entry, "level"), ==, cs_level_key(r->level));
    g_assert_cmpint(json_object_get_int_member(entry, "n"), ==, (gint64)r->n);
    g_assert_cmpint(json_object_get_int_member(entry, "hands"), ==, (gint64)r->hands);
    g_assert_cmpint(json_object_get_int_member(confusion, "tp"), ==, (gint64)r->confusion.tp);
    g_assert_cmpint(json_object_get_int_member(confusion, "fp"), ==, (gint64)r->confusion.fp);
    g_assert_cmpint(json_object_get_int_member(confusion, "tn"), ==, (gint64)r->confusion.tn);
    g_assert_cmpint(json_object_get_int_member(confusion, "fn"), ==, (gint64)r->confusion.fn);
    for (int k = 0; k < CS_N_METRICS; k++)
      assert_estimate(entry, cs_metric_key((CsMetric)k), r->metrics[k].value, r->metrics[k].ci,
                      image);
    assert_estimate(entry, "auc", r->auc.value, r->auc.ci, image);
    g_assert_cmpuint(json_array_get_length(roc), ==, r->n_roc);
    /* The first point's threshold is +infinity, which JSON spells null. */
    g_assert_true(
        json_node_is_null(json_array_get_element(json_array_get_array_element(roc, 0), 2)));
    g_assert_cmpfloat(json_array_get_double_element(json_array_get_array_element(roc, 1), 2), ==,
                      r->roc[1].threshold);
  }
  delong = json_object_get_array_member(root, "delong");
  g_assert_cmpuint(json_array_get_length(delong), ==, evaluation->n_delong);
  for (guint i = 0; i < json_array_get_length(delong); i++) {
    JsonObject *entry = json_array_get_object_element(delong, i);
    const CsDelongComparison *c = &evaluation->delong[i];
    g_assert_cmpstr(json_object_get_string_member(entry, "level"), ==, cs_level_key(c->level));
    g_assert_cmpstr(json_object_get_string_member(entry, "a"), ==, c->a);
    g_assert_cmpstr(json_object_get_string_member(entry, "b"), ==, c->b);
    g_assert_cmpfloat(json_object_get_double_member(entry, "auc_a"), ==, c->test.auc_a);
    g_assert_cmpfloat(json_object_get_double_member(entry, "auc_b"), ==, c->test.auc_b);
    g_assert_cmpfloat(json_object_get_double_member(entry, "z"), ==, c->test.statistic);
    g_assert_cmpfloat(json_object_get_double_member(entry, "p"), ==, c->test.p);
    /* Image-level pairs also carry the test clustered by hand. */
    g_assert_cmpint(json_object_has_member(entry, "p_clustered"), ==,
                    c->level == CS_LEVEL_IMAGE && c->test.paired);
  }
  g_assert_true(json_object_has_member(root, "csa"));
  g_assert_cmpfloat(
      json_object_get_double_member(json_object_get_object_member(root, "csa"), "mann_whitney_u"),
      ==, evaluation->csa.test.u);
  run_clear(&run);
  test_remove_tree(dir);
}

/* The same seed gives the same document; another seed moves the bootstrap intervals only. */
static void
test_seed(void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = write_dataset(1, &dir);
  Run a =
      run_cli("evaluate", "--scores", path, "--json", "--seed", "9", "--replicates", "200", NULL);
  Run b =
      run_cli("evaluate", "--scores", path, "--json", "--seed", "9", "--replicates", "200", NULL);
  Run c =
      run_cli("evaluate", "--scores", path, "--json", "--seed", "10", "--replicates", "200", NULL);

  g_assert_cmpint(a.status, ==, 0);
  g_assert_cmpstr(a.out, ==, b.out);
  g_assert_cmpint(c.status, ==, 0);
  g_assert_cmpstr(a.out, !=, c.out);
  run_clear(&a);
  run_clear(&b);
  run_clear(&c);
  test_remove_tree(dir);
}

static void
assert_png(const char *path, int size)
{
  cairo_surface_t *surface = cairo_image_surface_create_from_png(path);

  g_assert_cmpint(cairo_surface_status(surface), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint(cairo_image_surface_get_width(surface), ==, size);
  g_assert_cmpint(cairo_image_surface_get_height(surface), ==, size);
  cairo_surface_destroy(surface);
}

/* The table, and everything --out-dir promises. */
static void
test_table_and_outputs(void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = write_dataset(3, &dir);
  g_autofree char *out_dir = g_build_filename(dir, "results", NULL);
  Run run =
      run_cli("evaluate", "--scores", path, "--replicates", "100", "--out-dir", out_dir, NULL);
  const char *files[] = { "evaluation.json", "evaluation.csv", "delong.csv",
                          "roc.csv",         "roc-image.png",  "roc-hand.png",
                          "roc-image.pdf",   "roc-hand.pdf",   "scores.csv" };

  g_assert_cmpint(run.status, ==, 0);
  g_assert_nonnull(strstr(run.out, "Image level"));
  g_assert_nonnull(strstr(run.out, "Hand level"));
  g_assert_nonnull(strstr(run.out, "DeLong"));
  g_assert_nonnull(strstr(run.out, "Mann-Whitney"));
  /* The "never" model calls nothing CTS: its precision is not a number. */
  g_assert_nonnull(strstr(run.out, "n/a"));
  for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *file = g_build_filename(out_dir, files[i], NULL);
    g_autofree char *contents = NULL;
    gsize length = 0;
    g_assert_true(g_file_get_contents(file, &contents, &length, NULL));
    g_assert_cmpuint(length, >, 100);
    if (g_str_has_suffix(files[i], ".pdf"))
      g_assert_true(g_str_has_prefix(contents, "%PDF-"));
    if (g_str_has_suffix(files[i], ".png"))
      assert_png(file, 960);
  }
  {
    g_autofree char *csv_path = g_build_filename(out_dir, "evaluation.csv", NULL);
    g_autofree char *csv = NULL;
    g_auto(GStrv) lines = NULL;
    g_file_get_contents(csv_path, &csv, NULL, NULL);
    lines = g_strsplit(csv, "\n", -1);
    /* Header, three models at two levels, and the final newline. */
    g_assert_cmpuint(g_strv_length(lines), ==, 1 + 6 + 1);
    g_assert_true(g_str_has_prefix(lines[0], "model,level,n,hands"));
  }
  {
    /* scores.csv reads back through --scores into the very same evaluation. */
    g_autofree char *scores_path = g_build_filename(out_dir, "scores.csv", NULL);
    g_autofree char *json_path = g_build_filename(out_dir, "evaluation.json", NULL);
    g_autofree char *json = NULL;
    Run again = run_cli("evaluate", "--scores", scores_path, "--replicates", "100", "--json", NULL);

    g_assert_cmpint(again.status, ==, 0);
    g_assert_true(g_file_get_contents(json_path, &json, NULL, NULL));
    g_assert_cmpstr(again.out, ==, json);
    run_clear(&again);
  }
  run_clear(&run);
  test_remove_tree(dir);
}

static void assert_fails(int status, const char *expected, const char *first,
                         ...) G_GNUC_NULL_TERMINATED;

static void
assert_fails(int status, const char *expected, const char *first, ...)
{
  const char *args[16] = { NULL };
  int n = 0;
  va_list ap;
  Run run;

  va_start(ap, first);
  for (const char *arg = first; arg != NULL && n < 15; arg = va_arg(ap, const char *))
    args[n++] = arg;
  va_end(ap);
  args[n] = NULL;
  run = run_cli(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], NULL);
  g_assert_cmpint(run.status, ==, status);
  g_assert_cmpstr(run.out, ==, "");
  if (strstr(run.err, expected) == NULL)
    g_error("expected '%s' on stderr, got '%s'", expected, run.err);
  if (status == 1) { /* A runtime error is one line. */
    g_auto(GStrv) lines = g_strsplit(run.err, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 2);
  }
  run_clear(&run);
}

static void
test_errors(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("cs-stats-cli-XXXXXX", &error);
  g_autofree char *bad = g_build_filename(dir, "bad.csv", NULL);
  g_autofree char *missing = g_build_filename(dir, "missing.csv", NULL);

  g_file_set_contents(bad, "hand,frame,label,model,p_cts\nH1,0,cts,a,0.7\nH1,1,cts,a,seven\n", -1,
                      &error);
  g_assert_no_error(error);
  assert_fails(1, "bad.csv:3: p_cts 'seven' is not a number", "evaluate", "--scores", bad, NULL);
  assert_fails(1, "missing.csv", "evaluate", "--scores", missing, NULL);
  assert_fails(1, "missing-study.json", "evaluate", "--study", "missing-study.json", "--model",
               "a.st", NULL);
  assert_fails(2, "give --scores", "evaluate", NULL);
  assert_fails(2, "--threshold", "evaluate", "--scores", bad, "--threshold", "1.5", NULL);
  assert_fails(2, "--replicates", "evaluate", "--scores", bad, "--replicates", "-1", NULL);
  assert_fails(2, "--seed", "evaluate", "--scores", bad, "--seed", "x", NULL);
  assert_fails(2, "cannot be combined", "evaluate", "--scores", bad, "--study", "s.json", NULL);
  assert_fails(2, "--split", "evaluate", "--study", "s.json", "--model", "a", "--split", "some",
               NULL);
  assert_fails(2, "unexpected argument", "evaluate", "--scores", bad, "extra", NULL);
  g_unlink(bad);
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/stats/cli/json-contract", test_json_contract);
  g_test_add_func("/stats/cli/seed", test_seed);
  g_test_add_func("/stats/cli/table-and-outputs", test_table_and_outputs);
  g_test_add_func("/stats/cli/errors", test_errors);
  return g_test_run();
}
