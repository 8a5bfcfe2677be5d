"""HTSAT's own keys (Ke Chen's code, inside laion_clap and msclap 2023) onto transformers' ClapAudioEncoder.

Both libraries carry the same HTSAT module under different prefixes (laion_clap's `audio_branch.`,
msclap's `audio_encoder.base.htsat.`): a Swin transformer over the log-mel folded into a 256 x 256
image, fused `attn.qkv` projections, an AudioSet classifier (`tscam_conv`, `head`) after the
768-d latent that both CLAPs embed. The architecture is read from the shapes (widths, depths,
heads and window from the tables; the spectrogram size is 256 in both libraries).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from clap_search.families import Rule, State

if TYPE_CHECKING:
    import torch

HTSAT = "audio_model.audio_encoder."  # the engine's prefix: transformers' ClapAudioModel
SPEC_SIZE = 256  # laion_clap's create_htsat_model and msclap's HTSAT_Swin_Transformer default
BLOCK_PARTS = {"norm1": "layernorm_before", "norm2": "layernorm_after", "attn.proj": "attention.output.dense",
               "attn.relative_position_bias_table": "attention.self.relative_position_bias_table",
               "attn.query": "attention.self.query", "attn.key": "attention.self.key",
               "attn.value": "attention.self.value", "mlp.fc1": "intermediate.dense",
               "mlp.fc2": "output.dense"}


def _block_part(rest: str) -> str:
    for old, new in BLOCK_PARTS.items():
        if rest == old or rest.startswith(old + "."):
            return new + rest[len(old):]
    return "unmapped." + rest  # reported as an unused key by map_keys


def rules(source: str) -> list[Rule]:
    """The Swin part of HTSAT under the source prefix `source` (a regular expression, ending in `\\.`).
    The front end and its batch-norm are each family's own business."""
    return [
        (source + r"(patch_embed|norm)\.(.+)", HTSAT + r"\1.\2"),
        (source + r"layers\.(\d+)\.downsample\.(.+)", HTSAT + r"layers.\1.downsample.\2"),
        (source + r"layers\.(\d+)\.blocks\.(\d+)\.(.+)",
         lambda m: f"{HTSAT}layers.{m[1]}.blocks.{m[2]}." + _block_part(m[3])),
    ]


def unused(source: str) -> list[str]:
    return [
        source + r"(tscam_conv|head)\..+",  # the AudioSet classifier; the embedding is read before it
        source + r"layers\.\d+\.blocks\.\d+\.attn_mask",  # constants computed from the config
        source + r"layers\.\d+\.blocks\.\d+\.attn\.relative_position_index",
    ]


def split_qkv(state: State) -> dict[str, torch.Tensor]:
    """HTSAT's fused `attn.qkv` into transformers' query, key and value (rows in that order)."""
    out: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        found = re.fullmatch(r"(.+\.attn\.)qkv\.(weight|bias)", key)
        if found is None:
            out[key] = tensor
            continue
        for part, chunk in zip(("query", "key", "value"), tensor.chunk(3, dim=0)):
            out[f"{found[1]}{part}.{found[2]}"] = chunk
    return out


def audio_config(state: State, prefix: str, mel_bins: int) -> dict[str, Any]:
    """transformers' ClapAudioConfig (as a dict) of the HTSAT whose keys start with `prefix`."""
    layers = 1 + max(int(k[len(prefix):].split(".")[1]) for k in state if k.startswith(f"{prefix}layers."))
    depths = [1 + max(int(k[len(prefix):].split(".")[3]) for k in state
                      if k.startswith(f"{prefix}layers.{i}.blocks.")) for i in range(layers)]
    tables = [state[f"{prefix}layers.{i}.blocks.0.attn.relative_position_bias_table"] for i in range(layers)]
    proj = state[f"{prefix}patch_embed.proj.weight"]
    return {
        "spec_size": SPEC_SIZE, "patch_size": proj.shape[-1], "patch_stride": [proj.shape[-1]] * 2,
        "window_size": (math.isqrt(tables[0].shape[0]) + 1) // 2, "num_mel_bins": mel_bins,
        "patch_embeds_hidden_size": proj.shape[0], "hidden_size": state[f"{prefix}norm.weight"].shape[0],
        "depths": depths, "num_attention_heads": [tb.shape[1] for tb in tables],
        "patch_embed_input_channels": proj.shape[1],
        "mlp_ratio": state[f"{prefix}layers.0.blocks.0.mlp.fc1.weight"].shape[0] / proj.shape[0],
    }
