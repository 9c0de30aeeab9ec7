/* stats-datasets.h — synthetic scores tables for the statistics tests
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

/* How to make one synthetic scores table. A frame's p(CTS) is the logistic of
 * +-separation + a hand effect + a frame effect shared by the models + the model's own noise, so
 * the models are correlated, as networks scoring the same images are. */
typedef struct {
  const char *name;
  int n_models;      /* Ordinary models m1, m2, ... (up to 4) */
  int cts_hands;     /* Hands with CTS */
  int control_hands; /* Control hands */
  int min_frames;    /* Frames per hand, uniformly in min..max */
  int max_frames;
  double separation[4];   /* Per model */
  double hand_sd;         /* Spread of the hand effect */
  double frame_sd;        /* Spread of the frame effect */
  double noise_sd;        /* Spread of each model's own noise */
  double quantum;         /* > 0: p rounded to multiples of it (ties) */
  int csa;                /* 0: none; 1: once per hand, continuous; 2: every row, halves */
  gboolean unpaired;      /* The last model misses every 4th frame and the first control hand */
  gboolean flat_model;    /* Add "flat": p = 0.25 everywhere */
  gboolean never_model;   /* Add "never": p < 0.5 everywhere (precision undefined) */
  gboolean perfect_model; /* Add "perfect": separates the classes completely */
  double threshold;
  guint64 seed;
} StatsDatasetSpec;

/* The datasets every reference comparison runs on. */
extern const StatsDatasetSpec stats_datasets[];
extern const gsize stats_n_datasets;

/* Returns the CSV text (hand, frame, label, model, p_cts[, csa_mm2]) of @spec. */
char *stats_dataset_csv(const StatsDatasetSpec *spec);
