"""Searching a library: text -> sounds, sound -> sounds, and zero-shot classification of files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from clap_search.db import STATUS_OK, File, Segment, blob_to_vectors, path_key
from clap_search.errors import AudioReadError, NotFoundError, UsageError
from clap_search.filters import Filters
from clap_search.library import Library

# A text query needs neither torch nor a decoder: those load only where audio is embedded.
if TYPE_CHECKING:
    from clap_search.embed import Embedder
    from clap_search.text_embed import TextEmbedder

__all__ = ["Classification", "Filters", "Hit", "classify", "search_text", "search_vectors", "similar"]

FIRST_FETCH = 64
AUDIO_CANDIDATES = 50  # files the hybrid ranker takes from the audio search, at least
WORD_CANDIDATES = 100  # and from the word evidence
ID_CHUNK = 10_000


def _one_openmp_thread() -> None:
    """FAISS asks OpenMP for a team per search; two teams on two cores spin against each other
    (a flat search took 30 ms instead of 1), and one query's search has nothing to share out."""
    import faiss

    faiss.omp_set_num_threads(1)  # this thread's own setting (an OpenMP per-thread variable)


# A hybrid query's vector work (words/evidence.nearby) runs here, beside its SQL and audio search
_WORD_WORK = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clap-search-words",
                                initializer=_one_openmp_thread)


@dataclass(frozen=True)
class Hit:
    """One matching window: `start`..`end` seconds inside `path`."""

    path: str
    score: float
    start: float
    end: float
    segment_id: int
    file_id: int
    duration: float | None
    # Hybrid ranking: the parts of `score` (audio, lexical, semantic, propagated); see words/ranker.py
    explain: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Classification:
    """Zero-shot result for one file; `error` is set (and scores empty) when it could not be read."""

    path: str
    label: str | None
    score: float
    scores: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "label": self.label, "score": self.score, "scores": self.scores}


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i : i + ID_CHUNK]) for i in range(0, len(ids), ID_CHUNK)]


def _best_windows(
    library: Library, queries: np.ndarray, fetch: int, allowed: Any
) -> dict[int, float]:
    """Segment id -> best score over the query windows, from each window's top `fetch`."""
    scores, ids = library.store.search(queries, fetch, allowed)
    best: dict[int, float] = {}
    for sid, score in zip(ids.ravel().tolist(), scores.ravel().tolist()):
        if sid >= 0 and score > best.get(sid, -np.inf):
            best[sid] = score
    return best


