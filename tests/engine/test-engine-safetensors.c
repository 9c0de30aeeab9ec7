/* test-engine-safetensors.c — weight files: parsing, bad files, saving, SHA-256
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every class of malformed file is built here byte by byte and must be refused with a message
 * that names the offending tensor; good files must round-trip bit for bit.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "csnn-models.h"
#include "csnn-safetensors.h"
#include "csnn-sha256.h"

/* Builds a file: the 8-byte length of @header, @header, then @data_size bytes counting up. */
static GByteArray *
build_file(const char *header, size_t data_size)
{
  GByteArray *file = g_byte_array_new();
  guint64 length = strlen(header);
  guint8 length_le[8];

  for (int i = 0; i < 8; i++)
    length_le[i] = (guint8)(length >> (8 * i));
  g_byte_array_append(file, length_le, 8);
  g_byte_array_append(file, (const guint8 *)header, (guint)length);
  for (size_t i = 0; i < data_size; i++) {
    guint8 byte = (guint8)i;

    g_byte_array_append(file, &byte, 1);
  }
  return file;
}

/* Parses @header + @data_size bytes, expecting @status and a message containing every one of the
 * NULL-terminated fragments. */
static void
assert_refused(const char *header, size_t data_size, int status, ...)
{
  GByteArray *file = build_file(header, data_size);
  csnn_safetensors *st = (csnn_safetensors *)0x1;
  const char *fragment;
  va_list args;

  g_assert_cmpint(csnn_safetensors_parse(file->data, file->len, &st), ==, status);
  g_assert_null(st);
  g_test_message("%.200s -> %s", header, csnn_last_error());
  va_start(args, status);
  while ((fragment = va_arg(args, const char *)) != NULL)
    if (strstr(csnn_last_error(), fragment) == NULL)
      g_error("message '%s' lacks '%s'", csnn_last_error(), fragment);
  va_end(args);
  g_byte_array_unref(file);
}

static csnn_safetensors *
parse_ok(const char *header, size_t data_size)
{
  GByteArray *file = build_file(header, data_size);
  csnn_safetensors *st = NULL;
  int status = csnn_safetensors_parse(file->data, file->len, &st);

  if (status != CSNN_OK)
    g_error("refused '%s': %s", header, csnn_last_error());
  g_byte_array_unref(file);
  return st;
}

/* --- SHA-256 ------------------------------------------------------------------------------- */

