/* cs-dicom.cc — DICOM images and cines read through GDCM (the only C++ of the media layer)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GDCM reads the file once at open. What decoding needs is then copied out of GDCM's objects
 * into plain members (the header's facts, each frame's bytes, the gray table of one-sample
 * pixels), and the reader is dropped: GDCM's values are shared through reference counts that are
 * not atomic, so a frame is decoded by a GDCM image of its own, built from copied bytes, and
 * nothing of GDCM is shared between threads.
 */
#include "config.h"

#include "cs-dicom.h"

#include "cs-dicom-check.h"

#include "cs-error.h"
#include "cs-sweep.h"

#include <gdcmByteValue.h>
#include <gdcmDataSet.h>
#include <gdcmFragment.h>
#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <gdcmLookupTable.h>
#include <gdcmSequenceOfFragments.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmTrace.h>
#include <gdcmTransferSyntax.h>
#include <gdcmUIDs.h>

#include <cmath>
#include <cstring>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

struct _CsDicom {
  std::string display; /* The file's name for messages. */
  std::string sop_uid, sop_name, ts_uid, ts_name, photometric, laterality;
  int width = 0, height = 0, n_frames = 1;
  int bits_allocated = 0, bits_stored = 0, samples = 1, planar = 0;
  bool is_signed = false;

  /* What one frame's GDCM image is built from. */
  gdcm::TransferSyntax ts;
  gdcm::PixelFormat pixel_format;
  gdcm::PhotometricInterpretation pi;
  bool need_byte_swap = false;
  std::string native;                              /* Native: every frame's bytes. */
  std::size_t frame_bytes = 0;                     /* Native: bytes of one frame. */
  std::vector<std::vector<std::string>> fragments; /* Encapsulated: [frame][fragment]. */

  std::vector<guint8> gray_table; /* One-sample pixels: stored value -> gray. */

  double frame_rate = 0;
  std::vector<double> times; /* [frame] seconds; empty without timing. */
  std::vector<CsDicomRegion> regions;
  double spacing_row = 0, spacing_col = 0;
  bool have_spacing = false, imager_spacing = false;
};

/* ---------------------------------------------------------------------------------------------
 * Reading values out of a data set
 */

/* Returns the text of @tag with the padding trimmed, "" when absent or empty. */
static std::string
text_of(const gdcm::DataSet &ds, uint16_t group, uint16_t element)
{
  gdcm::Tag tag(group, element);

  if (!ds.FindDataElement(tag))
    return "";
  const gdcm::ByteValue *bv = ds.GetDataElement(tag).GetByteValue();
  if (bv == nullptr || bv->GetPointer() == nullptr)
    return "";
  std::string s(bv->GetPointer(), bv->GetLength());
  std::size_t end = s.find_last_not_of(std::string(" \0", 2));
  std::size_t begin = s.find_first_not_of(' ');
  if (end == std::string::npos || begin == std::string::npos || begin > end)
    return "";
  return s.substr(begin, end - begin + 1);
}

/* Parses the backslash-separated decimal strings of @text into @values; FALSE on a bad one. */
static bool
numbers_of(const std::string &text, std::vector<double> &values)
{
  values.clear();
  if (text.empty())
    return false;
  gchar **parts = g_strsplit(text.c_str(), "\\", -1);
  bool ok = true;
  for (gchar **p = parts; *p != nullptr && ok; p++) {
    char *end = nullptr;
    g_strstrip(*p);
    double v = g_ascii_strtod(*p, &end);
    ok = end != *p && *end == '\0' && std::isfinite(v);
    values.push_back(v);
  }
  g_strfreev(parts);
  return ok && !values.empty();
}

/* Returns the first decimal of @tag, or @fallback when absent or not a number. */
static double
number_of(const gdcm::DataSet &ds, uint16_t group, uint16_t element, double fallback)
{
  std::vector<double> values;

  return numbers_of(text_of(ds, group, element), values) ? values[0] : fallback;
}

/* Reads the binary value of @tag (@size bytes: 2 US, 4 UL/SL, 8 FD) into @out in host order.
 * FALSE when absent or shorter than @size. */
static bool
binary_of(const gdcm::DataSet &ds, uint16_t group, uint16_t element, std::size_t size, bool swap,
          unsigned char out[8])
{
  gdcm::Tag tag(group, element);

  if (!ds.FindDataElement(tag))
    return false;
  const gdcm::ByteValue *bv = ds.GetDataElement(tag).GetByteValue();
  if (bv == nullptr || bv->GetPointer() == nullptr || bv->GetLength() < size)
    return false;
  for (std::size_t i = 0; i < size; i++)
    out[i] = (unsigned char)bv->GetPointer()[swap ? size - 1 - i : i];
  return true;
}

static long
us_of(const gdcm::DataSet &ds, uint16_t group, uint16_t element, bool swap, long fallback)
{
  unsigned char b[8];
  uint16_t v;

  if (!binary_of(ds, group, element, 2, swap, b))
    return fallback;
  std::memcpy(&v, b, 2);
  return v;
}

static long
ul_of(const gdcm::DataSet &ds, uint16_t group, uint16_t element, bool swap, bool is_signed,
      long fallback)
{
  unsigned char b[8];
  uint32_t v;

  if (!binary_of(ds, group, element, 4, swap, b))
    return fallback;
  std::memcpy(&v, b, 4);
  return is_signed ? (long)(int32_t)v : (long)v;
}

