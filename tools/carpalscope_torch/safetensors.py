# safetensors.py — reading and writing .safetensors files as the engine reads them
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The format: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
shape and byte range (and "__metadata__", strings only), then the tensors' bytes. Debian ships
no safetensors module, and the format is small."""
import json
import os
import struct

import torch

DTYPES = {torch.float32: "F32", torch.int64: "I64"}
NAMES = {name: dtype for dtype, name in DTYPES.items()}


def save(path, tensors, metadata):
    """Writes @tensors (name to tensor) and @metadata (str to str) to @path atomically."""
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        if tensor.dtype not in DTYPES:
            raise ValueError("%s: dtype %s is not written" % (name, tensor.dtype))
        data = tensor.detach().to("cpu").contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load(path):
    """Returns (tensors, metadata) of the file at @path."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError("%s: not a safetensors file (too short)" % path)
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError("%s: not a safetensors file (header past the end)" % path)
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    body = memoryview(data)[8 + n:]
    tensors = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        dtype = NAMES.get(entry["dtype"])
        if dtype is None or not 0 <= start <= end <= len(body):
            raise ValueError("%s: tensor %s is not F32 or I64 inside the file" % (path, name))
        tensor = torch.frombuffer(bytearray(body[start:end]), dtype=dtype)
        tensors[name] = tensor.reshape(entry["shape"])
    return tensors, metadata
