/* test-core-crop-export.c — exported crops are the pixels the network is given
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A study of three hands on numbered PGM sweeps written here, two with ROI keyframes that move
 * (so that interpolation matters) and one without, and a seeded random model made by
 * make-test-model. Every exported crop, read back from its file, gives the model the same
 * p(CTS) as the analysis of its frame; the CSV names each crop with its hand, frame, label,
 * split and spacing; the hand without an ROI is reported as skipped; a split exports only its
 * hands.
 *
 * Usage: test-core-crop-export MAKE_TEST_MODEL
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "cs-crop-export.h"
#include "cs-error.h"
#include "cs-study-edit.h"
#include "cs-train.h"

#include "test-files.h"
#include "test-model.h"

/* The side the test model takes (make-test-model writes no input size: 224). */
#define SIZE 224

static const char *make_model;

static void
write_pgm_sweep(const char *dir, int n, int seed)
{
  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  for (int i = 0; i < n; i++) {
    g_autofree char *name = g_strdup_printf("f-%d.pgm", i + 1);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GString) pgm = g_string_new("P5\n80 60\n255\n");

    for (int p = 0; p < 80 * 60; p++)
      g_string_append_c(pgm, (char)((p * 7 + (p / 80) * 13 + i * 31 + seed * 5) & 0xff));
    g_assert_true(g_file_set_contents(path, pgm->str, (gssize)pgm->len, NULL));
  }
}

/* Reads a SIZE x SIZE binary PGM written by the export. */
static guint8 *
read_crop(const char *path)
{
  g_autofree char *data = NULL;
  const char *header = "P5\n224 224\n255\n";
  gsize len = 0;

  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  g_assert_cmpuint(len, ==, strlen(header) + SIZE * SIZE);
  g_assert_cmpint(memcmp(data, header, strlen(header)), ==, 0);
  return g_memdup2(data + strlen(header), SIZE * SIZE);
}

static CsStudy *
make_study(const char *dir)
{
  g_autoptr(GError) error = NULL;
  CsStudy *study = cs_study_create_in(dir, &error);
  const CsGroup groups[3] = { CS_GROUP_CTS, CS_GROUP_CONTROL, CS_GROUP_CTS };
  const CsSplit splits[3] = { CS_SPLIT_TEST, CS_SPLIT_TRAIN, CS_SPLIT_TEST };

  g_assert_no_error(error);
  for (int h = 0; h < 3; h++) {
    g_autofree char *name = g_strdup_printf("hand-%d", h);
    g_autofree char *sweep = g_build_filename(dir, name, NULL);
    CsCase *c;

    write_pgm_sweep(sweep, h == 0 ? 3 : 2, h);
    c = cs_study_add_sweep(study, sweep, &error);
    g_assert_no_error(error);
    cs_case_set_group(c, groups[h]);
    cs_case_set_split(c, splits[h]);
    if (h < 2) {
      CsRoiKeyframe first = { .frame = 0, .x = 10, .y = 8, .size_px = 30 };
      CsRoiKeyframe last = { .frame = 2, .x = 30, .y = 20, .size_px = 36 };

      g_assert_true(cs_case_set_roi_keyframe(c, &first, &error));
      g_assert_true(cs_case_set_roi_keyframe(c, &last, &error));
    }
  }
  return study;
}

