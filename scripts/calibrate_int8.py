"""Calibrate a model's int8 audio tower: the peak of every activation over real clips.

    python scripts/calibrate_int8.py --model default --manifest data/corpus/manifest.jsonl
    python scripts/calibrate_int8.py --model my.safetensors --folder ~/sounds

Writes `NAME.int8.json` beside the checkpoint (for the bundled default model, inside the
package), keyed by the weights' version, so it is ignored if the weights change. Then compares
int8 window vectors with float32 ones on other clips of the folder and prints the cosines.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
import torch

from clap_search.audio import audio_extensions, load_audio
from clap_search.encoders.int8 import Int8Tower, calibrate
from clap_search.factory import checkpoint_path, create_model, save_calibration
from clap_search.hostinfo import describe_machine


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="default")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--folder", help="audio to calibrate on (searched recursively)")
    src.add_argument("--manifest", help="a corpus manifest: its train split only")
    p.add_argument("--clips", type=int, default=400)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if args.manifest:
        rows = [json.loads(line) for line in Path(args.manifest).read_text().splitlines() if line]
        root = Path(args.manifest).parent
        files = sorted(root / r["audio"] for r in rows if r.get("split") == "train")
    else:
        exts = audio_extensions()
        files = sorted(f for f in Path(args.folder).rglob("*") if f.suffix.lower() in exts)
    random.Random(args.seed).shuffle(files)
    calib, check = files[: args.clips], files[args.clips : args.clips + 100]
    model, identity = create_model(args.model)
    path = checkpoint_path(args.model)
    if path is None:
        raise SystemExit(f"error: {args.model} has no checkpoint file to calibrate")
    sr = model.cfg.audio.sample_rate
    with torch.inference_mode():
        mels = [model.mel(torch.from_numpy(load_audio(f, sr)[0])[None]) for f in calib]
        peaks = calibrate(model.audio_encoder, mels)
        out = save_calibration(path, identity.version, peaks, len(calib))
        print(describe_machine())
        print(f"{len(calib)} clips -> {out}: peaks {[round(v, 2) for v in peaks]}")
        encoder = model.audio_encoder
        encoder.optimise_for_inference("float32")
        int8 = Int8Tower(encoder, peaks)
        cos = []
        for f in check:
            mel = model.mel(torch.from_numpy(load_audio(f, sr)[0])[None])
            a, b = encoder.frame_features(mel).amax(2), int8(mel).amax(2)
            cos.append(torch.nn.functional.cosine_similarity(a, b).item())
    if cos:
        print(f"pooled tower output, int8 vs float32 on {len(cos)} other clips: "
              f"cosine mean {np.mean(cos):.4f}, min {np.min(cos):.4f}")


if __name__ == "__main__":
    main()
