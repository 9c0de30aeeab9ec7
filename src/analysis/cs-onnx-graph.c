/* cs-onnx-graph.c — an ONNX graph as the importer reads it
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file is decoded by protobuf-c from the ONNX schema Debian ships; this file only reads the
 * decoded structures. The walk from the logits back to the image is iterative, so a long or
 * hostile graph cannot exhaust the stack.
 */
#include "cs-onnx-graph.h"

#include <math.h>
#include <string.h>

#include "cs-error.h"

/* The largest side of an image input the importer accepts. */
#define MAX_INPUT_SIZE 4096

/* The deepest nesting of messages accepted. A model nests a few levels (graph, node, attribute,
 * tensor), and subgraphs of If and Loop a few more; protobuf-c unpacks nested messages by
 * recursion, so a file nesting millions of levels would exhaust the stack. */
#define MAX_NESTING 64

/* The most normalisation nodes folded at the graph's input (an exporter writes two). */
#define MAX_NORM_NODES 8

/* Reads a varint at *@p before @end; FALSE when it does not end in ten bytes or before @end. */
static gboolean
read_varint(const guint8 **p, const guint8 *end, guint64 *value)
{
  *value = 0;
  for (int shift = 0; shift < 70 && *p < end; shift += 7) {
    guint8 byte = *(*p)++;

    *value |= (guint64)(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0)
      return TRUE;
  }
  return FALSE;
}

/* Refuses a model whose messages nest deeper than MAX_NESTING, walking the fields that the ONNX
 * schema (protobuf-c's descriptors) says are messages, without recursion. Anything else that is
 * malformed is left to protobuf-c, which reports it. */
static gboolean
check_nesting(const guint8 *data, gsize size, GError **error)
{
  struct {
    const ProtobufCMessageDescriptor *descriptor;
    const guint8 *end;
  } stack[MAX_NESTING + 1];
  const guint8 *p = data;
  int depth = 0;

  stack[0].descriptor = &onnx__model_proto__descriptor;
  stack[0].end = data + size;
  while (depth >= 0) {
    const ProtobufCFieldDescriptor *field;
    guint64 key, length;

    if (p >= stack[depth].end) {
      p = stack[depth--].end;
      continue;
    }
    if (!read_varint(&p, stack[depth].end, &key))
      return TRUE;
    switch (key & 7) {
      case 0:
        if (!read_varint(&p, stack[depth].end, &length))
          return TRUE;
        continue;
      case 1:
      case 5:
        if ((gsize)(stack[depth].end - p) < ((key & 7) == 1 ? 8u : 4u))
          return TRUE;
        p += (key & 7) == 1 ? 8 : 4;
        continue;
      case 2:
        break;
      default:
        return TRUE;
    }
    if (!read_varint(&p, stack[depth].end, &length) || length > (guint64)(stack[depth].end - p))
      return TRUE;
    field = protobuf_c_message_descriptor_get_field(stack[depth].descriptor, (unsigned)(key >> 3));
    if (field == NULL || field->type != PROTOBUF_C_TYPE_MESSAGE) {
      p += length;
      continue;
    }
    if (depth == MAX_NESTING) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "not a usable ONNX model: its messages nest more than %d deep", MAX_NESTING);
      return FALSE;
    }
    depth++;
    stack[depth].descriptor = field->descriptor;
    stack[depth].end = p + length;
  }
  return TRUE;
}

const char *
cs_onnx_node_label(const Onnx__NodeProto *node)
{
  if (node->name != NULL && node->name[0] != '\0')
    return node->name;
  if (node->n_output > 0 && node->output[0] != NULL)
    return node->output[0];
  return "(unnamed)";
}

const Onnx__AttributeProto *
cs_onnx_node_attribute(const Onnx__NodeProto *node, const char *name)
{
  for (size_t i = 0; i < node->n_attribute; i++)
    if (node->attribute[i]->name != NULL && strcmp(node->attribute[i]->name, name) == 0)
      return node->attribute[i];
  return NULL;
}

gint64
cs_onnx_node_int(const Onnx__NodeProto *node, const char *name, gint64 fallback)
{
  const Onnx__AttributeProto *attribute = cs_onnx_node_attribute(node, name);

  return attribute != NULL && attribute->has_i ? attribute->i : fallback;
}

