"""Deterministic inference: fixed overlapping windows for audio, batched prompts for text."""

from __future__ import annotations

import itertools
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

ISOLATED_BATCH = 8  # windows per forward pass where each window is embedded alone


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


def fill_window(wave: np.ndarray, samples: int, mode: str) -> np.ndarray:
    """A clip shorter than one window, as the reference library fills it (`ModelConfig.short_clip`)."""
    if mode == "repeat":  # msclap: loop, cut at the window's end
        return np.tile(wave, -(-samples // len(wave)))[:samples]
    if mode == "repeatpad":  # laion_clap: whole repeats, then silence
        whole = np.tile(wave, samples // len(wave))
        return np.pad(whole, (0, samples - len(whole)))
    return wave  # "silence": the towers pad it themselves


class Embedder:
    """A loaded model in inference mode: waveform -> window vectors, texts -> vectors."""

    def __init__(self, model: CLAPModel, identity: ModelIdentity, device: torch.device | None = None,
                 calibration: list[float] | None = None):
        self.model = model.eval()
        self.identity = identity
        self.device = device or next(model.parameters()).device
        from clap_search.encoders.int8 import represents

        if calibration is not None and not represents(model.cfg.audio):
            calibration = None  # a calibration file beside a tower int8 cannot compute: ignore it
        self.precision = inference_precision(self.device, calibration is not None)
        self.calibration = calibration
        self.audio_ready = False  # the tower is prepared on first use: text queries never need it
        self.cfg = model.cfg
        # a family with its own vocabulary brings its tokenizer (laion-clap: RoBERTa's BPE)
        self.tokenizer = getattr(model, "tokenizer", None) or load_tokenizer()
        a = self.cfg.audio
        self.frame_seconds = a.hop_length * a.time_reduction / a.sample_rate
        # A window has exactly the feature frames a clip of window_seconds gets on its own.
        self.window_samples = round(self.cfg.window_seconds * a.sample_rate)
        self.window_frames = max(1, (self.window_samples // a.hop_length + 1) // a.time_reduction)
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
        if self._whole_file:
            return self.embed_wave(np.concatenate([np.asarray(b, dtype=np.float32) for b in blocks]))
        return embed_blocks(self, blocks)

    @property
    def _whole_file(self) -> bool:
        """Windows through the whole model, or short clips looped (the published checkpoints'
        rules): these hold the file's samples whole instead of streaming them."""
        return self.cfg.window_mode == "isolated" or self.cfg.short_clip in ("repeat", "repeatpad")

    def embed_wave(self, wave: np.ndarray) -> Segments:
        """Mono float32 at `sample_rate` -> one L2-normalised vector per fixed window."""
        wave = np.ascontiguousarray(wave, dtype=np.float32)
        if not self._whole_file:
            return self.embed_blocks([wave])
        duration = len(wave) / self.sample_rate
        if 0 < len(wave) < self.window_samples:
            wave = fill_window(wave, self.window_samples, self.cfg.short_clip)
        if self.cfg.window_mode == "isolated":
            return self._embed_isolated(wave, duration)
        return self._embed_repeated(wave, duration)

    def _embed_repeated(self, wave: np.ndarray, duration: float) -> Segments:
        """Shared frames over a (looped) wave; times reported against the original length."""
        from clap_search.streaming import embed_blocks

        if not self.audio_ready:
            self._prepare_audio()
        segs = embed_blocks(self, [wave])
        return Segments(np.minimum(segs.starts, duration), np.minimum(segs.ends, duration), segs.vectors)

    @torch.inference_mode()
    def _embed_isolated(self, wave: np.ndarray, duration: float) -> Segments:
        """Each fixed window through the whole model on its own: what the reference computes for
        a clip of that length. Windows go in fixed groups of ISOLATED_BATCH, in order (1.85x less
        CPU than one by one for CNN14 here); a file always gets the same groups, hence the same
        vectors, and a window's vector moves by ~1e-7 at most with its group's size."""
        if not self.audio_ready:
            self._prepare_audio()
        hop = max(1, round(self.cfg.hop_seconds * self.sample_rate))
        starts = window_starts(len(wave), self.window_samples, hop)
        x = torch.from_numpy(wave).to(self.device)
        vecs = []
        for i in range(0, len(starts), ISOLATED_BATCH):
            group = torch.stack([x[s : s + self.window_samples] for s in starts[i : i + ISOLATED_BATCH]])
            vecs.extend(self.model.encode_audio(group))
        t0 = np.array(starts, dtype=np.float64) / self.sample_rate
        t1 = np.minimum(t0 + self.cfg.window_seconds, duration)
        if len(starts) == 1:
            t1[0] = duration
        return Segments(t0, t1, torch.stack(vecs).float().cpu().numpy())

    @torch.inference_mode()
    def embed_texts(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Unit vectors, one per text. Batches hold texts of one token length: nothing is padded,
        so a text's vector does not depend on the texts batched with it (padding to a long
        neighbour moved it by ~1e-8), and no time goes to padding (the words stage of `index`
        embeds a thousand file sentences of 3-30 tokens)."""
        if not texts or any(not t.strip() for t in texts):
            raise UsageError("empty text: give a description such as \"dog barking in rain\"")
        all_ids, all_mask = self.tokenizer(texts, self.cfg.text.max_length)
        lengths = all_mask.sum(dim=1).tolist()
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        out: list[np.ndarray] = [np.empty(0)] * len(texts)
        for _, same in itertools.groupby(order, key=lengths.__getitem__):
            group = list(same)
            for i in range(0, len(group), batch_size):
                part = torch.tensor(group[i : i + batch_size])
                real = all_mask[part].any(dim=0)  # the group's token columns, on whichever side padding sat
                ids, mask = all_ids[part][:, real], all_mask[part][:, real]
                vectors = self.model.encode_text(ids.to(self.device), mask.to(self.device))
                for j, v in zip(part.tolist(), vectors.float().cpu().numpy()):
                    out[j] = v
        return np.stack(out)

    def prompts(self, labels: list[str], template: str | None = None) -> list[str]:
        template = template or self.cfg.prompt
        if "{label}" not in template:
            raise UsageError("the prompt template must contain {label}, e.g. 'this is a sound of {label}'")
        return [template.format(label=label) for label in labels]
