/* cs-phantom-writer.h — encoding gray frames into a sweep file with FFmpeg
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The container and codec of a written sweep. */
typedef enum {
  CS_PHANTOM_FORMAT_AUTO = 0, /* From the file name: .mp4 gives H.264, anything else FFV1. */
  CS_PHANTOM_FORMAT_FFV1_MKV, /* FFV1 in Matroska, 8-bit gray: lossless (the default). */
  CS_PHANTOM_FORMAT_H264_MP4  /* H.264 (libx264) in MP4, 4:2:0 limited range: lossy. */
} CsPhantomFormat;

typedef struct _CsPhantomWriter CsPhantomWriter;

/* Returns the format called @name ("mkv", "ffv1", "mp4", "h264"), or sets @error. */
gboolean cs_phantom_format_from_string(const char *name, CsPhantomFormat *format, GError **error);

/* Resolves CS_PHANTOM_FORMAT_AUTO for @path; other formats are returned as they are. */
CsPhantomFormat cs_phantom_format_resolve(CsPhantomFormat format, const char *path);

/* Opens @path for writing @width x @height gray frames at @fps frames per second. */
CsPhantomWriter *cs_phantom_writer_open(const char *path, CsPhantomFormat format, int width,
                                        int height, int fps, GError **error);

/* Encodes one frame (@width x @height bytes, rows contiguous). */
gboolean cs_phantom_writer_add_frame(CsPhantomWriter *writer, const guint8 *pixels, GError **error);

/* Flushes the encoder, writes the trailer and closes the file; frees @writer in any case. */
gboolean cs_phantom_writer_close(CsPhantomWriter *writer, GError **error);

/* Frees @writer without finishing the file (after an error): the partial file is removed. */
void cs_phantom_writer_abort(CsPhantomWriter *writer);

G_END_DECLS
