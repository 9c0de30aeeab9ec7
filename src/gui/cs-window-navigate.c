/* cs-window-navigate.c — the window's actions that move to a case or a frame and explain the
 * frame shown, for scripts (exported on the session bus with the window's other actions)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   win.select-case "ID"   shows the case of that id (its sweep opens in the background)
 *   win.go-to-frame N      shows frame N (0-based) of the sweep on show
 *   win.explain            explains the frame shown, as the Explain page's button does; its
 *                          state (ii) counts the explanations finished, shown and not shown
 */
#include "config.h"

#include "cs-window-private.h"

#include <glib/gi18n.h>

static void
select_case_cb(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CsWindow *self = CS_WINDOW(user_data);
  const char *id = g_variant_get_string(parameter, NULL);
  CsCase *c = self->study != NULL ? cs_study_find_case(self->study, id) : NULL;

  if (c == NULL) {
    g_autofree char *message = g_strdup_printf(_("No case %s in this study"), id);

    cs_window_show_toast(self, message);
    return;
  }
  cs_window_select_case(self, c);
}

static void
go_to_frame_cb(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CsWindow *self = CS_WINDOW(user_data);
  int frame = g_variant_get_int32(parameter);

  if (self->sweep == NULL || frame < 0 || frame >= cs_sweep_get_n_frames(self->sweep))
    return;
  cs_viewer_pane_set_frame_index(self->viewer_pane, frame);
}

static void
explain_cb(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CsWindow *self = CS_WINDOW(user_data);

  adw_view_stack_set_visible_child_name(self->main_stack, "explain");
  if (cs_explain_panel_explain(self->explain_panel))
    cs_window_update_actions(self);
}

static void
explain_finished_cb(CsExplainPanel *panel, gboolean ok, CsWindow *self)
{
  GAction *action = g_action_map_lookup_action(G_ACTION_MAP(self), "explain");
  g_autoptr(GVariant) state = g_action_get_state(action);
  int shown, not_shown;

  g_variant_get(state, "(ii)", &shown, &not_shown);
  g_simple_action_set_state(G_SIMPLE_ACTION(action),
                            g_variant_new("(ii)", shown + (ok ? 1 : 0), not_shown + (ok ? 0 : 1)));
  cs_window_update_actions(self);
}

void
cs_window_navigate_init(CsWindow *self)
{
  g_autoptr(GSimpleAction) select_case = g_simple_action_new("select-case", G_VARIANT_TYPE("s"));
  g_autoptr(GSimpleAction) go_to_frame = g_simple_action_new("go-to-frame", G_VARIANT_TYPE("i"));
  g_autoptr(GSimpleAction) explain =
      g_simple_action_new_stateful("explain", NULL, g_variant_new("(ii)", 0, 0));

  g_signal_connect_object(select_case, "activate", G_CALLBACK(select_case_cb), self, 0);
  g_signal_connect_object(go_to_frame, "activate", G_CALLBACK(go_to_frame_cb), self, 0);
  g_signal_connect_object(explain, "activate", G_CALLBACK(explain_cb), self, 0);
  g_action_map_add_action(G_ACTION_MAP(self), G_ACTION(select_case));
  g_action_map_add_action(G_ACTION_MAP(self), G_ACTION(go_to_frame));
  g_action_map_add_action(G_ACTION_MAP(self), G_ACTION(explain));
  g_signal_connect_object(self->explain_panel, "finished", G_CALLBACK(explain_finished_cb), self,
                          0);
}

void
cs_window_navigate_update_actions(CsWindow *self)
{
  gboolean has_sweep = self->sweep != NULL;
  GActionMap *map = G_ACTION_MAP(self);

  g_simple_action_set_enabled(G_SIMPLE_ACTION(g_action_map_lookup_action(map, "select-case")),
                              self->study != NULL);
  g_simple_action_set_enabled(G_SIMPLE_ACTION(g_action_map_lookup_action(map, "go-to-frame")),
                              has_sweep);
  g_simple_action_set_enabled(G_SIMPLE_ACTION(g_action_map_lookup_action(map, "explain")),
                              has_sweep && !cs_explain_panel_is_running(self->explain_panel));
}
