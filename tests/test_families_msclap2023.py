"""msclap 2023 through clap-search equals msclap 1.3.4's own CLAPWrapper, on small random towers saved
exactly as `CLAP_weights_2023.pth` is laid out (tests/msclap2023_reference.py builds both)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from console import run_cli
from msclap2023_reference import SECONDS, SR, Msclap2023, save_like_microsoft
from msclap_reference import fake_hub, save_altered

from clap_search.embed import Embedder
from clap_search.errors import CheckpointError
from clap_search.families import recognise
from clap_search.families.sources import read_state
from clap_search.families.store import import_model

pytest.importorskip("transformers", reason="transformers (the `test` extra) runs the towers")
TOLERANCE = 1e-4  # measured: <= 6e-8 audio, <= 5.2e-8 text
TEXTS = ["a dog barks", "Birds SING, at dawn!", "wow!! rain on a tin roof!", "an unseen wörd, naïve café ✓",
         "  spaces  and\ttabs <|endoftext|> twice"]


@pytest.fixture(scope="module")
def official_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_like_microsoft(tmp_path_factory.mktemp("msclap2023") / "CLAP_weights_2023.pth")


@pytest.fixture(scope="module")
def reference(official_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Msclap2023:
    return Msclap2023(official_file, tmp_path_factory.mktemp("msclap2023-tokenizer"))


@pytest.fixture(scope="module")
def embedder(official_file: Path, model_store: Path) -> Embedder:
    import_model(official_file, "msclap-2023")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLAP_SEARCH_PRECISION", "float32")  # the reference runs in float32
        return Embedder.load("msclap-2023")


def clip(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    wave = 0.3 * np.sin(2 * np.pi * 330.0 * t * (1 + 0.25 * t)) + 0.1 * rng.standard_normal(len(t))
    return wave.astype(np.float32)


def test_the_official_layout_is_recognised(official_file: Path) -> None:
    assert recognise(read_state(official_file)).name == "msclap-2023"


def test_msclaps_own_loader_took_every_weight(official_file: Path, reference: Msclap2023) -> None:
    """It loads with strict=False: prove that the layout written here is the one its model has."""
    saved = torch.load(official_file, weights_only=True)["model"]
    loaded = reference.model.state_dict()
    assert all(torch.equal(loaded[k], saved[k]) for k in loaded)
    assert sorted(set(saved) - set(loaded)) == [f"caption_encoder.base.h.{i}.attn.{b}"
                                                for i in range(2) for b in ("bias", "masked_bias")]


def test_a_seven_second_clip_embeds_as_msclap_does(embedder: Embedder, reference: Msclap2023) -> None:
    wave = clip(SECONDS, seed=1)
    ours = embedder.embed_wave(wave)
    assert len(ours.vectors) == 1
    assert np.abs(ours.vectors[0] - reference.audio(wave)).max() < TOLERANCE


def test_a_short_clip_is_looped_to_seven_seconds_as_msclap_does(embedder, reference) -> None:
    wave = clip(3.1, seed=2)
    ours = embedder.embed_wave(wave)
    assert ours.ends[0] == pytest.approx(3.1, abs=1e-3)
    assert np.abs(ours.vectors[0] - reference.audio(wave)).max() < TOLERANCE


def test_a_long_file_gives_fixed_windows_each_as_msclap_embeds_that_crop(embedder, reference) -> None:
    wave = clip(16.0, seed=3)
    first = embedder.embed_wave(wave)
    assert np.array_equal(first.vectors, embedder.embed_wave(wave).vectors)  # never a random crop
    assert list(first.starts) == [0.0, 3.5, 7.0, 9.0]  # 7 s windows, 3.5 s hop, the last at the end
    window = SECONDS * SR
    for start, vec in zip(first.starts, first.vectors):
        crop = wave[round(start * SR): round(start * SR) + window]
        assert np.abs(vec - reference.audio(crop)).max() < TOLERANCE


def test_texts_embed_as_msclap_does(embedder: Embedder, reference: Msclap2023) -> None:
    assert np.abs(embedder.embed_texts(TEXTS) - reference.text(TEXTS)).max() < TOLERANCE


def test_a_text_past_77_tokens_is_not_cut_as_msclap_does_not(embedder, reference) -> None:
    long = " ".join(["the rain falls on a tin roof while a dog barks"] * 10)
    assert reference.tokens([long])["input_ids"].shape[1] > 77
    assert np.abs(embedder.embed_texts([long]) - reference.text([long])).max() < TOLERANCE


def test_the_tokenizer_gives_msclaps_ids(embedder: Embedder, reference: Msclap2023) -> None:
    """msclap's preprocess_text (' <|endoftext|>' appended, '!' its pad token and id 0, 77 tokens)."""
    ours = embedder.tokenizer(TEXTS, embedder.cfg.text.max_length)
    theirs = reference.tokens(TEXTS)
    for i in range(len(TEXTS)):
        n = int(ours.attention_mask[i].sum())
        assert ours.input_ids[i, :n].tolist() == theirs["input_ids"][i, :n].tolist()
        assert int(theirs["attention_mask"][i].sum()) == n
        assert theirs["input_ids"][i, n:].eq(0).all()
    assert ours.input_ids[2, :4].tolist() == [42773, 0, 0, 6290]  # "wow!! rain": each '!' alone, id 0


