/* csnn-optim.c — SGD with momentum, Adam and learning-rate schedules, as torch.optim
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The formulas are torch.optim's (PyTorch 2): SGD keeps buf = m buf + g (buf = g on the first
 * step) and steps p -= lr buf; Adam keeps m = b1 m + (1 - b1) g and v = b2 v + (1 - b2) g^2 and
 * steps p -= lr m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps). Weight decay adds wd p to g.
 */
#include "csnn-optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  float *data;
  const float *grad;
  float *m, *v; /* Momentum buffer or first moment; second moment (Adam). */
  size_t n;
  int decay;
} slot;

struct csnn_optim {
  csnn_optim_kind kind;
  double momentum, beta1, beta2, eps, weight_decay;
  slot *slots;
  size_t n_slots, cap;
  long steps;
};

int
csnn_optim_new(csnn_optim_kind kind, csnn_optim **out)
{
  csnn_optim *opt;

  *out = NULL;
  if (kind != CSNN_OPTIM_SGDM && kind != CSNN_OPTIM_ADAM)
    return csnn_set_error(CSNN_ERR_INVALID, "optimiser: unknown kind %d", (int)kind);
  opt = calloc(1, sizeof *opt);
  if (opt == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "optimiser: out of memory");
  opt->kind = kind;
  opt->momentum = 0.9;
  opt->beta1 = 0.9;
  opt->beta2 = 0.999;
  opt->eps = 1e-8;
  *out = opt;
  return CSNN_OK;
}

void
csnn_optim_free(csnn_optim *opt)
{
  if (opt == NULL)
    return;
  for (size_t i = 0; i < opt->n_slots; i++) {
    free(opt->slots[i].m);
    free(opt->slots[i].v);
  }
  free(opt->slots);
  free(opt);
}

int
csnn_optim_kind_from_string(const char *text, csnn_optim_kind *kind)
{
  if (text != NULL && strcmp(text, "sgdm") == 0)
    *kind = CSNN_OPTIM_SGDM;
  else if (text != NULL && strcmp(text, "adam") == 0)
    *kind = CSNN_OPTIM_ADAM;
  else
    return csnn_set_error(CSNN_ERR_INVALID, "unknown optimiser \"%s\" (known: sgdm, adam)",
                          text != NULL ? text : "");
  return CSNN_OK;
}

void
csnn_optim_set_hyper(csnn_optim *opt, double momentum, double beta1, double beta2, double eps,
                     double weight_decay)
{
  opt->momentum = momentum;
  opt->beta1 = beta1;
  opt->beta2 = beta2;
  opt->eps = eps;
  opt->weight_decay = weight_decay;
}

int
csnn_optim_add(csnn_optim *opt, float *data, const float *grad, size_t n, int decay)
{
  slot *s;

  if (data == NULL || grad == NULL || n == 0)
    return csnn_set_error(CSNN_ERR_INVALID, "optimiser: empty tensor");
  if (opt->n_slots == opt->cap) {
    size_t cap = opt->cap ? opt->cap * 2 : 64;
    slot *grown = realloc(opt->slots, cap * sizeof *grown);
    if (grown == NULL)
      return csnn_set_error(CSNN_ERR_NOMEM, "optimiser: out of memory");
    opt->slots = grown;
    opt->cap = cap;
  }
  s = &opt->slots[opt->n_slots];
  memset(s, 0, sizeof *s);
  s->data = data;
  s->grad = grad;
  s->n = n;
  s->decay = decay;
  s->m = calloc(n, sizeof(float));
  if (opt->kind == CSNN_OPTIM_ADAM)
    s->v = calloc(n, sizeof(float));
  if (s->m == NULL || (opt->kind == CSNN_OPTIM_ADAM && s->v == NULL)) {
    free(s->m);
    free(s->v);
    return csnn_set_error(CSNN_ERR_NOMEM, "optimiser: out of memory");
  }
  opt->n_slots++;
  return CSNN_OK;
}

void
csnn_optim_step(csnn_optim *opt, double lr)
{
  float flr = (float)lr;

  opt->steps++;
  for (size_t i = 0; i < opt->n_slots; i++) {
    slot *s = &opt->slots[i];
    float wd = s->decay ? (float)opt->weight_decay : 0.0f;

    if (opt->kind == CSNN_OPTIM_SGDM) {
      float mom = (float)opt->momentum;
      for (size_t k = 0; k < s->n; k++) {
        float g = s->grad[k] + wd * s->data[k];
        float b = opt->steps == 1 ? g : mom * s->m[k] + g;
        s->m[k] = b;
        s->data[k] -= flr * b;
      }
    } else {
      float b1 = (float)opt->beta1, b2 = (float)opt->beta2, eps = (float)opt->eps;
      double c1 = 1.0 - pow(opt->beta1, (double)opt->steps);
      double c2 = 1.0 - pow(opt->beta2, (double)opt->steps);
      float step = (float)(lr / c1), sc2 = (float)sqrt(c2);
      for (size_t k = 0; k < s->n; k++) {
        float g = s->grad[k] + wd * s->data[k];
        s->m[k] = b1 * s->m[k] + (1.0f - b1) * g;
        s->v[k] = b2 * s->v[k] + (1.0f - b2) * g * g;
        s->data[k] -= step * s->m[k] / (sqrtf(s->v[k]) / sc2 + eps);
      }
    }
  }
}

double
csnn_lr_at(const csnn_lr_schedule *s, double epoch, int n_epochs)
{
  switch (s->kind) {
    case CSNN_LR_STEP:
      if (s->step_epochs <= 0)
        return s->base;
      return s->base * pow(s->gamma, floor(epoch / (double)s->step_epochs));
    case CSNN_LR_COSINE:
      if (n_epochs <= 0)
        return s->base;
      return s->base * 0.5 * (1.0 + cos(M_PI * epoch / (double)n_epochs));
    case CSNN_LR_CONSTANT:
    default:
      return s->base;
  }
}

int
csnn_lr_kind_from_string(const char *text, csnn_lr_kind *kind)
{
  if (text != NULL && strcmp(text, "constant") == 0)
    *kind = CSNN_LR_CONSTANT;
  else if (text != NULL && strcmp(text, "step") == 0)
    *kind = CSNN_LR_STEP;
  else if (text != NULL && strcmp(text, "cosine") == 0)
    *kind = CSNN_LR_COSINE;
  else
    return csnn_set_error(CSNN_ERR_INVALID,
                          "unknown learning-rate schedule \"%s\" (known: constant, step, cosine)",
                          text != NULL ? text : "");
  return CSNN_OK;
}
