/* cs-dicom.h — DICOM images and cines read through GDCM, behind a small C API
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The library is GDCM (Debian's libgdcm-dev), not DCMTK: GDCM decodes every transfer syntax an
 * ultrasound cine is stored in (native little and big endian, RLE, JPEG baseline, extended and
 * lossless, JPEG-LS and JPEG 2000 through OpenJPEG), where DCMTK's free modules have no JPEG 2000.
 * Only cs-dicom.cc sees C++; everything here is C.
 *
 *     g_autoptr(GError) error = NULL;
 *     CsDicom *dicom = cs_dicom_open("cine.dcm", &error);
 *     guint8 *gray = g_malloc((gsize)cs_dicom_get_width(dicom) * cs_dicom_get_height(dicom));
 *     if (!cs_dicom_decode_gray(dicom, 1, gray, &error))
 *       report(error->message);
 *
 * Every frame comes out as 8-bit gray, the gray the engine sees: MONOCHROME2 as stored,
 * MONOCHROME1 inverted, PALETTE COLOR, RGB and the YBR family reduced to their luma
 * (0.299 R + 0.587 G + 0.114 B, or the stored Y), pixels of more than 8 bits through the file's
 * VOI window (Window Center/Width after the Modality rescale), or without one through the range
 * of frame 0, the same for every frame.
 *
 * Frames are decoded one at a time from the file's own bytes (a native frame's slice, or the
 * fragments of an encapsulated frame), so any frame is reached without decoding the others.
 * After opening, a CsDicom is never changed: cs_dicom_decode_gray() may run in several threads
 * at once on one CsDicom. Every failure is one GError in the CS_ERROR domain whose message names
 * the file and says what is wrong.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CsDicom CsDicom;

/* Region Spatial Format (0018,6012). */
#define CS_DICOM_SPATIAL_2D 1

/* Physical Units X/Y Direction (0018,6024/6026): centimetres. */
#define CS_DICOM_UNITS_CM 3

/* One item of the Sequence of Ultrasound Regions (0018,6011). */
typedef struct {
  int x0, y0;         /* Region Location Min X0 / Y0: the first pixel column and row inside. */
  int x1, y1;         /* Region Location Max X1 / Y1: the last pixel column and row inside. */
  int spatial_format; /* 0 none, 1 2D, 2 M-mode, 3 spectral, 4 waveform, 5 graphics. */
  int data_type;      /* Region Data Type: 1 tissue, 2 colour flow, 3 PW spectral, ... */
  int units_x;        /* Physical Units X Direction: 0 none, 3 cm, 4 seconds, ... */
  int units_y;        /* Physical Units Y Direction. */
  double delta_x;     /* Physical Delta X: units_x per pixel (0 when absent). */
  double delta_y;     /* Physical Delta Y: units_y per pixel (0 when absent). */
} CsDicomRegion;

/* Opens the DICOM file at @path: reads its header and checks that its pixel data holds every
 * frame; decodes nothing yet. NULL with @error when it is not a DICOM image Carpalscope reads. */
CsDicom *cs_dicom_open(const char *path, GError **error);

/* Opens a DICOM file held in memory (@size bytes at @data, copied); @name names it in errors. */
CsDicom *cs_dicom_open_memory(const guint8 *data, gsize size, const char *name, GError **error);

/* Frees @dicom. */
void cs_dicom_free(CsDicom *dicom);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsDicom, cs_dicom_free)

/* Returns TRUE when the first bytes of @path look like DICOM: "DICM" after the 128-byte preamble
 * (or a name ending in .dcm or .dicom). Reads at most 132 bytes. */
gboolean cs_dicom_sniff(const char *path);

/* Returns the SOP Class UID (0008,0016), "" when absent. */
const char *cs_dicom_get_sop_class_uid(CsDicom *dicom);

/* Returns the SOP class's name ("Ultrasound Multi-frame Image Storage"), or its UID if unknown. */
const char *cs_dicom_get_sop_class_name(CsDicom *dicom);

/* Returns the transfer syntax UID. */
const char *cs_dicom_get_transfer_syntax_uid(CsDicom *dicom);

/* Returns the transfer syntax's name ("RLE Lossless"), or its UID if unknown. */
const char *cs_dicom_get_transfer_syntax_name(CsDicom *dicom);

/* Returns Columns (0028,0011). */
int cs_dicom_get_width(CsDicom *dicom);

/* Returns Rows (0028,0010). */
int cs_dicom_get_height(CsDicom *dicom);

