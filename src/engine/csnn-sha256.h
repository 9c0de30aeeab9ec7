/* csnn-sha256.h — SHA-256 (FIPS 180-4) for model hashes
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model is named in reports and explanation sidecars by the SHA-256 of its weight file, so a
 * result can be traced to the exact weights that produced it.
 *
 *   csnn_sha256_ctx ctx;
 *   char hex[CSNN_SHA256_HEX_SIZE];
 *   csnn_sha256_init(&ctx);
 *   csnn_sha256_update(&ctx, bytes, n);
 *   csnn_sha256_final_hex(&ctx, hex);
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of a digest, and of its lowercase hex form including the terminating NUL. */
#define CSNN_SHA256_SIZE     32
#define CSNN_SHA256_HEX_SIZE 65

/* The running state of one hash. */
typedef struct {
  uint32_t state[8];
  uint64_t n_bytes;
  uint8_t block[64];
  size_t block_used;
} csnn_sha256_ctx;

/* Starts a new hash in @ctx. */
void csnn_sha256_init(csnn_sha256_ctx *ctx);

/* Adds @size bytes at @data to the hash. */
void csnn_sha256_update(csnn_sha256_ctx *ctx, const void *data, size_t size);

/* Finishes the hash and writes the 32-byte digest; @ctx must be initialised again to reuse it. */
void csnn_sha256_final(csnn_sha256_ctx *ctx, uint8_t digest[CSNN_SHA256_SIZE]);

/* Finishes the hash and writes 64 lowercase hex digits and a NUL. */
void csnn_sha256_final_hex(csnn_sha256_ctx *ctx, char hex[CSNN_SHA256_HEX_SIZE]);

/* Hashes @size bytes at @data in one call, writing lowercase hex. */
void csnn_sha256_hex(const void *data, size_t size, char hex[CSNN_SHA256_HEX_SIZE]);

/* Internal, for tests: uses the CPU's SHA instructions when @enabled and available (the default),
 * or the portable code. */
void csnn__sha256_set_accel(int enabled);

#ifdef __cplusplus
}
#endif
