/* test-media-sweep.c — frame-exact access to sweeps across codecs, the frame cache, threads
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Test sweeps are made at test time with the ffmpeg program. Frame N must be the same pixels
 * whether reached sequentially, in a random order of seeks or scrubbing backwards; lossless
 * sweeps must give back exactly the frames they were made from.
 */
#include "config.h"

#include "cs-error.h"
#include "cs-sweep.h"
#include "media-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W 160
#define H 120

typedef struct {
  const char *file;
  const char *codec;
  const char *args[16];
} Movie;

static const Movie movies[] = {
  { "h264-bframes.mp4",
    "h264",
    { "-c:v", "libx264", "-preset", "veryfast", "-g", "12", "-bf", "2", "-pix_fmt", "yuv420p",
      NULL } },
  { "h264-bframes.mkv",
    "h264",
    { "-c:v", "libx264", "-preset", "veryfast", "-g", "12", "-bf", "2", "-pix_fmt", "yuv420p",
      NULL } },
  { "h264.mov",
    "h264",
    { "-c:v", "libx264", "-preset", "veryfast", "-g", "10", "-bf", "3", "-pix_fmt", "yuv420p",
      NULL } },
  /* Open groups of pictures: B-frames after a keyframe in decode order but shown before it. */
  { "h264-open-gop.mp4",
    "h264",
    { "-c:v", "libx264", "-preset", "veryfast", "-g", "12", "-bf", "3", "-x264-params",
      "open-gop=1:scenecut=0", "-pix_fmt", "yuv420p", NULL } },
  { "mjpeg.avi", "mjpeg", { "-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p", NULL } },
  { "ffv1.mkv", "ffv1", { "-c:v", "ffv1", "-level", "3", "-g", "12", NULL } },
  { "wmv2.wmv", "wmv2", { "-c:v", "wmv2", "-g", "12", NULL } },
};

/* Makes a 48-frame test movie of @movie's kind from FFmpeg's testsrc2 pattern. */
static char *
make_movie(const char *dir, const Movie *movie, int n_frames, int width, int height)
{
  g_autofree char *source = g_strdup_printf("testsrc2=size=%dx%d:rate=25", width, height);
  g_autofree char *frames = g_strdup_printf("%d", n_frames);
  char *path = g_build_filename(dir, movie->file, NULL);
  const char *args[32] = { "-f", "lavfi", "-i", source, "-frames:v", frames };
  int n = 6;

  for (int i = 0; movie->args[i] != NULL; i++)
    args[n++] = movie->args[i];
  args[n++] = path;
  args[n] = NULL;
  media_test_ffmpeg(args);
  return path;
}

static CsSweep *
open_ok(const char *path)
{
  g_autoptr(GError) error = NULL;
  CsSweep *sweep = cs_sweep_open(path, &error);

  g_assert_no_error(error);
  g_assert_nonnull(sweep);
  return sweep;
}

/* Returns the frames of @sweep read in order 0, 1, 2, ... */
static GPtrArray *
read_sequentially(CsSweep *sweep)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func(g_free);

  for (int i = 0; i < cs_sweep_get_n_frames(sweep); i++)
    g_ptr_array_add(frames, media_test_frame_copy(sweep, i));
  return frames;
}

static void
assert_frame_equals(CsSweep *sweep, int index, const guint8 *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsFrame) frame = cs_sweep_get_frame(sweep, index, &error);
  gsize size;

  g_assert_no_error(error);
  g_assert_cmpint(frame->index, ==, index);
  size = (gsize)frame->stride * frame->height;
  if (memcmp(frame->data, expected, size) != 0) {
    gsize first = 0;
    while (frame->data[first] == expected[first])
      first++;
    g_error("frame %d differs at byte %" G_GSIZE_FORMAT ": %d, expected %d", index, first,
            frame->data[first], expected[first]);
  }
}

