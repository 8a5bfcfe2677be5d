"""Every model the engine knows, for `clap-search models`: bundled, published, and stored ones."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from clap_search.config import CONFIGS, ModelConfig
from clap_search.families.published import PUBLISHED, supported
from clap_search.families.store import cached_checkpoint, stored_models

# Bundled weights ship with their own documentation (MODEL_CARD.md).
BUNDLED_LICENCES = {"default": "CC BY-SA 4.0 (MODEL_CARD.md)"}


@dataclass(frozen=True)
class ModelInfo:
    name: str
    kind: str  # bundled, random, published, local
    family: str
    dim: int
    sample_rate: int
    window_seconds: float
    bytes: int | None  # on disk when present, else the download's size where known
    licence: str
    esc50: float | None
    esc50_source: str
    present: bool
    runnable: bool  # this clap-search has the family's code
    description: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _info(name: str, kind: str, cfg: ModelConfig, size: int | None, licence: str, **kw: Any) -> ModelInfo:
    return ModelInfo(name, kind, cfg.family, cfg.embed_dim, cfg.audio.sample_rate, cfg.window_seconds,
                     size, licence, kw.get("esc50"), kw.get("esc50_source", ""), True, True,
                     kw.get("description", cfg.description))


def list_models() -> list[ModelInfo]:
    from clap_search.checkpoint import read_metadata
    from clap_search.factory import RANDOM_MODELS, available_models, bundled_checkpoint

    out = []
    for name in available_models():
        path = bundled_checkpoint(name)
        if path.is_file():
            cfg = ModelConfig.from_json(read_metadata(path)["config"])
            licence = BUNDLED_LICENCES.get(name, "see MODEL_CARD.md")
            out.append(_info(name, "bundled", cfg, path.stat().st_size, licence))
        elif name in RANDOM_MODELS:
            out.append(_info(name, "random", CONFIGS[name], 0, "-"))
    stored = {m.name: m for m in stored_models()}
    for p in PUBLISHED:
        here = cached_checkpoint(p.name)
        out.append(ModelInfo(p.name, "published", p.family, p.dim, p.sample_rate, p.window_seconds,
                             here.stat().st_size if here else p.download_bytes, p.licence, p.esc50,
                             p.esc50_source, here is not None, supported(p), p.description))
        stored.pop(p.name, None)
    for m in stored.values():
        out.append(_info(m.name, "local", m.config, m.bytes, "as its source",
                         description=f"imported from {m.source}"))
    return out
