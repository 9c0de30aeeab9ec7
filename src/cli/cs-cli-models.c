/* cs-cli-models.c — carpalscope-cli models: the installed models and their metadata
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "cs-model-catalog.h"
#include "csnn-seg.h"

/* How many hex digits of the hash the text listing shows; --json gives all 64. */
#define SHA256_PREFIX 12

static void
print_field(const char *label, const char *value)
{
  if (value != NULL && value[0] != '\0')
    printf("  %-11s %s\n", label, value);
}

/* Prints one model as a block of "label: value" lines. */
static void
print_model_text(CsModelInfo *info)
{
  const char *const *classes = cs_model_info_get_classes(info);
  const float *mean = cs_model_info_get_mean(info);
  const float *std = cs_model_info_get_std(info);
  const char *arch = cs_model_info_get_arch(info);
  const char *trained_on = cs_model_info_get_trained_on(info);

  printf("%s\n", cs_model_info_get_id(info));
  if (cs_model_info_get_error(info) != NULL) {
    print_field("error:", cs_model_info_get_error(info));
    print_field("file:", cs_model_info_get_path(info));
    return;
  }
  print_field("kind:", cs_model_kind_to_string(cs_model_info_get_kind(info)));
  print_field("arch:", arch[0] ? arch : "(not named in the metadata)");
  if (cs_model_info_get_kind(info) == CS_MODEL_KIND_SEGMENTER)
    print_field("output:", "the median nerve's probability per pixel");
  else if (classes[0] != NULL) {
    g_autoptr(GString) text = g_string_new(NULL);

    for (int c = 0; classes[c] != NULL; c++)
      g_string_append_printf(text, "%s%d = %s", c ? ", " : "", c, classes[c]);
    print_field("classes:", text->str);
  } else
    print_field("classes:", "(not named in the metadata)");
  {
    int width, height;
    g_autofree char *input = NULL;

    cs_model_info_get_input_shape(info, &width, &height);
    input = g_strdup_printf("%d x %d, mean %.3g %.3g %.3g, std %.3g %.3g %.3g", width, height,
                            mean[0], mean[1], mean[2], std[0], std[1], std[2]);

    print_field("input:", input);
  }
  {
    int n = 1;
    char key[48];

    /* An ensemble's further locators announce themselves by their own "arch" keys. */
    for (; n < CSNN_SEG_MAX_MEMBERS; n++) {
      csnn_seg_member_prefix(n, key, sizeof(key) - 8);
      g_strlcat(key, "arch", sizeof(key));
      if (cs_model_info_get_metadata(info, key) == NULL)
        break;
    }
    if (n > 1) {
      g_autofree char *text = g_strdup_printf("%d, their maps averaged (an ensemble)", n);
      print_field("locators:", text);
    }
  }
  if (cs_model_info_get_metadata(info, "refine.input_width") != NULL &&
      cs_model_info_get_metadata(info, "refine.input_height") != NULL) {
    g_autofree char *refiner =
        g_strdup_printf("%s x %s window around the nerve found (a second stage)",
                        cs_model_info_get_metadata(info, "refine.input_width"),
                        cs_model_info_get_metadata(info, "refine.input_height"));
    print_field("refiner:", refiner);
  }
  print_field("trained on:", trained_on ? trained_on : "(no provenance in the metadata)");
  print_field("date:", cs_model_info_get_metadata(info, "date"));
  print_field("version:", cs_model_info_get_metadata(info, "carpalscope_version"));
  print_field("notice:", cs_model_info_get_metadata(info, "notice"));
  {
    char prefix[SHA256_PREFIX + 1];

    g_strlcpy(prefix, cs_model_info_get_sha256(info), sizeof prefix);
    print_field("sha256:", prefix);
  }
  print_field("file:", cs_model_info_get_path(info));
}

static void
add_optional_string(JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name(builder, name);
  if (value != NULL && value[0] != '\0')
    json_builder_add_string_value(builder, value);
  else
    json_builder_add_null_value(builder);
}

