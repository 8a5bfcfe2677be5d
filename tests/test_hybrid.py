"""Hybrid search end to end on the tiny model: words read while indexing, fused ranking, propagation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clap_search.db import FileWords, Neighbor, VocabularyWord
from clap_search.filters import Filters
from clap_search.indexer.pipeline import index_folder
from clap_search.query import search_text
from clap_search.words.reference import head_key
from clap_search.words.summary import words_status
from tests.conftest import write_sound
from tests.tagged import chunk, info, riff_wav

CLI = str(Path(sys.executable).with_name("clap-search"))


@pytest.fixture
def named(tmp_path: Path) -> Path:
    """Named, tagged and nameless files; the nameless ZOOM file sounds like the dog."""
    root = tmp_path / "sfx"
    write_sound(root / "Animals" / "dog_bark.wav", seconds=3, freq=500, seed=1)
    write_sound(root / "Vehicles" / "CarEngineIdle.wav", seconds=3, freq=90, seed=2)
    riff_wav(root / "misc" / "T001.WAV", [info(INAM=b"Thunder rumble distant")], freq=1900, seed=3)
    write_sound(root / "misc" / "ZOOM0042.WAV", seconds=3.2, freq=500, seed=1)  # another take of it
    for i in range(4):
        write_sound(root / "misc" / f"take_0{i}.wav", seconds=3, freq=2500 + 900 * i, seed=10 + i)
    return root


def test_words_are_stored_searchable_and_shown(library, embedder, named):
    summary = index_folder(library, named, embedder)
    assert summary.words.read == 8
    hits = search_text(library, embedder, "dog", k=3)
    assert Path(hits[0].path).name == "dog_bark.wav"
    assert hits[0].explain["lexical"] == 1.0
    thunder = search_text(library, embedder, "thunder", k=1)[0]
    assert Path(thunder.path).name == "T001.WAV"  # from its RIFF INFO title, not its name
    status = words_status(library)
    assert status["files_read"] == 8 and status["with_words"] == 3  # ZOOM and take_0N say nothing


@pytest.fixture
def hearing(embedder, monkeypatch):
    """The tiny model's random audio tower maps every tone to about the same vector; this one
    hears pitch (a log-spaced spectrum), so files that sound alike are neighbours."""
    import numpy as np

    from clap_search.embed import Segments

    def embed_wave(wave):
        spectrum = np.abs(np.fft.rfft(wave[: 1 << 15], n=1 << 15))
        edges = np.geomspace(1, len(spectrum), embedder.dim + 1).astype(int)
        v = np.array([spectrum[a : max(b, a + 1)].sum() for a, b in zip(edges[:-1], edges[1:])]) ** 0.5
        v = (v / np.linalg.norm(v)).astype(np.float32)
        return Segments(np.array([0.0]), np.array([len(wave) / embedder.sample_rate]), v[None])

    monkeypatch.setattr(embedder, "embed_wave", embed_wave)
    return embedder


def test_a_nameless_file_inherits_from_the_file_it_sounds_like(library, hearing, named):
    embedder = hearing
    index_folder(library, named, embedder)
    with library.session() as s:
        assert (s.scalar(select(func.count()).select_from(Neighbor)) or 0) > 0
    hits = search_text(library, embedder, "dog bark", k=8, mode="words")
    names = [Path(h.path).name for h in hits]
    assert names[:2] == ["dog_bark.wav", "ZOOM0042.WAV"]
    zoom = hits[1].explain
    assert zoom["lexical"] == 0 and zoom["propagated"] > 0 and zoom["propagated_from"] == hits[0].file_id


def test_files_that_sound_like_the_matched_ones_borrow_their_match_below_it(library, hearing, named):
    """words/feedback.py: dog_bark's sound, searched as a query, lifts the take that sounds like it;
    what it borrows (neighbour + feedback) is capped, so the named file stays first. Twenty more
    takes, so that the library's calibration can tell an unusually close sound (z-scores)."""
    for i in range(20):
        write_sound(named / "more" / f"take_1{i:02d}.wav", seconds=3, freq=1200 + 400 * i, seed=30 + i)
    index_folder(library, named, hearing)
    hits = search_text(library, hearing, "dog", k=30, mode="words")  # the tiny text tower hears nothing
    names = [Path(h.path).name for h in hits]
    assert names[:2] == ["dog_bark.wav", "ZOOM0042.WAV"]
    zoom = hits[1].explain
    assert zoom["lexical"] == 0 and zoom["feedback"] > 0 and 0 < zoom["borrowed"] <= 1
    assert zoom["borrowed"] >= zoom["propagated"]
    assert all(h.explain["feedback"] == 0 for h in hits[2:])  # other pitches: nothing unusual


