# atspi_helpers.py — drive Carpalscope through AT-SPI from a test, with TAP output and
# screenshots. Copyright 2026 The Carpalscope developers. SPDX-License-Identifier: GPL-3.0-or-later
#
# Run with Debian's /usr/bin/python3: it is the interpreter that sees python3-pyatspi.

import os
import signal
import subprocess
import sys
import time

import pyatspi


class Tap:
    """Numbered TAP lines on file descriptor 3 when the runner opened it (the session bus's
    services share stdout and print on it), else on stdout."""

    def __init__(self, planned):
        self.n = 0
        try:
            self.out = os.fdopen(3, "w", buffering=1)
        except OSError:
            self.out = sys.stdout
        self.print(f"1..{planned}")

    def print(self, line):
        self.out.write(line + "\n")
        self.out.flush()

    def comment(self, text):
        for line in str(text).splitlines():
            self.print(f"# {line}")

    def ok(self, cond, what, detail=""):
        self.n += 1
        if cond:
            self.print(f"ok {self.n} - {what}")
        else:
            self.print(f"not ok {self.n} - {what}")
            if detail:
                self.comment(detail)
        return cond


class App:
    """The application under test, started in the background with accessibility on."""

    def __init__(self, program, shots_dir, args=(), env=None):
        self.shots_dir = shots_dir
        os.makedirs(shots_dir, exist_ok=True)
        self.shot_index = 0
        full_env = dict(os.environ)
        for key in ("NO_AT_BRIDGE", "GTK_A11Y"):
            full_env.pop(key, None)
        if full_env.get("CARPALSCOPE_APP_G_DEBUG"):
            full_env["G_DEBUG"] = full_env["CARPALSCOPE_APP_G_DEBUG"]
        full_env.update({
            "GDK_BACKEND": "x11",
            "GSK_RENDERER": "cairo",
            "GTK_A11Y": "atspi",
            "GDK_DEBUG": "gl-disable",
        })
        if env:
            full_env.update(env)
        self.log = open(os.path.join(shots_dir, "app.log"), "w")
        self.proc = subprocess.Popen([program, *args], env=full_env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.name = os.path.basename(program)

    def find(self, timeout=30.0):
        """The application's accessible, once it appears on the desktop."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return None
            desktop = pyatspi.Registry.getDesktop(0)
            for i in range(desktop.childCount):
                child = desktop.getChildAtIndex(i)
                try:
                    if child is not None and child.name == self.name:
                        return child
                except Exception:
                    pass
            time.sleep(0.5)
        return None

    def screenshot(self, label):
        self.shot_index += 1
        path = os.path.join(self.shots_dir, f"{self.shot_index:02d}-{label}.png")
        subprocess.run(["import", "-window", "root", path], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return path

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def walk(node, depth=0, max_depth=60):
    """Every accessible below node, depth first."""
    if node is None or depth > max_depth:
        return
    yield node
    try:
        count = node.childCount
    except Exception:
        return
    for i in range(count):
        try:
            child = node.getChildAtIndex(i)
        except Exception:
            continue
        yield from walk(child, depth + 1, max_depth)


def find_node(root, role=None, name=None, timeout=10.0, showing=False):
    """The first accessible below root with the role (a pyatspi ROLE_*) and name."""
    deadline = time.time() + timeout
    while True:
        for node in walk(root):
            try:
                if role is not None and node.getRole() != role:
                    continue
                if name is not None and node.name != name:
                    continue
                if showing and not node.getState().contains(pyatspi.STATE_SHOWING):
                    continue
                return node
            except Exception:
                continue
        if time.time() > deadline:
            return None
        time.sleep(0.3)


def actions(node):
    """The names of a node's accessible actions."""
    try:
        action = node.queryAction()
        return [action.getName(i) for i in range(action.nActions)]
    except Exception:
        return []


def name_matches(accessible_name, wanted):
    """Whether an accessible name is wanted. GTK 4.8 names a labelled button by its label
    property (mnemonic underscore included) followed by its label child's text, so "_Open"
    comes out as "_Open Open"; accept that form too."""
    name = (accessible_name or "").replace("_", "")
    return name == wanted or name == f"{wanted} {wanted}"


def find_clickable(root, name, timeout=10.0, showing=False):
    """The first accessible called name that has a click action (GTK 4.8 exposes a menu button
    as an outer node without actions around an inner button that has one)."""
    deadline = time.time() + timeout
    while True:
        for node in walk(root):
            try:
                if not name_matches(node.name, name) or "click" not in actions(node):
                    continue
                if showing and not node.getState().contains(pyatspi.STATE_SHOWING):
                    continue
                return node
            except Exception:
                continue
        if time.time() > deadline:
            return None
        time.sleep(0.3)


def click(node):
    """Activates a widget through its click action."""
    action = node.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ("click", "press", "activate", "toggle"):
            return action.doAction(i)
    return action.doAction(0)


def click_quit(node):
    """Activates an action that ends the application: it may exit before it answers the call,
    so a missing reply is expected, not an error."""
    try:
        click(node)
    except Exception:
        pass


def dump(root, tap):
    """The accessible tree as TAP comments, for diagnosing a failed lookup."""
    for node in walk(root):
        try:
            tap.comment(f"{node.getRoleName()} '{node.name}' {actions(node)}")
        except Exception:
            pass


def find_text(root, needle):
    """The first accessible whose name or text contains needle."""
    for node in walk(root):
        try:
            if needle in (node.name or ""):
                return node
            if node.getRole() == pyatspi.ROLE_LABEL and needle in node.queryText().getText(0, -1):
                return node
        except Exception:
            continue
    return None
