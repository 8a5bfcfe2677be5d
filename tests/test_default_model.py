"""The shipped default model: loads strictly from the package, offline, and hears a cow."""

from pathlib import Path

import numpy as np

from clap_search.audio import load_audio
from clap_search.checkpoint import read_metadata
from clap_search.embed import Embedder
from clap_search.factory import bundled_checkpoint

COW = Path(__file__).parent.parent / "examples" / "sounds" / "animals" / "cow.mp3"


def test_default_checkpoint_ships_with_its_config():
    meta = read_metadata(bundled_checkpoint())
    assert meta["format"] == "clap-search/1" and "aisfx-minilm" in meta["config"]


def test_a_cow_is_nearer_to_mooing_than_to_an_engine():
    embedder = Embedder.load("default")
    wave, _ = load_audio(COW, embedder.sample_rate)
    audio = embedder.embed_wave(wave).vectors.mean(axis=0)
    text = embedder.embed_texts(["a cow mooing", "a car engine"])
    assert float(audio @ text[0]) > float(audio @ text[1])


def test_same_file_same_vectors():
    embedder = Embedder.load("default")
    wave, _ = load_audio(COW, embedder.sample_rate)
    assert np.array_equal(embedder.embed_wave(wave).vectors, embedder.embed_wave(wave.copy()).vectors)
