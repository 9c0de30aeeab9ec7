/* test-gui-present.c — presentation mode and the rater's name, in the real window
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real window on a copy of the demo study with two seeded random models. Presentation mode is
 * entered with F5 in the main window and left with F5 in the presentation, and its switches are
 * driven by their keys (R, B) or the window's actions (win.present and its switches, the path the
 * keys, the buttons and D-Bus take): blind, the case id, the label, the nerve conduction and
 * every p(CTS) are off the screen and R (win.reveal) brings them back; the next case starts hidden
 * again; next and previous go round the study; leaving selects the case last shown. A tracing
 * drawn with a rater's name in Preferences carries it, and hiding that rater's tracings takes the
 * outline off the frame. The study is opened by its folder, as the file chooser portal grants one
 * to a Flatpak. With CARPALSCOPE_SHOT_DIR set, the presentation is saved there blind and revealed
 * (present-blind.png, present-revealed.png), with the installed model CARPALSCOPE_SHOT_MODEL names
 * (such as efficientnet_b0-phantom) in the first row.
 *
 * Usage: test-gui-present DEMO_DIR MAKE_TEST_MODEL
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "cs-application.h"
#include "cs-presentation.h"
#include "cs-study.h"
#include "cs-window.h"
#include "gui-test-util.h"
#include "test-model.h"

static const char *demo_dir;
static const char *make_model;
static const char *first_model; /* The model of the first row. */

typedef struct {
  char *work;
  gboolean done;
} Run;

static gboolean
frame_shown(gpointer data)
{
  CsViewerPane *pane = cs_window_get_viewer_pane(data);

  return cs_viewer_pane_get_sweep(pane) != NULL && cs_viewer_pane_is_frame_shown(pane) &&
         gtk_widget_get_width(GTK_WIDGET(cs_viewer_pane_get_frame_view(pane))) > 0;
}

static gboolean
explained(gpointer data)
{
  CsPresentation *shown = cs_window_get_presentation(data);

  return shown != NULL && cs_presentation_is_explained(shown);
}

static gboolean
get_flag(CsWindow *window, const char *action)
{
  g_autoptr(GVariant) state = g_action_group_get_action_state(G_ACTION_GROUP(window), action);

  return g_variant_get_boolean(state);
}

static void
set_flag(CsWindow *window, const char *action, gboolean value)
{
  g_action_group_change_action_state(G_ACTION_GROUP(window), action, g_variant_new_boolean(value));
  gui_test_pump();
}

static gboolean
never(gpointer data)
{
  return FALSE;
}

