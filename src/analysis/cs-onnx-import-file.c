/* cs-onnx-import-file.c — an ONNX file imported as a model file with Carpalscope's metadata
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-onnx-import.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "cs-case.h"
#include "cs-engine-error.h"
#include "cs-error.h"
#include "csnn-models.h"

/* The largest ONNX file read. */
#define MAX_ONNX_BYTES (256 << 20)

/* @classes as a JSON list of strings. */
static char *
classes_json(const char *const *classes, int n_classes)
{
  g_autoptr(JsonArray) array = json_array_new();
  g_autoptr(JsonNode) node = json_node_new(JSON_NODE_ARRAY);

  for (int c = 0; c < n_classes; c++)
    json_array_add_string_element(array, classes[c]);
  json_node_set_array(node, array);
  return json_to_string(node, FALSE);
}

/* Decides the normalisation the model is written with into @info->mean, std and norm_source.
 * What the graph's input expects is --mean/--std, else the graph's metadata, else, when nodes at
 * the graph's head normalise the image, the pixels themselves (0 to 1, or 0 to 255 when those
 * nodes subtract more than 2), else ImageNet's. Those nodes' y = scale x + shift then follows. */
static void
resolve_norm(const CsOnnxImportOptions *options, CsOnnxImportInfo *info)
{
  static const float imagenet_mean[3] = { 0.485f, 0.456f, 0.406f };
  static const float imagenet_std[3] = { 0.229f, 0.224f, 0.225f };
  const float *mean = imagenet_mean, *std = imagenet_std;
  const char *source = "ImageNet's (the graph does not say)";
  float pixel_mean[3] = { 0.0f, 0.0f, 0.0f }, pixel_std[3] = { 1.0f, 1.0f, 1.0f };

  if (options->has_norm) {
    mean = options->mean;
    std = options->std;
    source = "--mean and --std";
  } else if (info->has_meta_norm) {
    mean = info->meta_mean;
    std = info->meta_std;
    source = "the ONNX metadata's mean and std";
  } else if (info->norm_nodes > 0) {
    gboolean bytes = FALSE;

    for (int c = 0; c < 3; c++)
      bytes = bytes || -info->norm_shift[c] / info->norm_scale[c] > 2.0;
    for (int c = 0; c < 3; c++)
      pixel_std[c] = bytes ? 1.0f / 255.0f : 1.0f;
    mean = pixel_mean;
    std = pixel_std;
    source = bytes ? "pixels 0 to 255" : "pixels 0 to 1";
  }
  /* The graph's own y = a x + b after x = (p - m) / s is (p - (m - b s / a)) / (s / a). */
  for (int c = 0; c < 3; c++) {
    double a = info->norm_scale[c], b = info->norm_shift[c];

    if (info->norm_nodes == 0) {
      a = 1.0;
      b = 0.0;
    }
    info->std[c] = (float)(std[c] / a);
    info->mean[c] = (float)(mean[c] - b * std[c] / a);
  }
  if (info->norm_nodes > 0)
    g_snprintf(info->norm_source, sizeof info->norm_source,
               "%d node%s at the graph's input from '%s', on %s", info->norm_nodes,
               info->norm_nodes == 1 ? "" : "s", info->norm_node, source);
  else
    g_strlcpy(info->norm_source, source, sizeof info->norm_source);
}

/* The metadata of an imported model, as key, value pairs. */
static GPtrArray *
import_metadata(const char *onnx_path, const char *sha256, const CsOnnxImportOptions *options,
                const CsOnnxImportInfo *info)
{
  static const char *const two_classes[] = { "control", "cts", NULL };
  const float *mean = info->mean, *std = info->std;
  const char *const *classes = options->classes;
  GPtrArray *meta = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *base = g_path_get_basename(onnx_path);
  g_autofree char *date = cs_now_iso8601();
#define ADD(key, value)                   \
  G_STMT_START                            \
  {                                       \
    g_ptr_array_add(meta, g_strdup(key)); \
    g_ptr_array_add(meta, (value));       \
  }                                       \
  G_STMT_END

  if (classes == NULL && info->n_classes == 2)
    classes = two_classes;
  ADD(CSNN_META_ARCH, g_strdup(info->arch));
  if (classes != NULL)
    ADD(CSNN_META_CLASSES, classes_json(classes, info->n_classes));
  ADD(CSNN_META_INPUT_SIZE, g_strdup_printf("%d", info->input_size));
  ADD(CSNN_META_MEAN, g_strdup_printf("[%.9g, %.9g, %.9g]", mean[0], mean[1], mean[2]));
  ADD(CSNN_META_STD, g_strdup_printf("[%.9g, %.9g, %.9g]", std[0], std[1], std[2]));
  ADD("normalisation", g_strdup(info->norm_source));
  ADD(CSNN_META_TRAINED_ON,
      g_strdup_printf("unknown: imported from the ONNX file %s, which does not say", base));
  ADD("provenance", g_strdup("imported"));
  ADD("imported_from", g_strdup(base));
  ADD("source_sha256", g_strdup(sha256));
  ADD("source_producer", g_strdup(info->producer));
  ADD("batch_norms", g_strdup_printf("%d separate, %d folded into their convolutions",
                                     info->bn_separate, info->bn_folded));
  ADD(CSNN_META_COMMAND, g_strdup(options->command_line ? options->command_line : ""));
  ADD(CSNN_META_DATE, g_strdup(date));
  ADD(CSNN_META_VERSION, g_strdup(PACKAGE_VERSION));
#undef ADD
  g_ptr_array_add(meta, NULL);
  return meta;
}

gboolean
cs_onnx_import_file(const char *onnx_path, const CsOnnxImportOptions *options, const char *out_path,
                    CsOnnxImportInfo *info, GError **error)
{
  g_autofree char *data = NULL;
  g_autofree char *sha256 = NULL;
  g_autoptr(GPtrArray) meta = NULL;
  g_autoptr(GError) local = NULL;
  CsOnnxImportInfo scratch;
  gsize size = 0;
  csnn_net *net;
  int status;

  g_return_val_if_fail(onnx_path != NULL && options != NULL && out_path != NULL, FALSE);

  if (info == NULL)
    info = &scratch;
  {
    GStatBuf st;

    /* The three architectures take 5 to 21 MB; a file far larger is something else. */
    if (g_stat(onnx_path, &st) == 0 && st.st_size > MAX_ONNX_BYTES) {
      g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE,
                  "%s: %.0f MB is too large for a model of a supported architecture (at most %d "
                  "MB)",
                  onnx_path, st.st_size / 1e6, MAX_ONNX_BYTES >> 20);
      return FALSE;
    }
  }
  if (!g_file_get_contents(onnx_path, &data, &size, &local)) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  if (options->classes != NULL && options->classes[0] == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "the list of class names is empty");
    return FALSE;
  }
  net = cs_onnx_import_bytes((const guint8 *)data, size, options->arch, info, &local);
  if (net == NULL) {
    g_set_error(error, local->domain, local->code, "%s: %s", onnx_path, local->message);
    return FALSE;
  }
  if (options->classes != NULL &&
      g_strv_length((char **)options->classes) != (guint)info->n_classes) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "%u class names were given for a model of %d classes",
                g_strv_length((char **)options->classes), info->n_classes);
    csnn_net_free(net);
    return FALSE;
  }
  resolve_norm(options, info);
  sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, size);
  meta = import_metadata(onnx_path, sha256, options, info);
  status = csnn_net_save(net, out_path, (const char *const *)meta->pdata);
  csnn_net_free(net);
  return status == CSNN_OK || cs_error_from_engine(error, status, out_path);
}
