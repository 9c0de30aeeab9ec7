/* csnn-safetensors.c — reading and writing safetensors weight files
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The whole file is read into one buffer, so nothing can change under the parser (a mapped file
 * truncated by another process would raise SIGBUS), and the header is parsed by a small JSON
 * reader that knows the fixed shape of a safetensors header: an object whose members are tensor
 * entries or the "__metadata__" map. No generic JSON tree is built, and nothing recurses.
 */

/* mkostemp() and strndup() are GNU and POSIX 2008 additions to C11; the build defines this too. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "csnn-safetensors.h"

#include "csnn-sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  const char *name;
  csnn_dtype dtype;
  int ndim;
  int64_t shape[CSNN_ST_MAX_DIMS];
  size_t n_elements;
  uint64_t begin; /* Byte offsets relative to the start of the data section. */
  uint64_t end;
} st_tensor;

struct csnn_safetensors {
  uint8_t *file; /* The whole file, owned. */
  size_t file_size;
  const uint8_t *data; /* The data section inside @file. */
  size_t data_size;
  char *strings; /* Decoded names, keys and values. */
  st_tensor *tensors;
  size_t n_tensors;
  const st_tensor **by_name; /* Sorted by name, for csnn_safetensors_find(). */
  const char **meta_keys;
  const char **meta_values;
  size_t n_metadata;
  pthread_mutex_t sha_lock; /* The hash is computed on first use, by whichever thread asks. */
  bool sha_done;
  char sha256[CSNN_SHA256_HEX_SIZE];
};

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

/* Copies @name for an error message: shortened, with control characters replaced, so a hostile
 * name can neither flood the message nor drive the user's terminal. */
static const char *
shown(const char *name, char buffer[72])
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

/* Formats @shape as "[3, 224, 224]" for error messages. */
static const char *
shape_string(int ndim, const int64_t *shape, char buffer[200])
{
  size_t used = 0;

  buffer[used++] = '[';
  for (int d = 0; d < ndim && used < 180; d++)
    used += (size_t)snprintf(buffer + used, 200 - used, "%s%" PRId64, d ? ", " : "", shape[d]);
  buffer[used++] = ']';
  buffer[used] = '\0';
  return buffer;
}

/* Multiplies the dimensions of @shape; false when one is negative or the product exceeds @limit.
 * A zero dimension makes the product zero whatever the others are. */
static bool
count_elements(int ndim, const int64_t *shape, uint64_t limit, uint64_t *out)
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

/* --- The header parser ------------------------------------------------------------------- */

typedef struct {
  const char *start; /* The header's first byte, for byte positions in messages. */
  const char *p;
  const char *end;
  char *arena; /* Decoded strings; never longer than their JSON form, so it cannot overflow. */
  size_t arena_used;
  size_t arena_size;
  const char *tensor; /* The entry being parsed, named in every message. */
  csnn_safetensors *st;
  size_t tensors_allocated;
  size_t metadata_allocated;
} st_parser;

__attribute__((format(printf, 3, 4))) static int
parse_error(st_parser *ps, int status, const char *format, ...)
{
  char message[320];
  char name[72];
  va_list args;

  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  if (ps->tensor != NULL)
    return csnn_set_error(status, "tensor '%s': %s (header byte %zu)", shown(ps->tensor, name),
                          message, (size_t)(ps->p - ps->start));
  return csnn_set_error(status, "header: %s (byte %zu)", message, (size_t)(ps->p - ps->start));
}

static void
skip_space(st_parser *ps)
{
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

/* Skips white space and consumes @c; an error naming @what otherwise. */
static int
expect(st_parser *ps, char c, const char *what)
{
  skip_space(ps);
  if (ps->p >= ps->end)
    return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: the header ends where %s was expected",
                       what);
  if (*ps->p != c)
    return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: expected %s", what);
  ps->p++;
  return CSNN_OK;
}

static int
hex_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static int
read_hex4(st_parser *ps, uint32_t *out)
{
  uint32_t value = 0;

  if (ps->end - ps->p < 4)
    return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: truncated \\u escape");
  for (int i = 0; i < 4; i++) {
    int digit = hex_value(ps->p[i]);

    if (digit < 0)
      return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: bad hex digit in \\u escape");
    value = value << 4 | (uint32_t)digit;
  }
  ps->p += 4;
  *out = value;
  return CSNN_OK;
}