/* The ffmpeg program's own gray frames of @path equal @frames, bit for bit. */
static void
assert_same_as_ffmpeg(const char *dir, const char *path, GPtrArray *frames)
{
  g_autofree char *gray = g_build_filename(dir, "ffmpeg.gray", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  media_test_ffmpeg((const char *const[]){ "-i", path, "-fps_mode", "passthrough", "-f", "rawvideo",
                                           "-pix_fmt", "gray", gray, NULL });
  g_file_get_contents(gray, &contents, &length, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(length, ==, (gsize)frames->len * W * H);
  for (guint i = 0; i < frames->len; i++)
    g_assert_cmpmem(frames->pdata[i], W * H, contents + (gsize)i * W * H, W * H);
}

/* Frame N is the same pixels sequentially, after random seeks and scrubbing backwards, and the
 * same as the ffmpeg program decodes. */
static void
test_exact_across_access_orders(gconstpointer data)
{
  const Movie *movie = data;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(CsSweep) sequential = NULL;
  g_autoptr(CsSweep) seeking = NULL;
  g_autoptr(GPtrArray) reference = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed(7);
  int order[48];
  const int n = 48;

  if (!media_test_have_ffmpeg())
    return;
  dir = media_test_make_dir();
  path = make_movie(dir, movie, n, W, H);

  sequential = open_ok(path);
  g_assert_cmpint(cs_sweep_get_kind(sequential), ==, CS_SWEEP_KIND_VIDEO);
  g_assert_cmpint(cs_sweep_get_n_frames(sequential), ==, n);
  g_assert_cmpint(cs_sweep_get_width(sequential), ==, W);
  g_assert_cmpint(cs_sweep_get_height(sequential), ==, H);
  g_assert_cmpstr(cs_sweep_get_codec_name(sequential), ==, movie->codec);
  g_assert_cmpfloat_with_epsilon(cs_sweep_get_frame_rate(sequential), 25.0, 0.01);
  for (int i = 0; i < n; i++) {
    double t = cs_sweep_get_frame_time(sequential, i) - cs_sweep_get_frame_time(sequential, 0);
    g_assert_cmpfloat_with_epsilon(t, i / 25.0, 0.002);
  }
  g_assert_null(cs_sweep_get_frame_file(sequential, 0));
  g_assert_cmpfloat(cs_sweep_get_pixel_aspect(sequential), ==, 1.0);
  reference = read_sequentially(sequential);
  /* Not a degenerate movie: consecutive frames differ. */
  g_assert_cmpint(memcmp(reference->pdata[0], reference->pdata[1], W * H), !=, 0);
  assert_same_as_ffmpeg(dir, path, reference);

  /* No cache: every access below decodes, most of them after a seek. */
  seeking = open_ok(path);
  cs_sweep_set_cache_budget(seeking, 0);
  for (int i = 0; i < n; i++)
    order[i] = i;
  for (int i = n - 1; i > 0; i--) {
    int j = g_rand_int_range(rand, 0, i + 1), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (int i = 0; i < n; i++)
    assert_frame_equals(seeking, order[i], reference->pdata[order[i]]);
  for (int i = n - 1; i >= 0; i--)
    assert_frame_equals(seeking, i, reference->pdata[i]);
  /* Scrubbing: small steps back and forth around group-of-pictures boundaries. */
  for (int i = 0; i < 40; i++) {
    int index = CLAMP(24 + (int)(20.0 * sin(i * 0.7)), 0, n - 1);
    assert_frame_equals(seeking, index, reference->pdata[index]);
  }
  g_assert_cmpuint(cs_sweep_get_cache_bytes(seeking), ==, 0);

  g_clear_object(&sequential);
  g_clear_object(&seeking);
  media_test_remove_dir(dir);
}

/* Lossless sweeps (FFV1, gray H.264 with B-frames) give back the exact source frames. */
static void
test_lossless_matches_source(gconstpointer data)
{
  const char *const *encoder = data;
  const int n = 24;
  g_autofree guint8 *source = media_test_make_frames(n, W, H, 11);
  g_autofree char *dir = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *path = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  g_autoptr(CsSweep) seeking = NULL;
  const char *args[32] = {
    "-f", "rawvideo", "-pix_fmt", "gray", "-s", "160x120", "-r", "25", "-i"
  };
  int k = 9;

  if (!media_test_have_ffmpeg())
    return;
  dir = media_test_make_dir();
  raw = g_build_filename(dir, "source.gray", NULL);
  path = g_build_filename(dir, encoder[0], NULL);
  media_test_write(raw, source, (gsize)n * W * H);
  args[k++] = raw;
  for (int i = 1; encoder[i] != NULL; i++)
    args[k++] = encoder[i];
  args[k++] = path;
  args[k] = NULL;
  media_test_ffmpeg(args);

  sweep = open_ok(path);
  g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, n);
  for (int i = 0; i < n; i++)
    assert_frame_equals(sweep, i, source + (gsize)i * W * H);
  seeking = open_ok(path);
  cs_sweep_set_cache_budget(seeking, 0);
  for (int i = n - 1; i >= 0; i -= 3)
    assert_frame_equals(seeking, i, source + (gsize)i * W * H);
  for (int i = 1; i < n; i += 5)
    assert_frame_equals(seeking, i, source + (gsize)i * W * H);

  g_clear_object(&sweep);
  g_clear_object(&seeking);
  media_test_remove_dir(dir);
}

/* A stream copy cut in the middle of a group of pictures: the MP4 edit list hides the packets
 * before the cut, which must be decoded but are no frames of the sweep. */
static void
test_edit_list(void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *cut = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  g_autoptr(CsSweep) seeking = NULL;
  g_autoptr(GPtrArray) reference = NULL;
  int n;

  if (!media_test_have_ffmpeg())
    return;
  dir = media_test_make_dir();
  path = make_movie(dir, &movies[0], 48, W, H);
  cut = g_build_filename(dir, "cut.mp4", NULL);
  media_test_ffmpeg((const char *const[]){ "-ss", "0.54", "-i", path, "-c", "copy", cut, NULL });
  sweep = open_ok(cut);
  n = cs_sweep_get_n_frames(sweep);
  g_assert_cmpint(n, <, 48);
  g_assert_cmpint(n, >, 30);
  reference = read_sequentially(sweep);
  assert_same_as_ffmpeg(dir, cut, reference);
  seeking = open_ok(cut);
  cs_sweep_set_cache_budget(seeking, 0);
  for (int i = n - 1; i >= 0; i -= 2)
    assert_frame_equals(seeking, i, reference->pdata[i]);
  g_clear_object(&sweep);
  g_clear_object(&seeking);
  media_test_remove_dir(dir);
}

/* Variable frame rate: a pause of five frame times after frame 9. Frames are found by their
 * timestamps, never by time x rate. */
static void
test_variable_frame_rate(void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  g_autoptr(CsSweep) seeking = NULL;
  g_autoptr(GPtrArray) reference = NULL;

  if (!media_test_have_ffmpeg())
    return;
  dir = media_test_make_dir();
  path = g_build_filename(dir, "vfr.mkv", NULL);
  media_test_ffmpeg((const char *const[]){ "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25",
                                           "-frames:v", "20", "-vf",
                                           "setpts='(N+if(gte(N,10),5,0))/25/TB'", "-fps_mode",
                                           "passthrough", "-c:v", "ffv1", "-g", "4", path, NULL });
  sweep = open_ok(path);
  g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, 20);
  g_assert_cmpfloat_with_epsilon(cs_sweep_get_frame_time(sweep, 9), 0.36, 1e-6);
  g_assert_cmpfloat_with_epsilon(cs_sweep_get_frame_time(sweep, 10), 0.60, 1e-6);
  g_assert_cmpfloat_with_epsilon(cs_sweep_get_frame_rate(sweep), 19 / 0.96, 1e-6);
  reference = read_sequentially(sweep);
  assert_same_as_ffmpeg(dir, path, reference);
  seeking = open_ok(path);
  cs_sweep_set_cache_budget(seeking, 0);
  for (int i = 19; i >= 0; i--)
    assert_frame_equals(seeking, i, reference->pdata[i]);
  g_clear_object(&sweep);
  g_clear_object(&seeking);
  media_test_remove_dir(dir);
}

/* A stream that starts after its keyframe (packets dropped by a cut): the pictures that cannot
 * be decoded are no frames; the rest match ffmpeg and seek exactly. */
static void
test_starts_without_keyframe(void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *cut = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  g_autoptr(CsSweep) seeking = NULL;
  g_autoptr(GPtrArray) reference = NULL;
  int n;

  if (!media_test_have_ffmpeg())
    return;
  dir = media_test_make_dir();
  path = make_movie(dir, &movies[1], 48, W, H);
  cut = g_build_filename(dir, "headless.mkv", NULL);
  media_test_ffmpeg((const char *const[]){ "-i", path, "-c", "copy", "-bsf:v",
                                           "noise=drop='lt(n,2)'", cut, NULL });
  sweep = open_ok(cut);
  n = cs_sweep_get_n_frames(sweep);
  /* The first group of 12 is lost with its keyframe. */
  g_assert_cmpint(n, ==, 36);
  reference = read_sequentially(sweep);
  assert_same_as_ffmpeg(dir, cut, reference);
  seeking = open_ok(cut);
  cs_sweep_set_cache_budget(seeking, 0);
  for (int i = n - 1; i >= 0; i -= 5)
    assert_frame_equals(seeking, i, reference->pdata[i]);
  g_clear_object(&sweep);
  g_clear_object(&seeking);
  media_test_remove_dir(dir);
}

static const char *const ffv1_gray[] = { "ffv1-gray.mkv", "-c:v", "ffv1", "-level", "3", "-g", "8",
                                         "-pix_fmt",      "gray", NULL };
/* Debian's libx264 takes no gray input: full-range 4:2:0 keeps the gray values in luma exactly. */
static const char *const h264_gray[] = {
  "h264-lossless.mp4", "-c:v",     "libx264", "-qp", "0", "-g", "8", "-bf", "2",
  "-pix_fmt",          "yuvj420p", NULL
};

/* Writes frame @f of @frames as a binary PGM. */
static void
write_pgm(const char *path, const guint8 *frame, int width, int height)
{
  g_autofree char *header = g_strdup_printf("P5\n%d %d\n255\n", width, height);
  gsize header_len = strlen(header);
  g_autofree guint8 *file = g_malloc(header_len + (gsize)width * height);

  memcpy(file, header, header_len);
  memcpy(file + header_len, frame, (gsize)width * height);
  media_test_write(path, file, header_len + (gsize)width * height);
}

/* A folder of numbered images is a sweep in number order, whatever the listing order. */
static void
test_image_folder(void)
{
  const int n = 12;
  g_autofree guint8 *source = media_test_make_frames(n, W, H, 3);
  g_autofree char *dir = media_test_make_dir();
  g_autoptr(CsSweep) sweep = NULL;

  /* Numbers from 7 on, unpadded: frame9 comes before frame10. */
  for (int i = 0; i < n; i++) {
    g_autofree char *name = g_strdup_printf("frame%d.pgm", i + 7);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    write_pgm(path, source + (gsize)i * W * H, W, H);
  }
  {
    g_autofree char *notes = g_build_filename(dir, "notes.txt", NULL);
    media_test_write(notes, "not an image", 12);
  }
  sweep = open_ok(dir);
  g_assert_cmpint(cs_sweep_get_kind(sweep), ==, CS_SWEEP_KIND_IMAGE_FOLDER);
  g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, n);
  g_assert_cmpint(cs_sweep_get_width(sweep), ==, W);
  g_assert_cmpint(cs_sweep_get_height(sweep), ==, H);
  g_assert_cmpfloat(cs_sweep_get_frame_rate(sweep), ==, 0.0);
  g_assert_cmpfloat(cs_sweep_get_frame_time(sweep, 3), ==, -1.0);
  g_assert_true(g_str_has_suffix(cs_sweep_get_frame_file(sweep, 2), "frame9.pgm"));
  g_assert_true(g_str_has_suffix(cs_sweep_get_frame_file(sweep, 3), "frame10.pgm"));
  for (int i = n - 1; i >= 0; i--)
    assert_frame_equals(sweep, i, source + (gsize)i * W * H);
  g_clear_object(&sweep);
  media_test_remove_dir(dir);
}

