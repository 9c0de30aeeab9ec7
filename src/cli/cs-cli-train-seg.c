/* cs-cli-train-seg.c — carpalscope-cli train-seg: train the nerve-finding U-Net on images with
 * expert masks, validated on held-out patients
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cs-phantom.h"
#include "cs-seg-train.h"

#define NAME "train-seg"

typedef struct {
  gboolean quiet;
  gboolean refining;
} Progress;

static void
progress_cb(const CsSegTrainProgress *p, gpointer user_data)
{
  const Progress *progress = user_data;
  gboolean refining = progress->refining;

  if (progress->quiet)
    return;
  if (p->val.n_images > 0)
    fprintf(stderr,
            "epoch %d/%d  loss %.4f  val Dice %.4f (median %.4f) IoU %.4f found %.3f area "
            "error %.3f  best %.4f  %.0f s\n",
            p->epoch, p->epochs, p->loss, p->val.dice_mean, p->val.dice_median, p->val.iou_mean,
            p->val.found, p->val.area_error, p->best_dice, p->seconds);
  else
    fprintf(stderr, "epoch %d/%d  loss %.4f  %.0f s\n", p->epoch, p->epochs, p->loss, p->seconds);
  if (p->val_noflip.n_images > 0)
    fprintf(stderr,
            "  %s: val Dice %.4f (median %.4f) IoU %.4f found %.3f area error "
            "%.3f\n",
            refining ? "the locator alone" : "without the flip", p->val_noflip.dice_mean,
            p->val_noflip.dice_median, p->val_noflip.iou_mean, p->val_noflip.found,
            p->val_noflip.area_error);
}

/* Frames a phantom hand's sweep gives to --phantom: spread over its whole length. */
#define PHANTOM_FRAMES_PER_HAND 10

/* Renders @n phantom frames with their exact nerve masks into @extra (@n entries), whose pixels
 * @store owns: hands of alternate groups, seeded @seed * 1000003 + hand, each a sweep of
 * PHANTOM_FRAMES_PER_HAND frames at the generator's default size. */
static void
make_phantom_frames(int n, guint64 seed, GPtrArray *store, CsSegExtraImage *extra)
{
  CsPhantomOptions options;
  g_autoptr(CsPhantomGenerator) gen = NULL;
  gsize size;

  cs_phantom_options_init(&options);
  options.n_frames = PHANTOM_FRAMES_PER_HAND;
  gen = cs_phantom_generator_new(&options);
  size = (gsize)options.width * (gsize)options.height;
  for (int i = 0; i < n; i++) {
    guint8 *gray = g_malloc(size);
    CsPhantomFrameTruth truth;

    if (i % PHANTOM_FRAMES_PER_HAND == 0) {
      int hand = i / PHANTOM_FRAMES_PER_HAND;

      cs_phantom_generator_start(gen, hand % 2 ? CS_PHANTOM_CTS : CS_PHANTOM_CONTROL,
                                 seed * 1000003u + (guint64)hand);
    }
    cs_phantom_generator_next_frame(gen, gray, &truth);
    g_ptr_array_add(store, gray);
    g_ptr_array_add(store, g_memdup2(cs_phantom_generator_get_nerve_mask(gen), size));
    extra[i] =
        (CsSegExtraImage){ gray, store->pdata[store->len - 1], options.width, options.height };
  }
}

/* The command: its option table, then each option checked in the table's order, then the work.
 * Its length is the table's (one entry per option, every check beside the others). */
