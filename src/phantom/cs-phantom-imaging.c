/* cs-phantom-imaging.c — the phantom's scanner: attenuation and gain, speckle, display
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Steps 3 to 5 of the image model (cs-phantom.c): what the anatomy's amplitudes become on the
 * screen. Random complex scatterers are weighted by the amplitude and by the gain left after
 * attenuation and TGC, the specular echoes are added, the field is convolved with the beam's
 * point-spread function (separable: a lateral kernel per band of depth, then one axial kernel),
 * and the envelope's power is smoothed, log-compressed and mapped to gray. The loops run tap by
 * tap over whole rows so the compiler can vectorise them without reordering any float sum.
 */
#include "config.h"

#include "cs-phantom-private.h"

#include <string.h>

/* ---- Scatterers and kernels ------------------------------------------------------------- */

/* Draws a uniform deviate with zero mean and unit variance from 16 random bits. The PSF sums
 * many scatterers, so their own distribution does not matter: the sum is Gaussian. */
static inline float
bits_to_scatterer(uint64_t bits)
{
  return ((float)(bits & 0xffff) * (1.0f / 65536.0f) - 0.5f) * 3.4641016f;
}

void
cs_phantom_fill_scatterers(CsPhantomGenerator *gen, double rho)
{
  size_t n = (size_t)gen->canvas_w * gen->options.height;
  float keep = (float)rho, fresh = (float)sqrt(1 - rho * rho);

  for (size_t i = 0; i + 1 < n; i += 2) {
    uint64_t bits = cs_phantom_rng_next(&gen->rng);

    gen->scat_re[i] = keep * gen->scat_re[i] + fresh * bits_to_scatterer(bits);
    gen->scat_im[i] = keep * gen->scat_im[i] + fresh * bits_to_scatterer(bits >> 16);
    gen->scat_re[i + 1] = keep * gen->scat_re[i + 1] + fresh * bits_to_scatterer(bits >> 32);
    gen->scat_im[i + 1] = keep * gen->scat_im[i + 1] + fresh * bits_to_scatterer(bits >> 48);
  }
  if (n % 2) {
    uint64_t bits = cs_phantom_rng_next(&gen->rng);

    gen->scat_re[n - 1] = keep * gen->scat_re[n - 1] + fresh * bits_to_scatterer(bits);
    gen->scat_im[n - 1] = keep * gen->scat_im[n - 1] + fresh * bits_to_scatterer(bits >> 16);
  }
}

void
cs_phantom_build_kernels(CsPhantomGenerator *gen)
{
  double sp = gen->hand.spacing_mm;
  int taps = 2 * gen->halo + 1;
  double depth_mm = gen->options.height * sp;

  {
    double s = gen->psf_axial_mm / sp, energy = 0;

    for (int k = -gen->axial_half; k <= gen->axial_half; k++) {
      double v = exp(-(k * k) / (2 * s * s));

      gen->axial_kernel[k + gen->axial_half] = (float)v;
      energy += v * v;
    }
    for (int k = 0; k < 2 * gen->axial_half + 1; k++)
      gen->axial_kernel[k] /= (float)sqrt(energy);
  }
  /* The lateral width grows away from the focus like a Gaussian beam's; the rows share a few
   * kernels, one per band of depth. */
  for (int i = 0; i < gen->n_lateral_kernels; i++) {
    double y_mm = (i + 0.5) * depth_mm / gen->n_lateral_kernels;
    double zr = 6.0;
    double s = gen->psf_lateral_mm * sqrt(1 + pow((y_mm - gen->focus_mm) / zr, 2)) / sp;
    float *kern = gen->lateral_kernel + (size_t)i * taps;
    double energy = 0;

    s = fmin(s, gen->halo / 3.0);
    for (int k = -gen->halo; k <= gen->halo; k++) {
      double v = exp(-(k * k) / (2 * s * s));

      kern[k + gen->halo] = (float)v;
      energy += v * v;
    }
    for (int k = 0; k < taps; k++)
      kern[k] /= (float)sqrt(energy);
  }
  for (int y = 0; y < gen->options.height; y++)
    gen->lateral_index[y] =
        MIN(gen->n_lateral_kernels - 1, y * gen->n_lateral_kernels / gen->options.height);
}

/* ---- The frame ------------------------------------------------------------------------- */

