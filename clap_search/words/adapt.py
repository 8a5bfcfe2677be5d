"""A library-local text head: the model's text projection fine-tuned on the library's own words.

`clap-search adapt` (training/adapt.py) writes `adapt.safetensors` into the library folder,
tied to the model version it was trained from; the shipped model is never changed. Only the
text side moves, so the stored audio vectors stay valid as they are; the files' word vectors are
re-embedded with the new head, and `adapt.json` records which head made them. `--reset`
deletes the layer and re-embeds them with the shipped head.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file
from sqlalchemy import select

from clap_search.db import FileWords, vector_to_blob
from clap_search.library import Library
from clap_search.words.semantic import rebuild_word_store, save_word_store
from clap_search.words.vocabulary import update_vocabulary

LAYER = "adapt.safetensors"
RECORD = "adapt.json"


def layer_path(library: Library) -> Path:
    return library.root / LAYER


def record(library: Library) -> dict[str, Any] | None:
    try:
        return json.loads((library.root / RECORD).read_text())
    except (OSError, ValueError):
        return None


def _head(embedder) -> tuple[Any, Any]:  # noqa: ANN001 - an Embedder or a numpy TextEmbedder
    """(read, write) of the embedder's text projection as numpy arrays: the torch model's module,
    or the numpy tower a text query runs (which never imports torch)."""
    tower = getattr(embedder, "tower", None)
    if tower is not None:
        return tower.projection, tower.load_projection
    module = embedder.model.text_projection

    def read() -> dict[str, np.ndarray]:
        return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}

    def write(state: dict[str, np.ndarray]) -> None:
        import torch

        module.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()})

    return read, write


def apply_layer(embedder, library: Library) -> str | None:  # noqa: ANN001 - an Embedder
    """Give the embedder this library's text head (or the shipped one); returns the layer's id."""
    read, write = _head(embedder)
    if getattr(embedder, "shipped_head", None) is None:  # kept to undo a layer
        embedder.shipped_head = read()
    base = embedder.shipped_head
    rec = record(library)
    wanted = rec["layer"] if rec and rec.get("model_version") == embedder.identity.version else None
    if getattr(embedder, "text_layer", None) == wanted:
        return wanted
    state = load_file(str(layer_path(library))) if wanted and layer_path(library).is_file() else base
    write(state)
    embedder.text_layer = wanted if state is not base else None
    return embedder.text_layer


def save_layer(library: Library, embedder, state: dict[str, Any], report: dict[str, Any]) -> str:  # noqa: ANN001
    """Store the head (torch tensors), record it, and re-embed every file's words with it."""
    import hashlib

    from safetensors.torch import save_file

    digest = hashlib.blake2b(b"".join(v.numpy().tobytes() for v in state.values()), digest_size=8).hexdigest()
    save_file({k: v.contiguous() for k, v in state.items()}, str(layer_path(library)))
    rec = {"layer": digest, "model_version": embedder.identity.version, **report}
    (library.root / RECORD).write_text(json.dumps(rec, indent=1) + "\n")
    apply_layer(embedder, library)
    reembed_words(library, embedder)
    return digest


def reset_layer(library: Library, embedder) -> bool:  # noqa: ANN001
    """Forget the adapted head; word vectors go back to the shipped one. False if there was none."""
    had = layer_path(library).exists() or (library.root / RECORD).exists()
    layer_path(library).unlink(missing_ok=True)
    (library.root / RECORD).unlink(missing_ok=True)
    apply_layer(embedder, library)
    if had:
        reembed_words(library, embedder)
    return had


def reembed_words(library: Library, embedder, batch: int = 256) -> int:  # noqa: ANN001
    """Every file's word vector again, with the embedder's current text head."""
    with library.writing():
        with library.session() as s:
            stmt = select(FileWords.file_id, FileWords.sentence).where(FileWords.sentence != "")
            rows = s.execute(stmt).all()
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            vecs = embedder.embed_texts([r[1] for r in chunk])
            with library.session() as s, s.begin():
                for (fid, _), v in zip(chunk, vecs):
                    row = s.get(FileWords, fid)
                    if row is not None:
                        row.vector = vector_to_blob(np.asarray(v))
        update_vocabulary(library, embedder)  # the words' vectors from this head too
        save_word_store(library, rebuild_word_store(library))
    return len(rows)
