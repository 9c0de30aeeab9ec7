/* cs-application.c — the Carpalscope application: actions, windows, about
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-application.h"

#include <glib/gi18n.h>

#include "cs-preferences-window.h"
#include "cs-window.h"

struct _CsApplication {
  AdwApplication parent_instance;

  CsModelCatalog *models;
};

G_DEFINE_FINAL_TYPE(CsApplication, cs_application, ADW_TYPE_APPLICATION)

CsApplication *
cs_application_new(void)
{
  return g_object_new(CS_TYPE_APPLICATION, "application-id", APPLICATION_ID, "flags",
                      G_APPLICATION_HANDLES_OPEN, "resource-base-path", RESOURCE_PREFIX, NULL);
}

CsModelCatalog *
cs_application_get_model_catalog(CsApplication *self)
{
  g_return_val_if_fail(CS_IS_APPLICATION(self), NULL);
  return self->models;
}

static CsWindow *
get_or_create_window(CsApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window(GTK_APPLICATION(self));

  if (window == NULL)
    window = GTK_WINDOW(cs_window_new(self));
  return CS_WINDOW(window);
}

static void
cs_application_activate(GApplication *app)
{
  gboolean new_window = gtk_application_get_active_window(GTK_APPLICATION(app)) == NULL;
  CsWindow *window = get_or_create_window(CS_APPLICATION(app));

  gtk_window_present(GTK_WINDOW(window));
  if (new_window)
    cs_window_offer_recovery(window);
}

static void
cs_application_open(GApplication *app, GFile **files, int n_files, const char *hint)
{
  CsWindow *window = get_or_create_window(CS_APPLICATION(app));

  gtk_window_present(GTK_WINDOW(window));
  if (n_files > 0)
    cs_window_open_file(window, files[0]);
}

void
cs_application_show_about(CsApplication *self, GtkWindow *parent)
{
  static const char *developers[] = { "The Carpalscope developers", NULL };
  GtkWidget *about;

  g_return_if_fail(CS_IS_APPLICATION(self));

  about = g_object_new(
      ADW_TYPE_ABOUT_WINDOW, "transient-for", parent, "application-name", _("Carpalscope"),
      "application-icon", APPLICATION_ID, "version", PACKAGE_VERSION, "developer-name",
      _("The Carpalscope developers"), "developers", developers, "copyright",
      "© 2026 The Carpalscope developers", "license-type", GTK_LICENSE_GPL_3_0, "comments",
      _("Carpal tunnel syndrome from short-axis ultrasound of the median nerve, with the "
        "network's reasons shown beside its answer.\n\n"
        "Carpalscope is for research and teaching. It is not a medical device and must not be "
        "used to diagnose or treat patients."),
      NULL);
  gtk_window_present(GTK_WINDOW(about));
}

static void
about_cb(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CsApplication *self = user_data;

  cs_application_show_about(self, gtk_application_get_active_window(GTK_APPLICATION(self)));
}

static void
quit_cb(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GApplication *app = user_data;
  GList *windows = gtk_application_get_windows(GTK_APPLICATION(app));

  /* Closing each window lets it ask about unsaved work before the application exits. */
  for (GList *l = windows; l != NULL;) {
    GtkWindow *window = l->data;

    l = l->next;
    gtk_window_close(window);
  }
}

static void
preferences_cb(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CsApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window(GTK_APPLICATION(self));

  gtk_window_present(GTK_WINDOW(cs_preferences_window_new(parent, self->models)));
}

static const GActionEntry app_actions[] = {
  { "about", about_cb, NULL, NULL, NULL },
  { "preferences", preferences_cb, NULL, NULL, NULL },
  { "quit", quit_cb, NULL, NULL, NULL },
};

static void
cs_application_startup(GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *open_accels[] = { "<Control>o", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS(cs_application_parent_class)->startup(app);

  g_action_map_add_action_entries(G_ACTION_MAP(app), app_actions, G_N_ELEMENTS(app_actions), app);
  gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action(GTK_APPLICATION(app), "win.open", open_accels);
  gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.preferences",
                                        preferences_accels);
}

static void
cs_application_dispose(GObject *object)
{
  CsApplication *self = CS_APPLICATION(object);

  g_clear_object(&self->models);
  G_OBJECT_CLASS(cs_application_parent_class)->dispose(object);
}

static void
cs_application_class_init(CsApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS(klass);

  G_OBJECT_CLASS(klass)->dispose = cs_application_dispose;
  app_class->activate = cs_application_activate;
  app_class->open = cs_application_open;
  app_class->startup = cs_application_startup;
}

static void
cs_application_init(CsApplication *self)
{
  /* The process's catalogue, so that the window's lists and the workers that load a model by id
   * search the same folders. */
  self->models = g_object_ref(cs_model_catalog_get_default());
}
