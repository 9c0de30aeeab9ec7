/* test-engine-team.c — a lone image shared by the pool's threads gives the one-thread result
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A batch of at least as many images as threads runs each image on one thread; a single image
 * runs on all of them, every operator split between them, or (on a busy machine) on one thread.
 * All must give the same bits on the vector paths (AVX2, AVX-512), for each architecture at the
 * classifiers' two input sizes; on the portable path OpenBLAS rounds a little differently with
 * the shape of its calls, and the logits must agree to 1e-5. Three threads (unless CSNN_THREADS
 * says otherwise) make the splits uneven.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "../tools/test-weights.h"
#include "csnn-net-private.h"
#include "csnn-pool.h"
#include "csnn-simd.h"

typedef struct {
  const char *arch;
  csnn_simd simd;
  int size;
} TeamCase;

/* Seeded inputs in [-2, 2), one image after another. */
static float *
make_inputs(size_t n_floats)
{
  float *input = g_new(float, n_floats);
  guint32 state = 2463534242u;

  for (size_t i = 0; i < n_floats; i++) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    input[i] = (float)(state >> 8) / (float)(1u << 24) * 4.0f - 2.0f;
  }
  return input;
}

static void
test_team(gconstpointer data)
{
  const TeamCase *c = data;
  csnn_net *net = NULL;
  size_t n = (size_t)csnn_pool_n_threads(csnn_pool_default());
  size_t image_floats = 3 * (size_t)c->size * (size_t)c->size;
  g_autofree float *input = NULL, *alone = NULL, *shared = NULL;
  const float *want;

  /* The network packs its weights for the path in use when it is built. */
  if (csnn__simd_force(c->simd) != CSNN_OK) {
    g_test_skip_printf("this CPU lacks the %s path", csnn__simd_name(c->simd));
    return;
  }
  if (n < 2) {
    g_test_skip("the pool has one thread");
    csnn__simd_force(-1);
    return;
  }
  g_assert_cmpint(csnn_net_new(c->arch, 2, &net), ==, CSNN_OK);
  g_assert_cmpint(csnn__net_set_input_size(net, c->size), ==, CSNN_OK);
  test_weights_randomise(net);
  input = make_inputs(n * image_floats);
  alone = g_new(float, 2 * n);
  shared = g_new(float, 4);

  /* n images: each on a thread of its own. */
  g_assert_cmpint(csnn_net_forward(net, input, n, alone), ==, CSNN_OK);
  /* The last one alone: all the threads on it, then (as on a busy machine) one thread. */
  csnn__net_set_team_mode(net, CSNN__TEAM_ALWAYS);
  g_assert_cmpint(csnn_net_forward(net, input + (n - 1) * image_floats, 1, shared), ==, CSNN_OK);
  csnn__net_set_team_mode(net, CSNN__TEAM_NEVER);
  g_assert_cmpint(csnn_net_forward(net, input + (n - 1) * image_floats, 1, shared + 2), ==,
                  CSNN_OK);
  want = alone + 2 * (n - 1);
  for (size_t i = 0; i < 4; i++)
    if (c->simd == CSNN_SIMD_PORTABLE
            ? fabsf(want[i % 2] - shared[i]) > 1e-5f * fmaxf(1.0f, fabsf(want[i % 2]))
            : memcmp(&want[i % 2], &shared[i], sizeof(float)) != 0) {
      g_test_message("%s at %d px on %s: logit %zu is %.9g in a batch, %.9g alone on %zu", c->arch,
                     c->size, csnn__simd_name(c->simd), i % 2, want[i % 2], shared[i],
                     i < 2 ? n : 1);
      g_test_fail();
      break;
    }
  /* The images must differ in their logits, or the comparison would prove nothing. */
  g_assert_true(alone[0] != alone[2] || alone[1] != alone[3]);
  csnn_net_free(net);
  csnn__simd_force(-1);
}

int
main(int argc, char **argv)
{
  static const char *const archs[] = { "squeezenet1_1", "mobilenet_v2", "efficientnet_b0" };
  static const int sizes[] = { 224, 112 };
  static TeamCase cases[3 * G_N_ELEMENTS(archs) * G_N_ELEMENTS(sizes)];
  size_t n_cases = 0;

  /* Before the pool exists: three threads, unless the caller asks for another number. */
  g_setenv("CSNN_THREADS", "3", FALSE);
  g_test_init(&argc, &argv, NULL);
  for (int simd = CSNN_SIMD_PORTABLE; simd <= CSNN_SIMD_AVX512; simd++)
    for (size_t a = 0; a < G_N_ELEMENTS(archs); a++)
      for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
        TeamCase *c = &cases[n_cases++];
        g_autofree char *name = NULL;

        c->arch = archs[a];
        c->simd = (csnn_simd)simd;
        c->size = sizes[s];
        name = g_strdup_printf("/engine/team/%s/%s/%d", csnn__simd_name(c->simd), c->arch, c->size);
        g_test_add_data_func(name, c, test_team);
      }
  return g_test_run();
}
