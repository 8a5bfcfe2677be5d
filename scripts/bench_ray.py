"""Benchmark: the local indexer against `index --ray` on the same folder (Ray's overhead, or its gain).

    python scripts/bench_ray.py --files 60 --seconds 20 --cpus 2 --model default

Each run indexes the generated folder into a fresh library: first the local indexer (its own
thread plan), then Ray tasks on a local cluster of `--cpus` CPUs (started before the clock runs:
a cluster is started once and kept, so its start-up is reported apart). The vectors of the two
libraries are compared too.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_index import generate  # scripts/ is on the path when a script in it runs
from sqlalchemy import select

from clap_search.db import File, Segment, blob_to_vectors
from clap_search.embed import Embedder
from clap_search.hostinfo import describe_machine
from clap_search.indexer.distributed import RayOptions
from clap_search.indexer.pipeline import index_folder
from clap_search.library import Library
from clap_search.threads import limit_threads, plan_index_threads


def vectors(lib: Library) -> dict[tuple[str, float], np.ndarray]:
    with lib.session() as s:
        rows = s.execute(select(File.path, Segment.start, Segment.vector).join(File)).all()
    return {(p, st): blob_to_vectors([v], lib.dim)[0] for p, st, v in rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=60)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray cluster")
    ap.add_argument("--model", default="default")
    args = ap.parse_args()
    print(f"machine: {describe_machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sounds"
        generate(folder, args.files, args.seconds)
        audio = args.files * args.seconds
        plan = plan_index_threads()
        limit_threads(plan.compute)
        embedder = Embedder.load(args.model)
        local = Library.open(Path(tmp) / "local", create=True)
        t0 = time.perf_counter()
        index_folder(local, folder, embedder, workers=plan.decode)
        t_local = time.perf_counter() - t0
        print(f"local indexer ({plan.compute} compute + {plan.decode} decode threads): "
              f"{audio:.0f} s of audio in {t_local:.1f} s ({audio / t_local:.0f}x real time)")

        import ray

        t0 = time.perf_counter()
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
        print(f"ray.init(num_cpus={args.cpus}): {time.perf_counter() - t0:.1f} s")
        remote = Library.open(Path(tmp) / "ray", create=True)
        for run in ("first (workers load the model)", "second (warm workers)"):
            if run.startswith("second"):
                remote.close()
                remote = Library.open(Path(tmp) / "ray2", create=True)
            t0 = time.perf_counter()
            index_folder(remote, folder, embedder, ray=RayOptions("auto", args.model))
            t_ray = time.perf_counter() - t0
            print(f"ray, {args.cpus} CPUs, {run}: {audio:.0f} s of audio in {t_ray:.1f} s "
                  f"({audio / t_ray:.0f}x real time, {t_ray / t_local:.2f}x the local time)")
        a, b = vectors(local), vectors(remote)
        same = a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
        print(f"vectors identical to the local indexer's: {same} ({len(a)} windows)")
        ray.shutdown()


if __name__ == "__main__":
    main()
