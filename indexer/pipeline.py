"""The indexer run: scan -> decode -> embed -> write; incremental, resumable, never killed by bad audio."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select

from clap_search.audio import DEFAULT_MAX_SECONDS
from clap_search.db import STATUS_OK, File, path_key, under
from clap_search.embed import Embedder
from clap_search.errors import NotFoundError
from clap_search.indexer.decode import decode_all
from clap_search.indexer.embed import embed_one
from clap_search.indexer.scan import Candidate, scan
from clap_search.indexer.words import WordsSummary, update_words
from clap_search.indexer.write import FAILED, Writer
from clap_search.library import Library
from clap_search.threads import plan_index_threads

if TYPE_CHECKING:
    from clap_search.indexer.distributed import RayOptions

log = logging.getLogger(__name__)


class Progress(Protocol):
    """What the indexer reports while it runs (the CLI draws a Rich bar from it)."""

    def start(self, total_files: int) -> None: ...

    def advance(self, audio_seconds: float) -> None: ...


@dataclass
class IndexSummary:
    """What one run did; `failures` are (path, reason) of files that failed in this run."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    moved: int = 0
    failed: int = 0
    seconds: float = 0.0
    audio_seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    words: WordsSummary = field(default_factory=WordsSummary)


@dataclass
class Plan:
    """What needs doing: files to read, files that vanished (by id and by content hash)."""

    todo: list[Candidate]
    unchanged: int
    vanished: dict[int, str | None]

    def vanished_by_hash(self) -> dict[str, int]:
        return {h: i for i, h in self.vanished.items() if h}


def plan_changes(library: Library, root_key: str, candidates: list[Candidate]) -> Plan:
    """Compare the scan with the DB: same path, size and mtime means unchanged (even if failed)."""
    with library.session() as s:
        rows = s.execute(
            select(
                File.id, File.path, File.size, File.mtime, File.content_hash, File.status, File.error
            ).where(under(root_key))
        ).all()
    known = {r.path: r for r in rows}
    todo, unchanged = [], 0
    for cand in candidates:
        row = known.pop(cand.key, None)
        if (row is not None and (row.size, row.mtime) == (cand.size, cand.mtime)
                and (cand.error is None or cand.error == row.error)):
            unchanged += 1
        else:
            todo.append(cand)
    vanished = {r.id: (r.content_hash if r.status == STATUS_OK else None) for r in known.values()}
    return Plan(todo, unchanged, vanished)


def index_folder(
    library: Library,
    root: str | os.PathLike[str],
    embedder: Embedder,
    progress: Progress | None = None,
    rebuild: bool = False,
    workers: int | None = None,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    ray: RayOptions | None = None,
    words_threads: int | None = None,
) -> IndexSummary:
    """Bring the library up to date with `root`; returns what changed.

    `workers`: decode threads (default: clap_search.threads' plan for the cores available).
    `words_threads`: torch threads for the words stage, after decoding (ThreadPlan.words; default:
    as many as torch has).
    `ray`: decode and embed as Ray tasks instead (indexer/distributed.py); the rest stays here."""
    t0 = time.monotonic()
    top = os.path.abspath(os.fspath(root))
    if not os.path.lexists(top):
        raise NotFoundError(f"no such file or folder: {path_key(top)}")
    summary = IndexSummary()
    with library.writing():
        library.claim_model(embedder.identity, rebuild=rebuild)
        library.store  # noqa: B018 - load the saved index before the generation moves on
        library.begin_generation()
        library.add_root(top)
        plan = plan_changes(library, path_key(top), list(scan(top, warn=summary.warnings.append)))
        summary.unchanged = plan.unchanged
        if progress:
            progress.start(len(plan.todo))
        writer = Writer(library)
        vanished = plan.vanished_by_hash()
        decoders = workers or plan_index_threads().decode
        try:
            _run(plan, vanished, embedder, writer, summary, progress, decoders, max_seconds, ray)
            moved = set(plan.vanished_by_hash().values()) - set(vanished.values())
            gone = [i for i in plan.vanished if i not in moved]
            writer.remove_files(gone)
            summary.removed = len(gone)
        finally:
            writer.close()
            library.save_store()
        summary.words = update_words(library, embedder, top, threads=words_threads)
    summary.seconds = time.monotonic() - t0
    return summary


def _run(
    plan: Plan,
    vanished: dict[str, int],
    embedder: Embedder,
    writer: Writer,
    summary: IndexSummary,
    progress: Progress | None,
    workers: int,
    max_seconds: float,
    ray: RayOptions | None = None,
) -> None:
    if ray is None:
        decoded = decode_all(
            plan.todo, embedder.sample_rate, vanished, workers=workers, max_seconds=max_seconds
        )
        embedded = (embed_one(embedder, item) for item in decoded)
    else:
        from clap_search.indexer.distributed import decode_embed_all

        embedded = decode_embed_all(plan.todo, ray, embedder.sample_rate, max_seconds, vanished)
    for item in embedded:
        outcome = writer.write(item)
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        seconds = item.info.duration if item.info and outcome != FAILED else 0.0
        summary.audio_seconds += seconds
        if outcome == FAILED:
            summary.failures.append((item.candidate.key, item.error or "no audio"))
            log.info("failed: %s: %s", item.candidate.key, item.error)
        elif item.warning:
            summary.warnings.append(f"{item.candidate.key}: {item.warning}")
        if progress:
            progress.advance(seconds)
