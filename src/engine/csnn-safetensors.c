/* csnn-safetensors.c — reading safetensors weight files
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The whole file is read into one buffer, so nothing can change under the parser (a mapped file
 * truncated by another process would raise SIGBUS). Its header is parsed by a small JSON reader
 * (csnn-safetensors-json.c); here the tensors it describes are checked against the data
 * section, looked up, and converted to float32. Saving is in csnn-safetensors-save.c.
 */
#include "csnn-safetensors-private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Names as safetensors spells them, in csnn_dtype order, with their element sizes. */
static const struct {
  const char *name;
  size_t size;
} dtypes[] = {
  [CSNN_DTYPE_F32] = { "F32", 4 },         [CSNN_DTYPE_F16] = { "F16", 2 },
  [CSNN_DTYPE_BF16] = { "BF16", 2 },       [CSNN_DTYPE_F64] = { "F64", 8 },
  [CSNN_DTYPE_I64] = { "I64", 8 },         [CSNN_DTYPE_I32] = { "I32", 4 },
  [CSNN_DTYPE_I16] = { "I16", 2 },         [CSNN_DTYPE_I8] = { "I8", 1 },
  [CSNN_DTYPE_U64] = { "U64", 8 },         [CSNN_DTYPE_U32] = { "U32", 4 },
  [CSNN_DTYPE_U16] = { "U16", 2 },         [CSNN_DTYPE_U8] = { "U8", 1 },
  [CSNN_DTYPE_BOOL] = { "BOOL", 1 },       [CSNN_DTYPE_F8_E4M3] = { "F8_E4M3", 1 },
  [CSNN_DTYPE_F8_E5M2] = { "F8_E5M2", 1 },
};

#define N_DTYPES (sizeof dtypes / sizeof dtypes[0])

const char *
csnn_dtype_name(csnn_dtype dtype)
{
  return (unsigned)dtype < N_DTYPES ? dtypes[dtype].name : "?";
}

size_t
csnn_dtype_size(csnn_dtype dtype)
{
  return (unsigned)dtype < N_DTYPES ? dtypes[dtype].size : 0;
}

bool
csnn__st_dtype_from_name(const char *name, csnn_dtype *out)
{
  for (size_t d = 0; d < N_DTYPES; d++)
    if (strcmp(name, dtypes[d].name) == 0) {
      *out = (csnn_dtype)d;
      return true;
    }
  return false;
}

/* --- Names and shapes in messages ---------------------------------------------------------- */

