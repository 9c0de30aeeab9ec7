/* cs-cli-segment.c — carpalscope-cli segment: find and outline the median nerve in images and
 * sweep frames
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include <cairo.h>
#include <stdio.h>
#include <string.h>

#include "cs-error.h"
#include "cs-model-catalog.h"
#include "cs-nerve-finder.h"
#include "cs-sweep.h"

#define NAME "segment"

/* Writes the 0/255 @mask of @width x @height as an 8-bit gray PNG. */
static gboolean
write_mask_png(const char *path, const guint8 *mask, int width, int height, GError **error)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, width, height);
  unsigned char *data;
  int stride;
  cairo_status_t status;

  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE, "%s: cannot make a %d x %d mask", path, width,
                height);
    return FALSE;
  }
  cairo_surface_flush(s);
  data = cairo_image_surface_get_data(s);
  stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < height; y++)
    memcpy(data + (gsize)y * (gsize)stride, mask + (gsize)y * (gsize)width, (gsize)width);
  cairo_surface_mark_dirty(s);
  status = cairo_surface_write_to_png(s, path);
  cairo_surface_destroy(s);
  if (status != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s: cannot write the mask: %s", path,
                cairo_status_to_string(status));
    return FALSE;
  }
  return TRUE;
}

/* The mask file of frame @f: @out itself for one frame, else with "-FRAME" before its
 * extension. */
static char *
mask_path(const char *out, int f, gboolean several)
{
  const char *dot = strrchr(out, '.'), *slash = strrchr(out, G_DIR_SEPARATOR);

  if (!several)
    return g_strdup(out);
  if (dot == NULL || (slash != NULL && dot < slash))
    return g_strdup_printf("%s-%05d", out, f);
  return g_strdup_printf("%.*s-%05d%s", (int)(dot - out), out, f, dot);
}

/* Prints frame @f's nerve; its area in mm² only with the spacing of where it lies in @sweep (a
 * DICOM region's serves only what lies inside it), with where the mm come from or why none. */
static void
print_result(int f, const CsNerveResult *r, CsSweep *sweep, gboolean json)
{
  const double box[] = { r->x0, r->y0, r->x1, r->y0, r->x1, r->y1, r->x0, r->y1 };
  g_autofree char *why = NULL;
  CsSpacing spacing = r->found ? cs_sweep_get_spacing_for_points(sweep, box, 4, NULL, &why, FALSE)
                               : cs_spacing_unknown();
  g_autofree char *source = cs_spacing_dup_label(&spacing, FALSE);
  g_autofree char *source_json = NULL;
  g_autofree char *why_json = NULL;
  char area_mm2[32];

  if (cs_spacing_is_known(&spacing))
    g_snprintf(area_mm2, sizeof(area_mm2), "%.4f",
               cs_spacing_area_mm2(&spacing, (double)r->area_px));
  else
    g_strlcpy(area_mm2, json ? "null" : "-", sizeof(area_mm2));
  if (json) {
    /* The labels and reasons hold no quote or backslash: only the null needs care. */
    source_json = cs_spacing_is_known(&spacing) ? g_strdup_printf("\"%s\"", source) : NULL;
    why_json = why != NULL ? g_strdup_printf("\"%s\"", why) : NULL;
    printf("{\"frame\": %d, \"found\": %s, \"score\": %.4f, \"area_px\": %" G_GSIZE_FORMAT
           ", \"area_mm2\": %s, \"mm_source\": %s, \"no_mm_reason\": %s, \"centroid_x\": %.2f, "
           "\"centroid_y\": %.2f, \"bbox\": [%d, %d, %d, %d]}\n",
           f, r->found ? "true" : "false", r->score, r->area_px, area_mm2,
           source_json != NULL ? source_json : "null", why_json != NULL ? why_json : "null",
           r->centroid_x, r->centroid_y, r->x0, r->y0, r->x1, r->y1);
  } else if (r->found) {
    printf("frame %d: nerve at (%.1f, %.1f), %" G_GSIZE_FORMAT " px (%s mm^2, %s), score %.3f, "
           "box %d,%d-%d,%d\n",
           f, r->centroid_x, r->centroid_y, r->area_px, area_mm2, why != NULL ? why : source,
           r->score, r->x0, r->y0, r->x1, r->y1);
  } else {
    printf("frame %d: no nerve found\n", f);
  }
}

