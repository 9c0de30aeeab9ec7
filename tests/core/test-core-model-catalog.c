/* test-core-model-catalog.c — the model catalogue: folders, listing, skipped files, loading
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cs-error.h"
#include "cs-model-catalog.h"
#include "csnn-models.h"
#include "csnn-net.h"

static void
write_model(const char *dir, const char *file_name, const char *const *metadata)
{
  g_autofree char *path = g_build_filename(dir, file_name, NULL);
  float value = 1;
  const csnn_st_tensor tensor = { "w", 1, { 1 }, &value };

  g_assert_cmpint(csnn_safetensors_save(path, &tensor, 1, metadata), ==, CSNN_OK);
}

/* Two folders: "first" comes before "second", and both hold "zz-shared". */
typedef struct {
  char *root;
  char *first;
  char *second;
} Fixture;

/* Every test has its own temporary home (G_TEST_OPTION_ISOLATE_DIRS), removed after it. */
static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  f->root = g_build_filename(g_get_user_cache_dir(), "catalog", NULL);
  f->first = g_build_filename(f->root, "first", NULL);
  f->second = g_build_filename(f->root, "second", NULL);
  g_assert_cmpint(g_mkdir_with_parents(f->first, 0755), ==, 0);
  g_assert_cmpint(g_mkdir_with_parents(f->second, 0755), ==, 0);
  write_model(f->first, "zz-b.safetensors", NULL);
  write_model(f->first, "zz-shared.safetensors", NULL);
  write_model(f->second, "zz-shared.safetensors", NULL);
  write_model(f->second, "zz-a.safetensors", NULL);
  write_model(f->second, ".zz-hidden.safetensors", NULL);
  write_model(f->second, "zz-other.bin", NULL);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  g_free(f->root);
  g_free(f->first);
  g_free(f->second);
}

static CsModelCatalog *
catalog_of(Fixture *f)
{
  const char *folders[] = { f->first, f->second, f->first, NULL };

  return cs_model_catalog_new_for_folders(folders);
}

/* The ids listed, joined by spaces. */
static char *
listed_ids(GListModel *list)
{
  g_autoptr(GString) ids = g_string_new(NULL);

  for (guint i = 0; i < g_list_model_get_n_items(list); i++) {
    g_autoptr(CsModelInfo) info = g_list_model_get_item(list, i);

    g_string_append_printf(ids, "%s%s", i ? " " : "", cs_model_info_get_id(info));
  }
  return g_strdup(ids->str);
}

static void
test_order(void)
{
  g_autofree char *user = cs_model_catalog_dup_user_folder();
  g_autoptr(CsModelCatalog) catalog = NULL;
  const char *const *folders;
  guint n;

  g_assert_true(g_setenv("CARPALSCOPE_MODELSDIR", "/tmp/zz-a::/tmp/zz-b:/tmp/zz-a", TRUE));
  catalog = cs_model_catalog_new();
  folders = cs_model_catalog_get_folders(catalog);
  n = g_strv_length((char **)folders);
  g_assert_cmpstr(folders[0], ==, "/tmp/zz-a");
  g_assert_cmpstr(folders[1], ==, "/tmp/zz-b");
  g_assert_cmpstr(folders[2], ==, user);
  g_assert_true(g_str_has_prefix(user, g_get_user_data_dir()));
  g_assert_true(g_str_has_suffix(user, "/carpalscope/models"));
  /* This test runs from the build tree, so the build's folder comes before the installed one. */
  g_assert_cmpuint(n, ==, 5);
  g_assert_cmpstr(folders[3], ==, BUILD_MODELSDIR);
  g_assert_cmpstr(folders[4], ==, MODELSDIR);

  /* An explicit list is taken in order, each folder once. */
  {
    const char *mine[] = { "/x", "", "/y", "/x", NULL };
    g_autoptr(CsModelCatalog) explicit = cs_model_catalog_new_for_folders(mine);

    folders = cs_model_catalog_get_folders(explicit);
    g_assert_cmpuint(g_strv_length((char **)folders), ==, 2);
    g_assert_cmpstr(folders[0], ==, "/x");
    g_assert_cmpstr(folders[1], ==, "/y");
  }
}

