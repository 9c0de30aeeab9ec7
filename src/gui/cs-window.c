/* cs-window.c — the main window: the case list and selection, the title, getters, life cycle
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Its actions, files, analysis and reports are in the sibling files cs-window-*.c; what they
 * share is in cs-window-private.h.
 */
#include "config.h"

#include "cs-window-private.h"

#include <glib/gi18n.h>

#include "cs-study-edit.h"
#include "cs-study.h"
#include "cs-viewer-pane.h"

G_DEFINE_FINAL_TYPE(CsWindow, cs_window, ADW_TYPE_APPLICATION_WINDOW)

static void select_case(CsWindow *self, CsCase *c);

CsWindow *
cs_window_new(CsApplication *application)
{
  return g_object_new(CS_TYPE_WINDOW, "application", application, NULL);
}

void
cs_window_show_toast(CsWindow *self, const char *message)
{
  AdwToast *toast;

  g_return_if_fail(CS_IS_WINDOW(self));

  toast = adw_toast_new(message);
  adw_toast_set_timeout(toast, 6);
  adw_toast_overlay_add_toast(self->toast_overlay, toast);
}

void
cs_window_show_error(CsWindow *self, const char *heading, const GError *error)
{
  AdwMessageDialog *dialog =
      ADW_MESSAGE_DIALOG(adw_message_dialog_new(GTK_WINDOW(self), heading, error->message));

  adw_message_dialog_add_response(dialog, "close", _("_Close"));
  gtk_window_present(GTK_WINDOW(dialog));
}

CsStudy *
cs_window_get_study(CsWindow *self)
{
  g_return_val_if_fail(CS_IS_WINDOW(self), NULL);
  return self->study;
}

/* The case list. */

static char *
case_subtitle(CsCase *c)
{
  const char *hand = cs_case_get_hand(c) == CS_HAND_LEFT    ? _("left")
                     : cs_case_get_hand(c) == CS_HAND_RIGHT ? _("right")
                                                            : _("hand ?");
  const char *group = cs_case_get_group(c) == CS_GROUP_CTS       ? _("CTS")
                      : cs_case_get_group(c) == CS_GROUP_CONTROL ? _("control")
                                                                 : _("unlabelled");
  GString *text = g_string_new(NULL);

  g_string_append_printf(text, "%s · %s", hand, group);
  if (cs_case_get_stage(c) >= 0)
    g_string_append_printf(text, _(" · stage %d"), cs_case_get_stage(c));
  if (cs_case_get_n_results(c) > 0)
    g_string_append(text, _(" · analysed"));
  return g_string_free(text, FALSE);
}

static void
row_case_changed_cb(CsCase *c, AdwActionRow *row)
{
  g_autofree char *subtitle = case_subtitle(c);

  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), cs_case_get_id(c));
  adw_action_row_set_subtitle(row, subtitle);
}

static GtkWidget *
create_case_row(gpointer item, gpointer user_data)
{
  CsCase *c = item;
  GtkWidget *row = adw_action_row_new();

  row_case_changed_cb(c, ADW_ACTION_ROW(row));
  g_signal_connect_object(c, "changed", G_CALLBACK(row_case_changed_cb), row, 0);
  g_object_set_data_full(G_OBJECT(row), "case", g_object_ref(c), g_object_unref);
  return row;
}

static void
case_row_selected_cb(GtkListBox *list, GtkListBoxRow *row, CsWindow *self)
{
  CsCase *c = row != NULL ? g_object_get_data(G_OBJECT(row), "case") : NULL;

  if (c != NULL && c != self->current_case)
    select_case(self, c);
}

/* Title and subtitle. */

void
cs_window_update_title(CsWindow *self)
{
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;

  if (self->study == NULL) {
    adw_window_title_set_title(self->window_title, _("Carpalscope"));
    adw_window_title_set_subtitle(self->window_title, "");
    return;
  }
  if (cs_study_get_path(self->study) != NULL)
    title = g_path_get_basename(cs_study_get_dir(self->study));
  else
    title = g_strdup(_("Unsaved Study"));
  if (cs_study_get_dirty(self->study))
    title = g_strconcat("• ", title, NULL);
  if (self->current_case != NULL)
    subtitle = g_strdup_printf(_("Case %s"), cs_case_get_id(self->current_case));
  adw_window_title_set_title(self->window_title, title);
  adw_window_title_set_subtitle(self->window_title, subtitle != NULL ? subtitle : "");
}

