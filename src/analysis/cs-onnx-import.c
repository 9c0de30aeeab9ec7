/* cs-onnx-import.c — an ONNX graph of a supported architecture as a Carpalscope model
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The graph's walk (cs-onnx-graph.c) gives its operators in the order they run. Each is checked
 * against what the architecture uses; the ones with parameters become a list of layers
 * (convolution, batch norm, linear) that is laid beside the engine's parameters of the same
 * architecture, which come in torchvision's state_dict order, the order they run too. A batch
 * norm the exporter folded into its convolution becomes the identity batch norm after the folded
 * convolution: the engine folds it again and computes the same.
 */
#include "config.h"

#include "cs-onnx-import.h"

#include <math.h>
#include <string.h>

#include "cs-engine-error.h"
#include "cs-error.h"
#include "cs-onnx-graph.h"
#include "csnn-models.h"

/* The batch norm epsilon of every engine architecture (csnn-arch.c: torchvision's default). */
#define ENGINE_BN_EPS 1e-5f

/* The operators without parameters an architecture may use. */
enum {
  OP_RELU = 1 << 0,
  OP_CLIP6 = 1 << 1,
  OP_SIGMOID = 1 << 2,
  OP_MUL = 1 << 3,
  OP_ADD = 1 << 4,
  OP_CONCAT = 1 << 5,
  OP_MAXPOOL = 1 << 6,
  OP_GAP = 1 << 7,
  OP_FLATTEN = 1 << 8,
  OP_RESHAPE = 1 << 9,
  OP_DROPOUT = 1 << 10,
  OP_IDENTITY = 1 << 11,
};

/* What of an architecture the importer checks beyond its parameters' shapes. */
typedef struct {
  const char *name;
  guint ops;
  const char *const *stride2; /* Convolutions with stride 2, by engine name. */
  const char *unpadded;       /* A convolution larger than 1 x 1 without padding, or NULL. */
} arch_rules;

static const char *const squeezenet_stride2[] = { "features.0", NULL };
static const char *const mobilenet_stride2[] = { "features.0.0",         "features.2.conv.1.0",
                                                 "features.4.conv.1.0",  "features.7.conv.1.0",
                                                 "features.14.conv.1.0", NULL };
static const char *const efficientnet_stride2[] = {
  "features.0.0",           "features.2.0.block.1.0", "features.3.0.block.1.0",
  "features.4.0.block.1.0", "features.6.0.block.1.0", NULL
};

static const arch_rules all_rules[] = {
  { "squeezenet1_1",
    OP_RELU | OP_CONCAT | OP_MAXPOOL | OP_GAP | OP_FLATTEN | OP_RESHAPE | OP_DROPOUT | OP_IDENTITY,
    squeezenet_stride2, "features.0" },
  { "mobilenet_v2", OP_CLIP6 | OP_ADD | OP_GAP | OP_FLATTEN | OP_RESHAPE | OP_DROPOUT | OP_IDENTITY,
    mobilenet_stride2, NULL },
  { "efficientnet_b0",
    OP_SIGMOID | OP_MUL | OP_ADD | OP_GAP | OP_FLATTEN | OP_RESHAPE | OP_DROPOUT | OP_IDENTITY,
    efficientnet_stride2, NULL },
};

typedef enum { LAYER_CONV, LAYER_BN, LAYER_LINEAR } layer_kind;

/* One operator with parameters, its tensors copied out of the graph. */
typedef struct {
  layer_kind kind;
  const Onnx__NodeProto *node;
  gint64 shape[4]; /* Convolution: O, I/groups, kh, kw; linear: out, in; batch norm: C. */
  float *weight;   /* Batch norm: the scale. */
  float *bias;     /* NULL when the operator has none. */
  float *mean, *var;
  float eps;
  gboolean reads_previous; /* A batch norm reading the previous layer's output and nothing else
                            * reading it. */
} onnx_layer;

static void
onnx_layer_clear(gpointer data)
{
  onnx_layer *layer = data;

  g_free(layer->weight);
  g_free(layer->bias);
  g_free(layer->mean);
  g_free(layer->var);
}

static gboolean
is_op(const Onnx__NodeProto *node, const char *op)
{
  return strcmp(node->op_type, op) == 0;
}

