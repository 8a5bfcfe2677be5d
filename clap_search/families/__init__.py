"""Model families: how each published layout becomes an engine model, behind `create_model`.

A family is one module here. It recognises its checkpoints by their keys and shapes, maps
their keys onto the engine's explicitly (every source key used or listed as unused on
purpose; every engine weight filled), and sets the config that decides its towers and how
audio is windowed. The engine reaches a family only through clap_search.factory and checkpoint
loading; `clap-search models` uses the store (store.py), `pull` (published.py) and the list
(listing.py) beside them.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from clap_search.config import ModelConfig
from clap_search.errors import CheckpointError

if TYPE_CHECKING:  # torch loads with a family's model, never for a text query's model lookup
    import torch
    from torch import nn

    from clap_search.model import CLAPModel

State = Mapping[str, "torch.Tensor"]


@dataclass(frozen=True)
class Family:
    name: str
    description: str
    recognise: Callable[[State], bool]  # is this source state dict in the family's layout?
    # source state (and the file or folder it came from) -> engine config + state
    convert: Callable[[State, Path], tuple[ModelConfig, dict[str, torch.Tensor]]]
    build: Callable[[ModelConfig], nn.Module]  # an engine model from its config (encode_audio, ...)
    # what else the model needs from beside the weights (a tokenizer), kept in the checkpoint's header
    assets: Callable[[Path], dict[str, str]] | None = None
    # the header's tokenizer (a `tokenizers` JSON) -> the callable the Embedder tokenises with
    tokenizer: Callable[[str], Callable] | None = None


def lazy(module: str, name: str) -> Callable:
    """`module.name(...)`, imported at the first call: towers that need torch and transformers are
    imported only when such a model is built, never to list or recognise families."""

    def call(*args: object) -> object:
        return getattr(importlib.import_module(module), name)(*args)

    return call


def build_clap(cfg: ModelConfig) -> CLAPModel:
    from clap_search.model import CLAPModel

    return CLAPModel(cfg)


def families() -> dict[str, Family]:
    from clap_search.families import laion, msclap2022, msclap2023

    native = Family("clap-search", "trained by clap-search's training/", lambda s: False,
                    _no_convert, build_clap)
    return {f.name: f for f in (native, msclap2022.FAMILY, msclap2023.FAMILY, laion.FAMILY)}


def _no_convert(state: State, source: Path | None = None) -> tuple[ModelConfig, dict[str, torch.Tensor]]:
    raise CheckpointError("clap-search checkpoints need no conversion")


def build_model(cfg: ModelConfig) -> nn.Module:
    family = families().get(cfg.family)
    if family is None:
        raise CheckpointError(f"unknown model family '{cfg.family}' (a newer clap-search wrote this file?)")
    return family.build(cfg)


def load_tokenizer(cfg: ModelConfig, tokenizer_json: str) -> Callable:
    """The tokenizer a family keeps in its checkpoint's header, ready to call."""
    family = families().get(cfg.family)
    if family is None or family.tokenizer is None:
        raise CheckpointError(f"a {cfg.family} checkpoint carries a tokenizer its family does not read")
    return family.tokenizer(tokenizer_json)


def recognise(state: State, forced: str | None = None) -> Family:
    """The one family whose layout this state dict has (or `forced`); a clear error otherwise."""
    known = families()
    if forced is not None:
        if forced not in known or forced == "clap-search":
            names = ", ".join(n for n in known if n != "clap-search")
            raise CheckpointError(f"unknown family '{forced}': use one of {names}")
        return known[forced]
    matches = [f for f in known.values() if f.recognise(state)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        sample = ", ".join(sorted(state)[:5])
        raise CheckpointError(f"not a layout clap-search knows (first keys: {sample}); "
                              f"known families: {', '.join(n for n in known if n != 'clap-search')}")
    names = ", ".join(f.name for f in matches)
    raise CheckpointError(f"the file matches several families ({names}): choose one with --family")


# (regular expression over source keys, the engine key: a re.sub replacement string or function)
Rule = tuple[str, str | Callable[[re.Match[str]], str]]


def map_keys(state: State, rules: list[Rule], unused: list[str], model: nn.Module) -> dict[str, torch.Tensor]:
    """Rename `state` by the first matching rule; check the result against `model` exactly.

    Source keys matching `unused` are dropped on purpose (a classifier head, a pooler the
    family does not use); any other key no rule maps, any engine weight left unfilled and any
    shape that disagrees is an error that lists them, never a silent partial load."""
    compiled = [(re.compile(pattern), repl) for pattern, repl in rules]
    skip = [re.compile(p) for p in unused]
    out: dict[str, torch.Tensor] = {}
    unexpected: list[str] = []
    for key, tensor in state.items():
        if any(p.fullmatch(key) for p in skip):
            continue
        for pattern, repl in compiled:
            if pattern.fullmatch(key):
                out[pattern.sub(repl, key)] = tensor
                break
        else:
            unexpected.append(key)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(out))
    unexpected += sorted(set(out) - set(expected))
    shapes = [f"{k}: file {tuple(out[k].shape)} vs model {tuple(v.shape)}"
              for k, v in expected.items() if k in out and out[k].shape != v.shape]
    problems = []
    if unexpected:
        problems.append(f"unused keys ({len(unexpected)}): {', '.join(unexpected[:8])}")
    if missing:
        problems.append(f"missing keys ({len(missing)}): {', '.join(missing[:8])}")
    if shapes:
        problems.append(f"shape mismatches ({len(shapes)}): {'; '.join(shapes[:4])}")
    if problems:
        raise CheckpointError("the weights do not fit the layout: " + " | ".join(problems))
    return {k: out[k].to(expected[k].dtype) for k in expected}
