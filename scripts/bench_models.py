"""Benchmark: what each model costs here, in process CPU seconds as well as wall seconds.

On a shared machine wall time mostly measures the neighbours; CPU seconds of this process
(user + system, all threads) measure the model's own work, so figures for several models taken
minutes apart stay comparable. Per model: load time, audio tower on one long file (x real
time), one text query (median of N), and the machine's load average while it ran.

    python scripts/bench_models.py --model default --model /tmp/msclap-2022-random.safetensors
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

import numpy as np

from clap_search.embed import Embedder
from clap_search.hostinfo import describe_machine

QUERIES = ["dog barking", "rain on a roof", "door slam", "car engine", "birds singing", "footsteps"]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn):  # -> (result, wall seconds, cpu seconds)
    w0, c0 = time.perf_counter(), cpu_seconds()
    out = fn()
    return out, time.perf_counter() - w0, cpu_seconds() - c0


def bench(model: str, seconds: float, queries: int) -> None:
    load0 = os.getloadavg()[0]
    embedder, load_wall, load_cpu = timed(lambda: Embedder.load(model))
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * embedder.sample_rate)) / embedder.sample_rate
    wave = (0.3 * np.sin(2 * np.pi * 440 * t * (1 + 0.01 * t)) + 0.05 * rng.standard_normal(len(t)))
    wave = wave.astype(np.float32)
    embedder.embed_wave(wave[: embedder.sample_rate])  # prepares the tower (int8 / bfloat16 / fp32)
    segments, audio_wall, audio_cpu = timed(lambda: embedder.embed_wave(wave))
    embedder.embed_texts(["warm up"])
    walls, cpus = [], []
    for i in range(queries):
        _, w, c = timed(lambda i=i: embedder.embed_texts([QUERIES[i % len(QUERIES)]]))
        walls.append(w)
        cpus.append(c)
    load1 = os.getloadavg()[0]
    ident = embedder.identity
    print(f"model: {ident.name} ({ident.version}, {ident.dim}-d, {embedder.precision}, "
          f"window mode {embedder.cfg.window_mode})")
    print(f"  load: {load_wall:.1f} s wall, {load_cpu:.1f} s CPU")
    print(f"  audio tower, {seconds:.0f} s file -> {len(segments.starts)} windows: {audio_wall:.1f} s wall "
          f"({seconds / audio_wall:.0f}x real time), {audio_cpu:.1f} CPU-s ({seconds / audio_cpu:.0f}x real "
          f"time per CPU-second)")
    print(f"  text query (one sentence): median {statistics.median(walls) * 1e3:.0f} ms wall, "
          f"{statistics.median(cpus) * 1e3:.0f} ms CPU")
    print(f"  load average: {load0:.1f} before, {load1:.1f} after")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", required=True, help="a model name or checkpoint (repeat)")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the audio file")
    ap.add_argument("--queries", type=int, default=20)
    args = ap.parse_args()
    print(f"machine: {describe_machine()}")
    for model in args.model:
        bench(model, args.seconds, args.queries)


if __name__ == "__main__":
    main()
