"""Decoding and clip processing: mono, 44.1 kHz (soxr), silence trim, <=10 s chunks, 16-bit FLAC."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tempfile

import numpy as np
import soundfile as sf
import soxr

SR = 44100
MAX_LEN = 10.0
MIN_LEN = 0.3
MAX_CHUNKS = 3
SILENT_PEAK = 10 ** (-50 / 20)  # whole clip quieter than -50 dBFS -> silent
TRIM_ABS = 10 ** (-60 / 20)
TRIM_REL = 10 ** (-50 / 20)  # trim frames quieter than 50 dB below peak


def decode_bytes(data: bytes, name: str, max_seconds: float = 60) -> tuple[np.ndarray, int]:
    """Decode to float32 (frames, channels). soundfile first, ffmpeg (first max_seconds) as fallback."""
    try:
        x, sr = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
        return x, sr
    except Exception:
        pass
    if not shutil.which("ffmpeg"):
        raise RuntimeError("soundfile cannot decode and ffmpeg missing (apt-get install -y ffmpeg)")
    suffix = os.path.splitext(name)[1] or ".bin"
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        p = subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-nostdin",
                "-i",
                tmp.name,
                "-t",
                str(int(max_seconds)),
                "-ac",
                "1",
                "-ar",
                str(SR),
                "-f",
                "f32le",
                "-",
            ],
            capture_output=True,
            timeout=120,
        )
    if p.returncode != 0 or not p.stdout:
        raise RuntimeError("ffmpeg failed: " + p.stderr.decode(errors="replace")[:200])
    return np.frombuffer(p.stdout, dtype="<f4").reshape(-1, 1).copy(), SR


def to_mono44k(x: np.ndarray, sr: int, max_seconds: float | None = None) -> np.ndarray:
    if max_seconds is not None:
        x = x[: int(max_seconds * sr)]
    y = x.mean(axis=1).astype(np.float32) if x.ndim == 2 else x.astype(np.float32)
    y = np.nan_to_num(y)
    if sr != SR:
        y = soxr.resample(y, sr, SR, quality="HQ").astype(np.float32)
    return np.clip(y, -1.0, 1.0)


def trim_silence(y: np.ndarray) -> np.ndarray:
    if y.size == 0:
        return y
    peak = float(np.max(np.abs(y)))
    if peak < SILENT_PEAK:
        return y[:0]
    thr = max(TRIM_ABS, peak * TRIM_REL)
    hop = 441  # 10 ms frames
    n = (len(y) + hop - 1) // hop
    pad = np.zeros(n * hop, np.float32)
    pad[: len(y)] = np.abs(y)
    fr = pad.reshape(n, hop).max(axis=1)
    idx = np.nonzero(fr > thr)[0]
    if idx.size == 0:
        return y[:0]
    a = max(0, idx[0] * hop - hop)  # keep 10 ms margin
    b = min(len(y), (idx[-1] + 2) * hop)
    return y[a:b]


def chunks(y: np.ndarray, max_chunks: int = MAX_CHUNKS) -> list[np.ndarray]:
    """Split into up to max_chunks non-overlapping <=10 s pieces; a trailing piece must be >=3 s."""
    L = int(MAX_LEN * SR)
    if len(y) <= L:
        return [y]
    out = []
    for i in range(max_chunks):
        c = y[i * L : (i + 1) * L]
        if i > 0 and len(c) < 3 * SR:
            break
        out.append(c)
        if len(c) < L:
            break
    return out


def to_int16(y: np.ndarray) -> np.ndarray:
    return np.round(np.clip(y, -1.0, 1.0) * 32767.0).astype(np.int16)


def clip_hash(y16: np.ndarray) -> str:
    return hashlib.sha1(y16.tobytes()).hexdigest()[:20]


def process(data: bytes, name: str, max_chunks: int = MAX_CHUNKS):
    """Return list of (int16 array, chunk_index) clips or raise / return [] for unusable audio."""
    x, sr = decode_bytes(data, name, max(60, MAX_LEN * max_chunks + 20))
    if x.size == 0:
        return []
    y = to_mono44k(x, sr, max_seconds=MAX_LEN * max_chunks + 20)
    y = trim_silence(y)
    out = []
    for i, c in enumerate(chunks(y, max_chunks)):
        if i > 0:
            c = trim_silence(c)
        if len(c) < MIN_LEN * SR or float(np.max(np.abs(c))) < SILENT_PEAK:
            continue
        out.append((to_int16(c), i))
    return out


def write_flac(path: str, y16: np.ndarray) -> None:
    tmp = path + ".tmp"
    sf.write(tmp, y16, SR, subtype="PCM_16", format="FLAC")
    os.replace(tmp, path)


FP_BANDS = 17  # band edges -> 16 band-difference bits per frame
FP_HOP = SR // 4  # 0.25 s frames


def fingerprint(y16: np.ndarray) -> str:
    """A coarse audio fingerprint (hex) that survives re-encoding and resampling: per 0.25 s frame, the
    signs of the band-energy differences across 17 log-spaced bands (100 Hz - 8 kHz) and across time
    (Haitsma-Kalker style), first 10 s. Two copies of one recording differ in a few bits (fp_distance)."""
    y = y16[: int(MAX_LEN * SR)].astype(np.float32) / 32768.0
    n = len(y) // FP_HOP
    if n < 2:
        return ""
    fr = y[: n * FP_HOP].reshape(n, FP_HOP) * np.hanning(FP_HOP).astype(np.float32)
    spec = np.abs(np.fft.rfft(fr, axis=1)) ** 2
    freqs = np.fft.rfftfreq(FP_HOP, 1 / SR)
    edges = np.geomspace(100, 8000, FP_BANDS + 1)
    e = np.stack([spec[:, (freqs >= a) & (freqs < b)].sum(axis=1) for a, b in zip(edges[:-1], edges[1:])], 1)
    e = np.log(e + 1e-10)
    d = np.diff(e, axis=1)  # (n, 16)
    bits = (d[1:] - d[:-1]) > 0  # (n-1, 16)
    return np.packbits(bits.astype(np.uint8), axis=None).tobytes().hex()


def fp_distance(a: str, b: str) -> float:
    """Share of differing bits over the common length (1.0 when either is empty)."""
    n = min(len(a), len(b))
    if n == 0:
        return 1.0
    x = np.frombuffer(bytes.fromhex(a[:n]), np.uint8) ^ np.frombuffer(bytes.fromhex(b[:n]), np.uint8)
    return float(np.unpackbits(x).sum()) / (n * 4)
