/* fuzz-seeds.c — the seed corpus of the safetensors fuzzer, built in code
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-seeds.h"

#include <stdlib.h>
#include <string.h>

/* A header and the number of data bytes after it; @pad pads the header with spaces to a multiple
 * of 8 bytes, as writers do. Good files and files with one thing wrong, so that the fuzzer starts
 * next to every check. */
static const struct {
  const char *name;
  const char *header;
  size_t data_size;
  int pad;
} seeds[] = {
  { "empty", "{}", 0, 1 },
  { "one-f32", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 16, 1 },
  { "conv-and-bias",
    "{\"__metadata__\":{\"format\":\"pt\",\"arch\":\"squeezenet1_1\",\"classes\":\"control,cts\","
    "\"input_size\":\"224\",\"mean\":\"0.485,0.456,0.406\",\"std\":\"0.229,0.224,0.225\","
    "\"trained_on\":\"synthetic phantom sweeps\"},"
    "\"features.0.weight\":{\"dtype\":\"F32\",\"shape\":[2,1,3,3],\"data_offsets\":[0,72]},"
    "\"features.0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[72,80]}}",
    80, 1 },
  { "mixed-dtypes",
    "{\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
    "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[8,16]},"
    "\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[16,24]},"
    "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[24,32]},"
    "\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[32,36]},"
    "\"u\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[36,38]},"
    "\"q\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[38,39]},"
    "\"e\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[39,40]}}",
    40, 1 },
  { "unordered-and-zero-size",
    "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
    "\"z\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[4,4]},"
    "\"a\":{\"shape\":[1],\"data_offsets\":[0,4],\"dtype\":\"F32\"}}",
    8, 0 },
  { "escapes",
    "{\"caf\\u00e9\\ud83d\\ude00\\n\\t\\\"\\\\\\/\":{\"dtype\":\"U8\",\"shape\":[1],"
    "\"data_offsets\":[0,1]},\"__metadata__\":{\"k\\u0041\":\"v\\b\\f\\r\"}}",
    1, 1 },
  { "bad-overlap",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
    12, 0 },
  { "bad-gap",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
    "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
    12, 0 },
  { "bad-past-end", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, 0 },
  { "bad-begin-after-end", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8,
    0 },
  { "bad-size", "{\"a\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, 0 },
  { "bad-shape",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,-1],\"data_offsets\":[0,0]}}", 0,
    0 },
  { "bad-duplicate",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
    "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
    8, 0 },
  { "bad-dtype", "{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, 0 },
  { "unet-first-tensor",
    "{\"__metadata__\":{\"arch\":\"csnn_unet\",\"input_height\":\"8\",\"input_width\":\"8\","
    "\"base_channels\":\"1\",\"depth\":\"1\",\"mean\":\"0.5\",\"std\":\"0.25\"},"
    "\"enc.0.conv1.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,3,3],\"data_offsets\":[0,36]}}",
    36, 1 },
  { "unet-pair-first-tensors",
    "{\"__metadata__\":{\"arch\":\"csnn_unet\",\"input_height\":\"8\",\"input_width\":\"8\","
    "\"base_channels\":\"1\",\"depth\":\"1\",\"refine.arch\":\"csnn_unet\","
    "\"refine.input_height\":\"4\",\"refine.input_width\":\"8\",\"refine.base_channels\":\"1\","
    "\"refine.depth\":\"1\",\"refine.std\":\"0.2\"},"
    "\"enc.0.conv1.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,3,3],\"data_offsets\":[0,36]},"
    "\"refine.enc.0.conv1.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,3,3],"
    "\"data_offsets\":[36,72]}}",
    72, 1 },
  { "unet-ensemble-first-tensors",
    "{\"__metadata__\":{\"arch\":\"csnn_unet\",\"input_height\":\"8\",\"input_width\":\"8\","
    "\"base_channels\":\"1\",\"depth\":\"1\",\"locator.1.arch\":\"csnn_unet\","
    "\"locator.1.input_height\":\"8\",\"locator.1.input_width\":\"8\","
    "\"locator.1.base_channels\":\"1\",\"locator.1.depth\":\"1\",\"locator.1.mean\":\"0.4\"},"
    "\"enc.0.conv1.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,3,3],\"data_offsets\":[0,36]},"
    "\"locator.1.enc.0.conv1.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,3,3],"
    "\"data_offsets\":[36,72]}}",
    72, 1 },
  { "bad-metadata", "{\"__metadata__\":{\"classes\":[\"control\",\"cts\"],\"n\":1.5e3}}", 0, 0 },
  { "bad-json", "{\"a\":{\"dtype\":\"F32\",,\"shape\":[1] \"data_offsets\":[0,4]}", 4, 0 },
  { "bad-number",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,99999999999999999999]}}", 4, 0 },
};

/* Appends @n bytes to a growing buffer; returns 0 when memory ran out. */
static int
append(uint8_t **buffer, size_t *length, const void *bytes, size_t n)
{
  uint8_t *grown = realloc(*buffer, *length + n + 1);

  if (grown == NULL)
    return 0;
  memcpy(grown + *length, bytes, n);
  *buffer = grown;
  *length += n;
  return 1;
}

int
fuzz_seeds_foreach(fuzz_seed_cb callback, void *user)
{
  int count = 0;

  for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
    size_t header_length = strlen(seeds[s].header);
    size_t padded = seeds[s].pad ? (header_length + 7) / 8 * 8 : header_length;
    uint8_t length_le[8];
    uint8_t *file = NULL;
    size_t size = 0;
    int ok, stop;

    for (int i = 0; i < 8; i++)
      length_le[i] = (uint8_t)((uint64_t)padded >> (8 * i));
    ok = append(&file, &size, length_le, 8) && append(&file, &size, seeds[s].header, header_length);
    for (size_t i = header_length; ok && i < padded; i++)
      ok = append(&file, &size, " ", 1);
    /* Data bytes that make ordinary numbers in every dtype, with a zero and a 0x3c (1.0 in F16). */
    for (size_t i = 0; ok && i < seeds[s].data_size; i++) {
      uint8_t byte = (uint8_t)(i % 4 == 3 ? 0x3c : i * 37);

      ok = append(&file, &size, &byte, 1);
    }
    if (!ok) {
      free(file);
      return -1;
    }
    stop = callback(seeds[s].name, file, size, user);
    free(file);
    if (stop)
      return -1;
    count++;
  }
  return count;
}
