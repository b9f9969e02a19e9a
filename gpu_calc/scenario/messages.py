"""Pydantic's validation errors rewritten for people: key path, what is wrong, how to fix it."""

from __future__ import annotations

import difflib
import re
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from gpu_calc.distributions import DIST_NAMES, LogNormal, Normal, Pert, Triangular, Uniform
from gpu_calc.errors import InputError, format_path
from gpu_calc.scenario.fields import _describe, _number_hint
from gpu_calc.scenario.model import Scenario
from gpu_calc.yamlio import YamlDocument, shown


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation (Optional, list, dict, Annotated), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _unwrap_model(arg)
        if found is not None:
            return found
    if get_origin(annotation) is None:
        return None
    return None


_DIST_CLASSES: dict[str, type[BaseModel]] = {
    "normal": Normal,
    "lognormal": LogNormal,
    "uniform": Uniform,
    "triangular": Triangular,
    "pert": Pert,
}


def _dist_keys(name: str) -> list[str]:
    """The keys of a distribution mapping, as written in a file (``mean``, not ``mean_``)."""
    cls = _DIST_CLASSES[name]
    return [info.alias or key for key, info in cls.model_fields.items()]


def _at(data: Any, path: tuple[str | int, ...]) -> Any:
    """The value at ``path`` in ``data``, or None."""
    for part in path:
        if not _has(data, part):
            return None
        data = data[part]
    return data


