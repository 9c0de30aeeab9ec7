/* cs-seg-train.h — training and checking the nerve-finding U-Net on images with expert masks
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The data set is a folder of images and a folder of masks of the same names (white = nerve), and
 * the patient of each image from an index.csv ("image,patient,...", the images' folder's parent
 * by default) or, without one, from the name up to its last '-' (Pz001-002 is patient Pz001).
 * The split is by patient, never by image: the patients are shuffled (seeded) and dealt into
 * @folds folds; fold @fold is validation and no image of its patients is trained on.
 *
 * Every image and mask is resampled once to the network's input (antialiased, as inference
 * does). Each training sample is then augmented for scanner shift, from its own seeded draw:
 * horizontal flip; rotation (+-12 degrees), scale (0.85-1.15) and shift (+-8 %) together, the
 * mask following; then on the image only gain (0.7-1.4), gamma (0.7-1.4), depth-dependent
 * attenuation exp(-a depth) (a in -0.3 .. 0.8), local contrast (x' = m + k (x - m) around a
 * 17 x 17 mean, k in 0.7-1.5), multiplicative speckle (sigma up to 0.25) and a blur (sigma up to
 * 1.2 px), each with its probability.
 *
 * Validation runs each epoch on the held-out patients at the images' own size: the probability
 * map is resampled to the image, thresholded at 0.5 and only its largest 8-connected region kept
 * (the nerve is one region); Dice, IoU and the relative area error are taken per image, then
 * averaged per patient. The checkpoint with the best mean patient Dice is written (or, with
 * keep_last, the last), with the validation figures in its metadata; choosing the epoch on the
 * held-out patients makes their figures optimistic, so estimates are made with keep_last. The
 * kept epoch's held-out images can be listed in a CSV (image, patient, dice, iou, area_px,
 * true_area_px, dice_noflip, iou_noflip, area_px_noflip) for figures over several folds.
 *
 * Two stages (locator_paths): the network trained is then a refiner, which outlines the nerve in
 * a window around where a first network, the locator, found it, at a finer scale than the
 * locator's view of the whole image. The window (cs_seg_window_around()) is the refiner's input
 * shape laid on the frame around the located region's centroid, scaled so that the region's box
 * fills at most CS_SEG_WINDOW_FILL of it along each side (and at least a quarter of the frame's
 * width). Training crops each image's window around its expert mask, with the located box's
 * errors drawn at random (the centre moved by up to 12 % of the window, the scale changed by
 * 0.8-1.4 times), rotation (+-12 degrees) and flip, then the same photometric augmentation;
 * validation runs the locator on each held-out image and scores the whole two-stage rule
 * (cs_seg_refine_map()): the locator's map at the frame's size with the window's pixels replaced
 * by the refiner's, then the threshold and largest region. The locator's own figures come from
 * the same maps (the _locator columns and the second figures). The written file holds both
 * networks (the refiner under CSNN_SEG_REFINE_PREFIX) and the nerve finder runs both.
 *
 * An ensemble of locators (several locator_paths): locators of one input shape and flip, trained
 * from other seeds on the same patients (CsSegTrainOptions.fold_seed), whose probability maps
 * at the network's size are averaged before anything else (cs_seg_locator_map()); the written
 * file holds them all (the first as its main network, the others under their member prefixes,
 * CSNN_SEG_MEMBER_PREFIX) and the refiner.
 *
 * Test-time flip (flip_test): the probability map is the mean of the network's on the image and,
 * mirrored back, on its left-right mirror image (csnn_seg_forward_flip()), before the resampling,
 * threshold and largest-region rule. The weights then say so in their metadata
 * (CS_SEG_FLIP_KEY = "1") and the nerve finder does the same; validation also scores the
 * image's own map from the same forwards (the _noflip columns and figures), so one run tells
 * whether the flip helps. Without it the _noflip figures are the figures.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The weights' metadata key saying the probability map is taken with the test-time flip ("1"). */
#define CS_SEG_FLIP_KEY "test_time_flip"

struct csnn_seg;

/* An image with its exact nerve mask from elsewhere than the folders (a phantom frame): always
 * trained on, never held out, under no patient of the data set. */
