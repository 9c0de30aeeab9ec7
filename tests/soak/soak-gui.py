#!/usr/bin/python3
# soak-gui.py — the window analyses every case of a phantom study, explains frames, saves and
# quits, driven through its exported actions: memory stays flat, no leak, nothing on stderr
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage (in a private X server and session bus, as build-aux/soak-gui.sh runs it):
#   run-xvfb.sh --dbus soak-gui.py APP CARPALSCOPE_CLI OUT_DIR [--cases N] [--frames N]
#                                  [--explain N] [--models DIR] [--model ID]
#
# Writes a phantom study of N cases (carpalscope-cli phantom-study, N/2 hands per group), opens
# it in APP, triggers win.analyse-all over D-Bus and, while it runs, reads the process's resident
# memory (VmRSS of /proc/PID/status) and study.json (Analyse All saves after each case) five times
# a second: the RSS when each case reached study.json and the peak while it was analysed. Then it
# explains --explain frames (win.select-case, win.go-to-frame, win.explain: its state counts the
# explanations finished; LIME with 100 samples, occlusion stride 20 %, through a keyfile of
# settings), saves (win.save), quits (app.quit) and checks: every case analysed, every
# explanation shown, the RSS at the last case under 5 % above that at the 10th (with 20 cases or
# more: the first cases warm the caches up), exit status 0, and no warning, critical or sanitizer
# report in the application's output (an ASan build reports leaks at exit). Writes
# OUT_DIR/soak-gui.txt (the per-case table and the verdict) and OUT_DIR/app.log, prints the
# table; exits 1 on a failure.
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gi.repository import Gio, GLib  # noqa: E402

from soak_common import output_failure, rss_kib  # noqa: E402

APP_ID = "io.github.carpalscope.Carpalscope"
APP_PATH = "/io/github/carpalscope/Carpalscope"
WINDOW_PATH = APP_PATH + "/window/1"


class Actions:
    """org.gtk.Actions of one exported group."""

    def __init__(self, bus, path):
        self.bus, self.path = bus, path

    def call(self, method, args, reply):
        return self.bus.call_sync(APP_ID, self.path, "org.gtk.Actions", method, args,
                                  GLib.VariantType(reply), Gio.DBusCallFlags.NONE, 60000, None)

    def describe(self, name):
        return self.call("Describe", GLib.Variant("(s)", (name,)), "((bgav))").unpack()[0]

    def enabled(self, name):
        try:
            return self.describe(name)[0]
        except GLib.Error:
            return False

    def activate(self, name, parameter=None):
        params = [parameter] if parameter is not None else []
        self.call("Activate", GLib.Variant("(sava{sv})", (name, params, {})), "()")




def cases_with_results(study_path):
    """The ids of the cases of study.json that hold a model result; None while it is rewritten."""
    try:
        with open(study_path) as f:
            study = json.load(f)
    except (OSError, ValueError):
        return None
    return {c["id"] for c in study.get("cases", []) if c.get("results")}


