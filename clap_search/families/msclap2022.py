"""msclap 2022, the paper's model (Elizalde et al. 2022): `CLAP_weights_2022.pth` as Microsoft ships it.

Layout read from msclap 1.3.4 (`msclap/models/clap.py`, `audio.py`, `configs/config_2022.yml`):
CNN14 over PANNs' log-mel (torchlibrosa STFT and mel filters stored in the checkpoint, n_fft
1024 -- the config's `n_fft: 1028` is never read -- hop 320, 64 mels from 50 Hz to 14 kHz,
44.1 kHz), BERT-base-uncased whose *[CLS] last hidden state* (not the pooler) is projected,
two `Projection`s to 1024-d, a learnt `logit_scale`. The file is `{'model': state_dict}`.
msclap loads it with `strict=False`; here every key is mapped or listed as unused on purpose.
msclap repeats short clips to 5 s and crops long ones at random; the engine repeats short
ones too, and cuts long ones into fixed overlapping 5 s windows.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from clap_search.config import CONFIGS, ModelConfig, TextConfig
from clap_search.families import Family, Rule, State, build_clap, map_keys

AUDIO, TEXT = "audio_encoder.base.", "caption_encoder.base."
# msclap's two `Projection`s and temperature, the same in its 2022 and 2023 files
PROJECTION_RULES: list[Rule] = [
    (r"(audio|caption)_encoder\.projection\.(linear1|linear2)\.weight",
     lambda m: f"{m[1].replace('caption', 'text')}_projection.{m[2]}.weight"),
    (r"(audio|caption)_encoder\.projection\.layer_norm\.(.+)",
     lambda m: f"{m[1].replace('caption', 'text')}_projection.norm.{m[2]}"),
    (r"logit_scale", "logit_scale_log"),
]

RULES: list[Rule] = [
    (r"audio_encoder\.base\.spectrogram_extractor\.stft\.conv_(real|imag)\.weight", r"logmel.stft_\1"),
    (r"audio_encoder\.base\.logmel_extractor\.melW", "logmel.melW"),
    (r"audio_encoder\.base\.bn0\.(.+)", r"logmel.bn0.\1"),
    (r"audio_encoder\.base\.conv_block([1-6])\.(.+)",
     lambda m: f"audio_encoder.blocks.{int(m[1]) - 1}.{m[2]}"),
    (r"audio_encoder\.base\.fc1\.(.+)", r"audio_encoder.fc.\1"),
    (r"caption_encoder\.base\.((embeddings|encoder)\..+)", r"text_encoder.bert.\1"),
    *PROJECTION_RULES,
]
UNUSED = [
    r"audio_encoder\.base\.fc_audioset\..+",  # CNN14's AudioSet classifier head (clipwise output)
    r"caption_encoder\.base\.pooler\..+",  # BERT's pooler: msclap takes the [CLS] hidden state instead
    # constant buffers that older transformers saved with BERT
    r"caption_encoder\.base\.embeddings\.(position_ids|token_type_ids)",
]


def recognise(state: State) -> bool:
    return (f"{AUDIO}conv_block6.conv1.weight" in state
            and f"{AUDIO}spectrogram_extractor.stft.conv_real.weight" in state
            and f"{TEXT}embeddings.word_embeddings.weight" in state
            and f"{TEXT}encoder.layer.0.attention.self.query.weight" in state)


def config_for(state: State, name: str = "msclap-2022") -> ModelConfig:
    """The paper config, with the text tower's size read from the weights (BERT heads are 64-d)."""
    base = CONFIGS["paper-cnn14-bert"]
    vocab, hidden = state[f"{TEXT}embeddings.word_embeddings.weight"].shape
    layers = 1 + max(int(k.split(".")[4]) for k in state if k.startswith(f"{TEXT}encoder.layer."))
    text = TextConfig(
        vocab_size=vocab, hidden_size=hidden, num_layers=layers, num_heads=max(1, hidden // 64),
        intermediate_size=state[f"{TEXT}encoder.layer.0.intermediate.dense.weight"].shape[0],
        max_length=base.text.max_length,
        max_position_embeddings=state[f"{TEXT}embeddings.position_embeddings.weight"].shape[0],
        pooling="cls",
    )
    n_fft = state[f"{AUDIO}spectrogram_extractor.stft.conv_real.weight"].shape[-1]
    audio = dataclasses.replace(base.audio, n_fft=n_fft,
                                n_mels=state[f"{AUDIO}logmel_extractor.melW"].shape[1])
    return dataclasses.replace(
        base, name=name, audio=audio, text=text,
        embed_dim=state["audio_encoder.projection.linear1.weight"].shape[0],
        description="Microsoft CLAP 2022 (msclap): CNN14 + BERT-base-uncased, 1024-d, 44.1 kHz, 5 s",
    )


def convert(state: State, source: Path | None = None) -> tuple[ModelConfig, dict[str, torch.Tensor]]:
    from clap_search.model import CLAPModel

    cfg = config_for(state)
    with torch.device("meta"):  # shapes and names only: nothing is allocated
        model = CLAPModel(cfg)
    return cfg, map_keys(state, RULES, UNUSED, model)


FAMILY = Family(
    name="msclap-2022",
    description="Microsoft CLAP 2022: CNN14 + BERT-base, the paper's model",
    recognise=recognise,
    convert=convert,
    build=build_clap,
)
