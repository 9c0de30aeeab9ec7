/* cs-dicom-check.c — the bounds of a DICOM file's elements, checked before GDCM reads it
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Only the structure is walked (tags, VRs, lengths, items and delimiters); values are GDCM's.
 * In an implicit-VR data set a sequence of defined length is skipped whole, as its VR is not in
 * the file.
 */
#include "config.h"

#include "cs-dicom-check.h"

#include "cs-error.h"

#include <string.h>

#define UNDEFINED 0xffffffffu

typedef struct {
  const guint8 *data;
  gsize size;
  gboolean explicit_vr;
  gboolean big;
  gboolean meta_only; /* Stop at the first element outside group 0002. */
  gsize ts_at, ts_length;
  int region_deltas; /* Bits 1, 2: the first Ultrasound Region item holds Delta X, Delta Y. */
  gboolean have_regions;
  gboolean rle; /* The transfer syntax is RLE Lossless: fragments start with an RLE header. */
  int pixel_module[5];      /* Top-level (0028,0002/0006/0100/0101/0102) as read, or -1. */
  gboolean palette;         /* Photometric Interpretation is PALETTE COLOR. */
  int lut_descriptor[3][3]; /* (0028,1101-1103): entries, first value, bits; -1 when absent. */
  gint64 lut_length[3];     /* Bytes of (0028,1201-1203), or -1 when absent. */
  gboolean segmented[3];    /* (0028,1221-1223) present. */
  const char *problem;
  gsize problem_at;
} Walk;

static guint16
read16(const Walk *w, gsize at)
{
  const guint8 *b = w->data + at;

  return w->big ? (guint16)(b[0] << 8 | b[1]) : (guint16)(b[1] << 8 | b[0]);
}

static guint32
read32(const Walk *w, gsize at)
{
  const guint8 *b = w->data + at;

  return w->big ? (guint32)b[0] << 24 | (guint32)b[1] << 16 | (guint32)b[2] << 8 | b[3]
                : (guint32)b[3] << 24 | (guint32)b[2] << 16 | (guint32)b[1] << 8 | b[0];
}

static gboolean
fail(Walk *w, gsize at, const char *problem)
{
  if (w->problem == NULL) {
    w->problem = problem;
    w->problem_at = at;
  }
  return FALSE;
}

/* The value representations of PS3.5 6.2, those with a 4-byte length (after 2 reserved bytes)
 * first. An unknown pair is refused: GDCM guesses at its length and may read a different file. */
static const char vrs[][3] = { "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC",
                               "UN", "UR", "UT", "UV", "AE", "AS", "AT", "CS", "DA",
                               "DS", "DT", "FD", "FL", "IS", "LO", "LT", "PN", "SH",
                               "SL", "SS", "ST", "TM", "UI", "UL", "US" };
#define N_LONG_VRS 13

/* Returns 2 for a VR with a 4-byte length, 1 for one with a 2-byte length, 0 for no VR. */
static int
vr_kind(const guint8 *vr)
{
  for (gsize i = 0; i < G_N_ELEMENTS(vrs); i++)
    if (vr[0] == vrs[i][0] && vr[1] == vrs[i][1])
      return i < N_LONG_VRS ? 2 : 1;
  return 0;
}

/* The Image Pixel module's values GDCM asserts on, and their slots in Walk.pixel_module. */
static const guint16 pixel_module_tags[5] = { 0x0002, 0x0006, 0x0100, 0x0101, 0x0102 };
enum { SAMPLES, PLANAR, BITS_ALLOCATED, BITS_STORED, HIGH_BIT };

static void
note_pixel_module(Walk *w, guint16 element, guint16 value)
{
  for (int i = 0; i < 5; i++)
    if (pixel_module_tags[i] == element)
      w->pixel_module[i] = value;
}

/* The value representations GDCM asserts on when it reads these elements as attributes: in an
 * explicit-VR file each must have its dictionary VR. */