static gboolean
refuse(GError **error, const Onnx__NodeProto *node, const char *arch, const char *why)
{
  g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED, "node '%s' (%s) does not fit %s: %s",
              cs_onnx_node_label(node), node->op_type, arch, why);
  return FALSE;
}

/* Whether the attribute @name of @node is absent or a list of @n copies of @value. */
static gboolean
ints_all(const Onnx__NodeProto *node, const char *name, size_t n, gint64 value)
{
  const Onnx__AttributeProto *attribute = cs_onnx_node_attribute(node, name);

  if (attribute == NULL)
    return TRUE;
  if (attribute->n_ints != n)
    return FALSE;
  for (size_t i = 0; i < n; i++)
    if (attribute->ints[i] != value)
      return FALSE;
  return TRUE;
}

/* The value of the one-element float constant @name, or NAN. */
static float
scalar_constant(const CsOnnxGraph *graph, const char *name)
{
  const Onnx__TensorProto *tensor = cs_onnx_graph_constant(graph, name);
  const Onnx__NodeProto dummy = { .name = (char *)"" };
  g_autofree float *value = NULL;

  if (tensor == NULL || cs_onnx_tensor_numel(tensor) != 1)
    return NAN;
  value = cs_onnx_tensor_dup_floats(tensor, 1, &dummy, "", NULL);
  return value != NULL ? value[0] : NAN;
}

/* Whether a Clip is ReLU6: bounds 0 and 6 as attributes (opsets before 11) or inputs. */
static gboolean
is_relu6(const CsOnnxGraph *graph, const Onnx__NodeProto *node)
{
  const Onnx__AttributeProto *lo = cs_onnx_node_attribute(node, "min");
  const Onnx__AttributeProto *hi = cs_onnx_node_attribute(node, "max");
  float min = lo != NULL && lo->has_f ? lo->f : NAN, max = hi != NULL && hi->has_f ? hi->f : NAN;

  if (node->n_input >= 3) {
    min = scalar_constant(graph, node->input[1]);
    max = scalar_constant(graph, node->input[2]);
  }
  return min == 0.0f && max == 6.0f;
}

/* Checks an operator without parameters against @rules; FALSE with an error when it does not
 * fit. */
static gboolean
check_plain_op(const CsOnnxGraph *graph, const Onnx__NodeProto *node, const arch_rules *rules,
               GError **error)
{
  static const struct {
    const char *op;
    guint bit;
  } ops[] = { { "Relu", OP_RELU },       { "Clip", OP_CLIP6 },
              { "Sigmoid", OP_SIGMOID }, { "Mul", OP_MUL },
              { "Add", OP_ADD },         { "Concat", OP_CONCAT },
              { "MaxPool", OP_MAXPOOL }, { "GlobalAveragePool", OP_GAP },
              { "Flatten", OP_FLATTEN }, { "Reshape", OP_RESHAPE },
              { "Dropout", OP_DROPOUT }, { "Identity", OP_IDENTITY } };
  guint bit = 0;

  for (size_t i = 0; i < G_N_ELEMENTS(ops); i++)
    if (is_op(node, ops[i].op))
      bit = ops[i].bit;
  if ((bit & rules->ops) == 0)
    return refuse(error, node, rules->name, "the architecture has no such operator");
  if (bit == OP_CLIP6 && !is_relu6(graph, node))
    return refuse(error, node, rules->name, "a Clip must be ReLU6 (bounds 0 and 6)");
  if ((bit == OP_ADD || bit == OP_MUL) &&
      (node->n_input != 2 || cs_onnx_graph_constant(graph, node->input[0]) != NULL ||
       cs_onnx_graph_constant(graph, node->input[1]) != NULL))
    return refuse(error, node, rules->name, "it combines the image with a constant");
  if (bit == OP_CONCAT && (cs_onnx_node_int(node, "axis", -1) != 1 || node->n_input != 2))
    return refuse(error, node, rules->name, "a Concat must join two results along channels");
  if (bit == OP_FLATTEN && cs_onnx_node_int(node, "axis", 1) != 1)
    return refuse(error, node, rules->name, "a Flatten must keep the batch axis alone");
  if (bit == OP_MAXPOOL &&
      (!ints_all(node, "kernel_shape", 2, 3) ||
       cs_onnx_node_attribute(node, "kernel_shape") == NULL || !ints_all(node, "strides", 2, 2)))
    return refuse(error, node, rules->name, "max pooling must be 3 x 3 with stride 2");
  return TRUE;
}

