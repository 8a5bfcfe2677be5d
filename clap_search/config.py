"""Model configurations: frozen dataclasses that travel inside every checkpoint."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AudioConfig:
    """Log-mel front end and the convolutional audio tower."""

    sample_rate: int = 44100
    n_fft: int = 2048
    hop_length: int = 1024
    n_mels: int = 96
    f_min: float = 0.0
    f_max: float = 22050.0
    # log10(1 + scale * mel_power) / norm: the aisfx front end (Essentia "shift_scale_log").
    log_scale: float = 1e4
    log_norm: float = 9.457798957824707
    channels: tuple[int, ...] = (64, 128, 256, 512)
    # Pooling after each conv block; the time axis is pooled by the first number.
    pools: tuple[tuple[int, int], ...] = ((2, 2), (2, 2), (2, 2), (1, 1))
    pool_type: str = "max"  # "max" (aisfx) or "avg" (CNN14)
    time_pool: str = "max"  # "max" (aisfx) or "max+mean" (CNN14)
    fc: bool = False  # CNN14 ends with a Linear+ReLU of the same width
    min_frames: int = 32
    # "aisfx": torch.stft + our HTK filters + log10(1 + scale x) (the default model's front end).
    # "torchlibrosa": PANNs' conv1d STFT and librosa (Slaney) mel filters, both stored in the
    # checkpoint, then 10 log10(power) and a batch-norm over mel bins (CNN14's bn0): msclap 2022.
    front_end: str = "aisfx"

    @property
    def time_reduction(self) -> int:
        return math.prod(p[0] for p in self.pools)

    @property
    def width(self) -> int:
        return self.channels[-1]


@dataclass(frozen=True)
class TextConfig:
    """A BERT text tower with mean pooling (all-MiniLM-L6-v2 layout by default)."""

    vocab_size: int = 30522
    hidden_size: int = 384
    num_layers: int = 6
    num_heads: int = 12
    intermediate_size: int = 1536
    max_length: int = 48
    max_position_embeddings: int = 512
    pooling: str = "mean"  # "mean" over tokens (MiniLM) or "cls", the first token's state (msclap)


@dataclass(frozen=True)
class ModelConfig:
    """A whole CLAP model: two towers, the joint space, and how inference windows audio."""

    name: str
    audio: AudioConfig = field(default_factory=AudioConfig)
    text: TextConfig = field(default_factory=TextConfig)
    embed_dim: int = 1024
    window_seconds: float = 5.0
    hop_seconds: float = 2.5
    prompt: str = "this is a sound of {label}"
    init_logit_scale: float = math.log(1 / 0.07)  # the paper's initial temperature
    max_logit_scale: float = 100.0
    # A clip shorter than one window: "silence" pads it (our training), "repeat" loops it to the
    # window's length (msclap), "repeatpad" repeats it a whole number of times and pads the rest
    # with silence (laion_clap and transformers' ClapFeatureExtractor).
    short_clip: str = "silence"
    # "shared": the conv tower runs once over a file and each window pools its slice (cheap, the
    # default model's way); "isolated": each window is embedded alone, exactly as the reference
    # library embeds a clip of that length (msclap: CNN14's receptive field spans whole windows).
    window_mode: str = "shared"
    family: str = "clap-search"
    description: str = ""
    # The reference implementation's own config, as JSON, for families that run its towers
    # (laion-clap: transformers' ClapConfig); empty for the engine's own towers.
    reference: str = ""

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelConfig:
        raw: dict[str, Any] = json.loads(text)
        audio = raw.pop("audio")
        audio["channels"] = tuple(audio["channels"])
        audio["pools"] = tuple(tuple(p) for p in audio["pools"])
        return cls(audio=AudioConfig(**audio), text=TextConfig(**raw.pop("text")), **raw)


CONFIGS: dict[str, ModelConfig] = {
    # The default model: aisfx sound-effects CNN + all-MiniLM-L6-v2, as trained by training/.
    "aisfx-minilm": ModelConfig(
        name="aisfx-minilm",
        description="aisfx 8-layer sound-effects CNN + all-MiniLM-L6-v2, 1024-d joint space",
    ),
    # Tiny and random: for tests and for trying the engine without weights. Never for real use.
    "tiny": ModelConfig(
        name="tiny",
        audio=AudioConfig(channels=(8, 16), pools=((2, 2), (2, 2)), min_frames=8),
        text=TextConfig(hidden_size=32, num_layers=2, num_heads=2, intermediate_size=64),
        embed_dim=32,
        description="UNTRAINED tiny random model for tests: results are meaningless",
    ),
    # The paper's model exactly as msclap 2022 runs it (CNN14 + BERT-base-uncased, [CLS] pooling,
    # 1024-d, 44.1 kHz, 5 s windows, PANNs' front end). `clap-search models import
    # CLAP_weights_2022.pth` fills it with Microsoft's weights (clap_search/families/msclap2022.py).
    "paper-cnn14-bert": ModelConfig(
        name="paper-cnn14-bert",
        audio=AudioConfig(
            n_fft=1024,
            hop_length=320,
            n_mels=64,
            f_min=50.0,
            f_max=14000.0,
            channels=(64, 128, 256, 512, 1024, 2048),
            pools=((2, 2), (2, 2), (2, 2), (2, 2), (2, 2), (1, 1)),
            pool_type="avg",
            time_pool="max+mean",
            fc=True,
            front_end="torchlibrosa",
        ),
        text=TextConfig(hidden_size=768, num_layers=12, num_heads=12, intermediate_size=3072,
                        max_length=100, pooling="cls"),
        short_clip="repeat",
        window_mode="isolated",
        max_logit_scale=1e9,  # msclap does not clamp its temperature
        family="msclap-2022",
        description="The paper's CNN14 + BERT-base layout (Elizalde et al. 2022, msclap 2022); untrained",
    ),
}
