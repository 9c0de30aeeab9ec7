/* cs-onnx-graph.h — an ONNX graph as the importer reads it: its constants, its input and the
 * operators on the way from its input to its logits, in the order they run
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Private to the analysis layer's importer (cs-onnx-import.c).
 */
#pragma once

#include <glib.h>

#include "onnx.pb-c.h"

G_BEGIN_DECLS

typedef struct {
  Onnx__ModelProto *model;
  const Onnx__GraphProto *graph;
  GHashTable *constants; /* Value name to the Onnx__TensorProto holding it. */
  GHashTable *producers; /* Value name to the Onnx__NodeProto writing it. */
  GHashTable *readers;   /* Value name to how many nodes read it (GUINT_TO_POINTER). */
  const char *input;     /* The image as the network's first layer reads it: the graph's input,
                          * or the result of the normalisation at its head. */
  const char *image;     /* The graph's image input. */
  int input_size;        /* Its height and width. */
  /* The Sub, Div, Mul and Add of per-channel constants at the head of the graph, folded into
   * y = scale x + shift per channel (the identity when there are none). */
  int n_norm_nodes;
  const Onnx__NodeProto *norm_node; /* The first of them, for messages. */
  double norm_scale[3], norm_shift[3];
  const char *logits; /* The value holding the logits. */
  GPtrArray *order;   /* The nodes computing the logits, each after its inputs. */
} CsOnnxGraph;

/* Reads an ONNX model from @size bytes and walks its graph; NULL with a CS_ERROR on failure. */
CsOnnxGraph *cs_onnx_graph_new(const guint8 *data, gsize size, GError **error);

/* Frees @graph; NULL is allowed. */
void cs_onnx_graph_free(CsOnnxGraph *graph);

/* Returns the constant tensor of value @name, or NULL when it is computed. */
const Onnx__TensorProto *cs_onnx_graph_constant(const CsOnnxGraph *graph, const char *name);

/* Returns how many nodes read value @name. */
guint cs_onnx_graph_n_readers(const CsOnnxGraph *graph, const char *name);

/* Returns a new copy of the float tensor @tensor when it has @numel elements; NULL with an error
 * naming @node and @what otherwise. */
float *cs_onnx_tensor_dup_floats(const Onnx__TensorProto *tensor, size_t numel,
                                 const Onnx__NodeProto *node, const char *what, GError **error);

/* Returns the number of elements of @tensor, or -1 when its dimensions are negative or too many. */
gint64 cs_onnx_tensor_numel(const Onnx__TensorProto *tensor);

/* Returns the attribute @name of @node, or NULL. */
const Onnx__AttributeProto *cs_onnx_node_attribute(const Onnx__NodeProto *node, const char *name);

/* Returns the integer attribute @name of @node, or @fallback when it has none. */
gint64 cs_onnx_node_int(const Onnx__NodeProto *node, const char *name, gint64 fallback);

/* Returns a node's name for messages: its name, else its first output's. */
const char *cs_onnx_node_label(const Onnx__NodeProto *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsOnnxGraph, cs_onnx_graph_free)

G_END_DECLS
