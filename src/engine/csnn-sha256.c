/* csnn-sha256.c — SHA-256 (FIPS 180-4) for model hashes
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "csnn-sha256.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_X86 1
#endif

/* The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t round_constants[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t
rotr(uint32_t x, unsigned n)
{
  return (x >> n) | (x << (32 - n));
}

static void
compress_one(uint32_t state[8], const uint8_t block[64])
{
  uint32_t w[64];
  uint32_t a, b, c, d, e, f, g, h;

  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
           (uint32_t)block[4 * i + 2] << 8 | (uint32_t)block[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }

  a = state[0];
  b = state[1];
  c = state[2];
  d = state[3];
  e = state[4];
  f = state[5];
  g = state[6];
  h = state[7];
  for (int i = 0; i < 64; i++) {
    uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    uint32_t choose = (e & f) ^ (~e & g);
    uint32_t t1 = h + s1 + choose + round_constants[i] + w[i];
    uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = s0 + majority;

    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

static void
compress_portable(uint32_t state[8], const uint8_t *blocks, size_t n)
{
  for (size_t i = 0; i < n; i++)
    compress_one(state, blocks + 64 * i);
}

#ifdef HAVE_X86
/* The SHA extensions (Intel since Goldmont and Ice Lake, AMD since Zen) do two rounds per
 * instruction: a model file hashes about ten times faster than in portable C. The state lives in
 * two registers as the instructions want it, ABEF and CDGH (A in the highest lane). */
__attribute__((target("sha,sse4.1,ssse3"))) static void
compress_sha_ni(uint32_t state[8], const uint8_t *blocks, size_t n)
{
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i dcba = _mm_loadu_si128((const __m128i *)&state[0]);
  __m128i hgfe = _mm_loadu_si128((const __m128i *)&state[4]);
  __m128i badc = _mm_shuffle_epi32(dcba, 0xb1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
  __m128i abef = _mm_alignr_epi8(badc, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, badc, 0xf0);

  for (size_t b = 0; b < n; b++) {
    const uint8_t *block = blocks + 64 * b;
    __m128i abef_before = abef, cdgh_before = cdgh;
    __m128i w[4]; /* The last four groups of four schedule words, w[g % 4] for group g. */

    for (int g = 0; g < 16; g++) {
      __m128i wk;

      if (g < 4)
        w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 16 * g)), byte_swap);
      else {
        /* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16], four words at a time. */
        __m128i sum = _mm_sha256msg1_epu32(w[g & 3], w[(g - 3) & 3]);

        sum = _mm_add_epi32(sum, _mm_alignr_epi8(w[(g - 1) & 3], w[(g - 2) & 3], 4));
        w[g & 3] = _mm_sha256msg2_epu32(sum, w[(g - 1) & 3]);
      }
      wk = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)&round_constants[4 * g]));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0e));
    }
    abef = _mm_add_epi32(abef, abef_before);
    cdgh = _mm_add_epi32(cdgh, cdgh_before);
  }

  {
    __m128i feba = _mm_shuffle_epi32(abef, 0x1b);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);

    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xf0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
  }
}

static bool
cpu_has_sha_ni(void)
{
  unsigned eax, ebx, ecx, edx;

  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 19)) || !(ecx & (1u << 9)))
    return false; /* SSE4.1 and SSSE3. */
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
    return false;
  return (ebx & (1u << 29)) != 0;
}
#endif

/* -1 before the first hash, then whether the SHA extensions are used. */
static atomic_int use_sha_ni = -1;

void
csnn__sha256_set_accel(int enabled)
{
#ifdef HAVE_X86
  atomic_store(&use_sha_ni, enabled && cpu_has_sha_ni());
#else
  atomic_store(&use_sha_ni, 0);
#endif
}

static void
compress(uint32_t state[8], const uint8_t *blocks, size_t n)
{
  int accel = atomic_load(&use_sha_ni);

  if (accel < 0) {
    csnn__sha256_set_accel(1);
    accel = atomic_load(&use_sha_ni);
  }
#ifdef HAVE_X86
  if (accel) {
    compress_sha_ni(state, blocks, n);
    return;
  }
#endif
  compress_portable(state, blocks, n);
}

void
csnn_sha256_init(csnn_sha256_ctx *ctx)
{
  /* The first 32 bits of the fractional parts of the square roots of the first 8 primes. */
  static const uint32_t initial[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

  memcpy(ctx->state, initial, sizeof initial);
  ctx->n_bytes = 0;
  ctx->block_used = 0;
}

void
csnn_sha256_update(csnn_sha256_ctx *ctx, const void *data, size_t size)
{
  const uint8_t *bytes = data;

  ctx->n_bytes += size;
  if (ctx->block_used > 0) {
    size_t take = 64 - ctx->block_used;

    if (take > size)
      take = size;
    memcpy(ctx->block + ctx->block_used, bytes, take);
    ctx->block_used += take;
    bytes += take;
    size -= take;
    if (ctx->block_used < 64)
      return;
    compress(ctx->state, ctx->block, 1);
    ctx->block_used = 0;
  }
  /* Whole blocks are hashed in place, without a copy. */
  if (size >= 64) {
    compress(ctx->state, bytes, size / 64);
    bytes += size / 64 * 64;
    size %= 64;
  }
  memcpy(ctx->block, bytes, size);
  ctx->block_used = size;
}

void
csnn_sha256_final(csnn_sha256_ctx *ctx, uint8_t digest[CSNN_SHA256_SIZE])
{
  uint64_t n_bits = ctx->n_bytes * 8;

  /* Padding: a one bit, zeros up to 56 bytes into a block, then the length in bits. */
  ctx->block[ctx->block_used++] = 0x80;
  if (ctx->block_used > 56) {
    memset(ctx->block + ctx->block_used, 0, 64 - ctx->block_used);
    compress(ctx->state, ctx->block, 1);
    ctx->block_used = 0;
  }
  memset(ctx->block + ctx->block_used, 0, 56 - ctx->block_used);
  for (int i = 0; i < 8; i++)
    ctx->block[56 + i] = (uint8_t)(n_bits >> (56 - 8 * i));
  compress(ctx->state, ctx->block, 1);

  for (int i = 0; i < 8; i++) {
    digest[4 * i] = (uint8_t)(ctx->state[i] >> 24);
    digest[4 * i + 1] = (uint8_t)(ctx->state[i] >> 16);
    digest[4 * i + 2] = (uint8_t)(ctx->state[i] >> 8);
    digest[4 * i + 3] = (uint8_t)ctx->state[i];
  }
}

void
csnn_sha256_final_hex(csnn_sha256_ctx *ctx, char hex[CSNN_SHA256_HEX_SIZE])
{
  static const char digits[] = "0123456789abcdef";
  uint8_t digest[CSNN_SHA256_SIZE];

  csnn_sha256_final(ctx, digest);
  for (int i = 0; i < CSNN_SHA256_SIZE; i++) {
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 15];
  }
  hex[2 * CSNN_SHA256_SIZE] = '\0';
}

void
csnn_sha256_hex(const void *data, size_t size, char hex[CSNN_SHA256_HEX_SIZE])
{
  csnn_sha256_ctx ctx;

  csnn_sha256_init(&ctx);
  csnn_sha256_update(&ctx, data, size);
  csnn_sha256_final_hex(&ctx, hex);
}
