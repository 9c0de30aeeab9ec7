/* gui-test-util.h — what the tests that drive the real window share
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-frame-view.h"

/* Runs the main context until @done says so or @seconds pass; returns what @done said last. */
gboolean gui_test_iterate_until(gboolean (*done)(gpointer), gpointer data, double seconds);

/* Runs the main context until nothing is pending, a few times over. */
void gui_test_pump(void);

/* Runs a new, non-unique application whose "activate" calls @activate with @data after it has
 * made its window; asserts that it exits with 0. */
void gui_test_run_app(GCallback activate, gpointer data);

/* The first widget of @type in the tree under @root (itself included), depth first; or NULL. */
GtkWidget *gui_test_find_widget(GtkWidget *root, GType type);

/* Makes a private folder from @template (for g_dir_make_tmp()) and sets XDG_DATA_HOME and
 * XDG_STATE_HOME to it, so the per-user models folder, the window's recovery file and its recent
 * files are this test's own; call before GLib reads them. Returns the folder. */
char *gui_test_private_data_home(const char *template);

/* Deletes the folder @dir and all it holds. */
void gui_test_remove_tree(const char *dir);

/* Runs the tests added so far (g_test_run()), then deletes @home, the test's own folder from
 * gui_test_private_data_home(), and frees it; returns what g_test_run() did. For main(). */
int gui_test_run_and_remove(char *home);

/* The message dialog over @window whose heading holds @heading_part, or NULL. */
AdwMessageDialog *gui_test_find_dialog(GtkWindow *window, const char *heading_part);

/* Clicks @view with the first button at the image point (@x, @y). */
void gui_test_click(CsFrameView *view, double x, double y);

/* Returns the shortcut (a new reference) that @widget's shortcut controllers, its class's
 * bindings among them, hold for the key @keyval with @modifiers: what pressing that key in it
 * triggers. NULL when there is none. */
GtkShortcut *gui_test_find_shortcut(GtkWidget *widget, guint keyval, GdkModifierType modifiers);

/* Returns the name of the action the key @keyval with @modifiers activates in @widget (as
 * gui_test_find_shortcut() finds it), or NULL when it activates none; free it. */
char *gui_test_dup_key_action(GtkWidget *widget, guint keyval, GdkModifierType modifiers);

/* Presses the key @keyval with @modifiers in @widget: activates its shortcut as GTK does for a key
 * event that reaches @widget, and runs the main context; asserts that there is one and that it
 * was handled. */
void gui_test_press_key(GtkWidget *widget, guint keyval, GdkModifierType modifiers);
