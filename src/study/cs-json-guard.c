/* cs-json-guard.c — what a JSON file must be before and after json-glib reads it
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-json-guard.h"

#include "cs-error.h"

gboolean
cs_json_check_depth(const char *data, gsize length, const char *file_name, GError **error)
{
  gboolean in_string = FALSE, escaped = FALSE;
  int depth = 0;
  gsize line = 1;

  for (gsize i = 0; i < length; i++) {
    char c = data[i];

    if (c == '\n')
      line++;
    if (in_string) {
      if (escaped)
        escaped = FALSE;
      else if (c == '\\')
        escaped = TRUE;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '[' || c == '{') {
      if (++depth > CS_JSON_MAX_DEPTH) {
        g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE,
                    "%s nests arrays and objects more than %d deep (line %" G_GSIZE_FORMAT
                    "); Carpalscope reads at most %d",
                    file_name, CS_JSON_MAX_DEPTH, line, CS_JSON_MAX_DEPTH);
        return FALSE;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return TRUE;
}

static gboolean
fail_text(GString *path, const char *file_name, GError **error)
{
  g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
              "%s: %s holds text that is not valid UTF-8 (an unpaired \\uD800-\\uDFFF escape?)",
              file_name, path->len > 0 ? path->str : "the top level");
  return FALSE;
}

static gboolean
check_node(JsonNode *node, GString *path, const char *file_name, GError **error)
{
  gsize mark = path->len;

  if (JSON_NODE_HOLDS_OBJECT(node)) {
    JsonObjectIter iter;
    const char *name;
    JsonNode *member;

    json_object_iter_init(&iter, json_node_get_object(node));
    while (json_object_iter_next(&iter, &name, &member)) {
      gboolean valid_name = g_utf8_validate(name, -1, NULL);

      g_string_append_printf(path, "%s%s", mark > 0 ? "." : "", valid_name ? name : "?");
      if (!valid_name)
        return fail_text(path, file_name, error);
      if (!check_node(member, path, file_name, error))
        return FALSE;
      g_string_truncate(path, mark);
    }
  } else if (JSON_NODE_HOLDS_ARRAY(node)) {
    JsonArray *array = json_node_get_array(node);

    for (guint i = 0; i < json_array_get_length(array); i++) {
      g_string_append_printf(path, "[%u]", i);
      if (!check_node(json_array_get_element(array, i), path, file_name, error))
        return FALSE;
      g_string_truncate(path, mark);
    }
  } else if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING &&
             !g_utf8_validate(json_node_get_string(node), -1, NULL)) {
    return fail_text(path, file_name, error);
  }
  return TRUE;
}

gboolean
cs_json_check_text(JsonNode *root, const char *file_name, GError **error)
{
  g_autoptr(GString) path = g_string_new(NULL);

  return check_node(root, path, file_name, error);
}
