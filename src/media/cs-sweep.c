/* cs-sweep.c — recorded sweeps decoded with FFmpeg into 8-bit gray frames
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Frame-exact access. On opening, every packet of the video stream is read once without decoding
 * and its timestamp (pts, or dts when there is none) and keyframe flag kept in decode order.
 * Frame i is the packet with the i-th smallest timestamp: right with B-frames (decode order is
 * not display order) and with variable frame rates, where time x rate would drift. To reach
 * frame i the reader seeks to the keyframe K(i) it depends on (the last keyframe in decode order
 * that comes before it both in decode and in display order), checks where the demuxer really
 * landed by the first packet it returns (demuxers index by pts or dts, and some land early),
 * retries earlier or reopens the file if it landed too late, and decodes forward until a frame
 * with frame i's timestamp comes out. Frames shown before the landing keyframe (open-GOP leading
 * pictures) may lack their references and are never used. Every frame decoded on the way is put
 * in the cache, so scrubbing back over a group of pictures costs nothing, and a request just
 * ahead of the decoder continues decoding instead of seeking.
 *
 * Image folders and still images are one file per frame, each decoded on its own.
 */
#include "config.h"

#include "cs-sweep.h"

#include "cs-error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

/* Demuxers of video sweeps (FFmpeg names; "mov" is MP4/MOV, "asf" is WMV). */
#define VIDEO_FORMATS "mov,avi,matroska,asf"
/* Demuxers of single images. The image2 demuxer is left out: it reads "%d" in a file name as a
 * pattern and would open other files than the one asked for. */
#define IMAGE_FORMATS "png_pipe,bmp_pipe,jpeg_pipe,tiff_pipe,pgm_pipe,ppm_pipe"
#define ALL_FORMATS   VIDEO_FORMATS "," IMAGE_FORMATS
/* Decoders a sweep can need: what ultrasound consoles and our phantom write. */
#define DECODERS                                                                          \
  "h264,hevc,mpeg4,mpeg2video,msmpeg4v1,msmpeg4v2,msmpeg4,wmv1,wmv2,wmv3,vc1,mjpeg,ffv1," \
  "rawvideo,msrle,png,bmp,tiff,pgm,ppm"
/* File name extensions of images in a folder sweep. */
static const char *const image_extensions[] = { "png",  "jpg", "jpeg", "bmp", "tif",
                                                "tiff", "pgm", "ppm",  NULL };

/* A request at most this many frames before the keyframe it needs continues decoding forward,
 * because a seek and flush cost about as much as decoding a few frames. */
#define CONTINUE_SLACK 4

/* ---------------------------------------------------------------------------------------------
 * FFmpeg's log: kept, not printed
 */

/* The last error FFmpeg logged on this thread: the most precise reason for a failure. */
static _Thread_local char media_last_log[256];

static void
media_log_cb(void *avcl, int level, const char *format, va_list args)
{
  char line[256];
  gsize len;

  if (level > AV_LOG_WARNING)
    return;
  g_vsnprintf(line, sizeof line, format, args);
  len = strlen(line);
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == ' ' || line[len - 1] == '.'))
    line[--len] = '\0';
  if (len == 0)
    return;
  g_debug("FFmpeg: %s", line);
  if (level <= AV_LOG_ERROR)
    g_strlcpy(media_last_log, line, sizeof media_last_log);
}

/* Routes FFmpeg's log to g_debug(): a GUI or CLI prints one clear line, not FFmpeg's chatter. */
static void
media_init_once(void)
{
  static gsize done = 0;

  if (g_once_init_enter(&done)) {
    av_log_set_callback(media_log_cb);
    g_once_init_leave(&done, 1);
  }
}

static void
media_clear_log(void)
{
  media_last_log[0] = '\0';
}

/* Returns FFmpeg's last logged error if any, else the text of @code. */
static const char *
media_reason(int code, char *buffer, gsize size)
{
  if (media_last_log[0] != '\0') {
    g_strlcpy(buffer, media_last_log, size);
    return buffer;
  }
  av_strerror(code, buffer, size);
  return buffer;
}

/* ---------------------------------------------------------------------------------------------
 * Frames
 */

G_DEFINE_BOXED_TYPE(CsFrame, cs_frame, cs_frame_ref, cs_frame_unref)

CsFrame *
cs_frame_new(int width, int height)
{
  CsFrame *frame;

  if (width < 1 || height < 1 || width > CS_SWEEP_MAX_SIDE || height > CS_SWEEP_MAX_SIDE)
    return NULL;
  frame = g_new0(CsFrame, 1);
  g_atomic_ref_count_init(&frame->ref_count);
  frame->time = -1.0;
  frame->width = width;
  frame->height = height;
  frame->stride = width;
  frame->data = g_malloc0((gsize)width * (gsize)height);
  return frame;
}

CsFrame *
cs_frame_ref(CsFrame *frame)
{
  g_return_val_if_fail(frame != NULL, NULL);
  g_atomic_ref_count_inc(&frame->ref_count);
  return frame;
}

void
cs_frame_unref(CsFrame *frame)
{
  g_return_if_fail(frame != NULL);
  if (g_atomic_ref_count_dec(&frame->ref_count)) {
    g_free(frame->data);
    g_free(frame);
  }
}

static gsize
frame_bytes(const CsFrame *frame)
{
  return (gsize)frame->stride * (gsize)frame->height;
}

/* ---------------------------------------------------------------------------------------------
 * What readers of one file share: its facts, its frame index and the frame cache
 */

typedef struct {
  CsFrame *frame; /* NULL when not cached. */
  GList link;     /* In the LRU queue while cached; data is the frame index. */
} CacheSlot;

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

  /* The cache, under its own short lock so lookups never wait for a decode. */
  GMutex cache_lock;
  CacheSlot *slots;
  GQueue lru; /* Most recently used first. */
  gsize cache_bytes;
  gsize cache_budget;

  gint decode_count; /* Atomic. */
} SweepShared;

static SweepShared *
shared_new(const char *path)
{
  SweepShared *shared = g_new0(SweepShared, 1);

  g_atomic_ref_count_init(&shared->ref_count);
  shared->path = g_strdup(path);
  shared->cache_budget = CS_SWEEP_DEFAULT_CACHE_BUDGET;
  shared->pixel_aspect = 1.0;
  g_mutex_init(&shared->cache_lock);
  shared->stream_index = -1;
  return shared;
}

static SweepShared *
shared_ref(SweepShared *shared)
{
  g_atomic_ref_count_inc(&shared->ref_count);
  return shared;
}

static void
shared_unref(SweepShared *shared)
{
  if (!g_atomic_ref_count_dec(&shared->ref_count))
    return;
  if (shared->slots != NULL) {
    for (int i = 0; i < shared->n_frames; i++)
      g_clear_pointer(&shared->slots[i].frame, cs_frame_unref);
    g_free(shared->slots);
  }
  g_mutex_clear(&shared->cache_lock);
  g_free(shared->path);
  g_free(shared->codec_name);
  g_free(shared->packet_ts);
  g_free(shared->packet_key);
  g_free(shared->packet_by_ts);
  g_free(shared->frame_ts);
  g_free(shared->frame_pos);
  g_free(shared->frame_key_pos);
  g_free(shared->prev_key_pos);
  g_strfreev(shared->files);
  g_free(shared);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SweepShared, shared_unref)

