# test_atspi_about.py — the first GUI test: the window, its header bar and the About window.
# Copyright 2026 The Carpalscope developers. SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: /usr/bin/python3 test_atspi_about.py APP SCREENSHOT_DIR

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pyatspi  # noqa: E402

from atspi_helpers import App, Tap, click, click_quit, dump, find_clickable, find_node, find_text  # noqa: E402


def main():
    program, shots = sys.argv[1], sys.argv[2]
    tap = Tap(8)
    app = App(program, shots)
    try:
        root = app.find()
        if not tap.ok(root is not None, "the application appears on the AT-SPI desktop"):
            return 1
        window = find_node(root, pyatspi.ROLE_FRAME, "Carpalscope")
        app.screenshot("window")
        if not tap.ok(window is not None, "a window titled Carpalscope"):
            dump(root, tap)
            return 1
        open_button = find_clickable(window, "Open")
        menu_button = find_clickable(window, "Main Menu")
        if not tap.ok(open_button is not None and menu_button is not None,
                      "the header bar has an Open button and a main menu"):
            dump(window, tap)
            return 1
        tap.ok(find_text(window, "Open a Sweep or Study") is not None,
               "the empty state invites the user to open a sweep or study")

        click(menu_button)
        about_item = find_clickable(root, "About Carpalscope")
        app.screenshot("main-menu")
        if not tap.ok(about_item is not None, "the main menu offers About Carpalscope"):
            dump(root, tap)
            return 1
        click(about_item)

        # The about window is a second frame of the application.
        about = None
        deadline = time.time() + 15
        while about is None and time.time() < deadline:
            frames = [root.getChildAtIndex(i) for i in range(root.childCount)]
            frames = [f for f in frames if f is not None and f.getRole() == pyatspi.ROLE_FRAME]
            if len(frames) >= 2:
                about = frames[-1]
            else:
                time.sleep(0.5)
        time.sleep(1)
        app.screenshot("about")
        if not tap.ok(about is not None, "activating About opens the about window"):
            dump(root, tap)
            return 1
        statement = find_text(about, "not a medical device")
        if statement is None:
            details = find_clickable(about, "Details", timeout=2)
            if details is not None:
                click(details)
                time.sleep(1)
                app.screenshot("about-details")
                statement = find_text(about, "not a medical device")
        version = find_text(about, os.environ.get("CARPALSCOPE_VERSION", "0."))
        if not tap.ok(statement is not None and version is not None,
                      "the about window shows the version and says it is not a medical device"):
            dump(root, tap)

        # Quitting from the menu must end the process normally: under the sanitizers that is
        # also when the leak checker runs.
        click(menu_button)
        quit_item = find_clickable(root, "Quit")
        if quit_item is not None:
            click_quit(quit_item)
        try:
            code = app.proc.wait(120)
        except Exception:
            code = None
        tap.ok(code == 0, "Quit in the main menu ends the application with status 0",
               f"exit status {code}")
        return 0
    finally:
        code = app.stop()
        tap.comment(f"application exit status {code}")


if __name__ == "__main__":
    sys.exit(main())
