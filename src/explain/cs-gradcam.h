/* cs-gradcam.h — Grad-CAM from a feature map and its gradient
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plain C. Grad-CAM (Selvaraju et al., ICCV 2017) weights each channel of the last convolutional
 * block's output A (C x h x w) by the spatial mean of the class score's gradient there,
 * alpha_c = mean(dS/dA_c), sums alpha_c A_c over the channels, applies a ReLU (as the paper does;
 * Captum leaves it off by default) and upsamples the h x w map bilinearly to the crop, with pixel
 * centres mapped as PyTorch's interpolate(mode="bilinear", align_corners=False).
 *
 * The feature map and gradient come from the engine (one forward pass keeping the block's output
 * and one backward pass of the class score down to it); this file only combines them.
 */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the @out_w x @out_h Grad-CAM map of @activations and @gradients (both @channels x
 * @fh x @fw, channel-major) to @map; @relu 0 keeps negative values. Also writes the h x w map
 * before upsampling to @coarse when it is not NULL. Returns 0, or -1 on a bad argument or when
 * memory ran out. */
int cs_gradcam_combine(const float *activations, const float *gradients, int channels, int fh,
                       int fw, int relu, int out_w, int out_h, float *map, float *coarse);

/* Resizes the @src_w x @src_h float image to @dst_w x @dst_h by bilinear interpolation with
 * PyTorch's align_corners=False pixel centres and no antialiasing (as interpolate() does). */
void cs_gradcam_upsample(const float *src, int src_w, int src_h, float *dst, int dst_w, int dst_h);

#ifdef __cplusplus
}
#endif
