/* csnn-arch.c — SqueezeNet 1.1, MobileNetV2 and EfficientNet-B0 as torchvision 0.14 builds them
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each builder walks the same module tree as torchvision's class, so that every parameter gets
 * the state_dict name PyTorch gives it (features.3.squeeze.weight, features.2.conv.1.1.bias,
 * features.4.1.block.2.fc1.weight, ...). All batch norms use torchvision's default eps, 1e-5.
 */
#include <stdio.h>
#include <string.h>

#include "csnn-net-private.h"

static const char *const arch_names[] = { "squeezenet1_1", "mobilenet_v2", "efficientnet_b0",
                                          NULL };

const char *const *
csnn_arch_names(void)
{
  return arch_names;
}

static int
add_fire(csnn__builder *b, int in, int index, int squeeze, int expand)
{
  char name[64];
  int s, e1, e3;
  csnn__node cat = { .op = CSNN__NODE_CONCAT };

  snprintf(name, sizeof name, "features.%d.squeeze", index);
  s = csnn__add_conv(b, in, name, NULL, squeeze, 1, 1, 0, 1, 1, CSNN_ACT_RELU);
  snprintf(name, sizeof name, "features.%d.expand1x1", index);
  e1 = csnn__add_conv(b, s, name, NULL, expand, 1, 1, 0, 1, 1, CSNN_ACT_RELU);
  snprintf(name, sizeof name, "features.%d.expand3x3", index);
  e3 = csnn__add_conv(b, s, name, NULL, expand, 3, 1, 1, 1, 1, CSNN_ACT_RELU);
  cat.in[0] = e1;
  cat.in[1] = e3;
  return csnn__add_node(b, &cat);
}

static int
add_maxpool(csnn__builder *b, int in)
{
  csnn__node pool = { .op = CSNN__NODE_POOL, .in = { in, -1 } };

  pool.pool.kind = CSNN_POOL_MAX;
  pool.pool.kh = pool.pool.kw = 3;
  pool.pool.stride_h = pool.pool.stride_w = 2;
  pool.pool.ceil_mode = 1;
  return csnn__add_node(b, &pool);
}

static int
build_squeezenet1_1(csnn__builder *b, int num_classes)
{
  int x = 0;
  csnn__node gap = { .op = CSNN__NODE_GAP };

  x = csnn__add_conv(b, x, "features.0", NULL, 64, 3, 2, 0, 1, 1, CSNN_ACT_RELU);
  x = add_maxpool(b, x);
  x = add_fire(b, x, 3, 16, 64);
  x = add_fire(b, x, 4, 16, 64);
  x = add_maxpool(b, x);
  x = add_fire(b, x, 6, 32, 128);
  x = add_fire(b, x, 7, 32, 128);
  x = add_maxpool(b, x);
  x = add_fire(b, x, 9, 48, 192);
  x = add_fire(b, x, 10, 48, 192);
  x = add_fire(b, x, 11, 64, 256);
  x = add_fire(b, x, 12, 64, 256);
  /* classifier.0 is a dropout (identity here), classifier.1 the final convolution. */
  x = csnn__add_conv(b, x, "classifier.1", NULL, num_classes, 1, 1, 0, 1, 1, CSNN_ACT_RELU);
  if (x >= 0)
    b->net->nodes[x].drop_p = 0.5f;
  gap.in[0] = x;
  gap.in[1] = -1;
  return csnn__add_node(b, &gap) >= 0 ? CSNN_OK : CSNN_ERR_NOMEM;
}

static int
add_classifier(csnn__builder *b, int x, int features, int num_classes, float dropout)
{
  csnn__node gap = { .op = CSNN__NODE_GAP, .in = { x, -1 } };
  csnn__node fc = { .op = CSNN__NODE_LINEAR, .drop_p = dropout };

  x = csnn__add_node(b, &gap);
  fc.in[0] = x;
  fc.in[1] = -1;
  fc.c = num_classes;
  fc.p_weight = csnn__add_param(b, "classifier.1", "weight", 2, num_classes, features, 0, 0);
  fc.p_bias = csnn__add_param(b, "classifier.1", "bias", 1, num_classes, 0, 0, 0);
  fc.p_bn = -1;
  return csnn__add_node(b, &fc) >= 0 ? CSNN_OK : CSNN_ERR_NOMEM;
}

static int
build_mobilenet_v2(csnn__builder *b, int num_classes)
{
  static const int settings[7][4] = { { 1, 16, 1, 1 }, { 6, 24, 2, 2 }, { 6, 32, 3, 2 },
                                      { 6, 64, 4, 2 }, { 6, 96, 3, 1 }, { 6, 160, 3, 2 },
                                      { 6, 320, 1, 1 } };
  int x, index = 1, c_in = 32;
  char conv[64], bn[64];

  x = csnn__add_conv(b, 0, "features.0.0", "features.0.1", 32, 3, 2, 1, 1, 0, CSNN_ACT_RELU6);
  for (int s = 0; s < 7; s++) {
    int t = settings[s][0], c_out = settings[s][1], repeats = settings[s][2];

    for (int r = 0; r < repeats; r++, index++) {
      int stride = r == 0 ? settings[s][3] : 1;
      int hidden = c_in * t;
      int block_in = x, layer = 0;

      if (t != 1) {
        snprintf(conv, sizeof conv, "features.%d.conv.0.0", index);
        snprintf(bn, sizeof bn, "features.%d.conv.0.1", index);
        x = csnn__add_conv(b, x, conv, bn, hidden, 1, 1, 0, 1, 0, CSNN_ACT_RELU6);
        layer = 1;
      }
      snprintf(conv, sizeof conv, "features.%d.conv.%d.0", index, layer);
      snprintf(bn, sizeof bn, "features.%d.conv.%d.1", index, layer);
      x = csnn__add_conv(b, x, conv, bn, hidden, 3, stride, 1, hidden, 0, CSNN_ACT_RELU6);
      snprintf(conv, sizeof conv, "features.%d.conv.%d", index, layer + 1);
      snprintf(bn, sizeof bn, "features.%d.conv.%d", index, layer + 2);
      x = csnn__add_conv(b, x, conv, bn, c_out, 1, 1, 0, 1, 0, CSNN_ACT_NONE);
      if (stride == 1 && c_in == c_out) {
        csnn__node add = { .op = CSNN__NODE_ADD, .in = { block_in, x } };
        x = csnn__add_node(b, &add);
      }
      c_in = c_out;
    }
  }
  x = csnn__add_conv(b, x, "features.18.0", "features.18.1", 1280, 1, 1, 0, 1, 0, CSNN_ACT_RELU6);
  return add_classifier(b, x, 1280, num_classes, 0.2f);
}

