"""A benchmark folder of real sounds: the quick start's ten recordings, cut, joined and re-encoded.

    python scripts/bench_folder.py OUT --files 200

Each file joins 1-8 of the CC0 recordings in examples/sounds (random order, gain, a little
noise), 2-40 s long, written as WAV, FLAC, OGG/Vorbis or MP3 at 22.05, 44.1 or 48 kHz, mono or
stereo: the decoders and resampler do the work a real library asks of them. Seeded: the same
arguments make the same folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "sounds"
FORMATS = (("wav", "WAV", "PCM_16"), ("flac", "FLAC", "PCM_16"), ("ogg", "OGG", "VORBIS"),
           ("mp3", "MP3", "MPEG_LAYER_III"))
RATES = (22050, 44100, 48000)
WORK_RATE = 48000


def _clips() -> list[np.ndarray]:
    clips = []
    for path in sorted(EXAMPLES.rglob("*.mp3")):
        data, sr = sf.read(path, dtype="float32", always_2d=True)
        mono = data.mean(axis=1)
        clips.append(mono if sr == WORK_RATE else soxr.resample(mono, sr, WORK_RATE))
    return clips


def make_folder(out: Path, files: int = 200, seed: int = 0) -> float:
    """Write `files` sounds into `out`; returns their total duration in seconds."""
    rng = np.random.default_rng(seed)
    clips = _clips()
    out.mkdir(parents=True, exist_ok=True)
    total = 0.0
    for i in range(files):
        target = rng.uniform(2.0, 40.0) * WORK_RATE
        parts, length = [], 0
        while length < target:
            clip = clips[rng.integers(len(clips))] * rng.uniform(0.3, 1.0)
            parts.append(clip)
            length += len(clip)
        wave = np.concatenate(parts)[: int(target)]
        wave = wave + 0.003 * rng.standard_normal(len(wave)).astype(np.float32)
        ext, fmt, subtype = FORMATS[i % len(FORMATS)]
        rate = RATES[rng.integers(len(RATES))]
        wave = soxr.resample(wave, WORK_RATE, rate).astype(np.float32)
        if rng.random() < 0.5:
            wave = np.stack([wave, np.roll(wave, 7)], axis=1)  # stereo
        sf.write(out / f"bench_{i:04d}.{ext}", np.clip(wave, -1, 1), rate, format=fmt, subtype=subtype)
        total += len(wave) / rate
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    seconds = make_folder(args.out, args.files, args.seed)
    print(f"{args.files} files, {seconds / 60:.1f} min of audio in {args.out}")


if __name__ == "__main__":
    main()