static void
test_user_folder(void)
{
  g_autofree char *user = cs_model_catalog_dup_user_folder();
  g_autofree char *env_folder = g_build_filename(g_get_user_cache_dir(), "env", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsModelCatalog) catalog = NULL;
  g_autofree char *made = NULL;
  CsModelInfo *info;

  g_assert_cmpint(g_mkdir_with_parents(env_folder, 0755), ==, 0);
  g_assert_true(g_setenv("CARPALSCOPE_MODELSDIR", env_folder, TRUE));
  catalog = cs_model_catalog_new();
  /* Reading the folders creates nothing. */
  g_list_model_get_n_items(G_LIST_MODEL(catalog));
  g_assert_false(g_file_test(user, G_FILE_TEST_EXISTS));

  made = cs_model_catalog_ensure_user_folder(&error);
  g_assert_no_error(error);
  g_assert_cmpstr(made, ==, user);
  g_assert_true(g_file_test(user, G_FILE_TEST_IS_DIR));
  write_model(user, "zz-mine.safetensors", NULL);
  g_assert_null(cs_model_catalog_lookup(catalog, "zz-mine"));
  cs_model_catalog_rescan(catalog);
  info = cs_model_catalog_lookup(catalog, "zz-mine");
  g_assert_nonnull(info);
  g_assert_cmpstr(cs_model_info_get_folder(info), ==, user);

  /* $CARPALSCOPE_MODELSDIR comes first and hides the user's model of the same id. */
  write_model(env_folder, "zz-mine.safetensors", NULL);
  cs_model_catalog_rescan(catalog);
  info = cs_model_catalog_lookup(catalog, "zz-mine");
  g_assert_cmpstr(cs_model_info_get_folder(info), ==, env_folder);

  /* Asking again is no error. */
  g_free(cs_model_catalog_ensure_user_folder(&error));
  g_assert_no_error(error);
}

static void
test_duplicates(Fixture *f, gconstpointer data)
{
  g_autoptr(CsModelCatalog) catalog = catalog_of(f);
  g_autofree char *ids = listed_ids(G_LIST_MODEL(catalog));
  g_autofree char *shared = g_build_filename(f->first, "zz-shared.safetensors", NULL);
  g_autofree char *a = g_build_filename(f->second, "zz-a.safetensors", NULL);
  CsModelInfo *info;

  g_assert_cmpuint(g_list_model_get_item_type(G_LIST_MODEL(catalog)), ==, CS_TYPE_MODEL_INFO);
  g_assert_cmpstr(ids, ==, "zz-a zz-b zz-shared");
  info = cs_model_catalog_lookup(catalog, "zz-shared");
  g_assert_cmpstr(cs_model_info_get_path(info), ==, shared);
  g_assert_cmpstr(cs_model_info_get_folder(info), ==, f->first);
  g_assert_cmpstr(cs_model_info_get_path(cs_model_catalog_lookup(catalog, "zz-a")), ==, a);
  g_assert_cmpuint(cs_model_catalog_find(catalog, "zz-b"), ==, 1);
  g_assert_cmpuint(cs_model_catalog_find(catalog, "zz-hidden"), ==, G_MAXUINT);
  g_assert_cmpuint(cs_model_catalog_find(catalog, ".zz-hidden"), ==, G_MAXUINT);
  g_assert_null(cs_model_catalog_lookup(catalog, "zz-other"));
  g_assert_null(g_list_model_get_item(G_LIST_MODEL(catalog), 3));
  g_assert_cmpuint(g_list_model_get_n_items(cs_model_catalog_get_skipped(catalog)), ==, 0);
}

