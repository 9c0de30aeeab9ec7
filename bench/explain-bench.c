/* explain-bench.c — what an explanation costs against the forward passes it needs
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: explain-bench [--rounds N] [--samples N] [ARCH...]
 *
 * For each architecture (seeded random weights at 224 px, 2 classes; the time of a pass does not
 * depend on the weights) and in one run, alternately over ROUNDS rounds (best of each):
 *   - the engine's batch-32 throughput (seconds per image) and its batch-1 latency,
 *   - an occlusion map and a LIME map with the defaults (mask 20 %, stride 10 %, mean fill;
 *     1000 samples, 50 SLIC segments), each divided by (images scored x seconds per image),
 *   - Grad-CAM of p(CTS), divided by the batch-1 latency (forward passes' worth).
 * The crop is a B-mode-like test image (smooth structures and speckle), the same every run.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-explain-net.h"
#include "cs-explain.h"
#include "csnn-net.h"
#include "csnn-train.h"

#define SIZE  224
#define BATCH 32

static double
now(void)
{
  return g_get_monotonic_time() / 1e6;
}

/* A bright rim around a dark oval on speckle: SLIC has something to find. */
static void
make_crop(guint8 *crop)
{
  guint64 s = 0x9e3779b97f4a7c15ULL;

  for (int y = 0; y < SIZE; y++)
    for (int x = 0; x < SIZE; x++) {
      double dx = (x - SIZE / 2.0) / 60.0, dy = (y - SIZE / 2.0) / 35.0;
      double r = sqrt(dx * dx + dy * dy), v = 90 + 40 * sin(y / 17.0);

      if (r < 1.0)
        v = 50;
      else if (r < 1.15)
        v = 200;
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      v *= 0.6 + 0.8 * (double)(s >> 11) / 9007199254740992.0;
      crop[y * SIZE + x] = (guint8)CLAMP(v, 0, 255);
    }
}

static int
bench(const char *arch, int rounds, int samples)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsExplainNetScorer) ns = NULL;
  g_autofree guint8 *crop = g_malloc((gsize)SIZE * SIZE);
  g_autofree float *logits = g_new(float, BATCH * 2);
  csnn_crop crops[BATCH];
  csnn_net *net = NULL;
  CsExplainScorer scorer = { 0 };
  CsOcclusionParams occ;
  CsLimeParams lime;
  double per_image = G_MAXDOUBLE, single = G_MAXDOUBLE, t_occ = G_MAXDOUBLE;
  double t_lime = G_MAXDOUBLE, t_gc = G_MAXDOUBLE;
  gint64 n_occ = 0, n_lime = 0;

  if (csnn_net_new(arch, 2, &net) != CSNN_OK) {
    fprintf(stderr, "explain-bench: %s: %s\n", arch, csnn_last_error());
    return 1;
  }
  csnn_net_init_random(net, 7, NULL);
  csnn_net_set_max_batch(net, BATCH);
  make_crop(crop);
  for (int i = 0; i < BATCH; i++)
    crops[i] = (csnn_crop){ crop, SIZE, SIZE, SIZE };
  ns =
      cs_explain_net_scorer_new(net, csnn_net_cts_index(net), CS_EXPLAIN_SCORE_PROBABILITY, &error);
  cs_explain_net_scorer_bind(ns, &scorer);
  cs_occlusion_params_init(&occ);
  cs_lime_params_init(&lime);
  lime.n_samples = samples;
  lime.seed = 1;
  /* Warm-up: workspaces, folded weights, pages. */
  csnn_net_classify(net, crops, BATCH, logits, NULL, NULL, NULL);
  csnn_net_classify(net, crops, 1, logits, NULL, NULL, NULL);

  for (int r = 0; r < rounds; r++) {
    double t0, t;
    CsExplanation *e;

    t0 = now();
    for (int k = 0; k < 4; k++)
      csnn_net_classify(net, crops, BATCH, logits, NULL, NULL, NULL);
    per_image = MIN(per_image, (now() - t0) / (4.0 * BATCH));

    t0 = now();
    for (int k = 0; k < 8; k++)
      csnn_net_classify(net, crops, 1, logits, NULL, NULL, NULL);
    single = MIN(single, (now() - t0) / 8.0);

    t0 = now();
    e = cs_explain_occlusion(crop, SIZE, SIZE, &occ, &scorer, &error);
    t = now() - t0;
    if (e == NULL)
      goto fail;
    n_occ = e->n_scored;
    t_occ = MIN(t_occ, t);
    cs_explanation_free(e);

    t0 = now();
    e = cs_explain_lime(crop, SIZE, SIZE, &lime, &scorer, &error);
    t = now() - t0;
    if (e == NULL)
      goto fail;
    n_lime = e->n_scored;
    t_lime = MIN(t_lime, t);
    cs_explanation_free(e);

    t0 = now();
    for (int k = 0; k < 4; k++) {
      e = cs_explain_gradcam(net, crop, SIZE, csnn_net_cts_index(net), CS_EXPLAIN_SCORE_PROBABILITY,
                             &error);
      if (e == NULL)
        goto fail;
      cs_explanation_free(e);
    }
    t_gc = MIN(t_gc, (now() - t0) / 4.0);
  }
  printf("%-16s %8.2f ms/img(b32) %7.2f ms(b1)  occlusion %5" G_GINT64_FORMAT
         " img %8.1f ms ratio %.3f  lime %5" G_GINT64_FORMAT
         " img %8.1f ms ratio %.3f  gradcam %6.2f ms = %.2f passes\n",
         arch, per_image * 1e3, single * 1e3, n_occ, t_occ * 1e3, t_occ / (n_occ * per_image),
         n_lime, t_lime * 1e3, t_lime / (n_lime * per_image), t_gc * 1e3, t_gc / single);
  g_clear_pointer(&ns, cs_explain_net_scorer_free);
  csnn_net_free(net);
  return 0;

fail:
  fprintf(stderr, "explain-bench: %s: %s\n", arch, error->message);
  g_clear_pointer(&ns, cs_explain_net_scorer_free);
  csnn_net_free(net);
  return 1;
}

int
main(int argc, char **argv)
{
  int rounds = 3, samples = 1000, status = 0, archs = 0;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
      rounds = atoi(argv[++i]);
    else if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc)
      samples = atoi(argv[++i]);
    else if (argv[i][0] == '-') {
      fprintf(stderr, "usage: explain-bench [--rounds N] [--samples N] [ARCH...]\n");
      return 2;
    }
  }
  if (rounds < 1 || samples < 10) {
    fprintf(stderr, "explain-bench: --rounds >= 1, --samples >= 10\n");
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--rounds") == 0 || strcmp(argv[i], "--samples") == 0) {
      i++;
      continue;
    }
    status |= bench(argv[i], rounds, samples);
    archs++;
  }
  if (archs == 0)
    for (const char *const *a = csnn_arch_names(); *a != NULL; a++)
      status |= bench(*a, rounds, samples);
  return status;
}
