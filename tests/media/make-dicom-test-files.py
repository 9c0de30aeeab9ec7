#!/usr/bin/env python3
# make-dicom-test-files.py — DICOM files for the tests, made with pydicom's writer and dcmtk's tools
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: make-dicom-test-files.py DIR
# Writes into DIR the good files (one per photometric interpretation, bit depth and transfer
# syntax the tests check) and the bad ones (one per class of damage), and lists in DIR/made.txt
# the names it made: a transfer syntax whose dcmtk tool is missing is left out. Exit 77 without
# pydicom or numpy (the tests skip).
import os
import shutil
import subprocess
import sys

try:
    import numpy as np
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import (ExplicitVRLittleEndian, ImplicitVRLittleEndian,
                             generate_uid)
except ImportError as e:
    print(f"skip: {e}", file=sys.stderr)
    sys.exit(77)

US_MULTIFRAME = "1.2.840.10008.5.1.4.1.1.3.1"
BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"
W, H = 64, 48


def region(x0, y0, x1, y1, dx, dy, fmt=1, units=3, deltas=True):
    r = Dataset()
    r.RegionSpatialFormat = fmt
    r.RegionDataType = 1
    r.RegionFlags = 0
    r.RegionLocationMinX0 = x0
    r.RegionLocationMinY0 = y0
    r.RegionLocationMaxX1 = x1
    r.RegionLocationMaxY1 = y1
    r.PhysicalUnitsXDirection = units
    r.PhysicalUnitsYDirection = units
    if deltas:
        r.PhysicalDeltaX = dx
        r.PhysicalDeltaY = dy
    return r


def base(sop=US_MULTIFRAME, ts=ExplicitVRLittleEndian):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ts
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian = True
    ds.is_implicit_VR = ts == ImplicitVRLittleEndian
    ds.SOPClassUID = sop
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "US"
    ds.PatientName = "Test^Synthetic"
    ds.PatientID = "SYN001"
    return ds


def image(ds, pixels, photometric, bits=8, signed=False):
    """@pixels: frames x H x W (x 3)."""
    frames = pixels.shape[0]
    ds.Rows, ds.Columns = H, W
    ds.SamplesPerPixel = 3 if pixels.ndim == 4 else 1
    ds.PhotometricInterpretation = photometric
    if ds.SamplesPerPixel == 3:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = bits
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 1 if signed else 0
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = pixels.tobytes()
    return ds


def pattern(frames, scale=1.0, offset=0.0, colour=False):
    y, x = np.mgrid[0:H, 0:W]
    out = []
    for f in range(frames):
        v = (x * 3 + y * 2 + f * 17) % 256 * scale + offset
        if colour:
            out.append(np.stack([v, (255 - v), (v * 0.5 + 60)], axis=-1))
        else:
            out.append(v)
    return np.array(out)


def save(ds, path):
    ds.save_as(path, write_like_original=False)


def tool(args):
    if shutil.which(args[0]) is None:
        return False
    return subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def good(d, made):
    ds = image(base(), pattern(3).astype(np.uint8), "MONOCHROME2")
    ds.FrameTime = "40"
    ds.ImageLaterality = "L"
    ds.SequenceOfUltrasoundRegions = Sequence([region(4, 4, 59, 43, 0.01, 0.01)])
    save(ds, f"{d}/mono8.dcm")
    made.append("mono8.dcm")
    if tool(["dcmconv", "+tb", f"{d}/mono8.dcm", f"{d}/mono8-big-endian.dcm"]):
        made.append("mono8-big-endian.dcm")

    ds = image(base(ts=ImplicitVRLittleEndian), pattern(2, 10.0, 100.0).astype(np.uint16),
               "MONOCHROME2", bits=16)
    ds.FrameTimeVector = ["0", "25", "50"][:2]
    ds.PixelSpacing = ["0.2", "0.2"]
    save(ds, f"{d}/mono16.dcm")
    made.append("mono16.dcm")
    if tool(["dcmconv", "+tb", f"{d}/mono16.dcm", f"{d}/mono16-big-endian.dcm"]):
        made.append("mono16-big-endian.dcm")

    ds = image(base(), pattern(1).astype(np.uint8), "MONOCHROME1")
    ds.CineRate = "25"
    save(ds, f"{d}/mono1.dcm")
    made.append("mono1.dcm")

    rgb = pattern(2, colour=True).astype(np.uint8)
    ds = image(base(), rgb, "RGB")
    save(ds, f"{d}/rgb.dcm")
    made.append("rgb.dcm")
    if tool(["dcmcjpeg", "+eb", f"{d}/rgb.dcm", f"{d}/rgb-jpeg-baseline.dcm"]):
        made.append("rgb-jpeg-baseline.dcm")
    if tool(["dcmcjpeg", "+e1", f"{d}/rgb.dcm", f"{d}/rgb-jpeg-lossless.dcm"]):
        made.append("rgb-jpeg-lossless.dcm")
    if tool(["dcmcrle", f"{d}/rgb.dcm", f"{d}/rgb-rle.dcm"]):
        made.append("rgb-rle.dcm")
    if tool(["dcmcjpls", f"{d}/rgb.dcm", f"{d}/rgb-jpeg-ls.dcm"]):
        made.append("rgb-jpeg-ls.dcm")

    # Native YBR_FULL: Y, Cb, Cr as stored.
    ybr = rgb.astype(np.float64)
    yy = 0.299 * ybr[..., 0] + 0.587 * ybr[..., 1] + 0.114 * ybr[..., 2]
    cb = 128 - 0.168736 * ybr[..., 0] - 0.331264 * ybr[..., 1] + 0.5 * ybr[..., 2]
    cr = 128 + 0.5 * ybr[..., 0] - 0.418688 * ybr[..., 1] - 0.081312 * ybr[..., 2]
    ybr = np.clip(np.rint(np.stack([yy, cb, cr], axis=-1)), 0, 255).astype(np.uint8)
    save(image(base(), ybr, "YBR_FULL"), f"{d}/ybr-full.dcm")
    made.append("ybr-full.dcm")

    # Calibration warnings: a region past the image and one with different X and Y spacings.
    ds = image(base(), pattern(1).astype(np.uint8), "MONOCHROME2")
    ds.SequenceOfUltrasoundRegions = Sequence([region(0, 0, 200, 40, 0.01, 0.01),
                                               region(0, 0, 30, 40, 0.01, 0.02)])
    ds.PixelSpacing = ["0.3", "0.3"]
    save(ds, f"{d}/bad-regions.dcm")
    made.append("bad-regions.dcm")

    # Regions that give no mm: one in seconds, one without Physical Delta X and Y (GDCM needs
    # the first region's, so it is not the first).
    ds = image(base(), pattern(1).astype(np.uint8), "MONOCHROME2")
    ds.SequenceOfUltrasoundRegions = Sequence([region(0, 0, 31, 47, 0.01, 0.01),
                                               region(32, 0, 63, 23, 0.01, 0.01, units=4),
                                               region(32, 24, 63, 47, 0, 0, deltas=False)])
    save(ds, f"{d}/regions-no-mm.dcm")
    made.append("regions-no-mm.dcm")

    # An enhanced image whose per-frame functional groups give its two frames different spacings.
    ds = image(base(sop="1.2.840.10008.5.1.4.1.1.6.2"), pattern(2).astype(np.uint8),
               "MONOCHROME2")
    frames = []
    for spacing in ("0.2", "0.3"):
        measures = Dataset()
        measures.PixelSpacing = [spacing, spacing]
        group = Dataset()
        group.PixelMeasuresSequence = Sequence([measures])
        frames.append(group)
    ds.PerFrameFunctionalGroupsSequence = Sequence(frames)
    save(ds, f"{d}/enhanced-spacing-varies.dcm")
    made.append("enhanced-spacing-varies.dcm")