def wait_for(condition, seconds, proc):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        if condition():
            return True
        time.sleep(0.2)
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("app")
    parser.add_argument("cli")
    parser.add_argument("out")
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--explain", type=int, default=20)
    parser.add_argument("--models")
    parser.add_argument("--model", default="squeezenet1_1-phantom")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="carpalscope-soak-gui-")
    study_dir = os.path.join(work, "study")
    study_path = os.path.join(study_dir, "study.json")
    env = dict(os.environ)
    if args.models:
        env["CARPALSCOPE_MODELSDIR"] = args.models
    if env.get("CARPALSCOPE_APP_G_DEBUG"):
        env["G_DEBUG"] = env["CARPALSCOPE_APP_G_DEBUG"]
    env.update({"GDK_BACKEND": "x11", "GSK_RENDERER": "cairo", "GDK_DEBUG": "gl-disable",
                "NO_AT_BRIDGE": "1", "GTK_A11Y": "none", "GSETTINGS_BACKEND": "keyfile",
                "XDG_DATA_HOME": os.path.join(work, "data"),
                "XDG_CONFIG_HOME": os.path.join(work, "config")})
    # The application's settings: the model, and explanations of a tenth of LIME's default
    # samples (the soak is about memory; 20 full explanations take long under the sanitizers).
    os.makedirs(os.path.join(work, "config", "glib-2.0", "settings"))
    with open(os.path.join(work, "config", "glib-2.0", "settings", "keyfile"), "w") as f:
        f.write("[io/github/carpalscope/Carpalscope]\n"
                f"default-model='{args.model}'\nlime-samples=100\nocclusion-stride=20.0\n")
    # A small quarantine: ASan's default 256 MB of freed blocks would show as growth.
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:quarantine_size_mb=4:fast_unwind_on_malloc=0")
    hands = (args.cases + 1) // 2
    subprocess.run([args.cli, "phantom-study", "--hands-per-group", str(hands),
                    "--test-per-group", "0", "--frames", str(args.frames), "--seed", "22",
                    "--out", study_dir, "--quiet"], env=env, check=True)
    with open(study_path) as f:
        ids = [c["id"] for c in json.load(f)["cases"]]
    log_path = os.path.join(args.out, "app.log")
    log = open(log_path, "w")
    start = time.time()
    proc = subprocess.Popen([args.app, study_path], env=env, stdout=log, stderr=subprocess.STDOUT)
    failures, table, explained = [], [], 0
    try:
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        window = Actions(bus, WINDOW_PATH)
        app = Actions(bus, APP_PATH)
        if not wait_for(lambda: window.enabled("analyse-all"), 120, proc):
            raise RuntimeError("the study did not open (analyse-all never enabled)")
        opened_rss = rss_kib(proc.pid)
        window.activate("analyse-all")
        done, peak, last_change = set(), 0, time.time()
        while len(done) < len(ids):
            if proc.poll() is not None:
                raise RuntimeError("the application exited during Analyse All")
            rss = rss_kib(proc.pid)
            peak = max(peak, rss)
            now = cases_with_results(study_path)
            if now is not None and len(now) > len(done):
                for _ in range(len(now) - len(done)):
                    table.append((len(table) + 1, rss, peak, time.time() - start))
                done, peak, last_change = now, rss, time.time()
            elif time.time() - last_change > 300:
                raise RuntimeError(f"no case analysed for 5 minutes ({len(done)} done)")
            time.sleep(0.2)
        if not wait_for(lambda: window.enabled("analyse-all") or window.enabled("explain"), 120,
                        proc):
            raise RuntimeError("Analyse All did not end")

        for i in range(args.explain):
            case_id = ids[(i * 7) % len(ids)]
            frame = (i * 3) % args.frames
            window.activate("select-case", GLib.Variant("s", case_id))
            if not wait_for(lambda: window.enabled("explain"), 120, proc):
                raise RuntimeError(f"case {case_id} did not open")
            window.activate("go-to-frame", GLib.Variant("i", frame))
            before = window.describe("explain")[2][0]
            window.activate("explain")
            if not wait_for(lambda: window.describe("explain")[2][0] != before, 600, proc):
                raise RuntimeError(f"explaining frame {frame} of {case_id} did not end")
            shown, not_shown = window.describe("explain")[2][0]
            if not_shown != before[1]:
                failures.append(f"frame {frame} of {case_id} was not explained")
            explained = shown
        explain_rss = rss_kib(proc.pid)
        window.activate("save")
        time.sleep(1)
        app.activate("quit")
        try:
            status = proc.wait(300)
        except subprocess.TimeoutExpired:
            failures.append("the application did not quit within 5 minutes")
            status = None
    except (RuntimeError, GLib.Error) as e:
        failures.append(str(e))
        explain_rss = rss_kib(proc.pid)
        opened_rss = locals().get("opened_rss", 0)
        status = None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    elapsed = time.time() - start
    with open(log_path, errors="replace") as f:
        app_log = f.read()
    shutil.rmtree(work, ignore_errors=True)

    lines = [f"{'case':>5} {'RSS MiB':>8} {'peak MiB':>9} {'seconds':>8}"]
    lines += [f"{n:>5} {rss / 1024:>8.1f} {peak / 1024:>9.1f} {t:>8.1f}"
              for n, rss, peak, t in table]
    lines.append(f"RSS with the study open: {opened_rss / 1024:.1f} MiB; after {explained} "
                 f"explanations: {explain_rss / 1024:.1f} MiB")
    if len(table) < len(ids):
        failures.append(f"{len(table)} of {len(ids)} cases analysed")
    elif len(table) >= 2:
        ref = table[9] if len(table) >= 20 else table[0]
        growth = (table[-1][1] - ref[1]) / ref[1] * 100
        lines.append(f"RSS growth from case {ref[0]} to case {table[-1][0]}: {growth:+.2f} % "
                     f"(peak {(table[-1][2] - ref[2]) / ref[2] * 100:+.2f} %)"
                     + ("" if len(table) >= 20 else "; not checked: the first cases warm up"))
        if growth >= 5 and len(table) >= 20:
            failures.append(f"RSS grew {growth:.2f} % from case {ref[0]} to {table[-1][0]}")
    if explained != args.explain:
        failures.append(f"{explained} of {args.explain} explanations shown")
    if status != 0:
        failures.append(f"exit status {status}")
    bad = output_failure("the application's output", app_log)
    if bad:
        failures.append(bad)
    lines.append(f"{len(table)} cases analysed and {explained} frames explained in "
                 f"{elapsed:.0f} s, exit status {status}")
    lines += ["FAIL: " + f for f in failures] or ["PASS"]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "soak-gui.txt"), "w") as f:
        f.write(text)
    sys.stderr.write(text)
    # The TAP stream run-xvfb.sh passes on (file descriptor 3), for meson.
    try:
        with os.fdopen(3, "w") as tap:
            tap.write("1..1\n")
            tap.write(("ok" if not failures else "not ok") + " 1 - GUI soak of "
                      f"{len(ids)} cases\n")
    except OSError:
        pass
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
