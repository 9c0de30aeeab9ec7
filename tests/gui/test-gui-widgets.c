/* test-gui-widgets.c — the custom widgets: viewer geometry, ROI, tracing, strip chart, case panel
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "cs-analysis-panel.h"
#include "cs-case-panel.h"
#include "cs-frame-view.h"
#include "cs-polygon.h"
#include "cs-reference.h"
#include "cs-strip-chart.h"
#include "cs-view-geometry.h"

static void
test_transform_fit(void)
{
  CsViewTransform t;
  double ix, iy, wx, wy;

  /* A 800 x 600 frame in a 400 x 400 widget: scale 0.5, letterboxed vertically. */
  cs_view_transform_fit(&t, 800, 600, 400, 400);
  g_assert_cmpfloat_with_epsilon(t.scale, 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon(t.offset_x, 0, 1e-12);
  g_assert_cmpfloat_with_epsilon(t.offset_y, 50, 1e-12);

  cs_view_widget_to_image(&t, 200, 200, &ix, &iy);
  g_assert_cmpfloat_with_epsilon(ix, 400, 1e-9);
  g_assert_cmpfloat_with_epsilon(iy, 300, 1e-9);
  cs_view_image_to_widget(&t, ix, iy, &wx, &wy);
  g_assert_cmpfloat_with_epsilon(wx, 200, 1e-9);
  g_assert_cmpfloat_with_epsilon(wy, 200, 1e-9);
}

static void
test_transform_zoom_keeps_anchor(void)
{
  CsViewTransform t;
  double before_x, before_y, after_x, after_y;

  cs_view_transform_fit(&t, 800, 600, 400, 300);
  cs_view_widget_to_image(&t, 123, 77, &before_x, &before_y);
  cs_view_transform_zoom_at(&t, 2.0, 123, 77);
  g_assert_cmpfloat_with_epsilon(t.scale, 2.0, 1e-12);
  cs_view_widget_to_image(&t, 123, 77, &after_x, &after_y);
  g_assert_cmpfloat_with_epsilon(after_x, before_x, 1e-9);
  g_assert_cmpfloat_with_epsilon(after_y, before_y, 1e-9);

  /* Panned far away, clamping brings the image edge back to the widget edge. */
  t.offset_x = 500;
  t.offset_y = -5000;
  cs_view_transform_clamp(&t, 800, 600, 400, 300);
  g_assert_cmpfloat_with_epsilon(t.offset_x, 0, 1e-9);
  g_assert_cmpfloat_with_epsilon(t.offset_y, 300 - 1200, 1e-9);
}

static void
test_roi_hit_and_drag(void)
{
  CsRoiSquare roi = { 100, 100, 40 };
  CsRoiSquare after;

  g_assert_cmpint(cs_roi_hit_test(&roi, 100, 100, 3), ==, CS_ROI_HIT_INSIDE);
  g_assert_cmpint(cs_roi_hit_test(&roi, 80, 80, 3), ==, CS_ROI_HIT_CORNER);
  g_assert_cmpint(cs_roi_hit_test(&roi, 121, 118, 3), ==, CS_ROI_HIT_CORNER);
  g_assert_cmpint(cs_roi_hit_test(&roi, 130, 100, 3), ==, CS_ROI_HIT_NONE);

  cs_roi_drag(CS_ROI_HIT_INSIDE, &roi, 100, 100, 110, 95, 8, &after);
  g_assert_cmpfloat(after.x, ==, 110);
  g_assert_cmpfloat(after.y, ==, 95);
  g_assert_cmpfloat(after.side, ==, 40);

  /* A corner pulled out to (130, 110) sets the half side to the farther axis: 30. */
  cs_roi_drag(CS_ROI_HIT_CORNER, &roi, 120, 120, 130, 110, 8, &after);
  g_assert_cmpfloat(after.x, ==, 100);
  g_assert_cmpfloat(after.side, ==, 60);
  /* Pulled into the centre, it stops at the minimum side. */
  cs_roi_drag(CS_ROI_HIT_CORNER, &roi, 120, 120, 101, 101, 8, &after);
  g_assert_cmpfloat(after.side, ==, 8);
}

