/* cs-window-private.h — what the files of the main window share: its struct and their entry points
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window is one class in five files, as GNOME Text Editor splits its window: cs-window.c is
 * the widget (the case list and selection, title, getters, life cycle), cs-window-actions.c its
 * action table and shortcuts, cs-window-files.c opening, saving, autosave, recovery and closing,
 * cs-window-analysis.c the Analyse worker, tracing and calibration, cs-window-study.c building
 * a study (New Study, Import, removing, duplicating and renaming cases), and cs-window-export.c
 * the case and study reports.
 */
#pragma once

#include "cs-window.h"

#include "cs-analysis-panel.h"
#include "cs-case-panel.h"
#include "cs-explain-panel.h"
#include "cs-presentation.h"
#include "cs-progress-relay.h"
#include "cs-study-history.h"

G_BEGIN_DECLS

typedef struct _CsWindowLock CsWindowLock;

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
  CsStudyHistory *history; /* Undo and redo of the study's edits. */
  CsCase *current_case;
  gulong case_changed_id;
  CsSweep *sweep;
  GCancellable *open_cancellable;
  guint n_opening; /* Lone sweeps being opened, each to replace the study once it opens. */

  guint autosave_source;
  gboolean closing_confirmed;

  GCancellable *report_cancellable;
  AdwToast *report_toast;

  /* The analysis running in a worker: its progress and its cancel (NULL when none runs). */
  CsProgressRelay *analysis_relay;

  /* The study's lock, read-only state, banner and changed-on-disk dialog (cs-window-lock.c). */
  CsWindowLock *lock;

  /* Presentation mode's full-screen window; NULL when not presenting. */
  CsPresentation *presentation;
};

/* cs-window.c */

/* Shows @error in a dialog under @heading. */
void cs_window_show_error(CsWindow *self, const char *heading, const GError *error);

/* Shows the study's folder, its dirty mark and the selected case in the header bar. */
void cs_window_update_title(CsWindow *self);

/* Shows @study (or none) in the window and selects its first case. */
void cs_window_set_study(CsWindow *self, CsStudy *study);

/* Selects @c (one of the study's cases, or NULL) in the case list and shows it. */
void cs_window_select_case(CsWindow *self, CsCase *c);

/* cs-window-actions.c */

/* Installs the window's keyboard shortcuts on @klass. */
void cs_window_class_actions_init(CsWindowClass *klass);
/* Adds the window's actions to its action map (the "win" group the application exports). */
void cs_window_actions_init(CsWindow *self);

/* Enables each action that has something to act on now. */
void cs_window_update_actions(CsWindow *self);

/* cs-window-navigate.c */

/* Adds win.select-case, win.go-to-frame and win.explain (state: explanations finished). */
void cs_window_navigate_init(CsWindow *self);
/* Enables them as cs_window_update_actions() does the others. */
void cs_window_navigate_update_actions(CsWindow *self);

/* cs-window-files.c */

/* Fills the Open Recent menu and lets files be dropped on the window. */
void cs_window_files_init(CsWindow *self);

/* Saves the open study if it changed, before something replaces it; FALSE (and the error shown)
 * when it could not be saved. */
gboolean cs_window_save_open_study(CsWindow *self);

/* Saves a changed study a few seconds from now, unless a save is already due. */
void cs_window_schedule_autosave(CsWindow *self);

/* TRUE when the window may close now; otherwise asks the user what to do with unsaved work. */
gboolean cs_window_confirm_close(CsWindow *self);

/* The actions win.open, win.open-recent, win.open-demo, win.save and win.save-as. */
void cs_window_open_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter);
void cs_window_open_recent_action_cb(GtkWidget *widget, const char *action_name,
                                     GVariant *parameter);
void cs_window_open_demo_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter);
void cs_window_save_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter);
void cs_window_save_as_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter);

/* cs-window-analysis.c */

/* Connects the analysis panel's requests and the viewer's tracing and calibration. */
void cs_window_analysis_init(CsWindow *self);

/* Draws the selected case's p(CTS) per frame in the viewer's strip chart. */
void cs_window_show_strip_values(CsWindow *self);

/* Asks a running analysis to stop; it ends on its own, through its callback. */
void cs_window_cancel_analysis(CsWindow *self);

/* Cancels a running analysis as the window goes, and lets no more of its progress reach it. */
void cs_window_analysis_dispose(CsWindow *self);

/* The action win.analyse. */
void cs_window_analyse_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter);

/* Runs @worker on @job in a thread as an analysis of the window: makes the relay that carries
 * its progress to the analysis panel and its cancel (the window's analysis_relay), shows the
 * panel running and holds the application; the job's own reference to the relay and the held
 * application are stored through @job_relay and @job_app before the worker starts. */
void cs_window_start_analysis_task(CsWindow *self, gpointer job, GDestroyNotify free_job,
                                   GTaskThreadFunc worker, GAsyncReadyCallback done,
                                   CsProgressRelay **job_relay, GApplication **job_app);