def test_the_shipped_vocabulary_is_gpt2s() -> None:
    import hashlib

    from clap_search.encoders.htsat_gpt2 import MERGES, VOCAB, Gpt2Tokenizer, gpt2_tokenizer_json

    # the hashes tiktoken pins for OpenAI's own encoder.json and vocab.bpe
    assert hashlib.sha256(VOCAB.read_bytes()).hexdigest().startswith("196139668be63f3b5d657442")
    assert hashlib.sha256(MERGES.read_bytes()).hexdigest().startswith("1ce1664773c50f3e0cc88426")
    assert len(json.loads(VOCAB.read_text(encoding="utf-8"))) == 50257
    assert (VOCAB.parent / "gpt2-vocab-LICENSE").read_text().startswith("MIT License")
    ids = Gpt2Tokenizer(gpt2_tokenizer_json())(["Hello world"], 1024).input_ids[0].tolist()
    assert ids == [15496, 995, 220, 50256]  # "Hello world" + " <|endoftext|>"


def test_the_temperature_is_msclaps(embedder: Embedder, reference: Msclap2023) -> None:
    theirs = reference.model.logit_scale.exp().item()
    assert embedder.model.logit_scale.item() == pytest.approx(theirs, rel=1e-6)


def test_every_key_is_accounted_for(official_file: Path, tmp_path: Path, model_store: Path) -> None:
    missing = save_altered(official_file, tmp_path / "missing.pth",
                           drop="caption_encoder.base.h.1.mlp.c_fc.bias")
    with pytest.raises(CheckpointError, match=r"missing keys \(1\): text_model\.h\.1\.mlp\.c_fc\.bias"):
        import_model(missing, "broken")
    extra = save_altered(official_file, tmp_path / "extra.pth",
                         add="audio_encoder.base.htsat.surprise.weight")
    with pytest.raises(CheckpointError, match=r"unused keys \(1\): audio_encoder\.base\.htsat\.surprise\.w"):
        import_model(extra, "broken", family="msclap-2023")


def test_a_pickle_with_other_objects_is_refused(official_file: Path, tmp_path: Path, model_store) -> None:
    import argparse

    with_args = save_altered(official_file, tmp_path / "with_args.pth", args=argparse.Namespace(lr=1e-4))
    with pytest.raises(CheckpointError, match="refusing .*Python objects besides tensors"):
        import_model(with_args, "with-args")


def test_the_imported_file_holds_no_pickle_and_its_tokenizer(embedder: Embedder, model_store: Path) -> None:
    from safetensors import safe_open

    with safe_open(str(model_store / "msclap-2023" / "model.safetensors"), framework="pt") as f:
        meta = f.metadata()
    assert json.loads(meta["family"]) == "msclap-2023" and "<|endoftext|>" in json.loads(meta["tokenizer"])


