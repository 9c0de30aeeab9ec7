/* cs-slic.h — SLIC superpixels and grid cells on 8-bit gray images
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plain C. SLIC after Achanta et al. (TPAMI 2012) for one intensity channel: the image is
 * rescaled to [0,1] (minimum to maximum, as scikit-image does, so one compactness suits dim and
 * bright crops), optionally smoothed with a Gaussian against speckle, and clustered by
 * D^2 = (dI / compactness)^2 + (dxy / S)^2 with S the grid step; fragments are then merged so
 * that every superpixel is one 4-connected region.
 */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parameters of cs_slic(). */
typedef struct {
  int n_segments;           /* Wanted number of superpixels (about; the grid rounds it). */
  double compactness;       /* Weight of space against intensity; larger = squarer. */
  double sigma;             /* Gaussian pre-smoothing in px; 0 = none. */
  int max_iter;             /* k-means passes; 10. */
  int enforce_connectivity; /* Merge fragments into a neighbour; 1. */
  double min_size_factor;   /* Fragments below this x (pixels / n_segments) merge; 0.5. */
} CsSlicParams;

/* Fills @params with the defaults used for B-mode crops (50 segments, compactness 0.1,
 * sigma 1.5, 10 passes, connectivity on, min size 0.5). */
void cs_slic_params_init(CsSlicParams *params);

/* Segments the @width x @height gray image (rows packed) into @labels (one int per pixel,
 * 0 .. n-1, every label used); returns n, or -1 on a bad argument or failed allocation. */
int cs_slic(const uint8_t *gray, int width, int height, const CsSlicParams *params, int *labels);

/* Cuts @width x @height into a grid of about @n_segments near-square cells; returns the number
 * of cells, or -1 on a bad argument. */
int cs_segment_grid(int width, int height, int n_segments, int *labels);

/* Gaussian blur of a float image (@sigma px, kernel truncated at 4 sigma, edges mirrored with
 * the edge pixel repeated); @dst may equal @src. Returns 0, or -1 when memory ran out. */
int cs_gaussian_blur_f32(const float *src, int width, int height, double sigma, float *dst);

#ifdef __cplusplus
}
#endif