/* Length of the valid UTF-8 sequence at @p (at most @avail bytes), or 0 when it is invalid. */
static size_t
utf8_length(const unsigned char *p, size_t avail)
{
  unsigned char c = p[0];
  size_t n;
  unsigned char low = 0x80, high = 0xbf;

  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0)
      low = 0xa0; /* Overlong. */
    else if (c == 0xed)
      high = 0x9f; /* Surrogates. */
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0)
      low = 0x90; /* Overlong. */
    else if (c == 0xf4)
      high = 0x8f; /* Past U+10FFFF. */
  } else
    return 0;
  if (avail < n || p[1] < low || p[1] > high)
    return 0;
  for (size_t i = 2; i < n; i++)
    if (p[i] < 0x80 || p[i] > 0xbf)
      return 0;
  return n;
}

static void
put_utf8(st_parser *ps, uint32_t cp)
{
  char *out = ps->arena + ps->arena_used;

  if (cp < 0x80) {
    out[0] = (char)cp;
    ps->arena_used += 1;
  } else if (cp < 0x800) {
    out[0] = (char)(0xc0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3f));
    ps->arena_used += 2;
  } else if (cp < 0x10000) {
    out[0] = (char)(0xe0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    ps->arena_used += 3;
  } else {
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    ps->arena_used += 4;
  }
}

/* Parses a JSON string (after white space) into the arena; *@out points at it, NUL-terminated.
 * Names and values are C strings, so an escaped NUL is refused. */
static int
parse_string(st_parser *ps, const char **out, const char *what)
{
  char *decoded;
  int status;

  skip_space(ps);
  if (ps->p >= ps->end || *ps->p != '"')
    return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: expected %s (a string)", what);
  ps->p++;
  decoded = ps->arena + ps->arena_used;
  for (;;) {
    unsigned char c;

    if (ps->p >= ps->end)
      return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: unterminated string");
    /* Every JSON byte yields at most one decoded byte, and the closing quote pays for the NUL. */
    if (ps->arena_used + 4 >= ps->arena_size)
      return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: string too long");
    c = (unsigned char)*ps->p;
    if (c == '"') {
      ps->p++;
      break;
    }
    if (c < 0x20)
      return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: control character in a string");
    if (c == '\\') {
      uint32_t cp;

      if (ps->end - ps->p < 2)
        return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: unterminated string");
      ps->p += 2;
      switch (ps->p[-1]) {
        case '"':
        case '\\':
        case '/':
          ps->arena[ps->arena_used++] = ps->p[-1];
          break;
        case 'b':
          ps->arena[ps->arena_used++] = '\b';
          break;
        case 'f':
          ps->arena[ps->arena_used++] = '\f';
          break;
        case 'n':
          ps->arena[ps->arena_used++] = '\n';
          break;
        case 'r':
          ps->arena[ps->arena_used++] = '\r';
          break;
        case 't':
          ps->arena[ps->arena_used++] = '\t';
          break;
        case 'u':
          if ((status = read_hex4(ps, &cp)) != CSNN_OK)
            return status;
          if (cp >= 0xdc00 && cp <= 0xdfff)
            return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: unpaired low surrogate");
          if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t low;

            if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
              return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: unpaired high surrogate");
            ps->p += 2;
            if ((status = read_hex4(ps, &low)) != CSNN_OK)
              return status;
            if (low < 0xdc00 || low > 0xdfff)
              return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: unpaired high surrogate");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          }
          if (cp == 0)
            return parse_error(ps, CSNN_ERR_FORMAT, "%s contains a NUL character", what);
          put_utf8(ps, cp);
          break;
        default:
          ps->p--;
          return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: unknown escape '\\%c'",
                             (unsigned char)*ps->p >= 0x20 && *ps->p != 0x7f ? *ps->p : '?');
      }
      continue;
    }
    {
      size_t n = utf8_length((const unsigned char *)ps->p, (size_t)(ps->end - ps->p));

      if (n == 0)
        return parse_error(ps, CSNN_ERR_FORMAT, "invalid UTF-8 in %s", what);
      memcpy(ps->arena + ps->arena_used, ps->p, n);
      ps->arena_used += n;
      ps->p += n;
    }
  }
  ps->arena[ps->arena_used++] = '\0';
  *out = decoded;
  return CSNN_OK;
}

