#!/usr/bin/python3
# test-torch-train.py — the PyTorch trainer under torchrun, its checkpoint, and its model in
# Carpalscope
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-torch-train.py AUGMENT_CROP
#
# A phantom study of eight hands of four frames is exported as 112 x 112 crops; the trainer's
# augmentation of one, given the desktop trainer's draws, must be augment-crop's. The trainer runs
# two gloo processes on CPU for one short epoch of two and stops, then resumes from its
# checkpoint and finishes: the model it writes must be the very one a run of both epochs without
# a stop writes. The engine's p(CTS) of four crops (carpalscope-cli classify) must be PyTorch's
# within 1e-4, and so must the analysis of the test hands' sweeps (carpalscope-cli evaluate) on
# their exported crops; `carpalscope-cli models` must list the model with its architecture, input
# size and what it was trained on. Exits 77 (skipped) without torch and torchvision.
import csv
import json
import os
import subprocess
import sys
import tempfile

SKIP = 77


def run(argv, env, what):
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("%s failed (%d):\n%s\n%s" % (what, result.returncode, result.stdout,
                                              result.stderr))
    return result.stdout


def splitmix64_uniforms(seed, n):
    """@n uniforms of cs_splitmix64_uniform() from the state @seed (src/base/cs-rng.c)."""
    mask, state, out = (1 << 64) - 1, seed, []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        out.append(((z ^ (z >> 31)) >> 11) * 2.0 ** -53)
    return out


