"""Benchmark pgvector (the PostgreSQL library) against FAISS (the folder library) on the same vectors.

    python -m scripts.bench_pgvector --url postgresql://postgres@127.0.0.1:5432/bench --segments 100000

The database must be a scratch one: the library tables in it are dropped first. Vectors are the
clustered low-rank ones of bench_store.py (1024-d). For each side: build time (pgvector: rows
loaded with COPY, then CREATE INDEX ... USING hnsw; FAISS: VectorStore.build), query p50/p95 and
recall@10 against exact search over single-window queries through the engine's own search code,
a filtered query (a folder holding ~5 % of the files), memory and disk.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import text

from clap_search.db import Base
from clap_search.factory import ModelIdentity
from clap_search.filters import Filters
from clap_search.hostinfo import describe_machine
from clap_search.library import Library
from clap_search.postgres import (
    EF_SEARCH,
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    VECTOR_COLUMNS,
    engine_url,
    hnsw_index_sql,
)
from clap_search.store import VectorStore
from scripts.bench_store import low_rank

PER_FILE = 10  # windows per file
FOLDERS = 20  # the filtered query keeps one folder: ~5 % of the files


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def data(n: int, dim: int, clusters: int, queries: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    basis = rng.standard_normal((64, dim), dtype=np.float32)
    centres = rng.standard_normal((clusters, 64), dtype=np.float32) if clusters else None  # 0: isotropic
    vecs = np.concatenate([low_rank(min(100_000, n - i), dim, rng, basis, centres)
                           for i in range(0, n, 100_000)])
    return vecs, low_rank(queries, dim, rng, basis, centres)


def timed(search, queries: np.ndarray, truth: list[set[int]]) -> str:  # noqa: ANN001 - a search function
    times, recalls = [], []
    for q, want in zip(queries, truth):
        t0 = time.perf_counter()
        got = search(q[None])
        times.append(time.perf_counter() - t0)
        recalls.append(len(set(got[0].tolist()) & want) / 10)
    return (f"p50 {np.median(times) * 1e3:.2f} ms, p95 {np.percentile(times, 95) * 1e3:.2f} ms, "
            f"recall@10 {np.mean(recalls):.3f}")


def load_postgres(lib: Library, vecs: np.ndarray, work_mem: str) -> tuple[float, float]:
    """(seconds to COPY the rows in, seconds to build the HNSW index)."""
    n, dim = vecs.shape
    n_files = (n + PER_FILE - 1) // PER_FILE
    raw = lib.engine.raw_connection()
    try:
        cur = raw.cursor()
        t0 = time.perf_counter()
        with cur.copy("COPY files (id, path, size, mtime, duration, status, indexed_at) FROM STDIN") as cp:
            for f in range(1, n_files + 1):
                cp.write_row((f, f"/lib/folder{f % FOLDERS:02d}/file{f}.wav", 1, 0.0, 10.0, "ok", 0.0))
        with cur.copy('COPY segments (id, file_id, start, "end", vector) FROM STDIN') as cp:
            for i in range(n):
                vec = "[" + ",".join(map(str, vecs[i].astype(np.float64).tolist())) + "]"
                cp.write_row((i + 1, i // PER_FILE + 1, float(i % PER_FILE), float(i % PER_FILE + 1), vec))
        raw.commit()
        loaded = time.perf_counter() - t0
        # the HNSW graph must fit, or pgvector builds on disk, many times slower (~8 GB at 1M x 1024-d)
        cur.execute(f"SET maintenance_work_mem = '{work_mem}'")
        cur.execute("SET max_parallel_maintenance_workers = 1")  # leader + 1: FAISS's two threads
        table, _, index = VECTOR_COLUMNS[0]
        t0 = time.perf_counter()
        cur.execute(hnsw_index_sql(table, index))
        raw.commit()
        built = time.perf_counter() - t0
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return loaded, built


def faiss_side(ids: np.ndarray, vecs: np.ndarray, queries: np.ndarray, truth: list[set[int]],
               allowed: np.ndarray, truth_filtered: list[set[int]]) -> None:
    """The folder library's store: build, memory, disk, and its searches."""
    before = rss_mb()
    t0 = time.perf_counter()
    store = VectorStore.build(ids, vecs, vecs.shape[1])
    build = time.perf_counter() - t0
    grown = rss_mb() - before
    with tempfile.TemporaryDirectory() as tmp:
        store.save(Path(tmp) / "v.faiss", 0)
        disk = (Path(tmp) / "v.faiss").stat().st_size
    print(f"FAISS {store.kind} (M=32, efConstruction=64): build {build:.1f} s, +{grown:.0f} MB RSS, "
          f"{disk / 2**20:.0f} MB on disk")
    for ef in (64, 256):
        store.ef_search = ef
        print(f"  efSearch {ef}: {timed(lambda q: store.search(q, 10)[1], queries, truth)}")
    print(f"  filtered (one folder, {len(allowed)} segments): "
          f"{timed(lambda q: store.search(q, 10, allowed)[1], queries, truth_filtered)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="a scratch PostgreSQL database with pgvector")
    ap.add_argument("--segments", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=1024)
    ap.add_argument("--clusters", type=int, default=2000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--ef-search", type=int, nargs="+", default=[40, 100, EF_SEARCH, 400])
    ap.add_argument("--maintenance-work-mem", default="4GB", help="for CREATE INDEX (1M segments: 10GB)")
    args = ap.parse_args()
    print(f"machine: {describe_machine()}")
    vecs, queries = data(args.segments, args.dim, args.clusters, args.queries)
    ids = np.arange(1, args.segments + 1, dtype=np.int64)
    sims = queries @ vecs.T
    truth = [set(ids[np.argsort(-row)[:10]].tolist()) for row in sims]
    folder_rows = np.array([((i // PER_FILE + 1) % FOLDERS) == 3 for i in range(args.segments)])
    masked = np.where(folder_rows[None, :], sims, -np.inf)
    truth_filtered = [set(ids[np.argsort(-row)[:10]].tolist()) for row in masked]
    del sims, masked
    print(f"{args.segments} segments x {args.dim}-d, {args.clusters} latent clusters, {args.queries} queries")

    faiss_side(ids, vecs, queries, truth, ids[folder_rows], truth_filtered)  # its RAM is freed on return

    # pgvector: the PostgreSQL library, through its own search
    engine = engine_url(args.url)
    from sqlalchemy import create_engine

    scratch = create_engine(engine)
    with scratch.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS " + ", ".join(t.name for t in Base.metadata.sorted_tables)
                          + " CASCADE"))
    scratch.dispose()
    lib = Library.open(args.url, create=True)
    lib.claim_model(ModelIdentity("bench", "random", args.dim))
    with lib.session() as s, s.begin():
        for _, _, index in VECTOR_COLUMNS:
            s.execute(text(f"DROP INDEX IF EXISTS {index}"))
    loaded, built = load_postgres(lib, vecs, args.maintenance_work_mem)
    db_bytes, index_bytes = lib.sizes()
    print(f"pgvector {lib.pgvector_version()} HNSW (m={HNSW_M}, ef_construction={HNSW_EF_CONSTRUCTION}): "
          f"COPY {loaded:.1f} s + CREATE INDEX {built:.1f} s; tables {db_bytes / 2**20:.0f} MB, "
          f"HNSW index {index_bytes / 2**20:.0f} MB (what the server wants in RAM to search fast)")
    pg = lib.store
    for ef in args.ef_search:
        pg.ef_search = ef
        print(f"  ef_search {ef}: {timed(lambda q: pg.search(q, 10)[1], queries, truth)}")
    pg.ef_search = EF_SEARCH
    filters = Filters.build(folder="/lib/folder03")
    with lib.session() as s:
        restriction = lib.restrict(s, filters)
    print(f"  filtered (one folder, {len(restriction)} segments, exact inside SQL): "
          f"{timed(lambda q: pg.search(q, 10, restriction)[1], queries, truth_filtered)}")
    lib.close()


if __name__ == "__main__":
    main()
