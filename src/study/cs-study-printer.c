/* cs-study-printer.c — study.json as people read it: short numbers, plain arrays on one line
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * json-glib's generator prints every double with 17 digits (0.05 becomes 0.050000000000000003)
 * and every array element on its own line; study.json is read and diffed by people, so it is
 * written here with the shortest digits that read back exactly and with arrays of plain values
 * (a sweep's p_cts, a vertex) on one line.
 */
#include "config.h"

#include <string.h>

#include "cs-study-private.h"

static void
write_string(GString *out, const char *text)
{
  g_autofree char *valid = NULL;

  /* Text set through the API may not be UTF-8; the file must stay readable JSON. */
  if (!g_utf8_validate(text, -1, NULL))
    text = valid = g_utf8_make_valid(text, -1);
  g_string_append_c(out, '"');
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    switch (*p) {
      case '"':
        g_string_append(out, "\\\"");
        break;
      case '\\':
        g_string_append(out, "\\\\");
        break;
      case '\n':
        g_string_append(out, "\\n");
        break;
      case '\t':
        g_string_append(out, "\\t");
        break;
      case '\r':
        g_string_append(out, "\\r");
        break;
      default:
        if (*p < 0x20)
          g_string_append_printf(out, "\\u%04x", *p);
        else
          g_string_append_c(out, (char)*p);
    }
  }
  g_string_append_c(out, '"');
}

static void
write_double(GString *out, double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  /* The fewest significant digits that give back the same double. */
  for (int digits = 15; digits <= 17; digits++) {
    char format[8];
    g_snprintf(format, sizeof format, "%%.%dg", digits);
    g_ascii_formatd(buffer, sizeof buffer, format, value);
    if (g_ascii_strtod(buffer, NULL) == value)
      break;
  }
  g_string_append(out, buffer);
  /* Keep a double a double for readers that tell 15 from 15.0 (json-glib does). */
  if (strpbrk(buffer, ".eE") == NULL)
    g_string_append(out, ".0");
}

static gboolean
is_scalar(JsonNode *node)
{
  return !JSON_NODE_HOLDS_OBJECT(node) && !JSON_NODE_HOLDS_ARRAY(node);
}

void
cs_study_print_json(GString *out, JsonNode *node, int depth)
{
  if (JSON_NODE_HOLDS_NULL(node)) {
    g_string_append(out, "null");
  } else if (JSON_NODE_HOLDS_VALUE(node)) {
    switch (json_node_get_value_type(node)) {
      case G_TYPE_STRING:
        write_string(out, json_node_get_string(node));
        break;
      case G_TYPE_BOOLEAN:
        g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
        break;
      case G_TYPE_DOUBLE:
        write_double(out, json_node_get_double(node));
        break;
      default:
        g_string_append_printf(out, "%" G_GINT64_FORMAT, json_node_get_int(node));
    }
  } else if (JSON_NODE_HOLDS_ARRAY(node)) {
    JsonArray *array = json_node_get_array(node);
    guint n = json_array_get_length(array);
    gboolean flat = TRUE;

    for (guint i = 0; i < n && flat; i++)
      flat = is_scalar(json_array_get_element(array, i));
    g_string_append_c(out, '[');
    for (guint i = 0; i < n; i++) {
      if (flat) {
        if (i > 0)
          g_string_append(out, ", ");
      } else {
        g_string_append(out, i > 0 ? ",\n" : "\n");
        g_string_append_printf(out, "%*s", 2 * (depth + 1), "");
      }
      cs_study_print_json(out, json_array_get_element(array, i), depth + 1);
    }
    if (!flat && n > 0)
      g_string_append_printf(out, "\n%*s", 2 * depth, "");
    g_string_append_c(out, ']');
  } else {
    JsonObject *object = json_node_get_object(node);
    g_autoptr(GList) members = json_object_get_members(object);

    g_string_append_c(out, '{');
    for (GList *l = members; l != NULL; l = l->next) {
      g_string_append(out, l != members ? ",\n" : "\n");
      g_string_append_printf(out, "%*s", 2 * (depth + 1), "");
      write_string(out, l->data);
      g_string_append(out, ": ");
      cs_study_print_json(out, json_object_get_member(object, l->data), depth + 1);
    }
    if (members != NULL)
      g_string_append_printf(out, "\n%*s", 2 * depth, "");
    g_string_append_c(out, '}');
  }
}
