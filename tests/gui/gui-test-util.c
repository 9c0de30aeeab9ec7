/* gui-test-util.c — what the tests that drive the real window share
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gui-test-util.h"

#include "cs-application.h"

#include <string.h>

gboolean
gui_test_iterate_until(gboolean (*done)(gpointer), gpointer data, double seconds)
{
  gint64 end = g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);

  while (!done(data)) {
    if (g_get_monotonic_time() > end)
      return FALSE;
    g_main_context_iteration(NULL, FALSE);
    g_usleep(1000);
  }
  return TRUE;
}

void
gui_test_pump(void)
{
  for (int i = 0; i < 20; i++)
    while (g_main_context_iteration(NULL, FALSE))
      ;
}

void
gui_test_run_app(GCallback activate, gpointer data)
{
  g_autoptr(CsApplication) app = cs_application_new();

  g_application_set_flags(G_APPLICATION(app),
                          g_application_get_flags(G_APPLICATION(app)) | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after(app, "activate", activate, data);
  g_assert_cmpint(g_application_run(G_APPLICATION(app), 0, NULL), ==, 0);
}

GtkWidget *
gui_test_find_widget(GtkWidget *root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE(root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child(root); child != NULL;
       child = gtk_widget_get_next_sibling(child)) {
    GtkWidget *found = gui_test_find_widget(child, type);

    if (found != NULL)
      return found;
  }
  return NULL;
}

char *
gui_test_private_data_home(const char *template)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp(template, &error);

  g_assert_no_error(error);
  g_setenv("XDG_DATA_HOME", dir, TRUE);
  g_setenv("XDG_STATE_HOME", dir, TRUE);
  return dir;
}

void
gui_test_remove_tree(const char *dir)
{
  g_autofree char *quoted = g_shell_quote(dir);
  g_autofree char *rm = g_strdup_printf("rm -rf %s", quoted);

  g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL);
}

int
gui_test_run_and_remove(char *home)
{
  int status = g_test_run();

  gui_test_remove_tree(home);
  g_free(home);
  return status;
}

AdwMessageDialog *
gui_test_find_dialog(GtkWindow *window, const char *heading_part)
{
  GListModel *toplevels = gtk_window_get_toplevels(); /* borrowed */

  for (guint i = 0; i < g_list_model_get_n_items(toplevels); i++) {
    g_autoptr(GObject) item = g_list_model_get_item(toplevels, i);

    if (ADW_IS_MESSAGE_DIALOG(item) && gtk_window_get_transient_for(GTK_WINDOW(item)) == window &&
        strstr(adw_message_dialog_get_heading(ADW_MESSAGE_DIALOG(item)), heading_part) != NULL)
      return ADW_MESSAGE_DIALOG(item);
  }
  return NULL;
}

GtkShortcut *
gui_test_find_shortcut(GtkWidget *widget, guint keyval, GdkModifierType modifiers)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers(widget);
  g_autoptr(GtkShortcutTrigger) pressed = gtk_keyval_trigger_new(keyval, modifiers);

  for (guint i = 0; i < g_list_model_get_n_items(controllers); i++) {
    g_autoptr(GtkEventController) controller = g_list_model_get_item(controllers, i);

    if (!GTK_IS_SHORTCUT_CONTROLLER(controller))
      continue;
    for (guint k = 0; k < g_list_model_get_n_items(G_LIST_MODEL(controller)); k++) {
      g_autoptr(GtkShortcut) shortcut = g_list_model_get_item(G_LIST_MODEL(controller), k);

      if (gtk_shortcut_trigger_equal(gtk_shortcut_get_trigger(shortcut), pressed))
        return g_steal_pointer(&shortcut);
    }
  }
  return NULL;
}

char *
gui_test_dup_key_action(GtkWidget *widget, guint keyval, GdkModifierType modifiers)
{
  g_autoptr(GtkShortcut) shortcut = gui_test_find_shortcut(widget, keyval, modifiers);
  GtkShortcutAction *action = shortcut != NULL ? gtk_shortcut_get_action(shortcut) : NULL;

  if (action == NULL || !GTK_IS_NAMED_ACTION(action))
    return NULL;
  return g_strdup(gtk_named_action_get_action_name(GTK_NAMED_ACTION(action)));
}

void
gui_test_press_key(GtkWidget *widget, guint keyval, GdkModifierType modifiers)
{
  g_autoptr(GtkShortcut) shortcut = gui_test_find_shortcut(widget, keyval, modifiers);

  g_assert_nonnull(shortcut);
  g_assert_true(gtk_shortcut_action_activate(gtk_shortcut_get_action(shortcut),
                                             GTK_SHORTCUT_ACTION_EXCLUSIVE, widget,
                                             gtk_shortcut_get_arguments(shortcut)));
  gui_test_pump();
}

void
gui_test_click(CsFrameView *view, double x, double y)
{
  CsViewTransform t;
  double wx, wy;

  cs_frame_view_get_transform(view, &t);
  cs_view_image_to_widget(&t, x, y, &wx, &wy);
  cs_frame_view_press(view, wx, wy, 1);
  cs_frame_view_release(view, wx, wy);
}
