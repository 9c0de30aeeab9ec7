/* cs-phantom-hand.c — drawing a phantom hand: disease, anatomy and scanner from group and seed
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A hand is drawn once, from its own stream: the disease (stage, severity, and what they do to
 * the nerve), the nuisances that vary between hands of both groups alike (scanner settings, fat,
 * tendons in view), and for the generator the anatomy's details, the scanner's point-spread
 * function and the slow drifts of the sweep. The draws come in one fixed order, so a group and
 * seed give the same hand on every run; the frame-by-frame stream is seeded last, from this one.
 */
#include "config.h"

#include "cs-phantom-private.h"
#include "cs-reference.h"

#include <string.h>

/* Draws a smooth random curve whose root-mean-square value is @scale. */
static void
wave_draw(Wave *w, CsPhantomRng *rng, double scale)
{
  double norm = 0;

  for (int k = 0; k < N_WAVE; k++) {
    w->amp[k] = cs_phantom_rng_normal(rng) / (k + 1.0);
    w->phase[k] = cs_phantom_rng_range(rng, 0, 2 * M_PI);
    norm += w->amp[k] * w->amp[k];
  }
  /* Scale so the curve's root-mean-square value is @scale. */
  norm = sqrt(norm / 2.0);
  for (int k = 0; k < N_WAVE; k++)
    w->amp[k] *= norm > 0 ? scale / norm : 0;
}

/* The flexor tendons of a right hand seen from the palm with the radial side on the left:
 * lateral offset from the ligament centre, depth of the centre below the ligament, semi-axes. */
static const double tendon_template[MAX_TENDONS][4] = {
  { 1.2, 1.7, 2.0, 1.35 },  /* FDS middle */
  { 5.0, 1.8, 1.9, 1.3 },   /* FDS ring */
  { -1.6, 4.5, 1.9, 1.35 }, /* FDS index */
  { 7.6, 4.2, 1.5, 1.1 },   /* FDS little */
  { -2.0, 7.4, 2.0, 1.4 },  /* FDP index */
  { 2.2, 7.2, 2.1, 1.45 },  /* FDP middle */
  { 6.0, 7.0, 2.0, 1.4 },   /* FDP ring */
  { -6.0, 5.2, 1.7, 1.5 },  /* FPL */
  { 9.2, 6.8, 1.6, 1.2 },   /* FDP little */
};

/* The CTS group's nerve-conduction stages (the paper's scheme: 2 = DML >= 4.5 ms, 3 = and SNCV
 * < 40 m/s, 4 = no sensory response, 5 = no motor response) in the paper's proportions
 * (12 : 26 : 8 : 4 of its 50 CTS hands) and the band of severity each stands for. Stage 1 (normal
 * conduction, counted as a control in the paper) would lie below 0.15. */
static const struct {
  int stage;
  double share, lo, hi;
} cts_stages[] = {
  { 2, 12.0 / 50, 0.15, 0.35 },
  { 3, 26.0 / 50, 0.35, 0.65 },
  { 4, 8.0 / 50, 0.65, 0.85 },
  { 5, 4.0 / 50, 0.85, 1.0 },
};
/* The mean and SD of the severity that mix gives, to standardise it. */
#define SEVERITY_MEAN 0.514
#define SEVERITY_SD   0.21128

/* Maps a uniform draw on [0, 1) to a CTS severity: the stage by its share, then uniformly within
 * the stage's band (the inverse of the mixture's distribution function). */
static double
severity_from_uniform(double u)
{
  int last = G_N_ELEMENTS(cts_stages) - 1;

  for (int k = 0; k <= last; k++) {
    if (u < cts_stages[k].share || k == last) {
      double t = fmin(u / cts_stages[k].share, 1.0);

      return cts_stages[k].lo + t * (cts_stages[k].hi - cts_stages[k].lo);
    }
    u -= cts_stages[k].share;
  }
  return 1.0;
}

int
cs_phantom_stage_from_severity(double severity)
{
  if (severity <= 0)
    return 0;
  for (guint k = 0; k < G_N_ELEMENTS(cts_stages); k++)
    if (severity < cts_stages[k].hi)
      return cts_stages[k].stage;
  return cts_stages[G_N_ELEMENTS(cts_stages) - 1].stage;
}

