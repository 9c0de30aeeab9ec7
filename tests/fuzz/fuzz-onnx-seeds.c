/* fuzz-onnx-seeds.c — the seed corpus of the ONNX importer's fuzzer, built in code
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Small ONNX models written with protobuf-c from the ONNX schema, each reaching a different part
 * of the importer: a graph of the first layers of SqueezeNet 1.1 (refused where the graph ends),
 * one with a batch norm, a Gemm head, a Softmax second output, a cycle, a missing producer,
 * normalisation at the input and in metadata_props, and a node of another architecture.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz-seeds.h"
#include "onnx.pb-c.h"

#define MAX_NODES 8

typedef struct {
  Onnx__ModelProto model;
  Onnx__GraphProto graph;
  Onnx__NodeProto nodes[MAX_NODES], *node_list[MAX_NODES];
  Onnx__TensorProto weights[4], *weight_list[4];
  Onnx__ValueInfoProto input, output, second, *inputs[1], *outputs[2];
  Onnx__TypeProto type;
  Onnx__TypeProto__Tensor tensor_type;
  Onnx__TensorShapeProto shape;
  Onnx__TensorShapeProto__Dimension dims[4], *dim_list[4];
  char *io[MAX_NODES][3];
  int64_t weight_dims[4][4];
  float values[4][64];
} seed_model;

static void
init_model(seed_model *m, int size)
{
  memset(m, 0, sizeof *m);
  onnx__model_proto__init(&m->model);
  onnx__graph_proto__init(&m->graph);
  onnx__value_info_proto__init(&m->input);
  onnx__value_info_proto__init(&m->output);
  onnx__value_info_proto__init(&m->second);
  onnx__type_proto__init(&m->type);
  onnx__type_proto__tensor__init(&m->tensor_type);
  onnx__tensor_shape_proto__init(&m->shape);
  m->model.has_ir_version = 1;
  m->model.ir_version = 8;
  m->model.producer_name = "fuzz-onnx-seeds";
  m->model.graph = &m->graph;
  for (int d = 0; d < 4; d++) {
    static const int64_t nchw[4] = { 1, 3, 0, 0 };

    onnx__tensor_shape_proto__dimension__init(&m->dims[d]);
    m->dims[d].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    m->dims[d].dim_value = d < 2 ? nchw[d] : size;
    m->dim_list[d] = &m->dims[d];
  }
  m->shape.n_dim = 4;
  m->shape.dim = m->dim_list;
  m->tensor_type.has_elem_type = 1;
  m->tensor_type.elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  m->tensor_type.shape = &m->shape;
  m->type.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  m->type.tensor_type = &m->tensor_type;
  m->input.name = "image";
  m->input.type = &m->type;
  m->inputs[0] = &m->input;
  m->graph.n_input = 1;
  m->graph.input = m->inputs;
  m->output.name = "logits";
  m->outputs[0] = &m->output;
  m->graph.n_output = 1;
  m->graph.output = m->outputs;
  m->graph.node = m->node_list;
  m->graph.initializer = m->weight_list;
}

/* Adds node @op reading @in (and @in2 when not NULL) and writing @out. */
static Onnx__NodeProto *
add_node(seed_model *m, const char *op, const char *in, const char *in2, const char *out)
{
  size_t n = m->graph.n_node++;
  Onnx__NodeProto *node = &m->nodes[n];

  onnx__node_proto__init(node);
  node->op_type = (char *)op;
  node->name = (char *)out;
  m->io[n][0] = (char *)in;
  m->io[n][1] = (char *)in2;
  m->io[n][2] = (char *)out;
  node->n_input = in2 != NULL ? 2 : 1;
  node->input = &m->io[n][0];
  node->n_output = 1;
  node->output = &m->io[n][2];
  m->node_list[n] = node;
  return node;
}

/* Adds a float initializer @name of the given shape (at most 64 values, seeded pattern). */
static void
add_weight(seed_model *m, const char *name, int ndim, int64_t d0, int64_t d1, int64_t d2,
           int64_t d3)
{
  size_t w = m->graph.n_initializer++;
  Onnx__TensorProto *t = &m->weights[w];
  int64_t dims[4] = { d0, d1, d2, d3 };
  size_t numel = 1;

  onnx__tensor_proto__init(t);
  for (int d = 0; d < ndim; d++) {
    m->weight_dims[w][d] = dims[d];
    numel *= (size_t)dims[d];
  }
  if (numel > 64)
    numel = 64; /* Deliberately short when the shape is larger: the importer must notice. */
  for (size_t i = 0; i < numel; i++)
    m->values[w][i] = (float)((i * 37) % 11) / 11.0f - 0.5f;
  t->name = (char *)name;
  t->n_dims = (size_t)ndim;
  t->dims = m->weight_dims[w];
  t->has_data_type = 1;
  t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  t->n_float_data = numel;
  t->float_data = m->values[w];
  m->weight_list[w] = t;
}