/* Attenuation down each column, less what the TGC gives back, then the weighted field. */
void
cs_phantom_weight_field(CsPhantomGenerator *gen, int col0)
{
  const CsPhantomHand *hand = &gen->hand;
  int h = gen->options.height, ew = gen->ext_w;
  double sp = hand->spacing_mm;
  double tgc_per_px = gen->soft_atten * sp * gen->tgc_comp;
  double slope_per_px = hand->tgc_slope_db / h;

  /* Row by row, with each column's attenuation so far in @cum: rows are contiguous. The
   * lateral pass overwrites tmp_re later, so its first row serves here. */
  float *cum = gen->tmp_re;

  memset(cum, 0, sizeof(float) * ew);
  for (int y = 0; y < h; y++) {
    float compensation = (float)(y * (tgc_per_px + slope_per_px));
    const float *amp = gen->amp + (size_t)y * ew, *spec = gen->spec + (size_t)y * ew;
    const float *atten = gen->atten + (size_t)y * ew;
    const float *sre = gen->scat_re + (size_t)y * gen->canvas_w + col0;
    const float *sim = gen->scat_im + (size_t)y * gen->canvas_w + col0;
    float *fre = gen->field_re + (size_t)y * ew, *fim = gen->field_im + (size_t)y * ew;

    if (gen->density < 1) {
      /* Sparse scatterers (a preset's density below 1): a fixed share of the canvas's cells
       * hold one, of larger amplitude so the mean power stays; the speckle is then not fully
       * developed. */
      float boost = (float)(1 / sqrt(gen->density)), share = (float)gen->density;

      for (int x = 0; x < ew; x++) {
        float gain = expf((compensation - cum[x]) * (float)(M_LN10 / 20.0));
        float keep = hash01(x + col0, y, gen->texture_seed + 41) < share ? boost : 0.0f;

        fre[x] = gain * (keep * amp[x] * sre[x] + spec[x]);
        fim[x] = gain * keep * amp[x] * sim[x];
        cum[x] += atten[x];
      }
      continue;
    }
    for (int x = 0; x < ew; x++) {
      float gain = expf((compensation - cum[x]) * (float)(M_LN10 / 20.0));

      fre[x] = gain * (amp[x] * sre[x] + spec[x]);
      fim[x] = gain * amp[x] * sim[x];
      cum[x] += atten[x];
    }
  }
}

/* Blurs the power rows (w of each ext_w-wide row of gen->amp) with a Gaussian of @sigma px,
 * into @out (same layout), through @scratch. */
/* A normalised Gaussian of @sigma px into @k (2 @r + 1 taps). */
static void
gaussian_taps(float *k, int r, double sigma)
{
  double sum = 0;

  for (int i = -r; i <= r; i++)
    sum += k[i + r] = (float)exp(-(i * i) / (2 * sigma * sigma));
  for (int i = 0; i <= 2 * r; i++)
    k[i] /= (float)sum;
}

/* Blurs the power rows (w of each ext_w-wide row) with a Gaussian of @sigma_x px laterally and
 * @sigma_y axially, into @out (same layout), through @scratch. */
static void
blur_power(const CsPhantomGenerator *gen, const float *in, float *out, float *scratch,
           double sigma_x, double sigma_y)
{
  int w = gen->options.width, h = gen->options.height, ew = gen->ext_w;
  int rx = MAX(1, (int)ceil(3 * sigma_x)), ry = MAX(1, (int)ceil(3 * sigma_y));
  g_autofree float *kx = g_new(float, 2 * rx + 1);
  g_autofree float *ky = g_new(float, 2 * ry + 1);

  gaussian_taps(kx, rx, sigma_x);
  gaussian_taps(ky, ry, sigma_y);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float acc = 0;

      for (int i = -rx; i <= rx; i++)
        acc += kx[i + rx] * in[(size_t)y * ew + CLAMP(x + i, 0, w - 1)];
      scratch[(size_t)y * ew + x] = acc;
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float acc = 0;

      for (int i = -ry; i <= ry; i++)
        acc += ky[i + ry] * scratch[(size_t)CLAMP(y + i, 0, h - 1) * ew + x];
      out[(size_t)y * ew + x] = acc;
    }
}

/* A preset's speckle reduction on the detected power in gen->amp. Spatial compounding of n
 * angles averages n partly independent speckle patterns of the same tissue: the local mean
 * stays and the speckle's fluctuation about it shrinks by sqrt(n) (the mean taken over about
 * three speckle sizes). Smoothing then blurs the power like a scanner's speckle filter. */
static void
reduce_speckle(CsPhantomGenerator *gen)
{
  int w = gen->options.width, h = gen->options.height, ew = gen->ext_w;
  float *mean = gen->tmp_re, *scratch = gen->tmp_im;

  if (gen->compound > 1) {
    float keep = (float)(1 / sqrt(gen->compound));

    double s = 3 * gen->psf_lateral_mm / gen->hand.spacing_mm;

    blur_power(gen, gen->amp, mean, scratch, s, s);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        size_t i = (size_t)y * ew + x;

        gen->amp[i] = mean[i] + keep * (gen->amp[i] - mean[i]);
      }
  }
  if (gen->smooth_px > 0) {
    /* Mostly lateral: the axial resolution is the finer one and filters keep it. */
    blur_power(gen, gen->amp, mean, scratch, gen->smooth_px, 0.4 * gen->smooth_px);
    for (int y = 0; y < h; y++)
      memcpy(gen->amp + (size_t)y * ew, mean + (size_t)y * ew, sizeof(float) * w);
  }
}

