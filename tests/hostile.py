"""A hostile folder tree for the indexer: every kind of bad input we have met, next to good files.

`build_hostile_tree(root)` makes a small, fast tree for the normal suite; `build_hostile_tree(root,
copies=N, long_seconds=7200)` is the full-size one (slow tests). It returns the audio-extension
names the indexer must account for (one row each: indexed or failed with a reason).
"""

from __future__ import annotations

import os
import socket
import struct
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 22050
FORMATS = {".wav": {}, ".flac": {}, ".ogg": {"format": "OGG", "subtype": "VORBIS"}, ".mp3": {}}


def _tone(seconds: float, seed: int, sr: int = SR) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * (200 + 50 * seed) * t) + 0.02 * rng.standard_normal(len(t))).astype(
        np.float32
    )


def _write(path: Path, wave: np.ndarray, sr: int = SR, **kw: object) -> bytes:
    sf.write(os.fsencode(path), wave, sr, **kw)
    return path.read_bytes()


def lying_wav(sample_rate: int, n_bytes: int) -> bytes:
    """A 16-bit mono WAV whose header claims `sample_rate` over `n_bytes` of noise."""
    data = np.random.default_rng(0).integers(-3000, 3000, n_bytes // 2, dtype=np.int16).tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, sample_rate, sample_rate * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def build_hostile_tree(root: Path, copies: int = 1, long_seconds: float = 90.0) -> list[Path]:
    """Write the tree under `root`; returns every path with an audio extension (links included)."""
    root.mkdir(parents=True, exist_ok=True)
    audio: list[Path] = []

    def put(name: str | bytes, data: bytes, folder: Path = root) -> None:
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))
        path.write_bytes(data)
        audio.append(path)

    for c in range(copies):
        folder = root / f"set{c}"
        folder.mkdir(exist_ok=True)
        for i, (ext, kw) in enumerate(FORMATS.items()):
            good = _write(folder / f"good{ext}", _tone(3.0, seed=i + c), **kw)
            audio.append(folder / f"good{ext}")
            put(f"zero{ext}", b"", folder)
            put(f"truncated{ext}", good[: max(len(good) // 3, 48)], folder)
            flipped = bytearray(good)
            for k in range(64, len(flipped), 97):  # past the first header bytes
                flipped[k] ^= 0xFF
            put(f"bitflip{ext}", bytes(flipped), folder)
        put("lying_1hz.wav", lying_wav(1, 8000), folder)  # claims 4,000 s
        put("lying_2ghz.wav", lying_wav(2_000_000_000, 8000), folder)
        nan = np.full(SR, np.nan, np.float32)
        nan[::3] = 0.1
        _write(folder / "nan.wav", nan, subtype="FLOAT")
        audio.append(folder / "nan.wav")
        put("random.m4a", os.urandom(4096), folder)
        put("random.aac", os.urandom(4096), folder)
        put("random.wma", os.urandom(4096), folder)
        put("text.mp3", b"ID3 this is not audio\n" * 50, folder)
    # names: non-UTF-8 next to its escaped look-alike, 250 bytes, dot-leading
    good_wav = _write(root / "plain.wav", _tone(2.0, seed=7))
    audio.append(root / "plain.wav")
    put(b"clash_\xe9.wav", good_wav)
    put("clash_\\xe9.wav", _write(root / "tmp.wav", _tone(2.0, seed=8)))
    os.unlink(root / "tmp.wav")
    put("n" * 246 + ".wav", good_wav)
    put("..wav", good_wav)
    put(".wav", good_wav)
    # things that are not regular files, with audio names
    os.mkfifo(root / "fifo.wav")
    audio.append(root / "fifo.wav")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(os.fspath(root / "socket.wav"))
        audio.append(root / "socket.wav")
    except OSError:  # a path too long for a socket address: leave it out
        pass
    finally:
        sock.close()
    os.symlink(root / "loop_b.wav", root / "loop_a.wav")
    os.symlink(root / "loop_a.wav", root / "loop_b.wav")
    audio += [root / "loop_a.wav", root / "loop_b.wav"]
    os.symlink(root / "missing.wav", root / "broken.wav")
    audio.append(root / "broken.wav")
    (root / "deep").mkdir()
    os.symlink(root, root / "deep" / "up")  # a folder loop
    # a long file
    long = root / "long"
    long.mkdir()
    with sf.SoundFile(os.fsencode(long / "field.wav"), "w", 8000, 1, subtype="PCM_16") as f:
        for start in range(0, int(long_seconds), 600):
            f.write(_tone(min(600.0, long_seconds - start), seed=start // 600, sr=8000))
    audio.append(long / "field.wav")
    return audio