/* The padding attribute of @node at the start (@end 0) or end (1) of the rows. */
static gint64
pad_of(const Onnx__NodeProto *node, int end)
{
  const Onnx__AttributeProto *pads = cs_onnx_node_attribute(node, "pads");

  return pads != NULL && pads->n_ints == 4 ? pads->ints[end ? 2 : 0] : 0;
}

/* Follows the image's side through @node into @sides (value name to side, 0 once flattened),
 * and checks that max pooling gives the side the engine's ceil-mode pooling gives: torch writes
 * ceil mode for opsets 10 on, and before that pads the end by what ceil mode would add. */
static gboolean
track_side(const CsOnnxGraph *graph, const Onnx__NodeProto *node, GHashTable *sides,
           const arch_rules *rules, GError **error)
{
  const char *in = node->n_input > 0 ? node->input[0] : "";
  gint64 side = strcmp(in, graph->input) == 0 ? graph->input_size
                                              : GPOINTER_TO_INT(g_hash_table_lookup(sides, in));
  gint64 span = side + pad_of(node, 0) + pad_of(node, 1);

  if (is_op(node, "Conv")) {
    const Onnx__TensorProto *weight =
        node->n_input > 1 ? cs_onnx_graph_constant(graph, node->input[1]) : NULL;
    const Onnx__AttributeProto *strides = cs_onnx_node_attribute(node, "strides");
    gint64 k = weight != NULL && weight->n_dims == 4 ? weight->dims[2] : 1;
    gint64 stride =
        strides != NULL && strides->n_ints > 0 && strides->ints[0] > 0 ? strides->ints[0] : 1;

    side = span >= k ? (span - k) / stride + 1 : 0;
  } else if (is_op(node, "MaxPool")) {
    gint64 engine = side >= 3 ? (side - 3 + 1) / 2 + 1 : 0;

    side = span < 3                                      ? 0
           : cs_onnx_node_int(node, "ceil_mode", 0) == 1 ? (span - 3 + 1) / 2 + 1
                                                         : (span - 3) / 2 + 1;
    if (pad_of(node, 0) != 0 || side != engine || engine == 0)
      return refuse(error, node, rules->name,
                    "max pooling must give the size of 3 x 3, stride 2, ceil-mode pooling "
                    "without padding");
  } else if (is_op(node, "GlobalAveragePool"))
    side = 1;
  else if (is_op(node, "Flatten") || is_op(node, "Reshape") || is_op(node, "Gemm") ||
           is_op(node, "MatMul"))
    side = 0;
  if (node->n_output > 0 && side > 0 && side <= G_MAXINT)
    g_hash_table_insert(sides, node->output[0], GINT_TO_POINTER((int)side));
  return TRUE;
}

/* Checks a convolution's attributes against the engine's convolution @name of @rules. */
static gboolean
check_conv_attributes(const onnx_layer *layer, const arch_rules *rules, const char *name,
                      GError **error)
{
  const Onnx__NodeProto *node = layer->node;
  gint64 stride = g_strv_contains(rules->stride2, name) ? 2 : 1;
  gint64 pad =
      rules->unpadded != NULL && strcmp(rules->unpadded, name) == 0 ? 0 : layer->shape[2] / 2;
  gint64 groups = layer->shape[1] == 1 && layer->shape[0] > 1 ? layer->shape[0] : 1;
  g_autofree char *why = NULL;

  if (ints_all(node, "strides", 2, stride) && ints_all(node, "pads", 4, pad) &&
      ints_all(node, "dilations", 2, 1) && cs_onnx_node_int(node, "group", 1) == groups &&
      cs_onnx_node_attribute(node, "auto_pad") == NULL && layer->shape[2] == layer->shape[3])
    return TRUE;
  why = g_strdup_printf("%s is a %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                        " convolution with stride %" G_GINT64_FORMAT ", padding %" G_GINT64_FORMAT
                        " and %" G_GINT64_FORMAT " group%s",
                        name, layer->shape[2], layer->shape[3], stride, pad, groups,
                        groups == 1 ? "" : "s");
  return refuse(error, node, rules->name, why);
}

