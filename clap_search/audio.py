"""Decoding any audio file to mono float32 at the model's rate (soundfile, ffmpeg as fallback)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf
import soxr

from clap_search.errors import AudioReadError

# soundfile (libsndfile) reads these without any system package.
SOUNDFILE_EXTENSIONS = {
    ".wav", ".wave", ".aif", ".aiff", ".aifc", ".flac", ".ogg", ".oga", ".opus", ".mp3",
    ".au", ".snd", ".caf", ".w64", ".rf64",
}
# ffmpeg, where installed, adds these.
FFMPEG_EXTENSIONS = {".m4a", ".aac", ".mp4", ".wma", ".webm", ".mka", ".ac3", ".ape", ".wv"}
BLOCK_SECONDS = 60
SHORT_PATH_BYTES = 1000  # libsndfile keeps a file's name in a 1024-byte buffer
MAX_BLOCK_VALUES = 1 << 24  # 64 MB of float32 samples per block read


@dataclass(frozen=True)
class AudioInfo:
    """What the file says about itself before resampling."""

    duration: float
    sample_rate: int
    channels: int
    format: str


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None


def audio_suffix(name: str) -> str:
    """The lower-case extension, also of dot-leading names: `..wav` and `.wav` are WAV files
    (os.path.splitext and pathlib say they have no extension)."""
    base = os.path.basename(name)
    dot = base.rfind(".")
    return base[dot:].lower() if dot >= 0 and base not in (".", "..") else ""


def audio_extensions() -> set[str]:
    """Every extension the indexer accounts for: files that need a missing ffmpeg are recorded
    as failed with that reason, never left out silently."""
    return SOUNDFILE_EXTENSIONS | FFMPEG_EXTENSIONS


NEEDS_FFMPEG = "needs ffmpeg: install it (e.g. apt-get install ffmpeg) and index again"
# What a header may claim: rates outside this range are lies or damage (an 8 KB WAV claiming
# 1 Hz would be upsampled to hours of audio), and a PCM file cannot hold more frames than bytes.
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 1_000, 768_000
# Work per file is capped (configurable: `index --max-hours`); longer files are recorded as failed.
DEFAULT_MAX_SECONDS = 24 * 3600.0
PCM_BYTES = {"PCM_S8": 1, "PCM_U8": 1, "PCM_16": 2, "PCM_24": 3, "PCM_32": 4, "FLOAT": 4, "DOUBLE": 8,
             "ULAW": 1, "ALAW": 1}
COMPRESSED_CONTAINERS = {"FLAC", "OGG", "MPEG", "MP3"}  # a PCM subtype there is not raw bytes


def _check_readable(path: Path) -> int:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AudioReadError(f"{path}: {exc.strerror or exc}") from exc
    if size == 0:
        raise AudioReadError(f"{path}: empty file (0 bytes)")
    return size


def _too_long(seconds: float, max_seconds: float) -> AudioReadError:
    return AudioReadError(
        f"longer than the {max_seconds / 3600:g} h limit per file ({seconds / 3600:.1f} h): "
        "raise it with `clap-search index --max-hours`"
    )


def _open_soundfile(file: BinaryIO, path: Path) -> sf.SoundFile:
    """libsndfile on the open file; by name when that fails and the name is short enough.

    Through a file object libmpg123 gives up on some MP3s it reads by name (an ID3v2 tag that
    claims a tiny length); very long paths only open as file objects.
    """
    try:
        return sf.SoundFile(file)
    except (sf.LibsndfileError, RuntimeError) as exc:
        if len(os.fsencode(path)) >= SHORT_PATH_BYTES:
            raise
        try:
            named = sf.SoundFile(path)
        except (sf.LibsndfileError, RuntimeError, OSError):
            raise exc from None
        file.close()
        return named


class AudioStream:
    """An audio file read as mono float32 blocks at `target_sr`, never whole: memory stays flat.

    The file is opened here (a file object for libsndfile, a file descriptor for ffmpeg), so any
    path the OS can open works, however long. `info` is final once the blocks are consumed.
    """

    def __init__(self, path: str | Path, target_sr: int, max_seconds: float = DEFAULT_MAX_SECONDS) -> None:
        self.path = Path(path)
        self.target_sr = target_sr
        self.max_seconds = max_seconds
        self.size = _check_readable(self.path)
        self.samples = 0  # decoded so far, at target_sr
        self._file = open(self.path, "rb")  # noqa: SIM115 - closed in close()
        self._sf: sf.SoundFile | None = None
        suffix = audio_suffix(self.path.name)
        try:
            self._sf = _open_soundfile(self._file, self.path)
        except (sf.LibsndfileError, RuntimeError, ValueError, OSError) as exc:
            reason = getattr(exc, "error_string", None) or type(exc).__name__
            if suffix in FFMPEG_EXTENSIONS and not ffmpeg_available():
                self.close()
                raise AudioReadError(f"{self.path}: {NEEDS_FFMPEG}") from None
            if not ffmpeg_available():
                self.close()
                raise AudioReadError(f"{self.path}: not a readable audio file ({reason})") from None
            self._file.seek(0)
            self.info = AudioInfo(0.0, 0, 0, suffix.lstrip(".").upper())
            return
        try:
            self.info = self._check_header(self._sf)
        except AudioReadError:
            self.close()
            raise

    def _check_header(self, f: sf.SoundFile) -> AudioInfo:
        rate, frames = f.samplerate, f.frames
        if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
            raise AudioReadError(f"{self.path}: implausible sample rate in the header ({rate} Hz)")
        width = PCM_BYTES.get(f.subtype) if f.format not in COMPRESSED_CONTAINERS else None
        if width and frames * f.channels * width > self.size:
            raise AudioReadError(
                f"{self.path}: the header claims {frames} frames, more than the file's {self.size} bytes hold"
            )
        seconds = frames / rate if frames > 0 else 0.0
        if seconds > self.max_seconds:
            raise _too_long(seconds, self.max_seconds)
        return AudioInfo(seconds, rate, f.channels, f.format)

    def __enter__(self) -> AudioStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._sf is not None:
            self._sf.close()
        self._file.close()

    def blocks(self) -> Iterator[np.ndarray]:
        """Mono float32 blocks at `target_sr` (NaN and inf read as silence), in file order."""
        source = self._soundfile_blocks() if self._sf is not None else self._ffmpeg_blocks()
        for block in source:
            self.samples += len(block)
            if self.samples > self.max_seconds * self.target_sr:
                raise _too_long(self.samples / self.target_sr, self.max_seconds)
            if not np.isfinite(block).all():
                block = np.nan_to_num(block, nan=0.0, posinf=0.0, neginf=0.0)
            yield block
        if self.samples == 0:
            raise AudioReadError(f"{self.path}: no audio samples in the file")
        if self.info.duration == 0:  # some MP3s report no frame count up front; ffmpeg never does
            self.info = replace(self.info, duration=self.samples / self.target_sr)

    def _soundfile_blocks(self) -> Iterator[np.ndarray]:
        f = self._sf
        assert f is not None
        resampler = None if f.samplerate == self.target_sr else soxr.ResampleStream(
            f.samplerate, self.target_sr, 1, dtype="float32", quality="HQ"
        )
        # a minute a block, fewer frames when there are very many channels (bounded memory)
        block = max(1, min(int(f.samplerate * BLOCK_SECONDS), MAX_BLOCK_VALUES // f.channels))
        while True:
            try:
                data = f.read(block, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as exc:
                reason = getattr(exc, "error_string", None) or str(exc)
                raise AudioReadError(f"{self.path}: cannot decode ({reason})") from None
            last = len(data) < block
            mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
            if resampler is not None:
                mono = resampler.resample_chunk(mono, last=last)
            yield np.ascontiguousarray(mono, dtype=np.float32)
            if last:
                return

    def _ffmpeg_blocks(self) -> Iterator[np.ndarray]:
        fd = self._file.fileno()
        cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", f"/dev/fd/{fd}", "-vn", "-f", "f32le",
               "-ac", "1", "-ar", str(self.target_sr), "-"]
        with tempfile.TemporaryFile() as err, subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err, pass_fds=(fd,)
        ) as proc:
            assert proc.stdout is not None
            try:
                chunk = self.target_sr * BLOCK_SECONDS * 4
                while data := proc.stdout.read(chunk):
                    usable = len(data) // 4 * 4
                    yield np.frombuffer(data[:usable], dtype=np.float32).copy()
            finally:
                if proc.poll() is None:
                    proc.kill()
            if proc.wait() != 0:
                err.seek(0)
                lines = err.read().decode(errors="replace").replace(f"/dev/fd/{fd}", "input").splitlines()
                reason = lines[-1] if lines else "ffmpeg failed"
                raise AudioReadError(f"{self.path}: cannot decode ({reason})")


def load_audio(
    path: str | Path, target_sr: int, max_seconds: float = DEFAULT_MAX_SECONDS
) -> tuple[np.ndarray, AudioInfo]:
    """Whole file as mono float32 at `target_sr`; raises AudioReadError with the reason.
    (Long files are better read block by block: `AudioStream`.)"""
    with AudioStream(path, target_sr, max_seconds) as stream:
        pieces = list(stream.blocks())
        return np.concatenate(pieces), stream.info


class SampleHash:
    """`decoded_hash` taken block by block: the same digest without holding the whole file."""

    def __init__(self) -> None:
        self._digest = hashlib.blake2b(digest_size=16)

    def update(self, block: np.ndarray) -> None:
        self._digest.update(np.round(np.clip(block, -1.0, 1.0) * 32767.0).astype("<i2").tobytes())

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def decoded_hash(wave: np.ndarray) -> str:
    """blake2b-128 of the samples as int16: the same audio in WAV, FLAC or AIFF hashes alike.

    Taken after decoding and resampling to the model's rate, so only lossless copies at the same
    source rate match; lossy or resampled copies are found as near duplicates by their vectors.
    """
    digest = SampleHash()
    digest.update(wave)
    return digest.hexdigest()


# The fingerprint: log energy in a few bands over a few time slices of the whole file. It tells
# a re-encoded or resampled copy (nearly equal) from a different sound, whatever the model.
PRINT_SLICES = 32
PRINT_BANDS = 12
PRINT_FFT = 2048
PRINT_WINDOWS_PER_SLICE = 8
PRINT_LOW_HZ, PRINT_HIGH_HZ = 60.0, 11_000.0  # lossy codecs cut the highs; stay below


def _print_starts(n_samples: int) -> np.ndarray:
    """(slices, windows) start samples of the FFT frames the fingerprint looks at."""
    padded = max(n_samples, PRINT_FFT * PRINT_SLICES)  # short files are zero-padded
    q, r = divmod(padded, PRINT_SLICES)
    lengths = [q + 1 if i < r else q for i in range(PRINT_SLICES)]  # as np.array_split cuts
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return np.stack([
        off + np.linspace(0, max(0, n - PRINT_FFT), PRINT_WINDOWS_PER_SLICE).astype(int)
        for off, n in zip(offsets, lengths)
    ])


def _print_from_frames(frames: np.ndarray, sample_rate: int) -> np.ndarray:
    """The fingerprint from its (slices, windows, PRINT_FFT) frames."""
    freqs = np.fft.rfftfreq(PRINT_FFT, 1.0 / sample_rate)
    edges = np.geomspace(PRINT_LOW_HZ, min(PRINT_HIGH_HZ, sample_rate / 2), PRINT_BANDS + 1)
    band = np.digitize(freqs, edges) - 1
    window = np.hanning(PRINT_FFT).astype(np.float32)
    out = np.zeros((PRINT_SLICES, PRINT_BANDS), np.float64)
    for i in range(PRINT_SLICES):
        power = (np.abs(np.fft.rfft(frames[i] * window, axis=1)) ** 2).mean(axis=0)
        for b in range(PRINT_BANDS):
            out[i, b] = power[band == b].sum()
    feat = np.log10(out + 1e-9)
    feat -= feat.mean()
    norm = np.linalg.norm(feat)
    return (feat.ravel() / norm if norm > 0 else feat.ravel()).astype(np.float32)


def audio_fingerprint(wave: np.ndarray, sample_rate: int) -> np.ndarray:
    """A unit vector (PRINT_SLICES * PRINT_BANDS floats) describing the file's spectral envelope."""
    padded = np.pad(wave, (0, max(0, PRINT_FFT * PRINT_SLICES - len(wave))))
    starts = _print_starts(len(wave))
    frames = np.stack([[padded[s : s + PRINT_FFT] for s in row] for row in starts])
    return _print_from_frames(frames, sample_rate)


def fingerprint_blocks(blocks: Iterable[np.ndarray], n_samples: int, sample_rate: int) -> np.ndarray:
    """`audio_fingerprint` of a file read block by block, whose length is already known."""
    starts = _print_starts(n_samples).ravel()
    frames = np.zeros((len(starts), PRINT_FFT), np.float32)
    pos = 0
    for block in blocks:
        end = pos + len(block)
        for k in np.flatnonzero((starts < end) & (starts + PRINT_FFT > pos)):
            lo, hi = max(starts[k], pos), min(starts[k] + PRINT_FFT, end)
            frames[k, lo - starts[k] : hi - starts[k]] = block[lo - pos : hi - pos]
        pos = end
    return _print_from_frames(frames.reshape(PRINT_SLICES, PRINT_WINDOWS_PER_SLICE, PRINT_FFT), sample_rate)
