/* cs-csv.c — CSV fields as the statistics layer writes them
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-csv.h"

#include <math.h>
#include <string.h>

/* Numbers in CSV: the shortest form that reads back as the same double, empty when undefined. */
void
cs_csv_number(GString *out, double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c(out, ',');
  if (!isfinite(value))
    return;
  for (int digits = 15; digits <= 17; digits++) {
    g_ascii_formatd(buffer, sizeof buffer,
                    digits == 15   ? "%.15g"
                    : digits == 16 ? "%.16g"
                                   : "%.17g",
                    value);
    if (g_ascii_strtod(buffer, NULL) == value)
      break;
  }
  g_string_append(out, buffer);
}

/* A CSV field, quoted when it holds a comma, quote or line break, or begins or ends with a space
 * or tab (which a reader drops around an unquoted field). */
void
cs_csv_text(GString *out, const char *text)
{
  size_t length = strlen(text);
  gboolean padded =
      length > 0 && (strchr(" \t", text[0]) != NULL || strchr(" \t", text[length - 1]) != NULL);

  if (strpbrk(text, ",\"\r\n") == NULL && !padded) {
    g_string_append(out, text);
    return;
  }
  g_string_append_c(out, '"');
  for (const char *p = text; *p; p++) {
    if (*p == '"')
      g_string_append_c(out, '"');
    g_string_append_c(out, *p);
  }
  g_string_append_c(out, '"');
}
