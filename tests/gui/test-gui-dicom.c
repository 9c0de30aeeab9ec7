/* test-gui-dicom.c — a DICOM sweep in the window's panels: where each mm comes from, and who the
 * file is of
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The DICOM files are the real scanner files of ../shared/realdata/dicom (skipped when absent).
 */
#include "config.h"

#include <adwaita.h>
#include <gtk/gtk.h>
#include <string.h>

#include "../tools/test-realdata-sweep.h"

#include "cs-analysis-panel.h"
#include "cs-case-panel.h"

/* The first widget inside @widget, depth first, for which @matches(widget, @data) holds. */
static GtkWidget *
find_widget(GtkWidget *widget, gboolean (*matches)(GtkWidget *, const char *), const char *data)
{
  if (matches(widget, data))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child(widget); child != NULL;
       child = gtk_widget_get_next_sibling(child)) {
    GtkWidget *found = find_widget(child, matches, data);

    if (found != NULL)
      return found;
  }
  return NULL;
}

/* An action row (not a combo row) whose title starts with @prefix ("inlet:" for a tracing's). */
static gboolean
is_row_titled(GtkWidget *widget, const char *prefix)
{
  return ADW_IS_ACTION_ROW(widget) && !ADW_IS_COMBO_ROW(widget) &&
         g_str_has_prefix(adw_preferences_row_get_title(ADW_PREFERENCES_ROW(widget)), prefix);
}

static gboolean
is_switch(GtkWidget *widget, const char *unused)
{
  return GTK_IS_SWITCH(widget);
}

static AdwActionRow *
find_row_titled(GtkWidget *widget, const char *title)
{
  GtkWidget *found = find_widget(widget, is_row_titled, title);

  return found != NULL ? ADW_ACTION_ROW(found) : NULL;
}

/* Shows @sweep and a case with one inlet tracing of @n points @xy in a new analysis panel, and
 * returns the panel; *@title and *@subtitle are the tracing's row's. */
static GtkWidget *
show_tracing(CsSweep *sweep, CsCase *c, const double *xy, guint n, const char **title,
             const char **subtitle)
{
  GtkWidget *panel = g_object_ref_sink(g_object_new(CS_TYPE_ANALYSIS_PANEL, NULL));
  g_autoptr(CsTracing) tracing = cs_tracing_new("inlet", 0, xy, n);
  AdwActionRow *row;

  g_assert_cmpint(cs_case_add_tracing(c, tracing, NULL), ==, 0);
  cs_analysis_panel_set_case(CS_ANALYSIS_PANEL(panel), c);
  cs_analysis_panel_set_sweep(CS_ANALYSIS_PANEL(panel), sweep);
  row = find_row_titled(panel, "inlet:");
  g_assert_nonnull(row);
  *title = adw_preferences_row_get_title(ADW_PREFERENCES_ROW(row));
  *subtitle = adw_action_row_get_subtitle(row);
  g_test_message("%s — %s", *title, *subtitle);
  return panel;
}

/* The Philips cine: a 30 x 30 px trace of the nerve in the 2D region is 900 px² at 0.2623 mm/px
 * from region 0, and its row says so. */
static void
test_philips_csa_row(void)
{
  g_autoptr(CsSweep) sweep = test_realdata_open_sweep("dicom/OBXXXX1A_2frame.dcm");
  g_autoptr(CsCase) c = cs_case_new("philips");
  const double nerve[] = { 400, 200, 430, 200, 430, 230, 400, 230 };
  const char *title, *subtitle;
  g_autofree char *expected = NULL;
  GtkWidget *panel;
  CsSpacing spacing;

  if (sweep == NULL)
    return;
  spacing = cs_sweep_get_file_spacing(sweep);
  g_assert_cmpfloat_with_epsilon(spacing.mm_per_px, 0.2623, 5e-5);
  expected = g_strdup_printf("inlet: %.1f mm²", 900 * spacing.mm_per_px * spacing.mm_per_px);
  panel = show_tracing(sweep, c, nerve, 4, &title, &subtitle);
  g_assert_cmpstr(title, ==, expected);
  g_assert_nonnull(strstr(subtitle, "calibration: DICOM region 0"));

  /* Without the sweep, the case alone has no spacing: px², and no claim of a source. */
  cs_analysis_panel_set_sweep(CS_ANALYSIS_PANEL(panel), NULL);
  title = adw_preferences_row_get_title(ADW_PREFERENCES_ROW(find_row_titled(panel, "inlet:")));
  g_assert_cmpstr(title, ==, "inlet: 900 px²");
  cs_analysis_panel_set_case(CS_ANALYSIS_PANEL(panel), NULL);
  g_assert_finalize_object(panel);
}

