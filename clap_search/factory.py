"""`create_model`: the one place a model name or checkpoint path becomes a ready model."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import torch

from clap_search.checkpoint import load_checkpoint
from clap_search.config import CONFIGS
from clap_search.errors import UnknownModelError, UsageError
from clap_search.model import CLAPModel

DEFAULT_MODEL = "default"
# Random models are only for tests and trying the engine; they are seeded so runs agree.
RANDOM_MODELS = ("tiny",)


@dataclass(frozen=True)
class ModelIdentity:
    """What a library records about the model that made its vectors."""

    name: str
    version: str
    dim: int


def bundled_checkpoint(name: str = DEFAULT_MODEL) -> Path:
    return Path(str(resources.files("clap_search") / "models" / name / "model.safetensors"))


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in ("cpu", "cuda"):
        raise UsageError(f"unknown device '{device}': use auto, cpu or cuda")
    if device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda was asked for but no CUDA GPU is visible; use --device cpu")
    return torch.device(device)


def inference_dtype(device: torch.device) -> torch.dtype:
    """bfloat16 for the audio convolutions where the CPU multiplies it in hardware (AMX), where it
    runs ~3x faster with window vectors within 1e-4 cosine of float32; float32 elsewhere.
    CLAP_SEARCH_PRECISION=float32|bfloat16 overrides the choice."""
    forced = os.environ.get("CLAP_SEARCH_PRECISION", "").strip().lower()
    if forced in ("float32", "fp32"):
        return torch.float32
    if forced in ("bfloat16", "bf16"):
        return torch.bfloat16
    if forced:
        raise UsageError(f"CLAP_SEARCH_PRECISION={forced!r}: use float32 or bfloat16")
    if device.type != "cpu":
        return torch.float32
    amx = getattr(torch.cpu, "_is_amx_tile_supported", None)
    return torch.bfloat16 if amx is not None and amx() else torch.float32


def available_models() -> list[str]:
    folder = bundled_checkpoint().parent.parent
    if not folder.is_dir():
        return list(RANDOM_MODELS)
    bundled = [p.name for p in folder.iterdir() if (p / "model.safetensors").exists()]
    return sorted(bundled) + list(RANDOM_MODELS)


def create_model(
    name: str = DEFAULT_MODEL, checkpoint: str | Path | None = None, device: str = "cpu"
) -> tuple[CLAPModel, ModelIdentity]:
    """A model by bundled name, by random config name, or from a checkpoint file, in eval mode."""
    dev = resolve_device(device)
    path = Path(checkpoint) if checkpoint else None
    if path is None and (name.endswith(".safetensors") or "/" in name or Path(name).is_file()):
        path = Path(name).expanduser()
        if not path.is_file():
            raise UnknownModelError(f"model checkpoint not found: {path}")
    if path is None and bundled_checkpoint(name).is_file():
        path = bundled_checkpoint(name)
    if path is not None:
        model, version = load_checkpoint(path)
        label = name if name and not name.endswith(".safetensors") and "/" not in name else model.cfg.name
        identity = ModelIdentity(label, version, model.cfg.embed_dim)
    elif name in RANDOM_MODELS:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = CLAPModel(CONFIGS[name])
        identity = ModelIdentity(name, "random-seed0", model.cfg.embed_dim)
    else:
        known = ", ".join(available_models())
        hint = " (the default model is not bundled in this install)" if name == DEFAULT_MODEL else ""
        raise UnknownModelError(f"unknown model '{name}'{hint}: use one of {known} or a .safetensors path")
    return model.to(dev).eval(), identity
