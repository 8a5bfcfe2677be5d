"""Stage 3: a decoded wave becomes fixed-window vectors, without gradients; the wave is then freed."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from clap_search.audio import AudioStream, SampleHash, fingerprint_blocks
from clap_search.embed import Embedder
from clap_search.errors import AudioReadError
from clap_search.indexer.decode import Decoded, failure_reason


def embed_one(embedder: Embedder, item: Decoded) -> Decoded:
    """Fill `item.segments`; a model failure on odd audio becomes the file's recorded error."""
    if item.long is not None:
        return _embed_long(embedder, item)
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


def _embed_long(embedder: Embedder, item: Decoded) -> Decoded:
    """A long file, block by block: vectors, sample hash, then the fingerprint in a second read
    (it samples the whole length, known only at the end). Same results as for the whole wave."""
    long = item.long
    assert long is not None
    digest = SampleHash()

    def hashed() -> Iterator[np.ndarray]:
        for block in long.blocks():
            digest.update(block)
            yield block

    try:
        with long.stream:
            item.segments = embedder.embed_blocks(hashed())
            item.info, total = long.stream.info, long.stream.samples
        item.audio_hash = digest.hexdigest()
        rate = embedder.sample_rate
        with AudioStream(item.candidate.path, rate, long.max_seconds) as again:
            item.fingerprint = fingerprint_blocks(again.blocks(), total, rate)
    except AudioReadError as exc:
        item.error, item.segments = failure_reason(exc, item.candidate.path), None
    except (RuntimeError, ValueError, OSError) as exc:
        item.error, item.segments = f"cannot embed ({exc})", None
    finally:
        item.long = None
    return item
