/* cs-window-present.c — the window's presentation mode: its actions and the full-screen window
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Presentation mode is driven only through actions of the main window, so that F5, the keys and
 * buttons of the presentation window and a script on the session bus take one path:
 *   win.present           (state b)  enter (true) or leave (false) presentation mode; F5, Esc
 *   win.present-next      ()         the next case (Page Down, Right, Down, Space)
 *   win.present-previous  ()         the previous case (Page Up, Left, Up, Backspace)
 *   win.present-blind     (state b)  hide the case id, label, stage, nerve conduction and p(CTS)
 * (B) win.reveal            (state b)  show them while blind (R); each new case starts hidden again
 *   win.present-heatmaps  (state b)  the heat maps over the crops (O)
 *   win.present-outlines  (state b)  the ROI and the tracings over the frame (T)
 *   win.present-colormap  (state s)  the colour map; activating moves to the next one (C)
 *   win.present-compare   (state s)  the id of a second model whose maps show below the first's
 *                                    ("": one model); activating switches between one model
 *                                    and the first other classifier installed (M)
 * The switches are the actions' states; the presentation window only shows them.
 */
#include "config.h"

#include "cs-window-private.h"

#include <glib/gi18n.h>

#include "cs-presentation.h"
#include "cs-study-edit.h"

static CsPresentation *
presentation(CsWindow *self)
{
  return self->presentation;
}

static GVariant *
state(CsWindow *self, const char *name)
{
  return g_action_group_get_action_state(G_ACTION_GROUP(self), name);
}

static gboolean
get_flag(CsWindow *self, const char *name)
{
  g_autoptr(GVariant) value = state(self, name);

  return g_variant_get_boolean(value);
}

static CsColormap
get_colormap(CsWindow *self)
{
  g_autoptr(GVariant) value = state(self, "present-colormap");
  CsColormap colormap = CS_COLORMAP_INFERNO;

  cs_colormap_from_name(g_variant_get_string(value, NULL), &colormap);
  return colormap;
}

static void
set_enabled(CsWindow *self, const char *name, gboolean enabled)
{
  GAction *action = g_action_map_lookup_action(G_ACTION_MAP(self), name);

  g_simple_action_set_enabled(G_SIMPLE_ACTION(action), enabled);
}

static void
set_flag(CsWindow *self, const char *name, gboolean value)
{
  GAction *action = g_action_map_lookup_action(G_ACTION_MAP(self), name);

  g_simple_action_set_state(G_SIMPLE_ACTION(action), g_variant_new_boolean(value));
}

/* The classifier @id of the catalogue the analysis panel offers, or with @id NULL the first
 * classifier other than @other; NULL when there is none. */
static char *
dup_classifier(CsWindow *self, const char *id, const char *other)
{
  g_autoptr(CsModelCatalog) catalog = NULL;
  GListModel *models;

  g_object_get(self->analysis_panel, "model-catalog", &catalog, NULL);
  if (catalog == NULL)
    return NULL;
  models = G_LIST_MODEL(catalog);
  for (guint i = 0; i < g_list_model_get_n_items(models); i++) {
    g_autoptr(CsModelInfo) info = g_list_model_get_item(models, i);
    const char *name = cs_model_info_get_id(info);

    if (cs_model_info_get_kind(info) == CS_MODEL_KIND_CLASSIFIER &&
        (id != NULL ? g_strcmp0(name, id) == 0 : g_strcmp0(name, other) != 0))
      return g_strdup(name);
  }
  return NULL;
}

/* The second model chosen, or NULL for one. */
static char *
dup_compared(CsWindow *self)
{
  g_autoptr(GVariant) value = state(self, "present-compare");
  const char *id = g_variant_get_string(value, NULL);

  return id[0] != '\0' ? g_strdup(id) : NULL;
}

/* Sets the models and the explainers' parameters as the window has them now. */
static void
configure(CsWindow *self, CsPresentation *shown)
{
  g_autofree char *second = dup_compared(self);
  CsExplainOptions options;

  cs_explain_panel_get_options(self->explain_panel, &options);
  cs_presentation_set_options(shown, &options);
  cs_presentation_set_models(shown, cs_analysis_panel_get_model_id(self->analysis_panel), second);
}

/* Shows case @index (wrapping around the study) from its first frame worth showing. */
static void
show_case(CsWindow *self, CsPresentation *shown, int index, int frame)
{
  int n = (int)cs_study_get_n_cases(self->study);

  set_flag(self, "reveal", FALSE);
  cs_presentation_set_revealed(shown, FALSE);
  cs_presentation_show_case(shown, self->study, (guint)(((index % n) + n) % n), frame);
}

