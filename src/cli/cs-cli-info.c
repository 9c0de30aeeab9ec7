/* cs-cli-info.c — carpalscope-cli info and frame: what an input is, and one frame as decoded
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both read any input Carpalscope opens (video, image folder, still image, DICOM) through
 * cs_sweep_open(). `frame` writes the 8-bit gray the engine sees, as a gray PNG.
 */
#include "config.h"

#include "cs-cli.h"

#include <cairo.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "cs-error.h"
#include "cs-sweep.h"

/* The stable name of what a sweep was opened from, for "format". */
static const char *
kind_name(CsSweepKind kind)
{
  switch (kind) {
    case CS_SWEEP_KIND_VIDEO:
      return "video";
    case CS_SWEEP_KIND_IMAGE_FOLDER:
      return "image-folder";
    case CS_SWEEP_KIND_STILL_IMAGE:
      return "image";
    case CS_SWEEP_KIND_DICOM:
      return "dicom";
    default:
      return "unknown";
  }
}

/* The name of a region's Physical Units code (DICOM PS3.3 C.8.5.5.1.15). */
static const char *
units_name(int units)
{
  static const char *const names[] = { "none",  "percent",    "dB",     "cm",  "seconds",
                                       "hertz", "dB/seconds", "cm/sec", "cm2", "cm2/sec",
                                       "cm3",   "cm3/sec",    "degrees" };

  return units >= 0 && units < (int)G_N_ELEMENTS(names) ? names[units] : "unknown";
}

/* The name of a Region Spatial Format code. */
static const char *
spatial_format_name(int format)
{
  static const char *const names[] = { "none", "2D", "M-mode", "spectral", "waveform", "graphics" };

  return format >= 0 && format < (int)G_N_ELEMENTS(names) ? names[format] : "unknown";
}

/* Returns a region's mm per pixel along one axis, or a negative number when its units are not cm.
 */
static double
region_mm(int units, double delta)
{
  return units == CS_DICOM_UNITS_CM ? delta * 10.0 : -1;
}

static void
add_number_or_null(JsonBuilder *builder, const char *name, double value, gboolean known)
{
  json_builder_set_member_name(builder, name);
  if (known)
    json_builder_add_double_value(builder, value);
  else
    json_builder_add_null_value(builder);
}

static void
build_regions(JsonBuilder *builder, CsSweep *sweep)
{
  json_builder_set_member_name(builder, "regions");
  json_builder_begin_array(builder);
  for (int i = 0; i < cs_sweep_get_n_regions(sweep); i++) {
    const CsDicomRegion *r = cs_sweep_get_region(sweep, i);
    double x_mm = region_mm(r->units_x, r->delta_x), y_mm = region_mm(r->units_y, r->delta_y);
    g_autofree char *units =
        r->units_x == r->units_y
            ? g_strdup(units_name(r->units_x))
            : g_strdup_printf("%s/%s", units_name(r->units_x), units_name(r->units_y));

    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "x0");
    json_builder_add_int_value(builder, r->x0);
    json_builder_set_member_name(builder, "y0");
    json_builder_add_int_value(builder, r->y0);
    json_builder_set_member_name(builder, "x1");
    json_builder_add_int_value(builder, r->x1);
    json_builder_set_member_name(builder, "y1");
    json_builder_add_int_value(builder, r->y1);
    add_number_or_null(builder, "delta_x_mm", x_mm, x_mm >= 0);
    add_number_or_null(builder, "delta_y_mm", y_mm, y_mm >= 0);
    json_builder_set_member_name(builder, "units");
    json_builder_add_string_value(builder, units);
    json_builder_set_member_name(builder, "spatial_format");
    json_builder_add_string_value(builder, spatial_format_name(r->spatial_format));
    json_builder_set_member_name(builder, "data_type");
    json_builder_add_int_value(builder, r->data_type);
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
}

static void
build_spacing(JsonBuilder *builder, CsSweep *sweep)
{
  CsSpacing spacing = cs_sweep_get_file_spacing(sweep);
  gboolean known = cs_spacing_is_known(&spacing);

  json_builder_set_member_name(builder, "spacing");
  json_builder_begin_object(builder);
  add_number_or_null(builder, "x_mm", spacing.mm_per_px, known);
  add_number_or_null(builder, "y_mm", spacing.mm_per_px, known);
  json_builder_set_member_name(builder, "source");
  json_builder_add_string_value(builder, known ? cs_sweep_get_file_spacing_label(sweep) : "none");
  json_builder_end_object(builder);
}

static JsonNode *
build_info(CsSweep *sweep)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();
  double rate = cs_sweep_get_frame_rate(sweep);
  const char *side = cs_sweep_get_laterality(sweep);

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "format");
  json_builder_add_string_value(builder, kind_name(cs_sweep_get_kind(sweep)));
  json_builder_set_member_name(builder, "codec");
  json_builder_add_string_value(builder, cs_sweep_get_codec_name(sweep));
  json_builder_set_member_name(builder, "frames");
  json_builder_add_int_value(builder, cs_sweep_get_n_frames(sweep));
  json_builder_set_member_name(builder, "width");
  json_builder_add_int_value(builder, cs_sweep_get_width(sweep));
  json_builder_set_member_name(builder, "height");
  json_builder_add_int_value(builder, cs_sweep_get_height(sweep));
  add_number_or_null(builder, "frame_time_ms", rate > 0 ? 1000.0 / rate : 0, rate > 0);
  build_spacing(builder, sweep);
  build_regions(builder, sweep);
  json_builder_set_member_name(builder, "laterality");
  if (side != NULL)
    json_builder_add_string_value(builder, side);
  else
    json_builder_add_null_value(builder);
  json_builder_set_member_name(builder, "warnings");
  json_builder_begin_array(builder);
  for (const char *const *w = cs_sweep_get_warnings(sweep); *w != NULL; w++)
    json_builder_add_string_value(builder, *w);
  json_builder_end_array(builder);
  json_builder_end_object(builder);
  return json_builder_get_root(builder);
}

