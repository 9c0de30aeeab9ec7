/* cs-dicom.cc — DICOM images and cines read through GDCM (the only C++ of the media layer)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GDCM reads the file once at open. What decoding needs is then copied out of GDCM's objects
 * into plain members (the header's facts here; each frame's bytes and the gray table of
 * one-sample pixels in cs-dicom-pixels.cc), and the reader is dropped: GDCM's values are shared
 * through reference counts that are not atomic, so a frame is decoded by a GDCM image of its own,
 * built from copied bytes, and nothing of GDCM is shared between threads.
 */
#include "config.h"

#include "cs-dicom.h"

#include "cs-dicom-check.h"
#include "cs-dicom-private.hh"

#include "cs-error.h"
#include "cs-sweep.h"

#include <gdcmByteValue.h>
#include <gdcmDataSet.h>
#include <gdcmFragment.h>
#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <gdcmLookupTable.h>
#include <gdcmReader.h>
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

/* ---------------------------------------------------------------------------------------------
 * Reading values out of a data set
 */

namespace cs_dicom_internal
{

/* Returns the text of @tag with the padding trimmed, "" when absent or empty. */
std::string
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
bool
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
double
number_of(const gdcm::DataSet &ds, uint16_t group, uint16_t element, double fallback)
{
  std::vector<double> values;

  return numbers_of(text_of(ds, group, element), values) ? values[0] : fallback;
}

} /* namespace cs_dicom_internal */

using namespace cs_dicom_internal;

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

/* Returns the first item of the sequence @tag of @ds, or nullptr. */
static const gdcm::DataSet *
first_item(const gdcm::DataSet &ds, uint16_t group, uint16_t element,
           gdcm::SmartPointer<gdcm::SequenceOfItems> &items)
{
  gdcm::Tag tag(group, element);

  if (!ds.FindDataElement(tag))
    return nullptr;
  items = ds.GetDataElement(tag).GetValueAsSQ();
  if (!items || items->GetNumberOfItems() < 1)
    return nullptr;
  return &items->GetItem(1).GetNestedDataSet();
}

/* Reads the Pixel Spacing of the Pixel Measures (0028,9110) of one functional groups item. */
static bool
measured_spacing(const gdcm::DataSet &groups, std::vector<double> &v)
{
  gdcm::SmartPointer<gdcm::SequenceOfItems> items;
  const gdcm::DataSet *measures = first_item(groups, 0x0028, 0x9110, items);

  return measures != nullptr && numbers_of(text_of(*measures, 0x0028, 0x0030), v) &&
         v.size() >= 2 && v[0] > 0 && v[1] > 0;
}

/* Pixel Spacing from an enhanced image's functional groups: the Shared Functional Groups', else
 * the Per-frame Functional Groups' when every frame gives the same. Frames that differ give none
 * for the image, set spacing_varies and keep each frame's in frame_spacing. */
static bool
functional_spacing(CsDicom *dicom, const gdcm::DataSet &ds, std::vector<double> &v)
{
  gdcm::SmartPointer<gdcm::SequenceOfItems> shared, frames;
  const gdcm::DataSet *groups = first_item(ds, 0x5200, 0x9229, shared);
  std::vector<double> each;

  if (groups != nullptr && measured_spacing(*groups, v))
    return true;
  if (first_item(ds, 0x5200, 0x9230, frames) == nullptr ||
      frames->GetNumberOfItems() != (gdcm::SequenceOfItems::SizeType)dicom->n_frames)
    return false;
  for (gdcm::SequenceOfItems::SizeType i = 1; i <= frames->GetNumberOfItems(); i++) {
    if (!measured_spacing(frames->GetItem(i).GetNestedDataSet(), each)) {
      dicom->frame_spacing.clear();
      return false;
    }
    dicom->frame_spacing.push_back(each[0]);
    dicom->frame_spacing.push_back(each[1]);
    dicom->spacing_varies = dicom->spacing_varies ||
                            std::fabs(each[0] - dicom->frame_spacing[0]) > 1e-6 * each[0] ||
                            std::fabs(each[1] - dicom->frame_spacing[1]) > 1e-6 * each[1];
  }
  if (dicom->spacing_varies)
    return false;
  v.assign(dicom->frame_spacing.begin(), dicom->frame_spacing.begin() + 2);
  dicom->frame_spacing.clear();
  return true;
}