/* Reads the tensor input @index of @node as @numel floats. */
static float *
input_floats(const CsOnnxGraph *graph, const Onnx__NodeProto *node, size_t index, size_t numel,
             const char *what, GError **error)
{
  const Onnx__TensorProto *tensor =
      index < node->n_input ? cs_onnx_graph_constant(graph, node->input[index]) : NULL;

  if (tensor == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED, "node '%s' (%s): its %s is not a constant",
                cs_onnx_node_label(node), node->op_type, what);
    return NULL;
  }
  return cs_onnx_tensor_dup_floats(tensor, numel, node, what, error);
}

/* The shape of the constant input @index of @node when it has @ndim dimensions. */
static gboolean
input_shape(const CsOnnxGraph *graph, const Onnx__NodeProto *node, size_t index, size_t ndim,
            gint64 *shape)
{
  const Onnx__TensorProto *tensor =
      index < node->n_input ? cs_onnx_graph_constant(graph, node->input[index]) : NULL;

  if (tensor == NULL || tensor->n_dims != ndim || cs_onnx_tensor_numel(tensor) <= 0)
    return FALSE;
  for (size_t d = 0; d < ndim; d++)
    shape[d] = tensor->dims[d];
  return TRUE;
}

static gboolean
read_conv(const CsOnnxGraph *graph, const Onnx__NodeProto *node, onnx_layer *layer, GError **error)
{
  size_t numel;

  if (!input_shape(graph, node, 1, 4, layer->shape))
    return refuse(error, node, "any architecture", "its weight is not a constant of 4 dimensions");
  numel = (size_t)(layer->shape[0] * layer->shape[1] * layer->shape[2] * layer->shape[3]);
  layer->weight = input_floats(graph, node, 1, numel, "weight", error);
  if (layer->weight == NULL)
    return FALSE;
  if (node->n_input >= 3 && node->input[2][0] != '\0')
    layer->bias = input_floats(graph, node, 2, (size_t)layer->shape[0], "bias", error);
  return node->n_input < 3 || node->input[2][0] == '\0' || layer->bias != NULL;
}

static gboolean
read_bn(const CsOnnxGraph *graph, const Onnx__NodeProto *node, const onnx_layer *previous,
        onnx_layer *layer, GError **error)
{
  const Onnx__AttributeProto *eps = cs_onnx_node_attribute(node, "epsilon");
  gint64 c;

  if (node->n_input != 5 || !input_shape(graph, node, 1, 1, layer->shape))
    return refuse(error, node, "any architecture", "a batch norm needs four constant vectors");
  c = layer->shape[0];
  layer->weight = input_floats(graph, node, 1, (size_t)c, "scale", error);
  layer->bias = layer->weight ? input_floats(graph, node, 2, (size_t)c, "bias", error) : NULL;
  layer->mean = layer->bias ? input_floats(graph, node, 3, (size_t)c, "mean", error) : NULL;
  layer->var = layer->mean ? input_floats(graph, node, 4, (size_t)c, "variance", error) : NULL;
  layer->eps = eps != NULL && eps->has_f ? eps->f : 1e-5f;
  layer->reads_previous = previous != NULL && previous->kind == LAYER_CONV &&
                          strcmp(node->input[0], previous->node->output[0]) == 0 &&
                          cs_onnx_graph_n_readers(graph, node->input[0]) == 1;
  return layer->var != NULL;
}

/* A Gemm computing x W^T + b (transB 1, as torch writes it) or x W + b (transB 0). */
static gboolean
read_gemm(const CsOnnxGraph *graph, const Onnx__NodeProto *node, onnx_layer *layer, GError **error)
{
  const Onnx__AttributeProto *alpha = cs_onnx_node_attribute(node, "alpha");
  const Onnx__AttributeProto *beta = cs_onnx_node_attribute(node, "beta");
  gint64 trans_b = cs_onnx_node_int(node, "transB", 0), stored[2];
  g_autofree float *weight = NULL;

  if (cs_onnx_node_int(node, "transA", 0) != 0 || (alpha != NULL && alpha->f != 1.0f) ||
      (beta != NULL && beta->f != 1.0f) || node->n_input != 3 ||
      !input_shape(graph, node, 1, 2, stored))
    return refuse(error, node, "any architecture",
                  "a linear layer must be a Gemm of the features, a constant weight and a bias");
  weight = input_floats(graph, node, 1, (size_t)(stored[0] * stored[1]), "weight", error);
  if (weight == NULL)
    return FALSE;
  layer->shape[0] = trans_b ? stored[0] : stored[1];
  layer->shape[1] = trans_b ? stored[1] : stored[0];
  if (trans_b)
    layer->weight = g_steal_pointer(&weight);
  else {
    layer->weight = g_new(float, (size_t)(stored[0] * stored[1]));
    for (gint64 r = 0; r < stored[0]; r++)
      for (gint64 c = 0; c < stored[1]; c++)
        layer->weight[c * stored[0] + r] = weight[r * stored[1] + c];
  }
  layer->bias = input_floats(graph, node, 2, (size_t)layer->shape[0], "bias", error);
  return layer->bias != NULL;
}

