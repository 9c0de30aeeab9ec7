/* cs-crop-export.c — a study's ROI crops as image files and a CSV, for training elsewhere
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-crop-export.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "cs-csv.h"
#include "cs-error.h"
#include "cs-train.h"

/* The largest crop side written; the networks take 224. */
#define MAX_CROP_SIZE 2048

/* A hand's ID as a folder name: path separators and a leading dot become '_'. */
static char *
dup_folder_name(const char *id)
{
  char *name = g_strdup(id[0] != '\0' ? id : "_");

  g_strdelimit(name, "/\\", '_');
  if (name[0] == '.')
    name[0] = '_';
  return name;
}

/* Writes @size x @size gray pixels as a binary PGM, whole or not at all. */
static gboolean
write_pgm(const char *path, const guint8 *pixels, int size, GError **error)
{
  g_autofree char *header = g_strdup_printf("P5\n%d %d\n255\n", size, size);
  gsize header_len = strlen(header), total = header_len + (gsize)size * (gsize)size;
  g_autofree char *data = g_malloc(total);
  g_autoptr(GError) local = NULL;

  memcpy(data, header, header_len);
  memcpy(data + header_len, pixels, (gsize)size * (gsize)size);
  if (!g_file_set_contents(path, data, (gssize)total, &local)) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  return TRUE;
}

/* Writes the crops of every frame of @c into @folder and a CSV row each into @csv. */
static gint64
export_case(CsStudy *study, CsCase *c, int size, const char *out_dir, GString *csv,
            GCancellable *cancellable, GError **error)
{
  g_autofree char *path = cs_study_dup_sweep_path(study, c);
  g_autofree char *folder_name = dup_folder_name(cs_case_get_id(c));
  g_autofree char *folder = g_build_filename(out_dir, "crops", folder_name, NULL);
  g_autofree guint8 *crop = g_malloc((gsize)size * (gsize)size);
  g_autoptr(CsSweep) sweep = NULL;
  int n_frames;

  if (path == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "case %s has no sweep", cs_case_get_id(c));
    return -1;
  }
  if ((sweep = cs_sweep_open(path, error)) == NULL) {
    g_prefix_error(error, "case %s: ", cs_case_get_id(c));
    return -1;
  }
  if (g_mkdir_with_parents(folder, 0755) != 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "cannot create %s: %s", folder, g_strerror(errno));
    return -1;
  }
  n_frames = cs_sweep_get_n_frames(sweep);
  for (int index = 0; index < n_frames; index++) {
    g_autoptr(CsFrame) frame = NULL;
    g_autofree char *file = g_strdup_printf("%05d.pgm", index);
    g_autofree char *file_path = g_build_filename(folder, file, NULL);
    gboolean padded = FALSE;

    if (g_cancellable_set_error_if_cancelled(cancellable, error))
      return -1;
    frame = cs_sweep_get_frame(sweep, index, error);
    if (frame == NULL || !cs_analysis_crop(c, frame, size, crop, &padded, error) ||
        !write_pgm(file_path, crop, size, error)) {
      g_prefix_error(error, "case %s, frame %d: ", cs_case_get_id(c), index);
      return -1;
    }
    cs_csv_text(csv, cs_case_get_id(c));
    g_string_append_printf(csv, ",%d,%s,%s", index, cs_group_to_string(cs_case_get_group(c)),
                           cs_split_to_string(cs_case_get_split(c)));
    if (cs_case_get_spacing_mm(c) > 0.0)
      cs_csv_number(csv, cs_case_get_spacing_mm(c));
    else
      g_string_append_c(csv, ',');
    g_string_append_printf(csv, ",crops/");
    cs_csv_text(csv, folder_name);
    g_string_append_printf(csv, "/%s\n", file);
  }
  return n_frames;
}

