#!/usr/bin/env python3
# make-dicom-folder.py — a DICOM folder as a scanner's USB export holds it, with its DICOMDIR
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: make-dicom-folder.py DIR
# Writes DIR/DICOM/ST000001/SE00000N/... with pydicom's writer and makes DIR/DICOMDIR with dcmtk's
# dcmmkdir over them:
#   SE000001/IM000001  Ultrasound Multi-frame Image, 3 frames, Image Laterality L, one region
#                      at 0.1 mm/px
#   SE000002/IM000001  Ultrasound Image (one frame), Laterality R, Pixel Spacing 0.25 mm
#   SE000003/IM000001  Secondary Capture of modality OT, no calibration
#   SE000004/IM000001  Enhanced US Volume: 2 frames, Pixel Measures in the shared functional
#                      groups (0.3 mm), Image Laterality R
#   SE000005/SR000001  Basic Text SR (no pixel data: skipped)
#   SE000005/WF000001  12-lead ECG Waveform (no pixel data: skipped)
#   SE000005/PS000001  Grayscale Softcopy Presentation State (no pixel data: skipped)
#   SE000006/CT000001  CT Image (not ultrasound: skipped)
# then, after the DICOMDIR is made, SE000005/GONE0001 is deleted (named by it, missing) and
# SE000006/BROKEN01 is written truncated (not in the DICOMDIR; a folder scan skips it).
# Lists the files in DIR/made.txt. Exit 77 without pydicom, numpy or dcmmkdir (the tests skip).
import os
import shutil
import subprocess
import sys

try:
    import numpy as np
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
except ImportError as e:
    print(f"skip: {e}", file=sys.stderr)
    sys.exit(77)
if shutil.which("dcmmkdir") is None:
    print("skip: no dcmmkdir (dcmtk)", file=sys.stderr)
    sys.exit(77)

US_MULTIFRAME = "1.2.840.10008.5.1.4.1.1.3.1"
US_IMAGE = "1.2.840.10008.5.1.4.1.1.6.1"
ENHANCED_US_VOLUME = "1.2.840.10008.5.1.4.1.1.6.2"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"
ECG_WAVEFORM = "1.2.840.10008.5.1.4.1.1.9.1.1"
GSPS = "1.2.840.10008.5.1.4.1.1.11.1"
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
W, H = 64, 48
STUDY = generate_uid()


def base(sop, modality, series):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SOPClassUID = sop
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    ds.PatientName = "Test^Synthetic"
    ds.PatientID = "SYN001"
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.StudyInstanceUID = STUDY
    ds.StudyDate = "20260101"
    ds.StudyTime = "120000"
    ds.StudyID = "1"
    ds.AccessionNumber = "A1"
    ds.ReferringPhysicianName = ""
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = series
    ds.InstanceNumber = 1
    ds.ContentDate = "20260101"
    ds.ContentTime = "120000"
    return ds


def image(ds, frames, photometric="MONOCHROME2"):
    y, x = np.mgrid[0:H, 0:W]
    pixels = np.array([(x * 3 + y * 2 + f * 17) % 256 for f in range(frames)], dtype=np.uint8)
    ds.Rows, ds.Columns = H, W
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = pixels.tobytes()
    return ds


def region(x0, y0, x1, y1, delta_cm):
    r = Dataset()
    r.RegionSpatialFormat = 1
    r.RegionDataType = 1
    r.RegionFlags = 0
    r.RegionLocationMinX0, r.RegionLocationMinY0 = x0, y0
    r.RegionLocationMaxX1, r.RegionLocationMaxY1 = x1, y1
    r.PhysicalUnitsXDirection = r.PhysicalUnitsYDirection = 3
    r.PhysicalDeltaX = r.PhysicalDeltaY = delta_cm
    return r


