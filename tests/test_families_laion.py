"""LAION-CLAP through clap-search equals transformers' ClapModel + ClapFeatureExtractor, and laion_clap's
own classes where installed, on tiny random models saved as a hub folder and as laion_clap's `.pt`
(tests/laion_reference.py builds them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from laion_reference import (
    SENTENCES,
    SR,
    WINDOW,
    laion_model,
    reference_model,
    save_hub_folder,
    save_like_laion,
    write_tokenizer,
)

from clap_search.embed import Embedder
from clap_search.errors import CheckpointError
from clap_search.families import recognise
from clap_search.families.sources import read_state
from clap_search.families.store import import_model

pytest.importorskip("transformers", reason="transformers (the `test` extra) is the reference")

TOLERANCE = 1e-5  # measured: <= 1e-7; the hub text epsilon alone moves texts by 5e-5
LAYOUTS = [("hub", False), ("hub", True), ("laion", False), ("laion", True)]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLAP_SEARCH_MODELS", str(folder))
        mp.setenv("CLAP_SEARCH_PRECISION", "float32")  # the references run in float32
        yield folder


@pytest.fixture(scope="module")
def references() -> dict[bool, torch.nn.Module]:
    return {fused: reference_model(fused, seed=int(fused)) for fused in (False, True)}


@pytest.fixture(scope="module")
def sources(references, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, bool], Path]:
    root = tmp_path_factory.mktemp("laion")
    out = {}
    for layout, fused in LAYOUTS:
        name = f"{layout}-{'fused' if fused else 'unfused'}"
        if layout == "hub":
            out[layout, fused] = save_hub_folder(references[fused], root / name)
        else:
            out[layout, fused] = save_like_laion(references[fused], root / name / "630k-audioset-best.pt")
            write_tokenizer(root / name)  # roberta-base's files, put beside the .pt by the user
    return out


@pytest.fixture(scope="module")
def embedders(sources, store) -> dict[tuple[str, bool], Embedder]:
    out = {}
    for (layout, fused), source in sources.items():
        name = f"{layout}-{'fused' if fused else 'unfused'}"
        import_model(source, name)
        out[layout, fused] = Embedder.load(name)
    return out


def clip(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    wave = 0.3 * np.sin(2 * np.pi * 440.0 * t * (1 + 0.2 * t)) + 0.1 * rng.standard_normal(len(t))
    return wave.astype(np.float32)


def extractor(fused: bool):
    from transformers import ClapFeatureExtractor

    # laion_clap's audio_cfg: 50 Hz to 14 kHz (the extractor's own default starts at 0 Hz)
    return ClapFeatureExtractor(feature_size=64, sampling_rate=SR, hop_length=480, max_length_s=10,
                                fft_window_size=1024, frequency_min=50, frequency_max=14000,
                                truncation="fusion" if fused else "rand_trunc", padding="repeatpad")


def hf_features(wave: np.ndarray, fused: bool) -> torch.Tensor:
    return extractor(fused)(wave, sampling_rate=SR, return_tensors="pt")["input_features"]


def _tensor(out) -> torch.Tensor:
    return out if isinstance(out, torch.Tensor) else out.pooler_output  # transformers 4 / 5


def hf_audio(model: torch.nn.Module, wave: np.ndarray) -> np.ndarray:
    """ClapModel on ClapFeatureExtractor's features, the fusion flag off (the extractor would set it
    at random for a batch of short clips)."""
    fused = bool(model.config.audio_config.enable_fusion)
    with torch.no_grad():
        vec = _tensor(model.get_audio_features(input_features=hf_features(wave, fused),
                                               is_longer=torch.zeros(1, 1, dtype=torch.bool)))
    return torch.nn.functional.normalize(vec, dim=-1)[0].numpy()


def hf_tokens(folder: Path, texts: list[str]):
    from transformers import RobertaTokenizer

    tok = RobertaTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"))
    return tok(texts, padding="max_length", truncation=True, max_length=77, return_tensors="pt")


def hf_text(model: torch.nn.Module, folder: Path, texts: list[str]) -> np.ndarray:
    tokens = hf_tokens(folder, texts)
    with torch.no_grad():
        vec = _tensor(model.get_text_features(input_ids=tokens["input_ids"],
                                              attention_mask=tokens["attention_mask"]))
    return torch.nn.functional.normalize(vec, dim=-1).numpy()


def tokenizer_folder(source: Path) -> Path:
    return source if source.is_dir() else source.parent


@pytest.mark.parametrize(("layout", "fused"), LAYOUTS)
def test_both_layouts_are_recognised(sources, layout: str, fused: bool) -> None:
    assert recognise(read_state(sources[layout, fused])).name == "laion-clap"


@pytest.mark.parametrize("fused", [False, True])
def test_the_log_mel_is_the_feature_extractors(embedders, fused: bool) -> None:
    wave = clip(10.0)
    ours = embedders["hub", fused].model.logmel(torch.from_numpy(wave)[None])[0]
    theirs = hf_features(wave, fused)[0, 0]
    assert ours.shape == theirs.shape == (1001, 64)
    assert (ours - theirs).abs().max().item() < 1e-3  # dB, float32 against float64


@pytest.mark.parametrize(("layout", "fused"), LAYOUTS)
def test_a_ten_second_clip_embeds_as_transformers_does(embedders, references, layout, fused) -> None:
    wave = clip(10.0, seed=1)
    ours = embedders[layout, fused].embed_wave(wave)
    assert len(ours.vectors) == 1
    assert np.abs(ours.vectors[0] - hf_audio(references[fused], wave)).max() < TOLERANCE


@pytest.mark.parametrize(("layout", "fused"), LAYOUTS)
def test_a_short_clip_is_repeated_and_padded_as_laion_does(embedders, references, layout, fused) -> None:
    wave = clip(3.3, seed=2)  # 3 whole repeats, then 0.1 s of silence
    ours = embedders[layout, fused].embed_wave(wave)
    assert ours.ends[0] == pytest.approx(3.3, abs=1e-3)
    assert np.abs(ours.vectors[0] - hf_audio(references[fused], wave)).max() < TOLERANCE


@pytest.mark.parametrize("fused", [False, True])
def test_a_long_file_gives_fixed_windows_each_as_the_reference_embeds_that_crop(embedders, references, fused):
    wave = clip(23.0, seed=3)
    first = embedders["laion", fused].embed_wave(wave)
    again = embedders["laion", fused].embed_wave(wave)
    assert np.array_equal(first.vectors, again.vectors)  # same file, same vectors
    assert list(first.starts) == [0.0, 5.0, 10.0, 13.0]  # 10 s windows, 5 s hop, the last at the end
    for start, vec in zip(first.starts, first.vectors):
        crop = wave[int(start * SR): int(start * SR) + WINDOW]
        assert np.abs(vec - hf_audio(references[fused], crop)).max() < TOLERANCE


@pytest.mark.parametrize(("layout", "fused"), LAYOUTS)
def test_texts_embed_as_transformers_does(embedders, references, sources, layout, fused) -> None:
    texts = SENTENCES[:3] + ["an unseen wörd, naïve café"]
    ours = embedders[layout, fused].embed_texts(texts)
    theirs = hf_text(references[fused], tokenizer_folder(sources[layout, fused]), texts)
    assert np.abs(ours - theirs).max() < TOLERANCE


@pytest.mark.parametrize(("layout", "fused"), LAYOUTS)
def test_a_text_query_runs_robertas_numpy_tower_as_transformers_does(embedders, references, sources, layout,
                                                                       fused) -> None:
    """What `clap-search query` loads for a LAION-CLAP model: the numpy tower, no torch model built."""
    from clap_search.encoders.roberta_numpy import NumpyRobertaTower
    from clap_search.text_embed import TextEmbedder, load_text_embedder

    name = f"{layout}-{'fused' if fused else 'unfused'}"
    loaded = load_text_embedder(name)
    assert isinstance(loaded, TextEmbedder) and isinstance(loaded.tower, NumpyRobertaTower)
    assert loaded.identity == embedders[layout, fused].identity
    texts = SENTENCES[:3] + ["an unseen wörd, naïve café", "x " * 90]  # the last one is truncated at 77
    theirs = hf_text(references[fused], tokenizer_folder(sources[layout, fused]), texts)
    assert np.abs(loaded.embed_texts(texts) - theirs).max() < TOLERANCE
    assert np.abs(loaded.embed_texts(texts[:1]) - theirs[:1]).max() < TOLERANCE  # no padding at all


def test_the_tokenizer_gives_robertas_ids(embedders, sources) -> None:
    texts = ["a dog barks", "Birds SING, at dawn!", "  spaces  and\ttabs", "ünïcode ✓"]
    ours = embedders["laion", False].tokenizer(texts, 77)
    theirs = hf_tokens(tokenizer_folder(sources["laion", False]), texts)
    for i in range(len(texts)):
        n = int(theirs["attention_mask"][i].sum())
        assert ours.input_ids[i, :n].tolist() == theirs["input_ids"][i, :n].tolist()
        assert int(ours.attention_mask[i].sum()) == n


@pytest.mark.parametrize("fused", [False, True])
def test_the_temperature_is_the_audio_one(embedders, references, fused: bool) -> None:
    assert embedders["laion", fused].model.logit_scale.item() == pytest.approx(
        references[fused].logit_scale_a.exp().item(), rel=1e-6)


def test_the_hub_epsilon_is_replaced_by_robertas(embedders) -> None:
    import json

    cfg = embedders["hub", False].model.cfg
    assert json.loads(cfg.reference)["text_config"]["layer_norm_eps"] == 1e-5


@pytest.mark.parametrize("fused", [False, True])
def test_laion_clap_itself_agrees(embedders, references, sources, fused: bool) -> None:
    """laion_clap's own CLAP class (skipped where laion_clap is not installed): audio as its
    get_audio_embedding computes it in eval mode, texts as it tokenises them (77 tokens, padded)."""
    laion = laion_model(references[fused])
    emb = embedders["laion", fused]
    for wave in (clip(10.0, seed=4), clip(2.2, seed=5)):
        filled = np.pad(np.tile(wave, WINDOW // len(wave)), (0, WINDOW - len(wave) * (WINDOW // len(wave))))
        if fused:  # laion_clap's get_mel (torchaudio's HTK filters), four copies, not longer
            mel = hf_features(filled, fused=True)[0]
            data = [{"mel_fusion": mel, "longer": torch.tensor([False])}]
        else:
            data = [{"waveform": torch.from_numpy(filled)}]
        with torch.no_grad():
            theirs = laion.get_audio_embedding(data)[0].numpy()
        assert np.abs(emb.embed_wave(wave).vectors[0] - theirs).max() < TOLERANCE
    texts = SENTENCES[:3]
    tokens = hf_tokens(tokenizer_folder(sources["laion", fused]), texts)
    with torch.no_grad():
        theirs = laion.get_text_embedding({"input_ids": tokens["input_ids"],
                                           "attention_mask": tokens["attention_mask"]}).numpy()
    assert np.abs(emb.embed_texts(texts) - theirs).max() < TOLERANCE


def test_every_key_is_accounted_for(sources, tmp_path: Path, store: Path) -> None:
    state = torch.load(sources["laion", False], weights_only=True)
    state["state_dict"]["module.audio_branch.surprise.weight"] = torch.zeros(3)
    del state["state_dict"]["module.text_branch.pooler.dense.bias"]
    bad = tmp_path / "630k-audioset-best.pt"
    torch.save(state, bad)
    write_tokenizer(tmp_path)
    with pytest.raises(CheckpointError) as err:
        import_model(bad, "broken")
    assert "audio_branch.surprise.weight" in str(err.value)
    assert "text_model.pooler.dense.bias" in str(err.value)


def test_a_laion_file_without_its_tokenizer_says_where_to_put_it(sources, tmp_path, store) -> None:
    alone = tmp_path / "630k-audioset-fusion-best.pt"
    alone.write_bytes(sources["laion", True].read_bytes())
    with pytest.raises(CheckpointError, match="put roberta-base's vocab.json and merges.txt"):
        import_model(alone, "no-tokenizer")


def test_an_imported_laion_model_serves_every_command_by_name(cli, sources, tmp_path, monkeypatch) -> None:
    import json

    import soundfile as sf

    monkeypatch.setenv("CLAP_SEARCH_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("CLAP_SEARCH_PRECISION", "float32")
    code, out, err = cli("models", "import", sources["hub", True], "--name", "laion/tiny-fused")
    assert code == 0, err
    assert "imported laion/tiny-fused (laion-clap" in out
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    sf.write(sounds / "short.wav", clip(3.0, seed=6)[::2], SR // 2)  # resampled to 48 kHz by the engine
    sf.write(sounds / "long.flac", clip(12.0, seed=7), SR)
    lib = tmp_path / "lib"
    code, _, err = cli("index", sounds, "--library", lib, "--model", "laion/tiny-fused")
    assert code == 0, err
    code, out, _ = cli("status", "--library", lib, "--json")
    status = json.loads(out)
    assert status["model"]["name"] == "laion/tiny-fused" and status["model"]["dim"] == 16
    assert status["segments"] == 3  # 3 s: one repeat-padded window; 12 s: windows at 0 and 2 s
    code, out, err = cli("query", "a dog barks", "--library", lib, "--json", "--mode", "audio")
    assert code == 0, err
    assert {Path(json.loads(line)["path"]).name for line in out.splitlines()} == {"short.wav", "long.flac"}
    # the console script answers a text query with the numpy RoBERTa: the same hits, no torch
    import subprocess
    import sys

    from test_cold_query import CONSOLE_SCRIPT, NOT_FOR_TEXT, imported

    run = subprocess.run([sys.executable, "-X", "importtime", str(CONSOLE_SCRIPT), "query", "a dog barks",
                          "--library", str(lib), "--json", "--mode", "audio"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert [json.loads(line)["path"] for line in run.stdout.splitlines()] == [
        json.loads(line)["path"] for line in out.splitlines()]
    names = imported(run.stderr)
    assert "clap_search.encoders.roberta_numpy" in names
    assert not sorted(n for n in names if n.split(".")[0] in NOT_FOR_TEXT or n.startswith(NOT_FOR_TEXT))
    code, out, err = cli("classify", sounds, "--labels", "dog,rain", "--library", lib, "--json")
    assert code == 0, err
    code, out, err = cli("similar", sounds / "long.flac", "--library", lib, "--json")
    assert code == 0, err
    code, out, _ = cli("models", "--json")
    row = next(r for r in map(json.loads, out.splitlines()) if r["name"] == "laion/tiny-fused")
    assert row["family"] == "laion-clap" and row["sample_rate"] == 48000 and row["window_seconds"] == 10.0


def test_pull_fetches_a_hub_folder_pinned_and_converts_it(monkeypatch, tmp_path, sources) -> None:
    import shutil

    import huggingface_hub

    from clap_search.families import published
    from clap_search.families.store import cached_checkpoint

    folder = sources["hub", False]
    calls = []

    def fake_download(repo_id, filename, revision=None, cache_dir=None, **kw):  # the hub client's boundary
        calls.append((repo_id, filename, revision))
        target = Path(cache_dir) / repo_id / "blobs" / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(folder / filename, target)
        return str(target)

    monkeypatch.setenv("CLAP_SEARCH_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(published, "_reachable", lambda host, port, seconds: True)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    done = published.pull("laion/clap-htsat-unfused")
    pinned = "8fa0f1c6d0433df6e97c127f64b2a1d6c0dcda8a"
    assert calls == [("laion/clap-htsat-unfused", f, pinned)
                     for f in ("pytorch_model.bin", "config.json", "vocab.json", "merges.txt")]
    assert done.family == "laion-clap" and cached_checkpoint("laion/clap-htsat-unfused") == done.path
    assert not (tmp_path / "models" / ".downloads").exists()  # only the converted copy stays


def test_models_lists_the_laion_checkpoints_as_runnable_with_their_figures(monkeypatch, tmp_path) -> None:
    from clap_search.families.listing import list_models

    monkeypatch.setenv("CLAP_SEARCH_MODELS", str(tmp_path))
    rows = {m.name: m for m in list_models()}
    for name in ("laion-clap-630k", "laion-clap-630k-fused", "laion/clap-htsat-unfused",
                 "laion/clap-htsat-fused", "laion/larger_clap_general"):
        row = rows[name]
        assert row.runnable and not row.present and row.family == "laion-clap"
        assert (row.dim, row.sample_rate, row.window_seconds) == (512, 48000, 10.0)
    assert rows["laion-clap-630k"].esc50 == 92.75
    assert "LAION-AI/CLAP README" in rows["laion-clap-630k"].esc50_source
    assert rows["laion/larger_clap_general"].esc50 is None


def test_a_bfloat16_tower_stays_close_to_float32(sources, embedders, monkeypatch) -> None:
    """What an AMX CPU chooses by itself: the HTSAT in bfloat16, the projection in float32."""
    monkeypatch.setenv("CLAP_SEARCH_PRECISION", "bfloat16")
    fast = Embedder.load("laion-unfused")
    wave = clip(10.0, seed=8)
    cos = float(fast.embed_wave(wave).vectors[0] @ embedders["laion", False].embed_wave(wave).vectors[0])
    tower = next(fast.model.audio_model.parameters())
    assert fast.precision == "bfloat16" and tower.dtype == torch.bfloat16 and 0.99 < cos < 1 - 1e-7


def test_every_published_download_is_pinned_to_a_commit() -> None:
    """`pull` always fetches the same bytes: weights and extra files name a hub commit, never a branch."""
    import re

    from clap_search.families.published import PUBLISHED

    for entry in PUBLISHED:
        for repo, filename, revision in ((entry.repo, entry.filename, entry.revision), *entry.extra_files):
            assert re.fullmatch(r"[0-9a-f]{40}", revision), (entry.name, repo, filename, revision)
