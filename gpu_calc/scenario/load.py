"""Loading a scenario: YAML text, ``--set`` overrides, presets, validation, cross-checks."""

from __future__ import annotations

import os
import re
from pathlib import PurePath
from typing import Any

from pydantic import ValidationError

from gpu_calc.errors import InputError, InputErrors, format_path
from gpu_calc.scenario.checks import _cross_checks, _length_checks, _warnings
from gpu_calc.scenario.fields import _describe
from gpu_calc.scenario.merge import apply_presets
from gpu_calc.scenario.messages import _errors_from_validation, _has
from gpu_calc.scenario.model import LoadedScenario, Scenario
from gpu_calc.yamlio import YamlDocument, parse_yaml, read_yaml_file

_KEY_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_key_path(text: str) -> tuple[str | int, ...]:
    """``build.chip.power_w`` -> ("build", "chip", "power_w"); ``demand.units[2]`` -> (..., 2).

    >>> parse_key_path("demand.units[2]")
    ('demand', 'units', 2)
    """
    parts: list[str | int] = []
    pos = 0
    while pos < len(text):
        if text[pos] == "." and parts:
            pos += 1
        m = _KEY_PART.match(text, pos)
        if not m:
            raise ValueError(f"{text!r} is not a key path like build.chip.power_w")
        parts.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    if not parts:
        raise ValueError("empty key path")
    return tuple(parts)


def apply_sets(data: Any, doc: YamlDocument, sets: list[str]) -> Any:
    """Apply ``--set key.path=value`` overrides; values are read as YAML (``0.5``, ``[1, 2]``,
    ``{dist: normal, mean: 1, sd: 0.1}``)."""
    for item in sets:
        where = f"--set {item}"
        if "=" not in item:
            raise InputError("expected KEY.PATH=VALUE, e.g. site.pue=1.3", where)
        key, text = item.split("=", 1)
        try:
            path = parse_key_path(key.strip())
        except ValueError as exc:
            raise InputError(str(exc), where) from None
        given = parse_yaml(text, where)
        value = given.data
        if not isinstance(data, dict):
            data = {}
        node: Any = data
        for i, part in enumerate(path[:-1]):
            nxt = path[i + 1]
            if isinstance(node, dict) and isinstance(part, str):
                there = node.get(part)
                if isinstance(nxt, int) and not isinstance(there, list):
                    here = format_path(path[: i + 1])
                    how = (
                        f"is a mapping, not a list: name a key inside it ({here}.KEY=...)"
                        if isinstance(there, dict)
                        else ("is one value" if there is not None else "is no list here")
                        + f", not a list: set it whole, e.g. --set {here}=[...]"
                    )
                    raise InputError(
                        f"cannot set {key}: no such place in the scenario ({here} {how})", where
                    )
                if not isinstance(there, dict | list):
                    node[part] = [] if isinstance(nxt, int) else {}
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
            else:
                raise InputError(
                    f"cannot set {key}: no such place in the scenario{_list_hint(node)}", where
                )
        last = path[-1]
        if isinstance(node, dict) and isinstance(last, str) or _has(node, last):
            node[last] = value
            # the written text of every number in the value (2024, true, 1e-400 inside a
            # list): messages quote it as written, as for the file; the file's are replaced
            for old in [p for p in doc.texts if p[: len(path)] == path]:
                del doc.texts[old]
            for inner, written in given.texts.items():
                doc.texts[path + inner] = written
            if not isinstance(value, str | dict | list):
                doc.texts[path] = text.strip()
        else:
            raise InputError(
                f"cannot set {key}: no such place in the scenario{_list_hint(node)}", where
            )
        doc.overrides[path] = item
    return data


def _list_hint(node: Any) -> str:
    """For a list index that is not there: how many entries the list has.

    >>> _list_hint([1, 2, 3]), _list_hint([7])
    (' (that list has 3 entries: indices 0 to 2)', ' (that list has 1 entry: index 0)')
    >>> _list_hint([]), _list_hint({})
    (' (that list is empty)', '')
    """
    if not isinstance(node, list):
        return ""
    if not node:
        return " (that list is empty)"
    if len(node) == 1:
        return " (that list has 1 entry: index 0)"
    return f" (that list has {len(node)} entries: indices 0 to {len(node) - 1})"


def _text_field(annotation: Any) -> bool:
    """Whether a field holds plain text (``str`` or ``str | None``, not a choice)."""
    return annotation is str or annotation == (str | None)


