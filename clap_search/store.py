"""The FAISS vector store: segment ids -> vectors, exact when small, HNSW when large."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import faiss
import numpy as np

# Exact search is memory-bound: 58 ms a query over 200k 1024-d vectors on our 2 cores
# (scripts/bench_store.py), ~15 ms at 50k; HNSW answers 1M in ~2 ms, so switch at 50k.
HNSW_THRESHOLD = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
# efSearch=256: recall@10 0.999 at 1M clustered 1024-d vectors, 0.744 on the isotropic worst
# case (scripts/bench_store.py); ENV.md measured 0.985-0.998 on low-rank 512-d data.
HNSW_EF_SEARCH = 256
# A filter this small is searched exactly from reconstructed vectors: selective filters starve
# HNSW's graph walk, and a few thousand dot products cost nothing.
EXACT_FILTER_LIMIT = 20_000
FLAT, HNSW = "flat", "hnsw"
# HNSW cannot delete: removed ids stay in the graph as tombstones, skipped during the search
# and saved with the index, until they are this share of it; then the index is rebuilt.
# (Rebuilding 1M segments takes minutes: removing one file must not.)
MAX_TOMBSTONE_FRACTION = 0.1


def index_kind(n_vectors: int) -> str:
    return HNSW if n_vectors > HNSW_THRESHOLD else FLAT


def _new_index(dim: int, kind: str) -> faiss.IndexIDMap2:
    inner: faiss.Index
    if kind == HNSW:
        inner = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        inner.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        inner = faiss.IndexFlatIP(dim)
    return faiss.IndexIDMap2(inner)


def _ids(ids: Iterable[int] | np.ndarray) -> np.ndarray:
    if isinstance(ids, np.ndarray):
        return np.ascontiguousarray(ids, dtype=np.int64)
    return np.fromiter(ids, dtype=np.int64)


class VectorStore:
    """Inner-product search over L2-normalised vectors whose FAISS ids are segment ids."""

    def __init__(self, dim: int, kind: str = FLAT, index: faiss.IndexIDMap2 | None = None) -> None:
        configure_faiss()
        self.dim = dim
        self.kind = kind
        self.index = index if index is not None else _new_index(dim, kind)
        # HNSW cannot delete: removed ids are hidden from results (see MAX_TOMBSTONE_FRACTION)
        self.hidden: set[int] = set()
        self._not_hidden: tuple[int, faiss.IDSelector] | None = None  # cached "all but tombstones"
        self.ef_search = HNSW_EF_SEARCH

    @classmethod
    def build(cls, ids: np.ndarray, vectors: np.ndarray, dim: int, kind: str | None = None) -> VectorStore:
        store = cls(dim, kind or index_kind(len(ids)))
        store.add(ids, vectors)
        return store

    def __len__(self) -> int:
        return self.index.ntotal - len(self.hidden)

    @property
    def needs_rebuild(self) -> bool:
        """True when the index type no longer suits the size or tombstones crowd the graph."""
        crowded = len(self.hidden) > MAX_TOMBSTONE_FRACTION * max(self.index.ntotal, 1)
        return crowded or self.kind != index_kind(len(self))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            vecs = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
            self.index.add_with_ids(vecs, _ids(ids))

    def remove(self, ids: Iterable[int]) -> None:
        arr = _ids(ids)
        if not len(arr):
            return
        if self.kind == HNSW:
            self.hidden.update(int(i) for i in arr)
        else:
            self.index.remove_ids(faiss.IDSelectorBatch(arr))

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) per query row, best first; -1 ids pad missing results."""
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if allowed is not None and len(allowed) <= EXACT_FILTER_LIMIT:
            return self._search_subset(q, k, _ids(allowed))
        sel = self._selector(allowed)
        fetch = min(k, max(self.index.ntotal, 1))
        if self.kind == HNSW:
            # faiss's bundled stubs predate these keyword constructors
            params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, fetch), sel=sel)  # type: ignore[attr-defined]
        else:
            params = faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]
        scores, ids = self.index.search(q, fetch, params=params)
        return _pad(scores[:, :k], ids[:, :k], k)

    def _selector(self, allowed: np.ndarray | None) -> faiss.IDSelector | None:
        """What the search may return: `allowed` less the tombstones, or all but the tombstones."""
        if allowed is None:
            if not self.hidden:
                return None
            if self._not_hidden is None or self._not_hidden[0] != len(self.hidden):
                gone = _ids(sorted(self.hidden))
                batch = faiss.IDSelectorBatch(gone)
                batch.keep_alive = gone  # type: ignore[attr-defined]  # a raw pointer into this array
                inverse = faiss.IDSelectorNot(batch)
                inverse.keep_alive = batch  # type: ignore[attr-defined]  # IDSelectorNot does not own it
                self._not_hidden = (len(self.hidden), inverse)  # tombstones only ever grow
            return self._not_hidden[1]
        keep = _ids(allowed)
        if self.hidden:
            keep = np.setdiff1d(keep, _ids(self.hidden))
        sel = faiss.IDSelectorBatch(keep)
        sel.keep_alive = keep  # type: ignore[attr-defined]  # the selector holds a raw pointer into this array
        return sel

    def _search_subset(self, q: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        present = np.array([i for i in allowed if int(i) not in self.hidden], dtype=np.int64)
        vecs = self.reconstruct(present)
        sims = q @ vecs.T
        order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        scores = np.take_along_axis(sims, order, axis=1)
        ids = present[order] if len(present) else np.zeros((len(q), 0), np.int64)
        return _pad(scores, ids, k)

    def ids(self) -> np.ndarray:
        """The live ids in the index (tombstones left out), sorted."""
        held = faiss.vector_to_array(self.index.id_map).astype(np.int64)
        if self.hidden:
            held = np.setdiff1d(held, _ids(self.hidden))
        return np.sort(held)

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        if not len(ids):
            return np.zeros((0, self.dim), np.float32)
        return self.index.reconstruct_batch(_ids(ids))

    def save(self, path: Path, generation: int) -> None:
        """Write the index atomically, then its sidecar saying which DB generation it holds."""
        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self.index, str(tmp))
        os.replace(tmp, path)
        meta = {"generation": generation, "kind": self.kind, "count": len(self), "dim": self.dim,
                "tombstones": sorted(self.hidden)}
        side = sidecar(path)
        side_tmp = side.with_name(side.name + ".tmp")
        side_tmp.write_text(json.dumps(meta))
        os.replace(side_tmp, side)

    @classmethod
    def load(cls, path: Path, generation: int, dim: int) -> VectorStore | None:
        """The saved index if it holds exactly `generation` with `dim`, else None (rebuild)."""
        try:
            meta = json.loads(sidecar(path).read_text())
        except (OSError, ValueError):
            return None
        if meta.get("generation") != generation or meta.get("dim") != dim or not path.exists():
            return None
        try:
            index = faiss.read_index(str(path))
        except RuntimeError:
            return None
        if not isinstance(index, faiss.IndexIDMap2):
            return None  # not one of ours: rebuild from the database
        store = cls(dim, meta.get("kind", FLAT), index)
        store.hidden = {int(i) for i in meta.get("tombstones", [])}
        return store


def sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def configure_faiss() -> None:
    """BLAS for batches of queries too: FAISS's default keeps it off below ~256 queries."""
    faiss.cvar.distance_compute_blas_threshold = 16


def _pad(scores: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    short = k - ids.shape[1]
    if short > 0:
        scores = np.pad(scores, ((0, 0), (0, short)), constant_values=-np.inf)
        ids = np.pad(ids, ((0, 0), (0, short)), constant_values=-1)
    return scores.astype(np.float32), ids.astype(np.int64)
