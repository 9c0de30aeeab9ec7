/* cs-cli-common.c — option parsing and error reporting shared by the subcommands
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cs-analysis.h"
#include "cs-error.h"
#include "cs-model-catalog.h"

static const CsCliCommand commands[] = {
  { "classify", "[--model ID|FILE] [--arch NAME] [--roi X,Y,W,H] [--frames A:B] [--json] INPUT...",
    "Estimate p(CTS) for still images or the frames of a sweep", cs_cli_classify },
  { "explain",
    "--method occlusion|lime|gradcam [--model ID|FILE] [--roi X,Y,W,H] [--frame N] [--seed N] "
    "--out PNG [--raw FILE] INPUT",
    "Show what the network looked at: occlusion, LIME or Grad-CAM", cs_cli_explain },
  { "phantom", "--group cts|control --seed N [--frames N] --out SWEEP",
    "Write one synthetic sweep with its ground truth", cs_cli_phantom },
  { "phantom-study", "--hands-per-group N [--frames N] --seed N --out DIR",
    "Write a whole synthetic study", cs_cli_phantom_study },
  { "train", "--study study.json --arch NAME [--init FILE] --out FILE.safetensors",
    "Train a network on a study's training hands", cs_cli_train },
  { "train-seg", "--images DIR --masks DIR [--phantom N] [--folds K --fold I] --out FILE",
    "Train the nerve-finding U-Net, validated on held-out patients", cs_cli_train_seg },
  { "segment", "--model FILE [--frames A:B] [--json] [--out-mask FILE.png] INPUT",
    "Find and outline the median nerve in images or sweep frames", cs_cli_segment },
  { "evaluate",
    "(--study study.json --model FILE [--model FILE ...] [--split test|all] | --scores FILE.csv) "
    "[--json] [--threshold T] [--seed S] [--replicates B] [--out-dir DIR]",
    "Confusion matrices, bootstrap CIs, ROC/AUC and DeLong's test", cs_cli_evaluate },
  { "report",
    "--study study.json (--case ID [--model ID] | --study-report --model ID...) --out FILE "
    "[--paper a4|letter] [--format pdf|csv|json]",
    "Write a case report or a study report", cs_cli_report },
  { "info", "[--json] INPUT",
    "Describe a video, image folder, image or DICOM file: frames, timing, spacing, regions",
    cs_cli_info },
  { "frame", "[--index N] --out FILE.png INPUT",
    "Write one frame as Carpalscope decodes it (the gray the engine sees)", cs_cli_frame },
  { "models", "[--json]", "List the installed models with their metadata", cs_cli_models },
  { "import-model",
    "[--arch NAME] [--mean R,G,B --std R,G,B] [--classes A,B] --out FILE.safetensors FILE.onnx",
    "Import an ONNX model of a supported architecture", cs_cli_import_model },
  { "export-crops",
    "--study study.json [--split train|validation|test|all] [--size N | --model ID] --out DIR",
    "Write every frame's ROI crop as the network sees it, and a CSV", cs_cli_export_crops },
  { "bench", "[--arch NAME | --model ID] [--batch N] [--json]",
    "Measure the engine's latency and throughput", cs_cli_bench },
};

const CsCliCommand *
cs_cli_find_command(const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
    if (g_strcmp0(commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* Exposed for the top-level help only. */
const CsCliCommand *cs_cli_commands(gsize *n_commands);

const CsCliCommand *
cs_cli_commands(gsize *n_commands)
{
  *n_commands = G_N_ELEMENTS(commands);
  return commands;
}

static void
print_usage_line(const char *name)
{
  const CsCliCommand *command = cs_cli_find_command(name);

  if (command != NULL)
    fprintf(stderr, "Usage: carpalscope-cli %s %s\n", command->name, command->synopsis);
  else
    fprintf(stderr, "Usage: carpalscope-cli COMMAND [OPTION...] (see carpalscope-cli --help)\n");
}

gboolean
cs_cli_parse(GOptionContext *context, int *argc, char ***argv, const char *name)
{
  g_autoptr(GError) error = NULL;

  if (g_option_context_parse(context, argc, argv, &error))
    return TRUE;
  fprintf(stderr, "carpalscope-cli %s: %s\n", name, error->message);
  print_usage_line(name);
  return FALSE;
}

int
cs_cli_usage_error(const char *name, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start(args, format);
  message = g_strdup_vprintf(format, args);
  va_end(args);
  fprintf(stderr, "carpalscope-cli %s: %s\n", name, message);
  print_usage_line(name);
  return CS_CLI_USAGE;
}

