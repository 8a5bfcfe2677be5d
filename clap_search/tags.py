"""Zero-shot tags for every file from its STORED window vectors (nothing is decoded again)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import CursorResult, delete, select

from clap_search.db import STATUS_OK, File, Segment, Tag, blob_to_vectors
from clap_search.embed import Embedder
from clap_search.errors import UsageError
from clap_search.library import Library
from clap_search.query import clean_labels, label_probabilities

FILES_PER_BATCH = 512


@dataclass
class FileTags:
    """The labels kept for one file (best first) and every label's probability."""

    file_id: int
    path: str
    tags: list[tuple[str, float]]
    scores: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "file_id": self.file_id,
            "tags": [{"label": label, "score": score} for label, score in self.tags],
            "scores": self.scores,
        }


def _file_vectors(library: Library) -> Iterator[tuple[int, str, np.ndarray]]:
    """(file id, path, window vectors) of every indexed file, a batch of files at a time."""
    dim = library.dim
    with library.session() as s:
        files = s.execute(select(File.id, File.path).where(File.status == STATUS_OK).order_by(File.id)).all()
        for i in range(0, len(files), FILES_PER_BATCH):
            batch = dict(files[i : i + FILES_PER_BATCH])
            rows = s.execute(
                select(Segment.file_id, Segment.vector)
                .where(Segment.file_id.in_(list(batch)))
                .order_by(Segment.file_id, Segment.id)
            ).all()
            blobs: dict[int, list[bytes]] = {}
            for fid, blob in rows:
                blobs.setdefault(fid, []).append(blob)
            for fid, path in batch.items():
                if fid in blobs:
                    yield fid, path, blob_to_vectors(blobs[fid], dim)


def _keep(names: list[str], probs: np.ndarray, threshold: float, top: int) -> list[tuple[str, float]]:
    order = np.argsort(-probs, kind="stable")[:top]
    return [(names[i], round(float(probs[i]), 4)) for i in order if probs[i] >= threshold]


def tag_library(
    library: Library,
    embedder: Embedder,
    labels: Sequence[str],
    threshold: float = 0.1,
    top: int = 3,
    template: str | None = None,
) -> list[FileTags]:
    """Score every file against `labels` and store its `top` labels scoring >= `threshold`.

    Scores are classify's (softmax over the labels per window, mean over windows), so they only
    compare within one label set; tags a previous run gave with the same labels are replaced.
    """
    if top < 1 or not 0.0 <= threshold <= 1.0:
        raise UsageError("--top must be at least 1 and --threshold between 0 and 1")
    names = clean_labels(labels)
    library.check_model(embedder.identity, doing="tag")
    if library.model() is None:
        raise UsageError(
            f"the library at {library.location} holds no vectors yet: run `clap-search index DIR`"
        )
    text = embedder.embed_texts(embedder.prompts(names, template))
    scale = float(embedder.model.logit_scale.detach())
    results = []
    with library.writing():  # no indexer may delete a file between scoring and storing its tags
        for fid, path, vectors in _file_vectors(library):
            probs = label_probabilities(vectors, text, scale)
            scores = {n: round(float(p), 4) for n, p in zip(names, probs)}
            results.append(FileTags(fid, path, _keep(names, probs, threshold, top), scores))
        _store_tags(library, names, results)
    return results


def _store_tags(library: Library, names: list[str], results: list[FileTags]) -> None:
    with library.writing(), library.session() as s, s.begin():
        s.execute(delete(Tag).where(Tag.label.in_(names)))
        s.add_all(Tag(file_id=r.file_id, label=lab, score=sc) for r in results for lab, sc in r.tags)


def clear_tags(library: Library, labels: Sequence[str] = ()) -> int:
    """Forget the given tags, or all of them; returns how many rows went."""
    with library.writing(), library.session() as s, s.begin():
        stmt = delete(Tag).where(Tag.label.in_(list(labels))) if labels else delete(Tag)
        result: CursorResult = s.execute(stmt)  # type: ignore[assignment]  # a DML statement's result
        return result.rowcount or 0
