"""msclap 2023 (Elizalde et al. 2023): `CLAP_weights_2023.pth`, HTSAT + GPT-2, as Microsoft ships it.

Layout read from msclap 1.3.4 (`CLAPWrapper.load_clap`, `models/clap.py`, `models/htsat.py`,
`configs/config_2023.yml`): the file is `{'model': state_dict}`; HTSAT-tiny under
`audio_encoder.base.htsat.` (torchlibrosa's STFT kernels and mel filters stored with it, `bn0`
over 64 mel bins, a Swin transformer whose 768-d latent is the embedding, an AudioSet
classifier that is not), GPT-2 (124M) under `caption_encoder.base.` whose hidden state at the
last non-'!' token is projected, two `Projection`s to 1024-d, a learnt `logit_scale`. msclap
loads it with `strict=False`; here every key is mapped or listed as unused on purpose.

Quirks of msclap, kept because the weights were trained with them (see
clap_search/encoders/htsat_gpt2.py for the towers):
- config_2023.yml's `sampling_rate: 44100`, `fmax: 8000` and `window_size` are never read by
  HTSAT: `HTSATWrapper` ignores its arguments and builds from `msclap/models/config.py` (32 kHz,
  50 Hz-14 kHz, 64 mels). Those filters are stored in the file and are what runs; the audio itself
  is resampled to 44.1 kHz (CLAPWrapper's `sampling_rate`), so they span ~69 Hz-19.3 kHz of it.
- A clip shorter than 7 s is looped to 7 s (`load_audio_into_tensor`); a longer one is cropped at
  random, which the engine replaces by fixed 7 s windows with a 3.5 s hop, each embedded alone.
- Texts are not truncated at `text_len: 77` (msclap pads to 77 and sets no truncation); the
  engine stops at GPT-2's 1024 positions, where msclap would fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from clap_search.config import AudioConfig, ModelConfig, TextConfig
from clap_search.families import Family, Rule, State, htsat, lazy, map_keys
from clap_search.families.msclap2022 import PROJECTION_RULES

if TYPE_CHECKING:
    import torch


AUDIO, TEXT = "audio_encoder.base.htsat.", "caption_encoder.base."
A = r"audio_encoder\.base\.htsat\."
HEAD_DIM = 64  # every GPT-2 size (small to xl) has 64-d heads; the count is not in the shapes

RULES: list[Rule] = [
    (A + r"spectrogram_extractor\.stft\.conv_(real|imag)\.weight", r"logmel.stft_\1"),
    (A + r"logmel_extractor\.melW", "logmel.melW"),
    (A + r"bn0\.(.+)", r"logmel.bn0.\1"),
    *htsat.rules(A),
    (r"caption_encoder\.base\.((wte|wpe|h|ln_f)\..+)", r"text_model.\1"),
    *PROJECTION_RULES,
]
UNUSED = [
    *htsat.unused(A),
    # GPT-2's causal mask and its fill value, buffers that transformers < 4.31 saved with the weights
    r"caption_encoder\.base\.h\.\d+\.attn\.(bias|masked_bias)",
]


def recognise(state: State) -> bool:
    return (f"{AUDIO}patch_embed.proj.weight" in state and f"{TEXT}h.0.attn.c_attn.weight" in state
            and f"{TEXT}wte.weight" in state)


def reference_config(state: State) -> dict[str, dict]:
    """transformers' ClapAudioConfig and GPT2Config (as keyword dicts) of the file, from its shapes;
    every setting the towers' results depend on is spelt out, not left to transformers' defaults."""
    n_mels = state[f"{AUDIO}logmel_extractor.melW"].shape[1]
    dim = state["audio_encoder.projection.linear1.weight"].shape[0]
    audio = {**htsat.audio_config(state, AUDIO, n_mels), "enable_fusion": False, "hidden_act": "gelu",
             "layer_norm_eps": 1e-5, "qkv_bias": True, "enable_patch_layer_norm": True,
             "flatten_patch_embeds": True, "projection_dim": dim}
    vocab, width = state[f"{TEXT}wte.weight"].shape
    text = {"vocab_size": vocab, "n_positions": state[f"{TEXT}wpe.weight"].shape[0], "n_embd": width,
            "n_layer": 1 + max(int(k.split(".")[3]) for k in state if k.startswith(f"{TEXT}h.")),
            "n_head": max(1, width // HEAD_DIM), "n_inner": state[f"{TEXT}h.0.mlp.c_fc.weight"].shape[1],
            "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "scale_attn_weights": True,
            "scale_attn_by_inverse_layer_idx": False, "reorder_and_upcast_attn": False}
    return {"audio_config": audio, "text_config": text}


def config_for(state: State, name: str = "msclap-2023") -> ModelConfig:
    reference = reference_config(state)
    a, t = reference["audio_config"], reference["text_config"]
    n_fft = state[f"{AUDIO}spectrogram_extractor.stft.conv_real.weight"].shape[-1]
    audio = AudioConfig(sample_rate=44100, n_fft=n_fft, hop_length=320, n_mels=a["num_mel_bins"], f_min=50.0,
                        f_max=14000.0, channels=(a["hidden_size"],), pools=((1, 1),), min_frames=1,
                        front_end="torchlibrosa")
    text = TextConfig(vocab_size=t["vocab_size"], hidden_size=t["n_embd"], num_layers=t["n_layer"],
                      num_heads=t["n_head"], intermediate_size=t["n_inner"],
                      max_length=t["n_positions"],  # a limit, not a padding: msclap never truncates
                      max_position_embeddings=t["n_positions"], pooling="last")
    return ModelConfig(
        name=name, audio=audio, text=text, embed_dim=a["projection_dim"], window_seconds=7.0, hop_seconds=3.5,
        max_logit_scale=1e9, short_clip="repeat", window_mode="isolated", family="msclap-2023",
        reference=json.dumps(reference, sort_keys=True),
        description=f"Microsoft CLAP 2023 (msclap): HTSAT + GPT-2, {a['projection_dim']}-d, 44.1 kHz, 7 s",
    )


def convert(state: State, source: Path | None = None) -> tuple[ModelConfig, dict[str, torch.Tensor]]:
    import torch

    from clap_search.encoders.htsat_gpt2 import MsclapHtsatGpt2

    cfg = config_for(state)
    with torch.device("meta"):  # names and shapes only
        model = MsclapHtsatGpt2(cfg)
    return cfg, map_keys(htsat.split_qkv(state), RULES, UNUSED, model)


def assets(source: Path) -> dict[str, str]:
    """GPT-2's tokenizer, from the vocabulary shipped in the package (msclap fetches it from the hub)."""
    from clap_search.encoders.htsat_gpt2 import gpt2_tokenizer_json

    return {"tokenizer": gpt2_tokenizer_json()}


FAMILY = Family(
    name="msclap-2023",
    description="Microsoft CLAP 2023: HTSAT + GPT-2",
    recognise=recognise,
    convert=convert,
    build=lazy("clap_search.encoders.htsat_gpt2", "MsclapHtsatGpt2"),
    assets=assets,
    tokenizer=lazy("clap_search.encoders.htsat_gpt2", "Gpt2Tokenizer"),
)
