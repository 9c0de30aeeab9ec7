/* test-engine-models.c — model ids and the metadata a model file carries
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "csnn-models.h"

static void
write_model(const char *dir, const char *file_name, const char *const *metadata)
{
  g_autofree char *path = g_build_filename(dir, file_name, NULL);
  float value = 1;
  const csnn_st_tensor tensor = { "w", 1, { 1 }, &value };

  g_assert_cmpint(csnn_safetensors_save(path, &tensor, 1, metadata), ==, CSNN_OK);
}

static void
remove_tree(const char *dir)
{
  GDir *listing = g_dir_open(dir, 0, NULL);
  const char *entry;

  while (listing != NULL && (entry = g_dir_read_name(listing)) != NULL) {
    g_autofree char *path = g_build_filename(dir, entry, NULL);

    if (g_file_test(path, G_FILE_TEST_IS_DIR))
      remove_tree(path);
    else
      g_assert_cmpint(g_remove(path), ==, 0);
  }
  if (listing != NULL)
    g_dir_close(listing);
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void
test_valid_id(void)
{
  g_assert_true(csnn_models_valid_id("squeezenet1_1-phantom"));
  g_assert_false(csnn_models_valid_id(".hidden"));
  g_assert_false(csnn_models_valid_id("a/b"));
  g_assert_false(csnn_models_valid_id(""));
  g_assert_false(csnn_models_valid_id(NULL));
}

static int
meta_of(const char *const *metadata, csnn_model_meta *meta)
{
  g_autofree char *dir = g_dir_make_tmp("csnn-models-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "m.safetensors", NULL);
  csnn_safetensors *st = NULL;
  int status;

  write_model(dir, "m.safetensors", metadata);
  g_assert_cmpint(csnn_safetensors_open(path, &st), ==, CSNN_OK);
  status = csnn_model_meta_read(st, meta);
  csnn_safetensors_close(st);
  remove_tree(dir);
  return status;
}

static void
test_meta(void)
{
  const char *full[] = { CSNN_META_ARCH,
                         "mobilenet_v2",
                         CSNN_META_CLASSES,
                         "control, cts",
                         CSNN_META_INPUT_SIZE,
                         "256",
                         CSNN_META_MEAN,
                         "0.5,0.25,-1.5e-1",
                         CSNN_META_STD,
                         "0.5",
                         NULL };
  const char *json_lists[] = { CSNN_META_CLASSES,
                               "[\"control\", \"cts, \\\"severe\\\"\", \"a\\/b\"]",
                               CSNN_META_MEAN,
                               "[0.485, 0.456, 0.406]",
                               CSNN_META_STD,
                               " [0.229,0.224,0.225] ",
                               NULL };
  csnn_model_meta meta;

  g_assert_cmpint(meta_of(NULL, &meta), ==, CSNN_OK);
  g_assert_cmpstr(meta.arch, ==, "");
  g_assert_cmpint(meta.n_classes, ==, 0);
  g_assert_cmpint(meta.input_size, ==, 224);
  g_assert_cmpfloat(meta.mean[0], ==, 0.485f);
  g_assert_cmpfloat(meta.std[2], ==, 0.225f);

  g_assert_cmpint(meta_of(full, &meta), ==, CSNN_OK);
  g_assert_cmpstr(meta.arch, ==, "mobilenet_v2");
  g_assert_cmpint(meta.n_classes, ==, 2);
  g_assert_cmpstr(meta.classes[0], ==, "control");
  g_assert_cmpstr(meta.classes[1], ==, "cts");
  g_assert_cmpint(meta.input_size, ==, 256);
  g_assert_cmpfloat_with_epsilon(meta.mean[1], 0.25f, 1e-7);
  g_assert_cmpfloat_with_epsilon(meta.mean[2], -0.15f, 1e-7);
  g_assert_cmpfloat(meta.std[0], ==, 0.5f);
  g_assert_cmpfloat(meta.std[2], ==, 0.5f);

  /* Lists as JSON text, as json.dumps() writes them. */
  g_assert_cmpint(meta_of(json_lists, &meta), ==, CSNN_OK);
  g_assert_cmpint(meta.n_classes, ==, 3);
  g_assert_cmpstr(meta.classes[0], ==, "control");
  g_assert_cmpstr(meta.classes[1], ==, "cts, \"severe\"");
  g_assert_cmpstr(meta.classes[2], ==, "a/b");
  g_assert_cmpfloat_with_epsilon(meta.mean[0], 0.485f, 1e-7);
  g_assert_cmpfloat_with_epsilon(meta.mean[2], 0.406f, 1e-7);
  g_assert_cmpfloat_with_epsilon(meta.std[1], 0.224f, 1e-7);
}

static void
test_meta_refused(void)
{
  static const char *const bad[][2] = {
    { CSNN_META_CLASSES, "control,,cts" },
    { CSNN_META_CLASSES, "" },
    { CSNN_META_INPUT_SIZE, "224px" },
    { CSNN_META_INPUT_SIZE, "0" },
    { CSNN_META_INPUT_SIZE, "99999999" },
    { CSNN_META_MEAN, "0.4,0.4" },
    { CSNN_META_MEAN, "0.4,0.4,0.4,0.4" },
    { CSNN_META_MEAN, "a,b,c" },
    { CSNN_META_STD, "0.2,0,0.2" },
    { CSNN_META_STD, "0.2,-0.2,0.2" },
    { CSNN_META_ARCH, "" },
    { CSNN_META_CLASSES, "[]" },
    { CSNN_META_CLASSES, "[\"a\", ]" },
    { CSNN_META_CLASSES, "[\"a\"" },
    { CSNN_META_CLASSES, "[\"a\"] x" },
    { CSNN_META_CLASSES, "[\"a\\u0041\"]" },
    { CSNN_META_MEAN, "[0.4, 0.4, 0.4" },
    { CSNN_META_MEAN, "[0.4, 0.4]" },
  };
  csnn_model_meta meta;

  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    const char *metadata[] = { bad[i][0], bad[i][1], NULL };
    g_autofree char *expected = g_strdup_printf("metadata '%s'", bad[i][0]);

    g_assert_cmpint(meta_of(metadata, &meta), ==, CSNN_ERR_FORMAT);
    g_test_message("%s=%s -> %s", bad[i][0], bad[i][1], csnn_last_error());
    g_assert_nonnull(strstr(csnn_last_error(), expected));
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/models/valid-id", test_valid_id);
  g_test_add_func("/engine/models/meta", test_meta);
  g_test_add_func("/engine/models/meta-refused", test_meta_refused);
  return g_test_run();
}