static void
test_skipped(Fixture *f, gconstpointer data)
{
  const char *bad_classes[] = { CSNN_META_CLASSES, "control,,cts", NULL };
  g_autofree char *broken = g_build_filename(f->first, "zz-broken.safetensors", NULL);
  g_autoptr(CsModelCatalog) catalog = NULL;
  g_autofree char *ids = NULL, *skipped_ids = NULL;
  GListModel *skipped;
  g_autoptr(CsModelInfo) first = NULL, second = NULL;

  g_assert_true(g_file_set_contents(broken, "\x09\0\0\0\0\0\0\0{}", 10, NULL));
  write_model(f->second, "zz-meta.safetensors", bad_classes);
  /* A broken file hides the same id in a later folder: the first file of an id is the model. */
  write_model(f->second, "zz-broken.safetensors", NULL);

  catalog = catalog_of(f);
  ids = listed_ids(G_LIST_MODEL(catalog));
  g_assert_cmpstr(ids, ==, "zz-a zz-b zz-shared");
  skipped = cs_model_catalog_get_skipped(catalog);
  skipped_ids = listed_ids(skipped);
  g_assert_cmpstr(skipped_ids, ==, "zz-broken zz-meta");
  first = g_list_model_get_item(skipped, 0);
  second = g_list_model_get_item(skipped, 1);
  g_test_message("%s: %s", cs_model_info_get_path(first), cs_model_info_get_error(first));
  g_test_message("%s: %s", cs_model_info_get_path(second), cs_model_info_get_error(second));
  g_assert_cmpstr(cs_model_info_get_path(first), ==, broken);
  g_assert_nonnull(strstr(cs_model_info_get_error(first), "header"));
  g_assert_nonnull(strstr(cs_model_info_get_error(second), "metadata 'classes'"));
  g_assert_null(cs_model_info_get_sha256(first));

  /* Loading the broken id names the broken file, not the one it hides. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CsModel) model = cs_model_catalog_load(catalog, "zz-broken", NULL, &error);

    g_assert_null(model);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, broken));
  }
}

static void
test_resolve(Fixture *f, gconstpointer data)
{
  g_autoptr(CsModelCatalog) catalog = catalog_of(f);
  g_autofree char *shared = g_build_filename(f->first, "zz-shared.safetensors", NULL);
  g_autofree char *a = g_build_filename(f->second, "zz-a.safetensors", NULL);
  g_autofree char *cwd = g_get_current_dir();
  g_autoptr(GError) error = NULL;
  char *path;

  path = cs_model_catalog_resolve(catalog, "zz-shared", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(path, ==, shared);
  g_free(path);

  /* A path is taken as it is. */
  path = cs_model_catalog_resolve(catalog, a, &error);
  g_assert_cmpstr(path, ==, a);
  g_free(path);

  /* A plain file name in the current directory, and one with the extension. */
  g_assert_cmpint(g_chdir(f->second), ==, 0);
  write_model(f->second, "plain", NULL);
  path = cs_model_catalog_resolve(catalog, "plain", &error);
  g_assert_cmpstr(path, ==, "plain");
  g_free(path);
  path = cs_model_catalog_resolve(catalog, "zz-a.safetensors", &error);
  g_assert_cmpstr(path, ==, "zz-a.safetensors");
  g_free(path);
  g_assert_cmpint(g_chdir(cwd), ==, 0);
  g_assert_no_error(error);

  g_assert_null(cs_model_catalog_resolve(catalog, "zz-absent", &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, "no installed model 'zz-absent'"));
  g_assert_nonnull(strstr(error->message, f->first));
  g_clear_error(&error);
  g_assert_null(cs_model_catalog_resolve(catalog, "./absent.safetensors", &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, "./absent.safetensors"));
  g_clear_error(&error);
  g_assert_null(cs_model_catalog_resolve(catalog, f->first, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_assert_null(cs_model_catalog_resolve(catalog, "", &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
}

static void
test_load_arch(Fixture *f, gconstpointer data)
{
  /* SqueezeNet weights whose metadata names the wrong architecture. */
  const char *metadata[] = { CSNN_META_ARCH, "mobilenet_v2", CSNN_META_CLASSES,
                             "[\"control\",\"cts\"]", NULL };
  g_autofree char *path = g_build_filename(f->first, "zz-squeeze.safetensors", NULL);
  g_autoptr(CsModelCatalog) catalog = catalog_of(f);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsModel) wrong = NULL, right = NULL;
  csnn_net *net = NULL;
  CsModelInfo *info;

  g_assert_cmpint(csnn_net_new("squeezenet1_1", 2, &net), ==, CSNN_OK);
  g_assert_cmpint(csnn_net_save(net, path, metadata), ==, CSNN_OK);
  csnn_net_free(net);

  wrong = cs_model_catalog_load(catalog, "zz-squeeze", NULL, &error);
  g_assert_null(wrong);
  g_assert_nonnull(error);
  g_test_message("%s", error->message);
  g_clear_error(&error);

  right = cs_model_catalog_load(catalog, "zz-squeeze", "squeezenet1_1", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(cs_model_get_id(right), ==, "zz-squeeze");
  g_assert_cmpstr(cs_model_get_path(right), ==, path);
  g_assert_cmpstr(cs_model_get_arch(right), ==, "squeezenet1_1");
  info = cs_model_catalog_lookup(catalog, "zz-squeeze");
  g_assert_nonnull(info);
  g_assert_cmpstr(cs_model_info_get_arch(info), ==, "mobilenet_v2");
  g_assert_cmpstr(cs_model_info_get_sha256(info), ==, cs_model_get_sha256(right));
}

static void
items_changed_cb(GListModel *list, guint position, guint removed, guint added, guint *calls)
{
  g_assert_cmpuint(position, ==, 0);
  (*calls)++;
}

static void
test_rescan(Fixture *f, gconstpointer data)
{
  g_autoptr(CsModelCatalog) catalog = catalog_of(f);
  g_autoptr(CsModelInfo) a_before = NULL, a_after = NULL, shared_after = NULL;
  g_autofree char *shared = g_build_filename(f->first, "zz-shared.safetensors", NULL);
  const char *metadata[] = { CSNN_META_TRAINED_ON, "something else", NULL };
  guint calls = 0;

  g_signal_connect(catalog, "items-changed", G_CALLBACK(items_changed_cb), &calls);
  g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(catalog)), ==, 3);
  g_assert_cmpuint(calls, ==, 0);
  a_before = g_list_model_get_item(G_LIST_MODEL(catalog), 0);

  /* Nothing changed: no signal, the same items. */
  cs_model_catalog_rescan(catalog);
  g_assert_cmpuint(calls, ==, 0);

  /* A new model: one signal; the unchanged models keep their items. */
  write_model(f->second, "zz-c.safetensors", NULL);
  cs_model_catalog_rescan(catalog);
  g_assert_cmpuint(calls, ==, 1);
  g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(catalog)), ==, 4);
  a_after = g_list_model_get_item(G_LIST_MODEL(catalog), 0);
  g_assert_true(a_before == a_after);

  /* Weights replaced in place are a new item. */
  write_model(f->first, "zz-shared.safetensors", metadata);
  cs_model_catalog_rescan(catalog);
  g_assert_cmpuint(calls, ==, 2);
  shared_after = g_object_ref(cs_model_catalog_lookup(catalog, "zz-shared"));
  g_assert_cmpstr(cs_model_info_get_trained_on(shared_after), ==, "something else");

  /* A model removed. */
  g_assert_cmpint(g_remove(shared), ==, 0);
  cs_model_catalog_rescan(catalog);
  g_assert_cmpuint(calls, ==, 3);
  /* The second folder's model of that id is no longer hidden. */
  g_assert_cmpstr(cs_model_info_get_folder(cs_model_catalog_lookup(catalog, "zz-shared")), ==,
                  f->second);
  g_signal_handlers_disconnect_by_func(catalog, items_changed_cb, &calls);
}

