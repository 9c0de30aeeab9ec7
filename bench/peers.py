#!/usr/bin/python3
# peers.py — Carpalscope's engine against ONNX Runtime and PyTorch, same models, same batches
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage (from a build directory's parent):
#   /usr/bin/python3 bench/peers.py --builddir _build [--batches 1,32] [--rounds 3] [--seconds 2]
#
# What it does:
#   1. exports the three torchvision models (2 classes, random weights with calibrated batch-norm
#      statistics, so no layer runs on denormal numbers) to ONNX, once, into BUILDDIR/bench;
#   2. installs onnxruntime-node there with npm (ONNXRUNTIME_NODE_INSTALL=skip: its CPU binaries
#      ship inside the package), once;
#   3. for every model and batch size, runs ours (carpalscope-cli bench), ONNX Runtime (2 intra-op
#      threads) and PyTorch (2 threads) one after the other, ROUNDS times, each a fresh process,
#      and keeps each one's best images/s; on a CPU with AVX-512, ours also runs forced onto its
#      AVX2+FMA kernels (CSNN_SIMD=avx2), which is what most users' PCs run;
#   4. prints the table and the ratios ours / peer (>= 1 means we are faster).
# With --baseline OTHER_BUILDDIR, that build's engine (say, before a change) runs too, in the same
# rounds (and forced onto AVX2 beside ours), and the ratios ours / baseline and baseline / ORT
# are printed: on a loaded machine a before/after comparison holds only within one run.
# --no-torch leaves PyTorch out (its columns then read nan).
# The machine's OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE overrides are removed for every benchmarked
# process, as on a user's PC. Also reported: OpenBLAS sgemm on large matrices (via torch.mm) with 1
# and 2 threads, the practical FLOP peak.
import argparse
import json
import os
import subprocess
import sys
import time

ARCHS = ["squeezenet1_1", "mobilenet_v2", "efficientnet_b0"]
GFLOP = {"squeezenet1_1": None, "mobilenet_v2": None, "efficientnet_b0": None}
HERE = os.path.dirname(os.path.abspath(__file__))


def has_avx512():
    with open("/proc/cpuinfo") as f:
        return " avx512f" in f.read()


def clean_env():
    env = dict(os.environ)
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(key, None)
    return env


def export_models(workdir):
    import torch
    import torchvision
    for arch in ARCHS:
        path = os.path.join(workdir, arch + ".onnx")
        if os.path.exists(path):
            continue
        torch.manual_seed(0)
        model = getattr(torchvision.models, arch)(weights=None, num_classes=2)
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.momentum = None
            model.train()
            model(torch.randn(4, 3, 224, 224))
            model.eval()
            torch.onnx.export(model, torch.randn(1, 3, 224, 224), path + ".tmp",
                              input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                              opset_version=13)
        os.replace(path + ".tmp", path)


def install_ort(workdir):
    if os.path.isdir(os.path.join(workdir, "node_modules", "onnxruntime-node")):
        return
    env = dict(os.environ, ONNXRUNTIME_NODE_INSTALL="skip")
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", workdir,
                    "onnxruntime-node"], check=True, env=env)


