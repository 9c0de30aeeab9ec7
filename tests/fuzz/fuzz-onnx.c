/* fuzz-onnx.c — the libFuzzer entry point for the ONNX importer
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Imports the input as an ONNX model, letting the importer recognise the architecture. Whatever
 * the bytes, nothing may crash, read out of bounds or leak (AddressSanitizer and UBSan watch),
 * and a refusal must come with one message.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cs-onnx-import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GError *error = NULL;
  CsOnnxImportInfo info;
  csnn_net *net = cs_onnx_import_bytes(data, size, NULL, &info, &error);

  if (net == NULL) {
    if (error == NULL || error->message == NULL || error->message[0] == '\0')
      abort();
    g_error_free(error);
    return 0;
  }
  if (error != NULL || info.n_classes < 1 || info.input_size < 16)
    abort();
  csnn_net_free(net);
  return 0;
}