int
cs_cli_train_seg(int argc, char **argv)
{
  CsSegTrainOptions opt;
  g_autofree char *images = NULL, *masks = NULL, *index = NULL, *out = NULL, *seed_text = NULL;
  g_autofree char *fold_seed_text = NULL;
  g_autofree char *val_csv = NULL, *trained_on = NULL;
  g_auto(GStrv) locators = NULL;
  g_autofree char *command_line = cs_cli_command_line(NAME, argc, argv);
  int phantom = 0, max_images = 0;
  gboolean quiet = FALSE, no_augment = FALSE;
  GOptionEntry entries[] = {
    { "images", 0, 0, G_OPTION_ARG_FILENAME, &images, "Folder of images", "DIR" },
    { "masks", 0, 0, G_OPTION_ARG_FILENAME, &masks,
      "Folder of masks of the same names (white = nerve)", "DIR" },
    { "index", 0, 0, G_OPTION_ARG_FILENAME, &index,
      "CSV of image,patient (default IMAGES/../index.csv; else the name up to its last '-')",
      "FILE" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Weights to write (safetensors)", "FILE" },
    { "val-csv", 0, 0, G_OPTION_ARG_FILENAME, &val_csv,
      "List the kept epoch's held-out images with their Dice, IoU and areas here", "FILE.csv" },
    { "refine", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &locators,
      "Train the second stage for this locator (a model train-seg wrote): a network that "
      "outlines the nerve in a window around where the locator finds it; writes both. Given "
      "again, the locators make an ensemble whose maps are averaged",
      "MODEL" },
    { "phantom", 0, 0, G_OPTION_ARG_INT, &phantom,
      "Phantom frames with exact masks to mix into training (never held out; default 0)", "N" },
    { "height", 0, 0, G_OPTION_ARG_INT, &opt.height, "Network input height (default 192)", "N" },
    { "width", 0, 0, G_OPTION_ARG_INT, &opt.width, "Network input width (default 256)", "N" },
    { "base", 0, 0, G_OPTION_ARG_INT, &opt.base, "Channels at the top (default 8)", "N" },
    { "depth", 0, 0, G_OPTION_ARG_INT, &opt.depth, "Levels (default 4)", "N" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &opt.epochs, "Epochs (default 40)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &opt.batch, "Images per batch (default 8)", "N" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &opt.lr, "Adam's learning rate (default 0.002)", "X" },
    { "weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &opt.weight_decay,
      "L2 weight decay (default 1e-4)", "X" },
    { "dice-weight", 0, 0, G_OPTION_ARG_DOUBLE, &opt.dice_weight,
      "Weight of the Dice loss beside the cross-entropy (default 1)", "X" },
    { "folds", 0, 0, G_OPTION_ARG_INT, &opt.folds,
      "Patient folds (default 5; 0: train on every patient)", "K" },
    { "fold", 0, 0, G_OPTION_ARG_INT, &opt.fold, "The validation fold (default 0)", "I" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
      "Seed of weights, folds, order and augmentation (default 1)", "N" },
    { "fold-seed", 0, 0, G_OPTION_ARG_STRING, &fold_seed_text,
      "Deal the folds from this seed instead of --seed's (networks of other seeds, one split)",
      "N" },
    { "no-augment", 0, 0, G_OPTION_ARG_NONE, &no_augment, "Train without augmentation", NULL },
    { "trained-on", 0, 0, G_OPTION_ARG_STRING, &trained_on,
      "What the weights say they were trained on: source, licence (default from the folder)",
      "TEXT" },
    { "keep-last", 0, 0, G_OPTION_ARG_NONE, &opt.keep_last,
      "Write the last epoch, not the best held-out one (unbiased held-out figures)", NULL },
    { "flip-test", 0, 0, G_OPTION_ARG_NONE, &opt.flip_test,
      "Take the probability map as the mean over the image and its mirror image, in validation "
      "and in the written model's use (also scores it without, from the same forwards)",
      NULL },
    { "max-images", 0, 0, G_OPTION_ARG_INT, &max_images,
      "Use only the first N images by name (default all)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &opt.threads, "Threads (default one per processor)", "N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Do not show progress", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new("- train the nerve-finding U-Net");
  CsSegTrainSummary summary;
  GError *error = NULL;
  struct sigaction old_sa;
  gboolean ok;
  g_autoptr(GPtrArray) phantom_pixels = g_ptr_array_new_with_free_func(g_free);
  g_autofree CsSegExtraImage *extra = NULL;

  cs_seg_train_options_init(&opt);
  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_description(
      context,
      "Splits the patients (never the images) into seeded folds, trains on all but --fold with\n"
      "augmentation for scanner shift, and after each epoch scores the held-out patients at the\n"
      "images' own size (Dice, IoU, nerve found, area error, by patient); the best checkpoint is\n"
      "written to --out with those figures in its metadata. Ctrl-C stops between batches.\n"
      "--phantom N renders N phantom frames (hands of alternate groups seeded from --seed, 10\n"
      "frames along each sweep) with their exact nerve masks and trains on them beside the\n"
      "patients' images; they are never held out, so the figures stay the patients'.\n"
      "--refine LOCATOR trains a second stage instead: --height and --width are then its window,\n"
      "laid around the nerve the locator finds (the box filling at most half of it); held-out\n"
      "patients are scored on the whole two-stage rule and on the locator alone, and --out holds\n"
      "both networks. Give the locator trained on the same --folds, --fold and --seed.\n"
      "--refine A --refine B ... makes the locators an ensemble: their maps are averaged before\n"
      "the window is laid, and --out holds them all; train them on the same patients from other\n"
      "seeds (--seed N --fold-seed S, S the refiner's --seed).");
  if (!cs_cli_parse(context, &argc, &argv, NAME))
    return CS_CLI_USAGE;
  if (argc > 1)
    return cs_cli_usage_error(NAME, "unexpected argument '%s'", argv[1]);
  if (images == NULL || masks == NULL || out == NULL)
    return cs_cli_usage_error(NAME, "--images, --masks and --out are required");
  if (phantom < 0 || phantom > 100000)
    return cs_cli_usage_error(NAME, "--phantom must be 0 to 100000 frames");
  if (opt.epochs < 1 || opt.epochs > 100000 || opt.batch < 2 || opt.batch > 256)
    return cs_cli_usage_error(NAME, "--epochs must be at least 1 and --batch 2 to 256");
  if (opt.folds < 0 || opt.folds == 1 || opt.folds > 1000 ||
      (opt.folds > 0 && (opt.fold < 0 || opt.fold >= opt.folds)))
    return cs_cli_usage_error(NAME, "--folds must be 0 or 2 or more, --fold one of them");
  if (!(opt.lr > 0) || !(opt.weight_decay >= 0) || !(opt.dice_weight >= 0))
    return cs_cli_usage_error(NAME, "bad --lr, --weight-decay or --dice-weight");
  if (max_images < 0 || opt.threads < 0 || opt.threads > 256)
    return cs_cli_usage_error(NAME, "counts must not be negative");
  if (seed_text != NULL &&
      !g_ascii_string_to_unsigned(seed_text, 10, 0, G_MAXUINT64, &opt.seed, NULL))
    return cs_cli_usage_error(NAME, "--seed must be a non-negative integer");
  if (fold_seed_text != NULL &&
      !g_ascii_string_to_unsigned(fold_seed_text, 10, 0, G_MAXUINT64, &opt.fold_seed, NULL))
    return cs_cli_usage_error(NAME, "--fold-seed must be a non-negative integer");
  opt.has_fold_seed = fold_seed_text != NULL;
  if (locators != NULL && opt.flip_test)
    return cs_cli_usage_error(NAME, "--flip-test is the locator's to choose, not --refine's");
  opt.images_dir = images;
  opt.masks_dir = masks;
  opt.index_csv = index;
  opt.out_path = out;
  opt.val_csv = val_csv;
  opt.trained_on = trained_on;
  opt.augment = !no_augment;
  opt.max_images = max_images;
  opt.command_line = command_line;
  opt.locator_paths = (const char *const *)locators;
  if (phantom > 0) {
    extra = g_new(CsSegExtraImage, phantom);
    make_phantom_frames(phantom, opt.seed, phantom_pixels, extra);
    opt.extra = extra;
    opt.n_extra = phantom;
  }
  opt.stop = cs_cli_catch_sigint(&old_sa);
  ok =
      cs_seg_train_run(&opt, progress_cb, &(Progress){ quiet, locators != NULL }, &summary, &error);
  cs_cli_release_sigint(&old_sa);
  if (!ok)
    return cs_cli_fail_error(error);
  if (phantom > 0)
    printf("(%d phantom frames among the training images)\n", phantom);
  if (summary.best.n_images > 0)
    printf("trained on %d images of %d patients; best epoch %d of %d: held-out %d images of %d "
           "patients, Dice mean %.4f median %.4f, IoU %.4f, found %.3f, area error %.3f; "
           "wrote %s\n",
           summary.n_train_images, summary.n_train_patients, summary.best_epoch, summary.epochs_run,
           summary.best.n_images, summary.best.n_patients, summary.best.dice_mean,
           summary.best.dice_median, summary.best.iou_mean, summary.best.found,
           summary.best.area_error, out);
  if (summary.best_noflip.n_images > 0)
    printf("%s: Dice mean %.4f median %.4f, IoU %.4f, found %.3f, area error %.3f\n",
           locators != NULL ? "the locator alone" : "without the test-time flip",
           summary.best_noflip.dice_mean, summary.best_noflip.dice_median,
           summary.best_noflip.iou_mean, summary.best_noflip.found, summary.best_noflip.area_error);
  if (summary.best.n_images == 0)
    printf("trained on %d images of %d patients for %d epochs without validation; wrote %s\n",
           summary.n_train_images, summary.n_train_patients, summary.epochs_run, out);
  return CS_CLI_OK;
}