static void
enter(CsWindow *self)
{
  CsPresentation *shown;
  int index = 0, frame = -1;

  if (self->study == NULL || cs_study_get_n_cases(self->study) == 0) {
    cs_window_show_toast(self, _("Open a study with cases to present it"));
    return;
  }
  shown = cs_presentation_new(GTK_WINDOW(self));
  self->presentation = g_object_ref(shown);
  /* The monitor's size, for when no window manager makes it full screen. */
  if (gtk_native_get_surface(GTK_NATIVE(self)) != NULL) {
    GdkMonitor *monitor = gdk_display_get_monitor_at_surface(
        gtk_widget_get_display(GTK_WIDGET(self)), gtk_native_get_surface(GTK_NATIVE(self)));
    GdkRectangle geometry;

    if (monitor != NULL) {
      gdk_monitor_get_geometry(monitor, &geometry);
      gtk_window_set_default_size(GTK_WINDOW(shown), geometry.width, geometry.height);
    }
  }
  if (self->current_case != NULL) {
    index = cs_study_get_case_index(self->study, self->current_case);
    if (self->sweep != NULL)
      frame = cs_viewer_pane_get_frame_index(self->viewer_pane);
  }
  cs_presentation_set_blind(shown, get_flag(self, "present-blind"));
  cs_presentation_set_heatmaps_visible(shown, get_flag(self, "present-heatmaps"));
  cs_presentation_set_outlines_visible(shown, get_flag(self, "present-outlines"));
  cs_presentation_set_colormap(shown, get_colormap(self));
  if (self->settings != NULL)
    cs_presentation_set_opacity(shown, g_settings_get_double(self->settings, "overlay-opacity"));
  configure(self, shown);
  show_case(self, shown, MAX(index, 0), frame);
  gtk_window_fullscreen(GTK_WINDOW(shown));
  gtk_window_present(GTK_WINDOW(shown));
  set_flag(self, "present", TRUE);
}

/* Destroys the presentation window (GTK's window list holds it until then) and drops ours. */
static void
close_presentation(CsWindow *self)
{
  if (self->presentation == NULL)
    return;
  gtk_window_destroy(GTK_WINDOW(self->presentation));
  g_clear_object(&self->presentation);
}

static void
leave(CsWindow *self)
{
  CsPresentation *shown = presentation(self);
  CsCase *c = shown != NULL ? cs_presentation_get_case(shown) : NULL;

  set_flag(self, "present", FALSE);
  set_flag(self, "reveal", FALSE);
  /* The main window goes on from the case the class saw last. */
  if (c != NULL && self->study != NULL && cs_study_get_case_index(self->study, c) >= 0)
    cs_window_select_case(self, c);
  close_presentation(self);
  gtk_window_present(GTK_WINDOW(self));
}

static void
update_enabled(CsWindow *self)
{
  gboolean presenting = presentation(self) != NULL;

  set_enabled(self, "present-next", presenting);
  set_enabled(self, "present-previous", presenting);
  set_enabled(self, "reveal", presenting);
}

static void
present_change_cb(GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CsWindow *self = user_data;

  if (g_variant_get_boolean(value) && presentation(self) == NULL)
    enter(self);
  else if (!g_variant_get_boolean(value) && presentation(self) != NULL)
    leave(self);
  update_enabled(self);
}

static void
step_cb(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CsWindow *self = user_data;
  CsPresentation *shown = presentation(self);
  int step = g_str_equal(g_action_get_name(G_ACTION(action)), "present-next") ? 1 : -1;

  if (shown == NULL || self->study == NULL || cs_study_get_n_cases(self->study) == 0)
    return;
  /* The study may have changed under the presentation: go on from where its case is now. */
  if (cs_presentation_get_case(shown) != NULL &&
      cs_study_get_case_index(self->study, cs_presentation_get_case(shown)) >= 0)
    show_case(self, shown,
              cs_study_get_case_index(self->study, cs_presentation_get_case(shown)) + step, -1);
  else
    show_case(self, shown, 0, -1);
}

/* A switch changed (by a key, a button, a script): store it and show it. */
static void
flag_change_cb(GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CsWindow *self = user_data;
  CsPresentation *shown = presentation(self);
  const char *name = g_action_get_name(G_ACTION(action));
  gboolean on = g_variant_get_boolean(value);

  g_simple_action_set_state(action, value);
  if (shown == NULL)
    return;
  if (g_str_equal(name, "present-blind")) {
    cs_presentation_set_blind(shown, on);
  } else if (g_str_equal(name, "reveal")) {
    cs_presentation_set_revealed(shown, on);
  } else if (g_str_equal(name, "present-heatmaps")) {
    cs_presentation_set_heatmaps_visible(shown, on);
  } else if (g_str_equal(name, "present-outlines")) {
    cs_presentation_set_outlines_visible(shown, on);
  }
}