int
cs_cli_fail(const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start(args, format);
  message = g_strdup_vprintf(format, args);
  va_end(args);
  fprintf(stderr, "carpalscope-cli: %s\n", message);
  return CS_CLI_ERROR;
}

int
cs_cli_fail_error(GError *error)
{
  int status = cs_cli_fail("%s", error->message);

  g_error_free(error);
  return status;
}

CsStudyLock *
cs_cli_lock_study(const char *study_path)
{
  g_autofree char *dir = g_path_get_dirname(study_path);
  g_autoptr(CsStudyLockInfo) holder = NULL;
  g_autoptr(GError) error = NULL;
  CsStudyLock *lock;

  if (g_mkdir_with_parents(dir, 0755) != 0) {
    int saved = errno;

    cs_cli_fail("%s: cannot create the folder: %s", dir, g_strerror(saved));
    return NULL;
  }
  lock = cs_study_lock_acquire(study_path, FALSE, &holder, &error);
  if (lock == NULL && holder != NULL) {
    g_autofree char *who = cs_study_lock_info_describe(holder);

    cs_cli_fail("%s is open for editing by %s (process %" G_GINT64_FORMAT
                "): close it there first; nothing was written",
                study_path, who, holder->pid);
  } else if (lock == NULL) {
    cs_cli_fail("%s", error->message);
  }
  return lock;
}

int
cs_cli_not_available(const char *name, const char *what)
{
  return cs_cli_fail("'%s' is not available in this version: %s has not landed yet", name, what);
}

/* Parses "A:B", "A:" or ":B" (frames A to B-1, as a Python slice) or "N" (frame N alone). */
gboolean
cs_cli_parse_frames(const char *text, int *first, int *last)
{
  const char *colon = strchr(text, ':');
  g_autofree char *a = colon ? g_strndup(text, (gsize)(colon - text)) : g_strdup(text);
  gint64 v;

  *first = 0;
  *last = -1;
  if (a[0] != '\0') {
    if (!g_ascii_string_to_signed(a, 10, 0, G_MAXINT, &v, NULL))
      return FALSE;
    *first = (int)v;
  }
  if (colon == NULL) {
    *last = *first + 1;
    return a[0] != '\0';
  }
  if (colon[1] != '\0') {
    if (!g_ascii_string_to_signed(colon + 1, 10, 0, G_MAXINT, &v, NULL))
      return FALSE;
    *last = (int)v;
    if (*last <= *first)
      return FALSE;
  }
  return TRUE;
}

CsModel *
cs_cli_load_model(const char *model, const char *arch, GError **error)
{
  CsModelCatalog *catalog = cs_model_catalog_get_default();

  if (model != NULL)
    return cs_model_catalog_load(catalog, model, arch, error);
  for (guint i = 0; i < g_list_model_get_n_items(G_LIST_MODEL(catalog)); i++) {
    g_autoptr(CsModelInfo) info = g_list_model_get_item(G_LIST_MODEL(catalog), i);

    if (arch == NULL || g_strcmp0(cs_model_info_get_arch(info), arch) == 0)
      return cs_model_catalog_load(catalog, cs_model_info_get_path(info), arch, error);
  }
  g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND,
              "no model given and none installed%s%s: use --model ID or --model FILE.safetensors",
              arch ? " for " : "", arch ? arch : "");
  return NULL;
}

char *
cs_cli_command_line(const char *name, int argc, char **argv)
{
  GString *cmd = g_string_new("carpalscope-cli ");

  g_string_append(cmd, name);
  for (int i = 1; i < argc; i++) {
    g_autofree char *q = g_shell_quote(argv[i]);
    g_string_append_printf(cmd, " %s", strpbrk(argv[i], " '\"$\\") ? q : argv[i]);
  }
  return g_string_free(cmd, FALSE);
}

/* Set by SIGINT between cs_cli_catch_sigint() and cs_cli_release_sigint(). */
static volatile int stop_requested;

static void
on_sigint(int signum)
{
  (void)signum;
  stop_requested = 1;
}

volatile int *
cs_cli_catch_sigint(struct sigaction *old)
{
  struct sigaction sa;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  stop_requested = 0;
  sigaction(SIGINT, &sa, old);
  return &stop_requested;
}

void
cs_cli_release_sigint(const struct sigaction *old)
{
  sigaction(SIGINT, old, NULL);
}