/* Parses a JSON number that must be an integer; @what names it in messages. */
static int
parse_integer(st_parser *ps, int64_t *out, const char *what)
{
  bool negative = false;
  uint64_t value = 0;
  const char *digits;

  skip_space(ps);
  if (ps->p < ps->end && *ps->p == '-') {
    negative = true;
    ps->p++;
  }
  digits = ps->p;
  while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
    unsigned digit = (unsigned)(*ps->p - '0');

    if (value > ((uint64_t)INT64_MAX - digit) / 10)
      return parse_error(ps, CSNN_ERR_FORMAT, "%s is out of range", what);
    value = value * 10 + digit;
    ps->p++;
  }
  if (ps->p == digits)
    return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: expected %s (an integer)", what);
  if (ps->p - digits > 1 && digits[0] == '0')
    return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: leading zero in %s", what);
  if (ps->p < ps->end && (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E'))
    return parse_error(ps, CSNN_ERR_FORMAT, "%s must be an integer", what);
  *out = negative ? -(int64_t)value : (int64_t)value;
  return CSNN_OK;
}

/* Parses "[a, b, ...]" of integers into @values, at most @max of them; *@n gets the count. */
static int
parse_integer_array(st_parser *ps, int64_t *values, int max, int *n, const char *what)
{
  int status;

  *n = 0;
  if ((status = expect(ps, '[', what)) != CSNN_OK)
    return status;
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == ']') {
    ps->p++;
    return CSNN_OK;
  }
  for (;;) {
    if (*n == max)
      return parse_error(ps, CSNN_ERR_FORMAT, "%s has more than %d entries", what, max);
    if ((status = parse_integer(ps, &values[*n], what)) != CSNN_OK)
      return status;
    (*n)++;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    return expect(ps, ']', "',' or ']'");
  }
}

/* Appends a zeroed tensor entry; NULL when memory runs out. */
static st_tensor *
add_tensor(st_parser *ps)
{
  csnn_safetensors *st = ps->st;
  st_tensor *tensor;

  if (st->n_tensors == ps->tensors_allocated) {
    size_t n = ps->tensors_allocated ? 2 * ps->tensors_allocated : 64;
    st_tensor *grown = realloc(st->tensors, n * sizeof *grown);

    if (grown == NULL)
      return NULL;
    st->tensors = grown;
    ps->tensors_allocated = n;
  }
  tensor = &st->tensors[st->n_tensors++];
  memset(tensor, 0, sizeof *tensor);
  return tensor;
}

