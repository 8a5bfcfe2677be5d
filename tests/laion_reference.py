"""LAION-CLAP references for the equivalence tests: tiny random transformers `ClapModel`s saved as a
hub folder and in laion_clap's own `.pt` layout, and laion_clap's classes where they are installed.

Nothing is downloaded: the RoBERTa tokenizer is a byte-level BPE trained here on a few sentences
(the real one is roberta-base's 50,265 tokens; the code path is the same), and every model is
built from a small config. The spectrogram size (256) and mel bins (64) are the real ones, so the
HTSAT reshaping is exercised at full size; only widths, depths and the text tower are small.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import types
from pathlib import Path

import pytest
import torch
from msclap_reference import randomise_batch_norm

SR = 48000
WINDOW = 480_000  # laion_clap's clip_samples: 10 s
SENTENCES = ["a dog barks in the rain", "this is a sound of a cow mooing",
             "an engine idling, then a door slams", "birds sing at dawn near a river",
             "the quick brown fox jumps over the lazy dog"]


def tiny_config(fused: bool, hub_eps: float = 1e-5):  # -> transformers.ClapConfig
    from transformers import ClapConfig

    audio = dict(spec_size=256, patch_size=4, patch_stride=[4, 4], window_size=8, num_mel_bins=64,
                 patch_embeds_hidden_size=8, hidden_size=16, depths=[1, 1], num_attention_heads=[1, 2],
                 enable_fusion=fused, fusion_type="aff_2d" if fused else None, projection_dim=16)
    text = dict(vocab_size=300, hidden_size=64, num_hidden_layers=2, num_attention_heads=1,
                intermediate_size=64, max_position_embeddings=80, projection_dim=16, layer_norm_eps=hub_eps,
                type_vocab_size=1,                 pad_token_id=1, bos_token_id=0, eos_token_id=2)
    return ClapConfig(text_config=text, audio_config=audio, projection_dim=16)


def reference_model(fused: bool, seed: int = 0) -> torch.nn.Module:
    """transformers' ClapModel with random weights, batch-norm statistics and temperatures."""
    from transformers import ClapModel

    torch.manual_seed(seed)
    model = ClapModel(tiny_config(fused))
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        randomise_batch_norm(model, gen)
        for p in model.parameters():  # HF initialises some to constants; make every weight matter
            if p.dim() == 1 and p.numel() > 1:
                p.add_(torch.randn(p.shape, generator=gen) * 0.05)
        model.logit_scale_a.fill_(2.9)
        model.logit_scale_t.fill_(3.3)
    return model.eval()


def write_tokenizer(folder: Path) -> Path:
    """vocab.json and merges.txt of a small byte-level BPE with RoBERTa's special tokens."""
    from tokenizers import ByteLevelBPETokenizer

    tok = ByteLevelBPETokenizer()
    tok.train_from_iterator(SENTENCES * 5, vocab_size=300, min_frequency=1,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    folder.mkdir(parents=True, exist_ok=True)
    tok.save_model(str(folder))
    return folder


def save_hub_folder(model: torch.nn.Module, folder: Path) -> Path:
    """A hub ClapModel folder: config.json (with the hub's text epsilon, 1e-12), pytorch_model.bin
    (with the constant buffers older transformers saved), the tokenizer files."""
    config = model.config.to_dict()
    config["text_config"]["layer_norm_eps"] = 1e-12
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config))
    state = dict(model.state_dict())
    state["text_model.embeddings.position_ids"] = torch.arange(80)[None]
    torch.save(state, folder / "pytorch_model.bin")
    write_tokenizer(folder)
    return folder


LAION_BLOCK = {"layernorm_before": "norm1", "layernorm_after": "norm2", "attention.output.dense": "attn.proj",
               "attention.self.relative_position_bias_table": "attn.relative_position_bias_table",
               "intermediate.dense": "mlp.fc1", "output.dense": "mlp.fc2"}


