/* cs-dicom-check.h — the bounds of a DICOM file's elements, checked before GDCM reads it
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Debian builds GDCM with its assertions on, and GDCM asserts (aborting the program) on many
 * files cut short inside a header. So the bytes are walked first, element by element, without
 * interpreting any value: every header whole, every defined length inside its parent, every
 * undefined-length sequence, item and encapsulated pixel data closed by its delimiter, nesting
 * at most CS_DICOM_MAX_DEPTH deep. What passes is handed to GDCM; what does not is one error.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The deepest nesting of sequences accepted. */
#define CS_DICOM_MAX_DEPTH 32

/* Checks the structure of the DICOM file in @data (@size bytes); @display names it in the
 * error. A deflated data set is not walked (only its meta group). */
gboolean cs_dicom_check_structure(const guint8 *data, gsize size, const char *display,
                                  GError **error);

G_END_DECLS
