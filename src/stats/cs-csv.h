/* cs-csv.h — CSV fields as the statistics layer writes them
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Appends a comma, then @value in the shortest form that reads back as the same double (nothing
 * when it is not finite: an empty field). */
void cs_csv_number(GString *out, double value);

/* Appends @text as one field, quoted when it holds a comma, quote or line break, or begins or
 * ends with a space or tab. */
void cs_csv_text(GString *out, const char *text);

G_END_DECLS
