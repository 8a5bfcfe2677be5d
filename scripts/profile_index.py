"""Where indexing spends its CPU: decode stages against model stages, from a real `index_folder` run.

    python scripts/profile_index.py --folder DIR [--threads auto]

The main thread (embed, write) and every decode call are profiled with per-thread CPU clocks
(cProfile with time.thread_time) and merged; the main thread's wall time minus its CPU time is
how long the model waited for decoded audio (or for the cores).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

import clap_search.indexer.decode as decode_stage
from clap_search.embed import Embedder
from clap_search.hostinfo import describe_machine
from clap_search.indexer.pipeline import index_folder
from clap_search.library import Library
from clap_search.threads import limit_threads, plan_index_threads

# (label, file name ending, function name): cumulative CPU of each; rows that overlap are indented.
ROWS = [
    ("decode stage (worker threads)", "indexer/decode.py", "decode_one"),
    ("  hash the file bytes", "indexer/decode.py", "content_hash"),
    ("  read + decode (libsndfile)", "soundfile.py", "read"),
    ("  resample (soxr)", "soxr/__init__.py", "resample_chunk"),
    ("  decoded-audio hash", "clap_search/audio.py", "decoded_hash"),
    ("  fingerprint", "clap_search/audio.py", "audio_fingerprint"),
    ("model stage (main thread)", "indexer/embed.py", "embed_one"),
    ("  log-mel front end", "clap_search/features.py", "forward"),
    ("  conv tower, int8", "clap_search/encoders/int8.py", "forward"),
    ("  conv tower, float", "clap_search/encoders/audio.py", "run_blocks"),
    ("  window pooling + projection", "clap_search/model.py", "project_audio"),
    ("write stage (main thread)", "indexer/write.py", "write"),
    ("  flush to SQLite + FAISS", "indexer/write.py", "flush"),
]


def cumulative(stats: pstats.Stats, file_end: str, func: str) -> float:
    total = 0.0
    for (file, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if name == func and file.replace("\\", "/").endswith(file_end):
            total += ct
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folder", type=Path, required=True)
    ap.add_argument("--model", default="default")
    ap.add_argument("--threads", type=int, help="as `clap-search index --threads` (default: auto)")
    args = ap.parse_args()

    plan = plan_index_threads(args.threads)
    limit_threads(plan.compute)
    embedder = Embedder.load(args.model, device="cpu")
    decode_profiles: list[cProfile.Profile] = []
    original = decode_stage.decode_one

    def profiled_decode(*a, **kw):  # noqa: ANN002, ANN003, ANN202 - a transparent wrapper
        prof = cProfile.Profile(time.thread_time)
        decode_profiles.append(prof)
        return prof.runcall(original, *a, **kw)

    decode_stage.decode_one = profiled_decode
    with tempfile.TemporaryDirectory(prefix="clap-profile-") as tmp:
        files = sorted(p for p in args.folder.rglob("*") if p.is_file())
        for p in files:
            p.read_bytes()  # page cache: measure decoding, not the disk
        index_folder(Library.open(Path(tmp) / "warm", create=True), files[0], embedder)  # int8 prep
        lib = Library.open(Path(tmp) / "lib", create=True)
        main_prof = cProfile.Profile(time.thread_time)
        wall0 = time.perf_counter()
        summary = main_prof.runcall(index_folder, lib, args.folder, embedder, workers=plan.decode)
        wall = time.perf_counter() - wall0
    stats = pstats.Stats(main_prof)
    for prof in decode_profiles:
        stats.add(prof)
    main_cpu = pstats.Stats(main_prof).total_tt  # type: ignore[attr-defined]
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"machine: {describe_machine()}")
    print(f"{summary.added} files, {summary.audio_seconds:.0f} s of audio in {wall:.1f} s "
          f"({summary.audio_seconds / wall:.0f}x real time), {plan.compute} compute + {plan.decode} decode "
          f"threads, audio tower in {embedder.precision}")
    print(f"CPU seconds profiled: {total:.1f} (main thread {main_cpu:.1f}); the main thread waited "
          f"{max(wall - main_cpu, 0):.1f} s of {wall:.1f} s (for decoded audio or for a core)")
    for label, file_end, func in ROWS:
        sec = cumulative(stats, file_end, func)
        if sec:
            print(f"{label:34s} {sec:7.2f} CPU-s {100 * sec / total:5.1f} %")


if __name__ == "__main__":
    main()
