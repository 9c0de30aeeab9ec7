/* fuzz-dicom.c — the libFuzzer entry point for DICOM input (GDCM behind cs-dicom.h)
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads the input as a DICOMDIR (the files its records name), then opens it as a DICOM file and,
 * when it is accepted, touches everything a sweep reaches:
 * the header's facts, every region, the timing, and the first and last frames decoded to gray.
 * A refusal must be one line of message. Whatever the bytes, nothing may crash, read out of
 * bounds or leak (AddressSanitizer and UBSan watch).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs-dicom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Frames larger than this are not decoded (the fuzzer's memory limit, not a parser's). */
#define MAX_DECODE_PIXELS (16u << 20)

static void
touch_header(CsDicom *dicom)
{
  volatile size_t sum = 0;
  double row = 0, col = 0;
  gboolean imager = FALSE;

  sum += strlen(cs_dicom_get_sop_class_uid(dicom)) + strlen(cs_dicom_get_sop_class_name(dicom));
  sum += strlen(cs_dicom_get_transfer_syntax_uid(dicom));
  sum += strlen(cs_dicom_get_transfer_syntax_name(dicom));
  sum += strlen(cs_dicom_get_photometric(dicom));
  sum += (size_t)cs_dicom_get_bits_allocated(dicom) + (size_t)cs_dicom_get_bits_stored(dicom);
  sum += (size_t)cs_dicom_get_samples_per_pixel(dicom);
  sum += cs_dicom_get_frame_rate(dicom) > 0;
  for (int i = 0; i < cs_dicom_get_n_frames(dicom); i++)
    sum += cs_dicom_get_frame_time(dicom, i) >= 0;
  for (int i = 0; i < cs_dicom_get_n_regions(dicom); i++) {
    const CsDicomRegion *r = cs_dicom_get_region(dicom, i);
    sum += (size_t)(r->x1 - r->x0) + (r->delta_x > 0);
  }
  sum += cs_dicom_get_pixel_spacing(dicom, &row, &col, &imager) ? 1 : 0;
  sum += cs_dicom_get_laterality(dicom) != NULL;
  (void)sum;
}

/* Reads the input as a DICOMDIR too: a refusal is one line; the file IDs are short strings. */
static void
read_as_dicomdir(const uint8_t *data, size_t size)
{
  GError *error = NULL;
  GPtrArray *files = cs_dicom_read_dir_memory(data, size, "DICOMDIR", &error);

  if (files == NULL) {
    if (error == NULL || error->message[0] == '\0' || strchr(error->message, '\n') != NULL)
      abort();
    g_error_free(error);
    return;
  }
  for (guint i = 0; i < files->len; i++)
    if (strlen(g_ptr_array_index(files, i)) > size)
      abort();
  g_ptr_array_unref(files);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GError *error = NULL;
  CsDicom *dicom;
  size_t pixels;
  guint8 *gray;
  int n_frames;

  read_as_dicomdir(data, size);
  dicom = cs_dicom_open_memory(data, size, "fuzz.dcm", &error);

  if (dicom == NULL) {
    /* A refusal must come with one line of message. */
    if (error == NULL || error->message[0] == '\0' || strchr(error->message, '\n') != NULL)
      abort();
    g_error_free(error);
    return 0;
  }
  if (cs_dicom_get_width(dicom) < 1 || cs_dicom_get_height(dicom) < 1 ||
      cs_dicom_get_n_frames(dicom) < 1)
    abort();
  touch_header(dicom);
  pixels = (size_t)cs_dicom_get_width(dicom) * (size_t)cs_dicom_get_height(dicom);
  n_frames = cs_dicom_get_n_frames(dicom);
  if (pixels <= MAX_DECODE_PIXELS) {
    gray = g_malloc(pixels);
    for (int i = 0; i < n_frames && i < 2; i++) {
      int index = i == 0 ? 0 : n_frames - 1;
      if (!cs_dicom_decode_gray(dicom, index, gray, &error)) {
        if (error == NULL || strchr(error->message, '\n') != NULL)
          abort();
        g_clear_error(&error);
      }
    }
    g_free(gray);
  }
  cs_dicom_free(dicom);
  return 0;
}
