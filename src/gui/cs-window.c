/* cs-window.c — the main window: cases, the frame viewer and the inspector; open, save, analyse
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-window.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>

#include "cs-analysis-panel.h"
#include "cs-analysis.h"
#include "cs-case-panel.h"
#include "cs-error.h"
#include "cs-explain-panel.h"
#include "cs-report.h"
#include "cs-study.h"
#include "cs-viewer-pane.h"

struct _CsWindow {
  AdwApplicationWindow parent_instance;

  AdwWindowTitle *window_title;
  AdwToastOverlay *toast_overlay;
  GtkStack *content_stack;
  GtkListBox *case_list;
  AdwViewStack *main_stack;
  CsViewerPane *viewer_pane;
  CsExplainPanel *explain_panel;
  AdwViewStack *inspector_stack;
  CsAnalysisPanel *analysis_panel;
  CsCasePanel *case_panel;

  GSettings *settings;
  GtkFileChooserNative *chooser;
  GMenu *recent_section;

  CsStudy *study;
  gulong study_dirty_id;
  gulong study_items_id;
  CsCase *current_case;
  gulong case_changed_id;
  CsSweep *sweep;
  GCancellable *open_cancellable;

  guint autosave_source;
  gboolean closing_confirmed;

  GCancellable *report_cancellable;
  AdwToast *report_toast;

  /* The analysis running in a worker, with its progress coalesced into one idle. */
  GCancellable *analysis_cancellable;
  GMutex progress_lock;
  int progress_done;
  int progress_total;
  guint progress_idle;
};

G_DEFINE_FINAL_TYPE(CsWindow, cs_window, ADW_TYPE_APPLICATION_WINDOW)

static void select_case(CsWindow *self, CsCase *c);
static void update_actions(CsWindow *self);

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

static void
show_error(CsWindow *self, const char *heading, const GError *error)
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

/* The recovery file of a study that has no file of its own yet. */
static char *
dup_recovery_path(void)
{
  return g_build_filename(g_get_user_data_dir(), "carpalscope", "recovery", "unsaved-study.json",
                          NULL);
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

static void
update_title(CsWindow *self)
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

/* Saving: studies with a file are written in place within seconds of a change (atomically, the
 * previous version kept as .bak); a study without a file goes to a recovery file until the user
 * names one. */

static gboolean
save_now(CsWindow *self, GError **error)
{
  if (self->study == NULL || !cs_study_get_dirty(self->study))
    return TRUE;
  if (cs_study_get_path(self->study) != NULL) {
    return cs_study_save(self->study, error);
  } else {
    g_autofree char *recovery = dup_recovery_path();
    g_autofree char *dir = g_path_get_dirname(recovery);

    if (g_mkdir_with_parents(dir, 0700) != 0) {
      g_set_error(error, CS_ERROR, CS_ERROR_IO, "cannot create %s: %s", dir, g_strerror(errno));
      return FALSE;
    }
    return cs_study_save_copy(self->study, recovery, error);
  }
}

static gboolean
autosave_cb(gpointer user_data)
{
  CsWindow *self = user_data;
  g_autoptr(GError) error = NULL;

  self->autosave_source = 0;
  if (!save_now(self, &error)) {
    g_autofree char *message = g_strdup_printf(_("Autosave failed: %s"), error->message);

    cs_window_show_toast(self, message);
  }
  update_title(self);
  return G_SOURCE_REMOVE;
}

static void
schedule_autosave(CsWindow *self)
{
  guint seconds =
      self->settings != NULL ? g_settings_get_uint(self->settings, "autosave-interval") : 5;

  if (self->autosave_source != 0 || self->study == NULL || !cs_study_get_dirty(self->study))
    return;
  self->autosave_source = g_timeout_add_seconds(MAX(seconds, 1), autosave_cb, self);
}

static void
study_dirty_cb(CsStudy *study, GParamSpec *pspec, CsWindow *self)
{
  update_title(self);
  schedule_autosave(self);
}

/* Study and case. */

static void
set_study(CsWindow *self, CsStudy *study)
{
  if (self->study != NULL) {
    g_clear_signal_handler(&self->study_dirty_id, self->study);
  }
  g_clear_handle_id(&self->autosave_source, g_source_remove);
  select_case(self, NULL);
  g_set_object(&self->study, study);
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
    schedule_autosave(self);
  } else {
    gtk_stack_set_visible_child_name(self->content_stack, "empty");
  }
  update_title(self);
  update_actions(self);
}