/* Tendons: the template, jittered; the first n_tendons in a random order are kept, so the
 * layout differs between hands. */
static void
draw_tendons(CsPhantomGenerator *gen, const CsPhantomHand *hand, CsPhantomRng *rng)
{
  int order[MAX_TENDONS];

  for (int i = 0; i < MAX_TENDONS; i++)
    order[i] = i;
  for (int i = MAX_TENDONS - 1; i > 0; i--) {
    int j = (int)(cs_phantom_rng_uniform(rng) * (i + 1));
    int t = order[i];

    order[i] = order[j];
    order[j] = t;
  }
  gen->n_tendons = hand->n_tendons;
  for (int i = 0; i < gen->n_tendons; i++) {
    const double *tp = tendon_template[order[i]];
    Tendon *t = &gen->tendons[i];
    double scale = cs_phantom_rng_range(rng, 0.85, 1.15);

    t->dx_mm = tp[0] + cs_phantom_rng_normal_clamped(rng, 0, 0.5, -1, 1);
    t->depth_mm = tp[1] + cs_phantom_rng_normal_clamped(rng, 0, 0.4, -0.8, 0.8);
    t->rx_mm = tp[2] * scale;
    t->ry_mm = tp[3] * scale * cs_phantom_rng_range(rng, 0.85, 1.15);
    t->angle = cs_phantom_rng_normal_clamped(rng, 0, 0.2, -0.5, 0.5);
    t->texture_seed = (uint32_t)cs_phantom_rng_next(rng);
    wave_draw(&t->wx, rng, 0.35);
    wave_draw(&t->wy, rng, 0.25);
  }
}

/* Fascicles: a Poisson-disk packing of the nerve's unit disk covering about 55 % of it. */
static void
draw_fascicles(CsPhantomGenerator *gen, CsPhantomHand *hand, CsPhantomRng *rng)
{
  int want = CLAMP(hand->n_fascicles, 4, MAX_FASCICLES);
  double r = sqrt(0.62 / want);

  gen->n_fascicles = 0;
  for (int attempt = 0; attempt < 6000 && gen->n_fascicles < want; attempt++) {
    double rr = r * cs_phantom_rng_range(rng, 0.7, 1.15);
    double a = cs_phantom_rng_range(rng, 0, 2 * M_PI);
    double d = sqrt(cs_phantom_rng_uniform(rng)) * (0.98 - rr);
    double u = d * cos(a), v = d * sin(a);
    gboolean ok = d >= 0;

    for (int i = 0; ok && i < gen->n_fascicles; i++) {
      const Fascicle *f = &gen->fascicles[i];

      if (hypot(u - f->u, v - f->v) < 0.85 * (rr + f->radius) + 0.02)
        ok = FALSE;
    }
    if (ok)
      gen->fascicles[gen->n_fascicles++] = (Fascicle){ u, v, rr };
  }
  hand->n_fascicles = gen->n_fascicles;
}

/* Draws the generator's anatomy beyond CsPhantomHand: the ligament, the nerve's place, shape and
 * fascicles, the tendons, the bones and the artery, for a frame @width_mm wide. */