static double
fd_of(const gdcm::DataSet &ds, uint16_t group, uint16_t element, bool swap)
{
  unsigned char b[8];
  double v;

  if (!binary_of(ds, group, element, 8, swap, b))
    return 0;
  std::memcpy(&v, b, 8);
  return std::isfinite(v) ? v : 0;
}

/* Returns the name of @uid from GDCM's table, or @uid itself. */
static std::string
uid_name(const std::string &uid)
{
  gdcm::UIDs uids;

  if (!uid.empty() && uids.SetFromUID(uid.c_str()) && uids.GetName() != nullptr)
    return uids.GetName();
  return uid;
}

/* ---------------------------------------------------------------------------------------------
 * The header's facts
 */

/* Reads the Sequence of Ultrasound Regions into dicom->regions. */
static void
read_regions(CsDicom *dicom, const gdcm::DataSet &ds, bool swap)
{
  gdcm::Tag tag(0x0018, 0x6011);

  if (!ds.FindDataElement(tag))
    return;
  gdcm::SmartPointer<gdcm::SequenceOfItems> items = ds.GetDataElement(tag).GetValueAsSQ();
  if (!items)
    return;
  for (gdcm::SequenceOfItems::SizeType i = 1; i <= items->GetNumberOfItems(); i++) {
    const gdcm::DataSet &item = items->GetItem(i).GetNestedDataSet();
    CsDicomRegion r;

    r.spatial_format = (int)us_of(item, 0x0018, 0x6012, swap, 0);
    r.data_type = (int)us_of(item, 0x0018, 0x6014, swap, 0);
    r.x0 = (int)CLAMP(ul_of(item, 0x0018, 0x6018, swap, false, 0), 0, G_MAXINT);
    r.y0 = (int)CLAMP(ul_of(item, 0x0018, 0x601a, swap, false, 0), 0, G_MAXINT);
    r.x1 = (int)CLAMP(ul_of(item, 0x0018, 0x601c, swap, false, 0), 0, G_MAXINT);
    r.y1 = (int)CLAMP(ul_of(item, 0x0018, 0x601e, swap, false, 0), 0, G_MAXINT);
    r.units_x = (int)us_of(item, 0x0018, 0x6024, swap, 0);
    r.units_y = (int)us_of(item, 0x0018, 0x6026, swap, 0);
    r.delta_x = fd_of(item, 0x0018, 0x602c, swap);
    r.delta_y = fd_of(item, 0x0018, 0x602e, swap);
    dicom->regions.push_back(r);
  }
}

/* Frame timing from Frame Time, Frame Time Vector, Cine Rate or Recommended Display Frame Rate. */
static void
read_timing(CsDicom *dicom, const gdcm::DataSet &ds)
{
  std::vector<double> vector;
  double frame_ms = number_of(ds, 0x0018, 0x1063, 0);

  dicom->times.clear();
  if (!(frame_ms > 0) && numbers_of(text_of(ds, 0x0018, 0x1065), vector) &&
      (int)vector.size() == dicom->n_frames && dicom->n_frames > 1) {
    double t = 0;
    bool ok = true;
    for (int i = 0; i < dicom->n_frames && ok; i++) {
      ok = vector[i] >= 0 && (i == 0 || vector[i] > 0);
      t += i == 0 ? 0 : vector[i] / 1000.0;
      dicom->times.push_back(t);
    }
    if (ok && t > 0) {
      dicom->frame_rate = (dicom->n_frames - 1) / t;
      return;
    }
    dicom->times.clear();
  }
  if (!(frame_ms > 0)) {
    double rate = number_of(ds, 0x0018, 0x0040, 0);
    if (!(rate > 0))
      rate = number_of(ds, 0x0008, 0x2144, 0);
    if (rate > 0 && rate <= 10000)
      frame_ms = 1000.0 / rate;
  }
  if (frame_ms > 0 && frame_ms < 1e6) {
    dicom->frame_rate = 1000.0 / frame_ms;
    for (int i = 0; i < dicom->n_frames; i++)
      dicom->times.push_back(i * frame_ms / 1000.0);
  }
}

static void
read_spacing(CsDicom *dicom, const gdcm::DataSet &ds)
{
  std::vector<double> v;

  if (numbers_of(text_of(ds, 0x0028, 0x0030), v) && v.size() >= 2 && v[0] > 0 && v[1] > 0) {
    dicom->have_spacing = true;
  } else if (numbers_of(text_of(ds, 0x0018, 0x1164), v) && v.size() >= 2 && v[0] > 0 && v[1] > 0) {
    dicom->have_spacing = dicom->imager_spacing = true;
  }
  if (dicom->have_spacing) {
    dicom->spacing_row = v[0];
    dicom->spacing_col = v[1];
  }
}

static void
read_laterality(CsDicom *dicom, const gdcm::DataSet &ds)
{
  std::string side = text_of(ds, 0x0020, 0x0062);

  if (side.empty())
    side = text_of(ds, 0x0020, 0x0060);
  if (side == "L" || side == "R" || side == "B")
    dicom->laterality = side;
}

/* ---------------------------------------------------------------------------------------------
 * Pixel data: each frame's bytes
 */

