/* cs-cli-train.c — carpalscope-cli train: train a network on a study's training hands
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cs-train.h"

#define NAME "train"

static void
format_time(double seconds, char *buf, size_t size)
{
  long s = seconds > 0 && seconds < 1e8 ? (long)(seconds + 0.5) : 0;

  if (s >= 3600)
    snprintf(buf, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else
    snprintf(buf, size, "%ld:%02ld", s / 60, s % 60);
}

static void
progress_cb(const CsTrainProgress *p, gpointer user_data)
{
  gboolean quiet = *(gboolean *)user_data;
  char left[32], val[32];

  if (quiet)
    return;
  format_time(p->seconds_left, left, sizeof left);
  if (p->val_accuracy >= 0)
    snprintf(val, sizeof val, "%.3f", p->val_accuracy);
  else
    snprintf(val, sizeof val, "-");
  /* One terminal line, rewritten in place; an epoch's final state stays on its own line. */
  fprintf(stderr, "\r\033[Kepoch %d/%d  batch %d/%d  loss %.4f  val acc %s  %.1f img/s  left %s",
          p->epoch, p->epochs, p->batch, p->batches, p->loss, val, p->images_per_s, left);
  if (p->epoch_done)
    fprintf(stderr, "%s\n", p->val_accuracy >= p->best_accuracy ? "  (saved)" : "");
  fflush(stderr);
}

/* The command: its option table, then each option checked in the table's order, then the work.
 * Its length is the table's (one entry per option, every check beside the others), read once
 * from top to bottom; the work itself is in the functions above. */
