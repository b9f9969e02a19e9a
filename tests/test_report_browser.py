"""The report in a real browser: headless Chromium renders it, and the screenshot is no blank.

Chromium is installed by the set-up when absent (tests/browser.py: Debian's package, as
root); the test is skipped, with the reason, only where it cannot be installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpu_calc.charts import PALETTE
from gpu_calc.cli import app
from tests.browser import ensure_chromium, screenshot
from tests.conftest import SCENARIOS

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def chromium() -> str:
    path, reason = ensure_chromium()
    if path is None:
        pytest.skip(f"no headless Chromium: {reason}")
    return path


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def test_report_renders_in_chromium(chromium: str, runner: CliRunner, tmp_path: Path) -> None:
    import matplotlib.image
    import numpy as np

    page = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(SCENARIOS / "meta-2024.yaml"), "-o", str(page)])
    assert result.exit_code == 0, result.output
    shot = tmp_path / "shot.png"
    done = screenshot(chromium, page, shot, tmp_path / "profile", size="1200,3200")
    assert shot.exists(), f"no screenshot: {done.stderr[-2000:]}"
    pixels = (matplotlib.image.imread(str(shot))[..., :3] * 255).round().astype(np.uint8)
    assert pixels.shape[:2] == (3200, 1200)
    flat = pixels.reshape(-1, 3)
    distinct = len(np.unique(flat.view([("", np.uint8)] * 3)))
    not_white = float(np.mean(np.any(flat < 245, axis=1)))
    assert distinct > 200, f"only {distinct} colours: a blank page?"
    assert not_white > 0.03, f"only {not_white:.1%} of the page is not white"
    # the charts drew: both plans' colours cover many pixels (lines and bars, not just the
    # small swatches of the table's header)
    for name, style in PALETTE.items():
        near = np.all(np.abs(flat.astype(int) - _rgb(style.color)) <= 12, axis=1)
        assert near.sum() > 3000, f"{name}'s colour on only {near.sum()} pixels"


def test_no_chromium_and_no_apt_get_gives_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import browser

    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    assert browser.ensure_chromium() == (
        None,
        "chromium is not installed and there is no apt-get to install it",
    )
