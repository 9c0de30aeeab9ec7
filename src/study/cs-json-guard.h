/* cs-json-guard.h — what a JSON file must be before and after json-glib reads it
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * json-glib parses nested arrays and objects by recursion, with no limit: a file of a hundred
 * thousand '[' ends the program on a stack overflow. And it decodes an unpaired UTF-16 escape
 * ("\ud800") into bytes that are not UTF-8, which GTK refuses to show and json-glib writes back
 * as other text. The study file is checked for both, each with one error naming the file.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The deepest nesting of arrays and objects a study file may have (its own schema needs 6;
 * the rest is for the "extra" objects scripts keep). */
#define CS_JSON_MAX_DEPTH 64

/* Scans @length bytes of JSON text without parsing it and fails (CS_ERROR_TOO_LARGE) when arrays
 * and objects nest deeper than CS_JSON_MAX_DEPTH, naming @file_name and the line. */
gboolean cs_json_check_depth(const char *data, gsize length, const char *file_name, GError **error);

/* Fails (CS_ERROR_INVALID) when a string or member name under @root is not valid UTF-8, naming
 * @file_name and the JSON path. */
gboolean cs_json_check_text(JsonNode *root, const char *file_name, GError **error);

G_END_DECLS
