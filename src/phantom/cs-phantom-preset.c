/* cs-phantom-preset.c — the phantom's scanner and anatomy presets
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The presets' table and what a preset draws for a hand. A hand of a preset other than the
 * default is first drawn as before (the same stream, in the same order), then the values below
 * replace or add to it from a second stream seeded by the hand's group, seed and preset:
 *
 * - the scanner: depth setting (spacing), centre frequency f (attenuation 0.1 f dB/mm two-way,
 *   pulse and beam widths scaling as 18 / f, times the preset's resolution factors), gain, TGC
 *   (its fraction and its depth error), dynamic range, compression curve, scatterer density,
 *   speckle reduction, compounding, electronic noise and the screen-capture look;
 * - the anatomy: fat thickness (0.8-5 mm: how deep the nerve lies), probe pressure (flattens the
 *   nerve by up to 35 % and thins the fat), probe tilt (SD 8 degrees), 4-9 tendons with their
 *   echo +-4 dB, 8-32 fascicles, a bifid nerve (8 % of hands) and a persistent median artery
 *   (7 %, and half of the bifid nerves);
 * - the disease: each sign of CTS gets a weight of its own per hand, uniform on 0.3-1.5, so a
 *   nerve can be enlarged and still fascicular, or hypoechoic and barely enlarged; the signs'
 *   spread between hands is wider than the default's, for controls too; CTS nerves swell
 *   proximally (their area grows towards the sweep's start, the proximal end, by a log-ratio of
 *   0.1-0.6 x severity over the sweep), controls by +-0.05.
 *
 * The CSA at the inlet keeps the paper's distributions in every preset.
 */
#include "config.h"

#include "cs-phantom-preset.h"

#include "cs-error.h"
#include "cs-phantom-private.h"

#include <string.h>

/* The default's fields describe the phantom as it is (18 MHz; its own draws, not these). The
 * axial factors are below 1 for most presets: the real captures' speckle is finer in depth than
 * the default's (docs/phantom.md, "Realism"). */
#define SCANNER(f0, f1, lat0, lat1, ax0, ax1)                                            \
  .freq_lo = f0, .freq_hi = f1, .lateral_lo = lat0, .lateral_hi = lat1, .axial_lo = ax0, \
  .axial_hi = ax1
#define DISPLAY(g0, g1, dr0, dr1, gm0, gm1, tgc0, tgc1)                                       \
  .gain_lo = g0, .gain_hi = g1, .dr_lo = dr0, .dr_hi = dr1, .gamma_lo = gm0, .gamma_hi = gm1, \
  .tgc_lo = tgc0, .tgc_hi = tgc1
#define SPECKLE(d0, d1, s0, s1, c0, c1)                                                    \
  .density_lo = d0, .density_hi = d1, .smooth_lo = s0, .smooth_hi = s1, .compound_lo = c0, \
  .compound_hi = c1