static void
save_shot(CsPresentation *shown, const char *name)
{
  const char *dir = g_getenv("CARPALSCOPE_SHOT_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (dir == NULL || dir[0] == '\0')
    return;
  /* Styles follow a state change at the next frame: let a few frames pass. */
  gui_test_iterate_until(never, NULL, 0.5);
  path = g_build_filename(dir, name, NULL);
  g_assert_true(cs_presentation_save_png(shown, path, &error));
  g_assert_no_error(error);
  g_test_message("wrote %s", path);
}

/* Nothing on screen gives the answer away. */
static void
assert_blind(CsPresentation *shown, CsCase *c)
{
  const char *heading = cs_presentation_get_heading(shown);
  const char *answer = cs_presentation_get_answer(shown);

  g_assert_false(cs_presentation_is_answer_shown(shown));
  g_assert_null(strstr(heading, cs_case_get_id(c)));
  g_assert_null(strstr(answer, "CTS"));
  g_assert_null(strstr(answer, "Control"));
  g_assert_null(strstr(answer, "latency"));
  g_assert_null(strstr(answer, "p(CTS)"));
  g_assert_nonnull(strstr(cs_presentation_get_row_heading(shown, 0), "p(CTS) hidden"));
}

static void
present_cb(CsWindow *window)
{
  CsStudy *study = cs_window_get_study(window);
  CsCase *first = cs_study_get_case(study, 0);
  guint n = cs_study_get_n_cases(study);
  CsNerveConduction ncs = { .dml_ms = 3.2, .scv_m_s = 58, .cmap_mv = NAN };
  g_autoptr(GError) error = NULL;
  CsPresentation *shown;

  g_assert_true(cs_case_set_nerve_conduction(first, &ncs, &error));
  g_assert_no_error(error);

  /* Only win.present is enabled before presenting: there is no case to step or reveal. */
  g_assert_true(g_action_group_get_action_enabled(G_ACTION_GROUP(window), "present"));
  g_assert_false(g_action_group_get_action_enabled(G_ACTION_GROUP(window), "present-next"));
  g_assert_false(g_action_group_get_action_enabled(G_ACTION_GROUP(window), "reveal"));

  /* F5 in the main window presents. */
  set_flag(window, "present-blind", TRUE);
  gui_test_press_key(GTK_WIDGET(window), GDK_KEY_F5, 0);
  shown = cs_window_get_presentation(window);
  g_assert_nonnull(shown);
  g_assert_true(get_flag(window, "present"));
  g_assert_true(gtk_widget_get_visible(GTK_WIDGET(shown)));
  g_assert_true(cs_presentation_get_case(shown) == first);
  g_assert_cmpint(cs_presentation_get_n_rows(shown), ==, 1);
  g_assert_true(gui_test_iterate_until(explained, window, 240));
  assert_blind(shown, first);
  save_shot(shown, "present-blind.png");

  /* R in the presentation reveals, through its own route to the window's actions. */
  gui_test_press_key(GTK_WIDGET(shown), GDK_KEY_r, 0);
  g_assert_true(get_flag(window, "reveal"));
  g_assert_true(cs_presentation_is_answer_shown(shown));
  g_assert_nonnull(strstr(cs_presentation_get_heading(shown), cs_case_get_id(first)));
  g_assert_nonnull(strstr(cs_presentation_get_answer(shown), "Control"));
  g_assert_nonnull(strstr(cs_presentation_get_answer(shown), "distal motor latency 3.2 ms"));
  g_assert_nonnull(strstr(cs_presentation_get_row_heading(shown, 0), "p(CTS) = "));
  save_shot(shown, "present-revealed.png");

  /* The overlay and colour-map switches reach the presentation and keep their state. */
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(shown), "win.present-heatmaps", NULL));
  g_assert_false(get_flag(window, "present-heatmaps"));
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(shown), "win.present-outlines", NULL));
  g_assert_false(get_flag(window, "present-outlines"));
  {
    g_autoptr(GVariant) before =
        g_action_group_get_action_state(G_ACTION_GROUP(window), "present-colormap");
    g_autoptr(GVariant) after = NULL;

    g_assert_true(gtk_widget_activate_action(GTK_WIDGET(shown), "win.present-colormap", NULL));
    after = g_action_group_get_action_state(G_ACTION_GROUP(window), "present-colormap");
    g_assert_cmpstr(g_variant_get_string(before, NULL), !=, g_variant_get_string(after, NULL));
  }

  /* Next: the second case, hidden again. Previous twice: round to the last. */
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(shown), "win.present-next", NULL));
  gui_test_pump();
  g_assert_cmpuint(cs_presentation_get_index(shown), ==, 1);
  g_assert_false(get_flag(window, "reveal"));
  g_assert_false(cs_presentation_is_answer_shown(shown));
  g_assert_null(
      strstr(cs_presentation_get_heading(shown), cs_case_get_id(cs_study_get_case(study, 1))));
  g_action_group_activate_action(G_ACTION_GROUP(window), "present-previous", NULL);
  g_action_group_activate_action(G_ACTION_GROUP(window), "present-previous", NULL);
  gui_test_pump();
  g_assert_cmpuint(cs_presentation_get_index(shown), ==, n - 1);

  /* B: not blind, the answer is on screen without revealing; B again hides it. */
  gui_test_press_key(GTK_WIDGET(shown), GDK_KEY_b, 0);
  g_assert_false(get_flag(window, "present-blind"));
  g_assert_true(cs_presentation_is_answer_shown(shown));
  gui_test_press_key(GTK_WIDGET(shown), GDK_KEY_b, 0);
  g_assert_true(get_flag(window, "present-blind"));
  g_assert_false(cs_presentation_is_answer_shown(shown));
  gui_test_press_key(GTK_WIDGET(shown), GDK_KEY_b, 0);
  g_assert_true(cs_presentation_is_answer_shown(shown));
  g_assert_nonnull(
      strstr(cs_presentation_get_heading(shown), cs_case_get_id(cs_study_get_case(study, n - 1))));

  /* Two models: a second row, explained by the second model. */
  g_action_group_change_action_state(G_ACTION_GROUP(window), "present-compare",
                                     g_variant_new_string("test-squeezenet-2"));
  gui_test_pump();
  g_assert_cmpint(cs_presentation_get_n_rows(shown), ==, 2);
  g_assert_true(gui_test_iterate_until(explained, window, 240));
  {
    g_auto(GStrv) top = g_strsplit(cs_presentation_get_row_heading(shown, 0), " ", 2);
    g_auto(GStrv) bottom = g_strsplit(cs_presentation_get_row_heading(shown, 1), " ", 2);

    g_assert_cmpstr(top[0], ==, first_model);
    g_assert_cmpstr(bottom[0], ==, "test-squeezenet-2");
    g_assert_nonnull(strstr(cs_presentation_get_row_heading(shown, 1), "p(CTS) = "));
  }
  /* M: back to one model. */
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(shown), "win.present-compare", NULL));
  gui_test_pump();
  g_assert_cmpint(cs_presentation_get_n_rows(shown), ==, 1);
  g_assert_null(cs_presentation_get_row_heading(shown, 1));
  /* Left with no explanation running, the window closes without waiting for a worker. */
  g_assert_true(gui_test_iterate_until(explained, window, 240));

  /* F5 (or Esc) in the presentation: presentation mode ends and the window shows the case the
   * class saw last. */
  {
    g_autofree char *escape = gui_test_dup_key_action(GTK_WIDGET(shown), GDK_KEY_Escape, 0);

    g_assert_cmpstr(escape, ==, "win.present");
  }
  gui_test_press_key(GTK_WIDGET(shown), GDK_KEY_F5, 0);
  g_assert_null(cs_window_get_presentation(window));
  g_assert_false(get_flag(window, "present"));
  g_assert_false(g_action_group_get_action_enabled(G_ACTION_GROUP(window), "present-next"));
  g_assert_true(cs_window_get_case(window) == cs_study_get_case(study, n - 1));
}

