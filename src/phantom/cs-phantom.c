/* cs-phantom.c — the phantom generator: its options, its buffers and the making of a frame
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The image model, in the order a frame is made:
 *
 * 1. Geometry (millimetres; x lateral from the frame's left edge, y depth from the probe face).
 *    Skin, then subcutaneous fat down to the transverse carpal ligament (flexor retinaculum),
 *    a band bowed towards the skin that spans the tunnel between the scaphoid (radial) and the
 *    pisiform (ulnar). The median nerve lies just deep to the ligament on its radial side; the
 *    flexor tendons (FDS, FDP, FPL) fill the tunnel below and ulnar to it; the carpal bones close
 *    it below. The ulnar artery runs superficial to the ligament on the ulnar side. Left hands
 *    are mirrored so the radial side is always where it would be on a scanner.
 *
 * 2. Echogenicity. Each tissue has a diffuse backscatter amplitude, in dB against ordinary
 *    soft tissue (0 dB): skin +5; subcutaneous fat -4 with septa up to +8; deep connective
 *    tissue and muscle -5 with +-4.5 dB patches, lateral striation and sparse bright fibres
 *    (+10); ligament +14 with a fibre texture; tendon +3 plus up to +20 in a fine punctate
 *    pattern (fibre bundles seen end-on); nerve: interfascicular tissue nerve_echo_db + 5,
 *    fascicles darker by 14 x fascicle_contrast with soft edges fascicle_blur_mm wide,
 *    epineurium +14 over epineurium_mm, perineural oedema -9 over oedema_mm; artery lumen -40.
 *    Anisotropic tissues lose brightness when the beam is not perpendicular to their fibres: a
 *    Gaussian fall-off with the angle between the beam and the fibres' normal (probe tilt plus
 *    the local slope), 8 degrees wide for tendons (to 12 %), 14 for the ligament (to 20 %), 35
 *    for bone cortex. Smooth interfaces also reflect coherently: a specular amplitude added
 *    without random phase (skin entry 2.5, ligament surfaces 4 and 2, bone cortex 6, epineurium
 *    1.5 where it faces the beam, tendon sheath 0.25, and 0.4 x fascicle_contrast over the
 *    interfascicular walls, which is what makes the honeycomb stand out of the speckle).
 *
 * 3. Attenuation and gain. Every tissue attenuates, two-way, per mm: soft tissue 1.8 dB (0.5
 *    dB/cm/MHz at 18 MHz), ligament 1 dB more, tendon 0.6 more, blood almost none (posterior
 *    enhancement under the artery), bone 25 dB/mm (a full acoustic shadow). Attenuation is
 *    integrated down each column. The time-gain compensation restores a fraction (tgc, 0.3 to
 *    0.55 per hand) of the soft-tissue loss, plus tgc_slope_db of error across the frame, so
 *    deep tissue fades as on a scanner.
 *
 * 4. Speckle. A field of random complex scatterers (zero mean, unit variance, one per pixel) is
 *    weighted by the amplitude of step 2 and the gain of step 3, the specular amplitude is
 *    added, and the sum is convolved with a separable Gaussian point-spread function: axial
 *    sigma 0.04 mm (a short 18 MHz pulse), lateral sigma 0.16 mm at the focus (4-9 mm deep),
 *    widening away from it like a Gaussian beam. Each kernel has unit energy, so a uniform
 *    region of amplitude 1 has unit mean power. The magnitude of the result is the envelope:
 *    fully developed, Rayleigh-distributed speckle. The detected power is smoothed a little
 *    ([1 2 3 2 1] laterally, [1 6 1] axially) as a scanner's speckle reduction does.
 *
 * 5. Display. The power is log-compressed, L = 10 log10(power) + gain_db, and mapped to 8-bit
 *    gray as 100 + 255 L / dynamic_range_db, clipped: 0 dB tissue is mid-gray and the dynamic
 *    range sets the contrast. Electronic noise at about -30 dB keeps shadows from being
 *    perfectly black.
 *
 * 6. The sweep. The probe slides sweep_mm along the wrist over n_frames. Everything drifts by
 *    slow smooth curves (a few sine waves per quantity): the probe wanders laterally, the nerve
 *    moves and changes area, flattening and rotation, the tendons shift, the tilt changes. The
 *    scatterer field moves with the probe and is partly redrawn each frame (first-order
 *    autoregression, correlation speckle_rho between frames), which models the beam's
 *    elevation width sliding through new tissue.
 *
 * Every number is drawn from the hand's own xoshiro256** stream, so a group and seed give the
 * same bytes on every run and in every thread.
 *
 * The hand is drawn in cs-phantom-hand.c, steps 1 and 2 are in cs-phantom-anatomy.c, steps 3 to
 * 5 in cs-phantom-imaging.c; this file holds the generator and runs the steps for each frame.
 */
