"""Reading a checkpoint without torch: its header (format, config, version) and chosen tensors as numpy."""

from __future__ import annotations

import json
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


# safetensors dtypes numpy can map as they are (the format is little-endian)
DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
          "I8": "i1", "U8": "u1", "BOOL": "?"}


def read_arrays(path: str | Path, prefixes: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The tensors whose names start with one of `prefixes`, as stored (fp16 stays fp16).

    They are read-only views of the file, mapped, not copied: a text query touches only the
    text tower's pages (a third of the default checkpoint), and RoBERTa-base's 500 MB are not
    copied first (the file's pages are shared with every other process that maps them)."""
    try:
        with open(path, "rb") as f:
            size = int.from_bytes(f.read(8), "little")
            header = json.loads(f.read(size))
        start = 8 + size
        out = {}
        for name, info in header.items():
            if name == "__metadata__" or not name.startswith(prefixes):
                continue
            begin, end = info["data_offsets"]
            shape = tuple(info["shape"])
            if end == begin:  # numpy cannot map zero bytes
                out[name] = np.zeros(shape, DTYPES[info["dtype"]])
                continue
            array = np.memmap(path, dtype=DTYPES[info["dtype"]], mode="r", offset=start + begin, shape=shape)
            if array.nbytes != end - begin:
                raise ValueError(f"{name}: {end - begin} bytes for shape {shape}")
            out[name] = array
        return out
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"cannot read checkpoint {path}: {exc}") from exc