static const CsPhantomPreset presets[] = {
  { .name = "default",
    .description = "The phantom as it was before presets: 18 MHz, 600 x 450 px, 0.050-0.065 mm/px.",
    .width = 600,
    .height = 450,
    .spacing_lo = 0.050,
    .spacing_hi = 0.065,
    SCANNER(18, 18, 0.9, 1.15, 0.9, 1.1),
    DISPLAY(-10, 10, 50, 68, 1, 1, 0.3, 0.55),
    SPECKLE(1, 1, 0, 0, 1, 1),
    .capture = 0 },
  { .name = "high-frequency",
    .description = "A 20-22 MHz hockey-stick probe set shallow: fine speckle, 0.030-0.042 mm/px.",
    .width = 640,
    .height = 480,
    .spacing_lo = 0.030,
    .spacing_hi = 0.042,
    SCANNER(20, 22, 0.7, 1.0, 0.6, 0.9),
    DISPLAY(-4, 6, 50, 65, 1.0, 1.3, 0.5, 0.8),
    SPECKLE(0.6, 1.0, 0, 0.03, 1, 1),
    .capture = 0.3 },
  { .name = "low-frequency",
    .description = "A 10-13 MHz general linear probe set deep: coarse speckle, 0.080-0.120 mm/px.",
    .width = 400,
    .height = 400,
    .spacing_lo = 0.080,
    .spacing_hi = 0.120,
    SCANNER(10, 13, 1.0, 1.4, 0.7, 1.1),
    DISPLAY(-6, 6, 45, 60, 0.9, 1.2, 0.4, 0.8),
    SPECKLE(0.4, 1.0, 0, 0.08, 1, 1),
    .capture = 0.3 },
  { .name = "capture",
    .description = "Screen captures of a 15-18 MHz scanner: text, focus marks, steep display.",
    .width = 606,
    .height = 468,
    .spacing_lo = 0.040,
    .spacing_hi = 0.060,
    SCANNER(15, 18, 0.6, 0.9, 0.45, 0.75),
    DISPLAY(-4, 6, 50, 65, 1.0, 1.4, 0.2, 0.5),
    SPECKLE(0.5, 1.0, 0.02, 0.05, 1, 3),
    .capture = 1.0 },
  { .name = "compound",
    .description = "14-18 MHz with spatial compounding (3-7 angles) and strong speckle reduction.",
    .width = 640,
    .height = 480,
    .spacing_lo = 0.045,
    .spacing_hi = 0.070,
    SCANNER(14, 18, 0.7, 1.0, 0.6, 0.9),
    DISPLAY(-6, 6, 55, 70, 1.0, 1.5, 0.3, 0.7),
    SPECKLE(0.7, 1.0, 0.03, 0.08, 3, 7),
    .capture = 0.3 },
  { .name = "portable",
    .description = "A 10-14 MHz handheld probe: narrow dynamic range, high gain, sparse speckle.",
    .width = 480,
    .height = 360,
    .spacing_lo = 0.060,
    .spacing_hi = 0.100,
    SCANNER(10, 14, 1.0, 1.4, 0.8, 1.1),
    DISPLAY(0, 10, 40, 55, 0.8, 1.1, 0.3, 0.6),
    SPECKLE(0.3, 0.7, 0, 0.02, 1, 1),
    .capture = 0.5 },
  { .name = "varied",
    .description = "Every setting drawn over the union of the other presets' ranges, 480 x 400 px.",
    .width = 480,
    .height = 400,
    .spacing_lo = 0.030,
    .spacing_hi = 0.120,
    SCANNER(10, 22, 0.6, 1.3, 0.45, 1.1),
    DISPLAY(-10, 10, 40, 75, 0.8, 1.6, 0.2, 0.8),
    SPECKLE(0.3, 1.0, 0, 0.08, 1, 7),
    .capture = 0.5 },
};
#undef SCANNER
#undef DISPLAY
#undef SPECKLE

int
cs_phantom_preset_count(void)
{
  return G_N_ELEMENTS(presets);
}

const CsPhantomPreset *
cs_phantom_preset_get(int index)
{
  g_return_val_if_fail(index >= 0 && index < (int)G_N_ELEMENTS(presets), &presets[0]);
  return &presets[index];
}

int
cs_phantom_preset_from_string(const char *name, GError **error)
{
  g_autoptr(GString) names = g_string_new(NULL);

  for (int i = 0; i < (int)G_N_ELEMENTS(presets); i++) {
    if (g_strcmp0(name, presets[i].name) == 0)
      return i;
    g_string_append_printf(names, "%s%s", i ? ", " : "", presets[i].name);
  }
  g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "preset '%s': must be one of %s",
              name != NULL ? name : "", names->str);
  return -1;
}

void
cs_phantom_options_set_preset(CsPhantomOptions *options, int index)
{
  const CsPhantomPreset *p = cs_phantom_preset_get(index);

  options->preset = index;
  options->width = p->width;
  options->height = p->height;
}

int
cs_phantom_preset_pick(guint64 draw_seed, guint64 hand_seed, const int *choices, int n)
{
  guint64 bits = cs_phantom_mix64(cs_phantom_mix64(draw_seed ^ 0x7072657365747321ULL) ^ hand_seed);

  g_return_val_if_fail(n > 0, CS_PHANTOM_PRESET_DEFAULT);
  /* The top 53 bits as a uniform on [0, 1), scaled: no modulo bias worth the name. */
  return choices[MIN(n - 1, (int)((double)(bits >> 11) * (1.0 / 9007199254740992.0) * n))];
}

