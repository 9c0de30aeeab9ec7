/* csnn-optim.h — optimisers and learning-rate schedules for training
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SGD with momentum (MATLAB's sgdm, PyTorch's SGD(momentum=m)) and Adam, each with L2 weight
 * decay added to the gradient as torch.optim does, and step or cosine learning-rate schedules.
 * Updates are plain loops in a fixed order: the same gradients give the same weights.
 *
 *   csnn_optim *opt;
 *   csnn_optim_new(CSNN_OPTIM_SGDM, &opt);
 *   csnn_optim_add(opt, param->data, grad, param->numel, 1);   // for each trained tensor
 *   csnn_optim_set_hyper(opt, 0.01, 0.9, 0.999, 1e-8, 1e-4);
 *   ... csnn_optim_step(opt, csnn_lr_at(&schedule, epoch, n_epochs)) after each backward ...
 *   csnn_optim_free(opt);
 */
#pragma once

#include <stddef.h>

#include "csnn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Optimiser kinds. */
typedef enum { CSNN_OPTIM_SGDM, CSNN_OPTIM_ADAM } csnn_optim_kind;

/* An optimiser with its state (momentum or moments) per tensor. */
typedef struct csnn_optim csnn_optim;

/* Creates an optimiser of @kind with PyTorch's defaults (momentum 0.9, betas 0.9 and 0.999,
 * eps 1e-8, no weight decay). */
int csnn_optim_new(csnn_optim_kind kind, csnn_optim **out);

/* Frees @opt; NULL is allowed. */
void csnn_optim_free(csnn_optim *opt);

/* Parses "sgdm" or "adam"; returns a status. */
int csnn_optim_kind_from_string(const char *text, csnn_optim_kind *kind);

/* Sets @momentum (SGD) or @beta1, @beta2 and @eps (Adam), and the @weight_decay. */
void csnn_optim_set_hyper(csnn_optim *opt, double momentum, double beta1, double beta2, double eps,
                          double weight_decay);

/* Adds a tensor of @n floats and its gradient; @decay says whether weight decay applies. */
int csnn_optim_add(csnn_optim *opt, float *data, const float *grad, size_t n, int decay);

/* Updates every tensor with learning rate @lr from its current gradient. */
void csnn_optim_step(csnn_optim *opt, double lr);

/* Learning-rate schedules: constant, step (times @gamma every @step_epochs) and cosine (from the
 * base rate to 0 over the run). */
typedef enum { CSNN_LR_CONSTANT, CSNN_LR_STEP, CSNN_LR_COSINE } csnn_lr_kind;

typedef struct {
  csnn_lr_kind kind;
  double base;
  int step_epochs; /* CSNN_LR_STEP; 0 means never. */
  double gamma;    /* CSNN_LR_STEP. */
} csnn_lr_schedule;

/* Returns the learning rate at (fractional) @epoch of @n_epochs; cosine follows PyTorch's
 * CosineAnnealingLR with T_max = n_epochs, eta_min = 0. */
double csnn_lr_at(const csnn_lr_schedule *s, double epoch, int n_epochs);

/* Parses "constant", "step" or "cosine"; returns a status. */
int csnn_lr_kind_from_string(const char *text, csnn_lr_kind *kind);

#ifdef __cplusplus
}
#endif