/* Allocates the cache slots once the frame count is known. */
static void
shared_init_cache(SweepShared *shared)
{
  shared->slots = g_new0(CacheSlot, shared->n_frames);
  for (int i = 0; i < shared->n_frames; i++)
    shared->slots[i].link.data = GINT_TO_POINTER(i);
  g_queue_init(&shared->lru);
}

/* Evicts least recently used frames until the cache fits its budget. Called with the lock held. */
static void
cache_trim_locked(SweepShared *shared)
{
  while (shared->cache_bytes > shared->cache_budget && shared->lru.tail != NULL) {
    GList *link = shared->lru.tail;
    CacheSlot *slot = &shared->slots[GPOINTER_TO_INT(link->data)];

    g_queue_unlink(&shared->lru, link);
    shared->cache_bytes -= frame_bytes(slot->frame);
    g_clear_pointer(&slot->frame, cs_frame_unref);
  }
}

static CsFrame *
cache_lookup(SweepShared *shared, int index)
{
  CsFrame *frame = NULL;
  CacheSlot *slot = &shared->slots[index];

  g_mutex_lock(&shared->cache_lock);
  if (slot->frame != NULL) {
    g_queue_unlink(&shared->lru, &slot->link);
    g_queue_push_head_link(&shared->lru, &slot->link);
    frame = cs_frame_ref(slot->frame);
  }
  g_mutex_unlock(&shared->cache_lock);
  return frame;
}

static void
cache_insert(SweepShared *shared, CsFrame *frame)
{
  CacheSlot *slot = &shared->slots[frame->index];

  g_mutex_lock(&shared->cache_lock);
  if (slot->frame == NULL && frame_bytes(frame) <= shared->cache_budget) {
    slot->frame = cs_frame_ref(frame);
    g_queue_push_head_link(&shared->lru, &slot->link);
    shared->cache_bytes += frame_bytes(frame);
    cache_trim_locked(shared);
  }
  g_mutex_unlock(&shared->cache_lock);
}

/* Returns frame index with timestamp @ts, or -1. */
static int
shared_frame_of_ts(const SweepShared *shared, gint64 ts)
{
  int lo = 0, hi = shared->n_frames - 1;

  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    if (shared->frame_ts[mid] == ts)
      return mid;
    if (shared->frame_ts[mid] < ts)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return -1;
}

/* Returns the packet position with timestamp @ts, or -1. */
static int
shared_packet_of_ts(const SweepShared *shared, gint64 ts)
{
  int lo = 0, hi = shared->n_packets - 1;

  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    gint64 mid_ts = shared->packet_ts[shared->packet_by_ts[mid]];
    if (mid_ts == ts)
      return shared->packet_by_ts[mid];
    if (mid_ts < ts)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return -1;
}

/* Returns the first frame index whose timestamp is >= @ts (n_frames if none). */
static int
shared_first_frame_at(const SweepShared *shared, gint64 ts)
{
  int lo = 0, hi = shared->n_frames;

  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (shared->frame_ts[mid] < ts)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* ---------------------------------------------------------------------------------------------
 * The object: one reader, with its own demuxer and decoder
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

G_DEFINE_FINAL_TYPE(CsSweep, cs_sweep, G_TYPE_OBJECT)

static void file_io_free(AVIOContext **io);

static void
cs_sweep_close_input(CsSweep *self)
{
  avformat_close_input(&self->format);
  file_io_free(&self->io);
}

static void
cs_sweep_finalize(GObject *object)
{
  CsSweep *self = CS_SWEEP(object);

  cs_sweep_close_input(self);
  avcodec_free_context(&self->codec);
  av_packet_free(&self->packet);
  av_frame_free(&self->av_frame);
  sws_freeContext(self->sws);
  g_clear_pointer(&self->shared, shared_unref);
  g_mutex_clear(&self->decode_lock);
  G_OBJECT_CLASS(cs_sweep_parent_class)->finalize(object);
}

static void
cs_sweep_class_init(CsSweepClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);

  object_class->finalize = cs_sweep_finalize;
}

static void
cs_sweep_init(CsSweep *self)
{
  g_mutex_init(&self->decode_lock);
  self->last_out = -1;
}

/* ---------------------------------------------------------------------------------------------
 * Opening files safely
 */

/* Files are read through our own callbacks on a local FILE, so no FFmpeg protocol is involved at
 * all; the "file"-only protocol whitelist set below covers anything a demuxer might try to open
 * on its own. */
typedef struct {
  FILE *file;
} FileIo;

static int
file_io_read(void *opaque, uint8_t *buffer, int size)
{
  FileIo *fio = opaque;
  size_t got = fread(buffer, 1, (size_t)size, fio->file);

  if (got == 0)
    return ferror(fio->file) ? AVERROR(EIO) : AVERROR_EOF;
  return (int)got;
}

static int64_t
file_io_seek(void *opaque, int64_t offset, int whence)
{
  FileIo *fio = opaque;

  if (whence & AVSEEK_SIZE) {
    struct stat st;
    if (fstat(fileno(fio->file), &st) != 0)
      return AVERROR(errno);
    return st.st_size;
  }
  whence &= ~AVSEEK_FORCE;
  if (fseeko(fio->file, (off_t)offset, whence) != 0)
    return AVERROR(errno);
  return ftello(fio->file);
}

static void
file_io_free(AVIOContext **io)
{
  if (*io == NULL)
    return;
  FileIo *fio = (*io)->opaque;
  if (fio != NULL) {
    fclose(fio->file);
    g_free(fio);
  }
  av_freep(&(*io)->buffer);
  avio_context_free(io);
}