/* Parses one tensor entry {"dtype": ..., "shape": [...], "data_offsets": [begin, end]}. */
static int
parse_tensor(st_parser *ps, const char *name)
{
  st_tensor *tensor;
  bool have_dtype = false, have_shape = false, have_offsets = false;
  int status;

  ps->tensor = name;
  tensor = add_tensor(ps);
  if (tensor == NULL)
    return parse_error(ps, CSNN_ERR_NOMEM, "out of memory for %zu tensors", ps->st->n_tensors);
  tensor->name = name;
  if ((status = expect(ps, '{', "'{' opening the tensor's entry")) != CSNN_OK)
    return status;
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == '}')
    ps->p++;
  else
    for (;;) {
      const char *key;

      if ((status = parse_string(ps, &key, "a field name")) != CSNN_OK)
        return status;
      if ((status = expect(ps, ':', "':'")) != CSNN_OK)
        return status;
      if (strcmp(key, "dtype") == 0) {
        const char *dtype;
        size_t d;

        if (have_dtype)
          return parse_error(ps, CSNN_ERR_FORMAT, "field 'dtype' appears twice");
        have_dtype = true;
        if ((status = parse_string(ps, &dtype, "the dtype")) != CSNN_OK)
          return status;
        for (d = 0; d < N_DTYPES && strcmp(dtype, dtypes[d].name) != 0; d++)
          ;
        if (d == N_DTYPES) {
          char shown_dtype[72];

          return parse_error(ps, CSNN_ERR_UNSUPPORTED, "unknown dtype '%s'",
                             shown(dtype, shown_dtype));
        }
        tensor->dtype = (csnn_dtype)d;
      } else if (strcmp(key, "shape") == 0) {
        if (have_shape)
          return parse_error(ps, CSNN_ERR_FORMAT, "field 'shape' appears twice");
        have_shape = true;
        if ((status = parse_integer_array(ps, tensor->shape, CSNN_ST_MAX_DIMS, &tensor->ndim,
                                          "shape")) != CSNN_OK)
          return status;
        for (int d = 0; d < tensor->ndim; d++)
          if (tensor->shape[d] < 0)
            return parse_error(ps, CSNN_ERR_FORMAT, "negative dimension %" PRId64 " in its shape",
                               tensor->shape[d]);
      } else if (strcmp(key, "data_offsets") == 0) {
        int64_t offsets[2];
        int n;

        if (have_offsets)
          return parse_error(ps, CSNN_ERR_FORMAT, "field 'data_offsets' appears twice");
        have_offsets = true;
        if ((status = parse_integer_array(ps, offsets, 2, &n, "data_offsets")) != CSNN_OK)
          return status;
        if (n != 2)
          return parse_error(ps, CSNN_ERR_FORMAT, "data_offsets must be [begin, end]");
        if (offsets[0] < 0 || offsets[1] < 0)
          return parse_error(ps, CSNN_ERR_FORMAT, "negative data_offsets");
        tensor->begin = (uint64_t)offsets[0];
        tensor->end = (uint64_t)offsets[1];
      } else {
        char shown_key[72];

        return parse_error(ps, CSNN_ERR_FORMAT,
                           "unknown field '%s' (a tensor has dtype, shape, data_offsets)",
                           shown(key, shown_key));
      }
      skip_space(ps);
      if (ps->p < ps->end && *ps->p == ',') {
        ps->p++;
        continue;
      }
      if ((status = expect(ps, '}', "',' or '}'")) != CSNN_OK)
        return status;
      break;
    }
  if (!have_dtype || !have_shape || !have_offsets)
    return parse_error(ps, CSNN_ERR_FORMAT, "missing field '%s'",
                       !have_dtype   ? "dtype"
                       : !have_shape ? "shape"
                                     : "data_offsets");
  ps->tensor = NULL;
  return CSNN_OK;
}

/* Parses the "__metadata__" object, whose values must all be strings. */
static int
parse_metadata(st_parser *ps)
{
  csnn_safetensors *st = ps->st;
  int status;

  if ((status = expect(ps, '{', "'{' opening __metadata__")) != CSNN_OK)
    return status;
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == '}') {
    ps->p++;
    return CSNN_OK;
  }
  for (;;) {
    const char *key, *value;
    char shown_key[72];

    if ((status = parse_string(ps, &key, "a metadata key")) != CSNN_OK)
      return status;
    if ((status = expect(ps, ':', "':'")) != CSNN_OK)
      return status;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p != '"')
      return parse_error(ps, CSNN_ERR_FORMAT, "__metadata__ value of '%s' is not a string",
                         shown(key, shown_key));
    if ((status = parse_string(ps, &value, "a metadata value")) != CSNN_OK)
      return status;
    if (st->n_metadata == ps->metadata_allocated) {
      size_t n = ps->metadata_allocated ? 2 * ps->metadata_allocated : 16;
      const char **keys = realloc(st->meta_keys, n * sizeof *keys);

      if (keys == NULL)
        return parse_error(ps, CSNN_ERR_NOMEM, "out of memory for metadata");
      st->meta_keys = keys;
      const char **values = realloc(st->meta_values, n * sizeof *values);
      if (values == NULL)
        return parse_error(ps, CSNN_ERR_NOMEM, "out of memory for metadata");
      st->meta_values = values;
      ps->metadata_allocated = n;
    }
    st->meta_keys[st->n_metadata] = key;
    st->meta_values[st->n_metadata] = value;
    st->n_metadata++;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    return expect(ps, '}', "',' or '}'");
  }
}