static void
sha256_vectors(void)
{
  /* FIPS 180-4 examples and the NIST long-message vector. */
  static const struct {
    const char *message;
    const char *digest;
  } vectors[] = {
    { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
    { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlm"
      "nopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
  };
  char hex[CSNN_SHA256_HEX_SIZE];
  char *million = g_malloc(1000000);
  csnn_sha256_ctx ctx;

  for (gsize i = 0; i < G_N_ELEMENTS(vectors); i++) {
    csnn_sha256_hex(vectors[i].message, strlen(vectors[i].message), hex);
    g_assert_cmpstr(hex, ==, vectors[i].digest);
  }

  /* One million 'a', fed in uneven pieces so the block buffering is exercised. */
  memset(million, 'a', 1000000);
  csnn_sha256_init(&ctx);
  for (size_t done = 0, piece = 1; done < 1000000; piece = piece * 7 % 997 + 1) {
    size_t n = MIN(piece, 1000000 - done);

    csnn_sha256_update(&ctx, million + done, n);
    done += n;
  }
  csnn_sha256_final_hex(&ctx, hex);
  g_assert_cmpstr(hex, ==, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  g_free(million);
}

static void
sha256_lengths(void)
{
  /* Every length around the 55/56/64-byte padding boundaries, one-shot against byte by byte. */
  guint8 bytes[200];

  for (gsize i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8)(i * 31 + 7);
  for (size_t n = 0; n <= sizeof bytes; n++) {
    char one[CSNN_SHA256_HEX_SIZE], pieces[CSNN_SHA256_HEX_SIZE];
    csnn_sha256_ctx ctx;
    g_autofree char *glib = g_compute_checksum_for_data(G_CHECKSUM_SHA256, bytes, n);

    csnn_sha256_hex(bytes, n, one);
    csnn_sha256_init(&ctx);
    for (size_t i = 0; i < n; i++)
      csnn_sha256_update(&ctx, bytes + i, 1);
    csnn_sha256_final_hex(&ctx, pieces);
    g_assert_cmpstr(one, ==, pieces);
    g_assert_cmpstr(one, ==, glib);
  }
}

/* Runs the SHA-256 checks with the CPU's SHA instructions (where it has them) and without. */
static void
test_sha256_vectors(void)
{
  csnn__sha256_set_accel(0);
  sha256_vectors();
  csnn__sha256_set_accel(1);
  sha256_vectors();
}

static void
test_sha256_lengths(void)
{
  csnn__sha256_set_accel(0);
  sha256_lengths();
  csnn__sha256_set_accel(1);
  sha256_lengths();
}

static void
test_sha256_paths_agree(void)
{
  /* A megabyte of varied bytes in uneven pieces: both implementations give the same digest. */
  const size_t size = 1 << 20;
  guint8 *bytes = g_malloc(size);
  char hex[2][CSNN_SHA256_HEX_SIZE];
  guint32 x = 12345;

  for (size_t i = 0; i < size; i++) {
    x = x * 1664525u + 1013904223u;
    bytes[i] = (guint8)(x >> 24);
  }
  for (int accel = 0; accel < 2; accel++) {
    csnn_sha256_ctx ctx;

    csnn__sha256_set_accel(accel);
    csnn_sha256_init(&ctx);
    for (size_t done = 0, piece = 3; done < size; piece = piece * 5 % 40009 + 1) {
      size_t n = MIN(piece, size - done);

      csnn_sha256_update(&ctx, bytes + done, n);
      done += n;
    }
    csnn_sha256_final_hex(&ctx, hex[accel]);
  }
  csnn__sha256_set_accel(1);
  g_assert_cmpstr(hex[0], ==, hex[1]);
  {
    g_autofree char *glib = g_compute_checksum_for_data(G_CHECKSUM_SHA256, bytes, size);

    g_assert_cmpstr(hex[0], ==, glib);
  }
  g_free(bytes);
}

/* --- Saving and loading -------------------------------------------------------------------- */

static char *
temp_dir(void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp("csnn-st-XXXXXX", &error);

  g_assert_no_error(error);
  return dir;
}

static void
remove_dir(const char *dir)
{
  GDir *listing = g_dir_open(dir, 0, NULL);
  const char *entry;

  while (listing != NULL && (entry = g_dir_read_name(listing)) != NULL) {
    g_autofree char *path = g_build_filename(dir, entry, NULL);

    g_assert_cmpint(g_remove(path), ==, 0);
  }
  if (listing != NULL)
    g_dir_close(listing);
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static guint
count_entries(const char *dir)
{
  GDir *listing = g_dir_open(dir, 0, NULL);
  guint n = 0;

  while (g_dir_read_name(listing) != NULL)
    n++;
  g_dir_close(listing);
  return n;
}

static void
test_round_trip(void)
{
  g_autofree char *dir = temp_dir();
  g_autofree char *path = g_build_filename(dir, "model.safetensors", NULL);
  float conv[2 * 3 * 3 * 3], bias[2], scalar = -0.0f, nothing = 0;
  const csnn_st_tensor tensors[] = {
    { "features.0.weight", 4, { 2, 3, 3, 3 }, conv },
    { "features.0.bias", 1, { 2 }, bias },
    { "step", 0, { 0 }, &scalar },
    { "empty \"quoted\"\n\u00e9\xf0\x9f\x98\x80", 2, { 0, 5 }, &nothing },
  };
  const char *metadata[] = { "arch",    "squeezenet1_1",
                             "classes", "control,cts",
                             "note",    "quotes \" backslash \\ tab \t newline \n \x01 caf\u00e9",
                             NULL };
  csnn_safetensors *st = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  guint64 header_length = 0;
  int64_t shape[CSNN_ST_MAX_DIMS];
  float conv_back[G_N_ELEMENTS(conv)], bias_back[2], scalar_back = 1;

  for (gsize i = 0; i < G_N_ELEMENTS(conv); i++)
    conv[i] = (float)i / 7.0f - 3.0f;
  conv[5] = INFINITY;
  conv[6] = 1e-42f; /* A subnormal. */
  bias[0] = 0.125f;
  bias[1] = NAN;

  g_assert_cmpint(csnn_safetensors_save(path, tensors, G_N_ELEMENTS(tensors), metadata), ==,
                  CSNN_OK);
  g_assert_cmpuint(count_entries(dir), ==, 1); /* No temporary file left behind. */

  g_assert_true(g_file_get_contents(path, &contents, &length, NULL));
  for (int i = 7; i >= 0; i--)
    header_length = header_length << 8 | (guint8)contents[i];
  g_assert_cmpuint((8 + header_length) % 8, ==, 0);
  g_assert_cmpuint(length, ==, 8 + header_length + sizeof conv + sizeof bias + sizeof scalar);

  g_assert_cmpint(csnn_safetensors_open(path, &st), ==, CSNN_OK);
  g_assert_cmpuint(csnn_safetensors_n_tensors(st), ==, G_N_ELEMENTS(tensors));
  for (gsize i = 0; i < G_N_ELEMENTS(tensors); i++) {
    g_assert_cmpstr(csnn_safetensors_name(st, i), ==, tensors[i].name);
    g_assert_cmpint(csnn_safetensors_find(st, tensors[i].name), ==, (long)i);
    g_assert_cmpint(csnn_safetensors_shape(st, i, shape), ==, tensors[i].ndim);
    for (int d = 0; d < tensors[i].ndim; d++)
      g_assert_cmpint(shape[d], ==, tensors[i].shape[d]);
    g_assert_cmpint(csnn_safetensors_dtype(st, i), ==, CSNN_DTYPE_F32);
  }
  g_assert_cmpuint(csnn_safetensors_n_elements(st, 0), ==, G_N_ELEMENTS(conv));
  g_assert_cmpuint(csnn_safetensors_n_elements(st, 2), ==, 1);
  g_assert_cmpuint(csnn_safetensors_n_elements(st, 3), ==, 0);
  g_assert_cmpint(csnn_safetensors_find(st, "features.0"), ==, -1);

  g_assert_cmpint(csnn_safetensors_read_f32(st, 0, conv_back, G_N_ELEMENTS(conv)), ==, CSNN_OK);
  g_assert_cmpmem(conv_back, sizeof conv_back, conv, sizeof conv);
  g_assert_cmpint(
      csnn_safetensors_read_named(st, "features.0.bias", 1, (int64_t[]){ 2 }, bias_back), ==,
      CSNN_OK);
  g_assert_cmpmem(bias_back, sizeof bias_back, bias, sizeof bias);
  g_assert_cmpint(csnn_safetensors_read_f32(st, 2, &scalar_back, 1), ==, CSNN_OK);
  g_assert_true(scalar_back == 0.0f && signbit(scalar_back));
  g_assert_cmpint(csnn_safetensors_read_f32(st, 3, NULL, 0), ==, CSNN_OK);

  g_assert_cmpuint(csnn_safetensors_n_metadata(st), ==, 3);
  for (gsize i = 0; i < 3; i++) {
    g_assert_cmpstr(csnn_safetensors_metadata_key(st, i), ==, metadata[2 * i]);
    g_assert_cmpstr(csnn_safetensors_metadata_value(st, i), ==, metadata[2 * i + 1]);
    g_assert_cmpstr(csnn_safetensors_metadata(st, metadata[2 * i]), ==, metadata[2 * i + 1]);
  }
  g_assert_null(csnn_safetensors_metadata(st, "missing"));
  g_assert_null(csnn_safetensors_metadata_key(st, 3));
  csnn_safetensors_close(st);

  /* Saving again replaces the file whole. */
  g_assert_cmpint(csnn_safetensors_save(path, tensors, 1, NULL), ==, CSNN_OK);
  g_assert_cmpint(csnn_safetensors_open(path, &st), ==, CSNN_OK);
  g_assert_cmpuint(csnn_safetensors_n_tensors(st), ==, 1);
  g_assert_cmpuint(csnn_safetensors_n_metadata(st), ==, 0);
  csnn_safetensors_close(st);
  g_assert_cmpuint(count_entries(dir), ==, 1);
  remove_dir(dir);
}

static void
test_save_refused(void)
{
  g_autofree char *dir = temp_dir();
  g_autofree char *path = g_build_filename(dir, "model.safetensors", NULL);
  g_autofree char *missing = g_build_filename(dir, "no-such-dir", "model.safetensors", NULL);
  float value = 1;
  const csnn_st_tensor good[] = { { "a", 1, { 1 }, &value } };
  const csnn_st_tensor twice[] = { { "a", 1, { 1 }, &value }, { "a", 1, { 1 }, &value } };
  const csnn_st_tensor negative[] = { { "a", 1, { -1 }, &value } };
  const csnn_st_tensor reserved[] = { { "__metadata__", 1, { 1 }, &value } };
  const csnn_st_tensor no_data[] = { { "a", 1, { 1 }, NULL } };
  const char *odd_metadata[] = { "arch", NULL };
  const char *twice_metadata[] = { "arch", "x", "arch", "y", NULL };
  g_autofree char *before = NULL, *after = NULL;
  gsize before_length, after_length;

  g_assert_cmpint(csnn_safetensors_save(path, good, 1, NULL), ==, CSNN_OK);
  g_assert_true(g_file_get_contents(path, &before, &before_length, NULL));

  g_assert_cmpint(csnn_safetensors_save(path, twice, 2, NULL), ==, CSNN_ERR_INVALID);
  g_assert_nonnull(strstr(csnn_last_error(), "'a'"));
  g_assert_cmpint(csnn_safetensors_save(path, negative, 1, NULL), ==, CSNN_ERR_INVALID);
  g_assert_cmpint(csnn_safetensors_save(path, reserved, 1, NULL), ==, CSNN_ERR_INVALID);
  g_assert_cmpint(csnn_safetensors_save(path, no_data, 1, NULL), ==, CSNN_ERR_INVALID);
  g_assert_cmpint(csnn_safetensors_save(path, good, 1, odd_metadata), ==, CSNN_ERR_INVALID);
  g_assert_cmpint(csnn_safetensors_save(path, good, 1, twice_metadata), ==, CSNN_ERR_INVALID);
  g_assert_cmpint(csnn_safetensors_save(missing, good, 1, NULL), ==, CSNN_ERR_IO);
  g_assert_nonnull(strstr(csnn_last_error(), "no-such-dir"));

  /* A refused save leaves the earlier file exactly as it was. */
  g_assert_true(g_file_get_contents(path, &after, &after_length, NULL));
  g_assert_cmpmem(before, before_length, after, after_length);
  g_assert_cmpuint(count_entries(dir), ==, 1);
  remove_dir(dir);
}

static void
test_sha256_of_file(void)
{
  g_autofree char *dir = temp_dir();
  g_autofree char *path = g_build_filename(dir, "model.safetensors", NULL);
  g_autofree char *program = g_find_program_in_path("sha256sum");
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "sha256sum", path, NULL };
  float values[1000];
  const csnn_st_tensor tensors[] = { { "w", 2, { 10, 100 }, values } };
  const char *metadata[] = { "arch", "mobilenet_v2", NULL };
  csnn_safetensors *st = NULL;
  int wait_status;

  for (int i = 0; i < 1000; i++)
    values[i] = sinf((float)i);
  g_assert_cmpint(csnn_safetensors_save(path, tensors, 1, metadata), ==, CSNN_OK);
  g_assert_cmpint(csnn_safetensors_open(path, &st), ==, CSNN_OK);
  g_assert_cmpuint(strlen(csnn_safetensors_sha256(st)), ==, 64);

  if (program == NULL) {
    csnn_safetensors_close(st);
    remove_dir(dir);
    g_test_skip("sha256sum is not installed");
    return;
  }
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &output,
                             NULL, &wait_status, &error));
  g_assert_no_error(error);
  g_assert_true(g_spawn_check_wait_status(wait_status, NULL));
  g_assert_cmpuint(strlen(output), >, 64);
  output[64] = '\0';
  g_assert_cmpstr(csnn_safetensors_sha256(st), ==, output);
  csnn_safetensors_close(st);
  remove_dir(dir);
}

/* --- Against an independent reader and writer: Python's json and struct modules ------------- */

/* Runs Python's @script with @path as its argument; returns its stdout, or NULL to skip. */
static char *
run_python(const char *script, const char *path)
{
  const char *python = g_getenv("CARPALSCOPE_PYTHON");
  const char *argv[] = { python ? python : "/usr/bin/python3", "-c", script, path, NULL };
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  g_autofree char *err = NULL;
  int wait_status;

  if (!g_file_test(argv[0], G_FILE_TEST_IS_EXECUTABLE))
    return NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                             &wait_status, &error));
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(wait_status, NULL))
    g_error("python failed: %s", err);
  return out;
}

