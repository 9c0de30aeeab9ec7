/* cs-nerve-finder.c — finding and outlining the median nerve in a frame with a U-Net
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-nerve-finder.h"

#include <string.h>

#include "cs-engine-error.h"
#include "cs-error.h"
#include "cs-model-catalog.h"
#include "cs-nerve-track.h"
#include "cs-seg-train.h"
#include "csnn-image.h"
#include "csnn-safetensors.h"
#include "csnn-seg.h"

struct _CsNerveFinder {
  csnn_seg *seg;                           /* The (first) locator. */
  csnn_seg *locators[CS_SEG_MAX_LOCATORS]; /* seg and the ensemble's others, if any. */
  int n_locators;
  csnn_seg *refine; /* The second stage, or NULL. */
  GMutex lock;
  float *input, *prob, *sum;
  float *refine_input, *refine_prob;
  gboolean flip; /* The model's metadata asks for the test-time flip. */
};

char *
cs_nerve_finder_resolve(const char *id_or_path, GError **error)
{
  CsModelCatalog *catalog = cs_model_catalog_get_default();
  CsModelInfo *info;

  if (id_or_path != NULL)
    return cs_model_catalog_resolve(catalog, id_or_path, error);
  if ((info = cs_model_catalog_get_default_segmenter(catalog)) == NULL) {
    g_autofree char *searched = g_strjoinv(", ", (char **)cs_model_catalog_get_folders(catalog));

    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND,
                "no nerve model is installed (searched %s): give a segmentation model's file",
                searched);
    return NULL;
  }
  return g_strdup(cs_model_info_get_path(info));
}

CsNerveFinder *
cs_nerve_finder_load(const char *path, GError **error)
{
  CsNerveFinder *finder;
  csnn_seg *locators[CS_SEG_MAX_LOCATORS], *refine = NULL;
  csnn_safetensors *st;
  int n_locators = cs_seg_load_locators(path, locators, error), status = CSNN_OK;
  gsize n;

  if (n_locators == 0)
    return NULL;
  if ((status = csnn_safetensors_open(path, &st)) == CSNN_OK) {
    if (csnn_safetensors_metadata(st, CSNN_SEG_REFINE_PREFIX "arch") != NULL)
      status = csnn_seg_load_part(st, path, CSNN_SEG_REFINE_PREFIX, &refine);
    csnn_safetensors_close(st);
  }
  if (status != CSNN_OK) {
    for (int i = 0; i < n_locators; i++)
      csnn_seg_free(locators[i]);
    cs_error_from_engine(error, status, path);
    return NULL;
  }
  finder = g_new0(CsNerveFinder, 1);
  memcpy(finder->locators, locators, (gsize)n_locators * sizeof(locators[0]));
  finder->n_locators = n_locators;
  finder->seg = locators[0];
  finder->refine = refine;
  g_mutex_init(&finder->lock);
  n = (gsize)csnn_seg_get_shape(finder->seg)->width *
      (gsize)csnn_seg_get_shape(finder->seg)->height;
  finder->input = g_new(float, n);
  finder->prob = g_new(float, n);
  finder->sum = g_new(float, n);
  if (refine != NULL) {
    n = (gsize)csnn_seg_get_shape(refine)->width * (gsize)csnn_seg_get_shape(refine)->height;
    finder->refine_input = g_new(float, n);
    finder->refine_prob = g_new(float, n);
  }
  finder->flip = cs_seg_uses_flip(finder->seg);
  return finder;
}

void
cs_nerve_finder_free(CsNerveFinder *finder)
{
  if (finder == NULL)
    return;
  for (int i = 0; i < finder->n_locators; i++)
    csnn_seg_free(finder->locators[i]);
  csnn_seg_free(finder->refine);
  g_mutex_clear(&finder->lock);
  g_free(finder->input);
  g_free(finder->prob);
  g_free(finder->sum);
  g_free(finder->refine_input);
  g_free(finder->refine_prob);
  g_free(finder);
}

