/* test-media-limits.c — decompression bombs and huge claims: refused early, in bounded memory
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each file here is a few hundred bytes that claims a picture of 60000 x 60000 pixels (3.6 GB of
 * gray) or more frames than a sweep may have, or a video of 100001 frames of one pixel (200 KB,
 * made with ffmpeg; skipped without it). Each is opened in a child process, which reports
 * the error and how far its peak resident memory grew while opening (getrusage's ru_maxrss, which
 * a fork starts again from what the child has): the file must be refused with one clear line that
 * gives its numbers, and the peak must grow by less than MAX_GROWTH_KB.
 */
#include "config.h"

#include "cs-error.h"
#include "cs-sweep.h"
#include "media-test-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* What opening a refused file may add to the peak: far below the 3.6 GB a decoder would take. */
#define MAX_GROWTH_KB (48 * 1024)

/* AddressSanitizer keeps freed blocks in quarantine, so a refusal that reads many packets first
 * (the video of too many frames) peaks there at what a normal build never holds: 81 MB against
 * 12 MB. Its peak is then reported, not checked. */
#ifdef __SANITIZE_ADDRESS__
#define PEAK_OF_MANY_READS_CHECKED FALSE
#else
#define PEAK_OF_MANY_READS_CHECKED TRUE
#endif

static char *work_dir;

typedef struct {
  int code;
  long growth_kb;
  char message[512];
} Outcome;

/* Opens @name in a child process and returns what happened there. */
static Outcome
open_in_child(const char *name)
{
  g_autofree char *path = g_build_filename(work_dir, name, NULL);
  Outcome outcome = { 0 };
  int fds[2], status = 0;
  pid_t pid;

  g_assert_cmpint(pipe(fds), ==, 0);
  pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    struct rusage before, after;
    GError *error = NULL;
    CsSweep *sweep;

    close(fds[0]);
    getrusage(RUSAGE_SELF, &before);
    sweep = cs_sweep_open(path, &error);
    getrusage(RUSAGE_SELF, &after);
    outcome.growth_kb = after.ru_maxrss - before.ru_maxrss;
    if (sweep != NULL) {
      outcome.code = -1;
      g_object_unref(sweep);
    } else {
      outcome.code = error->code;
      g_strlcpy(outcome.message, error->message, sizeof outcome.message);
      g_error_free(error);
    }
    _exit(write(fds[1], &outcome, sizeof outcome) == sizeof outcome ? 0 : 1);
  }
  close(fds[1]);
  g_assert_cmpint(read(fds[0], &outcome, sizeof outcome), ==, sizeof outcome);
  close(fds[0]);
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return outcome;
}

/* Opens @name in a child and checks the refusal: @code, a message with @says and the file's name
 * on one line, and, with @check_peak, the peak memory's growth. */
static void
assert_refused(const char *name, int code, const char *says, gboolean check_peak)
{
  g_autofree char *path = g_build_filename(work_dir, name, NULL);
  GStatBuf st;
  Outcome outcome;

  g_assert_cmpint(g_stat(path, &st), ==, 0);
  outcome = open_in_child(name);
  g_test_message("%s (%" G_GINT64_FORMAT " bytes): %s; peak memory grew by %ld KB", name,
                 (gint64)st.st_size, outcome.message, outcome.growth_kb);
  g_assert_cmpint(outcome.code, ==, code);
  if (strstr(outcome.message, says) == NULL || strstr(outcome.message, name) == NULL)
    g_error("the message for %s lacks “%s” or the name: %s", name, says, outcome.message);
  g_assert_null(strchr(outcome.message, '\n'));
  if (check_peak)
    g_assert_cmpint(outcome.growth_kb, <, MAX_GROWTH_KB);
}

/* Writes @name (@size bytes of @data) and checks its refusal as assert_refused() does. */
static void
assert_refused_small(const char *name, const void *data, gsize size, int code, const char *says)
{
  g_autofree char *path = g_build_filename(work_dir, name, NULL);

  g_assert_true(g_file_set_contents(path, data, (gssize)size, NULL));
  assert_refused(name, code, says, TRUE);
}

