"""The library's words through the text tower, so a query also matches the words that mean it.

A file called `ParklandPlane2.wav` says "plane"; a user types "airplane". FTS5 matches words,
not meanings, and the file's sentence vector ("lincity ng sounds parkland plane") is diluted by
its folder names. So each distinct word the library holds is embedded once, when indexing, and
a query looks up the words nearest to it: with the default model "airplane" finds "aircraft"
(cosine 0.93) and "plane" (0.84), "train" finds "railway" and "locomotive", "fire" finds
"flame". The files holding such a word get `expanded` credit, rising from 0 at EXPAND_LOW to 1
at EXPAND_FULL; a word must also stand out from the vocabulary (z >= EXPAND_MIN_Z), so a model
whose text cosines all sit high expands to nothing rather than to everything. Words of deleted
files stay in the table: a word no file holds matches no file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from clap_search.db import FileWords, VocabularyWord, blob_to_vectors, vector_to_blob
from clap_search.library import Library
from clap_search.words.pathwords import split_words, useful_words
from clap_search.words.reference import head_key
from clap_search.words.semantic import Calibration, sample_ids

EXPAND_LOW = 0.6
EXPAND_FULL = 0.9
EXPAND_MIN_Z = 3.0
MAX_EXPANSIONS = 8
EMBED_BATCH = 256
SCAN_BATCH = 20_000
LOOKUP_BATCH = 5_000


def words_of(text: str) -> set[str]:
    return set(useful_words(split_words(text)))


def same_word(a: str, b: str) -> bool:
    """An inflection of a query word ("bird"/"birds", "bark"/"barking"): the lexical match's job."""
    short, long_ = sorted((a, b), key=len)
    return a == b or (len(short) >= 3 and long_.startswith(short) and len(long_) - len(short) <= 3)


def update_vocabulary(library: Library, embedder, words: set[str] | None = None) -> int:  # noqa: ANN001
    """Embed the words not yet in the vocabulary for the embedder's text head; returns how many.

    `words`: the words of the files just read. All of the library's words are gathered instead
    when None or when no word has a vector from this head yet (a library indexed before the
    vocabulary existed, or a text head changed by `adapt`)."""
    key = head_key(embedder)
    known = select(VocabularyWord.word).where(VocabularyWord.head == key)
    with library.session() as s:
        if words is None or s.scalar(known.limit(1)) is None:
            words = set()
            texts = s.execute(select(FileWords.text).where(FileWords.text != "")
                              .execution_options(yield_per=SCAN_BATCH)).scalars()
            for text in texts:
                words |= words_of(text)
            have = set(s.scalars(known))
        else:  # only the words just read are looked up: a big vocabulary is not read per run
            ask = sorted(words)
            have = {w for i in range(0, len(ask), LOOKUP_BATCH)
                    for w in s.scalars(known.where(VocabularyWord.word.in_(ask[i : i + LOOKUP_BATCH])))}
    todo = sorted(words - have)
    for i in range(0, len(todo), EMBED_BATCH):
        chunk = todo[i : i + EMBED_BATCH]
        vectors = embedder.embed_texts(chunk)
        with library.session() as s, s.begin():
            for word, vector in zip(chunk, vectors):
                s.merge(VocabularyWord(word=word, head=key, vector=vector_to_blob(np.asarray(vector))))
    return len(todo)


