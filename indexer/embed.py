"""Stage 3: a decoded wave becomes fixed-window vectors, without gradients; the wave is then freed."""

from __future__ import annotations

import torch

from clap_search.embed import Embedder
from clap_search.indexer.decode import Decoded


def embed_one(embedder: Embedder, item: Decoded) -> Decoded:
    """Fill `item.segments`; a model failure on odd audio becomes the file's recorded error."""
    if item.wave is None or item.error:
        return item
    try:
        with torch.inference_mode():
            item.segments = embedder.embed_wave(item.wave)
    except (RuntimeError, ValueError) as exc:
        item.error = f"cannot embed ({exc})"
    finally:
        item.wave = None
    return item