def laion_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The same weights under laion_clap's names (its CLAP class's state dict), qkv fused, plus
    the tensors laion_clap keeps that retrieval never reads (front end, classifier, transforms)."""
    out: dict[str, torch.Tensor] = {}
    qkv: dict[str, dict[str, torch.Tensor]] = {}
    for key, t in model.state_dict().items():
        if key.endswith(("relative_position_index", "position_ids", "token_type_ids")):
            continue
        k = key.replace("audio_model.audio_encoder.", "audio_branch.").replace("text_model.", "text_branch.")
        k = k.replace("audio_branch.batch_norm.", "audio_branch.bn0.")
        k = k.replace("projection.linear1.", "projection.0.").replace("projection.linear2.", "projection.2.")
        if ".blocks." in k:
            head, rest = k.split(".blocks.", 1)
            index, part = rest.split(".", 1)
            for part_name in ("query", "key", "value"):
                if part.startswith(f"attention.self.{part_name}."):
                    fused_name = f"{head}.blocks.{index}.attn.qkv.{part.rsplit('.', 1)[1]}"
                    qkv.setdefault(fused_name, {})[part_name] = t
                    break
            else:
                for new, old in LAION_BLOCK.items():
                    if part == new or part.startswith(new + "."):
                        part = old + part[len(new):]
                        break
                out[f"{head}.blocks.{index}.{part}"] = t
            continue
        out[k] = t
    for k, parts in qkv.items():
        out[k] = torch.cat([parts["query"], parts["key"], parts["value"]])
    gen = torch.Generator().manual_seed(7)
    a = model.config.audio_config
    layers, dim = len(a.depths), a.projection_dim
    freq_bins = a.spec_size // 2 ** (layers - 1) // a.patch_stride[0] // (a.spec_size // a.num_mel_bins)
    extra = {"audio_branch.spectrogram_extractor.stft.conv_real.weight": (513, 1, 1024),
             "audio_branch.spectrogram_extractor.stft.conv_imag.weight": (513, 1, 1024),
             "audio_branch.logmel_extractor.melW": (513, 64),
             "audio_branch.tscam_conv.weight": (527, a.hidden_size, freq_bins, 3),
             "audio_branch.tscam_conv.bias": (527,), "audio_branch.head.weight": (527, 527),
             "audio_branch.head.bias": (527,), "audio_branch.layers.1.blocks.0.attn_mask": (16, 64, 64)}
    for side in ("audio", "text"):
        for i in (0, 3):
            extra |= {f"{side}_transform.sequential.{i}.weight": (dim, dim),
                      f"{side}_transform.sequential.{i}.bias": (dim,)}
    for k, shape in extra.items():
        out[k] = torch.randn(shape, generator=gen)
    side = 2 * a.window_size - 1
    for i in range(layers):
        out[f"audio_branch.layers.{i}.blocks.0.attn.relative_position_index"] = torch.randint(
            0, side * side, (a.window_size**2, a.window_size**2))
    return out


# laion_clap tensors that retrieval never reads, or constants it computes
LAION_ONLY = ("audio_branch.spectrogram_extractor.", "audio_branch.logmel_extractor.",
              "audio_branch.tscam_conv.", "audio_branch.head.", "audio_transform.", "text_transform.")


def save_like_laion(model: torch.nn.Module, path: Path) -> Path:
    """`630k-audioset-best.pt`'s layout: {'epoch', 'optimizer', 'state_dict': {'module.' + key}}."""
    state = {f"module.{k}": v for k, v in laion_state(model).items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"epoch": 45, "state_dict": state, "optimizer": {"state": {}, "param_groups": []}}, path)
    return path


# --- laion_clap's own classes, where the package is installed -----------------------------------

SKIP = ("laion_clap is not installed (the README's install command puts laion-clap 1.1.6 in "
        ".venv/reference; see tests/reference-requirements.txt for why not in site-packages)")
# Every laion-clap wheel also installs a top-level `tests` package that would shadow this one, so
# the install command puts it in a folder of its own (pip --target) instead of site-packages.
REFERENCE_DIR = Path(sys.prefix) / "reference"


def _laion_root() -> Path | None:
    spec = importlib.util.find_spec("laion_clap")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    beside = REFERENCE_DIR / "laion_clap"
    return beside if (beside / "clap_module" / "model.py").exists() else None


