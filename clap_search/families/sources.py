"""Read a published checkpoint as its authors ship it, as tensors only: never run a pickle's code."""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path

import torch

from clap_search.errors import CheckpointError, NotFoundError

WRAPPERS = ("model", "state_dict", "module")  # {'model': ...} (msclap), {'state_dict': ...} (laion_clap)


def read_state(source: Path) -> dict[str, torch.Tensor]:
    """The state dict inside a .pth/.pt/.ckpt/.bin/.safetensors file, or a folder holding one."""
    if not source.exists():
        raise NotFoundError(f"no such file or folder: {source}")
    path = _weights_file(source) if source.is_dir() else source
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            return dict(load_file(str(path)))
        except Exception as exc:  # safetensors raises untyped errors on bad headers
            raise CheckpointError(f"cannot read {path}: {exc}") from exc
    try:
        # memory-mapped where the format allows: CLAP_weights_2022.pth holds 2.3 GB, mostly
        # optimizer state the engine never reads
        raw = torch.load(str(path), map_location="cpu", weights_only=True, mmap=zipfile.is_zipfile(path))
    except pickle.UnpicklingError as exc:
        found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(exc))
        if found is None:  # not a pickle of objects we refuse: bytes that are no checkpoint at all
            reason = str(exc).strip().splitlines()[-1][:200] if str(exc).strip() else "unreadable"
            raise CheckpointError(f"cannot read {path} as a torch checkpoint: {reason}") from exc
        what = f" such as {found[1]}"
        raise CheckpointError(
            f"refusing {path}: it holds Python objects besides tensors{what}, and loading them could "
            "run code; save its state dict alone (torch.save(model.state_dict(), ...)) or use "
            ".safetensors") from exc
    except Exception as exc:  # torch.load fails on foreign bytes with any error (KeyError, EOFError, ...)
        detail = f"{type(exc).__name__}: {str(exc).strip()[:200]}"
        raise CheckpointError(f"cannot read {path} as a torch checkpoint: {detail}") from exc
    return _unwrap(raw, path)


def _weights_file(folder: Path) -> Path:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (folder / name).is_file():
            return folder / name
    raise CheckpointError(f"{folder} holds no model.safetensors or pytorch_model.bin")


def _unwrap(raw: object, path: Path) -> dict[str, torch.Tensor]:
    while isinstance(raw, dict) and not _is_state(raw):
        inner = next((raw[k] for k in WRAPPERS if k in raw), None)
        if inner is None:
            keys = ", ".join(map(str, raw))[:200]
            raise CheckpointError(f"{path}: no weights found (top-level keys: {keys})")
        raw = inner
    if not isinstance(raw, dict):
        raise CheckpointError(f"{path}: expected a dictionary of tensors, found {type(raw).__name__}")
    state = {k: v for k, v in raw.items() if isinstance(v, torch.Tensor)}
    # models saved from DistributedDataParallel prefix every key with "module."
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    return state


def _is_state(d: dict) -> bool:
    return bool(d) and all(isinstance(v, torch.Tensor) for v in d.values())
