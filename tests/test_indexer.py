"""The indexer: every format, incremental and idempotent re-runs, moves, crashes, model identity."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from sqlalchemy import func, select

import clap_search.store as store_module
from clap_search.db import STATUS_OK, File, Segment, blob_to_vectors
from clap_search.errors import LibraryLockedError, ModelMismatchError, NotFoundError
from clap_search.factory import ModelIdentity
from clap_search.indexer import decode
from clap_search.indexer.pipeline import index_folder
from clap_search.library import Library
from tests.conftest import write_sound


@pytest.fixture
def calls(monkeypatch, embedder):
    """Counts of decodes and embeddings done by the indexer."""
    counts = {"decode": 0, "embed": 0}
    real_open, real_embed = decode.AudioStream, embedder.embed_wave

    def load(*a, **kw):
        counts["decode"] += 1
        return real_open(*a, **kw)

    def embed(*a, **kw):
        counts["embed"] += 1
        return real_embed(*a, **kw)

    monkeypatch.setattr(decode, "AudioStream", load)
    monkeypatch.setattr(embedder, "embed_wave", embed)
    return counts


def consistent(lib: Library) -> None:
    """The DB and the FAISS index agree, also after reopening from disk."""
    with lib.session() as s:
        db_ids = set(s.scalars(select(Segment.id)).all())
    assert len(lib.store) == len(db_ids)
    if not lib.separate_index:  # PostgreSQL: the rows are the index
        assert set(lib.store.ids().tolist()) == db_ids
        return
    fresh = Library(lib.root)
    try:
        stored = fresh.store
        assert len(stored) == len(db_ids)
        if db_ids:
            in_index = {stored.index.id_map.at(i) for i in range(stored.index.ntotal)}
            assert in_index - stored.hidden == db_ids  # HNSW tombstones are not live vectors
    finally:
        fresh.close()


def test_every_format_is_indexed(tmp_path, library, embedder):
    folder = tmp_path / "formats"
    for ext in ("wav", "flac", "ogg", "mp3", "opus", "aiff"):
        write_sound(folder / f"tone.{ext}", seconds=2.0)
    summary = index_folder(library, folder, embedder)
    assert (summary.added, summary.failed) == (6, 0), summary.failures
    consistent(library)


def test_second_run_does_nothing(sounds, library, embedder, calls):
    first = index_folder(library, sounds, embedder)
    assert first.added == 5 and calls == {"decode": 5, "embed": 5}
    second = index_folder(library, sounds, embedder)
    assert (second.added, second.updated, second.unchanged, second.removed) == (0, 0, 5, 0)
    assert calls == {"decode": 5, "embed": 5}
    consistent(library)


def test_changed_deleted_and_moved_files(sounds, library, embedder, calls):
    index_folder(library, sounds, embedder)
    write_sound(sounds / "s0.wav", seconds=4.0, freq=900)
    os.utime(sounds / "s0.wav", (1e9, 1e9))
    (sounds / "s1.wav").unlink()
    (sounds / "sub").mkdir()
    os.rename(sounds / "s2.wav", sounds / "sub" / "renamed.wav")
    before = calls.copy()
    summary = index_folder(library, sounds, embedder)
    assert (summary.updated, summary.removed, summary.moved, summary.unchanged) == (1, 1, 1, 2)
    assert calls["embed"] - before["embed"] == 1  # only the changed file
    with library.session() as s:
        paths = set(s.scalars(select(File.path)).all())
    assert str(sounds / "sub" / "renamed.wav") in paths and str(sounds / "s1.wav") not in paths
    consistent(library)


def test_copy_of_a_moved_file_is_embedded_once_moved_once(sounds, library, embedder, calls):
    index_folder(library, sounds, embedder)
    shutil.copy(sounds / "s3.wav", sounds / "copy.wav")
    os.rename(sounds / "s3.wav", sounds / "zz_moved.wav")
    summary = index_folder(library, sounds, embedder)
    assert (summary.moved, summary.added, summary.removed) == (1, 1, 0)
    consistent(library)


def test_same_file_gives_identical_vectors(tmp_path, embedder):
    path = write_sound(tmp_path / "a" / "x.flac", seconds=9.0)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    vecs = []
    for name in ("a", "b"):
        lib = Library.open(tmp_path / f"lib_{name}", create=True)
        index_folder(lib, tmp_path / name, embedder)
        with lib.session() as s:
            vecs.append(
                blob_to_vectors(list(s.scalars(select(Segment.vector).order_by(Segment.start))), lib.dim)
            )
        lib.close()
    assert path.exists() and len(vecs[0]) > 1 and np.array_equal(vecs[0], vecs[1])


def test_model_mismatch_is_refused_with_a_way_out(sounds, library, embedder, monkeypatch):
    index_folder(library, sounds, embedder)
    monkeypatch.setattr(embedder, "identity", ModelIdentity("other", "v2", embedder.identity.dim))
    with pytest.raises(ModelMismatchError, match="--rebuild"):
        index_folder(library, sounds, embedder)
    summary = index_folder(library, sounds, embedder, rebuild=True)
    assert summary.added == 5 and library.model().name == "other"
    consistent(library)


def test_crash_mid_run_keeps_finished_files_and_resumes(sounds, library, embedder, monkeypatch):
    real = embedder.embed_wave
    seen = []

    def flaky(wave):
        seen.append(1)
        if len(seen) == 3:
            raise KeyboardInterrupt  # Ctrl-C while the third file is being embedded
        return real(wave)

    monkeypatch.setattr(embedder, "embed_wave", flaky)
    with pytest.raises(KeyboardInterrupt):
        index_folder(library, sounds, embedder)
    with library.session() as s:
        assert s.scalar(select(func.count(File.id))) == 2
    consistent(library)
    monkeypatch.setattr(embedder, "embed_wave", real)
    summary = index_folder(library, sounds, embedder)
    assert (summary.added, summary.unchanged) == (3, 2)
    consistent(library)


@pytest.mark.folder_only
def test_stale_index_file_is_rebuilt_from_the_db(sounds, library, embedder):
    index_folder(library, sounds, embedder)
    library.index_path.write_bytes(b"garbage")
    library.begin_generation()  # as if a writer died after committing
    fresh = Library(library.root)
    assert len(fresh.store) == fresh.stats().segments > 0
    fresh.close()


@pytest.mark.folder_only
def test_second_writer_is_refused(sounds, library, embedder):
    other = Library(library.root)
    with library.writing(), pytest.raises(LibraryLockedError):
        index_folder(other, sounds, embedder)
    other.close()


def test_missing_folder(library, embedder, tmp_path):
    with pytest.raises(NotFoundError, match="no such file or folder"):
        index_folder(library, tmp_path / "nope", embedder)


@pytest.mark.folder_only
def test_removing_from_an_hnsw_library_leaves_tombstones_not_a_rebuild(sounds, library, embedder,
                                                                      monkeypatch):
    monkeypatch.setattr(store_module, "HNSW_THRESHOLD", 4)
    monkeypatch.setattr(store_module, "MAX_TOMBSTONE_FRACTION", 0.5)
    index_folder(library, sounds, embedder)
    assert library.store.kind == "hnsw"
    victim = sorted(sounds.glob("*.wav"))[0]
    assert library.forget([victim]) == 1
    consistent(library)
    fresh = Library(library.root)
    try:
        assert fresh.store.hidden  # loaded with its tombstones, not rebuilt from the database
        hits = fresh.store.search(embedder.embed_texts(["a tone"]), 50)[1].ravel()
        assert not set(hits.tolist()) & fresh.store.hidden
    finally:
        fresh.close()


def test_forget_folder(sounds, library, embedder):
    (sounds / "sub").mkdir()
    write_sound(sounds / "sub" / "x.wav")
    index_folder(library, sounds, embedder)
    assert library.forget([sounds / "sub"]) == 1
    assert library.forget([sounds / "sub"]) == 0
    with library.session() as s:
        assert s.scalar(select(func.count(File.id)).where(File.status == STATUS_OK)) == 5
    consistent(library)