def run_json(cmd, env, cwd=None):
    out = subprocess.run(cmd, check=True, env=env, cwd=cwd, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


TORCH_SCRIPT = r"""
import json, sys, time, torch, torchvision
arch, batch, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
torch.set_num_threads(2)
model = getattr(torchvision.models, arch)(weights=None, num_classes=2).eval()
x = torch.randn(batch, 3, 224, 224)
times = []
with torch.inference_mode():
    for _ in range(3):
        model(x)
    start = time.perf_counter()
    while len(times) < 10 or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        model(x)
        times.append(time.perf_counter() - t0)
        if len(times) >= 1000:
            break
times.sort()
median = times[len(times) // 2]
print(json.dumps({"latency_ms": median * 1e3, "images_per_s": batch / median}))
"""

PEAK_SCRIPT = r"""
import json, sys, time, torch
n = 2048
a, b = torch.randn(n, n), torch.randn(n, n)
result = {}
for threads in (1, 2):
    torch.set_num_threads(threads)
    torch.mm(a, b)
    best = 1e9
    for _ in range(5):
        t0 = time.perf_counter(); torch.mm(a, b); best = min(best, time.perf_counter() - t0)
    result[str(threads)] = 2 * n ** 3 / best / 1e9
print(json.dumps(result))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--builddir", default="_build")
    parser.add_argument("--batches", default="1,32")
    parser.add_argument("--archs", default=",".join(ARCHS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--baseline", default=None,
                        help="another build directory whose engine runs in the same rounds")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    args = parser.parse_args()

    cli = os.path.join(args.builddir, "src", "cli", "carpalscope-cli")
    base_cli = (os.path.join(args.baseline, "src", "cli", "carpalscope-cli")
                if args.baseline else None)
    if base_cli is not None and not os.access(base_cli, os.X_OK):
        sys.exit("peers.py: --baseline %s: no %s there" % (args.baseline, base_cli))
    workdir = os.path.join(args.builddir, "bench")
    os.makedirs(workdir, exist_ok=True)
    export_models(workdir)
    install_ort(workdir)
    env = clean_env()
    env.pop("CSNN_SIMD", None)
    avx2_env = dict(env, CSNN_SIMD="avx2")
    with_avx2 = has_avx512()
    node_env = dict(env, NODE_PATH=os.path.join(workdir, "node_modules"))
    batches = [int(b) for b in args.batches.split(",")]
    archs = args.archs.split(",")

    peak = run_json(["/usr/bin/python3", "-c", PEAK_SCRIPT], env)
    print("machine: %s, %d cores; sgemm 2048^3: %.0f GFLOP/s (1 thread), %.0f GFLOP/s (2 threads)"
          % (open("/proc/cpuinfo").read().split("model name")[1].split(":")[1].split("\n")[0]
             .strip(), os.cpu_count(), peak["1"], peak["2"]))
    print("OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for every run; %d rounds, best of each"
          % args.rounds)
    print("ours runs its %s kernels%s" % ("AVX-512" if with_avx2 else "best",
                                          "; ours AVX2: forced onto its AVX2+FMA kernels"
                                          if with_avx2 else ""))
    rows = []
    for arch in archs:
        for batch in batches:
            best = {"ours": None, "ours_avx2": None, "ort": None, "torch": None, "base": None,
                    "base_avx2": None}
            for _ in range(args.rounds):
                def engine(path, run_env):
                    return lambda: run_json([path, "bench", "--arch", arch, "--batch", str(batch),
                                             "--seconds", str(args.seconds), "--json"], run_env)
                runs = {
                    "ours": engine(cli, env),
                    "ours_avx2": engine(cli, avx2_env),
                    "base": engine(base_cli, env),
                    "base_avx2": engine(base_cli, avx2_env),
                    "ort": lambda: run_json(["node", os.path.join(HERE, "ort-bench.js"),
                                             os.path.join(workdir, arch + ".onnx"), str(batch),
                                             str(args.seconds), "2"], node_env),
                    "torch": lambda: run_json(["/usr/bin/python3", "-c", TORCH_SCRIPT, arch,
                                               str(batch), str(args.seconds)], env),
                }
                if not with_avx2:
                    del runs["ours_avx2"]
                    del runs["base_avx2"]
                if base_cli is None:
                    del runs["base"]
                    runs.pop("base_avx2", None)
                if args.no_torch:
                    del runs["torch"]
                for name, run in runs.items():
                    r = run()
                    if best[name] is None or r["images_per_s"] > best[name]["images_per_s"]:
                        best[name] = r
            if best["torch"] is None:
                best["torch"] = {"latency_ms": float("nan"), "images_per_s": float("nan")}
            gflops = best["ours"].get("gflops_per_s", 0.0)
            rows.append((arch, batch, best, gflops))
            print("%-16s batch %3d  ours %7.2f ms %7.1f img/s (%5.1f GFLOP/s)  ORT %7.2f ms %7.1f "
                  "img/s  torch %7.2f ms %7.1f img/s  ours/ORT %.2f  ours/torch %.2f" % (
                      arch, batch, best["ours"]["latency_ms"], best["ours"]["images_per_s"],
                      gflops, best["ort"]["latency_ms"], best["ort"]["images_per_s"],
                      best["torch"]["latency_ms"], best["torch"]["images_per_s"],
                      best["ours"]["images_per_s"] / best["ort"]["images_per_s"],
                      best["ours"]["images_per_s"] / best["torch"]["images_per_s"]))
            for name, label in (("base", "baseline"), ("base_avx2", "baseline AVX2")):
                if best[name] is not None:
                    mine = best["ours" if name == "base" else "ours_avx2"]["images_per_s"]
                    print("%-16s batch %3d  %s %7.1f img/s  /ORT %.2f  ours/baseline %.2f" % (
                        arch, batch, label, best[name]["images_per_s"],
                        best[name]["images_per_s"] / best["ort"]["images_per_s"],
                        mine / best[name]["images_per_s"]))
            if best["ours_avx2"] is not None:
                print("%-16s batch %3d  ours AVX2 %7.2f ms %7.1f img/s  AVX2/ORT %.2f" % (
                    arch, batch, best["ours_avx2"]["latency_ms"],
                    best["ours_avx2"]["images_per_s"],
                    best["ours_avx2"]["images_per_s"] / best["ort"]["images_per_s"]))
            sys.stdout.flush()
    print()
    avx2_head = " ours AVX2 images/s | ours AVX2 / ORT |" if with_avx2 else ""
    print("| model | batch | ours ms | ours images/s | ours GFLOP/s | % of 2-thread sgemm | "
          "ORT images/s | PyTorch images/s | ours / ORT | ours / PyTorch |" + avx2_head)
    print("| --- " * (12 if with_avx2 else 10) + "|")
    for arch, batch, best, gflops in rows:
        avx2 = ""
        if best["ours_avx2"] is not None:
            avx2 = " %.1f | %.2f |" % (best["ours_avx2"]["images_per_s"],
                                       best["ours_avx2"]["images_per_s"]
                                       / best["ort"]["images_per_s"])
        print("| %s | %d | %.2f | %.1f | %.1f | %.0f%% | %.1f | %.1f | %.2f | %.2f |%s" % (
            arch, batch, best["ours"]["latency_ms"], best["ours"]["images_per_s"], gflops,
            100.0 * gflops / peak["2"], best["ort"]["images_per_s"], best["torch"]["images_per_s"],
            best["ours"]["images_per_s"] / best["ort"]["images_per_s"],
            best["ours"]["images_per_s"] / best["torch"]["images_per_s"], avx2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