static void
test_python_reads_ours(void)
{
  /* json.loads is strict about escapes and UTF-8; struct checks the offsets and the values. */
  static const char script[] =
      "import json, struct, sys\n"
      "data = open(sys.argv[1], 'rb').read()\n"
      "n, = struct.unpack('<Q', data[:8])\n"
      "assert (8 + n) % 8 == 0, 'data not 8-byte aligned'\n"
      "header = json.loads(data[8:8 + n].decode('utf-8'))\n"
      "body = data[8 + n:]\n"
      "meta = header.pop('__metadata__')\n"
      "for k in sorted(meta): print('meta', json.dumps(k), json.dumps(meta[k]))\n"
      "end = 0\n"
      "for name, t in sorted(header.items(), key=lambda i: i[1]['data_offsets']):\n"
      "    b, e = t['data_offsets']\n"
      "    assert t['dtype'] == 'F32' and b == end, name\n"
      "    count = 1\n"
      "    for d in t['shape']: count *= d\n"
      "    assert e - b == 4 * count, name\n"
      "    values = struct.unpack('<%df' % count, body[b:e])\n"
      "    print('tensor', json.dumps(name), t['shape'], repr(sum(values)))\n"
      "    end = e\n"
      "assert end == len(body)\n";
  g_autofree char *dir = temp_dir();
  g_autofree char *path = g_build_filename(dir, "ours.safetensors", NULL);
  g_autofree char *out = NULL;
  float a[6] = { 0.5f, -1.25f, 2, 0, 0, 1.75f }, b[1] = { 3 };
  const csnn_st_tensor tensors[] = {
    { "features.0.0.weight", 3, { 1, 2, 3 }, a },
    { "t\u00e4b\tle \"\\ \xf0\x9f\x98\x80", 0, { 0 }, b },
  };
  const char *metadata[] = { "arch", "efficientnet_b0", "note", "\x01\n\"\\/ caf\u00e9", NULL };

  g_assert_cmpint(csnn_safetensors_save(path, tensors, 2, metadata), ==, CSNN_OK);
  out = run_python(script, path);
  if (out == NULL) {
    remove_dir(dir);
    g_test_skip("no python3");
    return;
  }
  g_assert_cmpstr(out, ==,
                  "meta \"arch\" \"efficientnet_b0\"\n"
                  "meta \"note\" \"\\u0001\\n\\\"\\\\/ caf\\u00e9\"\n"
                  "tensor \"features.0.0.weight\" [1, 2, 3] 3.0\n"
                  "tensor \"t\\u00e4b\\tle \\\"\\\\ \\ud83d\\ude00\" [] 3.0\n");
  remove_dir(dir);
}

