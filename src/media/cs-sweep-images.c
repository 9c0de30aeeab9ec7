/* cs-sweep-images.c — sweeps of image files: a folder of numbered images, or one still image
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Image folders and still images are one file per frame, each decoded on its own. A folder
 * holds one series: the same name before the frame number and the same extension, numbers
 * without gaps or repeats, in number order (not name order: "img-9" comes before "img-10"). A
 * header's claimed size is checked before any decoder sees the file, so a huge claim is refused
 * with its numbers.
 */
#include "config.h"

#include "cs-sweep-private.h"

#include "cs-error.h"

#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

/* File name extensions of images in a folder sweep. */
static const char *const image_extensions[] = { "png",  "jpg", "jpeg", "bmp", "tif",
                                                "tiff", "pgm", "ppm",  NULL };

/* Reads the width and height a PGM or PPM header ("P5 640 480 255") claims. */
static gboolean
sniff_pnm_size(const guint8 *head, gsize n, gint64 *width, gint64 *height)
{
  gint64 values[2] = { 0, 0 };
  gsize p = 2;

  for (int v = 0; v < 2; v++) {
    gboolean digits = FALSE;

    while (p < n && (g_ascii_isspace(head[p]) || head[p] == '#')) {
      if (head[p] == '#')
        while (p < n && head[p] != '\n')
          p++;
      else
        p++;
    }
    while (p < n && g_ascii_isdigit(head[p]) && values[v] <= G_MAXINT32) {
      values[v] = values[v] * 10 + (head[p++] - '0');
      digits = TRUE;
    }
    if (!digits)
      return FALSE;
  }
  *width = values[0];
  *height = values[1];
  return TRUE;
}

/* Reads the width and height the first directory of a TIFF file claims (tags 256 and 257), from
 * the header's bytes or, when the directory lies further on (often at the end), from @file. */
static gboolean
sniff_tiff_size(FILE *file, const guint8 *head, gsize n, gint64 *width, gint64 *height)
{
  gboolean little = head[0] == 'I', have_width = FALSE, have_height = FALSE;
  guint8 far[2 + 12 * 64];
  const guint8 *dir;
  gsize dir_length;
  guint32 offset;

#define TIFF16(b, p) ((guint32)(little ? (b)[p] | (b)[(p) + 1] << 8 : (b)[p] << 8 | (b)[(p) + 1]))
#define TIFF32(b, p) \
  (little ? TIFF16(b, p) | TIFF16(b, (p) + 2) << 16 : TIFF16(b, p) << 16 | TIFF16(b, (p) + 2))
  offset = TIFF32(head, 4);
  if (offset < 8)
    return FALSE;
  if ((gsize)offset + 2 <= n) {
    dir = head + offset;
    dir_length = n - offset;
  } else {
    if (fseek(file, (long)offset, SEEK_SET) != 0)
      return FALSE;
    dir_length = fread(far, 1, sizeof far, file);
    dir = far;
    if (dir_length < 2)
      return FALSE;
  }
  for (guint32 i = 0, count = TIFF16(dir, 0); i < count && 2 + 12 * (gsize)(i + 1) <= dir_length;
       i++) {
    gsize entry = 2 + 12 * (gsize)i;
    guint32 tag = TIFF16(dir, entry), type = TIFF16(dir, entry + 2);
    gint64 value = type == 3 ? (gint64)TIFF16(dir, entry + 8) : (gint64)TIFF32(dir, entry + 8);

    if (type != 3 && type != 4)
      continue;
    if (tag == 256) {
      *width = value;
      have_width = TRUE;
    } else if (tag == 257) {
      *height = value;
      have_height = TRUE;
    }
  }
#undef TIFF16
#undef TIFF32
  return have_width && have_height;
}

/* Reads the frame size the @n bytes of an image header at @head claim (PNG, BMP, JPEG, PGM/PPM,
 * TIFF, whose directory may be read further on in @file). FALSE when the header says nothing. */
