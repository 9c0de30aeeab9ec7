/* cs-train-shift.h — training augmentation for scanner shift: another scanner's look on a crop
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A network that learns one scanner's gain, contrast, speckle and resolution fails on another's
 * (issue: classifiers that learn CTS, not our phantom). This augmentation, applied to the gray
 * ROI crop after the paper's geometric one, changes what differs between scanners and leaves the
 * anatomy alone: a crop of 80-100 % of the side (a zoom, as another depth setting or ROI size
 * gives), a coarser resolution (down-sampled by up to 2 and back), blur (Gaussian, wider
 * laterally, as a wider beam), multiplicative speckle noise (correlated laterally like speckle),
 * gain (+-25 gray levels), contrast (x 0.7-1.4 about the crop's mean: the dynamic range) and a
 * gamma of 0.7-1.5 (the compression curve). Each of the seven is applied to a crop with
 * probability one half, so the unchanged look stays in the mix.
 *
 * The draws come from a splitmix64 state of their own (cs-rng.h), so turning it on does not move
 * the paper's geometric draws of a seed. Off by default until the shipped models are retrained
 * with it (CsTrainOptions.scanner_shift, `carpalscope-cli train --augment-scanner`).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One draw of the augmentation: neutral values leave the crop as it is. */
typedef struct {
  double crop;   /* Side of the crop taken, as a fraction of the side (1: all). */
  double crop_x; /* Where the crop lies, 0-1 of the free room, across and down. */
  double crop_y;
  double resolution; /* Down-sampling factor before sampling back (1: none). */
  double blur_x;     /* Gaussian sigma, px, lateral and axial (0: none). */
  double blur_y;
  double speckle;  /* SD of the log-normal multiplicative noise (0: none). */
  double gain;     /* Gray offset. */
  double contrast; /* Factor about the crop's mean gray. */
  double gamma;    /* Exponent of the gray curve. */
} CsTrainShift;

/* Sets @shift to the neutral values. */
void cs_train_shift_init(CsTrainShift *shift);

/* Draws @shift from @rng (a splitmix64 state): each effect on with probability one half. */
void cs_train_shift_draw(CsTrainShift *shift, guint64 *rng);

/* Applies @shift to the @size x @size gray crop @src into @dst (not @src); the speckle noise
 * draws from @rng. */
void cs_train_shift_apply(const CsTrainShift *shift, const guint8 *src, int size, guint8 *dst,
                          guint64 *rng);

/* Draws a shift from @rng and applies it: the augmentation as training uses it. With @zoom
 * FALSE the crop is left whole (the same values are drawn, so the rest of the stream is
 * unchanged): when the ROI is a fixed size in millimetres, as a calibrated study's is, a zoom
 * changes the nerve's apparent area, the main sign of CTS, and no scanner does that. */
void cs_train_augment_scanner(const guint8 *src, int size, guint8 *dst, guint64 *rng,
                              gboolean zoom);

G_END_DECLS