static gboolean
is_label_containing(GtkWidget *widget, const char *needle)
{
  return GTK_IS_LABEL(widget) && strstr(gtk_label_get_text(GTK_LABEL(widget)), needle) != NULL;
}

/* The Aloka frame: a trace across its two side-by-side regions has no mm² and says why, and the
 * case's inlet CSA, formed with the case's spacing from one of them, has none either. */
static void
test_aloka_across_regions(void)
{
  g_autoptr(CsSweep) sweep = test_realdata_open_sweep("dicom/gdcm-US-ALOKA-16.dcm");
  g_autoptr(CsCase) c = cs_case_new("aloka");
  const double across[] = { 300, 200, 360, 200, 360, 240, 300, 240 };
  const char *title, *subtitle;
  GtkWidget *panel;
  CsSpacing file;

  if (sweep == NULL)
    return;
  /* As an import sets it: the file's spacing, from the region holding the image centre. */
  file = cs_sweep_get_file_spacing(sweep);
  g_assert_cmpint(file.region, >=, 0);
  g_assert_true(cs_case_set_spacing_full(c, file.mm_per_px, file.source, file.region, NULL));
  panel = show_tracing(sweep, c, across, 4, &title, &subtitle);
  g_assert_cmpstr(title, ==, "inlet: 2400 px²");
  g_assert_nonnull(
      strstr(subtitle, "no mm²: it crosses DICOM regions 0 and 1, which may differ in scale"));
  g_assert_nonnull(find_widget(panel, is_label_containing,
                               "Traced inlet CSA 2400 px²: the case's tracings do not all lie"));
  g_assert_null(find_widget(panel, is_label_containing, "mm² is"));
  cs_analysis_panel_set_case(CS_ANALYSIS_PANEL(panel), NULL);
  g_assert_finalize_object(panel);
}

/* The case panel shows who the Aloka file is of (its name, ID and missing birth date), and its
 * switch is the study's choice to name patients in reports; another sweep shows nothing. */
static void
test_case_panel_patient(void)
{
  g_autoptr(CsSweep) sweep = test_realdata_open_sweep("dicom/gdcm-US-ALOKA-16.dcm");
  g_autoptr(CsStudy) study = cs_study_new();
  g_autoptr(CsCase) c = cs_case_new("aloka");
  GtkWidget *panel;
  AdwActionRow *row;
  GtkSwitch *identity;

  if (sweep == NULL)
    return;
  panel = g_object_ref_sink(g_object_new(CS_TYPE_CASE_PANEL, NULL));
  cs_case_panel_set_case(CS_CASE_PANEL(panel), c);
  g_assert_null(find_row_titled(panel, "NAME, PATIENT NAME"));
  cs_case_panel_set_sweep(CS_CASE_PANEL(panel), sweep, study);
  row = find_row_titled(panel, "NAME, PATIENT NAME");
  g_assert_nonnull(row);
  g_assert_true(gtk_widget_is_visible(GTK_WIDGET(row)));
  g_assert_cmpstr(adw_action_row_get_subtitle(row), ==, "ID 98279 · born not recorded");

  identity = GTK_SWITCH(find_widget(panel, is_switch, NULL));
  g_assert_false(gtk_switch_get_active(identity));
  gtk_switch_set_active(identity, TRUE);
  g_assert_true(cs_study_get_identity_in_reports(study));
  cs_study_set_identity_in_reports(study, FALSE);
  g_assert_false(gtk_switch_get_active(identity));

  /* A study that goes while the panel shows it ends the binding; the panel lets go of it safely
   * (the sanitizer build sees a freed binding used). */
  {
    CsStudy *gone = cs_study_new();

    cs_case_panel_set_sweep(CS_CASE_PANEL(panel), sweep, gone);
    g_assert_finalize_object(gone);
    gtk_switch_set_active(identity, TRUE);
    gtk_switch_set_active(identity, FALSE);
  }

  /* Another case's sweep (none yet): nothing of this patient stays on screen. */
  cs_case_panel_set_sweep(CS_CASE_PANEL(panel), NULL, NULL);
  g_assert_false(gtk_widget_is_visible(GTK_WIDGET(row)));
  g_assert_null(find_row_titled(panel, "NAME, PATIENT NAME"));
  gtk_switch_set_active(identity, TRUE);
  g_assert_false(cs_study_get_identity_in_reports(study));
  cs_case_panel_set_case(CS_CASE_PANEL(panel), NULL);
  g_assert_finalize_object(panel);
}

int
main(int argc, char **argv)
{
  gtk_test_init(&argc, &argv, NULL);
  adw_init();
  g_test_add_func("/gui/dicom/philips-csa-row", test_philips_csa_row);
  g_test_add_func("/gui/dicom/aloka-across-regions", test_aloka_across_regions);
  g_test_add_func("/gui/dicom/case-panel-patient", test_case_panel_patient);
  return g_test_run();
}
