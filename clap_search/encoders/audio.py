"""Convolutional audio tower (PANNs family: the aisfx CNN and CNN14) over log-mel frames."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from clap_search.config import AudioConfig


class ConvBlock(nn.Module):
    """Two 3x3 conv + batch-norm + ReLU layers, then pooling."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn1: nn.BatchNorm2d | nn.Identity = nn.BatchNorm2d(c_out)
        self.bn2: nn.BatchNorm2d | nn.Identity = nn.BatchNorm2d(c_out)

    def fuse_batchnorm(self) -> None:
        """Fold each batch-norm into its conv (inference only): same function, half the passes."""
        if isinstance(self.bn1, nn.Identity) or isinstance(self.bn2, nn.Identity):
            return  # already folded
        self.conv1 = fuse_conv_bn_eval(self.conv1, self.bn1)
        self.conv2 = fuse_conv_bn_eval(self.conv2, self.bn2)
        self.bn1, self.bn2 = nn.Identity(), nn.Identity()

    def forward(self, x: torch.Tensor, pool: tuple[int, int], pool_type: str) -> torch.Tensor:
        x = F.relu_(self.bn1(self.conv1(x)))
        x = F.relu_(self.bn2(self.conv2(x)))
        if pool == (1, 1):
            return x
        if pool_type == "max":
            return F.max_pool2d(x, kernel_size=pool)
        return F.avg_pool2d(x, kernel_size=pool)


class ConvAudioEncoder(nn.Module):
    """Log-mel (batch, frames, mels) -> frame features (batch, width, frames / time_reduction).

    The tower is fully convolutional: `frame_features` keeps time, and `pool` turns any span of
    frames into one vector. Inference pools fixed windows of one long feature map, so
    overlapping windows cost nothing extra and every window is computed the same way.
    """

    def __init__(self, cfg: AudioConfig) -> None:
        super().__init__()
        self.cfg = cfg
        chans = (1, *cfg.channels)
        self.blocks = nn.ModuleList(ConvBlock(a, b) for a, b in zip(chans[:-1], chans[1:]))
        self.fc = nn.Linear(cfg.width, cfg.width) if cfg.fc else None
        self.compute_dtype = torch.float32  # of the conv blocks; see optimise_for_inference
        self.int8: nn.Module | None = None

    def run_blocks(self, x: torch.Tensor, start: int = 0, stop: int | None = None) -> torch.Tensor:
        """Conv blocks `start`..`stop` on (batch, channels, frames, mels) maps."""
        stop = len(self.blocks) if stop is None else stop
        for block, pool in zip(self.blocks[start:stop], self.cfg.pools[start:stop]):
            x = block(x, pool, self.cfg.pool_type)
        return x

    def frame_features(self, mel: torch.Tensor) -> torch.Tensor:
        if self.int8 is not None:
            return self.int8(mel)
        # channels_last lets oneDNN pick its fast convolution kernels on CPU (about 1.5x here)
        x = mel.unsqueeze(1).to(self.compute_dtype).contiguous(memory_format=torch.channels_last)
        # (batch, 1, frames, mels) -> average over frequency -> (batch, width, frames')
        return self.run_blocks(x).float().mean(dim=3)

    def optimise_for_inference(
        self, precision: str = "float32", calibration: list[float] | None = None
    ) -> None:
        """Eval-only speed-ups that keep the function: folded batch-norm, channels-last weights,
        and bfloat16 or calibrated int8 convolutions (the mel input and pooling stay float32)."""
        self.eval()
        for block in self.blocks:
            assert isinstance(block, ConvBlock)
            block.fuse_batchnorm()
        self.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # stubs lack it
        if precision == "bfloat16":
            self.blocks.to(torch.bfloat16)
            self.compute_dtype = torch.bfloat16
        elif precision == "int8":
            from clap_search.encoders.int8 import Int8Tower

            if calibration is None:
                raise ValueError("int8 inference needs the tower's activation calibration")
            self.int8 = Int8Tower(self, calibration)

    def pool(self, feats: torch.Tensor) -> torch.Tensor:
        """(batch, width, frames') -> (batch, width): the clip or window vector."""
        out = feats.amax(dim=2)
        if self.cfg.time_pool == "max+mean":
            out = out + feats.mean(dim=2)
        if self.fc is not None:
            out = F.relu(self.fc(out))
        return out

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        return self.pool(self.frame_features(mel))
