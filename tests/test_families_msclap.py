"""msclap 2022 through clap-search equals msclap's own model classes, on random weights saved
exactly as `CLAP_weights_2022.pth` is laid out (tests/msclap_reference.py builds the reference)."""

from __future__ import annotations

import argparse
import json
import math
import os
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import torch
from console import run_cli
from msclap_reference import fake_hub, reference_clap, save_altered, save_like_microsoft

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
def embedder(official_file: Path, model_store: Path) -> Embedder:
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
    expected = reference_audio(reference, repeat_pad(wave))
    np.testing.assert_allclose(segments.vectors[0], expected, atol=TOLERANCE)


def test_texts_embed_as_msclap_does(embedder: Embedder, reference: torch.nn.Module) -> None:
    from transformers import BertTokenizer

    texts = ["this is a sound of dog", "Rain on a tin roof, then thunder!", "door slam"]
    # msclap's preprocess_text: BERT-base-uncased's tokenizer, padded to text_len 100
    # (our bundled vocabulary is bert-base-uncased's)
    hf = BertTokenizer(str(resources.files("clap_search") / "assets" / "vocab.txt"))
    tokens = hf(texts, max_length=100, padding="max_length", truncation=True, return_tensors="pt")
    with torch.no_grad():
        expected = torch.nn.functional.normalize(reference.caption_encoder(dict(tokens)), dim=-1).numpy()
    np.testing.assert_allclose(embedder.embed_texts(texts), expected, atol=TOLERANCE)
    # what `clap-search query` runs: the numpy tower, [CLS]-pooled as msclap pools
    from clap_search.text_embed import TextEmbedder, load_text_embedder

    query_side = load_text_embedder("msclap-2022")
    assert isinstance(query_side, TextEmbedder)
    np.testing.assert_allclose(query_side.embed_texts(texts), expected, atol=TOLERANCE)


def test_the_temperature_is_msclaps(embedder: Embedder, reference: torch.nn.Module) -> None:
    expected = float(reference.logit_scale.detach().exp())
    assert float(embedder.model.logit_scale.detach()) == pytest.approx(expected, rel=1e-6)


def test_a_long_file_gives_fixed_windows_each_as_msclap_embeds_that_crop(
    embedder: Embedder, reference: torch.nn.Module
) -> None:
    wave = clip(12.0, seed=2)
    a, b = embedder.embed_wave(wave), embedder.embed_wave(wave)
    np.testing.assert_array_equal(a.vectors, b.vectors)  # deterministic, unlike msclap's random crop
    np.testing.assert_allclose(a.starts, [0.0, 2.5, 5.0, 7.0])  # 2.5 s hop, the last one ends the file
    np.testing.assert_allclose(a.ends, [5.0, 7.5, 10.0, 12.0])
    for start, vec in zip(a.starts, a.vectors):
        crop = wave[round(start * SR) : round(start * SR) + 5 * SR]
        np.testing.assert_allclose(vec, reference_audio(reference, crop), atol=TOLERANCE)


def test_every_key_is_accounted_for(official_file: Path, tmp_path: Path, model_store: Path) -> None:
    missing = save_altered(official_file, tmp_path / "missing.pth",
                           drop="audio_encoder.base.conv_block3.bn2.running_var")
    with pytest.raises(CheckpointError, match=r"missing keys \(1\): audio_encoder\.blocks\.2\.bn2\.run"):
        import_model(missing, "broken")
    extra = save_altered(official_file, tmp_path / "extra.pth", add="audio_encoder.base.extra_head.weight")
    with pytest.raises(CheckpointError, match=r"unused keys \(1\): audio_encoder\.base\.extra_head\.w"):
        import_model(extra, "broken", family="msclap-2022")


def test_a_pickle_with_other_objects_is_refused(official_file: Path, tmp_path: Path) -> None:
    with_args = save_altered(official_file, tmp_path / "with_args.pth", args=argparse.Namespace(lr=1e-3))
    with pytest.raises(CheckpointError, match="refusing .*Python objects besides tensors"):
        read_state(with_args)


def test_a_fresh_paper_config_has_librosas_filters() -> None:
    librosa = pytest.importorskip("librosa")
    from clap_search.config import CONFIGS
    from clap_search.features import slaney_mel_filters

    a = CONFIGS["paper-cnn14-bert"].audio
    expected = librosa.filters.mel(sr=a.sample_rate, n_fft=a.n_fft, n_mels=a.n_mels, fmin=a.f_min,
                                   fmax=a.f_max).T
    np.testing.assert_allclose(slaney_mel_filters(a).numpy(), expected, atol=1e-7)


# --- `clap-search models`: list, import, pull (through the installed console script) ---