/* Returns Number of Frames (0028,0008), 1 when absent. */
int cs_dicom_get_n_frames(CsDicom *dicom);

/* Returns Bits Allocated (0028,0100). */
int cs_dicom_get_bits_allocated(CsDicom *dicom);

/* Returns Bits Stored (0028,0101). */
int cs_dicom_get_bits_stored(CsDicom *dicom);

/* Returns Samples per Pixel (0028,0002). */
int cs_dicom_get_samples_per_pixel(CsDicom *dicom);

/* Returns the Photometric Interpretation as stored ("MONOCHROME2", "PALETTE COLOR", ...). */
const char *cs_dicom_get_photometric(CsDicom *dicom);

/* Returns the mean frame rate in frames per second from Frame Time, Frame Time Vector, Cine Rate
 * or Recommended Display Frame Rate (in that order), or 0 when the file gives no timing. */
double cs_dicom_get_frame_rate(CsDicom *dicom);

/* Returns frame @index's start time in seconds from the first frame, or -1 without timing. */
double cs_dicom_get_frame_time(CsDicom *dicom, int index);

/* Returns the number of Ultrasound Regions (0 when the file has none). */
int cs_dicom_get_n_regions(CsDicom *dicom);

/* Returns region @index (0-based, in the file's order). */
const CsDicomRegion *cs_dicom_get_region(CsDicom *dicom, int index);

/* Sets *@row_mm and *@col_mm from Pixel Spacing (0028,0030) (at the top level, else in the Pixel
 * Measures of an enhanced image's Shared, else Per-frame Functional Groups when every frame's
 * agrees), else Imager Pixel Spacing (0018,1164), and *@imager to which one; FALSE when none is
 * present and positive. */
gboolean cs_dicom_get_pixel_spacing(CsDicom *dicom, double *row_mm, double *col_mm,
                                    gboolean *imager);

/* Returns TRUE when the Per-frame Functional Groups give frames different Pixel Spacings (then
 * cs_dicom_get_pixel_spacing() takes none from them). */
gboolean cs_dicom_get_spacing_varies(CsDicom *dicom);

/* Sets *@row_mm and *@col_mm from the Pixel Spacing the Per-frame Functional Groups give frame
 * @index, when the frames' differ (cs_dicom_get_spacing_varies()); FALSE otherwise. */
gboolean cs_dicom_get_frame_pixel_spacing(CsDicom *dicom, int index, double *row_mm,
                                          double *col_mm);

/* Returns "L", "R" or "B" from Image Laterality (0020,0062) or Laterality (0020,0060), or NULL. */
const char *cs_dicom_get_laterality(CsDicom *dicom);

/* Returns the Modality (0008,0060) ("US", "OT", ...), "" when absent. */
const char *cs_dicom_get_modality(CsDicom *dicom);

/* Reads the DICOMDIR (a folder's index, Media Storage Directory) at @path and returns the files
 * its directory records refer to: each Referenced File ID (0004,1500) once, in record order, as a
 * relative path with "/" between its components, as the DICOMDIR spells it (resolving it against
 * the DICOMDIR's folder is the caller's work). An empty array when it refers to no file; NULL
 * with @error when the file is not a readable DICOMDIR. */
GPtrArray *cs_dicom_read_dir(const char *path, GError **error);

/* Reads a DICOMDIR held in memory (@size bytes at @data); @name names it in errors. */
GPtrArray *cs_dicom_read_dir_memory(const guint8 *data, gsize size, const char *name,
                                    GError **error);

/* Return the patient's name (0010,0010) for reading, family name first ("Yamada, Hanako"), the
 * Patient ID (0010,0020) and the birth date (0010,0030) as YYYY-MM-DD, in UTF-8, or NULL when
 * absent. They identify a person: show them in the window only, and write them nowhere (file,
 * report, log) unless the user asked for it in the study (CsStudy's "identity-in-reports"). */
const char *cs_dicom_get_patient_name(CsDicom *dicom);
const char *cs_dicom_get_patient_id(CsDicom *dicom);
const char *cs_dicom_get_patient_birth_date(CsDicom *dicom);

/* Decodes frame @index into @gray (width * height bytes, rows packed). FALSE with @error when the
 * frame cannot be decoded. Safe to call from several threads at once. */
gboolean cs_dicom_decode_gray(CsDicom *dicom, int index, guint8 *gray, GError **error);

G_END_DECLS
