"""The corpus as the trainer sees it: manifest rows, zero-shot eval rows, and their audio."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clap_search.audio import load_audio


@dataclass(frozen=True)
class Clip:
    """One training or evaluation clip: its audio, its captions (first = main) or label."""

    id: str
    audio: Path
    captions: tuple[str, ...]
    split: str
    source: str
    label: str = ""
    kind: str = ""  # the corpus builder's kind: speech, instrument, music, effect, animal, nature, ...


def _read_jsonl(path: Path) -> list[dict]:
    with path.open() as f:
        return [json.loads(line) for line in f if line.strip()]


def read_manifest(corpus: Path, scheme: str | None = None) -> list[Clip]:
    """Manifest clips. ``split`` is the selection run's (train / val held out by source package / test);
    ``scheme`` picks another of the row's ``splits`` instead ("final": train on the val packages too,
    "in_source": the first version's hash split). Rows without ``splits`` keep their ``split``."""
    rows = _read_jsonl(corpus / "manifest.jsonl")
    return [
        Clip(
            r["id"], corpus / r["audio"], tuple(r.get("captions") or [r["caption"]]),
            (r.get("splits") or {}).get(scheme, r["split"]) if scheme else r["split"],
            r.get("source_package", ""), kind=r.get("kind", ""),
        )
        for r in rows
    ]


def read_zero_shot(corpus: Path, name: str = "eval_zeroshot.jsonl") -> list[Clip]:
    rows = _read_jsonl(corpus / name)
    return [
        Clip(r["id"], corpus / r["audio"], (), "eval", r.get("source_package", ""), r["label"])
        for r in rows
    ]


def load_clip(clip: Clip, sample_rate: int) -> np.ndarray:
    wave, _ = load_audio(clip.audio, sample_rate)
    return wave
