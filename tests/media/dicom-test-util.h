/* dicom-test-util.h — what the DICOM tests share
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cs-sweep.h"

#include <glib/gstdio.h>

G_BEGIN_DECLS

/* Decodes frame @index of @sweep's file with pydicom (dicom-reference-gray.py) and asserts that
 * the mean absolute difference from Carpalscope's frame is at most @tolerance gray levels.
 * Returns FALSE (nothing checked, said in the test log) without Python or pydicom. */
gboolean dicom_test_compare_reference(CsSweep *sweep, int index, double tolerance);

G_END_DECLS
