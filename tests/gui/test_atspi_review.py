# test_atspi_review.py — the whole review through AT-SPI: open the demo study, scrub, move the
# ROI, analyse, explain, trace, quit, restart and find everything again.
# Copyright 2026 The Carpalscope developers. SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: /usr/bin/python3 test_atspi_review.py APP SCREENSHOT_DIR DEMO_DIR MAKE_MODEL

import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pyatspi  # noqa: E402

from atspi_helpers import (App, Tap, click, click_quit, dump, find_clickable, find_node,  # noqa: E402
                           walk)


def label_texts(root):
    texts = []
    for node in walk(root):
        try:
            if node.getRole() != pyatspi.ROLE_LABEL:
                continue
            text = node.name
            if not text:
                text = node.queryText().getText(0, -1)
            texts.append(text)
        except Exception:
            continue
    return texts


def wait_for_text(root, predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for text in label_texts(root):
            if predicate(text):
                return text
        time.sleep(0.5)
    return None


def press_keys(*keys):
    """Key presses through XTest, as a keyboard user's (xdotool names: "shift+Right")."""
    for key in keys:
        subprocess.run(["xdotool", "key", key], check=True)
        time.sleep(0.05)


def set_value(node, value):
    node.queryValue().currentValue = value


def quit_from_menu(app, root, window, timeout=120):
    """Main Menu, Quit; the exit status, or None when the process has not ended in time."""
    click(find_clickable(window, "Main Menu"))
    click_quit(find_clickable(root, "Quit"))
    try:
        return app.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        return None


def main():
    program, shots, demo_dir, make_model = sys.argv[1:5]
    tap = Tap(15)
    work = tempfile.mkdtemp(prefix="carpalscope-review-")
    study_dir = os.path.join(work, "study")
    shutil.copytree(demo_dir, study_dir)
    study_path = os.path.join(study_dir, "study.json")
    models = os.path.join(work, "models")
    os.makedirs(models)
    # A small input keeps the explanations quick under the sanitizers; the GUI path is the same.
    subprocess.run([make_model, "squeezenet1_1", os.path.join(models, "test-squeezenet.safetensors"),
                    "96"], check=True)
    env = {"CARPALSCOPE_MODELSDIR": models, "XDG_DATA_HOME": os.path.join(work, "data"),
           "XDG_CONFIG_HOME": os.path.join(work, "config")}
    with open(study_path) as f:
        study = json.load(f)
    first = study["cases"][0]
    spacing = first["spacing"]["mm_per_px"]

    def roi_at_frame_10(case):
        return next((k for k in case.get("roi", []) if k.get("frame") == 10), None)

    before = roi_at_frame_10(first)

    app = App(program, shots, args=[study_path], env=env)
    try:
        root = app.find()
        if not tap.ok(root is not None, "the application starts on the demo study"):
            return 1
        window = find_node(root, pyatspi.ROLE_FRAME, None)
        frame_label = wait_for_text(window, lambda t: t.startswith("Frame 1 /"), 30)
        app.screenshot("study-open")
        if not tap.ok(frame_label is not None, "the first case's sweep is shown",
                      "no frame label"):
            dump(window, tap)
            return 1
        case_list = find_node(window, pyatspi.ROLE_LIST, "Cases")
        cases = [case_list.getChildAtIndex(i) for i in range(case_list.childCount)]
        tap.ok(len(cases) == len(study["cases"]), "the sidebar lists every case",
               f"{len(cases)} rows for {len(study['cases'])} cases")

        # Scrub: the frame slider is an accessible value.
        slider = find_node(window, pyatspi.ROLE_SLIDER, "Frame")
        set_value(slider, 10)
        label = wait_for_text(window, lambda t: t.startswith("Frame 11 /"), 10)
        app.screenshot("scrubbed")
        tap.ok(label is not None, "scrubbing to frame 11 shows frame 11")

        # Move the ROI from the keyboard: Shift+arrows in the ROI tool.
        click(find_clickable(window, "Trace CSA"))
        click(find_clickable(window, "ROI"))
        time.sleep(0.3)
        press_keys(*["shift+Right"] * 12, *["shift+Down"] * 5)
        time.sleep(7)  # autosave writes within seconds of a change
        app.screenshot("roi-moved")
        with open(study_path) as f:
            saved = json.load(f)
        after = roi_at_frame_10(saved["cases"][0])
        moved = (after is not None and before is not None
                 and abs(after["x"] - before["x"] - 12) < 1e-6
                 and abs(after["y"] - before["y"] - 5) < 1e-6)
        tap.ok(moved, "moving the ROI 12 px right and 5 px down on frame 11 is saved within "
               "seconds", f"{before} -> {after}")

        # Analyse with the one installed model and wait for the hand-level answer.
        click(find_clickable(window, "Analyse Sweep"))
        verdict = wait_for_text(window, lambda t: " at threshold " in t, 240)
        app.screenshot("analysed")
        tap.ok(verdict is not None, "analysing gives a hand-level answer at the threshold",
               "no verdict")
        p_text = wait_for_text(window, lambda t: re.fullmatch(r"[01]\.\d{3}", t) is not None, 5)
        tap.ok(p_text is not None, f"the hand-level p(CTS) is shown ({p_text})")

        # Explanations of the current frame.
        click(find_clickable(window, "Explain"))
        time.sleep(0.5)
        # The parameters live in a popover: open it, set fewer LIME samples, close it.
        click(find_clickable(window, "Explanation Parameters"))
        samples = find_node(root, pyatspi.ROLE_SPIN_BUTTON, "LIME samples", timeout=5)
        if samples is not None:
            set_value(samples, 300)
        press_keys("Escape")
        click(find_clickable(window, "Explain This Frame"))
        lime = wait_for_text(window, lambda t: "superpixels" in t and "R²" in t, 600)
        occlusion = wait_for_text(window, lambda t: t.startswith("mask ") and "stride" in t, 5)
        gradcam = wait_for_text(window, lambda t: t.startswith("last convolutional block"), 60)
        time.sleep(1)
        app.screenshot("explained")
        tap.ok(lime is not None and occlusion is not None and gradcam is not None
               and (samples is None or "300 samples" in lime),
               "the occlusion, LIME and Grad-CAM panels show their maps with the parameters "
               "chosen",
               f"lime: {lime!r} occlusion: {occlusion!r} gradcam: {gradcam!r}")

        # Trace a 40 x 30 px rectangle by its vertices and read its area.
        click(find_clickable(window, "Review"))
        click(find_clickable(window, "Result"))
        click(find_clickable(window, "Enter Vertices…"))
        entry = find_node(root, pyatspi.ROLE_TEXT, "Vertices", timeout=10)
        if entry is None:
            entry = find_node(root, pyatspi.ROLE_ENTRY, None, timeout=5)
        entry.queryEditableText().setTextContents("100,100 140,100 140,130 100,130")
        click(find_clickable(root, "Add Tracing"))
        expected = 1200 * spacing * spacing
        area_text = f"inlet: {expected:.1f} mm²"
        area = wait_for_text(window, lambda t: t == area_text, 10)
        app.screenshot("traced")
        tap.ok(area is not None, f"the traced 40 x 30 px outline reads {area_text}",
               "\n".join(t for t in label_texts(window) if t.startswith("inlet")))

        # Quit from the menu: the study is saved, the process ends normally.
        code = quit_from_menu(app, root, window)
        tap.ok(code == 0, "Quit ends the application with status 0", f"status {code}")
        app.stop()

        # Restart: everything is still there.
        app = App(program, os.path.join(shots, "restart"), args=[study_path], env=env)
        root = app.find()
        tap.ok(root is not None, "the application starts again on the same study")
        window = find_node(root, pyatspi.ROLE_FRAME, None)
        area2 = wait_for_text(window, lambda t: t == area_text, 30)
        tap.ok(area2 is not None, "the tracing is still there")
        verdict2 = wait_for_text(window, lambda t: " at threshold " in t, 10)
        tap.ok(verdict2 is not None and not verdict2.startswith("Stale"),
               "the analysis result is still there and not stale", verdict2)
        app.screenshot("restarted")
        with open(study_path) as f:
            saved = json.load(f)
        tap.ok(roi_at_frame_10(saved["cases"][0]) == after,
               "the moved ROI keyframe is still in the study file")

        # Quit while an explanation runs: the worker is cancelled (a whole explanation takes
        # minutes under the sanitizers) and waited for, and the process ends normally (under
        # the sanitizers: nothing leaked or used after it was freed).
        click(find_clickable(window, "Explain"))
        time.sleep(0.5)
        click(find_clickable(window, "Explain This Frame"))
        running = wait_for_text(window, lambda t: t.startswith("Explaining"), 10)
        code = quit_from_menu(app, root, window, timeout=60)
        tap.ok(running is not None and code == 0,
               "quitting while an explanation runs ends the application with status 0",
               f"running: {running!r}, status {code}")
        return 0
    finally:
        code = app.stop()
        tap.comment(f"application exit status {code}")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
