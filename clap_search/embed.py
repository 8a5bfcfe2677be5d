"""Deterministic inference: fixed overlapping windows for audio, batched prompts for text."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch

from clap_search.encoders.text import load_tokenizer
from clap_search.errors import UsageError
from clap_search.factory import ModelIdentity, create_model, inference_precision, load_calibration
from clap_search.model import CLAPModel

log = logging.getLogger(__name__)


@dataclass
class Segments:
    """Window vectors of one file: `vectors[i]` covers `starts[i]`..`ends[i]` seconds."""

    starts: np.ndarray
    ends: np.ndarray
    vectors: np.ndarray


def window_starts(n_frames: int, window: int, hop: int) -> list[int]:
    """Start frames of fixed windows; the last one is aligned to the end of the file."""
    if n_frames <= window:
        return [0]
    starts = list(range(0, n_frames - window, hop))
    starts.append(n_frames - window)
    return starts


class Embedder:
    """A loaded model in inference mode: waveform -> window vectors, texts -> vectors."""

    def __init__(self, model: CLAPModel, identity: ModelIdentity, device: torch.device | None = None,
                 calibration: list[float] | None = None):
        self.model = model.eval()
        self.identity = identity
        self.device = device or next(model.parameters()).device
        self.precision = inference_precision(self.device, calibration is not None)
        self.calibration = calibration
        self.audio_ready = False  # the tower is prepared on first use: text queries never need it
        self.cfg = model.cfg
        self.tokenizer = load_tokenizer()
        a = self.cfg.audio
        self.frame_seconds = a.hop_length * a.time_reduction / a.sample_rate
        self.window_frames = max(1, round(self.cfg.window_seconds / self.frame_seconds))
        self.hop_frames = max(1, round(self.cfg.hop_seconds / self.frame_seconds))

    @classmethod
    def load(cls, name: str = "default", device: str = "cpu") -> Embedder:
        model, identity = create_model(name, device=device)
        return cls(model, identity, calibration=load_calibration(name, identity))

    @property
    def sample_rate(self) -> int:
        return self.cfg.audio.sample_rate

    @property
    def dim(self) -> int:
        return self.cfg.embed_dim

    def _prepare_audio(self) -> None:
        try:
            self.model.audio_encoder.optimise_for_inference(self.precision, self.calibration)
        except (RuntimeError, AttributeError, NotImplementedError) as exc:
            if self.precision != "int8":
                raise
            # a torch without quantized kernels here: the float path gives the same results
            log.info("int8 inference unavailable (%s); using float32", exc)
            self.precision = "float32"
            self.model.audio_encoder.optimise_for_inference("float32")
        self.audio_ready = True

    def embed_blocks(self, blocks: Iterable[np.ndarray]) -> Segments:
        """Mono float32 blocks at `sample_rate` -> one L2-normalised vector per fixed window;
        memory stays flat however long the file (see clap_search.streaming)."""
        from clap_search.streaming import embed_blocks

        if not self.audio_ready:
            self._prepare_audio()
        return embed_blocks(self, blocks)

    def embed_wave(self, wave: np.ndarray) -> Segments:
        """Mono float32 at `sample_rate` -> one L2-normalised vector per fixed window."""
        return self.embed_blocks([np.ascontiguousarray(wave, dtype=np.float32)])

    @torch.inference_mode()
    def embed_texts(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts or any(not t.strip() for t in texts):
            raise UsageError("empty text: give a description such as \"dog barking in rain\"")
        out = []
        for i in range(0, len(texts), batch_size):
            ids, mask = self.tokenizer(texts[i : i + batch_size], self.cfg.text.max_length)
            out.append(self.model.encode_text(ids.to(self.device), mask.to(self.device)))
        return torch.cat(out).float().cpu().numpy()

    def prompts(self, labels: list[str], template: str | None = None) -> list[str]:
        template = template or self.cfg.prompt
        if "{label}" not in template:
            raise UsageError("the prompt template must contain {label}, e.g. 'this is a sound of {label}'")
        return [template.format(label=label) for label in labels]