#include "config.h"

#include "cs-phantom-private.h"
#include "cs-phantom-preset.h"

#include "cs-error.h"

#include <string.h>

double
cs_phantom_polygon_area(const double (*points)[2], int n)
{
  double twice = 0;

  for (int i = 0; i < n; i++) {
    const double *p = points[i], *q = points[(i + 1) % n];

    twice += p[0] * q[1] - q[0] * p[1];
  }
  return fabs(twice) / 2.0;
}

/* ---- Options and groups ----------------------------------------------------------------- */

void
cs_phantom_options_init(CsPhantomOptions *options)
{
  options->width = 600;
  options->height = 450;
  options->n_frames = 100;
  options->sweep_mm = 20.0;
  options->spacing_mm = 0.0;
  options->preset = CS_PHANTOM_PRESET_DEFAULT;
}

gboolean
cs_phantom_options_validate(const CsPhantomOptions *options, GError **error)
{
  /* Even sides: H.264 in 4:2:0 needs them, and one rule for every format is simpler. */
  if (options->width < 64 || options->width > 4096 || options->width % 2) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "width %d: must be an even 64-4096 px",
                options->width);
    return FALSE;
  }
  if (options->height < 64 || options->height > 4096 || options->height % 2) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "height %d: must be an even 64-4096 px",
                options->height);
    return FALSE;
  }
  if (options->n_frames < 1 || options->n_frames > 100000) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "frames %d: must be 1-100000",
                options->n_frames);
    return FALSE;
  }
  if (!(options->sweep_mm >= 0 && options->sweep_mm <= 200)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "sweep length %g mm: must be 0-200 mm",
                options->sweep_mm);
    return FALSE;
  }
  if (!(options->spacing_mm == 0 || (options->spacing_mm >= 0.01 && options->spacing_mm <= 1))) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "spacing %g mm/px: must be 0.01-1 mm/px, or 0 to draw it per hand",
                options->spacing_mm);
    return FALSE;
  }
  if (options->preset < 0 || options->preset >= cs_phantom_preset_count()) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "preset %d: must be 0-%d", options->preset,
                cs_phantom_preset_count() - 1);
    return FALSE;
  }
  return TRUE;
}

gboolean
cs_phantom_group_from_string(const char *name, CsPhantomGroup *group, GError **error)
{
  if (g_strcmp0(name, "control") == 0) {
    *group = CS_PHANTOM_CONTROL;
    return TRUE;
  }
  if (g_strcmp0(name, "cts") == 0) {
    *group = CS_PHANTOM_CTS;
    return TRUE;
  }
  g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "group '%s': must be 'control' or 'cts'",
              name != NULL ? name : "");
  return FALSE;
}

const char *
cs_phantom_group_to_string(CsPhantomGroup group)
{
  return group == CS_PHANTOM_CTS ? "cts" : "control";
}

/* ---- The generator ---------------------------------------------------------------------- */

