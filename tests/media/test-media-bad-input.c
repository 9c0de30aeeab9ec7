/* test-media-bad-input.c — a corpus of bad inputs: none crashes, each says what is wrong
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-error.h"
#include "cs-sweep.h"
#include "media-test-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

static char *corpus_dir;

/* Opens @name in the corpus and checks the error's code and that its message names the file and
 * contains @says. */
static void
assert_refused(const char *name, int code, const char *says)
{
  g_autofree char *path = g_build_filename(corpus_dir, name, NULL);
  g_autofree char *base = g_path_get_basename(path);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSweep) sweep = cs_sweep_open(path, &error);

  g_assert_null(sweep);
  g_assert_nonnull(error);
  g_test_message("%s: %s", name, error->message);
  g_assert_error(error, CS_ERROR, code);
  g_assert_nonnull(strstr(error->message, base));
  if (strstr(error->message, says) == NULL)
    g_error("message for %s lacks “%s”: %s", name, says, error->message);
  /* One clear line. */
  g_assert_null(strchr(error->message, '\n'));
}

static void
write_file(const char *name, const void *data, gsize size)
{
  g_autofree char *path = g_build_filename(corpus_dir, name, NULL);

  media_test_write(path, data, size);
}

static void
put_be32(guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static void
put_le32(guint8 *p, guint32 v)
{
  p[0] = v;
  p[1] = v >> 8;
  p[2] = v >> 16;
  p[3] = v >> 24;
}

static void
test_missing(void)
{
  assert_refused("no-such-sweep.mp4", CS_ERROR_NOT_FOUND, "No such file");
}

/* A FIFO would block a reader forever: refused before opening. */
static void
test_fifo(void)
{
  g_autofree char *path = g_build_filename(corpus_dir, "pipe.mp4", NULL);

  g_assert_cmpint(mkfifo(path, 0600), ==, 0);
  assert_refused("pipe.mp4", CS_ERROR_INVALID, "not a regular file");
}

static void
test_zero_bytes(void)
{
  write_file("empty.mp4", "", 0);
  assert_refused("empty.mp4", CS_ERROR_INVALID, "empty");
}

static void
test_text_named_mp4(void)
{
  const char *text = "This is a note about the patient, not a video.\n";

  write_file("note.mp4", text, strlen(text));
  assert_refused("note.mp4", CS_ERROR_INVALID, "not a video or image");
}

static void
test_random_bytes(void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed(1234);
  g_autofree guint8 *bytes = g_malloc(65536);

  for (int i = 0; i < 65536; i++)
    bytes[i] = (guint8)g_rand_int(rand);
  write_file("random.avi", bytes, 65536);
  assert_refused("random.avi", CS_ERROR_INVALID, "not a video or image");
}

/* A PNG header claiming 100000 x 100000 pixels is refused with its numbers, before decoding. */
static void
test_huge_png(void)
{
  guint8 png[8 + 25 + 12] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  put_be32(png + 8, 13);
  memcpy(png + 12, "IHDR", 4);
  put_be32(png + 16, 100000);
  put_be32(png + 20, 100000);
  png[24] = 8; /* 8-bit gray */
  put_be32(png + 8 + 25 + 4, 0);
  memcpy(png + 8 + 25 + 4, "IEND", 4);
  write_file("huge.png", png, sizeof png);
  assert_refused("huge.png", CS_ERROR_TOO_LARGE, "100000 x 100000");
}

static void
test_huge_bmp(void)
{
  guint8 bmp[54 + 64] = { 'B', 'M' };

  put_le32(bmp + 2, sizeof bmp);
  put_le32(bmp + 10, 54);
  put_le32(bmp + 14, 40);
  put_le32(bmp + 18, 100000);
  put_le32(bmp + 22, 100000);
  bmp[26] = 1;
  bmp[28] = 24;
  write_file("huge.bmp", bmp, sizeof bmp);
  assert_refused("huge.bmp", CS_ERROR_TOO_LARGE, "100000 x 100000");
}

/* An MP4 cut short: without its index (written last) and, written index-first, without data. */
static void
test_truncated_mp4(void)
{
  g_autofree char *whole = g_build_filename(corpus_dir, "whole.mp4", NULL);
  g_autofree char *fast = g_build_filename(corpus_dir, "whole-faststart.mp4", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  if (!media_test_have_ffmpeg())
    return;
  media_test_ffmpeg((const char *const[]){ "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25",
                                           "-frames:v", "24", "-c:v", "libx264", "-g", "6", whole,
                                           NULL });
  media_test_ffmpeg(
      (const char *const[]){ "-i", whole, "-c", "copy", "-movflags", "+faststart", fast, NULL });
  g_assert_true(g_file_get_contents(whole, &contents, &length, NULL));
  write_file("truncated.mp4", contents, length / 2);
  assert_refused("truncated.mp4", CS_ERROR_INVALID, "damaged or incomplete");
  g_clear_pointer(&contents, g_free);
  g_assert_true(g_file_get_contents(fast, &contents, &length, NULL));
  write_file("truncated-faststart.mp4", contents, length * 6 / 10);
  assert_refused("truncated-faststart.mp4", CS_ERROR_INVALID, "truncated");
}

/* A broken still image: a PNG cut after its header. */
static void
test_truncated_png(void)
{
  g_autofree char *whole = g_build_filename(corpus_dir, "whole.png", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  if (!media_test_have_ffmpeg())
    return;
  media_test_ffmpeg((const char *const[]){ "-f", "lavfi", "-i", "testsrc2=size=160x120",
                                           "-frames:v", "1", "-update", "1", whole, NULL });
  g_assert_true(g_file_get_contents(whole, &contents, &length, NULL));
  write_file("cut.png", contents, 200);
  assert_refused("cut.png", CS_ERROR_INVALID, "Cannot decode the image");
}

/* Well-formed media that is not a sweep: audio, or video in a codec no console writes. */
static void
test_not_a_sweep(void)
{
  g_autofree char *wav = g_build_filename(corpus_dir, "tone.wav", NULL);
  g_autofree char *m4a = g_build_filename(corpus_dir, "tone.mp4", NULL);
  g_autofree char *mpeg1 = g_build_filename(corpus_dir, "mpeg1.mkv", NULL);

  if (!media_test_have_ffmpeg())
    return;
  media_test_ffmpeg((const char *const[]){ "-f", "lavfi", "-i", "sine=duration=0.1", wav, NULL });
  media_test_ffmpeg(
      (const char *const[]){ "-f", "lavfi", "-i", "sine=duration=0.1", "-c:a", "aac", m4a, NULL });
  media_test_ffmpeg((const char *const[]){ "-f", "lavfi", "-i", "testsrc2=size=160x120",
                                           "-frames:v", "4", "-c:v", "mpeg1video", mpeg1, NULL });
  assert_refused("tone.wav", CS_ERROR_UNSUPPORTED, "WAV");
  assert_refused("tone.mp4", CS_ERROR_INVALID, "contains no video");
  assert_refused("mpeg1.mkv", CS_ERROR_UNSUPPORTED, "mpeg1video");
}

/* Movies with bytes flipped in their frame data: opening and every frame either work or fail
 * with one clear line, in any access order. */
static void
test_damaged_data(void)
{
  static const char *const movies[][8] = {
    { "damaged.mp4", "-c:v", "libx264", "-g", "6", "-bf", "2", NULL },
    { "damaged.avi", "-c:v", "mjpeg", "-pix_fmt", "yuvj420p", NULL },
    { "damaged.mkv", "-c:v", "ffv1", "-g", "6", NULL },
    { "damaged.wmv", "-c:v", "wmv2", "-g", "6", NULL },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed(99);
  guint opened = 0, refused = 0, frames_ok = 0, frames_refused = 0;

  if (!media_test_have_ffmpeg())
    return;
  for (guint m = 0; m < G_N_ELEMENTS(movies); m++) {
    g_autofree char *path = g_build_filename(corpus_dir, movies[m][0], NULL);
    g_autofree char *contents = NULL;
    const char *args[16] = {
      "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-frames:v", "16"
    };
    gsize length;
    int k = 6;

    for (int i = 1; movies[m][i] != NULL; i++)
      args[k++] = movies[m][i];
    args[k++] = path;
    args[k] = NULL;
    media_test_ffmpeg(args);
    g_assert_true(g_file_get_contents(path, &contents, &length, NULL));

    for (int variant = 0; variant < 6; variant++) {
      g_autofree char *damaged = g_memdup2(contents, length);
      g_autoptr(GError) error = NULL;
      g_autoptr(CsSweep) sweep = NULL;

      /* Spare the first tenth, where the headers usually are: damage the frames. */
      for (int flip = 0; flip < 12; flip++)
        damaged[g_rand_int_range(rand, (gint32)(length / 10), (gint32)length)] ^=
            (char)(1 + g_rand_int_range(rand, 0, 255));
      write_file("damaged", damaged, length);
      {
        g_autofree char *damaged_path = g_build_filename(corpus_dir, "damaged", NULL);
        sweep = cs_sweep_open(damaged_path, &error);
      }
      if (sweep == NULL) {
        g_assert_nonnull(error);
        g_assert_true(error->message[0] != '\0');
        g_assert_null(strchr(error->message, '\n'));
        refused++;
        continue;
      }
      opened++;
      cs_sweep_set_cache_budget(sweep, 0);
      for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < cs_sweep_get_n_frames(sweep); i++) {
          int index = pass == 0 ? i : cs_sweep_get_n_frames(sweep) - 1 - i;
          g_autoptr(CsFrame) frame = cs_sweep_get_frame(sweep, index, &error);
          if (frame == NULL) {
            g_assert_nonnull(error);
            g_assert_null(strchr(error->message, '\n'));
            g_clear_error(&error);
            frames_refused++;
          } else {
            g_assert_cmpint(frame->index, ==, index);
            frames_ok++;
          }
        }
      }
    }
  }
  g_test_message("damaged movies: %u opened, %u refused; frames: %u decoded, %u refused", opened,
                 refused, frames_ok, frames_refused);
  g_assert_cmpuint(opened + refused, ==, 24);
}

static void
write_pgm(const char *dir, const char *name, int width, int height)
{
  g_autofree char *header = g_strdup_printf("P5\n%d %d\n255\n", width, height);
  gsize header_len = strlen(header), size = header_len + (gsize)width * height;
  g_autofree guint8 *file = g_malloc0(size);
  g_autofree char *path = g_build_filename(dir, name, NULL);

  memcpy(file, header, header_len);
  media_test_write(path, file, size);
}

static char *
make_folder(const char *name)
{
  char *dir = g_build_filename(corpus_dir, name, NULL);

  g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
  return dir;
}

/* Image folders: a gap, two series, no numbers, nothing, and a frame of another size. */
static void
test_image_folders(void)
{
  g_autofree char *gap = make_folder("gap");
  g_autofree char *mixed = make_folder("mixed");
  g_autofree char *unnumbered = make_folder("unnumbered");
  g_autofree char *nothing = make_folder("nothing");
  g_autofree char *sizes = make_folder("sizes");
  g_autoptr(CsSweep) sweep = NULL;
  g_autoptr(GError) error = NULL;

  for (int i = 1; i <= 6; i++) {
    g_autofree char *name = g_strdup_printf("img_%03d.pgm", i);
    if (i != 4)
      write_pgm(gap, name, 8, 8);
    write_pgm(sizes, name, i == 5 ? 16 : 8, 8);
  }
  assert_refused("gap", CS_ERROR_INVALID, "frame number 4 is missing");

  write_pgm(mixed, "frame1.pgm", 8, 8);
  write_pgm(mixed, "frame2.pgm", 8, 8);
  write_pgm(mixed, "mask1.pgm", 8, 8);
  assert_refused("mixed", CS_ERROR_INVALID, "different series");

  write_pgm(unnumbered, "first.pgm", 8, 8);
  write_pgm(unnumbered, "second.pgm", 8, 8);
  assert_refused("unnumbered", CS_ERROR_INVALID, "no frame number");

  write_file("nothing/readme.txt", "x", 1);
  assert_refused("nothing", CS_ERROR_NOT_FOUND, "contains no images");

  /* A frame of another size opens (frames are read on demand) but refuses to decode. */
  sweep = cs_sweep_open(sizes, &error);
  g_assert_no_error(error);
  g_assert_cmpint(cs_sweep_get_n_frames(sweep), ==, 6);
  g_assert_null(cs_sweep_get_frame(sweep, 4, &error));
  g_assert_error(error, CS_ERROR, CS_ERROR_INVALID);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, "img_005.pgm"));
  g_assert_nonnull(strstr(error->message, "16 x 8"));
  g_clear_error(&error);
  /* The reader is still usable after the failure. */
  {
    g_autoptr(CsFrame) frame = cs_sweep_get_frame(sweep, 5, &error);
    g_assert_no_error(error);
  }
}

int
main(int argc, char **argv)
{
  int status;

  g_test_init(&argc, &argv, NULL);
  corpus_dir = media_test_make_dir();
  g_test_add_func("/media/bad-input/missing", test_missing);
  g_test_add_func("/media/bad-input/fifo", test_fifo);
  g_test_add_func("/media/bad-input/zero-bytes", test_zero_bytes);
  g_test_add_func("/media/bad-input/text-named-mp4", test_text_named_mp4);
  g_test_add_func("/media/bad-input/random-bytes", test_random_bytes);
  g_test_add_func("/media/bad-input/huge-png", test_huge_png);
  g_test_add_func("/media/bad-input/huge-bmp", test_huge_bmp);
  g_test_add_func("/media/bad-input/truncated-mp4", test_truncated_mp4);
  g_test_add_func("/media/bad-input/truncated-png", test_truncated_png);
  g_test_add_func("/media/bad-input/not-a-sweep", test_not_a_sweep);
  g_test_add_func("/media/bad-input/image-folders", test_image_folders);
  g_test_add_func("/media/bad-input/damaged-data", test_damaged_data);
  status = g_test_run();
  media_test_remove_dir(corpus_dir);
  g_free(corpus_dir);
  return status;
}
