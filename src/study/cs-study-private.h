/* cs-study-private.h — what the case, the study and the study.json reader share
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cs-study.h"

G_BEGIN_DECLS

/* Sets @error to "<path>.<field>: <problem>" (or "<field>: ..." for an empty path); FALSE. */
gboolean cs_study_fail(GError **error, const char *path, const char *field, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

/* The case's "extra" object kept verbatim for scripts (NULL when absent). */
JsonObject *cs_case_get_extra(CsCase *self);
void cs_case_set_extra(CsCase *self, JsonObject *extra);

/* Sets the stage exactly as read from a file, without recomputing or signalling. */
void cs_case_restore_stage(CsCase *self, CsGradingScheme scheme, int stage, CsStageSource source);

/* The study a case belongs to (not a reference), for the unique-id rule. */
CsStudy *cs_case_get_study(CsCase *self);
void cs_case_set_study(CsCase *self, CsStudy *study);

/* Whether another case than @except in @self has @id. */
gboolean cs_study_has_other_case_id(CsStudy *self, const char *id, CsCase *except);

/* Returns @sweep (relative to @from_dir, or absolute) as seen from @to_dir: relative when it
 * lies inside @to_dir, absolute otherwise; a relative path is unchanged when the folder stays
 * the same. */
char *cs_study_rebase_sweep(const char *sweep, const char *from_dir, const char *to_dir);

/* Builds the JSON of a case with @sweep_path as its sweep, and reads one (validated, errors
 * with @path). */
JsonNode *cs_case_to_json(CsCase *self, const char *sweep_path);
CsCase *cs_case_from_json(JsonNode *node, const char *path, GError **error);

/* Whether two tracings, or two model results, hold the same values. */
gboolean cs_tracing_equal(const CsTracing *a, const CsTracing *b);
gboolean cs_model_result_equal(const CsModelResult *a, const CsModelResult *b);

/* Appends @node to @out as study.json is written: two-space indents, arrays of plain values on
 * one line, doubles in their shortest exact form (cs-study-printer.c). */
void cs_study_print_json(GString *out, JsonNode *node, int depth);

/* Checks that @object has only the keys in the NULL-terminated @allowed list. */
gboolean cs_json_check_keys(JsonObject *object, const char *path, const char *const *allowed,
                            GError **error);

/* Typed readers: a missing key or JSON null leaves the default and returns TRUE unless
 * @required; a wrong type or value sets "<path>.<key>: ..." and returns FALSE. */
gboolean cs_json_read_string(JsonObject *object, const char *path, const char *key,
                             gboolean required, char **out, GError **error);
gboolean cs_json_read_number(JsonObject *object, const char *path, const char *key,
                             gboolean required, double *out, GError **error);
gboolean cs_json_read_int(JsonObject *object, const char *path, const char *key, gboolean required,
                          gint64 *out, GError **error);
gboolean cs_json_read_bool(JsonObject *object, const char *path, const char *key, CsTristate *out,
                           GError **error);

/* Returns "<path>.<key>" or "<key>" for an empty path; free it. */
char *cs_json_path(const char *path, const char *key);

/* What a study's file held when it was loaded or last saved here (cs-study-disk.c). */
typedef struct {
  gboolean known; /* FALSE for a study never loaded from or saved to its path. */
  guint64 dev, ino;
  gint64 mtime_ns;
  gint64 size;
  guint8 sha256[32];
} CsDiskStamp;

/* The study's stamp (borrowed, writable). */
CsDiskStamp *cs_study_get_disk_stamp(CsStudy *self);

/* Makes @self an unsaved edit of @from's file: its path and what the file held (so saving
 * replaces that file, unless it changed since @from read it). */
void cs_study_adopt_file(CsStudy *self, CsStudy *from);

/* Gives @self the study-level fields of @from: name, notes, grading scheme and extra. */
void cs_study_copy_fields(CsStudy *self, CsStudy *from);

/* Records @data (what was read or written) and the file's identity from @path's status now. */
void cs_disk_stamp_record(CsDiskStamp *stamp, const char *path, const char *data, gsize length);

/* TRUE when the file at @path still holds what @expected recorded (or @expected is unknown, or
 * the file is gone); otherwise CS_ERROR_CHANGED_ON_DISK naming the change (CS_ERROR_IO when it
 * cannot be read). */
gboolean cs_disk_stamp_check(const CsDiskStamp *expected, const char *path, GError **error);

/* Tests only: write through named temporary files even where unnamed ones (O_TMPFILE) work, to
 * exercise the fallback used on file systems without them. */
void cs_study_set_use_unnamed_temporaries(gboolean use);

G_END_DECLS
