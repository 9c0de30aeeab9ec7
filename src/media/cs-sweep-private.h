/* cs-sweep-private.h — what the files of CsSweep share: readers, their common state, FFmpeg
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A CsSweep is one reader of a file. What every reader of that file shares (its facts, its frame
 * index and its frame cache) is one SweepShared, reference counted by the readers. The object and
 * its public API live in cs-sweep.c, FFmpeg's safe opening and the gray conversion in
 * cs-sweep-ffmpeg.c, videos in cs-sweep-video.c, image folders and still images in
 * cs-sweep-images.c, and the cache in cs-frame-cache.c.
 */
#pragma once

#include "cs-sweep.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>

G_BEGIN_DECLS

/* Demuxers of video sweeps (FFmpeg names; "mov" is MP4/MOV, "asf" is WMV). */
#define VIDEO_FORMATS "mov,avi,matroska,asf"
/* Demuxers of single images. The image2 demuxer is left out: it reads "%d" in a file name as a
 * pattern and would open other files than the one asked for. */
#define IMAGE_FORMATS "png_pipe,bmp_pipe,jpeg_pipe,tiff_pipe,pgm_pipe,ppm_pipe"
#define ALL_FORMATS   VIDEO_FORMATS "," IMAGE_FORMATS

/* ---------------------------------------------------------------------------------------------
 * The frame cache (cs-frame-cache.c)
 */

typedef struct {
  CsFrame *frame; /* NULL when not cached. */
  GList link;     /* In the LRU queue while cached; data is the frame index. */
} CsFrameCacheSlot;

/* The decoded frames of one file, least recently used evicted first to keep within a budget of
 * bytes. It has its own short lock so lookups never wait for a decode. */
typedef struct {
  GMutex lock;
  int n_slots;
  CsFrameCacheSlot *slots; /* [frame index]; NULL until the frame count is known. */
  GQueue lru;              /* Most recently used first. */
  gsize bytes;
  gsize budget;
} CsFrameCache;

/* Initialises an empty cache with the default budget and no slots. */
void cs_frame_cache_init(CsFrameCache *cache);

/* Allocates the slots of @n_frames frames, once the frame count is known. */
void cs_frame_cache_alloc(CsFrameCache *cache, int n_frames);

/* Drops every frame and frees what cs_frame_cache_init() and _alloc() made. */
void cs_frame_cache_clear(CsFrameCache *cache);

/* Returns frame @index (a new reference) and marks it recently used, or NULL when not cached. */
CsFrame *cs_frame_cache_lookup(CsFrameCache *cache, int index);

/* Keeps @frame (a reference is taken) unless its slot is taken or it is larger than the budget. */
void cs_frame_cache_insert(CsFrameCache *cache, CsFrame *frame);

/* Sets the budget in bytes and evicts what no longer fits. */
void cs_frame_cache_set_budget(CsFrameCache *cache, gsize bytes);

/* Returns the budget in bytes. */
gsize cs_frame_cache_get_budget(CsFrameCache *cache);

/* Returns the bytes of frame data held. */
gsize cs_frame_cache_get_bytes(CsFrameCache *cache);

/* Evicts every frame; the budget stays. */
void cs_frame_cache_evict_all(CsFrameCache *cache);

/* ---------------------------------------------------------------------------------------------
 * What readers of one file share: its facts, its frame index and the frame cache
 */

typedef struct {
  gatomicrefcount ref_count;
  char *path;
  CsSweepKind kind;
  int width;
  int height;
  int n_frames;
  double frame_rate;
  double pixel_aspect; /* Width / height of one pixel; 1 when square or unknown. */
  char *codec_name;

  /* Video: the index. Packets are numbered in decode order ("pos"). */
  int stream_index;
  AVRational time_base;
  int n_packets;
  gint64 *packet_ts;    /* [pos] pts, or dts when the packet has no pts. */
  gboolean *packet_key; /* [pos] a keyframe (packet 0 always counts as one). */
  int *packet_by_ts;    /* Packet positions sorted by timestamp. */
  gint64 *frame_ts;     /* [i] timestamp of frame i (ascending). */
  int *frame_pos;       /* [i] packet position of frame i. */
  int *frame_key_pos;   /* [i] position of the keyframe K(i) to seek to for frame i. */
  int *prev_key_pos;    /* [pos] the last keyframe at or before pos. */
  int first_key_pos;    /* The first keyframe: nothing before it is a frame. */

  /* Images: one file per frame. */
  char **files;

  /* DICOM: the file (read-only after open, decoded by every reader at once) and its calibration. */
  CsDicom *dicom;
  CsSpacing file_spacing;
  char *file_spacing_label;
  int file_spacing_region;
  GPtrArray *warnings; /* NULL-terminated strings. */

  CsFrameCache cache;

  gint decode_count; /* Atomic. */
} SweepShared;

