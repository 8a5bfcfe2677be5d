"""LAION-CLAP (Wu et al. 2023): laion_clap's `630k-*.pt` files and transformers `ClapModel` folders.

Two source layouts, one engine layout (transformers' names, clap_search/encoders/htsat_clap.py):
- laion_clap's own checkpoints (`630k-audioset-best.pt`, `630k-audioset-fusion-best.pt`, ...):
  `{'state_dict': ...}` with `module.`-prefixed keys, HTSAT as `audio_branch.*` with fused
  `qkv` projections, RoBERTa as `text_branch.*`, `nn.Sequential` projections. The architecture is
  read from the shapes: HTSAT's widths, depths, heads and window from its tables (the spectrogram
  size is 256 in every laion_clap HTSAT), fusion from the fusion layers' presence, RoBERTa's size
  from its embeddings (64-d heads, as roberta-base). The tokenizer is roberta-base's, which
  laion_clap fetches from the hub: its `vocab.json` and `merges.txt` (or a `tokenizer.json`) must lie
  beside the file.
- a transformers `ClapModel` folder (`laion/clap-htsat-unfused`, `laion/larger_clap_general`, ...):
  `config.json`, the weights and the tokenizer files. Its keys are the engine's already.
Either way the text layer-norm epsilon is RoBERTa's 1e-5, what the weights were trained with
(the hub configs say 1e-12, the HF port's default). Window: 10 s at 48 kHz (laion_clap's
480,000 samples), 5 s hop; a shorter clip is repeated whole and zero-padded ("repeatpad").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clap_search.config import AudioConfig, ModelConfig, TextConfig
from clap_search.errors import CheckpointError
from clap_search.families import Family, Rule, State, htsat, lazy, map_keys
from clap_search.families.htsat import HTSAT

if TYPE_CHECKING:
    import torch

TEXT_LAYER_NORM_EPS = 1e-5  # RoBERTa's; transformers' ClapTextConfig defaults to 1e-12

ORIGINAL_RULES: list[Rule] = [
    (r"text_branch\.((embeddings|encoder|pooler)\..+)", r"text_model.\1"),
    (r"(text|audio)_projection\.0\.(weight|bias)", r"\1_projection.linear1.\2"),
    (r"(text|audio)_projection\.2\.(weight|bias)", r"\1_projection.linear2.\2"),
    (r"logit_scale_(a|t)", r"logit_scale_\1"),
    (r"audio_branch\.bn0\.(.+)", HTSAT + r"batch_norm.\1"),
    *htsat.rules(r"audio_branch\."),
]
ORIGINAL_UNUSED = [
    r"audio_branch\.(spectrogram_extractor|logmel_extractor)\..+",  # the front end: recomputed (same filters)
    *htsat.unused(r"audio_branch\."),
    r"(audio|text)_transform\..+",  # training-only MLPs after the projections; retrieval skips them
    r"text_branch\.embeddings\.(position_ids|token_type_ids)",
]
HF_RULES: list[Rule] = [
    (r"((text|audio)_model\..+|(text|audio)_projection\..+|logit_scale_[at])", r"\1"),
]
HF_UNUSED = [
    r".+\.relative_position_index",  # constants computed from the config
    r"text_model\.embeddings\.(position_ids|token_type_ids)",
]


def is_original(state: State) -> bool:
    return ("audio_branch.patch_embed.proj.weight" in state and "audio_projection.0.weight" in state
            and "text_branch.embeddings.word_embeddings.weight" in state)


def is_transformers(state: State) -> bool:
    return (f"{HTSAT}patch_embed.proj.weight" in state and "audio_projection.linear1.weight" in state
            and "text_model.embeddings.word_embeddings.weight" in state)


def recognise(state: State) -> bool:
    return is_original(state) or is_transformers(state)


def original_reference_config(state: State) -> dict[str, Any]:
    """transformers' ClapConfig of a laion_clap checkpoint, from its shapes."""
    a, t = "audio_branch.", "text_branch."
    fused = any(k.startswith(f"{a}patch_embed.fusion_model.") for k in state)
    vocab, hidden = state[f"{t}embeddings.word_embeddings.weight"].shape
    dim = state["audio_projection.0.weight"].shape[0]
    audio = {**htsat.audio_config(state, a, state[f"{a}bn0.weight"].shape[0]), "enable_fusion": fused,
             "fusion_type": "aff_2d" if fused else None, "projection_dim": dim}
    text = {
        "vocab_size": vocab, "hidden_size": hidden, "num_attention_heads": max(1, hidden // 64),
        "num_hidden_layers": 1 + max(int(k.split(".")[3]) for k in state
                                     if k.startswith(f"{t}encoder.layer.")),
        "intermediate_size": state[f"{t}encoder.layer.0.intermediate.dense.weight"].shape[0],
        "max_position_embeddings": state[f"{t}embeddings.position_embeddings.weight"].shape[0],
        "type_vocab_size": state[f"{t}embeddings.token_type_embeddings.weight"].shape[0],
        "projection_dim": dim, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
    }
    return {"audio_config": audio, "text_config": text, "projection_dim": dim}


def folder_reference_config(source: Path) -> dict[str, Any]:
    folder = source if source.is_dir() else source.parent
    try:
        return json.loads((folder / "config.json").read_text())
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{folder}: a transformers ClapModel folder needs its config.json "
                              f"({exc})") from exc


