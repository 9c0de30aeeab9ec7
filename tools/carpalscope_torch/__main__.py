# __main__.py — python3 -m carpalscope_torch train|predict ...
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""train: see train.py (run it under torchrun for more than one process).
predict: p(CTS) of 8-bit PGM crops under a .safetensors model, as PyTorch computes it."""
import argparse
import json
import sys

import torch

from . import augment, data, safetensors, train


def predict(args):
    tensors, meta = safetensors.load(args.model)
    model = train.build_model(meta.get("arch", ""))
    model.load_state_dict(tensors)
    model.eval()
    mean = json.loads(meta.get("mean", json.dumps(augment.IMAGENET_MEAN)))
    std = json.loads(meta.get("std", json.dumps(augment.IMAGENET_STD)))
    images = torch.stack([data.read_pgm(path) for path in args.crops])
    with torch.no_grad():
        p = torch.softmax(model(augment.preprocess(images, mean, std)), dim=1)[:, 1]
    for path, value in zip(args.crops, p.tolist()):
        print(json.dumps({"input": path, "p_cts": value}))


def main():
    parser = argparse.ArgumentParser(prog="python3 -m carpalscope_torch",
                                     description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train.add_arguments(commands.add_parser("train", help="train a model on exported crops"))
    p = commands.add_parser("predict", help="p(CTS) of crops under a model, by PyTorch")
    p.add_argument("model", metavar="MODEL.safetensors")
    p.add_argument("crops", nargs="+", metavar="CROP.pgm")
    args = parser.parse_args()
    try:
        if args.command == "train":
            train.train(args)
        else:
            predict(args)
    except (data.CropError, ValueError, OSError) as e:
        sys.exit("carpalscope_torch: %s" % e)


if __name__ == "__main__":
    main()
