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

/* The metadata of an imported model, as key, value pairs. */
static GPtrArray *
import_metadata(const char *onnx_path, const char *sha256, const CsOnnxImportOptions *options,
                const CsOnnxImportInfo *info)
{
  static const char *const two_classes[] = { "control", "cts", NULL };
  static const float imagenet_mean[3] = { 0.485f, 0.456f, 0.406f };
  static const float imagenet_std[3] = { 0.229f, 0.224f, 0.225f };
  const float *mean = options->has_norm ? options->mean : imagenet_mean;
  const float *std = options->has_norm ? options->std : imagenet_std;
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
  sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, size);
  meta = import_metadata(onnx_path, sha256, options, info);
  status = csnn_net_save(net, out_path, (const char *const *)meta->pdata);
  csnn_net_free(net);
  return status == CSNN_OK || cs_error_from_engine(error, status, out_path);
}
