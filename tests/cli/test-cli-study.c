/* test-cli-study.c — a study through the CLI: phantom-study, then evaluate --study on it
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli-run.h"
#include "test-files.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

typedef struct {
  char *dir;
  char *study;
  char *models;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *model = NULL;
  const char *maker = g_getenv("CARPALSCOPE_MAKE_TEST_MODEL");
  CliResult r;
  int status = 0;

  f->dir = g_dir_make_tmp("cs-cli-study-XXXXXX", &error);
  g_assert_no_error(error);
  f->study = g_build_filename(f->dir, "study", "study.json", NULL);
  f->models = g_build_filename(f->dir, "models", NULL);
  g_assert_cmpint(g_mkdir(f->models, 0755), ==, 0);
  model = g_build_filename(f->models, "random-squeezenet.safetensors", NULL);

  {
    g_autofree char *out = g_build_filename(f->dir, "study", NULL);
    const char *args[] = { "phantom-study",
                           "--hands-per-group",
                           "2",
                           "--test-per-group",
                           "1",
                           "--frames",
                           "6",
                           "--seed",
                           "7",
                           "--quiet",
                           "--out",
                           out,
                           NULL };

    r = cli_runv(args);
    g_assert_cmpstr(r.err, ==, "");
    g_assert_cmpint(r.status, ==, 0);
    cli_result_clear(&r);
  }
  {
    const char *argv[] = { maker, "squeezenet1_1", model, NULL };

    g_assert_nonnull(maker);
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                 &error);
    g_assert_no_error(error);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
  }
  g_setenv("CARPALSCOPE_MODELSDIR", f->models, TRUE);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  test_remove_tree(f->dir);
  g_free(f->dir);
  g_free(f->study);
  g_free(f->models);
}

/* evaluate --study classifies every frame of every labelled hand and reports both levels. */
static void
test_evaluate_study(Fixture *f, gconstpointer data)
{
  CliResult r = cli_run("evaluate", "--study", f->study, "--model", "random-squeezenet", "--split",
                        "all", "--replicates", "50", "--json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  JsonObject *root, *image = NULL, *hand = NULL;
  JsonArray *models;

  g_test_message("stderr: %s", r.err);
  g_assert_cmpint(r.status, ==, 0);
  json_parser_load_from_data(parser, r.out, -1, &error);
  g_assert_no_error(error);
  root = json_node_get_object(json_parser_get_root(parser));
  models = json_object_get_array_member(root, "models");
  for (guint i = 0; i < json_array_get_length(models); i++) {
    JsonObject *m = json_array_get_object_element(models, i);

    g_assert_cmpstr(json_object_get_string_member(m, "model"), ==, "random-squeezenet");
    if (g_str_equal(json_object_get_string_member(m, "level"), "image"))
      image = m;
    else
      hand = m;
  }
  g_assert_nonnull(image);
  g_assert_nonnull(hand);
  /* Four hands of six frames each. */
  g_assert_cmpint(json_object_get_int_member(image, "n"), ==, 24);
  g_assert_cmpint(json_object_get_int_member(image, "hands"), ==, 4);
  g_assert_cmpint(json_object_get_int_member(hand, "n"), ==, 4);
  g_assert_true(json_object_has_member(root, "csa"));
  cli_result_clear(&r);

  /* The test split alone holds one hand of each group. */
  r = cli_run("evaluate", "--study", f->study, "--model", "random-squeezenet", "--replicates", "0",
              "--json", NULL);
  g_assert_cmpint(r.status, ==, 0);
  {
    g_autoptr(JsonParser) test_parser = json_parser_new();
    JsonArray *test_models;

    json_parser_load_from_data(test_parser, r.out, -1, &error);
    g_assert_no_error(error);
    test_models = json_object_get_array_member(
        json_node_get_object(json_parser_get_root(test_parser)), "models");
    for (guint i = 0; i < json_array_get_length(test_models); i++)
      g_assert_cmpint(
          json_object_get_int_member(json_array_get_object_element(test_models, i), "hands"), ==,
          2);
  }
  cli_result_clear(&r);

  /* The tables show progress on stderr; -q keeps it quiet. */
  r = cli_run("evaluate", "--study", f->study, "--model", "random-squeezenet", "--replicates", "0",
              NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.err, "Scoring hands: 2 of 2"));
  g_assert_nonnull(strstr(r.out, "random-squeezenet"));
  cli_result_clear(&r);
  r = cli_run("evaluate", "--study", f->study, "--model", "random-squeezenet", "--replicates", "0",
              "-q", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_cmpstr(r.err, ==, "");
  g_assert_nonnull(strstr(r.out, "random-squeezenet"));
  cli_result_clear(&r);
}

/* An unknown model is one clear line, naming it. */
static void
test_evaluate_study_unknown_model(Fixture *f, gconstpointer data)
{
  CliResult r = cli_run("evaluate", "--study", f->study, "--model", "no-such-model", NULL);

  g_assert_cmpint(r.status, ==, 1);
  g_assert_nonnull(strstr(r.err, "no-such-model"));
  g_assert_cmpstr(r.out, ==, "");
  cli_result_clear(&r);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/cli/study/evaluate", Fixture, NULL, fixture_set_up, test_evaluate_study,
             fixture_tear_down);
  g_test_add("/cli/study/evaluate-unknown-model", Fixture, NULL, fixture_set_up,
             test_evaluate_study_unknown_model, fixture_tear_down);
  return g_test_run();
}
