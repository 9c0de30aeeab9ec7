/* csnn-safetensors-json.c — the JSON reader of a safetensors header
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small reader that knows the fixed shape of a safetensors header: an object whose members
 * are tensor entries or the "__metadata__" map of strings. No generic JSON tree is built, and
 * nothing recurses. It trusts nothing: strings must be valid UTF-8 without NUL, numbers plain
 * integers, every field known and given once, and every error names the tensor and the byte.
 */
#include "csnn-safetensors-private.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    return csnn_set_error(status, "tensor '%s': %s (header byte %zu)",
                          csnn__st_shown(ps->tensor, name), message, (size_t)(ps->p - ps->start));
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

size_t
csnn__utf8_length(const unsigned char *p, size_t avail)
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
      size_t n = csnn__utf8_length((const unsigned char *)ps->p, (size_t)(ps->end - ps->p));

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
static csnn__st_tensor *
add_tensor(st_parser *ps)
{
  csnn_safetensors *st = ps->st;
  csnn__st_tensor *tensor;

  if (st->n_tensors == ps->tensors_allocated) {
    size_t n = ps->tensors_allocated ? 2 * ps->tensors_allocated : 64;
    csnn__st_tensor *grown = realloc(st->tensors, n * sizeof *grown);

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
  csnn__st_tensor *tensor;
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

        if (have_dtype)
          return parse_error(ps, CSNN_ERR_FORMAT, "field 'dtype' appears twice");
        have_dtype = true;
        if ((status = parse_string(ps, &dtype, "the dtype")) != CSNN_OK)
          return status;
        if (!csnn__st_dtype_from_name(dtype, &tensor->dtype)) {
          char shown_dtype[72];

          return parse_error(ps, CSNN_ERR_UNSUPPORTED, "unknown dtype '%s'",
                             csnn__st_shown(dtype, shown_dtype));
        }
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
                           csnn__st_shown(key, shown_key));
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
                         csnn__st_shown(key, shown_key));
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

int
csnn__st_parse_header(csnn_safetensors *st, const char *header, size_t size)
{
  st_parser ps;

  memset(&ps, 0, sizeof ps);
  ps.start = ps.p = header;
  ps.end = header + size;
  ps.arena = st->strings;
  ps.arena_size = size + 8;
  ps.st = st;
  return parse_header(&ps);
}