static void
draw_anatomy(CsPhantomGenerator *gen, CsPhantomHand *hand, CsPhantomRng *rng, double width_mm)
{
  gen->side = hand->right_hand ? 1 : -1;
  gen->lig_cx_mm = width_mm / 2 + cs_phantom_rng_normal_clamped(rng, 0, 2.0, -4, 4);
  gen->lig_bow_mm = cs_phantom_rng_range(rng, 0.6, 1.6) + 0.5 * hand->severity;
  gen->lig_half_mm = cs_phantom_rng_range(rng, 9.5, 12.0);
  gen->lig_thick_mm = cs_phantom_rng_range(rng, 0.4, 0.7);
  gen->nerve_dx_mm = -4.0 + cs_phantom_rng_normal_clamped(rng, 0, 1.0, -2.5, 2.0);
  hand->nerve_x_mm = gen->lig_cx_mm + gen->side * gen->nerve_dx_mm;
  for (int k = 0; k < 4; k++) {
    /* Controls are a little irregular (pressed between tendon and ligament); CTS nerves,
     * swollen, are smoother and rounder. */
    gen->fourier_amp[k] = cs_phantom_rng_range(rng, 0, 0.06 / (k + 1)) * (1 - 0.5 * hand->severity);
    gen->fourier_phase[k] = cs_phantom_rng_range(rng, 0, 2 * M_PI);
  }
  gen->nerve_angle = cs_phantom_rng_normal_clamped(rng, 0, 0.12, -0.3, 0.3);

  draw_tendons(gen, hand, rng);
  draw_fascicles(gen, hand, rng);

  /* Bones: scaphoid (radial), pisiform (ulnar, superficial), and the floor of the tunnel. */
  gen->n_bones = 3;
  gen->bones[0] = (Bone){ -13.0 + cs_phantom_rng_normal(rng) * 0.7, 7.8, 3.6, 2.6, { { 0 } } };
  gen->bones[1] = (Bone){ 13.2 + cs_phantom_rng_normal(rng) * 0.7, 6.0, 3.0, 2.2, { { 0 } } };
  gen->bones[2] = (Bone){ 1.0 + cs_phantom_rng_normal(rng), 13.2, 7.5, 2.5, { { 0 } } };
  for (int i = 0; i < gen->n_bones; i++) {
    gen->bones[i].cy_mm += cs_phantom_rng_normal_clamped(rng, 0, 0.6, -1.2, 1.2);
    wave_draw(&gen->bones[i].wy, rng, 0.5);
  }
  gen->artery_dx_mm = 9.0 + cs_phantom_rng_normal_clamped(rng, 0, 0.8, -1.5, 1.5);
  gen->artery_r_mm = cs_phantom_rng_range(rng, 0.7, 1.0);
}

/* Draws the scanner's point-spread function, gain and noise and the slow drifts of the sweep,
 * then seeds the frame-by-frame stream. */
static void
draw_scanner(CsPhantomGenerator *gen, CsPhantomRng *rng)
{
  gen->psf_axial_mm = PSF_AXIAL_SIGMA_MM * cs_phantom_rng_range(rng, 0.9, 1.1);
  gen->psf_lateral_mm = PSF_LATERAL_SIGMA_MM * cs_phantom_rng_range(rng, 0.9, 1.15);
  gen->focus_mm = cs_phantom_rng_range(rng, 4, 9);
  gen->tgc_comp = cs_phantom_rng_range(rng, 0.3, 0.55);
  gen->speckle_rho = cs_phantom_rng_range(rng, 0.75, 0.9);
  gen->noise_amp = db_to_amp(-30 + cs_phantom_rng_normal(rng));
  gen->texture_seed = (uint32_t)cs_phantom_rng_next(rng);

  wave_draw(&gen->w_probe, rng, 0.7);
  wave_draw(&gen->w_nerve_x, rng, 0.6);
  wave_draw(&gen->w_nerve_y, rng, 0.2);
  wave_draw(&gen->w_area, rng, 0.08);
  wave_draw(&gen->w_flat, rng, 0.08);
  wave_draw(&gen->w_rot, rng, 0.06);
  wave_draw(&gen->w_tilt, rng, 2.0);
  wave_draw(&gen->w_lig, rng, 0.2);

  /* The frame-by-frame stream is separate, so adding a hand parameter above does not change
   * the speckle of other hands' frames more than necessary. */
  cs_phantom_rng_seed(&gen->rng, cs_phantom_rng_next(rng));
}

