"""Benchmark: audio-seconds indexed per wall-second and warm query latency, idle and under load.

    python scripts/bench_index.py --folder DIR --threads auto 2:2 1:1 --background-load 2

Each `--threads` entry is one run into a fresh library: `auto` (what `clap-search index` picks
from the cores this process may use), `N` (as `index --threads N`), or `C:D` (C compute threads
for torch, BLAS and FAISS, D decode workers; `2:2` was the engine's fixed choice on two cores
before threads were planned). With `--background-load N` every run is repeated while N
busy-loop processes (a DAW, a browser, a build) compete for the cores; they are killed at the
end. Without `--folder`, `--from-examples N` builds N files from examples/sounds
(scripts/bench_folder.py), else chirps are generated.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import soundfile as sf
from bench_folder import make_folder  # scripts/ is on the path when a script in it runs

from clap_search.embed import Embedder
from clap_search.hostinfo import describe_machine
from clap_search.indexer.pipeline import index_folder
from clap_search.library import Library
from clap_search.query import search_text
from clap_search.text_embed import load_text_embedder
from clap_search.threads import ThreadPlan, limit_threads, plan_index_threads

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


@contextmanager
def background_load(processes: int) -> Iterator[None]:
    """`processes` busy loops at this process's priority, killed on the way out; each also stops
    by itself as soon as this process is gone (even after a kill -9)."""
    loop = "import os\nparent = os.getppid()\nwhile os.getppid() == parent: pass"
    burners = [subprocess.Popen([sys.executable, "-c", loop]) for _ in range(processes)]
    try:
        time.sleep(0.5 if burners else 0)  # let them reach the CPU
        yield
    finally:
        for p in burners:
            p.kill()
        for p in burners:
            p.wait()


def parse_plan(spec: str) -> ThreadPlan:
    if spec == "auto":
        return plan_index_threads()
    if ":" in spec:
        compute, decode = spec.split(":")
        return ThreadPlan(int(compute), int(decode), int(compute) + int(decode))
    return plan_index_threads(int(spec))


def cpu_seconds() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def warm_latency(lib: Library, embedder: object, runs: int) -> tuple[float, float]:
    """Median and p95 seconds of one text query in this process, model and index loaded."""
    search_text(lib, embedder, "warm up", k=10)  # type: ignore[arg-type]
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        search_text(lib, embedder, QUERIES[i % len(QUERIES)], k=10)  # type: ignore[arg-type]
        times.append(time.perf_counter() - t0)
    return statistics.median(times), float(np.percentile(times, 95))


def run_once(folder: Path, root: Path, embedder: Embedder, text: object, plan: ThreadPlan,
             queries: int) -> str:
    limit_threads(plan.compute)
    lib = Library.open(root, create=True)
    cpu0 = cpu_seconds()
    summary = index_folder(lib, folder, embedder, workers=plan.decode, words_threads=plan.words)
    cpu = cpu_seconds() - cpu0
    rate = summary.audio_seconds / summary.seconds
    words_s = summary.words.seconds  # tags, word vectors, the audio neighbour graph
    segments = len(lib.store)
    torch_q = warm_latency(lib, embedder, queries)
    limit_threads(1)  # what `clap-search query` runs with
    numpy_q = warm_latency(lib, text, queries)
    lib.close()
    return (f"{plan.compute} compute + {plan.decode} decode threads: {summary.added} files "
            f"({summary.failed} failed), {summary.audio_seconds:.0f} s of audio in {summary.seconds:.1f} s "
            f"= {rate:.0f}x real time, {cpu:.1f} CPU-s (words stage {words_s:.1f} s, "
            f"{100 * words_s / max(summary.seconds - words_s, 1e-9):.1f} % on top of the audio stages, "
            f"of which {summary.words.new_words} vocabulary words {summary.words.vocabulary_seconds:.1f} s); "
            f"warm query ({segments} segments) median / p95: "
            f"torch tower with {plan.compute} threads {torch_q[0] * 1e3:.1f} / {torch_q[1] * 1e3:.1f} ms, "
            f"numpy tower with 1 thread {numpy_q[0] * 1e3:.1f} / {numpy_q[1] * 1e3:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folder", type=Path, help="index these sounds")
    ap.add_argument("--from-examples", type=int, metavar="N", help="build N files from examples/sounds")
    ap.add_argument("--files", type=int, default=100, help="chirp files to generate (no folder)")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each chirp file")
    ap.add_argument("--model", default="default")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", nargs="+", default=["auto"], help="auto, N or C:D; one run each")
    ap.add_argument("--background-load", type=int, default=0, metavar="N",
                    help="repeat every run with N busy-loop processes competing")
    ap.add_argument("--queries", type=int, default=50)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="clap-bench-") as tmp:
        folder = args.folder
        if folder is None:
            folder = Path(tmp) / "sounds"
            if args.from_examples:
                make_folder(folder, args.from_examples)
            else:
                generate(folder, args.files, args.seconds)
        embedder = Embedder.load(args.model, device=args.device)
        text = load_text_embedder(args.model, device=args.device)
        # warm-up: the int8 tower is prepared on first use; the files are read into the page cache
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        for path in files:
            path.read_bytes()
        index_folder(Library.open(Path(tmp) / "warm", create=True), files[0], embedder)
        print(f"machine: {describe_machine()}")
        print(f"model: {embedder.identity.name} ({embedder.identity.version}, {embedder.identity.dim}-d), "
              f"audio tower in {embedder.precision}; folder: {folder}")
        loads = [0, args.background_load] if args.background_load else [0]
        n = 0
        for load in loads:
            with background_load(load):
                for spec in args.threads:
                    n += 1
                    before = os.getloadavg()[0]
                    line = run_once(folder, Path(tmp) / f"lib{n}", embedder, text, parse_plan(spec),
                                    args.queries)
                    print(f"[{'no burner' if not load else f'{load} burners'}, "
                          f"load average {before:.1f} before] {line}", flush=True)


if __name__ == "__main__":
    main()
