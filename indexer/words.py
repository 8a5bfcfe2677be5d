"""Stage 5: each indexed file's words (tags, chunks, UCS name, path), their vectors, its audio neighbours.

Runs after the audio stages over every file whose words are missing or older than its row
(new, re-embedded or moved files; files indexed before this stage existed), reading tags from
disk without decoding audio. An interrupted run leaves those files stale, so the next run
finishes them.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

import numpy as np
import torch
from sqlalchemy import delete, select

from clap_search.db import (
    STATUS_OK,
    File,
    FileWords,
    Segment,
    blob_to_vectors,
    disk_path,
    path_key,
    under,
    vector_to_blob,
)
from clap_search.embed import Embedder
from clap_search.library import Library
from clap_search.words.adapt import apply_layer
from clap_search.words.graph import file_vector, link_files
from clap_search.words.metadata import Words, read_words
from clap_search.words.reference import reference_vectors
from clap_search.words.semantic import calibrate, open_word_store, save_word_store
from clap_search.words.vocabulary import update_vocabulary, words_of

log = logging.getLogger(__name__)
CHUNK = 256


@dataclass
class WordsSummary:
    read: int = 0
    with_words: int = 0
    problems: int = 0
    new_words: int = 0  # embedded into the vocabulary (query expansion)
    vocabulary_seconds: float = 0.0
    seconds: float = 0.0


def _stale(library: Library, root_key: str) -> list[tuple[int, str, float]]:
    with library.session() as s:
        rows = s.execute(
            select(File.id, File.path, File.indexed_at, FileWords.source)
            .outerjoin(FileWords, FileWords.file_id == File.id)
            .where(under(root_key), File.status == STATUS_OK)
        ).all()
    return [(fid, path, at) for fid, path, at, source in rows if source != at]


def _read(key: str, root_key: str) -> Words:
    """The words of the file stored as `key` (read from its real path; named by its key)."""
    try:
        return read_words(disk_path(key), root=root_key, display_path=key)
    except Exception as exc:  # noqa: BLE001 - a reader bug costs this file its tags, nothing more
        words = Words(fields={}, problems=[f"metadata unreadable ({type(exc).__name__}: {str(exc)[:120]})"])
        return words


def update_words(
    library: Library, embedder: Embedder, root: str | os.PathLike[str], threads: int | None = None
) -> WordsSummary:
    """Bring file_words, the word index and the neighbour graph up to date under `root`.

    `threads`: torch threads for this stage's text tower (the indexer's decode workers are done
    by now: ThreadPlan.words), given back after; None keeps torch's."""
    summary = WordsSummary()
    t0 = time.monotonic()
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, threads or before))
    try:
        apply_layer(embedder, library)  # word vectors come from the library's adapted text head, if any
        words = _update(library, embedder, os.path.abspath(os.fspath(root)), summary)
        t1 = time.monotonic()
        summary.new_words = update_vocabulary(library, embedder, words)
        summary.vocabulary_seconds = time.monotonic() - t1
    finally:
        torch.set_num_threads(before)
        summary.seconds = time.monotonic() - t0
    return summary


def _update(library: Library, embedder: Embedder, top: str, summary: WordsSummary) -> set[str]:
    """Returns the words of the files read (for the vocabulary)."""
    with library.session() as s, s.begin():  # files that failed since: their words go
        failed = select(File.id).where(under(path_key(top)), File.status != STATUS_OK)
        s.execute(delete(FileWords).where(FileWords.file_id.in_(failed)))
    todo = _stale(library, path_key(top))
    words: set[str] = set()
    if not todo:
        return words
    reference_vectors(embedder, library.root)  # stored now, so a cold query need not embed them
    store = library.store
    words_store = open_word_store(library)
    calibration = calibrate(store)
    dim = library.dim
    for i in range(0, len(todo), CHUNK):
        chunk = todo[i : i + CHUNK]
        read = {fid: _read(path, path_key(top)) for fid, path, _ in chunk}
        sentences = {fid: w.sentence for fid, w in read.items() if w.sentence}
        vectors = dict(zip(sentences, embedder.embed_texts(list(sentences.values())))) if sentences else {}
        with library.session() as s, s.begin():
            seg_rows = s.execute(
                select(Segment.file_id, Segment.vector)
                .where(Segment.file_id.in_(list(read)))
                .order_by(Segment.id)
            ).all()
            windows: dict[int, list[bytes]] = {}
            for fid, blob in seg_rows:
                windows.setdefault(fid, []).append(blob)
            means = {fid: file_vector(blob_to_vectors(b, dim)) for fid, b in windows.items()}
            # one read for the chunk's existing rows: a get per file flushed the one before it
            rows = s.scalars(select(FileWords).where(FileWords.file_id.in_(list(read))))
            existing = {r.file_id: r for r in rows}
            for fid, _, at in chunk:
                w = read[fid]
                row = existing.get(fid) or FileWords(file_id=fid)
                row.source, row.fields, row.text, row.sentence = at, w.fields_json(), w.text, w.sentence
                row.useful, row.error = w.useful, w.error
                row.vector = vector_to_blob(vectors[fid]) if fid in vectors else None
                row.audio_mean = vector_to_blob(means[fid]) if fid in means else None
                s.add(row)
                words |= words_of(w.text)
                summary.read += 1
                summary.with_words += w.useful
                summary.problems += w.error is not None
                if w.error:
                    log.info("metadata: %s: %s", fid, w.error)
            s.flush()
            link_files(s, store, means, calibration)
        words_store.remove(list(read))
        if vectors:
            words_store.add(np.array(list(vectors), np.int64), np.stack(list(vectors.values())))
    save_word_store(library, words_store)
    return words
