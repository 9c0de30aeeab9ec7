/* cs-phantom.h — synthetic B-mode sweeps of the wrist at the carpal-tunnel inlet
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A phantom hand is drawn from a group (control or CTS) and a 64-bit seed: its anatomy, its
 * disease severity and the scanner's settings. A generator then renders the hand's sweep frame
 * by frame as 8-bit gray B-mode images, with the exact nerve outline of every frame. The same
 * group, seed and options always give the same bytes.
 *
 *     CsPhantomOptions options;
 *     cs_phantom_options_init(&options);
 *     g_autoptr(CsPhantomGenerator) gen = cs_phantom_generator_new(&options);
 *     cs_phantom_generator_start(gen, CS_PHANTOM_CTS, 42);
 *     for (int i = 0; i < options.n_frames; i++)
 *       cs_phantom_generator_next_frame(gen, pixels, &truth);
 *
 * The image model is documented in cs-phantom.c and docs/phantom.md.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* The generator's version, written into every truth file: frames change when it changes. */
#define CS_PHANTOM_GENERATOR_VERSION "carpalscope-phantom 1.1"

/* Vertices of the nerve outline polygon of each frame. */
#define CS_PHANTOM_OUTLINE_POINTS 72

/* The diagnostic group of a phantom hand. */
typedef enum { CS_PHANTOM_CONTROL = 0, CS_PHANTOM_CTS = 1 } CsPhantomGroup;

/* What to render. */
typedef struct {
  int width;         /* Frame width in pixels (default 600). */
  int height;        /* Frame height in pixels (default 450). */
  int n_frames;      /* Frames in a sweep (default 100). */
  double sweep_mm;   /* Distance the probe slides along the wrist over the sweep (default 20). */
  double spacing_mm; /* Pixel spacing in mm/px, or 0 to draw it per hand (0.050-0.065). */
  int preset;        /* Scanner and anatomy preset (cs-phantom-preset.h; default 0). */
} CsPhantomOptions;

/* A phantom hand: everything drawn once per hand from its group and seed. Lengths in mm. */
typedef struct {
  CsPhantomGroup group;
  uint64_t seed;
  gboolean right_hand;  /* Right hands are shown with the radial side on the image's left. */
  double severity;      /* 0 for controls; 0.15-1 for CTS, continuous (see the stage). */
  double csa_inlet_mm2; /* Nerve cross-sectional area at the tunnel inlet. */
  double flattening;    /* Nerve width / depth at the inlet (rounder when lower). */
  double nerve_echo_db; /* Mean echogenicity of the nerve relative to nearby tissue. */
  double
      fascicle_contrast; /* Depth of the fascicles' darkness against the interfascicular tissue. */
  double fascicle_blur_mm; /* Width of the soft edge of each fascicle. */
  int n_fascicles;         /* Number of fascicles in the honeycomb. */
  double epineurium_mm;    /* Thickness of the hyperechoic epineurial rim. */
  double oedema_mm;        /* Thickness of the hypoechoic perineural halo (0 = none). */
  double spacing_mm;       /* Pixel spacing, mm/px (depth setting of the scanner). */
  double gain_db;          /* Overall gain offset. */
  double dynamic_range_db; /* Displayed dynamic range of the log compression. */
  double tgc_slope_db;     /* Residual depth gain error over the frame height after TGC. */
  double tilt_deg;         /* Probe tilt: dims anisotropic tendons and the ligament. */
  double fat_mm;           /* Skin-to-ligament depth (subcutaneous fat thickness). */
  double nerve_x_mm;       /* Lateral position of the nerve centre at the inlet. */
  int n_tendons;           /* Flexor tendons in view. */
  /* Drawn by presets other than the default (which leaves them 0). */
  int preset;               /* The preset the hand was drawn with. */
  double frequency_mhz;     /* Probe centre frequency. */
  double psf_lateral_mm;    /* Lateral sigma of the beam at its focus. */
  double psf_axial_mm;      /* Axial sigma of the pulse. */
  double compression_gamma; /* Exponent of the display's compression curve. */
  double tgc_fraction;      /* Share of the attenuation the TGC restores. */
  double scatterer_density; /* Share of cells that hold a scatterer. */
  double smoothing_mm;      /* Speckle reduction (Gaussian sigma of the detected power). */
  int compounding;          /* Spatially compounded angles (1: none). */
  gboolean screen_capture;  /* Text, focus marker and depth scale burnt into the frame. */
  double pressure;          /* Probe pressure, 0-1: flattens the nerve and the fat. */
  double tendon_echo_db;    /* Tendon echogenicity offset. */
  gboolean bifid;           /* A bifid nerve: two bundles parted by an epineurial septum. */
  double median_artery_mm;  /* Radius of a persistent median artery beside the nerve, or 0. */
  double proximal_swelling; /* Log-ratio of the nerve's area over the sweep's length. */
} CsPhantomHand;

