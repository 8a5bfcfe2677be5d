"""The lexical signal: which files a query word credits, and how rare it counts, on both backends."""

from __future__ import annotations

import pytest

from clap_search.db import STATUS_OK, File, FileWords
from clap_search.words import lexical


def _files_saying(library, texts: dict[int, str]) -> None:
    """Files with these words, written as the indexer leaves them (the full-text index follows)."""
    with library.session() as s, s.begin():
        s.add_all(File(id=i, path=f"/lib/f{i}.wav", size=1, mtime=0, duration=1.0, status=STATUS_OK,
                       indexed_at=0) for i in texts)
        s.flush()
        s.add_all(FileWords(file_id=i, source=0, text=w, sentence=w, useful=True) for i, w in texts.items())


DOGS = {i: "dog bark close" for i in range(1, 9)}
COWS = {i: "cow moo field" for i in range(9, 13)}


def _credited(library, query: str, among: set[int]) -> tuple[dict, lexical.LexicalMatch]:
    with library.session() as s:
        found = lexical.look_up(s, query)
        return found, lexical.lexical_match(s, found, among)


def test_a_rare_word_credits_every_file_and_a_common_one_the_candidates(library, monkeypatch):
    monkeypatch.setattr(lexical, "PER_TERM", 5)
    _files_saying(library, DOGS | COWS)
    found, match = _credited(library, "dogs mooing", among={7, 8, 9})
    assert found["dogs"].count == 8 and found["mooing"].count == 4  # stemmed, counted exactly
    assert match.terms == {"dogs": 8, "mooing": 4}
    cows = {f for f in match.scores if f in COWS}
    assert cows == set(COWS)  # rare (4 <= 5 files): every file holding it
    dogs = {f for f in match.scores if f in DOGS}
    assert {7, 8} <= dogs and len(dogs) == 5 + len({7, 8} - set(found["dogs"].files[:5]))
    # the rarer word counts for more (BM25's IDF), and the shares add up to 1 over the words
    assert match.scores[9] > match.scores[7] and match.scores[9] + match.scores[7] == pytest.approx(1.0)


def test_a_word_in_most_of_the_library_is_counted_and_asked_about_the_candidates(library, monkeypatch):
    monkeypatch.setattr(lexical, "PER_TERM", 3)
    monkeypatch.setattr(lexical, "READ_ALL", 6)
    _files_saying(library, DOGS | COWS)
    found, match = _credited(library, "dog", among={8, 12})
    assert found["dog"].count == 8 and len(found["dog"].files) == 6  # beyond READ_ALL: counted
    credited = set(match.scores)
    assert 8 in credited and 12 not in credited and credited <= set(DOGS)
    assert len(credited) == 3 + (8 not in found["dog"].files[:3])


def test_words_no_file_holds_are_left_out_of_the_share(library):
    _files_saying(library, DOGS | COWS)
    found, match = _credited(library, "cow zebra", among=set())
    assert found["zebra"].count == 0 and match.terms == {"cow": 4}
    assert all(score == pytest.approx(1.0) for score in match.scores.values())
    assert lexical.lexical_match(None, {}, set()).scores == {}  # no informative word: nothing to look up
