/* cs-train.h — training a network on a study: hands split, crops, augmentation, checkpoints
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The data set is built by hand, never by frame: every frame of a hand goes where the hand goes.
 * The study's training hands are split once more (seeded, per group) into the hands trained on
 * and a validation part used to choose the checkpoint (best validation accuracy, then lowest
 * validation loss); test hands are never read. Each training crop is augmented as the paper did,
 * on the gray ROI crop before preprocessing: random horizontal flip, rotation of +-10 degrees,
 * scale 0.8 to 1.2, horizontal and vertical translation (+-10% of the side) and shear (+-10
 * degrees).
 *
 *   CsTrainOptions opt;
 *   cs_train_options_init(&opt);
 *   opt.arch = "mobilenet_v2";
 *   opt.out_path = "model.safetensors";
 *   g_autoptr(CsStudy) study = cs_study_load("study.json", &error);
 *   CsTrainSummary summary;
 *   if (!cs_train_run(study, &opt, progress, NULL, &summary, &error)) ...
 */
#pragma once

#include <gio/gio.h>

#include "cs-study.h"
#include "csnn-optim.h"

G_BEGIN_DECLS

/* Augmentation of the training crops. */
typedef enum {
  CS_TRAIN_AUGMENT_NONE = 0,
  CS_TRAIN_AUGMENT_PAPER, /* Flip, rotation, scale, translation and shear (the default). */
  CS_TRAIN_AUGMENT_LIGHT  /* Flip, rotation and translation: sizes in pixels kept. */
} CsTrainAugment;

/* What to train and how. Strings are borrowed. */
typedef struct {
  const char *arch;      /* torchvision's architecture name. */
  const char *init_path; /* Weights to start from (NULL: from scratch, seeded). */
  const char *out_path;  /* Where the best checkpoint goes. */
  int epochs;            /* Default 10. */
  int batch;             /* Default 16. */
  double lr;             /* Default 0.01 (sgdm) or 0.001 (adam) when <= 0. */
  csnn_optim_kind optimizer;
  csnn_lr_kind schedule;    /* Default cosine. */
  int step_epochs;          /* Step schedule: epochs between decays (default 3). */
  double gamma;             /* Step schedule: factor (default 0.1). */
  double momentum;          /* Default 0.9. */
  double weight_decay;      /* Default 1e-4. */
  guint64 seed;             /* Default 1. */
  int frames_per_hand;      /* Frames taken from each sweep, evenly spaced (0: all). */
  int freeze;               /* Blocks of "features" kept frozen (0: none). */
  int val_hands;            /* Validation hands per group taken from training (-1: a tenth). */
  int patience;             /* Stop after this many epochs without improvement (0: never). */
  int threads;              /* Trainer threads (0: the engine's pool). */
  int input_size;           /* Side of the network input (0: the architecture's 224). */
  CsTrainAugment augment;   /* Default CS_TRAIN_AUGMENT_PAPER. */
  gboolean scanner_shift;   /* Also augment for scanner shift (cs-train-shift.h; default off). */
  gboolean scanner_zoom;    /* The scanner shift includes its zoom (crop 0.8-1; default on). */
  const char *trained_on;   /* NULL: derived from the study (phantom studies say so). */
  const char *command_line; /* Recorded in the provenance. */
  const char *study_path;   /* Recorded; NULL: the study's own path. */
  const char *const *extra_metadata; /* NULL-terminated key, value list added to checkpoints. */
  volatile int *stop;                /* Checked between batches: nonzero stops cleanly. */
} CsTrainOptions;

/* Fills @opt with the defaults above. */
void cs_train_options_init(CsTrainOptions *opt);

/* Progress after each batch (and after each epoch's validation). */
typedef struct {
  int epoch, epochs;    /* 1-based epoch. */
  int batch, batches;   /* Batches done in this epoch and per epoch. */
  double loss;          /* Running mean training loss of the epoch. */
  double val_accuracy;  /* Last validation accuracy (image level); < 0 before the first. */
  double best_accuracy; /* Best so far; < 0 before the first. */
  double images_per_s;  /* Training throughput of this epoch. */
  double seconds_left;  /* Estimate. */
  gboolean epoch_done;  /* TRUE on the call after an epoch's validation. */
} CsTrainProgress;

typedef void (*CsTrainProgressFunc)(const CsTrainProgress *progress, gpointer user_data);

/* What a run did. */
typedef struct {
  int epochs_run;
  int best_epoch;       /* 0 when no checkpoint was written. */
  double best_accuracy; /* Image-level validation accuracy of the checkpoint. */
  double best_hand_accuracy;
  double seconds;
  guint n_train_images, n_val_images, n_train_hands, n_val_hands;
  gboolean stopped; /* Stopped by opt->stop. */
} CsTrainSummary;

/* One hand of the data set: its case id, label (1 = CTS) and part. */
typedef struct {
  const char *case_id;
  int label;
  CsSplit part; /* CS_SPLIT_TRAIN or CS_SPLIT_VALIDATION (test hands are left out). */
} CsTrainHand;

/* Chooses the hands of @study to train on and to validate on (@val_hands per group, seeded by
 * @seed; study cases already marked validation stay so). Returns an array of CsTrainHand (case
 * ids borrowed from @study); FALSE with @error when a part would be empty. */
GArray *cs_train_split_hands(CsStudy *study, int val_hands, guint64 seed, GError **error);

/* The "trained_on" text for @study: the phantom wording when its name or notes say phantom. */
char *cs_train_describe_study(CsStudy *study);

/* Applies the paper's random augmentation to the @size x @size gray crop @src into @dst, drawing
 * from @rng (a splitmix64 state). */
void cs_train_augment(const guint8 *src, int size, guint8 *dst, guint64 *rng);

/* Same as cs_train_augment() with the transforms of @mode. */
void cs_train_augment_mode(CsTrainAugment mode, const guint8 *src, int size, guint8 *dst,
                           guint64 *rng);

/* Trains as @opt says and writes the best checkpoint to opt->out_path with provenance metadata.
 * Progress goes to @progress (may be NULL). TRUE when it ran (also when stopped early); FALSE
 * with @error on bad input or when nothing could be written. */
gboolean cs_train_run(CsStudy *study, const CsTrainOptions *opt, CsTrainProgressFunc progress,
                      gpointer user_data, CsTrainSummary *summary, GError **error);

/* Sets @opt's optimizer from its name ("sgdm" or "adam"); FALSE when there is no such one. */
gboolean cs_train_options_set_optimizer(CsTrainOptions *opt, const char *name);

/* Sets @opt's learning-rate schedule from its name ("cosine", "step" or "constant"); FALSE when
 * there is no such one. */
gboolean cs_train_options_set_schedule(CsTrainOptions *opt, const char *name);

G_END_DECLS
