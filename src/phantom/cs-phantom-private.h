/* cs-phantom-private.h — what the phantom generator's files share: the hand's anatomy, buffers
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The generator is one object in four files, in the order of the image model (documented in
 * cs-phantom.c): drawing a hand (cs-phantom-hand.c), its anatomy and echogenicity frame by frame
 * (cs-phantom-anatomy.c), the scanner's attenuation, speckle and display (cs-phantom-imaging.c),
 * and the generator that runs them (cs-phantom.c).
 */
#pragma once

#include "cs-phantom.h"

#include "cs-phantom-rng.h"

#include <math.h>

G_BEGIN_DECLS

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

  /* The scanner and anatomy a preset adds; neutral under the default preset. */
  double soft_atten;    /* Two-way soft-tissue attenuation, dB/mm (1.8 at 18 MHz). */
  double atten_scale;   /* The other tissues' attenuation against 18 MHz (frequency / 18). */
  double gamma;         /* Compression curve exponent (1: the straight log map). */
  double density;       /* Share of scatterer cells that hold one (1: all). */
  double smooth_px;     /* Speckle reduction: Gaussian sigma of the power, px (0: none). */
  int compound;         /* Compounded angles (1: none). */
  double bifid_u;       /* Where a bifid nerve's septum crosses the unit disk's major axis. */
  double artery2_angle; /* Direction of a persistent median artery from the nerve's centre. */
  double focus2_mm;     /* A second focal zone's marker on a screen capture, or 0. */
  double epi_db;        /* Echogenicity of the epineurium (14 dB by default). */
  double tissue_db;     /* Offset of the deep connective tissue's echo (0 by default). */

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

/* The frame's geometry, in extended-frame pixels (column 0 is halo px left of the image). */
typedef struct {
  double sp;
  double shift_mm; /* Probe wander: anatomy moves the other way in the image. */
  double tilt_deg;
  double lig_cx, lig_top_mid, lig_bow, lig_half, lig_thick; /* mm, image coordinates */
  double nerve_cx, nerve_cy, nerve_a, nerve_b, nerve_angle; /* mm */
  double radius[CS_PHANTOM_OUTLINE_POINTS];                 /* polygon vertex radii, mm */
} FrameGeometry;

/* Converts decibels to an amplitude. */
static inline float
db_to_amp(double db)
{
  return (float)exp(db * (M_LN10 / 20.0));
}

/* Hashes a lattice point and a seed to [0, 1). */
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

/* Drawing a hand (cs-phantom-hand.c). */

/* Draws the hand's parameters; @gen (may be NULL) receives the anatomy details as well. */
void cs_phantom_draw_hand(CsPhantomHand *hand, CsPhantomGenerator *gen, CsPhantomGroup group,
                          uint64_t seed, const CsPhantomOptions *options);

/* Anatomy and echogenicity (cs-phantom-anatomy.c). */

/* The static background of the hand, in canvas pixels: skin, fat with septa, deep tissue. */
void cs_phantom_build_background(CsPhantomGenerator *gen);

/* Fills @g with the anatomy's positions and the nerve's outline at sweep position @t (0-1). */
void cs_phantom_frame_geometry(CsPhantomGenerator *gen, double t, FrameGeometry *g);

/* Paints ligament, tendons, bones, artery and nerve into amp, spec and atten, and the mask. */
void cs_phantom_paint_anatomy(CsPhantomGenerator *gen, const FrameGeometry *g, double t);

/* Presets (cs-phantom-preset.c). */

/* Draws what preset hand->preset changes in @hand (scanner, anatomy, the signs' variety) from
 * its own stream; nothing under the default preset. */
void cs_phantom_preset_draw_hand(CsPhantomHand *hand, const CsPhantomOptions *options);

/* Sets the generator's scanner and anatomy extras from @hand; neutral values for the default. */
void cs_phantom_preset_apply(CsPhantomGenerator *gen, const CsPhantomHand *hand);

/* The smallest spacing and the widest lateral and axial sigmas (mm) hands of @options can draw,
 * which size the generator's buffers. */
void cs_phantom_preset_limits(const CsPhantomOptions *options, double *min_spacing,
                              double *widest_lateral, double *widest_axial);

/* Burns a screen capture's text, focus marker and depth scale into @pixels. */
void cs_phantom_draw_capture(const CsPhantomGenerator *gen, guint8 *pixels);

/* The scanner (cs-phantom-imaging.c). */

/* Builds the hand's axial kernel and its lateral kernels, one per band of depth. */
void cs_phantom_build_kernels(CsPhantomGenerator *gen);

/* Redraws the scatterer field, keeping a fraction @rho of each scatterer (0: all new). */
void cs_phantom_fill_scatterers(CsPhantomGenerator *gen, double rho);

/* Weights the scatterers of canvas column @col0 on by amplitude and gain into the field. */
void cs_phantom_weight_field(CsPhantomGenerator *gen, int col0);

/* Convolves the field with the point-spread function and writes the displayed @pixels. */
void cs_phantom_convolve_and_display(CsPhantomGenerator *gen, guint8 *pixels);

G_END_DECLS
