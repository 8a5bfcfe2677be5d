"""int8 inference for the conv audio tower: per-channel int8 weights, calibrated activations.

Every activation of the tower is a ReLU output (and the log-mel input is non-negative), so
each one is stored as unsigned 7-bit with zero point 0 and one scale: a high quantile of the
values seen while embedding real clips (`calibrate`), kept beside the checkpoint.
Convolution and ReLU run fused in torch's quantized kernels (oneDNN / FBGEMM); max-pooling
works on the int8 maps directly; the frequency average runs in float32, as in float inference.
"""

from __future__ import annotations

import warnings

import torch
import torch.ao.nn.intrinsic.quantized as nniq
import torch.nn.functional as F
from torch import nn

from clap_search.config import AudioConfig
from clap_search.encoders.audio import ConvAudioEncoder, ConvBlock

# 7-bit activations: FBGEMM's int8 kernels can overflow their 16-bit accumulators with full
# 8-bit inputs on CPUs without VNNI; the range costs nothing measurable in accuracy here.
ACTIVATION_LEVELS = 127
CLIP_QUANTILE = 0.999
SAMPLES_PER_CLIP = 20_000
QUANTILE_LIMIT = 16_000_000  # torch.quantile's input limit


def represents(cfg: AudioConfig) -> bool:
    """Whether this int8 tower computes `cfg`'s tower: non-negative log-mel input (the aisfx front
    end) and max pooling. CNN14 (signed dB input after bn0, average pooling) is not."""
    return cfg.front_end == "aisfx" and cfg.pool_type == "max"


def quantized_engine() -> str | None:
    """The torch quantized backend for this CPU, or None where there is none."""
    engines = torch.backends.quantized.supported_engines
    for name in ("x86", "fbgemm", "qnnpack"):
        if name in engines:
            return name
    return None


@torch.inference_mode()
def calibrate(
    encoder: ConvAudioEncoder, mels: list[torch.Tensor], quantile: float = CLIP_QUANTILE
) -> list[float]:
    """The `quantile` of the input and of each conv+ReLU output over `mels` (batch, frames, mels).

    Not the maximum: a few rare peaks would stretch the 127 steps over a range that almost
    every value leaves unused (measured on 100 held-out clips: pooled-output cosine to float32
    0.9988 with the 0.999 quantile, 0.9955 with the maximum)."""
    convs = _convs(encoder)
    samples: list[list[torch.Tensor]] = [[] for _ in range(len(convs) + 1)]

    def keep(i: int, x: torch.Tensor) -> None:  # a fixed stride: deterministic, bounded memory
        flat = x.flatten()
        samples[i].append(flat[:: max(1, len(flat) // SAMPLES_PER_CLIP)].float())

    for mel in mels:
        x = mel.unsqueeze(1).float()
        keep(0, x)
        i = 0
        for block, pool in zip(_blocks(encoder), encoder.cfg.pools):
            x = F.relu(block.bn1(block.conv1(x)))
            keep(i + 1, x)
            x = F.relu(block.bn2(block.conv2(x)))
            keep(i + 2, x)
            i += 2
            if pool != (1, 1):
                x = F.max_pool2d(x, pool)
    return [float(torch.quantile(torch.cat(s)[:QUANTILE_LIMIT], quantile)) for s in samples]


def _blocks(encoder: ConvAudioEncoder) -> list[ConvBlock]:
    return [b for b in encoder.blocks if isinstance(b, ConvBlock)]


def _convs(encoder: ConvAudioEncoder) -> list[nn.Conv2d]:
    return [c for block in _blocks(encoder) for c in (block.conv1, block.conv2)]


def _quiet_quantize(fn, *args):
    # torch 2.13 warns that quantized tensor dtypes will go in a future release; the torch pin
    # (<2.14) keeps them, and Embedder falls back to float inference if they are ever missing.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*quantized tensor creation functions.*")
        return fn(*args)


def _quantized_conv(conv: nn.Conv2d, out_peak: float) -> nniq.ConvReLU2d:
    w = conv.weight.detach().float()
    scales = (w.abs().amax(dim=(1, 2, 3)).clamp(min=1e-8) / 127).double()
    zeros = torch.zeros(len(scales), dtype=torch.long)
    qweight = _quiet_quantize(torch.quantize_per_channel, w, scales, zeros, 0, torch.qint8)
    q = nniq.ConvReLU2d(conv.in_channels, conv.out_channels, conv.kernel_size, padding=conv.padding)
    q.set_weight_bias(qweight, None if conv.bias is None else conv.bias.detach().float())
    q.scale, q.zero_point = max(out_peak, 1e-6) / ACTIVATION_LEVELS, 0
    return q


class Int8Tower(nn.Module):
    """Log-mel (batch, frames, mels) -> frame features (batch, width, frames'), in int8.

    Built from a tower whose batch-norms are already folded into its convolutions."""

    def __init__(self, encoder: ConvAudioEncoder, peaks: list[float]) -> None:
        super().__init__()
        convs = _convs(encoder)
        if len(peaks) != len(convs) + 1:
            raise ValueError(f"calibration has {len(peaks)} values, the tower needs {len(convs) + 1}")
        engine = quantized_engine()
        if engine is None:
            raise RuntimeError("this torch build has no quantized CPU backend")
        torch.backends.quantized.engine = engine  # weights are packed for the backend in use
        self.pools = list(encoder.cfg.pools)
        self.input_scale = max(peaks[0], 1e-6) / ACTIVATION_LEVELS
        self.convs = nn.ModuleList(_quantized_conv(c, p) for c, p in zip(convs, peaks[1:]))

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = mel.unsqueeze(1).float().contiguous(memory_format=torch.channels_last)
        x = _quiet_quantize(torch.quantize_per_tensor, x, self.input_scale, 0, torch.quint8)
        for i, pool in enumerate(self.pools):
            x = self.convs[2 * i + 1](self.convs[2 * i](x))
            if pool != (1, 1):
                x = F.max_pool2d(x, pool)
        return x.dequantize().mean(dim=3)