static gboolean
sniff_head(FILE *file, const guint8 *head, gsize n, gint64 *width, gint64 *height)
{
  if (n >= 24 && memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(head + 12, "IHDR", 4) == 0) {
    *width = ((gint64)head[16] << 24) | (head[17] << 16) | (head[18] << 8) | head[19];
    *height = ((gint64)head[20] << 24) | (head[21] << 16) | (head[22] << 8) | head[23];
    return TRUE;
  }
  if (n >= 26 && head[0] == 'B' && head[1] == 'M') {
    guint32 w, h;
    memcpy(&w, head + 18, sizeof w);
    memcpy(&h, head + 22, sizeof h);
    /* A negative height means rows stored top-down. */
    *width = ABS((gint64)(gint32)GUINT32_FROM_LE(w));
    *height = ABS((gint64)(gint32)GUINT32_FROM_LE(h));
    return TRUE;
  }
  if (n >= 4 && head[0] == 0xFF && head[1] == 0xD8) {
    gsize p = 2;
    while (p + 9 < n && head[p] == 0xFF) {
      guint8 marker = head[p + 1];
      gsize length = ((gsize)head[p + 2] << 8) | head[p + 3];
      /* Start-of-frame markers C0-CF, except DHT (C4), JPG (C8) and DAC (CC). */
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        *height = ((gint64)head[p + 5] << 8) | head[p + 6];
        *width = ((gint64)head[p + 7] << 8) | head[p + 8];
        return TRUE;
      }
      p += 2 + length;
    }
  }
  if (n >= 3 && head[0] == 'P' && (head[1] == '5' || head[1] == '6') && g_ascii_isspace(head[2]))
    return sniff_pnm_size(head, n, width, height);
  if (n >= 8 && (memcmp(head, "II*\0", 4) == 0 || memcmp(head, "MM\0*", 4) == 0))
    return sniff_tiff_size(file, head, n, width, height);
  return FALSE;
}

/* Reads the frame size an image header claims, so that a huge claim is refused with its numbers
 * before any decoder sees it. Returns FALSE when the header says nothing. */
static gboolean
sniff_image_size(const char *path, gint64 *width, gint64 *height)
{
  guint8 head[4096];
  gboolean found;
  gsize n;
  FILE *file = g_fopen(path, "rb");

  if (file == NULL)
    return FALSE;
  n = fread(head, 1, sizeof head, file);
  found = sniff_head(file, head, n, width, height);
  fclose(file);
  return found;
}

