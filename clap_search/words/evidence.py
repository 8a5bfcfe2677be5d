"""Gathers one query's word evidence: lexical (FTS5), expanded (words meaning the query),
semantic (word vectors), propagated (graph)."""

from __future__ import annotations

import heapq

import numpy as np
from sqlalchemy.orm import Session

from clap_search.words.lexical import files_with_word, lexical_match, query_terms
from clap_search.words.ranker import Signals, word_evidence
from clap_search.words.semantic import WordState, semantic_scores

SEMANTIC_FETCH = 64
PROPAGATE_FROM = 100


def gather(session: Session, state: WordState, text: str, query: np.ndarray) -> Signals:
    """Word signals for every file with some evidence (audio is added by the caller)."""
    signals = Signals()
    signals.lexical = lexical_match(session, text).scores
    for word, credit in state.vocabulary.expansions(query, query_terms(text)):
        for fid in files_with_word(session, word):
            if credit > signals.expanded.get(fid, (0.0, ""))[0]:
                signals.expanded[fid] = (credit, word)
    signals.semantic, signals.semantic_z = semantic_scores(state, query, SEMANTIC_FETCH)
    own = {fid: word_evidence(signals, fid)
           for fid in set(signals.lexical) | set(signals.expanded) | set(signals.semantic_z)}
    evidence = dict(heapq.nlargest(PROPAGATE_FROM, ((f, e) for f, e in own.items() if e > 0),
                                   key=lambda kv: kv[1]))
    for src, dst, weight in state.graph.neighbours_of(list(evidence)):
        credit = weight * evidence[src]
        if credit > signals.propagated.get(dst, (0.0, 0))[0]:
            signals.propagated[dst] = (credit, src)
    return signals
