/* fuzz-seeds.h — the seed corpus of the safetensors fuzzer, built in code
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The seeds are built here rather than stored as binary files, so that they are readable and so
 * that every build replays them (tests/fuzz/fuzz-replay.c) without libFuzzer.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Called once per seed with its name and bytes; returns nonzero to stop. */
typedef int (*fuzz_seed_cb)(const char *name, const uint8_t *data, size_t size, void *user);

/* Builds every seed in turn and hands it to @callback; returns the number of seeds, or -1 when
 * memory ran out or @callback asked to stop. */
int fuzz_seeds_foreach(fuzz_seed_cb callback, void *user);