/* A new tracing carries the rater's name of Preferences; hiding the rater hides the outline. */
static void
rater_cb(CsWindow *window)
{
  CsViewerPane *pane = cs_window_get_viewer_pane(window);
  CsFrameView *view = cs_viewer_pane_get_frame_view(pane);
  CsCase *c = cs_window_get_case(window);
  const double square[] = { 300, 60, 340, 60, 340, 100, 300, 100 };
  guint before = cs_case_get_n_tracings(c);
  const CsTracing *tracing;

  cs_viewer_pane_set_tool(pane, CS_FRAME_VIEW_TOOL_TRACE);
  for (int i = 0; i < 4; i++)
    gui_test_click(view, square[2 * i], square[2 * i + 1]);
  gui_test_click(view, square[0], square[1]);
  gui_test_pump();
  g_assert_cmpuint(cs_case_get_n_tracings(c), ==, before + 1);
  tracing = cs_case_get_tracing(c, before);
  g_assert_cmpstr(tracing->rater, ==, "Dr Tanaka");
  g_assert_true(g_str_equal(tracing->rater, "Dr Tanaka"));

  g_assert_true(cs_viewer_pane_get_rater_shown(pane, "Dr Tanaka"));
  cs_viewer_pane_set_rater_shown(pane, "Dr Tanaka", FALSE);
  g_assert_false(cs_viewer_pane_get_rater_shown(pane, "Dr Tanaka"));
  g_assert_cmpint(cs_frame_view_get_edited_tracing(view), ==, -1);
  g_assert_false(cs_frame_view_edit_tracing(view, (int)before));
  cs_viewer_pane_set_rater_shown(pane, "Dr Tanaka", TRUE);
  g_assert_true(cs_frame_view_edit_tracing(view, (int)before));
  g_assert_true(g_str_equal(cs_case_get_tracing(c, before)->rater, "Dr Tanaka"));

  /* Undone, so that presentation mode (and its screenshots) shows the demo study as it is. */
  g_action_group_activate_action(G_ACTION_GROUP(window), "undo", NULL);
  gui_test_pump();
  g_assert_cmpuint(cs_case_get_n_tracings(c), ==, before);
}