static void
print_info_text(CsSweep *sweep)
{
  CsSpacing spacing = cs_sweep_get_file_spacing(sweep);
  double rate = cs_sweep_get_frame_rate(sweep);

  printf("format:      %s\n", kind_name(cs_sweep_get_kind(sweep)));
  printf("codec:       %s\n", cs_sweep_get_codec_name(sweep));
  printf("frames:      %d\n", cs_sweep_get_n_frames(sweep));
  printf("size:        %d x %d px\n", cs_sweep_get_width(sweep), cs_sweep_get_height(sweep));
  if (rate > 0)
    printf("frame time:  %.3f ms (%.3f frames/s)\n", 1000.0 / rate, rate);
  else
    printf("frame time:  (not in the file)\n");
  if (cs_spacing_is_known(&spacing))
    printf("spacing:     %.4f mm/px (%s)\n", spacing.mm_per_px,
           cs_sweep_get_file_spacing_label(sweep));
  else
    printf("spacing:     none in the file\n");
  for (int i = 0; i < cs_sweep_get_n_regions(sweep); i++) {
    const CsDicomRegion *r = cs_sweep_get_region(sweep, i);

    printf("region %d:    (%d, %d)-(%d, %d) %s, data type %d, %.4f x %.4f %s/px\n", i, r->x0, r->y0,
           r->x1, r->y1, spatial_format_name(r->spatial_format), r->data_type, r->delta_x,
           r->delta_y, units_name(r->units_x));
  }
  if (cs_sweep_get_laterality(sweep) != NULL)
    printf("laterality:  %s\n", cs_sweep_get_laterality(sweep));
  for (const char *const *w = cs_sweep_get_warnings(sweep); *w != NULL; w++)
    printf("warning:     %s\n", *w);
}

int
cs_cli_info(int argc, char **argv)
{
  gboolean json = FALSE;
  g_auto(GStrv) inputs = NULL;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs, NULL, "INPUT" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new("INPUT");
  g_autoptr(CsSweep) sweep = NULL;
  GError *error = NULL;

  g_option_context_set_summary(context, "Describe a video, image folder, image or DICOM file.");
  g_option_context_add_main_entries(context, entries, NULL);
  if (!cs_cli_parse(context, &argc, &argv, "info"))
    return CS_CLI_USAGE;
  if (inputs == NULL || inputs[0] == NULL || inputs[1] != NULL)
    return cs_cli_usage_error("info", "give exactly one INPUT");
  sweep = cs_sweep_open(inputs[0], &error);
  if (sweep == NULL)
    return cs_cli_fail_error(error);
  if (json) {
    g_autoptr(JsonNode) root = build_info(sweep);
    g_autoptr(JsonGenerator) generator = json_generator_new();
    g_autofree char *text = NULL;

    json_generator_set_pretty(generator, TRUE);
    json_generator_set_root(generator, root);
    text = json_generator_to_data(generator, NULL);
    printf("%s\n", text);
  } else {
    print_info_text(sweep);
  }
  return CS_CLI_OK;
}

/* Writes @frame as an 8-bit gray PNG. */
static gboolean
write_gray_png(const CsFrame *frame, const char *path, GError **error)
{
  cairo_surface_t *surface =
      cairo_image_surface_create(CAIRO_FORMAT_A8, frame->width, frame->height);
  int stride = cairo_image_surface_get_stride(surface);
  unsigned char *data = cairo_image_surface_get_data(surface);
  cairo_status_t status;

  cairo_surface_flush(surface);
  for (int y = 0; y < frame->height; y++)
    memcpy(data + (gsize)y * stride, frame->data + (gsize)y * frame->stride, frame->width);
  cairo_surface_mark_dirty(surface);
  /* cairo writes an A8 surface as a gray PNG. */
  status = cairo_surface_write_to_png(surface, path);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    g_autofree char *display = g_filename_display_name(path);
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "Cannot write “%s”: %s", display,
                cairo_status_to_string(status));
    return FALSE;
  }
  return TRUE;
}

int
cs_cli_frame(int argc, char **argv)
{
  int index = 0;
  g_autofree char *out = NULL;
  g_auto(GStrv) inputs = NULL;
  GOptionEntry entries[] = {
    { "index", 0, 0, G_OPTION_ARG_INT, &index, "The frame to write (0-based; default 0)", "N" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "The PNG to write", "FILE.png" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs, NULL, "INPUT" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new("INPUT");
  g_autoptr(CsSweep) sweep = NULL;
  g_autoptr(CsFrame) frame = NULL;
  GError *error = NULL;

  g_option_context_set_summary(context,
                               "Write one frame as Carpalscope decodes it: the gray the engine "
                               "sees.");
  g_option_context_add_main_entries(context, entries, NULL);
  if (!cs_cli_parse(context, &argc, &argv, "frame"))
    return CS_CLI_USAGE;
  if (inputs == NULL || inputs[0] == NULL || inputs[1] != NULL)
    return cs_cli_usage_error("frame", "give exactly one INPUT");
  if (out == NULL)
    return cs_cli_usage_error("frame", "--out is required");
  if (index < 0)
    return cs_cli_usage_error("frame", "--index must be 0 or more");
  sweep = cs_sweep_open(inputs[0], &error);
  if (sweep == NULL)
    return cs_cli_fail_error(error);
  frame = cs_sweep_get_frame(sweep, index, &error);
  if (frame == NULL || !write_gray_png(frame, out, &error))
    return cs_cli_fail_error(error);
  return CS_CLI_OK;
}
