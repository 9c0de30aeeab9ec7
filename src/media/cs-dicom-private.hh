/* cs-dicom-private.hh — what the C++ files of cs-dicom.h share: the object and its pixel steps
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cs-dicom.cc reads the header and opens the file; cs-dicom-pixels.cc takes each frame's bytes
 * out of GDCM's objects, builds the gray table of one-sample pixels and decodes a frame to gray.
 */
#pragma once

#include "cs-dicom.h"

#include <gdcmDataElement.h>
#include <gdcmDataSet.h>
#include <gdcmLookupTable.h>
#include <gdcmPhotometricInterpretation.h>
#include <gdcmPixelFormat.h>
#include <gdcmSequenceOfFragments.h>
#include <gdcmTransferSyntax.h>

#include <cstdint>
#include <string>
#include <vector>

struct _CsDicom {
  std::string display; /* The file's name for messages. */
  std::string sop_uid, sop_name, ts_uid, ts_name, photometric, laterality, modality;
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
  bool have_spacing = false, imager_spacing = false, spacing_varies = false;
  std::vector<double> frame_spacing; /* [2 frame + 0/1] row, column mm; only when they vary. */
  std::string patient_name, patient_id, patient_birth_date; /* UTF-8; "" when absent. */
};

namespace cs_dicom_internal
{

/* Returns the text of @tag with the padding trimmed, "" when absent or empty. */
std::string text_of(const gdcm::DataSet &ds, uint16_t group, uint16_t element);

/* Parses the backslash-separated decimal strings of @text into @values; FALSE on a bad one. */
bool numbers_of(const std::string &text, std::vector<double> &values);

/* Returns the first decimal of @tag, or @fallback when absent or not a number. */
double number_of(const gdcm::DataSet &ds, uint16_t group, uint16_t element, double fallback);

/* Copies the native pixel data, checking that it holds every frame. */
bool take_native(CsDicom *dicom, const gdcm::DataElement &pixels, GError **error);

/* Splits the encapsulated pixel data into frames. */
bool take_fragments(CsDicom *dicom, const gdcm::SequenceOfFragments &sq, GError **error);

/* Checks the RLE header of every frame. */
bool check_rle_headers(const CsDicom *dicom, GError **error);

/* Builds the gray table of one-sample pixels. */
bool build_gray_table(CsDicom *dicom, const gdcm::DataSet &ds, const gdcm::LookupTable &lut,
                      GError **error);

/* Reads the patient's name, ID and birth date (cs-dicom-patient.cc). */
void read_patient(CsDicom *dicom, const gdcm::DataSet &ds);

/* Decodes frame @index to width * height gray bytes. */
bool decode_gray(const CsDicom *dicom, int index, guint8 *gray, GError **error);

} /* namespace cs_dicom_internal */