static void
test_ours_reads_python(void)
{
  /* Python writes escapes the way json.dumps does (\uXXXX, surrogate pairs), F16 with struct's
   * own half-precision packing, BF16 by truncating float32, and the data in reverse order. */
  static const char script[] =
      "import json, struct, sys\n"
      "halves = [0.0, -0.0, 1.0, -2.5, 65504.0, 6.103515625e-05, 5.960464477539063e-08, "
      "float('inf'), 0.333251953125]\n"
      "f16 = struct.pack('<%de' % len(halves), *halves)\n"
      "bf = [1.0, -3.0, 0.15625, 1e30]\n"
      "bf16 = b''.join(struct.pack('<f', v)[2:] for v in bf)\n"
      "f32 = struct.pack('<3f', 0.1, 0.2, 0.3)\n"
      "header = {'__metadata__': {'classes': json.dumps(['control', 'cts']), "
      "'trained_on': 'caf\u00e9 \U0001F600 \"q\" \\\\ tab\\t'},\n"
      "  'w.f32': {'dtype': 'F32', 'shape': [3], 'data_offsets': [0, 12]},\n"
      "  'w.bf16': {'dtype': 'BF16', 'shape': [2, 2], 'data_offsets': [12, 20]},\n"
      "  'w.f16\u00e9': {'dtype': 'F16', 'shape': [9], 'data_offsets': [20, 38]}}\n"
      "text = json.dumps(header).encode()\n"
      "text += b' ' * (-(8 + len(text)) % 8)\n"
      "open(sys.argv[1], 'wb').write(struct.pack('<Q', len(text)) + text + f32 + bf16 + f16)\n"
      "print('written')\n";
  g_autofree char *dir = temp_dir();
  g_autofree char *path = g_build_filename(dir, "python.safetensors", NULL);
  g_autofree char *out = run_python(script, path);
  csnn_safetensors *st = NULL;
  float f32[3], bf16[4], f16[9];
  csnn_model_meta meta;

  if (out == NULL) {
    remove_dir(dir);
    g_test_skip("no python3");
    return;
  }
  g_assert_cmpint(csnn_safetensors_open(path, &st), ==, CSNN_OK);
  g_assert_cmpstr(csnn_safetensors_metadata(st, "trained_on"), ==,
                  "caf\u00e9 \xf0\x9f\x98\x80 \"q\" \\ tab\t");
  g_assert_cmpint(csnn_model_meta_read(st, &meta), ==, CSNN_OK);
  g_assert_cmpint(meta.n_classes, ==, 2);
  g_assert_cmpstr(meta.classes[1], ==, "cts");
  g_assert_cmpint(csnn_safetensors_read_named(st, "w.f32", 1, (int64_t[]){ 3 }, f32), ==, CSNN_OK);
  g_assert_cmpfloat(f32[0], ==, 0.1f);
  g_assert_cmpfloat(f32[2], ==, 0.3f);
  g_assert_cmpint(csnn_safetensors_read_named(st, "w.bf16", 2, (int64_t[]){ 2, 2 }, bf16), ==,
                  CSNN_OK);
  g_assert_cmpfloat(bf16[0], ==, 1.0f);
  g_assert_cmpfloat(bf16[1], ==, -3.0f);
  g_assert_cmpfloat(bf16[2], ==, 0.15625f);
  g_assert_cmpfloat(fabsf(bf16[3] - 1e30f), <, 1e30f / 128);
  g_assert_cmpint(csnn_safetensors_read_named(st, "w.f16\u00e9", 1, (int64_t[]){ 9 }, f16), ==,
                  CSNN_OK);
  g_assert_cmpfloat(f16[0], ==, 0.0f);
  g_assert_true(signbit(f16[1]));
  g_assert_cmpfloat(f16[2], ==, 1.0f);
  g_assert_cmpfloat(f16[3], ==, -2.5f);
  g_assert_cmpfloat(f16[4], ==, 65504.0f);
  g_assert_cmpfloat(f16[5], ==, ldexpf(1, -14));
  g_assert_cmpfloat(f16[6], ==, ldexpf(1, -24));
  g_assert_true(isinf(f16[7]));
  g_assert_cmpfloat(f16[8], ==, 0.333251953125f);
  csnn_safetensors_close(st);
  remove_dir(dir);
}

/* --- Element types ------------------------------------------------------------------------- */

static float
read_one(const char *dtype, const guint8 *bytes, size_t size)
{
  g_autofree char *header = g_strdup_printf(
      "{\"x\":{\"dtype\":\"%s\",\"shape\":[],\"data_offsets\":[0,%zu]}}", dtype, size);
  GByteArray *file = build_file(header, 0);
  csnn_safetensors *st = NULL;
  float value = 12345;

  g_byte_array_append(file, bytes, (guint)size);
  g_assert_cmpint(csnn_safetensors_parse(file->data, file->len, &st), ==, CSNN_OK);
  g_assert_cmpint(csnn_safetensors_read_f32(st, 0, &value, 1), ==, CSNN_OK);
  csnn_safetensors_close(st);
  g_byte_array_unref(file);
  return value;
}

static float
read_f16(guint16 bits)
{
  guint8 bytes[2] = { (guint8)bits, (guint8)(bits >> 8) };

  return read_one("F16", bytes, 2);
}

