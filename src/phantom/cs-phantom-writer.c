/* cs-phantom-writer.c — encoding gray frames into a sweep file with FFmpeg
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-phantom-writer.h"

#include "cs-error.h"

#include <glib/gstdio.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>

struct _CsPhantomWriter {
  char *path;
  CsPhantomFormat format;
  int width, height;
  gint64 next_pts;
  AVFormatContext *fmt;
  AVCodecContext *codec;
  AVStream *stream;
  AVFrame *frame;
  AVPacket *packet;
  gboolean header_written;
};

static gboolean
set_av_error(GError **error, int code, const char *path, const char *what)
{
  char message[AV_ERROR_MAX_STRING_SIZE] = { 0 };

  av_strerror(code, message, sizeof message);
  g_set_error(error, CS_ERROR, CS_ERROR_IO, "%s: %s: %s", path, what, message);
  return FALSE;
}

gboolean
cs_phantom_format_from_string(const char *name, CsPhantomFormat *format, GError **error)
{
  if (g_strcmp0(name, "mkv") == 0 || g_strcmp0(name, "ffv1") == 0) {
    *format = CS_PHANTOM_FORMAT_FFV1_MKV;
    return TRUE;
  }
  if (g_strcmp0(name, "mp4") == 0 || g_strcmp0(name, "h264") == 0) {
    *format = CS_PHANTOM_FORMAT_H264_MP4;
    return TRUE;
  }
  g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "format '%s': must be 'mkv' or 'mp4'",
              name != NULL ? name : "");
  return FALSE;
}

CsPhantomFormat
cs_phantom_format_resolve(CsPhantomFormat format, const char *path)
{
  if (format != CS_PHANTOM_FORMAT_AUTO)
    return format;
  if (path != NULL && (g_str_has_suffix(path, ".mp4") || g_str_has_suffix(path, ".MP4")))
    return CS_PHANTOM_FORMAT_H264_MP4;
  return CS_PHANTOM_FORMAT_FFV1_MKV;
}

static void
writer_free(CsPhantomWriter *writer)
{
  if (writer->fmt != NULL && !(writer->fmt->oformat->flags & AVFMT_NOFILE))
    avio_closep(&writer->fmt->pb);
  avformat_free_context(writer->fmt);
  avcodec_free_context(&writer->codec);
  av_frame_free(&writer->frame);
  av_packet_free(&writer->packet);
  g_free(writer->path);
  g_free(writer);
}

void
cs_phantom_writer_abort(CsPhantomWriter *writer)
{
  g_autofree char *path = NULL;

  if (writer == NULL)
    return;
  path = g_strdup(writer->path);
  writer_free(writer);
  g_unlink(path);
}

/* Sets the encoder up for @fps frames a second: lossless FFV1 in gray, or H.264 in 4:2:0, both
 * bit-exact. */
static void
configure_encoder(CsPhantomWriter *writer, int fps)
{
  writer->codec->width = writer->width;
  writer->codec->height = writer->height;
  writer->codec->time_base = (AVRational){ 1, fps };
  writer->codec->framerate = (AVRational){ fps, 1 };
  writer->codec->sample_aspect_ratio = (AVRational){ 1, 1 };
  writer->codec->flags |= AV_CODEC_FLAG_BITEXACT;
  /* One thread: the study already runs one sweep per core. */
  writer->codec->thread_count = 1;
  if (writer->format == CS_PHANTOM_FORMAT_H264_MP4) {
    /* Plain 4:2:0 in limited range plays everywhere; gray goes into luma, chroma stays 128. */
    writer->codec->pix_fmt = AV_PIX_FMT_YUV420P;
    writer->codec->color_range = AVCOL_RANGE_MPEG;
    writer->codec->gop_size = 25;
    writer->codec->max_b_frames = 2;
    av_opt_set(writer->codec->priv_data, "preset", "veryfast", 0);
    av_opt_set(writer->codec->priv_data, "crf", "16", 0);
  } else {
    writer->codec->pix_fmt = AV_PIX_FMT_GRAY8;
    writer->codec->gop_size = 25;
    av_opt_set_int(writer->codec->priv_data, "slicecrc", 1, 0);
    writer->codec->level = 3;
  }
  if (writer->fmt->oformat->flags & AVFMT_GLOBALHEADER)
    writer->codec->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
}

/* Opens the encoder, describes the stream to the muxer and allocates the frame to fill. */
static gboolean
open_encoder(CsPhantomWriter *writer, const AVCodec *codec, GError **error)
{
  int ret;

  ret = avcodec_open2(writer->codec, codec, NULL);
  if (ret < 0) {
    set_av_error(error, ret, writer->path, "cannot open the encoder");
    return FALSE;
  }
  ret = avcodec_parameters_from_context(writer->stream->codecpar, writer->codec);
  if (ret < 0) {
    set_av_error(error, ret, writer->path, "cannot describe the stream");
    return FALSE;
  }
  writer->stream->time_base = writer->codec->time_base;
  writer->stream->avg_frame_rate = writer->codec->framerate;
  writer->stream->sample_aspect_ratio = writer->codec->sample_aspect_ratio;

  writer->frame->format = writer->codec->pix_fmt;
  writer->frame->width = writer->width;
  writer->frame->height = writer->height;
  writer->frame->color_range = writer->codec->color_range;
  ret = av_frame_get_buffer(writer->frame, 0);
  if (ret < 0) {
    set_av_error(error, ret, writer->path, "cannot allocate a frame");
    return FALSE;
  }
  return TRUE;
}

