/* cs-window.h — the main window
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-application.h"
#include "cs-case.h"
#include "cs-explain-panel.h"
#include "cs-presentation.h"
#include "cs-study.h"
#include "cs-viewer-pane.h"

G_BEGIN_DECLS

#define CS_TYPE_WINDOW (cs_window_get_type())

G_DECLARE_FINAL_TYPE(CsWindow, cs_window, CS, WINDOW, AdwApplicationWindow)

/* Creates a main window of @application. */
CsWindow *cs_window_new(CsApplication *application);

/* Opens a sweep (as the one case of a new study) or a study file in the window. A file that
 * cannot be opened leaves the open study as it was and says why. */
void cs_window_open_file(CsWindow *self, GFile *file);
/* TRUE while a sweep opened with cs_window_open_file() is still being read. */
gboolean cs_window_is_opening(CsWindow *self);

/* New Study: makes an empty study in @folder (its study.json written at once) and shows it,
 * after saving the open one. FALSE, with the reason shown, when it cannot. */
gboolean cs_window_create_study(CsWindow *self, GFile *folder);
/* Import: adds a case for each sweep @file holds (a video or image, a folder of numbered
 * images, or a folder of such sweeps) to the open study, or to a new one when none is open, and
 * selects the first; returns how many were added (0 with the reason shown). What holds DICOM (a
 * DICOMDIR, DICOM files, a folder with them anywhere below) is read in a worker: its cases, with
 * their hands and spacings, come when it ends (0 now), and one message lists the DICOM files
 * left out with their reasons. */
guint cs_window_import_file(CsWindow *self, GFile *file);

/* Shows @message as a toast at the bottom of the window. */
void cs_window_show_toast(CsWindow *self, const char *message);

/* Offers the autosave of a study that was never saved, when one was left behind. */
void cs_window_offer_recovery(CsWindow *self);

/* The open study and the selected case (borrowed; may be NULL). */
CsStudy *cs_window_get_study(CsWindow *self);
CsCase *cs_window_get_case(CsWindow *self);

/* The viewer pane (for tests). */
CsViewerPane *cs_window_get_viewer_pane(CsWindow *self);
/* The explanation panel (for tests). */
CsExplainPanel *cs_window_get_explain_panel(CsWindow *self);

/* Writes the case report of the selected case to @path in a worker, as Export Case Report does
 * after its file chooser: with the explanation on screen, or with the panel's parameters on the
 * report's frame when none is. FALSE when it cannot start (no case, or an export runs). */
gboolean cs_window_export_case_report(CsWindow *self, const char *path);
/* TRUE while a report is being written. */
gboolean cs_window_is_exporting(CsWindow *self);

/* TRUE while an analysis runs. */
gboolean cs_window_is_analysing(CsWindow *self);

/* Presentation mode's window while the window presents (win.present), else NULL (borrowed). */
CsPresentation *cs_window_get_presentation(CsWindow *self);

G_END_DECLS
