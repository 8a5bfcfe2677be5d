"""Benchmark: a cold `clap-search query` typed at a shell, start to exit, as a user waits for it.

    python scripts/bench_query.py --runs 10

Indexes examples/sounds into a temporary library once, then runs the console script `--runs`
times (a new process each time: imports, model and index loading, the query, the output) and
prints the median and p95 wall time, the peak RSS of one query process, and what
`python -X importtime` says the imports cost. `--exe A B` times other installs' console scripts
(e.g. a checkout of an older version) against the same library, alternating run by run so that
a machine whose load changes treats them alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from clap_search.hostinfo import describe_machine

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "sounds"
QUERIES = ["a cow mooing", "a dog barking", "a rooster crowing at dawn", "frogs at night", "an owl"]


def console_script() -> str:
    return shutil.which("clap-search", path=str(Path(sys.executable).parent)) or "clap-search"


def timed_run(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one process, which must succeed."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return seconds, usage.ru_maxrss


def import_costs(exe: str, args: list[str], top: int = 9) -> str:
    """Total import time of one query, and each top-level package's share (its modules' self times)."""
    python = Path(exe).read_text().splitlines()[0].removeprefix("#!").strip()
    run = subprocess.run([python, "-X", "importtime", exe, *args], capture_output=True, text=True, check=True)
    per_package: dict[str, int] = {}
    for line in run.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        if own.strip().isdigit():  # not the header line
            package = name.strip().split(".")[0]
            per_package[package] = per_package.get(package, 0) + int(own)
    total = sum(per_package.values())
    largest = sorted(per_package.items(), key=lambda kv: -kv[1])[:top]
    parts = ", ".join(f"{name} {us / 1e3:.0f}" for name, us in largest)
    return f"imports {total / 1e6:.2f} s in all; largest (ms): {parts}"


def tower_agreement(model: str) -> str:
    """How far the numpy text tower (what `query` runs) is from the torch one, on QUERIES."""
    from clap_search.embed import Embedder  # torch, in this process only, after the timings
    from clap_search.text_embed import load_text_embedder

    ours = load_text_embedder(model).embed_texts(QUERIES)
    ref = Embedder.load(model, device="cpu").embed_texts(QUERIES)
    cosine = (ours * ref).sum(axis=1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(ref, axis=1)
    return (f"numpy text tower against torch ({model}, {len(QUERIES)} texts): max abs difference "
            f"{np.abs(ours - ref).max():.1e}, min cosine {cosine.min():.7f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--exe", nargs="+", help="clap-search console scripts to time (default: this one)")
    ap.add_argument("--library", type=Path, help="query this library instead of indexing examples/sounds")
    args = ap.parse_args()
    exes = args.exe or [console_script()]

    with tempfile.TemporaryDirectory(prefix="clap-bench-query-") as tmp:
        lib = args.library or Path(tmp) / "lib"
        if args.library is None:
            subprocess.run([console_script(), "index", str(EXAMPLES), "--library", str(lib), "--json"],
                           check=True, capture_output=True)
        base = ["--library", str(lib), "-k", "10"]
        for exe in exes:
            timed_run([exe, "query", "warm the page cache", *base])
        print(f"machine: {describe_machine()}")
        times: dict[str, list[float]] = {exe: [] for exe in exes}
        peaks: dict[str, list[int]] = {exe: [] for exe in exes}
        for i in range(args.runs):
            for exe in exes:
                seconds, rss = timed_run([exe, "query", QUERIES[i % len(QUERIES)], *base])
                times[exe].append(seconds)
                peaks[exe].append(rss)
        for exe in exes:
            t = times[exe]
            print(f"cold `{exe} query TEXT -k 10`, {args.runs} runs: median {statistics.median(t):.2f} s, "
                  f"p95 {float(np.percentile(t, 95)):.2f} s, min {min(t):.2f} s; "
                  f"peak RSS {max(peaks[exe]) / 1024:.0f} MiB")
            print("  " + import_costs(exe, ["query", QUERIES[0], *base]))
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(tower_agreement("default"))


if __name__ == "__main__":
    main()