/* Prints one model as one line of JSON. */
static void
print_model_json(CsModelInfo *info)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();
  g_autoptr(JsonGenerator) generator = json_generator_new();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;
  const char *const *classes = cs_model_info_get_classes(info);
  const char *const *keys = cs_model_info_get_metadata_keys(info);

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "id");
  json_builder_add_string_value(builder, cs_model_info_get_id(info));
  json_builder_set_member_name(builder, "path");
  json_builder_add_string_value(builder, cs_model_info_get_path(info));
  if (cs_model_info_get_error(info) != NULL) {
    json_builder_set_member_name(builder, "error");
    json_builder_add_string_value(builder, cs_model_info_get_error(info));
  } else {
    int width, height;

    cs_model_info_get_input_shape(info, &width, &height);
    json_builder_set_member_name(builder, "kind");
    json_builder_add_string_value(builder, cs_model_kind_to_string(cs_model_info_get_kind(info)));
    add_optional_string(builder, "arch", cs_model_info_get_arch(info));
    json_builder_set_member_name(builder, "classes");
    if (classes[0] != NULL) {
      json_builder_begin_array(builder);
      for (int c = 0; classes[c] != NULL; c++)
        json_builder_add_string_value(builder, classes[c]);
      json_builder_end_array(builder);
    } else
      json_builder_add_null_value(builder);
    json_builder_set_member_name(builder, "input_size");
    json_builder_add_int_value(builder, cs_model_info_get_input_size(info));
    json_builder_set_member_name(builder, "input_width");
    json_builder_add_int_value(builder, width);
    json_builder_set_member_name(builder, "input_height");
    json_builder_add_int_value(builder, height);
    add_optional_string(builder, "trained_on", cs_model_info_get_trained_on(info));
    json_builder_set_member_name(builder, "sha256");
    json_builder_add_string_value(builder, cs_model_info_get_sha256(info));
    json_builder_set_member_name(builder, "n_tensors");
    json_builder_add_int_value(builder, (gint64)cs_model_info_get_n_tensors(info));
    /* All of it, so that a script sees provenance keys this version does not know. */
    json_builder_set_member_name(builder, "metadata");
    json_builder_begin_object(builder);
    for (guint i = 0; keys[i] != NULL; i++) {
      json_builder_set_member_name(builder, keys[i]);
      json_builder_add_string_value(builder, cs_model_info_get_metadata(info, keys[i]));
    }
    json_builder_end_object(builder);
  }
  json_builder_end_object(builder);

  root = json_builder_get_root(builder);
  json_generator_set_root(generator, root);
  line = json_generator_to_data(generator, NULL);
  printf("%s\n", line);
}

static int
compare_infos(gconstpointer a, gconstpointer b)
{
  return strcmp(cs_model_info_get_id(*(CsModelInfo **)a), cs_model_info_get_id(*(CsModelInfo **)b));
}

/* The catalogue's models and the files it left out, together in id order. */
static GPtrArray *
dup_all_models(CsModelCatalog *catalog)
{
  GPtrArray *all = g_ptr_array_new_with_free_func(g_object_unref);
  GListModel *lists[] = { G_LIST_MODEL(catalog), cs_model_catalog_get_segmenters(catalog),
                          cs_model_catalog_get_skipped(catalog) };

  for (guint l = 0; l < G_N_ELEMENTS(lists); l++)
    for (guint i = 0; i < g_list_model_get_n_items(lists[l]); i++)
      g_ptr_array_add(all, g_list_model_get_item(lists[l], i));
  g_ptr_array_sort(all, compare_infos);
  return all;
}

int
cs_cli_models(int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object per model (JSON Lines)",
      NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new("- list the installed models");
  CsModelCatalog *catalog = cs_model_catalog_get_default();
  g_autofree char *searched = g_strjoinv(", ", (char **)cs_model_catalog_get_folders(catalog));
  g_autofree char *user_folder = cs_model_catalog_dup_user_folder();
  g_autofree char *description = NULL;
  g_autoptr(GPtrArray) models = NULL;

  description = g_strdup_printf(
      "An installed model is a .safetensors file in a models folder; its id (the file name\n"
      "without the extension) is what --model takes. Folders, searched in order, an earlier\n"
      "one hiding the same id in a later one:\n"
      "  each folder of $CARPALSCOPE_MODELSDIR (colon-separated),\n"
      "  %s (your own: put a model here),\n"
      "  the build tree's models folder, when run from a build,\n"
      "  " MODELSDIR ".\n"
      "Shown per model: its kind (a classifier gives p(CTS) for an ROI; a segmenter outlines\n"
      "the median nerve for segment and --roi auto), architecture, classes by index, input\n"
      "size and normalisation, what the weights were trained on, the first 12 digits of the\n"
      "file's SHA-256 and its path.\n"
      "With --json, one object per model: id, path, kind, arch, classes, input_size (0 for a\n"
      "segmenter), input_width, input_height, trained_on, sha256 (all 64 digits), n_tensors\n"
      "and the whole metadata; a file that cannot be read is listed with id, path and error\n"
      "instead (the command still succeeds).",
      user_folder);
  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_description(context, description);
  if (!cs_cli_parse(context, &argc, &argv, "models"))
    return CS_CLI_USAGE;
  if (argc > 1)
    return cs_cli_usage_error("models", "unexpected argument '%s'", argv[1]);

  models = dup_all_models(catalog);
  if (models->len == 0) {
    /* Nothing installed is a normal state, not an error; say so where a person will look. */
    fprintf(json ? stderr : stdout,
            "No models installed. Searched: %s.\n"
            "Put a .safetensors file in one of these folders (your own is %s) or point "
            "CARPALSCOPE_MODELSDIR at one.\n",
            searched, user_folder);
    return CS_CLI_OK;
  }

  if (!json)
    printf("%u model%s installed (searched: %s)\n", models->len, models->len == 1 ? "" : "s",
           searched);
  for (guint i = 0; i < models->len; i++) {
    CsModelInfo *info = g_ptr_array_index(models, i);

    if (json)
      print_model_json(info);
    else {
      printf("\n");
      print_model_text(info);
    }
  }
  return CS_CLI_OK;
}