/* Decodes the single image @path into a gray frame; sets the sweep's size if still unknown. */
CsFrame *
cs_sweep_decode_image(CsSweep *self, const char *path, int index, GError **error)
{
  SweepShared *shared = self->shared;
  g_autofree char *display = g_filename_display_name(path);
  AVIOContext *io = NULL;
  AVFormatContext *format = NULL;
  AVCodecContext *codec = NULL;
  const AVCodec *decoder;
  CsFrame *frame = NULL;
  char reason[256];
  int ret;

  {
    gint64 claimed_width = 0, claimed_height = 0;
    if (sniff_image_size(path, &claimed_width, &claimed_height) &&
        (claimed_width > CS_SWEEP_MAX_SIDE || claimed_height > CS_SWEEP_MAX_SIDE)) {
      g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE,
                  "“%s” claims an image of %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                  " pixels; Carpalscope accepts at most %d x %d",
                  display, claimed_width, claimed_height, CS_SWEEP_MAX_SIDE, CS_SWEEP_MAX_SIDE);
      return NULL;
    }
  }
  format = cs_media_open_demuxer(path, IMAGE_FORMATS, &io, error);
  if (format == NULL)
    return NULL;
  if (format->nb_streams < 1 || format->streams[0]->codecpar->codec_type != AVMEDIA_TYPE_VIDEO) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "“%s” contains no image", display);
    goto out;
  }
  decoder = cs_media_check_stream(display, format->streams[0]->codecpar, error);
  if (decoder == NULL)
    goto out;
  if (shared->codec_name == NULL)
    shared->codec_name = g_strdup(decoder->name);
  codec = cs_media_open_decoder(display, decoder, format->streams[0]->codecpar, 1, error);
  if (codec == NULL)
    goto out;

  cs_media_clear_log();
  ret = av_read_frame(format, self->packet);
  if (ret < 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "Cannot read the image in “%s”: %s", display,
                cs_media_reason(ret, reason, sizeof reason));
    goto out;
  }
  ret = avcodec_send_packet(codec, self->packet);
  av_packet_unref(self->packet);
  if (ret >= 0)
    ret = avcodec_send_packet(codec, NULL);
  if (ret >= 0)
    ret = avcodec_receive_frame(codec, self->av_frame);
  if (ret < 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID, "Cannot decode the image in “%s”: %s", display,
                cs_media_reason(ret, reason, sizeof reason));
    goto out;
  }
  g_atomic_int_inc(&shared->decode_count);
  if (self->av_frame->width > CS_SWEEP_MAX_SIDE || self->av_frame->height > CS_SWEEP_MAX_SIDE) {
    g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE,
                "“%s” is an image of %d x %d pixels; Carpalscope accepts at most %d x %d", display,
                self->av_frame->width, self->av_frame->height, CS_SWEEP_MAX_SIDE,
                CS_SWEEP_MAX_SIDE);
    goto out;
  }
  if (shared->width == 0) {
    shared->width = self->av_frame->width;
    shared->height = self->av_frame->height;
  }
  if (self->av_frame->width != shared->width || self->av_frame->height != shared->height) {
    g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                "Image “%s” (frame %d) is %d x %d pixels, unlike the sweep's %d x %d", display,
                index, self->av_frame->width, self->av_frame->height, shared->width,
                shared->height);
    goto out;
  }
  frame = cs_sweep_to_gray(self, self->av_frame, index, error);

out:
  av_frame_unref(self->av_frame);
  avcodec_free_context(&codec);
  avformat_close_input(&format);
  cs_media_file_io_free(&io);
  return frame;
}

static gboolean
has_image_extension(const char *name, char **extension_out)
{
  const char *dot = strrchr(name, '.');
  g_autofree char *lower = NULL;

  if (dot == NULL || dot == name)
    return FALSE;
  lower = g_ascii_strdown(dot + 1, -1);
  if (!g_strv_contains(image_extensions, lower))
    return FALSE;
  *extension_out = g_steal_pointer(&lower);
  return TRUE;
}

typedef struct {
  char *name;
  gint64 number;
} NumberedImage;

static int
compare_numbered(const void *a, const void *b)
{
  const NumberedImage *x = a, *y = b;

  if (x->number != y->number)
    return x->number < y->number ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* Reads the names of the images in @folder into @images (numbered -1 when a name ends in no
 * number), checking that they form one series: one name before the number, one extension. */
static gboolean
read_image_names(GDir *folder, const char *display, GArray *images, GError **error)
{
  g_autofree char *series_prefix = NULL;
  g_autofree char *series_extension = NULL;
  g_autofree char *series_example = NULL;
  gboolean series_numbered = FALSE;
  const char *name;

  while ((name = g_dir_read_name(folder)) != NULL) {
    g_autofree char *extension = NULL;
    g_autofree char *stem = NULL;
    NumberedImage image;
    gsize len, digits = 0;

    if (name[0] == '.' || !has_image_extension(name, &extension))
      continue;
    stem = g_strndup(name, strlen(name) - strlen(extension) - 1);
    len = strlen(stem);
    while (digits < len && g_ascii_isdigit(stem[len - 1 - digits]))
      digits++;
    image.name = g_strdup(name);
    image.number = -1;
    if (digits > 0 && digits <= 9)
      image.number = g_ascii_strtoll(stem + len - digits, NULL, 10);
    stem[len - digits] = '\0';
    if (series_prefix == NULL) {
      series_prefix = g_strdup(stem);
      series_extension = g_strdup(extension);
      series_example = g_strdup(name);
      series_numbered = image.number >= 0;
    } else if (strcmp(stem, series_prefix) != 0 || strcmp(extension, series_extension) != 0) {
      if (image.number < 0 || !series_numbered)
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                    "Image “%s” in folder “%s” has no frame number at the end of its name",
                    image.number < 0 ? name : series_example, display);
      else
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                    "Folder “%s” mixes images of different series (“%s” and “%s”); a sweep "
                    "folder holds one series of numbered images",
                    display, series_example, name);
      g_free(image.name);
      return FALSE;
    }
    g_array_append_val(images, image);
    if (images->len > CS_SWEEP_MAX_FRAMES) {
      g_set_error(error, CS_ERROR, CS_ERROR_TOO_LARGE,
                  "Folder “%s” holds more than %d images; Carpalscope accepts at most %d frames",
                  display, CS_SWEEP_MAX_FRAMES, CS_SWEEP_MAX_FRAMES);
      return FALSE;
    }
  }
  return TRUE;
}