/* Writes OUT/crops.json: what the crops were cut from, for a trainer's model metadata. */
static gboolean
write_info(CsStudy *study, const CsCropExportOptions *options, gint64 written, const char *out_dir,
           GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  g_autoptr(JsonGenerator) generator = json_generator_new();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *trained_on = cs_train_describe_study(study);
  g_autofree char *study_bytes = NULL, *sha256 = NULL, *text = NULL;
  g_autofree char *path = g_build_filename(out_dir, "crops.json", NULL);
  const char *study_path = cs_study_get_path(study), *name = cs_study_get_name(study);
  g_autoptr(GError) local = NULL;
  gsize len = 0;

  if (study_path != NULL && g_file_get_contents(study_path, &study_bytes, &len, NULL))
    sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)study_bytes, len);
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "study");
  json_builder_add_string_value(b, study_path != NULL ? study_path : "");
  json_builder_set_member_name(b, "study_name");
  json_builder_add_string_value(b, name != NULL ? name : "");
  json_builder_set_member_name(b, "study_sha256");
  json_builder_add_string_value(b, sha256 != NULL ? sha256 : "");
  json_builder_set_member_name(b, "trained_on");
  json_builder_add_string_value(b, trained_on);
  json_builder_set_member_name(b, "split");
  json_builder_add_string_value(b,
                                options->all_splits ? "all" : cs_split_to_string(options->split));
  json_builder_set_member_name(b, "size");
  json_builder_add_int_value(b, options->size);
  json_builder_set_member_name(b, "crops");
  json_builder_add_int_value(b, written);
  json_builder_set_member_name(b, "carpalscope_version");
  json_builder_add_string_value(b, PACKAGE_VERSION);
  json_builder_end_object(b);
  root = json_builder_get_root(b);
  json_generator_set_root(generator, root);
  json_generator_set_pretty(generator, TRUE);
  text = json_generator_to_data(generator, &len);
  if (!g_file_set_contents(path, text, (gssize)len, &local)) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  return TRUE;
}

gint64
cs_crop_export(CsStudy *study, const CsCropExportOptions *options, const char *out_dir,
               GPtrArray *skipped, CsAnalysisProgressFunc progress, gpointer progress_data,
               GCancellable *cancellable, GError **error)
{
  g_autoptr(GString) csv = g_string_new("hand,frame,label,split,spacing_mm,path\n");
  g_autoptr(GPtrArray) cases = g_ptr_array_new();
  g_autofree char *csv_path = NULL;
  g_autoptr(GError) local = NULL;
  gint64 written = 0;

  g_return_val_if_fail(CS_IS_STUDY(study), -1);
  g_return_val_if_fail(options != NULL && out_dir != NULL, -1);

  if (options->size < 16 || options->size > MAX_CROP_SIZE) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "the crop size must be 16 to %d pixels",
                MAX_CROP_SIZE);
    return -1;
  }
  for (guint i = 0; i < cs_study_get_n_cases(study); i++) {
    CsCase *c = cs_study_get_case(study, i);

    if (cs_case_get_group(c) == CS_GROUP_UNKNOWN ||
        (!options->all_splits && cs_case_get_split(c) != options->split))
      continue;
    if (cs_case_get_n_roi_keyframes(c) == 0) {
      if (skipped != NULL)
        g_ptr_array_add(skipped, g_strdup(cs_case_get_id(c)));
      continue;
    }
    g_ptr_array_add(cases, c);
  }
  if (cases->len == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND,
                "the study has no labelled hand with an ROI in the %s split",
                options->all_splits ? "any" : cs_split_to_string(options->split));
    return -1;
  }
  for (guint i = 0; i < cases->len; i++) {
    gint64 n = export_case(study, g_ptr_array_index(cases, i), options->size, out_dir, csv,
                           cancellable, error);

    if (n < 0)
      return -1;
    written += n;
    if (progress != NULL)
      progress((int)i + 1, (int)cases->len, progress_data);
  }
  csv_path = g_build_filename(out_dir, "crops.csv", NULL);
  if (!g_file_set_contents(csv_path, csv->str, (gssize)csv->len, &local)) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s", local->message);
    return -1;
  }
  if (!write_info(study, options, written, out_dir, error))
    return -1;
  return written;
}