static void
put_be32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

/* A PNG chunk: length, type, data and its CRC (zlib's, which g_checksum lacks: computed here). */
static gsize
put_png_chunk(guint8 *out, const char *type, const guint8 *data, guint32 length)
{
  guint32 crc = 0xffffffffu;

  put_be32(out, length);
  memcpy(out + 4, type, 4);
  if (length > 0)
    memcpy(out + 8, data, length);
  for (guint32 i = 0; i < 4 + length; i++) {
    crc ^= out[4 + i];
    for (int k = 0; k < 8; k++)
      crc = crc & 1 ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
  }
  put_be32(out + 8 + length, crc ^ 0xffffffffu);
  return 12 + length;
}

/* A valid PNG of 60000 x 60000 gray pixels but for its data: a few bytes of a zlib stream. */
static void
test_png_bomb(void)
{
  static const guint8 idat[] = { 0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01 };
  guint8 png[128] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  guint8 ihdr[13] = { 0 };
  gsize n = 8;

  put_be32(ihdr, 60000);
  put_be32(ihdr + 4, 60000);
  ihdr[8] = 8; /* 8 bits, gray, deflate, no filter, no interlace */
  n += put_png_chunk(png + n, "IHDR", ihdr, sizeof ihdr);
  n += put_png_chunk(png + n, "IDAT", idat, sizeof idat);
  n += put_png_chunk(png + n, "IEND", NULL, 0);
  assert_refused_small("bomb.png", png, n, CS_ERROR_TOO_LARGE, "60000 x 60000");
}

/* A little-endian TIFF of 60000 x 60000 gray pixels: @strip_bytes of strip data right after the
 * header, then its directory (width 256 and height 257 as LONGs; bits, compression, photometric,
 * strip offset, samples, rows per strip, strip bytes). */
static GByteArray *
make_tiff(guint32 strip_bytes)
{
  static const guint16 tags[][2] = { { 256, 4 }, { 257, 4 }, { 258, 3 }, { 259, 3 }, { 262, 3 },
                                     { 273, 4 }, { 277, 3 }, { 278, 4 }, { 279, 4 } };
  const guint32 values[] = { 60000, 60000, 8, 1, 1, 8, 1, 60000, strip_bytes };
  const guint32 directory = 8 + strip_bytes;
  guint8 header[8] = { 'I', 'I', 42, 0 }, count[2] = { 9, 0 }, next[4] = { 0 };
  GByteArray *out = g_byte_array_new();
  g_autofree guint8 *strip = g_malloc0(strip_bytes);

  for (int b = 0; b < 4; b++)
    header[4 + b] = (guint8)(directory >> (8 * b));
  g_byte_array_append(out, header, 8);
  g_byte_array_append(out, strip, strip_bytes);
  g_byte_array_append(out, count, 2);
  for (int i = 0; i < 9; i++) {
    guint8 entry[12] = { (guint8)tags[i][0], (guint8)(tags[i][0] >> 8), (guint8)tags[i][1], 0, 1 };
    for (int b = 0; b < 4; b++)
      entry[8 + b] = (guint8)(values[i] >> (8 * b));
    g_byte_array_append(out, entry, 12);
  }
  g_byte_array_append(out, next, 4);
  return out;
}

/* PGM, PPM and TIFF headers are read for their claim too, not left to the decoder; a TIFF's
 * directory is found where its header points, at the end of the file too. */
static void
test_pnm_tiff_bombs(void)
{
  static const char pgm[] = "P5\n# a comment\n60000 60000\n255\n\0\0\0\0";
  static const char ppm[] = "P6\n60000 60000\n255\n\0\0\0\0\0\0";
  g_autoptr(GByteArray) tiff = make_tiff(4);
  g_autoptr(GByteArray) tiff_end = make_tiff(6000);

  assert_refused_small("bomb.pgm", pgm, sizeof pgm - 1, CS_ERROR_TOO_LARGE, "60000 x 60000");
  assert_refused_small("bomb.ppm", ppm, sizeof ppm - 1, CS_ERROR_TOO_LARGE, "60000 x 60000");
  assert_refused_small("bomb.tif", tiff->data, tiff->len, CS_ERROR_TOO_LARGE, "60000 x 60000");
  assert_refused_small("bomb-directory-last.tif", tiff_end->data, tiff_end->len, CS_ERROR_TOO_LARGE,
                       "60000 x 60000");
}