/* Copies the native pixel data, checking that it holds every frame. */
static bool
take_native(CsDicom *dicom, const gdcm::DataElement &pixels, GError **error)
{
  const gdcm::ByteValue *bv = pixels.GetByteValue();
  std::size_t bits = (std::size_t)dicom->width * (std::size_t)dicom->height *
                     (std::size_t)dicom->samples * (std::size_t)dicom->bits_allocated;
  std::size_t need;

  if (dicom->bits_allocated % 8 != 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "“%s” stores %d-bit pixels; Carpalscope reads 8- and 16-bit pixels",
                dicom->display.c_str(), dicom->bits_allocated);
    return false;
  }
  dicom->frame_bytes = bits / 8;
  if (dicom->pi == gdcm::PhotometricInterpretation::YBR_FULL_422 && dicom->samples == 3)
    dicom->frame_bytes = dicom->frame_bytes * 2 / 3;
  need = dicom->frame_bytes * (std::size_t)dicom->n_frames;
  if (bv == nullptr || bv->GetPointer() == nullptr || bv->GetLength() < need) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s” is damaged: its pixel data holds %lu bytes, but %d rows × %d columns × %d "
                "frames need %lu",
                dicom->display.c_str(), bv != nullptr ? (unsigned long)bv->GetLength() : 0UL,
                dicom->height, dicom->width, dicom->n_frames, (unsigned long)need);
    return false;
  }
  dicom->native.assign(bv->GetPointer(), need);
  return true;
}

/* Returns TRUE when @fragment begins a JPEG, JPEG-LS or JPEG 2000 code stream. */
static bool
starts_codestream(const std::string &fragment)
{
  const unsigned char *b = (const unsigned char *)fragment.data();

  return fragment.size() >= 2 && b[0] == 0xff && (b[1] == 0xd8 || b[1] == 0x4f);
}

/* Splits the encapsulated pixel data into frames: one fragment each, or by the Basic Offset
 * Table, or by where each code stream starts. */
static bool
take_fragments(CsDicom *dicom, const gdcm::SequenceOfFragments &sq, GError **error)
{
  std::vector<std::string> all;
  std::vector<std::size_t> starts; /* Offset of each fragment's item from the first. */
  std::size_t offset = 0;
  int n = dicom->n_frames;

  for (gdcm::SequenceOfFragments::SizeType i = 0; i < sq.GetNumberOfFragments(); i++) {
    const gdcm::ByteValue *bv = sq.GetFragment(i).GetByteValue();
    std::string bytes = bv != nullptr && bv->GetPointer() != nullptr
                            ? std::string(bv->GetPointer(), bv->GetLength())
                            : std::string();
    starts.push_back(offset);
    offset += 8 + bytes.size();
    all.push_back(std::move(bytes));
  }
  dicom->fragments.assign((std::size_t)n, std::vector<std::string>());
  if (n == 1 || all.size() == (std::size_t)n) {
    for (std::size_t i = 0; i < all.size(); i++)
      dicom->fragments[n == 1 ? 0 : i].push_back(all[i]);
  } else {
    const gdcm::ByteValue *table = sq.GetTable().GetByteValue();
    std::vector<std::size_t> frame_starts;
    if (table != nullptr && table->GetLength() == 4 * (std::size_t)n) {
      for (int f = 0; f < n; f++) {
        uint32_t v;
        std::memcpy(&v, table->GetPointer() + 4 * f, 4);
        frame_starts.push_back(v);
      }
    } else {
      for (std::size_t i = 0; i < all.size(); i++)
        if (starts_codestream(all[i]))
          frame_starts.push_back(starts[i]);
    }
    int frame = -1;
    for (std::size_t i = 0; i < all.size() && frame_starts.size() == (std::size_t)n; i++) {
      while (frame + 1 < n && frame_starts[(std::size_t)frame + 1] == starts[i])
        frame++;
      if (frame < 0)
        break;
      dicom->fragments[(std::size_t)frame].push_back(all[i]);
    }
  }
  for (int f = 0; f < n; f++) {
    if (dicom->fragments[(std::size_t)f].empty() || dicom->fragments[(std::size_t)f][0].empty()) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "“%s” is damaged: its %u compressed fragments do not hold its %d frames "
                  "(frame %d has no data)",
                  dicom->display.c_str(), (unsigned)all.size(), n, f);
      return false;
    }
  }
  return true;
}

/* Checks the RLE header of every frame (PS3.5 G.5): GDCM divides by its segment count and
 * trusts its offsets, so a damaged header would crash the program instead of failing. */
static bool
check_rle_headers(const CsDicom *dicom, GError **error)
{
  uint32_t expected = (uint32_t)dicom->samples * (uint32_t)(dicom->bits_allocated / 8);

  for (std::size_t f = 0; f < dicom->fragments.size(); f++) {
    const std::vector<std::string> &parts = dicom->fragments[f];
    const std::string &first = parts[0];
    std::size_t size = 0;
    uint32_t header[16];
    bool ok = first.size() >= sizeof header;

    for (const std::string &part : parts)
      size += part.size();
    if (ok) {
      std::memcpy(header, first.data(), sizeof header);
      ok = GUINT32_FROM_LE(header[0]) == expected && GUINT32_FROM_LE(header[1]) == 64;
      for (uint32_t i = 1; ok && i <= expected; i++) {
        uint32_t offset = GUINT32_FROM_LE(header[i]);
        ok = offset < size && (i == 1 || offset > GUINT32_FROM_LE(header[i - 1]));
      }
    }
    if (!ok) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "“%s” is damaged: frame %u's RLE header does not describe %u segments inside "
                  "its %lu bytes",
                  dicom->display.c_str(), (unsigned)f, (unsigned)expected, (unsigned long)size);
      return false;
    }
  }
  return true;
}

/* ---------------------------------------------------------------------------------------------
 * Decoding one frame
 */

/* Decodes frame @index with GDCM into @out; sets the photometric interpretation and planar
 * configuration the decoder delivered (a JPEG decoder hands YBR back as RGB). */
