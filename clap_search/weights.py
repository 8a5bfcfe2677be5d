"""Reading a checkpoint without torch: its header (format, config, version) and chosen tensors as numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from safetensors import safe_open

from clap_search.errors import CheckpointError

FORMAT = "clap-search/1"


def read_metadata(path: str | Path) -> dict[str, str]:
    """The header of a clap-search checkpoint: format, config (JSON), version (weights digest)."""
    try:
        with safe_open(str(path), framework="np") as f:
            meta = f.metadata() or {}
    except Exception as exc:  # safetensors raises its own untyped errors on bad headers
        raise CheckpointError(f"cannot read checkpoint {path}: {exc}") from exc
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a clap-search checkpoint (no '{FORMAT}' header)")
    return meta


def read_arrays(path: str | Path, prefixes: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The tensors whose names start with one of `prefixes`, as stored (fp16 stays fp16).

    Only those are read: the text tower is a third of the default checkpoint."""
    try:
        with safe_open(str(path), framework="np") as f:
            return {name: f.get_tensor(name) for name in f.keys() if name.startswith(prefixes)}
    except Exception as exc:  # noqa: BLE001 - untyped safetensors errors on a damaged file
        raise CheckpointError(f"cannot read checkpoint {path}: {exc}") from exc
