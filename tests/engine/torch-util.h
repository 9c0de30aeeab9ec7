/* torch-util.h — what the PyTorch comparisons of the engine share
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "csnn-safetensors.h"

/* Runs tests/engine/@script (Debian's python3, or $CARPALSCOPE_PYTHON) with the folder
 * BUILDDIR/tests/engine/@folder as its argument, unless @stamp (a file the script writes last;
 * NULL: always run) is already there. Returns the folder, or NULL when the build environment or
 * torch, torchvision and PIL are missing (the caller then skips); a failing script fails the test.
 */
char *torch_reference_dir(const char *script, const char *folder, const char *stamp);

/* The float32 tensor @name of @st (newly allocated, *@n elements); fails the test when absent. */
float *torch_read_tensor(csnn_safetensors *st, const char *name, size_t *n);