def import_laion() -> types.ModuleType:
    """laion_clap.clap_module.model without the package's __init__ (it downloads, and imports
    torchaudio, wget, torchvision and h5py); those last two are stubbed, as only helpers use them."""
    pytest.importorskip("torchlibrosa", reason=SKIP)
    if "laion_clap.clap_module.model" in sys.modules:
        return sys.modules["laion_clap.clap_module.model"]
    root = _laion_root()
    if root is None:
        pytest.skip(SKIP)
    for name, path in (("laion_clap", root), ("laion_clap.clap_module", root / "clap_module")):
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = [str(path)]
            sys.modules[name] = package
    stubbed = [top for top in ("torchvision", "h5py") if top not in sys.modules
               and importlib.util.find_spec(top) is None]
    for name in ("torchvision", "torchvision.ops", "torchvision.ops.misc", "h5py"):
        if name.split(".")[0] in stubbed:
            stub = types.ModuleType(name)
            stub.FrozenBatchNorm2d = torch.nn.BatchNorm2d  # type: ignore[attr-defined]
            sys.modules[name] = stub
    return importlib.import_module("laion_clap.clap_module.model")


def laion_model(reference: torch.nn.Module) -> torch.nn.Module:
    """laion_clap's CLAP (HTSAT + RoBERTa) at the tiny reference's sizes, holding its weights."""
    lc = import_laion()
    htsat = importlib.import_module("laion_clap.clap_module.htsat")
    from transformers import RobertaConfig, RobertaModel

    cfg = reference.config
    a, t = cfg.audio_config, cfg.text_config
    fused = bool(a.enable_fusion)

    def small_htsat(audio_cfg, enable_fusion=False, fusion_type="None"):
        return htsat.HTSAT_Swin_Transformer(
            spec_size=a.spec_size, patch_size=a.patch_size, patch_stride=tuple(a.patch_stride),
            num_classes=527, embed_dim=a.patch_embeds_hidden_size, depths=list(a.depths),
            num_heads=list(a.num_attention_heads), window_size=a.window_size,
            config=audio_cfg, enable_fusion=enable_fusion, fusion_type=fusion_type)

    class SmallRoberta:
        @staticmethod
        def from_pretrained(name: str) -> RobertaModel:
            assert name == "roberta-base"
            return RobertaModel(RobertaConfig(vocab_size=t.vocab_size, hidden_size=t.hidden_size,
                                              num_hidden_layers=t.num_hidden_layers,
                                              num_attention_heads=t.num_attention_heads,
                                              intermediate_size=t.intermediate_size,
                                              max_position_embeddings=t.max_position_embeddings,
                                              type_vocab_size=1, layer_norm_eps=1e-5, pad_token_id=1))

    audio_cfg = lc.CLAPAudioCfp(model_type="HTSAT", model_name="tiny", sample_rate=SR, audio_length=1024,
                                window_size=1024, hop_size=480, fmin=50, fmax=14000, class_num=527,
                                mel_bins=64, clip_samples=WINDOW)
    text_cfg = lc.CLAPTextCfg(context_length=77, vocab_size=t.vocab_size, width=t.hidden_size, heads=1,
                              layers=2, model_type="roberta")
    saved = lc.create_htsat_model, lc.RobertaModel
    lc.create_htsat_model, lc.RobertaModel = small_htsat, SmallRoberta
    try:
        model = lc.CLAP(embed_dim=a.hidden_size, audio_cfg=audio_cfg, text_cfg=text_cfg,
                        enable_fusion=fused, fusion_type="aff_2d" if fused else "None",
                        joint_embed_shape=a.projection_dim, mlp_act="relu")
    finally:
        lc.create_htsat_model, lc.RobertaModel = saved
    with torch.no_grad():
        t_hidden, dim = t.hidden_size, a.projection_dim
        if model.text_projection[0].in_features != t_hidden:  # laion_clap assumes roberta-base's 768
            model.text_projection = torch.nn.Sequential(torch.nn.Linear(t_hidden, dim), torch.nn.ReLU(),
                                                        torch.nn.Linear(dim, dim))
    state = laion_state(reference)
    own = model.state_dict()

    def laion_only(k: str) -> bool:
        constant = k.endswith(("attn_mask", "relative_position_index", "position_ids"))
        return constant or k.startswith(LAION_ONLY)

    # the weights' names in laion_state are exactly laion_clap's; its own extras keep laion's values
    assert sorted(k for k in own if k not in state and not laion_only(k)) == []
    assert sorted(k for k in state if k not in own and not laion_only(k)) == []
    model.load_state_dict({k: own[k] if laion_only(k) else state[k] for k in own}, strict=True)
    return model.eval()