void
cs_phantom_draw_hand(CsPhantomHand *hand, CsPhantomGenerator *gen, CsPhantomGroup group,
                     uint64_t seed, const CsPhantomOptions *options)
{
  CsPhantomRng rng;
  double z, sev_z, width_mm;

  /* One stream per (group, seed): a control and a CTS hand of the same seed are unrelated. */
  cs_phantom_rng_seed(&rng, seed ^ (group == CS_PHANTOM_CTS ? 0x6374735f68616e64ULL : 0));
  memset(hand, 0, sizeof *hand);
  hand->group = group;
  hand->seed = seed;
  hand->right_hand = cs_phantom_rng_uniform(&rng) < 0.5;

  /* Disease: the CTS hand's nerve-conduction stage is drawn from the paper's mix and its
   * severity uniformly within the stage's band, so severity is continuous and the stage 2 hands
   * are the subtle ones. The inlet CSA follows the paper's means and SDs (cs-reference.h: 8.2 +-
   * 2.4 and 14.7 +- 5.3 mm^2) and, for CTS, correlates moderately with severity. */
  if (group == CS_PHANTOM_CTS) {
    hand->severity = severity_from_uniform(cs_phantom_rng_uniform(&rng));
    sev_z = (hand->severity - SEVERITY_MEAN) / SEVERITY_SD;
    z = 0.5 * sev_z + sqrt(0.75) * cs_phantom_rng_normal(&rng);
    hand->csa_inlet_mm2 =
        fmin(fmax(CS_REFERENCE_SHINOHARA_CTS_MEAN_MM2 + CS_REFERENCE_SHINOHARA_CTS_SD_MM2 * z, 5.5),
             36.0);
  } else {
    hand->severity = 0;
    hand->csa_inlet_mm2 =
        cs_phantom_rng_normal_clamped(&rng, CS_REFERENCE_SHINOHARA_CONTROL_MEAN_MM2,
                                      CS_REFERENCE_SHINOHARA_CONTROL_SD_MM2, 3.5, 17.0);
  }
  {
    double s = hand->severity;

    hand->flattening = cs_phantom_rng_normal_clamped(&rng, 2.6 - 0.9 * s, 0.35, 1.25, 3.8);
    hand->nerve_echo_db = -1.0 - 5.0 * s + 1.5 * cs_phantom_rng_normal(&rng);
    hand->fascicle_contrast = cs_phantom_rng_range(&rng, 0.8, 1.0) * (1.0 - 0.7 * s);
    hand->fascicle_blur_mm = cs_phantom_rng_range(&rng, 0.03, 0.07) + 0.16 * s;
    hand->n_fascicles = (int)lround(cs_phantom_rng_range(&rng, 16, 28) - 6 * s);
    hand->epineurium_mm = cs_phantom_rng_normal_clamped(&rng, 0.17, 0.03, 0.1, 0.26) + 0.22 * s;
    hand->oedema_mm = 0;
    if (group == CS_PHANTOM_CTS && cs_phantom_rng_uniform(&rng) < 0.25 + 0.7 * s)
      hand->oedema_mm = 0.12 + 0.35 * s * cs_phantom_rng_range(&rng, 0.5, 1.0);
  }

  /* Nuisance: the scanner and the anatomy vary from hand to hand in both groups alike. */
  hand->spacing_mm =
      options->spacing_mm > 0 ? options->spacing_mm : cs_phantom_rng_range(&rng, 0.050, 0.065);
  hand->gain_db = cs_phantom_rng_normal_clamped(&rng, 0, 4.0, -10, 10);
  hand->dynamic_range_db = cs_phantom_rng_range(&rng, 50, 68);
  hand->tgc_slope_db = cs_phantom_rng_normal_clamped(&rng, 0, 5.0, -12, 12);
  hand->tilt_deg = cs_phantom_rng_normal_clamped(&rng, 0, 5.0, -12, 12);
  hand->fat_mm = cs_phantom_rng_range(&rng, 1.2, 3.0);
  width_mm = options->width * hand->spacing_mm;
  hand->n_tendons = 6 + (int)(cs_phantom_rng_uniform(&rng) * 4);
  /* A preset replaces some of these from a stream of its own (cs-phantom-preset.c). */
  cs_phantom_preset_draw_hand(hand, options);
  width_mm = options->width * hand->spacing_mm;

  if (gen == NULL)
    return;
  draw_anatomy(gen, hand, &rng, width_mm);
  draw_scanner(gen, &rng);
  cs_phantom_preset_apply(gen, hand);
}

void
cs_phantom_hand_draw(CsPhantomHand *hand, CsPhantomGroup group, uint64_t seed,
                     const CsPhantomOptions *options)
{
  cs_phantom_draw_hand(hand, NULL, group, seed, options);
}
