/* csnn-pool.h — the engine's thread pool
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One pool per process, sized to the cores. It owns the cores: OpenBLAS is switched to one thread
 * when the pool starts, and every kernel that calls it does so from inside the pool's partition,
 * so the two never oversubscribe. A job runs a function on every thread of the pool at once
 * (ith = 0 .. nth - 1), the caller being thread 0; csnn_pool_barrier() lets those threads step
 * through a network's operators together.
 *
 *   static void work(void *data, int ith, int nth) { ... my share of the rows ... }
 *   csnn_pool_run(csnn_pool_default(), work, data);
 */
#pragma once

#include "csnn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csnn_pool csnn_pool;

/* The body of a job: called once on each of the nth threads. */
typedef void (*csnn_pool_fn)(void *data, int ith, int nth);

/* Returns the process's pool, created on first use with one thread per core (or the number in
 * the environment variable CSNN_THREADS). */
csnn_pool *csnn_pool_default(void);

/* Creates a pool of @n_threads threads (the caller counts as one); NULL if that fails. */
csnn_pool *csnn_pool_new(int n_threads);

/* Stops and frees @pool; NULL is allowed. */
void csnn_pool_free(csnn_pool *pool);

/* Returns the number of threads of @pool. */
int csnn_pool_n_threads(const csnn_pool *pool);

/* Runs @fn on every thread of @pool and returns when all are done. Jobs from several callers
 * are serialised. */
void csnn_pool_run(csnn_pool *pool, csnn_pool_fn fn, void *data);

/* Runs @fn on the first @nth threads of @pool only (1 <= nth <= the pool's size). */
void csnn_pool_run_n(csnn_pool *pool, int nth, csnn_pool_fn fn, void *data);

/* Waits until the job's @nth threads have all reached this barrier (inside a job only). */
void csnn_pool_barrier(csnn_pool *pool, int nth);

#ifdef __cplusplus
}
#endif
