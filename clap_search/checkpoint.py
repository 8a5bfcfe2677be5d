"""Checkpoints: safetensors weights with the model config in the header, loaded strictly."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from clap_search.config import ModelConfig
from clap_search.errors import CheckpointError
from clap_search.families import build_model, load_tokenizer
from clap_search.model import CLAPModel
from clap_search.weights import FORMAT, read_metadata

__all__ = ["FORMAT", "load_checkpoint", "read_metadata", "save_checkpoint", "weights_digest"]


def weights_digest(state: dict[str, torch.Tensor]) -> str:
    """A short content hash of the weights: the model's version in a library's identity."""
    h = hashlib.sha256()
    for name in sorted(state):
        h.update(name.encode())
        h.update(state[name].detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def save_checkpoint(
    model: CLAPModel, path: str | Path, dtype: torch.dtype = torch.float16, extra: dict | None = None
) -> str:
    """Write weights (floating tensors cast to `dtype`) and config; return the weights digest."""
    return save_state(model.cfg, model.state_dict(), path, dtype, extra)


def save_state(
    cfg: ModelConfig, weights: dict[str, torch.Tensor], path: str | Path,
    dtype: torch.dtype | None = torch.float16, extra: dict | None = None,
) -> str:
    """`save_checkpoint` for a state dict already in the engine's names (dtype None: as given)."""
    state = {}
    for name, tensor in weights.items():
        t = tensor.detach().cpu()
        state[name] = (t.to(dtype) if dtype is not None and t.is_floating_point() else t).contiguous()
    digest = weights_digest(state)
    meta = {"format": FORMAT, "config": cfg.to_json(), "version": digest}
    meta.update({k: json.dumps(v) for k, v in (extra or {}).items()})
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(f"{path}.tmp")
    save_file(state, str(tmp), metadata=meta)
    tmp.replace(path)
    return digest


def load_checkpoint(path: str | Path) -> tuple[CLAPModel, str]:
    """Rebuild the model from the config stored in the file; every weight must match."""
    meta = read_metadata(path)
    cfg = ModelConfig.from_json(meta["config"])
    model = build_model(cfg)
    if "tokenizer" in meta:  # a family with its own vocabulary keeps its tokenizer in the header
        model.tokenizer = load_tokenizer(cfg, json.loads(meta["tokenizer"]))
    state = {}
    with safe_open(str(path), framework="pt") as f:
        for name in f.keys():
            state[name] = f.get_tensor(name)
    expected = model.state_dict()
    state = {k: v.to(expected[k].dtype) if k in expected else v for k, v in state.items()}
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"{path} does not match its own config: {exc}") from exc
    model.eval()
    return model, meta["version"]
