/* csnn-simd.c — the choice of kernel path, and the dispatch of the kernels every path has
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csnn-ops-private.h"
#include "csnn-simd.h"

static pthread_once_t simd_once = PTHREAD_ONCE_INIT;
static csnn_simd simd_best, simd_chosen;
static char simd_env_error[200]; /* Empty when CSNN_SIMD is unset or names a usable path. */
static int simd_forced = -1;     /* Set only by tests, between runs. */

static const char *const simd_names[] = { "portable", "avx2", "avx512" };

static void
simd_init(void)
{
  const char *env = getenv("CSNN_SIMD");

  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma"))
    simd_best = CSNN_SIMD_AVX512;
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    simd_best = CSNN_SIMD_AVX2;
  else
    simd_best = CSNN_SIMD_PORTABLE;
  simd_chosen = simd_best;
  if (env == NULL || env[0] == '\0')
    return;
  for (int s = CSNN_SIMD_PORTABLE; s <= CSNN_SIMD_AVX512; s++)
    if (strcmp(env, simd_names[s]) == 0) {
      if (s > (int)simd_best)
        snprintf(simd_env_error, sizeof simd_env_error,
                 "CSNN_SIMD=%s: this processor lacks %s (the best path it has is %s)", env,
                 s == CSNN_SIMD_AVX512 ? "AVX-512F" : "AVX2 and FMA", simd_names[simd_best]);
      else
        simd_chosen = (csnn_simd)s;
      return;
    }
  snprintf(simd_env_error, sizeof simd_env_error,
           "CSNN_SIMD=%.60s: expected portable, avx2 or avx512", env);
}

csnn_simd
csnn__simd(void)
{
  pthread_once(&simd_once, simd_init);
  return simd_forced >= 0 ? (csnn_simd)simd_forced : simd_chosen;
}

csnn_simd
csnn__simd_best(void)
{
  pthread_once(&simd_once, simd_init);
  return simd_best;
}

const char *
csnn__simd_name(csnn_simd simd)
{
  return (unsigned)simd <= CSNN_SIMD_AVX512 ? simd_names[simd] : "unknown";
}

int
csnn__simd_check_env(void)
{
  pthread_once(&simd_once, simd_init);
  if (simd_env_error[0] != '\0')
    return csnn_set_error(CSNN_ERR_UNSUPPORTED, "%s", simd_env_error);
  return CSNN_OK;
}

int
csnn__simd_force(int simd)
{
  pthread_once(&simd_once, simd_init);
  if (simd > (int)simd_best)
    return csnn_set_error(CSNN_ERR_UNSUPPORTED, "this processor lacks the %s path (it has %s)",
                          csnn__simd_name((csnn_simd)simd), simd_names[simd_best]);
  simd_forced = simd < 0 ? -1 : simd;
  return CSNN_OK;
}

int
csnn__have_avx512(void)
{
  return csnn__simd() == CSNN_SIMD_AVX512;
}

void
csnn__gemm_packed(int m, int k, const float *packed, int p0, int p1, const float *b, size_t ldb,
                  size_t block_stride, size_t n0, size_t n1, float *c, size_t ldc,
                  const float *bias, csnn_act act, const float *residual, float *pack_buf)
{
  if (csnn__have_avx512())
    csnn__gemm_packed_avx512(m, k, packed, p0, p1, b, ldb, block_stride, n0, n1, c, ldc, bias, act,
                             residual, pack_buf);
  else
    csnn__gemm_packed_avx2(m, k, packed, p0, p1, b, ldb, block_stride, n0, n1, c, ldc, bias, act,
                           residual, pack_buf);
}

void
csnn__gemm_packed_offsets(int m, int k, const float *packed, int p0, int p1, const float *b,
                          const int *b_off, size_t cols, float *c, size_t ldc, const float *bias,
                          csnn_act act, const float *residual)
{
  if (csnn__have_avx512())
    csnn__gemm_packed_offsets_avx512(m, k, packed, p0, p1, b, b_off, cols, c, ldc, bias, act,
                                     residual);
  else
    csnn__gemm_packed_offsets_avx2(m, k, packed, p0, p1, b, b_off, cols, c, ldc, bias, act,
                                   residual);
}

