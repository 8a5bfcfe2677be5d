"""The query layer: best window per file, several per file, filters, similar, classify."""

from __future__ import annotations

import numpy as np
import pytest

from clap_search.errors import AudioReadError, ModelMismatchError, NotFoundError, UsageError
from clap_search.factory import ModelIdentity
from clap_search.indexer.pipeline import index_folder
from clap_search.query import Filters, classify, search_text, similar
from tests.conftest import write_sound


@pytest.fixture
def indexed(sounds, library, embedder):
    index_folder(library, sounds, embedder)
    return library


def test_text_search_one_hit_per_file_best_first(indexed, embedder):
    hits = search_text(indexed, embedder, "dog barking in rain", k=3)
    assert len(hits) == 3 and len({h.file_id for h in hits}) == 3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(0 <= h.start < h.end <= h.duration + 1e-6 for h in hits)


def test_k_larger_than_library(indexed, embedder):
    assert len(search_text(indexed, embedder, "wind", k=50)) == 5


def test_per_file_returns_several_windows(indexed, embedder):
    hits = search_text(indexed, embedder, "engine", k=2, per_file=3)
    by_file: dict[int, int] = {}
    for h in hits:
        by_file[h.file_id] = by_file.get(h.file_id, 0) + 1
    assert len(by_file) == 2 and max(by_file.values()) > 1 and all(n <= 3 for n in by_file.values())


def test_filter_under_folder(sounds, library, embedder):
    write_sound(sounds / "sub" / "only.wav", seconds=3)
    index_folder(library, sounds, embedder)
    hits = search_text(library, embedder, "x", k=5, filters=Filters(under=str(sounds / "sub")))
    assert [h.path for h in hits] == [str(sounds / "sub" / "only.wav")]


def test_similar_excludes_itself_unless_asked(indexed, sounds, embedder, monkeypatch):
    target = str(sounds / "s2.wav")
    monkeypatch.setattr(embedder, "embed_wave", lambda w: pytest.fail("library files reuse stored vectors"))
    hits = similar(indexed, embedder, target, k=10)
    assert target not in [h.path for h in hits] and len(hits) == 4
    own = similar(indexed, embedder, target, k=1, include_self=True)
    assert own[0].path == target and own[0].score == pytest.approx(1.0, abs=1e-5)


def test_similar_outside_file_and_wave(indexed, tmp_path, sounds, embedder):
    outside = write_sound(tmp_path / "elsewhere" / "q.ogg", seconds=4, freq=500)
    assert len(similar(indexed, embedder, outside, k=3)) == 3
    wave = np.zeros(embedder.sample_rate * 2, np.float32)
    assert len(similar(indexed, embedder, wave, k=2)) == 2


def test_similar_errors(indexed, tmp_path, embedder):
    with pytest.raises(NotFoundError):
        similar(indexed, embedder, tmp_path / "missing.wav")
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    with pytest.raises(AudioReadError):
        similar(indexed, embedder, bad)


def test_search_refuses_another_model(indexed, embedder, monkeypatch):
    monkeypatch.setattr(embedder, "identity", ModelIdentity("other", "1", embedder.identity.dim))
    with pytest.raises(ModelMismatchError, match="--model tiny"):
        search_text(indexed, embedder, "dog")


def test_empty_query(indexed, embedder):
    with pytest.raises(UsageError, match="empty query"):
        search_text(indexed, embedder, "   ")


def test_classify_probabilities(sounds, tmp_path, embedder):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"")
    results = classify(embedder, [sounds / "s0.wav", bad], ["dog", "cat", "rain"])
    good, failed = results
    assert set(good.scores) == {"dog", "cat", "rain"} and sum(good.scores.values()) == pytest.approx(1.0)
    assert good.label == max(good.scores, key=good.scores.get)
    assert failed.error and "empty file" in failed.error


def test_classify_needs_two_labels(sounds, embedder):
    with pytest.raises(UsageError, match="at least two labels"):
        classify(embedder, [sounds / "s0.wav"], ["dog", " "])


def test_different_texts_embed_differently(embedder):
    """Guards the tokenizer: an empty vocabulary once mapped every word to [UNK]."""
    a, b = embedder.embed_texts(["a dog barking", "heavy rain on a roof"])
    assert not np.allclose(a, b)
