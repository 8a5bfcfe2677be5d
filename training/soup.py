"""Average checkpoints fine-tuned from the same start ("model soup", Wortsman et al. 2022).

Two runs of one recipe from one initial model, differing only in their seed, stay in one basin of
the loss, so the mean of their weights is a model too, often better than either. Floating
tensors are averaged in float32 (BatchNorm statistics included); integer ones (BatchNorm's batch
counter) are taken from the first checkpoint. All must share one config.

    python -m clap_search.training.soup --out runs/soup.safetensors \
        runs/a/best.safetensors runs/b/best.safetensors
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from safetensors import safe_open

from clap_search.checkpoint import save_state
from clap_search.config import ModelConfig
from clap_search.errors import CheckpointError
from clap_search.weights import read_metadata


def soup(paths: list[Path], out: Path) -> str:
    """Write the uniform average of `paths` to `out`; returns its weights digest."""
    if len(paths) < 2:
        raise CheckpointError("a soup needs at least two checkpoints")
    configs = [read_metadata(p)["config"] for p in paths]
    if any(json.loads(c) != json.loads(configs[0]) for c in configs[1:]):
        raise CheckpointError("the checkpoints have different model configs: they cannot be averaged")
    total: dict[str, torch.Tensor] = {}
    for path in paths:
        with safe_open(str(path), framework="pt") as f:
            names = set(f.keys())
            if total and names != set(total):
                raise CheckpointError(f"{path} does not hold the same weights as {paths[0]}")
            for name in names:
                t = f.get_tensor(name)
                if not t.is_floating_point():
                    total.setdefault(name, t)
                else:
                    total[name] = total.get(name, 0) + t.float()
    state = {k: (v / len(paths) if v.is_floating_point() else v) for k, v in total.items()}
    return save_state(ModelConfig.from_json(configs[0]), state, out,
                      extra={"soup": [f"{p.parent.name}/{p.name}" for p in paths]})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoints", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    print(f"{args.out}: version {soup(args.checkpoints, args.out)}")


if __name__ == "__main__":
    main()