static void
show_strip_values(CsWindow *self)
{
  const CsModelResult *result;
  gboolean stale = FALSE;
  CsStripChart *chart = cs_viewer_pane_get_strip_chart(self->viewer_pane);
  int n = self->sweep != NULL ? cs_sweep_get_n_frames(self->sweep) : 0;
  g_autofree double *values = NULL;

  result = cs_analysis_panel_get_result(self->analysis_panel, &stale);
  cs_strip_chart_set_threshold(chart, cs_analysis_panel_get_threshold(self->analysis_panel));
  if (result == NULL || n == 0) {
    cs_strip_chart_set_values(chart, NULL, 0);
    return;
  }
  values = g_new(double, n);
  for (int i = 0; i < n; i++)
    values[i] = NAN;
  for (guint i = 0; i < result->n_frames; i++)
    if (result->frames[i] >= 0 && result->frames[i] < n)
      values[result->frames[i]] = result->p_cts[i];
  cs_strip_chart_set_values(chart, values, n);
  cs_strip_chart_set_stale(chart, stale);
}

static void
current_case_changed_cb(CsCase *c, CsWindow *self)
{
  show_strip_values(self);
  update_title(self);
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

    show_error(self, heading, error);
    return;
  }
  g_set_object(&self->sweep, sweep);
  cs_viewer_pane_set_sweep(self->viewer_pane, sweep, self->current_case);
  cs_explain_panel_set_case(self->explain_panel, sweep, self->current_case);
  show_strip_values(self);
  update_actions(self);
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
  if (self->analysis_cancellable != NULL)
    g_cancellable_cancel(self->analysis_cancellable);
  g_set_object(&self->current_case, c);
  g_clear_object(&self->sweep);
  cs_viewer_pane_set_sweep(self->viewer_pane, NULL, NULL);
  cs_explain_panel_set_case(self->explain_panel, NULL, NULL);
  cs_case_panel_set_case(self->case_panel, c);
  cs_analysis_panel_set_case(self->analysis_panel, c);
  update_title(self);
  update_actions(self);
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

CsCase *
cs_window_get_case(CsWindow *self)
{
  g_return_val_if_fail(CS_IS_WINDOW(self), NULL);
  return self->current_case;
}

/* Opening files. */

/* The most recent files kept in the "Open Recent" menu. */
#define MAX_RECENT 10

static void
fill_recent_menu(CsWindow *self)
{
  g_auto(GStrv) uris = NULL;

  g_menu_remove_all(self->recent_section);
  if (self->settings == NULL)
    return;
  uris = g_settings_get_strv(self->settings, "recent-files");
  for (guint i = 0; uris[i] != NULL && i < MAX_RECENT; i++) {
    g_autoptr(GFile) file = g_file_new_for_uri(uris[i]);
    g_autofree char *name = g_file_get_basename(file);
    g_autoptr(GFile) parent = g_file_get_parent(file);
    g_autofree char *folder = parent != NULL ? g_file_get_basename(parent) : NULL;
    /* A study is always study.json: its folder names it. */
    g_autofree char *label = g_strcmp0(name, "study.json") == 0 && folder != NULL
                                 ? g_strdup_printf("%s/%s", folder, name)
                                 : g_strdup(name);
    g_autoptr(GMenuItem) item = g_menu_item_new(label, NULL);

    g_menu_item_set_action_and_target_value(item, "win.open-recent", g_variant_new_string(uris[i]));
    g_menu_append_item(self->recent_section, item);
  }
}

static void
remember_recent(CsWindow *self, GFile *file)
{
  g_autofree char *uri = g_file_get_uri(file);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
  g_auto(GStrv) previous = NULL;
  g_auto(GStrv) uris = NULL;
  guint n = 1;

  gtk_recent_manager_add_item(gtk_recent_manager_get_default(), uri);
  if (self->settings == NULL)
    return;
  previous = g_settings_get_strv(self->settings, "recent-files");
  g_strv_builder_add(builder, uri);
  for (guint i = 0; previous[i] != NULL && n < MAX_RECENT; i++) {
    if (g_strcmp0(previous[i], uri) != 0) {
      g_strv_builder_add(builder, previous[i]);
      n++;
    }
  }
  uris = g_strv_builder_end(builder);
  g_settings_set_strv(self->settings, "recent-files", (const char *const *)uris);
  fill_recent_menu(self);
}

static void
open_recent_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  g_autoptr(GFile) file = g_file_new_for_uri(g_variant_get_string(parameter, NULL));

  cs_window_open_file(CS_WINDOW(widget), file);
}

static gboolean
open_study(CsWindow *self, const char *path, GError **error)
{
  g_autoptr(CsStudy) study = cs_study_load(path, error);

  if (study == NULL)
    return FALSE;
  set_study(self, study);
  return TRUE;
}

