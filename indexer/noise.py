"""Decoder chatter: what C libraries (libmpg123) write to fd 2 while decoding, kept off the terminal.

libsndfile's MP3 decoder prints notes like `Note: Illegal Audio-MPEG-Header ...` straight to file
descriptor 2, through the progress bar. While a `DecoderNoise` is active, fd 2 points at a
temporary file and Python's own stderr (Rich's progress bar, logging) at a copy of the real one;
`capture()` around one decode hands back what the C code wrote meanwhile, as that file's warning.
Decodes inside `capture()` take turns (fd 2 is one per process, so text could not be told apart
otherwise); hashing, resampling and embedding still overlap. Whatever was written outside a
capture (not a decoder's) goes back to the real stderr when the run ends.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

MAX_WARNING_CHARS = 500


@dataclass
class Heard:
    """What one capture caught: the C library's lines, joined with '; ' (empty when quiet)."""

    text: str = ""


def _writes_to_fd2(stream: Any) -> bool:
    try:
        return stream.fileno() == 2
    except (AttributeError, OSError, ValueError):  # pytest's capture, a closed stream
        return False


class DecoderNoise:
    """Context manager: fd 2 to a sink for the run; `capture()` returns one decode's share of it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = False
        self._claimed: list[tuple[int, int]] = []

    def __enter__(self) -> DecoderNoise:
        sys.stderr.flush()
        try:
            self._saved = os.dup(2)
        except OSError:  # no fd 2 at all (a daemon): nothing to keep off the terminal
            return self
        self._sink = tempfile.TemporaryFile()
        self._python_stderr: TextIO | None = None
        self._handlers: list[logging.StreamHandler[Any]] = []
        if _writes_to_fd2(sys.stderr):
            self._python_stderr = sys.stderr
            terminal = open(  # noqa: SIM115 - closed in __exit__
                self._saved,
                "w",
                buffering=1,
                encoding=sys.stderr.encoding,
                errors="backslashreplace",
                closefd=False,
            )
            sys.stderr = terminal
            for handler in logging.getLogger().handlers:
                if isinstance(handler, logging.StreamHandler) and handler.stream is self._python_stderr:
                    handler.setStream(terminal)
                    self._handlers.append(handler)
        os.dup2(self._sink.fileno(), 2)
        self._active = True
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._active:
            return
        self._active = False
        os.dup2(self._saved, 2)
        if self._python_stderr is not None:
            sys.stderr.flush()
            for handler in self._handlers:
                handler.setStream(self._python_stderr)
            sys.stderr.close()
            sys.stderr = self._python_stderr
        self._replay_unclaimed()
        self._sink.close()
        os.close(self._saved)

    @contextmanager
    def capture(self) -> Iterator[Heard]:
        """Run the block with its fd-2 output recorded; `Heard.text` is set when the block ends."""
        heard = Heard()
        if not self._active:
            yield heard
            return
        with self._lock:
            start = os.lseek(2, 0, os.SEEK_END)
            try:
                yield heard
            finally:
                end = os.lseek(2, 0, os.SEEK_END)
                self._claimed.append((start, end))
                raw = os.pread(self._sink.fileno(), end - start, start) if end > start else b""
                heard.text = _one_line(raw)

    def _replay_unclaimed(self) -> None:
        end = os.lseek(self._sink.fileno(), 0, os.SEEK_END)
        pos = 0
        for start, stop in sorted(self._claimed) + [(end, end)]:
            if start > pos:
                os.write(2, os.pread(self._sink.fileno(), start - pos, pos))
            pos = max(pos, stop)


SOURCE_LOCATION = re.compile(r"^\[[^\]\s]+:[^\]\s]*\]\s*")  # "[src/libmpg123/id3.c:parse():950] "


def _one_line(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    lines = [SOURCE_LOCATION.sub("", line.strip()) for line in text.splitlines() if line.strip()]
    text = "; ".join(lines)
    return text if len(text) <= MAX_WARNING_CHARS else text[: MAX_WARNING_CHARS - 3] + "..."
