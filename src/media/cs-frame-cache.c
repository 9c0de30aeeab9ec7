/* cs-frame-cache.c — the decoded frames of one file, kept within a memory budget
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every reader of a file puts the frames it decodes here and looks here first, so a frame
 * decoded by one is there for all. A slot per frame index holds the frame; the cached ones are
 * also linked in a queue, most recently used first, and the least recently used go when the
 * bytes held exceed the budget. Frames are reference counted, so evicting one that someone still
 * holds only drops the cache's reference.
 */
#include "config.h"

#include "cs-sweep-private.h"

static gsize
frame_bytes(const CsFrame *frame)
{
  return (gsize)frame->stride * (gsize)frame->height;
}

void
cs_frame_cache_init(CsFrameCache *cache)
{
  g_mutex_init(&cache->lock);
  cache->n_slots = 0;
  cache->slots = NULL;
  g_queue_init(&cache->lru);
  cache->bytes = 0;
  cache->budget = CS_SWEEP_DEFAULT_CACHE_BUDGET;
}

void
cs_frame_cache_alloc(CsFrameCache *cache, int n_frames)
{
  g_assert(cache->slots == NULL);
  cache->n_slots = n_frames;
  cache->slots = g_new0(CsFrameCacheSlot, n_frames);
  for (int i = 0; i < n_frames; i++)
    cache->slots[i].link.data = GINT_TO_POINTER(i);
  g_queue_init(&cache->lru);
}

void
cs_frame_cache_clear(CsFrameCache *cache)
{
  if (cache->slots != NULL) {
    for (int i = 0; i < cache->n_slots; i++)
      g_clear_pointer(&cache->slots[i].frame, cs_frame_unref);
    g_free(cache->slots);
    cache->slots = NULL;
  }
  g_mutex_clear(&cache->lock);
}

/* Evicts least recently used frames until the cache fits its budget. Called with the lock held. */
static void
trim_locked(CsFrameCache *cache)
{
  while (cache->bytes > cache->budget && cache->lru.tail != NULL) {
    GList *link = cache->lru.tail;
    CsFrameCacheSlot *slot = &cache->slots[GPOINTER_TO_INT(link->data)];

    g_queue_unlink(&cache->lru, link);
    cache->bytes -= frame_bytes(slot->frame);
    g_clear_pointer(&slot->frame, cs_frame_unref);
  }
}

CsFrame *
cs_frame_cache_lookup(CsFrameCache *cache, int index)
{
  CsFrame *frame = NULL;
  CsFrameCacheSlot *slot = &cache->slots[index];

  g_mutex_lock(&cache->lock);
  if (slot->frame != NULL) {
    g_queue_unlink(&cache->lru, &slot->link);
    g_queue_push_head_link(&cache->lru, &slot->link);
    frame = cs_frame_ref(slot->frame);
  }
  g_mutex_unlock(&cache->lock);
  return frame;
}

void
cs_frame_cache_insert(CsFrameCache *cache, CsFrame *frame)
{
  CsFrameCacheSlot *slot = &cache->slots[frame->index];

  g_mutex_lock(&cache->lock);
  if (slot->frame == NULL && frame_bytes(frame) <= cache->budget) {
    slot->frame = cs_frame_ref(frame);
    g_queue_push_head_link(&cache->lru, &slot->link);
    cache->bytes += frame_bytes(frame);
    trim_locked(cache);
  }
  g_mutex_unlock(&cache->lock);
}

void
cs_frame_cache_set_budget(CsFrameCache *cache, gsize bytes)
{
  g_mutex_lock(&cache->lock);
  cache->budget = bytes;
  trim_locked(cache);
  g_mutex_unlock(&cache->lock);
}

gsize
cs_frame_cache_get_budget(CsFrameCache *cache)
{
  gsize bytes;

  g_mutex_lock(&cache->lock);
  bytes = cache->budget;
  g_mutex_unlock(&cache->lock);
  return bytes;
}

gsize
cs_frame_cache_get_bytes(CsFrameCache *cache)
{
  gsize bytes;

  g_mutex_lock(&cache->lock);
  bytes = cache->bytes;
  g_mutex_unlock(&cache->lock);
  return bytes;
}

void
cs_frame_cache_evict_all(CsFrameCache *cache)
{
  gsize budget;

  g_mutex_lock(&cache->lock);
  budget = cache->budget;
  cache->budget = 0;
  trim_locked(cache);
  cache->budget = budget;
  g_mutex_unlock(&cache->lock);
}