static void
test_info(Fixture *f, gconstpointer data)
{
  const char *metadata[] = { CSNN_META_ARCH,
                             "mobilenet_v2",
                             CSNN_META_CLASSES,
                             "control, cts",
                             CSNN_META_INPUT_SIZE,
                             "112",
                             CSNN_META_TRAINED_ON,
                             "synthetic phantom sweeps",
                             "model_card",
                             "# zz-card\n",
                             "notice",
                             "not for patients",
                             NULL };
  g_autofree char *path = g_build_filename(f->first, "zz-info.safetensors", NULL);
  g_autofree char *card_path = g_build_filename(f->second, "zz-a.md", NULL);
  CsModelInfo *info = cs_model_info_new_for_file(path, f->first);
  g_autofree char *plain_path = g_build_filename(f->second, "zz-a.safetensors", NULL);
  CsModelInfo *plain;
  g_autofree char *id = NULL, *card = NULL;
  g_auto(GStrv) classes = NULL;
  gboolean phantom = FALSE;
  int input_size = 0;

  /* No file yet: an info that says why. */
  g_assert_nonnull(cs_model_info_get_error(info));
  g_assert_cmpstr(cs_model_info_get_id(info), ==, "zz-info");
  g_assert_finalize_object(info);

  write_model(f->first, "zz-info.safetensors", metadata);
  info = cs_model_info_new_for_file(path, f->first);
  g_assert_null(cs_model_info_get_error(info));
  g_assert_cmpstr(cs_model_info_get_id(info), ==, "zz-info");
  g_assert_cmpstr(cs_model_info_get_arch(info), ==, "mobilenet_v2");
  g_assert_cmpstr(cs_model_info_get_classes(info)[1], ==, "cts");
  g_assert_null(cs_model_info_get_classes(info)[2]);
  g_assert_cmpint(cs_model_info_get_input_size(info), ==, 112);
  g_assert_cmpfloat_with_epsilon(cs_model_info_get_mean(info)[0], 0.485f, 1e-7);
  g_assert_true(cs_model_info_is_phantom_trained(info));
  g_assert_cmpstr(cs_model_info_get_card(info), ==, "# zz-card\n");
  g_assert_cmpstr(cs_model_info_get_metadata(info, "notice"), ==, "not for patients");
  g_assert_null(cs_model_info_get_metadata(info, "date"));
  g_assert_cmpuint(cs_model_info_get_n_tensors(info), ==, 1);
  g_assert_cmpuint(strlen(cs_model_info_get_sha256(info)), ==, 64);
  g_object_get(info, "id", &id, "classes", &classes, "input-size", &input_size, "phantom-trained",
               &phantom, "card", &card, NULL);
  g_assert_cmpstr(id, ==, "zz-info");
  g_assert_cmpuint(g_strv_length(classes), ==, 2);
  g_assert_cmpint(input_size, ==, 112);
  g_assert_true(phantom);
  g_assert_cmpstr(card, ==, "# zz-card\n");
  g_assert_finalize_object(info);

  /* Without metadata: defaults, and the Markdown card beside the weights. */
  g_assert_true(g_file_set_contents(card_path, "# zz-a\n", -1, NULL));
  plain = cs_model_info_new_for_file(plain_path, NULL);
  g_assert_cmpstr(cs_model_info_get_arch(plain), ==, "");
  g_assert_null(cs_model_info_get_classes(plain)[0]);
  g_assert_cmpint(cs_model_info_get_input_size(plain), ==, 224);
  g_assert_null(cs_model_info_get_trained_on(plain));
  g_assert_false(cs_model_info_is_phantom_trained(plain));
  g_assert_cmpstr(cs_model_info_get_card(plain), ==, "# zz-a\n");
  g_assert_null(cs_model_info_get_folder(plain));
  g_assert_finalize_object(plain);
}