/* Opens @path with a demuxer from the comma-separated @allowed list. */
static AVFormatContext *
open_demuxer(const char *path, const char *allowed, AVIOContext **io_out, GError **error)
{
  g_autofree char *display = g_filename_display_name(path);
  const AVInputFormat *input_format = NULL;
  AVFormatContext *format = NULL;
  AVDictionary *options = NULL;
  AVIOContext *io = NULL;
  FileIo *fio;
  FILE *file;
  guint8 *buffer;
  char reason[256];
  GStatBuf st;
  int ret;

  /* Only regular files: opening a FIFO or a device would block or never end. */
  if (g_stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” is not a regular file", display);
    return NULL;
  }
  file = g_fopen(path, "rb");
  if (file == NULL) {
    int saved = errno;
    g_set_error(error, CS_ERROR, saved == ENOENT ? CS_ERROR_NOT_FOUND : CS_ERROR_IO,
                "Cannot open “%s”: %s", display, g_strerror(saved));
    return NULL;
  }
  /* FFmpeg buffers already; a second buffer in stdio would only copy. */
  setvbuf(file, NULL, _IONBF, 0);
  fio = g_new0(FileIo, 1);
  fio->file = file;
  buffer = av_malloc(32768);
  io = avio_alloc_context(buffer, 32768, 0, fio, file_io_read, NULL, file_io_seek);
  if (buffer == NULL || io == NULL) {
    av_free(buffer);
    fclose(file);
    g_free(fio);
    g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE, "Cannot open “%s”: out of memory", display);
    return NULL;
  }

  /* Probe by content only: a file name's extension would win image2 (a pattern reader) and the
   * like, and a misnamed file must be read for what it is. */
  media_clear_log();
  ret = av_probe_input_buffer2(io, &input_format, "", NULL, 0, 0);
  if (ret < 0 || input_format == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s” is not a video or image Carpalscope can read (format not recognised)",
                display);
    file_io_free(&io);
    return NULL;
  }
  if (av_match_list(input_format->name, allowed, ',') <= 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "“%s” looks like %s, not a sweep format Carpalscope reads (MP4, MOV, AVI, MKV, "
                "WMV, PNG, JPEG, BMP, TIFF)",
                display,
                input_format->long_name != NULL ? input_format->long_name : input_format->name);
    file_io_free(&io);
    return NULL;
  }

  format = avformat_alloc_context();
  if (format == NULL) {
    file_io_free(&io);
    g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE, "Cannot open “%s”: out of memory", display);
    return NULL;
  }
  format->pb = io;
  format->flags |= AVFMT_FLAG_CUSTOM_IO;
  /* Belt and braces: the demuxer must not open other files or URLs (MOV references, playlists). */
  av_dict_set(&options, "protocol_whitelist", "file", 0);
  av_dict_set(&options, "format_whitelist", allowed, 0);
  av_dict_set(&options, "codec_whitelist", DECODERS, 0);
  av_dict_set(&options, "enable_drefs", "0", 0);
  media_clear_log();
  ret = avformat_open_input(&format, path, input_format, &options);
  av_dict_free(&options);
  if (ret < 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "Cannot read “%s”, it is damaged or incomplete: %s", display,
                media_reason(ret, reason, sizeof reason));
    file_io_free(&io);
    return NULL;
  }
  *io_out = io;
  return format;
}

/* Checks a decoder against the allowed list and the frame size against the caps. */
static const AVCodec *
check_stream(const char *display, const AVCodecParameters *par, GError **error)
{
  const AVCodec *decoder = avcodec_find_decoder(par->codec_id);

  if (decoder == NULL || av_match_list(decoder->name, DECODERS, ',') <= 0) {
    const char *name = avcodec_get_name(par->codec_id);
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "“%s” is encoded with %s, which Carpalscope does not decode (it reads H.264, "
                "HEVC, MPEG-4, MJPEG, FFV1, WMV, uncompressed video and PNG, JPEG, BMP, TIFF)",
                display, name);
    return NULL;
  }
  if (par->width > CS_SWEEP_MAX_SIDE || par->height > CS_SWEEP_MAX_SIDE || par->width < 0 ||
      par->height < 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE,
                "“%s” claims frames of %d x %d pixels; Carpalscope accepts at most %d x %d",
                display, par->width, par->height, CS_SWEEP_MAX_SIDE, CS_SWEEP_MAX_SIDE);
    return NULL;
  }
  return decoder;
}

static AVCodecContext *
open_decoder(const char *display, const AVCodec *decoder, const AVCodecParameters *par, int threads,
             GError **error)
{
  AVCodecContext *codec = avcodec_alloc_context3(decoder);
  char reason[256];
  int ret;

  if (codec == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE, "Cannot decode “%s”: out of memory", display);
    return NULL;
  }
  ret = avcodec_parameters_to_context(codec, par);
  if (ret >= 0) {
    codec->thread_count = threads;
    /* The decoder refuses larger pictures before allocating them. */
    codec->max_pixels = (int64_t)CS_SWEEP_MAX_SIDE * CS_SWEEP_MAX_SIDE;
    media_clear_log();
    ret = avcodec_open2(codec, decoder, NULL);
  }
  if (ret < 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "Cannot start the %s decoder for “%s”: %s",
                decoder->name, display, media_reason(ret, reason, sizeof reason));
    avcodec_free_context(&codec);
    return NULL;
  }
  return codec;
}

/* ---------------------------------------------------------------------------------------------
 * Gray conversion
 */

/* Copies or converts @src to a new gray frame of the sweep's size. */
static CsFrame *
cs_sweep_to_gray(CsSweep *self, const AVFrame *src, int index, GError **error)
{
  SweepShared *shared = self->shared;
  g_autofree char *display = g_filename_display_name(shared->path);
  enum AVPixelFormat format = src->format;
  CsFrame *frame;
  int full_range;

  if (src->width != shared->width || src->height != shared->height) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "Frame %d of “%s” is %d x %d pixels, unlike the sweep's %d x %d", index, display,
                src->width, src->height, shared->width, shared->height);
    return NULL;
  }
  frame = cs_frame_new(src->width, src->height);
  frame->index = index;

  if (format == AV_PIX_FMT_GRAY8) {
    for (int y = 0; y < src->height; y++)
      memcpy(frame->data + (gsize)y * frame->stride, src->data[0] + (gsize)y * src->linesize[0],
             (gsize)src->width);
    return frame;
  }

  /* The JPEG ("yuvj") formats are deprecated aliases of full-range YUV: swscale warns about them
   * and would rebuild its context on every frame, so they are mapped and the range said
   * explicitly. */
  full_range = src->color_range == AVCOL_RANGE_JPEG;
  switch (format) {
    case AV_PIX_FMT_YUVJ420P:
      format = AV_PIX_FMT_YUV420P;
      full_range = 1;
      break;
    case AV_PIX_FMT_YUVJ422P:
      format = AV_PIX_FMT_YUV422P;
      full_range = 1;
      break;
    case AV_PIX_FMT_YUVJ444P:
      format = AV_PIX_FMT_YUV444P;
      full_range = 1;
      break;
    case AV_PIX_FMT_YUVJ440P:
      format = AV_PIX_FMT_YUV440P;
      full_range = 1;
      break;
    case AV_PIX_FMT_YUVJ411P:
      format = AV_PIX_FMT_YUV411P;
      full_range = 1;
      break;
    default:
      break;
  }

  if (self->sws == NULL || self->sws_width != src->width || self->sws_height != src->height ||
      self->sws_format != (int)format || self->sws_full_range != full_range) {
    const int *coefficients = sws_getCoefficients(SWS_CS_DEFAULT);

    sws_freeContext(self->sws);
    self->sws =
        sws_getContext(src->width, src->height, format, src->width, src->height, AV_PIX_FMT_GRAY8,
                       SWS_BILINEAR | SWS_ACCURATE_RND | SWS_BITEXACT, NULL, NULL, NULL);
    if (self->sws == NULL) {
      const char *name = av_get_pix_fmt_name(format);
      g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                  "Frame %d of “%s” has pixel format %s, which cannot be converted to gray", index,
                  display, name != NULL ? name : "(unknown)");
      cs_frame_unref(frame);
      return NULL;
    }
    sws_setColorspaceDetails(self->sws, coefficients, full_range, coefficients, 1, 0, 1 << 16,
                             1 << 16);
    self->sws_width = src->width;
    self->sws_height = src->height;
    self->sws_format = format;
    self->sws_full_range = full_range;
  }
  {
    uint8_t *dst_data[4] = { frame->data, NULL, NULL, NULL };
    int dst_linesize[4] = { frame->stride, 0, 0, 0 };
    int ret = sws_scale(self->sws, (const uint8_t *const *)src->data, src->linesize, 0, src->height,
                        dst_data, dst_linesize);
    if (ret != src->height) {
      g_set_error(error, CS_ERROR, CS_ERROR_FAILED,
                  "Frame %d of “%s” could not be converted to gray", index, display);
      cs_frame_unref(frame);
      return NULL;
    }
  }
  return frame;
}