static const struct {
  guint16 group, element;
  char vr[3], other[3];
} expected_vrs[] = {
  { 0x0002, 0x0010, "UI", "" },   { 0x0008, 0x0010, "SH", "" },   { 0x0008, 0x0016, "UI", "" },
  { 0x0008, 0x0060, "CS", "" },   { 0x0018, 0x1063, "DS", "" },   { 0x0018, 0x1065, "DS", "" },
  { 0x0018, 0x6011, "SQ", "" },   { 0x0018, 0x6012, "US", "" },   { 0x0018, 0x6014, "US", "" },
  { 0x0018, 0x6016, "UL", "" },   { 0x0018, 0x6018, "UL", "" },   { 0x0018, 0x601a, "UL", "" },
  { 0x0018, 0x601c, "UL", "" },   { 0x0018, 0x601e, "UL", "" },   { 0x0018, 0x6020, "SL", "" },
  { 0x0018, 0x6022, "SL", "" },   { 0x0018, 0x6024, "US", "" },   { 0x0018, 0x6026, "US", "" },
  { 0x0018, 0x6028, "FD", "" },   { 0x0018, 0x602a, "FD", "" },   { 0x0018, 0x602c, "FD", "" },
  { 0x0018, 0x602e, "FD", "" },   { 0x0020, 0x0062, "CS", "" },   { 0x0028, 0x0002, "US", "" },
  { 0x0028, 0x0004, "CS", "" },   { 0x0028, 0x0006, "US", "" },   { 0x0028, 0x0008, "IS", "" },
  { 0x0028, 0x0010, "US", "" },   { 0x0028, 0x0011, "US", "" },   { 0x0028, 0x0030, "DS", "" },
  { 0x0028, 0x0100, "US", "" },   { 0x0028, 0x0101, "US", "" },   { 0x0028, 0x0102, "US", "" },
  { 0x0028, 0x0103, "US", "" },   { 0x0028, 0x1050, "DS", "" },   { 0x0028, 0x1051, "DS", "" },
  { 0x0028, 0x1052, "DS", "" },   { 0x0028, 0x1053, "DS", "" },   { 0x0028, 0x1101, "US", "SS" },
  { 0x0028, 0x1102, "US", "SS" }, { 0x0028, 0x1103, "US", "SS" }, { 0x0028, 0x1201, "OW", "" },
  { 0x0028, 0x1202, "OW", "" },   { 0x0028, 0x1203, "OW", "" },   { 0x0028, 0x1221, "OW", "" },
  { 0x0028, 0x1222, "OW", "" },   { 0x0028, 0x1223, "OW", "" },
};

/* Returns FALSE when (@group,@element) is one GDCM reads as an attribute and @vr is not its. */
static gboolean
vr_expected(guint16 group, guint16 element, const guint8 *vr)
{
  for (gsize i = 0; i < G_N_ELEMENTS(expected_vrs); i++) {
    if (expected_vrs[i].group != group || expected_vrs[i].element != element)
      continue;
    return memcmp(vr, expected_vrs[i].vr, 2) == 0 ||
           (expected_vrs[i].other[0] != '\0' && memcmp(vr, expected_vrs[i].other, 2) == 0);
  }
  return TRUE;
}

/* Returns TRUE when a Recognition Code of @length bytes at @value is one GDCM accepts. */
static gboolean
recognition_code_ok(const guint8 *value, guint32 length)
{
  static const char *const codes[] = { "ACR-NEMA", "ACRNEMA", "MIPS 2.0" };

  for (gsize i = 0; i < G_N_ELEMENTS(codes); i++)
    if (length >= strlen(codes[i]) && memcmp(value, codes[i], strlen(codes[i])) == 0)
      return TRUE;
  return FALSE;
}

/* Notes what GDCM asserts on of a top-level (0028,@element) whose value (@length bytes at @start)
 * lies inside the file: the Image Pixel values and the palette's tables. */
static void
note_image_element(Walk *w, guint16 element, gsize start, guint32 length)
{
  if (length == 2)
    note_pixel_module(w, element, read16(w, start));
  if (element == 0x0004)
    w->palette = length >= 13 && memcmp(w->data + start, "PALETTE COLOR", 13) == 0;
  if (element >= 0x1101 && element <= 0x1103 && length >= 6)
    for (int k = 0; k < 3; k++)
      w->lut_descriptor[element - 0x1101][k] = read16(w, start + 2 * (gsize)k);
  if (element >= 0x1201 && element <= 0x1203)
    w->lut_length[element - 0x1201] = length;
  if (element >= 0x1221 && element <= 0x1223)
    w->segmented[element - 0x1221] = TRUE;
}

/* A palette needs, for red, green and blue, a descriptor and a table of the length it declares
 * or a segmented table, and a table of 8 or 16 bits must start at pixel value 0: GDCM asserts on
 * anything else. */