static void
test_tracing_edit(void)
{
  CsTracingEdit edit;

  cs_tracing_edit_init(&edit);
  g_assert_true(cs_tracing_edit_add(&edit, 0, 0, 2));
  g_assert_false(cs_tracing_edit_add(&edit, 1, 0, 2)); /* closer than the step */
  g_assert_true(cs_tracing_edit_add(&edit, 10, 0, 2));
  g_assert_false(cs_tracing_edit_close(&edit)); /* two vertices are no polygon */
  g_assert_true(cs_tracing_edit_add(&edit, 10, 10, 2));
  g_assert_true(cs_tracing_edit_add(&edit, 0, 10, 2));
  g_assert_true(cs_tracing_edit_close(&edit));
  g_assert_false(cs_tracing_edit_add(&edit, 5, 5, 0)); /* closed */

  g_assert_cmpint(cs_tracing_edit_hit_vertex(&edit, 9, 9, 2), ==, 2);
  g_assert_cmpint(cs_tracing_edit_hit_vertex(&edit, 5, 5, 2), ==, -1);
  /* The closing edge, from the last vertex back to the first. */
  g_assert_cmpint(cs_tracing_edit_hit_edge(&edit, 0.5, 5, 1), ==, 3);
  g_assert_cmpint(cs_tracing_edit_insert(&edit, 3, -2, 5), ==, 4);
  g_assert_cmpuint(cs_tracing_edit_n_points(&edit), ==, 5);
  cs_tracing_edit_move(&edit, 4, -4, 5);
  g_assert_cmpfloat(cs_tracing_edit_points(&edit)[8], ==, -4);
  g_assert_true(cs_tracing_edit_delete(&edit, 4));
  g_assert_true(cs_tracing_edit_delete(&edit, 3));
  g_assert_false(cs_tracing_edit_delete(&edit, 0)); /* a closed polygon keeps three */
  cs_tracing_edit_clear(&edit);
}

static void
test_play_interval(void)
{
  /* 25 fps at 1x is 40 ms a frame; 4x, 10 ms; a quarter, 160 ms; images (no rate) at 10 fps. */
  g_assert_cmpuint(cs_play_interval_ms(25, 1), ==, 40);
  g_assert_cmpuint(cs_play_interval_ms(25, 4), ==, 10);
  g_assert_cmpuint(cs_play_interval_ms(25, 0.25), ==, 160);
  g_assert_cmpuint(cs_play_interval_ms(0, 1), ==, 100);
  g_assert_cmpuint(cs_play_interval_ms(1000, 4), ==, 4);
  g_assert_cmpfloat(cs_play_speeds[CS_PLAY_DEFAULT_SPEED], ==, 1);
}

static void
pump(void)
{
  for (int i = 0; i < 50; i++)
    while (g_main_context_iteration(NULL, FALSE))
      ;
}

static GtkWindow *
show_in_window(GtkWidget *child, int width, int height)
{
  GtkWindow *window = GTK_WINDOW(gtk_window_new());

  gtk_window_set_default_size(window, width, height);
  gtk_window_set_child(window, child);
  gtk_window_present(window);
  for (int i = 0; i < 200 && gtk_widget_get_width(child) == 0; i++) {
    pump();
    g_usleep(10000);
  }
  return window;
}

static void
roi_changed_cb(CsFrameView *view, double x, double y, double side, double *out)
{
  out[0] = x;
  out[1] = y;
  out[2] = side;
  out[3] += 1;
}

static void
tracing_closed_cb(CsFrameView *view, int *count)
{
  (*count)++;
}

static void
tracing_edited_cb(CsFrameView *view, int id, int *count)
{
  g_assert_cmpint(id, ==, 0);
  (*count)++;
}

