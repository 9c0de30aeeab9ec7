#!/usr/bin/python3
# add-metadata.py — add or replace "__metadata__" entries of a safetensors file, tensors untouched
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: add-metadata.py FILE.safetensors KEY=VALUE [KEY=@TEXTFILE] [@FIGURES.json] ...
#
# Used after evaluating a shipped model, to write its test metrics and model card into the
# weights themselves. @FIGURES.json adds every entry of a JSON object of strings (what
# write-card.py --metadata writes). The header is rewritten (padded with spaces to a multiple of 8 bytes, as
# the engine writes it) and the tensor bytes copied unchanged; the file is replaced atomically.
import json
import os
import struct
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: add-metadata.py FILE.safetensors KEY=VALUE [KEY=@TEXTFILE] "
                 "[@FIGURES.json] ...")
    path = sys.argv[1]
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.get("__metadata__", {})
    for arg in sys.argv[2:]:
        if arg.startswith("@"):
            with open(arg[1:], encoding="utf-8") as f:
                figures = json.load(f)
            if not isinstance(figures, dict) or not all(
                    isinstance(v, str) for v in figures.values()):
                sys.exit("add-metadata.py: %s: expected a JSON object of strings" % arg[1:])
            meta.update(figures)
            continue
        key, sep, value = arg.partition("=")
        if not sep or not key:
            sys.exit("add-metadata.py: expected KEY=VALUE, got %r" % arg)
        if value.startswith("@"):
            with open(value[1:], encoding="utf-8") as f:
                value = f.read()
        meta[key] = value
    header["__metadata__"] = meta
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
