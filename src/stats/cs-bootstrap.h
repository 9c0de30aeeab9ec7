/* cs-bootstrap.h — percentile bootstrap CIs of the metrics, stratified and clustered
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cs-metrics.h"
#include "cs-rng.h"

/* The default number of bootstrap replicates (as the paper and pROC). */
#define CS_DEFAULT_REPLICATES 2000

/* Percentile intervals from one bootstrap run. A replicate in which a metric is undefined (its
 * denominator is 0) is left out of that metric's interval, and counted in @undefined; when every
 * replicate is undefined the interval is NaN. */
typedef struct {
  double ci[CS_N_METRICS][2];     /* Confusion metrics at the threshold */
  double auc_ci[2];               /* The AUC (NaN when a class is missing) */
  size_t undefined[CS_N_METRICS]; /* Replicates where the metric was undefined */
  size_t replicates;              /* Replicates drawn */
} CsBootstrapIntervals;

/* How a replicate is drawn (so that anyone can reproduce it from the seed; tests/stats/
 * reference-bootstrap.py does): the clusters (for the stratified bootstrap, the items) that hold
 * CTS are listed in ascending index, and so are the control ones; a replicate draws
 * cs_rng_below(n_cts_clusters) n_cts_clusters times, then cs_rng_below(n_control_clusters)
 * n_control_clusters times, and counts how often each cluster was drawn; its metrics are those
 * of the items weighted by these counts. */

/* The stratified bootstrap: every replicate draws, with replacement, as many CTS items from the
 * CTS items and as many controls from the controls as there are (pROC's boot.stratified).
 * Intervals are the (1 - @conf_level) / 2 and (1 + @conf_level) / 2 quantiles of the replicates
 * (R's type 7). */
void cs_bootstrap_stratified(const double *p_cts, const bool *cts, size_t n, double threshold,
                             size_t replicates, double conf_level, CsRng *rng,
                             CsBootstrapIntervals *out);

/* The cluster bootstrap: items (frames) belong to clusters (hands) numbered 0 .. @n_clusters - 1,
 * each cluster of one class; every replicate draws whole clusters with replacement, stratified by
 * class, keeping all their items. Returns false when a cluster holds both classes or an index is
 * out of range (@out is then NaN). */
bool cs_bootstrap_clustered(const double *p_cts, const bool *cts, const size_t *cluster, size_t n,
                            size_t n_clusters, double threshold, size_t replicates,
                            double conf_level, CsRng *rng, CsBootstrapIntervals *out);