@dataclass(frozen=True)
class Bound:
    """An exact upper bound on every word's cosine with a query, from R principal directions.

    With P the top principal directions of the vocabulary (orthonormal columns) and r the rest of each vector,
    q.v = (Pq).(Pv) + r(q).r(v) <= (Pq).(Pv) + |r(q)| |r(v)|. The words' text vectors are far from
    isotropic (64 of 1,024 directions hold ~77 % of their spread), so for a real query the bound
    rules out ~99 % of the words at the expansion's floor, and the exact cosine is taken only for
    the rest: the same words as the full product, for a sixteenth of its memory traffic.
    """

    basis: np.ndarray  # dim x R
    projected: np.ndarray  # words x R
    rest: np.ndarray  # words: |r(v)|

    @classmethod
    def build(cls, vectors: np.ndarray, cov: np.ndarray) -> Bound:
        # The top directions by a few power steps from a fixed start (deterministic, and ~5x
        # cheaper than a full eigendecomposition on a cold query); any orthonormal basis keeps
        # the bound exact, a better one only makes it tighter.
        start = np.random.default_rng(0).standard_normal((cov.shape[0], BOUND_DIMS)).astype(np.float32)
        basis = np.linalg.qr(cov @ start)[0]
        for _ in range(BOUND_POWER_STEPS):
            basis = np.linalg.qr(cov @ basis)[0]
        basis = np.ascontiguousarray(basis, dtype=np.float32)
        projected = vectors @ basis
        rest = np.sqrt(np.maximum(0.0, (vectors * vectors).sum(1) - (projected * projected).sum(1)))
        return cls(basis, projected, rest.astype(np.float32))

    def above(self, q: np.ndarray, floor: float) -> np.ndarray:
        """Indices of the words whose cosine with q may exceed `floor` (a superset, in order)."""
        pq = q @ self.basis
        rq = float(np.sqrt(max(0.0, float(q @ q) - float(pq @ pq))))
        return np.flatnonzero(self.projected @ pq + rq * self.rest > floor - BOUND_SLACK)


BOUND_FROM = 4096  # words; a smaller vocabulary is scored exactly (a 4k x 1,024 product is ~0.3 ms)
BOUND_DIMS = 64
BOUND_POWER_STEPS = 3
BOUND_SLACK = 1e-4  # float32 rounding in the bound


@dataclass(frozen=True)
class Vocabulary:
    """Words and their unit vectors (one text head), with a calibration for the z guard."""

    words: list[str]
    vectors: np.ndarray
    calibration: Calibration
    bound: Bound | None = None

    @classmethod
    def load(cls, session: Session, key: str, dim: int, reference: np.ndarray | None = None) -> Vocabulary:
        rows = session.execute(select(VocabularyWord.word, VocabularyWord.vector)
                               .where(VocabularyWord.head == key).order_by(VocabularyWord.word)).all()
        vectors = blob_to_vectors([r[1] for r in rows], dim)
        sample = vectors[sample_ids(np.arange(len(vectors)))]  # a covariance of 30k words costs seconds
        if reference is not None:
            sample = np.concatenate([sample, reference.astype(np.float32)])
        calibration = Calibration.from_vectors(sample, dim)
        bound = Bound.build(vectors, calibration.cov) if len(vectors) >= BOUND_FROM else None
        return cls([r[0] for r in rows], vectors, calibration, bound)

    def expansions(self, query: np.ndarray, terms: list[str]) -> list[tuple[str, float]]:
        """(word, credit in (0, 1]) for the words nearest the query, best first; not the
        query's own words or their inflections, which the lexical match already finds."""
        if not self.words:
            return []
        q = np.asarray(query, np.float32).ravel()
        if self.bound is None:
            maybe, cos = np.arange(len(self.words)), self.vectors @ q
        else:
            maybe = self.bound.above(q, EXPAND_LOW)
            cos = self.vectors[maybe] @ q
        keep = cos > EXPAND_LOW  # a handful of a library's words, sorted alone
        near, cos = maybe[keep], cos[keep]
        if not len(near):
            return []
        order = np.argsort(-cos, kind="stable")
        near, cos = near[order], cos[order]
        z = self.calibration.z(q, cos)
        out = []
        for i, c, zi in zip(near.tolist(), cos.tolist(), z.tolist()):
            word = self.words[i]
            if zi >= EXPAND_MIN_Z and not any(same_word(word, t) for t in terms):
                out.append((word, min(1.0, (float(c) - EXPAND_LOW) / (EXPAND_FULL - EXPAND_LOW))))
                if len(out) == MAX_EXPANSIONS:
                    break
        return out
