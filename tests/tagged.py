"""Builders of audio files with tags (RIFF chunks, BWF, iXML, INFO), good and hostile: the words tests."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from tests.conftest import SR, tone


def chunk(cid: bytes, data: bytes, size: int | None = None) -> bytes:
    n = len(data) if size is None else size
    return cid + struct.pack("<I", n) + data + (b"\0" if len(data) % 2 else b"")


def riff_wav(path: Path, extra: list[bytes], seconds: float = 2.0, freq: float = 440.0, seed: int = 0,
             after: list[bytes] | None = None) -> Path:
    """A 16-bit mono WAV with `extra` chunks before the audio (and `after` it)."""
    pcm = (tone(seconds, freq, noise=0.05, seed=seed) * 32767).astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, SR, SR * 2, 2, 16)
    body = b"WAVE" + chunk(b"fmt ", fmt) + b"".join(extra) + chunk(b"data", pcm) + b"".join(after or [])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def bext(description: bytes) -> bytes:
    return chunk(b"bext", description.ljust(256, b"\0")[:256] + b"\0" * 346)


def info(**fields: bytes) -> bytes:
    entries = b"".join(chunk(k.encode(), v) for k, v in fields.items())
    return chunk(b"LIST", b"INFO" + entries)


def ixml(xml: bytes) -> bytes:
    return chunk(b"iXML", xml)


def bits(n: int, seed: int = 0) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()