CsPhantomWriter *
cs_phantom_writer_open(const char *path, CsPhantomFormat format, int width, int height, int fps,
                       GError **error)
{
  CsPhantomWriter *writer;
  const AVCodec *codec;
  const char *muxer;
  int ret;

  g_return_val_if_fail(path != NULL, NULL);
  if (width < 16 || height < 16 || width % 2 || height % 2 || fps < 1) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "%s: frames must be at least 16 x 16 px with even sides, at 1 fps or more "
                "(got %d x %d at %d fps)",
                path, width, height, fps);
    return NULL;
  }
  writer = g_new0(CsPhantomWriter, 1);
  writer->path = g_strdup(path);
  writer->format = cs_phantom_format_resolve(format, path);
  writer->width = width;
  writer->height = height;

  if (writer->format == CS_PHANTOM_FORMAT_H264_MP4) {
    codec = avcodec_find_encoder_by_name("libx264");
    muxer = "mp4";
  } else {
    codec = avcodec_find_encoder(AV_CODEC_ID_FFV1);
    muxer = "matroska";
  }
  if (codec == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_UNSUPPORTED, "%s: this FFmpeg has no %s encoder", path,
                writer->format == CS_PHANTOM_FORMAT_H264_MP4 ? "libx264" : "FFV1");
    writer_free(writer);
    return NULL;
  }
  ret = avformat_alloc_output_context2(&writer->fmt, NULL, muxer, path);
  if (ret < 0 || writer->fmt == NULL) {
    set_av_error(error, ret, path, "cannot set up the container");
    writer_free(writer);
    return NULL;
  }
  /* Bit-exact output: no encoder version strings or random container ids, so the same frames
   * always make the same file. */
  writer->fmt->flags |= AVFMT_FLAG_BITEXACT;
  writer->stream = avformat_new_stream(writer->fmt, NULL);
  writer->codec = avcodec_alloc_context3(codec);
  writer->frame = av_frame_alloc();
  writer->packet = av_packet_alloc();
  if (writer->stream == NULL || writer->codec == NULL || writer->frame == NULL ||
      writer->packet == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE, "%s: out of memory", path);
    writer_free(writer);
    return NULL;
  }
  configure_encoder(writer, fps);
  if (!open_encoder(writer, codec, error)) {
    writer_free(writer);
    return NULL;
  }
  ret = avio_open(&writer->fmt->pb, path, AVIO_FLAG_WRITE);
  if (ret < 0) {
    set_av_error(error, ret, path, "cannot create the file");
    writer_free(writer);
    return NULL;
  }
  ret = avformat_write_header(writer->fmt, NULL);
  if (ret < 0) {
    set_av_error(error, ret, path, "cannot write the header");
    cs_phantom_writer_abort(writer);
    return NULL;
  }
  writer->header_written = TRUE;
  return writer;
}

/* Sends @frame (NULL to flush) and writes every packet the encoder returns. */
static gboolean
encode(CsPhantomWriter *writer, AVFrame *frame, GError **error)
{
  int ret = avcodec_send_frame(writer->codec, frame);

  if (ret < 0)
    return set_av_error(error, ret, writer->path, "cannot encode a frame");
  for (;;) {
    ret = avcodec_receive_packet(writer->codec, writer->packet);
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
      return TRUE;
    if (ret < 0)
      return set_av_error(error, ret, writer->path, "cannot encode a frame");
    av_packet_rescale_ts(writer->packet, writer->codec->time_base, writer->stream->time_base);
    writer->packet->stream_index = writer->stream->index;
    ret = av_interleaved_write_frame(writer->fmt, writer->packet);
    if (ret < 0)
      return set_av_error(error, ret, writer->path, "cannot write a frame");
  }
}

gboolean
cs_phantom_writer_add_frame(CsPhantomWriter *writer, const guint8 *pixels, GError **error)
{
  AVFrame *f = writer->frame;
  int ret = av_frame_make_writable(f);

  if (ret < 0)
    return set_av_error(error, ret, writer->path, "cannot reuse the frame");
  if (writer->format == CS_PHANTOM_FORMAT_H264_MP4) {
    /* Full-range gray to limited-range luma: Y = 16 + 219 g / 255. */
    for (int y = 0; y < writer->height; y++) {
      const guint8 *src = pixels + (gsize)y * writer->width;
      guint8 *dst = f->data[0] + (gsize)y * f->linesize[0];

      for (int x = 0; x < writer->width; x++)
        dst[x] = (guint8)(16 + (219 * src[x] + 127) / 255);
    }
    for (int p = 1; p <= 2; p++)
      for (int y = 0; y < writer->height / 2; y++)
        memset(f->data[p] + (gsize)y * f->linesize[p], 128, writer->width / 2);
  } else {
    for (int y = 0; y < writer->height; y++)
      memcpy(f->data[0] + (gsize)y * f->linesize[0], pixels + (gsize)y * writer->width,
             writer->width);
  }
  f->pts = writer->next_pts++;
  return encode(writer, f, error);
}

gboolean
cs_phantom_writer_close(CsPhantomWriter *writer, GError **error)
{
  int ret;

  if (!encode(writer, NULL, error)) {
    cs_phantom_writer_abort(writer);
    return FALSE;
  }
  ret = av_write_trailer(writer->fmt);
  if (ret < 0) {
    set_av_error(error, ret, writer->path, "cannot finish the file");
    cs_phantom_writer_abort(writer);
    return FALSE;
  }
  ret = avio_closep(&writer->fmt->pb);
  if (ret < 0) {
    set_av_error(error, ret, writer->path, "cannot close the file");
    cs_phantom_writer_abort(writer);
    return FALSE;
  }
  writer_free(writer);
  return TRUE;
}
