"""The ten CC0 animals of the quick start (never trained on), through the engine's own path.

    python scripts/evaluate_animals.py --model default [--model runs/x/best.safetensors ...]

For each model: how many of the ten files `clap-search classify --labels <the ten names>` gets
right, and in how many of the ten queries "a <animal> <sound>" the animal's own file ranks
first by audio alone (`query --mode audio`: the file's best window), with the mean rank.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from clap_search.audio import load_audio
from clap_search.embed import Embedder
from clap_search.hostinfo import describe_machine
from clap_search.query import classify

ANIMALS = Path(__file__).resolve().parent.parent / "examples" / "sounds" / "animals"
SOUNDS = {
    "cat": "a cat meowing", "cow": "a cow mooing", "dog": "a dog barking", "duck": "a duck quacking",
    "frog": "a frog croaking", "horse": "a horse neighing", "owl": "an owl hooting",
    "pig": "a pig oinking", "rooster": "a rooster crowing", "sheep": "a sheep bleating",
}


def evaluate(model: str) -> dict:
    embedder = Embedder.load(model, device="cpu")
    names = sorted(SOUNDS)
    files = [ANIMALS / f"{n}.mp3" for n in names]
    results = classify(embedder, files, names)
    correct = sum(r.label == n for r, n in zip(results, names))
    best = []  # each file's windows; a file scores its best window, as --mode audio ranks
    for f in files:
        wave, _ = load_audio(f, embedder.sample_rate)
        best.append(embedder.embed_wave(wave).vectors)
    text = embedder.embed_texts([SOUNDS[n] for n in names])
    scores = np.array([[float((w @ t).max()) for w in best] for t in text])  # (queries, files)
    ranks = [int((scores[i] > scores[i, i]).sum()) + 1 for i in range(len(names))]
    return {"model": model, "classify_correct": correct, "query_first": sum(r == 1 for r in ranks),
            "mean_rank": float(np.mean(ranks)), "predicted": {n: r.label for r, n in zip(results, names)},
            "ranks": dict(zip(names, ranks))}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", action="append", default=None, help="bundled name or .safetensors path")
    args = p.parse_args()
    print(f"machine: {describe_machine()}")
    print("| model | classify correct (of 10) | own file first (of 10) | mean rank |")
    print("|---|---|---|---|")
    for model in args.model or ["default"]:
        r = evaluate(model)
        print(f"| {model} | {r['classify_correct']} | {r['query_first']} | {r['mean_rank']:.1f} |")
        print(f"  predicted: {r['predicted']}\n  ranks: {r['ranks']}")


if __name__ == "__main__":
    main()
