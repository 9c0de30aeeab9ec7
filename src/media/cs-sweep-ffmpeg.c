/* cs-sweep-ffmpeg.c — FFmpeg for sweeps: its log kept, files opened safely, frames made gray
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything a sweep reads goes through here: a local file read through our own I/O callbacks,
 * probed by content, opened only with the demuxers and decoders a sweep can need and with frame
 * sizes capped before anything is allocated. FFmpeg's log lines go to g_debug(), and its last
 * error on a thread is kept to explain a failure in one clear GError. Decoded pictures of any
 * pixel format come out as 8-bit gray, the same pixels as `ffmpeg -pix_fmt gray` gives.
 */
#include "config.h"

#include "cs-sweep-private.h"

#include "cs-error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdint.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libavutil/avstring.h>
#include <libavutil/pixdesc.h>

/* Decoders a sweep can need: what ultrasound consoles and our phantom write. */
#define DECODERS                                                                          \
  "h264,hevc,mpeg4,mpeg2video,msmpeg4v1,msmpeg4v2,msmpeg4,wmv1,wmv2,wmv3,vc1,mjpeg,ffv1," \
  "rawvideo,msrle,png,bmp,tiff,pgm,ppm"

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
void
cs_media_init_once(void)
{
  static gsize done = 0;

  if (g_once_init_enter(&done)) {
    av_log_set_callback(media_log_cb);
    g_once_init_leave(&done, 1);
  }
}

void
cs_media_clear_log(void)
{
  media_last_log[0] = '\0';
}

/* Returns FFmpeg's last logged error if any, else the text of @code. */
const char *
cs_media_reason(int code, char *buffer, gsize size)
{
  if (media_last_log[0] != '\0') {
    g_strlcpy(buffer, media_last_log, size);
    return buffer;
  }
  av_strerror(code, buffer, size);
  return buffer;
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

void
cs_media_file_io_free(AVIOContext **io)
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

void
cs_sweep_close_input(CsSweep *self)
{
  avformat_close_input(&self->format);
  cs_media_file_io_free(&self->io);
}

/* Opens @path with a demuxer from the comma-separated @allowed list. */
AVFormatContext *
cs_media_open_demuxer(const char *path, const char *allowed, AVIOContext **io_out, GError **error)
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
  cs_media_clear_log();
  ret = av_probe_input_buffer2(io, &input_format, "", NULL, 0, 0);
  if (ret < 0 || input_format == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s” is not a video or image Carpalscope can read (format not recognised)",
                display);
    cs_media_file_io_free(&io);
    return NULL;
  }
  if (av_match_list(input_format->name, allowed, ',') <= 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                "“%s” looks like %s, not a sweep format Carpalscope reads (MP4, MOV, AVI, MKV, "
                "WMV, PNG, JPEG, BMP, TIFF)",
                display,
                input_format->long_name != NULL ? input_format->long_name : input_format->name);
    cs_media_file_io_free(&io);
    return NULL;
  }

  format = avformat_alloc_context();
  if (format == NULL) {
    cs_media_file_io_free(&io);
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
  cs_media_clear_log();
  ret = avformat_open_input(&format, path, input_format, &options);
  av_dict_free(&options);
  if (ret < 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "Cannot read “%s”, it is damaged or incomplete: %s", display,
                cs_media_reason(ret, reason, sizeof reason));
    cs_media_file_io_free(&io);
    return NULL;
  }
  *io_out = io;
  return format;
}

/* Checks a decoder against the allowed list and the frame size against the caps. */
const AVCodec *
cs_media_check_stream(const char *display, const AVCodecParameters *par, GError **error)
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

AVCodecContext *
cs_media_open_decoder(const char *display, const AVCodec *decoder, const AVCodecParameters *par,
                      int threads, GError **error)
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
    cs_media_clear_log();
    ret = avcodec_open2(codec, decoder, NULL);
  }
  if (ret < 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "Cannot start the %s decoder for “%s”: %s",
                decoder->name, display, cs_media_reason(ret, reason, sizeof reason));
    avcodec_free_context(&codec);
    return NULL;
  }
  return codec;
}

/* ---------------------------------------------------------------------------------------------
 * Gray conversion
 */

/* Copies or converts @src to a new gray frame of the sweep's size. */
CsFrame *
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
