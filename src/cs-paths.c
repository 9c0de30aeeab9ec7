/* cs-paths.c — where this program runs from: a build tree or an install
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cs-paths.h"

#include <stdlib.h>
#include <string.h>

gboolean
cs_running_from_build_tree(void)
{
  g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
  char *real_root;
  gboolean inside;

  if (exe == NULL)
    return TRUE;
  real_root = realpath(BUILD_ROOT, NULL);
  if (real_root == NULL)
    return FALSE;
  inside = g_str_has_prefix(exe, real_root) && exe[strlen(real_root)] == '/';
  free(real_root);
  return inside;
}

char *
cs_find_helper_program(const char *name, const char *env_var)
{
  const char *env = env_var != NULL ? g_getenv(env_var) : NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail(name != NULL, NULL);
  if (env != NULL && env[0] != '\0')
    path = g_strdup(env);
  else if (cs_running_from_build_tree())
    path = g_build_filename(BUILD_HELPERDIR, name, NULL);
  else
    path = g_build_filename(LIBEXECDIR, name, NULL);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR) || !g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
    return NULL;
  return g_steal_pointer(&path);
}