/* ---------------------------------------------------------------------------------------------
 * Images
 */

/* Reads the frame size an image header claims (PNG, BMP, JPEG), so that a huge claim is refused
 * with its numbers before any decoder sees it. Returns FALSE when the header says nothing. */
static gboolean
sniff_image_size(const char *path, gint64 *width, gint64 *height)
{
  guint8 head[4096];
  gsize n;
  FILE *file = g_fopen(path, "rb");

  if (file == NULL)
    return FALSE;
  n = fread(head, 1, sizeof head, file);
  fclose(file);
  if (n >= 24 && memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(head + 12, "IHDR", 4) == 0) {
    *width = ((gint64)head[16] << 24) | (head[17] << 16) | (head[18] << 8) | head[19];
    *height = ((gint64)head[20] << 24) | (head[21] << 16) | (head[22] << 8) | head[23];
    return TRUE;
  }
  if (n >= 26 && head[0] == 'B' && head[1] == 'M') {
    guint32 w, h;
    memcpy(&w, head + 18, sizeof w);
    memcpy(&h, head + 22, sizeof h);
    /* A negative height means rows stored top-down. */
    *width = ABS((gint64)(gint32)GUINT32_FROM_LE(w));
    *height = ABS((gint64)(gint32)GUINT32_FROM_LE(h));
    return TRUE;
  }
  if (n >= 4 && head[0] == 0xFF && head[1] == 0xD8) {
    gsize p = 2;
    while (p + 9 < n && head[p] == 0xFF) {
      guint8 marker = head[p + 1];
      gsize length = ((gsize)head[p + 2] << 8) | head[p + 3];
      /* Start-of-frame markers C0-CF, except DHT (C4), JPG (C8) and DAC (CC). */
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        *height = ((gint64)head[p + 5] << 8) | head[p + 6];
        *width = ((gint64)head[p + 7] << 8) | head[p + 8];
        return TRUE;
      }
      p += 2 + length;
    }
  }
  return FALSE;
}

/* Decodes the single image @path into a gray frame; sets the sweep's size if still unknown. */
static CsFrame *
cs_sweep_decode_image(CsSweep *self, const char *path, int index, GError **error)
{
  SweepShared *shared = self->shared;
  g_autofree char *display = g_filename_display_name(path);
  AVIOContext *io = NULL;
  AVFormatContext *format = NULL;
  AVCodecContext *codec = NULL;
  const AVCodec *decoder;
  CsFrame *frame = NULL;
  char reason[256];
  int ret;

  {
    gint64 claimed_width = 0, claimed_height = 0;
    if (sniff_image_size(path, &claimed_width, &claimed_height) &&
        (claimed_width > CS_SWEEP_MAX_SIDE || claimed_height > CS_SWEEP_MAX_SIDE)) {
      g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE,
                  "“%s” claims an image of %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                  " pixels; Carpalscope accepts at most %d x %d",
                  display, claimed_width, claimed_height, CS_SWEEP_MAX_SIDE, CS_SWEEP_MAX_SIDE);
      return NULL;
    }
  }
  format = open_demuxer(path, IMAGE_FORMATS, &io, error);
  if (format == NULL)
    return NULL;
  if (format->nb_streams < 1 || format->streams[0]->codecpar->codec_type != AVMEDIA_TYPE_VIDEO) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” contains no image", display);
    goto out;
  }
  decoder = check_stream(display, format->streams[0]->codecpar, error);
  if (decoder == NULL)
    goto out;
  if (shared->codec_name == NULL)
    shared->codec_name = g_strdup(decoder->name);
  codec = open_decoder(display, decoder, format->streams[0]->codecpar, 1, error);
  if (codec == NULL)
    goto out;

  media_clear_log();
  ret = av_read_frame(format, self->packet);
  if (ret < 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "Cannot read the image in “%s”: %s", display,
                media_reason(ret, reason, sizeof reason));
    goto out;
  }
  ret = avcodec_send_packet(codec, self->packet);
  av_packet_unref(self->packet);
  if (ret >= 0)
    ret = avcodec_send_packet(codec, NULL);
  if (ret >= 0)
    ret = avcodec_receive_frame(codec, self->av_frame);
  if (ret < 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "Cannot decode the image in “%s”: %s", display,
                media_reason(ret, reason, sizeof reason));
    goto out;
  }
  g_atomic_int_inc(&shared->decode_count);
  if (self->av_frame->width > CS_SWEEP_MAX_SIDE || self->av_frame->height > CS_SWEEP_MAX_SIDE) {
    g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE,
                "“%s” is an image of %d x %d pixels; Carpalscope accepts at most %d x %d", display,
                self->av_frame->width, self->av_frame->height, CS_SWEEP_MAX_SIDE,
                CS_SWEEP_MAX_SIDE);
    goto out;
  }
  if (shared->width == 0) {
    shared->width = self->av_frame->width;
    shared->height = self->av_frame->height;
  }
  if (self->av_frame->width != shared->width || self->av_frame->height != shared->height) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "Image “%s” (frame %d) is %d x %d pixels, unlike the sweep's %d x %d", display,
                index, self->av_frame->width, self->av_frame->height, shared->width,
                shared->height);
    goto out;
  }
  frame = cs_sweep_to_gray(self, self->av_frame, index, error);

out:
  av_frame_unref(self->av_frame);
  avcodec_free_context(&codec);
  avformat_close_input(&format);
  file_io_free(&io);
  return frame;
}

static gboolean
has_image_extension(const char *name, char **extension_out)
{
  const char *dot = strrchr(name, '.');
  g_autofree char *lower = NULL;

  if (dot == NULL || dot == name)
    return FALSE;
  lower = g_ascii_strdown(dot + 1, -1);
  if (!g_strv_contains(image_extensions, lower))
    return FALSE;
  *extension_out = g_steal_pointer(&lower);
  return TRUE;
}

typedef struct {
  char *name;
  gint64 number;
} NumberedImage;