/* ---------------------------------------------------------------------------------------------
 * One reader, with its own demuxer and decoder
 */

struct _CsSweep {
  GObject parent_instance;

  SweepShared *shared;

  /* Serialises decoding; everything below belongs to whoever holds it. */
  GMutex decode_lock;
  AVIOContext *io;
  AVFormatContext *format;
  AVCodecContext *codec;
  AVPacket *packet;
  AVFrame *av_frame;
  struct SwsContext *sws;
  int sws_width, sws_height, sws_format, sws_full_range;

  gboolean have_packet; /* self->packet holds a packet read but not yet sent. */
  gboolean positioned;  /* The decoder continues a valid run of frames from a keyframe. */
  gboolean draining;    /* End of file reached: the decoder was sent its flush packet. */
  gint64 valid_ts;      /* Frames shown before this timestamp (leading pictures) are unusable. */
  int last_out;         /* The last frame the decoder produced in this run, or -1. */
  char last_decode_error[256];
};

/* ---------------------------------------------------------------------------------------------
 * FFmpeg, opened safely (cs-sweep-ffmpeg.c)
 */

/* Routes FFmpeg's log to g_debug() (once per process). */
void cs_media_init_once(void);

/* Forgets this thread's last FFmpeg error, before a call whose failure it should explain. */
void cs_media_clear_log(void);

/* Returns FFmpeg's last logged error if any, else the text of @code, in @buffer. */
const char *cs_media_reason(int code, char *buffer, gsize size);

/* Opens @path with a demuxer from the comma-separated @allowed list, reading through *@io_out. */
AVFormatContext *cs_media_open_demuxer(const char *path, const char *allowed, AVIOContext **io_out,
                                       GError **error);

/* Closes the file behind an AVIOContext made by cs_media_open_demuxer() and frees it. */
void cs_media_file_io_free(AVIOContext **io);

/* Checks a decoder against the allowed list and the frame size against the caps. */
const AVCodec *cs_media_check_stream(const char *display, const AVCodecParameters *par,
                                     GError **error);

/* Opens @decoder for @par with @threads threads (0: FFmpeg's choice). */
AVCodecContext *cs_media_open_decoder(const char *display, const AVCodec *decoder,
                                      const AVCodecParameters *par, int threads, GError **error);

/* Closes the reader's demuxer and its file. */
void cs_sweep_close_input(CsSweep *self);

/* Copies or converts @src to a new gray frame of the sweep's size. */
CsFrame *cs_sweep_to_gray(CsSweep *self, const AVFrame *src, int index, GError **error);

/* ---------------------------------------------------------------------------------------------
 * Videos (cs-sweep-video.c)
 */

/* Opens the demuxer and the decoder of this reader; the stream must match the shared index.
 * The first reader (@first) accepts images too and says in *@is_image whether it found one. */
gboolean cs_sweep_open_video(CsSweep *self, gboolean first, gboolean *is_image, GError **error);

/* Reads every packet of the video stream once (no decoding) and builds the frame index. */
gboolean cs_sweep_index_video(CsSweep *self, GError **error);

/* Decodes video frame @target, seeking unless it lies just ahead of the decoder. */
CsFrame *cs_sweep_decode_video(CsSweep *self, int target, GError **error);

/* ---------------------------------------------------------------------------------------------
 * Image folders and still images (cs-sweep-images.c)
 */

/* Lists the numbered images of folder @dir in frame order; refuses gaps and mixed series. */
char **cs_sweep_scan_image_folder(const char *dir, GError **error);

/* Decodes the single image @path into a gray frame; sets the sweep's size if still unknown. */
CsFrame *cs_sweep_decode_image(CsSweep *self, const char *path, int index, GError **error);

/* ---------------------------------------------------------------------------------------------
 * DICOM (cs-sweep-dicom.c)
 */

/* Opens the DICOM file of @shared: its facts, timing, calibration and warnings. */
gboolean cs_sweep_open_dicom(SweepShared *shared, GError **error);

/* Decodes DICOM frame @index into a new gray frame. */
CsFrame *cs_sweep_decode_dicom(CsSweep *self, int index, GError **error);

/* What a trial read of a DICOM file reads: an image (its header and every frame) or a DICOMDIR
 * (its records). */
typedef enum {
  CS_DICOM_TRIAL_IMAGE,
  CS_DICOM_TRIAL_DIR,
} CsDicomTrial;

/* Reads @path as @trial says and throws the result away: what the trial process runs. */
void cs_dicom_trial_read(CsDicomTrial trial, const char *path);

/* Reads @path as @trial says in a separate process first (a read through GDCM, whose assertions
 * abort): FALSE with @error when that process dies by a signal, TRUE otherwise (see
 * cs-sweep-dicom.c). */
gboolean cs_dicom_probe_in_child(const char *path, CsDicomTrial trial, GError **error);

G_END_DECLS
