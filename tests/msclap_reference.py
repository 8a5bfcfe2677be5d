"""msclap's own model classes (the installed msclap 1.3.4), importable without torchaudio or the hub.

`msclap/__init__.py` imports its CLAPWrapper, which needs torchaudio and downloads weights; the
model classes in `msclap/models/` need neither. A bare package object pointing at the installed
folder lets `msclap.models.clap` import without running that `__init__`. BERT comes from
`transformers` with a small random config instead of `from_pretrained("bert-base-uncased")`.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path

import pytest
import torch

SKIP = ("the reference packages are missing: "
        "pip install --no-deps -r tests/reference-requirements.txt (README 'Install')")


def import_reference() -> types.ModuleType:
    pytest.importorskip("torchlibrosa", reason=SKIP)
    pytest.importorskip("transformers", reason=SKIP)
    if "msclap" not in sys.modules:  # the bare package below has no spec to find a second time
        spec = importlib.util.find_spec("msclap")
        if spec is None or not spec.submodule_search_locations:
            pytest.skip(SKIP)
        package = types.ModuleType("msclap")
        package.__path__ = [str(Path(p)) for p in spec.submodule_search_locations]
        sys.modules["msclap"] = package
    return importlib.import_module("msclap.models.clap")


def small_bert(hidden: int = 128, layers: int = 2) -> type:
    from transformers import BertConfig, BertModel

    class SmallBert:
        @staticmethod
        def from_pretrained(name: str) -> BertModel:
            assert name == "bert-base-uncased"
            cfg = BertConfig(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=hidden // 64,
                             intermediate_size=2 * hidden)
            return BertModel(cfg)

    return SmallBert


def reference_clap(seed: int = 0, hidden: int = 128) -> torch.nn.Module:
    """msclap's CLAP as `CLAPWrapper.load_clap` builds it from config_2022.yml, random weights
    (batch-norm statistics too, so that they matter), a small BERT."""
    clap = import_reference()
    original = clap.AutoModel
    clap.AutoModel = small_bert(hidden)
    try:
        torch.manual_seed(seed)
        model = clap.CLAP(audioenc_name="Cnn14", sample_rate=44100, window_size=1024, hop_size=320,
                          mel_bins=64, fmin=50, fmax=14000, classes_num=527, out_emb=2048,
                          text_model="bert-base-uncased", transformer_embed_dim=hidden, d_proj=1024)
    finally:
        clap.AutoModel = original
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        randomise_batch_norm(model, gen)
        model.logit_scale.fill_(3.2)
    return model.eval()



def randomise_batch_norm(model: torch.nn.Module, gen: torch.Generator) -> None:
    """Batch-norm statistics and affine weights unlike the defaults, so a mix-up shows (no_grad)."""
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.5)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)

def save_like_microsoft(model: torch.nn.Module, path: Path) -> Path:
    """`CLAP_weights_2022.pth`'s layout: {'model': state_dict, ...} (the loader reads ['model']),
    with the position_ids buffer that transformers < 4.31 saved inside BERT's embeddings."""
    state = dict(model.state_dict())
    state["caption_encoder.base.embeddings.position_ids"] = torch.arange(512)[None]
    torch.save({"model": state, "epoch": 45}, path)
    return path


def save_altered(official: Path, path: Path, drop: str | None = None, add: str | None = None,
                 **others: object) -> Path:
    """The official file's weights with one key dropped or one stray key added, and any other
    top-level entries (a pickled object, say), in msclap's {'model': ...} layout."""
    state = dict(torch.load(official, weights_only=True)["model"])
    if drop is not None:
        del state[drop]
    if add is not None:
        state[add] = torch.zeros(3)
    torch.save({"model": state, **others}, path)
    return path


def fake_hub(monkeypatch: pytest.MonkeyPatch, source: Path) -> list[tuple[str, str, str | None]]:
    """The hub reachable and `hf_hub_download` (the hub client's boundary) answering with a copy of
    `source`; returns the list of (repo, file, revision) it is asked for."""
    import shutil

    import huggingface_hub

    from clap_search.families import published

    calls: list[tuple[str, str, str | None]] = []

    def fake_download(repo_id, filename, revision=None, cache_dir=None, **kw):
        calls.append((repo_id, filename, revision))
        target = Path(cache_dir) / "blobs" / filename
        target.parent.mkdir(parents=True)
        shutil.copy(source, target)
        return str(target)

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(published, "_reachable", lambda host, port, seconds: True)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    return calls
