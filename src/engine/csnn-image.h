/* csnn-image.h — 8-bit gray image resampling and network preprocessing
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One definition of preprocessing, shared by inference, training and explanation: the 8-bit gray
 * ROI crop is resampled to the network's input size, scaled by 1/255, copied to three channels
 * and normalised with the model's mean and std (ImageNet's unless the weights say otherwise).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "csnn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Resamples the @src_w x @src_h gray image (rows @src_stride bytes apart) to @dst_w x @dst_h
 * (rows packed) with bilinear interpolation, antialiased (a triangle filter widened by the scale
 * factor) when shrinking. Pixel centres map as in PyTorch's align_corners=False. */
int csnn_resample_u8(const uint8_t *src, int src_w, int src_h, size_t src_stride, uint8_t *dst,
                     int dst_w, int dst_h);

/* Same as csnn_resample_u8() on float pixels, without rounding (@src_stride still in bytes). */
int csnn_resample_f32(const float *src, int src_w, int src_h, size_t src_stride, float *dst,
                      int dst_w, int dst_h);

/* Normalisation of the network input: per-channel mean and std applied to x/255. */
typedef struct {
  float mean[3];
  float std[3];
} csnn_norm;

/* ImageNet's mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225). */
extern const csnn_norm csnn_norm_imagenet;

/* Writes one 3 x @size x @size float tensor (CHW) from a gray crop already at @size x @size. */
void csnn_preprocess_u8(const uint8_t *gray, int size, const csnn_norm *norm, float *chw);

#ifdef __cplusplus
}
#endif
