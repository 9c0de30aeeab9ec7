/* cs-nerve-finder.h — finding and outlining the median nerve in a frame with a U-Net
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A finder holds one segmentation model (a "csnn_unet" weight file written by train-seg). Given
 * a gray frame of any size it resamples it to the network's input, runs the network, brings the
 * probability map back to the frame's size and keeps the largest region above 0.5: the nerve.
 * When the model's metadata says "test_time_flip" = "1" (train-seg --flip-test), the map is the
 * mean of the network's on the frame and, mirrored back, on its mirror image (cs_seg_predict()),
 * as the model's cross-validated figures were taken.
 *
 *   g_autoptr(CsNerveFinder) finder = cs_nerve_finder_load("nerve.safetensors", &error);
 *   CsNerveResult r;
 *   cs_nerve_finder_run(finder, frame->data, frame->width, frame->height, frame->stride, mask,
 *                       &r, &error);
 *
 * A two-stage model (train-seg --refine) holds a second network, the refiner: the finder then
 * lays the refiner's window on the frame around the largest region of the first network's map
 * and takes the refiner's probabilities for the pixels under the window (cs_seg_refine_map()),
 * the nerve's outline at a finer scale than the first network's view of the whole frame.
 *
 * Calls on one finder are serialised; use one finder per thread for parallel work.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The nerve found in one frame. */
typedef struct {
  gboolean found;    /* A region was found. */
  double score;      /* Mean probability inside the region (0 when none). */
  gsize area_px;     /* Pixels of the region, at the frame's size. */
  double centroid_x; /* Pixel coordinates of its centre of mass. */
  double centroid_y;
  int x0, y0, x1, y1; /* Bounding box, inclusive (all 0 when none). */
} CsNerveResult;

typedef struct _CsNerveFinder CsNerveFinder;

/* Turns @id_or_path into the segmentation model's file through the default model catalogue
 * (cs_model_catalog_resolve()); NULL takes the catalogue's default segmenter. NULL with @error
 * when there is none. */
char *cs_nerve_finder_resolve(const char *id_or_path, GError **error);

/* Loads the segmentation model at @path; NULL with @error when it is not one. */
CsNerveFinder *cs_nerve_finder_load(const char *path, GError **error);

/* Frees @finder; NULL is allowed. */
void cs_nerve_finder_free(CsNerveFinder *finder);

/* Returns the SHA-256 of the model's file (64 hex digits). */
const char *cs_nerve_finder_get_sha256(CsNerveFinder *finder);

/* Returns the model's metadata value of @key, or NULL. */
const char *cs_nerve_finder_get_metadata(CsNerveFinder *finder, const char *key);

/* Finds the nerve in a @width x @height gray frame (rows @stride bytes apart); writes the 0/255
 * mask of the frame's size to @mask when not NULL. */
gboolean cs_nerve_finder_run(CsNerveFinder *finder, const guint8 *gray, int width, int height,
                             gsize stride, guint8 *mask, CsNerveResult *result, GError **error);

/* Whether the model has a second stage that refines the outline. */
gboolean cs_nerve_finder_is_two_stage(CsNerveFinder *finder);

/* How many locators the model averages (1, or an ensemble's size). */
int cs_nerve_finder_n_locators(CsNerveFinder *finder);

/* The networks' work for one frame in GFLOP (every locator, with its flip, and the refiner). */
double cs_nerve_finder_gflop(CsNerveFinder *finder);

/* Writes the network's probability of "nerve" for each pixel of a @width x @height gray frame
 * to @prob (@width x @height floats), bilinearly brought back from the network's input; for a
 * two-stage model the refiner's probabilities under its window around the nerve. */
gboolean cs_nerve_finder_run_prob(CsNerveFinder *finder, const guint8 *gray, int width, int height,
                                  gsize stride, float *prob, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsNerveFinder, cs_nerve_finder_free)

G_END_DECLS
