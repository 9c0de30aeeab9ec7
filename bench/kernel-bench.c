/* kernel-bench.c — the engine's convolution kernels alone, one thread, layer by layer
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   kernel-bench [--calls N] [--rounds R] [--path avx2|avx512|portable] [FILTER]
 *
 * Times csnn_conv2d_forward_packed() on one thread for the layer shapes of the three classifiers
 * at 224 px that the vector kernels handle specially (depthwise 3 x 3 and 5 x 5 with stride 1 and
 * 2, SqueezeNet's 3 x 3 expand layers, and for comparison a few pointwise ones), best of R rounds
 * of N calls, on each path the processor has (or the one named), and prints microseconds per call
 * and GFLOP/s (2 x multiply-adds). FILTER keeps the layers whose name contains it. Run it before
 * and after a kernel change in the same session, alternately, on a machine as quiet as can be: it
 * measures one core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csnn-ops.h"
#include "csnn-simd.h"

typedef struct {
  const char *name;
  int c_in, c_out, k, stride, hw, groups;
} layer;

static const layer layers[] = {
  { "mnv2-dw3-s1-112", 32, 32, 3, 1, 112, 32 },   { "mnv2-dw3-s2-112", 96, 96, 3, 2, 112, 96 },
  { "mnv2-dw3-s1-56", 144, 144, 3, 1, 56, 144 },  { "mnv2-dw3-s2-56", 144, 144, 3, 2, 56, 144 },
  { "mnv2-dw3-s1-28", 192, 192, 3, 1, 28, 192 },  { "mnv2-dw3-s2-28", 192, 192, 3, 2, 28, 192 },
  { "mnv2-dw3-s1-14", 576, 576, 3, 1, 14, 576 },  { "mnv2-dw3-s2-14", 576, 576, 3, 2, 14, 576 },
  { "mnv2-dw3-s1-7", 960, 960, 3, 1, 7, 960 },    { "effb0-dw5-s2-56", 144, 144, 5, 2, 56, 144 },
  { "effb0-dw5-s1-28", 240, 240, 5, 1, 28, 240 }, { "effb0-dw5-s1-14", 672, 672, 5, 1, 14, 672 },
  { "effb0-dw5-s2-14", 672, 672, 5, 2, 14, 672 }, { "effb0-dw5-s1-7", 1152, 1152, 5, 1, 7, 1152 },
  { "sq-expand3-55", 16, 64, 3, 1, 55, 1 },       { "sq-expand3-27", 32, 128, 3, 1, 27, 1 },
  { "sq-expand3-13a", 48, 192, 3, 1, 13, 1 },     { "sq-expand3-13b", 64, 256, 3, 1, 13, 1 },
  { "sq-expand1-55", 16, 64, 1, 1, 55, 1 },       { "sq-expand1-13b", 64, 256, 1, 1, 13, 1 },
  { "mnv2-project-14", 576, 96, 1, 1, 14, 1 },    { "mnv2-expand-56", 24, 144, 1, 1, 56, 1 },
};

static double
now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *
filled(size_t n, unsigned seed)
{
  float *x = malloc(n * sizeof(float));

  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = (float)(seed >> 8) / (float)(1 << 24) - 0.5f;
  }
  return x;
}

/* Best microseconds per call of @l on the path in use. */
static double
time_layer(const layer *l, int calls, int rounds, double *gflop)
{
  csnn_conv2d_desc d = { .c_in = l->c_in,
                         .c_out = l->c_out,
                         .kh = l->k,
                         .kw = l->k,
                         .stride_h = l->stride,
                         .stride_w = l->stride,
                         .pad_h = l->k / 2,
                         .pad_w = l->k / 2,
                         .groups = l->groups,
                         .h_in = l->hw,
                         .w_in = l->hw,
                         .act = CSNN_ACT_RELU6 };
  float *x, *w, *b, *y, *packed, *scratch;
  double best = 1e30;

  if (csnn_conv2d_setup(&d) != CSNN_OK)
    return -1.0;
  x = filled((size_t)d.c_in * (size_t)d.h_in * (size_t)d.w_in, 1);
  w = filled((size_t)d.c_out * (size_t)(d.c_in / d.groups) * (size_t)(d.kh * d.kw), 2);
  b = filled((size_t)d.c_out, 3);
  y = malloc((size_t)d.c_out * (size_t)d.h_out * (size_t)d.w_out * sizeof(float));
  packed = malloc(csnn_conv2d_packed_floats(&d) * sizeof(float));
  scratch = calloc(csnn_conv2d_scratch_floats(&d) + 1, sizeof(float));
  csnn_conv2d_pack(&d, w, packed);
  *gflop = 2e-9 * (double)d.c_out * (double)(d.c_in / d.groups) * (double)(d.kh * d.kw) *
           (double)d.h_out * (double)d.w_out;
  csnn_conv2d_forward_packed(&d, 1, x, packed, b, y, scratch, 0, 1);
  for (int r = 0; r < rounds; r++) {
    double t0 = now(), t;

    for (int c = 0; c < calls; c++)
      csnn_conv2d_forward_packed(&d, 1, x, packed, b, y, scratch, 0, 1);
    t = (now() - t0) / calls;
    if (t < best)
      best = t;
  }
  free(x);
  free(w);
  free(b);
  free(y);
  free(packed);
  free(scratch);
  return best * 1e6;
}

int
main(int argc, char **argv)
{
  int calls = 50, rounds = 5, only = -1;
  const char *filter = NULL;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--calls") == 0 && i + 1 < argc)
      calls = atoi(argv[++i]);
    else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
      rounds = atoi(argv[++i]);
    else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc) {
      const char *p = argv[++i];

      only = strcmp(p, "portable") == 0 ? CSNN_SIMD_PORTABLE
             : strcmp(p, "avx2") == 0   ? CSNN_SIMD_AVX2
             : strcmp(p, "avx512") == 0 ? CSNN_SIMD_AVX512
                                        : -2;
      if (only == -2) {
        fprintf(stderr, "kernel-bench: --path %s: expected portable, avx2 or avx512\n", p);
        return 2;
      }
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "usage: kernel-bench [--calls N] [--rounds R] [--path avx2|avx512|portable] "
                      "[FILTER]\n");
      return 2;
    } else {
      filter = argv[i];
    }
  }
  if (calls < 1 || rounds < 1) {
    fprintf(stderr, "kernel-bench: --calls and --rounds must be at least 1\n");
    return 2;
  }
  printf("%-18s %8s %10s %10s\n", "layer", "path", "us/call", "GFLOP/s");
  for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
    if (filter != NULL && strstr(layers[i].name, filter) == NULL)
      continue;
    for (int p = only >= 0 ? only : CSNN_SIMD_AVX2; p <= (only >= 0 ? only : CSNN_SIMD_AVX512);
         p++) {
      double gflop = 0.0, us;

      if (csnn__simd_force(p) != CSNN_OK)
        continue;
      us = time_layer(&layers[i], calls, rounds, &gflop);
      printf("%-18s %8s %10.1f %10.1f\n", layers[i].name, csnn__simd_name((csnn_simd)p), us,
             gflop / (us * 1e-6));
    }
  }
  return 0;
}