gint64
cs_onnx_tensor_numel(const Onnx__TensorProto *tensor)
{
  gint64 numel = 1;

  if (tensor->n_dims > 8)
    return -1;
  for (size_t d = 0; d < tensor->n_dims; d++) {
    if (tensor->dims[d] < 0 || (tensor->dims[d] > 0 && numel > G_MAXINT32 / tensor->dims[d]))
      return -1;
    numel *= tensor->dims[d];
  }
  return numel;
}

float *
cs_onnx_tensor_dup_floats(const Onnx__TensorProto *tensor, size_t numel,
                          const Onnx__NodeProto *node, const char *what, GError **error)
{
  g_autofree float *values = NULL;
  const void *source;

  if (!tensor->has_data_type || tensor->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ||
      cs_onnx_tensor_numel(tensor) != (gint64)numel) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "node '%s': its %s is not a float tensor of %zu values", cs_onnx_node_label(node),
                what, numel);
    return NULL;
  }
  if (tensor->has_data_location &&
      tensor->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "node '%s': its %s is stored in an external file, which is not read (save the "
                "model with its weights inside)",
                cs_onnx_node_label(node), what);
    return NULL;
  }
  /* The values must be there before memory is taken for them: a shape costs nothing to lie. */
  if (tensor->has_raw_data && tensor->raw_data.len == numel * sizeof(float))
    source = tensor->raw_data.data; /* Little-endian, as every machine we build for. */
  else if (!tensor->has_raw_data && tensor->n_float_data == numel)
    source = tensor->float_data;
  else {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "node '%s': its %s holds a different number of values than its shape says",
                cs_onnx_node_label(node), what);
    return NULL;
  }
  G_STATIC_ASSERT(G_BYTE_ORDER == G_LITTLE_ENDIAN);
  values = g_new0(float, numel > 0 ? numel : 1);
  if (numel > 0)
    memcpy(values, source, numel * sizeof(float));
  return g_steal_pointer(&values);
}

const Onnx__TensorProto *
cs_onnx_graph_constant(const CsOnnxGraph *graph, const char *name)
{
  return name != NULL ? g_hash_table_lookup(graph->constants, name) : NULL;
}

guint
cs_onnx_graph_n_readers(const CsOnnxGraph *graph, const char *name)
{
  return GPOINTER_TO_UINT(g_hash_table_lookup(graph->readers, name));
}

void
cs_onnx_graph_free(CsOnnxGraph *graph)
{
  if (graph == NULL)
    return;
  g_clear_pointer(&graph->constants, g_hash_table_unref);
  g_clear_pointer(&graph->producers, g_hash_table_unref);
  g_clear_pointer(&graph->readers, g_hash_table_unref);
  g_clear_pointer(&graph->order, g_ptr_array_unref);
  if (graph->model != NULL)
    onnx__model_proto__free_unpacked(graph->model, NULL);
  g_free(graph);
}

static gboolean
is_op(const Onnx__NodeProto *node, const char *op)
{
  return node->op_type != NULL && strcmp(node->op_type, op) == 0;
}

/* Indexes the constants (initializers, Constant nodes and Identity of a constant), the producer
 * of every value and how many nodes read it. */