static int
compare_numbered(const void *a, const void *b)
{
  const NumberedImage *x = a, *y = b;

  if (x->number != y->number)
    return x->number < y->number ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* Lists the numbered images of folder @dir in frame order; refuses gaps and mixed series. */
static char **
scan_image_folder(const char *dir, GError **error)
{
  g_autofree char *display = g_filename_display_name(dir);
  g_autoptr(GDir) folder = NULL;
  g_autoptr(GArray) images = g_array_new(FALSE, FALSE, sizeof(NumberedImage));
  g_autofree char *series_prefix = NULL;
  g_autofree char *series_extension = NULL;
  g_autofree char *series_example = NULL;
  gboolean series_numbered = FALSE;
  GPtrArray *files = NULL;
  const char *name;
  gboolean ok = FALSE;
  GError *local_error = NULL;

  folder = g_dir_open(dir, 0, &local_error);
  if (folder == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "Cannot read folder “%s”: %s", display,
                local_error->message);
    g_error_free(local_error);
    return NULL;
  }
  while ((name = g_dir_read_name(folder)) != NULL) {
    g_autofree char *extension = NULL;
    g_autofree char *stem = NULL;
    NumberedImage image;
    gsize len, digits = 0;

    if (name[0] == '.' || !has_image_extension(name, &extension))
      continue;
    stem = g_strndup(name, strlen(name) - strlen(extension) - 1);
    len = strlen(stem);
    while (digits < len && g_ascii_isdigit(stem[len - 1 - digits]))
      digits++;
    image.name = g_strdup(name);
    image.number = -1;
    if (digits > 0 && digits <= 9)
      image.number = g_ascii_strtoll(stem + len - digits, NULL, 10);
    stem[len - digits] = '\0';
    if (series_prefix == NULL) {
      series_prefix = g_strdup(stem);
      series_extension = g_strdup(extension);
      series_example = g_strdup(name);
      series_numbered = image.number >= 0;
    } else if (strcmp(stem, series_prefix) != 0 || strcmp(extension, series_extension) != 0) {
      if (image.number < 0 || !series_numbered)
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                    "Image “%s” in folder “%s” has no frame number at the end of its name",
                    image.number < 0 ? name : series_example, display);
      else
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                    "Folder “%s” mixes images of different series (“%s” and “%s”); a sweep "
                    "folder holds one series of numbered images",
                    display, series_example, name);
      g_free(image.name);
      goto out;
    }
    g_array_append_val(images, image);
    if (images->len > CS_SWEEP_MAX_FRAMES) {
      g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE,
                  "Folder “%s” holds more than %d images; Carpalscope accepts at most %d frames",
                  display, CS_SWEEP_MAX_FRAMES, CS_SWEEP_MAX_FRAMES);
      goto out;
    }
  }
  if (images->len == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND,
                "Folder “%s” contains no images (PNG, JPEG, BMP, TIFF, PGM)", display);
    goto out;
  }
  if (images->len > 1) {
    for (guint i = 0; i < images->len; i++) {
      NumberedImage *image = &g_array_index(images, NumberedImage, i);
      if (image->number < 0) {
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                    "Image “%s” in folder “%s” has no frame number at the end of its name",
                    image->name, display);
        goto out;
      }
    }
  }
  g_array_sort(images, compare_numbered);
  for (guint i = 1; i < images->len; i++) {
    NumberedImage *a = &g_array_index(images, NumberedImage, i - 1);
    NumberedImage *b = &g_array_index(images, NumberedImage, i);
    if (a->number == b->number) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "Images “%s” and “%s” in folder “%s” both have frame number %" G_GINT64_FORMAT,
                  a->name, b->name, display, a->number);
      goto out;
    }
    if (b->number != a->number + 1) {
      if (b->number == a->number + 2)
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                    "Folder “%s” has a gap: frame number %" G_GINT64_FORMAT
                    " is missing between “%s” and “%s”",
                    display, a->number + 1, a->name, b->name);
      else
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                    "Folder “%s” has a gap: frame numbers %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                    " are missing between “%s” and “%s”",
                    display, a->number + 1, b->number - 1, a->name, b->name);
      goto out;
    }
  }
  files = g_ptr_array_new();
  for (guint i = 0; i < images->len; i++)
    g_ptr_array_add(files,
                    g_build_filename(dir, g_array_index(images, NumberedImage, i).name, NULL));
  g_ptr_array_add(files, NULL);
  ok = TRUE;

out:
  for (guint i = 0; i < images->len; i++)
    g_free(g_array_index(images, NumberedImage, i).name);
  if (!ok)
    return NULL;
  return (char **)g_ptr_array_free(files, FALSE);
}

/* ---------------------------------------------------------------------------------------------
 * Video
 */

/* Opens the demuxer and the decoder of this reader; the stream must match the shared index. */
static gboolean
cs_sweep_open_video(CsSweep *self, gboolean first, gboolean *is_image, GError **error)
{
  SweepShared *shared = self->shared;
  g_autofree char *display = g_filename_display_name(shared->path);
  const AVCodec *decoder;
  AVCodecParameters *par;
  AVStream *stream;
  int index;

  self->format = open_demuxer(shared->path, first ? ALL_FORMATS : VIDEO_FORMATS, &self->io, error);
  if (self->format == NULL)
    return FALSE;
  if (is_image != NULL)
    *is_image = av_match_list(self->format->iformat->name, IMAGE_FORMATS, ',') > 0;
  if (is_image != NULL && *is_image)
    return TRUE;
  index = av_find_best_stream(self->format, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
  if (index < 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” contains no video", display);
    return FALSE;
  }
  if (!first && index != shared->stream_index) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "“%s” changed since it was opened", display);
    return FALSE;
  }
  for (unsigned i = 0; i < self->format->nb_streams; i++)
    self->format->streams[i]->discard = (int)i == index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
  stream = self->format->streams[index];
  par = stream->codecpar;
  decoder = check_stream(display, par, error);
  if (decoder == NULL)
    return FALSE;
  if (par->width == 0 || par->height == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s” does not say the size of its frames (damaged header?)", display);
    return FALSE;
  }
  self->codec = open_decoder(display, decoder, par, 0, error);
  if (self->codec == NULL)
    return FALSE;
  if (first) {
    shared->stream_index = index;
    shared->time_base = stream->time_base;
    shared->width = par->width;
    shared->height = par->height;
    shared->codec_name = g_strdup(decoder->name);
    if (stream->avg_frame_rate.num > 0 && stream->avg_frame_rate.den > 0)
      shared->frame_rate = av_q2d(stream->avg_frame_rate);
    {
      AVRational sar = av_guess_sample_aspect_ratio(self->format, stream, NULL);
      shared->pixel_aspect = sar.num > 0 && sar.den > 0 ? av_q2d(sar) : 1.0;
    }
  } else if (par->width != shared->width || par->height != shared->height) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "“%s” changed since it was opened", display);
    return FALSE;
  }
  return TRUE;
}

static gint64
packet_timestamp(const AVPacket *packet)
{
  return packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
}

static int
compare_packet_ts(const void *a, const void *b, void *user_data)
{
  const gint64 *ts = user_data;
  gint64 x = ts[*(const int *)a], y = ts[*(const int *)b];

  return x < y ? -1 : x > y;
}

