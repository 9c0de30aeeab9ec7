/* test-engine-image.c — resampling and preprocessing against PyTorch's values
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The expected arrays were produced by torch 1.13's F.interpolate(mode='bilinear',
 * align_corners=False, antialias=True) on the 7 x 5 ramp built by make_ramp().
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "csnn-image.h"

static void
make_ramp(float f[35], uint8_t u[35])
{
  for (int i = 0; i < 35; i++) {
    f[i] = (float)((i * 37) % 256);
    u[i] = (uint8_t)((i * 37) % 256);
  }
}

static void
check_close(const float *got, const float *want, int n, float tolerance)
{
  for (int i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon(got[i], want[i], tolerance);
}

static void
test_shrink(void)
{
  static const float want[12] = { 20.66666603f, 78.24571991f, 146.32569885f, 203.90475464f,
                                  25.38095093f, 82.96000671f, 151.03999329f, 208.61903381f,
                                  30.09523582f, 87.67428589f, 155.75427246f, 213.33331299f };
  float src[35], dst[12];
  uint8_t src8[35], dst8[12];

  make_ramp(src, src8);
  g_assert_cmpint(csnn_resample_f32(src, 7, 5, 7 * sizeof(float), dst, 4, 3), ==, CSNN_OK);
  check_close(dst, want, 12, 1e-3f);
  g_assert_cmpint(csnn_resample_u8(src8, 7, 5, 7, dst8, 4, 3), ==, CSNN_OK);
  for (int i = 0; i < 12; i++)
    g_assert_cmpint(dst8[i], ==, (int)floorf(want[i] + 0.5f));
}

static void
test_enlarge(void)
{
  /* Rows 0, 1 and 7 of the 9 x 8 result, enough to cover both edges and the interior. */
  static const float row0[9] = { 0.0f,          24.66666985f,  53.44444275f,  82.22222900f, 111.0f,
                                 139.77777100f, 168.55557251f, 197.33334351f, 222.0f };
  static const float row1[9] = { 1.3125f,       25.97916985f,  54.75694275f,
                                 83.53472900f,  112.3125f,     141.09027100f,
                                 169.86805725f, 198.64584351f, 223.3125f };
  static const float row7[9] = { 12.0f,         36.66666794f,  65.44444275f,  94.22222137f, 123.0f,
                                 151.77777100f, 180.55557251f, 209.33332825f, 234.0f };
  float src[35], dst[72];
  uint8_t src8[35];

  make_ramp(src, src8);
  g_assert_cmpint(csnn_resample_f32(src, 7, 5, 7 * sizeof(float), dst, 9, 8), ==, CSNN_OK);
  check_close(dst, row0, 9, 1e-3f);
  check_close(dst + 9, row1, 9, 1e-3f);
  check_close(dst + 63, row7, 9, 1e-3f);
}

static void
test_mixed(void)
{
  static const float want[22] = { 3.0f,          19.81818390f,  43.36363602f,  66.90909576f,
                                  90.45454407f,  114.00000763f, 137.54547119f, 161.09089661f,
                                  184.63638306f, 208.18183899f, 225.00001526f, 9.0f,
                                  25.81818199f,  49.36362839f,  72.90908813f,  96.45454407f,
                                  119.99999237f, 143.54544067f, 167.09088135f, 190.63635254f,
                                  214.18179321f, 230.99998474f };
  float src[35], dst[22];
  uint8_t src8[35];

  make_ramp(src, src8);
  g_assert_cmpint(csnn_resample_f32(src, 7, 5, 7 * sizeof(float), dst, 11, 2), ==, CSNN_OK);
  check_close(dst, want, 22, 1e-3f);
}

static void
test_stride_and_identity(void)
{
  /* A 3 x 2 image inside rows of 5 bytes: the padding must never be read into the result. */
  const uint8_t src[10] = { 1, 2, 3, 99, 99, 4, 5, 6, 99, 99 };
  uint8_t dst[6];

  g_assert_cmpint(csnn_resample_u8(src, 3, 2, 5, dst, 3, 2), ==, CSNN_OK);
  g_assert_cmpmem(dst, 3, src, 3);
  g_assert_cmpmem(dst + 3, 3, src + 5, 3);
}

static void
test_constant_stays_constant(void)
{
  uint8_t src[37 * 23], dst[224 * 224];

  memset(src, 173, sizeof src);
  g_assert_cmpint(csnn_resample_u8(src, 37, 23, 37, dst, 224, 224), ==, CSNN_OK);
  for (size_t i = 0; i < sizeof dst; i++)
    g_assert_cmpint(dst[i], ==, 173);
  g_assert_cmpint(csnn_resample_u8(dst, 224, 224, 224, src, 37, 23), ==, CSNN_OK);
  for (size_t i = 0; i < sizeof src; i++)
    g_assert_cmpint(src[i], ==, 173);
}

static void
test_bad_arguments(void)
{
  uint8_t src[4] = { 0 }, dst[4];

  g_assert_cmpint(csnn_resample_u8(src, 0, 2, 2, dst, 2, 2), ==, CSNN_ERR_INVALID);
  g_assert_cmpstr(csnn_last_error(), !=, "");
  g_assert_cmpint(csnn_resample_u8(src, 2, 2, 1, dst, 2, 2), ==, CSNN_ERR_INVALID);
  g_assert_cmpint(csnn_resample_u8(NULL, 2, 2, 2, dst, 2, 2), ==, CSNN_ERR_INVALID);
  g_assert_cmpint(csnn_resample_u8(src, 2, 2, 2, dst, 2, -1), ==, CSNN_ERR_INVALID);
}

static void
test_preprocess(void)
{
  const uint8_t gray[4] = { 0, 64, 128, 255 };
  float chw[12];

  csnn_preprocess_u8(gray, 2, &csnn_norm_imagenet, chw);
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < 4; i++) {
      float want = (gray[i] / 255.0f - csnn_norm_imagenet.mean[c]) / csnn_norm_imagenet.std[c];
      g_assert_cmpfloat(chw[c * 4 + i], ==, want);
    }
  g_assert_cmpfloat_with_epsilon(chw[0], -0.485f / 0.229f, 1e-6f);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/image/shrink", test_shrink);
  g_test_add_func("/engine/image/enlarge", test_enlarge);
  g_test_add_func("/engine/image/mixed", test_mixed);
  g_test_add_func("/engine/image/stride-and-identity", test_stride_and_identity);
  g_test_add_func("/engine/image/constant", test_constant_stays_constant);
  g_test_add_func("/engine/image/bad-arguments", test_bad_arguments);
  g_test_add_func("/engine/image/preprocess", test_preprocess);
  return g_test_run();
}