/* A MatMul by a constant [in, out] matrix, whose result only an Add of a bias reads. */
static gboolean
read_matmul(const CsOnnxGraph *graph, const Onnx__NodeProto *node, const Onnx__NodeProto *add,
            onnx_layer *layer, GError **error)
{
  g_autofree float *weight = NULL;
  gint64 stored[2];

  if (node->n_input != 2 || !input_shape(graph, node, 1, 2, stored) || add == NULL ||
      !is_op(add, "Add") || add->n_input != 2 ||
      cs_onnx_graph_n_readers(graph, node->output[0]) != 1)
    return refuse(error, node, "any architecture",
                  "a MatMul must multiply the features by a constant and be followed by an Add "
                  "of the bias");
  weight = input_floats(graph, node, 1, (size_t)(stored[0] * stored[1]), "weight", error);
  if (weight == NULL)
    return FALSE;
  layer->shape[0] = stored[1];
  layer->shape[1] = stored[0];
  layer->weight = g_new(float, (size_t)(stored[0] * stored[1]));
  for (gint64 r = 0; r < stored[0]; r++)
    for (gint64 c = 0; c < stored[1]; c++)
      layer->weight[c * stored[0] + r] = weight[r * stored[1] + c];
  layer->bias = input_floats(graph, add, strcmp(add->input[0], node->output[0]) == 0 ? 1 : 0,
                             (size_t)layer->shape[0], "bias", error);
  return layer->bias != NULL;
}

/* Checks the operators of the walk against @rules and collects the ones with parameters, up to
 * the first that does not fit, whose error goes to @stopped. */
static GArray *
collect_layers(const CsOnnxGraph *graph, const arch_rules *rules, GError **stopped)
{
  g_autoptr(GArray) layers = g_array_new(FALSE, TRUE, sizeof(onnx_layer));
  g_autoptr(GHashTable) sides = g_hash_table_new(g_str_hash, g_str_equal);

  g_array_set_clear_func(layers, onnx_layer_clear);
  for (guint i = 0; i < graph->order->len; i++) {
    const Onnx__NodeProto *node = g_ptr_array_index(graph->order, i);
    const Onnx__NodeProto *after =
        i + 1 < graph->order->len ? g_ptr_array_index(graph->order, i + 1) : NULL;
    onnx_layer layer = { .node = node };
    gboolean ok;

    if (!track_side(graph, node, sides, rules, stopped))
      break;
    if (is_op(node, "Conv")) {
      layer.kind = LAYER_CONV;
      ok = read_conv(graph, node, &layer, stopped);
    } else if (is_op(node, "BatchNormalization")) {
      layer.kind = LAYER_BN;
      ok = read_bn(graph, node,
                   layers->len > 0 ? &g_array_index(layers, onnx_layer, layers->len - 1) : NULL,
                   &layer, stopped);
    } else if (is_op(node, "Gemm")) {
      layer.kind = LAYER_LINEAR;
      ok = read_gemm(graph, node, &layer, stopped);
    } else if (is_op(node, "MatMul")) {
      layer.kind = LAYER_LINEAR;
      ok = read_matmul(graph, node, after, &layer, stopped);
      i++; /* The Add of the bias is part of this layer. */
    } else {
      if (!check_plain_op(graph, node, rules, stopped))
        break;
      continue;
    }
    if (!ok) {
      onnx_layer_clear(&layer);
      break;
    }
    g_array_append_val(layers, layer);
  }
  return g_steal_pointer(&layers);
}

