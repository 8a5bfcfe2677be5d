"""The file-level audio kNN graph: each file's nearest files by sound, with edge weights.

A file's audio vector is the normalised mean of its window vectors. Its neighbours are found
through the segment index (one batched FAISS search per indexing run), re-scored exactly on
file vectors, and kept both ways (f -> n and n -> f, each list capped at `K`), so a file indexed
early still learns about the similar files that come later. Edge weight comes from the
similarity as a z-score against the library (semantic.Calibration of the window vectors):
0 below Z_FLOOR, rising linearly to 1 at Z_FULL, so only sounds unusually close to each other
pass on meaning, whatever the model's cosine range.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from clap_search.db import FileWords, Neighbor, Segment, blob_to_vectors
from clap_search.store import VectorStore

if TYPE_CHECKING:
    from clap_search.words.semantic import Calibration

K = 10
Z_FLOOR = 1.5
Z_FULL = 5.0
FETCH_SEGMENTS = 96
ID_CHUNK = 5000


def file_vector(window_vectors: np.ndarray) -> np.ndarray:
    mean = window_vectors.mean(axis=0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


def edge_weight(z: np.ndarray | float) -> np.ndarray:
    return np.clip((np.asarray(z, np.float64) - Z_FLOOR) / (Z_FULL - Z_FLOOR), 0.0, 1.0)


def _means(session: Session, file_ids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
    out: dict[int, np.ndarray] = {}
    ids = list(file_ids)
    for i in range(0, len(ids), ID_CHUNK):
        rows = session.execute(
            select(FileWords.file_id, FileWords.audio_mean).where(
                FileWords.file_id.in_(ids[i : i + ID_CHUNK]), FileWords.audio_mean.is_not(None)
            )
        )
        out.update((fid, blob_to_vectors([blob], dim)[0]) for fid, blob in rows)
    return out


def _owners(session: Session, seg_ids: Sequence[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    ids = list(seg_ids)
    for i in range(0, len(ids), ID_CHUNK):
        stmt = select(Segment.id, Segment.file_id).where(Segment.id.in_(ids[i : i + ID_CHUNK]))
        out.update((int(a), int(b)) for a, b in session.execute(stmt))
    return {int(k): int(v) for k, v in out.items()}


def link_files(
    session: Session, store: VectorStore, vectors: dict[int, np.ndarray], calibration: Calibration
) -> int:
    """Find the neighbours of these files (their file vectors given) and store the edges; returns edges."""
    if not vectors or len(store) == 0:
        return 0
    fids = list(vectors)
    session.execute(delete(Neighbor).where(or_(Neighbor.file_id.in_(fids), Neighbor.neighbor_id.in_(fids))))
    queries = np.stack([vectors[f] for f in fids])
    _, seg_ids = store.search(queries, min(FETCH_SEGMENTS, len(store)))
    owner = _owners(session, [int(s) for s in np.unique(seg_ids) if s >= 0])
    candidates = {fid: list(dict.fromkeys(owner[s] for s in row if s in owner and owner[s] != fid))
                  for fid, row in zip(fids, seg_ids.tolist())}
    means = _means(session, {n for c in candidates.values() for n in c}, store.dim) | vectors
    edges: dict[tuple[int, int], float] = {}
    for fid, cands in candidates.items():
        cands = [n for n in cands if n in means]
        if not cands:
            continue
        cos = np.stack([means[n] for n in cands]) @ vectors[fid]
        weights = edge_weight(calibration.z(vectors[fid], cos))
        for i in np.argsort(-cos, kind="stable")[:K]:
            if weights[i] > 0:
                edges[(fid, cands[i])] = edges[(cands[i], fid)] = float(weights[i])
    touched = {a for a, _ in edges} - set(fids)
    existing = session.execute(select(Neighbor.file_id, Neighbor.neighbor_id, Neighbor.weight).where(
        Neighbor.file_id.in_(list(touched)))).all() if touched else []
    lists: dict[int, dict[int, float]] = {}
    for a, b, w in existing:
        lists.setdefault(a, {})[b] = w
    for (a, b), w in edges.items():
        lists.setdefault(a, {})[b] = w
    if touched:
        session.execute(delete(Neighbor).where(Neighbor.file_id.in_(list(touched))))
    rows = [Neighbor(file_id=a, neighbor_id=b, weight=w)
            for a, nbrs in lists.items()
            for b, w in sorted(nbrs.items(), key=lambda kv: -kv[1])[:K]]
    session.add_all(rows)
    return len(rows)


class Graph:
    """The whole edge list in memory (CSR: 10 edges per file is ~16 MB at a million files)."""

    def __init__(self, src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> None:
        order = np.argsort(src, kind="stable")
        self.src, self.dst, self.weight = src[order], dst[order], weight[order]

    @classmethod
    def load(cls, session: Session) -> Graph:
        rows = session.execute(select(Neighbor.file_id, Neighbor.neighbor_id, Neighbor.weight)).all()
        arr = np.array(rows, dtype=np.float64).reshape(-1, 3)
        return cls(arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2])

    def neighbours_of(self, file_ids: Sequence[int]) -> list[tuple[int, int, float]]:
        """(file, neighbour, weight) edges leaving these files."""
        out: list[tuple[int, int, float]] = []
        for fid in file_ids:
            lo, hi = np.searchsorted(self.src, [fid, fid + 1])
            out.extend((fid, int(d), float(w)) for d, w in zip(self.dst[lo:hi], self.weight[lo:hi]))
        return out
