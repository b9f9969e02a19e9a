"""Files gpucalc reads and writes: only regular files in, nothing of the user's lost out.

Every reader opens a scenario through :func:`open_regular`: a FIFO, a device, a socket or a
directory is refused with a message before anything blocks on it. Every writer goes
through :func:`write_file` (``-o``, ``--junit``, ``--report-dir``) or :func:`append_file`
(``--summary``), which guarantee:

- nothing is written onto or into a file that is an input of the run (:class:`Inputs`
  compares real paths and device/inode pairs, so a symlink or a hard link to a scenario is
  caught too);
- a regular file is replaced whole: the text goes to a new temporary file beside it (a name
  no other file has, created exclusively), which then replaces it in one rename; a reader
  sees the old file or the new one, never a part, and two runs writing the same file at
  once each replace it whole. An existing file keeps its permission bits (and, for root,
  its owner);
- a character device (``/dev/null``, ``/dev/stdout``) or a FIFO is written in place, as
  every Unix tool does; a FIFO with no reader is refused instead of waiting forever; a
  block device (a disk), a socket or a directory is refused;
- ``-o`` onto a symlink writes the file it points to and says so; inside ``--report-dir``
  a symlink is never followed (see :func:`write_file`'s ``follow``).

Problems are :class:`OutputError` (one line, the caller adds the option's name).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from gpu_calc.errors import InputError


class OutputError(Exception):
    """A file that cannot or must not be written; ``str()`` is the reason."""


def _kind(mode: int) -> str:
    """What a file is, in words: ``a FIFO (named pipe)``, ``a directory``, ..."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "a symlink loop"
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)


# --------------------------------------------------------------------------- reading


