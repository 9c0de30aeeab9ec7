/* csnn-pool.c — the engine's thread pool
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Workers spin briefly after a job before sleeping on a condition variable: a network runs one
 * job per batch, and between the operators of a batch-1 pass the threads meet at a barrier.
 * Every wait (for the next job, at a barrier, for the workers to finish a job) first spins for a
 * bounded time, because waking a sleeping thread costs tens of microseconds, as much as a small
 * layer, and then sleeps: on a machine busier than its cores, the thread waited for may not be
 * running, and a waiter that kept spinning (or calling sched_yield, which the Linux scheduler
 * barely honours) would take the core it needs; one classify call then took seconds.
 */
#include "csnn-pool.h"

#include <cblas.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

/* How long a thread spins before it sleeps, at a barrier, for a job's end or for the next job.
 * Measured with `carpalscope-cli bench --arch mobilenet_v2` (2 threads, AVX-512 EPYC): on a quiet
 * machine 200 us is as fast as spinning for ever (2.5-2.8 ms a batch-1 image) and 50 us a little
 * slower; with two busy processes beside it, 6.6 ms where spinning with sched_yield took 11-196 ms.
 */
#define SPIN_NS 200000L

struct csnn_pool {
  int n_threads;
  pthread_t *threads;
  pthread_mutex_t run_lock; /* Serialises jobs of different callers. */
  pthread_mutex_t mutex;    /* Guards the sleeps on cond and wake. */
  pthread_cond_t cond;      /* Signalled when a job starts or the pool stops. */
  pthread_cond_t wake;      /* Signalled when a barrier opens or a job's last worker ends. */
  atomic_int sleepers;      /* Threads asleep (or about to be) on wake. */
  atomic_uint generation;   /* Bumped for every job. */
  atomic_int pending;       /* Workers that have not finished the current job. */
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

/* One spinning wait: spin() pauses once and says whether the wait may go on spinning, which it
 * may for limit_ns from its first call (the clock is read every 64 pauses). */
typedef struct {
  struct timespec start;
  unsigned n;
} spin_wait;

static bool
spin(spin_wait *w, long limit_ns)
{
  struct timespec now;

  cpu_relax();
  if ((++w->n & 63) != 1)
    return true;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (w->n == 1) {
    w->start = now;
    return true;
  }
  return (now.tv_sec - w->start.tv_sec) * 1000000000L + (now.tv_nsec - w->start.tv_nsec) < limit_ns;
}

/* Wakes the threads asleep on wake after the caller changed what they wait for. The caller's
 * change and this load are sequentially consistent, as are a sleeper's count and its check of the
 * condition, so that either the sleeper sees the change or this sees the sleeper. */
static void
wake_sleepers(csnn_pool *pool)
{
  if (atomic_load(&pool->sleepers) > 0) {
    pthread_mutex_lock(&pool->mutex);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
  }
}

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
    spin_wait wait = { 0 };

    while ((gen = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen &&
           !atomic_load(&pool->stop) && spin(&wait, SPIN_NS)) {
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
    if (atomic_fetch_sub(&pool->pending, 1) == 1)
      wake_sleepers(pool);
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
  pthread_cond_init(&pool->wake, NULL);
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
  pthread_cond_destroy(&pool->wake);
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

/* Sleeps on wake until pool->pending is 0 (done) or barrier_generation has left gen. */
static void
sleep_until(csnn_pool *pool, bool done, unsigned gen)
{
  pthread_mutex_lock(&pool->mutex);
  atomic_fetch_add(&pool->sleepers, 1);
  while (done ? atomic_load(&pool->pending) > 0 : atomic_load(&pool->barrier_generation) == gen)
    pthread_cond_wait(&pool->wake, &pool->mutex);
  atomic_fetch_sub(&pool->sleepers, 1);
  pthread_mutex_unlock(&pool->mutex);
}

void
csnn_pool_run_n(csnn_pool *pool, int nth, csnn_pool_fn fn, void *data)
{
  spin_wait wait = { 0 };

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
    if (!spin(&wait, SPIN_NS)) {
      sleep_until(pool, true, 0);
      break;
    }
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
  spin_wait wait = { 0 };

  if (nth <= 1)
    return;
  gen = atomic_load_explicit(&pool->barrier_generation, memory_order_acquire);
  if (atomic_fetch_add_explicit(&pool->barrier_count, 1, memory_order_acq_rel) == nth - 1) {
    atomic_store_explicit(&pool->barrier_count, 0, memory_order_relaxed);
    atomic_fetch_add(&pool->barrier_generation, 1);
    wake_sleepers(pool);
    return;
  }
  while (atomic_load_explicit(&pool->barrier_generation, memory_order_acquire) == gen) {
    if (!spin(&wait, SPIN_NS)) {
      sleep_until(pool, false, gen);
      return;
    }
  }
}