@pytest.fixture(scope="module")
def imported(official_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """`clap-search models import` through the console script; the environment that finds it."""
    env = {"CLAP_SEARCH_MODELS": str(tmp_path_factory.mktemp("cli-models")),
           "CLAP_SEARCH_PRECISION": "float32"}
    done = run_cli("models", "import", official_file, "--name", "paper-clap", env=env)
    assert done.returncode == 0, done.stderr
    assert "imported paper-clap (msclap-2022" in done.stdout
    return env


def test_models_lists_imported_and_published_ones(imported: dict[str, str]) -> None:
    listed = [json.loads(line) for line in run_cli("models", "--json", env=imported).stdout.splitlines()]
    row = next(r for r in listed if r["name"] == "paper-clap")
    assert row["kind"] == "local" and row["family"] == "msclap-2022" and row["present"] and row["dim"] == 1024
    paper = next(r for r in listed if r["name"] == "msclap-2022")
    assert not paper["present"] and paper["licence"] == "MS-PL" and paper["esc50"] == 82.6
    assert {r["name"] for r in listed} >= {"default", "tiny", "laion-clap-630k", "laion/larger_clap_general"}
    table = run_cli("models", env={**imported, "COLUMNS": "150"}).stdout
    assert "paper-clap" in table and "MS-PL" in table and "82.6 %" in table


@pytest.mark.slow  # three console-script runs of a CNN14: ~40 s here
def test_an_imported_checkpoint_serves_every_command_by_name(imported: dict[str, str], tmp_path) -> None:
    env = imported
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    import soundfile as sf

    sf.write(sounds / "a.wav", clip(2.0), SR)
    sf.write(sounds / "b.wav", clip(6.0, seed=3), SR)
    lib = tmp_path / "lib"
    assert run_cli("index", sounds, "--library", lib, "--model", "paper-clap", env=env).returncode == 0
    status = json.loads(run_cli("status", "--library", lib, "--json", env=env).stdout)
    assert status["model"]["name"] == "paper-clap" and status["model"]["dim"] == 1024
    assert status["segments"] == 3  # 2 s: one repeat-padded window; 6 s: two 5 s windows
    hits = run_cli("query", "a dog barking", "--library", lib, "--json", env=env)
    assert hits.returncode == 0, hits.stderr
    assert {Path(json.loads(line)["path"]).name for line in hits.stdout.splitlines()} == {"a.wav", "b.wav"}


def test_pull_offline_fails_at_once_with_the_way_out(tmp_path: Path) -> None:
    env = {"CLAP_SEARCH_MODELS": str(tmp_path / "models"), "HF_HUB_OFFLINE": "1"}
    done = run_cli("models", "pull", "msclap-2022", env=env)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 1 and len(errors) == 1 and "Traceback" not in done.stderr
    assert "--from FILE" in errors[0] and "CLAP_weights_2022.pth" in errors[0]


def test_pull_without_network_sets_offline_mode_instead_of_waiting(monkeypatch, tmp_path) -> None:
    from clap_search.errors import DownloadError
    from clap_search.families import published

    monkeypatch.setenv("CLAP_SEARCH_MODELS", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # (restored afterwards: pull sets it to 1)
    monkeypatch.setattr(published, "_reachable", lambda host, port, seconds: False)
    with pytest.raises(DownloadError, match="cannot be reached: download https://huggingface.co/microsoft/msclap"):
        published.pull("msclap-2022")
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_pull_downloads_the_pinned_file_into_the_cache_and_converts_it(monkeypatch, tmp_path, official_file):
    from clap_search.families import published
    from clap_search.families.store import cached_checkpoint

    monkeypatch.setenv("CLAP_SEARCH_MODELS", str(tmp_path / "models"))
    calls = fake_hub(monkeypatch, official_file)
    done = published.pull("msclap-2022")
    pinned = "5e1d53af259bb39d380680e69ca580960b2c66b1"
    assert calls == [("microsoft/msclap", "CLAP_weights_2022.pth", pinned)]
    assert cached_checkpoint("msclap-2022") == done.path and done.path.is_relative_to(tmp_path / "models")
    assert not (tmp_path / "models" / ".downloads").exists()  # only the converted copy stays


def test_pull_refuses_families_it_cannot_run(monkeypatch, tmp_path) -> None:
    import dataclasses

    from clap_search.errors import UsageError
    from clap_search.families import published

    future = dataclasses.replace(published.published("msclap-2022"), name="clap-2030", family="clap-2030")
    monkeypatch.setattr(published, "PUBLISHED", (*published.PUBLISHED, future))
    monkeypatch.setenv("CLAP_SEARCH_MODELS", str(tmp_path))
    with pytest.raises(UsageError, match="clap-2030 model, a family this clap-search cannot run yet"):
        published.pull("clap-2030")


def test_import_of_something_else_is_one_error_line(tmp_path: Path) -> None:
    junk = tmp_path / "notes.pth"
    junk.write_text("not a checkpoint")
    done = run_cli("models", "import", junk, "--name", "x", env={"CLAP_SEARCH_MODELS": str(tmp_path / "m")})
    assert done.returncode == 1 and done.stderr.startswith("error: cannot read")
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_pull_of_a_model_already_here_needs_no_network(monkeypatch, tmp_path, official_file) -> None:
    from clap_search.families import published

    monkeypatch.setenv("CLAP_SEARCH_MODELS", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    first = published.pull("msclap-2022", from_file=official_file)
    again = published.pull("msclap-2022")
    assert again.path == first.path and again.version == first.version


def test_a_published_model_not_here_says_how_to_get_it(cli, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CLAP_SEARCH_MODELS", str(tmp_path / "models"))
    (tmp_path / "sounds").mkdir()
    code, _, err = cli("index", tmp_path / "sounds", "--model", "msclap-2022", "--library", tmp_path / "lib")
    assert code == 1
    assert err.startswith("error: msclap-2022 is not here yet: `clap-search models pull msclap-2022`")


@pytest.mark.parametrize("args", [["models"], ["models", "import"], ["models", "pull"]])
def test_models_commands_have_help_with_an_example(args: list[str]) -> None:
    from typer.testing import CliRunner

    from clap_search.cli.main import app

    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0 and "Example: clap-search models" in result.output


def test_an_int8_calibration_is_never_applied_to_cnn14(embedder: Embedder) -> None:
    # the int8 tower assumes non-negative inputs and max pooling; msclap's CNN14 has neither
    again = Embedder(embedder.model, embedder.identity, calibration=[1.0] * 13)
    assert again.calibration is None and again.precision != "int8"
