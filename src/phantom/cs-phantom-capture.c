/* cs-phantom-capture.c — a phantom frame dressed as a scanner's screen capture
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real images often come as screen captures with the scanner's marks burnt in: a bright line
 * where the probe face is, the side's label ("DX" or "SN") in the lower left, the frequency in
 * the upper left, triangles at the focal depths and a dotted depth scale on the right edge. A
 * preset's screen-capture hands carry them too, so a network does not learn that text means a
 * real image. The nerve's truth is not touched (the marks lie outside the tissue that matters
 * and are part of the picture, as on a real capture).
 */
#include "config.h"

#include "cs-phantom-private.h"

#include <string.h>

/* A 5 x 7 pixel font of the few characters the marks need; each row's bit 4 is its left. */
static const struct {
  char c;
  guint8 rows[7];
} glyphs[] = {
  { '0', { 0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e } },
  { '1', { 0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e } },
  { '2', { 0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f } },
  { '3', { 0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e } },
  { '4', { 0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02 } },
  { '5', { 0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e } },
  { '6', { 0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e } },
  { '7', { 0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 } },
  { '8', { 0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e } },
  { '9', { 0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c } },
  { 'D', { 0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c } },
  { 'H', { 0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11 } },
  { 'M', { 0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11 } },
  { 'N', { 0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11 } },
  { 'S', { 0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e } },
  { 'X', { 0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11 } },
  { 'z', { 0x00, 0x00, 0x1f, 0x02, 0x04, 0x08, 0x1f } },
};

static void
put(guint8 *pixels, int w, int h, int x, int y, guint8 value)
{
  if (x >= 0 && x < w && y >= 0 && y < h)
    pixels[(size_t)y * w + x] = value;
}

/* Draws @text at (@x, @y), its top left, each font pixel @scale x @scale. */
static void
draw_text(guint8 *pixels, int w, int h, int x, int y, int scale, const char *text, guint8 value)
{
  for (; *text != '\0'; text++, x += 6 * scale) {
    for (guint g = 0; g < G_N_ELEMENTS(glyphs); g++) {
      if (glyphs[g].c != *text)
        continue;
      for (int row = 0; row < 7; row++)
        for (int col = 0; col < 5; col++)
          if (glyphs[g].rows[row] & (0x10 >> col))
            for (int dy = 0; dy < scale; dy++)
              for (int dx = 0; dx < scale; dx++)
                put(pixels, w, h, x + col * scale + dx, y + row * scale + dy, value);
    }
  }
}

/* A small triangle pointing left whose tip is at (@x, @y). */
static void
draw_marker(guint8 *pixels, int w, int h, int x, int y, int size)
{
  for (int dx = 0; dx < size; dx++)
    for (int dy = -dx / 2; dy <= dx / 2; dy++)
      put(pixels, w, h, x + dx, y + dy, 150);
}

void
cs_phantom_draw_capture(const CsPhantomGenerator *gen, guint8 *pixels)
{
  const CsPhantomHand *hand = &gen->hand;
  int w = gen->options.width, h = gen->options.height;
  double sp = hand->spacing_mm;
  int scale = MAX(1, (int)lround(h / 240.0));
  char label[16];

  /* The probe face. */
  for (int x = 0; x < w; x++) {
    put(pixels, w, h, x, 0, 190);
    put(pixels, w, h, x, 1, 150);
  }
  /* The side, lower left, and the frequency, upper left. */
  draw_text(pixels, w, h, w / 30, (int)(0.82 * h), scale, hand->right_hand ? "DX" : "SN", 205);
  g_snprintf(label, sizeof label, "%dMHz", (int)lround(hand->frequency_mhz));
  draw_text(pixels, w, h, w / 30, h / 40 + 3, MAX(1, scale - 1), label, 180);
  /* Focal zones and the depth scale (a dot every 5 mm) on the right edge. */
  draw_marker(pixels, w, h, w - 22 * scale / 2 - 6, (int)lround(gen->focus_mm / sp), 4 * scale);
  if (gen->focus2_mm > 0)
    draw_marker(pixels, w, h, w - 22 * scale / 2 - 6, (int)lround(gen->focus2_mm / sp), 4 * scale);
  for (double d = 5; d / sp < h; d += 5)
    for (int k = 0; k < 2 * scale; k++)
      for (int j = 0; j < 2 * scale; j++)
        put(pixels, w, h, w - 4 - j, (int)lround(d / sp) + k - scale, 170);
}