int
cs_cli_train(int argc, char **argv)
{
  g_autofree char *study_path = NULL, *arch = NULL, *init = NULL, *out = NULL;
  g_autofree char *optimizer = NULL, *schedule = NULL, *seed_text = NULL, *trained_on = NULL;
  g_auto(GStrv) meta_args = NULL;
  int epochs = 10, batch = 16, frames = 0, freeze = 0, val_hands = -1, threads = 0, patience = 0;
  int step_epochs = 3, input_size = 0;
  double lr = 0, weight_decay = 1e-4, momentum = 0.9, gamma = 0.1;
  gboolean quiet = FALSE, augment_scanner = FALSE, no_scanner_zoom = FALSE;
  g_autofree char *augment = NULL;
  const GOptionEntry entries[] = {
    { "study", 0, 0, G_OPTION_ARG_FILENAME, &study_path, "The study (study.json)", "FILE" },
    { "arch", 0, 0, G_OPTION_ARG_STRING, &arch,
      "Architecture: squeezenet1_1, mobilenet_v2 or efficientnet_b0", "NAME" },
    { "init", 0, 0, G_OPTION_ARG_FILENAME, &init,
      "Start from these weights of the architecture (a new 2-class classifier when theirs "
      "differs); default: from scratch",
      "FILE" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Checkpoint to write (safetensors)", "FILE" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, "Epochs (default 10)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Images per batch (default 16)", "N" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Learning rate (default 0.01 sgdm, 0.001 adam)", "X" },
    { "optimizer", 0, 0, G_OPTION_ARG_STRING, &optimizer, "sgdm (default) or adam", "NAME" },
    { "momentum", 0, 0, G_OPTION_ARG_DOUBLE, &momentum, "SGD momentum (default 0.9)", "X" },
    { "weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &weight_decay, "L2 weight decay (default 1e-4)",
      "X" },
    { "schedule", 0, 0, G_OPTION_ARG_STRING, &schedule,
      "Learning-rate schedule: cosine (default), step or constant", "NAME" },
    { "step-epochs", 0, 0, G_OPTION_ARG_INT, &step_epochs,
      "Step schedule: epochs between decays (default 3)", "N" },
    { "gamma", 0, 0, G_OPTION_ARG_DOUBLE, &gamma, "Step schedule: decay factor (default 0.1)",
      "X" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
      "Seed of initialisation, split, shuffling, augmentation and dropout (default 1)", "N" },
    { "frames-per-hand", 0, 0, G_OPTION_ARG_INT, &frames,
      "Frames taken from each sweep, evenly spaced (default all)", "N" },
    { "freeze", 0, 0, G_OPTION_ARG_INT, &freeze,
      "Keep the first N blocks of features frozen (default 0)", "N" },
    { "val-hands", 0, 0, G_OPTION_ARG_INT, &val_hands,
      "Validation hands per group, taken from the training hands (default a tenth)", "N" },
    { "patience", 0, 0, G_OPTION_ARG_INT, &patience,
      "Stop after N epochs without better validation accuracy (default never)", "N" },
    { "augment", 0, 0, G_OPTION_ARG_STRING, &augment,
      "Augmentation: paper (flip, rotation, scale, translation, shear; default), light (flip, "
      "rotation, translation) or none",
      "MODE" },
    { "augment-scanner", 0, 0, G_OPTION_ARG_NONE, &augment_scanner,
      "Also augment for scanner shift: crop, resolution, blur, speckle, gain, contrast, gamma "
      "(default off)",
      NULL },
    { "no-scanner-zoom", 0, 0, G_OPTION_ARG_NONE, &no_scanner_zoom,
      "Leave the zoom (crop) out of --augment-scanner: the ROI is a fixed size in mm, so the "
      "nerve's apparent area stays what it is",
      NULL },
    { "trained-on", 0, 0, G_OPTION_ARG_STRING, &trained_on,
      "What the weights say they were trained on (default from the study: phantom studies say "
      "\"synthetic phantom sweeps (demonstrator, not for patients)\")",
      "TEXT" },
    { "meta", 0, 0, G_OPTION_ARG_STRING_ARRAY, &meta_args,
      "Extra metadata for the checkpoint (repeatable)", "KEY=VALUE" },
    { "input-size", 0, 0, G_OPTION_ARG_INT, &input_size,
      "Side of the network input in pixels (default 224; recorded in the weights)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads (default one per processor)", "N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Do not show progress", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context =
      g_option_context_new("- train a network on a study's training hands");
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(CsStudy) study = NULL;
  g_autofree char *command_line = cs_cli_command_line(NAME, argc, argv);
  CsTrainOptions opt;
  CsTrainSummary summary;
  GError *error = NULL;
  struct sigaction old_sa;
  gboolean ok;

  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_description(
      context,
      "Trains on the study's training hands (by hand, never by frame), keeps a validation part\n"
      "of them for choosing the checkpoint, and never reads the test hands. The checkpoint with\n"
      "the best validation accuracy is written to --out (atomically, with provenance metadata)\n"
      "after each epoch that improves it. Ctrl-C stops between batches and keeps the last good\n"
      "checkpoint.");
  if (!cs_cli_parse(context, &argc, &argv, NAME))
    return CS_CLI_USAGE;
  if (argc > 1)
    return cs_cli_usage_error(NAME, "unexpected argument '%s'", argv[1]);
  if (study_path == NULL || arch == NULL || out == NULL)
    return cs_cli_usage_error(NAME, "--study, --arch and --out are required");
  if (epochs < 1 || epochs > 100000)
    return cs_cli_usage_error(NAME, "--epochs must be at least 1");
  if (batch < 2 || batch > 1024)
    return cs_cli_usage_error(NAME, "--batch must be 2 to 1024");
  if (frames < 0 || freeze < 0 || patience < 0 || threads < 0 || threads > 256 || val_hands < -1 ||
      step_epochs < 1)
    return cs_cli_usage_error(NAME, "counts must not be negative");
  if (input_size != 0 && (input_size < 32 || input_size > 1024))
    return cs_cli_usage_error(NAME, "--input-size must be 32 to 1024");
  if (lr < 0 || !(weight_decay >= 0) || !(momentum >= 0 && momentum < 1) || !(gamma > 0))
    return cs_cli_usage_error(NAME, "bad --lr, --weight-decay, --momentum or --gamma");

  cs_train_options_init(&opt);
  opt.arch = arch;
  opt.init_path = init;
  opt.out_path = out;
  opt.epochs = epochs;
  opt.batch = batch;
  opt.lr = lr;
  opt.momentum = momentum;
  opt.weight_decay = weight_decay;
  opt.step_epochs = step_epochs;
  opt.gamma = gamma;
  opt.frames_per_hand = frames;
  opt.freeze = freeze;
  opt.val_hands = val_hands;
  opt.patience = patience;
  opt.threads = threads;
  opt.input_size = input_size;
  if (augment == NULL || strcmp(augment, "paper") == 0)
    opt.augment = CS_TRAIN_AUGMENT_PAPER;
  else if (strcmp(augment, "light") == 0)
    opt.augment = CS_TRAIN_AUGMENT_LIGHT;
  else if (strcmp(augment, "none") == 0)
    opt.augment = CS_TRAIN_AUGMENT_NONE;
  else
    return cs_cli_usage_error(NAME, "--augment must be paper, light or none");
  opt.scanner_shift = augment_scanner;
  opt.scanner_zoom = !no_scanner_zoom;
  opt.trained_on = trained_on;
  opt.command_line = command_line;
  if (optimizer != NULL && !cs_train_options_set_optimizer(&opt, optimizer))
    return cs_cli_usage_error(NAME, "--optimizer must be sgdm or adam");
  if (schedule != NULL && !cs_train_options_set_schedule(&opt, schedule))
    return cs_cli_usage_error(NAME, "--schedule must be cosine, step or constant");
  if (seed_text != NULL &&
      !g_ascii_string_to_unsigned(seed_text, 10, 0, G_MAXUINT64, &opt.seed, NULL))
    return cs_cli_usage_error(NAME, "--seed must be a number from 0 to 2^64-1");
  for (int i = 0; meta_args != NULL && meta_args[i] != NULL; i++) {
    const char *eq = strchr(meta_args[i], '=');
    if (eq == NULL || eq == meta_args[i])
      return cs_cli_usage_error(NAME, "--meta takes KEY=VALUE, not '%s'", meta_args[i]);
    g_ptr_array_add(extra, g_strndup(meta_args[i], (gsize)(eq - meta_args[i])));
    g_ptr_array_add(extra, g_strdup(eq + 1));
  }
  g_ptr_array_add(extra, NULL);
  opt.extra_metadata = (const char *const *)extra->pdata;

  study = cs_study_load(study_path, &error);
  if (study == NULL)
    return cs_cli_fail_error(error);
  opt.study_path = study_path;

  opt.stop = cs_cli_catch_sigint(&old_sa);
  if (!quiet)
    fprintf(stderr, "carpalscope-cli train: reading crops of %s\n", study_path);
  ok = cs_train_run(study, &opt, progress_cb, &quiet, &summary, &error);
  cs_cli_release_sigint(&old_sa);
  if (!ok)
    return cs_cli_fail_error(error);
  if (!quiet && summary.stopped)
    fprintf(stderr, "\ncarpalscope-cli train: stopped\n");
  if (summary.best_epoch == 0)
    return cs_cli_fail("no epoch finished: nothing was written to %s", out);
  printf("%s: %s, best epoch %d of %d run, validation accuracy %.4f (image), %.4f (hand); "
         "%u training images of %u hands, %u validation images of %u hands; %.0f s\n",
         out, arch, summary.best_epoch, summary.epochs_run, summary.best_accuracy,
         summary.best_hand_accuracy, summary.n_train_images, summary.n_train_hands,
         summary.n_val_images, summary.n_val_hands, summary.seconds);
  return summary.stopped ? 130 : 0;
}
