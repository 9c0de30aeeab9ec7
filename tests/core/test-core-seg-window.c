/* test-core-seg-window.c — the refiner's window of a two-stage nerve finder
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window is sized from the located box (filling at most CS_SEG_WINDOW_FILL of it, at least a
 * quarter of the frame wide); sampling a frame through it puts the frame's pixels where the window
 * says (rotation and mirror included); and the refiner's map pasted back lands on the frame's
 * pixels it was sampled from, so that a refiner that answered with its own input would give back
 * the frame under the window and leave the rest alone. An ensemble's map is the mean of its
 * locators' maps, each taken with its own normalisation.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "cs-seg-train.h"
#include "csnn-seg.h"

#define FW 120
#define FH 90

/* A smooth frame whose value tells where a pixel is. */
static guint8
frame_at(int x, int y)
{
  return (guint8)(40 + x + y);
}

static void
test_around(void)
{
  CsSegWindow w;

  /* A 40 x 10 box in a 32 x 16 window: width rules, 40 / (0.5 x 32) = 2.5 px a pixel. */
  cs_seg_window_around(50.0, 40.0, 40.0, 10.0, 200, 32, 16, &w);
  g_assert_cmpfloat(w.cx, ==, 50.0);
  g_assert_cmpfloat(w.cy, ==, 40.0);
  g_assert_cmpfloat_with_epsilon(w.scale, 2.5, 1e-12);
  g_assert_cmpfloat(w.angle, ==, 0.0);
  g_assert_false(w.flip);
  /* A tall box: height rules. */
  cs_seg_window_around(50.0, 40.0, 10.0, 24.0, 200, 32, 16, &w);
  g_assert_cmpfloat_with_epsilon(w.scale, 3.0, 1e-12);
  /* A tiny box: at least a quarter of the frame's width, 200 / 4 / 32. */
  cs_seg_window_around(50.0, 40.0, 2.0, 2.0, 200, 32, 16, &w);
  g_assert_cmpfloat_with_epsilon(w.scale, 200.0 / 4.0 / 32.0, 1e-12);
}

static void
test_sample(void)
{
  guint8 frame[FH * (FW + 8)];
  float out[16 * 32];
  CsSegWindow w = { 60.0, 45.0, 1.0, 0.0, FALSE };
  gsize stride = FW + 8;

  memset(frame, 0, sizeof(frame));
  for (int y = 0; y < FH; y++)
    for (int x = 0; x < FW; x++)
      frame[y * stride + x] = frame_at(x, y);
  /* Scale 1, centred at (60, 45): window pixel (u, v) is frame pixel (u + 44.5, v + 37.5). */
  cs_seg_window_sample(&w, frame, FW, FH, stride, 32, 16, out);
  for (int v = 0; v < 16; v++)
    for (int u = 0; u < 32; u++)
      g_assert_cmpfloat_with_epsilon(out[v * 32 + u] * 255.0, 40.0 + (u + 44.5) + (v + 37.5), 1e-3);
  /* Mirrored: the row reads backwards. */
  w.flip = TRUE;
  cs_seg_window_sample(&w, frame, FW, FH, stride, 32, 16, out);
  g_assert_cmpfloat_with_epsilon(out[0] * 255.0, 40.0 + (31 + 44.5) + 37.5, 1e-3);
  /* A quarter turn: moving along the window's row moves down the frame's column. */
  w.flip = FALSE;
  w.angle = G_PI / 2.0;
  cs_seg_window_sample(&w, frame, FW, FH, stride, 32, 16, out);
  g_assert_cmpfloat_with_epsilon((out[7 * 32 + 20] - out[7 * 32 + 10]) * 255.0, 10.0, 1e-3);
  /* Outside the frame: 0. */
  w = (CsSegWindow){ -100.0, -100.0, 1.0, 0.0, FALSE };
  cs_seg_window_sample(&w, frame, FW, FH, stride, 32, 16, out);
  for (int i = 0; i < 16 * 32; i++)
    g_assert_cmpfloat(out[i], ==, 0.0f);
  /* Shrinking (scale 2) averages 2 x 2 samples: the mean of a linear ramp is its middle. */
  w = (CsSegWindow){ 60.0, 45.0, 2.0, 0.0, FALSE };
  cs_seg_window_sample(&w, frame, FW, FH, stride, 16, 8, out);
  g_assert_cmpfloat_with_epsilon(out[3 * 16 + 5] * 255.0,
                                 40.0 + (60.0 + (5 - 7.5) * 2.0) + (45.0 + (3 - 3.5) * 2.0), 1e-3);
}

