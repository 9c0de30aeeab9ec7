/* test-gui-workflow.c — the real window's workflow: editing a closed tracing, opening a bad file
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real window on a sweep of three numbered PGM images written here: an outline traced by
 * clicks and closed is saved in the case and stays editable, so dragging one of its vertices
 * changes the case's tracing and its area; a file that is no sweep leaves the open study as it
 * was and says why in a dialog; a study is built in the window (New Study, Import of a folder of
 * two sweeps, Duplicate, Rename, Remove, Save) and study.json holds what was built; Analyse All
 * with a seeded random model stores and saves each good case's result and skips a broken sweep.
 *
 * Usage: test-gui-workflow MAKE_TEST_MODEL
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "cs-application.h"
#include "cs-explain-panel.h"
#include "cs-polygon.h"
#include "cs-study-edit.h"
#include "cs-study.h"
#include "cs-window.h"
#include "gui-test-util.h"
#include "test-model.h"

static const char *make_model;

typedef struct {
  char *work;
  gboolean done;
} Run;

static gboolean
frame_shown(gpointer data)
{
  CsFrameView *view = cs_viewer_pane_get_frame_view(cs_window_get_viewer_pane(data));

  return cs_frame_view_get_frame(view) != NULL && gtk_widget_get_width(GTK_WIDGET(view)) > 0;
}

static gboolean
not_opening(gpointer data)
{
  return !cs_window_is_opening(data);
}

/* Writes @n numbered 160 x 120 grey PGM frames into @dir. */
static void
write_image_sweep(const char *dir, int n)
{
  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  for (int i = 0; i < n; i++) {
    g_autofree char *name = g_strdup_printf("frame-%03d.pgm", i);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GString) pgm = g_string_new("P5\n160 120\n255\n");
    g_autoptr(GError) error = NULL;

    for (int p = 0; p < 160 * 120; p++)
      g_string_append_c(pgm, (char)((p % 160 + 40 * i) & 0xff));
    g_assert_true(g_file_set_contents(path, pgm->str, (gssize)pgm->len, &error));
    g_assert_no_error(error);
  }
}

static double
tracing_area(CsCase *c, guint index)
{
  const CsTracing *tracing = cs_case_get_tracing(c, index);
  CsPolygonMeasures measures;

  g_assert_cmpint(cs_polygon_measure(tracing->points, tracing->n_points, 0, &measures), ==,
                  CS_POLYGON_OK);
  return measures.area_px2;
}

static void
drag(CsFrameView *view, double x0, double y0, double x1, double y1)
{
  CsViewTransform t;
  double wx0, wy0, wx1, wy1;

  cs_frame_view_get_transform(view, &t);
  cs_view_image_to_widget(&t, x0, y0, &wx0, &wy0);
  cs_view_image_to_widget(&t, x1, y1, &wx1, &wy1);
  cs_frame_view_press(view, wx0, wy0, 1);
  cs_frame_view_drag_to(view, (wx0 + wx1) / 2, (wy0 + wy1) / 2);
  cs_frame_view_release(view, wx1, wy1);
}

