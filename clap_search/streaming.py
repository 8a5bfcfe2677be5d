"""Window vectors of audio that arrives block by block: memory stays flat in the file's length.

The conv tower runs over fixed chunks of CHUNK_SECONDS with MARGIN_SECONDS of context on both
sides (only the chunk's own frames are kept), and each 5 s window pools its slice of the frame
features. Chunk edges sit at fixed offsets from the start of the file, so the vectors do not
depend on how the audio was cut into blocks: a whole wave and the same wave in pieces give the
same vectors (tests/test_streaming.py). Only the current chunk's samples and the frames of the
windows not yet pooled are held.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from clap_search.embed import Embedder, Segments

CHUNK_SECONDS = 60.0
MARGIN_SECONDS = 3.0


class WindowStream:
    """Feed samples with `push`, then `finish` for the Segments (as Embedder.embed_wave gives)."""

    def __init__(self, embedder: Embedder) -> None:
        self.e = embedder
        a = embedder.cfg.audio
        self.hop_length, self.reduction = a.hop_length, a.time_reduction
        unit = a.hop_length * a.time_reduction  # samples per output frame
        self.unit = unit
        self.chunk = int(CHUNK_SECONDS * embedder.sample_rate) // unit * unit
        self.margin = int(MARGIN_SECONDS * embedder.sample_rate) // unit * unit
        self.samples = np.zeros(0, np.float32)  # the wave from sample `samples_at` on...
        self.pending: list[np.ndarray] = []  # ...followed by these blocks, joined when needed
        self.samples_at = 0
        self.total = 0  # samples pushed
        self.next_chunk = 0  # start sample of the next chunk to run
        self.frames: list[torch.Tensor] = []  # frame features from frame `frames_at` on
        self.frames_at = 0
        self.frames_done = 0  # frames of complete chunks (all of them are the file's frames)
        self.next_window = 0  # start frame of the next hop-spaced window to pool
        self.starts: list[int] = []
        self.vectors: list[np.ndarray] = []

    def push(self, block: np.ndarray) -> None:
        if not len(block):
            return
        self.pending.append(np.asarray(block, dtype=np.float32))
        self.total += len(block)
        # a chunk runs once its right-hand context has arrived (and the file is known to be long)
        long = self.total > self.chunk + self.margin
        while long and self.total >= self.next_chunk + self.chunk + self.margin:
            self._run_chunk()
            self._pool_ready()

    def _joined(self) -> np.ndarray:
        if self.pending:
            parts = [self.samples, *self.pending] if len(self.samples) else self.pending
            self.samples = np.concatenate(parts) if len(parts) > 1 else parts[0]
            self.pending = []
        return self.samples

    def _run_chunk(self) -> None:
        self._joined()
        start = self.next_chunk
        lo = max(0, start - self.margin)
        piece = self.samples[lo - self.samples_at : start + self.chunk + self.margin - self.samples_at]
        x = torch.from_numpy(np.ascontiguousarray(piece)).to(self.e.device)
        feats = self.e.model.audio_frames(x[None])[0]
        skip = (start - lo) // self.unit
        self.frames.append(feats[:, skip : skip + self.chunk // self.unit])
        self.frames_done += self.chunk // self.unit
        self.next_chunk += self.chunk
        keep_from = self.next_chunk - self.margin  # left context of the next chunk
        self.samples = self.samples[keep_from - self.samples_at :]
        self.samples_at = keep_from

    def _window(self, frames: torch.Tensor, start: int) -> None:
        """Pool and project one window (one at a time: batch shape never changes a vector)."""
        span = frames[:, start - self.frames_at : start - self.frames_at + self.e.window_frames]
        self.vectors.append(self.e.model.project_audio(span[None])[0].float().cpu().numpy())
        self.starts.append(start)

    def _pool_ready(self) -> None:
        """Pool the hop-spaced windows that end before the frames known so far (not the last one,
        which is aligned to the end of the file), then drop frames no window needs any more."""
        window, hop = self.e.window_frames, self.e.hop_frames
        if self.next_window + window >= self.frames_done:
            return
        frames = torch.cat(self.frames, dim=1)
        while self.next_window + window < self.frames_done:
            self._window(frames, self.next_window)
            self.next_window += hop
        # the last window may start anywhere before the end: keep everything from one window back
        keep = min(self.next_window, self.frames_done - window) - self.frames_at
        self.frames = [frames[:, max(keep, 0) :].clone()]
        self.frames_at += max(keep, 0)

    def finish(self) -> Segments:
        from clap_search.embed import Segments, window_starts

        e = self.e
        if self.total <= self.chunk + self.margin:  # short: one pass over the whole wave
            x = torch.from_numpy(np.ascontiguousarray(self._joined())).to(e.device)
            self.frames = [e.model.audio_frames(x[None])[0]]
        else:
            while self.next_chunk < self.total:
                self._run_chunk()
        frames = torch.cat(self.frames, dim=1)
        n_total = (self.total // self.hop_length + 1) // self.reduction
        if self.total > self.chunk + self.margin:
            frames = frames[:, : max(n_total, 1) - self.frames_at]
        n = self.frames_at + frames.shape[1]
        for start in window_starts(n, e.window_frames, e.hop_frames):
            if start >= self.next_window or start == n - e.window_frames:
                if not self.starts or start > self.starts[-1]:
                    self._window(frames, start)
        duration = self.total / e.sample_rate
        t0 = np.array(self.starts, dtype=np.float64) * e.frame_seconds
        t1 = np.minimum(t0 + e.window_frames * e.frame_seconds, duration)
        if len(self.starts) == 1:
            t1[0] = duration
        return Segments(t0, t1, np.stack(self.vectors))


def embed_blocks(embedder: Embedder, blocks: Iterable[np.ndarray]) -> Segments:
    """Mono float32 blocks at the model's rate -> one L2-normalised vector per fixed window."""
    with torch.inference_mode():
        stream = WindowStream(embedder)
        for block in blocks:
            stream.push(block)
        return stream.finish()
