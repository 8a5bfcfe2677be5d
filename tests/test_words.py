"""Words about files: path words, UCS names, RIFF chunks, tags (hostile ones too), the fusion rule."""

from __future__ import annotations

import mutagen.id3
import mutagen.oggvorbis
import mutagen.wave
import pytest
import soundfile as sf

from clap_search.words.metadata import clean_text, read_words
from clap_search.words.pathwords import path_words, split_words, useful_words
from clap_search.words.ranker import Signals, fuse
from clap_search.words.riff import MAX_CHUNK, read_riff
from clap_search.words.ucs import parse_ucs
from tests.conftest import SR, tone, write_sound
from tests.tagged import bext, bits, chunk, info, ixml, riff_wav


def test_split_words_handles_camel_case_digits_and_separators():
    assert split_words("ANMLFarm_Cow moo-long03") == ["anml", "farm", "cow", "moo", "long", "03"]
    assert split_words("DoorSlam.Heavy__02") == ["door", "slam", "heavy", "02"]
    assert useful_words(split_words("ZOOM0042")) == []
    assert useful_words(split_words("take_03_final")) == []


def test_path_words_start_at_the_indexed_root():
    name, folders = path_words("/home/ann/SFX/Animals/Farm/Cow Moo Close 03.wav", root="/home/ann/SFX")
    assert name == ["cow", "moo", "close", "03"]
    assert folders == ["farm", "animals", "sfx"]  # nearest first; nothing above the root


def test_ucs_names_map_their_catid_to_the_category():
    ucs = parse_ucs("ANMLFarm_Cow moo long_JD_Field")
    assert ucs is not None
    assert (ucs.category, ucs.subcategory, ucs.fx_name, ucs.creator, ucs.source) == (
        "animals", "farm", "Cow moo long", "JD", "Field")
    assert parse_ucs("FIREWRKBurst_Big rocket_AB_Lib").category == "fireworks"  # longest code wins
    assert parse_ucs("dog_bark_03") is None
    assert parse_ucs("ZOOM0042") is None


def test_riff_reader_finds_bext_info_and_ixml(tmp_path):
    xml = b"<BWFXML><USER><DESCRIPTION>heavy door slam</DESCRIPTION></USER><NOTE>take two</NOTE></BWFXML>"
    chunks = [bext(b"Thunder clap distant"), info(INAM=b"Storm", IKEY=b"rain; wind"), ixml(xml)]
    path = riff_wav(tmp_path / "a.wav", chunks)
    got = read_riff(path)
    assert got.problems == []
    assert got.fields["description"][0].rstrip(b"\0") == b"Thunder clap distant"
    assert got.fields["title"] == [b"Storm"] and got.fields["keywords"] == [b"rain; wind"]
    assert "heavy door slam" in got.fields["description"] and "take two" in got.fields["comment"]
    words = read_words(str(path))
    assert "Thunder clap distant" in words.fields["description"] and words.useful
    assert "thunder" in words.sentence.lower()


def test_a_50_mb_bext_is_skipped_with_a_reason(tmp_path):
    big = chunk(b"bext", b"A" * (50 << 20))
    path = riff_wav(tmp_path / "big.wav", [big, info(INAM=b"Rain on tin roof")])
    got = read_riff(path)
    assert any(f"limit {MAX_CHUNK}" in p for p in got.problems)
    assert got.fields["title"] == [b"Rain on tin roof"]  # what comes after it is still read


def test_lying_chunk_sizes_stop_the_walk_without_reading_past_the_end(tmp_path):
    lying = b"bext" + (2**31).to_bytes(4, "little") + b"short"
    path = riff_wav(tmp_path / "lie.wav", [], after=[lying])
    assert any("past the end" in p for p in read_riff(path).problems)
    bad_info = chunk(b"LIST", b"INFO" + b"INAM" + (10**6).to_bytes(4, "little") + b"x")
    path2 = riff_wav(tmp_path / "lie2.wav", [bad_info])
    assert any("INAM" in p for p in read_riff(path2).problems)