static gboolean
check_palette(const Walk *w, const char *display, GError **error)
{
  for (int i = 0; w->palette && i < 3; i++) {
    const int *d = w->lut_descriptor[i];
    gboolean ok = w->segmented[i] && w->lut_length[i] < 0;

    if (w->lut_length[i] >= 0 && d[0] >= 0 && (d[2] == 8 || d[2] == 16))
      ok = w->lut_length[i] == (gint64)(d[0] ? d[0] : 65536) * d[2] / 8;
    /* GDCM maps only tables whose first entry is for pixel value 0. */
    if ((d[2] == 8 || d[2] == 16) && d[1] != 0)
      ok = FALSE;
    if (!ok) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "“%s” is damaged or unsupported: its %s palette table is missing, does not "
                  "match its descriptor or does not start at pixel value 0",
                  display,
                  i == 0   ? "red"
                  : i == 1 ? "green"
                           : "blue");
      return FALSE;
    }
  }
  return TRUE;
}

/* Refuses Image Pixel values Carpalscope does not read and GDCM asserts on (a sample count over
 * 4, bits stored over bits allocated): one clear error before GDCM sees them. */
static gboolean
check_pixel_module(const Walk *w, const char *display, GError **error)
{
  const int *m = w->pixel_module;

  if (m[SAMPLES] >= 0 && m[SAMPLES] != 1 && m[SAMPLES] != 3) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "“%s” has %d samples per pixel; Carpalscope reads 1 (gray, palette) or 3 (colour)",
                display, m[SAMPLES]);
    return FALSE;
  }
  if (m[PLANAR] > 1) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s” is damaged: its planar configuration is %d (0 or 1)", display, m[PLANAR]);
    return FALSE;
  }
  if (m[BITS_ALLOCATED] >= 0 && m[BITS_ALLOCATED] != 8 && m[BITS_ALLOCATED] != 16) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "“%s” allocates %d bits a sample; Carpalscope reads 8 and 16", display,
                m[BITS_ALLOCATED]);
    return FALSE;
  }
  if ((m[BITS_STORED] >= 0 &&
       (m[BITS_STORED] < 1 || (m[BITS_ALLOCATED] >= 0 && m[BITS_STORED] > m[BITS_ALLOCATED]))) ||
      (m[HIGH_BIT] >= 0 && m[BITS_STORED] >= 0 && m[HIGH_BIT] != m[BITS_STORED] - 1)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s” is damaged: it stores %d bits of %d with the high bit %d", display,
                m[BITS_STORED], m[BITS_ALLOCATED], m[HIGH_BIT]);
    return FALSE;
  }
  return TRUE;
}

/* An RLE fragment's header (PS3.5 G.5): 1 to 15 segments, the first at byte 64, each after the
 * last and inside the fragment. GDCM divides by the count and trusts the offsets. */
static gboolean
rle_header_ok(const Walk *w, gsize start, guint32 length)
{
  Walk little = *w;
  guint32 n, previous = 0;

  little.big = FALSE;
  if (length < 64)
    return FALSE;
  n = read32(&little, start);
  if (n < 1 || n > 15 || read32(&little, start + 4) != 64)
    return FALSE;
  for (guint32 i = 1; i <= n; i++) {
    guint32 offset = read32(&little, start + 4 * i);
    if (offset >= length || (i > 1 && offset <= previous))
      return FALSE;
    previous = offset;
  }
  return TRUE;
}

static gboolean walk_elements(Walk *w, gsize *pos, gsize end, gboolean until_delimiter, int depth,
                              int *deltas);

/* Walks the items of a sequence (or the fragments of encapsulated pixel data) from *@pos: up to
 * @end for a defined length, up to the Sequence Delimitation Item for an undefined one. */