/* A folder of PNGs written by ffmpeg decodes to the exact gray frames. */
static void
test_png_folder(void)
{
  const int n = 6;
  g_autofree guint8 *source = media_test_make_frames(n, W, H, 5);
  g_autofree char *dir = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *frames = NULL;
  g_autofree char *pattern = NULL;
  g_autoptr(CsSweep) sweep = NULL;

  if (!media_test_have_ffmpeg())
    return;
  dir = media_test_make_dir();
  frames = g_build_filename(dir, "png", NULL);
  g_mkdir(frames, 0700);
  raw = g_build_filename(dir, "source.gray", NULL);
  pattern = g_build_filename(frames, "us_%04d.png", NULL);
  media_test_write(raw, source, (gsize)n * W * H);
  media_test_ffmpeg((const char *const[]){ "-f", "rawvideo", "-pix_fmt", "gray", "-s", "160x120",
                                           "-i", raw, "-start_number", "0", pattern, NULL });
  sweep = open_ok(frames);
  g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, n);
  g_assert_cmpstr(cs_sweep_get_codec_name(sweep), ==, "png");
  for (int i = 0; i < n; i++)
    assert_frame_equals(sweep, i, source + (gsize)i * W * H);
  g_clear_object(&sweep);
  media_test_remove_dir(dir);
}

