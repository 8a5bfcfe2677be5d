"""LAION-CLAP's towers (HTSAT + RoBERTa) through transformers' `ClapModel`, with a deterministic front end.

transformers is imported only here, when a laion-clap model is built: the engine's other
families and every text query of theirs never pay for it. The log-mel is computed in torch
(float64, then float32) exactly as laion_clap computes it for a clip of at most one window
(10 s) and as transformers' ClapFeatureExtractor does: a periodic Hann STFT (n_fft 1024, hop
480, reflect-padded), power, the mel filters, 10 log10(max(x, 1e-10)) with no top-dB clip.
The unfused checkpoints were trained on librosa's Slaney filters (norm and scale), the fused
ones on torchaudio's HTK filters without norm; both from 50 Hz to 14 kHz, as laion_clap's
configs say (the feature extractor's own default starts at 0 Hz: a trap avoided here).
The fused model never sees a clip "longer" than its window here (the engine cuts long files
into fixed 10 s windows), so its random-chunk fusion branch is never taken: each window runs
the global path, as laion_clap does in eval mode for clips up to 10 s.
"""

from __future__ import annotations

import json
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from clap_search.config import ModelConfig
from clap_search.encoders.text import TorchTokens
from clap_search.encoders.tokenizer import RobertaBPE
from clap_search.errors import UsageError

# buffers transformers computes from the config; never stored, so both source layouts
# (and any transformers version) load into the same engine state dict
CONSTANT_BUFFERS = ("relative_position_index", "position_ids", "token_type_ids")


def require_transformers() -> None:
    try:
        import transformers  # noqa: F401
    except ImportError as exc:
        raise UsageError("LAION-CLAP and msclap 2023 models run transformers' towers: "
                         "pip install 'clap-search[laion]' (transformers >= 4.40)") from exc


def clap_config(cfg: ModelConfig) -> Any:
    require_transformers()
    from transformers import ClapConfig

    return ClapConfig.from_dict(json.loads(cfg.reference))


class HtsatLogMel(nn.Module):
    """(batch, samples) -> (batch, frames, mels) in dB, the input of HTSAT's batch-norm."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        require_transformers()
        from transformers.audio_utils import mel_filter_bank

        a = cfg.audio
        slaney = a.front_end == "htsat-slaney"
        filters = mel_filter_bank(num_frequency_bins=a.n_fft // 2 + 1, num_mel_filters=a.n_mels,
                                  min_frequency=a.f_min, max_frequency=a.f_max, sampling_rate=a.sample_rate,
                                  norm="slaney" if slaney else None, mel_scale="slaney" if slaney else "htk")
        self.n_fft, self.hop = a.n_fft, a.hop_length
        self.register_buffer("filters", torch.from_numpy(filters), persistent=False)  # (freqs, mels) f64
        self.register_buffer("window", torch.hann_window(a.n_fft, periodic=True, dtype=torch.float64),
                             persistent=False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(wave.double(), self.n_fft, self.hop, window=self.window, center=True,
                          pad_mode="reflect", return_complex=True)
        power = spec.real**2 + spec.imag**2  # (batch, freqs, frames)
        mel = torch.matmul(power.transpose(1, 2), self.filters)
        return (10.0 * torch.log10(mel.clamp(min=1e-10))).float()


class AudioTower:
    """What the Embedder prepares before audio work (the conv towers fold batch-norm here), for a
    model whose audio tower is transformers' `audio_model` (laion-clap, msclap-2023)."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model

    def optimise_for_inference(self, precision: str = "float32",
                               calibration: list[float] | None = None) -> None:
        # no int8 for a transformer tower; bfloat16 where the Embedder chose it (AMX CPUs)
        self.model.eval()
        if precision == "bfloat16":
            self.model.audio_model.to(torch.bfloat16)
            self.model.audio_dtype = torch.bfloat16


class LaionCLAP(nn.Module):
    """`encode_audio`, `encode_text`, `logit_scale` over transformers' CLAP towers."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        from transformers import ClapModel

        self.cfg = cfg
        reference = ClapModel(clap_config(cfg))
        for module in reference.modules():  # computed from the config, never stored
            for name in CONSTANT_BUFFERS:
                if name in module._buffers:
                    module._non_persistent_buffers_set.add(name)
        self.logmel = HtsatLogMel(cfg)
        self.audio_model = reference.audio_model
        self.audio_projection = reference.audio_projection
        self.text_model = reference.text_model
        self.text_projection = reference.text_projection
        self.logit_scale_a = reference.logit_scale_a
        self.logit_scale_t = reference.logit_scale_t
        self.fused = bool(reference.config.audio_config.enable_fusion)
        self.audio_dtype = torch.float32
        self.tokenizer: ByteLevelBPE | None = None  # set from the checkpoint (clap_search.checkpoint)

    @property
    def audio_encoder(self) -> AudioTower:
        return AudioTower(self)

    @property
    def logit_scale(self) -> torch.Tensor:
        """Audio-to-text temperature (laion_clap's `logit_scale_a`): what classify uses."""
        return self.logit_scale_a.exp()

    def features(self, wave: torch.Tensor) -> torch.Tensor:
        """(batch, samples of one window) -> ClapAudioModel's input_features (batch, 1 or 4, frames, mels)."""
        mel = self.logmel(wave).unsqueeze(1)
        # the fused model reads channel 0 (the whole clip) unless a clip is "longer"; laion_clap
        # and ClapFeatureExtractor stack four copies of a short clip's mel, and so does this
        return mel.expand(-1, 4, -1, -1).contiguous() if self.fused else mel

    def encode_audio(self, wave: torch.Tensor) -> torch.Tensor:
        feats = self.features(wave).to(self.audio_dtype)
        longer = torch.zeros(wave.shape[0], 1, dtype=torch.bool, device=wave.device)
        pooled = self.audio_model(input_features=feats, is_longer=longer).pooler_output
        return F.normalize(self.audio_projection(pooled.float()), dim=-1)  # the projection stays float32

    def encode_text(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        pooled = self.text_model(input_ids=input_ids, attention_mask=attention_mask).pooler_output
        return F.normalize(self.text_projection(pooled), dim=-1)


class ByteLevelBPE(TorchTokens, RobertaBPE):
    """RoBERTa's byte-level BPE with torch tensors out."""