static int
parse_header(st_parser *ps)
{
  bool have_metadata = false;
  int status;

  if ((status = expect(ps, '{', "'{' opening the header")) != CSNN_OK)
    return status;
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == '}')
    ps->p++;
  else
    for (;;) {
      const char *key;

      if ((status = parse_string(ps, &key, "a tensor name")) != CSNN_OK)
        return status;
      if ((status = expect(ps, ':', "':'")) != CSNN_OK)
        return status;
      if (strcmp(key, "__metadata__") == 0) {
        if (have_metadata)
          return parse_error(ps, CSNN_ERR_FORMAT, "__metadata__ appears twice");
        have_metadata = true;
        status = parse_metadata(ps);
      } else
        status = parse_tensor(ps, key);
      if (status != CSNN_OK)
        return status;
      skip_space(ps);
      if (ps->p < ps->end && *ps->p == ',') {
        ps->p++;
        continue;
      }
      if ((status = expect(ps, '}', "',' or '}'")) != CSNN_OK)
        return status;
      break;
    }
  /* The format allows padding after the object; JSON white space is accepted, nothing else. */
  skip_space(ps);
  if (ps->p != ps->end)
    return parse_error(ps, CSNN_ERR_FORMAT, "invalid JSON: data after the header's object");
  return CSNN_OK;
}

/* --- Validation of the tensors against the data section ----------------------------------- */

