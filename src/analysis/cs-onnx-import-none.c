/* cs-onnx-import-none.c — ONNX import in a build without protobuf-c or onnx.proto
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built instead of cs-onnx-graph.c and cs-onnx-import.c when meson finds no protobuf-c, protoc-c
 * or onnx.proto (the Flatpak's runtime has none of them): every import is refused with the
 * reason, and the window hides its Import ONNX Model row.
 */
#include "config.h"

#include "cs-onnx-import.h"

#include "cs-error.h"

gboolean
cs_onnx_import_available(void)
{
  return FALSE;
}

csnn_net *
cs_onnx_import_bytes(const guint8 *data, gsize size, const char *arch, CsOnnxImportInfo *info,
                     GError **error)
{
  g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
              "this build of Carpalscope cannot import ONNX models: it was built without "
              "protobuf-c and onnx.proto (Debian: libprotobuf-c-dev, protobuf-c-compiler, "
              "libonnx-dev)");
  return NULL;
}
