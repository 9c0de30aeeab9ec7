/* cs-phantom.c — the phantom's image model: anatomy, echogenicity, speckle, display
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
 */
#include "config.h"

#include "cs-phantom.h"

#include "cs-error.h"
#include "cs-phantom-rng.h"

#include <math.h>
#include <string.h>

#define N_WAVE        3
#define MAX_TENDONS   9
#define MAX_FASCICLES 32
#define MAX_BONES     3

/* The soft-tissue attenuation at 18 MHz (0.5 dB/cm/MHz one way), two-way, per mm. */
#define SOFT_ATTEN_DB_PER_MM 1.8
/* The gray level of 0 dB tissue at zero gain, and the PSF at the focus. */
#define DISPLAY_PIVOT        100.0
#define PSF_AXIAL_SIGMA_MM   0.04
#define PSF_LATERAL_SIGMA_MM 0.16
/* Largest lateral probe wander, mm; the scatterer field is this much wider on each side. */
#define MAX_PROBE_SHIFT_MM 2.0

/* A smooth random curve over the sweep: sum of sines of 0.5, 1 and 1.5 cycles. */
typedef struct {
  double amp[N_WAVE];
  double phase[N_WAVE];
} Wave;

typedef struct {
  double dx_mm, depth_mm; /* Template position: lateral from the ligament centre, depth below it. */
  double rx_mm, ry_mm;    /* Semi-axes. */
  double angle;           /* Rotation, radians. */
  uint32_t texture_seed;
  Wave wx, wy;
} Tendon;

typedef struct {
  double u, v;   /* Centre in the nerve's unit disk. */
  double radius; /* Radius in unit-disk units. */
} Fascicle;

typedef struct {
  double cx_mm, cy_mm, rx_mm, ry_mm;
  Wave wy;
} Bone;

struct _CsPhantomGenerator {
  CsPhantomOptions options;
  CsPhantomHand hand;
  CsPhantomRng rng; /* The frame-by-frame stream (scatterers). */
  int frame;

  /* Hand anatomy beyond CsPhantomHand. */
  int side; /* +1: radial side on the left; -1 mirrored. */
  double lig_cx_mm, lig_bow_mm, lig_half_mm, lig_thick_mm;
  double nerve_dx_mm; /* Nerve centre relative to the ligament centre (radial negative). */
  double fourier_amp[4], fourier_phase[4];
  double nerve_angle;
  int n_tendons;
  Tendon tendons[MAX_TENDONS];
  int n_fascicles;
  Fascicle fascicles[MAX_FASCICLES];
  int n_bones;
  Bone bones[MAX_BONES];
  double artery_dx_mm, artery_r_mm;
  double psf_axial_mm, psf_lateral_mm, focus_mm;
  double tgc_comp; /* Fraction of soft-tissue attenuation the TGC restores. */
  double speckle_rho;
  double noise_amp;
  uint32_t texture_seed;
  Wave w_probe, w_nerve_x, w_nerve_y, w_area, w_flat, w_rot, w_tilt, w_lig;

  /* Geometry in pixels. */
  int halo;     /* Lateral kernel half-width: the extended frame is width + 2 halo wide. */
  int margin;   /* Largest probe shift in px. */
  int ext_w;    /* width + 2 halo. */
  int canvas_w; /* ext_w + 2 margin: the scatterer field and static background. */
  int axial_half;
  int n_lateral_kernels;

  /* Buffers, allocated once. */
  float *bg_amp;  /* canvas_w x height: static background amplitude (fat, skin, tissue). */
  float *scat_re; /* canvas_w x height: scatterer field. */
  float *scat_im;
  float *amp;      /* ext_w x height: diffuse amplitude of this frame. */
  float *spec;     /* ext_w x height: specular amplitude. */
  float *atten;    /* ext_w x height: attenuation, two-way dB per pixel. */
  float *field_re; /* ext_w x height: weighted field before the PSF. */
  float *field_im;
  float *tmp_re; /* ext_w x height: after the lateral pass. */
  float *tmp_im;
  float *axial_kernel;   /* 2 axial_half + 1 taps. */
  float *lateral_kernel; /* n_lateral_kernels x (2 halo + 1) taps. */
  int *lateral_index;    /* height: which lateral kernel each row uses. */
  guint8 *mask;          /* width x height. */
};

/* ---- Helpers ---------------------------------------------------------------------------- */

static inline float
db_to_amp(double db)
{
  return (float)exp(db * (M_LN10 / 20.0));
}

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

static double
wave_eval(const Wave *w, double t)
{
  double v = 0;

  for (int k = 0; k < N_WAVE; k++)
    v += w->amp[k] * sin(M_PI * (k + 1) * t + w->phase[k]);
  return v;
}

