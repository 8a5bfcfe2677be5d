"""`create_model`: the one place a model name or checkpoint path becomes a ready model."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from clap_search.config import CONFIGS, ModelConfig
from clap_search.errors import UnknownModelError, UsageError

# torch is imported inside the functions that build torch models: a text query runs the numpy
# tower (create_text_tower) and must not pay torch's import (tests/test_cold_query.py).
if TYPE_CHECKING:
    import torch

    from clap_search.encoders.bert_numpy import NumpyTextTower
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
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in ("cpu", "cuda"):
        raise UsageError(f"unknown device '{device}': use auto, cpu or cuda")
    if device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda was asked for but no CUDA GPU is visible; use --device cpu")
    return torch.device(device)


PRECISIONS = ("float32", "bfloat16", "int8")


def inference_precision(device: torch.device, calibrated: bool) -> str:
    """How the audio convolutions run at inference (the text tower is always float32).

    On a CPU: int8 when the model comes with an int8 calibration and torch has a quantized
    backend here (the default model's tower: ~8x faster than float32, see the README); else bfloat16
    where the CPU multiplies it in hardware (AMX: ~3x); else float32. Window vectors stay within
    a few 1e-3 cosine of float32 either way. CLAP_SEARCH_PRECISION=float32|bfloat16|int8 forces it.
    """
    import torch

    from clap_search.encoders.int8 import quantized_engine

    forced = os.environ.get("CLAP_SEARCH_PRECISION", "").strip().lower()
    forced = {"fp32": "float32", "bf16": "bfloat16"}.get(forced, forced)
    if forced and forced not in PRECISIONS:
        raise UsageError(f"CLAP_SEARCH_PRECISION={forced!r}: use float32, bfloat16 or int8")
    if forced == "int8" and not (calibrated and device.type == "cpu" and quantized_engine()):
        raise UsageError("CLAP_SEARCH_PRECISION=int8 needs a calibrated model on a CPU with a "
                         "torch quantized backend (see scripts/calibrate_int8.py)")
    if forced:
        return forced
    if device.type != "cpu":
        return "float32"
    if calibrated and quantized_engine():
        return "int8"
    amx = getattr(torch.cpu, "_is_amx_tile_supported", None)
    return "bfloat16" if amx is not None and amx() else "float32"


def available_models() -> list[str]:
    from clap_search.families.store import stored_models

    folder = bundled_checkpoint().parent.parent
    found = folder.iterdir() if folder.is_dir() else []
    bundled = [p.name for p in found if (p / "model.safetensors").exists()]
    return sorted(bundled) + list(RANDOM_MODELS) + [m.name for m in stored_models()]


def named_checkpoint(name: str) -> Path | None:
    """A bundled model, else one in the per-user store (`clap-search models`), by name."""
    from clap_search.families.store import cached_checkpoint

    if bundled_checkpoint(name).is_file():
        return bundled_checkpoint(name)
    return cached_checkpoint(name)


def checkpoint_path(name: str, checkpoint: str | Path | None = None) -> Path | None:
    """The checkpoint file behind a model name or path; None for the random test configs."""
    if checkpoint:
        return Path(checkpoint)
    named = named_checkpoint(name)
    if named is not None:
        return named
    if name.endswith(".safetensors") or "/" in name or Path(name).is_file():
        path = Path(name).expanduser()
        if not path.is_file():
            raise UnknownModelError(f"model checkpoint not found: {path} (`clap-search models` lists the "
                                    "models known here)")
        return path
    return None


def calibration_path(checkpoint: Path) -> Path:
    """Where a checkpoint's int8 activation calibration lives: beside it, `NAME.int8.json`."""
    return checkpoint.with_suffix(".int8.json")


def load_calibration(name: str, identity: ModelIdentity) -> list[float] | None:
    """The int8 calibration made for exactly these weights, or None (then int8 is off)."""
    path = checkpoint_path(name)
    if path is None or not calibration_path(path).is_file():
        return None
    try:
        data = json.loads(calibration_path(path).read_text())
    except (OSError, ValueError):
        return None
    if data.get("version") != identity.version:
        return None  # made for other weights
    return [float(v) for v in data["activation_peaks"]]


def save_calibration(checkpoint: Path, version: str, peaks: list[float], clips: int) -> Path:
    out = calibration_path(checkpoint)
    data = {"version": version, "clips": clips, "activation_peaks": peaks}
    out.write_text(json.dumps(data, indent=1) + "\n")
    return out


def create_model(
    name: str = DEFAULT_MODEL, checkpoint: str | Path | None = None, device: str = "cpu"
) -> tuple[CLAPModel, ModelIdentity]:
    """A model by bundled name, by random config name, or from a checkpoint file, in eval mode."""
    import torch

    from clap_search.checkpoint import load_checkpoint
    from clap_search.model import CLAPModel

    dev = resolve_device(device)
    path = checkpoint_path(name, checkpoint)
    if path is not None:
        model, version = load_checkpoint(path)
        identity = ModelIdentity(_label(name, model.cfg, checkpoint), version, model.cfg.embed_dim)
    elif name in RANDOM_MODELS:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = CLAPModel(CONFIGS[name])
        identity = ModelIdentity(name, "random-seed0", model.cfg.embed_dim)
    else:
        from clap_search.families.published import PUBLISHED

        if any(p.name == name for p in PUBLISHED):
            raise UnknownModelError(f"{name} is not here yet: `clap-search models pull {name}` downloads it "
                                    f"(or `--from FILE` with a copy you have)")
        known = ", ".join(available_models())
        hint = " (the default model is not bundled in this install)" if name == DEFAULT_MODEL else ""
        raise UnknownModelError(f"unknown model '{name}'{hint}: use one of {known} or a .safetensors path "
                                "(`clap-search models` lists published ones to pull or import)")
    return model.to(dev).eval(), identity


def _label(name: str, cfg: ModelConfig, checkpoint: str | Path | None = None) -> str:
    """The name a library records: a bundled or stored model's name, or the config's name for a
    checkpoint path."""
    return name if not checkpoint and named_checkpoint(name) is not None else cfg.name


def create_text_tower(name: str = DEFAULT_MODEL) -> tuple[NumpyTextTower, ModelIdentity] | None:
    """The text tower and projection alone, in numpy, for text queries (no torch import); its
    tokenizer is `tower.tokenizer`.

    None where only the torch model can answer: the random test configs (their weights come
    from torch's seeded initialisation) and checkpoints whose text tower has another layout."""
    from clap_search.encoders import bert_numpy, gpt2_numpy, roberta_numpy
    from clap_search.encoders.tokenizer import Gpt2BPE, RobertaBPE, WordPiece, vocab_file
    from clap_search.weights import read_arrays, read_metadata

    path = checkpoint_path(name)
    if path is None:
        return None
    meta = read_metadata(path)
    cfg = ModelConfig.from_json(meta["config"])
    try:
        if cfg.family == "laion-clap":  # RoBERTa, its tokenizer in the header
            weights = read_arrays(path, roberta_numpy.PREFIXES)
            tower: NumpyTextTower = roberta_numpy.NumpyRobertaTower(cfg, weights)
            tower.tokenizer = RobertaBPE(json.loads(meta["tokenizer"]))
        elif cfg.family == "msclap-2023":  # GPT-2, its tokenizer in the header
            weights = read_arrays(path, gpt2_numpy.PREFIXES)
            tower = gpt2_numpy.NumpyGpt2Tower(cfg, weights)
            tower.tokenizer = Gpt2BPE(json.loads(meta["tokenizer"]))
        elif "tokenizer" in meta:  # another vocabulary, no numpy tower for it
            return None
        else:
            tower = bert_numpy.NumpyTextTower(cfg, read_arrays(path, bert_numpy.PREFIXES))
            tower.tokenizer = WordPiece(vocab_file())
    except ValueError:
        return None
    return tower, ModelIdentity(_label(name, cfg), meta["version"], cfg.embed_dim)