def open_regular(path: str) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file (symlinks followed).

    Raises
    ------
    InputError
        Naming what the path is instead (a FIFO, a device, a socket, a directory), or why
        it cannot be opened. Nothing is opened that could block: the type is checked
        before opening, and again on the opened descriptor (the path may change between).
    """
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(path, st.st_mode)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except PermissionError:
        raise InputError("permission denied: cannot read the file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {_reason(exc)}", path) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _not_regular(path, mode)
    return os.fdopen(fd, "rb")


def _not_regular(path: str, mode: int) -> InputError:
    if stat.S_ISDIR(mode):
        return InputError("is a directory, not a scenario file", path)
    return InputError(
        f"is {_kind(mode)}, not a regular file; a scenario is read only from a file "
        "(or '-' for standard input)",
        path,
    )


# --------------------------------------------------------------------------- inputs


def _identity(path: str) -> tuple[str, tuple[int, int] | None]:
    """The real path of ``path`` and its (device, inode), if it exists."""
    real = os.path.realpath(path)
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return real, None
    return real, (st.st_dev, st.st_ino)


@dataclass
class Inputs:
    """The files a run reads: outputs must never be one of them, nor inside a folder of them."""

    paths: list[str] = field(default_factory=list)
    _reals: dict[str, str] = field(default_factory=dict)
    _inodes: dict[tuple[int, int], str] = field(default_factory=dict)

    @classmethod
    def of(cls, paths: Iterable[str]) -> Inputs:
        out = cls()
        for path in paths:
            out.add(path)
        return out

    def add(self, path: str) -> None:
        if path == "-":
            # `gpucalc compare - -o my.yaml < my.yaml`: standard input redirected from a
            # file is that file, and writing onto it would lose it
            with contextlib.suppress(OSError):
                st = os.fstat(0)
                if stat.S_ISREG(st.st_mode):
                    self._inodes.setdefault((st.st_dev, st.st_ino), "standard input")
            return
        real, inode = _identity(path)
        self.paths.append(path)
        self._reals.setdefault(real, path)
        if inode is not None:
            self._inodes.setdefault(inode, path)

    def merge(self, other: Inputs) -> None:
        for path in other.paths:
            if path not in self.paths:
                self.add(path)

    def which(self, path: str) -> str | None:
        """The input that ``path`` is (through any symlink or hard link), or None."""
        real, inode = _identity(path)
        if real in self._reals:
            return self._reals[real]
        return self._inodes.get(inode) if inode is not None else None


# --------------------------------------------------------------------------- writing


@dataclass
class Target:
    """Where an output goes, once checked: the path written and how."""

    #: the path given
    given: str
    #: the path written (the symlink's target when ``given`` is a followed symlink)
    path: str
    #: "replace" (a regular file, new or existing), "in place" (a device or FIFO),
    #: "descriptor" (an open descriptor of this process)
    how: str
    #: the existing file's status, if any
    existing: os.stat_result | None = None
    #: a note for the person (``-o link`` wrote the symlink's target)
    note: str | None = None
    #: the descriptor written when ``how`` is "descriptor" (``/dev/stdout``, ``/dev/fd/N``)
    fd: int | None = None


def is_yaml(path: str) -> bool:
    """Whether ``path`` names a YAML file, a scenario's kind (``.yaml``, ``.yml``, any case).

    >>> is_yaml("a.YML"), is_yaml("a.json")
    (True, False)
    """
    return path.lower().endswith((".yaml", ".yml"))


def check_target(
    output: str,
    inputs: Inputs | None = None,
    *,
    follow: bool = True,
) -> Target:
    """Where and how ``output`` would be written; :class:`OutputError` when it must not be.

    Parameters
    ----------
    output : str
        The path given.
    inputs : Inputs, optional
        Files the run reads: writing onto one is refused.
    follow : bool
        Follow a symlink at ``output`` (``-o``: the file it points to is written, and a
        note says so). When False (inside ``--report-dir``), a symlink is treated as a
        file of its own: replacing it replaces the link, never what it points to.
    """
    if not output:
        raise OutputError("cannot write: the file name is empty (an unset variable?)")
    fd = _descriptor(output)
    if fd is not None:  # /dev/stdout: the stream itself, whatever it is (as `tee` writes)
        return Target(output, output, "descriptor", fd=fd)
    path = output
    note = None
    try:
        lst = os.lstat(path)
    except FileNotFoundError:
        lst = None
    except OSError as exc:
        raise OutputError(f"cannot write: {_reason(exc)}") from None
    is_link = lst is not None and stat.S_ISLNK(lst.st_mode)
    try:
        st = os.stat(path) if follow else lst
    except FileNotFoundError:
        st = None  # nothing there, or a dangling link: its target is created, as '>' does
    except OSError as exc:
        raise OutputError(f"is a symlink that cannot be followed: {_reason(exc)}") from None
    if is_link and follow and (st is None or stat.S_ISREG(st.st_mode)):
        # a regular file is replaced through a new file beside it: beside the link's target
        real = os.path.realpath(path)
        note = f"{output} is a symlink: wrote {real}"
        path = real
    if inputs is not None:
        which = inputs.which(path)
        if which is not None:
            same = "" if which == output else f" ({which})"
            raise OutputError(f"refusing to overwrite an input{same}; choose another file")
    if st is not None and stat.S_ISREG(st.st_mode) and is_yaml(path):
        # no output of gpucalc is YAML (init never replaces a file): this is a scenario
        raise OutputError(
            "is a YAML file, a scenario perhaps: gpucalc never writes over one; choose another name"
        )
    if st is None or stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
        parent = os.path.dirname(path) or "."
        if not os.path.isdir(parent):
            raise OutputError(f"cannot write: the folder {parent} does not exist")
        return Target(output, path, "replace", st, note)
    if stat.S_ISDIR(st.st_mode):
        raise OutputError("is a directory; give a file name")
    if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        return Target(output, path, "in place", st, note)
    raise OutputError(f"is {_kind(st.st_mode)}; refusing to write to it")


_DESCRIPTOR = re.compile(r"^/(?:dev/fd/|proc/self/fd/)(\d+)$")


def _descriptor(output: str) -> int | None:
    """The file descriptor ``output`` names (``/dev/stdout`` is 1, ``/dev/fd/3`` is 3)."""
    named = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
    path = os.path.normpath(output)
    if path in named:
        return named[path]
    found = _DESCRIPTOR.match(path)
    return int(found.group(1)) if found else None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _open_in_place(target: Target, append: bool = False) -> int:
    """A descriptor on a device or FIFO, opened without creating or truncating anything."""
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | (os.O_APPEND if append else 0)
    assert target.existing is not None
    if stat.S_ISFIFO(target.existing.st_mode):
        # Opening a FIFO for writing waits for a reader: refuse now instead of hanging.
        try:
            fd = os.open(target.path, flags | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno == errno.ENXIO:
                raise OutputError(
                    "is a FIFO (named pipe) that no process is reading; start the reader first"
                ) from None
            raise
        os.set_blocking(fd, True)
        return fd
    return os.open(target.path, flags)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        done = os.write(fd, view)
        view = view[done:]


def write_file(
    output: str,
    data: bytes | str,
    inputs: Inputs | None = None,
    *,
    follow: bool = True,
) -> Target:
    """Write ``data`` to ``output`` whole (see the module docstring); return the target.

    The checks of :func:`check_target` are made here again, just before writing: the file
    system may have changed while the work was done.

    Raises
    ------
    OutputError
        When ``output`` must not or cannot be written; nothing of the user's is changed.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    target = check_target(output, inputs, follow=follow)
    try:
        if target.how == "descriptor":
            _write_descriptor(target, data)
            return target
        if target.how == "in place":
            fd = _open_in_place(target)
            try:
                _write_all(fd, data)
            finally:
                os.close(fd)
            return target
        _replace(target, data)
    except OSError as exc:
        raise OutputError(f"cannot write: {_reason(exc)}") from None
    return target


