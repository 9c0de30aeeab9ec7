/* fuzz-dicom-seeds.c — the seed corpus of the DICOM fuzzer, built in code
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Small explicit-VR little-endian files written byte by byte: an 8-bit cine with an Ultrasound
 * Region, a 16-bit MONOCHROME1 frame with a window, a palette frame, an RGB frame, an RLE
 * cine and a DICOMDIR; then damaged copies (cut short at several places, zero rows, a lying pixel
 * length, a fragment running past the end), so every build replays the error paths too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-seeds.h"

#define SIDE 8

typedef struct {
  uint8_t *data;
  size_t length, allocated;
  int failed;
} Buf;

static void
put(Buf *buf, const void *bytes, size_t n)
{
  if (buf->failed)
    return;
  if (buf->length + n > buf->allocated) {
    size_t want = (buf->length + n) * 2 + 256;
    uint8_t *grown = realloc(buf->data, want);
    if (grown == NULL) {
      buf->failed = 1;
      return;
    }
    buf->data = grown;
    buf->allocated = want;
  }
  memcpy(buf->data + buf->length, bytes, n);
  buf->length += n;
}

static void
put16(Buf *buf, unsigned v)
{
  uint8_t b[2] = { (uint8_t)(v & 0xff), (uint8_t)(v >> 8) };
  put(buf, b, 2);
}

static void
put32(Buf *buf, uint32_t v)
{
  uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
  put(buf, b, 4);
}

/* One explicit-VR little-endian element; @length 0xffffffff writes an undefined length. */
static void
element_header(Buf *buf, unsigned group, unsigned element, const char *vr, uint32_t length)
{
  int long_form = strstr("OB OW SQ UN UT", vr) != NULL;

  put16(buf, group);
  put16(buf, element);
  put(buf, vr, 2);
  if (long_form) {
    put16(buf, 0);
    put32(buf, length);
  } else {
    put16(buf, length);
  }
}

static void
element(Buf *buf, unsigned group, unsigned element, const char *vr, const void *value, size_t n)
{
  element_header(buf, group, element, vr, (uint32_t)(n + (n & 1)));
  put(buf, value, n);
  if (n & 1)
    put(buf, strcmp(vr, "UI") == 0 || strcmp(vr, "OB") == 0 ? "\0" : " ", 1);
}

static void
text(Buf *buf, unsigned group, unsigned e, const char *vr, const char *value)
{
  element(buf, group, e, vr, value, strlen(value));
}

static void
us(Buf *buf, unsigned group, unsigned e, unsigned value)
{
  uint8_t b[2] = { (uint8_t)(value & 0xff), (uint8_t)(value >> 8) };
  element(buf, group, e, "US", b, 2);
}

static void
ul(Buf *buf, unsigned group, unsigned e, uint32_t value)
{
  Buf tmp = { 0 };
  put32(&tmp, value);
  element(buf, group, e, "UL", tmp.data, 4);
  free(tmp.data);
}

static void
fd(Buf *buf, unsigned group, unsigned e, double value)
{
  element(buf, group, e, "FD", &value, 8); /* The fuzzer runs on little-endian machines. */
}

/* The preamble and the File Meta Information for transfer syntax @ts. */
static void
meta(Buf *buf, const char *sop, const char *ts)
{
  static const uint8_t version[2] = { 0, 1 };
  Buf group = { 0 };

  for (int i = 0; i < 128; i++)
    put(buf, "\0", 1);
  put(buf, "DICM", 4);
  element(&group, 0x0002, 0x0001, "OB", version, 2);
  text(&group, 0x0002, 0x0002, "UI", sop);
  text(&group, 0x0002, 0x0003, "UI", "1.2.3.4.5.6.7.8.9");
  text(&group, 0x0002, 0x0010, "UI", ts);
  ul(buf, 0x0002, 0x0000, (uint32_t)group.length);
  put(buf, group.data, group.length);
  buf->failed |= group.failed;
  free(group.data);
}

static void
region_sequence(Buf *buf)
{
  Buf item = { 0 };

  us(&item, 0x0018, 0x6012, 1);
  us(&item, 0x0018, 0x6014, 1);
  ul(&item, 0x0018, 0x6018, 1);
  ul(&item, 0x0018, 0x601a, 1);
  ul(&item, 0x0018, 0x601c, SIDE - 1);
  ul(&item, 0x0018, 0x601e, SIDE - 1);
  us(&item, 0x0018, 0x6024, 3);
  us(&item, 0x0018, 0x6026, 3);
  fd(&item, 0x0018, 0x602c, 0.025);
  fd(&item, 0x0018, 0x602e, 0.025);
  element_header(buf, 0x0018, 0x6011, "SQ", 0xffffffffu);
  put16(buf, 0xfffe);
  put16(buf, 0xe000);
  put32(buf, (uint32_t)item.length);
  put(buf, item.data, item.length);
  put16(buf, 0xfffe);
  put16(buf, 0xe0dd);
  put32(buf, 0);
  buf->failed |= item.failed;
  free(item.data);
}