typedef struct {
  const guint8 *gray; /* @width x @height, rows packed. */
  const guint8 *mask; /* Nonzero = nerve, same size. */
  int width, height;
} CsSegExtraImage;

/* What to train and how. Strings are borrowed. */
typedef struct {
  const char *images_dir, *masks_dir;
  const char *index_csv; /* NULL: IMAGES/../index.csv when it exists. */
  const char *out_path;
  const char *val_csv; /* Where the kept epoch's held-out images are listed (NULL: nowhere). */
  int height, width, base, depth; /* The U-Net (default 192 x 256, 8, 4). */
  int epochs;                     /* Default 40. */
  int batch;                      /* Default 8. */
  double lr;                      /* Adam, cosine schedule; default 2e-3. */
  double weight_decay;            /* On convolution weights; default 1e-4. */
  double dice_weight;             /* Default 1. */
  guint64 seed;                   /* Default 1. */
  gboolean has_fold_seed;         /* Deal the folds from @fold_seed instead of @seed, so that
                                   * networks started from other seeds share one split (equal to
                                   * @seed, the same as without). */
  guint64 fold_seed;
  int folds, fold;        /* Patient folds and the validation one (default 5 and 0; 0 folds:
                           * train on every patient, no validation). */
  gboolean augment;       /* Default TRUE. */
  gboolean keep_last;     /* Write the last epoch, not the best held-out one: the
                           * held-out figures then choose nothing and estimate without
                           * bias (k-fold cross-validation). Default FALSE. */
  gboolean flip_test;     /* Validate, and mark the weights to run, with the test-time
                           * flip. Default FALSE. */
  int max_images;         /* Use only the first N images in name order (0: all); for tests. */
  int threads;            /* 0: the engine's pool. */
  const char *trained_on; /* The data's description (NULL: from the images' folder name). */
  const char *const *locator_paths; /* Train a refiner for these locators' weights
                                     * (NULL-terminated; NULL or empty: train a locator; see
                                     * "Two stages" above). Several files, or a file holding
                                     * several locators, make an ensemble. */
  const CsSegExtraImage *extra;     /* Mixed into every epoch's training images (borrowed). */
  int n_extra;
  const char *command_line;
  volatile int *stop;
} CsSegTrainOptions;

/* Fills @opt with the defaults above. */
void cs_seg_train_options_init(CsSegTrainOptions *opt);

/* Validation figures, by patient (each patient's mean over its images first). */
typedef struct {
  int n_images, n_patients;
  double dice_mean, dice_median, iou_mean;
  double found;      /* Images with Dice > 0.5, as a fraction. */
  double area_error; /* Mean |area - true area| / true area over patients. */
} CsSegScores;

/* Progress after each epoch. */
typedef struct {
  int epoch, epochs;
  double loss;            /* Mean training loss of the epoch. */
  CsSegScores val;        /* This epoch's validation (n_images 0 without). */
  CsSegScores val_noflip; /* The same without the test-time flip, or with a locator_path the
                           * locator's alone (n_images 0 without either). */
  double best_dice;       /* Best mean patient Dice so far. */
  double seconds;         /* Since the start. */
} CsSegTrainProgress;

typedef void (*CsSegTrainProgressFunc)(const CsSegTrainProgress *progress, gpointer user_data);

/* What a run did. */
typedef struct {
  int n_train_images, n_train_patients;
  int best_epoch, epochs_run;
  CsSegScores best;
  CsSegScores best_noflip; /* The kept epoch's without the test-time flip, or the locator's
                            * alone (n_images 0 without either). */
  double seconds;
  gboolean stopped;
} CsSegTrainSummary;

/* Trains as @opt says and writes the best checkpoint (or, without validation, the last) to
 * opt->out_path. FALSE with @error on bad data or when nothing could be written. */
gboolean cs_seg_train_run(const CsSegTrainOptions *opt, CsSegTrainProgressFunc progress,
                          gpointer user_data, CsSegTrainSummary *summary, GError **error);

