/* torch-util.c — what the PyTorch comparisons of the engine share
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "torch-util.h"

char *
torch_reference_dir(const char *script, const char *folder, const char *stamp)
{
  const char *python = g_getenv("CARPALSCOPE_PYTHON");
  const char *srcdir = g_getenv("CARPALSCOPE_SRCDIR");
  const char *builddir = g_getenv("CARPALSCOPE_BUILDDIR");
  g_autofree char *path = NULL, *dir = NULL, *stamp_path = NULL, *err = NULL;
  int wait_status = 0;

  if (python == NULL)
    python = "/usr/bin/python3";
  if (srcdir == NULL || builddir == NULL)
    return NULL;
  path = g_build_filename(srcdir, "tests", "engine", script, NULL);
  dir = g_build_filename(builddir, "tests", "engine", folder, NULL);
  if (stamp != NULL) {
    stamp_path = g_build_filename(dir, stamp, NULL);
    if (g_file_test(stamp_path, G_FILE_TEST_EXISTS))
      return g_steal_pointer(&dir);
  }
  {
    const char *check[] = { python, "-c", "import torch, torchvision, PIL", NULL };

    if (!g_spawn_sync(NULL, (char **)check, NULL,
                      G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
                      NULL, &wait_status, NULL) ||
        !g_spawn_check_wait_status(wait_status, NULL))
      return NULL;
  }
  {
    const char *argv[] = { python, path, dir, NULL };

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &wait_status, NULL));
    if (!g_spawn_check_wait_status(wait_status, NULL))
      g_error("%s failed: %s", script, err);
  }
  return g_steal_pointer(&dir);
}

float *
torch_read_tensor(csnn_safetensors *st, const char *name, size_t *n)
{
  long index = csnn_safetensors_find(st, name);
  float *data;

  if (index < 0)
    g_error("reference tensor %s is missing", name);
  *n = csnn_safetensors_n_elements(st, (size_t)index);
  data = g_new(float, *n);
  g_assert_cmpint(csnn_safetensors_read_f32(st, (size_t)index, data, *n), ==, CSNN_OK);
  return data;
}
