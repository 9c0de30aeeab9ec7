/* test-gui-nerve.c — Find Nerve and Track Through Sweep in the real window, on a real image
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real transverse image of the carpal-tunnel inlet from the shared set (skipped when
 * ../shared is absent) opened in the window: Find Nerve places the ROI keyframe on the frame
 * shown, centred inside the expert's nerve mask, and proposes the outline (tagged with the
 * model's SHA-256), as one step of undo; the outline accepted becomes an inlet tracing, rejected
 * it goes, each undoable; Track Through Sweep sets a keyframe on every frame (the one frame of a
 * still) and marks none lost. The installed nerve model does the finding.
 */
#include "config.h"

#include <adwaita.h>
#include <gtk/gtk.h>
#include <stdlib.h>

#include "cs-application.h"
#include "cs-model-catalog.h"
#include "cs-nerve-track.h"
#include "cs-strip-chart.h"
#include "cs-study.h"
#include "cs-window.h"
#include "gui-test-util.h"
#include "test-realdata.h"

typedef struct {
  char *image;
  const char *sha256; /* The installed nerve model's. */
  int x0, x1, y0, y1; /* The expert mask's box, from the set's index.csv. */
  gboolean done;
} Run;

static gboolean
frame_shown(gpointer data)
{
  CsFrameView *view = cs_viewer_pane_get_frame_view(cs_window_get_viewer_pane(data));

  return !cs_window_is_opening(data) && cs_frame_view_get_frame(view) != NULL;
}

static gboolean
not_analysing(gpointer data)
{
  return !cs_window_is_analysing(data);
}

static void
run_action(CsWindow *window, const char *action)
{
  gtk_widget_activate_action(GTK_WIDGET(window), action, NULL);
  g_assert_true(cs_window_is_analysing(window));
  g_assert_true(gui_test_iterate_until(not_analysing, window, 60));
  gui_test_pump();
}

static void
activate_cb(GApplication *app, gpointer user_data)
{
  Run *run = user_data;
  CsWindow *window = CS_WINDOW(gtk_application_get_active_window(GTK_APPLICATION(app)));
  g_autoptr(GFile) file = g_file_new_for_path(run->image);
  CsStripChart *chart;
  const CsRoiKeyframe *key;
  CsCase *c;

  cs_window_open_file(window, file);
  g_assert_true(gui_test_iterate_until(frame_shown, window, 60));
  gui_test_pump();
  c = cs_window_get_case(window);
  g_assert_nonnull(c);
  g_assert_cmpuint(cs_case_get_n_roi_keyframes(c), ==, 0);

  run_action(window, "win.find-nerve");
  g_assert_cmpuint(cs_case_get_n_roi_keyframes(c), ==, 1);
  key = cs_case_get_roi_keyframe(c, 0);
  g_test_message("ROI centre (%.1f, %.1f); the expert's box x %d-%d, y %d-%d", key->x, key->y,
                 run->x0, run->x1, run->y0, run->y1);
  g_assert_cmpfloat(key->x, >=, run->x0);
  g_assert_cmpfloat(key->x, <=, run->x1 + 1);
  g_assert_cmpfloat(key->y, >=, run->y0);
  g_assert_cmpfloat(key->y, <=, run->y1 + 1);
  /* No spacing in these images: the ROI is sized in px around the nerve's box. */
  g_assert_cmpfloat(key->size_px, >=, 32);

  /* The outline is proposed, by the model, beside no tracing of a person's. */
  g_assert_cmpuint(cs_case_get_n_tracings(c), ==, 1);
  g_assert_true(cs_nerve_tracing_is_proposed(cs_case_get_tracing(c, 0)));
  g_assert_true(g_str_has_suffix(cs_case_get_tracing(c, 0)->rater, run->sha256));

  /* One step of undo takes both away again. */
  gtk_widget_activate_action(GTK_WIDGET(window), "win.undo", NULL);
  gui_test_pump();
  g_assert_cmpuint(cs_case_get_n_roi_keyframes(c), ==, 0);
  g_assert_cmpuint(cs_case_get_n_tracings(c), ==, 0);

  /* Accepted, it is an inlet tracing; undone, proposed again; rejected, gone. */
  run_action(window, "win.find-nerve");
  gtk_widget_activate_action(GTK_WIDGET(window), "win.accept-outline", NULL);
  gui_test_pump();
  g_assert_cmpuint(cs_case_get_n_tracings(c), ==, 1);
  g_assert_cmpstr(cs_case_get_tracing(c, 0)->level, ==, "inlet");
  g_assert_false(cs_nerve_tracing_is_proposed(cs_case_get_tracing(c, 0)));
  gtk_widget_activate_action(GTK_WIDGET(window), "win.undo", NULL);
  gui_test_pump();
  g_assert_true(cs_nerve_tracing_is_proposed(cs_case_get_tracing(c, 0)));
  gtk_widget_activate_action(GTK_WIDGET(window), "win.reject-outline", NULL);
  gui_test_pump();
  g_assert_cmpuint(cs_case_get_n_tracings(c), ==, 0);
  gtk_widget_activate_action(GTK_WIDGET(window), "win.undo", NULL);
  gtk_widget_activate_action(GTK_WIDGET(window), "win.undo", NULL);
  gui_test_pump();
  g_assert_cmpuint(cs_case_get_n_roi_keyframes(c), ==, 0);

  run_action(window, "win.track-nerve");
  g_assert_cmpuint(cs_case_get_n_roi_keyframes(c), ==, 1);
  chart = cs_viewer_pane_get_strip_chart(cs_window_get_viewer_pane(window));
  g_assert_cmpint(cs_strip_chart_get_mark(chart, 0), !=, CS_STRIP_MARK_LOST);
  run->done = TRUE;
  gtk_window_destroy(GTK_WINDOW(window));
}

/* Reads the expert mask's box of @name from the set's index.csv. */
static gboolean
read_box(const char *index, const char *name, Run *run)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true(g_file_get_contents(index, &text, NULL, NULL));
  lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);

    if (g_strv_length(f) == 7 && g_strcmp0(f[0], name) == 0) {
      run->x0 = atoi(f[3]);
      run->x1 = atoi(f[4]);
      run->y0 = atoi(f[5]);
      run->y1 = atoi(f[6]);
      return TRUE;
    }
  }
  return FALSE;
}

static void
test_find_and_track(void)
{
  g_autofree char *index = test_realdata_path("median-nerve/index.csv", G_FILE_TEST_IS_REGULAR);
  Run run = { 0 };

  if (index == NULL)
    return;
  run.image = test_realdata_path("median-nerve/images/Pz010-001.png", G_FILE_TEST_IS_REGULAR);
  g_assert_nonnull(run.image);
  g_assert_true(read_box(index, "Pz010-001", &run));
  g_assert_nonnull(cs_model_catalog_get_default_segmenter(cs_model_catalog_get_default()));
  run.sha256 = cs_model_info_get_sha256(
      cs_model_catalog_get_default_segmenter(cs_model_catalog_get_default()));
  gui_test_run_app(G_CALLBACK(activate_cb), &run);
  g_assert_true(run.done);
  g_free(run.image);
}

int
main(int argc, char **argv)
{
  char *home = gui_test_private_data_home("carpalscope-nerve-home-XXXXXX");

  /* A private home: no model of the user's own is found before the installed nerve model, and
   * no study of the user's is touched. */
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/gui/nerve/find-and-track", test_find_and_track);
  return gui_test_run_and_remove(home);
}
