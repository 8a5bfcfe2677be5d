"""The FAISS store against brute-force numpy: exact when flat, recall@10 >= 0.95 when HNSW."""

from __future__ import annotations

import numpy as np
import pytest

import clap_search.store as store_module
from clap_search.store import FLAT, HNSW, VectorStore, index_kind


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def low_rank(n: int, dim: int, rank: int = 16, seed: int = 0) -> np.ndarray:
    """Embedding-like data: a few directions plus noise (random vectors flatter every index)."""
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((rank, dim))
    return unit(rng.standard_normal((n, rank)) @ basis + 0.3 * rng.standard_normal((n, dim)))


def brute(queries: np.ndarray, data: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    sims = queries @ data.T
    return ids[np.argsort(-sims, axis=1, kind="stable")[:, :k]]


def test_flat_top_k_equals_numpy():
    data, queries = low_rank(3000, 48), low_rank(20, 48, seed=1)
    ids = np.arange(1000, 4000, dtype=np.int64)
    store = VectorStore.build(ids, data, 48)
    assert store.kind == FLAT
    scores, got = store.search(queries, 10)
    assert np.array_equal(got, brute(queries, data, ids, 10))
    assert np.allclose(scores, np.sort(queries @ data.T, axis=1)[:, ::-1][:, :10], atol=1e-5)


def test_hnsw_recall_at_10():
    data, queries = low_rank(20000, 64), low_rank(100, 64, seed=2)
    ids = np.arange(len(data), dtype=np.int64) * 3 + 7
    store = VectorStore.build(ids, data, 64, kind=HNSW)
    _, got = store.search(queries, 10)
    truth = brute(queries, data, ids, 10)
    recall = np.mean([len(set(g) & set(t)) / 10 for g, t in zip(got, truth)])
    assert recall >= 0.95


def test_kind_follows_size():
    assert index_kind(10) == FLAT and index_kind(10_000_000) == HNSW


@pytest.mark.parametrize("kind", [FLAT, HNSW])
def test_filtered_search_returns_k_allowed_hits(kind):
    data, queries = low_rank(2000, 32), low_rank(5, 32, seed=3)
    ids = np.arange(2000, dtype=np.int64)
    store = VectorStore.build(ids, data, 32, kind=kind)
    allowed = ids[ids % 7 == 0]
    _, got = store.search(queries, 10, allowed=allowed)
    assert np.array_equal(got, brute(queries, data[allowed], allowed, 10))


def test_remove_hides_ids_and_flags_rebuild_in_hnsw():
    data = low_rank(500, 16)
    ids = np.arange(500, dtype=np.int64)
    for kind in (FLAT, HNSW):
        store = VectorStore.build(ids, data, 16, kind=kind)
        store.remove([0, 1, 2])
        _, got = store.search(data[:3], 5)
        assert not set(got.ravel()) & {0, 1, 2}
        assert len(store) == 497
    assert store.needs_rebuild  # 497 vectors are too few for HNSW at the real threshold


def test_hnsw_removals_are_tombstones_kept_with_the_saved_index(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "HNSW_THRESHOLD", 100)
    data = low_rank(500, 16)
    store = VectorStore.build(np.arange(500, dtype=np.int64), data, 16, kind=HNSW)
    store.remove([0, 1, 2])
    assert not store.needs_rebuild  # a few deletions never force a rebuild of a large index
    store.save(tmp_path / "v.faiss", generation=1)
    loaded = VectorStore.load(tmp_path / "v.faiss", 1, 16)
    assert loaded is not None and loaded.hidden == {0, 1, 2} and len(loaded) == 497
    _, got = loaded.search(data[:3], 10)
    assert not set(got.ravel()) & {0, 1, 2} and (got >= 0).all()  # k hits, none of them removed
    loaded.remove(range(3, 60))
    assert loaded.needs_rebuild  # over 10 % tombstones: time to rebuild


def test_save_load_checks_generation(tmp_path):
    data = low_rank(100, 16)
    store = VectorStore.build(np.arange(100, dtype=np.int64), data, 16)
    path = tmp_path / "v.faiss"
    store.save(path, generation=3)
    loaded = VectorStore.load(path, 3, 16)
    assert loaded is not None and np.array_equal(loaded.search(data[:2], 3)[1], store.search(data[:2], 3)[1])
    assert VectorStore.load(path, 4, 16) is None
    assert VectorStore.load(tmp_path / "missing.faiss", 3, 16) is None


def test_short_results_are_padded():
    store = VectorStore.build(np.arange(3, dtype=np.int64), low_rank(3, 8), 8)
    scores, ids = store.search(low_rank(1, 8, seed=5), 5)
    assert ids.shape == (1, 5) and list(ids[0, 3:]) == [-1, -1]
