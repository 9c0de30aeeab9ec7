# soak_common.py — what the soak scripts share: a process's resident memory and the reports in
# its output that fail a soak
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later

# The words of GLib's warnings and criticals and of the sanitizers' reports.
BAD_OUTPUT = ("WARNING", "CRITICAL", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
              "runtime error")


def rss_kib(pid):
    """VmRSS of process pid in KiB, or 0 once it has exited."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def output_failure(what, text):
    """A failure naming the bad reports in text (the output of what), or None."""
    bad = [w for w in BAD_OUTPUT if w in text]
    if not bad:
        return None
    return f"{what} holds " + ", ".join(bad) + ":\n" + text[-3000:]