void
csnn__gemm_packed_offsets2(int m, int k, const float *packed, int p0, int p1, const float *b,
                           const int *b_off, size_t cols, size_t b_next, size_t c_next, float *c,
                           size_t ldc, const float *bias, csnn_act act, const float *residual)
{
  if (csnn__have_avx512())
    csnn__gemm_packed_offsets2_avx512(m, k, packed, p0, p1, b, b_off, cols, b_next, c_next, c, ldc,
                                      bias, act, residual);
  else
    csnn__gemm_packed_offsets2_avx2(m, k, packed, p0, p1, b, b_off, cols, b_next, c_next, c, ldc,
                                    bias, act, residual);
}

int
csnn__depthwise_ok(const csnn_conv2d_desc *d)
{
  return csnn__simd() >= CSNN_SIMD_AVX2 &&
         (d->stride_w == 1 || (d->stride_w == 2 && d->dil_w == 1)) && d->kw <= CSNN_DW_MAX_KW;
}

size_t
csnn__depthwise_scratch_floats(const csnn_conv2d_desc *d)
{
  return (size_t)d->w_in + 16;
}

int
csnn__depthwise_inside(const csnn_conv2d_desc *d, int ox, int vecs, int lanes)
{
  int s = d->stride_w;
  int first = ox * s - d->pad_w;
  /* With stride 2 a tap reads pairs of vectors: one column more than the last even one. */
  int last = (ox + lanes * vecs) * s - 1 - d->pad_w + (d->kw - 1) * d->dil_w + (s == 2 ? 1 : 0);

  return first >= 0 && last < d->w_in;
}

void
csnn__depthwise_plane(const csnn_conv2d_desc *d, const float *src, const float *w, float bias,
                      float *dst, float *scratch)
{
  /* Planes at most 8 outputs wide run faster on 8 lanes than on 16, with the same result. */
  if (csnn__have_avx512() && d->w_out > 8)
    csnn__depthwise_plane_avx512(d, src, w, bias, dst, scratch);
  else
    csnn__depthwise_plane_avx2(d, src, w, bias, dst, scratch);
}

void
csnn__maxpool_plane(const float *src, int h_in, int w_in, int k, int stride, int h_out, int w_out,
                    float *dst, float *line)
{
  if (csnn__have_avx512())
    csnn__maxpool_plane_avx512(src, h_in, w_in, k, stride, h_out, w_out, dst, line);
  else
    csnn__maxpool_plane_avx2(src, h_in, w_in, k, stride, h_out, w_out, dst, line);
}

void
csnn__silu_inplace(float *x, size_t n)
{
  if (csnn__simd() != CSNN_SIMD_PORTABLE) {
    (csnn__have_avx512() ? csnn__silu_avx512 : csnn__silu_avx2)(x, n);
    return;
  }
  for (size_t i = 0; i < n; i++)
    x[i] = x[i] / (1.0f + expf(-x[i]));
}

void
csnn__sigmoid_inplace(float *x, size_t n)
{
  if (csnn__simd() != CSNN_SIMD_PORTABLE) {
    (csnn__have_avx512() ? csnn__sigmoid_avx512 : csnn__sigmoid_avx2)(x, n);
    return;
  }
  for (size_t i = 0; i < n; i++)
    x[i] = 1.0f / (1.0f + expf(-x[i]));
}

float
csnn__sum(const float *x, size_t n)
{
  float lanes[8] = { 0 };
  size_t i = 0;

  /* Eight partial sums: faster, and closer to a pairwise sum than one running total. */
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++)
      lanes[l] += x[i + (size_t)l];
  for (; i < n; i++)
    lanes[0] += x[i];
  return ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) +
         ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
}
