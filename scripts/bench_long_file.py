"""Benchmark: peak memory (RSS) and time to index one long file (default: 2 hours at 8 kHz).

Generates the file (16-bit WAV, written in pieces), then indexes it in a fresh child process so
the peak RSS (`resource.getrusage`, ru_maxrss) is that of the index run alone. Works against any
version of clap-search that has `index_folder`, so it measures before and after a change:

    python scripts/bench_long_file.py --hours 2 --model tiny
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

PIECE_SECONDS = 600


def generate(path: Path, hours: float, sr: int) -> None:
    rng = np.random.default_rng(0)
    total = int(hours * 3600)
    with sf.SoundFile(str(path), "w", sr, 1, subtype="PCM_16") as f:
        for start in range(0, total, PIECE_SECONDS):
            n = min(PIECE_SECONDS, total - start) * sr
            t = np.arange(n) / sr
            wave = 0.2 * np.sin(2 * np.pi * (300 + start % 700) * t) + 0.05 * rng.standard_normal(n)
            f.write(wave.astype(np.float32))


def child(folder: Path, model: str) -> None:
    """Index `folder/audio` into `folder/lib` and print one JSON line with time and peak RSS."""
    from clap_search.embed import Embedder
    from clap_search.indexer.pipeline import index_folder
    from clap_search.library import Library

    embedder = Embedder.load(model)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    lib = Library.open(folder / "lib", create=True)
    t0 = time.perf_counter()
    summary = index_folder(lib, folder / "audio", embedder)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({
        "added": summary.added, "failed": summary.failed, "failures": summary.failures,
        "audio_hours": summary.audio_seconds / 3600, "index_seconds": round(seconds, 1),
        "peak_rss_mb": round(peak / 1024), "rss_after_model_load_mb": round(base / 1024),
        "segments": lib.stats().segments,
    }))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--rate", type=int, default=8000, help="sample rate of the generated file")
    ap.add_argument("--model", default="tiny")
    ap.add_argument("--folder", type=Path, help="where to write the file and library (default: a temp dir)")
    ap.add_argument("--json", action="store_true", help="print only the JSON result line")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.folder, args.model)
        return
    with tempfile.TemporaryDirectory(prefix="bench-long-") as tmp:
        folder = args.folder or Path(tmp)
        (folder / "audio").mkdir(parents=True, exist_ok=True)
        path = folder / "audio" / "field.wav"
        t0 = time.perf_counter()
        generate(path, args.hours, args.rate)
        made = time.perf_counter() - t0
        file_mb = round(path.stat().st_size / 2**20)
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--folder", str(folder), "--model", args.model],
            capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1]
    result = {"hours": args.hours, "rate": args.rate, "model": args.model,
              "file_mb": file_mb, **json.loads(out)}
    if not args.json:
        from clap_search.hostinfo import describe_machine

        print(describe_machine())
        print(f"generated in {made:.1f} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