static bool
decode_frame(const CsDicom *dicom, int index, std::vector<char> &out,
             gdcm::PhotometricInterpretation &pi, unsigned int &planar)
{
  gdcm::Image image;
  gdcm::DataElement pixels(gdcm::Tag(0x7fe0, 0x0010));

  image.SetNumberOfDimensions(2);
  image.SetDimension(0, (unsigned)dicom->width);
  image.SetDimension(1, (unsigned)dicom->height);
  image.SetPixelFormat(dicom->pixel_format);
  image.SetPhotometricInterpretation(dicom->pi);
  image.SetPlanarConfiguration((unsigned)dicom->planar);
  image.SetTransferSyntax(dicom->ts);
  image.SetNeedByteSwap(dicom->need_byte_swap);
  if (dicom->ts.IsEncapsulated()) {
    gdcm::SmartPointer<gdcm::SequenceOfFragments> sq = new gdcm::SequenceOfFragments;
    for (const std::string &bytes : dicom->fragments[(std::size_t)index]) {
      gdcm::Fragment fragment;
      fragment.SetByteValue(bytes.data(), (uint32_t)bytes.size());
      sq->AddFragment(fragment);
    }
    pixels.SetValue(*sq);
    pixels.SetVLToUndefined(); /* GDCM asserts the VR is still unset here. */
    pixels.SetVR(gdcm::VR::OB);
  } else {
    pixels.SetVR(dicom->bits_allocated > 8 ? gdcm::VR::OW : gdcm::VR::OB);
    pixels.SetByteValue(dicom->native.data() + dicom->frame_bytes * (std::size_t)index,
                        (uint32_t)dicom->frame_bytes);
  }
  image.SetDataElement(pixels);
  out.assign(image.GetBufferLength(), 0);
  if (out.empty() || !image.GetBuffer(out.data()))
    return false;
  pi = image.GetPhotometricInterpretation();
  planar = image.GetPlanarConfiguration();
  return true;
}

static inline guint8
luma(double r, double g, double b)
{
  double y = 0.299 * r + 0.587 * g + 0.114 * b;

  return (guint8)CLAMP(lround(y), 0, 255);
}

/* Reduces three 8-bit samples a pixel to gray. */
static bool
colour_to_gray(const CsDicom *dicom, const std::vector<char> &raw,
               gdcm::PhotometricInterpretation pi, unsigned planar, guint8 *gray)
{
  const guint8 *p = (const guint8 *)raw.data();
  std::size_t n = (std::size_t)dicom->width * (std::size_t)dicom->height;
  bool is_ybr = pi == gdcm::PhotometricInterpretation::YBR_FULL ||
                pi == gdcm::PhotometricInterpretation::YBR_FULL_422;

  if (pi == gdcm::PhotometricInterpretation::YBR_FULL_422 && raw.size() == 2 * n) {
    /* Native 4:2:2: Y0 Y1 Cb Cr for each pair of pixels; gray is the Y. */
    for (std::size_t i = 0; i < n; i++)
      gray[i] = p[(i / 2) * 4 + (i % 2)];
    return true;
  }
  if (raw.size() < 3 * n)
    return false;
  for (std::size_t i = 0; i < n; i++) {
    guint8 a = planar ? p[i] : p[3 * i];
    guint8 b = planar ? p[n + i] : p[3 * i + 1];
    guint8 c = planar ? p[2 * n + i] : p[3 * i + 2];
    gray[i] = is_ybr ? a : luma(a, b, c);
  }
  return true;
}

/* Reads one-sample pixel @i of @raw as an index into the gray table. */
static inline std::size_t
sample_of(const CsDicom *dicom, const std::vector<char> &raw, std::size_t i)
{
  if (dicom->bits_allocated == 8)
    return (guint8)raw[i];
  uint16_t v;
  std::memcpy(&v, raw.data() + 2 * i, 2);
  return v;
}

static bool
decode_gray(const CsDicom *dicom, int index, guint8 *gray, GError **error)
{
  std::vector<char> raw;
  gdcm::PhotometricInterpretation pi;
  unsigned planar = 0;
  std::size_t n = (std::size_t)dicom->width * (std::size_t)dicom->height;

  if (!decode_frame(dicom, index, raw, pi, planar)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s”: frame %d cannot be decoded (%s): its compressed data is damaged",
                dicom->display.c_str(), index, dicom->ts_name.c_str());
    return false;
  }
  if (dicom->samples == 3) {
    if (!colour_to_gray(dicom, raw, pi, planar, gray)) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "“%s”: frame %d decoded to %lu bytes, too few for %d × %d colour pixels",
                  dicom->display.c_str(), index, (unsigned long)raw.size(), dicom->width,
                  dicom->height);
      return false;
    }
    return true;
  }
  if (raw.size() < n * (std::size_t)(dicom->bits_allocated / 8)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s”: frame %d decoded to %lu bytes, too few for %d × %d pixels",
                dicom->display.c_str(), index, (unsigned long)raw.size(), dicom->width,
                dicom->height);
    return false;
  }
  for (std::size_t i = 0; i < n; i++)
    gray[i] = dicom->gray_table[sample_of(dicom, raw, i) & (dicom->gray_table.size() - 1)];
  return true;
}

/* ---------------------------------------------------------------------------------------------
 * The gray table of one-sample pixels
 */

