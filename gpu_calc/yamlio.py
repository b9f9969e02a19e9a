"""Reading YAML safely, as YAML 1.2 reads numbers, with the place of every key.

PyYAML alone reads YAML 1.1: ``1e9`` is a string there, ``yes`` a boolean and ``1:30`` the
number 90. Scenario files are read with YAML 1.2's core schema instead. The reader is also
hardened against hostile files: size, nesting depth and alias expansion are bounded,
duplicate keys and tags that would build Python objects are rejected, and every problem is
an :class:`~gpu_calc.errors.InputError` naming the file, line and column.

>>> doc = parse_yaml("a: 1e9\\nb: [1, 10_000]\\n", "x.yaml")
>>> doc.data
{'a': 1000000000.0, 'b': [1, 10000]}
>>> doc.mark(("b", 1))
(2, 8)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from gpu_calc.errors import InputError

try:  # libyaml's parser when present: several times faster
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

#: Largest scenario file read. Real scenarios are a few kilobytes.
MAX_BYTES = 1 << 20
#: Deepest nesting of mappings and lists. Real scenarios nest four or five levels.
MAX_DEPTH = 32
#: Most nodes a document may expand to once its aliases are followed.
MAX_NODES = 100_000
#: Most alias uses (``*name``) in one document.
MAX_ALIASES = 1_000

_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "merge")}


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader whose plain scalars resolve as YAML 1.2's core schema."""

    yaml_implicit_resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}


def _add(tag: str, pattern: str, first: str) -> None:
    _Loader.add_implicit_resolver(_TAG + tag, re.compile(pattern, re.X), list(first))