static void
test_frame_view_interaction(void)
{
  GtkWidget *view = cs_frame_view_new();
  g_autoptr(CsFrame) frame = cs_frame_new(400, 300);
  GtkWindow *window;
  CsViewTransform t;
  CsRoiSquare roi = { 200, 150, 60 };
  double changed[4] = { 0 };
  int closed = 0, edited = 0;
  double wx, wy, wx2, wy2;
  double square[] = { 100, 100, 140, 100, 140, 130, 100, 130 };
  g_autofree double *traced = NULL;
  guint n = 0;
  CsPolygonMeasures measure;

  g_object_ref_sink(view);
  window = show_in_window(view, 400, 300);
  cs_frame_view_set_frame(CS_FRAME_VIEW(view), frame);
  pump();
  cs_frame_view_get_transform(CS_FRAME_VIEW(view), &t);
  g_assert_cmpfloat(t.scale, >, 0);

  /* Drag the ROI by its inside: it moves by the drag in image pixels. */
  cs_frame_view_set_roi(CS_FRAME_VIEW(view), &roi, "15.0 × 15.0 mm");
  g_signal_connect(view, "roi-changed", G_CALLBACK(roi_changed_cb), changed);
  cs_view_image_to_widget(&t, 200, 150, &wx, &wy);
  cs_view_image_to_widget(&t, 230, 130, &wx2, &wy2);
  cs_frame_view_press(CS_FRAME_VIEW(view), wx, wy, 1);
  cs_frame_view_drag_to(CS_FRAME_VIEW(view), (wx + wx2) / 2, (wy + wy2) / 2);
  cs_frame_view_release(CS_FRAME_VIEW(view), wx2, wy2);
  g_assert_cmpfloat(changed[3], ==, 1);
  g_assert_cmpfloat_with_epsilon(changed[0], 230, 1e-6);
  g_assert_cmpfloat_with_epsilon(changed[1], 130, 1e-6);
  g_assert_cmpfloat_with_epsilon(changed[2], 60, 1e-6);

  /* Trace a 40 x 30 px rectangle by clicks and close it with a click on the first vertex. */
  cs_frame_view_set_tool(CS_FRAME_VIEW(view), CS_FRAME_VIEW_TOOL_TRACE);
  g_signal_connect(view, "tracing-closed", G_CALLBACK(tracing_closed_cb), &closed);
  for (int i = 0; i < 4; i++) {
    cs_view_image_to_widget(&t, square[2 * i], square[2 * i + 1], &wx, &wy);
    cs_frame_view_press(CS_FRAME_VIEW(view), wx, wy, 1);
    cs_frame_view_release(CS_FRAME_VIEW(view), wx, wy);
  }
  g_assert_cmpint(closed, ==, 0);
  cs_view_image_to_widget(&t, square[0], square[1], &wx, &wy);
  cs_frame_view_press(CS_FRAME_VIEW(view), wx, wy, 1);
  cs_frame_view_release(CS_FRAME_VIEW(view), wx, wy);
  g_assert_cmpint(closed, ==, 1);
  traced = cs_frame_view_dup_tracing(CS_FRAME_VIEW(view), &n);
  g_assert_cmpuint(n, ==, 4);
  for (guint i = 0; i < 8; i++)
    g_assert_cmpfloat_with_epsilon(traced[i], square[i], 1e-6);

  /* Its area at 0.05 mm/px: 1200 px^2 = 3 mm^2. */
  g_assert_cmpint(cs_polygon_measure(traced, n, 0.05, &measure), ==, CS_POLYGON_OK);
  g_assert_cmpfloat_with_epsilon(measure.area_px2, 1200, 1e-9);
  g_assert_cmpfloat_with_epsilon(measure.area_mm2, 3.0, 1e-9);

  /* Saved as tag 0 and kept for editing, a vertex dragged by (+20, +10) px changes the outline
   * and says so; the area grows from 1200 to 1700 px^2. */
  cs_frame_view_add_tracing(CS_FRAME_VIEW(view), traced, n, "inlet", 0);
  g_assert_true(cs_frame_view_edit_tracing(CS_FRAME_VIEW(view), 0));
  g_signal_connect(view, "tracing-edited", G_CALLBACK(tracing_edited_cb), &edited);
  cs_view_image_to_widget(&t, 140, 130, &wx, &wy);
  cs_view_image_to_widget(&t, 160, 140, &wx2, &wy2);
  cs_frame_view_press(CS_FRAME_VIEW(view), wx, wy, 1);
  cs_frame_view_drag_to(CS_FRAME_VIEW(view), wx2, wy2);
  cs_frame_view_release(CS_FRAME_VIEW(view), wx2, wy2);
  g_assert_cmpint(edited, ==, 1);
  g_free(traced);
  traced = cs_frame_view_dup_tracing(CS_FRAME_VIEW(view), &n);
  g_assert_cmpuint(n, ==, 4);
  g_assert_cmpfloat_with_epsilon(traced[4], 160, 1e-6);
  g_assert_cmpfloat_with_epsilon(traced[5], 140, 1e-6);
  g_assert_cmpint(cs_polygon_measure(traced, n, 0.05, &measure), ==, CS_POLYGON_OK);
  g_assert_cmpfloat_with_epsilon(measure.area_px2, 1700, 1e-9);
  /* A press on an edge inserts a vertex there; Delete removes the selected one. */
  cs_view_image_to_widget(&t, 120, 100, &wx, &wy);
  cs_frame_view_press(CS_FRAME_VIEW(view), wx, wy, 1);
  cs_frame_view_release(CS_FRAME_VIEW(view), wx, wy);
  g_assert_cmpint(edited, ==, 2);
  g_assert_cmpuint(cs_tracing_edit_n_points(cs_frame_view_get_tracing_edit(CS_FRAME_VIEW(view))),
                   ==, 5);
  g_assert_true(cs_frame_view_key(CS_FRAME_VIEW(view), GDK_KEY_Delete, 0));
  g_assert_cmpint(edited, ==, 3);
  g_assert_cmpuint(cs_tracing_edit_n_points(cs_frame_view_get_tracing_edit(CS_FRAME_VIEW(view))),
                   ==, 4);
  /* Enter ends the edit; a press on a saved outline's vertex takes it up again. */
  g_assert_true(cs_frame_view_key(CS_FRAME_VIEW(view), GDK_KEY_Return, 0));
  g_assert_cmpint(cs_frame_view_get_edited_tracing(CS_FRAME_VIEW(view)), ==, -1);
  cs_view_image_to_widget(&t, 100, 130, &wx, &wy);
  cs_frame_view_press(CS_FRAME_VIEW(view), wx, wy, 1);
  cs_frame_view_release(CS_FRAME_VIEW(view), wx, wy);
  g_assert_cmpint(cs_frame_view_get_edited_tracing(CS_FRAME_VIEW(view)), ==, 0);
  g_assert_cmpint(edited, ==, 3); /* picked up, not changed */
  /* Once the outlines shown no longer hold it (another frame), the edit is over. */
  cs_frame_view_clear_tracings(CS_FRAME_VIEW(view));
  g_assert_cmpint(cs_frame_view_get_edited_tracing(CS_FRAME_VIEW(view)), ==, -1);

  /* Switching tools discards what was being drawn. */
  cs_frame_view_set_tool(CS_FRAME_VIEW(view), CS_FRAME_VIEW_TOOL_ROI);
  g_assert_cmpuint(cs_tracing_edit_n_points(cs_frame_view_get_tracing_edit(CS_FRAME_VIEW(view))),
                   ==, 0);

  /* Zoom 1:1 and back to fit. */
  cs_frame_view_zoom_one(CS_FRAME_VIEW(view));
  g_assert_cmpfloat(cs_frame_view_get_scale(CS_FRAME_VIEW(view)), ==, 1.0);
  cs_frame_view_zoom_fit(CS_FRAME_VIEW(view));
  cs_frame_view_get_transform(CS_FRAME_VIEW(view), &t);
  g_assert_cmpfloat_with_epsilon(
      t.scale, MIN(gtk_widget_get_width(view) / 400.0, gtk_widget_get_height(view) / 300.0), 1e-9);

  gtk_window_destroy(window);
  pump();
  g_assert_finalize_object(view);
}