static void
open_lone_sweep(CsWindow *self, const char *path)
{
  g_autoptr(CsStudy) study = cs_study_new();
  g_autofree char *base = g_path_get_basename(path);
  g_autofree char *id = NULL;
  g_autoptr(CsCase) c = NULL;
  g_autoptr(GError) error = NULL;
  char *dot;

  /* A lone sweep becomes the one case of a new, unsaved study named after the file. */
  dot = strrchr(base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  id = g_strdup(base[0] != '\0' ? base : "case-1");
  c = cs_case_new(id);
  cs_case_set_sweep_path(c, path);
  if (!cs_study_add_case(study, c, &error)) {
    show_error(self, _("Cannot Open the Sweep"), error);
    return;
  }
  set_study(self, study);
}

void
cs_window_open_file(CsWindow *self, GFile *file)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail(CS_IS_WINDOW(self));
  g_return_if_fail(G_IS_FILE(file));

  path = g_file_get_path(file);
  if (path == NULL) {
    cs_window_show_toast(self, _("Only local files can be opened"));
    return;
  }
  if (self->study != NULL && cs_study_get_dirty(self->study) && !save_now(self, &error)) {
    show_error(self, _("Cannot Save the Open Study"), error);
    return;
  }
  if (g_str_has_suffix(path, ".json")) {
    if (!open_study(self, path, &error)) {
      show_error(self, _("Cannot Open the Study"), error);
      return;
    }
  } else {
    open_lone_sweep(self, path);
  }
  remember_recent(self, file);
}

static void
chooser_response_cb(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  CsWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
    GtkFileChooserAction action = gtk_file_chooser_get_action(GTK_FILE_CHOOSER(dialog));

    if (file != NULL && action == GTK_FILE_CHOOSER_ACTION_SAVE) {
      g_autofree char *path = g_file_get_path(file);
      g_autoptr(GError) error = NULL;

      if (path == NULL || !cs_study_save_as(self->study, path, &error)) {
        if (error != NULL)
          show_error(self, _("Cannot Save the Study"), error);
      } else {
        g_autofree char *recovery = dup_recovery_path();

        g_unlink(recovery);
        cs_window_show_toast(self, _("Study saved"));
      }
      update_title(self);
    } else if (file != NULL) {
      cs_window_open_file(self, file);
    }
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
run_chooser(CsWindow *self, GtkFileChooserAction action)
{
  static const char *const supported[] = { "*.json", "*.mp4", "*.m4v",  "*.avi", "*.mkv",
                                           "*.mov",  "*.wmv", "*.png",  "*.jpg", "*.jpeg",
                                           "*.bmp",  "*.tif", "*.tiff", NULL };
  static const char *const studies[] = { "*.json", NULL };
  static const char *const everything[] = { "*", NULL };
  gboolean save = action == GTK_FILE_CHOOSER_ACTION_SAVE;

  if (self->chooser != NULL)
    gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
  g_clear_object(&self->chooser);
  self->chooser = gtk_file_chooser_native_new(
      save ? _("Save the Study") : _("Open a Sweep or Study"), GTK_WINDOW(self), action,
      save ? _("_Save") : _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
  if (save) {
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(self->chooser), "study.json");
  } else {
    add_filter(GTK_FILE_CHOOSER(self->chooser), _("Sweeps and studies"), supported);
    add_filter(GTK_FILE_CHOOSER(self->chooser), _("Studies (study.json)"), studies);
    add_filter(GTK_FILE_CHOOSER(self->chooser), _("All files"), everything);
  }
  g_signal_connect(self->chooser, "response", G_CALLBACK(chooser_response_cb), self);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

static void
open_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  run_chooser(CS_WINDOW(widget), GTK_FILE_CHOOSER_ACTION_OPEN);
}

static char *
find_demo_study(void)
{
  const char *env = g_getenv("CARPALSCOPE_DEMO_STUDY");
  const char *candidates[] = { env, BUILD_DEMODIR "/study.json", PKGDATADIR "/demo/study.json" };

  for (gsize i = 0; i < G_N_ELEMENTS(candidates); i++)
    if (candidates[i] != NULL && g_file_test(candidates[i], G_FILE_TEST_IS_REGULAR))
      return g_strdup(candidates[i]);
  return NULL;
}

static void
open_demo_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  g_autofree char *path = find_demo_study();
  g_autoptr(GFile) file = NULL;

  if (path == NULL) {
    cs_window_show_toast(self, _("The demo study is not installed"));
    return;
  }
  file = g_file_new_for_path(path);
  cs_window_open_file(self, file);
}

static void
save_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  g_autoptr(GError) error = NULL;

  if (self->study == NULL)
    return;
  if (cs_study_get_path(self->study) == NULL) {
    run_chooser(self, GTK_FILE_CHOOSER_ACTION_SAVE);
    return;
  }
  g_clear_handle_id(&self->autosave_source, g_source_remove);
  if (!cs_study_save(self->study, &error))
    show_error(self, _("Cannot Save the Study"), error);
  else
    cs_window_show_toast(self, _("Study saved"));
  update_title(self);
}