/* Palette: every index through GDCM's lookup table, then to luma. */
static bool
build_palette_table(CsDicom *dicom, const gdcm::LookupTable &lut)
{
  std::size_t n = dicom->gray_table.size();
  std::vector<char> in(n * (dicom->bits_allocated / 8));
  std::vector<char> out;
  bool rgb8 = lut.IsRGB8();

  for (std::size_t i = 0; i < n; i++) {
    if (dicom->bits_allocated == 8) {
      in[i] = (char)i;
    } else {
      uint16_t v = (uint16_t)i;
      std::memcpy(in.data() + 2 * i, &v, 2);
    }
  }
  out.assign(n * 3 * (rgb8 ? 1 : 2), 0);
  if (!lut.Initialized() || !lut.Decode(out.data(), out.size(), in.data(), in.size()))
    return false;
  for (std::size_t i = 0; i < n; i++) {
    double c[3];
    for (int k = 0; k < 3; k++) {
      if (rgb8) {
        c[k] = (guint8)out[3 * i + k];
      } else {
        uint16_t v;
        std::memcpy(&v, out.data() + 2 * (3 * i + k), 2);
        c[k] = v * (255.0 / 65535.0);
      }
    }
    dicom->gray_table[i] = luma(c[0], c[1], c[2]);
  }
  return true;
}

/* Monochrome: stored value -> modality rescale -> VOI window (or @lo..@hi) -> gray, inverted for
 * MONOCHROME1. */
static void
build_mono_table(CsDicom *dicom, const gdcm::DataSet &ds, double lo, double hi)
{
  std::size_t n = dicom->gray_table.size();
  double slope = number_of(ds, 0x0028, 0x1053, 1.0);
  double intercept = number_of(ds, 0x0028, 0x1052, 0.0);
  double centre = number_of(ds, 0x0028, 0x1050, NAN);
  double width = number_of(ds, 0x0028, 0x1051, NAN);
  bool invert = dicom->pi == gdcm::PhotometricInterpretation::MONOCHROME1;

  if (slope == 0)
    slope = 1;
  if (!(width >= 1) || !std::isfinite(centre)) {
    /* No window: the stored range of 8-bit pixels, else frame 0's range after rescale. */
    if (dicom->bits_stored <= 8 && !dicom->is_signed) {
      lo = intercept;
      hi = slope * 255 + intercept;
    }
    if (hi < lo)
      std::swap(lo, hi);
    centre = (lo + hi) / 2 + 0.5;
    width = hi - lo + 1;
  }
  for (std::size_t i = 0; i < n; i++) {
    double stored = dicom->is_signed && n == 65536 ? (double)(int16_t)(uint16_t)i : (double)i;
    double x = slope * stored + intercept;
    double y;
    if (width <= 1)
      y = x < centre - 0.5 ? 0 : 255;
    else
      y = ((x - (centre - 0.5)) / (width - 1) + 0.5) * 255.0;
    guint8 g = (guint8)CLAMP(lround(y), 0, 255);
    dicom->gray_table[i] = invert ? (guint8)(255 - g) : g;
  }
}

/* Builds the gray table of one-sample pixels; decodes frame 0 for the range of a monochrome file
 * of more than 8 bits without a window. */
static bool
build_gray_table(CsDicom *dicom, const gdcm::DataSet &ds, const gdcm::LookupTable &lut,
                 GError **error)
{
  dicom->gray_table.assign(dicom->bits_allocated == 8 ? 256 : 65536, 0);
  if (dicom->pi == gdcm::PhotometricInterpretation::PALETTE_COLOR) {
    if (!build_palette_table(dicom, lut)) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "“%s” is damaged: its colour palette cannot be read", dicom->display.c_str());
      return false;
    }
    return true;
  }
  double lo = 0, hi = 255;
  bool windowed = number_of(ds, 0x0028, 0x1051, 0) >= 1;
  if (!windowed && (dicom->bits_stored > 8 || dicom->is_signed)) {
    std::vector<char> raw;
    gdcm::PhotometricInterpretation pi;
    unsigned planar;
    std::size_t n = (std::size_t)dicom->width * (std::size_t)dicom->height;
    double slope = number_of(ds, 0x0028, 0x1053, 1.0), intercept = number_of(ds, 0x0028, 0x1052, 0);
    if (!decode_frame(dicom, 0, raw, pi, planar) || raw.size() < 2 * n) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "“%s”: frame 0 cannot be decoded (%s): its data is damaged",
                  dicom->display.c_str(), dicom->ts_name.c_str());
      return false;
    }
    lo = G_MAXDOUBLE;
    hi = -G_MAXDOUBLE;
    for (std::size_t i = 0; i < n; i++) {
      std::size_t s = sample_of(dicom, raw, i);
      double x = slope * (dicom->is_signed ? (double)(int16_t)(uint16_t)s : (double)s) + intercept;
      lo = MIN(lo, x);
      hi = MAX(hi, x);
    }
  }
  build_mono_table(dicom, ds, lo, hi);
  return true;
}

/* ---------------------------------------------------------------------------------------------
 * Opening
 */

static void
quiet_gdcm_once(void)
{
  static gsize done = 0;

  if (g_once_init_enter(&done)) {
    gdcm::Trace::SetDebug(false);
    gdcm::Trace::SetWarning(false);
    gdcm::Trace::SetError(false);
    g_once_init_leave(&done, 1);
  }
}