static void
notify_cb(GObject *object, GParamSpec *pspec, int *count)
{
  (*count)++;
}

static void
test_strip_chart(void)
{
  GtkWidget *chart = cs_strip_chart_new();
  double values[10];
  int notified = 0;

  g_object_ref_sink(chart);
  for (int i = 0; i < 10; i++)
    values[i] = i / 10.0;
  values[3] = NAN;
  cs_strip_chart_set_values(CS_STRIP_CHART(chart), values, 10);
  g_assert_cmpint(cs_strip_chart_get_n_frames(CS_STRIP_CHART(chart)), ==, 10);
  g_assert_true(isnan(cs_strip_chart_get_value(CS_STRIP_CHART(chart), 3)));
  g_assert_cmpfloat(cs_strip_chart_get_value(CS_STRIP_CHART(chart), 7), ==, 0.7);

  /* 34 px of axis, then ten frames over 100 px. */
  g_assert_cmpint(cs_strip_chart_frame_at(CS_STRIP_CHART(chart), 34 + 5, 134), ==, 0);
  g_assert_cmpint(cs_strip_chart_frame_at(CS_STRIP_CHART(chart), 34 + 55, 134), ==, 5);
  g_assert_cmpint(cs_strip_chart_frame_at(CS_STRIP_CHART(chart), 500, 134), ==, 9);
  g_assert_cmpint(cs_strip_chart_frame_at(CS_STRIP_CHART(chart), 0, 134), ==, 0);

  g_signal_connect(chart, "notify::threshold", G_CALLBACK(notify_cb), &notified);
  cs_strip_chart_set_threshold(CS_STRIP_CHART(chart), 0.7);
  cs_strip_chart_set_threshold(CS_STRIP_CHART(chart), 0.7);
  g_assert_cmpint(notified, ==, 1);
  cs_strip_chart_set_threshold(CS_STRIP_CHART(chart), 3);
  g_assert_cmpfloat(cs_strip_chart_get_threshold(CS_STRIP_CHART(chart)), ==, 1.0);

  cs_strip_chart_set_values(CS_STRIP_CHART(chart), NULL, 0);
  g_assert_cmpint(cs_strip_chart_get_n_frames(CS_STRIP_CHART(chart)), ==, 0);
  g_assert_cmpint(cs_strip_chart_frame_at(CS_STRIP_CHART(chart), 50, 134), ==, -1);
  g_assert_finalize_object(chart);
}

