# test_dbus_actions.py — the window's actions, exported on the session bus, listed and triggered
# from outside: Import of a folder of two sweeps, Undo and Redo, as a script would.
# Copyright 2026 The Carpalscope developers. SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: /usr/bin/python3 test_dbus_actions.py APP SCREENSHOT_DIR

import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gi.repository import Gio, GLib  # noqa: E402

from atspi_helpers import App, Tap  # noqa: E402

APP_ID = "io.github.carpalscope.Carpalscope"
WINDOW_PATH = "/io/github/carpalscope/Carpalscope/window/1"
WANTED = ["new-study", "import", "analyse-all", "save", "undo", "redo", "remove-case", "present",
          "reveal", "present-blind", "present-next", "open-study-folder", "select-case",
          "go-to-frame", "explain"]


def write_sweep(folder, frames):
    """A folder of numbered 32 x 24 grey PGM frames."""
    os.makedirs(folder)
    for i in range(frames):
        with open(os.path.join(folder, f"frame-{i + 1}.pgm"), "wb") as f:
            f.write(b"P5\n32 24\n255\n" + bytes((p * 3 + i * 40) % 256 for p in range(32 * 24)))


class Actions:
    """org.gtk.Actions of one exported group."""

    def __init__(self, bus, path):
        self.bus = bus
        self.path = path

    def call(self, method, args, reply):
        return self.bus.call_sync(APP_ID, self.path, "org.gtk.Actions", method, args,
                                  GLib.VariantType(reply), Gio.DBusCallFlags.NONE, 10000, None)

    def names(self):
        return self.call("List", None, "(as)").unpack()[0]

    def enabled(self, name):
        return self.call("Describe", GLib.Variant("(s)", (name,)), "((bgav))").unpack()[0][0]

    def activate(self, name, parameter=None):
        params = [parameter] if parameter is not None else []
        self.call("Activate", GLib.Variant("(sava{sv})", (name, params, {})), "()")


def wait_for(condition, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if condition():
                return True
        except GLib.Error:
            pass
        time.sleep(0.2)
    return False


def main():
    program, shots = sys.argv[1], sys.argv[2]
    tap = Tap(7)
    work = tempfile.mkdtemp(prefix="carpalscope-dbus-")
    app = App(program, shots, env={"XDG_DATA_HOME": os.path.join(work, "data")})
    try:
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        window = Actions(bus, WINDOW_PATH)
        if not tap.ok(wait_for(lambda: "save" in window.names()),
                      "the window's actions are on the session bus"):
            return 1
        names = window.names()
        tap.ok(all(n in names for n in WANTED), "they include " + ", ".join(WANTED),
               "listed: " + ", ".join(sorted(names)))
        tap.ok(not window.enabled("undo") and not window.enabled("remove-case"),
               "with no study open there is nothing to undo or remove")

        sweeps = os.path.join(work, "sweeps")
        write_sweep(os.path.join(sweeps, "left"), 2)
        write_sweep(os.path.join(sweeps, "right"), 2)
        window.activate("import", GLib.Variant("s", Gio.File.new_for_path(sweeps).get_uri()))
        tap.ok(wait_for(lambda: window.enabled("remove-case") and window.enabled("undo")),
               "importing a folder of two sweeps over the bus opens cases that can be undone")
        app.screenshot("imported")

        window.activate("undo")
        tap.ok(wait_for(lambda: not window.enabled("remove-case") and window.enabled("redo")),
               "undo over the bus removes the imported cases")
        window.activate("redo")
        tap.ok(wait_for(lambda: window.enabled("remove-case")),
               "redo over the bus brings them back")
        app.screenshot("redone")

        app.log.flush()
        with open(os.path.join(shots, "app.log")) as f:
            log = f.read()
        tap.ok(app.proc.poll() is None and "CRITICAL" not in log and "WARNING" not in log,
               "the application runs on with no critical or warning logged", log[-2000:])
        return 0
    finally:
        app.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
