/* cs-metrics.h — the confusion matrix at a threshold and the metrics made from it
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The positive class is CTS. An image (or hand) counts as CTS when p_cts >= the threshold. */
typedef struct {
  size_t tp; /* CTS called CTS. */
  size_t fp; /* Control called CTS. */
  size_t tn; /* Control called control. */
  size_t fn; /* CTS called control. */
} CsConfusion;

/* The metrics of Table 1, in its order. */
typedef enum {
  CS_METRIC_ACCURACY,    /* (TP + TN) / N */
  CS_METRIC_PRECISION,   /* TP / (TP + FP), the positive predictive value */
  CS_METRIC_RECALL,      /* TP / (TP + FN), the sensitivity */
  CS_METRIC_SPECIFICITY, /* TN / (TN + FP) */
  CS_METRIC_F1,          /* 2 TP / (2 TP + FP + FN) */
  CS_N_METRICS
} CsMetric;

/* The default decision threshold on p(CTS): the two-class argmax. */
#define CS_DEFAULT_THRESHOLD 0.5

/* Returns the metric's key in JSON and CSV ("accuracy", "precision", "recall", ...). */
const char *cs_metric_key(CsMetric metric);

/* Returns the metric's column title for tables ("Accuracy", "Recall (sensitivity)", ...). */
const char *cs_metric_title(CsMetric metric);

/* Counts the confusion matrix of @n scores @p_cts with truths @cts at @threshold. */
CsConfusion cs_confusion_count(const double *p_cts, const bool *cts, size_t n, double threshold);

/* Returns @metric of @confusion, or NaN when its denominator is zero (e.g. precision when
 * nothing was called CTS): such a value is undefined, not 0, and is reported as null. */
double cs_confusion_metric(const CsConfusion *confusion, CsMetric metric);
