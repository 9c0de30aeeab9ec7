/* seg-bench.c — the nerve-finding U-Net's speed on one frame, and the machine's FLOP peak
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: seg-bench [--rounds N] [--flip] [HxW:BASE:DEPTH ...]   (default 192x256:8:4)
 *        seg-bench [--rounds N] --finder MODEL IMAGE
 *
 * For each shape: a seeded U-Net, three warm-up frames, then the best and the median of N
 * single-frame passes (batch 1, the engine's threads: what tracking a sweep does frame by
 * frame). Prints GFLOP per frame, ms, frames/s, GFLOP/s and that as a share of the practical
 * peak: a 1024^3 sgemm run by every thread of the pool at once on its own matrices (OpenBLAS
 * single-threaded inside the pool, as the engine runs it). --flip times the shapes after it with
 * the test-time flip (csnn_seg_forward_flip(): the frame and its mirror image, twice the GFLOP),
 * as the nerve finder runs a model that asks for it.
 *
 * --finder times the whole rule a frame of IMAGE goes through (cs_nerve_finder_run()): resampling,
 * the network or, for a two-stage model, both networks with the refiner's window, the map brought
 * back to the frame's size and its regions; the same table, with the networks' GFLOP.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs-nerve-finder.h"
#include "cs-sweep.h"
#include "csnn-pool.h"
#include "csnn-seg.h"

static double
now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

#define PEAK_N 1024

static void
peak_job(void *data, int ith, int nth)
{
  float **m = data;
  float *a = m[3 * ith], *b = m[3 * ith + 1], *c = m[3 * ith + 2];

  (void)nth;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, PEAK_N, PEAK_N, PEAK_N, 1.0f, a, PEAK_N, b,
              PEAK_N, 0.0f, c, PEAK_N);
}

/* GFLOP/s of every pool thread running its own 1024^3 sgemm at once (best of 5). */
static double
machine_peak(void)
{
  csnn_pool *pool = csnn_pool_default();
  int nth = csnn_pool_n_threads(pool);
  float **m = calloc((size_t)nth * 3, sizeof(float *));
  double best = 1e30;

  for (int i = 0; i < nth * 3; i++) {
    m[i] = malloc((size_t)PEAK_N * PEAK_N * sizeof(float));
    for (size_t k = 0; k < (size_t)PEAK_N * PEAK_N; k++)
      m[i][k] = (float)(k % 7) * 0.1f;
  }
  for (int r = 0; r < 5; r++) {
    double t0 = now();
    csnn_pool_run(pool, peak_job, m);
    if (now() - t0 < best)
      best = now() - t0;
  }
  for (int i = 0; i < nth * 3; i++)
    free(m[i]);
  free(m);
  return 2.0 * PEAK_N * PEAK_N * (double)PEAK_N * nth / best / 1e9;
}

static int
bench(const csnn_seg_shape *shape, int rounds, int flip, double peak)
{
  csnn_seg *seg;
  size_t n = (size_t)shape->height * (size_t)shape->width;
  float *input = malloc(n * sizeof(float)), *prob = malloc(n * sizeof(float));
  double *times = malloc((size_t)rounds * sizeof(double));
  double gflop = csnn_seg_gflop(shape) * (flip ? 2 : 1);

  if (csnn_seg_new(shape, &seg) != CSNN_OK) {
    fprintf(stderr, "seg-bench: %s\n", csnn_last_error());
    return 1;
  }
  csnn_seg_init_random(seg, 1);
  for (size_t i = 0; i < n; i++)
    input[i] = (float)((i * 7919) % 255) / 128.0f - 1.0f;
  for (int i = 0; i < 3 + rounds; i++) {
    double t0 = now();
    if (flip)
      csnn_seg_forward_flip(seg, input, prob, NULL);
    else
      csnn_seg_forward(seg, input, 1, prob, NULL);
    if (i >= 3)
      times[i - 3] = now() - t0;
  }
  qsort(times, (size_t)rounds, sizeof(double), cmp_double);
  printf("| %dx%d base %d depth %d%s | %.3f | %.2f | %.2f | %.1f | %.1f | %.0f %% |\n",
         shape->height, shape->width, shape->base, shape->depth, flip ? ", flip" : "", gflop,
         times[0] * 1e3, times[rounds / 2] * 1e3, 1.0 / times[0], gflop / times[0],
         100.0 * gflop / times[0] / peak);
  csnn_seg_free(seg);
  free(input);
  free(prob);
  free(times);
  return 0;
}

