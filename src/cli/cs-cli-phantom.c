/* cs-cli-phantom.c — carpalscope-cli phantom: one synthetic sweep with its ground truth
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include "cs-phantom-preset.h"
#include "cs-phantom-sweep.h"

#include <errno.h>
#include <stdio.h>

/* Parses a decimal unsigned 64-bit seed; FALSE on anything else. */
static gboolean
parse_seed(const char *text, guint64 *seed)
{
  char *end = NULL;

  if (text == NULL || !g_ascii_isdigit(text[0]))
    return FALSE;
  errno = 0;
  *seed = g_ascii_strtoull(text, &end, 10);
  return errno == 0 && end != NULL && *end == '\0';
}

/* Parses "WxH" into even sides; FALSE on anything else. */
static gboolean
parse_size(const char *text, int *width, int *height)
{
  char *end = NULL;
  gint64 w, h;

  w = g_ascii_strtoll(text, &end, 10);
  if (end == text || (*end != 'x' && *end != 'X'))
    return FALSE;
  text = end + 1;
  h = g_ascii_strtoll(text, &end, 10);
  if (end == text || *end != '\0' || w < 1 || h < 1 || w > 100000 || h > 100000)
    return FALSE;
  *width = (int)w;
  *height = (int)h;
  return TRUE;
}

int
cs_cli_phantom(int argc, char **argv)
{
  g_autofree char *group_text = NULL, *seed_text = NULL, *out = NULL, *format_text = NULL;
  g_autofree char *size_text = NULL, *preset_text = NULL;
  int frames = 100;
  double spacing = 0;
  const GOptionEntry entries[] = {
    { "group", 0, 0, G_OPTION_ARG_STRING, &group_text, "The hand's group", "cts|control" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
      "Seed (0 to 2^64-1): the same seed gives the same bytes", "N" },
    { "frames", 0, 0, G_OPTION_ARG_INT, &frames, "Frames in the sweep (default 100)", "N" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out,
      "The sweep to write; its truth goes beside it as NAME.truth.json", "SWEEP" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text,
      "mkv (FFV1, lossless; the default unless SWEEP ends in .mp4) or mp4 (H.264)", "mkv|mp4" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size_text, "Frame size, even sides (default 600x450)",
      "WxH" },
    { "spacing", 0, 0, G_OPTION_ARG_DOUBLE, &spacing,
      "Pixel spacing in mm/px (default: drawn per hand, 0.050-0.065)", "MM" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset_text,
      "Scanner and anatomy preset (default 'default'; 'list' prints them); sets the frame size",
      "NAME" },
    { NULL },
  };
  g_autoptr(GOptionContext) context =
      g_option_context_new("- write one synthetic B-mode sweep of the wrist with its truth");
  g_autoptr(CsPhantomGenerator) gen = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *truth_path = NULL;
  g_autofree char *stage = NULL;
  CsPhantomOptions options;
  CsPhantomGroup group;
  CsPhantomFormat format = CS_PHANTOM_FORMAT_AUTO;
  CsPhantomTruth truth = { 0 };
  GError *error = NULL;
  guint64 seed = 0;

  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_description(
      context, "A short-axis view of the wrist at the carpal-tunnel inlet as from an 18 MHz\n"
               "linear probe, sliding 20 mm along the wrist. The truth file holds the group,\n"
               "seed, severity, pixel spacing and, per frame, the nerve outline (px), its exact\n"
               "CSA in mm^2 and the nerve centre. Synthetic data for testing and teaching.");
  if (!cs_cli_parse(context, &argc, &argv, "phantom"))
    return CS_CLI_USAGE;
  if (argc > 1)
    return cs_cli_usage_error("phantom", "unexpected argument '%s'", argv[1]);
  if (g_strcmp0(preset_text, "list") == 0) {
    for (int i = 0; i < cs_phantom_preset_count(); i++) {
      const CsPhantomPreset *p = cs_phantom_preset_get(i);

      printf("%-15s %4d x %-4d %s\n", p->name, p->width, p->height, p->description);
    }
    return CS_CLI_OK;
  }
  if (group_text == NULL)
    return cs_cli_usage_error("phantom", "--group is required (cts or control)");
  if (!cs_phantom_group_from_string(group_text, &group, &local))
    return cs_cli_usage_error("phantom", "--group: %s", local->message);
  if (seed_text == NULL)
    return cs_cli_usage_error("phantom", "--seed is required");
  if (!parse_seed(seed_text, &seed))
    return cs_cli_usage_error("phantom", "--seed '%s' is not a number from 0 to 2^64-1", seed_text);
  if (out == NULL)
    return cs_cli_usage_error("phantom", "--out is required");
  if (format_text != NULL && !cs_phantom_format_from_string(format_text, &format, &local))
    return cs_cli_usage_error("phantom", "--format: %s", local->message);

  cs_phantom_options_init(&options);
  if (preset_text != NULL) {
    int preset = cs_phantom_preset_from_string(preset_text, &local);

    if (preset < 0)
      return cs_cli_usage_error("phantom", "--preset: %s", local->message);
    cs_phantom_options_set_preset(&options, preset);
  }
  options.n_frames = frames;
  options.spacing_mm = spacing;
  if (size_text != NULL && !parse_size(size_text, &options.width, &options.height))
    return cs_cli_usage_error("phantom", "--size '%s' is not WIDTHxHEIGHT", size_text);
  if (!cs_phantom_options_validate(&options, &local))
    return cs_cli_usage_error("phantom", "%s", local->message);

  gen = cs_phantom_generator_new(&options);
  if (!cs_phantom_write_sweep(gen, group, seed, out, format, &truth, NULL, &error))
    return cs_cli_fail_error(error);
  truth_path = cs_phantom_truth_path(out);
  if (group == CS_PHANTOM_CTS)
    stage = g_strdup_printf(" (stage %d)", cs_phantom_stage_from_severity(truth.hand.severity));
  printf("%s: %d frames of %d x %d px, %s, seed %" G_GUINT64_FORMAT
         ", severity %.2f%s, inlet CSA %.1f mm^2, %.4f mm/px\n",
         out, truth.n_frames, truth.width, truth.height, cs_phantom_group_to_string(group), seed,
         truth.hand.severity, stage ? stage : "", truth.hand.csa_inlet_mm2, truth.hand.spacing_mm);
  if (truth.hand.preset != CS_PHANTOM_PRESET_DEFAULT)
    printf("%s: preset %s, %.1f MHz%s%s%s\n", out, cs_phantom_preset_get(truth.hand.preset)->name,
           truth.hand.frequency_mhz, truth.hand.screen_capture ? ", screen capture" : "",
           truth.hand.bifid ? ", bifid nerve" : "",
           truth.hand.median_artery_mm > 0 ? ", persistent median artery" : "");
  printf("%s: ground truth\n", truth_path);
  cs_phantom_truth_clear(&truth);
  return CS_CLI_OK;
}
