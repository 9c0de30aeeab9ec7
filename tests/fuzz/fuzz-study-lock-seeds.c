/* fuzz-study-lock-seeds.c — the seed corpus of the study lock file's fuzzer, built in code
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "fuzz-seeds.h"

static const struct {
  const char *name;
  const char *text;
} seeds[] = {
  { "lock-whole", "carpalscope-study-lock 1\nhost=ward-pc\nuser=dr-sato\npid=4242\n"
                  "boot=3f1e9c2a-7b1d-4c55-9a0e-2d6f1b0c8e77\nsince=1765000000\n"
                  "heartbeat=1765000060\ntoken=0123456789abcdef0123456789abcdef\n" },
  { "lock-no-boot-no-heartbeat", "carpalscope-study-lock 1\nhost=a\nuser=b\npid=1\nsince=5\n"
                                 "token=t\n" },
  { "lock-later-keys", "carpalscope-study-lock 1\nhost=a\nuser=b\npid=1\nsince=5\ntoken=t\n"
                       "colour=blue\n\n" },
  { "lock-utf8", "carpalscope-study-lock 1\nhost=病院-pc\nuser=遠藤\npid=99\nsince=0\n"
                 "heartbeat=1\ntoken=x\n" },
  { "lock-twice", "carpalscope-study-lock 1\nhost=a\nhost=b\nuser=u\npid=1\nsince=1\ntoken=t\n" },
  { "lock-negative", "carpalscope-study-lock 1\nhost=a\nuser=u\npid=-1\nsince=1\ntoken=t\n" },
  { "lock-huge-number", "carpalscope-study-lock 1\nhost=a\nuser=u\npid=99999999999999999999\n"
                        "since=1\ntoken=t\n" },
  { "lock-no-equals", "carpalscope-study-lock 1\nhost\n" },
  { "lock-newer", "carpalscope-study-lock 2\nhost=a\n" },
  { "lock-empty", "" },
};

int
fuzz_seeds_foreach(fuzz_seed_cb callback, void *user)
{
  for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
    if (callback(seeds[i].name, (const uint8_t *)seeds[i].text, strlen(seeds[i].text), user) != 0)
      return -1;
  return (int)(sizeof seeds / sizeof seeds[0]);
}
