# data.py — the crops of `carpalscope-cli export-crops` as a PyTorch data set
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""DIR/crops.csv lists one crop a row (hand, frame, label, split, spacing_mm, path), each an
8-bit binary PGM of SIZE x SIZE that is the pixels Carpalscope gives its network for that frame;
DIR/crops.json says what study they were cut from. Crops are read when asked for, so a data set
of many hands need not fit in memory."""
import csv
import json
import os

import torch

LABELS = {"control": 0, "cts": 1}
SPLITS = ("train", "validation", "test", "unassigned")


class CropError(Exception):
    """A crops folder that cannot be read, with one clear message."""


def read_pgm(path):
    """Returns the 8-bit gray image of a binary PGM as a uint8 tensor [H, W]."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.find(b"\n", pos) + 1 or len(data)
            continue
        start = pos
        while pos < len(data) and not data[pos:pos + 1].isspace():
            pos += 1
        if start == pos:
            raise CropError("%s: not a binary PGM (its header ends early)" % path)
        fields.append(data[start:pos])
    if fields[0] != b"P5" or fields[3] != b"255":
        raise CropError("%s: not an 8-bit binary PGM" % path)
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:pos + 1 + width * height]
    if len(pixels) != width * height:
        raise CropError("%s: holds fewer pixels than its header says" % path)
    return torch.frombuffer(bytearray(pixels), dtype=torch.uint8).reshape(height, width)


class Crops(torch.utils.data.Dataset):
    """The rows of DIR/crops.csv whose split is one of @splits: (uint8 [S, S], label)."""

    def __init__(self, folder, splits):
        self.folder = folder
        csv_path = os.path.join(folder, "crops.csv")
        try:
            with open(csv_path, newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
        except OSError as e:
            raise CropError("%s: %s (write it with carpalscope-cli export-crops)"
                            % (csv_path, e.strerror)) from e
        try:
            with open(os.path.join(folder, "crops.json"), encoding="utf-8") as f:
                self.info = json.load(f)
        except (OSError, ValueError):
            self.info = {}
        self.items, hands = [], set()
        for number, row in enumerate(rows, start=2):
            if row.get("label") not in LABELS or not row.get("path"):
                raise CropError("%s, line %d: no label control or cts and path" % (csv_path, number))
            if row.get("split") in splits:
                self.items.append((row["path"], LABELS[row["label"]]))
                hands.add(row["hand"])
        self.hands = len(hands)
        if self.items:
            self.size = read_pgm(os.path.join(folder, self.items[0][0])).shape[0]
        else:
            self.size = int(self.info.get("size", 0))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        path, label = self.items[index]
        image = read_pgm(os.path.join(self.folder, path))
        if image.shape != (self.size, self.size):
            raise CropError("%s: is %d x %d where the first crop is %d x %d"
                            % (path, image.shape[1], image.shape[0], self.size, self.size))
        return image, label