static void
activate_cb(GApplication *app, Run *run)
{
  CsWindow *window = CS_WINDOW(gtk_application_get_active_window(GTK_APPLICATION(app)));
  g_autofree char *folder = g_build_filename(run->work, "study", NULL);
  g_autofree char *study = g_build_filename(folder, "study.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path(folder);

  g_assert_nonnull(window);
  gtk_window_set_default_size(GTK_WINDOW(window), 1280, 800);
  /* The study opened by its folder, as the file chooser portal hands a folder to a Flatpak. */
  cs_window_open_file(window, file);
  g_assert_nonnull(cs_window_get_study(window));
  g_assert_cmpstr(cs_study_get_path(cs_window_get_study(window)), ==, study);
  g_assert_true(gui_test_iterate_until(frame_shown, window, 60));
  rater_cb(window);
  present_cb(window);
  run->done = TRUE;
  gtk_window_destroy(GTK_WINDOW(window));
}

static void
test_present(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *models = NULL;
  Run run = { 0 };
  int status = 0;

  run.work = g_dir_make_tmp("carpalscope-present-XXXXXX", &error);
  g_assert_no_error(error);
  models = g_build_filename(run.work, "models", NULL);
  g_assert_cmpint(g_mkdir(models, 0755), ==, 0);
  for (int i = 0; i < 2; i++) {
    g_autofree char *name = g_strdup_printf("test-squeezenet-%d.safetensors", i + 1);
    g_autofree char *model = g_build_filename(models, name, NULL);

    test_model_make(make_model, model, 32 + 16 * i);
  }
  {
    g_autofree char *study_dir = g_build_filename(run.work, "study", NULL);
    const char *argv[] = { "cp", "-r", demo_dir, study_dir, NULL };

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, &error));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
  }
  g_setenv("CARPALSCOPE_MODELSDIR", models, TRUE);

  /* Small models and a light explanation keep the test short (also under the sanitizers); the
   * screenshots take the explanation's defaults. The rater is the one of Preferences. */
  settings = g_settings_new(APPLICATION_ID);
  g_settings_set_string(settings, "default-model", first_model);
  if (g_getenv("CARPALSCOPE_SHOT_MODEL") == NULL) {
    g_settings_set_double(settings, "occlusion-mask", 50);
    g_settings_set_double(settings, "occlusion-stride", 50);
    g_settings_set_uint(settings, "lime-samples", 50);
    g_settings_set_uint(settings, "lime-segments", 8);
  }
  g_settings_set_string(settings, "rater-name", "  Dr Tanaka ");

  gui_test_run_app(G_CALLBACK(activate_cb), &run);
  g_assert_true(run.done);

  gui_test_remove_tree(run.work);
  g_free(run.work);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  if (argc < 3) {
    g_printerr("usage: %s DEMO_DIR MAKE_TEST_MODEL\n", argv[0]);
    return 2;
  }
  demo_dir = argv[1];
  make_model = argv[2];
  first_model = g_getenv("CARPALSCOPE_SHOT_MODEL");
  if (first_model == NULL || first_model[0] == '\0')
    first_model = "test-squeezenet-1";
  g_test_add_func("/gui/present/blind-reveal-next-and-rater", test_present);
  return g_test_run();
}
