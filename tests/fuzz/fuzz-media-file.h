/* fuzz-media-file.h — what the media harnesses share: the input as a file, a sweep read through
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A sweep is opened by path (FFmpeg reads it through its safe opening), so the media harnesses
 * write each input to a file in a folder of their own, in a tmpfs when there is one.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/* Returns this process's work folder (made once, removed at exit). */
const char *fuzz_media_dir(void);

/* Writes @size bytes to @path; aborts when it cannot (the harness, not the input, is wrong). */
void fuzz_media_write(const char *path, const uint8_t *data, size_t size);

/* Opens @path as a sweep and, when it is accepted, reads its facts and decodes its first, middle
 * and last frames, through a second reader too. A refusal must be one line of message. */
void fuzz_media_read_sweep(const char *path);
