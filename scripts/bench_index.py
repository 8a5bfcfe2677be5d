"""Benchmark: audio-seconds indexed per wall-second and query latency (warm in-process, CLI) on N files."""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from clap_search.embed import Embedder
from clap_search.hostinfo import describe_machine
from clap_search.library import Library
from clap_search.query import search_text
from clap_search.indexer.pipeline import index_folder

QUERIES = ["dog barking", "rain on a roof", "door slam", "car engine", "birds singing", "footsteps"]


def generate(folder: Path, n: int, seconds: float, sr: int = 44100) -> None:
    """Noise bursts and chirps: decodable, varied, and cheap to make."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * sr)) / sr
    for i in range(n):
        f0 = rng.uniform(100, 4000)
        wave = 0.3 * np.sin(2 * np.pi * f0 * t * (1 + 0.2 * t)) + 0.05 * rng.standard_normal(len(t))
        sf.write(folder / f"bench_{i:05d}.flac", wave.astype(np.float32), sr)


def percentile(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q))


def cli_latency(library: Path, model: str, runs: int) -> list[float]:
    exe = shutil.which("clap-search") or str(Path(sys.executable).parent / "clap-search")
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        cmd = [exe, "query", QUERIES[i % len(QUERIES)], "--library", str(library), "--model", model, "--json"]
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=100, help="files to generate (ignored with --folder)")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each generated file")
    ap.add_argument("--folder", type=Path, help="index these sounds instead of generated ones")
    ap.add_argument("--model", default="default")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--cli-runs", type=int, default=5)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="clap-bench-") as tmp:
        folder = args.folder or Path(tmp) / "sounds"
        if args.folder is None:
            generate(folder, args.files, args.seconds)
        lib = Library.open(Path(tmp) / "lib", create=True)
        embedder = Embedder.load(args.model, device=args.device)
        summary = index_folder(lib, folder, embedder)
        print(f"machine: {describe_machine()}")
        print(f"model: {embedder.identity.name} ({embedder.identity.version}, {embedder.identity.dim}-d)")
        print(
            f"index: {summary.added} files, {summary.failed} failed, {summary.audio_seconds:.0f} s audio "
            f"in {summary.seconds:.1f} s = {summary.audio_seconds / summary.seconds:.1f} audio-s per wall-s"
        )
        words_s = summary.words.seconds
        print(f"of which the words stage (tags, word vectors, audio neighbour graph): {words_s:.1f} s, "
              f"{100 * words_s / max(summary.seconds - words_s, 1e-9):.1f} % on top of the audio stages")
        search_text(lib, embedder, "warm up", k=10)
        warm = []
        for i in range(args.queries):
            t0 = time.perf_counter()
            search_text(lib, embedder, QUERIES[i % len(QUERIES)], k=10)
            warm.append(time.perf_counter() - t0)
        print(
            f"warm in-process query (k=10, {len(lib.store)} segments): median "
            f"{statistics.median(warm) * 1e3:.1f} ms, p95 {percentile(warm, 95) * 1e3:.1f} ms"
        )
        cli = cli_latency(lib.root, args.model, args.cli_runs)
        print(
            f"end-to-end CLI `clap-search query`: median {statistics.median(cli):.2f} s over {len(cli)} runs"
        )
        lib.close()


if __name__ == "__main__":
    main()
