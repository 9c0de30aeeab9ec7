/* cs-window-lock.h — the main window when its study is held by someone else or changed on disk
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cs-window.h"

G_BEGIN_DECLS

/* TRUE while the window shows its study read-only because someone else holds its lock. */
gboolean cs_window_is_read_only(CsWindow *self);

/* The banner's text while read-only ("Read-only: user@host has this study open for editing
 * since ..."), else NULL (borrowed). */
const char *cs_window_get_lock_banner_text(CsWindow *self);

/* What the banner's Take Over does: takes the study's lock from whoever holds it and makes the
 * study editable (reloading it first when nothing is unsaved here and the file changed). FALSE
 * with the reason shown when it cannot. */
gboolean cs_window_take_over(CsWindow *self);

/* The changed-on-disk dialog (Reload, Save As, Merge) or the merge dialog while one is open,
 * else NULL (borrowed; for tests). */
AdwMessageDialog *cs_window_get_lock_dialog(CsWindow *self);

G_END_DECLS
