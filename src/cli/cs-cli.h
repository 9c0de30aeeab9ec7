/* cs-cli.h — shared pieces of carpalscope-cli's subcommands
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <signal.h>

#include "cs-study-lock.h"

G_BEGIN_DECLS

/* Exit statuses of the command-line contract. */
enum {
  CS_CLI_OK = 0,    /* Success. */
  CS_CLI_ERROR = 1, /* A runtime error, reported in one line on stderr. */
  CS_CLI_USAGE = 2  /* Bad usage, reported with a usage line. */
};

/* One subcommand: its name, its argument synopsis, a one-line summary and its entry point.
 * The entry point receives argv with argv[0] = "carpalscope-cli NAME". */
typedef struct {
  const char *name;
  const char *synopsis;
  const char *summary;
  int (*run)(int argc, char **argv);
} CsCliCommand;

/* Parses @argv with @context; on a bad option prints it with the usage line and returns FALSE. */
gboolean cs_cli_parse(GOptionContext *context, int *argc, char ***argv, const char *name);

/* Prints "carpalscope-cli NAME: MESSAGE" and the usage line on stderr; returns CS_CLI_USAGE. */
int cs_cli_usage_error(const char *name, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* Prints "carpalscope-cli: MESSAGE" on stderr; returns CS_CLI_ERROR. */
int cs_cli_fail(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* Prints @error's message on stderr as one line, frees it and returns CS_CLI_ERROR. */
int cs_cli_fail_error(GError *error);

/* Takes the lock of the study at @study_path (its folder made when missing) for a command that
 * writes it, as the window does; when someone has it open for editing, or the lock cannot be
 * taken, says so on stderr and returns NULL. Release it with cs_study_lock_release() once done. */
CsStudyLock *cs_cli_lock_study(const char *study_path);

/* Says on stderr that @name depends on work that has not landed (@what); returns CS_CLI_ERROR. */
int cs_cli_not_available(const char *name, const char *what);

/* Parses "A:B", "A:" or ":B" (frames A to B-1, as a Python slice; @last -1 for the end) or "N"
 * (frame N alone); FALSE when @text is none of these. */
gboolean cs_cli_parse_frames(const char *text, int *first, int *last);

/* The classifier a command uses (cs-analysis.h): --model @model as an installed id or a file;
 * without it the first model the catalogue lists (of the architecture @arch when given). @arch,
 * when given, is the architecture it is loaded with. The one rule of classify and explain (report
 * takes the model of the case's result instead); NULL with @error when there is none or it does
 * not load. */
typedef struct _CsModel CsModel;
CsModel *cs_cli_load_model(const char *model, const char *arch, GError **error);

/* Returns "carpalscope-cli @name ARGS" with @argv's arguments (from argv[1]), each that needs it
 * shell-quoted: the command recorded in a checkpoint's provenance. */
char *cs_cli_command_line(const char *name, int argc, char **argv);

/* Makes Ctrl-C a request to stop: returns the flag it sets (0 until then), long work checks it.
 * @old keeps the handler before, which cs_cli_release_sigint() puts back. */
volatile int *cs_cli_catch_sigint(struct sigaction *old);
void cs_cli_release_sigint(const struct sigaction *old);

/* Returns the subcommand called @name, or NULL. */
const CsCliCommand *cs_cli_find_command(const char *name);

/* The subcommands, one per file cs-cli-NAME.c. */
int cs_cli_classify(int argc, char **argv);
int cs_cli_explain(int argc, char **argv);
int cs_cli_phantom(int argc, char **argv);
int cs_cli_phantom_study(int argc, char **argv);
int cs_cli_train(int argc, char **argv);
int cs_cli_train_seg(int argc, char **argv);
int cs_cli_segment(int argc, char **argv);
int cs_cli_evaluate(int argc, char **argv);
/* evaluate --csa-agreement (cs-cli-agreement.c): the nerve finder against the study's tracings. */
int cs_cli_csa_agreement(const char *study_path, const char *nerve_model, const char *level,
                         gboolean json);
int cs_cli_report(int argc, char **argv);
int cs_cli_models(int argc, char **argv);
int cs_cli_import_model(int argc, char **argv);
int cs_cli_export_crops(int argc, char **argv);
int cs_cli_bench(int argc, char **argv);
int cs_cli_info(int argc, char **argv);
int cs_cli_frame(int argc, char **argv);

G_END_DECLS