int
cs_phantom_preset_parse_list(const char *list, int *choices, GError **error)
{
  g_auto(GStrv) names = NULL;
  int n = 0;

  if (g_strcmp0(list, "all") == 0) {
    for (int i = 1; i < (int)G_N_ELEMENTS(presets); i++)
      choices[n++] = i;
    return n;
  }
  names = g_strsplit(list != NULL ? list : "", ",", -1);
  for (int i = 0; names[i] != NULL; i++) {
    int index = cs_phantom_preset_from_string(g_strstrip(names[i]), error);

    if (index < 0)
      return 0;
    for (int k = 0; k < n; k++)
      if (choices[k] == index) {
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "preset '%s' is named twice", names[i]);
        return 0;
      }
    if (n >= (int)G_N_ELEMENTS(presets))
      break;
    choices[n++] = index;
  }
  if (n == 0)
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "no preset named in '%s'", list ? list : "");
  return n;
}

void
cs_phantom_preset_limits(const CsPhantomOptions *options, double *min_spacing,
                         double *widest_lateral, double *widest_axial)
{
  const CsPhantomPreset *p = cs_phantom_preset_get(options->preset);

  *min_spacing = options->spacing_mm > 0 ? options->spacing_mm : p->spacing_lo;
  *widest_lateral = PSF_LATERAL_SIGMA_MM * 18.0 / p->freq_lo * p->lateral_hi * 2.2;
  *widest_axial = PSF_AXIAL_SIGMA_MM * 18.0 / p->freq_lo * p->axial_hi;
}

/* A uniform draw on [lo, hi]; exactly lo when the range is empty. */
static double
range(CsPhantomRng *rng, double lo, double hi)
{
  double u = cs_phantom_rng_uniform(rng);

  return hi > lo ? lo + u * (hi - lo) : lo;
}

/* The disease's signs, each with its own weight, and the controls' variety alike. */
static void
draw_signs(CsPhantomHand *hand, CsPhantomRng *rng)
{
  double s = hand->severity;
  double w[6];

  for (int k = 0; k < 6; k++)
    w[k] = hand->group == CS_PHANTOM_CTS ? range(rng, 0.3, 1.5) : 0;
  hand->flattening = cs_phantom_rng_normal_clamped(rng, 3.0 - 0.9 * s * w[0], 0.6, 1.2, 5.0);
  /* The nerve's echo against its surroundings differs between scanners and wrists as much as
   * with disease: real nerves are often much darker than the tissue around them. */
  hand->nerve_echo_db = range(rng, -14, -2) - 5.0 * s * w[1] + 2.2 * cs_phantom_rng_normal(rng);
  hand->fascicle_contrast = range(rng, 0.55, 1.0) * fmax(0.1, 1.0 - 0.7 * s * w[2]);
  hand->fascicle_blur_mm = range(rng, 0.03, 0.09) + 0.16 * s * w[2];
  hand->n_fascicles = (int)lround(range(rng, 10, 32) - 8 * s * w[3]);
  hand->epineurium_mm = cs_phantom_rng_normal_clamped(rng, 0.2, 0.06, 0.08, 0.35) + 0.22 * s * w[4];
  hand->oedema_mm = 0;
  if (hand->group == CS_PHANTOM_CTS && cs_phantom_rng_uniform(rng) < 0.2 + 0.6 * s)
    hand->oedema_mm = 0.1 + 0.35 * s * range(rng, 0.4, 1.0);
  hand->proximal_swelling = hand->group == CS_PHANTOM_CTS ? s * range(rng, 0.1, 0.6) * w[5] / 0.9
                                                          : cs_phantom_rng_normal(rng) * 0.05;
}