/* A closed outline is saved and stays editable: its vertex moves and the case's area changes. */
static void
edit_closed_tracing(CsWindow *window)
{
  CsViewerPane *pane = cs_window_get_viewer_pane(window);
  CsFrameView *view = cs_viewer_pane_get_frame_view(pane);
  CsCase *c = cs_window_get_case(window);
  const double square[] = { 40, 40, 80, 40, 80, 70, 40, 70 };

  g_assert_nonnull(c);
  cs_viewer_pane_set_tool(pane, CS_FRAME_VIEW_TOOL_TRACE);
  for (int i = 0; i < 4; i++)
    gui_test_click(view, square[2 * i], square[2 * i + 1]);
  gui_test_click(view, square[0], square[1]); /* on the first vertex: closes the outline */
  gui_test_pump();
  g_assert_cmpuint(cs_case_get_n_tracings(c), ==, 1);
  g_assert_cmpfloat_with_epsilon(tracing_area(c, 0), 1200, 1e-6);
  g_assert_cmpint(cs_frame_view_get_edited_tracing(view), ==, 0);

  /* The corner (80, 70) pulled to (100, 80): the 40 x 30 rectangle becomes a quadrilateral of 1700
   * px^2. */
  drag(view, 80, 70, 100, 80);
  gui_test_pump();
  g_assert_cmpuint(cs_case_get_n_tracings(c), ==, 1);
  g_assert_cmpfloat_with_epsilon(cs_case_get_tracing(c, 0)->points[4], 100, 1e-6);
  g_assert_cmpfloat_with_epsilon(tracing_area(c, 0), 1700, 1e-6);

  /* Ended with Enter and picked up again by a vertex, it is still the case's one tracing. */
  g_assert_true(cs_frame_view_key(view, GDK_KEY_Return, 0));
  drag(view, 40, 40, 30, 40);
  gui_test_pump();
  g_assert_cmpuint(cs_case_get_n_tracings(c), ==, 1);
  g_assert_cmpfloat_with_epsilon(cs_case_get_tracing(c, 0)->points[0], 30, 1e-6);

  /* An edit the case refuses (crossing edges) is undone on screen: the saved outline stays. */
  drag(view, 30, 40, 100, 100);
  gui_test_pump();
  g_assert_cmpfloat_with_epsilon(cs_case_get_tracing(c, 0)->points[0], 30, 1e-6);
  g_assert_cmpfloat_with_epsilon(cs_tracing_edit_points(cs_frame_view_get_tracing_edit(view))[0],
                                 30, 1e-6);
}

static gboolean
frame_two_shown(gpointer data)
{
  CsViewerPane *pane = cs_window_get_viewer_pane(data);

  return cs_viewer_pane_get_frame_index(pane) == 2 && cs_viewer_pane_is_frame_shown(pane);
}

/* Drags the ROI on screen by (dx, dy) image px from its centre. */
static void
move_roi(CsFrameView *view, double dx, double dy)
{
  CsRoiSquare roi;

  g_assert_true(cs_frame_view_get_roi(view, &roi));
  drag(view, roi.x, roi.y, roi.x + dx, roi.y + dy);
}

/* A ROI placed in px before the spacing was known keeps its keyframes when the spacing becomes
 * known (from the study file, say) and it is moved again: they stay in px. Calibrating then
 * turns them into mm, the squares unchanged on the image. */
static void
roi_keeps_keyframes(CsWindow *window)
{
  CsViewerPane *pane = cs_window_get_viewer_pane(window);
  CsFrameView *view = cs_viewer_pane_get_frame_view(pane);
  CsCase *c = cs_window_get_case(window);
  g_autoptr(GError) error = NULL;
  CsRoiSquare before, after;

  cs_viewer_pane_set_tool(pane, CS_FRAME_VIEW_TOOL_ROI);
  cs_viewer_pane_set_frame_index(pane, 0);
  gui_test_pump();
  move_roi(view, 5, 3);
  g_assert_cmpuint(cs_case_get_n_roi_keyframes(c), ==, 1);
  g_assert_cmpfloat(cs_case_get_roi_keyframe(c, 0)->size_px, >, 0);

  g_assert_true(cs_case_set_spacing(c, 0.1, CS_SPACING_SOURCE_STUDY, &error));
  cs_viewer_pane_set_frame_index(pane, 2);
  g_assert_true(gui_test_iterate_until(frame_two_shown, window, 30));
  move_roi(view, -4, 2);
  g_assert_cmpuint(cs_case_get_n_roi_keyframes(c), ==, 2);
  g_assert_cmpfloat(cs_case_get_roi_keyframe(c, 1)->size_px, >, 0);

  g_assert_true(cs_frame_view_get_roi(view, &before));
  g_assert_true(cs_case_calibrate(c, 0.08, CS_SPACING_SOURCE_MANUAL, &error));
  gui_test_pump();
  g_assert_cmpuint(cs_case_get_n_roi_keyframes(c), ==, 2);
  g_assert_cmpfloat(cs_case_get_roi_keyframe(c, 1)->size_mm, >, 0);
  g_assert_true(cs_frame_view_get_roi(view, &after));
  g_assert_cmpfloat_with_epsilon(after.side, before.side, 1e-6);
  g_assert_cmpfloat_with_epsilon(after.x, before.x, 1e-6);
  cs_viewer_pane_set_frame_index(pane, 0);
  gui_test_pump();

  /* Playback: the image sweep has no frame rate (10 fps); twice as fast is 50 ms a frame. */
  cs_viewer_pane_set_playing(pane, TRUE);
  g_assert_cmpuint(cs_viewer_pane_get_play_interval(pane), ==, 100);
  cs_viewer_pane_set_speed(pane, 2);
  g_assert_cmpfloat(cs_viewer_pane_get_speed(pane), ==, 2);
  g_assert_cmpuint(cs_viewer_pane_get_play_interval(pane), ==, 50);
  cs_viewer_pane_set_playing(pane, FALSE);
  g_assert_cmpuint(cs_viewer_pane_get_play_interval(pane), ==, 0);
  cs_viewer_pane_set_speed(pane, 1);
  cs_viewer_pane_set_frame_index(pane, 0);
  gui_test_pump();
}

