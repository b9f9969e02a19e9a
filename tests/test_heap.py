"""gpu_calc.heap: glibc's thresholds set once, and a no-op where there is no glibc."""

from __future__ import annotations

import sys

import pytest

from gpu_calc import heap


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux's")
def test_thresholds_are_set_once_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    monkeypatch.setattr(heap, "_done", False)
    assert heap.keep_freed_memory() is True
    assert heap.keep_freed_memory() is True  # the second call changes nothing


def test_other_platforms_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_done", False)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert heap.keep_freed_memory() is False