def _model_at(path: tuple[str | int, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Scenario
    mapping_key = False  # the next part is a key of a dict field (expect: PATH -> Bound)
    for part in path:
        if model is None:
            return None
        if isinstance(part, int) or mapping_key:
            mapping_key = False
            continue
        info = model.model_fields.get(part)
        if info is None:
            return None
        model = _unwrap_model(info.annotation)
        mapping_key = get_origin(info.annotation) is dict
    return model


def _fields_at(path: tuple[str | int, ...], data: Any = None) -> list[str]:
    """Known keys of the mapping at ``path`` (for did-you-mean suggestions)."""
    here = _at(data, path)
    if isinstance(here, dict) and here.get("dist") in DIST_NAMES:
        return _dist_keys(here["dist"])
    model = _model_at(path)
    return [] if model is None or model is Normal else list(model.model_fields)


_JUNK = {"float", "int", "str", "bool", "list", "dict", "none", "literal"} | set(DIST_NAMES)


def _is_branch(part: Any) -> bool:
    """True for the parts of a pydantic location that name a union branch, not a key."""
    return isinstance(part, str) and ("[" in part or part.lower() in _JUNK)


def _has(container: Any, part: str | int) -> bool:
    """True when ``container[part]`` exists (a key of a mapping, an index of a list)."""
    if isinstance(container, dict):
        return isinstance(part, str) and part in container
    if isinstance(container, list):
        return isinstance(part, int) and 0 <= part < len(container)
    return False


def _clean_loc(loc: tuple[Any, ...], data: Any, missing: bool) -> tuple[str | int, ...]:
    """The real key path of a pydantic error location (drops union branch names).

    >>> _clean_loc(("site", "pue", "tagged-union[Normal,Pert]", "normal", "sd"),
    ...            {"site": {"pue": {"dist": "normal", "sd": -1}}}, False)
    ('site', 'pue', 'sd')
    """
    out: list[str | int] = []
    here = data
    for i, part in enumerate(loc):
        if _has(here, part):
            out.append(part)
            here = here[part]
        elif missing and i == len(loc) - 1 and isinstance(part, str):
            out.append(part)
        elif _is_branch(part):
            continue
        elif isinstance(part, str) and isinstance(here, dict):
            # a key pydantic names that is not in the data: stop here
            out.append(part)
            break
    return tuple(out)


_SCALAR_BRANCHES = ("float", "int", "str", "bool", "none")


def _branch_fits(label: str, value: Any) -> bool:
    """Whether the union branch ``label`` is the one meant for ``value``.

    A list is meant for a ``list[...]`` branch, a mapping for a distribution or model, a
    number or text for a scalar branch; a branch pydantic labels otherwise (a validator
    wrapping a number-or-distribution) takes anything but a list.
    """
    is_list = isinstance(value, list)
    if label.startswith("list["):
        return is_list
    if is_list:
        return False
    if label.startswith(("tagged-union[", "dict[")) or label in _DIST_CLASSES:
        return isinstance(value, dict)
    if label in _SCALAR_BRANCHES:
        return not isinstance(value, dict)
    return True


def _branches(loc: tuple[Any, ...], data: Any) -> list[tuple[tuple[Any, ...], bool]]:
    """For each union branch a location passes through: (where the union is, fits)."""
    out = []
    here = data
    prefix: list[Any] = []
    for part in loc:
        if _has(here, part):
            prefix.append(part)
            here = here[part]
        elif isinstance(part, str) and (
            part.startswith(("list[", "tagged-union[", "function-")) or part in _SCALAR_BRANCHES
        ):
            out.append((tuple(prefix), _branch_fits(part, here)))
    return out


def _relevant(errors: list[Any], data: Any) -> list[Any]:
    """Drop the errors of union branches not meant for the value given.

    ``demand.units: [1, -5]`` fails both as a number and as a list; only the list's error
    says what is wrong. A branch's errors are dropped only when another branch of the same
    union fits the value (otherwise every error is kept).
    """
    places = [_branches(tuple(err["loc"]), data) for err in errors]
    fitting = {where for branches in places for where, fits in branches if fits}
    return [
        err
        for err, branches in zip(errors, places, strict=True)
        if all(fits or where not in fitting for where, fits in branches)
    ]


def _choices(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected)


def _listed(items: list[str]) -> str:
    """Items in a sentence: ``a``, ``a and b``, ``a, b and c``.

    >>> _listed(["a"]), _listed(["a", "b"]), _listed(["a", "b", "c"])
    ('a', 'a and b', 'a, b and c')
    """
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _missing(path: tuple[str | int, ...], data: Any) -> str:
    key = shown(str(path[-1])) if path else "?"
    text = f"missing required key '{key}'"
    parent_path = path[:-1]
    parent = _at(data, parent_path)
    if isinstance(parent, dict) and parent.get("dist") in DIST_NAMES:
        name = parent["dist"]
        needs = [k for k in _dist_keys(name) if k != "dist"]
        return text + f" (a {name} distribution needs {_listed(needs)})"
    if not parent_path:
        return text + " (add it at the top level)"
    where = format_path(parent_path)
    model = _model_at(parent_path)
    preset_key = next(
        (k for k in ("accelerator", "preset") if model and k in model.model_fields), None
    )
    if preset_key and isinstance(parent, dict) and preset_key not in parent:
        return text + f" (add it under {where}, or name a preset in {where}.{preset_key})"
    return text + f" (add it under {where})"


def _message(err: dict[str, Any], path: tuple[str | int, ...], data: Any) -> str:
    """One pydantic error as a message: what is wrong (how to fix it)."""
    kind = err["type"]
    msg = str(err["msg"])
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        known = _fields_at(path[:-1], data)
        hint = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        text = f"unknown key '{shown(key)}'"
        if hint:
            return text + f" (did you mean '{hint[0]}'?)"
        return text + (f" (known keys: {', '.join(known)})" if known else " (remove it)")
    if kind == "missing":
        return _missing(path, data)
    if msg.startswith("Value error, "):
        text = msg[len("Value error, ") :]
        if " is above " in text and isinstance(value, dict):
            order = "low <= mode <= high" if "mode" in value else "low <= high"
            text += f" (order them {order})"
        return text
    if msg.startswith("Assertion failed, "):
        return msg[len("Assertion failed, ") :]
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return (
            f"expected a mapping of keys, got {_describe(value)} "
            "(write its keys indented on the lines below it)"
        )
    if kind == "list_type":
        return f"expected a list, got {_describe(value)} (write [a, b] or one '- item' per line)"
    if kind == "string_type":
        return f"expected text, got {_describe(value)} (put it in quotes)"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {_describe(value)}{_number_hint(value)}"
    if kind in ("float_type", "float_parsing"):
        return f"expected a number, got {_describe(value)}{_number_hint(value)}"
    if kind == "finite_number":
        return f"must be a finite number, got {_describe(value)}"
    if kind == "literal_error":
        choices = _choices(str(ctx.get("expected", "")))
        hint = (
            difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
            if isinstance(value, str)
            else []
        )
        if hint:
            return f"unknown value '{shown(str(value))}' (did you mean '{hint[0]}'?)"
        if isinstance(value, str):
            return f"unknown value '{shown(value)}' (known: {', '.join(choices)})"
        return f"must be one of {', '.join(choices)}; got {_describe(value)}"
    symbols = {
        "greater_than_equal": (">=", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("<=", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in symbols:
        symbol, key = symbols[kind]
        limit = ctx.get(key)
        shown_limit = f"{limit:g}" if isinstance(limit, int | float) else str(limit)
        return f"must be {symbol} {shown_limit}, got {_describe(value)}"
    return msg[0].lower() + msg[1:]


#: "must be <= 100, got VALUE" where VALUE runs to the first " (" (a note) or the end: a
#: number, or how a value was described ("a number of 23 digits")
_GOT = re.compile(r"^(must be [^,]*, got )(.+?)(?= \(|$)")


def _as_written(message: str, written: str | None) -> str:
    """A range message with the number as the file wrote it: ``got 1e-400``, not ``got 0``;
    ``got 1.0000000000000002``, not ``got 1``.

    >>> _as_written("must be > 0, got 0", "1e-400")
    'must be > 0, got 1e-400 (too small to tell from 0: it reads as 0)'
    >>> _as_written("must be <= 1, got 1", "1.0000000000000002")
    'must be <= 1, got 1.0000000000000002'
    >>> _as_written("must be <= 100, got 1e+23 (the longest)", "99999999999999999999999")
    'must be <= 100, got 99999999999999999999999 (the longest)'
    """
    found = _GOT.match(message)
    if written is None or found is None or found.group(2) == written:
        return message
    text = message[: found.start(2)] + shown(written) + message[found.end(2) :]
    try:
        zero = float(written.replace("_", "")) == 0
    except ValueError:
        return text
    if zero and re.search(r"[1-9]", written.lower().split("e")[0]):
        text += " (too small to tell from 0: it reads as 0)"
    return text


def _parameters_as_written(message: str, path: tuple[str | int, ...], doc: YamlDocument) -> str:
    """A distribution's parameters in a message as the file wrote them: ``high
    (0.99999999999999999)``, not ``high (1)``, where the two would read the same."""
    for key in ("low", "mode", "high"):
        written = doc.texts.get(path + (key,))
        if written is not None:
            message = re.sub(rf"\b{key} \([^)]*\)", f"{key} ({shown(written)})", message, count=1)
    return message


def _errors_from_validation(exc: ValidationError, data: Any, doc: YamlDocument) -> list[InputError]:
    out: list[InputError] = []
    seen: set[tuple[tuple[str | int, ...], str]] = set()
    for err in _relevant(exc.errors(include_url=False), data):
        path = _clean_loc(tuple(err["loc"]), data, err["type"] == "missing")
        message = _message(dict(err), path, data)
        if path == ("horizon_years",) and err["type"] == "less_than_equal":
            message += " (the longest horizon gpucalc compares)"
        message = _as_written(message, doc.texts.get(path))
        message = _parameters_as_written(message, path, doc)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        out.append(doc.error(path, message))
    return _one_line_per_parent(_one_line_per_misspelling(out), doc)


_MISSING = re.compile(r"^missing required key '([^']*)' \((add it under [^)]*)\)$")
#: what a process node preset (``node: n5``) gives a chip
_NODE_GIVES = ("wafer_usd", "defect_density_per_cm2", "mask_set_usd")


def _one_line_per_parent(errors: list[InputError], doc: YamlDocument) -> list[InputError]:
    """Keys missing from one mapping are one problem, one line at the mapping: a chip that
    names an accelerator preset with no silicon figures lacks five keys, not five problems.
    When the chip lacks its ``node``, the line says that a node preset gives the node's
    figures."""
    groups: dict[tuple[str | int, ...], list[str]] = {}
    hints: dict[tuple[str | int, ...], str] = {}
    for e in errors:
        found = _MISSING.match(e.message)
        if found and e.path:
            groups.setdefault(e.path[:-1], []).append(found.group(1))
            hints.setdefault(e.path[:-1], found.group(2))
    merged = {parent for parent, keys in groups.items() if len(keys) > 1}
    out: list[InputError] = []
    for e in errors:
        parent = e.path[:-1] if e.path else None
        if parent not in merged or not _MISSING.match(e.message):
            out.append(e)
            continue
        keys = groups[parent]
        if not keys:  # already said
            continue
        listed = _listed([f"'{k}'" for k in keys])
        hint = hints[parent].replace("add it under", "add them under", 1)
        node = [k for k in _NODE_GIVES if k in keys]
        if "node" in keys and node:
            hint += f"; a process node, e.g. node: n5 ('gpucalc presets'), gives {_listed(node)}"
        out.append(doc.error(parent, f"missing required keys {listed} ({hint})"))
        groups[parent] = []
    return out


_DID_YOU_MEAN = re.compile(r"^unknown key '[^']*' \(did you mean '([^']*)'\?\)$")


def _one_line_per_misspelling(errors: list[InputError]) -> list[InputError]:
    """``mean_`` written for ``mean`` is one problem: the unknown key says which key it
    should be, and the missing key it leaves is not reported again."""
    meant = set()
    for e in errors:
        found = _DID_YOU_MEAN.match(e.message)
        if found:
            meant.add(e.path[:-1] + (found.group(1),))
    return [
        e for e in errors if not (e.message.startswith("missing required key ") and e.path in meant)
    ]