/* A file that is no sweep leaves the study as it was and says why. */
static void
bad_video_keeps_study(CsWindow *window, const char *work)
{
  CsStudy *study = cs_window_get_study(window);
  CsCase *c = cs_window_get_case(window);
  g_autofree char *bad = g_build_filename(work, "broken.mp4", NULL);
  g_autoptr(GFile) file = g_file_new_for_path(bad);
  g_autoptr(GError) error = NULL;

  g_assert_true(g_file_set_contents(bad, "this is no video at all", -1, &error));
  cs_window_open_file(window, file);
  g_assert_true(gui_test_iterate_until(not_opening, window, 60));
  gui_test_pump();
  g_assert_true(cs_window_get_study(window) == study);
  g_assert_true(cs_window_get_case(window) == c);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 1);
  g_assert_cmpuint(cs_case_get_n_tracings(c), ==, 1);
  g_assert_nonnull(gui_test_find_dialog(GTK_WINDOW(window), "broken.mp4"));
}

/* New Study in a folder, Import of a folder of two sweeps, Duplicate, Rename, Remove and Save:
 * study.json holds the cases with their sweeps relative to its folder. */
static void
build_study(CsWindow *window, const char *work)
{
  g_autofree char *dir = g_build_filename(work, "new-study", NULL);
  g_autofree char *sweeps = g_build_filename(dir, "sweeps", NULL);
  g_autofree char *left = g_build_filename(sweeps, "left", NULL);
  g_autofree char *right = g_build_filename(sweeps, "right", NULL);
  g_autofree char *file = g_build_filename(dir, "study.json", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path(dir);
  g_autoptr(GFile) sweeps_folder = g_file_new_for_path(sweeps);
  g_autofree char *uri = g_file_get_uri(sweeps_folder);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) saved = NULL;
  CsStudy *study;

  g_assert_true(cs_window_create_study(window, folder));
  study = cs_window_get_study(window);
  g_assert_cmpstr(cs_study_get_path(study), ==, file);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 0);
  /* A second New Study in the same folder is refused: the study stays. */
  g_assert_false(cs_window_create_study(window, folder));
  g_assert_true(cs_window_get_study(window) == study);
  g_assert_nonnull(gui_test_find_dialog(GTK_WINDOW(window), "Cannot Create the Study"));

  write_image_sweep(left, 2);
  write_image_sweep(right, 2);
  gtk_widget_activate_action(GTK_WIDGET(window), "win.import", "s", uri);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 2);
  g_assert_cmpstr(cs_case_get_id(cs_window_get_case(window)), ==, "left");
  g_assert_cmpstr(cs_case_get_sweep_path(cs_study_get_case(study, 1)), ==, "sweeps/right");
  g_assert_true(gui_test_iterate_until(frame_shown, window, 60));

  /* Undo after the import removes its cases; redo brings them back. */
  gtk_widget_activate_action(GTK_WIDGET(window), "win.undo", NULL);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 0);
  g_assert_null(cs_window_get_case(window));
  gtk_widget_activate_action(GTK_WIDGET(window), "win.redo", NULL);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 2);
  g_assert_cmpstr(cs_case_get_id(cs_window_get_case(window)), ==, "left");
  g_assert_cmpstr(cs_case_get_sweep_path(cs_study_get_case(study, 1)), ==, "sweeps/right");
  g_assert_true(gui_test_iterate_until(frame_shown, window, 60));

  gtk_widget_activate_action(GTK_WIDGET(window), "win.duplicate-case", NULL);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 3);
  g_assert_cmpstr(cs_case_get_id(cs_study_get_case(study, 1)), ==, "left-copy");
  g_assert_true(cs_window_get_case(window) == cs_study_get_case(study, 1));

  gtk_widget_activate_action(GTK_WIDGET(window), "win.rename-case", "s", "right");
  g_assert_cmpstr(cs_case_get_id(cs_window_get_case(window)), ==, "left-copy");
  g_assert_nonnull(gui_test_find_dialog(GTK_WINDOW(window), "Cannot Rename the Case"));
  gtk_widget_activate_action(GTK_WIDGET(window), "win.rename-case", "s", " left-again ");
  g_assert_cmpstr(cs_case_get_id(cs_study_get_case(study, 1)), ==, "left-again");

  gtk_widget_activate_action(GTK_WIDGET(window), "win.remove-case", NULL);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 2);
  g_assert_null(cs_study_find_case(study, "left-again"));
  g_assert_true(cs_window_get_case(window) == cs_study_find_case(study, "right"));

  gtk_widget_activate_action(GTK_WIDGET(window), "win.save", NULL);
  g_assert_false(cs_study_get_dirty(study));
  saved = cs_study_load(file, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(cs_study_get_n_cases(saved), ==, 2);
  g_assert_cmpstr(cs_case_get_sweep_path(cs_study_get_case(saved, 0)), ==, "sweeps/left");
  g_assert_cmpstr(cs_case_get_sweep_path(cs_study_get_case(saved, 1)), ==, "sweeps/right");
}