void
cs_phantom_convolve_and_display(CsPhantomGenerator *gen, guint8 *pixels)
{
  const CsPhantomHand *hand = &gen->hand;
  int w = gen->options.width, h = gen->options.height, ew = gen->ext_w;
  int taps = 2 * gen->halo + 1, ah = gen->axial_half;
  float scale = (float)(255.0 / hand->dynamic_range_db);
  float offset = (float)(DISPLAY_PIVOT + 255.0 * hand->gain_db / hand->dynamic_range_db);
  float noise = (float)gen->noise_amp;

  /* Lateral pass, row by row with the row's kernel; the extended frame's halo supplies the
   * samples beyond the image edges. */
  for (int y = 0; y < h; y++) {
    const float *kern = gen->lateral_kernel + (size_t)gen->lateral_index[y] * taps;
    const float *fr = gen->field_re + (size_t)y * ew, *fi = gen->field_im + (size_t)y * ew;
    float *tr = gen->tmp_re + (size_t)y * ew, *ti = gen->tmp_im + (size_t)y * ew;
    int k0 = 0;

    /* Skip the kernel's negligible tails (below 1e-4 of the peak) for narrow rows. */
    while (k0 < gen->halo && kern[k0] < 1e-4f * kern[gen->halo])
      k0++;
    /* Tap by tap over the whole row (an axpy), which the compiler vectorises; a dot product
     * per pixel would not be, without reordering the float sums. */
    {
      float *restrict out_re = tr + gen->halo, *restrict out_im = ti + gen->halo;

      memset(out_re, 0, sizeof(float) * w);
      memset(out_im, 0, sizeof(float) * w);
      for (int k = k0; k < taps - k0; k++) {
        const float kv = kern[k];
        const float *restrict in_re = fr + k, *restrict in_im = fi + k;

        for (int x = 0; x < w; x++) {
          out_re[x] += kv * in_re[x];
          out_im[x] += kv * in_im[x];
        }
      }
    }
  }

  /* Axial pass, envelope, log compression. */
  {
    float *acc_re = gen->field_re, *acc_im = gen->field_im; /* Reused as row accumulators. */

    for (int y = 0; y < h; y++) {
      memset(acc_re, 0, sizeof(float) * w);
      memset(acc_im, 0, sizeof(float) * w);
      for (int k = -ah; k <= ah; k++) {
        int yy = y + k;
        float kv = gen->axial_kernel[k + ah];
        const float *tr, *ti;

        if (yy < 0 || yy >= h)
          continue;
        tr = gen->tmp_re + (size_t)yy * ew + gen->halo;
        ti = gen->tmp_im + (size_t)yy * ew + gen->halo;
        for (int x = 0; x < w; x++) {
          acc_re[x] += kv * tr[x];
          acc_im[x] += kv * ti[x];
        }
      }
      /* The row's detected power, smoothed ([1 2 3 2 1] / 9 laterally, then [1 6 1] / 8
       * axially) like a scanner's speckle reduction, so the speckle is not as harsh as raw fully
       * developed speckle. */
      {
        float *raw = gen->spec; /* Scratch: the specular map is no longer needed. */
        float *smooth = gen->amp + (size_t)y * ew;

        for (int x = 0; x < w; x++)
          raw[x] = acc_re[x] * acc_re[x] + acc_im[x] * acc_im[x];
        for (int x = 0; x < w; x++)
          smooth[x] = (raw[MAX(0, x - 2)] + 2 * raw[MAX(0, x - 1)] + 3 * raw[x] +
                       2 * raw[MIN(w - 1, x + 1)] + raw[MIN(w - 1, x + 2)]) *
                      (1.0f / 9.0f);
      }
    }
    if (gen->smooth_px > 0 || gen->compound > 1)
      reduce_speckle(gen);
    /* The axial smoothing, then log compression. */
    for (int y = 0; y < h; y++) {
      guint8 *out = pixels + (size_t)y * w;
      const float *up = gen->amp + (size_t)MAX(0, y - 1) * ew;
      const float *mid = gen->amp + (size_t)y * ew;
      const float *down = gen->amp + (size_t)MIN(h - 1, y + 1) * ew;

      for (int x = 0; x < w; x++) {
        float p = 0.125f * (up[x] + 6 * mid[x] + down[x]) + noise * noise;
        /* 10 log10(power) is 20 log10(envelope). */
        float level = 10.0f * log10f(p);
        float v = offset + scale * level;

        out[x] = (guint8)(v <= 0 ? 0 : v >= 255 ? 255 : lrintf(v));
      }
      /* A preset's compression curve bends the straight map: darker mid-grays above 1. */
      if (gen->gamma != 1) {
        for (int x = 0; x < w; x++)
          out[x] = (guint8)lrint(255 * pow(out[x] / 255.0, gen->gamma));
      }
    }
  }
}