/* The engine's parameters, grouped by layer: the index of each group's first parameter. */
static GArray *
engine_groups(csnn_net *net)
{
  GArray *starts = g_array_new(FALSE, FALSE, sizeof(size_t));
  size_t n = csnn_net_n_params(net);

  for (size_t p = 0; p < n; p++) {
    const char *name = csnn_net_param(net, p)->name;
    const char *prev = p > 0 ? csnn_net_param(net, p - 1)->name : NULL;
    size_t prefix = (size_t)(strrchr(name, '.') - name);

    if (prev == NULL || strncmp(prev, name, prefix + 1) != 0 || strchr(prev + prefix + 1, '.'))
      g_array_append_val(starts, p);
  }
  return starts;
}

/* Whether engine group @g (at parameter @p) is a batch norm. */
static gboolean
group_is_bn(csnn_net *net, size_t p)
{
  return p + 2 < csnn_net_n_params(net) &&
         g_str_has_suffix(csnn_net_param(net, p + 2)->name, ".running_mean");
}

static gboolean
same_shape(const csnn_param *param, const gint64 *shape)
{
  for (int d = 0; d < param->ndim; d++)
    if (param->shape[d] != shape[d])
      return FALSE;
  return TRUE;
}

/* Sets the batch norm at parameter @p from @bn, or to the identity plus @bias when @bn is NULL. */
static void
set_bn(csnn_net *net, size_t p, const onnx_layer *bn, const float *bias)
{
  csnn_param *w = csnn_net_param(net, p), *b = csnn_net_param(net, p + 1);
  csnn_param *mean = csnn_net_param(net, p + 2), *var = csnn_net_param(net, p + 3);

  for (size_t c = 0; c < w->numel; c++) {
    if (bn == NULL) {
      w->data[c] = 1.0f;
      b->data[c] = bias != NULL ? bias[c] : 0.0f;
      mean->data[c] = 0.0f;
      var->data[c] = 1.0f - ENGINE_BN_EPS;
      continue;
    }
    /* Same scale 1/sqrt(var + eps) under the engine's epsilon. */
    var->data[c] = bn->var[c] + bn->eps - ENGINE_BN_EPS;
    w->data[c] = bn->weight[c];
    if (var->data[c] < 0.0f) {
      w->data[c] *= sqrtf(ENGINE_BN_EPS / (bn->var[c] + bn->eps));
      var->data[c] = 0.0f;
    }
    b->data[c] = bn->bias[c];
    mean->data[c] = bn->mean[c];
  }
}

static char *
shape_text(const gint64 *shape, int ndim)
{
  GString *text = g_string_new(NULL);

  for (int d = 0; d < ndim; d++)
    g_string_append_printf(text, "%s%" G_GINT64_FORMAT, d ? " x " : "", shape[d]);
  return g_string_free(text, FALSE);
}

/* Lays the graph's layers beside the engine's parameters and copies them in; returns how many
 * layers fitted before the first that did not (for choosing whose error to report), or
 * G_MAXUINT when all did. @partial: the layers stop early, and that is not this error. */
