/* cs-crop-export.h — a study's ROI crops as image files and a CSV, for training elsewhere
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every frame of every labelled hand with an ROI, cropped and resampled exactly as the analysis
 * hands it to the network (cs_analysis_crop()), so that a trainer elsewhere (PyTorch) reads the
 * same pixels and nothing about decoding, ROI interpolation or calibration is written twice.
 *
 *   OUT/crops/HAND/FRAME.pgm   one 8-bit gray crop of SIZE x SIZE (binary PGM, lossless)
 *   OUT/crops.csv              hand,frame,label,split,spacing_mm,path (path relative to OUT)
 *   OUT/crops.json             the study (path, name, SHA-256), the "trained_on" wording a model
 *                              trained on it carries (cs_train_describe_study()), split, size
 */
#pragma once

#include <gio/gio.h>

#include "cs-analysis.h"
#include "cs-study.h"

G_BEGIN_DECLS

/* Which hands and at what size. */
typedef struct {
  gboolean all_splits; /* Every labelled hand, else only those of @split. */
  CsSplit split;
  int size; /* The side of the crops, e.g. 224 (the network's input). */
} CsCropExportOptions;

/* Writes the crops and the CSV into @out_dir (created if needed); returns the number of crops
 * written, or -1 with @error. The IDs of labelled hands skipped for want of an ROI are added to
 * @skipped when it is not NULL. @progress counts hands. */
gint64 cs_crop_export(CsStudy *study, const CsCropExportOptions *options, const char *out_dir,
                      GPtrArray *skipped, CsAnalysisProgressFunc progress, gpointer progress_data,
                      GCancellable *cancellable, GError **error);

G_END_DECLS
