"""Frozen audio-tower outputs, computed once per clip and kept on disk between runs.

The audio CNN is frozen (see MODEL_CARD.md), so its frame features never change: caching them
turns an epoch from minutes of convolution into a few seconds of pooling. The cache is keyed
by the tower's weights digest and filled in resumable shards.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from rich.progress import Progress

from clap_search.model import CLAPModel
from training.data import Clip, load_clip

SHARD = 256


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
    def build(cls, model: CLAPModel, clips: list[Clip], folder: Path, name: str) -> FrameCache:
        folder = folder / f"{name}-{tower_digest(model)}"
        folder.mkdir(parents=True, exist_ok=True)
        frames: dict[str, np.ndarray] = {}
        clips = sorted(clips, key=lambda c: c.id)
        shards = [clips[i : i + SHARD] for i in range(0, len(clips), SHARD)]
        with Progress(transient=True) as progress:
            task = progress.add_task(f"caching {name} audio features", total=len(clips))
            for i, shard in enumerate(shards):
                path = folder / f"shard{i:05d}.npz"
                if not path.exists():
                    _write_shard(model, shard, path)
                with np.load(path) as z:
                    frames.update({k: z[k] for k in z.files})
                progress.advance(task, len(shard))
        return cls(frames)


@torch.inference_mode()
def _write_shard(model: CLAPModel, clips: list[Clip], path: Path) -> None:
    out = {}
    sr = model.cfg.audio.sample_rate
    for clip in clips:
        try:
            wave = load_clip(clip, sr)
        except Exception:  # a clip the corpus builder let through but cannot be read
            continue
        feats = model.audio_frames(torch.from_numpy(wave)[None])[0]
        out[clip.id] = feats.t().contiguous().numpy().astype(np.float16)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **out)
    tmp.replace(path)
