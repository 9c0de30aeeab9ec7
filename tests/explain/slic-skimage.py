#!/usr/bin/python3
# slic-skimage.py — run scikit-image's slic on a PGM crop for test-explain-slic
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: slic-skimage.py N_SEGMENTS COMPACTNESS SIGMA IN.pgm OUT.i32 [IN.pgm OUT.i32 ...]
# Writes each crop's labels as little-endian int32, height x width, starting at 0. One run takes
# every crop, so Python starts once. Exit 77 when scikit-image is missing, so that the C test can
# skip.
import sys

try:
    import numpy as np
    from skimage.segmentation import slic
except ImportError:
    sys.exit(77)


def read_pgm(path):
    with open(path, "rb") as f:
        data = f.read()
    # A binary P5 file as written by the test: "P5\n<w> <h>\n255\n" then the pixels.
    fields = data.split(maxsplit=4)
    if fields[0] != b"P5":
        raise ValueError("not a binary PGM")
    width, height, maxval = int(fields[1]), int(fields[2]), int(fields[3])
    pixels = fields[4]
    if maxval != 255:
        raise ValueError("expected 8-bit PGM")
    return np.frombuffer(pixels[: width * height], dtype=np.uint8).reshape(height, width)


def main():
    n_segments, compactness, sigma = sys.argv[1:4]
    files = sys.argv[4:]
    for src, dst in zip(files[0::2], files[1::2]):
        image = read_pgm(src)
        # scikit-image 0.19 (Debian 12): gray input needs channel_axis=None; the iteration
        # count is max_num_iter (10 by default) and labels start at start_label.
        labels = slic(image, n_segments=int(n_segments), compactness=float(compactness),
                      sigma=float(sigma), channel_axis=None, start_label=0,
                      enforce_connectivity=True)
        labels.astype("<i4").tofile(dst)


if __name__ == "__main__":
    main()
