"""Lexical match of a query on the files' words: SQLite FTS5 (porter-stemmed), IDF-weighted.

On PostgreSQL the same lookups go to its full-text search (`english`: Snowball stemming, a GIN
index on file_words.text), ranked by ts_rank instead of BM25: only the order of the 200 files
kept per word can differ, never which files contain it.

Each query word is looked up on its own, so a file's score is the share of the query's
informative words it contains, weighted by how rare each word is in the library (BM25's IDF):
"a cow mooing" gives cow.wav 1.0 when no file says "moo", and a file with both words beats a
file with one. Words no file contains are left out of the share: they can only be matched by
sound, and should not dilute a name that matches everything the library can match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from clap_search.words.pathwords import split_words, useful_words

# (files matching a phrase, best first, at most :n), (how many files match it), per SQL dialect
MATCH_SQL = {
    "sqlite": (
        "SELECT rowid FROM words_fts WHERE words_fts MATCH :q ORDER BY rank LIMIT :n",
        "SELECT count(*) FROM words_fts WHERE words_fts MATCH :q",
    ),
    "postgresql": (
        "SELECT file_id FROM file_words WHERE to_tsvector('english', text) @@ phraseto_tsquery('english', :q)"
        " ORDER BY ts_rank(to_tsvector('english', text), phraseto_tsquery('english', :q)) DESC, file_id"
        " LIMIT :n",
        "SELECT count(*) FROM file_words"
        " WHERE to_tsvector('english', text) @@ phraseto_tsquery('english', :q)",
    ),
}
MAX_TERMS = 12
PER_TERM = 200  # files fetched per word (best BM25 first); a word in more files is hardly rare


@dataclass
class LexicalMatch:
    """file id -> share of the query's (IDF-weighted) known words it contains, in [0, 1]."""

    scores: dict[int, float] = field(default_factory=dict)
    terms: dict[str, int] = field(default_factory=dict)  # word -> files containing it


def query_terms(query: str) -> list[str]:
    return list(dict.fromkeys(useful_words(split_words(query))))[:MAX_TERMS]


def _phrase(session: Session, word: str) -> tuple[str, str, str]:
    """(find SQL, count SQL, the word as a phrase of this dialect's full-text search)."""
    dialect = session.get_bind().dialect.name
    find, how_many = MATCH_SQL[dialect]
    return find, how_many, ('"' + word.replace('"', '""') + '"' if dialect == "sqlite" else word)


def files_with_word(session: Session, word: str) -> list[int]:
    """The files holding `word` (stemmed), best first, at most PER_TERM."""
    find, _, phrase = _phrase(session, word)
    return list(session.execute(text(find), {"q": phrase, "n": PER_TERM}).scalars().all())


def count_files_with_word(session: Session, word: str) -> int:
    _, how_many, phrase = _phrase(session, word)
    return session.execute(text(how_many), {"q": phrase}).scalar() or 0


def lexical_match(session: Session, query: str) -> LexicalMatch:
    """FTS5 lookups, one per informative query word."""
    out = LexicalMatch()
    terms = query_terms(query)
    if not terms:
        return out
    total = session.execute(text("SELECT count(*) FROM file_words")).scalar() or 0
    weights: dict[str, float] = {}
    matched: dict[str, list[int]] = {}
    for term in terms:
        rows = files_with_word(session, term)
        if not rows:
            continue
        df = len(rows)
        if df == PER_TERM:
            df = count_files_with_word(session, term) or df
        out.terms[term] = df
        weights[term] = math.log(1 + (total - df + 0.5) / (df + 0.5))
        matched[term] = list(rows)
    denominator = sum(weights.values())
    if denominator <= 0:
        return out
    for term, ids in matched.items():
        share = weights[term] / denominator
        for fid in ids:
            out.scores[fid] = out.scores.get(fid, 0.0) + share
    return out
