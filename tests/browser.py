"""Headless Chromium for the browser tests: find it, or install Debian's package.

CI runs on a fresh machine as root, where ``apt-get install -y chromium`` brings it; the
test set-up calls :func:`ensure_chromium`, so nothing else has to. Run this file to
install it by hand: ``python -m tests.browser``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: Flags for a headless Chromium on a machine with no screen and a closed network.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
NAMES = ("chromium", "chromium-browser", "google-chrome")
APT_TIMEOUT_S = 900


def find_chromium() -> str | None:
    """The path of a Chromium on PATH, or None."""
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def ensure_chromium() -> tuple[str | None, str]:
    """A Chromium to run, installing Debian's ``chromium`` when absent and possible.

    Returns
    -------
    (path or None, reason)
        The executable, or None with the reason it could not be had.
    """
    found = find_chromium()
    if found:
        return found, ""
    apt = shutil.which("apt-get")
    if apt is None:
        return None, "chromium is not installed and there is no apt-get to install it"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None, "chromium is not installed and installing it needs root (apt-get)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    for command in (
        [apt, *lock, "update"],
        [apt, *lock, "install", "-y", "--no-install-recommends", "chromium"],
    ):
        try:
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=APT_TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            return None, f"'{' '.join(command)}' took more than {APT_TIMEOUT_S} s"
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
            return None, f"'{' '.join(command)}' failed: {tail[0]}"
    found = find_chromium()
    return (found, "") if found else (None, "apt-get installed chromium but it is not on PATH")


def screenshot(
    chromium: str, page: Path, out: Path, profile: Path, size: str = "1200,2000"
) -> subprocess.CompletedProcess[str]:
    """Render ``page`` headless and save a PNG screenshot of the window to ``out``."""
    return subprocess.run(
        [
            chromium,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={out}",
            f"--window-size={size}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


if __name__ == "__main__":
    path, why = ensure_chromium()
    print(path or f"no chromium: {why}")
    sys.exit(0 if path else 1)
