/* cs-bootstrap.c — percentile bootstrap CIs of the metrics, stratified and clustered
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-bootstrap.h"

#include "cs-distribution.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Counts per cluster, so a replicate costs O(clusters) for the confusion metrics. */
typedef struct {
  CsConfusion confusion;
  bool cts;
  bool seen;
} Cluster;

typedef struct {
  double value;
  size_t index;
} Item;

static int
compare_items(const void *a, const void *b)
{
  const Item *x = a, *y = b;

  if (x->value != y->value)
    return x->value < y->value ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static int
compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

static void
intervals_clear(CsBootstrapIntervals *out, size_t replicates)
{
  for (int k = 0; k < CS_N_METRICS; k++) {
    out->ci[k][0] = out->ci[k][1] = NAN;
    out->undefined[k] = 0;
  }
  out->auc_ci[0] = out->auc_ci[1] = NAN;
  out->replicates = replicates;
}

/* Sorts the defined values of @values (NaN left out) and stores their percentile interval. */
static size_t
percentile_interval(double *values, size_t count, double conf_level, double ci[2])
{
  size_t defined = 0;

  for (size_t i = 0; i < count; i++)
    if (!isnan(values[i]))
      values[defined++] = values[i];
  if (defined == 0) {
    ci[0] = ci[1] = NAN;
    return count;
  }
  qsort(values, defined, sizeof *values, compare_doubles);
  ci[0] = cs_quantile_sorted(values, defined, 0.5 * (1.0 - conf_level));
  ci[1] = cs_quantile_sorted(values, defined, 0.5 * (1.0 + conf_level));
  return count - defined;
}

/* The core of both bootstraps: @n items in @n_clusters clusters. */
static bool
bootstrap_run(const double *p_cts, const bool *cts, const size_t *cluster, size_t n,
              size_t n_clusters, double threshold, size_t replicates, double conf_level, CsRng *rng,
              CsBootstrapIntervals *out)
{
  Cluster *clusters = g_new0(Cluster, n_clusters ? n_clusters : 1);
  size_t *case_clusters = g_new(size_t, n_clusters ? n_clusters : 1);
  size_t *control_clusters = g_new(size_t, n_clusters ? n_clusters : 1);
  size_t n_case_clusters = 0, n_control_clusters = 0;
  double *weight = g_new(double, n_clusters ? n_clusters : 1);
  double *values = g_new(double, (CS_N_METRICS + 1) * (replicates ? replicates : 1));
  Item *order = g_new(Item, n ? n : 1);
  bool ok = true;

  intervals_clear(out, replicates);
  for (size_t i = 0; i < n && ok; i++) {
    Cluster *c;
    bool called = p_cts[i] >= threshold;
    if (cluster[i] >= n_clusters) {
      ok = false;
      break;
    }
    c = &clusters[cluster[i]];
    if (c->seen && c->cts != cts[i]) {
      ok = false;
      break;
    }
    c->seen = true;
    c->cts = cts[i];
    if (cts[i])
      *(called ? &c->confusion.tp : &c->confusion.fn) += 1;
    else
      *(called ? &c->confusion.fp : &c->confusion.tn) += 1;
    order[i] = (Item){ p_cts[i], i };
  }
  if (!ok || replicates == 0)
    goto out;
  for (size_t c = 0; c < n_clusters; c++)
    if (clusters[c].seen) {
      if (clusters[c].cts)
        case_clusters[n_case_clusters++] = c;
      else
        control_clusters[n_control_clusters++] = c;
    }
  /* Sorting once lets every replicate's AUC be one weighted pass over tie groups. */
  qsort(order, n, sizeof *order, compare_items);

  for (size_t b = 0; b < replicates; b++) {
    CsConfusion confusion = { 0, 0, 0, 0 };
    double below = 0.0, numerator = 0.0, case_weight = 0.0, control_weight = 0.0;

    memset(weight, 0, n_clusters * sizeof *weight);
    for (size_t d = 0; d < n_case_clusters; d++)
      weight[case_clusters[cs_rng_below(rng, n_case_clusters)]] += 1.0;
    for (size_t d = 0; d < n_control_clusters; d++)
      weight[control_clusters[cs_rng_below(rng, n_control_clusters)]] += 1.0;
    for (size_t c = 0; c < n_clusters; c++) {
      size_t w = (size_t)weight[c];
      confusion.tp += w * clusters[c].confusion.tp;
      confusion.fp += w * clusters[c].confusion.fp;
      confusion.tn += w * clusters[c].confusion.tn;
      confusion.fn += w * clusters[c].confusion.fn;
    }
    for (int k = 0; k < CS_N_METRICS; k++)
      values[k * replicates + b] = cs_confusion_metric(&confusion, (CsMetric)k);

    for (size_t i = 0; i < n;) {
      double group_cases = 0.0, group_controls = 0.0;
      size_t j = i;
      while (j < n && order[j].value == order[i].value) {
        size_t item = order[j].index;
        if (cts[item])
          group_cases += weight[cluster[item]];
        else
          group_controls += weight[cluster[item]];
        j++;
      }
      numerator += group_cases * (below + 0.5 * group_controls);
      below += group_controls;
      case_weight += group_cases;
      control_weight += group_controls;
      i = j;
    }
    values[CS_N_METRICS * replicates + b] =
        case_weight > 0 && control_weight > 0 ? numerator / (case_weight * control_weight) : NAN;
  }
  for (int k = 0; k < CS_N_METRICS; k++)
    out->undefined[k] =
        percentile_interval(values + k * replicates, replicates, conf_level, out->ci[k]);
  percentile_interval(values + CS_N_METRICS * replicates, replicates, conf_level, out->auc_ci);

out:
  g_free(clusters);
  g_free(case_clusters);
  g_free(control_clusters);
  g_free(weight);
  g_free(values);
  g_free(order);
  return ok;
}

void
cs_bootstrap_stratified(const double *p_cts, const bool *cts, size_t n, double threshold,
                        size_t replicates, double conf_level, CsRng *rng, CsBootstrapIntervals *out)
{
  /* Each item its own cluster: the stratified bootstrap is the cluster bootstrap of singletons. */
  size_t *cluster = g_new(size_t, n ? n : 1);

  for (size_t i = 0; i < n; i++)
    cluster[i] = i;
  bootstrap_run(p_cts, cts, cluster, n, n, threshold, replicates, conf_level, rng, out);
  g_free(cluster);
}

bool
cs_bootstrap_clustered(const double *p_cts, const bool *cts, const size_t *cluster, size_t n,
                       size_t n_clusters, double threshold, size_t replicates, double conf_level,
                       CsRng *rng, CsBootstrapIntervals *out)
{
  if (!bootstrap_run(p_cts, cts, cluster, n, n_clusters, threshold, replicates, conf_level, rng,
                     out)) {
    intervals_clear(out, replicates);
    return false;
  }
  return true;
}