static gboolean
walk_items(Walk *w, gsize *pos, gsize end, gboolean undefined, int depth, gboolean fragments,
           gboolean regions)
{
  int n_items = 0;

  if (depth > CS_DICOM_MAX_DEPTH)
    return fail(w, *pos, "its sequences are nested too deeply");
  for (;;) {
    gsize p = *pos, start;
    guint32 length;

    if (!undefined && p == end)
      return TRUE;
    if (end - p < 8)
      return fail(w, p,
                  undefined ? "a sequence or pixel data is not closed before the end"
                            : "an item's header is cut short");
    length = read32(w, p + 4);
    start = p + 8;
    if (read16(w, p) != 0xfffe || (read16(w, p + 2) != 0xe000 && read16(w, p + 2) != 0xe0dd))
      return fail(w, p, "a sequence or pixel data holds something other than items");
    if (read16(w, p + 2) == 0xe0dd) {
      if (!undefined)
        return fail(w, p, "a sequence of defined length holds a delimiter");
      if (length != 0) /* GDCM reads a delimiter's length as a value's. */
        return fail(w, p, "a sequence delimiter has a length");
      *pos = start;
      return TRUE;
    }
    /* GDCM reads Physical Delta X and Y of the first region without looking: note them. */
    int *deltas = regions && n_items == 0 ? &w->region_deltas : NULL;
    n_items++;
    if (regions)
      w->have_regions = TRUE;
    if (length == UNDEFINED) {
      if (fragments)
        return fail(w, p, "a pixel data fragment has an undefined length");
      *pos = start;
      if (!walk_elements(w, pos, end, TRUE, depth, deltas))
        return FALSE;
      continue;
    }
    if (length > end - start)
      return fail(w, p,
                  fragments ? "a pixel data fragment runs past the end of the file"
                            : "an item's length runs past the end of the file or its sequence");
    if (fragments && w->rle && n_items > 1 && !rle_header_ok(w, start, length))
      return fail(w, p, "an RLE fragment's header does not describe its segments");
    if (!fragments) {
      gsize q = start;
      if (!walk_elements(w, &q, start + length, FALSE, depth, deltas))
        return FALSE;
    }
    *pos = start + length;
  }
}

/* Walks the elements of a data set from *@pos up to @end, or up to an Item Delimitation. */
static gboolean
walk_elements(Walk *w, gsize *pos, gsize end, gboolean until_delimiter, int depth, int *deltas)
{
  while (*pos < end) {
    gsize p = *pos, header = 8, start;
    guint16 group, element;
    guint32 length;
    gboolean sequence = FALSE, may_be_undefined = !w->explicit_vr, is_regions;

    if (end - p < 8)
      return fail(w, p, "an element's header is cut short");
    group = read16(w, p);
    element = read16(w, p + 2);
    is_regions = group == 0x0018 && element == 0x6011 && depth == 0;
    if (w->meta_only && group != 0x0002)
      return TRUE;
    if (group == 0xfffe) {
      if (element == 0xe00d && until_delimiter && read32(w, p + 4) != 0)
        return fail(w, p, "an item delimiter has a length");
      if (element == 0xe00d && until_delimiter) {
        *pos = p + 8;
        return TRUE;
      }
      return fail(w, p, "a delimiter stands where an element belongs");
    }
    if (w->explicit_vr) {
      const guint8 *vr = w->data + p + 4;

      int kind = vr_kind(vr);

      if (kind == 0)
        return fail(w, p, "an element has no valid value representation");
      if (!vr_expected(group, element, vr))
        return fail(w, p, "an image element has the wrong value representation");
      sequence = vr[0] == 'S' && vr[1] == 'Q';
      may_be_undefined = sequence || (vr[0] == 'U' && vr[1] == 'N');
      if (kind == 2) {
        if (end - p < 12)
          return fail(w, p, "an element's header is cut short");
        header = 12;
        length = read32(w, p + 8);
      } else {
        length = read16(w, p + 6);
      }
    } else {
      length = read32(w, p + 4);
    }
    start = p + header;
    if (deltas != NULL && group == 0x0018 && (element == 0x602c || element == 0x602e) &&
        length >= 8)
      *deltas |= element == 0x602c ? 1 : 2;
    if (group == 0x0002 && element == 0x0010) {
      w->ts_at = start;
      w->ts_length = length == UNDEFINED ? 0 : length;
    }
    if (length == UNDEFINED) {
      gboolean pixels = group == 0x7fe0 && element == 0x0010;

      if (!pixels && !may_be_undefined)
        return fail(w, p, "an element other than a sequence has an undefined length");
      *pos = start;
      if (!walk_items(w, pos, end, TRUE, depth + 1, pixels, is_regions))
        return FALSE;
      continue;
    }
    if (length > end - start)
      return fail(w, p, "an element's length runs past the end of the file or its item");
    if (depth == 0 && group == 0x0028 && !w->meta_only)
      note_image_element(w, element, start, length);
    /* GDCM asserts that a retired Recognition Code names ACR-NEMA. */
    if (depth == 0 && group == 0x0008 && element == 0x0010 && length > 0 &&
        !recognition_code_ok(w->data + start, length))
      return fail(w, p, "its retired Recognition Code (0008,0010) does not name ACR-NEMA");
    if ((sequence || is_regions) && length > 0) {
      gsize q = start;
      if (!walk_items(w, &q, start + length, FALSE, depth + 1, FALSE, is_regions))
        return FALSE;
    }
    *pos = start + length;
  }
  if (until_delimiter)
    return fail(w, end, "an item is not closed before the end");
  return TRUE;
}

