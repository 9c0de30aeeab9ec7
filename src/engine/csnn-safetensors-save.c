/* csnn-safetensors-save.c — writing safetensors weight files, atomically
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What is written is checked first to be a file the reader accepts (names unique and valid
 * UTF-8, shapes sane), then goes to a temporary file beside the target, is synced and renamed
 * over it, so a failure or a crash leaves any previous file as it was.
 */

/* mkostemp() and strndup() are GNU and POSIX 2008 additions to C11; the build defines this too. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "csnn-safetensors-private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  char *text;
  size_t length;
  size_t allocated;
  bool failed;
} st_buffer;

static void
buffer_append(st_buffer *b, const char *text, size_t n)
{
  if (b->failed)
    return;
  if (b->length + n + 1 > b->allocated) {
    size_t allocated = b->allocated ? b->allocated : 4096;
    char *grown;

    while (b->length + n + 1 > allocated)
      allocated *= 2;
    grown = realloc(b->text, allocated);
    if (grown == NULL) {
      b->failed = true;
      return;
    }
    b->text = grown;
    b->allocated = allocated;
  }
  memcpy(b->text + b->length, text, n);
  b->length += n;
  b->text[b->length] = '\0';
}

static void
buffer_puts(st_buffer *b, const char *text)
{
  buffer_append(b, text, strlen(text));
}

/* Appends @text as a JSON string: quotes and backslashes escaped, control characters as \u. */
static void
buffer_json_string(st_buffer *b, const char *text)
{
  buffer_puts(b, "\"");
  for (const char *p = text; *p; p++) {
    unsigned char c = (unsigned char)*p;
    char escape[8];

    if (c == '"' || c == '\\') {
      escape[0] = '\\';
      escape[1] = (char)c;
      buffer_append(b, escape, 2);
    } else if (c < 0x20) {
      snprintf(escape, sizeof escape, "\\u%04x", c);
      buffer_append(b, escape, 6);
    } else
      buffer_append(b, p, 1);
  }
  buffer_puts(b, "\"");
}

static bool
valid_utf8(const char *text)
{
  const unsigned char *p = (const unsigned char *)text;
  size_t left = strlen(text);

  while (left > 0) {
    size_t n = csnn__utf8_length(p, left);

    if (n == 0)
      return false;
    p += n;
    left -= n;
  }
  return true;
}

static int
write_all(int fd, const void *data, size_t size)
{
  const uint8_t *bytes = data;

  while (size > 0) {
    ssize_t n = write(fd, bytes, size);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    bytes += n;
    size -= (size_t)n;
  }
  return 0;
}

static int
write_floats(int fd, const float *data, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return write_all(fd, data, n * sizeof *data);
#else
  uint8_t chunk[4096];

  for (size_t i = 0; i < n;) {
    size_t m = 0;

    for (; i < n && m + 4 <= sizeof chunk; i++, m += 4) {
      uint32_t bits;

      memcpy(&bits, &data[i], 4);
      chunk[m] = (uint8_t)bits;
      chunk[m + 1] = (uint8_t)(bits >> 8);
      chunk[m + 2] = (uint8_t)(bits >> 16);
      chunk[m + 3] = (uint8_t)(bits >> 24);
    }
    if (write_all(fd, chunk, m) != 0)
      return -1;
  }
  return 0;
#endif
}

/* Checks the caller's tensors and metadata, so that what is saved is a file the parser accepts. */
static int
check_save_arguments(const csnn_st_tensor *tensors, size_t n, const char *const *metadata)
{
  char name[72], shape[200];

  for (size_t i = 0; i < n; i++) {
    const csnn_st_tensor *t = &tensors[i];
    uint64_t count;

    if (t->name == NULL || t->name[0] == '\0')
      return csnn_set_error(CSNN_ERR_INVALID, "tensor %zu to save has no name", i);
    if (strcmp(t->name, "__metadata__") == 0 || !valid_utf8(t->name))
      return csnn_set_error(CSNN_ERR_INVALID, "tensor '%s': not a valid tensor name",
                            csnn__st_shown(t->name, name));
    if (t->ndim < 0 || t->ndim > CSNN_ST_MAX_DIMS)
      return csnn_set_error(CSNN_ERR_INVALID, "tensor '%s': %d dimensions",
                            csnn__st_shown(t->name, name), t->ndim);
    if (!csnn__st_count_elements(t->ndim, t->shape, SIZE_MAX / 8, &count))
      return csnn_set_error(CSNN_ERR_INVALID, "tensor '%s': bad shape %s",
                            csnn__st_shown(t->name, name),
                            csnn__st_shape_string(t->ndim, t->shape, shape));
    if (t->data == NULL && count > 0)
      return csnn_set_error(CSNN_ERR_INVALID, "tensor '%s': no data",
                            csnn__st_shown(t->name, name));
    for (size_t j = 0; j < i; j++)
      if (strcmp(tensors[j].name, t->name) == 0)
        return csnn_set_error(CSNN_ERR_INVALID, "tensor '%s' is given twice",
                              csnn__st_shown(t->name, name));
  }
  for (size_t i = 0; metadata != NULL && metadata[i] != NULL; i += 2) {
    if (metadata[i + 1] == NULL)
      return csnn_set_error(CSNN_ERR_INVALID, "metadata key '%s' has no value",
                            csnn__st_shown(metadata[i], name));
    if (!valid_utf8(metadata[i]) || !valid_utf8(metadata[i + 1]))
      return csnn_set_error(CSNN_ERR_INVALID, "metadata '%s': not valid UTF-8",
                            csnn__st_shown(metadata[i], name));
    for (size_t j = 0; j < i; j += 2)
      if (strcmp(metadata[j], metadata[i]) == 0)
        return csnn_set_error(CSNN_ERR_INVALID, "metadata key '%s' is given twice",
                              csnn__st_shown(metadata[i], name));
  }
  return CSNN_OK;
}

