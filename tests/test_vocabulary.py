"""Query expansion through the library's vocabulary: words that mean the query match too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from clap_search.db import VocabularyWord
from clap_search.indexer.pipeline import index_folder
from clap_search.query import search_text
from clap_search.words.semantic import Calibration
from clap_search.words.vocabulary import EXPAND_FULL, EXPAND_LOW, Bound, Vocabulary, same_word
from tests.conftest import write_sound

CLI = str(Path(sys.executable).with_name("clap-search"))


def _vocabulary(words: list[str], vectors: np.ndarray, spread: int = 60) -> Vocabulary:
    """Words with these vectors, calibrated against `spread` unrelated random words."""
    rng = np.random.default_rng(0)
    other = rng.standard_normal((spread, vectors.shape[1])).astype(np.float32)
    other /= np.linalg.norm(other, axis=1, keepdims=True)
    sample = np.concatenate([vectors, other])
    return Vocabulary(words, vectors, Calibration.from_vectors(sample, vectors.shape[1]))


def _unit(v) -> np.ndarray:
    v = np.asarray(v, np.float32)
    return v / np.linalg.norm(v)


def test_expansions_credit_near_words_and_skip_the_querys_own():
    dim = 64
    q = _unit(np.eye(dim)[0])
    near = _unit(np.eye(dim)[0] * 0.85 + np.eye(dim)[1] * np.sqrt(1 - 0.85**2))  # cosine 0.85
    nearer = _unit(np.eye(dim)[0] * 0.95 + np.eye(dim)[2] * np.sqrt(1 - 0.95**2))  # cosine 0.95
    far = _unit(np.eye(dim)[3])
    words = ["plane", "aircraft", "cow", "airplanes"]
    vocab = _vocabulary(words, np.stack([near, nearer, far, q]))
    got = dict(vocab.expansions(q, ["airplane"]))
    assert set(got) == {"plane", "aircraft"}  # not cow (far), not "airplanes" (the query's own word)
    assert got["aircraft"] == 1.0  # above EXPAND_FULL
    assert got["plane"] == pytest.approx((0.85 - EXPAND_LOW) / (EXPAND_FULL - EXPAND_LOW), abs=1e-4)
    assert [w for w, _ in vocab.expansions(q, ["airplane"])] == ["aircraft", "plane"]


def test_a_model_whose_cosines_all_sit_high_expands_to_nothing():
    """Every word 0.8 from the query and from each other: no word stands out (z guard)."""
    dim = 64
    base = np.eye(dim)[0] * 0.9
    vectors = np.stack([_unit(base + np.eye(dim)[i] * 0.44) for i in range(1, 40)])
    vocab = Vocabulary([f"w{i}" for i in range(39)], vectors, Calibration.from_vectors(vectors, dim))
    assert vocab.expansions(_unit(base + np.eye(dim)[45] * 0.44), []) == []
    assert Vocabulary([], np.zeros((0, dim), np.float32), Calibration.from_vectors(vectors, dim)).expansions(
        vectors[0], []) == []


def test_inflections_are_the_same_word():
    assert same_word("bird", "birds") and same_word("barking", "bark") and same_word("car", "cars")
    assert not same_word("rain", "rainfall") and not same_word("sheep", "sheepfield")
    assert not same_word("train", "rain") and not same_word("ox", "oxen")


@pytest.fixture
def plain_names(tmp_path: Path) -> Path:
    """Names in a library's own words, none of them the words a user will type."""
    root = tmp_path / "game"
    for i, name in enumerate(["ParklandPlane2", "steamLocomotive", "FlameBurst", "take_01", "take_02"]):
        write_sound(root / "sounds" / f"{name}.wav", seconds=2, freq=300 + 400 * i, seed=i)
    return root


def test_a_query_finds_the_file_whose_name_means_it(library, default_embedder, plain_names):
    index_folder(library, plain_names, default_embedder)
    with library.session() as s:
        words = set(s.scalars(select(VocabularyWord.word)))
    assert {"parkland", "plane", "steam", "locomotive", "flame", "burst"} <= words
    for query, name, word in [("airplane", "ParklandPlane2.wav", "plane"),
                              ("a train", "steamLocomotive.wav", "locomotive"),
                              ("fire", "FlameBurst.wav", "flame")]:
        first = search_text(library, default_embedder, query, k=5)[0]
        assert Path(first.path).name == name, query
        assert first.explain["lexical"] == 0 and first.explain["expanded_word"] == word
        assert first.explain["expanded"] > 0.5


def test_a_library_indexed_before_the_vocabulary_gets_one_on_the_next_run(library, default_embedder,
                                                                          plain_names):
    index_folder(library, plain_names, default_embedder)
    with library.session() as s, s.begin():
        s.query(VocabularyWord).delete()
    index_folder(library, plain_names, default_embedder)  # nothing changed on disk
    with library.session() as s:
        assert "locomotive" in set(s.scalars(select(VocabularyWord.word)))


def test_cli_explains_the_word_that_matched(tmp_path, plain_names):
    env = {**os.environ, "CLAP_SEARCH_LIBRARY": str(tmp_path / "lib"), "COLUMNS": "200"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, timeout=300)

    assert run("index", str(plain_names)).returncode == 0
    out = run("query", "airplane", "--explain", "-k", "1")
    assert out.returncode == 0, out.stderr
    assert "≈plane" in out.stdout and "ParklandPlane2" in out.stdout
    first = json.loads(run("query", "airplane", "--json", "-k", "1").stdout)
    assert first["explain"]["expanded_word"] == "plane"


def test_the_bound_keeps_every_word_above_the_floor_and_expands_as_the_full_product():
    """Anisotropic vectors, as text towers give: the bound prunes most words and loses none."""
    rng = np.random.default_rng(3)
    dim, n = 128, 6000
    vectors = rng.standard_normal((n, dim)).astype(np.float32) * (0.93 ** np.arange(dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    words = [f"w{i}" for i in range(n)]
    exact = Vocabulary(words, vectors, Calibration.from_vectors(vectors[::3], dim))
    bounded = Vocabulary(words, vectors, exact.calibration, Bound.build(vectors, exact.calibration.cov))
    pruned = []
    for i in range(0, n, 300):
        q = _unit(vectors[i] + 0.3 * rng.standard_normal(dim).astype(np.float32) / np.sqrt(dim))
        above = set(bounded.bound.above(q, EXPAND_LOW).tolist())
        assert set(np.flatnonzero(vectors @ q > EXPAND_LOW).tolist()) <= above
        assert bounded.expansions(q, []) == exact.expansions(q, [])
        pruned.append(1 - len(above) / n)
    assert np.mean(pruned) > 0.5