static float
read_bf16(guint16 bits)
{
  guint8 bytes[2] = { (guint8)bits, (guint8)(bits >> 8) };

  return read_one("BF16", bytes, 2);
}

static void
test_f16(void)
{
  g_assert_cmpfloat(read_f16(0x0000), ==, 0.0f);
  g_assert_true(read_f16(0x8000) == 0.0f && signbit(read_f16(0x8000)));
  g_assert_cmpfloat(read_f16(0x0001), ==, ldexpf(1, -24));    /* The smallest subnormal. */
  g_assert_cmpfloat(read_f16(0x03ff), ==, ldexpf(1023, -24)); /* The largest subnormal. */
  g_assert_cmpfloat(read_f16(0x8001), ==, -ldexpf(1, -24));
  g_assert_cmpfloat(read_f16(0x0400), ==, ldexpf(1, -14)); /* The smallest normal. */
  g_assert_cmpfloat(read_f16(0x3c00), ==, 1.0f);
  g_assert_cmpfloat(read_f16(0xc000), ==, -2.0f);
  g_assert_cmpfloat(read_f16(0x3555), ==, 0.333251953125f);
  g_assert_cmpfloat(read_f16(0x7bff), ==, 65504.0f);
  g_assert_true(isinf(read_f16(0x7c00)) && read_f16(0x7c00) > 0);
  g_assert_true(isinf(read_f16(0xfc00)) && read_f16(0xfc00) < 0);
  g_assert_true(isnan(read_f16(0x7e00)));
  g_assert_true(isnan(read_f16(0x7c01))); /* A signalling NaN stays a NaN. */
  g_assert_true(isnan(read_f16(0xfe00)));
}

static void
test_f16_exhaustive(void)
{
#ifdef __FLT16_MAX__
  /* All 65536 halves at once against the compiler's own conversion. */
  g_autofree char *header =
      g_strdup("{\"all\":{\"dtype\":\"F16\",\"shape\":[256,256],\"data_offsets\":[0,131072]}}");
  GByteArray *file = build_file(header, 0);
  csnn_safetensors *st = NULL;
  float *values = g_new(float, 65536);

  for (guint32 bits = 0; bits < 65536; bits++) {
    guint8 bytes[2] = { (guint8)bits, (guint8)(bits >> 8) };

    g_byte_array_append(file, bytes, 2);
  }
  g_assert_cmpint(csnn_safetensors_parse(file->data, file->len, &st), ==, CSNN_OK);
  g_assert_cmpint(csnn_safetensors_read_f32(st, 0, values, 65536), ==, CSNN_OK);
  for (guint32 bits = 0; bits < 65536; bits++) {
    guint16 half_bits = (guint16)bits;
    _Float16 half;
    float expected;

    memcpy(&half, &half_bits, 2);
    expected = (float)half;
    if (isnan(expected))
      g_assert_true(isnan(values[bits]));
    else
      g_assert_cmpmem(&values[bits], 4, &expected, 4);
  }
  csnn_safetensors_close(st);
  g_byte_array_unref(file);
  g_free(values);
#else
  g_test_skip("the compiler has no _Float16");
#endif
}

static void
test_bf16_and_others(void)
{
  guint8 i64[8] = { 0x39, 0x30, 0, 0, 0, 0, 0, 0 };                            /* 12345 */
  guint8 i64_negative[8] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }; /* -2 */
  guint8 f64[8] = { 0, 0, 0, 0, 0, 0, 0xf8, 0x3f };                            /* 1.5 */
  guint8 i32[4] = { 0xff, 0xff, 0xff, 0xff };                                  /* -1 */
  guint8 u16[2] = { 0xff, 0xff };                                              /* 65535 */
  guint8 i8[1] = { 0x80 };                                                     /* -128 */
  guint8 boolean[1] = { 1 };
  guint8 f8[1] = { 0x38 };
  g_autofree char *header =
      g_strdup("{\"x\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}");
  GByteArray *file = build_file(header, 0);
  csnn_safetensors *st = NULL;
  float value;

  g_assert_cmpfloat(read_bf16(0x3f80), ==, 1.0f);
  g_assert_cmpfloat(read_bf16(0xc040), ==, -3.0f);
  g_assert_cmpfloat(read_bf16(0x0001), ==, ldexpf(1, -133)); /* A subnormal. */
  g_assert_true(isinf(read_bf16(0x7f80)));
  g_assert_true(isnan(read_bf16(0x7fc0)));

  g_assert_cmpfloat(read_one("I64", i64, 8), ==, 12345.0f);
  g_assert_cmpfloat(read_one("I64", i64_negative, 8), ==, -2.0f);
  g_assert_cmpfloat(read_one("F64", f64, 8), ==, 1.5f);
  g_assert_cmpfloat(read_one("I32", i32, 4), ==, -1.0f);
  g_assert_cmpfloat(read_one("U16", u16, 2), ==, 65535.0f);
  g_assert_cmpfloat(read_one("I8", i8, 1), ==, -128.0f);
  g_assert_cmpfloat(read_one("BOOL", boolean, 1), ==, 1.0f);

  /* 8-bit floats are validated but not read. */
  g_byte_array_append(file, f8, 1);
  g_assert_cmpint(csnn_safetensors_parse(file->data, file->len, &st), ==, CSNN_OK);
  g_assert_cmpint(csnn_safetensors_dtype(st, 0), ==, CSNN_DTYPE_F8_E4M3);
  g_assert_cmpint(csnn_safetensors_read_f32(st, 0, &value, 1), ==, CSNN_ERR_UNSUPPORTED);
  g_assert_nonnull(strstr(csnn_last_error(), "'x'"));
  csnn_safetensors_close(st);
  g_byte_array_unref(file);

  g_assert_cmpstr(csnn_dtype_name(CSNN_DTYPE_BF16), ==, "BF16");
  g_assert_cmpuint(csnn_dtype_size(CSNN_DTYPE_F16), ==, 2);
}

/* --- Good files in unusual shapes ---------------------------------------------------------- */

