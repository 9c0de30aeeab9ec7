/* media-test-util.h — helpers shared by the media tests: temporary folders and test sweeps
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cs-sweep.h"

/* Returns a new temporary folder; removed (with its files) by media_test_remove_dir(). */
char *media_test_make_dir(void);

/* Removes @dir and the plain files in it. */
void media_test_remove_dir(const char *dir);

/* Returns TRUE when the ffmpeg program is available; otherwise marks the test skipped. */
gboolean media_test_have_ffmpeg(void);

/* Runs ffmpeg with @args (NULL-terminated, after "-hide_banner -loglevel error -y"); fails the
 * test when it does not succeed. */
void media_test_ffmpeg(const char *const *args);

/* Writes @n gray frames of @width x @height, deterministic for @seed, into a new buffer of
 * n * width * height bytes: gradients, shapes and noise so that codecs work for their bits. */
guint8 *media_test_make_frames(int n, int width, int height, guint seed);

/* Writes @size bytes of @data to @path; fails the test on error. */
void media_test_write(const char *path, const void *data, gsize size);

/* Returns a copy of frame @index of @sweep; fails the test on error. */
guint8 *media_test_frame_copy(CsSweep *sweep, int index);
