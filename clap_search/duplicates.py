"""Duplicate files: exact (same decoded audio) and near (file vectors above a cosine threshold)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import faiss
import numpy as np
from sqlalchemy import select

from clap_search.db import STATUS_OK, File, Segment, blob_to_vectors
from clap_search.errors import UsageError
from clap_search.library import Library

EXACT, NEAR = "exact", "near"
# A re-encoded or resampled copy keeps its length (MP3 adds ~50 ms of padding); different sounds
# of one kind often do not. Pairs further apart than this are never called near duplicates.
DURATION_SLACK_SECONDS = 0.25
DURATION_SLACK_RATIO = 0.1
# Besides the model's vectors, the decoded spectral envelopes must agree (audio.audio_fingerprint):
# a WAV, its MP3 and a 16 kHz copy score > 0.97; two different tones a semitone apart ~0.85.
FINGERPRINT_MIN = 0.9
BATCH = 20_000


@dataclass
class Member:
    file_id: int
    path: str
    duration: float | None
    format: str | None
    sample_rate: int | None
    similarity: float = 1.0  # to the group's first member

    def to_json(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "path": self.path,
            "duration": self.duration,
            "format": self.format,
            "sample_rate": self.sample_rate,
            "similarity": round(self.similarity, 4),
        }


@dataclass
class DuplicateGroup:
    """Files that hold the same sound; `similarity` is the lowest member-to-first similarity."""

    kind: str
    members: list[Member] = field(default_factory=list)
    similarity: float = 1.0
    threshold: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "similarity": round(self.similarity, 4),
            "threshold": self.threshold,
            "files": [m.to_json() for m in self.members],
        }


def _files(library: Library) -> list[tuple[Member, str | None, np.ndarray | None]]:
    """Every indexed file with its exact-match key: decoded hash, else raw-bytes hash."""
    with library.session() as s:
        rows = s.execute(
            select(
                File.id,
                File.path,
                File.duration,
                File.format,
                File.sample_rate,
                File.audio_hash,
                File.content_hash,
                File.fingerprint,
            )
            .where(File.status == STATUS_OK)
            .order_by(File.path)
        ).all()
    out = []
    for r in rows:
        key = f"pcm:{r.audio_hash}" if r.audio_hash else (f"raw:{r.content_hash}" if r.content_hash else None)
        fp = np.frombuffer(r.fingerprint, dtype="<f4") if r.fingerprint else None
        out.append((Member(r.id, r.path, r.duration, r.format, r.sample_rate), key, fp))
    return out


def _file_vectors(library: Library, ids: list[int]) -> np.ndarray:
    """One unit vector per file: the normalised mean of its window vectors."""
    dim = library.dim
    pos = {fid: i for i, fid in enumerate(ids)}
    sums = np.zeros((len(ids), dim), np.float32)
    with library.session() as s:
        rows = s.execute(select(Segment.file_id, Segment.vector).execution_options(yield_per=BATCH))
        for chunk in rows.partitions():
            vecs = blob_to_vectors([r[1] for r in chunk], dim)
            for (fid, _), v in zip(chunk, vecs):
                if fid in pos:
                    sums[pos[fid]] += v
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return sums / np.maximum(norms, 1e-12)


def _same_sound(a: tuple[Member, str | None, np.ndarray | None], b: tuple) -> bool:
    """Lengths close and (where both were fingerprinted) spectral envelopes alike."""
    da, db = a[0].duration, b[0].duration
    if da is not None and db is not None:
        if abs(da - db) > max(DURATION_SLACK_SECONDS, DURATION_SLACK_RATIO * max(da, db)):
            return False
    fa, fb = a[2], b[2]
    return fa is None or fb is None or len(fa) != len(fb) or float(fa @ fb) >= FINGERPRINT_MIN


class _Groups:
    """Union-find over file positions."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            out.setdefault(self.find(i), []).append(i)
        return [g for g in out.values() if len(g) > 1]


def _exact_groups(files: list) -> list[list[int]]:
    by_key: dict[str, list[int]] = {}
    for i, (_, key, _) in enumerate(files):
        if key:
            by_key.setdefault(key, []).append(i)
    return [g for g in by_key.values() if len(g) > 1]


def find_duplicates(library: Library, threshold: float = 0.95) -> list[DuplicateGroup]:
    """Exact groups first, then near groups (exact copies collapsed into one member each)."""
    if not 0.0 < threshold <= 1.0:
        raise UsageError("--threshold must be in (0, 1], e.g. 0.95")
    files = _files(library)
    if not files or library.model() is None:
        return []
    exact = _exact_groups(files)
    out = [DuplicateGroup(EXACT, [files[i][0] for i in g]) for g in exact]
    vectors = _file_vectors(library, [f[0].file_id for f in files])
    uf = _Groups(len(files))
    for g in exact:
        for i in g[1:]:
            uf.union(g[0], i)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    lims, sims, idx = index.range_search(vectors, float(threshold) - 1e-6)
    for i in range(len(files)):
        for j in idx[lims[i] : lims[i + 1]].tolist():
            if j > i and _same_sound(files[i], files[j]):
                uf.union(i, j)
    exact_sets = {frozenset(g) for g in exact}
    for g in uf.groups():
        if frozenset(g) in exact_sets:
            continue  # only exact copies: already reported
        members = [replace(files[i][0], similarity=float(vectors[g[0]] @ vectors[i])) for i in g]
        out.append(DuplicateGroup(NEAR, members, min(m.similarity for m in members), threshold))
    return out
