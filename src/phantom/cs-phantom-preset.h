/* cs-phantom-preset.h — scanner and anatomy presets of the phantom
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A preset is a family of scanners and a mix of anatomy the phantom draws each hand from: the
 * probe's centre frequency (which sets the point-spread function and the attenuation), the
 * lateral and axial resolution, gain, time-gain compensation, dynamic range and compression
 * curve, scatterer density, speckle reduction, spatial compounding, depth setting (pixel
 * spacing), frame size and whether the frame is a screen capture (text, focus marker, depth
 * scale). Every preset but "default" also varies the anatomy (nerve depth, shape, fascicle count
 * and echo, bifid nerves, a persistent median artery, tendon echo and count, probe tilt and
 * pressure) and draws each sign of carpal tunnel syndrome with a weight of its own, so the signs
 * vary between hands as they do in patients; controls get the same variety of everything else.
 *
 * Preset 0, "default", is the phantom as it was before presets: its hands and frames are the
 * same bytes (pinned by tests/phantom/test-phantom-presets.c), so the shipped models and the demo
 * stay reproducible. The values a preset draws for a hand come from a stream of their own
 * (derived from the hand's group, seed and preset), and are written to the truth file.
 */
#pragma once

#include "cs-phantom.h"

G_BEGIN_DECLS

/* The index of the default preset. */
#define CS_PHANTOM_PRESET_DEFAULT 0

/* A preset: the ranges a hand's scanner is drawn from, uniformly within [lo, hi]. */
typedef struct {
  const char *name;
  const char *description;
  int width, height;             /* Frame size, px. */
  double spacing_lo, spacing_hi; /* Pixel spacing (depth setting), mm/px. */
  double freq_lo, freq_hi;       /* Centre frequency, MHz. */
  double lateral_lo, lateral_hi; /* Beam width against an ideal probe of that frequency. */
  double axial_lo, axial_hi;     /* Pulse length against an ideal probe of that frequency. */
  double gain_lo, gain_hi;       /* Overall gain, dB. */
  double dr_lo, dr_hi;           /* Displayed dynamic range, dB. */
  double gamma_lo, gamma_hi;     /* Compression curve: gray = 255 (linear map / 255)^gamma. */
  double tgc_lo, tgc_hi;         /* Fraction of the soft-tissue attenuation the TGC restores. */
  double density_lo, density_hi; /* Fraction of the grid's cells holding a scatterer. */
  double smooth_lo, smooth_hi;   /* Speckle reduction: Gaussian sigma of the power, mm. */
  int compound_lo, compound_hi;  /* Spatially compounded angles (1: none). */
  double capture;                /* Share of hands shown as a screen capture. */
} CsPhantomPreset;

/* The number of presets (the default included). */
int cs_phantom_preset_count(void);

/* Returns preset @index (0 to count - 1). */
const CsPhantomPreset *cs_phantom_preset_get(int index);

/* Returns the index of the preset called @name, or -1 and sets @error naming the presets. */
int cs_phantom_preset_from_string(const char *name, GError **error);

/* Sets @options to render preset @index: its frame size and the preset itself. */
void cs_phantom_options_set_preset(CsPhantomOptions *options, int index);

/* Returns the preset of hand @hand_seed in a study whose presets are drawn with @draw_seed
 * among the @n presets of @choices (indices): a pure function of its arguments. */
int cs_phantom_preset_pick(guint64 draw_seed, guint64 hand_seed, const int *choices, int n);

/* Parses a comma-separated list of preset names into @choices (at most count entries); returns
 * the number of presets, or 0 and sets @error on an unknown or repeated name. "all" stands for
 * every preset but the default. */
int cs_phantom_preset_parse_list(const char *list, int *choices, GError **error);

G_END_DECLS