static int
emit(const char *name, seed_model *m, fuzz_seed_cb callback, void *user)
{
  size_t size = onnx__model_proto__get_packed_size(&m->model);
  uint8_t *bytes = malloc(size > 0 ? size : 1);
  int stop;

  if (bytes == NULL)
    return 1;
  onnx__model_proto__pack(&m->model, bytes);
  stop = callback(name, bytes, size, user);
  free(bytes);
  return stop;
}

int
fuzz_seeds_foreach(fuzz_seed_cb callback, void *user)
{
  seed_model *m = malloc(sizeof *m);
  int n = 0, stop = 0;

  if (m == NULL)
    return -1;
  /* The first layers of SqueezeNet 1.1: the walk reaches the end of the graph too soon. */
  init_model(m, 32);
  add_weight(m, "w0", 4, 4, 3, 2, 2);
  add_node(m, "Conv", "image", "w0", "c0");
  add_node(m, "Relu", "c0", NULL, "r0");
  add_node(m, "GlobalAveragePool", "r0", NULL, "g0");
  add_node(m, "Flatten", "g0", NULL, "logits");
  stop |= emit("squeezenet-stem", m, callback, user);
  n++;
  /* A batch norm after the convolution, and a Gemm head with a Softmax second output. */
  init_model(m, 32);
  add_weight(m, "w0", 4, 2, 3, 1, 1);
  add_weight(m, "bn", 1, 2, 0, 0, 0);
  add_weight(m, "fc", 2, 2, 2, 0, 0);
  add_weight(m, "fb", 1, 2, 0, 0, 0);
  add_node(m, "Conv", "image", "w0", "c0");
  {
    Onnx__NodeProto *bn = add_node(m, "BatchNormalization", "c0", "bn", "b0");
    static char *bn_inputs[5] = { "c0", "bn", "bn", "bn", "bn" };

    bn->n_input = 5;
    bn->input = bn_inputs;
  }
  add_node(m, "Clip", "b0", NULL, "r0");
  add_node(m, "GlobalAveragePool", "r0", NULL, "g0");
  add_node(m, "Flatten", "g0", NULL, "f0");
  {
    Onnx__NodeProto *gemm = add_node(m, "Gemm", "f0", "fc", "logits");
    static char *gemm_inputs[3] = { "f0", "fc", "fb" };

    gemm->n_input = 3;
    gemm->input = gemm_inputs;
  }
  add_node(m, "Softmax", "logits", NULL, "probabilities");
  onnx__value_info_proto__init(&m->second);
  m->second.name = "probabilities";
  m->outputs[1] = &m->second;
  m->graph.n_output = 2;
  stop |= emit("bn-gemm-softmax", m, callback, user);
  n++;
  /* A cycle, a value nobody computes and an operator none of the architectures has. */
  init_model(m, 32);
  add_node(m, "Relu", "logits", NULL, "logits");
  stop |= emit("cycle", m, callback, user);
  n++;
  init_model(m, 32);
  add_node(m, "Relu", "nowhere", NULL, "logits");
  stop |= emit("missing-producer", m, callback, user);
  n++;
  /* Normalisation at the input (Sub and Div of per-channel constants) and in metadata_props. */
  init_model(m, 32);
  add_weight(m, "mean", 4, 1, 3, 1, 1);
  add_weight(m, "std", 4, 1, 3, 1, 1);
  add_weight(m, "w0", 4, 4, 3, 2, 2);
  add_node(m, "Sub", "image", "mean", "n0");
  add_node(m, "Div", "n0", "std", "n1");
  add_node(m, "Conv", "n1", "w0", "c0");
  add_node(m, "Relu", "c0", NULL, "r0");
  add_node(m, "GlobalAveragePool", "r0", NULL, "g0");
  add_node(m, "Flatten", "g0", NULL, "logits");
  {
    static Onnx__StringStringEntryProto props[2];
    static Onnx__StringStringEntryProto *prop_list[2] = { &props[0], &props[1] };

    onnx__string_string_entry_proto__init(&props[0]);
    onnx__string_string_entry_proto__init(&props[1]);
    props[0].key = "mean";
    props[0].value = "[0.5, 0.5, 0.5]";
    props[1].key = "std";
    props[1].value = "0.25,0.25,0.25";
    m->model.n_metadata_props = 2;
    m->model.metadata_props = prop_list;
  }
  stop |= emit("input-normalisation", m, callback, user);
  n++;
  init_model(m, 64);
  add_weight(m, "w0", 4, 4, 3, 7, 7);
  add_node(m, "Conv", "image", "w0", "c0");
  add_node(m, "LeakyRelu", "c0", NULL, "logits");
  stop |= emit("other-architecture", m, callback, user);
  n++;
  free(m);
  return stop ? -1 : n;
}
