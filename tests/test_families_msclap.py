"""msclap 2022 through clap-search equals msclap's own model classes, on random weights saved
exactly as `CLAP_weights_2022.pth` is laid out (tests/msclap_reference.py builds the reference)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from msclap_reference import reference_clap, save_like_microsoft

from clap_search.embed import Embedder
from clap_search.errors import CheckpointError
from clap_search.families import recognise
from clap_search.families.sources import read_state
from clap_search.families.store import import_model

SR = 44100
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def reference() -> torch.nn.Module:
    return reference_clap()


@pytest.fixture(scope="module")
def official_file(reference: torch.nn.Module, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_like_microsoft(reference, tmp_path_factory.mktemp("msclap") / "CLAP_weights_2022.pth")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLAP_SEARCH_MODELS", str(folder))
        yield folder


@pytest.fixture(scope="module")
def embedder(official_file: Path, store: Path) -> Embedder:
    import_model(official_file, "msclap-2022")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLAP_SEARCH_PRECISION", "float32")  # the reference runs in float32
        return Embedder.load("msclap-2022")


def clip(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    wave = 0.3 * np.sin(2 * np.pi * 523.0 * t * (1 + 0.3 * t)) + 0.1 * rng.standard_normal(len(t))
    return wave.astype(np.float32)


def reference_audio(reference: torch.nn.Module, wave: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        vec = reference.audio_encoder(torch.from_numpy(wave)[None])[0][0]
    return torch.nn.functional.normalize(vec, dim=-1).numpy()


def repeat_pad(wave: np.ndarray, seconds: int = 5) -> np.ndarray:
    """msclap's CLAPWrapper.load_audio_into_tensor for a clip shorter than `seconds`."""
    target = seconds * SR
    return np.tile(wave, math.ceil(target / len(wave)))[:target]


def test_the_official_layout_is_recognised(official_file: Path) -> None:
    assert recognise(read_state(official_file)).name == "msclap-2022"


def test_a_five_second_clip_embeds_as_msclap_does(embedder: Embedder, reference: torch.nn.Module) -> None:
    wave = clip(5.0)
    segments = embedder.embed_wave(wave)
    assert len(segments.vectors) == 1 and segments.vectors.shape[1] == 1024
    np.testing.assert_allclose(segments.vectors[0], reference_audio(reference, wave), atol=TOLERANCE)


def test_a_short_clip_is_repeated_to_five_seconds_as_msclap_does(
    embedder: Embedder, reference: torch.nn.Module
) -> None:
    wave = clip(1.7, seed=1)
    segments = embedder.embed_wave(wave)
    assert segments.ends[0] == pytest.approx(1.7, abs=1e-3)  # the real duration, not the padded one
    np.testing.assert_allclose(segments.vectors[0], reference_audio(reference, repeat_pad(wave)), atol=TOLERANCE)


def test_texts_embed_as_msclap_does(embedder: Embedder, reference: torch.nn.Module) -> None:
    from transformers import BertTokenizer

    from clap_search.encoders.text import load_tokenizer

    texts = ["this is a sound of dog", "Rain on a tin roof, then thunder!", "door slam"]
    # msclap's preprocess_text: BERT-base-uncased's tokenizer, padded to text_len 100
    # (our bundled vocabulary is bert-base-uncased's)
    hf = BertTokenizer(str(load_tokenizer.__globals__["resources"].files("clap_search") / "assets" / "vocab.txt"))
    tokens = hf(texts, max_length=100, padding="max_length", truncation=True, return_tensors="pt")
    with torch.no_grad():
        expected = torch.nn.functional.normalize(reference.caption_encoder(dict(tokens)), dim=-1).numpy()
    np.testing.assert_allclose(embedder.embed_texts(texts), expected, atol=TOLERANCE)


def test_the_temperature_is_msclaps(embedder: Embedder, reference: torch.nn.Module) -> None:
    assert float(embedder.model.logit_scale.detach()) == pytest.approx(float(reference.logit_scale.detach().exp()), rel=1e-6)


def test_a_long_file_gives_fixed_overlapping_five_second_windows(embedder: Embedder) -> None:
    wave = clip(12.0, seed=2)
    a, b = embedder.embed_wave(wave), embedder.embed_wave(wave)
    np.testing.assert_array_equal(a.vectors, b.vectors)  # deterministic, unlike msclap's random crop
    assert a.starts[0] == 0 and a.ends[-1] == pytest.approx(12.0, abs=embedder.frame_seconds)
    assert all(e - s <= 5.0 + 1e-6 for s, e in zip(a.starts, a.ends))
    assert len(a.starts) == 4


def test_every_key_is_accounted_for(official_file: Path, tmp_path: Path, store: Path) -> None:
    state = torch.load(official_file, weights_only=True)["model"]
    missing = dict(state)
    del missing["audio_encoder.base.conv_block3.bn2.running_var"]
    torch.save({"model": missing}, tmp_path / "missing.pth")
    with pytest.raises(CheckpointError, match=r"missing keys \(1\): audio_encoder\.blocks\.2\.bn2\.running_var"):
        import_model(tmp_path / "missing.pth", "broken")
    extra = dict(state, **{"audio_encoder.base.extra_head.weight": torch.zeros(3)})
    torch.save({"model": extra}, tmp_path / "extra.pth")
    with pytest.raises(CheckpointError, match=r"unused keys \(1\): audio_encoder\.base\.extra_head\.weight"):
        import_model(tmp_path / "extra.pth", "broken", family="msclap-2022")


def test_a_pickle_with_other_objects_is_refused(official_file: Path, tmp_path: Path) -> None:
    state = torch.load(official_file, weights_only=True)["model"]
    torch.save({"model": state, "args": argparse.Namespace(lr=1e-3)}, tmp_path / "with_args.pth")
    with pytest.raises(CheckpointError, match="refusing .*Python objects besides tensors"):
        read_state(tmp_path / "with_args.pth")


def test_a_fresh_paper_config_has_librosas_filters() -> None:
    librosa = pytest.importorskip("librosa")
    from clap_search.config import CONFIGS
    from clap_search.features import slaney_mel_filters

    a = CONFIGS["paper-cnn14-bert"].audio
    expected = librosa.filters.mel(sr=a.sample_rate, n_fft=a.n_fft, n_mels=a.n_mels, fmin=a.f_min, fmax=a.f_max).T
    np.testing.assert_allclose(slaney_mel_filters(a).numpy(), expected, atol=1e-7)