static void
save_as_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);

  if (self->study != NULL)
    run_chooser(self, GTK_FILE_CHOOSER_ACTION_SAVE);
}

/* Analysis in a worker. */

typedef struct {
  CsSweep *sweep;
  CsCase *case_copy; /* What the worker reads: never the case the GUI edits. */
  char *case_id;
  char *model_id;
  double threshold;
  CsWindow *window;  /* For progress only; a weak pointer would outlive nothing here. */
  GApplication *app; /* Held while the worker runs, so that quitting waits for it. */
} AnalysisJob;

static void
analysis_job_free(gpointer data)
{
  AnalysisJob *job = data;

  g_clear_object(&job->sweep);
  g_clear_object(&job->case_copy);
  g_free(job->case_id);
  g_free(job->model_id);
  g_clear_object(&job->app);
  g_free(job);
}

static gboolean
progress_idle_cb(gpointer user_data)
{
  CsWindow *self = user_data;
  int done, total;
  g_autofree char *text = NULL;

  g_mutex_lock(&self->progress_lock);
  done = self->progress_done;
  total = self->progress_total;
  self->progress_idle = 0;
  g_mutex_unlock(&self->progress_lock);
  if (self->analysis_panel == NULL) /* Disposed while the worker ran. */
    return G_SOURCE_REMOVE;
  /* Translators: analysis progress, frames done of all frames. */
  text = g_strdup_printf(_("%d of %d frames"), done, total);
  cs_analysis_panel_set_progress(self->analysis_panel, total > 0 ? (double)done / total : 0, text);
  return G_SOURCE_REMOVE;
}

static void
analysis_progress_worker(int done, int total, gpointer user_data)
{
  CsWindow *self = user_data;

  /* The worker only records the numbers; one idle at a time carries them to the main loop. */
  g_mutex_lock(&self->progress_lock);
  self->progress_done = done;
  self->progress_total = total;
  if (self->progress_idle == 0)
    self->progress_idle =
        g_idle_add_full(G_PRIORITY_DEFAULT, progress_idle_cb, g_object_ref(self), g_object_unref);
  g_mutex_unlock(&self->progress_lock);
}

static void
analysis_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  AnalysisJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsModel) model = cs_model_load(job->model_id, &error);
  CsModelResult *result;

  if (model == NULL) {
    g_task_return_error(task, g_steal_pointer(&error));
    return;
  }
  result = cs_analyse_case(job->sweep, job->case_copy, model, job->threshold, -1, -1,
                           analysis_progress_worker, job->window, cancellable, &error);
  if (result == NULL)
    g_task_return_error(task, g_steal_pointer(&error));
  else
    g_task_return_pointer(task, result, (GDestroyNotify)cs_model_result_free);
}

static void
analysis_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  CsWindow *self = CS_WINDOW(source);
  AnalysisJob *job = g_task_get_task_data(G_TASK(result));
  g_autoptr(GError) error = NULL;
  CsModelResult *model_result = g_task_propagate_pointer(G_TASK(result), &error);
  CsCase *c;

  /* The worker is done: no progress comes after this; drop one still queued. */
  g_mutex_lock(&self->progress_lock);
  g_clear_handle_id(&self->progress_idle, g_source_remove);
  g_mutex_unlock(&self->progress_lock);
  if (job->app != NULL)
    g_application_release(job->app);
  g_clear_object(&self->analysis_cancellable);
  if (self->analysis_panel == NULL) { /* The window was closed while the worker ran. */
    cs_model_result_free(model_result);
    return;
  }
  cs_analysis_panel_set_running(self->analysis_panel, FALSE);
  update_actions(self);
  if (model_result == NULL) {
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      cs_window_show_toast(self, _("Analysis cancelled"));
    else
      show_error(self, _("Analysis Failed"), error);
    return;
  }
  /* The result belongs to the case it was computed for, even if the user moved on. */
  c = self->study != NULL ? cs_study_find_case(self->study, job->case_id) : NULL;
  if (c != NULL && !cs_case_set_result(c, model_result, &error))
    show_error(self, _("Cannot Store the Result"), error);
  cs_model_result_free(model_result);
  show_strip_values(self);
}