/* Explains why GDCM could not read @ds as an image, in one line. */
static void
explain_unreadable(CsDicom *dicom, const gdcm::DataSet &ds, GError **error)
{
  std::string sop = text_of(ds, 0x0008, 0x0016);
  const char *name = dicom->display.c_str();

  if (sop == "1.2.840.10008.1.3.10") {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "“%s” is a DICOMDIR (a folder's index), not an image: import its folder", name);
  } else if (!sop.empty() && !ds.FindDataElement(gdcm::Tag(0x7fe0, 0x0010))) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "“%s” is a DICOM %s, not an image: it holds no pixel data", name,
                uid_name(sop).c_str());
  } else if (ds.FindDataElement(gdcm::Tag(0x0028, 0x0010)) &&
             us_of(ds, 0x0028, 0x0010, false, 1) == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” is damaged: its image has 0 rows", name);
  } else if (ds.FindDataElement(gdcm::Tag(0x0028, 0x0011)) &&
             us_of(ds, 0x0028, 0x0011, false, 1) == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” is damaged: its image has 0 columns",
                name);
  } else {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s” cannot be read as a DICOM image: it is truncated, damaged or not DICOM",
                name);
  }
}

/* Copies the image's facts out of the reader and checks them against Carpalscope's limits. */
static bool
take_facts(CsDicom *dicom, const gdcm::ImageReader &reader, GError **error)
{
  const gdcm::Image &image = reader.GetImage();
  const gdcm::DataSet &ds = reader.GetFile().GetDataSet();
  const unsigned *dims = image.GetDimensions();
  const char *name = dicom->display.c_str();

  dicom->ts = reader.GetFile().GetHeader().GetDataSetTransferSyntax();
  dicom->ts_uid = dicom->ts.GetString() != nullptr ? dicom->ts.GetString() : "";
  dicom->ts_name = uid_name(dicom->ts_uid);
  dicom->sop_uid = text_of(ds, 0x0008, 0x0016);
  dicom->sop_name = uid_name(dicom->sop_uid);
  dicom->pixel_format = image.GetPixelFormat();
  dicom->pi = image.GetPhotometricInterpretation();
  dicom->photometric = gdcm::PhotometricInterpretation::GetPIString(dicom->pi);
  dicom->planar = (int)image.GetPlanarConfiguration();
  dicom->need_byte_swap = image.GetNeedByteSwap();
  dicom->width = (int)MIN(dims[0], (unsigned)G_MAXINT);
  dicom->height = (int)MIN(dims[1], (unsigned)G_MAXINT);
  dicom->n_frames = image.GetNumberOfDimensions() > 2 ? (int)MIN(dims[2], (unsigned)G_MAXINT) : 1;
  dicom->bits_allocated = dicom->pixel_format.GetBitsAllocated();
  dicom->bits_stored = dicom->pixel_format.GetBitsStored();
  dicom->samples = dicom->pixel_format.GetSamplesPerPixel();
  dicom->is_signed = dicom->pixel_format.GetPixelRepresentation() == 1;

  if (dicom->ts.GetString() == nullptr || dicom->ts == gdcm::TransferSyntax::TS_END) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "“%s” uses a transfer syntax Carpalscope cannot decode", name);
    return false;
  }
  if (dicom->width < 1 || dicom->height < 1 || dicom->n_frames < 1) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s” is damaged: its image is %d × %d pixels with %d frames", name, dicom->width,
                dicom->height, dicom->n_frames);
    return false;
  }
  if (dicom->width > CS_SWEEP_MAX_SIDE || dicom->height > CS_SWEEP_MAX_SIDE ||
      dicom->n_frames > CS_SWEEP_MAX_FRAMES) {
    g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE,
                "“%s” is too large: %d × %d pixels, %d frames (at most %d a side, %d frames)", name,
                dicom->width, dicom->height, dicom->n_frames, CS_SWEEP_MAX_SIDE,
                CS_SWEEP_MAX_FRAMES);
    return false;
  }
  bool colour = dicom->samples == 3 && dicom->bits_allocated == 8;
  bool single = dicom->samples == 1 && (dicom->bits_allocated == 8 || dicom->bits_allocated == 16);
  bool pi_ok = dicom->samples == 1 ? (dicom->pi == gdcm::PhotometricInterpretation::MONOCHROME1 ||
                                      dicom->pi == gdcm::PhotometricInterpretation::MONOCHROME2 ||
                                      dicom->pi == gdcm::PhotometricInterpretation::PALETTE_COLOR)
                                   : (dicom->pi == gdcm::PhotometricInterpretation::RGB ||
                                      dicom->pi == gdcm::PhotometricInterpretation::YBR_FULL ||
                                      dicom->pi == gdcm::PhotometricInterpretation::YBR_FULL_422 ||
                                      dicom->pi == gdcm::PhotometricInterpretation::YBR_RCT ||
                                      dicom->pi == gdcm::PhotometricInterpretation::YBR_ICT);
  if (!(colour || single) || !pi_ok) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "“%s” stores %d-bit %s pixels with %d samples; Carpalscope reads 8- and 16-bit "
                "MONOCHROME1/2 and PALETTE COLOR, and 8-bit RGB and YBR",
                name, dicom->bits_allocated,
                dicom->photometric.empty() ? "(no photometric interpretation)"
                                           : dicom->photometric.c_str(),
                dicom->samples);
    return false;
  }
  return true;
}

/* Checks that the native pixel data's declared length fits in the file: GDCM reads a truncated
 * file or a lying length without complaint and fills the missing bytes with zeros. The last
 * Pixel Data tag in the file whose length matches GDCM's is the one read. */