/* A second model chosen (its id) or none (""): the case shown is explained again. */
static void
compare_change_cb(GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CsWindow *self = user_data;
  CsPresentation *shown = presentation(self);
  const char *id = g_variant_get_string(value, NULL);
  g_autofree char *known = id[0] != '\0' ? dup_classifier(self, id, NULL) : NULL;

  if (id[0] != '\0' && known == NULL) {
    g_autofree char *message = g_strdup_printf(_("No classifier “%s” is installed"), id);

    cs_window_show_toast(self, message);
    return;
  }
  g_simple_action_set_state(action, value);
  if (shown == NULL)
    return;
  configure(self, shown);
  show_case(self, shown, (int)cs_presentation_get_index(shown), cs_presentation_get_frame(shown));
}

/* M: one model, or two with the first other classifier installed. */
static void
compare_activate_cb(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CsWindow *self = user_data;
  g_autofree char *now = dup_compared(self);
  g_autofree char *second =
      now != NULL
          ? NULL
          : dup_classifier(self, NULL, cs_analysis_panel_get_model_id(self->analysis_panel));

  if (now == NULL && second == NULL) {
    cs_window_show_toast(self, _("Only one model is installed: nothing to compare with"));
    return;
  }
  g_action_change_state(G_ACTION(action), g_variant_new_string(second != NULL ? second : ""));
}

static void
colormap_change_cb(GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CsWindow *self = user_data;
  CsColormap colormap;

  if (!cs_colormap_from_name(g_variant_get_string(value, NULL), &colormap) ||
      colormap == CS_COLORMAP_DIVERGING)
    return;
  g_simple_action_set_state(action, value);
  if (presentation(self) != NULL)
    cs_presentation_set_colormap(presentation(self), colormap);
}

/* Activating the colour map moves on to the next one of the maps offered for unsigned maps. */
static void
colormap_activate_cb(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  static const CsColormap cycle[] = { CS_COLORMAP_VIRIDIS, CS_COLORMAP_INFERNO, CS_COLORMAP_TURBO };
  CsColormap now = get_colormap(user_data);
  gsize next = 0;

  for (gsize i = 0; i < G_N_ELEMENTS(cycle); i++)
    if (cycle[i] == now)
      next = (i + 1) % G_N_ELEMENTS(cycle);
  g_action_change_state(G_ACTION(action), g_variant_new_string(cs_colormap_name(cycle[next])));
}

void
cs_window_present_init(CsWindow *self)
{
  static const struct {
    const char *name;
    gboolean initial;
  } flags[] = {
    { "present-blind", FALSE },
    { "reveal", FALSE },
    { "present-heatmaps", TRUE },
    { "present-outlines", TRUE },
  };
  g_autofree char *colormap = NULL;
  GSimpleAction *action;

  action = g_simple_action_new_stateful("present", NULL, g_variant_new_boolean(FALSE));
  g_signal_connect_object(action, "change-state", G_CALLBACK(present_change_cb), self, 0);
  g_action_map_add_action(G_ACTION_MAP(self), G_ACTION(action));
  g_object_unref(action);
  for (gsize i = 0; i < G_N_ELEMENTS(flags); i++) {
    action =
        g_simple_action_new_stateful(flags[i].name, NULL, g_variant_new_boolean(flags[i].initial));
    g_signal_connect_object(action, "change-state", G_CALLBACK(flag_change_cb), self, 0);
    g_action_map_add_action(G_ACTION_MAP(self), G_ACTION(action));
    g_object_unref(action);
  }
  for (int i = 0; i < 2; i++) {
    action = g_simple_action_new(i == 0 ? "present-next" : "present-previous", NULL);
    g_signal_connect_object(action, "activate", G_CALLBACK(step_cb), self, 0);
    g_action_map_add_action(G_ACTION_MAP(self), G_ACTION(action));
    g_object_unref(action);
  }
  colormap = self->settings != NULL ? g_settings_get_string(self->settings, "color-map")
                                    : g_strdup(cs_colormap_name(CS_COLORMAP_INFERNO));
  action = g_simple_action_new_stateful("present-colormap", NULL, g_variant_new_string(colormap));
  g_signal_connect_object(action, "change-state", G_CALLBACK(colormap_change_cb), self, 0);
  g_signal_connect_object(action, "activate", G_CALLBACK(colormap_activate_cb), self, 0);
  g_action_map_add_action(G_ACTION_MAP(self), G_ACTION(action));
  g_object_unref(action);
  action = g_simple_action_new_stateful("present-compare", NULL, g_variant_new_string(""));
  g_signal_connect_object(action, "change-state", G_CALLBACK(compare_change_cb), self, 0);
  g_signal_connect_object(action, "activate", G_CALLBACK(compare_activate_cb), self, 0);
  g_action_map_add_action(G_ACTION_MAP(self), G_ACTION(action));
  g_object_unref(action);
  update_enabled(self);
}

void
cs_window_present_dispose(CsWindow *self)
{
  close_presentation(self);
}

CsPresentation *
cs_window_get_presentation(CsWindow *self)
{
  g_return_val_if_fail(CS_IS_WINDOW(self), NULL);
  return presentation(self);
}
