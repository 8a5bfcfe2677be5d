"""The files' word vectors (the model's text tower on each file's words) and score calibration.

Word vectors live in their own FAISS store (`words.faiss`, ids = file ids) saved with the
library's generation, like the segment index: exact below 50k files, HNSW above. Scores are
calibrated per query as z-scores against the library: `(s - q.mean) / sqrt(q' C q)` with the mean
and covariance of a fixed sample of the vectors, so "how unusually well does this match" means
the same for audio and for words, whatever the model's cosine range.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select

from clap_search.db import FileWords, blob_to_vectors
from clap_search.library import Library
from clap_search.store import VectorStore, index_kind
from clap_search.words.graph import Graph
from clap_search.words.lexical import count_documents

if TYPE_CHECKING:
    from clap_search.words.vocabulary import Vocabulary

WORDS_INDEX = "words.faiss"
# HNSW breadth for word vectors (above 50k files): the semantic signal needs the best ~100
# matches, not exact recall deep in the list, and is 3-4x cheaper than the segments' 256.
WORDS_EF_SEARCH = 64
STATS_SAMPLE = 4000
REBUILD_BATCH = 20_000


@dataclass(frozen=True)
class Calibration:
    """Mean and covariance of a sample of unit vectors: z-scores of inner products with a query."""

    mean: np.ndarray
    cov: np.ndarray

    @classmethod
    def from_vectors(cls, vectors: np.ndarray, dim: int) -> Calibration:
        if len(vectors) < 2:
            return cls(np.zeros(dim, np.float32), np.eye(dim, dtype=np.float32) / dim)
        v = vectors.astype(np.float64)
        mean = v.mean(axis=0)
        centred = v - mean
        cov = centred.T @ centred / (len(v) - 1) + np.eye(dim) * 1e-6
        return cls(mean.astype(np.float32), cov.astype(np.float32))

    def z(self, query: np.ndarray, scores: np.ndarray) -> np.ndarray:
        q = np.asarray(query, np.float32).ravel()
        spread = float(np.sqrt(max(float(q @ self.cov @ q), 1e-12)))
        return (np.asarray(scores, np.float32) - float(q @ self.mean)) / spread

    @property
    def base_similarity(self) -> float:
        """Expected cosine of two unrelated vectors (|mean|^2)."""
        return float(self.mean @ self.mean)


def sample_ids(ids: np.ndarray, n: int = STATS_SAMPLE) -> np.ndarray:
    """A fixed, evenly spaced sample: the same library always calibrates the same way."""
    ids = np.sort(ids)
    if len(ids) <= n:
        return ids
    return ids[np.linspace(0, len(ids) - 1, n).astype(np.int64)]


def store_ids(store: VectorStore) -> np.ndarray:
    return store.ids()


def calibrate(store: VectorStore) -> Calibration:
    ids = sample_ids(store_ids(store))
    return Calibration.from_vectors(store.reconstruct(ids), store.dim)


def _path(library: Library) -> Path:
    return library.root / WORDS_INDEX


def rebuild_word_store(library: Library) -> VectorStore:
    dim = library.dim
    with library.session() as s:
        rows = s.execute(
            select(FileWords.file_id, FileWords.vector)
            .where(FileWords.vector.is_not(None))
            .execution_options(yield_per=REBUILD_BATCH)
        )
        ids: list[np.ndarray] = []
        vecs: list[np.ndarray] = []
        for chunk in rows.partitions():
            ids.append(np.array([r[0] for r in chunk], np.int64))
            vecs.append(blob_to_vectors([r[1] for r in chunk], dim))
    all_ids = np.concatenate(ids) if ids else np.zeros(0, np.int64)
    store = VectorStore(dim, index_kind(len(all_ids)))
    if len(all_ids):
        store.add(all_ids, np.concatenate(vecs))
    return store


def open_word_store(library: Library) -> VectorStore:
    """The saved word index when it belongs to this generation, else one rebuilt from the DB
    (or, where the database searches vectors itself, its own index)."""
    in_database = library.word_index()
    if in_database is not None:
        return in_database
    store = VectorStore.load(_path(library), library.generation(), library.dim)
    return store if store is not None else rebuild_word_store(library)


def save_word_store(library: Library, store: VectorStore) -> None:
    """Write the word index for the current generation (with the writer lock held)."""
    if not isinstance(store, VectorStore):
        library.begin_generation()  # kept in the database: a new generation tells searchers to reload
        return
    if store.needs_rebuild:
        store = rebuild_word_store(library)
    store.save(_path(library), library.generation())


@dataclass
class WordState:
    """What a query needs beyond the segment index, loaded once per library change."""

    mark: tuple[int, int, str]
    graph: Graph
    words: VectorStore
    word_calibration: Calibration
    audio_calibration: Calibration
    vocabulary: Vocabulary
    documents: int  # files with words (the lexical match's N)


_STATE: dict[Path, WordState] = {}


def _mark(library: Library) -> tuple[int, int]:
    try:
        mtime = _path(library).stat().st_mtime_ns
    except OSError:
        mtime = 0
    return library.generation(), mtime


def word_state(library: Library, reference: np.ndarray | None = None, head: str = "") -> WordState:
    """Cached per library folder; reloaded when the generation, the saved word index or the
    text head changes.

    `reference`: word vectors of everyday descriptions (words/reference.py) added to the word
    calibration sample, so a small library still calibrates sensibly. `head`: the text head
    whose vocabulary vectors to load (words/reference.head_key).
    """
    from clap_search.words.vocabulary import Vocabulary

    mark = (*_mark(library), head)
    state = _STATE.get(library.root)
    if state is None or state.mark != mark:
        words = open_word_store(library)
        sample = words.reconstruct(sample_ids(store_ids(words)))
        if reference is not None:
            sample = np.concatenate([sample, reference.astype(np.float32)])
        word_cal = Calibration.from_vectors(sample, library.dim)
        words.ef_search = WORDS_EF_SEARCH
        with library.session() as s:
            graph = Graph.load(s)
            vocabulary = Vocabulary.load(s, head, library.dim, reference)
            documents = count_documents(s)
        state = WordState(mark, graph, words, word_cal, calibrate(library.store), vocabulary, documents)
        _STATE[library.root] = state
    return state


def semantic_scores(
    state: WordState, query: np.ndarray, fetch: int
) -> tuple[dict[int, float], dict[int, float]]:
    """(file id -> cosine, file id -> z-score) of the `fetch` files whose words match best."""
    if len(state.words) == 0:
        return {}, {}
    scores, ids = state.words.search(query, min(fetch, len(state.words)))
    keep = ids[0] >= 0
    ids, scores = ids[0][keep], scores[0][keep]
    z = state.word_calibration.z(query, scores)
    return dict(zip(ids.tolist(), scores.tolist())), dict(zip(ids.tolist(), z.tolist()))
