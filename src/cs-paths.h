/* cs-paths.h — where this program runs from: a build tree or an install
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether this program is a build's, not an installed one: its file lies in the build tree. Without
 * /proc it answers TRUE, so that a build's own files are looked for as well (they rarely exist
 * beside an install). */
gboolean cs_running_from_build_tree(void);

/* The helper program @name (for example "carpalscope-dicom-probe"): the value of the environment
 * variable @env_var when it is set, else the build's copy for a program run from the build tree,
 * else the installed one in the libexec folder. NULL when that file is not an executable. */
char *cs_find_helper_program(const char *name, const char *env_var);

G_END_DECLS