const char *
csnn__st_shown(const char *name, char buffer[72])
{
  size_t i = 0;

  for (; name[i] != '\0' && i < 64; i++)
    buffer[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7f ? '?' : name[i];
  if (name[i] != '\0') {
    memcpy(buffer + i, "...", 3);
    i += 3;
  }
  buffer[i] = '\0';
  return buffer;
}

const char *
csnn__st_shape_string(int ndim, const int64_t *shape, char buffer[200])
{
  size_t used = 0;

  buffer[used++] = '[';
  for (int d = 0; d < ndim && used < 180; d++)
    used += (size_t)snprintf(buffer + used, 200 - used, "%s%" PRId64, d ? ", " : "", shape[d]);
  buffer[used++] = ']';
  buffer[used] = '\0';
  return buffer;
}

bool
csnn__st_count_elements(int ndim, const int64_t *shape, uint64_t limit, uint64_t *out)
{
  uint64_t n = 1;

  for (int d = 0; d < ndim; d++) {
    if (shape[d] < 0)
      return false;
    if (shape[d] == 0) {
      *out = 0;
      return true;
    }
  }
  for (int d = 0; d < ndim; d++) {
    if (n > limit / (uint64_t)shape[d])
      return false;
    n *= (uint64_t)shape[d];
  }
  *out = n;
  return true;
}

/* --- Validation of the tensors against the data section ----------------------------------- */

static int
compare_names(const void *a, const void *b)
{
  const csnn__st_tensor *x = *(const csnn__st_tensor *const *)a;
  const csnn__st_tensor *y = *(const csnn__st_tensor *const *)b;

  return strcmp(x->name, y->name);
}

static int
compare_keys(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
compare_ranges(const void *a, const void *b)
{
  const csnn__st_tensor *x = *(const csnn__st_tensor *const *)a;
  const csnn__st_tensor *y = *(const csnn__st_tensor *const *)b;

  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return 0;
}

static int
validate_tensors(csnn_safetensors *st)
{
  char name[72], other[72], shape[200];
  const csnn__st_tensor **order;
  uint64_t covered = 0;

  for (size_t i = 0; i < st->n_tensors; i++) {
    csnn__st_tensor *t = &st->tensors[i];
    uint64_t n, bytes;

    if (t->begin > t->end)
      return csnn_set_error(CSNN_ERR_FORMAT,
                            "tensor '%s': data_offsets begin %" PRIu64 " is after end %" PRIu64,
                            csnn__st_shown(t->name, name), t->begin, t->end);
    if (t->end > st->data_size)
      return csnn_set_error(CSNN_ERR_FORMAT,
                            "tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64
                            "] run past the end of the data (%zu bytes): truncated file?",
                            csnn__st_shown(t->name, name), t->begin, t->end, st->data_size);
    if (!csnn__st_count_elements(t->ndim, t->shape, SIZE_MAX / 8, &n))
      return csnn_set_error(CSNN_ERR_FORMAT, "tensor '%s': shape %s is too large",
                            csnn__st_shown(t->name, name),
                            csnn__st_shape_string(t->ndim, t->shape, shape));
    bytes = n * csnn_dtype_size(t->dtype);
    if (t->end - t->begin != bytes)
      return csnn_set_error(
          CSNN_ERR_FORMAT, "tensor '%s': holds %" PRIu64 " bytes, but %s x %s needs %" PRIu64,
          csnn__st_shown(t->name, name), t->end - t->begin, csnn_dtype_name(t->dtype),
          csnn__st_shape_string(t->ndim, t->shape, shape), bytes);
    t->n_elements = (size_t)n;
  }

  st->by_name = malloc((st->n_tensors + 1) * sizeof *st->by_name);
  order = malloc((st->n_tensors + 1) * sizeof *order);
  if (st->by_name == NULL || order == NULL) {
    free(order);
    return csnn_set_error(CSNN_ERR_NOMEM, "out of memory for %zu tensors", st->n_tensors);
  }
  for (size_t i = 0; i < st->n_tensors; i++)
    st->by_name[i] = order[i] = &st->tensors[i];

  qsort(st->by_name, st->n_tensors, sizeof *st->by_name, compare_names);
  for (size_t i = 1; i < st->n_tensors; i++)
    if (strcmp(st->by_name[i - 1]->name, st->by_name[i]->name) == 0) {
      free(order);
      return csnn_set_error(CSNN_ERR_FORMAT, "tensor '%s' appears twice in the header",
                            csnn__st_shown(st->by_name[i]->name, name));
    }

  /* Duplicate metadata keys, found by sorting (a quadratic scan would let a header of a million
   * keys stall the parser). */
  if (st->n_metadata > 1) {
    const char **keys = malloc(st->n_metadata * sizeof *keys);

    if (keys == NULL) {
      free(order);
      return csnn_set_error(CSNN_ERR_NOMEM, "out of memory for %zu metadata keys", st->n_metadata);
    }
    memcpy(keys, st->meta_keys, st->n_metadata * sizeof *keys);
    qsort(keys, st->n_metadata, sizeof *keys, compare_keys);
    for (size_t i = 1; i < st->n_metadata; i++)
      if (strcmp(keys[i - 1], keys[i]) == 0) {
        int status = csnn_set_error(CSNN_ERR_FORMAT, "__metadata__ key '%s' appears twice",
                                    csnn__st_shown(keys[i], name));

        free(keys);
        free(order);
        return status;
      }
    free(keys);
  }

  /* The ranges must tile the data section: sorted by offset, each starts where the last ended. */
  qsort(order, st->n_tensors, sizeof *order, compare_ranges);
  for (size_t i = 0; i < st->n_tensors; i++) {
    const csnn__st_tensor *t = order[i];

    if (t->begin < covered) {
      const csnn__st_tensor *prev = order[i - 1];

      free(order);
      return csnn_set_error(CSNN_ERR_FORMAT,
                            "tensor '%s': bytes [%" PRIu64 ", %" PRIu64
                            ") overlap tensor '%s' [%" PRIu64 ", %" PRIu64 ")",
                            csnn__st_shown(t->name, name), t->begin, t->end,
                            csnn__st_shown(prev->name, other), prev->begin, prev->end);
    }
    if (t->begin > covered) {
      free(order);
      return csnn_set_error(CSNN_ERR_FORMAT,
                            "tensor '%s': %" PRIu64
                            " unused bytes before its data at offset %" PRIu64
                            " (gaps are not allowed)",
                            csnn__st_shown(t->name, name), t->begin - covered, t->begin);
    }
    covered = t->end;
  }
  free(order);
  if (covered != st->data_size)
    return csnn_set_error(CSNN_ERR_FORMAT,
                          "%" PRIu64 " bytes after the last tensor are not described by the header",
                          st->data_size - covered);
  return CSNN_OK;
}

/* Parses the file held in @file (ownership taken, freed on error). */
static int
parse_owned(uint8_t *file, size_t size, csnn_safetensors **out)
{
  csnn_safetensors *st;
  uint64_t header_size = 0;
  int status;

  *out = NULL;
  if (size < 8) {
    free(file);
    return csnn_set_error(CSNN_ERR_FORMAT,
                          "truncated file: %zu bytes, less than the 8-byte header length", size);
  }
  for (int i = 7; i >= 0; i--)
    header_size = header_size << 8 | file[i];
  if (header_size > CSNN_ST_MAX_HEADER) {
    free(file);
    return csnn_set_error(CSNN_ERR_FORMAT,
                          "header length %" PRIu64 " is over the limit of %u bytes", header_size,
                          CSNN_ST_MAX_HEADER);
  }
  if (header_size > size - 8) {
    free(file);
    return csnn_set_error(CSNN_ERR_FORMAT,
                          "truncated file: header length %" PRIu64
                          " runs past the end of the file (%zu bytes)",
                          header_size, size);
  }

  st = calloc(1, sizeof *st);
  if (st == NULL) {
    free(file);
    return csnn_set_error(CSNN_ERR_NOMEM, "out of memory");
  }
  pthread_mutex_init(&st->sha_lock, NULL);
  st->file = file;
  st->file_size = size;
  st->data = file + 8 + header_size;
  st->data_size = size - 8 - (size_t)header_size;
  st->strings = malloc((size_t)header_size + 8);
  if (st->strings == NULL) {
    csnn_safetensors_close(st);
    return csnn_set_error(CSNN_ERR_NOMEM, "out of memory for a %" PRIu64 "-byte header",
                          header_size);
  }

  status = csnn__st_parse_header(st, (const char *)file + 8, (size_t)header_size);
  if (status == CSNN_OK)
    status = validate_tensors(st);
  if (status != CSNN_OK) {
    csnn_safetensors_close(st);
    return status;
  }
  *out = st;
  return CSNN_OK;
}

int
csnn_safetensors_parse(const void *data, size_t size, csnn_safetensors **out)
{
  uint8_t *copy;

  if (out == NULL || (data == NULL && size > 0))
    return csnn_set_error(CSNN_ERR_INVALID, "csnn_safetensors_parse: no data or no result");
  *out = NULL;
  if (size > CSNN_ST_MAX_FILE)
    return csnn_set_error(CSNN_ERR_NOMEM, "file of %zu bytes is over the limit", size);
  copy = malloc(size ? size : 1);
  if (copy == NULL)
    return csnn_set_error(CSNN_ERR_NOMEM, "out of memory for %zu bytes", size);
  if (size > 0)
    memcpy(copy, data, size);
  return parse_owned(copy, size, out);
}

int
csnn_safetensors_open(const char *path, csnn_safetensors **out)
{
  struct stat info;
  uint8_t *file;
  size_t size, done = 0;
  int fd, status;

  if (path == NULL || out == NULL)
    return csnn_set_error(CSNN_ERR_INVALID, "csnn_safetensors_open: no path or no result");
  *out = NULL;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return csnn_set_error(CSNN_ERR_IO, "%s: %s", path, strerror(errno));
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return csnn_set_error(CSNN_ERR_IO, "%s: not a regular file", path);
  }
  if ((uint64_t)info.st_size > CSNN_ST_MAX_FILE) {
    close(fd);
    return csnn_set_error(CSNN_ERR_NOMEM, "%s: %jd bytes is over the limit for a weight file", path,
                          (intmax_t)info.st_size);
  }
  size = (size_t)info.st_size;
  file = malloc(size ? size : 1);
  if (file == NULL) {
    close(fd);
    return csnn_set_error(CSNN_ERR_NOMEM, "%s: out of memory for %zu bytes", path, size);
  }
  while (done < size) {
    ssize_t n = read(fd, file + done, size - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int saved = errno;

      free(file);
      close(fd);
      if (n == 0)
        return csnn_set_error(CSNN_ERR_IO, "%s: the file shrank while being read", path);
      return csnn_set_error(CSNN_ERR_IO, "%s: %s", path, strerror(saved));
    }
    done += (size_t)n;
  }
  close(fd);

  status = parse_owned(file, size, out);
  if (status != CSNN_OK) {
    char message[512];

    snprintf(message, sizeof message, "%s", csnn_last_error());
    csnn_set_error(status, "%s: %s", path, message);
  }
  return status;
}

void
csnn_safetensors_close(csnn_safetensors *st)
{
  if (st == NULL)
    return;
  pthread_mutex_destroy(&st->sha_lock);
  free(st->file);
  free(st->strings);
  free(st->tensors);
  free(st->by_name);
  free(st->meta_keys);
  free(st->meta_values);
  free(st);
}

/* --- Accessors ----------------------------------------------------------------------------- */

size_t
csnn_safetensors_n_tensors(const csnn_safetensors *st)
{
  return st ? st->n_tensors : 0;
}

const char *
csnn_safetensors_name(const csnn_safetensors *st, size_t index)
{
  return st && index < st->n_tensors ? st->tensors[index].name : NULL;
}

long
csnn_safetensors_find(const csnn_safetensors *st, const char *name)
{
  size_t low = 0, high;

  if (st == NULL || name == NULL)
    return -1;
  high = st->n_tensors;
  while (low < high) {
    size_t mid = low + (high - low) / 2;
    int order = strcmp(st->by_name[mid]->name, name);

    if (order == 0)
      return (long)(st->by_name[mid] - st->tensors);
    if (order < 0)
      low = mid + 1;
    else
      high = mid;
  }
  return -1;
}

int
csnn_safetensors_shape(const csnn_safetensors *st, size_t index, int64_t shape[CSNN_ST_MAX_DIMS])
{
  if (st == NULL || index >= st->n_tensors)
    return csnn_set_error(CSNN_ERR_INVALID, "no tensor at index %zu", index);
  memcpy(shape, st->tensors[index].shape, sizeof st->tensors[index].shape);
  return st->tensors[index].ndim;
}

csnn_dtype
csnn_safetensors_dtype(const csnn_safetensors *st, size_t index)
{
  return st && index < st->n_tensors ? st->tensors[index].dtype : CSNN_DTYPE_F32;
}

size_t
csnn_safetensors_n_elements(const csnn_safetensors *st, size_t index)
{
  return st && index < st->n_tensors ? st->tensors[index].n_elements : 0;
}

/* --- Conversion to float32 ----------------------------------------------------------------- */

static inline uint32_t
load_u32le(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t
load_u64le(const uint8_t *p)
{
  return (uint64_t)load_u32le(p) | (uint64_t)load_u32le(p + 4) << 32;
}

static inline float
float_from_bits(uint32_t bits)
{
  float value;

  memcpy(&value, &bits, sizeof value);
  return value;
}

/* IEEE half to single, exactly: subnormals scaled, infinities kept, NaN payloads kept. */
static inline float
half_to_float(uint16_t h)
{
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;

  if (exponent == 0) {
    /* Zero or subnormal: mantissa x 2^-24, exact in single precision. */
    float magnitude = (float)mantissa * 0x1p-24f;

    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31)
    return float_from_bits(sign | 0x7f800000u | mantissa << 13);
  return float_from_bits(sign | (exponent + 112) << 23 | mantissa << 13);
}

static void
convert(csnn_dtype dtype, const uint8_t *src, size_t n, float *dst)
{
  switch (dtype) {
    case CSNN_DTYPE_F32:
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      memcpy(dst, src, n * sizeof *dst);
#else
      for (size_t i = 0; i < n; i++)
        dst[i] = float_from_bits(load_u32le(src + 4 * i));
#endif
      break;
    case CSNN_DTYPE_F16:
      for (size_t i = 0; i < n; i++)
        dst[i] = half_to_float((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
      break;
    case CSNN_DTYPE_BF16:
      for (size_t i = 0; i < n; i++)
        dst[i] = float_from_bits((uint32_t)(src[2 * i] | src[2 * i + 1] << 8) << 16);
      break;
    case CSNN_DTYPE_F64:
      for (size_t i = 0; i < n; i++) {
        uint64_t bits = load_u64le(src + 8 * i);
        double value;

        memcpy(&value, &bits, sizeof value);
        dst[i] = (float)value;
      }
      break;
    case CSNN_DTYPE_I64:
      for (size_t i = 0; i < n; i++)
        dst[i] = (float)(int64_t)load_u64le(src + 8 * i);
      break;
    case CSNN_DTYPE_U64:
      for (size_t i = 0; i < n; i++)
        dst[i] = (float)load_u64le(src + 8 * i);
      break;
    case CSNN_DTYPE_I32:
      for (size_t i = 0; i < n; i++)
        dst[i] = (float)(int32_t)load_u32le(src + 4 * i);
      break;
    case CSNN_DTYPE_U32:
      for (size_t i = 0; i < n; i++)
        dst[i] = (float)load_u32le(src + 4 * i);
      break;
    case CSNN_DTYPE_I16:
      for (size_t i = 0; i < n; i++)
        dst[i] = (float)(int16_t)(uint16_t)(src[2 * i] | src[2 * i + 1] << 8);
      break;
    case CSNN_DTYPE_U16:
      for (size_t i = 0; i < n; i++)
        dst[i] = (float)(uint16_t)(src[2 * i] | src[2 * i + 1] << 8);
      break;
    case CSNN_DTYPE_I8:
      for (size_t i = 0; i < n; i++)
        dst[i] = (float)(int8_t)src[i];
      break;
    case CSNN_DTYPE_U8:
      for (size_t i = 0; i < n; i++)
        dst[i] = (float)src[i];
      break;
    case CSNN_DTYPE_BOOL:
      for (size_t i = 0; i < n; i++)
        dst[i] = src[i] != 0;
      break;
    case CSNN_DTYPE_F8_E4M3:
    case CSNN_DTYPE_F8_E5M2:
      break;
  }
}

int
csnn_safetensors_read_f32(const csnn_safetensors *st, size_t index, float *dst, size_t n_elements)
{
  const csnn__st_tensor *t;
  char name[72];

  if (st == NULL || index >= st->n_tensors)
    return csnn_set_error(CSNN_ERR_INVALID, "no tensor at index %zu", index);
  t = &st->tensors[index];
  if (n_elements != t->n_elements)
    return csnn_set_error(CSNN_ERR_INVALID, "tensor '%s': has %zu elements, the buffer %zu",
                          csnn__st_shown(t->name, name), t->n_elements, n_elements);
  if (dst == NULL && n_elements > 0)
    return csnn_set_error(CSNN_ERR_INVALID, "tensor '%s': no buffer to read into",
                          csnn__st_shown(t->name, name));
  if (t->dtype == CSNN_DTYPE_F8_E4M3 || t->dtype == CSNN_DTYPE_F8_E5M2)
    return csnn_set_error(CSNN_ERR_UNSUPPORTED, "tensor '%s': dtype %s cannot be read",
                          csnn__st_shown(t->name, name), csnn_dtype_name(t->dtype));
  if (n_elements > 0)
    convert(t->dtype, st->data + t->begin, t->n_elements, dst);
  return CSNN_OK;
}

int
csnn_safetensors_read_named(const csnn_safetensors *st, const char *name, int ndim,
                            const int64_t *shape, float *dst)
{
  char shown_name[72], theirs[200], ours[200];
  long index;
  const csnn__st_tensor *t;
  bool same;

  if (st == NULL || name == NULL || ndim < 0 || ndim > CSNN_ST_MAX_DIMS ||
      (shape == NULL && ndim > 0))
    return csnn_set_error(CSNN_ERR_INVALID, "csnn_safetensors_read_named: bad arguments");
  index = csnn_safetensors_find(st, name);
  if (index < 0)
    return csnn_set_error(CSNN_ERR_FORMAT, "tensor '%s' is missing from the weights",
                          csnn__st_shown(name, shown_name));
  t = &st->tensors[index];
  same = t->ndim == ndim;
  for (int d = 0; same && d < ndim; d++)
    same = t->shape[d] == shape[d];
  if (!same)
    return csnn_set_error(
        CSNN_ERR_FORMAT, "tensor '%s' has shape %s, expected %s", csnn__st_shown(name, shown_name),
        csnn__st_shape_string(t->ndim, t->shape, theirs), csnn__st_shape_string(ndim, shape, ours));
  return csnn_safetensors_read_f32(st, (size_t)index, dst, t->n_elements);
}

/* --- Metadata and hash --------------------------------------------------------------------- */

const char *
csnn_safetensors_metadata(const csnn_safetensors *st, const char *key)
{
  if (st == NULL || key == NULL)
    return NULL;
  for (size_t i = 0; i < st->n_metadata; i++)
    if (strcmp(st->meta_keys[i], key) == 0)
      return st->meta_values[i];
  return NULL;
}

size_t
csnn_safetensors_n_metadata(const csnn_safetensors *st)
{
  return st ? st->n_metadata : 0;
}

const char *
csnn_safetensors_metadata_key(const csnn_safetensors *st, size_t index)
{
  return st && index < st->n_metadata ? st->meta_keys[index] : NULL;
}

const char *
csnn_safetensors_metadata_value(const csnn_safetensors *st, size_t index)
{
  return st && index < st->n_metadata ? st->meta_values[index] : NULL;
}

const char *
csnn_safetensors_sha256(const csnn_safetensors *st)
{
  /* The hash is a cache filled on first use; the lock makes that safe from several threads. */
  csnn_safetensors *mutable_st = (csnn_safetensors *)st;

  if (st == NULL)
    return NULL;
  pthread_mutex_lock(&mutable_st->sha_lock);
  if (!mutable_st->sha_done) {
    csnn_sha256_hex(st->file, st->file_size, mutable_st->sha256);
    mutable_st->sha_done = true;
  }
  pthread_mutex_unlock(&mutable_st->sha_lock);
  return st->sha256;
}
