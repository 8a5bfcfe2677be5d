"""Benchmark the vector store at library scale: build time, query latency, recall@10, memory.

    python scripts/bench_store.py --segments 1000000

Vectors are low-rank (a 64-d latent lifted to the model's 1024-d and normalised), like real
embeddings; random vectors would make every approximate index look useless (ENV.md). With
`--clusters N` the latents gather around N centres, as a sound library's near-identical takes
and variants do; without it they are one isotropic Gaussian, the hardest case for HNSW.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from clap_search.hostinfo import describe_machine
from clap_search.store import VectorStore, index_kind


def low_rank(
    n: int, dim: int, rng: np.random.Generator, basis: np.ndarray, centres: np.ndarray | None = None
) -> np.ndarray:
    z = rng.standard_normal((n, basis.shape[0]), dtype=np.float32)
    if centres is not None:
        z = centres[rng.integers(0, len(centres), n)] + 0.5 * z
    x = z @ basis
    x += 0.05 * rng.standard_normal((n, dim), dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--segments", type=int, default=200_000)
    ap.add_argument("--dim", type=int, default=1024)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--ef-search", type=int, nargs="+", default=[256], help="HNSW efSearch values")
    ap.add_argument("--clusters", type=int, default=0, help="latent cluster centres (0: none)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    basis = rng.standard_normal((64, args.dim), dtype=np.float32)
    centres = rng.standard_normal((args.clusters, 64), dtype=np.float32) if args.clusters else None
    vecs = np.concatenate([low_rank(min(100_000, args.segments - i), args.dim, rng, basis, centres)
                           for i in range(0, args.segments, 100_000)])
    ids = np.arange(1, args.segments + 1, dtype=np.int64) * 7  # ids are database keys, not rows
    t0 = time.perf_counter()
    store = VectorStore.build(ids, vecs, args.dim)
    build = time.perf_counter() - t0
    queries = low_rank(args.queries, args.dim, rng, basis, centres)
    exact = [set(ids[np.argsort(-(vecs @ q))[:10]].tolist()) for q in queries]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    kind = index_kind(args.segments)
    print(f"machine: {describe_machine()}")
    print(f"{args.segments} segments x {args.dim}-d, {args.clusters} latent clusters, index {kind}: "
          f"build {build:.1f} s, peak RSS {rss:.1f} GB")
    for ef in args.ef_search if kind == "hnsw" else [None]:
        if ef is not None:
            store.ef_search = ef
        times, recalls = [], []
        for q, truth in zip(queries, exact):
            t0 = time.perf_counter()
            _, got = store.search(q[None], 10)
            times.append(time.perf_counter() - t0)
            recalls.append(len(set(got[0].tolist()) & truth) / 10)
        print(f"  efSearch {ef or '-'}: query median {np.median(times) * 1e3:.2f} ms "
              f"(p95 {np.percentile(times, 95) * 1e3:.2f} ms), recall@10 vs exact {np.mean(recalls):.3f}")

if __name__ == "__main__":
    main()
