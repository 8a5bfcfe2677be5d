"""Serving library audio by file id only (never by path), and small waveform peak lists."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
import soundfile as sf

from clap_search.audio import AudioStream, load_audio
from clap_search.catalog import file_path
from clap_search.db import disk_path
from clap_search.errors import AudioReadError, NotFoundError, OutsideLibraryError
from clap_search.library import Library

# Browsers need a real audio type to play (and seek in) a file.
MEDIA_TYPES = {
    ".wav": "audio/wav",
    ".wave": "audio/wav",
    ".flac": "audio/flac",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".aif": "audio/aiff",
    ".aiff": "audio/aiff",
    ".aifc": "audio/aiff",
    ".au": "audio/basic",
    ".snd": "audio/basic",
    ".caf": "audio/x-caf",
    ".w64": "audio/x-w64",
    ".rf64": "audio/wav",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".mp4": "audio/mp4",
    ".webm": "audio/webm",
    ".mka": "audio/x-matroska",
    ".wma": "audio/x-ms-wma",
    ".ac3": "audio/ac3",
    ".ape": "audio/x-ape",
    ".wv": "audio/x-wavpack",
}
# What Chromium and Firefox play natively; other files are served as a WAV transcode.
BROWSER_PLAYABLE = {".wav", ".wave", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac",
                    ".mp4", ".webm"}
PREVIEW_FOLDER = "previews"
PREVIEW_CACHE_FILES = 64
PREVIEW_FALLBACK_RATE = 44100  # decoders other than libsndfile (ffmpeg): mono at this rate
PEAKS = 200
PEAK_CACHE_SIZE = 2048
PEAK_FALLBACK_RATE = 4000  # decoders other than libsndfile: decode at a low rate, then take peaks


def media_type(path: str) -> str:
    return MEDIA_TYPES.get(os.path.splitext(path)[1].lower(), "application/octet-stream")


def _inside(real: str, roots: list[str]) -> bool:
    return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


class MediaFiles:
    """Turns a file id into a path that is safe to serve, and into waveform peaks (cached)."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._roots: tuple[int, list[str]] | None = None
        self._peaks: OrderedDict[tuple[int, int, float], list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def real_roots(self) -> list[str]:
        """Real paths of the indexed folders, re-read when the library changes."""
        generation = self.library.generation()
        if self._roots is None or self._roots[0] != generation:
            self._roots = (generation, [os.path.realpath(disk_path(r)) for r in self.library.roots()])
        return self._roots[1]

    def path(self, file_id: int) -> Path:
        """The file's real path; refused unless it exists and lies inside an indexed folder."""
        stored = file_path(self.library, file_id)
        real = os.path.realpath(disk_path(stored))
        if not _inside(real, self.real_roots()):
            raise OutsideLibraryError(f"file {file_id} points outside the indexed folders; it is not served")
        if not os.path.isfile(real):
            raise NotFoundError(
                f"file {file_id} is in the library but gone from disk: re-run `clap-search index`"
            )
        return Path(real)

    def playable(self, file_id: int) -> tuple[Path, str]:
        """A file the browser can play, with its media type: the file itself, or for formats
        browsers cannot play (AIFF, WavPack, CAF, WMA, ...) a 16-bit WAV transcode, cached in the
        library folder by file id, size and mtime (so an edited file is transcoded again)."""
        path = self.path(file_id)
        if path.suffix.lower() in BROWSER_PLAYABLE:
            return path, media_type(path.name)
        st = path.stat()
        folder = self.library.root / PREVIEW_FOLDER
        target = folder / f"{file_id}-{st.st_size}-{int(st.st_mtime_ns)}.wav"
        with self._lock:
            if not target.exists():
                folder.mkdir(exist_ok=True)
                for stale in folder.glob(f"{file_id}-*.wav"):
                    stale.unlink(missing_ok=True)
                _transcode(path, target)
                _trim(folder, PREVIEW_CACHE_FILES)
        return target, "audio/wav"

    def peaks(self, file_id: int, n: int = PEAKS) -> list[float]:
        """`n` peak amplitudes (0..1) across the whole file, for drawing a small waveform."""
        path = self.path(file_id)
        st = path.stat()
        key = (file_id, st.st_size, st.st_mtime)
        with self._lock:
            if key in self._peaks:
                self._peaks.move_to_end(key)
                return self._peaks[key]
        values = compute_peaks(path, n)
        with self._lock:
            self._peaks[key] = values
            while len(self._peaks) > PEAK_CACHE_SIZE:
                self._peaks.popitem(last=False)
        return values


def _transcode(path: Path, target: Path) -> None:
    """Write `path` as 16-bit PCM WAV (atomically), block by block (a long file never sits in
    memory): channels and rate kept where libsndfile reads it, else mono at 44.1 kHz through
    the engine's decoder."""
    tmp = target.with_suffix(".tmp")
    with open(path, "rb") as raw:  # a file object: libsndfile refuses paths over 1,024 bytes
        try:
            src = sf.SoundFile(raw)
        except (sf.LibsndfileError, RuntimeError):
            src = None
        if src is not None:
            with src, sf.SoundFile(os.fsencode(tmp), "w", src.samplerate, src.channels,
                                   subtype="PCM_16", format="WAV") as out:
                for block in src.blocks(blocksize=1 << 16, dtype="float32", always_2d=True):
                    out.write(block)
        else:
            with AudioStream(path, PREVIEW_FALLBACK_RATE) as stream, sf.SoundFile(  # AudioReadError
                os.fsencode(tmp), "w", PREVIEW_FALLBACK_RATE, 1, subtype="PCM_16", format="WAV"
            ) as out:
                for block in stream.blocks():
                    out.write(block)
    tmp.replace(target)


def _trim(folder: Path, keep: int) -> None:
    """Drop the least recently made previews beyond `keep` files."""
    files = sorted(folder.glob("*.wav"), key=lambda p: p.stat().st_mtime_ns)
    for old in files[: max(0, len(files) - keep)]:
        old.unlink(missing_ok=True)


def compute_peaks(path: Path, n: int = PEAKS) -> list[float]:
    """Max |sample| in each of `n` equal slices, read block by block (long files stay cheap)."""
    try:
        with open(path, "rb") as raw, sf.SoundFile(raw) as f:
            frames = f.frames
            if frames <= 0:
                raise RuntimeError("unknown length")
            out = np.zeros(n, np.float32)
            edges = np.linspace(0, frames, n + 1).astype(np.int64)
            pos = 0
            for block in f.blocks(blocksize=1 << 16, dtype="float32", always_2d=True):
                amp = np.abs(block).max(axis=1)
                slots = np.searchsorted(edges, pos + np.arange(len(amp)), side="right") - 1
                np.maximum.at(out, np.clip(slots, 0, n - 1), amp)
                pos += len(amp)
    except (sf.LibsndfileError, RuntimeError, ValueError):
        try:
            wave, _ = load_audio(path, PEAK_FALLBACK_RATE)
        except AudioReadError:
            return [0.0] * n
        slices = np.array_split(np.abs(wave), n)
        out = np.array([s.max() if len(s) else 0.0 for s in slices], np.float32)
    return [round(float(v), 3) for v in np.clip(out, 0.0, 1.0)]