/* Reads every packet of the video stream once (no decoding) and builds the frame index. */
static gboolean
cs_sweep_index_video(CsSweep *self, GError **error)
{
  SweepShared *shared = self->shared;
  g_autofree char *display = g_filename_display_name(shared->path);
  g_autoptr(GArray) ts = g_array_new(FALSE, FALSE, sizeof(gint64));
  g_autoptr(GArray) key = g_array_new(FALSE, FALSE, sizeof(gboolean));
  g_autoptr(GArray) discard = g_array_new(FALSE, FALSE, sizeof(gboolean));
  AVStream *stream = self->format->streams[shared->stream_index];
  gboolean corrupt = FALSE;
  char reason[256];
  int n, n_frames, ret;

  for (;;) {
    media_clear_log();
    ret = av_read_frame(self->format, self->packet);
    if (ret == AVERROR_EOF)
      break;
    if (ret < 0) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” is damaged after %u frames: %s", display,
                  ts->len, media_reason(ret, reason, sizeof reason));
      return FALSE;
    }
    if (self->packet->stream_index == shared->stream_index) {
      gint64 t = packet_timestamp(self->packet);
      gboolean k = (self->packet->flags & AV_PKT_FLAG_KEY) != 0;
      gboolean d = (self->packet->flags & AV_PKT_FLAG_DISCARD) != 0;

      if (self->packet->flags & AV_PKT_FLAG_CORRUPT)
        corrupt = TRUE;
      if (t == AV_NOPTS_VALUE) {
        g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                    "Frame %u of “%s” has no timestamp, so frames cannot be found exactly", ts->len,
                    display);
        av_packet_unref(self->packet);
        return FALSE;
      }
      g_array_append_val(ts, t);
      g_array_append_val(key, k);
      g_array_append_val(discard, d);
      if (ts->len > CS_SWEEP_MAX_FRAMES) {
        g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE,
                    "“%s” has more than %d frames; Carpalscope accepts at most %d", display,
                    CS_SWEEP_MAX_FRAMES, CS_SWEEP_MAX_FRAMES);
        av_packet_unref(self->packet);
        return FALSE;
      }
    }
    av_packet_unref(self->packet);
  }

  n = (int)ts->len;
  if (corrupt || (stream->nb_frames > 0 && n < stream->nb_frames)) {
    if (stream->nb_frames > 0)
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "“%s” is truncated: its data ends after %d of %" G_GINT64_FORMAT " frames",
                  display, corrupt ? n - 1 : n, (gint64)stream->nb_frames);
    else
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "“%s” is truncated: its data ends inside frame %d", display, n - 1);
    return FALSE;
  }

  if (n == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” contains no video frames", display);
    return FALSE;
  }
  /* A stream cut without re-encoding may start after its keyframe. What comes before the first
   * keyframe in decode order, or is shown before it, lacks its references: decoders skip it or
   * show garbage, so it is not a frame of the sweep. Without any keyframe flag at all (some AVI
   * writers), the first packet has to do. */
  {
    int first_key = 0;
    while (first_key < n && !g_array_index(key, gboolean, first_key))
      first_key++;
    if (first_key == n) {
      first_key = 0;
      g_array_index(key, gboolean, 0) = TRUE;
    }
    for (int pos = 0; pos < n; pos++)
      if (pos < first_key || g_array_index(ts, gint64, pos) < g_array_index(ts, gint64, first_key))
        g_array_index(discard, gboolean, pos) = TRUE;
    for (int pos = 0; pos < first_key; pos++)
      g_array_index(key, gboolean, pos) = FALSE;
    shared->first_key_pos = first_key;
  }

  shared->n_packets = n;
  shared->packet_ts = g_new(gint64, MAX(n, 1));
  shared->packet_key = g_new(gboolean, MAX(n, 1));
  shared->packet_by_ts = g_new(int, MAX(n, 1));
  shared->prev_key_pos = g_new(int, MAX(n, 1));
  memcpy(shared->packet_ts, ts->data, sizeof(gint64) * n);
  memcpy(shared->packet_key, key->data, sizeof(gboolean) * n);
  for (int pos = 0; pos < n; pos++) {
    shared->packet_by_ts[pos] = pos;
    shared->prev_key_pos[pos] =
        shared->packet_key[pos] || pos == 0 ? pos : shared->prev_key_pos[pos - 1];
  }
  g_qsort_with_data(shared->packet_by_ts, n, sizeof(int), compare_packet_ts, shared->packet_ts);
  for (int i = 1; i < n; i++)
    if (shared->packet_ts[shared->packet_by_ts[i]] ==
        shared->packet_ts[shared->packet_by_ts[i - 1]]) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "“%s” has two frames with the same timestamp, so frames cannot be told apart",
                  display);
      return FALSE;
    }

  n_frames = 0;
  for (int i = 0; i < n; i++)
    if (!g_array_index(discard, gboolean, shared->packet_by_ts[i]))
      n_frames++;
  if (n_frames == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” contains no video frames", display);
    return FALSE;
  }
  shared->n_frames = n_frames;
  shared->frame_ts = g_new(gint64, n_frames);
  shared->frame_pos = g_new(int, n_frames);
  shared->frame_key_pos = g_new(int, n_frames);
  n_frames = 0;
  for (int i = 0; i < n; i++) {
    int pos = shared->packet_by_ts[i];
    if (g_array_index(discard, gboolean, pos))
      continue;
    shared->frame_ts[n_frames] = shared->packet_ts[pos];
    shared->frame_pos[n_frames] = pos;
    n_frames++;
  }
  /* K(i): the last keyframe before frame i in decode order that is not shown after it. */
  for (int i = 0; i < shared->n_frames; i++) {
    int k = shared->prev_key_pos[shared->frame_pos[i]];
    while (k > shared->first_key_pos && shared->packet_ts[k] > shared->frame_ts[i])
      k = shared->prev_key_pos[k - 1];
    shared->frame_key_pos[i] = k;
  }

  /* The mean rate from the frames' own times: headers state a nominal rate that variable-rate
   * recordings do not keep. The header's rate stays for a sweep of one frame. */
  if (shared->n_frames > 1) {
    double span = (double)(shared->frame_ts[shared->n_frames - 1] - shared->frame_ts[0]) *
                  av_q2d(shared->time_base);
    if (span > 0)
      shared->frame_rate = (shared->n_frames - 1) / span;
  }
  return TRUE;
}

/* Reads the next packet of the video stream into self->packet. */
static int
cs_sweep_read_packet(CsSweep *self)
{
  for (;;) {
    int ret = av_read_frame(self->format, self->packet);
    if (ret < 0)
      return ret;
    if (self->packet->stream_index == self->shared->stream_index)
      return 0;
    av_packet_unref(self->packet);
  }
}