static void
test_accepted(void)
{
  csnn_safetensors *st;

  /* No tensors at all, with padding spaces and JSON white space. */
  st = parse_ok("{ }      ", 0);
  g_assert_cmpuint(csnn_safetensors_n_tensors(st), ==, 0);
  csnn_safetensors_close(st);

  /* Escapes in names: \u with a surrogate pair, \/ and the short escapes. */
  st = parse_ok("{\"caf\\u00e9 \\ud83d\\ude00 \\/\\t\":{\"dtype\":\"U8\",\"shape\":[2],"
                "\"data_offsets\":[0,2]},\"__metadata__\":{\"k\":\"v\\\"\"}}\n\r\t ",
                2);
  g_assert_cmpstr(csnn_safetensors_name(st, 0), ==, "caf\u00e9 \xf0\x9f\x98\x80 /\t");
  g_assert_cmpstr(csnn_safetensors_metadata(st, "k"), ==, "v\"");
  csnn_safetensors_close(st);

  /* Data in a different order from the header, and zero-sized tensors anywhere. */
  st = parse_ok("{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                "\"z\":{\"dtype\":\"F32\",\"shape\":[0,7],\"data_offsets\":[4,4]},"
                "\"a\":{\"data_offsets\":[0,4],\"shape\":[1],\"dtype\":\"F32\"}}",
                8);
  g_assert_cmpint(csnn_safetensors_find(st, "a"), ==, 2);
  g_assert_cmpint(csnn_safetensors_find(st, "b"), ==, 0);
  g_assert_cmpint(csnn_safetensors_find(st, "z"), ==, 1);
  csnn_safetensors_close(st);

  /* Eight dimensions, the most allowed, and a shape whose zero hides an enormous product. */
  st = parse_ok("{\"d\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,3],\"data_offsets\":[0,3]},"
                "\"h\":{\"dtype\":\"F32\",\"shape\":[9223372036854775807,0,9223372036854775807],"
                "\"data_offsets\":[3,3]}}",
                3);
  csnn_safetensors_close(st);
}

static void
test_many_entries(void)
{
  /* Many tensors and metadata keys: duplicate checks must not be quadratic, and lookups work. */
  const guint n = 100000;
  GString *header = g_string_new("{\"__metadata__\":{");
  csnn_safetensors *st;

  for (guint i = 0; i < n; i++)
    g_string_append_printf(header, "%s\"key%u\":\"value%u\"", i ? "," : "", i, i);
  g_string_append(header, "}");
  for (guint i = 0; i < n; i++)
    g_string_append_printf(
        header, ",\"t%u\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[%u,%u]}", i, i, i + 1);
  g_string_append(header, "}");
  st = parse_ok(header->str, n);
  g_assert_cmpuint(csnn_safetensors_n_tensors(st), ==, n);
  g_assert_cmpuint(csnn_safetensors_n_metadata(st), ==, n);
  g_assert_cmpint(csnn_safetensors_find(st, "t77777"), ==, 77777);
  g_assert_cmpstr(csnn_safetensors_metadata(st, "key99999"), ==, "value99999");
  csnn_safetensors_close(st);

  /* The same with one key repeated at the very end. */
  g_string_truncate(header, 0);
  g_string_append(header, "{\"__metadata__\":{");
  for (guint i = 0; i < n; i++)
    g_string_append_printf(header, "\"key%u\":\"\",", i);
  g_string_append(header, "\"key12345\":\"\"}}");
  assert_refused(header->str, 0, CSNN_ERR_FORMAT, "key 'key12345' appears twice", NULL);
  g_string_free(header, TRUE);
}

/* --- Every class of bad file --------------------------------------------------------------- */

static void
test_bad_truncated(void)
{
  const char *header = "{\"features.0.weight\":{\"dtype\":\"F32\",\"shape\":[4],"
                       "\"data_offsets\":[0,16]}}";
  GByteArray *file = build_file(header, 16);
  csnn_safetensors *st = NULL;

  /* Every truncation of a good file is refused cleanly. */
  for (guint len = 0; len < file->len; len++) {
    g_assert_cmpint(csnn_safetensors_parse(file->data, len, &st), ==, CSNN_ERR_FORMAT);
    g_assert_null(st);
    if (len < 8)
      g_assert_nonnull(strstr(csnn_last_error(), "truncated file"));
    else if (len < 8 + strlen(header))
      g_assert_nonnull(strstr(csnn_last_error(), "runs past the end of the file"));
    else
      g_assert_nonnull(strstr(csnn_last_error(), "tensor 'features.0.weight'"));
  }
  g_assert_cmpint(csnn_safetensors_parse(file->data, file->len, &st), ==, CSNN_OK);
  csnn_safetensors_close(st);
  g_byte_array_unref(file);
}

static void
test_bad_header_length(void)
{
  guint8 huge[16] = { 0, 0, 0, 0, 0, 1, 0, 0, '{', '}' };
  guint8 past[10] = { 100, 0, 0, 0, 0, 0, 0, 0, '{', '}' };
  guint8 wrapping[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}' };
  csnn_safetensors *st = NULL;

  g_assert_cmpint(csnn_safetensors_parse(huge, sizeof huge, &st), ==, CSNN_ERR_FORMAT);
  g_assert_nonnull(strstr(csnn_last_error(), "over the limit"));
  g_assert_cmpint(csnn_safetensors_parse(past, sizeof past, &st), ==, CSNN_ERR_FORMAT);
  g_assert_nonnull(strstr(csnn_last_error(), "runs past the end"));
  g_assert_cmpint(csnn_safetensors_parse(wrapping, sizeof wrapping, &st), ==, CSNN_ERR_FORMAT);
  g_assert_null(st);
}

static void
test_bad_json(void)
{
  static const char *const headers[] = {
    "",
    "[]",
    "{",
    "{\"a\"}",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},}",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}} x",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}}",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[0,],\"data_offsets\":[0,0]}}",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}}",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[-],\"data_offsets\":[0,4]}}",
    "{\"a\":{\"dtype\":F32,\"shape\":[1],\"data_offsets\":[0,4]}}",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}",
    "{\"a\":[]}",
    "{\"a\\x\":{}}",
    "{\"a\\u12\":{}}",
    "{\"a\\ud800\":{}}",
    "{\"a\\ud800\\u0041\":{}}",
    "{\"a\\udc00\":{}}",
    "{\"a\x01\":{}}",
    "{\"a\xff\":{}}",
    "{\"a\xc0\xaf\":{}}",
    "{\"a\xed\xa0\x80\":{}}",
    "{\"a",
    "{\"a\\",
    "{'a':{}}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(headers); i++) {
    GByteArray *file = build_file(headers[i], 0);
    csnn_safetensors *st = NULL;
    int status = csnn_safetensors_parse(file->data, file->len, &st);

    g_autofree char *escaped = g_strescape(headers[i], NULL);

    g_test_message("%s -> %s", escaped, csnn_last_error());
    if (status != CSNN_ERR_FORMAT)
      g_error("header %zu '%s' gave %d", i, headers[i], status);
    g_assert_null(st);
    g_assert_nonnull(strstr(csnn_last_error(), "byte"));
    g_byte_array_unref(file);
  }
  /* Messages inside an entry name the tensor. */
  assert_refused("{\"conv.weight\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4,
                 CSNN_ERR_FORMAT, "tensor 'conv.weight'", "shape must be an integer", NULL);
}