static guint
map_layers(csnn_net *net, GArray *layers, const arch_rules *rules, gboolean partial,
           CsOnnxImportInfo *info, GError **error)
{
  g_autoptr(GArray) groups = engine_groups(net);
  guint j = 0;

  for (guint g = 0; g < groups->len; g++, j++) {
    size_t p = g_array_index(groups, size_t, g);
    csnn_param *weight = csnn_net_param(net, p);
    g_autofree char *prefix = g_strndup(weight->name, strlen(weight->name) - strlen(".weight"));
    const onnx_layer *layer = j < layers->len ? &g_array_index(layers, onnx_layer, j) : NULL;
    layer_kind kind = weight->ndim == 4 ? LAYER_CONV : LAYER_LINEAR;
    gboolean has_bias = p + 1 < csnn_net_n_params(net) &&
                        g_str_has_prefix(csnn_net_param(net, p + 1)->name, prefix) &&
                        g_str_has_suffix(csnn_net_param(net, p + 1)->name, ".bias");

    if (layer == NULL) {
      if (partial)
        return j;
      g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED, "the graph ends before %s's layer %s",
                  rules->name, prefix);
      return j;
    }
    if (layer->kind != kind || !same_shape(weight, layer->shape)) {
      g_autofree char *want = shape_text(weight->shape, weight->ndim);
      g_autofree char *have = shape_text(layer->shape, layer->kind == LAYER_CONV ? 4
                                                       : layer->kind == LAYER_BN ? 1
                                                                                 : 2);
      g_autofree char *why =
          g_strdup_printf("its weight is %s where the architecture's %s is a %s of weight %s", have,
                          prefix, kind == LAYER_CONV ? "convolution" : "linear layer", want);
      refuse(error, layer->node, rules->name, why);
      return j;
    }
    if (kind == LAYER_CONV && !check_conv_attributes(layer, rules, prefix, error))
      return j;
    memcpy(weight->data, layer->weight, weight->numel * sizeof(float));
    if (has_bias) {
      csnn_param *bias = csnn_net_param(net, p + 1);

      for (size_t c = 0; c < bias->numel; c++)
        bias->data[c] = layer->bias != NULL ? layer->bias[c] : 0.0f;
    }
    if (g + 1 < groups->len && group_is_bn(net, g_array_index(groups, size_t, g + 1))) {
      const onnx_layer *bn = j + 1 < layers->len ? &g_array_index(layers, onnx_layer, j + 1) : NULL;
      gboolean separate = bn != NULL && bn->kind == LAYER_BN && bn->reads_previous;

      set_bn(net, g_array_index(groups, size_t, g + 1), separate ? bn : NULL,
             separate ? NULL : layer->bias);
      if (separate) {
        info->bn_separate++;
        j++;
      } else
        info->bn_folded++;
      g++;
    }
  }
  if (j < layers->len) {
    refuse(error, g_array_index(layers, onnx_layer, j).node, rules->name,
           "the architecture has no more layers with parameters");
    return j;
  }
  return G_MAXUINT;
}

/* The number of classes: the outputs of the last layer with parameters. */
static int
count_classes(GArray *layers)
{
  const onnx_layer *last;

  if (layers->len == 0)
    return 0;
  last = &g_array_index(layers, onnx_layer, layers->len - 1);
  return last->kind == LAYER_BN ? 0 : (int)last->shape[0];
}

/* Builds @rules' architecture from @graph; on failure returns NULL and how far it fitted. */
static csnn_net *
import_as(const CsOnnxGraph *graph, const arch_rules *rules, CsOnnxImportInfo *info, guint *fitted,
          GError **error)
{
  g_autoptr(GError) stopped = NULL;
  g_autoptr(GArray) layers = collect_layers(graph, rules, &stopped);
  g_autoptr(GError) mismatch = NULL;
  csnn_net *net = NULL;
  int n_classes = count_classes(layers), status;

  *fitted = 0;
  if (stopped == NULL && (n_classes < 1 || n_classes > CSNN_MAX_CLASSES)) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "the graph's last layer with parameters is not a classifier of 1 to %d classes",
                CSNN_MAX_CLASSES);
    return NULL;
  }
  /* When the walk stopped early the layers before the stop are still laid beside the engine's,
   * so that the first node that does not fit, of either kind, is the one reported. */
  if (n_classes < 1 || n_classes > CSNN_MAX_CLASSES)
    n_classes = 2;
  status = csnn_net_new(rules->name, n_classes, &net);
  if (status != CSNN_OK) {
    cs_error_from_engine(error, status, rules->name);
    return NULL;
  }
  info->bn_folded = info->bn_separate = 0;
  *fitted = map_layers(net, layers, rules, stopped != NULL, info, &mismatch);
  if (*fitted != G_MAXUINT || stopped != NULL) {
    csnn_net_free(net);
    g_propagate_error(error,
                      mismatch != NULL ? g_steal_pointer(&mismatch) : g_steal_pointer(&stopped));
    *fitted = MIN(*fitted, layers->len);
    return NULL;
  }
  csnn_net_params_changed(net);
  g_strlcpy(info->arch, rules->name, sizeof info->arch);
  info->n_classes = n_classes;
  return net;
}