static void
study_dirty_cb(CsStudy *study, GParamSpec *pspec, CsWindow *self)
{
  cs_window_update_title(self);
  cs_window_schedule_autosave(self);
}

/* Study and case. */

void
cs_window_set_study(CsWindow *self, CsStudy *study)
{
  if (self->study != NULL) {
    g_clear_signal_handler(&self->study_dirty_id, self->study);
  }
  g_clear_handle_id(&self->autosave_source, g_source_remove);
  select_case(self, NULL);
  g_set_object(&self->study, study);
  cs_window_study_history_reset(self);
  cs_window_lock_follow_study(self);
  gtk_list_box_bind_model(self->case_list, study != NULL ? G_LIST_MODEL(study) : NULL,
                          create_case_row, NULL, NULL);
  if (study != NULL) {
    self->study_dirty_id =
        g_signal_connect(study, "notify::dirty", G_CALLBACK(study_dirty_cb), self);
    gtk_stack_set_visible_child_name(self->content_stack, "review");
    if (cs_study_get_n_cases(study) > 0) {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index(self->case_list, 0);

      gtk_list_box_select_row(self->case_list, row);
      select_case(self, cs_study_get_case(study, 0));
    }
    cs_window_schedule_autosave(self);
  } else {
    gtk_stack_set_visible_child_name(self->content_stack, "empty");
  }
  cs_window_update_title(self);
  cs_window_update_actions(self);
}

static void
current_case_changed_cb(CsCase *c, CsWindow *self)
{
  cs_window_show_strip_values(self);
  cs_window_update_title(self);
}

static void
sweep_opened_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) sweep = cs_sweep_open_finish(result, &error);

  if (error != NULL && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (self->current_case == NULL)
    return;
  if (sweep == NULL) {
    g_autofree char *heading =
        g_strdup_printf(_("Cannot Open the Sweep of Case %s"), cs_case_get_id(self->current_case));

    cs_window_show_error(self, heading, error);
    return;
  }
  g_set_object(&self->sweep, sweep);
  cs_viewer_pane_set_sweep(self->viewer_pane, sweep, self->current_case);
  cs_explain_panel_set_case(self->explain_panel, sweep, self->current_case);
  cs_analysis_panel_set_sweep(self->analysis_panel, sweep);
  cs_case_panel_set_sweep(self->case_panel, sweep, self->study);
  cs_window_show_strip_values(self);
  cs_window_update_actions(self);
  gtk_widget_grab_focus(GTK_WIDGET(cs_viewer_pane_get_frame_view(self->viewer_pane)));
}

static void
select_case(CsWindow *self, CsCase *c)
{
  g_autofree char *path = NULL;

  if (self->current_case != NULL)
    g_clear_signal_handler(&self->case_changed_id, self->current_case);
  g_cancellable_cancel(self->open_cancellable);
  g_clear_object(&self->open_cancellable);
  cs_window_cancel_analysis(self);
  g_set_object(&self->current_case, c);
  g_clear_object(&self->sweep);
  cs_viewer_pane_set_sweep(self->viewer_pane, NULL, NULL);
  cs_explain_panel_set_case(self->explain_panel, NULL, NULL);
  cs_analysis_panel_set_sweep(self->analysis_panel, NULL);
  cs_case_panel_set_sweep(self->case_panel, NULL, NULL);
  cs_case_panel_set_case(self->case_panel, c);
  cs_analysis_panel_set_case(self->analysis_panel, c);
  cs_window_update_title(self);
  cs_window_update_actions(self);
  if (c == NULL)
    return;
  self->case_changed_id = g_signal_connect(c, "changed", G_CALLBACK(current_case_changed_cb), self);
  path = cs_study_dup_sweep_path(self->study, c);
  if (path == NULL) {
    cs_window_show_toast(self, _("This case has no sweep"));
    return;
  }
  self->open_cancellable = g_cancellable_new();
  cs_sweep_open_async(path, self->open_cancellable, sweep_opened_cb, g_object_ref(self));
}

