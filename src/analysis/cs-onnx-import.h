/* cs-onnx-import.h — models from elsewhere: an ONNX graph of a supported architecture as a model
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An ONNX file is read with protobuf-c and the ONNX schema Debian ships (libonnx-dev's
 * onnx.proto). Its graph is walked from its output back to its input, each operator's inputs in
 * order, and the convolutions, batch norms and the final linear layer met on that walk are matched
 * one by one, by shape, to the parameters of SqueezeNet 1.1, MobileNetV2 or EfficientNet-B0 as the
 * engine builds them (torchvision's order): the graph's names are never read. Batch norms may be
 * separate BatchNormalization nodes or already folded into their convolutions; the head may be a
 * Gemm (transposed or not) or MatMul then Add; a Softmax after the logits, and a second output
 * that is one, are allowed. Every other operator must be one the architecture uses, with the
 * attributes it uses, or the graph is refused with a message naming the first node that does
 * not fit. Sub, Div, Mul and Add of per-channel constants between the image input and the first
 * layer (MATLAB's input normalisation, or a torch model normalising its own input) are folded into
 * the model's mean and std, as are "mean" and "std" in the model's metadata_props.
 *
 *   CsOnnxImportOptions options = { .arch = NULL };
 *   if (!cs_onnx_import_file("model.onnx", &options, "model.safetensors", NULL, &error)) ...
 */
#pragma once

#include <glib.h>

#include "csnn-net.h"

G_BEGIN_DECLS

/* What the caller adds to what the graph says. */
typedef struct {
  const char *arch;           /* The architecture to match, or NULL to recognise it. */
  gboolean has_norm;          /* Whether @mean and @std are given (else ImageNet's). */
  float mean[3], std[3];      /* Per-channel normalisation applied after x/255. */
  const char *const *classes; /* Class names by index, or NULL ("control", "cts" for two). */
  const char *command_line;   /* Recorded in the metadata when not NULL. */
} CsOnnxImportOptions;

/* What an import found. */
typedef struct {
  char arch[64];      /* The architecture the graph was matched to. */
  int input_size;     /* The side of the graph's square NCHW input. */
  int n_classes;      /* The number of logits. */
  int bn_folded;      /* Batch norms found folded into their convolutions. */
  int bn_separate;    /* Batch norms found as BatchNormalization nodes. */
  char producer[128]; /* The graph's producer name and version, as it says. */
  /* The normalisation the graph applies itself: nodes at its input (Sub, Div, Mul, Add of
   * per-channel constants) folded into y = scale x + shift, or "mean" and "std" in its
   * metadata_props. */
  int norm_nodes;      /* How many nodes were folded (0: the scale is 1 and the shift 0). */
  char norm_node[128]; /* The first of them. */
  double norm_scale[3], norm_shift[3];
  gboolean has_meta_norm;
  float meta_mean[3], meta_std[3];
  /* The normalisation written to the model (cs_onnx_import_file()) and where it came from. */
  float mean[3], std[3];
  char norm_source[160];
} CsOnnxImportInfo;

/* Returns whether this build can import ONNX models (it was built with protobuf-c and
 * onnx.proto); when not, the calls below fail with CS_ERROR_UNSUPPORTED saying so. */
gboolean cs_onnx_import_available(void);

/* Builds the network an ONNX model's @size bytes describe; NULL with CS_ERROR_INVALID (not an
 * ONNX model) or CS_ERROR_UNSUPPORTED (naming the first node that does not fit) on failure. */
csnn_net *cs_onnx_import_bytes(const guint8 *data, gsize size, const char *arch,
                               CsOnnxImportInfo *info, GError **error);

/* Reads the ONNX file @onnx_path and writes it as the model @out_path (safetensors, atomically)
 * with the metadata Carpalscope reads, the source's SHA-256 and "imported"; fills @info if not
 * NULL. */
gboolean cs_onnx_import_file(const char *onnx_path, const CsOnnxImportOptions *options,
                             const char *out_path, CsOnnxImportInfo *info, GError **error);

G_END_DECLS