static gboolean
index_values(CsOnnxGraph *graph, GError **error)
{
  const Onnx__GraphProto *g = graph->graph;
  gboolean changed = TRUE;

  for (size_t i = 0; i < g->n_initializer; i++)
    if (g->initializer[i]->name != NULL && g->initializer[i]->name[0] != '\0')
      g_hash_table_insert(graph->constants, g->initializer[i]->name, g->initializer[i]);
  for (size_t n = 0; n < g->n_node; n++) {
    const Onnx__NodeProto *node = g->node[n];

    if (node->op_type == NULL) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "node '%s' has no operator type",
                  cs_onnx_node_label(node));
      return FALSE;
    }
    for (size_t o = 0; o < node->n_output; o++) {
      if (node->output[o][0] == '\0')
        continue;
      if (g_hash_table_contains(graph->producers, node->output[o]) ||
          g_hash_table_contains(graph->constants, node->output[o])) {
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "node '%s' writes '%s', written before",
                    cs_onnx_node_label(node), node->output[o]);
        return FALSE;
      }
      g_hash_table_insert(graph->producers, node->output[o], (gpointer)node);
    }
    for (size_t i = 0; i < node->n_input; i++)
      g_hash_table_insert(graph->readers, node->input[i],
                          GUINT_TO_POINTER(cs_onnx_graph_n_readers(graph, node->input[i]) + 1));
    if (is_op(node, "Constant") && node->n_output == 1) {
      const Onnx__AttributeProto *value = cs_onnx_node_attribute(node, "value");

      if (value != NULL && value->t != NULL)
        g_hash_table_insert(graph->constants, node->output[0], value->t);
    }
  }
  /* Exporters write a shared constant once and pass it through Identity nodes. */
  while (changed) {
    changed = FALSE;
    for (size_t n = 0; n < g->n_node; n++) {
      const Onnx__NodeProto *node = g->node[n];
      const Onnx__TensorProto *source;

      if (!is_op(node, "Identity") || node->n_input != 1 || node->n_output != 1 ||
          g_hash_table_contains(graph->constants, node->output[0]))
        continue;
      source = g_hash_table_lookup(graph->constants, node->input[0]);
      if (source != NULL) {
        g_hash_table_insert(graph->constants, node->output[0], (gpointer)source);
        changed = TRUE;
      }
    }
  }
  return TRUE;
}

/* Finds the one image input: float, NCHW with three channels and a fixed square size. */
static gboolean
find_input(CsOnnxGraph *graph, GError **error)
{
  const Onnx__GraphProto *g = graph->graph;
  const Onnx__ValueInfoProto *input = NULL;
  const Onnx__TypeProto__Tensor *tensor;
  gint64 dims[4];

  for (size_t i = 0; i < g->n_input; i++) {
    if (g->input[i]->name == NULL || g_hash_table_contains(graph->constants, g->input[i]->name))
      continue;
    if (input != NULL) {
      g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                  "the graph has more than one input ('%s' and '%s'); an image model has one",
                  input->name, g->input[i]->name);
      return FALSE;
    }
    input = g->input[i];
  }
  if (input == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED, "the graph has no input");
    return FALSE;
  }
  tensor = input->type != NULL && input->type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
               ? input->type->tensor_type
               : NULL;
  if (tensor == NULL || tensor->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ||
      tensor->shape == NULL || tensor->shape->n_dim != 4) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "the graph's input '%s' is not a float tensor of four dimensions (NCHW)",
                input->name);
    return FALSE;
  }
  for (int d = 0; d < 4; d++)
    dims[d] =
        tensor->shape->dim[d]->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
            ? tensor->shape->dim[d]->dim_value
            : -1;
  if (dims[1] != 3 || dims[2] != dims[3] || dims[2] < 16 || dims[2] > MAX_INPUT_SIZE) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "the graph's input '%s' is not NCHW with 3 channels and a fixed square size "
                "of 16 to %d pixels",
                input->name, MAX_INPUT_SIZE);
    return FALSE;
  }
  graph->input = graph->image = input->name;
  graph->input_size = (int)dims[2];
  return TRUE;
}

/* The one node reading @value, or NULL when none or several do. */
static const Onnx__NodeProto *
only_reader(const CsOnnxGraph *graph, const char *value)
{
  const Onnx__GraphProto *g = graph->graph;

  if (cs_onnx_graph_n_readers(graph, value) != 1)
    return NULL;
  for (size_t n = 0; n < g->n_node; n++)
    for (size_t i = 0; i < g->node[n]->n_input; i++)
      if (strcmp(g->node[n]->input[i], value) == 0)
        return g->node[n];
  return NULL;
}

/* Reads a constant that an NCHW image of three channels broadcasts with one value per channel:
 * one value in any shape of ones, or three of shape [3, 1, 1] or [1, 3, 1, 1] (a vector of
 * three would broadcast along the width). */
