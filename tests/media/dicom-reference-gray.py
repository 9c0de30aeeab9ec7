#!/usr/bin/env python3
# dicom-reference-gray.py — a second decoder for the DICOM tests: pydicom's pixels as 8-bit gray
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: dicom-reference-gray.py FILE.dcm FRAME OUT.pgm
# Writes frame FRAME (0-based) as an 8-bit PGM by Carpalscope's documented rule (cs-dicom.h):
# palette and RGB to luma 0.299 R + 0.587 G + 0.114 B, YBR to its Y, MONOCHROME1 inverted, more
# than 8 bits through the VOI window or frame 0's range. Exit 77 when pydicom or a pixel handler
# for the file's transfer syntax is missing (the test skips).
import sys

try:
    import numpy as np
    import pydicom
    from pydicom.pixel_data_handlers.util import apply_color_lut, convert_color_space
except ImportError as e:
    print(f"skip: {e}", file=sys.stderr)
    sys.exit(77)


def luma(rgb):
    rgb = rgb.astype(np.float64)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def frame_of(ds, arr, index):
    return arr[index] if int(getattr(ds, "NumberOfFrames", 1) or 1) > 1 else arr


def main():
    path, index, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ds = pydicom.dcmread(path)
    try:
        arr = ds.pixel_array
    except Exception as e:  # no handler for this transfer syntax
        print(f"skip: {e}", file=sys.stderr)
        sys.exit(77)
    pi = ds.PhotometricInterpretation
    a = frame_of(ds, arr, index)
    if pi == "PALETTE COLOR":
        rgb = apply_color_lut(a, ds).astype(np.float64)
        if int(ds.RedPaletteColorLookupTableDescriptor[2]) == 16:
            rgb = rgb * 255.0 / 65535.0
        gray = luma(rgb)
    elif ds.SamplesPerPixel == 3:
        # pydicom hands YBR_FULL and YBR_FULL_422 back as YCbCr, native or JPEG: gray is the Y.
        if pi in ("YBR_FULL", "YBR_FULL_422"):
            gray = a[..., 0].astype(np.float64)
        else:
            gray = luma(a)
    else:
        slope = float(getattr(ds, "RescaleSlope", 1) or 1)
        intercept = float(getattr(ds, "RescaleIntercept", 0) or 0)
        x = a.astype(np.float64) * slope + intercept
        if "WindowWidth" in ds:
            c = float(np.atleast_1d(ds.WindowCenter)[0])
            w = float(np.atleast_1d(ds.WindowWidth)[0])
        elif ds.BitsStored <= 8 and ds.PixelRepresentation == 0:
            lo, hi = intercept, slope * 255 + intercept
            c, w = (lo + hi) / 2 + 0.5, hi - lo + 1
        else:
            f0 = frame_of(ds, arr, 0).astype(np.float64) * slope + intercept
            lo, hi = f0.min(), f0.max()
            c, w = (lo + hi) / 2 + 0.5, hi - lo + 1
        if w <= 1:
            gray = np.where(x < c - 0.5, 0.0, 255.0)
        else:
            gray = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255.0
        if pi == "MONOCHROME1":
            gray = 255.0 - np.clip(np.rint(gray), 0, 255)
    g = np.clip(np.rint(gray), 0, 255).astype(np.uint8)
    with open(out, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (g.shape[1], g.shape[0]))
        f.write(g.tobytes())


main()
