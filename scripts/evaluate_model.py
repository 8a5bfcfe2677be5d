"""Evaluate a checkpoint through the engine's own inference path, beside the baselines.

    python scripts/evaluate_model.py --corpus data/corpus --model default [--baselines]

Prints a Markdown table (zero-shot top-1/top-5 on the held-out labelled set; text->audio mAP
and recall@k and audio->text recall@k on the held-out val split) with the machine it ran on,
and writes the same figures as JSON (--json-out).

    python scripts/evaluate_model.py --corpus data/corpus --model default --baselines --band-limit 16000

`--band-limit RATE` evaluates on copies of every clip that went through a RATE recording chain
(decoded at RATE, then resampled to the model's rate: no content above RATE/2), as 8-22 kHz
material in real libraries does; the baseline sees the same copies.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import platformdirs

from clap_search.embed import Embedder
from clap_search.hostinfo import describe_machine
from clap_search.training.data import read_manifest, read_zero_shot
from clap_search.training.evaluate import (
    per_class_accuracy,
    retrieval_metrics,
    topk_accuracy,
    zero_shot_scores,
)

ZS_DEFAULT = "eval_zeroshot.jsonl"


BAND: int | None = None  # --band-limit: the recording chain's sample rate, or None for the original


def load_clip(path: str, sample_rate: int) -> np.ndarray:
    """Mono float32 at `sample_rate`; through a BAND-rate chain first when one is set."""
    from clap_search.audio import load_audio

    if BAND is None or BAND >= sample_rate:
        return load_audio(path, sample_rate)[0]
    import soxr

    return soxr.resample(load_audio(path, BAND)[0], BAND, sample_rate).astype(np.float32)


def embed_clips(embedder: Embedder, clips) -> list[np.ndarray]:
    return [embedder.embed_wave(load_clip(c.audio, embedder.sample_rate)).vectors for c in clips]


def evaluate_model(
    embedder: Embedder, corpus: Path, val_limit: int, zs_name: str = ZS_DEFAULT, split: str = "val"
) -> dict:
    zs = read_zero_shot(corpus, zs_name)
    labels = sorted({c.label for c in zs})
    truth = np.array([labels.index(c.label) for c in zs])
    t0 = time.time()
    windows = embed_clips(embedder, zs)
    prompts = embedder.embed_texts(embedder.prompts(labels))
    scale = float(embedder.model.logit_scale.detach())
    scores = zero_shot_scores(windows, prompts, scale)
    out = {"zero_shot": topk_accuracy(scores, truth), "classes": len(labels), "clips": len(zs),
           "per_class": per_class_accuracy(scores, truth, labels)}
    val = [c for c in read_manifest(corpus) if c.split == split][:val_limit]
    if val:
        audio = np.stack([w.mean(axis=0) for w in embed_clips(embedder, val)])
        audio /= np.linalg.norm(audio, axis=1, keepdims=True)
        captions = sorted({c.captions[0] for c in val})
        text = embedder.embed_texts(captions)
        relevant = np.array([[c.captions[0] == cap for c in val] for cap in captions])
        out["retrieval"] = retrieval_metrics(audio, text, relevant) | {"clips": len(val),
                                                                        "queries": len(captions)}
    out["seconds"] = time.time() - t0
    return out


def baseline_yamnet(corpus: Path, cache: Path, zs_name: str = ZS_DEFAULT) -> dict:
    from clap_search.training.baselines import MiniLMText, YamnetTagger, yamnet_zero_shot

    zs = read_zero_shot(corpus, zs_name)
    labels = sorted({c.label for c in zs})
    truth = np.array([labels.index(c.label) for c in zs])
    waves = [(load_clip(c.audio, 16000), 16000) for c in zs]
    scores = yamnet_zero_shot(YamnetTagger(cache), MiniLMText(cache), waves, labels)
    return {"zero_shot": topk_accuracy(scores, truth), "per_class": per_class_accuracy(scores, truth, labels)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--model", default="default", help="bundled name or .safetensors path")
    p.add_argument("--baselines", action="store_true", help="also run chance and YAMNet+MiniLM")
    user_cache = Path(platformdirs.user_cache_dir("clap-search", appauthor=False))
    p.add_argument("--cache", type=Path, default=user_cache / "pretrained")
    p.add_argument("--val-limit", type=int, default=2000)
    p.add_argument("--json-out", type=Path)
    p.add_argument("--zero-shot-set", default=ZS_DEFAULT,
                   help="labelled set in the corpus folder: eval_zeroshot.jsonl (test packages, reported) "
                   "or val_zeroshot.jsonl (val packages, for choosing between models)")
    p.add_argument("--retrieval-split", default="val",
                   help="manifest split for text->audio retrieval: val (choosing) or test (reporting)")
    p.add_argument("--band-limit", type=int, metavar="RATE",
                   help="evaluate on copies recorded at RATE Hz (e.g. 11025, 16000, 22050)")
    args = p.parse_args()
    global BAND
    BAND = args.band_limit
    embedder = Embedder.load(args.model)
    result = {"model": embedder.identity.__dict__, "machine": describe_machine(), "band_limit": BAND,
              "ours": evaluate_model(embedder, args.corpus, args.val_limit, args.zero_shot_set,
                                   args.retrieval_split)}
    n = result["ours"]["classes"]
    result["chance"] = {"zero_shot": {"top1": 1 / n, "top5": min(5, n) / n}}
    if args.baselines:
        result["yamnet_minilm"] = baseline_yamnet(args.corpus, args.cache, args.zero_shot_set)
    print(f"machine: {result['machine']}")
    chain = f", recorded at {BAND} Hz" if BAND else ""
    print(f"zero-shot set {args.zero_shot_set}: {result['ours']['clips']} clips, {n} classes{chain}")
    print("| system | zero-shot top-1 | zero-shot top-5 |\n|---|---|---|")
    for name in ("ours", "yamnet_minilm", "chance"):
        if name in result:
            zsr = result[name]["zero_shot"]
            print(f"| {name} | {zsr['top1']:.3f} | {zsr['top5']:.3f} |")
    if "retrieval" in result["ours"]:
        figures = " | ".join(f"{k} {v:.3f}" for k, v in result["ours"]["retrieval"].items())
        print(f"\n{args.retrieval_split} split: {figures}")
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
