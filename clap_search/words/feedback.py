"""Feedback in the audio space: the files whose own words match a query lend it their sound.

A user types "cow" into a library where three files are named cow and forty are ZOOM0042.WAV.
The kNN graph (graph.py) passes each name's match to that file's nearest files, one edge at a
time; this scores those same neighbours against the matched files' sound as a group. The
normalised mean of the matched files' audio vectors (Rocchio's relevance feedback, with the best
lexical matches standing in for the files a user would have marked) is compared with each
neighbour's mean audio vector, as a z-score against the library (semantic.Calibration), credited
as the meaning signal is (ranker.z_credit: 0 at z 2, 1 from z 5). A file near several matched
files, or near their common sound, gains more than from its single best edge; a matched file
lends but does not borrow. With no file whose words match there is no feedback, and the order
stays the audio order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy.orm import Session

from clap_search.db import blob_to_vectors, driver_rows
from clap_search.words.ranker import Signals, lexical_credit, z_credit

if TYPE_CHECKING:
    from clap_search.words.semantic import WordState

MIN_CREDIT = 0.5  # a file lends its sound when at least half the query's (IDF-weighted) words match
LENDERS = 10


def lenders(signals: Signals) -> list[int]:
    """The files whose words match the query best (ties: the better audio score), at most LENDERS."""
    ids = set(signals.lexical) | set(signals.expanded)
    ranked = sorted(((lexical_credit(signals, f), signals.audio.get(f, -1.0), -f) for f in ids), reverse=True)
    return [-neg for credit, _, neg in ranked if credit >= MIN_CREDIT][:LENDERS]


def _means(session: Session, file_ids: list[int], dim: int) -> tuple[list[int], np.ndarray]:
    """(ids, mean audio vectors) of those of these files that have one."""
    listed = ",".join(str(int(f)) for f in file_ids)
    rows = driver_rows(session, "SELECT file_id, audio_mean FROM file_words"
                                f" WHERE file_id IN ({listed}) AND audio_mean IS NOT NULL")
    return [r[0] for r in rows], blob_to_vectors([bytes(r[1]) for r in rows], dim)


def feedback_credits(session: Session, state: WordState, signals: Signals, dim: int) -> dict[int, float]:
    """file id -> feedback credit, for the lenders' audio neighbours (graph.py): the files that
    sound like one of them are the ones that can sound like them as a group, and the graph holds
    them already, so no second vector search is needed."""
    lent = lenders(signals)
    if not lent:
        return {}
    ids, vectors = _means(session, lent, dim)
    if not ids:
        return {}
    centroid = vectors.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    near = sorted({dst for _, dst, _ in state.graph.neighbours_of(lent)} - set(lent))
    near, means = _means(session, near, dim) if near else ([], np.zeros((0, dim), np.float32))
    z = state.audio_calibration.z(centroid, means @ centroid)
    return {fid: c for fid, c in zip(near, map(z_credit, z.tolist())) if c > 0}