/* Segmenters (U-Nets) are listed apart from the classifiers that every classifier list shows. */
static void
test_segmenters(Fixture *f, gconstpointer data)
{
  const char *unet[] = { CSNN_META_ARCH,
                         "csnn_unet",
                         "input_height",
                         "144",
                         "input_width",
                         "192",
                         "mean",
                         "0.2",
                         "std",
                         "0.25",
                         CSNN_META_TRAINED_ON,
                         "real images",
                         NULL };
  const char *phantom_unet[] = { CSNN_META_ARCH,
                                 "csnn_unet",
                                 "input_height",
                                 "64",
                                 "input_width",
                                 "96",
                                 CSNN_META_TRAINED_ON,
                                 "synthetic phantom frames",
                                 NULL };
  const char *bad_unet[] = { CSNN_META_ARCH, "csnn_unet", "input_height", "wide", NULL };
  g_autoptr(CsModelCatalog) catalog = NULL;
  g_autofree char *ids = NULL, *seg_ids = NULL, *skipped_ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsModel) model = NULL;
  CsModelInfo *nerve;
  int width = 0, height = 0, kind = -1;

  write_model(f->first, "aa-phantom-unet.safetensors", phantom_unet);
  write_model(f->second, "zz-nerve.safetensors", unet);
  write_model(f->second, "zz-bad-unet.safetensors", bad_unet);
  catalog = catalog_of(f);
  ids = listed_ids(G_LIST_MODEL(catalog));
  g_assert_cmpstr(ids, ==, "zz-a zz-b zz-shared");
  seg_ids = listed_ids(cs_model_catalog_get_segmenters(catalog));
  g_assert_cmpstr(seg_ids, ==, "aa-phantom-unet zz-nerve");
  skipped_ids = listed_ids(cs_model_catalog_get_skipped(catalog));
  g_assert_cmpstr(skipped_ids, ==, "zz-bad-unet");

  /* The default prefers real data to phantoms, whatever the order of the ids. */
  nerve = cs_model_catalog_get_default_segmenter(catalog);
  g_assert_cmpstr(cs_model_info_get_id(nerve), ==, "zz-nerve");
  g_assert_true(cs_model_catalog_lookup(catalog, "zz-nerve") == nerve);
  g_assert_cmpuint(cs_model_catalog_find(catalog, "zz-nerve"), ==, G_MAXUINT);
  g_assert_cmpint(cs_model_info_get_kind(nerve), ==, CS_MODEL_KIND_SEGMENTER);
  g_assert_cmpstr(cs_model_kind_to_string(cs_model_info_get_kind(nerve)), ==, "segmenter");
  g_assert_cmpint(cs_model_info_get_input_size(nerve), ==, 0);
  cs_model_info_get_input_shape(nerve, &width, &height);
  g_assert_cmpint(width, ==, 192);
  g_assert_cmpint(height, ==, 144);
  g_object_get(nerve, "kind", &kind, NULL);
  g_assert_cmpint(kind, ==, CS_MODEL_KIND_SEGMENTER);
  g_assert_cmpint(cs_model_info_get_kind(cs_model_catalog_lookup(catalog, "zz-a")), ==,
                  CS_MODEL_KIND_CLASSIFIER);

  /* Loading a segmenter as a classifier says what it is. */
  model = cs_model_catalog_load(catalog, "zz-nerve", NULL, &error);
  g_assert_null(model);
  g_assert_nonnull(strstr(error->message, "is a segmentation model"));

  /* Only a phantom-trained segmenter: it is the default still. */
  {
    const char *only[] = { f->first, NULL };
    g_autoptr(CsModelCatalog) first_only = cs_model_catalog_new_for_folders(only);

    g_assert_cmpstr(cs_model_info_get_id(cs_model_catalog_get_default_segmenter(first_only)), ==,
                    "aa-phantom-unet");
  }
}