def engine_config(reference: dict[str, Any], name: str) -> ModelConfig:
    from clap_search.encoders.htsat_clap import require_transformers

    require_transformers()
    from transformers import ClapConfig

    clap = ClapConfig.from_dict(reference)
    clap.text_config.layer_norm_eps = TEXT_LAYER_NORM_EPS
    keep = clap.to_dict()
    for key in ("transformers_version", "architectures", "_name_or_path"):
        keep.pop(key, None)
    a, t = clap.audio_config, clap.text_config
    fused = bool(a.enable_fusion)
    audio = AudioConfig(sample_rate=48000, n_fft=1024, hop_length=480, n_mels=a.num_mel_bins, f_min=50.0,
                        f_max=14000.0, channels=(a.hidden_size,), pools=((1, 1),), min_frames=1,
                        front_end="htsat-htk" if fused else "htsat-slaney")
    text = TextConfig(vocab_size=t.vocab_size, hidden_size=t.hidden_size, num_layers=t.num_hidden_layers,
                      num_heads=t.num_attention_heads, intermediate_size=t.intermediate_size, max_length=77,
                      max_position_embeddings=t.max_position_embeddings, pooling="pooler")
    kind = "fused" if fused else "unfused"
    return ModelConfig(
        name=name, audio=audio, text=text, embed_dim=a.projection_dim, window_seconds=10.0, hop_seconds=5.0,
        max_logit_scale=1e9, short_clip="repeatpad", window_mode="isolated", family="laion-clap",
        reference=json.dumps(keep, sort_keys=True),
        description=(f"LAION-CLAP ({kind}): HTSAT ({a.hidden_size}-d) + RoBERTa, {a.projection_dim}-d, "
                     "48 kHz, 10 s"),
    )


def convert(state: State, source: Path | None = None) -> tuple[ModelConfig, dict[str, torch.Tensor]]:
    import torch

    from clap_search.encoders.htsat_clap import LaionCLAP

    if is_original(state):
        cfg = engine_config(original_reference_config(state), "laion-clap")
        rules, unused, state = ORIGINAL_RULES, ORIGINAL_UNUSED, htsat.split_qkv(state)
    else:
        if source is None:
            raise CheckpointError("a transformers ClapModel needs its folder (config.json)")
        cfg = engine_config(folder_reference_config(source), "laion-clap")
        rules, unused = HF_RULES, HF_UNUSED
    with torch.device("meta"):  # names and shapes only
        model = LaionCLAP(cfg)
    return cfg, map_keys(state, rules, unused, model)


def assets(source: Path) -> dict[str, str]:
    """The RoBERTa tokenizer, found beside the weights (a hub folder ships it; laion_clap's .pt does not)."""
    from clap_search.encoders.tokenizer import roberta_tokenizer_json

    folder = source if source.is_dir() else source.parent
    if (folder / "tokenizer.json").is_file():
        return {"tokenizer": (folder / "tokenizer.json").read_text()}
    if (folder / "vocab.json").is_file() and (folder / "merges.txt").is_file():
        return {"tokenizer": roberta_tokenizer_json(str(folder / "vocab.json"), str(folder / "merges.txt"))}
    raise CheckpointError(f"no RoBERTa tokenizer beside {source.name}: put roberta-base's vocab.json and "
                          f"merges.txt (https://huggingface.co/FacebookAI/roberta-base) in {folder}, "
                          "as laion_clap downloads them at run time")


FAMILY = Family(
    name="laion-clap",
    description="LAION-CLAP: HTSAT + RoBERTa (laion_clap .pt files and transformers ClapModel folders)",
    recognise=recognise,
    convert=convert,
    build=lazy("clap_search.encoders.htsat_clap", "LaionCLAP"),
    assets=assets,
    tokenizer=lazy("clap_search.encoders.htsat_clap", "ByteLevelBPE"),
)