static gboolean
segment_input(CsNerveFinder *finder, const char *input, int first, int last, gboolean json,
              const char *out_mask, GError **error)
{
  g_autoptr(CsSweep) sweep = cs_sweep_open(input, error);
  int n_frames;

  if (sweep == NULL)
    return FALSE;
  n_frames = cs_sweep_get_n_frames(sweep);
  if (last < 0 || last > n_frames)
    last = n_frames;
  if (first >= last) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "%s has %d frames: --frames selects none", input,
                n_frames);
    return FALSE;
  }
  for (int f = first; f < last; f++) {
    g_autoptr(CsFrame) frame = cs_sweep_get_frame(sweep, f, error);
    g_autofree guint8 *mask = NULL;
    CsNerveResult r;

    if (frame == NULL)
      return FALSE;
    mask = g_malloc((gsize)frame->width * (gsize)frame->height);
    if (!cs_nerve_finder_run(finder, frame->data, frame->width, frame->height, (gsize)frame->stride,
                             mask, &r, error))
      return FALSE;
    print_result(f, &r, sweep, json);
    if (out_mask != NULL) {
      g_autofree char *path = mask_path(out_mask, f, n_frames > 1);
      if (!write_mask_png(path, mask, frame->width, frame->height, error))
        return FALSE;
    }
  }
  return TRUE;
}

int
cs_cli_segment(int argc, char **argv)
{
  g_autofree char *model = NULL, *frames = NULL, *out_mask = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model,
      "The segmentation model: an installed segmenter's id or a weight file written by "
      "train-seg (default: the installed nerve model)",
      "ID|FILE" },
    { "frames", 0, 0, G_OPTION_ARG_STRING, &frames,
      "Frames A to B-1 of a sweep (A:B, A:, :B) or frame N alone (default all)", "A:B" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "One JSON object per frame", NULL },
    { "out-mask", 0, 0, G_OPTION_ARG_FILENAME, &out_mask,
      "Write the nerve's 0/255 mask as PNG (a sweep: one per frame, FILE-FRAME.png)", "FILE.png" },
    { NULL },
  };
  g_autoptr(GOptionContext) context =
      g_option_context_new("INPUT - find and outline the median nerve");
  g_autoptr(CsNerveFinder) finder = NULL;
  g_autofree char *path = NULL;
  GError *error = NULL;
  int first = 0, last = -1;

  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_description(
      context,
      "For each frame: whether a nerve was found, its mean probability (score), its area in\n"
      "pixels and in mm^2 when the file declares its spacing (else null), its centroid and its\n"
      "bounding box [x0, y0, x1, y1] (inclusive), all at the input's own size.");
  if (!cs_cli_parse(context, &argc, &argv, NAME))
    return CS_CLI_USAGE;
  if (argc != 2)
    return cs_cli_usage_error(NAME, "one INPUT is required");
  if (frames != NULL && !cs_cli_parse_frames(frames, &first, &last))
    return cs_cli_usage_error(NAME, "--frames wants A:B with A < B (or N), not \"%s\"", frames);
  if ((path = cs_nerve_finder_resolve(model, &error)) == NULL ||
      (finder = cs_nerve_finder_load(path, &error)) == NULL)
    return cs_cli_fail_error(error);
  if (!segment_input(finder, argv[1], first, last, json, out_mask, &error))
    return cs_cli_fail_error(error);
  return CS_CLI_OK;
}
