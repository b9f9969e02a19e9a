"""docs/api.md runs: every example in it is a doctest, run from the repository's root."""

from __future__ import annotations

import doctest
import re

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


def test_readme_python_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's notebook-style example (its ```python blocks) runs as shown."""
    pytest.importorskip("pandas", reason="the README's example shows DataFrames")
    pytest.importorskip("matplotlib", reason="the README's example plots a sweep")
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(ROOT)
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```", text, re.M | re.S)
    assert blocks, "README.md has no ```python example"
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    out: list[str] = []
    for i, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"README.md python block {i}", "README.md", 0)
        runner.run(test, out=out.append)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 5
    assert result.failed == 0, "".join(out)
