"""Stage 2: hash and decode files in worker threads, a bounded few ahead of the consumer."""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np

from clap_search.audio import (
    DEFAULT_MAX_SECONDS,
    AudioInfo,
    AudioStream,
    audio_fingerprint,
    decoded_hash,
)
from clap_search.embed import Segments
from clap_search.errors import AudioReadError
from clap_search.indexer.noise import DecoderNoise, Heard
from clap_search.indexer.scan import Candidate

HASH_CHUNK = 1 << 20
# Longer files are not held whole: the embed stage reads the rest block by block (memory stays
# flat in the file's length); shorter ones are decoded here, ahead of the model, in the workers.
STREAM_SECONDS = 600.0


@dataclass
class LongAudio:
    """A long file, open: the blocks read so far and the rest still to read."""

    stream: AudioStream
    head: deque[np.ndarray]
    rest: Iterator[np.ndarray]
    max_seconds: float

    def blocks(self) -> Iterator[np.ndarray]:
        while self.head:
            yield self.head.popleft()
        yield from self.rest


@dataclass
class Decoded:
    """One file on its way to the database: audio, or the reason it failed, or where it moved from."""

    candidate: Candidate
    content_hash: str | None = None
    audio_hash: str | None = None
    fingerprint: np.ndarray | None = None
    wave: np.ndarray | None = None
    info: AudioInfo | None = None
    error: str | None = None
    warning: str | None = None  # what the decoder printed about a file it could still read
    moved_from: int | None = None
    segments: Segments | None = None
    long: LongAudio | None = None


def content_hash(path: str) -> str:
    """blake2b-128 of the raw bytes: recognises a moved file without decoding it."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def failure_reason(exc: Exception, path: str) -> str:
    return str(exc).replace(path + ": ", "")  # the row already says which file


def decode_one(
    candidate: Candidate,
    sample_rate: int,
    vanished: dict[str, int] | None = None,
    noise: DecoderNoise | None = None,
    max_seconds: float = DEFAULT_MAX_SECONDS,
) -> Decoded:
    """Never raises: a file that cannot be read comes back with `error` set."""
    item = Decoded(candidate, error=candidate.error)
    heard = Heard()
    if item.error:
        return item
    try:
        item.content_hash = content_hash(candidate.path)
        # pop: when two new copies match one vanished file, only the first counts as the move.
        moved = vanished.pop(item.content_hash, None) if vanished else None
        if moved is not None:
            item.moved_from = moved
            return item
        # a long file's later blocks are read by the embed stage, outside any capture: what the
        # decoder prints then goes back to stderr when the run ends.
        with noise.capture() if noise else nullcontext(heard) as heard:
            _read(item, AudioStream(candidate.path, sample_rate, max_seconds), sample_rate)
    except AudioReadError as exc:
        item.error = failure_reason(exc, candidate.path)
    except OSError as exc:
        item.error = exc.strerror or str(exc)
    except Exception as exc:  # noqa: BLE001 - any decoder bug is one failed file, not a dead run
        item.error = f"cannot decode ({type(exc).__name__}: {exc})"
    if heard.text:
        if item.error:
            item.error = f"{item.error} (decoder: {heard.text})"
        else:
            item.warning = f"decoder: {heard.text}"
    return item


def _read(item: Decoded, stream: AudioStream, sample_rate: int) -> None:
    """The whole wave of a short file; a long one is left open for the embed stage."""
    blocks = stream.blocks()
    head: deque[np.ndarray] = deque()
    n = 0
    try:
        for block in blocks:
            head.append(block)
            n += len(block)
            if n > STREAM_SECONDS * sample_rate:
                item.long = LongAudio(stream, head, blocks, stream.max_seconds)
                return
    except BaseException:
        stream.close()
        raise
    stream.close()
    item.wave, item.info = np.concatenate(head), stream.info
    item.audio_hash = decoded_hash(item.wave)
    item.fingerprint = audio_fingerprint(item.wave, sample_rate)


def decode_all(
    candidates: Iterable[Candidate],
    sample_rate: int,
    vanished: dict[str, int] | None = None,
    workers: int = 2,
    prefetch: int = 2,
    max_seconds: float = DEFAULT_MAX_SECONDS,
) -> Iterator[Decoded]:
    """Decoded files in input order; at most `prefetch` wait decoded in memory (long files are big)."""
    pending: deque[Future[Decoded]] = deque()
    with (
        DecoderNoise() as noise,
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="decode") as pool,
    ):
        try:
            for cand in candidates:
                pending.append(
                    pool.submit(decode_one, cand, sample_rate, vanished, noise, max_seconds)
                )
                if len(pending) > prefetch:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for fut in pending:
                fut.cancel()
            for fut in pending:  # close long files left open by decodes that did finish
                if not fut.cancelled() and fut.done() and fut.result().long is not None:
                    fut.result().long.stream.close()
