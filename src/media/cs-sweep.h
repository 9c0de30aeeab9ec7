/* cs-sweep.h — recorded sweeps: frame-exact access to 8-bit gray frames
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A sweep is a video file (MP4/MOV, AVI, MKV, WMV/ASF), a folder of numbered images, one still
 * image (PNG, JPEG, BMP, TIFF, PGM/PPM) or a DICOM image or cine (read through cs-dicom.h, with its
 * Ultrasound Regions, Pixel Spacing, frame timing and laterality). Every frame comes out as 8-bit
 * gray (luma: colour overlays are reduced to their brightness), the same pixels whether it is
 * reached sequentially, by a seek forward or back, or by scrubbing, and the same pixels as `ffmpeg
 * -pix_fmt gray` gives. Frame i is the i-th frame in presentation order that can be decoded: a
 * video cut without re-encoding loses the pictures before its first keyframe, as it does in ffmpeg.
 *
 *     g_autoptr(GError) error = NULL;
 *     g_autoptr(CsSweep) sweep = cs_sweep_open("wrist.mp4", &error);
 *     if (sweep == NULL)
 *       return report(error->message);
 *     for (int i = 0; i < cs_sweep_get_n_frames(sweep); i++) {
 *       g_autoptr(CsFrame) frame = cs_sweep_get_frame(sweep, i, &error);
 *       if (frame == NULL)
 *         return report(error->message);
 *       use(frame->data, frame->width, frame->height, frame->stride);
 *     }
 *
 * Threads. Everything about a CsSweep may be called from any thread. The file's facts (size,
 * frame count, times) never change after opening and cost nothing. cs_sweep_get_frame() decodes
 * under a per-sweep lock, so two threads asking one CsSweep for frames take turns. A second
 * thread that must not wait (the GTK main thread while a worker classifies) uses
 * cs_sweep_lookup_frame(), which only looks in the cache and never decodes, or its own reader
 * from cs_sweep_open_reader(): a second decoder on the same file that shares the first one's
 * frame index and cache, so the file is not indexed again and a frame decoded by either is there
 * for both. Frames (CsFrame) are immutable and reference counted: hand them between threads
 * freely.
 *
 * Safety. Only local files are read (FFmpeg's protocol whitelist is "file"), only the demuxers
 * and decoders a sweep can need are allowed, frame size is capped at CS_SWEEP_MAX_SIDE pixels a
 * side and frame count at CS_SWEEP_MAX_FRAMES; every failure is one GError in the CS_ERROR
 * domain that names the file and says what is wrong. FFmpeg's own log lines go to g_debug().
 */
#pragma once

#include "cs-dicom.h"
#include "cs-spacing.h"

#include <gio/gio.h>

G_BEGIN_DECLS

/* The largest accepted frame width or height, in pixels. */
#define CS_SWEEP_MAX_SIDE 8192

/* The largest accepted number of frames in a sweep. */
#define CS_SWEEP_MAX_FRAMES 100000

/* The default budget of the frame cache, in bytes (1 GiB). */
#define CS_SWEEP_DEFAULT_CACHE_BUDGET ((gsize)1 << 30)

/* What a sweep was opened from. */
typedef enum {
  CS_SWEEP_KIND_VIDEO,        /* A video file decoded with FFmpeg. */
  CS_SWEEP_KIND_IMAGE_FOLDER, /* A folder of numbered images, one frame each. */
  CS_SWEEP_KIND_STILL_IMAGE,  /* A single image: a sweep of one frame. */
  CS_SWEEP_KIND_DICOM         /* A DICOM image or cine, decoded with GDCM. */
} CsSweepKind;

/* One decoded frame: 8-bit gray, immutable once shared, reference counted. */
typedef struct {
  int index;    /* 0-based frame index in its sweep. */
  double time;  /* Presentation time in seconds as stored in the file; -1 without timing. */
  int width;    /* Pixels. */
  int height;   /* Pixels. */
  int stride;   /* Bytes from one row to the next (rows are packed: stride == width). */
  guint8 *data; /* height * stride bytes; 0 is black, 255 white. */
  /*< private >*/
  gatomicrefcount ref_count;
} CsFrame;

#define CS_TYPE_FRAME (cs_frame_get_type())

/* Returns the boxed GType of CsFrame. */
GType cs_frame_get_type(void) G_GNUC_CONST;

/* Returns a new black frame of @width x @height (index 0, time -1); NULL if a side is out of range.
 */
CsFrame *cs_frame_new(int width, int height);

/* Adds a reference to @frame and returns it. */
CsFrame *cs_frame_ref(CsFrame *frame);

/* Drops a reference to @frame; frees it with the last one. */
void cs_frame_unref(CsFrame *frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsFrame, cs_frame_unref)

#define CS_TYPE_SWEEP (cs_sweep_get_type())
G_DECLARE_FINAL_TYPE(CsSweep, cs_sweep, CS, SWEEP, GObject)

/* Opens the video, image folder or still image at @path, indexes its frames and decodes frame 0. */
CsSweep *cs_sweep_open(const char *path, GError **error);

/* Runs cs_sweep_open() in a worker thread. */
void cs_sweep_open_async(const char *path, GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data);

/* Finishes cs_sweep_open_async(); returns the sweep or NULL with @error set. */
CsSweep *cs_sweep_open_finish(GAsyncResult *result, GError **error);

/* Returns a second reader of @sweep's file with its own decoder, sharing index and cache. */
CsSweep *cs_sweep_open_reader(CsSweep *sweep, GError **error);

/* Returns the path the sweep was opened from. */
const char *cs_sweep_get_path(CsSweep *sweep);