_add("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_add("null", r"^(?:~|null|Null|NULL|)$", "~nN\x00")
_Loader.yaml_implicit_resolvers.setdefault("", []).append((_TAG + "null", re.compile(r"^$")))
_add(
    "int",
    r"^(?:[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+)$",
    "-+0123456789",
)
_add(
    "float",
    r"""^(?:[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
    "-+0123456789.",
)
_add("merge", r"^<<$", "<")


@dataclass
class YamlDocument:
    """Plain data read from a YAML file, with the 1-based (line, column) of every key."""

    data: Any
    source: str
    marks: dict[tuple[str | int, ...], tuple[int, int]] = field(default_factory=dict)
    #: key paths set on the command line (``--set key=value``), with the text given
    overrides: dict[tuple[str | int, ...], str] = field(default_factory=dict)
    #: the text as written of every value YAML read as a number, boolean or null (``2024``
    #: for ``name: 2024``, ``1e-400`` for a number that became 0)
    texts: dict[tuple[str | int, ...], str] = field(default_factory=dict)

    def mark(self, path: tuple[str | int, ...]) -> tuple[int, int] | None:
        """Place of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get(())

    def error(self, path: tuple[str | int, ...], message: str) -> InputError:
        """An :class:`InputError` at ``path`` in this document (or in a ``--set``)."""
        for n in range(len(path), 0, -1):
            if tuple(path[:n]) in self.overrides:
                return InputError(
                    message,
                    f"--set {shown(self.overrides[tuple(path[:n])], 200)}",
                    path=_safe_path(tuple(path)),
                )
        if tuple(path) not in self.marks:
            # a key the file does not have, made by a --set of a key inside it
            # (--set typo.x=1 makes typo): the --set, not the file, is where it comes from
            for written, item in self.overrides.items():
                if written[: len(path)] == tuple(path):
                    return InputError(
                        message, f"--set {shown(item, 200)}", path=_safe_path(tuple(path))
                    )
        where = self.mark(path)
        line, col = where if where else (None, None)
        return InputError(message, self.source, line, col, _safe_path(tuple(path)))


def shown(text: str, limit: int = 40) -> str:
    """``text`` fit for a one-line message: control characters escaped, long text cut.

    >>> shown("a\\nb"), shown("x" * 50, 10)
    ('a\\\\nb', 'xxxxxxxxx…')
    """
    from gpu_calc.errors import printable

    out = printable(text[: limit + 1])
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _short_tag(tag: str) -> str:
    """A tag as it was written: ``tag:yaml.org,2002:python/name:x`` -> ``!!python/name:x``."""
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _safe_path(path: tuple[str | int, ...]) -> tuple[str | int, ...]:
    return tuple(shown(p, 60) if isinstance(p, str) else p for p in path)


def _mark_error(source: str, mark: Any, message: str) -> InputError:
    if mark is None:
        return InputError(message, source)
    return InputError(message, source, mark.line + 1, mark.column + 1)


def _too_large(source: str) -> InputError:
    return InputError(
        f"larger than the limit of {MAX_BYTES:,} bytes "
        "(a scenario is a few kilobytes: is this the right file?)",
        source,
    )


def decode(raw: bytes, source: str) -> str:
    """UTF-8 text of ``raw`` (a leading byte-order mark is dropped), or an InputError."""
    if len(raw) > MAX_BYTES:
        raise _too_large(source)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("UTF-16 text, not UTF-8 (save the file as UTF-8)", source, 1, 1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputError(
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded "
            "(save the file as UTF-8)",
            source,
            line,
            col,
        ) from None


def _check_events(text: str, source: str) -> int:
    """Bound depth, aliases and documents before anything is built; return the number of
    alias uses."""
    depth = 0
    aliases = 0
    documents = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _mark_error(
                    source,
                    event.start_mark,
                    f"nested more than {MAX_DEPTH} levels deep (a scenario needs five)",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _mark_error(
                    source,
                    event.start_mark,
                    f"more than {MAX_ALIASES:,} aliases (*name); write the values out instead",
                )
        elif isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _mark_error(
                    source,
                    event.start_mark,
                    "more than one YAML document ('---'); put one scenario in each file",
                )
    return aliases


def _expanded_size(node: yaml.Node, memo: dict[int, int], source: str) -> int:
    """Nodes ``node`` stands for once aliases are expanded (bounded by MAX_NODES)."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = MAX_NODES + 1  # a node reached again while being sized: a cycle
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(
            _expanded_size(k, memo, source) + _expanded_size(v, memo, source) for k, v in node.value
        )
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(v, memo, source) for v in node.value)
    else:
        size = 1
    if size > MAX_NODES:
        raise _mark_error(
            source,
            node.start_mark,
            f"aliases expand to more than {MAX_NODES:,} values "
            "(a 'billion laughs' file?); write the values out instead",
        )
    memo[key] = size
    return size


_TAB = "YAML syntax error: a tab character; indent with spaces, not tabs"

#: Characters YAML 1.2 does not allow in a document (C0 controls but tab, newline and
#: carriage return; DEL; C1 controls but NEL; surrogates; U+FFFE and U+FFFF).
_BAD_CHAR = re.compile(r"[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _check_chars(text: str, source: str) -> None:
    """Reject control characters with their place (PyYAML names only an offset)."""
    found = _BAD_CHAR.search(text)
    if found is None:
        return
    before = text[: found.start()]
    line = before.count("\n") + 1
    col = found.start() - (before.rfind("\n") + 1) + 1
    raise InputError(
        f"the control character U+{ord(found.group()):04X} is not allowed "
        "(a scenario is plain text: remove it, or save the file as UTF-8 text)",
        source,
        line,
        col,
    )


def _yaml_message(exc: yaml.YAMLError) -> tuple[str, Any]:
    """A message for a YAML syntax error, with a hint, and the mark to report it at."""
    problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
    context = getattr(exc, "context", None) or ""
    mark = getattr(exc, "problem_mark", None)
    opened = getattr(exc, "context_mark", None)
    if "'\\t'" in problem:
        return _TAB, mark
    if "invalid Unicode character escape" in problem:
        # \ud83d...: a UTF-16 surrogate, which is no character (JSON writes emoji so)
        return (
            "YAML syntax error: an escape \\u or \\U names no character (a surrogate "
            "like \\ud83d?); write the character itself or \\U0001F600"
        ), mark
    if "quoted scalar" in context and opened is not None:
        return "YAML syntax error: a quoted text is not closed (add the closing quote)", opened
    if "flow sequence" in context and opened is not None:
        return (
            f"YAML syntax error: {problem} in the '[' list that starts here "
            "(separate items with ', ' and close it with ']')",
            opened,
        )
    if "flow mapping" in context and opened is not None:
        return (
            f"YAML syntax error: {problem} in the '{{' mapping that starts here "
            "(separate entries with ', ' and close it with '}')",
            opened,
        )
    if "mapping values are not allowed" in problem:
        return (
            "YAML syntax error: a ':' where no key can start (check the indentation, "
            "or quote text that contains ': ')",
            mark,
        )
    if "expected key" in problem or "expected <block end>" in problem:
        return (
            f"YAML syntax error: {problem} (check the indentation: the keys of one "
            "mapping start in the same column)",
            mark,
        )
    text = f"YAML syntax error: {problem}"
    if context:
        text += f" ({context})"
    return text, mark


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    if 0 <= line < len(lines) and 0 <= column < len(lines[line]):
        return lines[line][column]
    return ""


class _Builder:
    """Builds plain Python data from composed nodes, recording the mark of every key."""

    def __init__(self, source: str):
        self.source = source
        self.marks: dict[tuple[str | int, ...], tuple[int, int]] = {}
        self.texts: dict[tuple[str | int, ...], str] = {}

    def _err(
        self, node: yaml.Node, message: str, path: tuple[str | int, ...], at_node: bool = False
    ) -> InputError:
        """An error about ``node``, placed at its key (or list item) unless ``at_node``."""
        if path in self.marks and not at_node:
            line, col = self.marks[path]
        else:
            line, col = node.start_mark.line + 1, node.start_mark.column + 1
        return InputError(message, self.source, line, col, _safe_path(path))

    def build(self, node: yaml.Node, path: tuple[str | int, ...]) -> Any:
        if node.tag not in _ALLOWED_TAGS:
            raise self._err(
                node,
                f"the YAML tag '{shown(_short_tag(node.tag), 60)}' is not allowed (a scenario "
                "holds only plain numbers, text, lists and mappings: remove the tag)",
                path,
            )
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            out = []
            for i, item in enumerate(node.value):
                self.marks[path + (i,)] = (item.start_mark.line + 1, item.start_mark.column + 1)
                out.append(self.build(item, path + (i,)))
            return out
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, path)

    def _scalar(self, node: yaml.ScalarNode, path: tuple[str | int, ...]) -> Any:
        tag, value = node.tag, node.value
        if tag == _TAG + "null":
            self.texts[path] = value
            return None
        if tag == _TAG + "bool":
            self.texts[path] = value
            if value.lower() not in ("true", "false"):  # !!bool yes
                raise self._err(node, f"'{shown(value)}' is not true or false", path)
            return value.lower() == "true"
        if tag == _TAG + "int":
            self.texts[path] = value
            digits = value.replace("_", "")
            base, body = (
                (8, digits[2:])
                if digits.startswith("0o")
                else (16, digits[2:])
                if digits.startswith("0x")
                else (10, digits)
            )
            if not re.fullmatch(r"[-+]?[0-9a-fA-F]+", body):  # !!int 1.5, 0x_, !!int abc
                raise self._err(
                    node,
                    f"'{shown(value)}' is not a whole number (write digits, e.g. 2, 0x1F or 0o17)",
                    path,
                )
            try:
                return int(body, base)
            except ValueError:  # a digit the base lacks, or more than Python converts
                if base == 10 and body.lstrip("+-").isdigit():
                    raise self._err(
                        node,
                        f"a number of {len(body.lstrip('+-')):,} digits is too large "
                        "(the largest number is about 1.8e308)",
                        path,
                    ) from None
                raise self._err(
                    node, f"'{shown(value)}' is not a whole number in base {base}", path
                ) from None
        if tag == _TAG + "float":
            self.texts[path] = value
            lowered = value.lower()
            if lowered.endswith(".nan"):
                return math.nan
            if lowered.endswith(".inf"):
                return -math.inf if value.startswith("-") else math.inf
            try:
                number = float(value.replace("_", ""))
            except ValueError:
                raise self._err(node, f"{value[:40]!r} is not a number", path) from None
            if math.isinf(number):
                raise self._err(
                    node,
                    f"the number {value[:40]} is too large (the largest number is about 1.8e308)",
                    path,
                )
            return number
        if tag == _TAG + "merge":
            raise self._err(node, "'<<' is only allowed as a key (quote it: '<<')", path)
        return value

    def _mapping(self, node: yaml.MappingNode, path: tuple[str | int, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        merged: dict[str, Any] = {}
        merged_marks: dict[str, tuple[dict[Any, tuple[int, int]], dict[Any, str]]] = {}
        merge_line = 0
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                if merge_line:
                    raise self._err(
                        key_node,
                        f"duplicate key '<<' (first given on line {merge_line}); merge "
                        "several mappings with one: <<: [*a, *b]",
                        path,
                        at_node=True,
                    )
                merge_line = key_node.start_mark.line + 1
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for src in sources:
                    if not isinstance(src, yaml.MappingNode):
                        raise self._err(
                            src, "'<<' merges only mappings (write <<: *name)", path, True
                        )
                    before = dict(self.marks), dict(self.texts)
                    for k, v in self._mapping(src, path).items():
                        if k not in merged:
                            merged[k] = v
                            inside = path + (k,)
                            merged_marks[k] = (
                                {p: m for p, m in self.marks.items() if p[: len(inside)] == inside},
                                {p: t for p, t in self.texts.items() if p[: len(inside)] == inside},
                            )
                    # the marks of a merged mapping are where its values are written (the
                    # anchor), kept below for the keys this mapping does not give itself
                    self.marks, self.texts = before
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._err(
                    key_node, "a key must be plain text, not a list or mapping", path, True
                )
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in first_seen:
                raise self._err(
                    key_node,
                    f"duplicate key '{shown(key)}' (first given on line {first_seen[key]}); "
                    "keep only one",
                    path + (key,),
                    at_node=True,
                )
            first_seen[key] = line
            self.marks[path + (key,)] = (line, key_node.start_mark.column + 1)
            out[key] = self.build(value_node, path + (key,))
        for k, v in merged.items():
            if k not in out:
                out[k] = v
                self.marks.update(merged_marks[k][0])
                self.texts.update(merged_marks[k][1])
        return out


def parse_yaml(text: str | bytes, source: str = "<string>") -> YamlDocument:
    """Parse one YAML document safely, as YAML 1.2 reads it.

    Parameters
    ----------
    text : str or bytes
        The document. Bytes must be UTF-8.
    source : str
        Name used in error messages (a path, or ``<stdin>``).

    Raises
    ------
    InputError
        For anything that is not a bounded, plain YAML document.
    """
    if isinstance(text, bytes):
        text = decode(text, source)
    elif len(text) > MAX_BYTES:
        raise _too_large(source)
    _check_chars(text, source)
    text, restore = _hide_non_breaks(text)
    for _ in range(MAX_TAB_FIXES):
        try:
            aliases = _check_events(text, source)
            root = yaml.compose(text, Loader=_Loader)
            break
        except yaml.MarkedYAMLError as exc:
            fixed = _tab_before_comment(text, exc.problem_mark)
            if fixed is not None:
                text = fixed
                continue
            message, mark = _yaml_message(exc)
            where = exc.problem_mark
            if where is not None and _char_at(text, where.line, where.column) == "\t":
                message, mark = _TAB, where
            raise _mark_error(source, mark, restore(message)) from None
        except yaml.YAMLError as exc:
            raise InputError(restore(_yaml_message(exc)[0]), source) from None
        except RecursionError:  # pragma: no cover - depth is bounded before composing
            raise InputError(f"nested more than {MAX_DEPTH} levels deep", source) from None
    else:  # pragma: no cover - a file of more than MAX_TAB_FIXES such lines
        raise InputError("YAML syntax error: too many tabs before comments", source)
    if root is None:
        return YamlDocument(None, source, {(): (1, 1)})
    if aliases:  # a large plain document is bounded by its size; only aliases multiply
        _expanded_size(root, {}, source)
    builder = _Builder(source)
    builder.marks[()] = (root.start_mark.line + 1, root.start_mark.column + 1)
    data = _restored(builder.build(root, ()), restore)
    return YamlDocument(data, source, builder.marks, texts=builder.texts)


#: Most lines whose tab before a comment is replaced (each is one more parse).
MAX_TAB_FIXES = 1000
#: YAML 1.2 line breaks are only LF and CR; PyYAML (a YAML 1.1 reader) also breaks lines at
#: NEL, LS and PS, which shifts every line number after them and folds them out of values.
_NON_BREAKS = ("\x85", "\u2028", "\u2029")


def _hide_non_breaks(text: str) -> tuple[str, Any]:
    """``text`` with NEL, LS and PS replaced by private-use characters it does not contain,
    and the function that puts them back into a string."""
    if not any(c in text for c in _NON_BREAKS):
        return text, lambda t: t
    stand_ins: list[str] = []
    code = 0xF8FF
    while len(stand_ins) < len(_NON_BREAKS):
        if chr(code) not in text:
            stand_ins.append(chr(code))
        code -= 1
    hide = str.maketrans(dict(zip(_NON_BREAKS, stand_ins, strict=True)))
    back = str.maketrans(dict(zip(stand_ins, _NON_BREAKS, strict=True)))
    return text.translate(hide), lambda t: t.translate(back)


def _restored(data: Any, restore: Any) -> Any:
    """``data`` with every string (keys too) passed through ``restore``."""
    if isinstance(data, str):
        return restore(data)
    if isinstance(data, dict):
        return {restore(k): _restored(v, restore) for k, v in data.items()}
    if isinstance(data, list):
        return [_restored(v, restore) for v in data]
    return data


def _tab_before_comment(text: str, mark: Any) -> str | None:
    """``text`` with the tabs before a comment at ``mark`` made spaces (YAML 1.2 allows tabs
    as separation before a comment; PyYAML refuses some), or None if that is not the
    problem. Columns and line numbers stay as they were."""
    if mark is None:
        return None
    lines = text.split("\n")
    if not 0 <= mark.line < len(lines):
        return None
    line = lines[mark.line]
    col = mark.column
    if col >= len(line) or line[col] != "\t":
        return None
    start = col
    while start > 0 and line[start - 1] in " \t":
        start -= 1
    end = col
    while end < len(line) and line[end] in " \t":
        end += 1
    if end >= len(line) or line[end] != "#" or (start > 0 and line[:start].strip() == ""):
        return None
    lines[mark.line] = line[:start] + " " * (end - start) + line[end:]
    return "\n".join(lines)


def read_yaml_file(path: str) -> YamlDocument:
    """Read and parse a YAML file; ``-`` reads standard input.

    Errors (missing file, a directory, a FIFO or device, no permission, too large) are
    InputErrors naming it; only regular files are opened (:func:`gpu_calc.files.open_regular`).
    """
    import sys

    if path == "-":
        if sys.stdin is None:  # `gpucalc compare - <&-`
            raise InputError("standard input is closed; give a file name", "<stdin>")
        try:
            raw = sys.stdin.buffer.read(MAX_BYTES + 1)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", "<stdin>") from None
        return parse_yaml(decode(raw, "<stdin>"), "<stdin>")
    from gpu_calc.files import open_regular

    with open_regular(path) as fh:
        try:
            raw = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise InputError(f"cannot read the file: {exc.strerror or exc}", path) from None
    return parse_yaml(decode(raw, path), path)