/* The first widget inside @widget, depth first, for which @matches(widget, @text) holds. */
static GtkWidget *
find_widget(GtkWidget *widget, gboolean (*matches)(GtkWidget *, const char *), const char *text)
{
  if (matches(widget, text))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child(widget); child != NULL;
       child = gtk_widget_get_next_sibling(child)) {
    GtkWidget *found = find_widget(child, matches, text);

    if (found != NULL)
      return found;
  }
  return NULL;
}

static gboolean
is_combo_row_titled(GtkWidget *widget, const char *title)
{
  return ADW_IS_COMBO_ROW(widget) &&
         g_strcmp0(adw_preferences_row_get_title(ADW_PREFERENCES_ROW(widget)), title) == 0;
}

/* The combo row titled @title inside @widget. */
static AdwComboRow *
find_combo_row(GtkWidget *widget, const char *title)
{
  GtkWidget *found = find_widget(widget, is_combo_row_titled, title);

  return found != NULL ? ADW_COMBO_ROW(found) : NULL;
}

static void
test_case_panel_stage(void)
{
  g_autoptr(CsCase) c = cs_case_new("hand-001");
  g_autoptr(CsCase) twin = cs_case_new("twin");
  GtkWidget *panel = g_object_ref_sink(g_object_new(CS_TYPE_CASE_PANEL, NULL));
  CsNerveConduction ncs;
  AdwComboRow *stage_row, *scheme_row;
  int expected;

  cs_case_panel_set_case(CS_CASE_PANEL(panel), c);
  stage_row = find_combo_row(panel, "Stage");
  scheme_row = find_combo_row(panel, "Grading scheme");
  g_assert_nonnull(stage_row);
  g_assert_nonnull(scheme_row);

  /* No nerve conduction yet: nothing computed, and the paper's grades 1-5 to choose from. */
  g_assert_cmpint(cs_case_get_stage(c), ==, -1);
  g_assert_cmpuint(adw_combo_row_get_selected(stage_row), ==, 0);
  g_assert_cmpuint(g_list_model_get_n_items(adw_combo_row_get_model(stage_row)), ==, 1 + 5);

  /* A grade chosen by hand is the case's stage, and the scheme is held while it stands. */
  adw_combo_row_set_selected(stage_row, 3);
  g_assert_cmpint(cs_case_get_stage(c), ==, 3);
  g_assert_cmpint(cs_case_get_stage_source(c), ==, CS_STAGE_SOURCE_MANUAL);
  g_assert_false(gtk_widget_get_sensitive(GTK_WIDGET(scheme_row)));

  /* Nerve-conduction values entered later do not overwrite it. */
  cs_case_get_nerve_conduction(c, &ncs);
  ncs.dml_ms = 5.2;
  ncs.scv_m_s = 31.0;
  ncs.sensory_response = CS_TRISTATE_YES;
  g_assert_true(cs_case_set_nerve_conduction(c, &ncs, NULL));
  g_assert_cmpint(cs_case_get_stage(c), ==, 3);
  g_assert_cmpuint(adw_combo_row_get_selected(stage_row), ==, 3);

  /* "From nerve conduction" hands the stage back to the values. */
  g_assert_true(cs_case_set_nerve_conduction(twin, &ncs, NULL));
  expected = cs_case_compute_stage(twin, CS_GRADING_SHINOHARA2022, NULL);
  g_assert_cmpint(expected, >=, 1);
  adw_combo_row_set_selected(stage_row, 0);
  g_assert_cmpint(cs_case_get_stage_source(c), ==, CS_STAGE_SOURCE_COMPUTED);
  g_assert_cmpint(cs_case_get_stage(c), ==, expected);
  g_assert_true(gtk_widget_get_sensitive(GTK_WIDGET(scheme_row)));

  /* Another scheme recomputes the stage in it and lists its grades (Bland's 0-6). */
  adw_combo_row_set_selected(scheme_row, CS_GRADING_BLAND2000);
  g_assert_cmpint(cs_case_get_stage_scheme(c), ==, CS_GRADING_BLAND2000);
  g_assert_cmpint(cs_case_get_stage(c), ==,
                  cs_case_compute_stage(twin, CS_GRADING_BLAND2000, NULL));
  g_assert_cmpuint(g_list_model_get_n_items(adw_combo_row_get_model(stage_row)), ==, 1 + 7);
  adw_combo_row_set_selected(stage_row, 1);
  g_assert_cmpint(cs_case_get_stage(c), ==, 0);
  g_assert_cmpint(cs_case_get_stage_source(c), ==, CS_STAGE_SOURCE_MANUAL);

  cs_case_panel_set_case(CS_CASE_PANEL(panel), NULL);
  g_assert_finalize_object(panel);
}

