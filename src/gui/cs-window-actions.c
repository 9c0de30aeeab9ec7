/* cs-window-actions.c — the main window's actions, their keyboard shortcuts and when each applies
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-window-private.h"

#include <string.h>

/* Every action of the window; each is carried out by the sibling file of its concern. They are
 * GActions of the application window ("win." + name), so GTK exports them on the session bus with
 * the window and scripts and tests can list and trigger them there. */
static const struct {
  const char *name;
  const char *parameter_type;
  GtkWidgetActionActivateFunc activate;
} window_actions[] = {
  { "win.new-study", NULL, cs_window_new_study_action_cb },
  { "win.open", NULL, cs_window_open_action_cb },
  { "win.open-demo", NULL, cs_window_open_demo_action_cb },
  { "win.open-study-folder", NULL, cs_window_open_study_folder_action_cb },
  { "win.open-recent", "s", cs_window_open_recent_action_cb },
  { "win.save", NULL, cs_window_save_action_cb },
  { "win.save-as", NULL, cs_window_save_as_action_cb },
  { "win.import", "s", cs_window_import_action_cb },
  { "win.import-folder", NULL, cs_window_import_folder_action_cb },
  { "win.remove-case", NULL, cs_window_remove_case_action_cb },
  { "win.duplicate-case", NULL, cs_window_duplicate_case_action_cb },
  { "win.rename-case", "s", cs_window_rename_case_action_cb },
  { "win.undo", NULL, cs_window_undo_action_cb },
  { "win.redo", NULL, cs_window_redo_action_cb },
  { "win.analyse", NULL, cs_window_analyse_action_cb },
  { "win.analyse-all", NULL, cs_window_analyse_all_action_cb },
  { "win.find-nerve", NULL, cs_window_find_nerve_action_cb },
  { "win.track-nerve", NULL, cs_window_track_nerve_action_cb },
  { "win.accept-outline", NULL, cs_window_accept_outline_action_cb },
  { "win.reject-outline", NULL, cs_window_reject_outline_action_cb },
  { "win.export-report", NULL, cs_window_export_report_action_cb },
  { "win.export-study-report", NULL, cs_window_export_study_report_action_cb },
};

/* The window's own shortcuts; cs-application.c sets the application's accelerators, Ctrl+O for
 * win.open among them. */
static const struct {
  guint keyval;
  GdkModifierType modifiers;
  const char *action;
} window_shortcuts[] = {
  { GDK_KEY_s, GDK_CONTROL_MASK, "win.save" },
  { GDK_KEY_z, GDK_CONTROL_MASK, "win.undo" },
  { GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.redo" },
  { GDK_KEY_Z, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.redo" },
  { GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.save-as" },
  { GDK_KEY_r, GDK_CONTROL_MASK, "win.analyse" },
  { GDK_KEY_r, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.analyse-all" },
  { GDK_KEY_F5, 0, "win.present" },
};

static void
action_activate_cb(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  const char *name = g_action_get_name(G_ACTION(action));

  for (gsize i = 0; i < G_N_ELEMENTS(window_actions); i++)
    if (g_strcmp0(window_actions[i].name + strlen("win."), name) == 0)
      window_actions[i].activate(GTK_WIDGET(user_data), window_actions[i].name, parameter);
}

void
cs_window_actions_init(CsWindow *self)
{
  for (gsize i = 0; i < G_N_ELEMENTS(window_actions); i++) {
    const char *type = window_actions[i].parameter_type;
    g_autoptr(GSimpleAction) action = g_simple_action_new(
        window_actions[i].name + strlen("win."), type != NULL ? G_VARIANT_TYPE(type) : NULL);

    g_signal_connect_object(action, "activate", G_CALLBACK(action_activate_cb), self, 0);
    g_action_map_add_action(G_ACTION_MAP(self), G_ACTION(action));
  }
  cs_window_navigate_init(self);
}

static void
set_enabled(CsWindow *self, const char *name, gboolean enabled)
{
  GAction *action = g_action_map_lookup_action(G_ACTION_MAP(self), name + strlen("win."));

  g_simple_action_set_enabled(G_SIMPLE_ACTION(action), enabled);
}

void
cs_window_class_actions_init(CsWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  for (gsize i = 0; i < G_N_ELEMENTS(window_shortcuts); i++)
    gtk_widget_class_add_shortcut(
        widget_class, gtk_shortcut_new(gtk_keyval_trigger_new(window_shortcuts[i].keyval,
                                                              window_shortcuts[i].modifiers),
                                       gtk_named_action_new(window_shortcuts[i].action)));
}

void
cs_window_update_actions(CsWindow *self)
{
  gboolean has_study = self->study != NULL;
  gboolean running = cs_window_is_analysing(self);

  set_enabled(self, "win.save", has_study);
  set_enabled(self, "win.save-as", has_study);
  set_enabled(self, "win.analyse", self->sweep != NULL && !running);
  set_enabled(self, "win.analyse-all", has_study && !running);
  set_enabled(self, "win.find-nerve", self->sweep != NULL && !running);
  set_enabled(self, "win.track-nerve", self->sweep != NULL && !running);
  set_enabled(self, "win.accept-outline", self->current_case != NULL);
  set_enabled(self, "win.reject-outline", self->current_case != NULL);
  set_enabled(self, "win.export-report", self->current_case != NULL);
  set_enabled(self, "win.remove-case", self->current_case != NULL);
  set_enabled(self, "win.duplicate-case", self->current_case != NULL);
  set_enabled(self, "win.rename-case", self->current_case != NULL);
  set_enabled(self, "win.undo", self->history != NULL && cs_study_history_can_undo(self->history));
  set_enabled(self, "win.redo", self->history != NULL && cs_study_history_can_redo(self->history));
  cs_window_navigate_update_actions(self);
  cs_window_lock_update_actions(self);
}