def _write_descriptor(target: Target, data: bytes) -> None:
    import sys

    assert target.fd is not None
    for stream in (sys.stdout, sys.stderr):  # what Python holds for it goes first
        with contextlib.suppress(Exception):
            if stream is not None and stream.fileno() == target.fd:
                stream.flush()
    _write_all(target.fd, data)


def _replace(target: Target, data: bytes) -> None:
    parent = os.path.dirname(target.path) or "."
    base = os.path.basename(target.path)
    # Unique and created exclusively (O_EXCL): never another file's name, never another
    # run's temporary file. Short enough for any file-name limit.
    fd, tmp = tempfile.mkstemp(prefix=f".{base[:64]}.", suffix=".gpucalc-tmp", dir=parent)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)  # a full disk shows here at the latest, before the rename
        finally:
            os.close(fd)
        old = target.existing
        if old is not None and stat.S_ISREG(old.st_mode):
            os.chmod(tmp, stat.S_IMODE(old.st_mode))
            if hasattr(os, "chown") and (old.st_uid, old.st_gid) != _owner(tmp):
                with contextlib.suppress(OSError):  # only root may give a file away
                    os.chown(tmp, old.st_uid, old.st_gid)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target.path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _owner(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_uid, st.st_gid


def _ends_without_newline(path: str) -> bool:
    """Whether ``path`` is a regular file whose last byte is not a newline (a FIFO or a
    device is never opened here: opening a FIFO to read would wait for a writer)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
        with os.fdopen(os.open(path, flags), "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # changed since the stat
                return False
            fh.seek(0, os.SEEK_END)
            if fh.tell() == 0:
                return False
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) != b"\n"
    except OSError:
        return False


def append_file(output: str, data: bytes | str, inputs: Inputs | None = None) -> Target:
    """Append ``data`` to ``output`` (created if missing): how ``$GITHUB_STEP_SUMMARY`` is
    written. The same checks as :func:`write_file`; :class:`OutputError` on a problem."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    target = check_target(output, inputs)
    if target.how != "descriptor" and _ends_without_newline(target.path):
        data = b"\n" + data  # after a last line with no newline: start on a line of its own
    try:
        if target.how == "descriptor":
            _write_descriptor(target, data)
            return target
        if target.how == "in place":
            fd = _open_in_place(target, append=True)
        else:
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(target.path, flags, 0o666)
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # changed since the check
                os.close(fd)
                raise OutputError("is not a regular file any more; refusing to write to it")
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write: {_reason(exc)}") from None
    return target
