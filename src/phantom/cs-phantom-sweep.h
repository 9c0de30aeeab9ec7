/* cs-phantom-sweep.h — one phantom sweep on disk: the video and its truth sidecar
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cs-phantom-writer.h"
#include "cs-phantom.h"

G_BEGIN_DECLS

/* Frames per second written into phantom sweeps. */
#define CS_PHANTOM_FRAME_RATE 25

/* The ground truth of a sweep, as written beside it and read back. */
typedef struct {
  char *generator;    /* CS_PHANTOM_GENERATOR_VERSION of the writer. */
  char *sweep;        /* The sweep's file name (no folder). */
  CsPhantomHand hand; /* Group, seed, severity, spacing and the other drawn parameters. */
  int width, height;  /* Frame size, px. */
  int frame_rate;     /* Frames per second. */
  int n_frames;
  CsPhantomFrameTruth *frames; /* n_frames entries. */
} CsPhantomTruth;

/* Returns the truth sidecar's path for @sweep_path: the extension replaced by ".truth.json". */
char *cs_phantom_truth_path(const char *sweep_path);

/* Renders the sweep of (@group, @seed) with @gen, encodes it to @sweep_path in @format and
 * writes the truth sidecar beside it; if @truth_out is not NULL it receives the truth (clear it
 * with cs_phantom_truth_clear). On error or cancellation no partial file is left. */
gboolean cs_phantom_write_sweep(CsPhantomGenerator *gen, CsPhantomGroup group, guint64 seed,
                                const char *sweep_path, CsPhantomFormat format,
                                CsPhantomTruth *truth_out, GCancellable *cancellable,
                                GError **error);

/* Writes @truth as JSON to @path (atomically: temporary file, then rename). */
gboolean cs_phantom_truth_save(const CsPhantomTruth *truth, const char *path, GError **error);

/* Loads a truth sidecar; errors name the file and the bad member (CS_ERROR_INVALID). */
gboolean cs_phantom_truth_load(const char *path, CsPhantomTruth *truth, GError **error);

/* Frees what @truth holds and zeroes it. */
void cs_phantom_truth_clear(CsPhantomTruth *truth);

G_END_DECLS