def test_ixml_entity_bombs_and_broken_xml_are_refused(tmp_path):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<x><NOTE>&b;</NOTE></x>")
    path = riff_wav(tmp_path / "bomb.wav", [ixml(bomb), ixml(b"<BWFXML><NOTE>unclosed")])
    problems = read_riff(path).problems
    assert any("DOCTYPE" in p for p in problems) and any("well-formed" in p for p in problems)


def test_binary_junk_and_odd_encodings_in_tags(tmp_path):
    path = riff_wav(tmp_path / "odd.wav", [info(INAM=b"Caf\xe9 ambience", ICMT=bits(300))])
    words = read_words(str(path))
    assert words.fields["title"] == "Café ambience"  # latin-1 bytes, not UTF-8
    assert "comment" not in words.fields and "binary junk" in (words.error or "")
    # ID3 inside a WAV, with a frame full of random bytes
    wav = write_sound(tmp_path / "id3.wav")
    tagged = mutagen.wave.WAVE(wav)
    tagged.add_tags()
    tagged.tags.add(mutagen.id3.TIT2(encoding=3, text=["Glass smash"]))
    tagged.tags.add(mutagen.id3.COMM(encoding=0, lang="eng", desc="", text=[bits(200, 1).decode("latin-1")]))
    tagged.save()
    words = read_words(str(wav))
    assert words.fields["title"] == "Glass smash" and "binary junk" in (words.error or "")
    assert clean_text(b"\x00\x00\x00") is None


def test_vorbis_comments_are_read(tmp_path):
    path = tmp_path / "c.ogg"
    sf.write(path, tone(1.0, 300), SR, format="OGG", subtype="VORBIS")
    f = mutagen.oggvorbis.OggVorbis(path)
    f["DESCRIPTION"] = ["Seagulls over the harbour"]
    f["KEYWORDS"] = ["birds, coast"]
    f.save()
    words = read_words(str(path))
    assert words.fields["description"] == "Seagulls over the harbour"
    assert "seagulls" in words.text.lower() and "coast" in words.text


def test_unreadable_tags_are_a_reason_not_a_crash(tmp_path):
    path = tmp_path / "broken.mp3"
    path.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x20" + bits(64))  # a tag header, then nonsense
    words = read_words(str(path))
    assert words.fields["name"] == ["broken"]


def test_no_word_evidence_keeps_the_audio_order():
    signals = Signals(audio={1: 0.2, 2: 0.5, 3: 0.4}, audio_z={1: 0.5, 2: 4.0, 3: 3.0},
                      semantic={1: 0.9}, semantic_z={1: 1.9})  # below the floor: no credit
    assert [r.file_id for r in fuse(signals, [1, 2, 3])] == [2, 3, 1]


def test_words_and_neighbours_lift_a_file_and_explain_it():
    signals = Signals(audio={1: 0.2, 2: 0.5}, audio_z={1: 0.0, 2: 2.0}, lexical={1: 1.0},
                      propagated={3: (0.8, 1)})
    ranked = fuse(signals, [1, 2, 3])
    assert [r.file_id for r in ranked] == [1, 3, 2]
    assert ranked[1].explain["propagated_from"] == 1 and ranked[0].explain["lexical"] == 1.0


def test_a_file_that_cannot_be_opened_keeps_its_path_words(tmp_path):
    words = read_words(str(tmp_path / "Animals" / "gone_dog_bark.wav"), root=str(tmp_path))
    assert words.fields["name"] == ["gone", "dog", "bark"] and words.useful
    assert "tags unreadable" in (words.error or "")


def test_what_a_file_borrows_adds_up_but_never_past_one_neighbour():
    from clap_search.words.ranker import W_LEXICAL, W_PROPAGATED, borrowed, word_part

    signals = Signals(propagated={2: (0.5, 1), 3: (1.0, 1)}, feedback={2: 0.25, 3: 1.0, 4: 0.5},
                      lexical={1: 1.0})
    assert borrowed(signals, 2) == pytest.approx(0.75) and borrowed(signals, 4) == pytest.approx(0.5)
    assert borrowed(signals, 3) == 1.0  # both full: still one neighbour's worth
    assert word_part(signals, 3) == W_PROPAGATED < W_LEXICAL == word_part(signals, 1)
