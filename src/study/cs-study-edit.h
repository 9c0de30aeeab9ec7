/* cs-study-edit.h — building a study: a new study in a folder, the sweeps a file or folder holds
 * added as cases, cases duplicated, renamed and found by position
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the window's New Study, Import, Duplicate and Rename do, without the window, so the
 * command line and the tests make studies the same way.
 */
#pragma once

#include "cs-study.h"

G_BEGIN_DECLS

/* Creates an empty study whose file is @dir/study.json and writes it at once (the folder is made
 * when missing). A folder that already holds a study.json is refused: open it instead. */
CsStudy *cs_study_create_in(const char *dir, GError **error);

/* The sweeps @path holds, as absolute paths in name order: a video, DICOM or image file is one
 * sweep,
 * and so is a folder of images (numbered frames); any other folder holds the sweeps among its
 * entries, one level down (videos, images, folders of images). Hidden entries are skipped.
 * CS_ERROR_NOT_FOUND when there is none. */
GPtrArray *cs_study_find_sweeps(const char *path, GError **error);

/* Returns @base, or "@base-2", "@base-3"…, the first that no case of @self has as its id. */
char *cs_study_dup_unique_case_id(CsStudy *self, const char *base);

/* Appends a case for the sweep at @path, named after the file (made unique), its sweep path
 * relative to the study's folder when it lies inside it, absolute otherwise. Returns the case
 * (borrowed), or NULL with @error set. */
CsCase *cs_study_add_sweep(CsStudy *self, const char *path, GError **error);

/* Returns a copy of everything @c holds (annotations, sweep, spacing, ROI, tracings, results,
 * extra) under @id, in no study. */
CsCase *cs_case_duplicate(CsCase *c, const char *id, GError **error);

/* Inserts a copy of the case @id right after it, as "<id>-copy" (made unique); returns the copy
 * (borrowed), or NULL with @error set when there is no such case. */
CsCase *cs_study_duplicate_case(CsStudy *self, const char *id, GError **error);

/* The position of @c in @self, or -1 when it is not one of its cases. */
int cs_study_get_case_index(CsStudy *self, CsCase *c);

/* Calibrates @c: sets its spacing to @mm_per_px from @source and rewrites its ROI keyframes in
 * mm so that each ROI stays the square it was on the image (a keyframe in px takes its side
 * times @mm_per_px; one in mm is rescaled from the old spacing). FALSE with @error, and the case
 * unchanged, when the spacing is refused. */
gboolean cs_case_calibrate(CsCase *c, double mm_per_px, CsSpacingSource source, GError **error);

/* Calibrates @c as cs_case_calibrate() does, keeping the DICOM Ultrasound Region the spacing
 * came from (@region >= 0 with a DICOM source, else CS_SPACING_NO_REGION). */
gboolean cs_case_calibrate_full(CsCase *c, double mm_per_px, CsSpacingSource source, int region,
                                GError **error);

G_END_DECLS