static void
test_bad_offsets_past_end(void)
{
  assert_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                 "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                 8, CSNN_ERR_FORMAT, "tensor 'fc.bias'", "past the end of the data", NULL);
  assert_refused("{\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[1],"
                 "\"data_offsets\":[18446744073709551615,4]}}",
                 4, CSNN_ERR_FORMAT, "tensor 'fc.bias'", "out of range", NULL);
  assert_refused("{\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4,
                 CSNN_ERR_FORMAT, "tensor 'fc.bias'", "negative", NULL);
}

static void
test_bad_begin_after_end(void)
{
  assert_refused("{\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8,
                 CSNN_ERR_FORMAT, "tensor 'fc.bias'", "begin 8 is after end 4", NULL);
}

static void
test_bad_overlap(void)
{
  assert_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                 "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                 12, CSNN_ERR_FORMAT, "tensor 'b'", "overlap tensor 'a'", NULL);
  /* Two names for the same bytes. */
  assert_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                 "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                 8, CSNN_ERR_FORMAT, "overlap", NULL);
}

static void
test_bad_gap(void)
{
  /* Gaps are refused, like the reference implementation: every byte must belong to a tensor. */
  assert_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                 "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                 12, CSNN_ERR_FORMAT, "tensor 'b'", "4 unused bytes", NULL);
  assert_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 6,
                 CSNN_ERR_FORMAT, "2 bytes after the last tensor", NULL);
  assert_refused("{}", 1, CSNN_ERR_FORMAT, "1 bytes after the last tensor", NULL);
}

static void
test_bad_size(void)
{
  assert_refused("{\"features.3.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                 "\"data_offsets\":[0,12]}}",
                 12, CSNN_ERR_FORMAT, "tensor 'features.3.weight'", "holds 12 bytes",
                 "F32 x [2, 3] needs 24", NULL);
  assert_refused("{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,12]}}", 12,
                 CSNN_ERR_FORMAT, "tensor 'h'", "needs 6", NULL);
}

static void
test_bad_shape(void)
{
  assert_refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,0]}}", 0,
                 CSNN_ERR_FORMAT, "tensor 'w'", "negative dimension -1", NULL);
  assert_refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],"
                 "\"data_offsets\":[0,0]}}",
                 0, CSNN_ERR_FORMAT, "tensor 'w'", "too large", NULL);
  assert_refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[9223372036854775808],"
                 "\"data_offsets\":[0,0]}}",
                 0, CSNN_ERR_FORMAT, "tensor 'w'", "out of range", NULL);
  assert_refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],"
                 "\"data_offsets\":[0,4]}}",
                 4, CSNN_ERR_FORMAT, "tensor 'w'", "more than 8", NULL);
}

static void
test_bad_duplicates(void)
{
  assert_refused("{\"classifier.1.weight\":{\"dtype\":\"F32\",\"shape\":[1],"
                 "\"data_offsets\":[0,4]},"
                 "\"classifier.1.weight\":{\"dtype\":\"F32\",\"shape\":[1],"
                 "\"data_offsets\":[4,8]}}",
                 8, CSNN_ERR_FORMAT, "tensor 'classifier.1.weight' appears twice", NULL);
  /* The same name spelt two ways is still the same name. */
  assert_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                 "\"\\u0061\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                 8, CSNN_ERR_FORMAT, "tensor 'a' appears twice", NULL);
  assert_refused("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],"
                 "\"data_offsets\":[0,4]}}",
                 4, CSNN_ERR_FORMAT, "tensor 'a'", "'dtype' appears twice", NULL);
  assert_refused("{\"__metadata__\":{\"arch\":\"x\",\"b\":\"\",\"arch\":\"y\"}}", 0,
                 CSNN_ERR_FORMAT, "key 'arch' appears twice", NULL);
  assert_refused("{\"__metadata__\":{},\"__metadata__\":{}}", 0, CSNN_ERR_FORMAT,
                 "__metadata__ appears twice", NULL);
}

static void
test_bad_dtype(void)
{
  assert_refused("{\"bn.running_mean\":{\"dtype\":\"F17\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                 4, CSNN_ERR_UNSUPPORTED, "tensor 'bn.running_mean'", "unknown dtype 'F17'", NULL);
  assert_refused("{\"w\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                 CSNN_ERR_UNSUPPORTED, "tensor 'w'", "unknown dtype", NULL);
  assert_refused("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, CSNN_ERR_FORMAT,
                 "tensor 'w'", "dtype", NULL);
}

static void
test_bad_metadata(void)
{
  assert_refused("{\"__metadata__\":{\"classes\":[\"control\",\"cts\"]}}", 0, CSNN_ERR_FORMAT,
                 "value of 'classes' is not a string", NULL);
  assert_refused("{\"__metadata__\":{\"input_size\":224}}", 0, CSNN_ERR_FORMAT,
                 "value of 'input_size' is not a string", NULL);
  assert_refused("{\"__metadata__\":{\"a\":null}}", 0, CSNN_ERR_FORMAT, "not a string", NULL);
  assert_refused("{\"__metadata__\":\"arch\"}", 0, CSNN_ERR_FORMAT, "__metadata__", NULL);
}

static void
test_bad_entry(void)
{
  assert_refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 0, CSNN_ERR_FORMAT, "tensor 'w'",
                 "missing field 'data_offsets'", NULL);
  assert_refused("{\"w\":{}}", 0, CSNN_ERR_FORMAT, "tensor 'w'", "missing field 'dtype'", NULL);
  assert_refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4,
                 CSNN_ERR_FORMAT, "tensor 'w'", "unknown field 'x'", NULL);
  assert_refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8,
                 CSNN_ERR_FORMAT, "tensor 'w'", "data_offsets", NULL);
  assert_refused("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4,
                 CSNN_ERR_FORMAT, "tensor 'w'", "[begin, end]", NULL);
  assert_refused("{\"w\\u0000x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                 CSNN_ERR_FORMAT, "NUL", NULL);
  /* A hostile name cannot put control characters or a flood into the message. */
  assert_refused("{\"\\u001b[31mred\\n\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,5]}}",
                 5, CSNN_ERR_FORMAT, "tensor '?[31mred?'", NULL);
}