/* Still images of every supported kind open as one-frame sweeps; colour is reduced to luma
 * the way FFmpeg itself converts to gray. */
static void
test_still_images(void)
{
  static const char *const names[] = { "still.png", "still.bmp", "still.tiff", "still.jpg",
                                       "still.ppm" };
  g_autofree char *dir = NULL;

  if (!media_test_have_ffmpeg())
    return;
  dir = media_test_make_dir();
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *path = g_build_filename(dir, names[i], NULL);
    g_autofree char *gray = g_build_filename(dir, "expected.gray", NULL);
    g_autofree char *expected = NULL;
    g_autoptr(CsSweep) sweep = NULL;
    g_autoptr(CsFrame) frame = NULL;
    g_autoptr(GError) error = NULL;
    gsize length;
    int max_diff = 0;

    media_test_ffmpeg((const char *const[]){ "-f", "lavfi", "-i", "testsrc2=size=160x120",
                                             "-frames:v", "1", "-update", "1", path, NULL });
    media_test_ffmpeg((const char *const[]){ "-i", path, "-fps_mode", "passthrough", "-f",
                                             "rawvideo", "-pix_fmt", "gray", gray, NULL });
    sweep = open_ok(path);
    g_assert_cmpint(cs_sweep_get_kind(sweep), ==, CS_SWEEP_KIND_STILL_IMAGE);
    g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, 1);
    g_assert_cmpint(cs_sweep_get_width(sweep), ==, W);
    g_assert_cmpint(cs_sweep_get_height(sweep), ==, H);
    g_assert_cmpstr(cs_sweep_get_frame_file(sweep, 0), ==, path);
    frame = cs_sweep_get_frame(sweep, 0, &error);
    g_assert_no_error(error);
    g_file_get_contents(gray, &expected, &length, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(length, ==, W * H);
    for (gsize p = 0; p < length; p++)
      max_diff = MAX(max_diff, abs((int)frame->data[p] - (guint8)expected[p]));
    g_test_message("%s: largest difference from ffmpeg's gray: %d", names[i], max_diff);
    g_assert_cmpint(max_diff, ==, 0);
  }
  media_test_remove_dir(dir);
}