static void
test_crops_are_what_the_network_sees(void)
{
  g_autofree char *work = g_dir_make_tmp("cs-crop-export-XXXXXX", NULL);
  g_autofree char *model_path = g_build_filename(work, "tiny.safetensors", NULL);
  g_autofree char *study_dir = g_build_filename(work, "study", NULL);
  g_autofree char *out = g_build_filename(work, "out", NULL);
  g_autofree char *csv_path = g_build_filename(out, "crops.csv", NULL);
  g_autofree char *csv = NULL;
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = NULL;
  g_autoptr(CsModel) model = NULL;
  g_auto(GStrv) lines = NULL;
  CsCropExportOptions options = { .all_splits = TRUE, .size = SIZE };
  int row = 1;

  test_model_make(make_model, model_path, 0);
  model = cs_model_new_for_file(model_path, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpint(cs_model_get_input_size(model), ==, SIZE);
  study = make_study(study_dir);

  g_assert_cmpint(cs_crop_export(study, &options, out, skipped, NULL, NULL, NULL, &error), ==, 5);
  g_assert_no_error(error);
  g_assert_cmpuint(skipped->len, ==, 1);
  g_assert_cmpstr(g_ptr_array_index(skipped, 0), ==, "hand-2");

  {
    /* crops.json says what they were cut from, as a model trained on them will. */
    g_autofree char *json_path = g_build_filename(out, "crops.json", NULL);
    g_autofree char *trained_on = cs_train_describe_study(study);
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *info;

    g_assert_true(json_parser_load_from_file(parser, json_path, &error));
    info = json_node_get_object(json_parser_get_root(parser));
    g_assert_cmpint(json_object_get_int_member(info, "crops"), ==, 5);
    g_assert_cmpint(json_object_get_int_member(info, "size"), ==, SIZE);
    g_assert_cmpstr(json_object_get_string_member(info, "split"), ==, "all");
    g_assert_cmpstr(json_object_get_string_member(info, "trained_on"), ==, trained_on);
    g_assert_cmpstr(json_object_get_string_member(info, "study"), ==, cs_study_get_path(study));
  }
  g_assert_true(g_file_get_contents(csv_path, &csv, NULL, NULL));
  lines = g_strsplit(g_strstrip(csv), "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 6);
  g_assert_cmpstr(lines[0], ==, "hand,frame,label,split,spacing_mm,path");
  for (int h = 0; h < 2; h++) {
    CsCase *c = cs_study_get_case(study, (guint)h);
    g_autofree char *sweep_path = cs_study_dup_sweep_path(study, c);
    g_autoptr(CsSweep) sweep = cs_sweep_open(sweep_path, &error);
    g_autoptr(CsModelResult) result = NULL;

    g_assert_no_error(error);
    result = cs_analyse_case(sweep, c, model, 0.5, -1, -1, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    CsCrop crops[3];
    guint8 *pixels[3];
    float p_cts[3];

    g_assert_cmpuint(result->n_frames, <=, 3);
    for (guint f = 0; f < result->n_frames; f++, row++) {
      g_auto(GStrv) fields = g_strsplit(lines[row], ",", -1);
      g_autofree char *crop_path = NULL;

      g_assert_cmpuint(g_strv_length(fields), ==, 6);
      g_assert_cmpstr(fields[0], ==, cs_case_get_id(c));
      g_assert_cmpint(atoi(fields[1]), ==, (int)result->frames[f]);
      g_assert_cmpstr(fields[2], ==, h == 0 ? "cts" : "control");
      g_assert_cmpstr(fields[3], ==, h == 0 ? "test" : "train");
      crop_path = g_build_filename(out, fields[5], NULL);
      pixels[f] = read_crop(crop_path);
      crops[f] = (CsCrop){ pixels[f], SIZE, SIZE, SIZE };
    }
    /* The same pixels through the same network in the same batch: the same answer, to the
     * bit. */
    g_assert_true(
        cs_model_classify(model, crops, (int)result->n_frames, NULL, p_cts, NULL, &error));
    g_assert_no_error(error);
    for (guint f = 0; f < result->n_frames; f++) {
      g_assert_cmpfloat((double)p_cts[f], ==, (double)(float)result->p_cts[f]);
      g_free(pixels[f]);
    }
  }

  /* One split: only its hands with an ROI, here the first. */
  options.all_splits = FALSE;
  options.split = CS_SPLIT_TRAIN;
  g_ptr_array_set_size(skipped, 0);
  g_assert_cmpint(cs_crop_export(study, &options, out, skipped, NULL, NULL, NULL, &error), ==, 2);
  g_assert_cmpuint(skipped->len, ==, 0);
  options.split = CS_SPLIT_VALIDATION;
  g_assert_cmpint(cs_crop_export(study, &options, out, NULL, NULL, NULL, NULL, &error), ==, -1);
  g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
  g_clear_error(&error);
  options.size = 4;
  g_assert_cmpint(cs_crop_export(study, &options, out, NULL, NULL, NULL, NULL, &error), ==, -1);
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  test_remove_tree(work);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  if (argc < 2)
    g_error("usage: %s MAKE_TEST_MODEL", argv[0]);
  make_model = argv[1];
  g_test_add_func("/crop-export/crops-are-what-the-network-sees",
                  test_crops_are_what_the_network_sees);
  return g_test_run();
}
