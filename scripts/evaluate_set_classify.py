"""Classifying a set of files together (TX in training/SELECTION.md, not adopted): does refining
each file's zero-shot label probabilities with the files it sounds like in the same set help?

    python scripts/evaluate_set_classify.py --corpus data/corpus            (val: the choosing set)

Two rules, each against the single-file rule (`classify` today, mean of window probabilities):
- `c:LAM`: soft class centroids of the set's file vectors, weighted by the zero-shot
  probabilities, added to the text logits with weight LAM;
- `p:ALPHA:K`: label propagation over the set's K-nearest-neighbour graph, 20 steps of
  P = (1 - ALPHA) P0 + ALPHA W P.
Prints top-1 and the two halves of the classes (sorted by name) for each setting.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate_model import embed_clips  # noqa: E402

from clap_search.embed import Embedder  # noqa: E402
from clap_search.hostinfo import describe_machine  # noqa: E402
from clap_search.training.data import read_zero_shot  # noqa: E402
from clap_search.training.evaluate import softmax, zero_shot_scores  # noqa: E402
from clap_search.words.graph import file_vector  # noqa: E402

SETTINGS = ["c:0.05", "c:0.15", "c:0.5", "c:1", "c:2",
            "p:0.5:5", "p:0.8:5", "p:0.5:10", "p:0.3:5", "p:0.3:10", "p:0.5:3", "p:0.3:3"]
STEPS = 20


def centroids(windows, prompts, scale, single, lam):
    files = np.stack([file_vector(w) for w in windows])
    c = single.T @ files
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    text = np.stack([(scale * (w @ prompts.T)).mean(axis=0) for w in windows])
    return softmax(text + lam * scale * (files @ c.T))


def propagate(windows, single, alpha, k):
    files = np.stack([file_vector(w) for w in windows])
    sims = files @ files.T
    np.fill_diagonal(sims, -np.inf)
    graph = np.zeros_like(sims)
    for i, row in enumerate(np.argsort(-sims, axis=1)[:, :k]):
        graph[i, row] = 1.0 / k
    p = single.copy()
    for _ in range(STEPS):
        p = (1 - alpha) * single + alpha * graph @ p
    return p


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--model", default="default")
    ap.add_argument("--zero-shot-set", default="val_zeroshot.jsonl")
    ap.add_argument("settings", nargs="*", default=SETTINGS)
    args = ap.parse_args()
    embedder = Embedder.load(args.model)
    clips = read_zero_shot(args.corpus, args.zero_shot_set)
    labels = sorted({c.label for c in clips})
    truth = np.array([labels.index(c.label) for c in clips])
    windows = embed_clips(embedder, clips)
    prompts = embedder.embed_texts(embedder.prompts(labels))
    scale = float(embedder.model.logit_scale.detach())
    single = zero_shot_scores(windows, prompts, scale)
    print(f"machine: {describe_machine()}")
    print(f"{args.zero_shot_set}: {len(clips)} clips, {len(labels)} classes\n")
    print("| setting | top-1 | first half / second half of the classes |\n|---|---|---|")
    half = len(labels) // 2
    for name in ["single", *args.settings]:
        kind, *values = name.split(":")
        if kind == "single":
            p = single
        elif kind == "c":
            p = centroids(windows, prompts, scale, single, float(values[0]))
        else:
            p = propagate(windows, single, float(values[0]), int(values[1]))
        ok = p.argmax(axis=1) == truth
        print(f"| {name} | {ok.mean():.3f} ({ok.sum()}/{len(ok)}) | "
              f"{ok[truth < half].mean():.3f} / {ok[truth >= half].mean():.3f} |")


if __name__ == "__main__":
    main()
