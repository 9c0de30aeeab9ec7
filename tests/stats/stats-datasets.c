/* stats-datasets.c — synthetic scores tables for the statistics tests
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "stats-datasets.h"

#include "cs-rng.h"

#include <math.h>

const StatsDatasetSpec stats_datasets[] = {
  { "correlated-unequal",
    3,
    14,
    9,
    3,
    12,
    { 1.0, 1.4, 1.8 },
    1.0,
    0.6,
    0.8,
    0,
    1,
    FALSE,
    FALSE,
    FALSE,
    FALSE,
    0.5,
    11 },
  /* Quarter-sized steps and four frames per hand keep hand means exact, so ties are real. */
  { "ties",
    2,
    6,
    5,
    4,
    4,
    { 0.8, 1.2 },
    0.8,
    0.5,
    0.8,
    0.125,
    2,
    FALSE,
    TRUE,
    FALSE,
    FALSE,
    0.5,
    12 },
  { "ties-threshold",
    2,
    7,
    7,
    4,
    4,
    { 0.6, 1.0 },
    0.8,
    0.5,
    0.8,
    0.125,
    0,
    FALSE,
    FALSE,
    FALSE,
    FALSE,
    0.375,
    13 },
  { "small-exact",
    2,
    5,
    4,
    2,
    2,
    { 1.0, 2.0 },
    0.5,
    0.3,
    1.0,
    0,
    1,
    FALSE,
    FALSE,
    TRUE,
    FALSE,
    0.5,
    14 },
  { "unpaired",
    2,
    10,
    12,
    5,
    9,
    { 1.2, 1.5 },
    0.7,
    0.5,
    0.7,
    0,
    0,
    TRUE,
    FALSE,
    FALSE,
    FALSE,
    0.5,
    15 },
  { "perfect", 1, 8, 8, 6, 6, { 1.0 }, 0.7, 0.5, 0.7, 0, 1, FALSE, FALSE, FALSE, TRUE, 0.5, 16 },
  { "paper-sized",
    3,
    50,
    50,
    20,
    20,
    { 2.0, 2.2, 2.8 },
    1.0,
    0.7,
    0.9,
    0,
    1,
    FALSE,
    FALSE,
    FALSE,
    FALSE,
    0.5,
    17 },
};
const gsize stats_n_datasets = G_N_ELEMENTS(stats_datasets);

static double
logistic(double z)
{
  return 1.0 / (1.0 + exp(-z));
}

char *
stats_dataset_csv(const StatsDatasetSpec *spec)
{
  GString *csv = g_string_new(spec->csa ? "hand,frame,label,model,p_cts,csa_mm2\n"
                                        : "hand,frame,label,model,p_cts\n");
  int n_hands = spec->cts_hands + spec->control_hands;
  CsRng rng;

  cs_rng_init(&rng, spec->seed, 0);
  for (int h = 0; h < n_hands; h++) {
    gboolean cts = h < spec->cts_hands;
    double sign = cts ? 1.0 : -1.0;
    double hand_effect = spec->hand_sd * cs_rng_normal(&rng);
    int frames = spec->min_frames +
                 (int)cs_rng_below(&rng, (size_t)(spec->max_frames - spec->min_frames + 1));
    double csa = cts ? 14.0 + 4.0 * cs_rng_normal(&rng) : 8.5 + 2.0 * cs_rng_normal(&rng);
    char hand[16];

    csa = fmax(csa, 3.0);
    /* Hand names that sort against creation order, so nothing relies on their order. */
    g_snprintf(hand, sizeof hand, "%s%03d", cts ? "cts-" : "ctl-", n_hands - h);
    for (int f = 0; f < frames; f++) {
      double frame_effect = spec->frame_sd * cs_rng_normal(&rng);
      int n_columns =
          spec->n_models + !!spec->flat_model + !!spec->never_model + !!spec->perfect_model;
      for (int m = 0; m < n_columns; m++) {
        double noise = spec->noise_sd * cs_rng_normal(&rng);
        char model[16];
        double p;

        if (m < spec->n_models) {
          g_snprintf(model, sizeof model, "m%d", m + 1);
          p = logistic(sign * spec->separation[m] + hand_effect + frame_effect + noise);
          if (spec->unpaired && m == spec->n_models - 1 && (f % 4 == 3 || h == spec->cts_hands))
            continue;
        } else if (spec->flat_model && m == spec->n_models) {
          g_strlcpy(model, "flat", sizeof model);
          p = 0.25;
        } else if (spec->never_model) {
          g_strlcpy(model, "never", sizeof model);
          p = 0.45 * logistic(sign + hand_effect + noise);
        } else {
          g_strlcpy(model, "perfect", sizeof model);
          p = cts ? 0.6 + 0.4 * cs_rng_uniform(&rng) : 0.4 * cs_rng_uniform(&rng);
        }
        if (spec->quantum > 0)
          p = fmin(1.0, fmax(0.0, spec->quantum * round(p / spec->quantum)));
        g_string_append_printf(csv, "%s,%d,%s,%s,%.17g", hand, f, cts ? "cts" : "control", model,
                               p);
        if (spec->csa == 1 && f == 0 && m == 0)
          g_string_append_printf(csv, ",%.17g\n", csa);
        else if (spec->csa == 1)
          g_string_append(csv, ",\n");
        else if (spec->csa == 2)
          g_string_append_printf(csv, ",%.17g\n", 0.5 * round(2.0 * csa));
        else
          g_string_append_c(csv, '\n');
      }
    }
  }
  return g_string_free(csv, FALSE);
}