CsPhantomGenerator *
cs_phantom_generator_new(const CsPhantomOptions *options)
{
  CsPhantomGenerator *gen = g_new0(CsPhantomGenerator, 1);
  int w = options->width, h = options->height;
  size_t ext, canvas;
  /* The kernels are sized for the smallest spacing a hand can draw and the widest PSF, so one
   * set of buffers serves every hand. */
  double min_spacing = options->spacing_mm > 0 ? options->spacing_mm : 0.050;
  double widest_lateral = PSF_LATERAL_SIGMA_MM * 1.15 * 2.2;
  double widest_axial = PSF_AXIAL_SIGMA_MM * 1.1;

  /* Other presets draw other spacings and beams. */
  if (options->preset != CS_PHANTOM_PRESET_DEFAULT)
    cs_phantom_preset_limits(options, &min_spacing, &widest_lateral, &widest_axial);
  gen->options = *options;
  gen->halo = (int)ceil(3.0 * widest_lateral / min_spacing);
  gen->axial_half = (int)ceil(3.0 * widest_axial / min_spacing);
  gen->margin = (int)ceil(MAX_PROBE_SHIFT_MM / min_spacing) + 1;
  gen->ext_w = w + 2 * gen->halo;
  gen->canvas_w = gen->ext_w + 2 * gen->margin;
  gen->n_lateral_kernels = 16;
  ext = (size_t)gen->ext_w * h;
  canvas = (size_t)gen->canvas_w * h;
  gen->bg_amp = g_new(float, canvas);
  gen->scat_re = g_new0(float, canvas);
  gen->scat_im = g_new0(float, canvas);
  gen->amp = g_new(float, ext);
  gen->spec = g_new(float, ext);
  gen->atten = g_new(float, ext);
  gen->field_re = g_new(float, ext);
  gen->field_im = g_new(float, ext);
  gen->tmp_re = g_new(float, ext);
  gen->tmp_im = g_new(float, ext);
  gen->axial_kernel = g_new(float, 2 * gen->axial_half + 1);
  gen->lateral_kernel = g_new(float, (size_t)gen->n_lateral_kernels *(2 * gen->halo + 1));
  gen->lateral_index = g_new(int, h);
  gen->mask = g_new0(guint8, (size_t)w * h);
  return gen;
}

void
cs_phantom_generator_free(CsPhantomGenerator *gen)
{
  if (gen == NULL)
    return;
  g_free(gen->bg_amp);
  g_free(gen->scat_re);
  g_free(gen->scat_im);
  g_free(gen->amp);
  g_free(gen->spec);
  g_free(gen->atten);
  g_free(gen->field_re);
  g_free(gen->field_im);
  g_free(gen->tmp_re);
  g_free(gen->tmp_im);
  g_free(gen->axial_kernel);
  g_free(gen->lateral_kernel);
  g_free(gen->lateral_index);
  g_free(gen->mask);
  g_free(gen);
}

const CsPhantomHand *
cs_phantom_generator_get_hand(const CsPhantomGenerator *gen)
{
  return &gen->hand;
}

const CsPhantomOptions *
cs_phantom_generator_get_options(const CsPhantomGenerator *gen)
{
  return &gen->options;
}

const guint8 *
cs_phantom_generator_get_nerve_mask(const CsPhantomGenerator *gen)
{
  return gen->mask;
}

void
cs_phantom_generator_start(CsPhantomGenerator *gen, CsPhantomGroup group, uint64_t seed)
{
  cs_phantom_draw_hand(&gen->hand, gen, group, seed, &gen->options);
  gen->frame = 0;
  cs_phantom_build_kernels(gen);
  cs_phantom_build_background(gen);
  /* A fully independent field to start from. */
  cs_phantom_fill_scatterers(gen, 0.0);
}

/* ---- One frame -------------------------------------------------------------------------- */

