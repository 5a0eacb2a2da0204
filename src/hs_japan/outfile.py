"""Safe local file I/O: bounded reads of regular files, and all-or-nothing writes.

Reads never hang and never swallow a device: the file type is checked before the file
is opened (a FIFO, a directory, ``/dev/zero`` or a socket is refused by name), the
file is opened non-blocking and checked again, and at most ``limit`` bytes are read.

Writes go to a temporary file in the target's folder that is renamed over the target
only once everything was written and flushed, so a failed write never leaves a
half-written file behind. Every problem is one :class:`~hs_japan.errors.ConfigError`
line that names the path.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from hs_japan.errors import ConfigError


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


class ReadProblem(Exception):
    """Why a file could not be read; ``str()`` is a short reason without the path."""

    def __init__(self, message: str, size: int | None = None) -> None:
        super().__init__(message)
        self.size = size  # set when the file is too big: its size (or a lower bound)


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of ``path``; raises :class:`ReadProblem` for anything but a regular file
    of at most ``limit`` bytes (checked before opening, so nothing blocks)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ReadProblem("no such file (or a broken symlink)") from None
    except OSError as exc:
        raise ReadProblem(f"cannot read file: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ReadProblem(f"is {file_kind(st.st_mode)}, not a regular file")
    if st.st_size > limit:
        raise ReadProblem(_too_big(st.st_size, limit), st.st_size)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ReadProblem(f"cannot read file: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)  # the file may have been swapped since the stat above
        if not stat.S_ISREG(st.st_mode):
            raise ReadProblem(f"is {file_kind(st.st_mode)}, not a regular file")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise ReadProblem(_too_big(total, limit), total)
        return b"".join(chunks)
    except OSError as exc:
        raise ReadProblem(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _too_big(size: int, limit: int) -> str:
    return f"file is larger than {_mb(limit)} (at least {_mb(size)})"


def _mb(size: int) -> str:
    return f"{size / 1048576:.1f} MB" if size >= 1048576 else f"{size} bytes"


def check_writable(path: Path, what: str = "output file") -> None:
    """Fail early (before any work is done) if ``path`` cannot be written as a file."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the {what}: {exc.strerror or exc}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ConfigError(
            f"{path}: cannot write the {what}: it is {file_kind(st.st_mode)} "
            "(name a file, e.g. plan.json)"
        )
    if st is not None and not os.access(path, os.W_OK):
        raise ConfigError(f"{path}: cannot write the {what}: permission denied")
    if not folder.is_dir():
        raise ConfigError(
            f"{path}: cannot write the {what}: folder {folder} does not exist (create it first)"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(
            f"{path}: cannot write the {what}: folder {folder} is not writable (permission denied)"
        )


def write_atomic(path: Path, data: bytes | str, what: str = "output file") -> None:
    """Write ``data`` to ``path`` all-or-nothing (temp file in the same folder, then rename)."""
    check_writable(path, what)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent if str(path.parent) else Path(".")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):  # keep the permissions of a file being replaced
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        if not os.path.exists(path):
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot write the {what}: {exc.strerror or exc} (nothing was written)"
        ) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