/* An explicit VR little endian element (OB and OW have the long form). */
static void
put_element(GByteArray *out, guint16 group, guint16 element, const char *vr, const void *value,
            guint32 length)
{
  guint8 head[12] = { (guint8)group,          (guint8)(group >> 8), (guint8)element,
                      (guint8)(element >> 8), (guint8)vr[0],        (guint8)vr[1] };

  if (vr[0] == 'O') {
    for (int b = 0; b < 4; b++)
      head[8 + b] = (guint8)(length >> (8 * b));
    g_byte_array_append(out, head, 12);
  } else {
    head[6] = (guint8)length;
    head[7] = (guint8)(length >> 8);
    g_byte_array_append(out, head, 8);
  }
  g_byte_array_append(out, value, length);
}

/* A text element padded to even length: a UID with NUL, other text with a space. */
static void
put_text(GByteArray *out, guint16 group, guint16 element, const char *vr, const char *text)
{
  gsize n = strlen(text);
  g_autofree char *value = g_malloc0(n + 2);

  memcpy(value, text, n);
  if (n % 2 != 0)
    value[n++] = strcmp(vr, "UI") == 0 ? '\0' : ' ';
  put_element(out, group, element, vr, value, (guint32)n);
}

static void
put_us(GByteArray *out, guint16 element, guint16 value)
{
  guint8 bytes[2] = { (guint8)value, (guint8)(value >> 8) };

  put_element(out, 0x0028, element, "US", bytes, 2);
}

/* A Part 10 file of @rows x @columns 8-bit gray pixels (and @frames frames when > 0) whose pixel
 * data is only 16 bytes. */
static GByteArray *
make_dicom(guint16 rows, guint16 columns, int frames)
{
  static const char sop[] = "1.2.840.10008.5.1.4.1.1.6.1";
  GByteArray *out = g_byte_array_new(), *meta = g_byte_array_new();
  guint8 zeros[128] = { 0 }, version[2] = { 0, 1 }, meta_length[4];

  g_byte_array_append(out, zeros, 128);
  g_byte_array_append(out, (const guint8 *)"DICM", 4);
  put_element(meta, 0x0002, 0x0001, "OB", version, 2);
  put_text(meta, 0x0002, 0x0002, "UI", sop);
  put_text(meta, 0x0002, 0x0003, "UI", "1.2.3.4");
  put_text(meta, 0x0002, 0x0010, "UI", "1.2.840.10008.1.2.1");
  for (int b = 0; b < 4; b++)
    meta_length[b] = (guint8)(meta->len >> (8 * b));
  put_element(out, 0x0002, 0x0000, "UL", meta_length, 4);
  g_byte_array_append(out, meta->data, meta->len);
  g_byte_array_unref(meta);
  put_text(out, 0x0008, 0x0016, "UI", sop);
  put_text(out, 0x0008, 0x0018, "UI", "1.2.3.4");
  put_us(out, 0x0002, 1);
  put_text(out, 0x0028, 0x0004, "CS", "MONOCHROME2");
  if (frames > 0) {
    g_autofree char *count = g_strdup_printf("%d", frames);
    put_text(out, 0x0028, 0x0008, "IS", count);
  }
  put_us(out, 0x0010, rows);
  put_us(out, 0x0011, columns);
  put_us(out, 0x0100, 8);
  put_us(out, 0x0101, 8);
  put_us(out, 0x0102, 7);
  put_us(out, 0x0103, 0);
  put_element(out, 0x7fe0, 0x0010, "OB", zeros, 16);
  return out;
}

/* A DICOM image of 60000 x 60000 pixels in 16 bytes; frame counts beyond the limit, or beyond what
 * the pixel data holds. */