/* The truth of a frame: the nerve's outline in image pixels, its centroid and its area. */
static void
frame_truth(const CsPhantomGenerator *gen, const FrameGeometry *g, CsPhantomFrameTruth *truth)
{
  double sp = gen->hand.spacing_mm;
  double ca = cos(g->nerve_angle), sa = sin(g->nerve_angle);
  double sx = 0, sy = 0, a2 = 0;

  truth->index = gen->frame;
  for (int i = 0; i < CS_PHANTOM_OUTLINE_POINTS; i++) {
    double th = 2 * M_PI * i / CS_PHANTOM_OUTLINE_POINTS;
    double lx = g->radius[i] * cos(th), ly = g->radius[i] * sin(th);

    truth->outline[i][0] = (ca * lx - sa * ly + g->nerve_cx) / sp;
    truth->outline[i][1] = (sa * lx + ca * ly + g->nerve_cy) / sp;
  }
  /* The centroid of the polygon. */
  for (int i = 0; i < CS_PHANTOM_OUTLINE_POINTS; i++) {
    const double *p = truth->outline[i], *q = truth->outline[(i + 1) % CS_PHANTOM_OUTLINE_POINTS];
    double c = p[0] * q[1] - q[0] * p[1];

    a2 += c;
    sx += (p[0] + q[0]) * c;
    sy += (p[1] + q[1]) * c;
  }
  truth->centre_x = sx / (3 * a2);
  truth->centre_y = sy / (3 * a2);
  truth->csa_px2 =
      cs_phantom_polygon_area((const double(*)[2])truth->outline, CS_PHANTOM_OUTLINE_POINTS);
  truth->csa_mm2 = truth->csa_px2 * sp * sp;
}

gboolean
cs_phantom_generator_next_frame(CsPhantomGenerator *gen, guint8 *pixels, CsPhantomFrameTruth *truth)
{
  const CsPhantomHand *hand = &gen->hand;
  int h = gen->options.height, ew = gen->ext_w;
  double sp = hand->spacing_mm;
  double t;
  FrameGeometry g;
  int shift_px, col0;

  if (gen->frame >= gen->options.n_frames)
    return FALSE;
  t = gen->options.n_frames > 1 ? (double)gen->frame / (gen->options.n_frames - 1) : 0.5;
  cs_phantom_frame_geometry(gen, t, &g);
  /* The first frame keeps the field drawn by start(); later ones decorrelate it partly. The
   * correlation falls as the elevation beam (about 0.6 mm) slides further per frame. */
  if (gen->frame > 0) {
    double step_mm = gen->options.sweep_mm / MAX(1, gen->options.n_frames - 1);
    double rho = pow(gen->speckle_rho, step_mm / 0.2);

    cs_phantom_fill_scatterers(gen, rho);
  }

  /* The window of the static canvas this frame sees: the probe's wander moves it. */
  shift_px = (int)lround(g.shift_mm / sp);
  col0 = gen->margin + shift_px;
  for (int y = 0; y < h; y++) {
    memcpy(gen->amp + (size_t)y * ew, gen->bg_amp + (size_t)y * gen->canvas_w + col0,
           sizeof(float) * ew);
    for (int x = 0; x < ew; x++)
      gen->atten[(size_t)y * ew + x] = (float)(gen->soft_atten * sp);
  }
  memset(gen->spec, 0, sizeof(float) * (size_t)ew * h);
  /* The skin entry echo. */
  for (int x = 0; x < ew; x++)
    gen->spec[(size_t)MIN(h - 1, (int)lround(0.12 / sp)) * ew + x] = 2.5f;

  cs_phantom_paint_anatomy(gen, &g, t);
  cs_phantom_weight_field(gen, col0);
  cs_phantom_convolve_and_display(gen, pixels);
  if (hand->screen_capture)
    cs_phantom_draw_capture(gen, pixels);
  if (truth != NULL)
    frame_truth(gen, &g, truth);
  gen->frame++;
  return TRUE;
}