/* Walks the data set from @pos as @explicit_vr / @big; TRUE when its structure holds. */
static gboolean
walk_data_set(Walk *w, gsize pos, gboolean explicit_vr, gboolean big)
{
  w->explicit_vr = explicit_vr;
  w->big = big;
  w->meta_only = FALSE;
  return walk_elements(w, &pos, w->size, FALSE, 0, NULL);
}

gboolean
cs_dicom_check_structure(const guint8 *data, gsize size, const char *display, GError **error)
{
  Walk w = { .data = data,
             .size = size,
             .pixel_module = { -1, -1, -1, -1, -1 },
             .lut_descriptor = { { -1, -1, -1 }, { -1, -1, -1 }, { -1, -1, -1 } },
             .lut_length = { -1, -1, -1 } };
  gsize pos = 132;
  char ts[65] = "";
  gboolean ok;

  if (size < 132 || memcmp(data + 128, "DICM", 4) != 0) {
    /* No preamble: a bare data set, implicit or explicit little endian as GDCM guesses. One that
     * begins with file meta information (group 0002) is read by GDCM's meta reader, which
     * asserts on what it does not expect there: a Part 10 file has its preamble. */
    Walk other = w;
    if (size >= 2 && read16(&w, 0) == 0x0002) {
      ok = fail(&w, 0, "it has file meta information but no DICM preamble");
    } else {
      ok = walk_data_set(&w, 0, FALSE, FALSE) || walk_data_set(&other, 0, TRUE, FALSE);
      if (!ok && size < 132)
        w.problem = "it is too short to be a DICOM file";
    }
  } else {
    w.explicit_vr = TRUE;
    w.meta_only = TRUE;
    ok = walk_elements(&w, &pos, size, FALSE, 0, NULL);
    /* The group length, when given, must end the group where its elements do: GDCM reads by it
     * and asserts when the two disagree. */
    if (ok && size >= 144 && memcmp(data + 132, "\x02\x00\x00\x00UL\x04\x00", 8) == 0 &&
        pos != 144 + (gsize)read32(&w, 140))
      ok = fail(&w, 132, "its meta information group length does not match its elements");
    /* A Part 10 file names its transfer syntax; GDCM guesses one otherwise, and may guess
     * another than this walk would. */
    if (ok && w.ts_length == 0)
      ok = fail(&w, 132, "its meta information names no transfer syntax");
    /* GDCM asserts when the file ends with its meta information. */
    if (ok && size - pos < 8)
      ok = fail(&w, pos, "it holds no data set after its meta information");
    if (ok) {
      if (w.ts_length > 0 && w.ts_length < sizeof ts)
        memcpy(ts, data + w.ts_at, w.ts_length);
      g_strchomp(ts); /* A UI is padded with NUL, which ends the string, or a space. */
      w.rle = strcmp(ts, "1.2.840.10008.1.2.5") == 0;
      if (strcmp(ts, "1.2.840.10008.1.2.1.99") == 0)
        ok = TRUE; /* Deflated: GDCM inflates it; not walked here. */
      else
        ok = walk_data_set(&w, pos, strcmp(ts, "1.2.840.10008.1.2") != 0,
                           strcmp(ts, "1.2.840.10008.1.2.2") == 0);
    }
  }
  if (ok && w.have_regions && w.region_deltas != 3) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "“%s”: its first ultrasound region has no Physical Delta %s, without which GDCM "
                "cannot read the file",
                display, (w.region_deltas & 1) == 0 ? "X" : "Y");
    return FALSE;
  }
  if (ok)
    return check_pixel_module(&w, display, error) && check_palette(&w, display, error);
  g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” is truncated or damaged: %s (byte %lu)",
              display, w.problem != NULL ? w.problem : "its structure is broken",
              (unsigned long)w.problem_at);
  return FALSE;
}