void
cs_window_select_case(CsWindow *self, CsCase *c)
{
  int index = c != NULL && self->study != NULL ? cs_study_get_case_index(self->study, c) : -1;

  g_return_if_fail(CS_IS_WINDOW(self));

  gtk_list_box_select_row(
      self->case_list, index >= 0 ? gtk_list_box_get_row_at_index(self->case_list, index) : NULL);
  if (c != self->current_case)
    select_case(self, index >= 0 ? c : NULL);
}

CsCase *
cs_window_get_case(CsWindow *self)
{
  g_return_val_if_fail(CS_IS_WINDOW(self), NULL);
  return self->current_case;
}

gboolean
cs_window_is_analysing(CsWindow *self)
{
  g_return_val_if_fail(CS_IS_WINDOW(self), FALSE);
  return self->analysis_relay != NULL;
}

static void
frame_changed_cb(CsViewerPane *pane, int frame, CsWindow *self)
{
  cs_analysis_panel_set_frame(self->analysis_panel, frame);
  cs_explain_panel_set_frame(self->explain_panel, frame);
}

static void
panel_frame_activated_cb(CsAnalysisPanel *panel, int frame, CsWindow *self)
{
  adw_view_stack_set_visible_child_name(self->main_stack, "viewer");
  cs_viewer_pane_set_frame_index(self->viewer_pane, frame);
}

static gboolean
cs_window_close_request(GtkWindow *window)
{
  CsWindow *self = CS_WINDOW(window);

  if (self->settings != NULL) {
    int width, height;

    gtk_window_get_default_size(window, &width, &height);
    g_settings_set_int(self->settings, "window-width", width);
    g_settings_set_int(self->settings, "window-height", height);
    g_settings_set_boolean(self->settings, "window-maximized", gtk_window_is_maximized(window));
  }
  /* Never lose the user's work: an unsaved study is saved, or the user is asked first. */
  if (!cs_window_confirm_close(self))
    return TRUE;
  /* The workers hold the window and the panel until they end: stop them now, or quitting would
   * wait for them to finish. */
  cs_window_cancel_analysis(self);
  cs_explain_panel_cancel(self->explain_panel);
  return GTK_WINDOW_CLASS(cs_window_parent_class)->close_request(window);
}

CsViewerPane *
cs_window_get_viewer_pane(CsWindow *self)
{
  g_return_val_if_fail(CS_IS_WINDOW(self), NULL);
  return self->viewer_pane;
}

CsExplainPanel *
cs_window_get_explain_panel(CsWindow *self)
{
  g_return_val_if_fail(CS_IS_WINDOW(self), NULL);
  return self->explain_panel;
}

