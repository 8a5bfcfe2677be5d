"""Decoding any audio file to mono float32 at the model's rate (soundfile, ffmpeg as fallback)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class AudioInfo:
    """What the file says about itself before resampling."""

    duration: float
    sample_rate: int
    channels: int
    format: str


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None


def audio_extensions() -> set[str]:
    return SOUNDFILE_EXTENSIONS | (FFMPEG_EXTENSIONS if ffmpeg_available() else set())


def _check_readable(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AudioReadError(f"{path}: {exc.strerror or exc}") from exc
    if size == 0:
        raise AudioReadError(f"{path}: empty file (0 bytes)")


def _load_soundfile(path: Path, target_sr: int) -> tuple[np.ndarray, AudioInfo]:
    # bytes: soundfile encodes str paths strictly, so non-UTF-8 names would not open.
    with sf.SoundFile(os.fsencode(path)) as f:
        info = AudioInfo(f.frames / f.samplerate if f.samplerate else 0.0, f.samplerate, f.channels, f.format)
        resampler = None if f.samplerate == target_sr else soxr.ResampleStream(
            f.samplerate, target_sr, 1, dtype="float32", quality="HQ"
        )
        pieces = []
        block = max(1, int(f.samplerate * BLOCK_SECONDS))
        while True:
            data = f.read(block, dtype="float32", always_2d=True)
            last = len(data) < block
            mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
            if resampler is not None:
                mono = resampler.resample_chunk(mono, last=last)
            pieces.append(np.ascontiguousarray(mono, dtype=np.float32))
            if last:
                break
    wave = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
    if info.duration == 0:  # some MP3s report no frame count up front
        info = AudioInfo(len(wave) / target_sr, info.sample_rate, info.channels, info.format)
    return wave, info


def _load_ffmpeg(path: Path, target_sr: int) -> tuple[np.ndarray, AudioInfo]:
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-vn", "-f", "f32le",
           "-ac", "1", "-ar", str(target_sr), "-"]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0 or not proc.stdout:
        reason = proc.stderr.decode(errors="replace").strip().splitlines()
        raise AudioReadError(f"{path}: cannot decode ({reason[-1] if reason else 'ffmpeg failed'})")
    wave = np.frombuffer(proc.stdout, dtype=np.float32).copy()
    return wave, AudioInfo(len(wave) / target_sr, 0, 0, path.suffix.lstrip(".").upper())


def load_audio(path: str | Path, target_sr: int) -> tuple[np.ndarray, AudioInfo]:
    """Whole file as mono float32 at `target_sr`; raises AudioReadError with the reason."""
    path = Path(path)
    _check_readable(path)
    try:
        wave, info = _load_soundfile(path, target_sr)
    except (sf.LibsndfileError, RuntimeError, ValueError, OSError) as exc:
        if not ffmpeg_available():
            raise AudioReadError(f"{path}: not a readable audio file ({exc})") from exc
        wave, info = _load_ffmpeg(path, target_sr)
    if wave.size == 0:
        raise AudioReadError(f"{path}: no audio samples in the file")
    if not np.isfinite(wave).all():
        wave = np.nan_to_num(wave, nan=0.0, posinf=0.0, neginf=0.0)
    return wave, info


def decoded_hash(wave: np.ndarray) -> str:
    """blake2b-128 of the samples as int16: the same audio in WAV, FLAC or AIFF hashes alike.

    Taken after decoding and resampling to the model's rate, so only lossless copies at the same
    source rate match; lossy or resampled copies are found as near duplicates by their vectors.
    """
    pcm = np.round(np.clip(wave, -1.0, 1.0) * 32767.0).astype("<i2")
    return hashlib.blake2b(pcm.tobytes(), digest_size=16).hexdigest()


# The fingerprint: log energy in a few bands over a few time slices of the whole file. It tells
# a re-encoded or resampled copy (nearly equal) from a different sound, whatever the model.
PRINT_SLICES = 32
PRINT_BANDS = 12
PRINT_FFT = 2048
PRINT_WINDOWS_PER_SLICE = 8
PRINT_LOW_HZ, PRINT_HIGH_HZ = 60.0, 11_000.0  # lossy codecs cut the highs; stay below


def audio_fingerprint(wave: np.ndarray, sample_rate: int) -> np.ndarray:
    """A unit vector (PRINT_SLICES * PRINT_BANDS floats) describing the file's spectral envelope."""
    freqs = np.fft.rfftfreq(PRINT_FFT, 1.0 / sample_rate)
    edges = np.geomspace(PRINT_LOW_HZ, min(PRINT_HIGH_HZ, sample_rate / 2), PRINT_BANDS + 1)
    band = np.digitize(freqs, edges) - 1
    window = np.hanning(PRINT_FFT).astype(np.float32)
    padded = np.pad(wave, (0, max(0, PRINT_FFT * PRINT_SLICES - len(wave))))
    out = np.zeros((PRINT_SLICES, PRINT_BANDS), np.float64)
    for i, piece in enumerate(np.array_split(padded, PRINT_SLICES)):
        starts = np.linspace(0, max(0, len(piece) - PRINT_FFT), PRINT_WINDOWS_PER_SLICE).astype(int)
        frames = np.stack([piece[s : s + PRINT_FFT] for s in starts])  # padding: every piece >= PRINT_FFT
        power = (np.abs(np.fft.rfft(frames * window, axis=1)) ** 2).mean(axis=0)
        for b in range(PRINT_BANDS):
            out[i, b] = power[band == b].sum()
    feat = np.log10(out + 1e-9)
    feat -= feat.mean()
    norm = np.linalg.norm(feat)
    return (feat.ravel() / norm if norm > 0 else feat.ravel()).astype(np.float32)