static void
test_dicom_bombs(void)
{
  g_autoptr(GByteArray) small = make_dicom(4, 4, 0);
  g_autoptr(GByteArray) bomb = make_dicom(60000, 60000, 0);
  g_autoptr(GByteArray) many = make_dicom(4, 4, 200000);
  g_autoptr(GByteArray) short_data = make_dicom(8000, 8000, 99999);
  g_autofree char *small_path = g_build_filename(work_dir, "small.dcm", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) sweep = NULL;

  /* The builder makes a file the reader takes, so the refusals below are for their claims. */
  g_assert_true(g_file_set_contents(small_path, (const char *)small->data, small->len, NULL));
  sweep = cs_sweep_open(small_path, &error);
  g_assert_no_error(error);
  g_assert_cmpint(cs_sweep_get_width(sweep), ==, 4);

  assert_refused_small("bomb.dcm", bomb->data, bomb->len, CS_ERROR_TOO_LARGE, "60000 × 60000");
  assert_refused_small("many-frames.dcm", many->data, many->len, CS_ERROR_TOO_LARGE,
                       "200000 frames");
  assert_refused_small("short-data.dcm", short_data->data, short_data->len, CS_ERROR_INVALID,
                       "8000 rows × 8000 columns × 99999 frames need");
}

/* Writes @name, a QuickTime video of @n_frames frames of 1 x 1 gray pixels (rawvideo: two bytes a
 * frame), with ffmpeg. */
static void
write_tiny_video(const char *name, int n_frames)
{
  g_autofree char *raw = g_build_filename(work_dir, "frames.raw", NULL);
  g_autofree char *path = g_build_filename(work_dir, name, NULL);
  g_autofree guint8 *frames = g_malloc0((gsize)n_frames);
  const char *args[] = { "-f", "rawvideo", "-pix_fmt", "gray", "-s",       "1x1", "-r",
                         "25", "-i",       raw,        "-c:v", "rawvideo", path,  NULL };

  media_test_write(raw, frames, (gsize)n_frames);
  media_test_ffmpeg(args);
  g_assert_cmpint(g_unlink(raw), ==, 0);
}

/* A video of one frame more than a sweep may have (in 200 KB) is refused with one line while its
 * packets are indexed, in bounded memory; one of exactly CS_SWEEP_MAX_FRAMES opens. */
static void
test_video_frame_count(void)
{
  g_autofree char *limit = g_build_filename(work_dir, "limit.mov", NULL);
  g_autofree char *says = g_strdup_printf("has more than %d frames", CS_SWEEP_MAX_FRAMES);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) sweep = NULL;

  if (!media_test_have_ffmpeg())
    return;
  write_tiny_video("limit.mov", CS_SWEEP_MAX_FRAMES);
  sweep = cs_sweep_open(limit, &error);
  g_assert_no_error(error);
  g_assert_cmpint(cs_sweep_get_kind(sweep), ==, CS_SWEEP_KIND_VIDEO);
  g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, CS_SWEEP_MAX_FRAMES);
  write_tiny_video("too-many.mov", CS_SWEEP_MAX_FRAMES + 1);
  assert_refused("too-many.mov", CS_ERROR_TOO_LARGE, says, PEAK_OF_MANY_READS_CHECKED);
}

int
main(int argc, char **argv)
{
  int status;

  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  work_dir = g_dir_make_tmp("carpalscope-limits-XXXXXX", NULL);
  g_assert_nonnull(work_dir);
  g_test_add_func("/media/limits/png-bomb", test_png_bomb);
  g_test_add_func("/media/limits/pnm-tiff-bombs", test_pnm_tiff_bombs);
  g_test_add_func("/media/limits/dicom-bombs", test_dicom_bombs);
  g_test_add_func("/media/limits/video-frame-count", test_video_frame_count);
  status = g_test_run();
  {
    g_autoptr(GDir) dir = g_dir_open(work_dir, 0, NULL);
    const char *name;
    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
      g_autofree char *path = g_build_filename(work_dir, name, NULL);
      g_unlink(path);
    }
  }
  g_rmdir(work_dir);
  g_free(work_dir);
  return status;
}