def test_junk_names_never_change_the_audio_order_when_no_word_matches(library, embedder, named):
    index_folder(library, named, embedder)
    for query in ("xylophone glissando", "zzz qqq"):
        audio = [h.path for h in search_text(library, embedder, query, k=8, mode="audio")]
        hybrid = [h.path for h in search_text(library, embedder, query, k=8)]
        assert hybrid == audio


def test_filters_hold_for_word_matches(library, embedder, named):
    index_folder(library, named, embedder)
    hits = search_text(library, embedder, "dog", k=5, filters=Filters(under=str(named / "Vehicles")))
    assert [Path(h.path).name for h in hits] == ["CarEngineIdle.wav"]
    assert search_text(library, embedder, "dog", k=5, filters=Filters(exts=("flac",))) == []


def test_changed_tags_are_read_again_and_removed_files_leave_no_words(library, embedder, named):
    index_folder(library, named, embedder)
    target = named / "misc" / "T001.WAV"
    riff_wav(target, [info(INAM=b"Heavy rain on a tin roof")], freq=1900, seed=3)
    os.utime(target, (time.time() + 5, time.time() + 5))
    index_folder(library, named, embedder)
    assert Path(search_text(library, embedder, "rain roof", k=1)[0].path).name == "T001.WAV"
    assert not search_text(library, embedder, "thunder", k=8, mode="words")[0].explain["lexical"]
    (named / "Animals" / "dog_bark.wav").unlink()
    index_folder(library, named, embedder)
    with library.session() as s:
        assert s.scalar(select(func.count()).select_from(FileWords)) == 7
        fts = s.execute(select(func.count()).select_from(FileWords)).scalar()
        assert fts == 7