static gboolean
channel_constant(const Onnx__TensorProto *tensor, double out[3])
{
  const Onnx__NodeProto dummy = { .name = (char *)"" };
  gint64 numel = cs_onnx_tensor_numel(tensor);
  g_autofree float *values = NULL;

  if ((numel != 1 && numel != 3) || tensor->n_dims > 4)
    return FALSE;
  for (size_t d = 0; d < tensor->n_dims; d++)
    if (tensor->dims[d] != 1 && !(numel == 3 && d + 3 == tensor->n_dims && tensor->dims[d] == 3))
      return FALSE;
  if (numel == 3 && tensor->n_dims < 3)
    return FALSE;
  values = cs_onnx_tensor_dup_floats(tensor, (size_t)numel, &dummy, "", NULL);
  if (values == NULL)
    return FALSE;
  for (int c = 0; c < 3; c++)
    out[c] = values[numel == 3 ? c : 0];
  return TRUE;
}

static gboolean
refuse_norm(GError **error, const Onnx__NodeProto *node, const char *why)
{
  g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
              "node '%s' (%s) at the graph's input cannot be read as a normalisation: %s",
              cs_onnx_node_label(node), node->op_type, why);
  return FALSE;
}

/* Folds the Sub, Div, Mul and Add of constants that the image passes through before anything
 * else (how MATLAB writes an input layer's normalisation, and how torch exports a model that
 * normalises its own input) into graph->norm_scale and norm_shift, and moves graph->input past
 * them. */
static gboolean
fold_input_norm(CsOnnxGraph *graph, GError **error)
{
  const char *value = graph->input;
  const Onnx__NodeProto *node;

  for (int c = 0; c < 3; c++) {
    graph->norm_scale[c] = 1.0;
    graph->norm_shift[c] = 0.0;
  }
  while (graph->n_norm_nodes < MAX_NORM_NODES && (node = only_reader(graph, value)) != NULL &&
         node->n_input == 2 && node->n_output == 1 &&
         (is_op(node, "Sub") || is_op(node, "Div") || is_op(node, "Mul") || is_op(node, "Add"))) {
    int k = strcmp(node->input[0], value) == 0 ? 1 : 0; /* The constant's place. */
    const Onnx__TensorProto *tensor = cs_onnx_graph_constant(graph, node->input[k]);
    double v[3];

    if (tensor == NULL || strcmp(node->input[1 - k], value) != 0)
      break; /* Not a normalisation: the walk judges it. */
    if (!channel_constant(tensor, v))
      return refuse_norm(error, node,
                         "its constant is not one float per channel (shape [1, 3, 1, 1] or "
                         "[3, 1, 1], or one value)");
    if (k == 0 && (is_op(node, "Sub") || is_op(node, "Div")))
      return refuse_norm(error, node, "the image is its second operand");
    for (int c = 0; c < 3; c++) {
      if (is_op(node, "Sub"))
        graph->norm_shift[c] -= v[c];
      else if (is_op(node, "Add"))
        graph->norm_shift[c] += v[c];
      else {
        double f = is_op(node, "Mul") ? v[c] : 1.0 / v[c];

        if (!(f > 0.0) || !isfinite(f))
          return refuse_norm(error, node,
                             "it scales a channel by zero, a negative number or "
                             "infinity");
        graph->norm_scale[c] *= f;
        graph->norm_shift[c] *= f;
      }
    }
    if (graph->norm_node == NULL)
      graph->norm_node = node;
    graph->n_norm_nodes++;
    value = node->output[0];
  }
  graph->input = value;
  return TRUE;
}

/* Finds the logits: every output is them, or their Softmax, LogSoftmax or Identity. */
static gboolean
find_logits(CsOnnxGraph *graph, GError **error)
{
  const Onnx__GraphProto *g = graph->graph;

  if (g->n_output < 1 || g->n_output > 2) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "the graph has %zu outputs; a classifier has its logits and at most their "
                "softmax",
                g->n_output);
    return FALSE;
  }
  for (size_t o = 0; o < g->n_output; o++) {
    const char *value = g->output[o]->name;
    const Onnx__NodeProto *producer;
    int steps = 0;

    while (value != NULL && (producer = g_hash_table_lookup(graph->producers, value)) != NULL &&
           (is_op(producer, "Softmax") || is_op(producer, "LogSoftmax") ||
            is_op(producer, "Identity")) &&
           producer->n_input >= 1 && steps++ < 8)
      value = producer->input[0];
    if (value == NULL || !g_hash_table_contains(graph->producers, value)) {
      g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                  "the graph's output '%s' is computed by no node",
                  g->output[o]->name ? g->output[o]->name : "");
      return FALSE;
    }
    if (graph->logits != NULL && strcmp(graph->logits, value) != 0) {
      g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                  "the graph's outputs '%s' and '%s' are different results; a second output "
                  "must be the softmax of the first",
                  g->output[0]->name, g->output[o]->name);
      return FALSE;
    }
    graph->logits = value;
  }
  return TRUE;
}