/* Ends it in @done: closes @relay, releases @app and shows the panel idle; FALSE when the window
 * was closed meanwhile (nothing more may be shown). */
gboolean cs_window_end_analysis_task(CsWindow *self, CsProgressRelay *relay, GApplication *app);

/* cs-window-nerve.c */

/* The actions win.find-nerve (the ROI on the nerve of the frame shown) and win.track-nerve (on
 * every frame of the sweep). */
void cs_window_find_nerve_action_cb(GtkWidget *widget, const char *action_name,
                                    GVariant *parameter);
void cs_window_track_nerve_action_cb(GtkWidget *widget, const char *action_name,
                                     GVariant *parameter);

/* The actions win.accept-outline (the outline proposed on the frame shown becomes the user's inlet
 * tracing) and win.reject-outline (it is removed). */
void cs_window_accept_outline_action_cb(GtkWidget *widget, const char *action_name,
                                        GVariant *parameter);
void cs_window_reject_outline_action_cb(GtkWidget *widget, const char *action_name,
                                        GVariant *parameter);

/* Marks the selected case's lost and uncertain frames of its last tracking on the strip chart. */
void cs_window_show_nerve_marks(CsWindow *self);

/* cs-window-analyse-all.c */

/* The action win.analyse-all: every case with a missing or stale result of the chosen model. */
void cs_window_analyse_all_action_cb(GtkWidget *widget, const char *action_name,
                                     GVariant *parameter);

/* cs-window-study.c */

/* Lets files and folders be dropped on the case list to import them. */
void cs_window_study_init(CsWindow *self);

/* Starts the undo history of the study just shown (none when it is NULL). */
void cs_window_study_history_reset(CsWindow *self);

/* The actions win.new-study, win.import (a URI, or "" to choose files), win.import-folder,
 * win.remove-case, win.duplicate-case and win.rename-case (a new id, or "" to ask for one). */
void cs_window_new_study_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter);
/* The action win.open-study-folder: a study opened by its folder (the file chooser portal grants
 * a Flatpak the whole folder, sweeps included; a chosen study.json alone would come without). */
void cs_window_open_study_folder_action_cb(GtkWidget *widget, const char *action_name,
                                           GVariant *parameter);
void cs_window_import_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter);
void cs_window_import_folder_action_cb(GtkWidget *widget, const char *action_name,
                                       GVariant *parameter);
void cs_window_remove_case_action_cb(GtkWidget *widget, const char *action_name,
                                     GVariant *parameter);
void cs_window_duplicate_case_action_cb(GtkWidget *widget, const char *action_name,
                                        GVariant *parameter);
void cs_window_rename_case_action_cb(GtkWidget *widget, const char *action_name,
                                     GVariant *parameter);
/* The actions win.undo and win.redo. */
void cs_window_undo_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter);
void cs_window_redo_action_cb(GtkWidget *widget, const char *action_name, GVariant *parameter);

/* cs-window-present.c */

/* Adds presentation mode's actions (win.present, win.reveal, ...) to the window. */
void cs_window_present_init(CsWindow *self);
/* Leaves presentation mode as the window goes. */
void cs_window_present_dispose(CsWindow *self);

/* cs-window-lock.c */

/* Adds the read-only banner under the header bar; releases the lock as the window goes. */
void cs_window_lock_init(CsWindow *self);
void cs_window_lock_dispose(CsWindow *self);
/* Locks the file of the study just shown (and again whenever its path changes), or shows it
 * read-only when someone else holds it. */
void cs_window_lock_follow_study(CsWindow *self);
/* Turns the editing actions off while read-only (after the others are set). */
void cs_window_lock_update_actions(CsWindow *self);
/* Before saving the study to its file: FALSE with CS_ERROR_LOCKED when it is read-only here
 * (or was taken over since). */
gboolean cs_window_lock_check_save(CsWindow *self, GError **error);
/* Before Save As to @path: FALSE with CS_ERROR_LOCKED when someone else holds that file's lock
 * (the study open read-only here among them). */
gboolean cs_window_lock_check_save_as(CsWindow *self, const char *path, GError **error);
/* While read-only: takes the lock if its holder has closed the study (or it went stale), and
 * follows a new holder; the window runs it every minute. */
void cs_window_lock_poll(CsWindow *self);
/* TRUE while autosave must wait: read-only, or a changed-on-disk save not yet resolved. */
gboolean cs_window_lock_blocks_autosave(CsWindow *self);
/* Deals with a failed save's @error when it is about the lock or a change on disk (the banner,
 * or the Reload / Save As / Merge dialog) and returns TRUE; FALSE for any other error. */
gboolean cs_window_lock_handle_error(CsWindow *self, const GError *error);

/* cs-window-export.c */

/* The actions win.export-report and win.export-study-report. */
void cs_window_export_report_action_cb(GtkWidget *widget, const char *action_name,
                                       GVariant *parameter);
void cs_window_export_study_report_action_cb(GtkWidget *widget, const char *action_name,
                                             GVariant *parameter);

G_END_DECLS