/* Positions the decoder at a keyframe from which frame @target decodes exactly. */
static gboolean
cs_sweep_seek(CsSweep *self, int target, GError **error)
{
  SweepShared *shared = self->shared;
  int key_pos = shared->frame_key_pos[target];

  av_packet_unref(self->packet);
  self->have_packet = FALSE;
  self->positioned = FALSE;
  for (int attempt = 0; attempt < 3; attempt++) {
    int pos;

    if (attempt < 2 && self->format != NULL) {
      /* First the keyframe's own timestamp, then the keyframe before it, for demuxers that
       * index by dts or land late. */
      int try_pos = attempt == 0 || key_pos == 0 ? key_pos : shared->prev_key_pos[key_pos - 1];
      if (av_seek_frame(self->format, shared->stream_index, shared->packet_ts[try_pos],
                        AVSEEK_FLAG_BACKWARD) < 0)
        continue;
    } else {
      /* Last resort: reopen the file and start from the beginning, which is always right. */
      cs_sweep_close_input(self);
      self->format = open_demuxer(shared->path, VIDEO_FORMATS, &self->io, error);
      if (self->format == NULL)
        return FALSE;
      for (unsigned i = 0; i < self->format->nb_streams; i++)
        self->format->streams[i]->discard =
            (int)i == shared->stream_index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
    }
    avcodec_flush_buffers(self->codec);
    /* Where did the demuxer land? Skip to the first keyframe at or after it. */
    for (;;) {
      if (cs_sweep_read_packet(self) < 0) {
        pos = G_MAXINT;
        break;
      }
      pos = shared_packet_of_ts(shared, packet_timestamp(self->packet));
      if (pos < 0 || pos > key_pos) {
        pos = G_MAXINT;
        av_packet_unref(self->packet);
        break;
      }
      if (shared->packet_key[pos])
        break;
      av_packet_unref(self->packet);
    }
    if (pos > key_pos)
      continue;
    self->have_packet = TRUE;
    self->positioned = TRUE;
    self->draining = FALSE;
    self->valid_ts = shared->packet_ts[pos];
    self->last_out = shared_first_frame_at(shared, self->valid_ts) - 1;
    return TRUE;
  }
  {
    g_autofree char *display = g_filename_display_name(shared->path);
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "Cannot find frame %d in “%s”: the file's index does not lead to it", target,
                display);
  }
  return FALSE;
}

/* Decodes forward from the current position until frame @target comes out. */
static CsFrame *
cs_sweep_decode_until(CsSweep *self, int target, GError **error)
{
  SweepShared *shared = self->shared;

  self->last_decode_error[0] = '\0';
  for (;;) {
    int ret = avcodec_receive_frame(self->codec, self->av_frame);

    if (ret == 0) {
      gint64 ts = self->av_frame->pts != AV_NOPTS_VALUE ? self->av_frame->pts
                                                        : self->av_frame->best_effort_timestamp;
      int index = shared_frame_of_ts(shared, ts);
      CsFrame *frame;

      g_atomic_int_inc(&shared->decode_count);
      if (index < 0 || ts < self->valid_ts) {
        av_frame_unref(self->av_frame);
        continue;
      }
      frame = cs_sweep_to_gray(self, self->av_frame, index, error);
      av_frame_unref(self->av_frame);
      if (frame == NULL) {
        self->positioned = FALSE;
        return NULL;
      }
      frame->time = (double)ts * av_q2d(shared->time_base);
      cache_insert(shared, frame);
      self->last_out = index;
      if (index == target)
        return frame;
      cs_frame_unref(frame);
      if (index > target)
        break;
      continue;
    }
    if (ret == AVERROR(EAGAIN) && !self->draining) {
      if (!self->have_packet) {
        media_clear_log();
        ret = cs_sweep_read_packet(self);
        if (ret == AVERROR_EOF) {
          self->draining = TRUE;
          avcodec_send_packet(self->codec, NULL);
          continue;
        }
        if (ret < 0) {
          media_reason(ret, self->last_decode_error, sizeof self->last_decode_error);
          break;
        }
      }
      media_clear_log();
      ret = avcodec_send_packet(self->codec, self->packet);
      av_packet_unref(self->packet);
      self->have_packet = FALSE;
      /* A damaged packet loses its frames, not the stream: note why and go on. */
      if (ret < 0 && ret != AVERROR(EAGAIN))
        media_reason(ret, self->last_decode_error, sizeof self->last_decode_error);
      continue;
    }
    if (ret != AVERROR_EOF)
      media_reason(ret, self->last_decode_error, sizeof self->last_decode_error);
    break;
  }

  self->positioned = FALSE;
  {
    g_autofree char *display = g_filename_display_name(shared->path);
    if (self->last_decode_error[0] != '\0')
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "Frame %d of “%s” cannot be decoded: %s",
                  target, display, self->last_decode_error);
    else
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "Frame %d of “%s” cannot be decoded: the decoder skipped it (damaged data?)",
                  target, display);
  }
  return NULL;
}

static CsFrame *
cs_sweep_decode_video(CsSweep *self, int target, GError **error)
{
  SweepShared *shared = self->shared;
  int key_frame = shared_first_frame_at(shared, shared->packet_ts[shared->frame_key_pos[target]]);

  if (!(self->positioned && self->last_out < target &&
        key_frame - self->last_out <= CONTINUE_SLACK)) {
    if (!cs_sweep_seek(self, target, error))
      return NULL;
  }
  return cs_sweep_decode_until(self, target, error);
}

/* ---------------------------------------------------------------------------------------------
 * Public API
 */

static CsSweep *
cs_sweep_new_reader(SweepShared *shared)
{
  CsSweep *self = g_object_new(CS_TYPE_SWEEP, NULL);

  self->shared = shared_ref(shared);
  self->packet = av_packet_alloc();
  self->av_frame = av_frame_alloc();
  g_assert(self->packet != NULL && self->av_frame != NULL);
  return self;
}

CsSweep *
cs_sweep_open(const char *path, GError **error)
{
  g_autoptr(SweepShared) shared = NULL;
  g_autoptr(CsSweep) self = NULL;
  g_autoptr(CsFrame) first = NULL;
  g_autofree char *display = NULL;
  GStatBuf st;

  g_return_val_if_fail(path != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  media_init_once();
  display = g_filename_display_name(path);
  if (g_stat(path, &st) != 0) {
    int saved = errno;
    g_set_error(error, CS_ERROR, saved == ENOENT ? CS_ERROR_NOT_FOUND : CS_ERROR_IO,
                "Cannot open “%s”: %s", display, g_strerror(saved));
    return NULL;
  }
  shared = shared_new(path);
  self = cs_sweep_new_reader(shared);

  if (S_ISDIR(st.st_mode)) {
    shared->kind = CS_SWEEP_KIND_IMAGE_FOLDER;
    shared->files = scan_image_folder(path, error);
    if (shared->files == NULL)
      return NULL;
    shared->n_frames = (int)g_strv_length(shared->files);
  } else if (!S_ISREG(st.st_mode)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” is not a regular file or folder", display);
    return NULL;
  } else if (st.st_size == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” is empty (0 bytes)", display);
    return NULL;
  } else {
    gboolean is_image = FALSE;

    if (!cs_sweep_open_video(self, TRUE, &is_image, error))
      return NULL;
    if (is_image) {
      /* A still image: decoded like a folder of one. */
      cs_sweep_close_input(self);
      shared->kind = CS_SWEEP_KIND_STILL_IMAGE;
      shared->files = g_new0(char *, 2);
      shared->files[0] = g_strdup(path);
      shared->n_frames = 1;
      shared->width = shared->height = 0;
      shared->frame_rate = 0;
    } else {
      shared->kind = CS_SWEEP_KIND_VIDEO;
      if (!cs_sweep_index_video(self, error))
        return NULL;
    }
  }
  shared_init_cache(shared);

  /* Decoding frame 0 now turns a file that cannot be shown into an error at once. */
  first = cs_sweep_get_frame(self, 0, error);
  if (first == NULL)
    return NULL;
  return g_steal_pointer(&self);
}

static void
open_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  CsSweep *sweep = cs_sweep_open(task_data, &error);

  if (sweep == NULL)
    g_task_return_error(task, error);
  else
    g_task_return_pointer(task, sweep, g_object_unref);
}

