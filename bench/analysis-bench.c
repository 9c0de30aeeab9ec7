/* analysis-bench.c — what analysing a sweep costs against its parts: decoding and the engine
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: analysis-bench STUDY.json CASE_ID MODEL [ROUNDS]
 *
 * Times, in one run and alternately over ROUNDS rounds (best of each): (a) decoding every frame
 * of the case's sweep through a fresh reader, (b) classifying that many ROI crops in batches of
 * 32 with the engine alone, and (c) the whole analysis as the app runs it (cs_analyse_case: its
 * own reader, ROI crops, batches). Prints the ratio c / (a + b): how much the analysis costs
 * beyond what decoding and the engine's batch throughput imply.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cs-analysis.h"
#include "cs-study.h"

static double
now(void)
{
  return g_get_monotonic_time() / 1e6;
}

int
main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStudy) study = NULL;
  g_autoptr(CsModel) model = NULL;
  g_autofree char *path = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  g_autofree guint8 *crops = NULL;
  g_autofree float *logits = NULL;
  g_autofree float *p = NULL;
  g_autofree csnn_crop *batch = NULL;
  CsCase *c;
  int rounds = argc > 4 ? atoi(argv[4]) : 3;
  int n, size;
  double best_decode = G_MAXDOUBLE, best_engine = G_MAXDOUBLE, best_analysis = G_MAXDOUBLE;

  if (argc < 4) {
    fprintf(stderr, "usage: analysis-bench STUDY.json CASE_ID MODEL [ROUNDS]\n");
    return 2;
  }
  study = cs_study_load(argv[1], &error);
  if (study == NULL || (c = cs_study_find_case(study, argv[2])) == NULL) {
    fprintf(stderr, "analysis-bench: %s\n", error != NULL ? error->message : "no such case");
    return 1;
  }
  model = cs_model_load(argv[3], &error);
  path = cs_study_dup_sweep_path(study, c);
  if (model == NULL || path == NULL || (sweep = cs_sweep_open(path, &error)) == NULL) {
    fprintf(stderr, "analysis-bench: %s\n", error != NULL ? error->message : "no sweep");
    return 1;
  }
  n = cs_sweep_get_n_frames(sweep);
  size = csnn_net_input_size(cs_model_get_net(model));
  crops = g_malloc((gsize)n * size * size);
  logits = g_new(float, (gsize)n *csnn_net_num_classes(cs_model_get_net(model)));
  p = g_new(float, n);
  batch = g_new(csnn_crop, n);

  /* The crops the engine-only timing classifies: the case's own ROI crops. */
  for (int i = 0; i < n; i++) {
    g_autoptr(CsFrame) frame = cs_sweep_get_frame(sweep, i, &error);

    if (frame == NULL ||
        !cs_analysis_crop(c, frame, size, crops + (gsize)i * size * size, NULL, &error)) {
      fprintf(stderr, "analysis-bench: %s\n", error->message);
      return 1;
    }
    batch[i] = (csnn_crop){ crops + (gsize)i * size * size, size, size, (size_t)size };
  }

  for (int r = 0; r < rounds; r++) {
    double t0, t1;
    CsModelResult *result;

    /* (a) A fresh reader decodes every frame; its cache is new, so each frame is decoded. */
    {
      g_autoptr(CsSweep) fresh = cs_sweep_open(path, &error);

      t0 = now();
      for (int i = 0; fresh != NULL && i < n; i++) {
        g_autoptr(CsFrame) frame = cs_sweep_get_frame(fresh, i, &error);
      }
      t1 = now();
      best_decode = MIN(best_decode, t1 - t0);
    }
    /* (b) The engine alone on the same crops, in batches of 32. */
    t0 = now();
    for (int start = 0; start < n; start += 32)
      csnn_net_classify(cs_model_get_net(model), batch + start, MIN(32, n - start),
                        logits + (gsize)start * 2, p + start, NULL, NULL);
    t1 = now();
    best_engine = MIN(best_engine, t1 - t0);
    /* (c) The analysis as the app runs it, on a sweep opened afresh (no warm cache). */
    {
      g_autoptr(CsSweep) fresh = cs_sweep_open(path, &error);

      t0 = now();
      result = cs_analyse_case(fresh, c, model, 0.5, -1, -1, NULL, NULL, NULL, &error);
      t1 = now();
      if (result == NULL) {
        fprintf(stderr, "analysis-bench: %s\n", error->message);
        return 1;
      }
      cs_model_result_free(result);
      best_analysis = MIN(best_analysis, t1 - t0);
    }
  }
  printf("sweep: %s (%d frames, %dx%d, %s)\nmodel: %s (%s)\n", path, n, cs_sweep_get_width(sweep),
         cs_sweep_get_height(sweep), cs_sweep_get_codec_name(sweep), cs_model_get_id(model),
         cs_model_get_arch(model));
  printf("decode all frames      %8.1f ms\n", best_decode * 1e3);
  printf("engine, batches of 32  %8.1f ms (%.0f images/s)\n", best_engine * 1e3, n / best_engine);
  printf("analysis (app's path)  %8.1f ms\n", best_analysis * 1e3);
  printf("ratio analysis / (decode + engine) = %.2f\n",
         best_analysis / (best_decode + best_engine));
  return 0;
}