def test_a_text_query_runs_gpt2_in_numpy_as_msclap_does(embedder: Embedder, reference: Msclap2023) -> None:
    """What `clap-search query` loads for msclap 2023: GPT-2 in numpy, no torch model built."""
    from clap_search.encoders.gpt2_numpy import NumpyGpt2Tower
    from clap_search.text_embed import TextEmbedder, load_text_embedder

    query_side = load_text_embedder("msclap-2023", device="cpu")
    assert isinstance(query_side, TextEmbedder) and isinstance(query_side.tower, NumpyGpt2Tower)
    assert query_side.identity == embedder.identity
    long = " ".join(["the rain falls on a tin roof while a dog barks"] * 10)  # past 77 tokens
    for texts in (TEXTS, TEXTS[:1], [long]):
        assert np.abs(query_side.embed_texts(texts) - reference.text(texts)).max() < TOLERANCE


# --- through the installed console script ---

def test_an_imported_model_serves_every_command_by_name(official_file, tmp_path, cli, monkeypatch) -> None:
    """import, index, query, classify, similar by the console script; status and the list in process."""
    import soundfile as sf

    env = {"CLAP_SEARCH_MODELS": str(tmp_path / "models"), "CLAP_SEARCH_PRECISION": "float32"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    done = run_cli("models", "import", official_file, "--name", "msclap-2023", env=env)
    assert done.returncode == 0, done.stderr
    assert "imported msclap-2023 (msclap-2023" in done.stdout
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    sf.write(sounds / "short.wav", clip(2.0, seed=6)[::2], SR // 2)  # resampled to 44.1 kHz by the engine
    sf.write(sounds / "long.flac", clip(9.0, seed=7), SR)
    lib = tmp_path / "lib"
    done = run_cli("index", sounds, "--library", lib, "--model", "msclap-2023", env=env)
    assert done.returncode == 0, done.stderr
    status = json.loads(cli("status", "--library", lib, "--json")[1])
    assert status["model"]["name"] == "msclap-2023" and status["model"]["dim"] == 1024
    assert status["segments"] == 3  # 2 s: one looped window; 9 s: windows at 0 and 2 s
    hits = run_cli("query", "a dog barks!", "--library", lib, "--json", "--mode", "audio", env=env)
    assert hits.returncode == 0, hits.stderr
    names = {Path(json.loads(line)["path"]).name for line in hits.stdout.splitlines()}
    assert names == {"short.wav", "long.flac"}
    # that query ran GPT-2 in numpy: neither torch nor transformers was imported
    import subprocess
    import sys

    from test_cold_query import CONSOLE_SCRIPT, NOT_FOR_TEXT, imported

    args = ["query", "a dog barks!", "--library", str(lib), "--json", "--mode", "audio"]
    traced = subprocess.run([sys.executable, "-X", "importtime", str(CONSOLE_SCRIPT), *args],
                            capture_output=True, text=True)
    assert traced.returncode == 0 and traced.stdout == hits.stdout, traced.stderr[-2000:]
    loaded = imported(traced.stderr)
    assert "clap_search.encoders.gpt2_numpy" in loaded
    assert not sorted(n for n in loaded if n.split(".")[0] in NOT_FOR_TEXT or n.startswith(NOT_FOR_TEXT))
    done = run_cli("classify", sounds, "--labels", "dog,rain", "--library", lib, "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2
    done = run_cli("similar", sounds / "long.flac", "--library", lib, "--json", env=env)
    assert done.returncode == 0, done.stderr
    listed = [json.loads(line) for line in cli("models", "--json")[1].splitlines()]
    row = next(r for r in listed if r["name"] == "msclap-2023")
    assert row["present"] and row["runnable"] and row["family"] == "msclap-2023" and row["esc50"] == 93.9
    assert (row["dim"], row["sample_rate"], row["window_seconds"]) == (1024, 44100, 7.0)


def test_pull_takes_a_copy_or_downloads_the_pinned_file(monkeypatch, tmp_path, official_file) -> None:
    from clap_search.families import published
    from clap_search.families.store import cached_checkpoint

    monkeypatch.setenv("CLAP_SEARCH_MODELS", str(tmp_path / "copy"))
    assert published.pull("msclap-2023", from_file=official_file).family == "msclap-2023"
    monkeypatch.setenv("CLAP_SEARCH_MODELS", str(tmp_path / "hub"))
    calls = fake_hub(monkeypatch, official_file)
    done = published.pull("msclap-2023")
    pinned = "5e1d53af259bb39d380680e69ca580960b2c66b1"
    assert calls == [("microsoft/msclap", "CLAP_weights_2023.pth", pinned)]
    assert cached_checkpoint("msclap-2023") == done.path and done.family == "msclap-2023"
