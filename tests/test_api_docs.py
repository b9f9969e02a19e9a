"""docs/api.md runs: every example in it is a doctest, run from the repository's root."""

from __future__ import annotations

import doctest

import pytest

from tests.conftest import ROOT

DOC = ROOT / "docs" / "api.md"


def test_docs_api_examples_run(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    pytest.importorskip("pandas", reason="docs/api.md shows DataFrames (pip install pandas)")
    pytest.importorskip("matplotlib", reason="docs/api.md plots a sweep (gpucalc[plot])")
    import matplotlib

    matplotlib.use("Agg")  # no window: the example only checks the axes
    monkeypatch.chdir(ROOT)  # the examples name scenarios/... relative to the root
    failures, attempted = doctest.testfile(
        str(DOC),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
        report=True,
    )
    report = capsys.readouterr().out
    assert attempted >= 25, f"only {attempted} examples found in {DOC}"
    assert failures == 0, report
