/* cs-dicom-pixels.cc — DICOM pixel data: each frame's bytes, the gray table and decoding a frame
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A frame is decoded by a GDCM image of its own, built from bytes copied out of the file at open,
 * so no GDCM object is shared between the threads that decode.
 */
#include "config.h"

#include "cs-dicom-private.hh"

#include "cs-error.h"

#include <gdcmByteValue.h>
#include <gdcmFragment.h>
#include <gdcmImage.h>

#include <cmath>
#include <cstring>

namespace cs_dicom_internal
{

/* ---------------------------------------------------------------------------------------------
 * Pixel data: each frame's bytes
 */

/* Copies the native pixel data, checking that it holds every frame. */
bool
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
bool
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
bool
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

bool
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
bool
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

} /* namespace cs_dicom_internal */