def test_hostile_metadata_never_stops_indexing(library, embedder, tmp_path):
    root = tmp_path / "hostile"
    riff_wav(root / "big_bext.wav", [chunk(b"bext", b"B" * (50 << 20))])
    riff_wav(root / "lying.wav", [], after=[b"LIST" + (2**31).to_bytes(4, "little") + b"INFO"])
    riff_wav(root / "junk.wav", [info(INAM=bytes(range(256)) * 4)])
    (root / "notes.mp3").write_bytes(b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f" + b"\0" * 100)  # 256 MB tag claimed
    summary = index_folder(library, root, embedder)
    assert summary.added == 3 and summary.failed == 1  # notes.mp3 has no audio at all
    problems = {Path(p["path"]).name: p["error"] for p in words_status(library)["problems"]}
    assert "limit" in problems["big_bext.wav"]
    assert "past the end" in problems["lying.wav"]
    assert "binary junk" in problems["junk.wav"]


def test_cli_modes_explain_and_status(tmp_path, named):
    lib = str(tmp_path / "lib")
    env = {**os.environ, "CLAP_SEARCH_LIBRARY": lib, "COLUMNS": "200"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, timeout=300)

    assert run("index", str(named), "--model", "tiny").returncode == 0
    out = run("query", "dog", "--json", "-k", "2")
    first = json.loads(out.stdout.splitlines()[0])
    assert first["name"] == "dog_bark.wav" and first["explain"]["lexical"] == 1.0
    assert first["words"]["name"] == ["dog", "bark"] and "animals" in first["words"]["folders"]
    explained = run("query", "dog", "--explain").stdout
    assert "neighbours" in explained and "dog_b" in explained
    audio = json.loads(run("query", "dog", "--json", "--mode", "audio", "-k", "1").stdout)
    assert audio["explain"] is None
    bad = run("query", "dog", "--mode", "loud")
    assert bad.returncode != 0 and bad.stderr.startswith("error: unknown mode 'loud'")
    status = json.loads(run("status", "--json").stdout)
    assert status["words"]["with_words"] == 3
    few = run("adapt", "--epochs", "2")
    assert few.returncode == 2 and few.stderr.startswith("error: adapt needs at least 8 files with words")
    assert run("adapt", "--reset").returncode == 0


def test_adapt_trains_a_library_layer_and_reset_undoes_it(library, embedder, tmp_path):
    import torch

    from clap_search.training.adapt import adapt_library
    from clap_search.words import adapt as layer

    root = tmp_path / "named"
    for i, name in enumerate(["dog", "cat", "cow", "rain", "door", "bell", "car", "bird", "wind", "fire"]):
        write_sound(root / f"{name}_{i}.wav", seconds=2, freq=200 + 170 * i, seed=i)
    index_folder(library, root, embedder)
    shipped = {k: v.clone() for k, v in embedder.model.text_projection.state_dict().items()}
    with library.session() as s:
        before = {f: bytes(v) for f, v in s.execute(select(FileWords.file_id, FileWords.vector))}
    ticks = []
    report = adapt_library(library, embedder, epochs=3, progress=lambda done, total: ticks.append(done))
    assert ticks == [1, 2, 3] and report.pairs == 10 and 0 <= report.after <= 1
    assert layer.record(library)["layer"] == embedder.text_layer
    changed = {k: v.clone() for k, v in embedder.model.text_projection.state_dict().items()}
    assert any(not torch.equal(changed[k], shipped[k]) for k in shipped)
    with library.session() as s:
        after = {f: bytes(v) for f, v in s.execute(select(FileWords.file_id, FileWords.vector))}
    assert after != before  # word vectors re-embedded with the adapted head
    with library.session() as s:
        heads = set(s.scalars(select(VocabularyWord.head)))
    assert heads == {head_key(embedder)} and embedder.text_layer in heads.pop()  # the vocabulary too
    assert search_text(library, embedder, "dog", k=1)  # queries use it
    assert layer.reset_layer(library, embedder)
    restored = embedder.model.text_projection.state_dict()
    assert all(torch.equal(restored[k], shipped[k]) for k in shipped)
    with library.session() as s:
        assert {f: bytes(v) for f, v in s.execute(select(FileWords.file_id, FileWords.vector))} == before
        assert set(s.scalars(select(VocabularyWord.head))) == {head_key(embedder)}
    assert "shipped" in head_key(embedder)
    torch.manual_seed(123)  # whatever the caller's random state, the same library adapts the same way
    again = adapt_library(library, embedder, epochs=3)
    assert (again.before, again.after) == (report.before, report.after)
    assert all(torch.equal(embedder.model.text_projection.state_dict()[k], changed[k]) for k in changed)


def test_adapt_needs_named_files(library, embedder, tmp_path):
    from clap_search.errors import UsageError
    from clap_search.training.adapt import adapt_library

    write_sound(tmp_path / "x" / "ZOOM0001.WAV")
    index_folder(library, tmp_path / "x", embedder)
    with pytest.raises(UsageError, match="at least 8 files with words"):
        adapt_library(library, embedder)


def test_api_search_modes_explain_and_words(library, embedder, named):
    from fastapi.testclient import TestClient

    from clap_search.server.app import create_app
    from clap_search.server.engine import Engine
    from clap_search.server.media import MediaFiles

    index_folder(library, named, embedder)
    app = create_app(engine=Engine(library, embedder, MediaFiles(library), 200_000))
    with TestClient(app) as client:
        hits = client.get("/api/search", params={"q": "thunder", "k": 2}).json()["results"]
        assert hits[0]["name"] == "T001.WAV" and hits[0]["words"]["title"] == "Thunder rumble distant"
        assert hits[0]["explain"]["lexical"] == 1.0
        audio = client.get("/api/search", params={"q": "thunder", "mode": "audio"}).json()["results"]
        assert audio[0]["explain"] is None
        assert client.get("/api/search", params={"q": "x", "mode": "loud"}).status_code == 422
        assert client.get("/api/status").json()["words"]["with_words"] == 3


def test_a_library_indexed_before_words_gets_them_on_the_next_run(library, embedder, named):
    from sqlalchemy import delete

    index_folder(library, named, embedder)
    with library.session() as s, s.begin():
        s.execute(delete(FileWords))  # as an older version left it
    summary = index_folder(library, named, embedder)
    assert summary.unchanged == 8 and summary.words.read == 8  # no audio decoded again
    assert Path(search_text(library, embedder, "dog", k=1)[0].path).name == "dog_bark.wav"
    assert index_folder(library, named, embedder).words.read == 0  # and then nothing to do