/* The image pixel module for @frames frames of SIDE x SIDE. */
static void
image_module(Buf *buf, int samples, const char *photometric, int frames, int bits)
{
  char n[16];

  us(buf, 0x0028, 0x0002, (unsigned)samples);
  text(buf, 0x0028, 0x0004, "CS", photometric);
  if (samples == 3)
    us(buf, 0x0028, 0x0006, 0);
  snprintf(n, sizeof n, "%d", frames);
  text(buf, 0x0028, 0x0008, "IS", n);
  us(buf, 0x0028, 0x0010, SIDE);
  us(buf, 0x0028, 0x0011, SIDE);
  us(buf, 0x0028, 0x0100, (unsigned)bits);
  us(buf, 0x0028, 0x0101, (unsigned)bits);
  us(buf, 0x0028, 0x0102, (unsigned)bits - 1);
  us(buf, 0x0028, 0x0103, 0);
}

#define US_MULTIFRAME "1.2.840.10008.5.1.4.1.1.3.1"
#define EXPLICIT_LE   "1.2.840.10008.1.2.1"
#define RLE           "1.2.840.10008.1.2.5"

static void
mono8(Buf *buf)
{
  uint8_t pixels[2 * SIDE * SIDE];

  for (int i = 0; i < (int)sizeof pixels; i++)
    pixels[i] = (uint8_t)(i * 7);
  meta(buf, US_MULTIFRAME, EXPLICIT_LE);
  text(buf, 0x0008, 0x0016, "UI", US_MULTIFRAME);
  text(buf, 0x0018, 0x1063, "DS", "40");
  region_sequence(buf);
  text(buf, 0x0020, 0x0062, "CS", "L");
  image_module(buf, 1, "MONOCHROME2", 2, 8);
  element(buf, 0x7fe0, 0x0010, "OB", pixels, sizeof pixels);
}

static void
mono16(Buf *buf)
{
  uint16_t pixels[SIDE * SIDE];

  for (int i = 0; i < SIDE * SIDE; i++)
    pixels[i] = (uint16_t)(i * 900);
  meta(buf, US_MULTIFRAME, EXPLICIT_LE);
  text(buf, 0x0008, 0x0016, "UI", US_MULTIFRAME);
  text(buf, 0x0018, 0x0040, "IS", "30");
  text(buf, 0x0028, 0x0030, "DS", "0.2\\0.2");
  image_module(buf, 1, "MONOCHROME1", 1, 16);
  text(buf, 0x0028, 0x1050, "DS", "30000");
  text(buf, 0x0028, 0x1051, "DS", "40000");
  element(buf, 0x7fe0, 0x0010, "OW", pixels, sizeof pixels);
}

static void
palette(Buf *buf)
{
  static const uint8_t descriptor[6] = { 0, 1, 0, 0, 16, 0 }; /* 256 entries from 0, 16 bits. */
  uint16_t lut[256];
  uint8_t pixels[SIDE * SIDE];

  for (int i = 0; i < 256; i++)
    lut[i] = (uint16_t)(i * 257);
  for (int i = 0; i < SIDE * SIDE; i++)
    pixels[i] = (uint8_t)(i * 3);
  meta(buf, US_MULTIFRAME, EXPLICIT_LE);
  text(buf, 0x0008, 0x0016, "UI", US_MULTIFRAME);
  image_module(buf, 1, "PALETTE COLOR", 1, 8);
  for (unsigned e = 0x1101; e <= 0x1103; e++)
    element(buf, 0x0028, e, "US", descriptor, 6);
  for (unsigned e = 0x1201; e <= 0x1203; e++)
    element(buf, 0x0028, e, "OW", lut, sizeof lut);
  element(buf, 0x7fe0, 0x0010, "OB", pixels, sizeof pixels);
}

static void
rgb(Buf *buf)
{
  uint8_t pixels[3 * SIDE * SIDE];

  for (int i = 0; i < (int)sizeof pixels; i++)
    pixels[i] = (uint8_t)(i * 5);
  meta(buf, US_MULTIFRAME, EXPLICIT_LE);
  text(buf, 0x0008, 0x0016, "UI", US_MULTIFRAME);
  image_module(buf, 3, "RGB", 1, 8);
  element(buf, 0x7fe0, 0x0010, "OB", pixels, sizeof pixels);
}