/* Whether @seg's metadata asks for the test-time flip (CS_SEG_FLIP_KEY = "1"). */
gboolean cs_seg_uses_flip(const struct csnn_seg *seg);

/* The network's probability map (H x W) of one normalised input: with @flip the mean of the
 * image's and its mirror's (csnn_seg_forward_flip()), else the image's; @plain (may be NULL)
 * gets the image's own map. The one way train-seg's validation and the nerve finder take it.
 * Returns the engine's status. */
int cs_seg_predict(struct csnn_seg *seg, const float *input, gboolean flip, float *prob,
                   float *plain);

/* Turns a @net_w x @net_h probability map into a 0/255 mask of @width x @height: resampled,
 * thresholded at 0.5, only the largest 8-connected region kept. Returns its area in pixels. */
gsize cs_seg_mask_from_prob(const float *prob, int net_w, int net_h, int width, int height,
                            guint8 *mask);

/* The most locators one file holds (CSNN_SEG_MAX_MEMBERS). */
#define CS_SEG_MAX_LOCATORS 16

/* Loads every locator weights file @path holds into @out (CS_SEG_MAX_LOCATORS places): its main
 * network and each further one its metadata announces (CSNN_SEG_MEMBER_PREFIX), all of one
 * input shape and test-time flip. Returns how many (at least 1), or 0 with @error. */
int cs_seg_load_locators(const char *path, struct csnn_seg **out, GError **error);

/* The locators' probability map of a @width x @height gray frame at the frame's size in @full:
 * resampled to their input, each run (with the test-time flip when @flip; @input and @prob hold
 * their input size), the @n maps averaged into @sum (their input size; unused, may be NULL, when
 * @n is 1) and brought back bilinearly. Returns the engine's status. */
int cs_seg_locator_map(struct csnn_seg *const *locators, int n, gboolean flip, const guint8 *gray,
                       int width, int height, gsize stride, float *input, float *prob, float *sum,
                       float *full);

/* The share of the refiner's window the located box fills, at most, along each side. */
#define CS_SEG_WINDOW_FILL 0.5

/* A refiner's window on a frame: the frame point under the window's centre, the frame pixels
 * per window pixel, and (in training only) a rotation and a mirror image. */
typedef struct {
  double cx, cy;
  double scale;
  double angle; /* Radians, counterclockwise on the screen. */
  gboolean flip;
} CsSegWindow;

/* The window of a @net_w x @net_h refiner around a region centred at (@cx, @cy) whose box is
 * @box_w x @box_h pixels, in a frame @frame_w wide (no rotation, no mirror). */
void cs_seg_window_around(double cx, double cy, double box_w, double box_h, int frame_w, int net_w,
                          int net_h, CsSegWindow *window);

/* Samples the window @w of a @width x @height 8-bit frame (rows @stride bytes apart) into @out
 * (@net_w x @net_h, values 0..1; 0 outside the frame), bilinearly, averaging 2 x 2 samples per
 * pixel where the window shrinks the frame. */
void cs_seg_window_sample(const CsSegWindow *w, const guint8 *gray, int width, int height,
                          gsize stride, int net_w, int net_h, float *out);

/* Overwrites the pixels of @full (@width x @height) under window @w (no rotation, no mirror)
 * with the refiner's map @prob (@net_w x @net_h, even sides), bilinearly. */
void cs_seg_window_paste(const CsSegWindow *w, const float *prob, int net_w, int net_h, float *full,
                         int width, int height);

/* The two-stage rule: finds the largest region above 0.5 of the locator's map @full (@width x
 * @height), runs @refine on the window around it and overwrites @full's pixels under the window
 * with the refiner's probabilities; @full is left as it was when there is no region. @input and
 * @prob hold @refine's input size. Writes the window to @window when not NULL. Returns the
 * engine's status. */
int cs_seg_refine_map(struct csnn_seg *refine, const guint8 *gray, int width, int height,
                      gsize stride, float *full, float *input, float *prob, CsSegWindow *window);

/* Dice and IoU of two 0/nonzero masks of @n pixels (1 when both are empty). */
void cs_seg_compare(const guint8 *a, const guint8 *b, gsize n, double *dice, double *iou);

G_END_DECLS