/* How many inputs of @node the walk follows: a Reshape's target shape is arithmetic on shapes,
 * not on the image. */
static size_t
followed_inputs(const Onnx__NodeProto *node)
{
  return is_op(node, "Reshape") ? MIN(node->n_input, 1) : node->n_input;
}

/* Orders the nodes that compute the logits so that each follows its inputs, visiting a node's
 * inputs in the order it lists them (a Concat's first part, then its second). */
static gboolean
order_nodes(CsOnnxGraph *graph, GError **error)
{
  g_autoptr(GHashTable) state = g_hash_table_new(NULL, NULL); /* 1 on the path, 2 done. */
  g_autoptr(GArray) stack = g_array_new(FALSE, FALSE, sizeof(gpointer));
  g_autoptr(GArray) next = g_array_new(FALSE, FALSE, sizeof(size_t));
  const Onnx__NodeProto *root = g_hash_table_lookup(graph->producers, graph->logits);
  size_t zero = 0;

  g_array_append_val(stack, root);
  g_array_append_val(next, zero);
  g_hash_table_insert(state, (gpointer)root, GINT_TO_POINTER(1));
  while (stack->len > 0) {
    const Onnx__NodeProto *node = g_array_index(stack, const Onnx__NodeProto *, stack->len - 1);
    size_t *i = &g_array_index(next, size_t, next->len - 1);
    const Onnx__NodeProto *producer;
    const char *value;

    if (*i >= followed_inputs(node)) {
      g_hash_table_insert(state, (gpointer)node, GINT_TO_POINTER(2));
      g_ptr_array_add(graph->order, (gpointer)node);
      g_array_set_size(stack, stack->len - 1);
      g_array_set_size(next, next->len - 1);
      continue;
    }
    value = node->input[(*i)++];
    if (value[0] == '\0' || strcmp(value, graph->input) == 0 ||
        g_hash_table_contains(graph->constants, value))
      continue;
    producer = g_hash_table_lookup(graph->producers, value);
    if (producer == NULL) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "node '%s' reads '%s', which no node computes",
                  cs_onnx_node_label(node), value);
      return FALSE;
    }
    switch (GPOINTER_TO_INT(g_hash_table_lookup(state, producer))) {
      case 2:
        continue;
      case 1:
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "node '%s' reads its own result",
                    cs_onnx_node_label(producer));
        return FALSE;
      default:
        g_hash_table_insert(state, (gpointer)producer, GINT_TO_POINTER(1));
        g_array_append_val(stack, producer);
        g_array_append_val(next, zero);
    }
  }
  return TRUE;
}

CsOnnxGraph *
cs_onnx_graph_new(const guint8 *data, gsize size, GError **error)
{
  g_autoptr(CsOnnxGraph) graph = g_new0(CsOnnxGraph, 1);

  g_return_val_if_fail(data != NULL || size == 0, NULL);

  if (!check_nesting(data, size, error))
    return NULL;
  graph->model = onnx__model_proto__unpack(NULL, size, data);
  if (graph->model == NULL || graph->model->graph == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                graph->model == NULL ? "not an ONNX model: the file is not a protocol buffer "
                                       "of the ONNX schema"
                                     : "the ONNX model holds no graph");
    return NULL;
  }
  graph->graph = graph->model->graph;
  graph->constants = g_hash_table_new(g_str_hash, g_str_equal);
  graph->producers = g_hash_table_new(g_str_hash, g_str_equal);
  graph->readers = g_hash_table_new(g_str_hash, g_str_equal);
  graph->order = g_ptr_array_new();
  if (!index_values(graph, error) || !find_input(graph, error) || !fold_input_norm(graph, error) ||
      !find_logits(graph, error) || !order_nodes(graph, error))
    return NULL;
  return g_steal_pointer(&graph);
}