static gboolean
not_analysing(gpointer data)
{
  return !cs_window_is_analysing(data);
}

/* Analyse All on the built study with a broken sweep imported beside its two good ones: both
 * good cases get their result, saved in study.json as they come; the broken one is reported
 * and skipped. */
static void
analyse_all(CsWindow *window, const char *work)
{
  CsStudy *study = cs_window_get_study(window);
  g_autofree char *broken = g_build_filename(work, "new-study", "broken.mp4", NULL);
  g_autoptr(GFile) broken_file = g_file_new_for_path(broken);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) saved = NULL;
  CsRoiKeyframe key = { .frame = 0, .x = 80, .y = 60, .size_px = 60 };

  g_assert_true(g_file_set_contents(broken, "no video here", -1, &error));
  g_assert_cmpuint(cs_window_import_file(window, broken_file), ==, 1);
  g_assert_cmpuint(cs_study_get_n_cases(study), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_true(cs_case_set_roi_keyframe(cs_study_get_case(study, i), &key, &error));

  gtk_widget_activate_action(GTK_WIDGET(window), "win.analyse-all", NULL);
  g_assert_true(cs_window_is_analysing(window));
  g_assert_true(gui_test_iterate_until(not_analysing, window, 120));
  gui_test_pump();
  g_assert_cmpuint(cs_case_get_n_results(cs_study_find_case(study, "left")), ==, 1);
  g_assert_cmpuint(cs_case_get_n_results(cs_study_find_case(study, "right")), ==, 1);
  g_assert_cmpuint(cs_case_get_n_results(cs_study_find_case(study, "broken")), ==, 0);
  g_assert_nonnull(gui_test_find_dialog(GTK_WINDOW(window), "1 Case Skipped"));

  /* Saved as they came: study.json holds both results without a Save. */
  saved = cs_study_load(cs_study_get_path(study), &error);
  g_assert_no_error(error);
  g_assert_cmpuint(cs_case_get_n_results(cs_study_find_case(saved, "left")), ==, 1);
  g_assert_cmpuint(cs_case_get_n_results(cs_study_find_case(saved, "right")), ==, 1);

  /* Nothing is left to do for this model but the broken case. */
  gtk_widget_activate_action(GTK_WIDGET(window), "win.analyse-all", NULL);
  g_assert_true(gui_test_iterate_until(not_analysing, window, 120));
  gui_test_pump();
  g_assert_cmpuint(cs_case_get_n_results(cs_study_find_case(study, "left")), ==, 1);
}

