# run.py — torchrun, mended where Debian's PyTorch 1.13 meets Python 3.11
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""python3 -m carpalscope_torch.run takes torchrun's arguments and runs torchrun
(torch.distributed.run). PyTorch 1.13's torchrun reads --redirects and --tee by iterating over
an IntFlag, which from Python 3.11 on leaves out the flag 0, so that it fails before starting a
process with "'NoneType' object has no attribute 'get'" unless both are given otherwise. The
reading is replaced by one that works only when it is broken; with a later PyTorch this is
torchrun as it is."""
import re
import sys

from torch.distributed import run
from torch.distributed.elastic.multiprocessing import api


def _from_str(cls, text):
    if re.fullmatch(r"[0-3]", text):
        return cls(int(text))
    if re.fullmatch(r"(\d+:[0-3],)*\d+:[0-3]", text):
        return {int(k): cls(int(v)) for k, v in (pair.split(":") for pair in text.split(","))}
    raise ValueError("%r is not a stream setting such as 3 or 0:1,1:2" % text)


def main():
    if api.Std.from_str("0") is None:
        api.Std.from_str = classmethod(_from_str)
    sys.exit(run.main())


if __name__ == "__main__":
    main()