/* The two-stage rule with a stand-in for the refiner's answer: pasting what the window sampled
 * gives back the frame under the window; the rest of the map is untouched. */
static void
test_paste_back(void)
{
  guint8 frame[FH * FW];
  float prob[FH * FW], sampled[20 * 40];

  for (int y = 0; y < FH; y++)
    for (int x = 0; x < FW; x++) {
      frame[y * FW + x] = frame_at(x, y);
      prob[y * FW + x] = -1.0f;
    }
  for (int k = 0; k < 3; k++) {
    double scale[] = { 1.0, 0.75, 1.5 };
    CsSegWindow w = { 57.3, 41.8, scale[k], 0.0, FALSE };
    int inside = 0;

    cs_seg_window_sample(&w, frame, FW, FH, FW, 40, 20, sampled);
    cs_seg_window_paste(&w, sampled, 40, 20, prob, FW, FH);
    for (int y = 0; y < FH; y++)
      for (int x = 0; x < FW; x++) {
        gboolean in = fabs(x - w.cx) <= 19.5 * w.scale && fabs(y - w.cy) <= 9.5 * w.scale;
        if (!in) {
          /* Outside the first paste's window the map keeps its old values. */
          if (k == 0)
            g_assert_cmpfloat(prob[y * FW + x], ==, -1.0f);
          continue;
        }
        inside++;
        /* Bilinear both ways on a linear ramp: exact but for the shrink's averaging. */
        g_assert_cmpfloat_with_epsilon(prob[y * FW + x] * 255.0, frame_at(x, y), 1e-3);
      }
    g_assert_cmpint(inside, >, (int)(0.9 * 40 * 20 * scale[k] * scale[k]));
  }
}

/* Two locators of one shape (other weights, other normalisations) as an ensemble: the map is
 * the mean of the two maps taken alone, at the frame's size. */
static void
test_ensemble_map(void)
{
  csnn_seg_shape shape = { .height = 16, .width = 24, .base = 2, .depth = 1 };
  csnn_seg *nets[2];
  gsize n = (gsize)shape.width * (gsize)shape.height, size = (gsize)FW * FH;
  g_autofree guint8 *gray = g_malloc(size);
  g_autofree float *input = g_new(float, n), *prob = g_new(float, n), *sum = g_new(float, n);
  g_autofree float *a = g_new(float, size), *b = g_new(float, size), *both = g_new(float, size);
  double spread = 0.0;

  for (int y = 0; y < FH; y++)
    for (int x = 0; x < FW; x++)
      gray[y * FW + x] = (guint8)(128 + 100 * sin(0.21 * x) * cos(0.17 * y));
  for (int i = 0; i < 2; i++) {
    g_assert_cmpint(csnn_seg_new(&shape, &nets[i]), ==, CSNN_OK);
    csnn_seg_init_random(nets[i], 7 + (guint64)i);
    csnn_seg_set_norm(nets[i], 0.3f + 0.2f * (float)i, 0.25f);
  }
  g_assert_cmpint(cs_seg_locator_map(&nets[0], 1, FALSE, gray, FW, FH, FW, input, prob, NULL, a),
                  ==, CSNN_OK);
  g_assert_cmpint(cs_seg_locator_map(&nets[1], 1, FALSE, gray, FW, FH, FW, input, prob, NULL, b),
                  ==, CSNN_OK);
  g_assert_cmpint(cs_seg_locator_map(nets, 2, FALSE, gray, FW, FH, FW, input, prob, sum, both), ==,
                  CSNN_OK);
  for (gsize i = 0; i < size; i++) {
    g_assert_cmpfloat(fabsf(both[i] - 0.5f * (a[i] + b[i])), <, 1e-6f);
    spread = MAX(spread, fabs(a[i] - b[i]));
  }
  g_assert_cmpfloat(spread, >, 1e-3); /* The two networks do differ. */
  csnn_seg_free(nets[0]);
  csnn_seg_free(nets[1]);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/core/seg-window/around", test_around);
  g_test_add_func("/core/seg-window/sample", test_sample);
  g_test_add_func("/core/seg-window/paste-back", test_paste_back);
  g_test_add_func("/core/seg-window/ensemble-map", test_ensemble_map);
  return g_test_run();
}
