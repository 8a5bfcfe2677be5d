"""Stage 1: walk a folder tree and list its audio files with size and mtime, surviving odd entries."""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from clap_search.audio import audio_extensions, audio_suffix
from clap_search.db import path_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    """An audio file found by the scan; `error` is set when it cannot even be stat'ed."""

    path: str
    key: str
    size: int
    mtime: float
    error: str | None = None


def _stat_problem(path: str, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if os.path.islink(path) and exc.errno == errno.ENOENT:
        return f"broken symlink (points to {os.readlink(path)!r})"
    return exc.strerror or str(exc)


def _candidate(path: str) -> Candidate:
    """Follow symlinks to the file; anything that is not a readable regular file is a failure."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return Candidate(path, path_key(path), 0, 0.0, _stat_problem(path, exc))
    if not stat.S_ISREG(st.st_mode):
        return Candidate(path, path_key(path), 0, st.st_mtime, "not a regular file")
    return Candidate(path, path_key(path), st.st_size, st.st_mtime)


OUTSIDE = "symlink to a file outside the indexed folder: not indexed (the server would not play it)"


def inside(real: str, real_root: str) -> bool:
    """True when a real path lies in the real root folder (or is it)."""
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=True)
    except OSError:  # a symlink loop: not a folder; if it has an audio name it is recorded
        return False


def _entries(folder: str, warn: Callable[[str], None]) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError as exc:
        warn(f"{path_key(folder)}: cannot list folder ({exc.strerror or exc})")
        return []


def scan(
    root: str | os.PathLike[str],
    extensions: set[str] | None = None,
    warn: Callable[[str], None] = log.warning,
) -> Iterator[Candidate]:
    """Audio files under `root` (or `root` itself), in a stable order; folder loops are cut.

    Symlinks are followed only when their target stays inside the root: the server streams only
    files inside the indexed folders, so the index holds nothing else. A file symlink out is
    recorded as failed, a folder symlink out is skipped with a warning, and a folder symlink in
    is skipped quietly (its target is scanned under its own path, once).
    """
    exts = extensions or audio_extensions()
    top = os.path.abspath(os.fspath(root))
    if not os.path.isdir(top):
        yield _candidate(top)
        return
    real_top = os.path.realpath(top)
    seen: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
        except OSError as exc:
            warn(f"{path_key(folder)}: cannot open folder ({exc.strerror or exc})")
            continue
        if (st.st_dev, st.st_ino) in seen:
            continue  # a symlink back into the tree
        seen.add((st.st_dev, st.st_ino))
        subfolders = []
        for entry in _entries(folder, warn):
            out = entry.is_symlink() and not inside(os.path.realpath(entry.path), real_top)
            if _is_dir(entry):
                if out:
                    warn(f"{path_key(entry.path)}: symlink to a folder outside the indexed folder: skipped")
                elif not entry.is_symlink():  # a link inside the root: its target is scanned as itself
                    subfolders.append(entry.path)
            elif audio_suffix(entry.name) in exts:
                if out and os.path.lexists(os.path.realpath(entry.path)):
                    yield Candidate(entry.path, path_key(entry.path), 0, 0.0, OUTSIDE)
                else:
                    yield _candidate(entry.path)
        stack.extend(reversed(subfolders))