void
cs_phantom_preset_draw_hand(CsPhantomHand *hand, const CsPhantomOptions *options)
{
  const CsPhantomPreset *p;
  CsPhantomRng rng;
  double pressure;

  hand->preset = options->preset;
  if (options->preset == CS_PHANTOM_PRESET_DEFAULT)
    return;
  p = cs_phantom_preset_get(options->preset);
  cs_phantom_rng_seed(
      &rng,
      cs_phantom_mix64(hand->seed ^ (hand->group == CS_PHANTOM_CTS ? 0x6374735f68616e64ULL : 0)) ^
          (0x5052455345540000ULL + (guint64)options->preset));

  /* The scanner. */
  hand->spacing_mm =
      options->spacing_mm > 0 ? options->spacing_mm : range(&rng, p->spacing_lo, p->spacing_hi);
  hand->frequency_mhz = range(&rng, p->freq_lo, p->freq_hi);
  hand->psf_lateral_mm =
      PSF_LATERAL_SIGMA_MM * 18.0 / hand->frequency_mhz * range(&rng, p->lateral_lo, p->lateral_hi);
  hand->psf_axial_mm =
      PSF_AXIAL_SIGMA_MM * 18.0 / hand->frequency_mhz * range(&rng, p->axial_lo, p->axial_hi);
  hand->gain_db = range(&rng, p->gain_lo, p->gain_hi);
  hand->dynamic_range_db = range(&rng, p->dr_lo, p->dr_hi);
  hand->compression_gamma = range(&rng, p->gamma_lo, p->gamma_hi);
  hand->tgc_fraction = range(&rng, p->tgc_lo, p->tgc_hi);
  hand->tgc_slope_db = cs_phantom_rng_normal_clamped(&rng, 0, 5.0, -12, 12);
  hand->scatterer_density = range(&rng, p->density_lo, p->density_hi);
  hand->smoothing_mm = range(&rng, p->smooth_lo, p->smooth_hi);
  hand->compounding = (int)floor(range(&rng, p->compound_lo, p->compound_hi + 0.999));
  hand->screen_capture = cs_phantom_rng_uniform(&rng) < p->capture;

  /* The anatomy. */
  pressure = range(&rng, 0, 1);
  hand->pressure = pressure;
  hand->fat_mm = range(&rng, 0.8, 5.0) * (1 - 0.3 * pressure);
  hand->tilt_deg = cs_phantom_rng_normal_clamped(&rng, 0, 8.0, -18, 18);
  hand->n_tendons = 4 + (int)(cs_phantom_rng_uniform(&rng) * 6);
  hand->tendon_echo_db = range(&rng, -2, 6);
  hand->bifid = cs_phantom_rng_uniform(&rng) < 0.08;
  hand->median_artery_mm = 0;
  if (cs_phantom_rng_uniform(&rng) < (hand->bifid ? 0.5 : 0.07))
    hand->median_artery_mm = range(&rng, 0.4, 0.9);

  /* The disease. */
  draw_signs(hand, &rng);
  hand->flattening = fmin(5.0, hand->flattening * (1 + 0.35 * pressure));
}

void
cs_phantom_preset_apply(CsPhantomGenerator *gen, const CsPhantomHand *hand)
{
  gen->soft_atten = SOFT_ATTEN_DB_PER_MM;
  gen->atten_scale = 1.0;
  gen->gamma = 1.0;
  gen->density = 1.0;
  gen->smooth_px = 0;
  gen->compound = 1;
  gen->bifid_u = 0;
  gen->artery2_angle = 0;
  gen->focus2_mm = 0;
  gen->epi_db = 14;
  gen->tissue_db = 0;
  if (hand->preset == CS_PHANTOM_PRESET_DEFAULT)
    return;

  /* Replaces the default's draws; a stream of its own keeps the other draws where they were. */
  {
    CsPhantomRng rng;

    cs_phantom_rng_seed(&rng,
                        cs_phantom_mix64(hand->seed ^ 0x6578747261ULL) + (guint64)hand->group);
    gen->soft_atten = 0.1 * hand->frequency_mhz;
    gen->atten_scale = hand->frequency_mhz / 18.0;
    gen->gamma = hand->compression_gamma;
    gen->density = hand->scatterer_density;
    gen->smooth_px = hand->smoothing_mm / hand->spacing_mm;
    gen->compound = MAX(1, hand->compounding);
    gen->psf_axial_mm = hand->psf_axial_mm;
    gen->psf_lateral_mm = hand->psf_lateral_mm;
    gen->tgc_comp = hand->tgc_fraction;
    gen->focus_mm = range(&rng, 0.15, 0.45) * gen->options.height * hand->spacing_mm;
    if (cs_phantom_rng_uniform(&rng) < 0.5)
      gen->focus2_mm = gen->focus_mm * range(&rng, 1.6, 2.6);
    gen->noise_amp = db_to_amp(range(&rng, -36, -24));
    gen->bifid_u = range(&rng, -0.3, 0.3);
    gen->epi_db = range(&rng, 15, 22);
    gen->tissue_db = range(&rng, 2, 10);
    /* Ulnar side of the nerve mostly (the image's right for a right hand), or beneath it. */
    gen->artery2_angle = range(&rng, -0.9, 0.9) + (cs_phantom_rng_uniform(&rng) < 0.3 ? 1.2 : 0);
  }
}