static void
read_spacing(CsDicom *dicom, const gdcm::DataSet &ds)
{
  std::vector<double> v;

  if ((numbers_of(text_of(ds, 0x0028, 0x0030), v) && v.size() >= 2 && v[0] > 0 && v[1] > 0) ||
      functional_spacing(dicom, ds, v)) {
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
/* The reason in a GDCM exception, on one line: its text after the source location GDCM puts on a
 * line of its own ("./Source/Common/gdcmException.h:74 ():\nOut of Range"). */
static std::string
exception_reason(const std::exception &e)
{
  std::string text = e.what();
  size_t newline = text.find_last_of('\n');
  size_t start, end;

  if (newline != std::string::npos)
    text = text.substr(newline + 1);
  start = text.find_first_not_of(" \t\r");
  end = text.find_last_not_of(" \t\r");
  if (start == std::string::npos)
    return "it is damaged";
  text = text.substr(start, end - start + 1);
  for (char &c : text)
    if (c == '\r' || c == '\t')
      c = ' ';
  return text;
}

static void
explain_unreadable(CsDicom *dicom, const gdcm::DataSet &ds, GError **error)
{
  std::string sop = text_of(ds, 0x0008, 0x0016);
  const char *name = dicom->display.c_str();

  if (sop == "1.2.840.10008.1.3.10") {
    g_set_error(
        error, CS_ERROR, CS_ERROR_UNSUPPORTED,
        "“%s” is a DICOMDIR (a folder's index), not an image: open the image files of its folder",
        name);
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
  dicom->modality = text_of(ds, 0x0008, 0x0060);
  dicom->pixel_format = image.GetPixelFormat();
  dicom->pi = image.GetPhotometricInterpretation();
  {
    const char *pi = gdcm::PhotometricInterpretation::GetPIString(dicom->pi);
    dicom->photometric = pi != nullptr ? pi : ""; /* NULL for one GDCM does not know. */
  }
  dicom->planar = (int)image.GetPlanarConfiguration();
  dicom->need_byte_swap = image.GetNeedByteSwap();
  dicom->width = (int)MIN(dims[0], (unsigned)G_MAXINT);
  dicom->height = (int)MIN(dims[1], (unsigned)G_MAXINT);
  dicom->n_frames = image.GetNumberOfDimensions() > 2 ? (int)MIN(dims[2], (unsigned)G_MAXINT) : 1;
  dicom->bits_allocated = dicom->pixel_format.GetBitsAllocated();
  /* Not PixelFormat::GetBitsStored(): it asserts that the file's value is sensible. */
  dicom->bits_stored = (int)us_of(ds, 0x0028, 0x0101, false, dicom->bits_allocated);
  dicom->samples = dicom->pixel_format.GetSamplesPerPixel();
  dicom->is_signed = dicom->pixel_format.GetPixelRepresentation() == 1;

  if (dicom->ts.GetString() == nullptr || dicom->ts == gdcm::TransferSyntax::TS_END) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "“%s” uses a transfer syntax Carpalscope cannot decode", name);
    return false;
  }
  if (dicom->bits_stored < 1 || dicom->bits_stored > dicom->bits_allocated) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s” is damaged: it stores %d bits in samples of %d", name, dicom->bits_stored,
                dicom->bits_allocated);
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
      /* GDCM hands a big-endian data set's binary values back in host order. */
      bool swap = false;
      const gdcm::SequenceOfFragments *sq = pixels.GetSequenceOfFragments();

      read_regions(dicom, ds, swap);
      read_timing(dicom, ds);
      read_spacing(dicom, ds);
      read_laterality(dicom, ds);
      read_patient(dicom, ds);
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
                display, exception_reason(e).c_str());
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
 * DICOMDIR
 */

/* The Media Storage Directory Storage SOP class: a DICOMDIR. */
#define DICOMDIR_SOP "1.2.840.10008.1.3.10"

/* Adds the Referenced File ID (0004,1500) of every record of @records to @files, once each, with
 * its components joined by "/". */
