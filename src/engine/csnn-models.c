/* csnn-models.c — the metadata a model file carries, and what a model id may be
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "csnn-models.h"

#include <stdbool.h>
#include <string.h>

/* --- Metadata ------------------------------------------------------------------------------ */

/* Parses a decimal number without the C library's strtod, whose decimal separator follows the
 * process locale (a GUI in a German locale would read "0.485" as 0). */
static bool
parse_decimal(const char **cursor, double *out)
{
  const char *p = *cursor;
  double value = 0, scale = 1;
  bool negative = false, digits = false;
  int exponent = 0;

  while (*p == ' ')
    p++;
  if (*p == '-' || *p == '+')
    negative = *p++ == '-';
  for (; *p >= '0' && *p <= '9'; p++, digits = true)
    value = value * 10 + (*p - '0');
  if (*p == '.')
    for (p++; *p >= '0' && *p <= '9'; p++, digits = true)
      value += (*p - '0') * (scale /= 10);
  if (!digits)
    return false;
  if (*p == 'e' || *p == 'E') {
    bool exponent_negative = false;
    bool exponent_digits = false;

    p++;
    if (*p == '-' || *p == '+')
      exponent_negative = *p++ == '-';
    for (; *p >= '0' && *p <= '9'; p++, exponent_digits = true)
      if (exponent < 100)
        exponent = exponent * 10 + (*p - '0');
    if (!exponent_digits)
      return false;
    for (int i = 0; i < exponent; i++)
      value = exponent_negative ? value / 10 : value * 10;
  }
  while (*p == ' ')
    p++;
  *cursor = p;
  *out = negative ? -value : value;
  return true;
}

/* Parses exactly three comma-separated numbers (or one, used for all three channels), optionally
 * in JSON brackets. */
static int
parse_triple(const char *key, const char *text, bool positive, float out[3])
{
  const char *p = text;
  double values[3];
  int n = 0;
  bool bracketed;

  while (*p == ' ')
    p++;
  bracketed = *p == '[';
  if (bracketed)
    p++;
  for (;;) {
    if (n == 3 || !parse_decimal(&p, &values[n]))
      return csnn_set_error(CSNN_ERR_FORMAT,
                            "metadata '%s': expected three numbers separated by commas", key);
    n++;
    if (*p == ',') {
      p++;
      continue;
    }
    if (bracketed) {
      if (*p != ']')
        return csnn_set_error(CSNN_ERR_FORMAT, "metadata '%s': expected ']' after the numbers",
                              key);
      for (p++; *p == ' ';)
        p++;
    }
    if (*p != '\0')
      return csnn_set_error(CSNN_ERR_FORMAT,
                            "metadata '%s': expected three numbers separated by commas", key);
    break;
  }
  if (n == 2)
    return csnn_set_error(CSNN_ERR_FORMAT,
                          "metadata '%s': expected three numbers separated by commas", key);
  for (int c = 0; c < 3; c++) {
    double value = values[n == 1 ? 0 : c];

    if (!(value > -1e6 && value < 1e6) || (positive && !(value > 0)))
      return csnn_set_error(CSNN_ERR_FORMAT, "metadata '%s': %g is out of range", key, value);
    out[c] = (float)value;
  }
  return CSNN_OK;
}

/* Adds one class name of @length bytes at @name, trimmed of spaces. */
static int
add_class(csnn_model_meta *meta, const char *name, size_t length)
{
  while (length > 0 && *name == ' ') {
    name++;
    length--;
  }
  while (length > 0 && name[length - 1] == ' ')
    length--;
  if (length == 0)
    return csnn_set_error(CSNN_ERR_FORMAT, "metadata 'classes': an empty class name");
  if (length >= CSNN_MAX_CLASS_NAME)
    return csnn_set_error(CSNN_ERR_FORMAT, "metadata 'classes': a class name is too long");
  if (meta->n_classes == CSNN_MAX_CLASSES)
    return csnn_set_error(CSNN_ERR_FORMAT, "metadata 'classes': more than %d classes",
                          CSNN_MAX_CLASSES);
  memcpy(meta->classes[meta->n_classes], name, length);
  meta->classes[meta->n_classes][length] = '\0';
  meta->n_classes++;
  return CSNN_OK;
}

