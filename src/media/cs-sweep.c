/* cs-sweep.c — recorded sweeps: the object, its readers and what they share
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A CsSweep is one reader of a file: its own demuxer and decoder under its own lock. Readers of
 * one file share a SweepShared: the file's facts, the frame index built at open and the frame
 * cache, so a second reader neither indexes the file again nor decodes what the first already
 * has. Asking for a frame looks in the cache first, then decodes it under the reader's lock:
 * videos in cs-sweep-video.c, image folders and still images in cs-sweep-images.c, both through
 * the safe FFmpeg opening of cs-sweep-ffmpeg.c.
 */
#include "config.h"

#include "cs-sweep-private.h"

#include "cs-error.h"

#include <errno.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

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
  /* swscale writes whole SIMD words: up to 8 bytes past the last pixel of a row, so past the end of
   * the last row (valgrind shows it on a 3 x 3 image); the padding takes them. */
  frame->data = g_malloc0((gsize)width * (gsize)height + AV_INPUT_BUFFER_PADDING_SIZE);
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

/* ---------------------------------------------------------------------------------------------
 * What readers of one file share: its facts, its frame index and the frame cache
 */

static SweepShared *
shared_new(const char *path)
{
  SweepShared *shared = g_new0(SweepShared, 1);

  g_atomic_ref_count_init(&shared->ref_count);
  shared->path = g_strdup(path);
  shared->pixel_aspect = 1.0;
  cs_frame_cache_init(&shared->cache);
  shared->stream_index = -1;
  shared->file_spacing = cs_spacing_unknown();
  shared->file_spacing_region = -1;
  shared->warnings = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(shared->warnings, NULL);
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
  cs_frame_cache_clear(&shared->cache);
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
  g_clear_pointer(&shared->dicom, cs_dicom_free);
  g_free(shared->file_spacing_label);
  g_ptr_array_unref(shared->warnings);
  g_free(shared);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SweepShared, shared_unref)

/* ---------------------------------------------------------------------------------------------
 * The object: one reader, with its own demuxer and decoder
 */

G_DEFINE_FINAL_TYPE(CsSweep, cs_sweep, G_TYPE_OBJECT)

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

  cs_media_init_once();
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
    shared->files = cs_sweep_scan_image_folder(path, error);
    if (shared->files == NULL)
      return NULL;
    shared->n_frames = (int)g_strv_length(shared->files);
  } else if (!S_ISREG(st.st_mode)) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” is not a regular file or folder", display);
    return NULL;
  } else if (st.st_size == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” is empty (0 bytes)", display);
    return NULL;
  } else if (cs_dicom_sniff(path)) {
    if (!cs_sweep_open_dicom(shared, error))
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
  cs_frame_cache_alloc(&shared->cache, shared->n_frames);

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
  if (sweep->shared->kind == CS_SWEEP_KIND_DICOM)
    return cs_dicom_get_frame_time(sweep->shared->dicom, index);
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
  frame = cs_frame_cache_lookup(&shared->cache, index);
  if (frame != NULL)
    return frame;

  g_mutex_lock(&sweep->decode_lock);
  /* Another reader may have decoded it while this one waited. */
  frame = cs_frame_cache_lookup(&shared->cache, index);
  if (frame == NULL) {
    if (shared->kind == CS_SWEEP_KIND_VIDEO) {
      frame = cs_sweep_decode_video(sweep, index, error);
    } else if (shared->kind == CS_SWEEP_KIND_DICOM) {
      frame = cs_sweep_decode_dicom(sweep, index, error);
      if (frame != NULL)
        cs_frame_cache_insert(&shared->cache, frame);
    } else {
      frame = cs_sweep_decode_image(sweep, shared->files[index], index, error);
      if (frame != NULL)
        cs_frame_cache_insert(&shared->cache, frame);
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
  return cs_frame_cache_lookup(&sweep->shared->cache, index);
}

void
cs_sweep_set_cache_budget(CsSweep *sweep, gsize bytes)
{
  g_return_if_fail(CS_IS_SWEEP(sweep));
  cs_frame_cache_set_budget(&sweep->shared->cache, bytes);
}

gsize
cs_sweep_get_cache_budget(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), 0);
  return cs_frame_cache_get_budget(&sweep->shared->cache);
}

gsize
cs_sweep_get_cache_bytes(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), 0);
  return cs_frame_cache_get_bytes(&sweep->shared->cache);
}

void
cs_sweep_clear_cache(CsSweep *sweep)
{
  g_return_if_fail(CS_IS_SWEEP(sweep));
  cs_frame_cache_evict_all(&sweep->shared->cache);
}

guint
cs_sweep_get_decode_count(CsSweep *sweep)
{
  g_return_val_if_fail(CS_IS_SWEEP(sweep), 0);
  return (guint)g_atomic_int_get(&sweep->shared->decode_count);
}