void
cs_sweep_open_async(const char *path, GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail(path != NULL);
  task = g_task_new(NULL, cancellable, callback, user_data);
  g_task_set_source_tag(task, cs_sweep_open_async);
  g_task_set_task_data(task, g_strdup(path), g_free);
  g_task_run_in_thread(task, open_worker);
}

CsSweep *
cs_sweep_open_finish(GAsyncResult *result, GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
  return g_task_propagate_pointer(G_TASK(result), error);
}

CsSweep *
cs_sweep_open_reader(CsSweep *sweep, GError **error)
{
  g_autoptr(CsSweep) self = NULL;

  g_return_val_if_fail(CS_IS_SWEEP(sweep), NULL);
  self = cs_sweep_new_reader(sweep->shared);
  if (sweep->shared->kind == CS_SWEEP_KIND_VIDEO && !cs_sweep_open_video(self, FALSE, NULL, error))
    return NULL;
  return g_steal_pointer(&self);
}

const char *
cs_sweep_get_path(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), NULL);
  return sweep->shared->path;
}

CsSweepKind
cs_sweep_get_kind(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), CS_SWEEP_KIND_VIDEO);
  return sweep->shared->kind;
}

int
cs_sweep_get_n_frames(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), 0);
  return sweep->shared->n_frames;
}

int
cs_sweep_get_width(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), 0);
  return sweep->shared->width;
}

int
cs_sweep_get_height(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), 0);
  return sweep->shared->height;
}

double
cs_sweep_get_frame_rate(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), 0);
  return sweep->shared->frame_rate;
}

double
cs_sweep_get_frame_time(CsSweep *sweep, int index)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), -1);
  g_return_val_if_fail(index >= 0 && index < sweep->shared->n_frames, -1);
  if (sweep->shared->kind != CS_SWEEP_KIND_VIDEO)
    return -1;
  return (double)sweep->shared->frame_ts[index] * av_q2d(sweep->shared->time_base);
}

double
cs_sweep_get_pixel_aspect(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), 1.0);
  return sweep->shared->pixel_aspect;
}

const char *
cs_sweep_get_codec_name(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), NULL);
  return sweep->shared->codec_name;
}

const char *
cs_sweep_get_frame_file(CsSweep *sweep, int index)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), NULL);
  g_return_val_if_fail(index >= 0 && index < sweep->shared->n_frames, NULL);
  if (sweep->shared->files == NULL)
    return NULL;
  return sweep->shared->files[index];
}

CsFrame *
cs_sweep_get_frame(CsSweep *sweep, int index, GError **error)
{
  SweepShared *shared;
  CsFrame *frame;

  g_return_val_if_fail(CS_IS_SWEEP(sweep), NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);
  shared = sweep->shared;
  if (index < 0 || index >= shared->n_frames) {
    g_autofree char *display = g_filename_display_name(shared->path);
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND,
                "Frame %d does not exist: “%s” has frames 0 to %d", index, display,
                shared->n_frames - 1);
    return NULL;
  }
  frame = cache_lookup(shared, index);
  if (frame != NULL)
    return frame;

  g_mutex_lock(&sweep->decode_lock);
  /* Another reader may have decoded it while this one waited. */
  frame = cache_lookup(shared, index);
  if (frame == NULL) {
    if (shared->kind == CS_SWEEP_KIND_VIDEO) {
      frame = cs_sweep_decode_video(sweep, index, error);
    } else {
      frame = cs_sweep_decode_image(sweep, shared->files[index], index, error);
      if (frame != NULL)
        cache_insert(shared, frame);
    }
  }
  g_mutex_unlock(&sweep->decode_lock);
  return frame;
}

static void
get_frame_worker(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  CsFrame *frame;

  if (g_task_return_error_if_cancelled(task))
    return;
  frame = cs_sweep_get_frame(CS_SWEEP(source), GPOINTER_TO_INT(task_data), &error);
  if (frame == NULL)
    g_task_return_error(task, error);
  else
    g_task_return_pointer(task, frame, (GDestroyNotify)cs_frame_unref);
}

void
cs_sweep_get_frame_async(CsSweep *sweep, int index, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail(CS_IS_SWEEP(sweep));
  task = g_task_new(sweep, cancellable, callback, user_data);
  g_task_set_source_tag(task, cs_sweep_get_frame_async);
  g_task_set_task_data(task, GINT_TO_POINTER(index), NULL);
  g_task_run_in_thread(task, get_frame_worker);
}

CsFrame *
cs_sweep_get_frame_finish(CsSweep *sweep, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, sweep), NULL);
  return g_task_propagate_pointer(G_TASK(result), error);
}

CsFrame *
cs_sweep_lookup_frame(CsSweep *sweep, int index)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), NULL);
  if (index < 0 || index >= sweep->shared->n_frames)
    return NULL;
  return cache_lookup(sweep->shared, index);
}

void
cs_sweep_set_cache_budget(CsSweep *sweep, gsize bytes)
{
  g_return_if_fail(CS_IS_SWEEP(sweep));
  g_mutex_lock(&sweep->shared->cache_lock);
  sweep->shared->cache_budget = bytes;
  cache_trim_locked(sweep->shared);
  g_mutex_unlock(&sweep->shared->cache_lock);
}

gsize
cs_sweep_get_cache_budget(CsSweep *sweep)
{
  gsize bytes;

  g_return_val_if_fail(CS_IS_SWEEP(sweep), 0);
  g_mutex_lock(&sweep->shared->cache_lock);
  bytes = sweep->shared->cache_budget;
  g_mutex_unlock(&sweep->shared->cache_lock);
  return bytes;
}

gsize
cs_sweep_get_cache_bytes(CsSweep *sweep)
{
  gsize bytes;

  g_return_val_if_fail(CS_IS_SWEEP(sweep), 0);
  g_mutex_lock(&sweep->shared->cache_lock);
  bytes = sweep->shared->cache_bytes;
  g_mutex_unlock(&sweep->shared->cache_lock);
  return bytes;
}

void
cs_sweep_clear_cache(CsSweep *sweep)
{
  gsize budget;

  g_return_if_fail(CS_IS_SWEEP(sweep));
  g_mutex_lock(&sweep->shared->cache_lock);
  budget = sweep->shared->cache_budget;
  sweep->shared->cache_budget = 0;
  cache_trim_locked(sweep->shared);
  sweep->shared->cache_budget = budget;
  g_mutex_unlock(&sweep->shared->cache_lock);
}

guint
cs_sweep_get_decode_count(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), 0);
  return (guint)g_atomic_int_get(&sweep->shared->decode_count);
}