/* Sorts @images by frame number; refuses an empty folder, unnumbered images beside others,
 * repeated numbers and gaps. */
static gboolean
order_images(GArray *images, const char *display, GError **error)
{
  if (images->len == 0) {
    g_set_error(error, CS_ERROR, CS_ERROR_NOT_FOUND,
                "Folder “%s” contains no images (PNG, JPEG, BMP, TIFF, PGM)", display);
    return FALSE;
  }
  if (images->len > 1) {
    for (guint i = 0; i < images->len; i++) {
      NumberedImage *image = &g_array_index(images, NumberedImage, i);
      if (image->number < 0) {
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                    "Image “%s” in folder “%s” has no frame number at the end of its name",
                    image->name, display);
        return FALSE;
      }
    }
  }
  g_array_sort(images, compare_numbered);
  for (guint i = 1; i < images->len; i++) {
    NumberedImage *a = &g_array_index(images, NumberedImage, i - 1);
    NumberedImage *b = &g_array_index(images, NumberedImage, i);
    if (a->number == b->number) {
      g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                  "Images “%s” and “%s” in folder “%s” both have frame number %" G_GINT64_FORMAT,
                  a->name, b->name, display, a->number);
      return FALSE;
    }
    if (b->number != a->number + 1) {
      if (b->number == a->number + 2)
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                    "Folder “%s” has a gap: frame number %" G_GINT64_FORMAT
                    " is missing between “%s” and “%s”",
                    display, a->number + 1, a->name, b->name);
      else
        g_set_error(error, CS_ERROR, CS_ERROR_INVALID,
                    "Folder “%s” has a gap: frame numbers %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                    " are missing between “%s” and “%s”",
                    display, a->number + 1, b->number - 1, a->name, b->name);
      return FALSE;
    }
  }
  return TRUE;
}

char **
cs_sweep_scan_image_folder(const char *dir, GError **error)
{
  g_autofree char *display = g_filename_display_name(dir);
  g_autoptr(GDir) folder = NULL;
  g_autoptr(GArray) images = g_array_new(FALSE, FALSE, sizeof(NumberedImage));
  GPtrArray *files = NULL;
  gboolean ok;
  GError *local_error = NULL;

  folder = g_dir_open(dir, 0, &local_error);
  if (folder == NULL) {
    g_set_error(error, CS_ERROR, CS_ERROR_IO, "Cannot read folder “%s”: %s", display,
                local_error->message);
    g_error_free(local_error);
    return NULL;
  }
  ok = read_image_names(folder, display, images, error) && order_images(images, display, error);
  if (ok) {
    files = g_ptr_array_new();
    for (guint i = 0; i < images->len; i++)
      g_ptr_array_add(files,
                      g_build_filename(dir, g_array_index(images, NumberedImage, i).name, NULL));
    g_ptr_array_add(files, NULL);
  }
  for (guint i = 0; i < images->len; i++)
    g_free(g_array_index(images, NumberedImage, i).name);
  if (!ok)
    return NULL;
  return (char **)g_ptr_array_free(files, FALSE);
}
