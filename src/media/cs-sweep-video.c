/* cs-sweep-video.c — video sweeps: the frame index built at open, seeking and decoding exactly
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
 */
#include "config.h"

#include "cs-sweep-private.h"

#include "cs-error.h"

#include <errno.h>
#include <string.h>

#include <libavutil/avstring.h>

/* A request at most this many frames before the keyframe it needs continues decoding forward,
 * because a seek and flush cost about as much as decoding a few frames. */
#define CONTINUE_SLACK 4

/* ---------------------------------------------------------------------------------------------
 * Looking frames and packets up by timestamp
 */

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
 * Opening and indexing
 */

gboolean
cs_sweep_open_video(CsSweep *self, gboolean first, gboolean *is_image, GError **error)
{
  SweepShared *shared = self->shared;
  g_autofree char *display = g_filename_display_name(shared->path);
  const AVCodec *decoder;
  AVCodecParameters *par;
  AVStream *stream;
  int index;

  self->format =
      cs_media_open_demuxer(shared->path, first ? ALL_FORMATS : VIDEO_FORMATS, &self->io, error);
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
  decoder = cs_media_check_stream(display, par, error);
  if (decoder == NULL)
    return FALSE;
  if (par->width == 0 || par->height == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "“%s” does not say the size of its frames (damaged header?)", display);
    return FALSE;
  }
  self->codec = cs_media_open_decoder(display, decoder, par, 0, error);
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

/* Reads every packet of the video stream once, without decoding, into @ts (pts, or dts when
 * there is none), @key and @discard, in decode order; refuses truncated or untimed streams. */
static gboolean
read_packet_table(CsSweep *self, GArray *ts, GArray *key, GArray *discard, GError **error)
{
  SweepShared *shared = self->shared;
  g_autofree char *display = g_filename_display_name(shared->path);
  AVStream *stream = self->format->streams[shared->stream_index];
  gboolean corrupt = FALSE;
  char reason[256];
  int n, ret;

  for (;;) {
    cs_media_clear_log();
    ret = av_read_frame(self->format, self->packet);
    if (ret == AVERROR_EOF)
      break;
    if (ret < 0) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” is damaged after %u frames: %s", display,
                  ts->len, cs_media_reason(ret, reason, sizeof reason));
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
  return TRUE;
}

/* A stream cut without re-encoding may start after its keyframe. What comes before the first
 * keyframe in decode order, or is shown before it, lacks its references: decoders skip it or
 * show garbage, so it is not a frame of the sweep. Without any keyframe flag at all (some AVI
 * writers), the first packet has to do. */
static void
skip_leading_pictures(SweepShared *shared, GArray *ts, GArray *key, GArray *discard)
{
  int n = (int)ts->len;
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

/* Builds the shared index from the packet table: packets by timestamp, the frames (packets not
 * discarded) in display order, the keyframe K(i) of each frame and the mean frame rate. */
static gboolean
build_frame_index(SweepShared *shared, GArray *ts, GArray *key, GArray *discard, GError **error)
{
  g_autofree char *display = g_filename_display_name(shared->path);
  int n = (int)ts->len;
  int n_frames;

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

gboolean
cs_sweep_index_video(CsSweep *self, GError **error)
{
  SweepShared *shared = self->shared;
  g_autoptr(GArray) ts = g_array_new(FALSE, FALSE, sizeof(gint64));
  g_autoptr(GArray) key = g_array_new(FALSE, FALSE, sizeof(gboolean));
  g_autoptr(GArray) discard = g_array_new(FALSE, FALSE, sizeof(gboolean));

  if (!read_packet_table(self, ts, key, discard, error))
    return FALSE;
  skip_leading_pictures(shared, ts, key, discard);
  return build_frame_index(shared, ts, key, discard, error);
}

/* ---------------------------------------------------------------------------------------------
 * Seeking and decoding
 */

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
      self->format = cs_media_open_demuxer(shared->path, VIDEO_FORMATS, &self->io, error);
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
      cs_frame_cache_insert(&shared->cache, frame);
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
        cs_media_clear_log();
        ret = cs_sweep_read_packet(self);
        if (ret == AVERROR_EOF) {
          self->draining = TRUE;
          avcodec_send_packet(self->codec, NULL);
          continue;
        }
        if (ret < 0) {
          cs_media_reason(ret, self->last_decode_error, sizeof self->last_decode_error);
          break;
        }
      }
      cs_media_clear_log();
      ret = avcodec_send_packet(self->codec, self->packet);
      av_packet_unref(self->packet);
      self->have_packet = FALSE;
      /* A damaged packet loses its frames, not the stream: note why and go on. */
      if (ret < 0 && ret != AVERROR(EAGAIN))
        cs_media_reason(ret, self->last_decode_error, sizeof self->last_decode_error);
      continue;
    }
    if (ret != AVERROR_EOF)
      cs_media_reason(ret, self->last_decode_error, sizeof self->last_decode_error);
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

CsFrame *
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
