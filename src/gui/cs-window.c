/* cs-window.c — the main window: header bar, main menu, empty state
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-window.h"

#include <glib/gi18n.h>

struct _CsWindow {
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  GtkStack *content_stack;
  AdwStatusPage *empty_page;
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE(CsWindow, cs_window, ADW_TYPE_APPLICATION_WINDOW)

CsWindow *
cs_window_new(CsApplication *application)
{
  return g_object_new(CS_TYPE_WINDOW, "application", application, NULL);
}

void
cs_window_show_toast(CsWindow *self, const char *message)
{
  g_return_if_fail(CS_IS_WINDOW(self));

  adw_toast_overlay_add_toast(self->toast_overlay, adw_toast_new(message));
}

void
cs_window_open_file(CsWindow *self, GFile *file)
{
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;

  g_return_if_fail(CS_IS_WINDOW(self));
  g_return_if_fail(G_IS_FILE(file));

  name = g_file_get_basename(file);
  /* Translators: %s is a file name. */
  message =
      g_strdup_printf(_("Cannot open “%s”: this version cannot read sweeps or studies yet"), name);
  cs_window_show_toast(self, message);
}

static void
chooser_response_cb(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  CsWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));

    if (file != NULL)
      cs_window_open_file(self, file);
  }
  g_clear_object(&self->chooser);
}

static void
add_filter(GtkFileChooser *chooser, const char *name, const char *const *patterns)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new();

  gtk_file_filter_set_name(filter, name);
  for (gsize i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern(filter, patterns[i]);
  gtk_file_chooser_add_filter(chooser, filter);
}

static void
open_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  static const char *const supported[] = { "*.json", "*.mp4", "*.m4v",  "*.avi", "*.mkv",
                                           "*.mov",  "*.wmv", "*.png",  "*.jpg", "*.jpeg",
                                           "*.bmp",  "*.tif", "*.tiff", NULL };
  static const char *const studies[] = { "*.json", NULL };
  static const char *const everything[] = { "*", NULL };
  CsWindow *self = CS_WINDOW(widget);

  if (self->chooser != NULL) {
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
    return;
  }
  self->chooser =
      gtk_file_chooser_native_new(_("Open a Sweep or Study"), GTK_WINDOW(self),
                                  GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
  add_filter(GTK_FILE_CHOOSER(self->chooser), _("Sweeps and studies"), supported);
  add_filter(GTK_FILE_CHOOSER(self->chooser), _("Studies (study.json)"), studies);
  add_filter(GTK_FILE_CHOOSER(self->chooser), _("All files"), everything);
  g_signal_connect(self->chooser, "response", G_CALLBACK(chooser_response_cb), self);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

static void
cs_window_dispose(GObject *object)
{
  CsWindow *self = CS_WINDOW(object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
  g_clear_object(&self->chooser);
  gtk_widget_dispose_template(GTK_WIDGET(self), CS_TYPE_WINDOW);
  G_OBJECT_CLASS(cs_window_parent_class)->dispose(object);
}

static void
cs_window_class_init(CsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = cs_window_dispose;

  gtk_widget_class_set_template_from_resource(widget_class, RESOURCE_PREFIX "/ui/cs-window.ui");
  gtk_widget_class_bind_template_child(widget_class, CsWindow, toast_overlay);
  gtk_widget_class_bind_template_child(widget_class, CsWindow, content_stack);
  gtk_widget_class_bind_template_child(widget_class, CsWindow, empty_page);

  gtk_widget_class_install_action(widget_class, "win.open", NULL, open_action_cb);
}

static void
cs_window_init(CsWindow *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
}
