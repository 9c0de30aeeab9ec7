/* cs-cli-models.c — carpalscope-cli models: the installed models and their metadata
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "csnn-models.h"

/* How many hex digits of the hash the text listing shows; --json gives all 64. */
#define SHA256_PREFIX 12

static char *
search_path_text(void)
{
  char **dirs = csnn_models_dirs();
  char *text;

  if (dirs == NULL)
    return g_strdup("?");
  text = g_strjoinv(", ", dirs);
  csnn_models_free_dirs(dirs);
  return text;
}

static void
print_field(const char *label, const char *value)
{
  if (value != NULL && value[0] != '\0')
    printf("  %-11s %s\n", label, value);
}

/* Prints one model as a block of "label: value" lines. */
static void
print_model_text(const csnn_model_entry *entry, const csnn_safetensors *st,
                 const csnn_model_meta *meta, const char *error)
{
  printf("%s\n", entry->id);
  if (error != NULL) {
    print_field("error:", error);
    print_field("file:", entry->path);
    return;
  }
  print_field("arch:", meta->arch[0] ? meta->arch : "(not named in the metadata)");
  if (meta->n_classes > 0) {
    g_autoptr(GString) classes = g_string_new(NULL);

    for (int c = 0; c < meta->n_classes; c++)
      g_string_append_printf(classes, "%s%d = %s", c ? ", " : "", c, meta->classes[c]);
    print_field("classes:", classes->str);
  } else
    print_field("classes:", "(not named in the metadata)");
  {
    g_autofree char *input = g_strdup_printf(
        "%d x %d, mean %.3g %.3g %.3g, std %.3g %.3g %.3g", meta->input_size, meta->input_size,
        meta->mean[0], meta->mean[1], meta->mean[2], meta->std[0], meta->std[1], meta->std[2]);

    print_field("input:", input);
  }
  print_field("trained on:", csnn_safetensors_metadata(st, CSNN_META_TRAINED_ON)
                                 ? csnn_safetensors_metadata(st, CSNN_META_TRAINED_ON)
                                 : "(no provenance in the metadata)");
  print_field("date:", csnn_safetensors_metadata(st, CSNN_META_DATE));
  print_field("version:", csnn_safetensors_metadata(st, CSNN_META_VERSION));
  print_field("notice:", csnn_safetensors_metadata(st, CSNN_META_NOTICE));
  {
    char prefix[SHA256_PREFIX + 1];

    g_strlcpy(prefix, csnn_safetensors_sha256(st), sizeof prefix);
    print_field("sha256:", prefix);
  }
  print_field("file:", entry->path);
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
print_model_json(const csnn_model_entry *entry, const csnn_safetensors *st,
                 const csnn_model_meta *meta, const char *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();
  g_autoptr(JsonGenerator) generator = json_generator_new();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "id");
  json_builder_add_string_value(builder, entry->id);
  json_builder_set_member_name(builder, "path");
  json_builder_add_string_value(builder, entry->path);
  if (error != NULL) {
    json_builder_set_member_name(builder, "error");
    json_builder_add_string_value(builder, error);
  } else {
    add_optional_string(builder, "arch", meta->arch);
    json_builder_set_member_name(builder, "classes");
    if (meta->n_classes > 0) {
      json_builder_begin_array(builder);
      for (int c = 0; c < meta->n_classes; c++)
        json_builder_add_string_value(builder, meta->classes[c]);
      json_builder_end_array(builder);
    } else
      json_builder_add_null_value(builder);
    json_builder_set_member_name(builder, "input_size");
    json_builder_add_int_value(builder, meta->input_size);
    add_optional_string(builder, "trained_on", csnn_safetensors_metadata(st, CSNN_META_TRAINED_ON));
    json_builder_set_member_name(builder, "sha256");
    json_builder_add_string_value(builder, csnn_safetensors_sha256(st));
    json_builder_set_member_name(builder, "n_tensors");
    json_builder_add_int_value(builder, (gint64)csnn_safetensors_n_tensors(st));
    /* All of it, so that a script sees provenance keys this version does not know. */
    json_builder_set_member_name(builder, "metadata");
    json_builder_begin_object(builder);
    for (size_t i = 0; i < csnn_safetensors_n_metadata(st); i++) {
      json_builder_set_member_name(builder, csnn_safetensors_metadata_key(st, i));
      json_builder_add_string_value(builder, csnn_safetensors_metadata_value(st, i));
    }
    json_builder_end_object(builder);
  }
  json_builder_end_object(builder);

  root = json_builder_get_root(builder);
  json_generator_set_root(generator, root);
  line = json_generator_to_data(generator, NULL);
  printf("%s\n", line);
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
  g_autofree char *searched = search_path_text();
  csnn_model_entry *models = NULL;
  size_t n_models = 0;
  int status;

  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_description(
      context,
      "An installed model is a .safetensors file in a models directory; its id (the file name\n"
      "without the extension) is what --model takes. Directories, searched in order, an earlier\n"
      "one hiding the same id in a later one: $CARPALSCOPE_MODELSDIR (colon-separated), the\n"
      "build tree's models directory, then " MODELSDIR ".\n"
      "Shown per model: architecture, classes by index, input size and normalisation, what the\n"
      "weights were trained on, the first 12 digits of the file's SHA-256 and its path.\n"
      "With --json, one object per model: id, path, arch, classes, input_size, trained_on,\n"
      "sha256 (all 64 digits), n_tensors and the whole metadata; a file that cannot be read is\n"
      "listed with id, path and error instead (the command still succeeds).");
  if (!cs_cli_parse(context, &argc, &argv, "models"))
    return CS_CLI_USAGE;
  if (argc > 1)
    return cs_cli_usage_error("models", "unexpected argument '%s'", argv[1]);

  status = csnn_models_list(&models, &n_models);
  if (status != CSNN_OK)
    return cs_cli_fail("cannot list the models: %s", csnn_last_error());

  if (n_models == 0) {
    /* Nothing installed is a normal state, not an error; say so where a person will look. */
    fprintf(json ? stderr : stdout,
            "No models installed. Searched: %s.\n"
            "Put a .safetensors file in one of these directories or point CARPALSCOPE_MODELSDIR "
            "at one.\n",
            searched);
    return CS_CLI_OK;
  }

  if (!json)
    printf("%zu model%s installed (searched: %s)\n", n_models, n_models == 1 ? "" : "s", searched);
  for (size_t i = 0; i < n_models; i++) {
    csnn_safetensors *st = NULL;
    csnn_model_meta meta = { 0 };
    g_autofree char *error = NULL;

    if (csnn_safetensors_open(models[i].path, &st) != CSNN_OK ||
        csnn_model_meta_read(st, &meta) != CSNN_OK)
      error = g_strdup(csnn_last_error());
    if (json)
      print_model_json(&models[i], st, &meta, error);
    else {
      printf("\n");
      print_model_text(&models[i], st, &meta, error);
    }
    csnn_safetensors_close(st);
  }
  csnn_models_free_list(models, n_models);
  return CS_CLI_OK;
}