/* An RLE cine of two frames, one fragment each: a 64-byte header and one literal run. */
static void
rle(Buf *buf)
{
  meta(buf, US_MULTIFRAME, RLE);
  text(buf, 0x0008, 0x0016, "UI", US_MULTIFRAME);
  image_module(buf, 1, "MONOCHROME2", 2, 8);
  element_header(buf, 0x7fe0, 0x0010, "OB", 0xffffffffu);
  put16(buf, 0xfffe); /* The empty Basic Offset Table. */
  put16(buf, 0xe000);
  put32(buf, 0);
  for (int f = 0; f < 2; f++) {
    uint8_t segment[64 + 1 + SIDE * SIDE + 1];
    memset(segment, 0, sizeof segment);
    segment[0] = 1;                /* One segment... */
    segment[4] = 64;               /* ...starting after the header. */
    segment[64] = SIDE * SIDE - 1; /* A literal run of 64 bytes. */
    for (int i = 0; i < SIDE * SIDE; i++)
      segment[65 + i] = (uint8_t)(i * 4 + f * 50);
    put16(buf, 0xfffe);
    put16(buf, 0xe000);
    put32(buf, sizeof segment);
    put(buf, segment, sizeof segment);
  }
  put16(buf, 0xfffe);
  put16(buf, 0xe0dd);
  put32(buf, 0);
}

/* Replaces the first @n bytes equal to @find in @buf after offset @after with @replace. */
static void
patch(Buf *buf, const void *find, const void *replace, size_t n, size_t after)
{
  for (size_t i = after; i + n <= buf->length; i++) {
    if (memcmp(buf->data + i, find, n) == 0) {
      memcpy(buf->data + i, replace, n);
      return;
    }
  }
}

static int
emit(fuzz_seed_cb callback, void *user, const char *name, Buf *buf, size_t length, int *count)
{
  int stop = buf->failed ? 1 : callback(name, buf->data, length, user);
  (*count)++;
  return stop;
}

/* A DICOMDIR of two records: a series and the image file it names. */
static void
dicomdir(Buf *buf)
{
  static const char *const types[2] = { "SERIES", "IMAGE" };

  meta(buf, "1.2.840.10008.1.3.10", "1.2.840.10008.1.2.1");
  text(buf, 0x0004, 0x1130, "CS", "SEEDS");
  element_header(buf, 0x0004, 0x1220, "SQ", 0xffffffffu);
  for (int i = 0; i < 2; i++) {
    Buf item = { 0 };

    ul(&item, 0x0004, 0x1400, 0);
    text(&item, 0x0004, 0x1430, "CS", types[i]);
    if (i == 1)
      text(&item, 0x0004, 0x1500, "CS", "DICOM\\SE1\\IM1");
    put16(buf, 0xfffe);
    put16(buf, 0xe000);
    put32(buf, (uint32_t)item.length);
    put(buf, item.data, item.length);
    buf->failed |= item.failed;
    free(item.data);
  }
  put16(buf, 0xfffe);
  put16(buf, 0xe0dd);
  put32(buf, 0);
}

/* One damaged copy of a seed: @make's file with the first @n bytes equal to @find after the
 * preamble replaced by @replace. */
typedef struct {
  const char *name;
  void (*make)(Buf *);
  const uint8_t *find, *replace;
  size_t n;
} Damage;

/* Zero rows. */
static const uint8_t rows[] = { 0x28, 0, 0x10, 0, 'U', 'S', 2, 0, SIDE, 0 };
static const uint8_t zero_rows[] = { 0x28, 0, 0x10, 0, 'U', 'S', 2, 0, 0, 0 };
/* The pixel data claims 100 times its length. */
static const uint8_t pixel[] = { 0xe0, 0x7f, 0x10, 0x00, 'O', 'B', 0, 0, 128, 0, 0, 0 };
static const uint8_t lying[] = { 0xe0, 0x7f, 0x10, 0x00, 'O', 'B', 0, 0, 0, 0x32, 0, 0 };
/* The first fragment's length runs past the end. */
static const uint8_t item[] = { 0xfe, 0xff, 0x00, 0xe0, 64 + 1 + SIDE *SIDE + 1, 0, 0, 0 };
static const uint8_t past[] = { 0xfe, 0xff, 0x00, 0xe0, 0, 0, 0, 0x10 };
/* An RLE header of no segments (GDCM divides by the count). */
static const uint8_t one_segment[] = { 1, 0, 0, 0, 64, 0, 0, 0 };
static const uint8_t no_segment[] = { 0, 0, 0, 0, 64, 0, 0, 0 };
/* The region's Physical Delta Y renamed away (GDCM asserts on its absence). */
static const uint8_t delta_y[] = { 0x18, 0x00, 0x2e, 0x60, 'F', 'D' };
static const uint8_t other_tag[] = { 0x18, 0x00, 0x30, 0x60, 'F', 'D' };
/* A VR no standard has (GDCM guesses its length and reads another file). */
static const uint8_t cs[] = { 0x28, 0x00, 0x04, 0x00, 'C', 'S' };
static const uint8_t ns[] = { 0x28, 0x00, 0x04, 0x00, 'N', 'S' };
/* Five samples a pixel (GDCM asserts on more than four). */
static const uint8_t one_sample[] = { 0x28, 0x00, 0x02, 0x00, 'U', 'S', 2, 0, 1, 0 };
static const uint8_t five_samples[] = { 0x28, 0x00, 0x02, 0x00, 'U', 'S', 2, 0, 5, 0 };

