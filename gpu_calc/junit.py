"""JUnit XML of a batch run, for CI test reporters (GitLab, Jenkins, GitHub actions).

The shape is the common subset those reporters read: a ``<testsuites>`` root holding one
``<testsuite>``, with one ``<testcase>`` per scenario file. An invalid file has an
``<error>``, a file with failed expectations a ``<failure>``; the counts are in the
``tests``, ``failures``, ``errors`` and ``skipped`` attributes of both the root and the suite,
and times are in seconds.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from gpu_calc.batch import BatchReport, FileResult
from gpu_calc.expect import bounds_text

SUITE_NAME = "gpucalc batch"
#: Characters XML 1.0 cannot hold, even escaped (control characters but tab and newlines).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CLASS_NAME = "gpucalc.batch"


def _xml(text: str) -> str:
    """``text`` with the characters XML cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _counts(element: ET.Element, report: BatchReport) -> None:
    element.set("tests", str(len(report.results)))
    element.set("failures", str(report.count("failed")))
    element.set("errors", str(report.count("invalid")))
    element.set("skipped", "0")
    element.set("time", _seconds(report.time_s))


def _system_out(r: FileResult) -> str:
    lines = []
    if r.result is not None:
        lines.append(r.result["comparison"]["verdict"])
    for o in r.outcomes:
        e = o.expectation
        mark = "ok" if o.passed else "FAILED"
        where = "--expect" if e.origin == "cli" else "expect:"
        lines.append(f"{mark}: {e.path_text} = {json.dumps(o.value)} ({where} {bounds_text(e)})")
    return _xml("\n".join(lines))


def _testcase(suite: ET.Element, r: FileResult) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        {
            "name": _xml(r.file),
            "classname": CLASS_NAME,
            "file": _xml(r.file),
            "time": _seconds(r.time_s),
        },
    )
    if r.errors:
        lines = [_xml(str(e)) for e in r.errors]
        node = ET.SubElement(case, "error", {"message": lines[0], "type": "InputError"})
        node.text = "\n".join(lines)
    elif r.failures:
        lines = [_xml(line) for line in r.failure_lines()]
        node = ET.SubElement(case, "failure", {"message": lines[0], "type": "ExpectationFailed"})
        node.text = "\n".join(lines)
    text = _system_out(r)
    if text:
        ET.SubElement(case, "system-out").text = text


def render(report: BatchReport, timestamp: datetime | None = None) -> bytes:
    """The report as UTF-8 JUnit XML, with an XML declaration.

    Parameters
    ----------
    report : BatchReport
        A batch's results.
    timestamp : datetime, optional
        When the batch ran (default: now, in UTC).
    """
    when = (timestamp or datetime.now(UTC)).astimezone(UTC)
    root = ET.Element("testsuites", {"name": SUITE_NAME})
    _counts(root, report)
    suite = ET.SubElement(
        root, "testsuite", {"name": SUITE_NAME, "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S")}
    )
    _counts(suite, report)
    for r in report.results:
        _testcase(suite, r)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