static void
analyse_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  g_autoptr(GTask) task = NULL;
  AnalysisJob *job;
  const char *model_id = cs_analysis_panel_get_model_id(self->analysis_panel);

  if (self->current_case == NULL || self->sweep == NULL || self->analysis_cancellable != NULL)
    return;
  if (model_id == NULL) {
    cs_window_show_toast(self, _("No model is installed"));
    return;
  }
  if (cs_case_get_n_roi_keyframes(self->current_case) == 0) {
    /* The ROI on screen is only a suggestion until the user places it; take it as placed. */
    cs_viewer_pane_apply_roi_to_all(self->viewer_pane);
  }
  job = g_new0(AnalysisJob, 1);
  job->sweep = g_object_ref(self->sweep);
  job->case_copy = cs_analysis_dup_case(self->current_case);
  job->case_id = g_strdup(cs_case_get_id(self->current_case));
  job->model_id = g_strdup(model_id);
  job->threshold = cs_analysis_panel_get_threshold(self->analysis_panel);
  job->window = self;

  self->analysis_cancellable = g_cancellable_new();
  cs_analysis_panel_set_running(self->analysis_panel, TRUE);
  update_actions(self);
  job->app = G_APPLICATION(gtk_window_get_application(GTK_WINDOW(self)));
  if (job->app != NULL)
    g_application_hold(g_object_ref(job->app));
  task = g_task_new(self, self->analysis_cancellable, analysis_done_cb, NULL);
  g_task_set_task_data(task, job, analysis_job_free);
  g_task_run_in_thread(task, analysis_worker);
}

static void
cancel_analysis_cb(CsAnalysisPanel *panel, CsWindow *self)
{
  if (self->analysis_cancellable != NULL)
    g_cancellable_cancel(self->analysis_cancellable);
}

gboolean
cs_window_is_analysing(CsWindow *self)
{
  g_return_val_if_fail(CS_IS_WINDOW(self), FALSE);
  return self->analysis_cancellable != NULL;
}

/* Tracing and calibration. */

static void
tracing_closed_cb(CsFrameView *view, CsWindow *self)
{
  g_autofree double *points = NULL;
  guint n = 0;
  g_autoptr(GError) error = NULL;
  CsTracing *tracing;

  if (self->current_case == NULL)
    return;
  points = cs_frame_view_dup_tracing(view, &n);
  if (points == NULL)
    return;
  tracing = cs_tracing_new(cs_analysis_panel_get_level(self->analysis_panel),
                           cs_viewer_pane_get_frame_index(self->viewer_pane), points, n);
  if (cs_case_add_tracing(self->current_case, tracing, &error) < 0) {
    g_autofree char *message = g_strdup_printf(_("Tracing not kept: %s"), error->message);

    cs_window_show_toast(self, message);
  }
  cs_tracing_free(tracing);
  cs_frame_view_reset_tracing(view);
  adw_view_stack_set_visible_child_name(self->inspector_stack, "result");
}

typedef struct {
  CsWindow *window;
  GtkSpinButton *distance;
  double x1, y1, x2, y2;
} CalibrationDialog;

static void
calibration_response_cb(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  CalibrationDialog *data = user_data;
  CsWindow *self = data->window;
  CsSpacing spacing;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0(response, "calibrate") == 0 && self->current_case != NULL) {
    double mm = gtk_spin_button_get_value(data->distance);

    if (!cs_spacing_calibrate(data->x1, data->y1, data->x2, data->y2, mm, &spacing, &error) ||
        !cs_case_set_spacing(self->current_case, spacing.mm_per_px, CS_SPACING_SOURCE_MANUAL,
                             &error)) {
      show_error(self, _("Calibration Not Applied"), error);
    } else {
      g_autofree char *message =
          g_strdup_printf(_("Calibrated: %.4f mm per pixel"), spacing.mm_per_px);

      cs_window_show_toast(self, message);
    }
  }
  cs_viewer_pane_set_tool(self->viewer_pane, CS_FRAME_VIEW_TOOL_ROI);
  g_free(data);
}

static void
calibration_requested_cb(CsViewerPane *pane, double x1, double y1, double x2, double y2,
                         CsWindow *self)
{
  AdwMessageDialog *dialog;
  CalibrationDialog *data = g_new0(CalibrationDialog, 1);
  g_autofree char *body = g_strdup_printf(
      _("The two points are %.1f pixels apart. Enter their distance in millimetres, for example "
        "from the depth scale of the scanner."),
      hypot(x2 - x1, y2 - y1));

  data->window = self;
  data->x1 = x1;
  data->y1 = y1;
  data->x2 = x2;
  data->y2 = y2;
  data->distance = GTK_SPIN_BUTTON(gtk_spin_button_new_with_range(0.1, 200, 0.1));
  gtk_spin_button_set_digits(data->distance, 2);
  gtk_spin_button_set_value(data->distance, 10);
  gtk_accessible_update_property(GTK_ACCESSIBLE(data->distance), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 _("Distance in millimetres"), -1);
  dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(GTK_WINDOW(self), _("Calibrate"), body));
  adw_message_dialog_set_extra_child(dialog, GTK_WIDGET(data->distance));
  adw_message_dialog_add_responses(dialog, "cancel", _("_Cancel"), "calibrate", _("C_alibrate"),
                                   NULL);
  adw_message_dialog_set_response_appearance(dialog, "calibrate", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response(dialog, "calibrate");
  g_signal_connect(dialog, "response", G_CALLBACK(calibration_response_cb), data);
  gtk_window_present(GTK_WINDOW(dialog));
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

static void
panel_changed_cb(GObject *panel, GParamSpec *pspec, CsWindow *self)
{
  show_strip_values(self);
}

static void
update_actions(CsWindow *self)
{
  gboolean has_study = self->study != NULL;
  gboolean running = self->analysis_cancellable != NULL;

  gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.save", has_study);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.save-as", has_study);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.analyse", self->sweep != NULL && !running);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.export-report", self->current_case != NULL);
}