def main():
    cli, srcdir = os.environ.get("CARPALSCOPE_CLI"), os.environ.get("CARPALSCOPE_SRCDIR")
    if len(sys.argv) != 2:
        sys.exit("usage: test-torch-train.py AUGMENT_CROP")
    augment_crop = sys.argv[1]
    if not cli or not srcdir:
        sys.exit("CARPALSCOPE_CLI and CARPALSCOPE_SRCDIR must be set (meson test sets them)")
    try:
        import torch
        import torchvision  # noqa: F401
    except ImportError:
        print("skipped: python3-torch and python3-torchvision are not installed")
        return SKIP
    env = dict(os.environ, PYTHONPATH=os.path.join(srcdir, "tools"), OMP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory(prefix="cs-torch-") as tmp:
        study, crops = os.path.join(tmp, "study"), os.path.join(tmp, "crops")
        models = os.path.join(tmp, "models")
        os.mkdir(models)
        run([cli, "phantom-study", "--hands-per-group", "4", "--frames", "4", "--test-per-group",
             "1", "--seed", "7", "--threads", "1", "-q", "--out", study], env, "phantom-study")
        run([cli, "export-crops", "--study", os.path.join(study, "study.json"), "--size", "112",
             "--out", crops], env, "export-crops")

        # The trainer's augmentation is the desktop trainer's: the same six draws (splitmix64,
        # as cs_train_augment_mode() takes them) warp a crop to within one gray level.
        sys.path.insert(0, os.path.join(srcdir, "tools"))
        from carpalscope_torch import augment, data
        crop = os.path.join(crops, "crops", "cts-001", "00001.pgm")
        for seed in (1, 2, 12345):
            for mode in ("paper", "light"):
                warped = os.path.join(tmp, "warped.pgm")
                run([augment_crop, crop, warped, str(seed), mode], env, "augment-crop")
                engine = data.read_pgm(warped).int()
                ours = augment.warp(data.read_pgm(crop)[None], mode,
                                    torch.tensor([splitmix64_uniforms(seed, 6)]))[0].int()
                differ = (engine - ours).abs()
                assert differ.max() <= 1 and (differ > 0).float().mean() < 0.005, (seed, mode)
        print("ok: the augmentation is the desktop trainer's within one gray level")

        def train(name, *extra):
            argv = [sys.executable, "-m", "carpalscope_torch.run", "--standalone",
                    "--nproc_per_node=2", "-m", "carpalscope_torch", "train", "--crops", crops,
                    "--arch", "squeezenet1_1", "--epochs", "2", "--batch", "8", "--workers", "0",
                    "--threads", "1", "--backend", "gloo",
                    "--checkpoint", os.path.join(tmp, name + ".pt"),
                    "--out", os.path.join(models, name + ".safetensors")] + list(extra)
            return run(argv, env, "training " + name)

        out = train("torch-phantom", "--stop-after", "1")
        assert "stopped after epoch 1 of 2" in out, out
        assert os.path.exists(os.path.join(tmp, "torch-phantom.pt")), out
        assert not os.path.exists(os.path.join(models, "torch-phantom.safetensors")), out
        print("ok: one epoch in two gloo processes, checkpoint written")
        out = train("torch-phantom", "--resume")
        assert "after epoch 1" in out, out
        out = train("straight")

        from carpalscope_torch import safetensors
        resumed, meta = safetensors.load(os.path.join(models, "torch-phantom.safetensors"))
        straight, _ = safetensors.load(os.path.join(models, "straight.safetensors"))
        assert resumed.keys() == straight.keys()
        for name in resumed:
            assert torch.equal(resumed[name], straight[name]), name
        os.remove(os.path.join(models, "straight.safetensors"))
        print("ok: resumed from the checkpoint, the model is the one of an unbroken run")

        paths = [os.path.join(crops, "crops", hand, "%05d.pgm" % frame)
                 for hand, frame in (("control-001", 0), ("control-002", 3), ("cts-001", 1),
                                     ("cts-003", 2))]
        model = os.path.join(models, "torch-phantom.safetensors")
        engine = [json.loads(line)["p_cts"] for line in
                  run([cli, "classify", "--model", model, "--json"] + paths, env,
                      "classify").splitlines()]
        torch_p = [json.loads(line)["p_cts"] for line in
                   run([sys.executable, "-m", "carpalscope_torch", "predict", model] + paths, env,
                       "predict").splitlines()]
        worst = max(abs(a - b) for a, b in zip(engine, torch_p))
        print("engine %s, torch %s: largest difference %.3g" % (engine, torch_p, worst))
        assert len(engine) == len(torch_p) == 4 and worst <= 1e-4
        print("ok: the engine's p(CTS) is PyTorch's within 1e-4")

        # The study's test hands analysed by Carpalscope (every frame of their sweeps through the
        # case's ROI) score as PyTorch scores their exported crops.
        run([cli, "evaluate", "--study", os.path.join(study, "study.json"), "--model", model,
             "--split", "test", "--replicates", "0", "-q", "--out-dir",
             os.path.join(tmp, "evaluation")], env, "evaluate")
        with open(os.path.join(tmp, "evaluation", "scores.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        paths = [os.path.join(crops, "crops", row["hand"], "%05d.pgm" % int(row["frame"]))
                 for row in rows]
        torch_p = [json.loads(line)["p_cts"] for line in
                   run([sys.executable, "-m", "carpalscope_torch", "predict", model] + paths, env,
                       "predict").splitlines()]
        worst = max(abs(float(row["p_cts"]) - p) for row, p in zip(rows, torch_p))
        assert len(rows) == 8 and worst <= 1e-4, (rows, torch_p)
        print("ok: the analysis of the two test sweeps is PyTorch's on their crops (%.3g)" % worst)

        listing = run([cli, "models", "--json"], dict(env, CARPALSCOPE_MODELSDIR=models),
                      "models")
        entry = [m for m in map(json.loads, listing.splitlines()) if m.get("id") == "torch-phantom"]
        assert entry, listing
        text = json.dumps(entry[0])
        assert '"squeezenet1_1"' in text and "112" in text, text
        assert "synthetic phantom sweeps" in meta["trained_on"] and meta["trained_on"] in text, text
        print("ok: carpalscope-cli models lists it, trained on %s" % meta["trained_on"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