def _file_of(session: Session, seg_ids: Sequence[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for chunk in _chunks(seg_ids):
        rows = session.execute(select(Segment.id, Segment.file_id).where(Segment.id.in_(chunk)))
        out.update((sid, fid) for sid, fid in rows)
    return out


def _rank_files(
    library: Library, queries: np.ndarray, k: int, allowed: Any, exclude: int | None
) -> list[tuple[int, int, float]]:
    """(file id, best segment id, score) of the k best files; fetches more until k distinct files."""
    total = len(allowed) if allowed is not None else len(library.store)
    fetch = min(total, max(FIRST_FETCH, 4 * k))
    with library.session() as s:
        while True:
            best = _best_windows(library, queries, fetch, allowed)
            files: dict[int, tuple[int, float]] = {}
            owner = _file_of(s, list(best))
            for sid, score in sorted(best.items(), key=lambda kv: -kv[1]):
                fid = owner.get(sid)  # None: deleted by a writer since the index was loaded
                if fid is not None and fid != exclude and fid not in files:
                    files[fid] = (sid, score)
            if len(files) >= k or fetch >= total:
                return [(fid, sid, sc) for fid, (sid, sc) in list(files.items())[:k]]
            fetch = min(total, fetch * 4)


def _more_windows(
    library: Library, queries: np.ndarray, file_ids: list[int], per_file: int
) -> list[tuple[int, float]]:
    """The `per_file` best windows of each chosen file, exactly (a small filtered search)."""
    return [(sid, score) for sid, score, _ in _scored_windows(library, queries, file_ids, per_file)]


def _hits(library: Library, scored: list[tuple[int, float]]) -> list[Hit]:
    with library.session() as s:
        rows = s.execute(
            select(Segment.id, Segment.start, Segment.end, File.id, File.path, File.duration)
            .join(File)
            .where(Segment.id.in_([sid for sid, _ in scored]))
        ).all()
    info = {r[0]: r for r in rows}
    return [
        Hit(info[sid][4], float(score), info[sid][1], info[sid][2], sid, info[sid][3], info[sid][5])
        for sid, score in scored
        if sid in info
    ]


def search_vectors(
    library: Library,
    queries: np.ndarray,
    k: int = 10,
    per_file: int = 1,
    filters: Filters | None = None,
    exclude_file: int | None = None,
) -> list[Hit]:
    """Best files for query vectors (a file scores its best window against any query row)."""
    if k < 1 or per_file < 1:
        raise UsageError("-k and --per-file must be at least 1")
    if library.model() is None or len(library.store) == 0:
        return []
    with library.session() as s:
        allowed = library.restrict(s, filters)
    ranked = _rank_files(library, np.atleast_2d(queries), k, allowed, exclude_file)
    if per_file == 1:
        scored = [(sid, score) for _, sid, score in ranked]
    else:
        scored = _more_windows(library, np.atleast_2d(queries), [fid for fid, _, _ in ranked], per_file)
    return _hits(library, scored)


def search_text(
    library: Library,
    embedder: Embedder | TextEmbedder,
    text: str,
    k: int = 10,
    per_file: int = 1,
    filters: Filters | None = None,
    mode: str = "hybrid",
) -> list[Hit]:
    """Sounds matching a description, best first.

    `mode`: "audio" ranks by the CLAP audio-text score alone; "hybrid" (the default) fuses it with
    the files' words and their audio neighbours' words (words/ranker.py); "words" ranks by words.
    """
    from clap_search.words.ranker import MODES

    if not text.strip():
        raise UsageError('empty query: describe a sound, e.g. clap-search query "dog barking in rain"')
    if mode not in MODES:
        raise UsageError(f"unknown mode '{mode}': use {', '.join(MODES)}")
    library.check_model(embedder.identity)
    from clap_search.words.adapt import apply_layer

    apply_layer(embedder, library)  # the library's own text head from `clap-search adapt`, if any
    queries = embedder.embed_texts([text])
    if mode == "audio":
        return search_vectors(library, queries, k, per_file, filters)
    return _search_hybrid(library, embedder, queries, text, k, per_file, filters, mode)


def _best_window_of(
    library: Library, queries: np.ndarray, file_ids: list[int]
) -> dict[int, tuple[int, float]]:
    """file id -> (best segment id, score) for these files, exactly."""
    if not file_ids:
        return {}
    return {fid: (sid, score) for sid, score, fid in _scored_windows(library, queries, file_ids, 1)}


def _scored_windows(
    library: Library, queries: np.ndarray, file_ids: list[int], per_file: int
) -> list[tuple[int, float, int]]:
    with library.session() as s:
        rows = s.execute(select(Segment.id, Segment.file_id).where(Segment.file_id.in_(file_ids)))
        owner = dict(rows.all())
    if not owner:
        return []
    best = _best_windows(library, queries, len(owner), np.array(list(owner), dtype=np.int64))
    taken: dict[int, int] = {}
    out = []
    for sid, score in sorted(best.items(), key=lambda kv: -kv[1]):
        fid = owner.get(sid)
        if fid is not None and taken.get(fid, 0) < per_file:
            taken[fid] = taken.get(fid, 0) + 1
            out.append((sid, score, fid))
    return out


def _search_hybrid(
    library: Library, embedder: Embedder, queries: np.ndarray, text: str, k: int, per_file: int,
    filters: Filters | None, mode: str,
) -> list[Hit]:
    """Audio candidates and word candidates, fused by words.ranker; filters hold for both."""
    from clap_search.filters import conditions
    from clap_search.words import evidence, feedback, lexical, ranker, semantic
    from clap_search.words.reference import head_key, reference_vectors

    if k < 1 or per_file < 1:
        raise UsageError("-k and --per-file must be at least 1")
    if library.model() is None or len(library.store) == 0:
        return []
    state = semantic.word_state(library, reference_vectors(embedder, library.root), head_key(embedder))
    # The vector work (word vectors, vocabulary) runs beside the SQL and the audio search.
    near = _WORD_WORK.submit(evidence.nearby, state, text, queries)
    with library.session() as s:
        allowed = library.restrict(s, filters)
        found = lexical.look_up(s, text)
    audio_top = _rank_files(library, queries, max(AUDIO_CANDIDATES, 4 * k), allowed, None)
    windows = {fid: (sid, score) for fid, sid, score in audio_top}
    with library.session() as s:
        signals = evidence.gather(s, state, found, near.result(), among=set(windows))
        signals.audio = {fid: score for fid, (_, score) in windows.items()}  # the audio top, for now
        signals.feedback = feedback.feedback_credits(s, state, signals, library.dim)
    # The files whose words add most; a file with neither strong words nor strong audio cannot
    # reach the top k, so the exact audio score is computed for these few only.
    worded = ranker.word_candidates(signals, max(WORD_CANDIDATES, 10 * k))
    extra = sorted((set(worded) | set(signals.feedback)) - set(windows))
    if extra and filters is not None and not filters.empty:
        with library.session() as s:
            extra = [f for chunk in _chunks(extra)
                     for f in s.scalars(select(File.id).where(File.id.in_(chunk), *conditions(filters)))]
    windows.update(_best_window_of(library, queries, extra))
    signals.audio = {fid: score for fid, (_, score) in windows.items()}
    fids = list(signals.audio)
    z = state.audio_calibration.z(queries[0], np.array([signals.audio[f] for f in fids], np.float32))
    signals.audio_z = dict(zip(fids, z.tolist()))
    ranked = ranker.fuse(signals, fids, mode)[:k]
    if per_file == 1:
        hits = _hits(library, [(windows[r.file_id][0], r.score) for r in ranked])
    else:
        rank = {r.file_id: i for i, r in enumerate(ranked)}
        found = _scored_windows(library, queries, list(rank), per_file)
        found.sort(key=lambda t: (rank[t[2]], -t[1]))
        hits = _hits(library, [(sid, ranked[rank[fid]].score) for sid, _, fid in found])
    why = {r.file_id: r.explain for r in ranked}
    return [replace(h, explain=why.get(h.file_id)) for h in hits]


def _indexed_vectors(library: Library, path: Path) -> tuple[int, np.ndarray] | None:
    """(file id, stored window vectors) when `path` is in the library and unchanged on disk."""
    st = path.stat()
    with library.session() as s:
        row = s.scalar(select(File).where(File.path == path_key(path), File.status == STATUS_OK))
        if row is None or (row.size, row.mtime) != (st.st_size, st.st_mtime):
            return None
        blobs = s.scalars(select(Segment.vector).where(Segment.file_id == row.id).order_by(Segment.id)).all()
        return row.id, blob_to_vectors(list(blobs), library.dim)


def audio_vectors(embedder: Embedder, path: str | os.PathLike[str]) -> np.ndarray:
    """Decode and embed a file that is not (or not currently) in the library."""
    from clap_search.audio import load_audio

    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"no such file: {path_key(p)}")
    if p.is_dir():
        raise UsageError(f"{path_key(p)} is a folder: give one audio file")
    wave, _ = load_audio(p, embedder.sample_rate)
    return embedder.embed_wave(wave).vectors


def similar(
    library: Library,
    embedder: Embedder,
    path_or_wave: str | os.PathLike[str] | np.ndarray,
    k: int = 10,
    include_self: bool = False,
    per_file: int = 1,
    filters: Filters | None = None,
) -> list[Hit]:
    """Sounds closest to a file or waveform; a library file reuses its stored vectors."""
    library.check_model(embedder.identity)
    self_id = None
    if isinstance(path_or_wave, np.ndarray):
        queries = embedder.embed_wave(path_or_wave).vectors
    else:
        p = Path(path_or_wave).expanduser()
        stored = _indexed_vectors(library, p) if p.is_file() and library.model() else None
        if stored is not None:
            self_id, queries = stored
        else:
            queries = audio_vectors(embedder, p)
            with library.session() as s:
                self_id = s.scalar(select(File.id).where(File.path == path_key(p)))
    exclude = None if include_self else self_id
    return search_vectors(library, queries, k, per_file, filters, exclude_file=exclude)


def similar_to_file(
    library: Library,
    embedder: Embedder,
    file_id: int,
    k: int = 10,
    per_file: int = 1,
    filters: Filters | None = None,
) -> list[Hit]:
    """"More like this" for a library file by id, from its stored vectors, excluding itself."""
    library.check_model(embedder.identity)
    with library.session() as s:
        if s.scalar(select(File.id).where(File.id == file_id, File.status == STATUS_OK)) is None:
            raise NotFoundError(f"no file with id {file_id} in the library")
        blobs = s.scalars(select(Segment.vector).where(Segment.file_id == file_id).order_by(Segment.id)).all()
    queries = blob_to_vectors(list(blobs), library.dim)
    return search_vectors(library, queries, k, per_file, filters, exclude_file=file_id)


def clean_labels(labels: Sequence[str]) -> list[str]:
    out = list(dict.fromkeys(label.strip() for label in labels if label.strip()))
    if len(out) < 2:
        raise UsageError('give at least two labels, e.g. --labels "dog,cat,rain" or --labels-file FILE')
    return out


def label_probabilities(vectors: np.ndarray, text: np.ndarray, scale: float) -> np.ndarray:
    """softmax(scale * cosine) over labels for each window, averaged over the windows."""
    logits = scale * vectors @ text.T
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    return probs.mean(axis=0)


def classify_wave(
    embedder: Embedder, wave: np.ndarray, labels: Sequence[str], template: str | None = None
) -> dict[str, float]:
    """Zero-shot label probabilities for one waveform (e.g. an uploaded clip)."""
    names = clean_labels(labels)
    text = embedder.embed_texts(embedder.prompts(names, template))
    scale = float(embedder.model.logit_scale.detach())
    probs = label_probabilities(embedder.embed_wave(wave).vectors, text, scale)
    return dict(zip(names, probs.tolist()))


def classify(
    embedder: Embedder,
    files: Sequence[str | os.PathLike[str]],
    labels: Sequence[str],
    template: str | None = None,
    library: Library | None = None,
) -> list[Classification]:
    """Zero-shot labels per file: softmax(logit_scale * cosine) per window, then the MEAN over windows.

    The mean rewards a label present through the file; a short event in a long file scores lower
    than under max-pooling. Unreadable files come back with `error` set instead of raising.
    """
    names = clean_labels(labels)
    text = embedder.embed_texts(embedder.prompts(names, template))
    scale = float(embedder.model.logit_scale.detach())
    if library is not None and library.model() is None:
        library = None  # nothing indexed yet: every file is embedded afresh
    if library is not None:
        library.check_model(embedder.identity, doing="classify")
    results = []
    for f in files:
        key = path_key(f)
        try:
            stored = _indexed_vectors(library, Path(f)) if library is not None and Path(f).is_file() else None
            vectors = stored[1] if stored is not None else audio_vectors(embedder, f)
        except (AudioReadError, NotFoundError, UsageError, OSError) as exc:
            results.append(Classification(key, None, 0.0, error=str(exc)))
            continue
        mean = label_probabilities(vectors, text, scale)
        best = int(mean.argmax())
        results.append(Classification(key, names[best], float(mean[best]), dict(zip(names, mean.tolist()))))
    return results