/* Exporting the case report: a file chooser, then the report layer in a worker with a progress
 * toast; the GUI keeps working meanwhile. */

static void
report_progress_cb(double fraction, const char *step, gpointer user_data)
{
  CsWindow *self = user_data;
  g_autofree char *title = NULL;

  if (self->report_toast == NULL)
    return;
  /* Translators: report progress, e.g. "Case report: 40 % — explaining the frame". */
  title = g_strdup_printf(_("Case report: %.0f %% — %s"), 100 * fraction, step);
  adw_toast_set_title(self->report_toast, title);
}

/* Ends an export: the progress toast goes, and the outcome is said. */
static void
report_finished(CsWindow *self, gboolean ok, GError *error, const char *failure_heading,
                const char *done_message)
{
  if (self->report_toast != NULL)
    adw_toast_dismiss(self->report_toast);
  g_clear_object(&self->report_toast);
  g_clear_object(&self->report_cancellable);
  if (ok)
    cs_window_show_toast(self, done_message);
  else if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error(self, failure_heading, error);
}

static void
report_written_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = cs_report_write_case_finish(result, &error);

  report_finished(self, ok, error, _("Cannot Write the Case Report"), _("Case report written"));
}

static void
report_chooser_response_cb(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  CsWindow *self = user_data;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  CsReportOptions options;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
  gtk_native_dialog_destroy(dialog);
  g_object_unref(dialog);
  if (file == NULL || self->current_case == NULL || self->study == NULL)
    return;
  path = g_file_get_path(file);
  if (path == NULL)
    return;
  cs_report_options_init(&options);
  self->report_cancellable = g_cancellable_new();
  self->report_toast = g_object_ref(adw_toast_new(_("Case report: starting…")));
  adw_toast_set_timeout(self->report_toast, 0);
  adw_toast_overlay_add_toast(self->toast_overlay, g_object_ref(self->report_toast));
  cs_report_write_case_async(self->study, self->current_case,
                             cs_analysis_panel_get_model_id(self->analysis_panel), &options, path,
                             self->report_cancellable, report_progress_cb, self, NULL,
                             report_written_cb, g_object_ref(self));
}

static void
study_report_written_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = cs_report_write_study_finish(result, &error);

  report_finished(self, ok, error, _("Cannot Write the Study Report"), _("Study report written"));
}

static void
study_report_chooser_response_cb(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  CsWindow *self = user_data;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  const char *model = cs_analysis_panel_get_model_id(self->analysis_panel);
  const char *models[] = { model, NULL };
  CsReportFormat format = CS_REPORT_FORMAT_PDF;
  CsReportOptions options;
  const char *dot;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
  gtk_native_dialog_destroy(dialog);
  g_object_unref(dialog);
  if (file == NULL || self->study == NULL || model == NULL)
    return;
  path = g_file_get_path(file);
  if (path == NULL)
    return;
  /* The file's extension chooses the format: .csv or .json, otherwise a PDF. */
  dot = strrchr(path, '.');
  if (dot != NULL && !cs_report_format_from_string(dot + 1, &format))
    format = CS_REPORT_FORMAT_PDF;
  cs_report_options_init(&options);
  self->report_cancellable = g_cancellable_new();
  self->report_toast = g_object_ref(adw_toast_new(_("Study report: evaluating…")));
  adw_toast_set_timeout(self->report_toast, 0);
  adw_toast_overlay_add_toast(self->toast_overlay, g_object_ref(self->report_toast));
  cs_report_write_study_async(self->study, models, CS_SPLIT_UNASSIGNED, NULL, &options, format,
                              path, self->report_cancellable, study_report_written_cb,
                              g_object_ref(self));
}

static void
export_study_report_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  GtkFileChooserNative *chooser;

  if (self->study == NULL || self->report_cancellable != NULL)
    return;
  if (cs_analysis_panel_get_model_id(self->analysis_panel) == NULL) {
    cs_window_show_toast(self, _("No model is installed"));
    return;
  }
  chooser =
      gtk_file_chooser_native_new(_("Export the Study Report (PDF, CSV or JSON)"), GTK_WINDOW(self),
                                  GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
  gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), "study-report.pdf");
  g_signal_connect(chooser, "response", G_CALLBACK(study_report_chooser_response_cb), self);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