def patch(path, out, find, replace, after=0):
    data = bytearray(open(path, "rb").read())
    at = data.index(find, after)
    data[at:at + len(replace)] = replace
    open(out, "wb").write(bytes(data))


def bad(d, made):
    data = open(f"{d}/mono8.dcm", "rb").read()
    open(f"{d}/bad-truncated.dcm", "wb").write(data[:len(data) // 3])
    made.append("bad-truncated.dcm")

    ds = image(base(), pattern(1).astype(np.uint8), "MONOCHROME2")
    ds.Rows = 0
    save(ds, f"{d}/bad-zero-rows.dcm")
    made.append("bad-zero-rows.dcm")

    # Pixel data's length says more bytes than the file holds.
    ds = image(base(), pattern(1).astype(np.uint8), "MONOCHROME2")
    save(ds, f"{d}/bad-lying-length.dcm")
    n = W * H
    patch(f"{d}/bad-lying-length.dcm", f"{d}/bad-lying-length.dcm",
          b"\xe0\x7f\x10\x00OB\x00\x00" + n.to_bytes(4, "little"),
          b"\xe0\x7f\x10\x00OB\x00\x00" + (n * 50).to_bytes(4, "little"))
    made.append("bad-lying-length.dcm")

    # Fewer pixel bytes than rows x columns x frames.
    ds = image(base(), pattern(2).astype(np.uint8), "MONOCHROME2")
    ds.NumberOfFrames = 5
    save(ds, f"{d}/bad-short-pixels.dcm")
    made.append("bad-short-pixels.dcm")

    ds = base(sop=BASIC_TEXT_SR)
    ds.Modality = "SR"
    ds.ValueType = "CONTAINER"
    save(ds, f"{d}/bad-not-image.dcm")
    made.append("bad-not-image.dcm")

    if "rgb-rle.dcm" in made:
        # The first fragment's item length points far past the end of the file.
        data = open(f"{d}/rgb-rle.dcm", "rb").read()
        pixel = data.index(b"\xe0\x7f\x10\x00")
        table = data.index(b"\xfe\xff\x00\xe0", pixel)
        first = data.index(b"\xfe\xff\x00\xe0", table + 8)
        patch(f"{d}/rgb-rle.dcm", f"{d}/bad-fragment-past-end.dcm", b"\xfe\xff\x00\xe0",
              b"\xfe\xff\x00\xe0" + (10 ** 8).to_bytes(4, "little"), first)
        made.append("bad-fragment-past-end.dcm")

        # A transfer syntax nobody decodes: MPEG-2 over RLE data.
        ds = pydicom.dcmread(f"{d}/rgb-rle.dcm")
        ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.100"
        ds.save_as(f"{d}/bad-unsupported-syntax.dcm")
        made.append("bad-unsupported-syntax.dcm")


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    made = []
    good(d, made)
    bad(d, made)
    with open(f"{d}/made.txt", "w") as f:
        f.write("\n".join(made) + "\n")


main()
