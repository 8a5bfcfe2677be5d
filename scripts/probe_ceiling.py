"""How far can the audio side go on the held-out everyday set, given the labels the corpus has?

    python scripts/probe_ceiling.py --corpus data/corpus --model default

Zero-shot classification is bounded by how well the audio vectors separate the classes at all.
This script measures that bound for one model, through the engine's inference path (int8 tower
where calibrated): the training clips whose main caption names one of the zero-shot set's
classes (the corpus builder's own keyword rules, scripts/corpus/splits.py) become labelled
examples, and three supervised classifiers trained on them are tested on the held-out set,
beside the zero-shot figure:

- zero-shot: the engine's classify rule (text prompts; what the issue's figure measures);
- nearest centroid: each class's mean training vector stands in for its prompt;
- logistic regression on the clip vectors (fixed L2, fixed epochs: nothing tuned on the test set);
- 1-NN from the training clips; and, for contrast, leave-one-out 1-NN inside the held-out set
  itself (how well the set's own clips cluster by class, which no training data can give).

If the supervised figures sit near the zero-shot one, a better text side cannot help much: the
labelled training sounds do not carry the classes to recordings from other sources.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus.splits import caption_label  # noqa: E402
from evaluate_model import embed_clips  # noqa: E402

from clap_search.embed import Embedder  # noqa: E402
from clap_search.hostinfo import describe_machine  # noqa: E402
from clap_search.training.data import read_manifest, read_zero_shot  # noqa: E402
from clap_search.training.evaluate import zero_shot_scores  # noqa: E402
from clap_search.words.graph import file_vector  # noqa: E402

L2 = 1e-3
EPOCHS = 300
SEED = 0


def clip_vectors(windows: list[np.ndarray]) -> np.ndarray:
    return np.stack([file_vector(w) for w in windows])  # as the library's kNN graph sees a file


def logistic(x: np.ndarray, y: np.ndarray, classes: int) -> torch.nn.Linear:
    """Multinomial logistic regression, full batch, class-balanced loss."""
    torch.manual_seed(SEED)
    head = torch.nn.Linear(x.shape[1], classes)
    counts = np.bincount(y, minlength=classes).astype(np.float32)
    weight = torch.tensor(np.where(counts > 0, counts.sum() / np.maximum(counts, 1) / classes, 0.0))
    opt = torch.optim.Adam(head.parameters(), lr=1e-2, weight_decay=L2)
    xt, yt = torch.tensor(x), torch.tensor(y)
    for _ in range(EPOCHS):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(xt * 10), yt, weight=weight.float())
        loss.backward()
        opt.step()
    return head


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--model", default="default", help="bundled name or .safetensors path")
    p.add_argument("--zero-shot-set", default="eval_zeroshot.jsonl")
    p.add_argument("--train-split", default="train", help="the manifest split the examples come from")
    args = p.parse_args()

    embedder = Embedder.load(args.model)
    held = read_zero_shot(args.corpus, args.zero_shot_set)
    labels = sorted({c.label for c in held})
    truth = np.array([labels.index(c.label) for c in held])
    train = []
    for clip in read_manifest(args.corpus):
        label = caption_label(clip.captions[0], clip.kind) if clip.split == args.train_split else None
        if label in labels:
            train.append((clip, labels.index(label)))
    y = np.array([i for _, i in train])

    held_windows = embed_clips(embedder, held)
    h = clip_vectors(held_windows)
    x = clip_vectors(embed_clips(embedder, [c for c, _ in train]))

    prompts = embedder.embed_texts(embedder.prompts(labels))
    results = {"zero-shot (text prompts)": zero_shot_scores(
        held_windows, prompts, float(embedder.model.logit_scale.detach())).argmax(axis=1)}
    present = np.array([k in set(y) for k in range(len(labels))])
    centroids = np.stack([x[y == k].mean(axis=0) if present[k] else np.zeros(x.shape[1])
                          for k in range(len(labels))])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    results["nearest training centroid"] = np.where(present, h @ centroids.T, -np.inf).argmax(axis=1)
    head = logistic(x, y, len(labels))
    with torch.no_grad():
        results["logistic regression on training clips"] = head(torch.tensor(h) * 10).argmax(axis=1).numpy()
    results["1-NN from training clips"] = y[(h @ x.T).argmax(axis=1)]
    inside = h @ h.T
    np.fill_diagonal(inside, -np.inf)
    results["leave-one-out 1-NN inside the held-out set"] = truth[inside.argmax(axis=1)]

    counts = Counter(y.tolist())
    print(f"machine: {describe_machine()}")
    print(f"model: {embedder.identity.name} {embedder.identity.version} ({embedder.precision})")
    print(f"held-out set {args.zero_shot_set}: {len(held)} clips, {len(labels)} classes; "
          f"labelled training clips: {len(train)} ({sum(present)} of the classes have any)")
    print("\n| classifier | top-1 |\n|---|---|")
    for name, pred in results.items():
        print(f"| {name} | {np.mean(pred == truth):.3f} |")
    print("\n| class | training clips | held-out clips | zero-shot | centroid | logistic |")
    print("|---|---|---|---|---|---|")
    for k, lab in enumerate(labels):
        mine = truth == k
        row = [f"{np.mean(results[n][mine] == k):.2f}" for n in list(results)[:3]]
        print(f"| {lab} | {counts.get(k, 0)} | {int(mine.sum())} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