#: Characters refused in text: C0 controls (tab and, in a description, newline aside), DEL
#: and C1 controls (NEL aside, a YAML 1.2 character), wherever they were written as YAML
#: escapes ("\e]0;title\a", "\0"): they would reach the terminal through the tables.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x84\x86-\x9f]")


def _texts(data: Any, doc: YamlDocument, model: Any, path: tuple[str | int, ...]) -> list[Any]:
    """Text fields as written, in place: ``name: 2024`` is the text '2024', not an error;
    and control characters in any text field are refused (a list of InputError)."""
    from gpu_calc.scenario.messages import _unwrap_model

    errors: list[Any] = []
    if not isinstance(data, dict) or model is None:
        return errors
    for key, info in model.model_fields.items():
        if key not in data:
            continue
        value, here = data[key], path + (key,)
        if _text_field(info.annotation):
            written = doc.texts.get(here)
            if isinstance(value, bool | int | float) and written is not None:
                data[key] = value = written
            if isinstance(value, str):
                allowed = "\n" if key == "description" else ""
                bad = next((c for c in _CONTROL.findall(value) if c not in allowed), None)
                if bad is not None:
                    errors.append(
                        doc.error(
                            here,
                            f"the control character U+{ord(bad):04X} is not allowed in text "
                            "(remove the escape that writes it)",
                        )
                    )
            continue
        inner = _unwrap_model(info.annotation)
        if inner is None or hasattr(inner, "base"):  # a distribution holds no text
            continue
        if isinstance(value, list):
            for i, item in enumerate(value):
                errors += _texts(item, doc, inner, here + (i,))
        else:
            errors += _texts(value, doc, inner, here)
    return errors


def _expectations(scenario: Scenario, doc: YamlDocument) -> list[Any]:
    """The ``expect:`` block checked as ``batch`` checks it before computing: bounds in
    order, numbers (not NaN), paths well formed (``compare`` and ``validate`` too)."""
    from gpu_calc import expect

    errors = []
    for path_text, bound in scenario.expect.items():
        where = doc.error(("expect", path_text), "")
        try:
            expect.from_mapping(path_text, bound.model_dump(exclude_unset=True), "file", where)
        except InputError as exc:
            errors.append(exc)
    return errors


def validate_data(data: Any, doc: YamlDocument) -> LoadedScenario:
    """Validate parsed YAML data as a scenario; raise InputErrors listing every problem."""
    if data is None:
        raise InputErrors(
            [
                doc.error(
                    (),
                    "the file is empty; a scenario is a mapping of keys "
                    "(run 'gpucalc init' for a starter)",
                )
            ]
        )
    if not isinstance(data, dict):
        raise InputErrors(
            [
                doc.error(
                    (), f"a scenario is a mapping of keys, got {_describe(data)} at the top level"
                )
            ]
        )
    # top-level keys starting with x- hold anchors for the rest of the file (as in Compose)
    data = {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
    too_long = _length_checks(data, doc)
    if too_long:
        raise InputErrors(too_long)
    try:
        merged, provenance = apply_presets(data, doc)
    except InputError as exc:
        raise InputErrors([exc]) from None
    text_errors = _texts(merged, doc, Scenario, ())
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as exc:
        raise InputErrors(text_errors + _errors_from_validation(exc, merged, doc)) from None
    errors = text_errors + _cross_checks(scenario, doc)
    if not errors:
        errors = _expectations(scenario, doc)
    if errors:
        raise InputErrors(errors)
    if "name" not in merged and not doc.source.startswith(("<", "--")):
        # an unnamed scenario is called after its file: batch tables and reports tell them apart
        scenario = scenario.model_copy(update={"name": PurePath(doc.source).stem})
    return LoadedScenario(scenario, doc, provenance, _warnings(scenario, doc))


def load_text(
    text: str | bytes, source: str = "<string>", sets: list[str] | None = None
) -> LoadedScenario:
    """Parse and validate a scenario given as text (``sets``: ``key.path=value`` overrides)."""
    try:
        doc = parse_yaml(text, source)
        data = apply_sets(doc.data, doc, sets or [])
    except InputError as exc:
        raise InputErrors([exc]) from None
    return validate_data(data, doc)


def load_file(path: str | os.PathLike[str], sets: list[str] | None = None) -> LoadedScenario:
    """Read, parse and validate a scenario file (``-`` is standard input)."""
    path = os.fspath(path)
    try:
        doc = read_yaml_file(path)
        data = apply_sets(doc.data, doc, sets or [])
    except InputError as exc:
        raise InputErrors([exc]) from None
    return validate_data(data, doc)