/* Reads three numbers, as "[0.5, 0.5, 0.5]", "0.5,0.5,0.5" or "0.5 0.5 0.5", into @out. */
static gboolean
parse_three(const char *text, float out[3])
{
  g_autofree char *copy = g_strdup(text);
  g_auto(GStrv) parts = NULL;
  int n = 0;

  g_strdelimit(g_strstrip(copy), "[],;", ' ');
  parts = g_strsplit(copy, " ", -1);
  for (int i = 0; parts[i] != NULL; i++) {
    char *end = NULL;
    double value;

    if (parts[i][0] == '\0')
      continue;
    value = g_ascii_strtod(parts[i], &end);
    if (n == 3 || end == parts[i] || *end != '\0' || !isfinite(value))
      return FALSE;
    out[n++] = (float)value;
  }
  return n == 3;
}

/* Reads "mean" and "std" from the model's metadata_props into @info, when it has them. */
static gboolean
read_meta_norm(const Onnx__ModelProto *model, CsOnnxImportInfo *info, GError **error)
{
  const char *keys[2] = { "mean", "std" };
  float *out[2] = { info->meta_mean, info->meta_std };
  int found = 0;

  for (size_t i = 0; i < model->n_metadata_props; i++) {
    const Onnx__StringStringEntryProto *prop = model->metadata_props[i];

    for (int k = 0; k < 2; k++) {
      if (prop->key == NULL || strcmp(prop->key, keys[k]) != 0)
        continue;
      if (prop->value == NULL || !parse_three(prop->value, out[k]) ||
          (k == 1 && !(out[1][0] > 0.0f && out[1][1] > 0.0f && out[1][2] > 0.0f))) {
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                    "the model's metadata '%s' is not three numbers%s (as [0.5, 0.5, 0.5])",
                    keys[k], k == 1 ? " above zero" : "");
        return FALSE;
      }
      found |= 1 << k;
    }
  }
  if (found == 1 || found == 2) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "the model's metadata gives '%s' without '%s'; give both or neither",
                keys[found - 1], keys[2 - found]);
    return FALSE;
  }
  info->has_meta_norm = found == 3;
  return TRUE;
}

gboolean
cs_onnx_import_available(void)
{
  return TRUE;
}

csnn_net *
cs_onnx_import_bytes(const guint8 *data, gsize size, const char *arch, CsOnnxImportInfo *info,
                     GError **error)
{
  g_autoptr(CsOnnxGraph) graph = cs_onnx_graph_new(data, size, error);
  g_autoptr(GError) best_error = NULL;
  CsOnnxImportInfo scratch = { 0 };
  const char *best_arch = NULL;
  guint best = 0;

  if (info == NULL)
    info = &scratch;
  memset(info, 0, sizeof *info);
  if (graph == NULL)
    return NULL;
  info->input_size = graph->input_size;
  g_snprintf(info->producer, sizeof info->producer, "%s %s",
             graph->model->producer_name ? graph->model->producer_name : "",
             graph->model->producer_version ? graph->model->producer_version : "");
  info->norm_nodes = graph->n_norm_nodes;
  if (graph->norm_node != NULL)
    g_strlcpy(info->norm_node, cs_onnx_node_label(graph->norm_node), sizeof info->norm_node);
  memcpy(info->norm_scale, graph->norm_scale, sizeof info->norm_scale);
  memcpy(info->norm_shift, graph->norm_shift, sizeof info->norm_shift);
  if (!read_meta_norm(graph->model, info, error))
    return NULL;
  for (size_t a = 0; a < G_N_ELEMENTS(all_rules); a++) {
    g_autoptr(GError) local = NULL;
    guint fitted;
    csnn_net *net;

    if (arch != NULL && strcmp(arch, all_rules[a].name) != 0)
      continue;
    net = import_as(graph, &all_rules[a], info, &fitted, &local);
    if (net != NULL)
      return net;
    /* Report the architecture the graph came closest to. */
    if (best_error == NULL || fitted > best) {
      best_arch = all_rules[a].name;
      g_clear_error(&best_error);
      best_error = g_steal_pointer(&local);
      best = fitted;
    }
  }
  if (best_error == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "unknown architecture '%s' (squeezenet1_1, mobilenet_v2 or efficientnet_b0)", arch);
    return NULL;
  }
  if (arch == NULL)
    g_prefix_error(&best_error,
                   "the graph is none of squeezenet1_1, mobilenet_v2 and efficientnet_b0 "
                   "(closest: %s): ",
                   best_arch);
  g_propagate_error(error, g_steal_pointer(&best_error));
  return NULL;
}
