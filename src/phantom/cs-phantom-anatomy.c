/* cs-phantom-anatomy.c — the phantom's anatomy and echogenicity, frame by frame
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Steps 1 and 2 of the image model (cs-phantom.c): where each tissue lies in a frame, and its
 * diffuse backscatter amplitude, its specular echoes and its attenuation. The static background
 * (skin, fat, deep tissue) is painted once per hand on a canvas wider than the frame, since the
 * probe's wander moves it; the ligament, tendons, bones, artery and nerve are painted into each
 * frame where the sweep's slow drifts put them. Textures come from smooth value noise, a pure
 * function of position and the hand's texture seed.
 */
#include "config.h"

#include "cs-phantom-private.h"

#include <string.h>

/* ---- Smooth curves, noise and anisotropy ------------------------------------------------ */

static double
wave_eval(const Wave *w, double t)
{
  double v = 0;

  for (int k = 0; k < N_WAVE; k++)
    v += w->amp[k] * sin(M_PI * (k + 1) * t + w->phase[k]);
  return v;
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

/* ---- The static background ------------------------------------------------------------- */

void
cs_phantom_build_background(CsPhantomGenerator *gen)
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

        db = -5 + gen->tissue_db + 9 * patch + 5 * streak + 10 * fibre;
      }
      row[x] = db_to_amp(db);
    }
  }
}

/* ---- One frame's anatomy --------------------------------------------------------------- */

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

void
cs_phantom_frame_geometry(CsPhantomGenerator *gen, double t, FrameGeometry *g)
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
  /* A preset's proximal swelling: the sweep starts proximally (t = 0), the inlet mid-sweep. */
  if (hand->proximal_swelling != 0)
    area_mm2 *= exp(hand->proximal_swelling * (0.5 - t));
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
      gen->atten[i] += (float)(inside * 1.0 * gen->atten_scale * sp);
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
        db = 3 + gen->hand.tendon_echo_db + 20 * fib + aniso_db;
        gen->amp[i] = (float)(gen->amp[i] * (1 - inside) + inside * db_to_amp(db));
        gen->atten[i] += (float)(inside * 0.6 * gen->atten_scale * sp);
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
        /* A bifid nerve: an epineurial septum parts two bundles. */
        if (hand->bifid && fabs(u - gen->bifid_u) < 0.07)
          dark = 0;
        db = inter_db + fasc_db * dark +
             2 * (value_noise((float)(lx / 0.15), (float)(ly / 0.15), seed) - 0.5);
        if (hand->bifid && fabs(u - gen->bifid_u) < 0.07)
          db = 12 + 3 * (value_noise((float)(v * 8), (float)(u * 8), seed + 2) - 0.5);
        gen->amp[i] = db_to_amp(db);
        /* The perineurium around each fascicle reflects partly coherently, so the honeycomb's
         * walls stand out of the speckle; blurred fascicles (low contrast) lose them. */
        gen->spec[i] += (float)(0.4 * hand->fascicle_contrast * (1 - dark));
        if (ix >= 0 && ix < w)
          gen->mask[(size_t)y * w + ix] = 1;
      } else if (r <= R + epi) {
        db = gen->epi_db +
             3 * (value_noise((float)(theta * 6), (float)((r - R) / 0.1), seed + 1) - 0.5);
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

/* A persistent median artery (a preset's variant): anechoic, walled, beside the nerve on the
 * side of gen->artery2_angle (from the nerve's major axis, towards the ulnar side). */
static void
paint_median_artery(CsPhantomGenerator *gen, const FrameGeometry *g)
{
  double sp = g->sp, r = gen->hand.median_artery_mm;
  int h = gen->options.height, ew = gen->ext_w;
  double a = g->nerve_a / 1.3, b = g->nerve_b / 1.3;
  double c = cos(gen->artery2_angle), s = sin(gen->artery2_angle);
  /* Just clear of the nerve's ellipse (and its rim) along that direction. */
  double reach = a * b / hypot(b * c, a * s) * 1.08 + gen->hand.epineurium_mm + r + 0.1;
  double cx = g->nerve_cx + gen->side * c * reach, cy = g->nerve_cy + s * reach;
  int x0, x1, y0, y1;

  x0 = MAX(0, (int)floor((cx - r - 0.2) / sp) + gen->halo);
  x1 = MIN(ew - 1, (int)ceil((cx + r + 0.2) / sp) + gen->halo);
  y0 = MAX(0, (int)floor((cy - r - 0.2) / sp));
  y1 = MIN(h - 1, (int)ceil((cy + r + 0.2) / sp));
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++) {
      double d = hypot((x - gen->halo) * sp - cx, y * sp - cy);
      size_t i = (size_t)y * ew + x;

      if (d < r) {
        gen->amp[i] = db_to_amp(-40);
        gen->atten[i] = (float)(0.1 * sp);
      } else if (d < r + 0.1) {
        gen->amp[i] = db_to_amp(6);
      }
    }
}

void
cs_phantom_paint_anatomy(CsPhantomGenerator *gen, const FrameGeometry *g, double t)
{
  paint_ligament(gen, g);
  paint_tendons(gen, g, t);
  paint_bones_and_artery(gen, g, t);
  /* Painted before the nerve, which wins where they touch. */
  if (gen->hand.median_artery_mm > 0)
    paint_median_artery(gen, g);
  paint_nerve(gen, g);
}
