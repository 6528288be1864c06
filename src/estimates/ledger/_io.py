"""Atomic file writes: a temporary file beside the target, renamed into place."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# a leftover of a writer killed before its rename: ``.NAME.<pid>.<random>.tmp``
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")
# leftovers of older versions, without the writer's process id, count as stale after a day
_STALE_SECONDS = 86_400


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user
        return True
    return True


def _clean_leftovers(folder: Path, name: str) -> None:
    """Remove the temporary files of writers of ``name`` that were killed before their rename."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if not (entry.name.startswith(f".{name}.") and entry.name.endswith(".tmp")):
                continue
            m = _LEFTOVER.match(entry.name)
            if m and m["name"] == name:
                stale = not _alive(int(m["pid"]))
            else:
                stale = time.time() - entry.stat().st_mtime > _STALE_SECONDS
            if stale:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary path in the target's folder, then rename it into place.

    If ``write`` fails, the temporary file is removed and the target is left as it was: a
    half-written file is never seen under the target's name. A symbolic link is followed (the
    file it points to is replaced, the link kept); the temporary files of writers killed before
    their rename are removed; an error of the file system names the target, not the temporary.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write(d / "x.txt", lambda p: p.write_text("hi"))
    >>> (d / "x.txt").read_text()
    'hi'
    """
    given = Path(path)
    target = Path(os.path.realpath(given)) if given.is_symlink() else given
    folder = target.parent if str(target.parent) else Path(".")
    _clean_leftovers(folder, target.name)
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=folder
        )
    except OSError as exc:
        raise type(exc)(exc.errno, f"cannot write {given}: {exc.strerror}", str(given)) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        # mkstemp makes the file private (0600); give it the mode a plain open() would have,
        # or keep the mode of the file it replaces
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(exc, OSError) and exc.filename == str(tmp):
            raise type(exc)(exc.errno, f"cannot write {given}: {exc.strerror}", str(given)) from exc
        raise