static inline float
hash01(int32_t x, int32_t y, uint32_t seed)
{
  uint32_t h = (uint32_t)x * 0x8da6b343u ^ (uint32_t)y * 0xd8163841u ^ seed * 0xcb1ab31fu;

  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  h ^= h >> 12;
  h *= 0x297a2d39u;
  h ^= h >> 15;
  return (float)(h >> 8) * (1.0f / 16777216.0f);
}

/* Smooth value noise in [0, 1): a lattice of random values, interpolated with smoothstep. */
static float
value_noise(float x, float y, uint32_t seed)
{
  float fx = floorf(x), fy = floorf(y);
  int32_t ix = (int32_t)fx, iy = (int32_t)fy;
  float tx = x - fx, ty = y - fy;
  float a, b, c, d;

  tx = tx * tx * (3.0f - 2.0f * tx);
  ty = ty * ty * (3.0f - 2.0f * ty);
  a = hash01(ix, iy, seed);
  b = hash01(ix + 1, iy, seed);
  c = hash01(ix, iy + 1, seed);
  d = hash01(ix + 1, iy + 1, seed);
  return (a + (b - a) * tx) + ((c + (d - c) * tx) - (a + (b - a) * tx)) * ty;
}

static inline double
smoothstep(double e0, double e1, double x)
{
  double t = (x - e0) / (e1 - e0);

  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return t * t * (3 - 2 * t);
}

/* How bright an anisotropic surface stays when the beam meets it @angle_deg off its normal. */
static inline double
anisotropy(double angle_deg, double width_deg, double floor)
{
  double g = exp(-(angle_deg * angle_deg) / (width_deg * width_deg));

  return floor + (1 - floor) * g;
}

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

/* ---- Drawing a hand --------------------------------------------------------------------- */

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

