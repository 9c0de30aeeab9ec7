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

/* Runs the Python script tests/media/@script with @dir as its argument (it writes DICOM files
 * there). FALSE, with the current test skipped and why, without Python or when the script exits
 * 77 (pydicom, numpy or a dcmtk tool missing); a script that fails fails the test. */
gboolean dicom_test_make_files(const char *script, const char *dir);

G_END_DECLS