static void
export_report_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CsWindow *self = CS_WINDOW(widget);
  GtkFileChooserNative *chooser;
  g_autofree char *name = NULL;

  if (self->current_case == NULL || self->report_cancellable != NULL)
    return;
  chooser = gtk_file_chooser_native_new(_("Export the Case Report"), GTK_WINDOW(self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
  name = g_strdup_printf("%s-report.pdf", cs_case_get_id(self->current_case));
  gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), name);
  g_signal_connect(chooser, "response", G_CALLBACK(report_chooser_response_cb), self);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

/* Closing: never lose the user's work. */

static void
close_response_cb(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  CsWindow *self = user_data;

  if (g_strcmp0(response, "discard") == 0) {
    g_autofree char *recovery = dup_recovery_path();

    g_unlink(recovery);
    self->closing_confirmed = TRUE;
    gtk_window_close(GTK_WINDOW(self));
  } else if (g_strcmp0(response, "save") == 0) {
    run_chooser(self, GTK_FILE_CHOOSER_ACTION_SAVE);
  }
}

static gboolean
cs_window_close_request(GtkWindow *window)
{
  CsWindow *self = CS_WINDOW(window);
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *dialog;

  if (self->settings != NULL) {
    int width, height;

    gtk_window_get_default_size(window, &width, &height);
    g_settings_set_int(self->settings, "window-width", width);
    g_settings_set_int(self->settings, "window-height", height);
    g_settings_set_boolean(self->settings, "window-maximized", gtk_window_is_maximized(window));
  }
  if (self->closing_confirmed || self->study == NULL || !cs_study_get_dirty(self->study))
    goto close;

  if (cs_study_get_path(self->study) != NULL) {
    if (save_now(self, &error))
      goto close;
    dialog = ADW_MESSAGE_DIALOG(
        adw_message_dialog_new(window, _("Cannot Save the Study"), error->message));
    adw_message_dialog_add_responses(dialog, "cancel", _("_Cancel"), "discard",
                                     _("_Quit Without Saving"), NULL);
    adw_message_dialog_set_response_appearance(dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  } else {
    dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(
        window, _("Save the New Study?"),
        _("The sweep you opened and its annotations are not saved in a study file yet.")));
    adw_message_dialog_add_responses(dialog, "cancel", _("_Cancel"), "discard", _("_Discard"),
                                     "save", _("_Save…"), NULL);
    adw_message_dialog_set_response_appearance(dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
    adw_message_dialog_set_response_appearance(dialog, "save", ADW_RESPONSE_SUGGESTED);
    adw_message_dialog_set_default_response(dialog, "save");
  }
  g_signal_connect(dialog, "response", G_CALLBACK(close_response_cb), self);
  gtk_window_present(GTK_WINDOW(dialog));
  return TRUE;

close:
  /* The workers hold the window and the panel until they end: stop them now, or quitting would
   * wait for them to finish. */
  if (self->analysis_cancellable != NULL)
    g_cancellable_cancel(self->analysis_cancellable);
  cs_explain_panel_cancel(self->explain_panel);
  return GTK_WINDOW_CLASS(cs_window_parent_class)->close_request(window);
}

/* Recovery of an unsaved study after a crash. */

static void
recovery_response_cb(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  CsWindow *self = user_data;
  g_autofree char *recovery = dup_recovery_path();

  if (g_strcmp0(response, "recover") == 0) {
    g_autoptr(GError) error = NULL;
    g_autoptr(CsStudy) study = cs_study_load(recovery, &error);

    if (study == NULL) {
      show_error(self, _("Cannot Recover the Study"), error);
      return;
    }
    /* The recovered study has no file of its own: it must be saved under a name. */
    set_study(self, study);
    cs_window_show_toast(self, _("Unsaved work recovered: save it to keep it"));
  } else if (g_strcmp0(response, "discard") == 0) {
    g_unlink(recovery);
  }
}

void
cs_window_offer_recovery(CsWindow *self)
{
  g_autofree char *recovery = dup_recovery_path();
  AdwMessageDialog *dialog;

  g_return_if_fail(CS_IS_WINDOW(self));

  if (!g_file_test(recovery, G_FILE_TEST_IS_REGULAR))
    return;
  dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(
      GTK_WINDOW(self), _("Recover Unsaved Work?"),
      _("Carpalscope closed before a new study was saved. Its last autosave can be recovered.")));
  adw_message_dialog_add_responses(dialog, "later", _("_Not Now"), "discard", _("_Discard"),
                                   "recover", _("_Recover"), NULL);
  adw_message_dialog_set_response_appearance(dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance(dialog, "recover", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response(dialog, "recover");
  g_signal_connect(dialog, "response", G_CALLBACK(recovery_response_cb), self);
  gtk_window_present(GTK_WINDOW(dialog));
}

static gboolean
drop_cb(GtkDropTarget *target, const GValue *value, double x, double y, CsWindow *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS(value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files(g_value_get_boxed(value));
  if (files == NULL)
    return FALSE;
  cs_window_open_file(self, files->data);
  g_slist_free(files);
  return TRUE;
}

CsViewerPane *
cs_window_get_viewer_pane(CsWindow *self)
{
  g_return_val_if_fail(CS_IS_WINDOW(self), NULL);
  return self->viewer_pane;
}

static void
cs_window_dispose(GObject *object)
{
  CsWindow *self = CS_WINDOW(object);

  g_clear_handle_id(&self->autosave_source, g_source_remove);
  if (self->analysis_cancellable != NULL)
    g_cancellable_cancel(self->analysis_cancellable);
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

  g_assert(self->progress_idle == 0);
  g_mutex_clear(&self->progress_lock);
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

  gtk_widget_class_install_action(widget_class, "win.open", NULL, open_action_cb);
  gtk_widget_class_install_action(widget_class, "win.open-demo", NULL, open_demo_action_cb);
  gtk_widget_class_install_action(widget_class, "win.open-recent", "s", open_recent_action_cb);
  gtk_widget_class_install_action(widget_class, "win.save", NULL, save_action_cb);
  gtk_widget_class_install_action(widget_class, "win.save-as", NULL, save_as_action_cb);
  gtk_widget_class_install_action(widget_class, "win.analyse", NULL, analyse_action_cb);
  gtk_widget_class_install_action(widget_class, "win.export-report", NULL, export_report_action_cb);
  gtk_widget_class_install_action(widget_class, "win.export-study-report", NULL,
                                  export_study_report_action_cb);

  gtk_widget_class_add_shortcut(
      widget_class, gtk_shortcut_new(gtk_keyval_trigger_new(GDK_KEY_s, GDK_CONTROL_MASK),
                                     gtk_named_action_new("win.save")));
  gtk_widget_class_add_shortcut(
      widget_class,
      gtk_shortcut_new(gtk_keyval_trigger_new(GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK),
                       gtk_named_action_new("win.save-as")));
  gtk_widget_class_add_shortcut(
      widget_class, gtk_shortcut_new(gtk_keyval_trigger_new(GDK_KEY_r, GDK_CONTROL_MASK),
                                     gtk_named_action_new("win.analyse")));
}

static void
cs_window_init(CsWindow *self)
{
  GSettingsSchema *schema =
      g_settings_schema_source_lookup(g_settings_schema_source_get_default(), APPLICATION_ID, TRUE);
  GtkDropTarget *drop = gtk_drop_target_new(GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  g_mutex_init(&self->progress_lock);
  gtk_widget_init_template(GTK_WIDGET(self));

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
    cs_analysis_panel_set_csa_cutoff(self->analysis_panel,
                                     g_settings_get_double(self->settings, "csa-cutoff"));
    {
      g_autofree char *model = g_settings_get_string(self->settings, "default-model");

      if (model[0] != '\0')
        cs_analysis_panel_set_model_id(self->analysis_panel, model);
    }
    cs_explain_panel_set_settings(self->explain_panel, self->settings);
  }

  fill_recent_menu(self);
  g_signal_connect(self->case_list, "row-selected", G_CALLBACK(case_row_selected_cb), self);
  g_signal_connect(self->viewer_pane, "frame-changed", G_CALLBACK(frame_changed_cb), self);
  g_signal_connect(self->viewer_pane, "calibration-requested", G_CALLBACK(calibration_requested_cb),
                   self);
  g_signal_connect(cs_viewer_pane_get_frame_view(self->viewer_pane), "tracing-closed",
                   G_CALLBACK(tracing_closed_cb), self);
  g_signal_connect(self->analysis_panel, "cancel-requested", G_CALLBACK(cancel_analysis_cb), self);
  g_signal_connect(self->analysis_panel, "frame-activated", G_CALLBACK(panel_frame_activated_cb),
                   self);
  g_signal_connect(self->analysis_panel, "notify::threshold", G_CALLBACK(panel_changed_cb), self);
  g_signal_connect(self->analysis_panel, "notify::model-id", G_CALLBACK(panel_changed_cb), self);

  g_object_bind_property(self->analysis_panel, "model-id", self->explain_panel, "model-id",
                         G_BINDING_SYNC_CREATE);
  g_signal_connect(drop, "drop", G_CALLBACK(drop_cb), self);
  gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drop));
  update_actions(self);
}