/* A green palette descriptor of 128 entries beside a table of 256 (GDCM asserts on it). */
static const uint8_t green_256[] = { 0x28, 0x00, 0x02, 0x11, 'U', 'S', 6, 0, 0, 1 };
static const uint8_t green_128[] = { 0x28, 0x00, 0x02, 0x11, 'U', 'S', 6, 0, 128, 0 };

/* A meta group length one byte longer than its elements (GDCM asserts on it). */
static const uint8_t group_length[] = { 0x02, 0x00, 0x00, 0x00, 'U', 'L', 4, 0, 104 };
static const uint8_t group_too_long[] = { 0x02, 0x00, 0x00, 0x00, 'U', 'L', 4, 0, 105 };

/* Planar Configuration as SS, not US (GDCM asserts on the VR of what it reads). */
static const uint8_t planar_us[] = { 0x28, 0x00, 0x06, 0x00, 'U', 'S' };
static const uint8_t planar_ss[] = { 0x28, 0x00, 0x06, 0x00, 'S', 'S' };

/* A red palette mapping from pixel value 1 (GDCM asserts on a first value other than 0). */
static const uint8_t red_from_0[] = { 0x28, 0x00, 0x01, 0x11, 'U', 'S', 6, 0, 0, 1, 0, 0 };
static const uint8_t red_from_1[] = { 0x28, 0x00, 0x01, 0x11, 'U', 'S', 6, 0, 0, 1, 1, 0 };

static const Damage damages[] = {
  { "palette-from-1.dcm", palette, red_from_0, red_from_1, sizeof red_from_0 },
  { "planar-wrong-vr.dcm", rgb, planar_us, planar_ss, sizeof planar_us },
  { "meta-group-length.dcm", mono8, group_length, group_too_long, sizeof group_length },
  { "palette-table-mismatch.dcm", palette, green_256, green_128, sizeof green_256 },
  { "zero-rows.dcm", mono8, rows, zero_rows, sizeof rows },
  { "lying-length.dcm", mono8, pixel, lying, sizeof pixel },
  { "fragment-past-end.dcm", rle, item, past, sizeof item },
  { "rle-no-segments.dcm", rle, one_segment, no_segment, sizeof one_segment },
  { "region-without-delta-y.dcm", mono8, delta_y, other_tag, sizeof delta_y },
  { "unknown-vr.dcm", mono8, cs, ns, sizeof cs },
  { "five-samples.dcm", mono8, one_sample, five_samples, sizeof one_sample },
};

int
fuzz_seeds_foreach(fuzz_seed_cb callback, void *user)
{
  static const struct {
    const char *name;
    void (*make)(Buf *);
  } seeds[] = { { "mono8.dcm", mono8 }, { "mono16.dcm", mono16 }, { "palette.dcm", palette },
                { "rgb.dcm", rgb },     { "rle.dcm", rle },       { "DICOMDIR", dicomdir } };
  int count = 0, stop = 0;

  for (size_t s = 0; s < sizeof seeds / sizeof seeds[0] && !stop; s++) {
    Buf buf = { 0 };
    char name[64];

    seeds[s].make(&buf);
    stop = emit(callback, user, seeds[s].name, &buf, buf.length, &count);
    /* Cut short at a few places: inside the meta group, the data set and the pixels. */
    for (int cut = 1; cut <= 4 && !stop; cut++) {
      snprintf(name, sizeof name, "cut%d-%s", cut, seeds[s].name);
      stop = emit(callback, user, name, &buf, buf.length * (size_t)cut / 5, &count);
    }
    free(buf.data);
  }
  for (size_t d = 0; d < sizeof damages / sizeof damages[0] && !stop; d++) {
    Buf buf = { 0 };

    damages[d].make(&buf);
    patch(&buf, damages[d].find, damages[d].replace, damages[d].n, 132);
    stop = emit(callback, user, damages[d].name, &buf, buf.length, &count);
    free(buf.data);
  }
  /* Found by fuzzing: a bare data set that begins with an implicit-VR meta element, which
   * GDCM's meta reader asserts on. */
  if (!stop) {
    static const uint8_t bare_meta[] = { 0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00 };

    stop = callback("bare-meta-implicit", bare_meta, sizeof bare_meta, user);
    count++;
  }
  return stop ? -1 : count;
}