/* The ground truth of one frame, in image pixels (x right, y down, pixel centres at integers). */
typedef struct {
  int index;                                    /* Frame index in the sweep. */
  double centre_x, centre_y;                    /* Nerve centre (centroid of the outline). */
  double csa_mm2;                               /* Area of the outline polygon in mm^2. */
  double csa_px2;                               /* The same area in px^2. */
  double outline[CS_PHANTOM_OUTLINE_POINTS][2]; /* Inner boundary of the epineurium. */
} CsPhantomFrameTruth;

typedef struct _CsPhantomGenerator CsPhantomGenerator;

/* Fills @options with the defaults (600 x 450 px, 100 frames, 20 mm, spacing drawn per hand). */
void cs_phantom_options_init(CsPhantomOptions *options);

/* Checks @options; on a bad value sets @error (CS_ERROR_INVALID) naming it. */
gboolean cs_phantom_options_validate(const CsPhantomOptions *options, GError **error);

/* Returns the group called @name ("control" or "cts"), or sets @error. */
gboolean cs_phantom_group_from_string(const char *name, CsPhantomGroup *group, GError **error);

/* Returns "control" or "cts". */
const char *cs_phantom_group_to_string(CsPhantomGroup group);

/* The paper's nerve-conduction stage a phantom severity stands for: 2-5 for CTS hands (the
 * phantom draws CTS hands in the paper's mix of stages), 0 for a control (severity 0). */
int cs_phantom_stage_from_severity(double severity);

/* Draws the hand of @group and @seed as cs_phantom_generator_start() would, without rendering. */
void cs_phantom_hand_draw(CsPhantomHand *hand, CsPhantomGroup group, uint64_t seed,
                          const CsPhantomOptions *options);

/* Creates a generator with buffers for frames of @options' size (validated by the caller). */
CsPhantomGenerator *cs_phantom_generator_new(const CsPhantomOptions *options);

/* Frees @gen. */
void cs_phantom_generator_free(CsPhantomGenerator *gen);

/* Starts a new sweep of the hand of @group and @seed; the buffers are reused. */
void cs_phantom_generator_start(CsPhantomGenerator *gen, CsPhantomGroup group, uint64_t seed);

/* Returns the hand of the current sweep. */
const CsPhantomHand *cs_phantom_generator_get_hand(const CsPhantomGenerator *gen);

/* Returns the options @gen was made with. */
const CsPhantomOptions *cs_phantom_generator_get_options(const CsPhantomGenerator *gen);

/* Renders the next frame into @pixels (width x height bytes, rows contiguous) and its truth;
 * returns FALSE once the sweep's n_frames have been rendered. */
gboolean cs_phantom_generator_next_frame(CsPhantomGenerator *gen, guint8 *pixels,
                                         CsPhantomFrameTruth *truth);

/* Returns the mask of the last frame's nerve (width x height, 1 inside the outline, else 0). */
const guint8 *cs_phantom_generator_get_nerve_mask(const CsPhantomGenerator *gen);

/* Returns the shoelace area of a polygon of @n points (px^2, always >= 0). */
double cs_phantom_polygon_area(const double (*points)[2], int n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsPhantomGenerator, cs_phantom_generator_free)

G_END_DECLS
