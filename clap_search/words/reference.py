"""Everyday sound descriptions that anchor the word-score calibration in small libraries.

A library of ten named files cannot say what an unremarkable query-to-words similarity looks
like; these phrases (through the same text tower) can, and in a big library they are a small
share of the sample.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

PHRASES = (
    "dog barking", "cat meowing", "cow mooing", "rooster crowing", "birds singing", "owl hooting",
    "horse galloping", "sheep bleating", "pig oinking", "duck quacking", "frog croaking",
    "insects buzzing", "rain falling", "thunder rumbling", "wind blowing", "ocean waves",
    "river flowing", "water dripping", "fire crackling", "footsteps on gravel", "footsteps on wood",
    "door slamming", "door creaking", "knocking on a door", "glass breaking", "metal clanging",
    "car engine starting", "car passing by", "car horn", "truck idling", "motorcycle revving",
    "train passing", "airplane flying over", "helicopter", "siren wailing", "alarm clock ringing",
    "telephone ringing", "church bells", "clock ticking", "keyboard typing", "mouse clicking",
    "paper rustling", "zipper", "cloth rustling", "applause", "crowd cheering", "people talking",
    "a man speaking", "a woman speaking", "a child laughing", "a baby crying", "coughing",
    "sneezing", "breathing", "snoring", "whistling", "eating crunchy food", "pouring water",
    "boiling water", "frying food", "dishes clattering", "vacuum cleaner", "washing machine",
    "hair dryer", "toilet flushing", "shower running", "sawing wood", "hammering a nail", "drilling",
    "chainsaw", "lawn mower", "gunshot", "explosion", "sword clash", "punch", "whoosh", "laser",
    "magic spell", "robot", "monster growl", "user interface beep", "notification chime",
    "piano chord", "guitar strum", "drum hit", "violin note", "trumpet fanfare", "synth pad",
    "electronic music", "orchestral music", "forest ambience", "city traffic ambience",
    "office ambience", "restaurant ambience", "wind chimes", "bubbles", "splash", "squeak",
)

# Kept in the library folder: embedding ~100 phrases through the text tower costs a cold query
# ~0.4 s on two cores, so `index` (or the first query) stores them once per model and text head.
REFERENCE_FILE = "words-reference.npz"

_CACHE: dict[str, np.ndarray] = {}
_IN_FOLDER: set[tuple[str, Path]] = set()  # (key, file) pairs known to be saved


def head_key(embedder) -> str:  # noqa: ANN001
    """Which model and text head made a text vector (the adapted layer, if any)."""
    layer = getattr(embedder, "text_layer", None) or "shipped"
    return f"{embedder.identity.name}:{embedder.identity.version}:{layer}:{len(PHRASES)}"


def _load(path: Path, key: str) -> np.ndarray | None:
    try:
        with np.load(path) as saved:
            if str(saved["key"]) == key:
                return saved["vectors"]
    except (OSError, KeyError, ValueError):  # absent, torn or from an older layout: recompute
        pass
    return None


def _save(path: Path, key: str, vectors: np.ndarray) -> None:
    """Atomic, best effort: derived data, so a read-only library folder only costs time."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            np.savez(f, key=np.array(key), vectors=vectors)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def reference_vectors(embedder, folder: Path | None = None) -> np.ndarray:  # noqa: ANN001 - an Embedder
    """The phrases through this model's text tower (with the library's text head, if adapted):
    from memory, else from `folder`'s saved copy, else embedded now; saved in `folder` if absent."""
    key = head_key(embedder)
    path = None if folder is None else Path(folder) / REFERENCE_FILE
    vectors = _CACHE.get(key)
    if path is None or (key, path) in _IN_FOLDER:
        if vectors is None:
            vectors = _CACHE[key] = embedder.embed_texts(list(PHRASES)).astype(np.float32)
        return vectors
    saved = _load(path, key)
    if saved is None:
        if vectors is None:
            vectors = embedder.embed_texts(list(PHRASES)).astype(np.float32)
        _save(path, key, vectors)
    else:
        vectors = saved
    _CACHE[key] = vectors
    _IN_FOLDER.add((key, path))
    return vectors