static int
bench_finder(const char *model, const char *image, int rounds, double peak)
{
  GError *error = NULL;
  CsNerveFinder *finder = cs_nerve_finder_load(model, &error);
  CsSweep *sweep = finder != NULL ? cs_sweep_open(image, &error) : NULL;
  CsFrame *frame = sweep != NULL ? cs_sweep_get_frame(sweep, 0, &error) : NULL;
  double *times = malloc((size_t)rounds * sizeof(double)), gflop;
  unsigned char *mask;
  char locators[32] = "";
  CsNerveResult r = { 0 };

  if (frame == NULL) {
    fprintf(stderr, "seg-bench: %s\n", error->message);
    return 1;
  }
  mask = malloc((size_t)frame->width * (size_t)frame->height);
  gflop = cs_nerve_finder_gflop(finder);
  if (cs_nerve_finder_n_locators(finder) > 1)
    snprintf(locators, sizeof(locators), ", %d locators", cs_nerve_finder_n_locators(finder));
  for (int i = 0; i < 3 + rounds; i++) {
    double t0 = now();
    if (!cs_nerve_finder_run(finder, frame->data, frame->width, frame->height, (gsize)frame->stride,
                             mask, &r, &error)) {
      fprintf(stderr, "seg-bench: %s\n", error->message);
      return 1;
    }
    if (i >= 3)
      times[i - 3] = now() - t0;
  }
  qsort(times, (size_t)rounds, sizeof(double), cmp_double);
  printf("| finder, %s%s, %d x %d frame%s | %.3f | %.2f | %.2f | %.1f | %.1f | %.0f %% |\n",
         cs_nerve_finder_is_two_stage(finder) ? "two stages" : "one stage", locators, frame->width,
         frame->height, r.found ? "" : " (no nerve found)", gflop, times[0] * 1e3,
         times[rounds / 2] * 1e3, 1.0 / times[0], gflop / times[0],
         100.0 * gflop / times[0] / peak);
  free(mask);
  free(times);
  cs_frame_unref(frame);
  g_object_unref(sweep);
  cs_nerve_finder_free(finder);
  return 0;
}

int
main(int argc, char **argv)
{
  int rounds = 30, status = 0, shapes = 0, flip = 0;
  double peak;

  peak = machine_peak();
  printf("threads %d, sgemm peak %.1f GFLOP/s\n\n", csnn_pool_n_threads(csnn_pool_default()), peak);
  printf("| U-Net (HxW) | GFLOP | best ms | median ms | frames/s | GFLOP/s | of peak |\n");
  printf("| --- | --- | --- | --- | --- | --- | --- |\n");
  for (int i = 1; i < argc; i++) {
    csnn_seg_shape s;

    if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = atoi(argv[++i]);
      if (rounds < 1)
        rounds = 1;
      continue;
    }
    if (strcmp(argv[i], "--flip") == 0) {
      flip = 1;
      continue;
    }
    if (strcmp(argv[i], "--finder") == 0 && i + 2 < argc) {
      status |= bench_finder(argv[i + 1], argv[i + 2], rounds, peak);
      shapes++;
      i += 2;
      continue;
    }
    if (sscanf(argv[i], "%dx%d:%d:%d", &s.height, &s.width, &s.base, &s.depth) != 4) {
      fprintf(stderr, "seg-bench: %s is not HxW:BASE:DEPTH\n", argv[i]);
      return 2;
    }
    status |= bench(&s, rounds, flip, peak);
    shapes++;
  }
  if (shapes == 0) {
    csnn_seg_shape s = { 192, 256, 8, 4 };
    status |= bench(&s, rounds, flip, peak);
  }
  return status;
}