/* Returns what the sweep was opened from. */
CsSweepKind cs_sweep_get_kind(CsSweep *sweep);

/* Returns the number of frames (at least 1). */
int cs_sweep_get_n_frames(CsSweep *sweep);

/* Returns the frame width in pixels. */
int cs_sweep_get_width(CsSweep *sweep);

/* Returns the frame height in pixels. */
int cs_sweep_get_height(CsSweep *sweep);

/* Returns the mean frame rate in frames per second, or 0 when the sweep has no timing (images). */
double cs_sweep_get_frame_rate(CsSweep *sweep);

/* Returns frame @index's presentation time in seconds as stored in the file, or -1 without timing.
 */
double cs_sweep_get_frame_time(CsSweep *sweep, int index);

/* Returns the width / height of one pixel as the file declares it (1 when square or unknown).
 * Spacing assumes square pixels: warn the user when this is not 1. */
double cs_sweep_get_pixel_aspect(CsSweep *sweep);

/* Returns the FFmpeg name of the decoder ("h264", "ffv1", "png", ...). */
const char *cs_sweep_get_codec_name(CsSweep *sweep);

/* Returns the image file of frame @index for image sweeps, NULL for a video. */
const char *cs_sweep_get_frame_file(CsSweep *sweep, int index);

/* Returns frame @index (a new reference), decoding it unless cached; NULL with @error on failure.
 */
CsFrame *cs_sweep_get_frame(CsSweep *sweep, int index, GError **error);

/* Runs cs_sweep_get_frame() in a worker thread. */
void cs_sweep_get_frame_async(CsSweep *sweep, int index, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);

/* Finishes cs_sweep_get_frame_async(); returns a new reference or NULL with @error set. */
CsFrame *cs_sweep_get_frame_finish(CsSweep *sweep, GAsyncResult *result, GError **error);

/* Returns frame @index from the cache (a new reference) or NULL; never decodes, never waits on one.
 */
CsFrame *cs_sweep_lookup_frame(CsSweep *sweep, int index);

/* Sets the frame cache budget in bytes (shared by all readers); frames beyond it are decoded again.
 */
void cs_sweep_set_cache_budget(CsSweep *sweep, gsize bytes);

/* Returns the frame cache budget in bytes. */
gsize cs_sweep_get_cache_budget(CsSweep *sweep);

/* Returns the bytes of frame data now held by the cache (never more than the budget). */
gsize cs_sweep_get_cache_bytes(CsSweep *sweep);

/* Drops every cached frame (frames still referenced elsewhere live on). */
void cs_sweep_clear_cache(CsSweep *sweep);

/* Returns how many frames the decoders of this file have produced so far (for tests and tuning). */
guint cs_sweep_get_decode_count(CsSweep *sweep);

/* Returns the spacing the file itself declares: a DICOM's Ultrasound Region (the 2D region in cm
 * that holds the image centre, else the first such region) or its Pixel Spacing; an unknown
 * spacing for other files, or when the file's calibration cannot be trusted (see the warnings). */
CsSpacing cs_sweep_get_file_spacing(CsSweep *sweep);

/* Returns where cs_sweep_get_file_spacing() came from for the user ("DICOM region 0", "DICOM pixel
 * spacing", "DICOM imager pixel spacing"), or NULL when it is unknown. */
const char *cs_sweep_get_file_spacing_label(CsSweep *sweep);

/* Returns the index of the DICOM region the file spacing came from, or -1. */
int cs_sweep_get_file_spacing_region(CsSweep *sweep);

/* Returns the number of DICOM Ultrasound Regions (0 for other files). */
int cs_sweep_get_n_regions(CsSweep *sweep);

/* Returns DICOM Ultrasound Region @index. */
const CsDicomRegion *cs_sweep_get_region(CsSweep *sweep, int index);

/* Returns the calibration warnings found at open (NULL-terminated, never NULL): regions that do
 * not fit inside the image, X and Y spacings that differ. */
const char *const *cs_sweep_get_warnings(CsSweep *sweep);

/* Returns the hand the file names ("L", "R", "B") from a DICOM's (Image) Laterality, or NULL. */
const char *cs_sweep_get_laterality(CsSweep *sweep);

/* Returns the spacing for a measurement (a line, a tracing, an ROI) whose @n_points points are
 * @points (x, y pairs in image pixels). With DICOM Ultrasound Regions, a region's spacing serves
 * only what lies inside it: the region holding every point (a 2D one first) when it is 2D, in cm,
 * inside the image and square, labelled "DICOM region N" in *@label; otherwise an unknown spacing
 * and in *@why the reason for the user ("it crosses DICOM regions 0 and 1, ...", "it lies outside
 * every DICOM region", "DICOM region 1 is not a 2D image region", ...), in the user's language
 * when @translate (the window), in English otherwise (reports, files, the command line). Without
 * regions, the file spacing and its label. @label and @why may be NULL; free what they get. */
CsSpacing cs_sweep_get_spacing_for_points(CsSweep *sweep, const double *points, int n_points,
                                          char **label, char **why, gboolean translate);

/* Returns the spacing of frame @index: where a DICOM's per-frame functional groups give its
 * frames different Pixel Spacings (a warning, and no file spacing), that frame's own, labelled
 * "DICOM pixel spacing of frame N" in *@label; otherwise the file spacing and its label. An
 * unknown spacing when the frame's pixels are not square. @label may be NULL; free it. */
CsSpacing cs_sweep_get_frame_spacing(CsSweep *sweep, int index, char **label);

/* Returns the DICOM file behind @sweep (owned by it), or NULL for other kinds. */
CsDicom *cs_sweep_get_dicom(CsSweep *sweep);

G_END_DECLS