static gboolean
is_label_containing(GtkWidget *widget, const char *needle)
{
  return GTK_IS_LABEL(widget) && strstr(gtk_label_get_text(GTK_LABEL(widget)), needle) != NULL;
}

/* Adds a @w x @h px rectangle traced at the inlet by @rater. */
static void
add_inlet_rectangle(CsCase *c, const char *rater, double w, double h)
{
  const double xy[] = { 10, 10, 10 + w, 10, 10 + w, 10 + h, 10, 10 + h };
  g_autoptr(CsTracing) tracing = cs_tracing_new("inlet", 0, xy, 4);

  tracing->rater = g_strdup(rater);
  g_assert_cmpint(cs_case_add_tracing(c, tracing, NULL), >=, 0);
}

/* The panel shows the case's inlet CSA by the study layer's rule, and says when there is none. */
static void
test_analysis_panel_inlet_csa(void)
{
  g_autoptr(CsCase) c = cs_case_new("hand-001");
  GtkWidget *panel = g_object_ref_sink(g_object_new(CS_TYPE_ANALYSIS_PANEL, NULL));
  GtkLabel *label;
  const char *text;

  cs_analysis_panel_set_case(CS_ANALYSIS_PANEL(panel), c);
  label = GTK_LABEL(find_widget(panel, is_label_containing, "Literature reference"));
  g_assert_nonnull(label);
  text = gtk_label_get_text(label);
  g_assert_nonnull(strstr(text, "an inlet CSA of 11.0 mm² or more"));
  g_assert_nonnull(strstr(text, "8.2 ± 2.4 mm² in controls and 14.7 ± 5.3 mm² in CTS"));
  g_assert_nonnull(strstr(text, "No inlet tracing"));

  /* Without a spacing: px², not compared. */
  add_inlet_rectangle(c, "IS", 40, 30);
  text = gtk_label_get_text(label);
  g_assert_nonnull(strstr(text, "Traced inlet CSA 1200 px²: without a pixel spacing"));
  g_assert_nonnull(strstr(text, "the mean of 1 inlet tracing by IS."));

  /* IS's two tracings (12 and 14 mm²), not KM's later one (1 mm²): the last tracing no longer
   * decides. */
  g_assert_true(cs_case_set_spacing(c, 0.1, CS_SPACING_SOURCE_MANUAL, NULL));
  add_inlet_rectangle(c, "IS", 40, 35);
  add_inlet_rectangle(c, "KM", 10, 10);
  text = gtk_label_get_text(label);
  g_test_message("%s", text);
  g_assert_nonnull(strstr(text, "Traced inlet CSA 13.0 mm² is at or above 11.0 mm²."));
  g_assert_nonnull(strstr(text, "the mean of 2 inlet tracings by IS."));
  g_assert_nonnull(strstr(text, "1 inlet tracing by another rater is not averaged."));

  cs_analysis_panel_set_csa_cutoff(CS_ANALYSIS_PANEL(panel), 14.0);
  g_assert_nonnull(strstr(gtk_label_get_text(label), "13.0 mm² is below 14.0 mm²."));

  /* With IS's forearm tracing (5 mm²; KM's does not count): ratio 13 / 5 and delta 8 mm², each
   * beside its literature cut-off, which Preferences may change. */
  g_assert_nonnull(strstr(gtk_label_get_text(label), "Trace the forearm level"));
  {
    const double xy[] = { 0, 0, 25, 0, 25, 20, 0, 20 };
    g_autoptr(CsTracing) forearm = cs_tracing_new("forearm", 3, xy, 4);
    g_autoptr(CsTracing) other = cs_tracing_new("forearm", 3, xy, 3);

    forearm->rater = g_strdup("IS");
    other->rater = g_strdup("KM");
    g_assert_cmpint(cs_case_add_tracing(c, other, NULL), >=, 0);
    g_assert_cmpint(cs_case_add_tracing(c, forearm, NULL), >=, 0);
  }
  text = gtk_label_get_text(label);
  g_test_message("%s", text);
  g_assert_nonnull(strstr(text, "Wrist-to-forearm ratio 2.60 (literature cut-off 1.4,"));
  g_assert_nonnull(strstr(text, "ΔCSA 8.0 mm² (literature cut-off 2.0 mm²,"));
  cs_analysis_panel_set_forearm_cutoffs(CS_ANALYSIS_PANEL(panel), 1.5, 2.5);
  g_assert_nonnull(strstr(gtk_label_get_text(label), "(literature cut-off 1.5,"));
  g_assert_nonnull(strstr(gtk_label_get_text(label), "(literature cut-off 2.5 mm²,"));

  cs_analysis_panel_set_case(CS_ANALYSIS_PANEL(panel), NULL);
  g_assert_finalize_object(panel);
}