static void
activate_cb(GApplication *app, gpointer user_data)
{
  Run *run = user_data;
  CsWindow *window = CS_WINDOW(gtk_application_get_active_window(GTK_APPLICATION(app)));
  g_autofree char *sweep_dir = g_build_filename(run->work, "sweep", NULL);
  g_autoptr(GFile) sweep = g_file_new_for_path(sweep_dir);

  g_assert_nonnull(window);
  write_image_sweep(sweep_dir, 3);
  cs_window_open_file(window, sweep);
  g_assert_true(gui_test_iterate_until(not_opening, window, 60));
  g_assert_true(gui_test_iterate_until(frame_shown, window, 60));
  gui_test_pump();

  edit_closed_tracing(window);
  roi_keeps_keyframes(window);
  bad_video_keeps_study(window, run->work);
  build_study(window, run->work);
  analyse_all(window, run->work);
  run->done = TRUE;

  gtk_window_destroy(GTK_WINDOW(window));
}

static void
test_workflow(void)
{
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  run.work = g_dir_make_tmp("carpalscope-workflow-XXXXXX", &error);
  g_assert_no_error(error);
  {
    g_autofree char *models = g_build_filename(run.work, "models", NULL);
    g_autofree char *model = g_build_filename(models, "tiny.safetensors", NULL);

    /* A seeded random model for Analyse All, found by the window's catalogue. */
    g_assert_cmpint(g_mkdir_with_parents(models, 0755), ==, 0);
    test_model_make(make_model, model, 64);
    g_setenv("CARPALSCOPE_MODELSDIR", models, TRUE);
  }
  gui_test_run_app(G_CALLBACK(activate_cb), &run);
  g_assert_true(run.done);

  gui_test_remove_tree(run.work);
  g_free(run.work);
}

/* Explains a crop with LIME run @repeats times, as the window's worker would. */
static GPtrArray *
explain_crop(CsModel *model, int repeats, double mm_per_px)
{
  CsExplainOptions options;
  int size = cs_model_get_input_size(model);
  g_autofree guint8 *crop = g_malloc((gsize)size * size);
  g_autoptr(GError) error = NULL;
  CsFrameExplanation *x;
  GPtrArray *shown = g_ptr_array_new_with_free_func((GDestroyNotify)cs_frame_explanation_unref);

  for (int i = 0; i < size * size; i++)
    crop[i] = (guint8)((i * 13 + i / size * 7) & 0xff);
  cs_explain_options_init(&options);
  /* Few samples and windows: the panel is tested, not the explainers (fast under ASan too). */
  options.lime.n_samples = 12;
  options.lime.n_segments = 6;
  options.lime.repeats = repeats;
  options.mask_fraction = 0.5;
  options.stride_fraction = 0.5;
  x = cs_explain_crop(model, crop, size, &options, NULL, NULL, NULL, &error);
  g_assert_no_error(error);
  x->mm_per_px = mm_per_px; /* cs_explain_frame() fills it from the ROI and the spacing */
  g_ptr_array_add(shown, x);
  return shown;
}