/* Scrubbing a 300-frame 800 x 600 sweep back and forth decodes each frame once. */
static void
test_cache_decodes_once(void)
{
  static const Movie movie = { "scrub.mp4",
                               "h264",
                               { "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-bf", "2",
                                 "-pix_fmt", "yuv420p", NULL } };
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  const int n = 300;

  if (!media_test_have_ffmpeg())
    return;
  dir = media_test_make_dir();
  path = make_movie(dir, &movie, n, 800, 600);
  sweep = open_ok(path);
  g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, n);
  g_assert_cmpuint(cs_sweep_get_cache_budget(sweep), ==, CS_SWEEP_DEFAULT_CACHE_BUDGET);
  for (int pass = 0; pass < 3; pass++) {
    for (int i = 0; i < n; i++) {
      int index = pass % 2 == 0 ? i : n - 1 - i;
      g_autoptr(GError) error = NULL;
      g_autoptr(CsFrame) frame = cs_sweep_get_frame(sweep, index, &error);
      g_assert_no_error(error);
    }
  }
  g_assert_cmpuint(cs_sweep_get_decode_count(sweep), ==, n);
  g_assert_cmpuint(cs_sweep_get_cache_bytes(sweep), ==, (gsize)n * 800 * 600);

  /* Jumping to the end first and scrubbing back decodes each frame once as well. */
  cs_sweep_clear_cache(sweep);
  g_assert_cmpuint(cs_sweep_get_cache_bytes(sweep), ==, 0);
  for (int i = n - 1; i >= 0; i--) {
    g_autoptr(CsFrame) frame = cs_sweep_get_frame(sweep, i, NULL);
    g_assert_nonnull(frame);
  }
  g_assert_cmpuint(cs_sweep_get_decode_count(sweep), ==, 2 * n);

  g_clear_object(&sweep);
  media_test_remove_dir(dir);
}