static void
take_file_ids(const gdcm::SequenceOfItems &records, GPtrArray *files, GHashTable *seen)
{
  for (gdcm::SequenceOfItems::SizeType i = 1; i <= records.GetNumberOfItems(); i++) {
    std::string id = text_of(records.GetItem(i).GetNestedDataSet(), 0x0004, 0x1500);

    if (id.empty())
      continue;
    g_auto(GStrv) parts = g_strsplit(id.c_str(), "\\", -1);
    for (char **p = parts; *p != nullptr; p++)
      g_strstrip(*p);
    char *joined = g_strjoinv("/", parts);
    if (g_hash_table_contains(seen, joined)) {
      g_free(joined);
      continue;
    }
    g_hash_table_add(seen, joined);
    g_ptr_array_add(files, g_strdup(joined));
  }
}

/* Reads a whole DICOMDIR held in memory. */
static GPtrArray *
read_dir_bytes(const char *data, std::size_t size, const char *display, GError **error)
{
  ByteStream buffer(data, size);
  std::istream stream(&buffer);
  gdcm::Reader reader;

  if (!cs_dicom_check_structure((const guint8 *)data, size, display, error))
    return nullptr;
  quiet_gdcm_once();
  reader.SetStream(stream);
  try {
    if (!reader.Read()) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "“%s” cannot be read as a DICOMDIR: it is truncated, damaged or not DICOM",
                  display);
      return nullptr;
    }
    const gdcm::DataSet &ds = reader.GetFile().GetDataSet();
    std::string sop = text_of(reader.GetFile().GetHeader(), 0x0002, 0x0002);
    if (sop.empty())
      sop = text_of(ds, 0x0008, 0x0016);
    gdcm::Tag tag(0x0004, 0x1220);
    if (sop != DICOMDIR_SOP || !ds.FindDataElement(tag)) {
      g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                  "“%s” is not a DICOMDIR: it holds no directory records", display);
      return nullptr;
    }
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, nullptr);
    gdcm::SmartPointer<gdcm::SequenceOfItems> records = ds.GetDataElement(tag).GetValueAsSQ();
    if (records)
      take_file_ids(*records, files, seen);
    return files;
  } catch (...) {
    g_clear_error(error);
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s” cannot be read as a DICOMDIR: it is damaged", display);
    return nullptr;
  }
}

/* Maps the file at @path and reads it whole with @read, which names it by its display name. */
template <typename T>
static T *
read_mapped(const char *path, T *(*read)(const char *, std::size_t, const char *, GError **),
            GError **error)
{
  g_autofree char *display = g_filename_display_name(path);
  g_autoptr(GError) local = nullptr;
  GMappedFile *mapped = g_mapped_file_new(path, FALSE, &local);
  T *result;

  if (mapped == nullptr) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "Cannot open “%s”: %s", display, local->message);
    return nullptr;
  }
  result =
      read(g_mapped_file_get_contents(mapped), g_mapped_file_get_length(mapped), display, error);
  g_mapped_file_unref(mapped);
  return result;
}

/* ---------------------------------------------------------------------------------------------
 * The C API
 */

extern "C" {

CsDicom *
cs_dicom_open(const char *path, GError **error)
{
  g_return_val_if_fail(path != nullptr, nullptr);
  return read_mapped(path, open_bytes, error);
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

gboolean
cs_dicom_get_spacing_varies(CsDicom *dicom)
{
  return dicom->spacing_varies;
}

gboolean
cs_dicom_get_frame_pixel_spacing(CsDicom *dicom, int index, double *row_mm, double *col_mm)
{
  g_return_val_if_fail(index >= 0 && index < dicom->n_frames, FALSE);
  if (dicom->frame_spacing.empty())
    return FALSE;
  if (row_mm != nullptr)
    *row_mm = dicom->frame_spacing[2 * (std::size_t)index];
  if (col_mm != nullptr)
    *col_mm = dicom->frame_spacing[2 * (std::size_t)index + 1];
  return TRUE;
}

const char *
cs_dicom_get_laterality(CsDicom *dicom)
{
  return dicom->laterality.empty() ? nullptr : dicom->laterality.c_str();
}

const char *
cs_dicom_get_modality(CsDicom *dicom)
{
  return dicom->modality.c_str();
}

GPtrArray *
cs_dicom_read_dir(const char *path, GError **error)
{
  g_return_val_if_fail(path != nullptr, nullptr);
  return read_mapped(path, read_dir_bytes, error);
}

GPtrArray *
cs_dicom_read_dir_memory(const guint8 *data, gsize size, const char *name, GError **error)
{
  return read_dir_bytes((const char *)data, size, name != nullptr ? name : "(memory)", error);
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
