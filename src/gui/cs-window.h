/* cs-window.h — the main window
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-application.h"

G_BEGIN_DECLS

#define CS_TYPE_WINDOW (cs_window_get_type())

G_DECLARE_FINAL_TYPE(CsWindow, cs_window, CS, WINDOW, AdwApplicationWindow)

/* Creates a main window of @application. */
CsWindow *cs_window_new(CsApplication *application);

/* Opens a sweep or a study file in the window. */
void cs_window_open_file(CsWindow *self, GFile *file);

/* Shows @message as a toast at the bottom of the window. */
void cs_window_show_toast(CsWindow *self, const char *message);

G_END_DECLS
