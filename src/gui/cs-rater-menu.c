/* cs-rater-menu.c — the viewer's menu of raters: show or hide each rater's tracings
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-rater-menu.h"

#include <glib/gi18n.h>

typedef struct {
  CsViewerPane *pane; /* Owns the button, hence the menu. */
  GtkBox *box;
} Menu;

const char *
cs_rater_key(const CsTracing *tracing)
{
  g_return_val_if_fail(tracing != NULL, "");
  return tracing->rater != NULL ? tracing->rater : "";
}

char **
cs_rater_menu_dup_raters(CsCase *c, guint **counts)
{
  g_autoptr(GPtrArray) raters = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GArray) n = g_array_new(FALSE, TRUE, sizeof(guint));

  for (guint i = 0; c != NULL && i < cs_case_get_n_tracings(c); i++) {
    const char *key = cs_rater_key(cs_case_get_tracing(c, i));
    guint at;

    if (!g_ptr_array_find_with_equal_func(raters, key, g_str_equal, &at)) {
      guint zero = 0;

      at = raters->len;
      g_ptr_array_add(raters, g_strdup(key));
      g_array_append_val(n, zero);
    }
    g_array_index(n, guint, at)++;
  }
  g_ptr_array_add(raters, NULL);
  if (counts != NULL)
    *counts = (guint *)g_array_free(g_steal_pointer(&n), FALSE);
  return (char **)g_ptr_array_free(g_steal_pointer(&raters), FALSE);
}

static void
check_toggled_cb(GtkCheckButton *check, Menu *menu)
{
  const char *rater = g_object_get_data(G_OBJECT(check), "rater");

  cs_viewer_pane_set_rater_shown(menu->pane, rater, gtk_check_button_get_active(check));
}

/* Lists the case's raters afresh each time the popover opens: tracings come and go. */
static void
popover_show_cb(GtkPopover *popover, Menu *menu)
{
  CsCase *c = cs_viewer_pane_get_case(menu->pane);
  g_autofree guint *counts = NULL;
  g_auto(GStrv) raters = cs_rater_menu_dup_raters(c, &counts);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child(GTK_WIDGET(menu->box))) != NULL)
    gtk_box_remove(menu->box, child);
  if (raters[0] == NULL) {
    gtk_box_append(menu->box, gtk_label_new(_("This case has no tracings")));
    return;
  }
  for (guint i = 0; raters[i] != NULL; i++) {
    const char *name = raters[i][0] != '\0' ? raters[i] : _("Rater not recorded");
    /* Translators: a rater's name and how many tracings they made in this case. */
    g_autofree char *label = g_strdup_printf(_("%s (%u)"), name, counts[i]);
    GtkWidget *check = gtk_check_button_new_with_label(label);

    g_object_set_data_full(G_OBJECT(check), "rater", g_strdup(raters[i]), g_free);
    gtk_check_button_set_active(GTK_CHECK_BUTTON(check),
                                cs_viewer_pane_get_rater_shown(menu->pane, raters[i]));
    g_signal_connect(check, "toggled", G_CALLBACK(check_toggled_cb), menu);
    gtk_box_append(menu->box, check);
  }
}

void
cs_rater_menu_init(GtkMenuButton *button, CsViewerPane *pane)
{
  Menu *menu = g_new0(Menu, 1);
  GtkWidget *popover = gtk_popover_new();
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *title = gtk_label_new(_("Show the tracings of"));

  g_return_if_fail(GTK_IS_MENU_BUTTON(button));

  menu->pane = pane;
  menu->box = GTK_BOX(gtk_box_new(GTK_ORIENTATION_VERTICAL, 2));
  gtk_widget_add_css_class(title, "heading");
  gtk_box_append(GTK_BOX(box), title);
  gtk_box_append(GTK_BOX(box), GTK_WIDGET(menu->box));
  gtk_popover_set_child(GTK_POPOVER(popover), box);
  g_object_set_data_full(G_OBJECT(popover), "cs-rater-menu", menu, g_free);
  g_signal_connect(popover, "show", G_CALLBACK(popover_show_cb), menu);
  gtk_menu_button_set_popover(button, popover);
}