static bool
check_native_length(const CsDicom *dicom, std::size_t declared, const char *data, std::size_t size,
                    GError **error)
{
  bool big = dicom->ts.GetSwapCode() == gdcm::SwapCode::BigEndian;
  const unsigned char little[4] = { 0xe0, 0x7f, 0x10, 0x00 },
                      big_tag[4] = { 0x7f, 0xe0, 0x00, 0x10 };
  const unsigned char *tag = big ? big_tag : little;
  const unsigned char *b = (const unsigned char *)data;

  for (std::size_t at = size >= 12 ? size - 8 : 0; at-- > 0;) {
    if (std::memcmp(b + at, tag, 4) != 0)
      continue;
    bool explicit_vr =
        at + 12 <= size && ((b[at + 4] == 'O' && (b[at + 5] == 'B' || b[at + 5] == 'W')) ||
                            (b[at + 4] == 'U' && b[at + 5] == 'N'));
    std::size_t start = at + (explicit_vr ? 12 : 8);
    const unsigned char *l = b + start - 4;
    uint32_t length =
        big ? (uint32_t)l[0] << 24 | (uint32_t)l[1] << 16 | (uint32_t)l[2] << 8 | l[3]
            : (uint32_t)l[3] << 24 | (uint32_t)l[2] << 16 | (uint32_t)l[1] << 8 | l[0];
    if (length != declared)
      continue;
    if (start + length <= size)
      return true;
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s” is truncated or its pixel data's length lies: it declares %lu bytes, the "
                "file holds %lu",
                dicom->display.c_str(), (unsigned long)length, (unsigned long)(size - start));
    return false;
  }
  if (declared <= size)
    return true;
  g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
              "“%s” is truncated or its pixel data's length lies: it declares %lu bytes in a file "
              "of %lu",
              dicom->display.c_str(), (unsigned long)declared, (unsigned long)size);
  return false;
}

/* Returns TRUE when GDCM decodes @ts (native, deflated, RLE, JPEG, JPEG-LS, JPEG 2000). */
static bool
decodable(const gdcm::TransferSyntax &ts)
{
  switch ((gdcm::TransferSyntax::TSType)ts) {
    case gdcm::TransferSyntax::ImplicitVRLittleEndian:
    case gdcm::TransferSyntax::ExplicitVRLittleEndian:
    case gdcm::TransferSyntax::DeflatedExplicitVRLittleEndian:
    case gdcm::TransferSyntax::ExplicitVRBigEndian:
    case gdcm::TransferSyntax::JPEGBaselineProcess1:
    case gdcm::TransferSyntax::JPEGExtendedProcess2_4:
    case gdcm::TransferSyntax::JPEGLosslessProcess14:
    case gdcm::TransferSyntax::JPEGLosslessProcess14_1:
    case gdcm::TransferSyntax::JPEGLSLossless:
    case gdcm::TransferSyntax::JPEGLSNearLossless:
    case gdcm::TransferSyntax::JPEG2000Lossless:
    case gdcm::TransferSyntax::JPEG2000:
    case gdcm::TransferSyntax::RLELossless:
      return true;
    default:
      return false;
  }
}

static CsDicom *
open_reader(gdcm::ImageReader &reader, const char *data, std::size_t size, const char *display,
            GError **error)
{
  CsDicom *dicom = new CsDicom();
  bool ok = false;

  dicom->display = display;
  try {
    if (!reader.Read()) {
      explain_unreadable(dicom, reader.GetFile().GetDataSet(), error);
    } else if (take_facts(dicom, reader, error)) {
      const gdcm::DataSet &ds = reader.GetFile().GetDataSet();
      const gdcm::DataElement &pixels = reader.GetImage().GetDataElement();
      bool swap = dicom->ts.GetSwapCode() == gdcm::SwapCode::BigEndian;
      const gdcm::SequenceOfFragments *sq = pixels.GetSequenceOfFragments();

      read_regions(dicom, ds, swap);
      read_timing(dicom, ds);
      read_spacing(dicom, ds);
      read_laterality(dicom, ds);
      if (!decodable(dicom->ts)) {
        g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                    "“%s” uses the transfer syntax %s, which Carpalscope cannot decode", display,
                    dicom->ts_name.c_str());
      } else if (dicom->ts.IsEncapsulated() && sq == nullptr) {
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                    "“%s” is damaged: its transfer syntax is compressed (%s) but its pixel data "
                    "is not",
                    display, dicom->ts_name.c_str());
      } else {
        ok = sq != nullptr ? take_fragments(dicom, *sq, error) &&
                                 (dicom->ts != gdcm::TransferSyntax::RLELossless ||
                                  check_rle_headers(dicom, error))
                           : (check_native_length(dicom, pixels.GetVL(), data, size, error) &&
                              take_native(dicom, pixels, error));
        ok = ok && (dicom->samples == 3 ||
                    build_gray_table(dicom, ds, reader.GetImage().GetLUT(), error));
      }
    }
  } catch (const std::exception &e) {
    g_clear_error(error);
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” cannot be read as a DICOM image: %s",
                display, e.what());
    ok = false;
  } catch (...) {
    g_clear_error(error);
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s” cannot be read as a DICOM image: it is damaged", display);
    ok = false;
  }
  if (!ok) {
    delete dicom;
    return nullptr;
  }
  return dicom;
}

/* A read-only stream over bytes in memory (a mapped file), without copying them. */
class ByteStream : public std::streambuf
{
public:
  ByteStream(const char *data, std::size_t size)
  {
    char *p = const_cast<char *>(data);
    setg(p, p, p + size);
  }

protected:
  pos_type seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode) override
  {
    off_type base = dir == std::ios_base::beg   ? 0
                    : dir == std::ios_base::cur ? gptr() - eback()
                                                : egptr() - eback();
    if (base + off < 0)
      return pos_type(off_type(-1));
    /* Like a file, a seek past the end succeeds and the next read meets the end: GDCM asserts
     * on a stream that fails anywhere else than at its end. */
    setg(eback(), eback() + MIN(base + off, egptr() - eback()), egptr());
    return pos_type(base + off);
  }

  pos_type seekpos(pos_type pos, std::ios_base::openmode mode) override
  {
    return seekoff(off_type(pos), std::ios_base::beg, mode);
  }
};