static int
build_header(st_buffer *header, const csnn_st_tensor *tensors, size_t n,
             const char *const *metadata)
{
  uint64_t offset = 0;
  bool first = true;
  char number[32];

  buffer_puts(header, "{");
  if (metadata != NULL && metadata[0] != NULL) {
    buffer_puts(header, "\"__metadata__\":{");
    for (size_t i = 0; metadata[i] != NULL; i += 2) {
      if (i > 0)
        buffer_puts(header, ",");
      buffer_json_string(header, metadata[i]);
      buffer_puts(header, ":");
      buffer_json_string(header, metadata[i + 1]);
    }
    buffer_puts(header, "}");
    first = false;
  }
  for (size_t i = 0; i < n; i++) {
    const csnn_st_tensor *t = &tensors[i];
    uint64_t count;

    csnn__st_count_elements(t->ndim, t->shape, SIZE_MAX / 8, &count);
    if (!first)
      buffer_puts(header, ",");
    first = false;
    buffer_json_string(header, t->name);
    buffer_puts(header, ":{\"dtype\":\"F32\",\"shape\":[");
    for (int d = 0; d < t->ndim; d++) {
      snprintf(number, sizeof number, "%s%" PRId64, d ? "," : "", t->shape[d]);
      buffer_puts(header, number);
    }
    snprintf(number, sizeof number, "%" PRIu64, offset);
    buffer_puts(header, "],\"data_offsets\":[");
    buffer_puts(header, number);
    offset += count * 4;
    snprintf(number, sizeof number, ",%" PRIu64 "]}", offset);
    buffer_puts(header, number);
  }
  buffer_puts(header, "}");
  /* Spaces pad the header so that 8 + its length, where the data starts, is a multiple of 8. */
  while (!header->failed && header->length % 8 != 0)
    buffer_puts(header, " ");
  if (header->failed)
    return csnn_set_error(CSNN_ERR_NOMEM, "out of memory for the header");
  if (header->length > CSNN_ST_MAX_HEADER)
    return csnn_set_error(CSNN_ERR_NOMEM, "the header of %zu bytes is over the limit",
                          header->length);
  return CSNN_OK;
}

/* Makes a rename durable by syncing the directory that holds @path; best effort, since some file
 * systems refuse to sync directories. */
static void
sync_parent_directory(const char *path)
{
  const char *slash = strrchr(path, '/');
  char *dir;
  int fd;

  if (slash == NULL)
    dir = strdup(".");
  else if (slash == path)
    dir = strdup("/");
  else
    dir = strndup(path, (size_t)(slash - path));
  if (dir == NULL)
    return;
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  free(dir);
}

int
csnn_safetensors_save(const char *path, const csnn_st_tensor *tensors, size_t n,
                      const char *const *metadata)
{
  st_buffer header = { 0 };
  uint8_t length[8];
  char *temp_path;
  int fd, status;

  if (path == NULL || (tensors == NULL && n > 0))
    return csnn_set_error(CSNN_ERR_INVALID, "csnn_safetensors_save: no path or no tensors");
  if ((status = check_save_arguments(tensors, n, metadata)) != CSNN_OK)
    return status;
  if ((status = build_header(&header, tensors, n, metadata)) != CSNN_OK) {
    free(header.text);
    return status;
  }
  for (int i = 0; i < 8; i++)
    length[i] = (uint8_t)((uint64_t)header.length >> (8 * i));

  /* The temporary file sits beside the target so that rename() replaces it atomically. */
  temp_path = malloc(strlen(path) + 16);
  if (temp_path == NULL) {
    free(header.text);
    return csnn_set_error(CSNN_ERR_NOMEM, "out of memory");
  }
  snprintf(temp_path, strlen(path) + 16, "%s.tmp-XXXXXX", path);
  fd = mkostemp(temp_path, O_CLOEXEC);
  if (fd < 0) {
    status = csnn_set_error(CSNN_ERR_IO, "%s: cannot create a temporary file: %s", path,
                            strerror(errno));
    free(temp_path);
    free(header.text);
    return status;
  }
  fchmod(fd, 0644);

  status = write_all(fd, length, sizeof length);
  if (status == 0)
    status = write_all(fd, header.text, header.length);
  for (size_t i = 0; status == 0 && i < n; i++) {
    uint64_t count;

    csnn__st_count_elements(tensors[i].ndim, tensors[i].shape, SIZE_MAX / 8, &count);
    status = write_floats(fd, tensors[i].data, (size_t)count);
  }
  if (status == 0)
    status = fsync(fd);
  if (status != 0) {
    status = csnn_set_error(CSNN_ERR_IO, "%s: %s", path, strerror(errno));
    close(fd);
    unlink(temp_path);
  } else if (close(fd) != 0 || rename(temp_path, path) != 0) {
    status = csnn_set_error(CSNN_ERR_IO, "%s: %s", path, strerror(errno));
    unlink(temp_path);
  } else {
    sync_parent_directory(path);
    status = CSNN_OK;
  }
  free(temp_path);
  free(header.text);
  return status;
}