static int
compare_names(const void *a, const void *b)
{
  const st_tensor *x = *(const st_tensor *const *)a;
  const st_tensor *y = *(const st_tensor *const *)b;

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
  const st_tensor *x = *(const st_tensor *const *)a;
  const st_tensor *y = *(const st_tensor *const *)b;

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
  const st_tensor **order;
  uint64_t covered = 0;

  for (size_t i = 0; i < st->n_tensors; i++) {
    st_tensor *t = &st->tensors[i];
    uint64_t n, bytes;

    if (t->begin > t->end)
      return csnn_set_error(CSNN_ERR_FORMAT,
                            "tensor '%s': data_offsets begin %" PRIu64 " is after end %" PRIu64,
                            shown(t->name, name), t->begin, t->end);
    if (t->end > st->data_size)
      return csnn_set_error(CSNN_ERR_FORMAT,
                            "tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64
                            "] run past the end of the data (%zu bytes): truncated file?",
                            shown(t->name, name), t->begin, t->end, st->data_size);
    if (!count_elements(t->ndim, t->shape, SIZE_MAX / 8, &n))
      return csnn_set_error(CSNN_ERR_FORMAT, "tensor '%s': shape %s is too large",
                            shown(t->name, name), shape_string(t->ndim, t->shape, shape));
    bytes = n * dtypes[t->dtype].size;
    if (t->end - t->begin != bytes)
      return csnn_set_error(CSNN_ERR_FORMAT,
                            "tensor '%s': holds %" PRIu64 " bytes, but %s x %s needs %" PRIu64,
                            shown(t->name, name), t->end - t->begin, dtypes[t->dtype].name,
                            shape_string(t->ndim, t->shape, shape), bytes);
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
                            shown(st->by_name[i]->name, name));
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
                                    shown(keys[i], name));

        free(keys);
        free(order);
        return status;
      }
    free(keys);
  }

  /* The ranges must tile the data section: sorted by offset, each starts where the last ended. */
  qsort(order, st->n_tensors, sizeof *order, compare_ranges);
  for (size_t i = 0; i < st->n_tensors; i++) {
    const st_tensor *t = order[i];

    if (t->begin < covered) {
      const st_tensor *prev = order[i - 1];

      free(order);
      return csnn_set_error(CSNN_ERR_FORMAT,
                            "tensor '%s': bytes [%" PRIu64 ", %" PRIu64
                            ") overlap tensor '%s' [%" PRIu64 ", %" PRIu64 ")",
                            shown(t->name, name), t->begin, t->end, shown(prev->name, other),
                            prev->begin, prev->end);
    }
    if (t->begin > covered) {
      free(order);
      return csnn_set_error(CSNN_ERR_FORMAT,
                            "tensor '%s': %" PRIu64
                            " unused bytes before its data at offset %" PRIu64
                            " (gaps are not allowed)",
                            shown(t->name, name), t->begin - covered, t->begin);
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
  st_parser ps;
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

  memset(&ps, 0, sizeof ps);
  ps.start = ps.p = (const char *)file + 8;
  ps.end = ps.start + header_size;
  ps.arena = st->strings;
  ps.arena_size = (size_t)header_size + 8;
  ps.st = st;
  status = parse_header(&ps);
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
  const st_tensor *t;
  char name[72];

  if (st == NULL || index >= st->n_tensors)
    return csnn_set_error(CSNN_ERR_INVALID, "no tensor at index %zu", index);
  t = &st->tensors[index];
  if (n_elements != t->n_elements)
    return csnn_set_error(CSNN_ERR_INVALID, "tensor '%s': has %zu elements, the buffer %zu",
                          shown(t->name, name), t->n_elements, n_elements);
  if (dst == NULL && n_elements > 0)
    return csnn_set_error(CSNN_ERR_INVALID, "tensor '%s': no buffer to read into",
                          shown(t->name, name));
  if (t->dtype == CSNN_DTYPE_F8_E4M3 || t->dtype == CSNN_DTYPE_F8_E5M2)
    return csnn_set_error(CSNN_ERR_UNSUPPORTED, "tensor '%s': dtype %s cannot be read",
                          shown(t->name, name), dtypes[t->dtype].name);
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
  const st_tensor *t;
  bool same;

  if (st == NULL || name == NULL || ndim < 0 || ndim > CSNN_ST_MAX_DIMS ||
      (shape == NULL && ndim > 0))
    return csnn_set_error(CSNN_ERR_INVALID, "csnn_safetensors_read_named: bad arguments");
  index = csnn_safetensors_find(st, name);
  if (index < 0)
    return csnn_set_error(CSNN_ERR_FORMAT, "tensor '%s' is missing from the weights",
                          shown(name, shown_name));
  t = &st->tensors[index];
  same = t->ndim == ndim;
  for (int d = 0; same && d < ndim; d++)
    same = t->shape[d] == shape[d];
  if (!same)
    return csnn_set_error(CSNN_ERR_FORMAT, "tensor '%s' has shape %s, expected %s",
                          shown(name, shown_name), shape_string(t->ndim, t->shape, theirs),
                          shape_string(ndim, shape, ours));
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

/* --- Saving -------------------------------------------------------------------------------- */

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
    size_t n = utf8_length(p, left);

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
                            shown(t->name, name));
    if (t->ndim < 0 || t->ndim > CSNN_ST_MAX_DIMS)
      return csnn_set_error(CSNN_ERR_INVALID, "tensor '%s': %d dimensions", shown(t->name, name),
                            t->ndim);
    if (!count_elements(t->ndim, t->shape, SIZE_MAX / 8, &count))
      return csnn_set_error(CSNN_ERR_INVALID, "tensor '%s': bad shape %s", shown(t->name, name),
                            shape_string(t->ndim, t->shape, shape));
    if (t->data == NULL && count > 0)
      return csnn_set_error(CSNN_ERR_INVALID, "tensor '%s': no data", shown(t->name, name));
    for (size_t j = 0; j < i; j++)
      if (strcmp(tensors[j].name, t->name) == 0)
        return csnn_set_error(CSNN_ERR_INVALID, "tensor '%s' is given twice", shown(t->name, name));
  }
  for (size_t i = 0; metadata != NULL && metadata[i] != NULL; i += 2) {
    if (metadata[i + 1] == NULL)
      return csnn_set_error(CSNN_ERR_INVALID, "metadata key '%s' has no value",
                            shown(metadata[i], name));
    if (!valid_utf8(metadata[i]) || !valid_utf8(metadata[i + 1]))
      return csnn_set_error(CSNN_ERR_INVALID, "metadata '%s': not valid UTF-8",
                            shown(metadata[i], name));
    for (size_t j = 0; j < i; j += 2)
      if (strcmp(metadata[j], metadata[i]) == 0)
        return csnn_set_error(CSNN_ERR_INVALID, "metadata key '%s' is given twice",
                              shown(metadata[i], name));
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

    count_elements(t->ndim, t->shape, SIZE_MAX / 8, &count);
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

    count_elements(tensors[i].ndim, tensors[i].shape, SIZE_MAX / 8, &count);
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