/* Opens a whole DICOM file held in memory. */
static CsDicom *
open_bytes(const char *data, std::size_t size, const char *display, GError **error)
{
  ByteStream buffer(data, size);
  std::istream stream(&buffer);
  gdcm::ImageReader reader;

  if (!cs_dicom_check_structure((const guint8 *)data, size, display, error))
    return nullptr;
  quiet_gdcm_once();
  reader.SetStream(stream);
  return open_reader(reader, data, size, display, error);
}

/* ---------------------------------------------------------------------------------------------
 * The C API
 */

extern "C" {

CsDicom *
cs_dicom_open(const char *path, GError **error)
{
  g_return_val_if_fail(path != nullptr, nullptr);
  g_autofree char *display = g_filename_display_name(path);
  g_autoptr(GError) local = nullptr;
  GMappedFile *mapped = g_mapped_file_new(path, FALSE, &local);
  CsDicom *dicom;

  if (mapped == nullptr) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "Cannot open “%s”: %s", display, local->message);
    return nullptr;
  }
  dicom = open_bytes(g_mapped_file_get_contents(mapped), g_mapped_file_get_length(mapped), display,
                     error);
  g_mapped_file_unref(mapped);
  return dicom;
}

CsDicom *
cs_dicom_open_memory(const guint8 *data, gsize size, const char *name, GError **error)
{
  return open_bytes((const char *)data, size, name != nullptr ? name : "(memory)", error);
}

void
cs_dicom_free(CsDicom *dicom)
{
  delete dicom;
}

gboolean
cs_dicom_sniff(const char *path)
{
  char head[132];
  FILE *file;
  gsize got = 0;
  g_autofree char *lower = g_ascii_strdown(path, -1);

  if (g_str_has_suffix(lower, ".dcm") || g_str_has_suffix(lower, ".dicom"))
    return TRUE;
  file = fopen(path, "rb");
  if (file == nullptr)
    return FALSE;
  got = fread(head, 1, sizeof head, file);
  fclose(file);
  return got == sizeof head && std::memcmp(head + 128, "DICM", 4) == 0;
}

const char *
cs_dicom_get_sop_class_uid(CsDicom *dicom)
{
  return dicom->sop_uid.c_str();
}

const char *
cs_dicom_get_sop_class_name(CsDicom *dicom)
{
  return dicom->sop_name.c_str();
}

const char *
cs_dicom_get_transfer_syntax_uid(CsDicom *dicom)
{
  return dicom->ts_uid.c_str();
}

const char *
cs_dicom_get_transfer_syntax_name(CsDicom *dicom)
{
  return dicom->ts_name.c_str();
}

int
cs_dicom_get_width(CsDicom *dicom)
{
  return dicom->width;
}

int
cs_dicom_get_height(CsDicom *dicom)
{
  return dicom->height;
}

int
cs_dicom_get_n_frames(CsDicom *dicom)
{
  return dicom->n_frames;
}

int
cs_dicom_get_bits_allocated(CsDicom *dicom)
{
  return dicom->bits_allocated;
}

int
cs_dicom_get_bits_stored(CsDicom *dicom)
{
  return dicom->bits_stored;
}

int
cs_dicom_get_samples_per_pixel(CsDicom *dicom)
{
  return dicom->samples;
}

const char *
cs_dicom_get_photometric(CsDicom *dicom)
{
  return dicom->photometric.c_str();
}

double
cs_dicom_get_frame_rate(CsDicom *dicom)
{
  return dicom->frame_rate;
}

double
cs_dicom_get_frame_time(CsDicom *dicom, int index)
{
  g_return_val_if_fail(index >= 0 && index < dicom->n_frames, -1);
  return dicom->times.empty() ? -1 : dicom->times[(std::size_t)index];
}

int
cs_dicom_get_n_regions(CsDicom *dicom)
{
  return (int)dicom->regions.size();
}

const CsDicomRegion *
cs_dicom_get_region(CsDicom *dicom, int index)
{
  g_return_val_if_fail(index >= 0 && index < (int)dicom->regions.size(), nullptr);
  return &dicom->regions[(std::size_t)index];
}

gboolean
cs_dicom_get_pixel_spacing(CsDicom *dicom, double *row_mm, double *col_mm, gboolean *imager)
{
  if (row_mm != nullptr)
    *row_mm = dicom->spacing_row;
  if (col_mm != nullptr)
    *col_mm = dicom->spacing_col;
  if (imager != nullptr)
    *imager = dicom->imager_spacing;
  return dicom->have_spacing;
}

const char *
cs_dicom_get_laterality(CsDicom *dicom)
{
  return dicom->laterality.empty() ? nullptr : dicom->laterality.c_str();
}

gboolean
cs_dicom_decode_gray(CsDicom *dicom, int index, guint8 *gray, GError **error)
{
  g_return_val_if_fail(dicom != nullptr && gray != nullptr, FALSE);
  if (index < 0 || index >= dicom->n_frames) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND,
                "Frame %d does not exist: “%s” has frames 0 to %d", index, dicom->display.c_str(),
                dicom->n_frames - 1);
    return FALSE;
  }
  try {
    return decode_gray(dicom, index, gray, error);
  } catch (...) {
    g_clear_error(error);
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s”: frame %d cannot be decoded: its data is damaged", dicom->display.c_str(),
                index);
    return FALSE;
  }
}

} /* extern "C" */