const char *
cs_nerve_finder_get_sha256(CsNerveFinder *finder)
{
  return csnn_seg_sha256(finder->seg);
}

const char *
cs_nerve_finder_get_metadata(CsNerveFinder *finder, const char *key)
{
  return csnn_seg_metadata(finder->seg, key);
}

/* Fills @r from the region @location chose (none when lost: all 0). */
static void
describe(const CsNerveLocation *location, CsNerveResult *r)
{
  memset(r, 0, sizeof(*r));
  if (location->area_px == 0)
    return;
  r->found = TRUE;
  r->score = location->score;
  r->area_px = location->area_px;
  r->centroid_x = location->x;
  r->centroid_y = location->y;
  r->x0 = location->x0;
  r->y0 = location->y0;
  r->x1 = location->x1;
  r->y1 = location->y1;
}

/* Refuses a frame no finder searches. */
static gboolean
frame_size_ok(int width, int height, GError **error)
{
  if (width >= 1 && height >= 1 && width <= 16384 && height <= 16384)
    return TRUE;
  g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "a frame of %d x %d cannot be searched", width,
              height);
  return FALSE;
}

gboolean
cs_nerve_finder_is_two_stage(CsNerveFinder *finder)
{
  return finder->refine != NULL;
}

int
cs_nerve_finder_n_locators(CsNerveFinder *finder)
{
  return finder->n_locators;
}

double
cs_nerve_finder_gflop(CsNerveFinder *finder)
{
  double gflop = finder->refine != NULL ? csnn_seg_gflop(csnn_seg_get_shape(finder->refine)) : 0.0;

  for (int i = 0; i < finder->n_locators; i++)
    gflop += csnn_seg_gflop(csnn_seg_get_shape(finder->locators[i])) * (finder->flip ? 2.0 : 1.0);
  return gflop;
}

/* The finder's map at the frame's size (checked) into @prob: the locator's, refined around the
 * nerve when the model has a second stage (cs_seg_refine_map()). */
static gboolean
frame_map(CsNerveFinder *finder, const guint8 *gray, int width, int height, gsize stride,
          float *prob, GError **error)
{
  int status;

  g_mutex_lock(&finder->lock);
  status = cs_seg_locator_map(finder->locators, finder->n_locators, finder->flip, gray, width,
                              height, stride, finder->input, finder->prob, finder->sum, prob);
  if (status == CSNN_OK && finder->refine != NULL)
    status = cs_seg_refine_map(finder->refine, gray, width, height, stride, prob,
                               finder->refine_input, finder->refine_prob, NULL);
  g_mutex_unlock(&finder->lock);
  if (status != CSNN_OK)
    return cs_error_from_engine(error, status, "finding the nerve");
  return TRUE;
}

gboolean
cs_nerve_finder_run_prob(CsNerveFinder *finder, const guint8 *gray, int width, int height,
                         gsize stride, float *prob, GError **error)
{
  return frame_size_ok(width, height, error) &&
         frame_map(finder, gray, width, height, stride, prob, error);
}

gboolean
cs_nerve_finder_run(CsNerveFinder *finder, const guint8 *gray, int width, int height, gsize stride,
                    guint8 *mask, CsNerveResult *result, GError **error)
{
  g_autofree guint8 *own = NULL;
  g_autofree float *full = NULL;
  CsNerveLocation location;

  if (!frame_size_ok(width, height, error))
    return FALSE;
  if (mask == NULL)
    mask = own = g_malloc((gsize)width * (gsize)height);
  full = g_new(float, (gsize)width *(gsize)height);
  if (!frame_map(finder, gray, width, height, stride, full, error))
    return FALSE;
  /* The 8-connected regions above 0.5, the largest kept. */
  cs_nerve_locate_prob(full, width, height, NULL, &location, mask);
  describe(&location, result);
  return TRUE;
}