/* The explanation panel shows LIME's stability map when LIME ran more than once, and the
 * occlusion mask and stride in mm with the spacing's source when the spacing is known. */
static void
test_explain_panel(void)
{
  g_autofree char *work = g_dir_make_tmp("carpalscope-explain-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(work, "tiny.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsModel) model = NULL;
  g_autoptr(CsCase) c = cs_case_new("c");
  g_autoptr(GPtrArray) once = NULL;
  g_autoptr(GPtrArray) repeated = NULL;
  GtkWidget *panel;
  const char *caption;
  const CsExplanation *o;
  g_autofree char *expect = NULL;

  gtk_init(); /* when this test runs alone, no application has */
  panel = g_object_ref_sink(g_object_new(CS_TYPE_EXPLAIN_PANEL, NULL));
  test_model_make(make_model, path, 64);
  model = cs_model_new_for_file(path, NULL, &error);
  g_assert_no_error(error);
  g_assert_true(cs_case_set_spacing(c, 0.25, CS_SPACING_SOURCE_MANUAL, &error));
  cs_explain_panel_set_case(CS_EXPLAIN_PANEL(panel), NULL, c);

  once = explain_crop(model, 1, 0);
  cs_explain_panel_show_explanations(CS_EXPLAIN_PANEL(panel), once);
  g_assert_false(cs_explain_panel_is_stability_shown(CS_EXPLAIN_PANEL(panel)));
  caption = cs_explain_panel_get_caption(CS_EXPLAIN_PANEL(panel), "occlusion");
  o = ((CsFrameExplanation *)once->pdata[0])->occlusion;
  expect = g_strdup_printf("mask %d px, stride %d px,", o->mask_px, o->stride_px);
  g_assert_true(g_str_has_prefix(caption, expect));
  g_assert_null(strstr(caption, "mm"));
  g_clear_pointer(&expect, g_free);

  repeated = explain_crop(model, 2, 0.25);
  cs_explain_panel_show_explanations(CS_EXPLAIN_PANEL(panel), repeated);
  g_assert_true(cs_explain_panel_is_stability_shown(CS_EXPLAIN_PANEL(panel)));
  g_assert_nonnull(
      strstr(cs_explain_panel_get_caption(CS_EXPLAIN_PANEL(panel), "lime-sd"), "over 2 runs"));
  caption = cs_explain_panel_get_caption(CS_EXPLAIN_PANEL(panel), "occlusion");
  g_test_message("%s", caption);
  o = ((CsFrameExplanation *)repeated->pdata[0])->occlusion;
  expect = g_strdup_printf("mask %d px = %.1f mm, stride %d px = %.1f mm,", o->mask_px,
                           o->mask_px * 0.25, o->stride_px, o->stride_px * 0.25);
  g_assert_true(g_str_has_prefix(caption, expect));
  g_assert_nonnull(strstr(caption, "spacing: manual calibration"));

  cs_explain_panel_set_case(CS_EXPLAIN_PANEL(panel), NULL, NULL);
  g_assert_finalize_object(panel);
  gui_test_remove_tree(work);
}

int
main(int argc, char **argv)
{
  /* The window's recovery file and recent files go to a folder of the test's own (GLib's
   * isolated dirs would also hide the system's MIME database, which the icons need). */
  char *home = gui_test_private_data_home("carpalscope-workflow-home-XXXXXX");

  g_test_init(&argc, &argv, NULL);
  if (argc < 2) {
    g_printerr("usage: %s MAKE_TEST_MODEL\n", argv[0]);
    return 2;
  }
  make_model = argv[1];
  g_test_add_func("/gui/workflow/tracing-and-bad-file", test_workflow);
  g_test_add_func("/gui/workflow/explain-panel", test_explain_panel);
  return gui_test_run_and_remove(home);
}