static int
build_efficientnet_b0(csnn__builder *b, int num_classes)
{
  /* expand ratio, kernel, stride, input channels, output channels, layers */
  static const int settings[7][6] = { { 1, 3, 1, 32, 16, 1 },  { 6, 3, 2, 16, 24, 2 },
                                      { 6, 5, 2, 24, 40, 2 },  { 6, 3, 2, 40, 80, 3 },
                                      { 6, 5, 1, 80, 112, 3 }, { 6, 5, 2, 112, 192, 4 },
                                      { 6, 3, 1, 192, 320, 1 } };
  int x, block_id = 0, total_blocks = 16;
  char conv[80], bn[80], prefix[64];

  x = csnn__add_conv(b, 0, "features.0.0", "features.0.1", 32, 3, 2, 1, 1, 0, CSNN_ACT_SILU);
  for (int s = 0; s < 7; s++) {
    int t = settings[s][0], k = settings[s][1];

    for (int r = 0; r < settings[s][5]; r++, block_id++) {
      int c_in = r == 0 ? settings[s][3] : settings[s][4];
      int c_out = settings[s][4];
      int stride = r == 0 ? settings[s][2] : 1;
      int expanded = c_in * t;
      int squeeze = c_in / 4 > 1 ? c_in / 4 : 1;
      int block_in = x, layer = 0, pooled, scale;

      snprintf(prefix, sizeof prefix, "features.%d.%d.block", s + 1, r);
      if (expanded != c_in) {
        snprintf(conv, sizeof conv, "%s.0.0", prefix);
        snprintf(bn, sizeof bn, "%s.0.1", prefix);
        x = csnn__add_conv(b, x, conv, bn, expanded, 1, 1, 0, 1, 0, CSNN_ACT_SILU);
        layer = 1;
      }
      snprintf(conv, sizeof conv, "%s.%d.0", prefix, layer);
      snprintf(bn, sizeof bn, "%s.%d.1", prefix, layer);
      x = csnn__add_conv(b, x, conv, bn, expanded, k, stride, (k - 1) / 2, expanded, 0,
                         CSNN_ACT_SILU);
      {
        csnn__node gap = { .op = CSNN__NODE_GAP, .in = { x, -1 } };
        pooled = csnn__add_node(b, &gap);
      }
      snprintf(conv, sizeof conv, "%s.%d.fc1", prefix, layer + 1);
      scale = csnn__add_conv(b, pooled, conv, NULL, squeeze, 1, 1, 0, 1, 1, CSNN_ACT_SILU);
      snprintf(conv, sizeof conv, "%s.%d.fc2", prefix, layer + 1);
      scale = csnn__add_conv(b, scale, conv, NULL, expanded, 1, 1, 0, 1, 1, CSNN_ACT_SIGMOID);
      {
        csnn__node mul = { .op = CSNN__NODE_MUL_CH, .in = { x, scale } };
        x = csnn__add_node(b, &mul);
      }
      snprintf(conv, sizeof conv, "%s.%d.0", prefix, layer + 2);
      snprintf(bn, sizeof bn, "%s.%d.1", prefix, layer + 2);
      x = csnn__add_conv(b, x, conv, bn, c_out, 1, 1, 0, 1, 0, CSNN_ACT_NONE);
      if (stride == 1 && c_in == c_out) {
        /* Stochastic depth grows linearly with the block's depth, as torchvision's 0.2 * i / n. */
        csnn__node add = { .op = CSNN__NODE_ADD, .in = { block_in, x } };
        add.drop_p = 0.2f * (float)block_id / (float)total_blocks;
        x = csnn__add_node(b, &add);
      }
    }
  }
  x = csnn__add_conv(b, x, "features.8.0", "features.8.1", 1280, 1, 1, 0, 1, 0, CSNN_ACT_SILU);
  return add_classifier(b, x, 1280, num_classes, 0.2f);
}

int
csnn__build_arch(csnn__builder *b, const char *arch, int num_classes)
{
  int status;

  if (strcmp(arch, "squeezenet1_1") == 0)
    status = build_squeezenet1_1(b, num_classes);
  else if (strcmp(arch, "mobilenet_v2") == 0)
    status = build_mobilenet_v2(b, num_classes);
  else if (strcmp(arch, "efficientnet_b0") == 0)
    status = build_efficientnet_b0(b, num_classes);
  else
    return csnn_set_error(CSNN_ERR_UNSUPPORTED,
                          "unknown architecture \"%s\" (known: squeezenet1_1, mobilenet_v2, "
                          "efficientnet_b0)",
                          arch);
  if (status == CSNN_OK && b->failed)
    status = CSNN_ERR_NOMEM;
  return status;
}