def save(ds, d, relative, made):
    path = os.path.join(d, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ds.save_as(path, write_like_original=False)
    made.append(relative)
    return path


def images(d, made):
    ds = image(base(US_MULTIFRAME, "US", 1), 3)
    ds.FrameTime = "40"
    ds.ImageLaterality = "L"
    ds.SequenceOfUltrasoundRegions = Sequence([region(0, 0, W - 1, H - 1, 0.01)])
    save(ds, d, "DICOM/ST000001/SE000001/IM000001", made)

    ds = image(base(US_IMAGE, "US", 2), 1)
    ds.Laterality = "R"
    ds.PixelSpacing = ["0.25", "0.25"]
    save(ds, d, "DICOM/ST000001/SE000002/IM000001", made)

    ds = image(base(SECONDARY_CAPTURE, "OT", 3), 1)
    ds.ConversionType = "WSD"
    save(ds, d, "DICOM/ST000001/SE000003/IM000001", made)

    ds = image(base(ENHANCED_US_VOLUME, "US", 4), 2)
    ds.ImageLaterality = "R"
    measures = Dataset()
    measures.PixelSpacing = ["0.3", "0.3"]
    shared = Dataset()
    shared.PixelMeasuresSequence = Sequence([measures])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    frames = []
    for i in range(2):
        content = Dataset()
        content.FrameAcquisitionNumber = i + 1
        group = Dataset()
        group.FrameContentSequence = Sequence([content])
        frames.append(group)
    ds.PerFrameFunctionalGroupsSequence = Sequence(frames)
    save(ds, d, "DICOM/ST000001/SE000004/IM000001", made)


def others(d, made):
    ds = base(BASIC_TEXT_SR, "SR", 5)
    ds.ValueType = "CONTAINER"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "11528-7", "LN", "Report"
    ds.ConceptNameCodeSequence = Sequence([code])
    ds.ContinuityOfContent = "SEPARATE"
    save(ds, d, "DICOM/ST000001/SE000005/SR000001", made)

    ds = base(ECG_WAVEFORM, "ECG", 5)
    ds.InstanceNumber = 2
    channel = Dataset()
    channel.WaveformChannelNumber = 1
    wave = Dataset()
    wave.MultiplexGroupTimeOffset = "0"
    wave.WaveformOriginality = "ORIGINAL"
    wave.NumberOfWaveformChannels = 1
    wave.NumberOfWaveformSamples = 4
    wave.SamplingFrequency = "500"
    wave.WaveformBitsAllocated = 16
    wave.WaveformSampleInterpretation = "SS"
    wave.ChannelDefinitionSequence = Sequence([channel])
    wave.WaveformData = np.array([0, 10, -10, 0], dtype=np.int16).tobytes()
    ds.WaveformSequence = Sequence([wave])
    save(ds, d, "DICOM/ST000001/SE000005/WF000001", made)

    ds = base(GSPS, "PR", 5)
    ds.InstanceNumber = 3
    ds.ContentLabel = "PS"
    ds.PresentationCreationDate = "20260101"
    ds.PresentationCreationTime = "120000"
    save(ds, d, "DICOM/ST000001/SE000005/PS000001", made)

    ds = image(base(CT_IMAGE, "CT", 6), 1)
    save(ds, d, "DICOM/ST000001/SE000006/CT000001", made)

    # Named by the DICOMDIR, deleted after it is made.
    ds = image(base(US_IMAGE, "US", 5), 1)
    ds.InstanceNumber = 4
    save(ds, d, "DICOM/ST000001/SE000005/GONE0001", made)


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    made = []
    images(d, made)
    others(d, made)
    # dcmmkdir reads the files as its arguments name them, relative to the DICOMDIR's folder.
    result = subprocess.run(["dcmmkdir", "-q", "+I", "-Nxc", "-Nec", "-Nrc", "+D", "DICOMDIR"]
                            + made, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        sys.exit(f"dcmmkdir failed: {result.stdout.decode(errors='replace')}")
    os.unlink(os.path.join(d, "DICOM/ST000001/SE000005/GONE0001"))
    made.remove("DICOM/ST000001/SE000005/GONE0001")
    data = open(os.path.join(d, "DICOM/ST000001/SE000001/IM000001"), "rb").read()
    broken = "DICOM/ST000001/SE000006/BROKEN01"
    open(os.path.join(d, broken), "wb").write(data[:len(data) // 3])
    made.append(broken)
    with open(os.path.join(d, "made.txt"), "w") as f:
        f.write("\n".join(made) + "\n")


main()