/* --- The accessors' own checks ------------------------------------------------------------- */

static void
test_accessors_refuse(void)
{
  csnn_safetensors *st =
      parse_ok("{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", 24);
  float values[6];
  int64_t shape[CSNN_ST_MAX_DIMS];

  g_assert_cmpint(csnn_safetensors_read_f32(st, 0, values, 5), ==, CSNN_ERR_INVALID);
  g_assert_nonnull(strstr(csnn_last_error(), "'fc.weight'"));
  g_assert_cmpint(csnn_safetensors_read_f32(st, 1, values, 6), ==, CSNN_ERR_INVALID);
  g_assert_cmpint(csnn_safetensors_read_f32(st, 0, NULL, 6), ==, CSNN_ERR_INVALID);
  g_assert_cmpint(csnn_safetensors_shape(st, 1, shape), ==, CSNN_ERR_INVALID);
  g_assert_null(csnn_safetensors_name(st, 1));
  g_assert_cmpuint(csnn_safetensors_n_elements(st, 1), ==, 0);

  g_assert_cmpint(csnn_safetensors_read_named(st, "fc.bias", 1, (int64_t[]){ 2 }, values), ==,
                  CSNN_ERR_FORMAT);
  g_assert_cmpstr(csnn_last_error(), ==, "tensor 'fc.bias' is missing from the weights");
  g_assert_cmpint(csnn_safetensors_read_named(st, "fc.weight", 2, (int64_t[]){ 3, 2 }, values), ==,
                  CSNN_ERR_FORMAT);
  g_assert_cmpstr(csnn_last_error(), ==, "tensor 'fc.weight' has shape [2, 3], expected [3, 2]");
  g_assert_cmpint(csnn_safetensors_read_named(st, "fc.weight", 1, (int64_t[]){ 6 }, values), ==,
                  CSNN_ERR_FORMAT);
  g_assert_cmpint(csnn_safetensors_read_named(st, "fc.weight", 2, (int64_t[]){ 2, 3 }, values), ==,
                  CSNN_OK);
  csnn_safetensors_close(st);
  csnn_safetensors_close(NULL);
}

static void
test_open_refused(void)
{
  g_autofree char *dir = temp_dir();
  g_autofree char *path = g_build_filename(dir, "absent.safetensors", NULL);
  g_autofree char *bad = g_build_filename(dir, "bad.safetensors", NULL);
  csnn_safetensors *st = NULL;

  g_assert_cmpint(csnn_safetensors_open(path, &st), ==, CSNN_ERR_IO);
  g_assert_nonnull(strstr(csnn_last_error(), "absent.safetensors"));
  g_assert_cmpint(csnn_safetensors_open(dir, &st), ==, CSNN_ERR_IO);
  g_assert_null(st);

  /* Errors from a file are prefixed with its path. */
  g_assert_true(g_file_set_contents(bad, "\x02\0\0\0\0\0\0\0{}xx", 12, NULL));
  g_assert_cmpint(csnn_safetensors_open(bad, &st), ==, CSNN_ERR_FORMAT);
  g_assert_true(g_str_has_prefix(csnn_last_error(), bad));
  g_assert_nonnull(strstr(csnn_last_error(), "2 bytes after the last tensor"));
  remove_dir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/sha256/vectors", test_sha256_vectors);
  g_test_add_func("/engine/sha256/lengths", test_sha256_lengths);
  g_test_add_func("/engine/sha256/paths-agree", test_sha256_paths_agree);
  g_test_add_func("/engine/sha256/file", test_sha256_of_file);
  g_test_add_func("/engine/safetensors/round-trip", test_round_trip);
  g_test_add_func("/engine/safetensors/save-refused", test_save_refused);
  g_test_add_func("/engine/safetensors/python-reads-ours", test_python_reads_ours);
  g_test_add_func("/engine/safetensors/ours-reads-python", test_ours_reads_python);
  g_test_add_func("/engine/safetensors/f16", test_f16);
  g_test_add_func("/engine/safetensors/f16-exhaustive", test_f16_exhaustive);
  g_test_add_func("/engine/safetensors/bf16-and-others", test_bf16_and_others);
  g_test_add_func("/engine/safetensors/accepted", test_accepted);
  g_test_add_func("/engine/safetensors/many-entries", test_many_entries);
  g_test_add_func("/engine/safetensors/accessors-refuse", test_accessors_refuse);
  g_test_add_func("/engine/safetensors/open-refused", test_open_refused);
  g_test_add_func("/engine/safetensors/bad/truncated", test_bad_truncated);
  g_test_add_func("/engine/safetensors/bad/header-length", test_bad_header_length);
  g_test_add_func("/engine/safetensors/bad/json", test_bad_json);
  g_test_add_func("/engine/safetensors/bad/offsets-past-end", test_bad_offsets_past_end);
  g_test_add_func("/engine/safetensors/bad/begin-after-end", test_bad_begin_after_end);
  g_test_add_func("/engine/safetensors/bad/overlap", test_bad_overlap);
  g_test_add_func("/engine/safetensors/bad/gap", test_bad_gap);
  g_test_add_func("/engine/safetensors/bad/size", test_bad_size);
  g_test_add_func("/engine/safetensors/bad/shape", test_bad_shape);
  g_test_add_func("/engine/safetensors/bad/duplicates", test_bad_duplicates);
  g_test_add_func("/engine/safetensors/bad/dtype", test_bad_dtype);
  g_test_add_func("/engine/safetensors/bad/metadata", test_bad_metadata);
  g_test_add_func("/engine/safetensors/bad/entry", test_bad_entry);
  return g_test_run();
}
