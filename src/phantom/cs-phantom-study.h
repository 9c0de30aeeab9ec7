/* cs-phantom-study.h — a whole synthetic study: control and CTS sweeps and study.json
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cs-phantom-sweep.h"

G_BEGIN_DECLS

/* The most presets a study draws its hands from. */
#define CS_PHANTOM_STUDY_MAX_PRESETS 16

/* What to write. */
typedef struct {
  CsPhantomOptions frames; /* Frame size, frames per sweep, sweep length, spacing. */
  int hands_per_group;     /* Hands in each group (default 50). */
  int test_per_group;      /* Test hands per group, or -1 for a fifth (default: 10 of 50). */
  guint64 seed;            /* The study seed; every hand's seed is derived from it. */
  CsPhantomFormat format;  /* Sweep format (default FFV1 in MKV). */
  int n_threads;           /* Worker threads, or 0 for one per processor. */
  double roi_size_mm;      /* Side of the ROI keyframes on the nerve (default 15). */
  int roi_every;           /* A ROI keyframe every so many frames (default 10), plus the last. */
  /* Presets drawn per hand: 0 (the default) renders every hand with frames.preset; otherwise
   * each hand's preset is cs_phantom_preset_pick(preset_seed, its seed, presets, n_presets),
   * at that preset's frame size. */
  int n_presets;
  int presets[CS_PHANTOM_STUDY_MAX_PRESETS];
  guint64 preset_seed;
} CsPhantomStudyOptions;

/* Called from worker threads after each sweep: @done of @total sweeps are written. */
typedef void (*CsPhantomProgressFunc)(int done, int total, gpointer user_data);

/* Fills @options with the defaults (50 + 50 hands, 10 test hands per group, 100 frames). */
void cs_phantom_study_options_init(CsPhantomStudyOptions *options);

/* Checks @options; on a bad value sets @error (CS_ERROR_INVALID) naming it. */
gboolean cs_phantom_study_options_validate(const CsPhantomStudyOptions *options, GError **error);

/* Returns the seed of hand @index (0-based) of @group in the study of @study_seed. */
guint64 cs_phantom_study_hand_seed(guint64 study_seed, CsPhantomGroup group, int index);

/* Writes the study into @dir (created if needed): sweeps/<id>.<ext> with their truth files and
 * study.json with groups, train/test split, spacing (source: phantom truth), ROI keyframes on
 * the nerve and the truth outline of the middle frame as an "inlet" tracing. */
gboolean cs_phantom_study_write(const CsPhantomStudyOptions *options, const char *dir,
                                CsPhantomProgressFunc progress, gpointer user_data,
                                GCancellable *cancellable, GError **error);

G_END_DECLS