static void
cs_window_dispose(GObject *object)
{
  CsWindow *self = CS_WINDOW(object);

  g_clear_handle_id(&self->autosave_source, g_source_remove);
  cs_window_present_dispose(self);
  cs_window_analysis_dispose(self);
  cs_window_lock_dispose(self);
  if (self->explain_panel != NULL)
    cs_explain_panel_cancel(self->explain_panel);
  g_cancellable_cancel(self->report_cancellable);
  g_clear_object(&self->report_cancellable);
  g_clear_object(&self->report_toast);
  g_cancellable_cancel(self->open_cancellable);
  g_clear_object(&self->open_cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
  g_clear_object(&self->chooser);
  if (self->current_case != NULL)
    g_clear_signal_handler(&self->case_changed_id, self->current_case);
  g_clear_object(&self->current_case);
  if (self->study != NULL)
    g_clear_signal_handler(&self->study_dirty_id, self->study);
  g_clear_object(&self->history);
  g_clear_object(&self->study);
  g_clear_object(&self->sweep);
  g_clear_object(&self->settings);
  gtk_widget_dispose_template(GTK_WIDGET(self), CS_TYPE_WINDOW);
  G_OBJECT_CLASS(cs_window_parent_class)->dispose(object);
}

static void
cs_window_finalize(GObject *object)
{
  CsWindow *self = CS_WINDOW(object);

  g_assert(self->analysis_relay == NULL);
  G_OBJECT_CLASS(cs_window_parent_class)->finalize(object);
}

static void
cs_window_class_init(CsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS(klass);

  object_class->dispose = cs_window_dispose;
  object_class->finalize = cs_window_finalize;
  window_class->close_request = cs_window_close_request;

  g_type_ensure(CS_TYPE_VIEWER_PANE);
  g_type_ensure(CS_TYPE_EXPLAIN_PANEL);
  g_type_ensure(CS_TYPE_ANALYSIS_PANEL);
  g_type_ensure(CS_TYPE_CASE_PANEL);
  gtk_widget_class_set_template_from_resource(widget_class, RESOURCE_PREFIX "/ui/cs-window.ui");
  gtk_widget_class_bind_template_child(widget_class, CsWindow, window_title);
  gtk_widget_class_bind_template_child(widget_class, CsWindow, toast_overlay);
  gtk_widget_class_bind_template_child(widget_class, CsWindow, content_stack);
  gtk_widget_class_bind_template_child(widget_class, CsWindow, case_list);
  gtk_widget_class_bind_template_child(widget_class, CsWindow, main_stack);
  gtk_widget_class_bind_template_child(widget_class, CsWindow, viewer_pane);
  gtk_widget_class_bind_template_child(widget_class, CsWindow, explain_panel);
  gtk_widget_class_bind_template_child(widget_class, CsWindow, inspector_stack);
  gtk_widget_class_bind_template_child(widget_class, CsWindow, analysis_panel);
  gtk_widget_class_bind_template_child(widget_class, CsWindow, case_panel);
  gtk_widget_class_bind_template_child(widget_class, CsWindow, recent_section);

  cs_window_class_actions_init(klass);
}

/* The literature cut-offs of Preferences, shown beside the traced areas. */
static void
csa_settings_changed_cb(GSettings *settings, const char *key, CsWindow *self)
{
  cs_analysis_panel_set_csa_cutoff(self->analysis_panel,
                                   g_settings_get_double(settings, "csa-cutoff"));
  cs_analysis_panel_set_forearm_cutoffs(self->analysis_panel,
                                        g_settings_get_double(settings, "csa-wrist-forearm-ratio"),
                                        g_settings_get_double(settings, "csa-delta-cutoff"));
}

static void
cs_window_init(CsWindow *self)
{
  GSettingsSchema *schema =
      g_settings_schema_source_lookup(g_settings_schema_source_get_default(), APPLICATION_ID, TRUE);

  gtk_widget_init_template(GTK_WIDGET(self));
  cs_window_actions_init(self);

  /* Settings are optional so that the window works uninstalled without a compiled schema. */
  if (schema != NULL) {
    self->settings = g_settings_new(APPLICATION_ID);
    g_settings_schema_unref(schema);
    gtk_window_set_default_size(GTK_WINDOW(self),
                                g_settings_get_int(self->settings, "window-width"),
                                g_settings_get_int(self->settings, "window-height"));
    if (g_settings_get_boolean(self->settings, "window-maximized"))
      gtk_window_maximize(GTK_WINDOW(self));
    g_settings_bind(self->settings, "threshold", self->analysis_panel, "threshold",
                    G_SETTINGS_BIND_DEFAULT);
    csa_settings_changed_cb(self->settings, NULL, self);
    g_signal_connect(self->settings, "changed::csa-cutoff", G_CALLBACK(csa_settings_changed_cb),
                     self);
    g_signal_connect(self->settings, "changed::csa-wrist-forearm-ratio",
                     G_CALLBACK(csa_settings_changed_cb), self);
    g_signal_connect(self->settings, "changed::csa-delta-cutoff",
                     G_CALLBACK(csa_settings_changed_cb), self);
    {
      g_autofree char *model = g_settings_get_string(self->settings, "default-model");

      if (model[0] != '\0')
        cs_analysis_panel_set_model_id(self->analysis_panel, model);
    }
    cs_explain_panel_set_settings(self->explain_panel, self->settings);
  }

  cs_window_files_init(self);
  cs_window_lock_init(self);
  cs_window_study_init(self);
  cs_window_present_init(self);
  g_signal_connect(self->case_list, "row-selected", G_CALLBACK(case_row_selected_cb), self);
  g_signal_connect(self->viewer_pane, "frame-changed", G_CALLBACK(frame_changed_cb), self);
  g_signal_connect(self->analysis_panel, "frame-activated", G_CALLBACK(panel_frame_activated_cb),
                   self);
  cs_window_analysis_init(self);

  g_object_bind_property(self->analysis_panel, "model-id", self->explain_panel, "model-id",
                         G_BINDING_SYNC_CREATE);
  cs_window_update_actions(self);
}