/* Past the budget the cache evicts and decodes again; frames stay exact, memory stays bounded. */
static void
test_cache_budget(void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  g_autoptr(CsSweep) bounded = NULL;
  g_autoptr(GPtrArray) reference = NULL;
  const gsize budget = 8 * W * H + 100;
  const int n = 48;

  if (!media_test_have_ffmpeg())
    return;
  dir = media_test_make_dir();
  path = make_movie(dir, &movies[0], n, W, H);
  sweep = open_ok(path);
  reference = read_sequentially(sweep);

  bounded = open_ok(path);
  cs_sweep_set_cache_budget(bounded, budget);
  g_assert_cmpuint(cs_sweep_get_cache_budget(bounded), ==, budget);
  for (int pass = 0; pass < 4; pass++) {
    for (int i = 0; i < n; i++) {
      int index = pass % 2 == 0 ? i : n - 1 - i;
      assert_frame_equals(bounded, index, reference->pdata[index]);
      g_assert_cmpuint(cs_sweep_get_cache_bytes(bounded), <=, budget);
    }
  }
  /* The last eight frames asked for are cached, older ones are not. */
  g_assert_cmpuint(cs_sweep_get_cache_bytes(bounded), ==, 8 * W * H);
  {
    g_autoptr(CsFrame) recent = cs_sweep_lookup_frame(bounded, 0);
    g_autoptr(CsFrame) old = cs_sweep_lookup_frame(bounded, 20);
    g_assert_nonnull(recent);
    g_assert_null(old);
  }
  g_assert_cmpuint(cs_sweep_get_decode_count(bounded), >, (guint)n);

  g_clear_object(&sweep);
  g_clear_object(&bounded);
  media_test_remove_dir(dir);
}

typedef struct {
  CsSweep *reader;
  GPtrArray *reference;
  guint seed;
} ThreadJob;

static gpointer
reader_worker(gpointer data)
{
  ThreadJob *job = data;
  g_autoptr(GRand) rand = g_rand_new_with_seed(job->seed);

  for (int k = 0; k < 60; k++) {
    int index = g_rand_int_range(rand, 0, (int)job->reference->len);
    g_autoptr(GError) error = NULL;
    g_autoptr(CsFrame) frame = cs_sweep_get_frame(job->reader, index, &error);
    g_assert_no_error(error);
    g_assert_cmpmem(frame->data, W * H, job->reference->pdata[index], W * H);
  }
  return NULL;
}

