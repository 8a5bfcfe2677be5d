"""Benchmark: warm in-process query latency, --mode audio vs hybrid, on a synthetic library of N files.

The library is written straight into the database (no audio): clustered low-rank window and word
vectors, file words drawn from a vocabulary (with the files' mean audio vectors, which the
feedback signal reads), a 10-neighbour graph, 30k more real words (the text
tower's own) in the expansion vocabulary; queries go through the real
model's text tower, as in use. Indexes are built once, then every query is timed.

    python scripts/bench_hybrid.py --files 100000
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import text

from clap_search.db import vector_to_blob
from clap_search.embed import Embedder
from clap_search.encoders.tokenizer import vocab_file
from clap_search.hostinfo import describe_machine
from clap_search.library import Library
from clap_search.query import search_text
from clap_search.threads import limit_threads
from clap_search.words.graph import file_vector
from clap_search.words.reference import head_key
from clap_search.words.semantic import rebuild_word_store, save_word_store
from clap_search.words.vocabulary import update_vocabulary

VOCAB = ("dog bark cat meow cow moo rain thunder wind door slam creak glass break car engine horn "
         "train plane helicopter bird owl footsteps gravel wood metal water splash drip fire crackle "
         "crowd cheer laugh scream gun shot explosion bell clock tick keyboard typing paper zipper").split()
QUERIES = ["dog barking", "rain on a roof", "door slam", "car engine", "birds singing", "footsteps",
           "glass breaking", "thunder", "a crowd cheering", "zzz nothing matches"]


def vectors(rng: np.random.Generator, n: int, dim: int, centres: np.ndarray) -> np.ndarray:
    v = centres[rng.integers(0, len(centres), n)] + 0.6 * rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def populate(lib: Library, embedder: Embedder, n_files: int, windows: int, n_vocabulary: int,
             seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    dim = embedder.dim
    centres = rng.standard_normal((2000, dim)).astype(np.float32)
    lib.claim_model(embedder.identity)
    lib.begin_generation()
    now = time.time()
    with lib.engine.begin() as conn:
        for lo in range(0, n_files, 10_000):
            ids = range(lo + 1, min(n_files, lo + 10_000) + 1)
            conn.execute(text("INSERT INTO files (id, path, size, mtime, duration, status, indexed_at) "
                              "VALUES (:id, :p, 1, 0, 5.0, 'ok', :t)"),
                         [{"id": i, "p": f"/lib/folder{i % 500}/file_{i}.wav", "t": now} for i in ids])
            segs = vectors(rng, len(ids) * windows, dim, centres)
            seg_sql = 'INSERT INTO segments (file_id, start, "end", vector) VALUES (:f, :s, :e, :v)'
            conn.execute(text(seg_sql),
                         [{"f": i, "s": 2.5 * w, "e": 2.5 * w + 5, "v": vector_to_blob(segs[j * windows + w])}
                          for j, i in enumerate(ids) for w in range(windows)])
            named = [i for i in ids if i % 3]  # a third of the files have no words
            words = vectors(rng, len(named), dim, centres)
            means = {i: file_vector(segs[j * windows : (j + 1) * windows]) for j, i in enumerate(ids)}
            conn.execute(text("INSERT INTO file_words (file_id, source, fields, text, sentence, useful, "
                              "vector, audio_mean) VALUES (:f, :t, '{}', :w, :w, 1, :v, :m)"),
                         [{"f": i, "t": now, "w": " ".join(rng.choice(VOCAB, 3)),
                           "v": vector_to_blob(words[j]), "m": vector_to_blob(means[i])}
                          for j, i in enumerate(named)])
            edge_sql = "INSERT OR IGNORE INTO neighbors (file_id, neighbor_id, weight) VALUES (:a, :b, :w)"
            conn.execute(text(edge_sql),
                         [{"a": i, "b": int(b), "w": 0.5} for i in ids
                          for b in rng.integers(1, ids[-1] + 1, 10) if b != i])
    update_vocabulary(lib, embedder)  # the real words through the text tower, as `index` does
    add_vocabulary(lib, embedder, n_vocabulary)
    with lib.writing():
        lib.store  # noqa: B018 - build and save the segment index
        lib.save_store()
        save_word_store(lib, rebuild_word_store(lib))


def english_words(n: int) -> list[str]:
    """n real words: the text tower's whole-word WordPiece entries (~21k), then pairs of them."""
    entries = Path(vocab_file()).read_text(encoding="utf-8").split()
    whole = [w for w in entries if re.fullmatch(r"[a-z]{3,}", w)]
    pairs = (f"{a} {b}" for a, b in zip(whole, whole[1:] + whole[:1]))
    return (whole + list(pairs))[:n]


def add_vocabulary(lib: Library, embedder: Embedder, n: int) -> None:
    """A big library's many more words, through the model's text tower (their vectors' spread is
    what query expansion's bound works with: random vectors would have none of its structure)."""
    with lib.engine.connect() as conn:
        have = set(conn.execute(text("SELECT word FROM vocabulary")).scalars())
    words = [w for w in english_words(n + len(have)) if w not in have][:n]
    for lo in range(0, len(words), 2048):
        chunk = words[lo : lo + 2048]
        vecs = embedder.embed_texts(chunk)
        with lib.engine.begin() as conn:
            conn.execute(text("INSERT INTO vocabulary (word, head, vector) VALUES (:w, :h, :v)"),
                         [{"w": w, "h": head_key(embedder), "v": vector_to_blob(v)}
                          for w, v in zip(chunk, vecs)])


def timed(lib: Library, embedder: Embedder, runs: int) -> dict[str, list[float]]:
    """Milliseconds per query by mode; the modes alternate query by query, so a busy machine
    slows both alike."""
    out: dict[str, list[float]] = {"audio": [], "hybrid": []}
    for mode in out:
        search_text(lib, embedder, "warm up", k=10, mode=mode)
    for i in range(runs):
        for mode in out:
            t0 = time.perf_counter()
            search_text(lib, embedder, QUERIES[i % len(QUERIES)], k=10, mode=mode)
            out[mode].append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--windows", type=int, default=2, help="window vectors per file")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--vocabulary", type=int, default=30_000,
                    help="synthetic words added to the vocabulary (query expansion scans them all)")
    ap.add_argument("--model", default="default")
    ap.add_argument("--keep", type=Path, help="library folder to build (or reuse)")
    args = ap.parse_args()
    limit_threads(1)  # what `clap-search query` and `serve` run with (README, Benchmarks)
    print(f"machine: {describe_machine()}")
    embedder = Embedder.load(args.model)
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_hybrid_"))
    fresh = not (root / "library.sqlite").exists()
    lib = Library.open(root, create=True)
    if fresh:
        t0 = time.perf_counter()
        populate(lib, embedder, args.files, args.windows, args.vocabulary)
        print(f"built {args.files} files x {args.windows} windows in {time.perf_counter() - t0:.0f} s")
    stats = lib.stats()
    print(f"library: {stats.files} files, {stats.segments} segments, index {stats.index_type}")
    times = timed(lib, embedder, args.runs)
    for mode, ms in times.items():
        p50, p95 = statistics.median(ms), np.percentile(ms, 95)
        print(f"{mode:7} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({args.runs} queries)")
    ratio = [h / a for h, a in zip(times["hybrid"], times["audio"])]
    print(f"hybrid / audio, same query back to back: median {statistics.median(ratio):.2f}x")


if __name__ == "__main__":
    main()
