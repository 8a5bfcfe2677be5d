"""Gathers one query's word evidence: lexical (FTS5), expanded (words meaning the query),
semantic (word vectors), propagated (graph)."""

from __future__ import annotations

import heapq
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from clap_search.words.lexical import Postings, lexical_match, postings, query_terms
from clap_search.words.ranker import Signals, word_evidence
from clap_search.words.semantic import WordState, semantic_scores

SEMANTIC_FETCH = 64
PROPAGATE_FROM = 100


@dataclass(frozen=True)
class Nearby:
    """What the query vector alone finds (no database): the library words meaning the query,
    and the files whose words' vectors match it."""

    expansions: list[tuple[str, float]]
    semantic: dict[int, float]
    semantic_z: dict[int, float]


def nearby(state: WordState, text: str, query: np.ndarray) -> Nearby:
    """Vector work only (numpy, FAISS: both release the GIL), so it can run beside the SQL."""
    semantic, semantic_z = semantic_scores(state, query, SEMANTIC_FETCH)
    return Nearby(state.vocabulary.expansions(query, query_terms(text)), semantic, semantic_z)


def gather(
    session: Session, state: WordState, found: dict[str, Postings], near: Nearby, among: Collection[int] = ()
) -> Signals:
    """Word signals for every file with some evidence (audio is added by the caller); `found`:
    lexical.look_up of the query; `near`: nearby(); `among`: the files the audio search already
    proposes, which a common word credits (words/lexical.py)."""
    signals = Signals()
    signals.lexical = lexical_match(session, found, among, state.documents).scores
    for word, credit in near.expansions:
        for fid in postings(session, word).credited(session, among):
            if credit > signals.expanded.get(fid, (0.0, ""))[0]:
                signals.expanded[fid] = (credit, word)
    signals.semantic, signals.semantic_z = near.semantic, near.semantic_z
    own = {fid: word_evidence(signals, fid)
           for fid in set(signals.lexical) | set(signals.expanded) | set(signals.semantic_z)}
    evidence = dict(heapq.nlargest(PROPAGATE_FROM, ((f, e) for f, e in own.items() if e > 0),
                                   key=lambda kv: kv[1]))
    for src, dst, weight in state.graph.neighbours_of(list(evidence)):
        credit = weight * evidence[src]
        if credit > signals.propagated.get(dst, (0.0, 0))[0]:
            signals.propagated[dst] = (credit, src)
    return signals
