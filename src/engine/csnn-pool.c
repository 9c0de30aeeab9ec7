/* csnn-pool.c — the engine's thread pool
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Workers spin briefly after a job before sleeping on a condition variable: a network runs one
 * job per batch, and between the operators of a batch-1 pass the threads meet at a spinning
 * barrier, because waking a sleeping thread costs tens of microseconds, as much as a small layer.
 */
#include "csnn-pool.h"

#include <cblas.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

/* How long a waiting thread spins before it yields or sleeps. */
#define SPIN_BEFORE_YIELD 1000
#define SPIN_BEFORE_SLEEP 200000

struct csnn_pool {
  int n_threads;
  pthread_t *threads;
  pthread_mutex_t run_lock; /* Serialises jobs of different callers. */
  pthread_mutex_t mutex;    /* Guards the sleep on cond. */
  pthread_cond_t cond;
  atomic_uint generation; /* Bumped for every job. */
  atomic_int pending;     /* Workers that have not finished the current job. */
  atomic_int stop;
  csnn_pool_fn fn;
  void *data;
  int nth;
  atomic_int barrier_count;
  atomic_uint barrier_generation;
};

typedef struct {
  csnn_pool *pool;
  int index;
} worker_arg;

static void *
pool_worker(void *data)
{
  worker_arg *arg = data;
  csnn_pool *pool = arg->pool;
  int index = arg->index;
  unsigned seen = 0;

  free(arg);
  for (;;) {
    unsigned gen;
    long spins = 0;

    while ((gen = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen &&
           !atomic_load(&pool->stop) && spins < SPIN_BEFORE_SLEEP) {
      cpu_relax();
      if (++spins > SPIN_BEFORE_YIELD)
        sched_yield();
    }
    if (gen == seen && !atomic_load(&pool->stop)) {
      pthread_mutex_lock(&pool->mutex);
      while ((gen = atomic_load(&pool->generation)) == seen && !atomic_load(&pool->stop))
        pthread_cond_wait(&pool->cond, &pool->mutex);
      pthread_mutex_unlock(&pool->mutex);
    }
    if (atomic_load(&pool->stop))
      break;
    seen = gen;
    if (index < pool->nth)
      pool->fn(pool->data, index, pool->nth);
    atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_release);
  }
  return NULL;
}

csnn_pool *
csnn_pool_new(int n_threads)
{
  csnn_pool *pool;

  if (n_threads < 1)
    n_threads = 1;
  pool = calloc(1, sizeof *pool);
  if (pool == NULL)
    return NULL;
  pool->threads = calloc((size_t)n_threads, sizeof *pool->threads);
  if (pool->threads == NULL) {
    free(pool);
    return NULL;
  }
  pthread_mutex_init(&pool->run_lock, NULL);
  pthread_mutex_init(&pool->mutex, NULL);
  pthread_cond_init(&pool->cond, NULL);
  /* The pool owns the cores: OpenBLAS runs inside its partition, one thread per call. */
  openblas_set_num_threads(1);
  pool->n_threads = 1;
  for (int i = 1; i < n_threads; i++) {
    worker_arg *arg = malloc(sizeof *arg);

    if (arg == NULL)
      break;
    arg->pool = pool;
    arg->index = i;
    if (pthread_create(&pool->threads[i], NULL, pool_worker, arg) != 0) {
      free(arg);
      break;
    }
    pool->n_threads++;
  }
  return pool;
}

void
csnn_pool_free(csnn_pool *pool)
{
  if (pool == NULL)
    return;
  pthread_mutex_lock(&pool->mutex);
  atomic_store(&pool->stop, 1);
  pthread_cond_broadcast(&pool->cond);
  pthread_mutex_unlock(&pool->mutex);
  for (int i = 1; i < pool->n_threads; i++)
    pthread_join(pool->threads[i], NULL);
  pthread_cond_destroy(&pool->cond);
  pthread_mutex_destroy(&pool->mutex);
  pthread_mutex_destroy(&pool->run_lock);
  free(pool->threads);
  free(pool);
}

static int
count_cores(void)
{
  const char *env = getenv("CSNN_THREADS");
  cpu_set_t set;

  if (env != NULL && atoi(env) > 0)
    return atoi(env) < 256 ? atoi(env) : 256;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return CPU_COUNT(&set);
  return 1;
}

static csnn_pool *default_pool;
static pthread_once_t default_pool_once = PTHREAD_ONCE_INIT;

static void
default_pool_free(void)
{
  csnn_pool_free(default_pool);
  default_pool = NULL;
}

static void
default_pool_init(void)
{
  default_pool = csnn_pool_new(count_cores());
  if (default_pool != NULL)
    atexit(default_pool_free);
}

csnn_pool *
csnn_pool_default(void)
{
  pthread_once(&default_pool_once, default_pool_init);
  return default_pool;
}

int
csnn_pool_n_threads(const csnn_pool *pool)
{
  return pool->n_threads;
}

void
csnn_pool_run_n(csnn_pool *pool, int nth, csnn_pool_fn fn, void *data)
{
  long spins = 0;

  if (nth > pool->n_threads)
    nth = pool->n_threads;
  if (nth < 1)
    nth = 1;
  pthread_mutex_lock(&pool->run_lock);
  if (pool->n_threads == 1) {
    fn(data, 0, 1);
    pthread_mutex_unlock(&pool->run_lock);
    return;
  }
  pool->fn = fn;
  pool->data = data;
  pool->nth = nth;
  atomic_store(&pool->barrier_count, 0);
  atomic_store(&pool->pending, pool->n_threads - 1);
  pthread_mutex_lock(&pool->mutex);
  atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
  pthread_cond_broadcast(&pool->cond);
  pthread_mutex_unlock(&pool->mutex);

  fn(data, 0, nth);

  while (atomic_load_explicit(&pool->pending, memory_order_acquire) > 0) {
    cpu_relax();
    if (++spins > SPIN_BEFORE_YIELD)
      sched_yield();
  }
  pthread_mutex_unlock(&pool->run_lock);
}

void
csnn_pool_run(csnn_pool *pool, csnn_pool_fn fn, void *data)
{
  csnn_pool_run_n(pool, pool->n_threads, fn, data);
}

void
csnn_pool_barrier(csnn_pool *pool, int nth)
{
  unsigned gen;
  long spins = 0;

  if (nth <= 1)
    return;
  gen = atomic_load_explicit(&pool->barrier_generation, memory_order_acquire);
  if (atomic_fetch_add_explicit(&pool->barrier_count, 1, memory_order_acq_rel) == nth - 1) {
    atomic_store_explicit(&pool->barrier_count, 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool->barrier_generation, 1, memory_order_release);
    return;
  }
  while (atomic_load_explicit(&pool->barrier_generation, memory_order_acquire) == gen) {
    cpu_relax();
    if (++spins > SPIN_BEFORE_YIELD)
      sched_yield();
  }
}
