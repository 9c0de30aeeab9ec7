/* explain-test-util.h — crops and helpers shared by the explain tests
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Fills @crop (@width x @height) with a speckled background and, when @labels is not NULL, a few
 * shapes of distinct brightness whose index (0 = background) goes to @labels. */
void explain_test_synthetic_crop(guint64 seed, int width, int height, guint8 *crop, int *labels);

/* Reads an uncompressed 24-bit BMP as gray (mean of R, G, B); NULL when it cannot. */
guint8 *explain_test_read_bmp_gray(const char *path, int *width, int *height);

/* Cuts the @size x @size crop centred on the nerve of dl-unet image @name (e.g. "Pz001-001")
 * with its nerve mask (1 inside) into newly allocated @crop and @mask; FALSE when the real data
 * is absent. */
gboolean explain_test_realdata_crop(const char *name, int size, guint8 **crop, int **mask);

/* Returns the real-data directory (env CARPALSCOPE_REALDATA) when it holds dl-unet, else NULL. */
const char *explain_test_realdata_dir(void);

G_END_DECLS
