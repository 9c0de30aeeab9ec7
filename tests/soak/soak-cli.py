#!/usr/bin/python3
# soak-cli.py — 1,000 classify calls in one carpalscope-cli process: memory stays flat, no leak
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: soak-cli.py CARPALSCOPE_CLI [--calls N] [--models DIR] [--model ID]
#
# Writes a small phantom study (4 sweeps, FFV1 in MKV) with the same CLI, then runs one
# `classify --roi X,Y,W,H --frames 0:1 --json` over N inputs (the 4 sweeps in turn): every input
# is opened, decoded, cropped and classified, then closed, as a script would classify a folder.
# The process's resident memory (VmRSS of /proc/PID/status) is read after every 50th result.
# Checks: every call gives a result, RSS grows by under 5 % from the 10th percentile of the run
# to its end, the process exits 0 and its stderr holds no warning, critical or sanitizer report
# (a build with -Db_sanitize=address reports leaks at exit). Prints the RSS table; exits 1 when
# a check fails.
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from soak_common import output_failure, rss_kib  # noqa: E402



def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cli")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--models", help="CARPALSCOPE_MODELSDIR for the run")
    parser.add_argument("--model", help="the model classify uses (default: its default)")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.models:
        env["CARPALSCOPE_MODELSDIR"] = args.models
    # A small quarantine: ASan's default 256 MB of freed blocks would show as growth.
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:quarantine_size_mb=4:fast_unwind_on_malloc=0")
    work = tempfile.mkdtemp(prefix="carpalscope-soak-cli-")
    try:
        subprocess.run([args.cli, "phantom-study", "--hands-per-group", "2", "--test-per-group",
                        "0", "--frames", "4", "--seed", "5", "--out", work, "--quiet"],
                       env=env, check=True)
        sweeps = sorted(os.path.join(work, "sweeps", n) for n in os.listdir(os.path.join(work,
                                                                                        "sweeps"))
                        if n.endswith(".mkv"))
        inputs = [sweeps[i % len(sweeps)] for i in range(args.calls)]
        err_path = os.path.join(work, "stderr.log")
        start = time.time()
        with open(err_path, "w") as err:
            model = ["--model", args.model] if args.model else []
            proc = subprocess.Popen([args.cli, "classify", *model, "--roi", "150,120,300,220",
                                     "--frames", "0:1", "--json", *inputs], env=env,
                                    stdout=subprocess.PIPE, stderr=err, text=True)
            results, table = 0, []
            for line in proc.stdout:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                record = json.loads(line)
                if "p_cts" not in record:
                    continue
                results += 1
                rss = rss_kib(proc.pid)
                if results % 50 == 0 and rss > 0:  # 0: it has exited (its output is buffered)
                    table.append((results, rss, time.time() - start))
            status = proc.wait()
        with open(err_path) as f:
            stderr = f.read()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"{'calls':>6} {'RSS MiB':>8} {'seconds':>8}")
    for calls, kib, seconds in table:
        print(f"{calls:>6} {kib / 1024:>8.1f} {seconds:>8.1f}")
    failures = []
    if results != args.calls:
        failures.append(f"{results} results of {args.calls} calls")
    if status != 0:
        failures.append(f"exit status {status}")
    bad = output_failure("stderr", stderr)
    if bad:
        failures.append(bad)
    if len(table) >= 10:
        base = table[len(table) // 10][1]
        growth = (table[-1][1] - base) / base * 100
        print(f"RSS growth from call {table[len(table) // 10][0]} to {table[-1][0]}: "
              f"{growth:+.2f} %")
        if growth >= 5:
            failures.append(f"RSS grew {growth:.2f} %")
    print(f"{results} classify calls in {time.time() - start:.0f} s, exit status {status}")
    for failure in failures:
        print("FAIL: " + failure)
    if not failures:
        print("PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
