/* cs-rater-menu.h — the viewer's menu of raters: show or hide each rater's tracings
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cs-case.h"
#include "cs-viewer-pane.h"

G_BEGIN_DECLS

/* The name a tracing's rater is shown and filtered by: its rater, or "" when none was recorded. */
const char *cs_rater_key(const CsTracing *tracing);

/* The distinct rater keys of @c's tracings, in the order first traced (a NULL-terminated array
 * to free with g_strfreev()), and through @counts (may be NULL; free it) how many each traced. */
char **cs_rater_menu_dup_raters(CsCase *c, guint **counts);

/* Gives @button a popover that lists the raters of @pane's case each time it opens, with a check
 * button each that shows or hides that rater's tracings in the pane. */
void cs_rater_menu_init(GtkMenuButton *button, CsViewerPane *pane);

G_END_DECLS
