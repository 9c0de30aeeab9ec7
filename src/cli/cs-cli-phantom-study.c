/* cs-cli-phantom-study.c — carpalscope-cli phantom-study: a whole synthetic study
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include "cs-phantom-preset.h"
#include "cs-phantom-study.h"

#include <errno.h>
#include <stdio.h>

static void
progress_cb(int done, int total, gpointer user_data)
{
  gboolean *quiet = user_data;

  if (!*quiet)
    fprintf(stderr, "\rcarpalscope-cli phantom-study: %d / %d sweeps", done, total);
  if (!*quiet && done == total)
    fprintf(stderr, "\n");
}

int
cs_cli_phantom_study(int argc, char **argv)
{
  g_autofree char *seed_text = NULL, *out = NULL, *format_text = NULL;
  g_autofree char *preset_text = NULL, *random_text = NULL, *presets_text = NULL;
  int hands = 50, frames = 100, test = -1, threads = 0;
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "hands-per-group", 0, 0, G_OPTION_ARG_INT, &hands, "Hands per group (default 50)", "N" },
    { "frames", 0, 0, G_OPTION_ARG_INT, &frames, "Frames per sweep (default 100)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
      "Study seed (0 to 2^64-1): the same seed gives the same sweeps", "N" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out,
      "Folder to write study.json and sweeps/ into (created if needed)", "DIR" },
    { "test-per-group", 0, 0, G_OPTION_ARG_INT, &test,
      "Test hands per group (default a fifth: 10 of 50)", "N" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text,
      "Sweep format: mkv (FFV1, lossless; default) or mp4 (H.264)", "mkv|mp4" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Worker threads (default one per processor)",
      "N" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset_text,
      "Render every hand with this scanner and anatomy preset (see phantom --preset list)",
      "NAME" },
    { "random-presets", 0, 0, G_OPTION_ARG_STRING, &random_text,
      "Draw each hand's preset with this seed from --presets (default: all but 'default')", "N" },
    { "presets", 0, 0, G_OPTION_ARG_STRING, &presets_text,
      "The presets --random-presets draws from, comma-separated, or 'all'", "A,B,..." },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Do not show progress", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context =
      g_option_context_new("- write a synthetic study: control and CTS sweeps and study.json");
  g_autoptr(GError) local = NULL;
  g_autofree char *study_path = NULL;
  g_autoptr(CsStudyLock) lock = NULL;
  CsPhantomStudyOptions options;
  GError *error = NULL;
  char *end = NULL;
  gint64 start;

  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_description(
      context, "Each hand's sweep goes to DIR/sweeps/<group>-<NNN>.mkv with its truth file;\n"
               "study.json marks the train and test hands of each group, the spacing (from the\n"
               "truth), ROI keyframes of 15 mm on the nerve every 10 frames, and the truth\n"
               "outline of the middle frame as an inlet tracing. Synthetic data, not patients.");
  if (!cs_cli_parse(context, &argc, &argv, "phantom-study"))
    return CS_CLI_USAGE;
  if (argc > 1)
    return cs_cli_usage_error("phantom-study", "unexpected argument '%s'", argv[1]);
  cs_phantom_study_options_init(&options);
  if (seed_text == NULL)
    return cs_cli_usage_error("phantom-study", "--seed is required");
  errno = 0;
  options.seed = g_ascii_strtoull(seed_text, &end, 10);
  if (!g_ascii_isdigit(seed_text[0]) || errno != 0 || *end != '\0')
    return cs_cli_usage_error("phantom-study", "--seed '%s' is not a number from 0 to 2^64-1",
                              seed_text);
  if (out == NULL)
    return cs_cli_usage_error("phantom-study", "--out is required");
  if (format_text != NULL && !cs_phantom_format_from_string(format_text, &options.format, &local))
    return cs_cli_usage_error("phantom-study", "--format: %s", local->message);
  if (test < -1)
    return cs_cli_usage_error("phantom-study", "--test-per-group %d: must be >= 0", test);
  if (preset_text != NULL && random_text != NULL)
    return cs_cli_usage_error("phantom-study", "--preset and --random-presets exclude each other");
  if (presets_text != NULL && random_text == NULL)
    return cs_cli_usage_error("phantom-study", "--presets needs --random-presets");
  if (preset_text != NULL) {
    int preset = cs_phantom_preset_from_string(preset_text, &local);

    if (preset < 0)
      return cs_cli_usage_error("phantom-study", "--preset: %s", local->message);
    cs_phantom_options_set_preset(&options.frames, preset);
  }
  if (random_text != NULL) {
    errno = 0;
    options.preset_seed = g_ascii_strtoull(random_text, &end, 10);
    if (!g_ascii_isdigit(random_text[0]) || errno != 0 || *end != '\0')
      return cs_cli_usage_error(
          "phantom-study", "--random-presets '%s' is not a number from 0 to 2^64-1", random_text);
    options.n_presets =
        cs_phantom_preset_parse_list(presets_text ? presets_text : "all", options.presets, &local);
    if (options.n_presets == 0)
      return cs_cli_usage_error("phantom-study", "--presets: %s", local->message);
  }
  options.hands_per_group = hands;
  options.test_per_group = test;
  options.frames.n_frames = frames;
  options.n_threads = threads;
  if (!cs_phantom_study_options_validate(&options, &local))
    return cs_cli_usage_error("phantom-study", "%s", local->message);

  /* The study is not written over while a window (here or on another PC) has it open. */
  study_path = g_build_filename(out, "study.json", NULL);
  lock = cs_cli_lock_study(study_path);
  if (lock == NULL)
    return CS_CLI_ERROR;
  start = g_get_monotonic_time();
  if (!cs_phantom_study_write(&options, out, progress_cb, &quiet, NULL, &error))
    return cs_cli_fail_error(error);
  printf("%s: %d + %d hands of %d frames in %.1f s\n", study_path, hands, hands, frames,
         (g_get_monotonic_time() - start) / 1e6);
  return CS_CLI_OK;
}
