"""The per-user model store: published and local checkpoints, converted once into safetensors.

Models live in the user cache folder (`$CLAP_SEARCH_MODELS`, else platformdirs'
user_cache_dir/clap-search/models), one folder per name, never in site-packages. Each holds
`model.safetensors` in the engine's format (config and source in the header), so search time
never unpickles anything.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from clap_search.config import ModelConfig
from clap_search.errors import CheckpointError, UsageError

ENV_VAR = "CLAP_SEARCH_MODELS"
RESERVED = ("default", "tiny")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?")


def models_dir() -> Path:
    chosen = os.environ.get(ENV_VAR)
    if chosen:
        return Path(chosen).expanduser()
    return Path(platformdirs.user_cache_dir("clap-search", appauthor=False)) / "models"


def folder_of(name: str) -> Path:
    return models_dir() / name.replace("/", "--")


def cached_checkpoint(name: str) -> Path | None:
    """The converted checkpoint of a model in the store, or None."""
    if not NAME.fullmatch(name):
        return None
    path = folder_of(name) / "model.safetensors"
    return path if path.is_file() else None


@dataclass(frozen=True)
class StoredModel:
    name: str
    path: Path
    config: ModelConfig
    source: str
    bytes: int


def stored_models() -> list[StoredModel]:
    from clap_search.checkpoint import read_metadata

    out = []
    root = models_dir()
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        path = folder / "model.safetensors"
        if not path.is_file():
            continue
        try:
            meta = read_metadata(path)
        except CheckpointError:
            continue  # a foreign or half-written file: not a model we can offer
        name = json.loads(meta.get("name", "null")) or folder.name.replace("--", "/")
        out.append(StoredModel(name, path, ModelConfig.from_json(meta["config"]),
                               json.loads(meta.get("source", '""')), path.stat().st_size))
    return out


@dataclass(frozen=True)
class Imported:
    name: str
    family: str
    path: Path
    version: str


def import_model(source: Path, name: str, family: str | None = None) -> Imported:
    """Read an original checkpoint (tensors only), recognise or check its family, map its keys
    exactly, and write it into the store as float32 safetensors under `name`."""
    import dataclasses

    from clap_search.checkpoint import save_state

    if name in RESERVED or not NAME.fullmatch(name):
        raise UsageError(f"invalid model name '{name}': use letters, digits, '.', '_', '-' "
                         f"(and one '/'), not {' or '.join(RESERVED)}")
    from clap_search.families import recognise  # torch: only when importing, never for a query
    from clap_search.families.sources import read_state

    state = read_state(source)
    fam = recognise(state, family)
    cfg, weights = fam.convert(state, source)
    cfg = dataclasses.replace(cfg, name=name)
    extra = {"name": name, "source": source.name, "family": fam.name}
    extra.update(fam.assets(source) if fam.assets is not None else {})
    out = folder_of(name) / "model.safetensors"
    version = save_state(cfg, weights, out, dtype=None, extra=extra)
    return Imported(name, fam.name, out, version)