static void
test_default(void)
{
  CsModelCatalog *catalog = cs_model_catalog_get_default();

  g_assert_true(CS_IS_MODEL_CATALOG(catalog));
  g_assert_true(cs_model_catalog_get_default() == catalog);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/core/model-catalog/order", test_order);
  g_test_add_func("/core/model-catalog/user-folder", test_user_folder);
  g_test_add("/core/model-catalog/duplicates", Fixture, NULL, fixture_set_up, test_duplicates,
             fixture_tear_down);
  g_test_add("/core/model-catalog/skipped", Fixture, NULL, fixture_set_up, test_skipped,
             fixture_tear_down);
  g_test_add("/core/model-catalog/resolve", Fixture, NULL, fixture_set_up, test_resolve,
             fixture_tear_down);
  g_test_add("/core/model-catalog/load-arch", Fixture, NULL, fixture_set_up, test_load_arch,
             fixture_tear_down);
  g_test_add("/core/model-catalog/rescan", Fixture, NULL, fixture_set_up, test_rescan,
             fixture_tear_down);
  g_test_add("/core/model-catalog/info", Fixture, NULL, fixture_set_up, test_info,
             fixture_tear_down);
  g_test_add("/core/model-catalog/segmenters", Fixture, NULL, fixture_set_up, test_segmenters,
             fixture_tear_down);
  g_test_add_func("/core/model-catalog/default", test_default);
  return g_test_run();
}
