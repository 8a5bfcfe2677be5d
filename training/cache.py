"""Frozen audio-tower outputs, computed once per clip and kept on disk between runs.

The audio CNN is frozen (see MODEL_CARD.md), so its frame features never change: caching them
turns an epoch from minutes of convolution into a few seconds of pooling. The cache is keyed
by the tower's weights digest (and CACHE_FORMAT) and filled in resumable shards. Features are
always computed with the tower in eval mode, whatever mode the caller left it in: in train
mode batch norm would normalise each clip by its own statistics and cache something the
engine never computes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from rich.progress import Progress

from clap_search.model import CLAPModel
from clap_search.training.data import Clip, load_clip

SHARD_PREFIX = 2  # 256 shards for hex ids
# 2: features computed in eval mode. Format 1 caches were filled with the tower in train mode
# (batch statistics per clip), unlike the engine; a new format gives them a new folder.
CACHE_FORMAT = 2
# Recording chains for `chain=True` caches: each clip as if recorded at one of these rates (chosen
# by its id, so a cache is reproducible), i.e. nothing above half the rate, as in real libraries.
CHAIN_RATES = (8000, 11025, 16000, 22050)


def chain_rate(clip_id: str) -> int:
    return CHAIN_RATES[int(hashlib.sha256(clip_id.encode()).hexdigest()[:8], 16) % len(CHAIN_RATES)]


def tower_digest(model: CLAPModel) -> str:
    h = hashlib.sha256()
    for name, t in sorted(model.audio_encoder.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().float().numpy().tobytes())
    return h.hexdigest()[:12]


class FrameCache:
    """id -> float16 frame features (frames', width) of the frozen audio tower."""

    def __init__(self, frames: dict[str, np.ndarray]) -> None:
        self.frames = frames

    def __getitem__(self, clip_id: str) -> np.ndarray:
        return self.frames[clip_id]

    def __contains__(self, clip_id: str) -> bool:
        return clip_id in self.frames

    @classmethod
    def build(
        cls, model: CLAPModel, clips: list[Clip], folder: Path, name: str, upto: int | None = None,
        chain: bool = False,
    ) -> FrameCache:
        """Load what is cached and compute the rest; shards are keyed by id prefix, so a
        corpus that grows only adds work for its new clips. With `upto`, what is cached is the
        input of conv block `upto` (frames', channels, mels'), for training the blocks after it.
        With `chain`, each clip first goes through a band-limiting recording chain (chain_rate)."""
        suffix = ("" if upto is None else f"-upto{upto}") + ("-chain" if chain else "")
        folder = folder / f"{name}-v{CACHE_FORMAT}-{tower_digest(model)}{suffix}"
        folder.mkdir(parents=True, exist_ok=True)
        shards: dict[str, list[Clip]] = {}
        for clip in clips:
            shards.setdefault(clip.id[:SHARD_PREFIX], []).append(clip)
        frames: dict[str, np.ndarray] = {}
        with Progress(transient=True) as progress:
            task = progress.add_task(f"caching {name} audio features", total=len(clips))
            for key, shard in sorted(shards.items()):
                path = folder / f"{key}.npz"
                have = dict(np.load(path)) if path.exists() else {}
                todo = [c for c in shard if c.id not in have]
                if todo:
                    have.update(_compute(model, todo, upto, chain))
                    tmp = path.with_suffix(".tmp.npz")
                    np.savez(tmp, **have)
                    tmp.replace(path)
                frames.update(have)
                progress.advance(task, len(shard))
        return cls(frames)


@torch.inference_mode()
def _compute(
    model: CLAPModel, clips: list[Clip], upto: int | None, chain: bool = False
) -> dict[str, np.ndarray]:
    was_training = model.training
    model.eval()
    try:
        return _compute_eval(model, clips, upto, chain)
    finally:
        model.train(was_training)


def _compute_eval(
    model: CLAPModel, clips: list[Clip], upto: int | None, chain: bool
) -> dict[str, np.ndarray]:
    out = {}
    sr = model.cfg.audio.sample_rate
    for clip in clips:
        try:
            if chain:
                import soxr

                rate = chain_rate(clip.id)
                wave = soxr.resample(load_clip(clip, rate), rate, sr).astype(np.float32)
            else:
                wave = load_clip(clip, sr)
        except Exception:  # a clip the corpus builder let through but that cannot be read
            continue
        if upto is None:
            feats = model.audio_frames(torch.from_numpy(wave)[None])[0].t()
        else:  # (1, channels, frames', mels') -> (frames', channels, mels')
            mel = model.mel(torch.from_numpy(wave)[None]).unsqueeze(1)
            feats = model.audio_encoder.run_blocks(mel, 0, upto)[0].permute(1, 0, 2)
        out[clip.id] = feats.contiguous().numpy().astype(np.float16)
    return out