/* The settings' literature defaults are the values of cs-reference.h (a schema cannot include
 * the header). */
static void
test_reference_defaults(void)
{
  g_autoptr(GSettingsSchema) schema =
      g_settings_schema_source_lookup(g_settings_schema_source_get_default(), APPLICATION_ID, TRUE);
  const struct {
    const char *key;
    double value;
  } keys[] = {
    { "csa-cutoff", CS_REFERENCE_UPPER_LIMIT_MM2 },
    { "csa-delta-cutoff", CS_REFERENCE_DELTA_CSA_MM2 },
    { "csa-wrist-forearm-ratio", CS_REFERENCE_WRIST_FOREARM_RATIO },
  };

  g_assert_nonnull(schema);
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
    g_autoptr(GSettingsSchemaKey) key = g_settings_schema_get_key(schema, keys[i].key);
    g_autoptr(GVariant) value = g_settings_schema_key_get_default_value(key);

    g_assert_cmpfloat(g_variant_get_double(value), ==, keys[i].value);
  }
}

int
main(int argc, char **argv)
{
  gtk_test_init(&argc, &argv, NULL);
  adw_init();
  g_test_add_func("/gui/geometry/transform-fit", test_transform_fit);
  g_test_add_func("/gui/geometry/transform-zoom-keeps-anchor", test_transform_zoom_keeps_anchor);
  g_test_add_func("/gui/geometry/roi-hit-and-drag", test_roi_hit_and_drag);
  g_test_add_func("/gui/geometry/tracing-edit", test_tracing_edit);
  g_test_add_func("/gui/geometry/play-interval", test_play_interval);
  g_test_add_func("/gui/frame-view/interaction", test_frame_view_interaction);
  g_test_add_func("/gui/strip-chart", test_strip_chart);
  g_test_add_func("/gui/case-panel/stage", test_case_panel_stage);
  g_test_add_func("/gui/analysis-panel/inlet-csa", test_analysis_panel_inlet_csa);
  g_test_add_func("/gui/reference-defaults", test_reference_defaults);
  return g_test_run();
}