/* Draws the hand's parameters; @gen (may be NULL) receives the anatomy details as well. */
static void
draw_hand(CsPhantomHand *hand, CsPhantomGenerator *gen, CsPhantomGroup group, uint64_t seed,
          const CsPhantomOptions *options)
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
   * are the subtle ones. The inlet CSA follows the published means and SDs (8.2 +- 2.4 and
   * 14.7 +- 5.3 mm^2) and, for CTS, correlates moderately with severity. */
  if (group == CS_PHANTOM_CTS) {
    hand->severity = severity_from_uniform(cs_phantom_rng_uniform(&rng));
    sev_z = (hand->severity - SEVERITY_MEAN) / SEVERITY_SD;
    z = 0.5 * sev_z + sqrt(0.75) * cs_phantom_rng_normal(&rng);
    hand->csa_inlet_mm2 = fmin(fmax(14.7 + 5.3 * z, 5.5), 36.0);
  } else {
    hand->severity = 0;
    hand->csa_inlet_mm2 = cs_phantom_rng_normal_clamped(&rng, 8.2, 2.4, 3.5, 17.0);
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

  if (gen == NULL)
    return;

  gen->side = hand->right_hand ? 1 : -1;
  gen->lig_cx_mm = width_mm / 2 + cs_phantom_rng_normal_clamped(&rng, 0, 2.0, -4, 4);
  gen->lig_bow_mm = cs_phantom_rng_range(&rng, 0.6, 1.6) + 0.5 * hand->severity;
  gen->lig_half_mm = cs_phantom_rng_range(&rng, 9.5, 12.0);
  gen->lig_thick_mm = cs_phantom_rng_range(&rng, 0.4, 0.7);
  gen->nerve_dx_mm = -4.0 + cs_phantom_rng_normal_clamped(&rng, 0, 1.0, -2.5, 2.0);
  hand->nerve_x_mm = gen->lig_cx_mm + gen->side * gen->nerve_dx_mm;
  for (int k = 0; k < 4; k++) {
    /* Controls are a little irregular (pressed between tendon and ligament); CTS nerves,
     * swollen, are smoother and rounder. */
    gen->fourier_amp[k] =
        cs_phantom_rng_range(&rng, 0, 0.06 / (k + 1)) * (1 - 0.5 * hand->severity);
    gen->fourier_phase[k] = cs_phantom_rng_range(&rng, 0, 2 * M_PI);
  }
  gen->nerve_angle = cs_phantom_rng_normal_clamped(&rng, 0, 0.12, -0.3, 0.3);

  /* Tendons: the template, jittered; the first n_tendons in a random order are kept, so the
   * layout differs between hands. */
  {
    int order[MAX_TENDONS];

    for (int i = 0; i < MAX_TENDONS; i++)
      order[i] = i;
    for (int i = MAX_TENDONS - 1; i > 0; i--) {
      int j = (int)(cs_phantom_rng_uniform(&rng) * (i + 1));
      int t = order[i];

      order[i] = order[j];
      order[j] = t;
    }
    gen->n_tendons = hand->n_tendons;
    for (int i = 0; i < gen->n_tendons; i++) {
      const double *tp = tendon_template[order[i]];
      Tendon *t = &gen->tendons[i];
      double scale = cs_phantom_rng_range(&rng, 0.85, 1.15);

      t->dx_mm = tp[0] + cs_phantom_rng_normal_clamped(&rng, 0, 0.5, -1, 1);
      t->depth_mm = tp[1] + cs_phantom_rng_normal_clamped(&rng, 0, 0.4, -0.8, 0.8);
      t->rx_mm = tp[2] * scale;
      t->ry_mm = tp[3] * scale * cs_phantom_rng_range(&rng, 0.85, 1.15);
      t->angle = cs_phantom_rng_normal_clamped(&rng, 0, 0.2, -0.5, 0.5);
      t->texture_seed = (uint32_t)cs_phantom_rng_next(&rng);
      wave_draw(&t->wx, &rng, 0.35);
      wave_draw(&t->wy, &rng, 0.25);
    }
  }

  /* Fascicles: a Poisson-disk packing of the nerve's unit disk covering about 55 % of it. */
  {
    int want = CLAMP(hand->n_fascicles, 4, MAX_FASCICLES);
    double r = sqrt(0.62 / want);

    gen->n_fascicles = 0;
    for (int attempt = 0; attempt < 6000 && gen->n_fascicles < want; attempt++) {
      double rr = r * cs_phantom_rng_range(&rng, 0.7, 1.15);
      double a = cs_phantom_rng_range(&rng, 0, 2 * M_PI);
      double d = sqrt(cs_phantom_rng_uniform(&rng)) * (0.98 - rr);
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

  /* Bones: scaphoid (radial), pisiform (ulnar, superficial), and the floor of the tunnel. */
  gen->n_bones = 3;
  gen->bones[0] = (Bone){ -13.0 + cs_phantom_rng_normal(&rng) * 0.7, 7.8, 3.6, 2.6, { { 0 } } };
  gen->bones[1] = (Bone){ 13.2 + cs_phantom_rng_normal(&rng) * 0.7, 6.0, 3.0, 2.2, { { 0 } } };
  gen->bones[2] = (Bone){ 1.0 + cs_phantom_rng_normal(&rng), 13.2, 7.5, 2.5, { { 0 } } };
  for (int i = 0; i < gen->n_bones; i++) {
    gen->bones[i].cy_mm += cs_phantom_rng_normal_clamped(&rng, 0, 0.6, -1.2, 1.2);
    wave_draw(&gen->bones[i].wy, &rng, 0.5);
  }
  gen->artery_dx_mm = 9.0 + cs_phantom_rng_normal_clamped(&rng, 0, 0.8, -1.5, 1.5);
  gen->artery_r_mm = cs_phantom_rng_range(&rng, 0.7, 1.0);

  gen->psf_axial_mm = PSF_AXIAL_SIGMA_MM * cs_phantom_rng_range(&rng, 0.9, 1.1);
  gen->psf_lateral_mm = PSF_LATERAL_SIGMA_MM * cs_phantom_rng_range(&rng, 0.9, 1.15);
  gen->focus_mm = cs_phantom_rng_range(&rng, 4, 9);
  gen->tgc_comp = cs_phantom_rng_range(&rng, 0.3, 0.55);
  gen->speckle_rho = cs_phantom_rng_range(&rng, 0.75, 0.9);
  gen->noise_amp = db_to_amp(-30 + cs_phantom_rng_normal(&rng));
  gen->texture_seed = (uint32_t)cs_phantom_rng_next(&rng);

  wave_draw(&gen->w_probe, &rng, 0.7);
  wave_draw(&gen->w_nerve_x, &rng, 0.6);
  wave_draw(&gen->w_nerve_y, &rng, 0.2);
  wave_draw(&gen->w_area, &rng, 0.08);
  wave_draw(&gen->w_flat, &rng, 0.08);
  wave_draw(&gen->w_rot, &rng, 0.06);
  wave_draw(&gen->w_tilt, &rng, 2.0);
  wave_draw(&gen->w_lig, &rng, 0.2);

  /* The frame-by-frame stream is separate, so adding a hand parameter above does not change
   * the speckle of other hands' frames more than necessary. */
  cs_phantom_rng_seed(&gen->rng, cs_phantom_rng_next(&rng));
}

void
cs_phantom_hand_draw(CsPhantomHand *hand, CsPhantomGroup group, uint64_t seed,
                     const CsPhantomOptions *options)
{
  draw_hand(hand, NULL, group, seed, options);
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

  gen->options = *options;
  gen->halo = (int)ceil(3.0 * widest_lateral / min_spacing);
  gen->axial_half = (int)ceil(3.0 * PSF_AXIAL_SIGMA_MM * 1.1 / min_spacing);
  gen->margin = (int)ceil(MAX_PROBE_SHIFT_MM / min_spacing) + 1;
  gen->ext_w = w + 2 * gen->halo;
  gen->canvas_w = gen->ext_w + 2 * gen->margin;
  gen->n_lateral_kernels = 16;
  ext = (size_t)gen->ext_w * h;
  canvas = (size_t)gen->canvas_w * h;
  gen->bg_amp = g_new(float, canvas);
  gen->scat_re = g_new(float, canvas);
  gen->scat_im = g_new(float, canvas);
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

/* Draws a uniform deviate with zero mean and unit variance from 16 random bits. The PSF sums
 * many scatterers, so their own distribution does not matter: the sum is Gaussian. */
static inline float
bits_to_scatterer(uint64_t bits)
{
  return ((float)(bits & 0xffff) * (1.0f / 65536.0f) - 0.5f) * 3.4641016f;
}

static void
fill_scatterers(CsPhantomGenerator *gen, double rho)
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

static void
build_kernels(CsPhantomGenerator *gen)
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

/* The static background of the hand, in canvas pixels: skin, fat with septa, deep tissue. */
static void
build_background(CsPhantomGenerator *gen)
{
  const CsPhantomHand *hand = &gen->hand;
  double sp = hand->spacing_mm;
  int h = gen->options.height, cw = gen->canvas_w;
  uint32_t seed = gen->texture_seed;
  /* Canvas column 0 sits this many mm left of the frame's left edge. */
  double x0_mm = (gen->halo + gen->margin) * sp;

  for (int y = 0; y < h; y++) {
    double y_mm = y * sp;
    float *row = gen->bg_amp + (size_t)y * cw;

    for (int x = 0; x < cw; x++) {
      double x_mm = x * sp - x0_mm;
      float xf = (float)x_mm, yf = (float)y_mm;
      double fat_bottom = hand->fat_mm + 0.3 * (value_noise(xf / 4.0f, 0.5f, seed + 1) - 0.5);
      double db;

      if (y_mm < 0.08) {
        db = -40; /* Gel between probe and skin. */
      } else if (y_mm < 0.6) {
        db = 5 + 3 * (value_noise(xf / 0.6f, yf / 0.15f, seed + 2) - 0.5);
      } else if (y_mm < fat_bottom) {
        /* Fat lobules between thin, bright, roughly horizontal septa. */
        double n = value_noise(xf / 2.5f, yf / 0.22f, seed + 3);
        double septum = smoothstep(0.72, 0.86, n);

        db = -4 + 12 * septum + 4 * (value_noise(xf / 0.8f, yf / 0.4f, seed + 4) - 0.5);
      } else {
        /* Connective tissue and muscle: mild patchiness and lateral striation. */
        double patch = value_noise(xf / 1.6f, yf / 1.0f, seed + 5) - 0.5;
        double streak = value_noise(xf / 1.8f, yf / 0.12f, seed + 6) - 0.5;
        /* Sparse short bright fibres, mostly horizontal: fascia and tendon sheaths in the
         * connective tissue, as in real transverse images. */
        double fibre = smoothstep(0.68, 0.9, value_noise(xf / 1.1f, yf / 0.07f, seed + 7));

        db = -5 + 9 * patch + 5 * streak + 10 * fibre;
      }
      row[x] = db_to_amp(db);
    }
  }
}

void
cs_phantom_generator_start(CsPhantomGenerator *gen, CsPhantomGroup group, uint64_t seed)
{
  draw_hand(&gen->hand, gen, group, seed, &gen->options);
  gen->frame = 0;
  build_kernels(gen);
  build_background(gen);
  /* A fully independent field to start from. */
  fill_scatterers(gen, 0.0);
}

/* ---- One frame -------------------------------------------------------------------------- */

/* The frame's geometry, in extended-frame pixels (column 0 is halo px left of the image). */
typedef struct {
  double sp;
  double shift_mm; /* Probe wander: anatomy moves the other way in the image. */
  double tilt_deg;
  double lig_cx, lig_top_mid, lig_bow, lig_half, lig_thick; /* mm, image coordinates */
  double nerve_cx, nerve_cy, nerve_a, nerve_b, nerve_angle; /* mm */
  double radius[CS_PHANTOM_OUTLINE_POINTS];                 /* polygon vertex radii, mm */
} FrameGeometry;

static double
ligament_top(const FrameGeometry *g, double x_mm)
{
  double u = (x_mm - g->lig_cx) / g->lig_half;

  return g->lig_top_mid + g->lig_bow * u * u;
}

/* Radius of the nerve polygon along local angle @theta (mm), exactly on its edges. */
static double
polygon_radius(const FrameGeometry *g, double theta)
{
  const int n = CS_PHANTOM_OUTLINE_POINTS;
  double step = 2 * M_PI / n;
  double t = theta < 0 ? theta + 2 * M_PI : theta;
  int i = (int)(t / step);
  double a0, a1, r0, r1, px, py, qx, qy, dx, dy, den;

  if (i >= n)
    i = n - 1;
  a0 = i * step;
  a1 = (i + 1) * step;
  r0 = g->radius[i];
  r1 = g->radius[(i + 1) % n];
  px = r0 * cos(a0);
  py = r0 * sin(a0);
  qx = r1 * cos(a1);
  qy = r1 * sin(a1);
  dx = cos(t);
  dy = sin(t);
  /* The ray t*d meets the chord p + s (q - p) where t = (p x q) / (d x (q - p)). */
  den = dx * (qy - py) - dy * (qx - px);
  return fabs(den) > 1e-12 ? (px * qy - py * qx) / den : r0;
}

static void
frame_geometry(CsPhantomGenerator *gen, double t, FrameGeometry *g)
{
  const CsPhantomHand *hand = &gen->hand;
  const int n = CS_PHANTOM_OUTLINE_POINTS;
  double area_mm2, flat, a, b, poly_area, scale;
  double pts[CS_PHANTOM_OUTLINE_POINTS][2];

  g->sp = hand->spacing_mm;
  g->shift_mm =
      CLAMP(wave_eval(&gen->w_probe, t), -MAX_PROBE_SHIFT_MM + 0.1, MAX_PROBE_SHIFT_MM - 0.1);
  g->tilt_deg = hand->tilt_deg + wave_eval(&gen->w_tilt, t);
  g->lig_cx = gen->lig_cx_mm - g->shift_mm;
  g->lig_half = gen->lig_half_mm;
  g->lig_bow = gen->lig_bow_mm;
  g->lig_thick = gen->lig_thick_mm * (1 + wave_eval(&gen->w_lig, t) * 0.5);
  g->lig_top_mid = hand->fat_mm + 0.1 + 0.3 * wave_eval(&gen->w_lig, t);

  /* The nerve: an ellipse of the frame's area and flattening, with a few smooth harmonics so
   * it is not a perfect ellipse, scaled so that the polygon's area is exactly the target. */
  area_mm2 = hand->csa_inlet_mm2 * exp(wave_eval(&gen->w_area, t));
  flat = fmax(1.1, hand->flattening * exp(wave_eval(&gen->w_flat, t)));
  b = sqrt(area_mm2 / (M_PI * flat));
  a = flat * b;
  for (int i = 0; i < n; i++) {
    double th = 2 * M_PI * i / n;
    double r = a * b / hypot(b * cos(th), a * sin(th));
    double bump = 1;

    for (int k = 0; k < 4; k++)
      bump += gen->fourier_amp[k] * cos((k + 2) * th + gen->fourier_phase[k] + 0.8 * t);
    g->radius[i] = r * bump;
    pts[i][0] = g->radius[i] * cos(th);
    pts[i][1] = g->radius[i] * sin(th);
  }
  poly_area = cs_phantom_polygon_area((const double(*)[2])pts, n);
  scale = sqrt(area_mm2 / poly_area);
  for (int i = 0; i < n; i++)
    g->radius[i] *= scale;
  g->nerve_a = a * scale * 1.3;
  g->nerve_b = b * scale * 1.3;
  g->nerve_angle = (gen->nerve_angle + wave_eval(&gen->w_rot, t)) * gen->side;
  g->nerve_cx = g->lig_cx + gen->side * (gen->nerve_dx_mm + wave_eval(&gen->w_nerve_x, t));
  /* The nerve lies against the deep surface of the ligament, separated by its epineurium. */
  g->nerve_cy = ligament_top(g, g->nerve_cx) + g->lig_thick + hand->epineurium_mm +
                hand->oedema_mm + 0.15 + b * scale + fabs(wave_eval(&gen->w_nerve_y, t));
}

/* Paints the ligament: a bright fibrillar band with specular edges, dimmer where it slopes. */
static void
paint_ligament(CsPhantomGenerator *gen, const FrameGeometry *g)
{
  double sp = g->sp;
  int h = gen->options.height, ew = gen->ext_w;
  uint32_t seed = gen->texture_seed + 11;

  for (int x = 0; x < ew; x++) {
    double x_mm = (x - gen->halo) * sp;
    double u = (x_mm - g->lig_cx) / g->lig_half;
    double top, bottom, slope_deg, aniso, thick;
    int y0, y1;

    if (fabs(u) > 1.25)
      continue;
    top = ligament_top(g, x_mm);
    /* It thins towards its attachments on the bones. */
    thick = g->lig_thick * (1 - 0.45 * smoothstep(0.7, 1.25, fabs(u)));
    bottom = top + thick;
    slope_deg = atan(2 * g->lig_bow * u / g->lig_half) * 180 / M_PI;
    aniso = anisotropy(slope_deg + g->tilt_deg, 14, 0.2);
    y0 = MAX(0, (int)floor(top / sp));
    y1 = MIN(h - 1, (int)ceil(bottom / sp));
    for (int y = y0; y <= y1; y++) {
      size_t i = (size_t)y * ew + x;
      double y_mm = y * sp;
      double inside = smoothstep(top - 0.5 * sp, top + 0.5 * sp, y_mm) *
                      (1 - smoothstep(bottom - 0.5 * sp, bottom + 0.5 * sp, y_mm));
      double fibre = value_noise((float)(x_mm / 1.2), (float)((y_mm - top) / 0.09), seed) - 0.5;
      double db = 14 + 8 * fibre + 20 * log10(aniso);

      gen->amp[i] = (float)(gen->amp[i] * (1 - inside) + inside * db_to_amp(db));
      gen->atten[i] += (float)(inside * 1.0 * sp);
    }
    /* Specular interfaces: the palmar and the dorsal surfaces of the ligament. */
    if ((int)lround(top / sp) < h && fabs(u) < 1.1)
      gen->spec[(size_t)lround(top / sp) * ew + x] += (float)(4.0 * aniso);
    if ((int)lround(bottom / sp) < h && fabs(u) < 1.1)
      gen->spec[(size_t)lround(bottom / sp) * ew + x] += (float)(2.0 * aniso);
  }
}

static void
paint_tendons(CsPhantomGenerator *gen, const FrameGeometry *g, double t)
{
  double sp = g->sp;
  int h = gen->options.height, ew = gen->ext_w;

  for (int k = 0; k < gen->n_tendons; k++) {
    const Tendon *td = &gen->tendons[k];
    double cx = g->lig_cx + gen->side * (td->dx_mm + wave_eval(&td->wx, t));
    double cy = ligament_top(g, cx) + g->lig_thick + td->depth_mm + wave_eval(&td->wy, t);
    double rx = td->rx_mm, ry = td->ry_mm, ang = td->angle * gen->side;
    double ca = cos(ang), sa = sin(ang);
    double ext = fmax(rx, ry) + 0.2;
    /* The tendon's fibres run along the wrist: their anisotropy depends on the probe's tilt
     * towards the fingers, plus a little per tendon as they converge. */
    double aniso = anisotropy(g->tilt_deg + 4 * td->angle, 8, 0.12);
    double aniso_db = 20 * log10(aniso);
    double ndx, ndy, nd;
    int x0, x1, y0, y1;

    /* Keep clear of the nerve: push the tendon away along the line between centres. */
    ndx = (cx - g->nerve_cx) / (g->nerve_a + rx);
    ndy = (cy - g->nerve_cy) / (g->nerve_b + ry);
    nd = hypot(ndx, ndy);
    if (nd < 1.0 && nd > 1e-6) {
      cx = g->nerve_cx + ndx / nd * (g->nerve_a + rx);
      cy = g->nerve_cy + ndy / nd * (g->nerve_b + ry);
    }
    x0 = MAX(0, (int)floor((cx - ext) / sp) + gen->halo);
    x1 = MIN(ew - 1, (int)ceil((cx + ext) / sp) + gen->halo);
    y0 = MAX(0, (int)floor((cy - ext) / sp));
    y1 = MIN(h - 1, (int)ceil((cy + ext) / sp));
    for (int y = y0; y <= y1; y++) {
      for (int x = x0; x <= x1; x++) {
        double px = (x - gen->halo) * sp - cx, py = y * sp - cy;
        double lx = ca * px + sa * py, ly = -sa * px + ca * py;
        double q = hypot(lx / rx, ly / ry);
        size_t i = (size_t)y * ew + x;
        double inside, fib, db;

        if (q > 1.08)
          continue;
        inside = 1 - smoothstep(0.96, 1.04, q);
        /* Fibre bundles seen end-on: a fine, bright punctate pattern. */
        fib = value_noise((float)(lx / 0.3), (float)(ly / 0.22), td->texture_seed);
        fib = fib * fib * fib;
        db = 3 + 20 * fib + aniso_db;
        gen->amp[i] = (float)(gen->amp[i] * (1 - inside) + inside * db_to_amp(db));
        gen->atten[i] += (float)(inside * 0.6 * sp);
        /* The tendon sheath: a thin bright rim, strongest where perpendicular to the beam. */
        if (q > 0.95 && q < 1.06) {
          double normal_deg = atan2(fabs(lx) / (rx * rx), fabs(ly) / (ry * ry)) * 180 / M_PI;

          gen->spec[i] += (float)(0.25 * aniso * anisotropy(normal_deg, 30, 0.0));
        }
      }
    }
  }
}

/* Paints the nerve, its epineurium and any oedema, and fills the mask. */
static void
paint_nerve(CsPhantomGenerator *gen, const FrameGeometry *g)
{
  const CsPhantomHand *hand = &gen->hand;
  double sp = g->sp;
  int h = gen->options.height, w = gen->options.width, ew = gen->ext_w;
  double epi = hand->epineurium_mm, oed = hand->oedema_mm;
  double reach = g->nerve_a / 1.3 * 1.2 + epi + oed + 0.3;
  double ca = cos(g->nerve_angle), sa = sin(g->nerve_angle);
  double mean_r = sqrt(g->nerve_a * g->nerve_b) / 1.3;
  double blur = hand->fascicle_blur_mm / mean_r;
  double fasc_db = -14 * hand->fascicle_contrast;
  double inter_db = hand->nerve_echo_db + 5;
  uint32_t seed = gen->texture_seed + 21;
  int x0 = MAX(0, (int)floor((g->nerve_cx - reach) / sp) + gen->halo);
  int x1 = MIN(ew - 1, (int)ceil((g->nerve_cx + reach) / sp) + gen->halo);
  int y0 = MAX(0, (int)floor((g->nerve_cy - reach) / sp));
  int y1 = MIN(h - 1, (int)ceil((g->nerve_cy + reach) / sp));

  memset(gen->mask, 0, (size_t)w * h);
  for (int y = y0; y <= y1; y++) {
    for (int x = x0; x <= x1; x++) {
      /* Pixel centres are at integer coordinates in the truth, so (x, y) px is at (x, y) sp. */
      double px = (x - gen->halo) * sp - g->nerve_cx, py = y * sp - g->nerve_cy;
      double lx = ca * px + sa * py, ly = -sa * px + ca * py;
      double r = hypot(lx, ly), theta = atan2(ly, lx);
      double R = polygon_radius(g, theta);
      size_t i = (size_t)y * ew + x;
      int ix = x - gen->halo;
      double db, blend;

      if (r > R + epi + oed + 0.25)
        continue;
      if (r <= R) {
        /* Inside the epineurium: the honeycomb of dark fascicles in bright interfascicular
         * tissue, in the nerve's unit disk so it flattens with the nerve. */
        double u = r / R * cos(theta), v = r / R * sin(theta);
        double dark = 0;

        for (int k = 0; k < gen->n_fascicles; k++) {
          const Fascicle *f = &gen->fascicles[k];
          double d = hypot(u - f->u, v - f->v);

          if (d < f->radius + 2 * blur)
            dark = fmax(dark, 1 - smoothstep(f->radius - blur, f->radius + blur, d));
        }
        db = inter_db + fasc_db * dark +
             2 * (value_noise((float)(lx / 0.15), (float)(ly / 0.15), seed) - 0.5);
        gen->amp[i] = db_to_amp(db);
        /* The perineurium around each fascicle reflects partly coherently, so the honeycomb's
         * walls stand out of the speckle; blurred fascicles (low contrast) lose them. */
        gen->spec[i] += (float)(0.4 * hand->fascicle_contrast * (1 - dark));
        if (ix >= 0 && ix < w)
          gen->mask[(size_t)y * w + ix] = 1;
      } else if (r <= R + epi) {
        db = 14 + 3 * (value_noise((float)(theta * 6), (float)((r - R) / 0.1), seed + 1) - 0.5);
        gen->amp[i] = db_to_amp(db);
      } else if (r <= R + epi + oed) {
        gen->amp[i] = db_to_amp(-9);
      } else {
        /* Fade into the surroundings over 0.25 mm. */
        blend = smoothstep(R + epi + oed, R + epi + oed + 0.25, r);
        gen->amp[i] = (float)(gen->amp[i] * blend + (1 - blend) * db_to_amp(0));
      }
    }
  }
  /* The epineurium's outer surface reflects specularly where it faces the beam. */
  for (int i = 0; i < CS_PHANTOM_OUTLINE_POINTS * 3; i++) {
    double th = 2 * M_PI * i / (CS_PHANTOM_OUTLINE_POINTS * 3);
    double R = polygon_radius(g, th) + epi;
    double lx = R * cos(th), ly = R * sin(th);
    double px = ca * lx - sa * ly + g->nerve_cx, py = sa * lx + ca * ly + g->nerve_cy;
    int x = (int)lround(px / sp) + gen->halo, y = (int)lround(py / sp);
    double facing = fabs(sin(th + g->nerve_angle));

    if (x >= 0 && x < ew && y >= 0 && y < h)
      gen->spec[(size_t)y * ew + x] += (float)(1.5 * facing * facing);
  }
}

static void
paint_bones_and_artery(CsPhantomGenerator *gen, const FrameGeometry *g, double t)
{
  const CsPhantomHand *hand = &gen->hand;
  double sp = g->sp;
  int h = gen->options.height, ew = gen->ext_w;

  for (int k = 0; k < gen->n_bones; k++) {
    const Bone *bn = &gen->bones[k];
    double cx = g->lig_cx + gen->side * bn->cx_mm;
    double cy = hand->fat_mm + bn->cy_mm + wave_eval(&bn->wy, t);

    for (int x = 0; x < ew; x++) {
      double u = ((x - gen->halo) * sp - cx) / bn->rx_mm;
      double top, slope_deg, aniso;
      int yt;

      if (fabs(u) >= 1)
        continue;
      /* Cortex is not a perfect ellipse: a gentle bumpiness of +-0.15 mm. */
      top = cy - bn->ry_mm * sqrt(1 - u * u) +
            0.3 * (value_noise((float)(u * 5), (float)k, gen->texture_seed + 31) - 0.5);
      slope_deg = atan(bn->ry_mm / bn->rx_mm * u / sqrt(1 - u * u)) * 180 / M_PI;
      aniso = anisotropy(slope_deg + 0.5 * g->tilt_deg, 35, 0.05);
      yt = (int)lround(top / sp);
      if (yt < 0 || yt >= h)
        continue;
      /* The cortex: a strong specular echo; beneath it the bone absorbs almost everything. */
      gen->spec[(size_t)yt * ew + x] += (float)(6.0 * aniso);
      if (yt + 1 < h)
        gen->spec[(size_t)(yt + 1) * ew + x] += (float)(2.5 * aniso);
      for (int y = yt + 1; y < h; y++) {
        size_t i = (size_t)y * ew + x;

        gen->amp[i] = db_to_amp(2);
        gen->atten[i] += (float)(25 * sp);
      }
    }
  }

  /* The ulnar artery, superficial to the ligament on the ulnar side: anechoic, barely
   * attenuating, so the tissue below it looks brighter (posterior enhancement). */
  {
    double cx = g->lig_cx + gen->side * gen->artery_dx_mm;
    double r = gen->artery_r_mm;
    double cy = fmax(0.8 + r, ligament_top(g, cx) - r - 0.3);
    int x0 = MAX(0, (int)floor((cx - r - 0.2) / sp) + gen->halo);
    int x1 = MIN(ew - 1, (int)ceil((cx + r + 0.2) / sp) + gen->halo);
    int y0 = MAX(0, (int)floor((cy - r - 0.2) / sp));
    int y1 = MIN(h - 1, (int)ceil((cy + r + 0.2) / sp));

    for (int y = y0; y <= y1; y++)
      for (int x = x0; x <= x1; x++) {
        double d = hypot((x - gen->halo) * sp - cx, y * sp - cy);
        size_t i = (size_t)y * ew + x;

        if (d < r) {
          gen->amp[i] = db_to_amp(-40);
          gen->atten[i] = (float)(0.1 * sp);
        } else if (d < r + 0.12) {
          gen->amp[i] = db_to_amp(6); /* The vessel wall. */
        }
      }
  }
}

static void
convolve_and_display(CsPhantomGenerator *gen, guint8 *pixels)
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
    }
  }
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
  frame_geometry(gen, t, &g);
  /* The first frame keeps the field drawn by start(); later ones decorrelate it partly. The
   * correlation falls as the elevation beam (about 0.6 mm) slides further per frame. */
  if (gen->frame > 0) {
    double step_mm = gen->options.sweep_mm / MAX(1, gen->options.n_frames - 1);
    double rho = pow(gen->speckle_rho, step_mm / 0.2);

    fill_scatterers(gen, rho);
  }

  /* The window of the static canvas this frame sees: the probe's wander moves it. */
  shift_px = (int)lround(g.shift_mm / sp);
  col0 = gen->margin + shift_px;
  for (int y = 0; y < h; y++) {
    memcpy(gen->amp + (size_t)y * ew, gen->bg_amp + (size_t)y * gen->canvas_w + col0,
           sizeof(float) * ew);
    for (int x = 0; x < ew; x++)
      gen->atten[(size_t)y * ew + x] = (float)(SOFT_ATTEN_DB_PER_MM * sp);
  }
  memset(gen->spec, 0, sizeof(float) * (size_t)ew * h);
  /* The skin entry echo. */
  for (int x = 0; x < ew; x++)
    gen->spec[(size_t)MIN(h - 1, (int)lround(0.12 / sp)) * ew + x] = 2.5f;

  paint_ligament(gen, &g);
  paint_tendons(gen, &g, t);
  paint_bones_and_artery(gen, &g, t);
  paint_nerve(gen, &g);

  /* Attenuation down each column, less what the TGC gives back, then the weighted field. */
  {
    double tgc_per_px = SOFT_ATTEN_DB_PER_MM * sp * gen->tgc_comp;
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

      for (int x = 0; x < ew; x++) {
        float gain = expf((compensation - cum[x]) * (float)(M_LN10 / 20.0));

        fre[x] = gain * (amp[x] * sre[x] + spec[x]);
        fim[x] = gain * amp[x] * sim[x];
        cum[x] += atten[x];
      }
    }
  }
  convolve_and_display(gen, pixels);

  if (truth != NULL) {
    double ca = cos(g.nerve_angle), sa = sin(g.nerve_angle);
    double sx = 0, sy = 0, a2 = 0;

    truth->index = gen->frame;
    for (int i = 0; i < CS_PHANTOM_OUTLINE_POINTS; i++) {
      double th = 2 * M_PI * i / CS_PHANTOM_OUTLINE_POINTS;
      double lx = g.radius[i] * cos(th), ly = g.radius[i] * sin(th);

      truth->outline[i][0] = (ca * lx - sa * ly + g.nerve_cx) / sp;
      truth->outline[i][1] = (sa * lx + ca * ly + g.nerve_cy) / sp;
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
  gen->frame++;
  return TRUE;
}
