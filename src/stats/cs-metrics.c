/* cs-metrics.c — the confusion matrix at a threshold and the metrics made from it
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-metrics.h"

#include <math.h>

static const char *const metric_keys[CS_N_METRICS] = {
  "accuracy", "precision", "recall", "specificity", "f1",
};

static const char *const metric_titles[CS_N_METRICS] = {
  "Accuracy", "Precision", "Recall (sensitivity)", "Specificity", "F1",
};

const char *
cs_metric_key(CsMetric metric)
{
  return (unsigned)metric < CS_N_METRICS ? metric_keys[metric] : NULL;
}

const char *
cs_metric_title(CsMetric metric)
{
  return (unsigned)metric < CS_N_METRICS ? metric_titles[metric] : NULL;
}

CsConfusion
cs_confusion_count(const double *p_cts, const bool *cts, size_t n, double threshold)
{
  CsConfusion confusion = { 0, 0, 0, 0 };

  for (size_t i = 0; i < n; i++) {
    bool called = p_cts[i] >= threshold;
    if (cts[i]) {
      if (called)
        confusion.tp++;
      else
        confusion.fn++;
    } else {
      if (called)
        confusion.fp++;
      else
        confusion.tn++;
    }
  }
  return confusion;
}

static double
ratio(size_t numerator, size_t denominator)
{
  return denominator == 0 ? NAN : (double)numerator / (double)denominator;
}

double
cs_confusion_metric(const CsConfusion *c, CsMetric metric)
{
  switch (metric) {
    case CS_METRIC_ACCURACY:
      return ratio(c->tp + c->tn, c->tp + c->tn + c->fp + c->fn);
    case CS_METRIC_PRECISION:
      return ratio(c->tp, c->tp + c->fp);
    case CS_METRIC_RECALL:
      return ratio(c->tp, c->tp + c->fn);
    case CS_METRIC_SPECIFICITY:
      return ratio(c->tn, c->tn + c->fp);
    case CS_METRIC_F1:
      return ratio(2 * c->tp, 2 * c->tp + c->fp + c->fn);
    case CS_N_METRICS:
    default:
      return NAN;
  }
}