/* Parses a JSON list of strings, ["control", "cts"], with the escapes \" \\ and \/. */
static int
parse_class_list(const char *text, csnn_model_meta *meta)
{
  const char *p = text;
  int status;

  while (*p == ' ')
    p++;
  p++; /* The opening bracket. */
  for (;;) {
    char name[CSNN_MAX_CLASS_NAME];
    size_t length = 0;

    while (*p == ' ')
      p++;
    if (*p != '"')
      return csnn_set_error(CSNN_ERR_FORMAT, "metadata 'classes': expected a JSON list of names");
    for (p++; *p != '"'; p++) {
      if (*p == '\0')
        return csnn_set_error(CSNN_ERR_FORMAT, "metadata 'classes': unterminated name");
      if (*p == '\\') {
        p++;
        if (*p != '"' && *p != '\\' && *p != '/')
          return csnn_set_error(CSNN_ERR_FORMAT,
                                "metadata 'classes': unsupported escape in a class name");
      }
      if (length + 1 >= sizeof name)
        return csnn_set_error(CSNN_ERR_FORMAT, "metadata 'classes': a class name is too long");
      name[length++] = *p;
    }
    if ((status = add_class(meta, name, length)) != CSNN_OK)
      return status;
    for (p++; *p == ' ';)
      p++;
    if (*p == ',') {
      p++;
      continue;
    }
    if (*p != ']')
      return csnn_set_error(CSNN_ERR_FORMAT, "metadata 'classes': expected ',' or ']'");
    for (p++; *p == ' ';)
      p++;
    if (*p != '\0')
      return csnn_set_error(CSNN_ERR_FORMAT, "metadata 'classes': text after the list");
    return CSNN_OK;
  }
}

/* Parses the class names: a JSON list, or plain comma-separated names. */
static int
parse_classes(const char *text, csnn_model_meta *meta)
{
  const char *first = text;
  int status;

  while (*first == ' ')
    first++;
  if (*first == '[')
    return parse_class_list(text, meta);
  for (const char *p = text;;) {
    const char *comma = strchr(p, ',');

    if ((status = add_class(meta, p, comma ? (size_t)(comma - p) : strlen(p))) != CSNN_OK)
      return status;
    if (comma == NULL)
      return CSNN_OK;
    p = comma + 1;
  }
}

int
csnn_model_meta_read(const csnn_safetensors *st, csnn_model_meta *meta)
{
  static const float imagenet_mean[3] = { 0.485f, 0.456f, 0.406f };
  static const float imagenet_std[3] = { 0.229f, 0.224f, 0.225f };
  const char *value;
  int status;

  if (st == NULL || meta == NULL)
    return csnn_set_error(CSNN_ERR_INVALID, "csnn_model_meta_read: no weights or no result");
  memset(meta, 0, sizeof *meta);
  meta->input_size = 224;
  memcpy(meta->mean, imagenet_mean, sizeof meta->mean);
  memcpy(meta->std, imagenet_std, sizeof meta->std);

  if ((value = csnn_safetensors_metadata(st, CSNN_META_ARCH)) != NULL) {
    size_t length = strlen(value);

    if (length == 0 || length >= sizeof meta->arch)
      return csnn_set_error(CSNN_ERR_FORMAT, "metadata 'arch': bad architecture name");
    memcpy(meta->arch, value, length + 1);
  }

  if ((value = csnn_safetensors_metadata(st, CSNN_META_CLASSES)) != NULL &&
      (status = parse_classes(value, meta)) != CSNN_OK)
    return status;

  if ((value = csnn_safetensors_metadata(st, CSNN_META_INPUT_SIZE)) != NULL) {
    long size = 0;
    const char *p = value;

    for (; *p >= '0' && *p <= '9' && size < 100000; p++)
      size = size * 10 + (*p - '0');
    if (p == value || *p != '\0' || size < 8 || size > 4096)
      return csnn_set_error(CSNN_ERR_FORMAT,
                            "metadata 'input_size': expected a side in pixels from 8 to 4096, "
                            "not '%.40s'",
                            value);
    meta->input_size = (int)size;
  }

  if ((value = csnn_safetensors_metadata(st, CSNN_META_MEAN)) != NULL &&
      (status = parse_triple(CSNN_META_MEAN, value, false, meta->mean)) != CSNN_OK)
    return status;
  if ((value = csnn_safetensors_metadata(st, CSNN_META_STD)) != NULL &&
      (status = parse_triple(CSNN_META_STD, value, true, meta->std)) != CSNN_OK)
    return status;
  return CSNN_OK;
}

/* --- Ids ----------------------------------------------------------------------------------- */

int
csnn_models_valid_id(const char *id)
{
  return id != NULL && id[0] != '\0' && id[0] != '.' && strchr(id, '/') == NULL;
}