/* Two threads, each with its own reader of one file, and a third sharing a reader: all exact. */
static void
test_threads(void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  g_autoptr(CsSweep) second = NULL;
  g_autoptr(GPtrArray) reference = NULL;
  g_autoptr(GError) error = NULL;
  GThread *threads[3];
  ThreadJob jobs[3];

  if (!media_test_have_ffmpeg())
    return;
  dir = media_test_make_dir();
  path = make_movie(dir, &movies[0], 48, W, H);
  sweep = open_ok(path);
  reference = read_sequentially(sweep);
  /* A small shared cache keeps both decoders busy. */
  cs_sweep_set_cache_budget(sweep, 4 * W * H);
  second = cs_sweep_open_reader(sweep, &error);
  g_assert_no_error(error);
  g_assert_cmpint(cs_sweep_get_n_frames(second), ==, 48);
  g_assert_cmpuint(cs_sweep_get_cache_budget(second), ==, 4 * W * H);

  jobs[0] = (ThreadJob){ sweep, reference, 1 };
  jobs[1] = (ThreadJob){ second, reference, 2 };
  jobs[2] = (ThreadJob){ second, reference, 3 };
  for (int i = 0; i < 3; i++)
    threads[i] = g_thread_new("reader", reader_worker, &jobs[i]);
  for (int i = 0; i < 3; i++)
    g_thread_join(threads[i]);

  /* Frames decoded by one reader are in the cache of the other. */
  cs_sweep_set_cache_budget(sweep, CS_SWEEP_DEFAULT_CACHE_BUDGET);
  {
    g_autoptr(CsFrame) frame = cs_sweep_get_frame(second, 30, &error);
    g_autoptr(CsFrame) cached = cs_sweep_lookup_frame(sweep, 30);
    g_assert_no_error(error);
    g_assert_true(cached == frame);
  }
  g_clear_object(&sweep);
  g_clear_object(&second);
  media_test_remove_dir(dir);
}

static void
async_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref(result);
}

/* The async pair opens and decodes in a worker and answers on the main loop. */
static void
test_async(void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(CsSweep) sweep = NULL;
  g_autoptr(CsFrame) frame = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  if (!media_test_have_ffmpeg())
    return;
  dir = media_test_make_dir();
  path = make_movie(dir, &movies[4], 24, W, H);
  cs_sweep_open_async(path, NULL, async_cb, &result);
  while (result == NULL)
    g_main_context_iteration(NULL, TRUE);
  sweep = cs_sweep_open_finish(result, &error);
  g_clear_object(&result);
  g_assert_no_error(error);
  g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, 24);

  cs_sweep_get_frame_async(sweep, 17, NULL, async_cb, &result);
  while (result == NULL)
    g_main_context_iteration(NULL, TRUE);
  frame = cs_sweep_get_frame_finish(sweep, result, &error);
  g_clear_object(&result);
  g_assert_no_error(error);
  g_assert_cmpint(frame->index, ==, 17);
  g_assert_cmpfloat_with_epsilon(frame->time, cs_sweep_get_frame_time(sweep, 17), 1e-9);

  cs_sweep_get_frame_async(sweep, 24, NULL, async_cb, &result);
  while (result == NULL)
    g_main_context_iteration(NULL, TRUE);
  g_assert_null(cs_sweep_get_frame_finish(sweep, result, &error));
  g_clear_object(&result);
  g_assert_error(error, CS_ERROR, CS_ERROR_NOT_FOUND);
  g_test_message("%s", error->message);

  g_clear_object(&sweep);
  media_test_remove_dir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS(movies); i++) {
    g_autofree char *name = g_strdup_printf("/media/sweep/exact/%s", movies[i].file);
    g_test_add_data_func(name, &movies[i], test_exact_across_access_orders);
  }
  g_test_add_data_func("/media/sweep/lossless/ffv1-gray", ffv1_gray, test_lossless_matches_source);
  g_test_add_data_func("/media/sweep/lossless/h264-gray", h264_gray, test_lossless_matches_source);
  g_test_add_func("/media/sweep/edit-list", test_edit_list);
  g_test_add_func("/media/sweep/starts-without-keyframe", test_starts_without_keyframe);
  g_test_add_func("/media/sweep/variable-frame-rate", test_variable_frame_rate);
  g_test_add_func("/media/sweep/image-folder", test_image_folder);
  g_test_add_func("/media/sweep/png-folder", test_png_folder);
  g_test_add_func("/media/sweep/still-images", test_still_images);
  g_test_add_func("/media/sweep/cache-decodes-once", test_cache_decodes_once);
  g_test_add_func("/media/sweep/cache-budget", test_cache_budget);
  g_test_add_func("/media/sweep/threads", test_threads);
  g_test_add_func("/media/sweep/async", test_async);
  return g_test_run();
}
